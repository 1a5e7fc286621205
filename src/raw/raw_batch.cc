// Batch operations of RawEngine: batch get, batch delete and batch put, split by region and
// size and run in parallel fibers.  Port of client-go rawkv.go (BatchGet, BatchDelete,
// BatchPutWithTTL, sendBatchReq, doBatchReq, sendBatchPut, doBatchPut).

#include <map>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "env/wait_group.h"
#include "kvrpcpb.pb.h"
#include "raw/raw_engine.h"
#include "raw/validate.h"

namespace tikv::raw {

absl::Status RawEngine::RunBatches(
    locate::Backoffer& bo, const std::vector<Batch>& batches,
    const std::function<absl::Status(locate::Backoffer&, const Batch&)>& fn) {
  if (batches.empty()) return absl::OkStatus();
  if (batches.size() == 1) {
    // One batch needs no fiber; its retries use `bo` directly.
    return fn(bo, batches[0]);
  }
  // Like client-go: one fork shared by the batches (cancelled on the first error, which stops
  // the siblings' sends and sleeps) and one fork of it per batch.
  locate::Backoffer forked = bo.Fork();
  std::vector<std::unique_ptr<locate::Backoffer>> singles;
  singles.reserve(batches.size());
  for (size_t i = 0; i < batches.size(); ++i) {
    singles.push_back(std::make_unique<locate::Backoffer>(forked.Fork()));
  }
  absl::Mutex mu;
  absl::Status first_error;
  int last_finished = -1;
  env::WaitGroup wg;
  wg.Add(static_cast<int64_t>(batches.size()));
  for (size_t i = 0; i < batches.size(); ++i) {
    env_.executor().Spawn({.name = "raw-batch"}, [&, i] {
      absl::Status s = fn(*singles[i], batches[i]);
      {
        absl::MutexLock lock(&mu);
        last_finished = static_cast<int>(i);
        if (!s.ok() && first_error.ok()) {
          first_error = s;
          forked.cancel_token().Cancel();
        }
      }
      wg.Done();
    });
  }
  wg.Wait();
  // client-go merges the backoff history of whichever batch finished last.
  if (last_finished >= 0) bo.UpdateUsingForked(*singles[static_cast<size_t>(last_finished)]);
  absl::MutexLock lock(&mu);
  return first_error;
}

absl::StatusOr<std::vector<std::optional<std::string>>> RawEngine::BatchGet(
    const std::vector<std::string>& keys, const RawCallOptions& o) {
  CancelToken token = CallToken(o);
  locate::Backoffer bo = NewBackoffer(token);
  std::vector<KvPair> pairs;
  if (absl::Status s = SendBatchKeys(bo, keys, rpc::CmdType::kRawBatchGet, ColumnFamily(o),
                                     &pairs);
      !s.ok()) {
    return s;
  }
  std::map<std::string, std::string, std::less<>> found;
  for (KvPair& p : pairs) found[std::move(p.key)] = std::move(p.value);
  std::vector<std::optional<std::string>> values(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    auto it = found.find(keys[i]);
    if (it != found.end()) values[i] = it->second;
  }
  return values;
}

absl::Status RawEngine::BatchDelete(const std::vector<std::string>& keys,
                                    const RawCallOptions& o) {
  CancelToken token = CallToken(o);
  locate::Backoffer bo = NewBackoffer(token);
  return SendBatchKeys(bo, keys, rpc::CmdType::kRawBatchDelete, ColumnFamily(o), nullptr);
}

absl::Status RawEngine::SendBatchKeys(locate::Backoffer& bo, const std::vector<std::string>& keys,
                                      rpc::CmdType type, const std::string& cf,
                                      std::vector<KvPair>* pairs) {
  if (closed()) return absl::FailedPreconditionError("raw: client is closed");
  auto groups = stack_->cache().GroupKeysByRegion(bo, keys, nullptr);
  if (!groups.ok()) return groups.status();
  std::vector<Batch> batches;
  // GroupKeysByRegion orders regions by id, so batches are built in a deterministic order
  // (client-go ranges over a Go map here).
  for (const auto& [region, group_keys] : *groups) {
    AppendKeyBatches(batches, region, group_keys, options_.batch_pair_count);
  }
  absl::Mutex mu;
  return RunBatches(bo, batches, [&](locate::Backoffer& single, const Batch& batch) {
    std::vector<KvPair> got;
    absl::Status s = DoBatchKeys(single, batch, type, cf, pairs != nullptr ? &got : nullptr);
    if (s.ok() && pairs != nullptr) {
      absl::MutexLock lock(&mu);
      for (KvPair& p : got) pairs->push_back(std::move(p));
    }
    return s;
  });
}

absl::Status RawEngine::DoBatchKeys(locate::Backoffer& bo, const Batch& batch, rpc::CmdType type,
                                    const std::string& cf, std::vector<KvPair>* pairs) {
  std::unique_ptr<google::protobuf::Message> msg;
  if (type == rpc::CmdType::kRawBatchGet) {
    auto get = std::make_unique<kvrpcpb::RawBatchGetRequest>();
    for (const std::string& k : batch.keys) get->add_keys(k);
    get->set_cf(cf);
    msg = std::move(get);
  } else {
    auto del = std::make_unique<kvrpcpb::RawBatchDeleteRequest>();
    for (const std::string& k : batch.keys) del->add_keys(k);
    del->set_cf(cf);
    del->set_for_cas(options_.atomic_for_cas);
    msg = std::move(del);
  }
  rpc::Request req = NewRequest(type, std::move(msg), true);
  absl::StatusOr<rpc::Response> resp =
      stack_->sender().SendReq(bo, req, batch.region, AttemptTimeout(bo.cancel_token()));
  if (!resp.ok()) return resp.status();
  if (const errorpb::Error* region_error = resp->region_error()) {
    if (absl::Status s = locate::MayBackoffForRegionError(*region_error, bo); !s.ok()) return s;
    // The region changed under the batch: regroup its keys and send again.
    return SendBatchKeys(bo, batch.keys, type, cf, pairs);
  }
  if (!resp->has_message()) return absl::InternalError("raw: response body missing");
  if (type == rpc::CmdType::kRawBatchGet) {
    const auto* body = resp->As<kvrpcpb::RawBatchGetResponse>();
    if (body == nullptr) return absl::InternalError("raw: unexpected response type");
    for (const kvrpcpb::KvPair& kv : body->pairs()) {
      if (kv.has_error()) return PairError(kv);
      pairs->push_back(KvPair{kv.key(), kv.value()});
    }
    return absl::OkStatus();
  }
  const auto* body = resp->As<kvrpcpb::RawBatchDeleteResponse>();
  if (body == nullptr) return absl::InternalError("raw: unexpected response type");
  if (!body->error().empty()) return RawServerError(body->error());
  return absl::OkStatus();
}

absl::Status RawEngine::BatchPut(const std::vector<std::string>& keys,
                                 const std::vector<std::string>& values,
                                 const std::vector<uint64_t>& ttls, const RawCallOptions& o) {
  CancelToken token = CallToken(o);
  locate::Backoffer bo = NewBackoffer(token);
  return SendBatchPut(bo, keys, values, ttls, ColumnFamily(o));
}

absl::Status RawEngine::SendBatchPut(locate::Backoffer& bo, const std::vector<std::string>& keys,
                                     const std::vector<std::string>& values,
                                     const std::vector<uint64_t>& ttls, const std::string& cf) {
  if (closed()) return absl::FailedPreconditionError("raw: client is closed");
  // Like client-go, a key given twice keeps its last value (and TTL).
  std::map<std::string, std::pair<std::string, uint64_t>, std::less<>> by_key;
  for (size_t i = 0; i < keys.size(); ++i) {
    by_key[keys[i]] = {values[i], ttls.empty() ? 0 : ttls[i]};
  }
  auto groups = stack_->cache().GroupKeysByRegion(bo, keys, nullptr);
  if (!groups.ok()) return groups.status();
  std::vector<Batch> batches;
  for (const auto& [region, group_keys] : *groups) {
    std::vector<std::string> group_values;
    std::vector<uint64_t> group_ttls;
    for (const std::string& k : group_keys) {
      const auto& entry = by_key.find(k)->second;
      group_values.push_back(entry.first);
      group_ttls.push_back(entry.second);
    }
    AppendPairBatches(batches, region, group_keys, group_values, group_ttls,
                      options_.batch_put_size);
  }
  return RunBatches(bo, batches, [&](locate::Backoffer& single, const Batch& batch) {
    return DoBatchPut(single, batch, cf);
  });
}

absl::Status RawEngine::DoBatchPut(locate::Backoffer& bo, const Batch& batch,
                                   const std::string& cf) {
  auto msg = std::make_unique<kvrpcpb::RawBatchPutRequest>();
  for (size_t i = 0; i < batch.keys.size(); ++i) {
    kvrpcpb::KvPair* pair = msg->add_pairs();
    pair->set_key(batch.keys[i]);
    pair->set_value(batch.values[i]);
  }
  for (uint64_t ttl : batch.ttls) msg->add_ttls(ttl);
  // The deprecated scalar field carries the first TTL, as client-go sends it.
  msg->set_ttl(batch.ttls.empty() ? 0 : batch.ttls[0]);
  msg->set_cf(cf);
  msg->set_for_cas(options_.atomic_for_cas);
  rpc::Request req = NewRequest(rpc::CmdType::kRawBatchPut, std::move(msg), true);
  absl::StatusOr<rpc::Response> resp =
      stack_->sender().SendReq(bo, req, batch.region, AttemptTimeout(bo.cancel_token()));
  if (!resp.ok()) return resp.status();
  if (const errorpb::Error* region_error = resp->region_error()) {
    if (absl::Status s = locate::MayBackoffForRegionError(*region_error, bo); !s.ok()) return s;
    return SendBatchPut(bo, batch.keys, batch.values, batch.ttls, cf);
  }
  if (!resp->has_message()) return absl::InternalError("raw: response body missing");
  const auto* body = resp->As<kvrpcpb::RawBatchPutResponse>();
  if (body == nullptr) return absl::InternalError("raw: unexpected response type");
  if (!body->error().empty()) return RawServerError(body->error());
  return absl::OkStatus();
}

}  // namespace tikv::raw
