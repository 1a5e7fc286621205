// Single-key operations, scans, range operations and the shared send loop of RawEngine.
// Batch operations are in raw_batch.cc.

#include "raw/raw_engine.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kvrpcpb.pb.h"
#include "raw/validate.h"
#include "util/status_macros.h"

namespace tikv::raw {

RawEngine::RawEngine(Env& env, RawClientOptions options, std::unique_ptr<RawStack> stack)
    : env_(env), options_(std::move(options)), stack_(std::move(stack)) {
  cluster_id_ = stack_->cluster_id();
}

RawEngine::~RawEngine() { Close(); }

void RawEngine::Close() {
  if (closed_.exchange(true)) return;
  stack_->Close();
}

bool RawEngine::closed() const { return closed_.load(); }

CancelToken RawEngine::CallToken(const RawCallOptions& o) {
  MonoTime deadline = MonoTime::Infinite();
  if (o.timeout > Duration::zero()) deadline = env_.clock().Now() + o.timeout;
  return CancelToken::ChildOf(o.cancel, deadline);
}

locate::Backoffer RawEngine::NewBackoffer(const CancelToken& token) {
  return locate::Backoffer(env_, options_.max_backoff_ms, token);
}

std::string RawEngine::ColumnFamily(const RawCallOptions& o) const {
  // Port of client-go getColumnFamily: the call's CF wins over the client's.
  return o.column_family.empty() ? options_.column_family : o.column_family;
}

rpc::Request RawEngine::NewRequest(rpc::CmdType type,
                                   std::unique_ptr<google::protobuf::Message> message,
                                   bool write) {
  rpc::Request request(type, std::move(message));
  request.mutable_context()->set_cluster_id(cluster_id_);
  if (write) {
    // client-go sets MaxExecutionDurationMs (MaxWriteExecutionTime) on delete, batch get,
    // batch delete, batch put, delete range and CAS, so TiKV can drop a write that waited too
    // long in its queues instead of applying it after the client gave up.
    request.mutable_context()->set_max_execution_duration_ms(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.max_write_execution)
            .count()));
  }
  return request;
}

Duration RawEngine::AttemptTimeout(const CancelToken& token) {
  Duration timeout = options_.rpc_timeout;
  const MonoTime deadline = token.deadline();
  if (deadline != MonoTime::Infinite()) {
    const Duration left = deadline - env_.clock().Now();
    // Never zero: the sender treats 0 as "its default"; a spent deadline is reported by the
    // Backoffer / transport as kDeadlineExceeded.
    timeout = std::max(std::min(timeout, left), Duration(std::chrono::milliseconds(1)));
  }
  return timeout;
}

absl::StatusOr<std::pair<rpc::Response, locate::KeyLocation>> RawEngine::SendReq(
    locate::Backoffer& bo, std::string_view key, rpc::Request& request, bool reverse) {
  if (closed()) return absl::FailedPreconditionError("raw: client is closed");
  for (;;) {
    // Reverse scans locate by end key: the region whose range ends at (or contains from the
    // left) the exclusive upper bound.
    absl::StatusOr<locate::KeyLocation> loc =
        reverse ? stack_->cache().LocateEndKey(bo, key) : stack_->cache().LocateKey(bo, key);
    if (!loc.ok()) return loc.status();
    absl::StatusOr<rpc::Response> resp = stack_->sender().SendReq(
        bo, request, loc->region, AttemptTimeout(bo.cancel_token()));
    if (!resp.ok()) return resp.status();
    if (const errorpb::Error* region_error = resp->region_error()) {
      // Divergence: client-go rawkv backs off regionMiss on every region error; like the
      // transactional paths we skip the sleep after a genuine EpochNotMatch (the cache already
      // holds the new regions), which only makes retries faster.
      if (absl::Status s = locate::MayBackoffForRegionError(*region_error, bo); !s.ok()) return s;
      continue;
    }
    if (!resp->has_message()) return absl::InternalError("raw: response body missing");
    return std::make_pair(std::move(*resp), std::move(*loc));
  }
}

namespace {

template <typename M>
absl::StatusOr<const M*> Body(const rpc::Response& resp) {
  const M* body = resp.As<M>();
  if (body == nullptr) {
    return absl::InternalError(
        absl::StrCat("raw: unexpected response type ", resp.message().GetTypeName()));
  }
  if constexpr (requires { body->error().empty(); }) {
    if (!body->error().empty()) return RawServerError(body->error());
  }
  return body;
}

}  // namespace

absl::StatusOr<std::optional<std::string>> RawEngine::Get(std::string_view key,
                                                          const RawCallOptions& o) {
  CancelToken token = CallToken(o);
  locate::Backoffer bo = NewBackoffer(token);
  kvrpcpb::RawGetRequest msg;
  msg.set_key(std::string(key));
  msg.set_cf(ColumnFamily(o));
  rpc::Request req = NewRequest(rpc::CmdType::kRawGet,
                                std::make_unique<kvrpcpb::RawGetRequest>(std::move(msg)), false);
  auto sent = SendReq(bo, key, req, false);
  if (!sent.ok()) return sent.status();
  auto body = Body<kvrpcpb::RawGetResponse>(sent->first);
  if (!body.ok()) return body.status();
  if ((*body)->not_found()) return std::optional<std::string>();
  // protobuf gives an empty string for empty bytes, so a stored empty value stays "" here
  // (client-go has to turn gRPC's nil back into an empty slice).
  return std::optional<std::string>((*body)->value());
}

absl::StatusOr<std::optional<uint64_t>> RawEngine::GetKeyTtl(std::string_view key,
                                                             const RawCallOptions& o) {
  CancelToken token = CallToken(o);
  locate::Backoffer bo = NewBackoffer(token);
  kvrpcpb::RawGetKeyTTLRequest msg;
  msg.set_key(std::string(key));
  msg.set_cf(ColumnFamily(o));
  rpc::Request req =
      NewRequest(rpc::CmdType::kRawGetKeyTtl,
                 std::make_unique<kvrpcpb::RawGetKeyTTLRequest>(std::move(msg)), false);
  auto sent = SendReq(bo, key, req, false);
  if (!sent.ok()) return sent.status();
  auto body = Body<kvrpcpb::RawGetKeyTTLResponse>(sent->first);
  if (!body.ok()) return body.status();
  if ((*body)->not_found()) return std::optional<uint64_t>();
  return std::optional<uint64_t>((*body)->ttl());
}

absl::Status RawEngine::Put(std::string_view key, std::string_view value, uint64_t ttl,
                            const RawCallOptions& o) {
  CancelToken token = CallToken(o);
  locate::Backoffer bo = NewBackoffer(token);
  kvrpcpb::RawPutRequest msg;
  msg.set_key(std::string(key));
  msg.set_value(std::string(value));
  msg.set_ttl(ttl);
  msg.set_cf(ColumnFamily(o));
  msg.set_for_cas(options_.atomic_for_cas);
  // client-go does not set a write execution limit on a single put.
  rpc::Request req = NewRequest(rpc::CmdType::kRawPut,
                                std::make_unique<kvrpcpb::RawPutRequest>(std::move(msg)), false);
  auto sent = SendReq(bo, key, req, false);
  if (!sent.ok()) return sent.status();
  return Body<kvrpcpb::RawPutResponse>(sent->first).status();
}

absl::Status RawEngine::Delete(std::string_view key, const RawCallOptions& o) {
  CancelToken token = CallToken(o);
  locate::Backoffer bo = NewBackoffer(token);
  kvrpcpb::RawDeleteRequest msg;
  msg.set_key(std::string(key));
  msg.set_cf(ColumnFamily(o));
  msg.set_for_cas(options_.atomic_for_cas);
  rpc::Request req = NewRequest(rpc::CmdType::kRawDelete,
                                std::make_unique<kvrpcpb::RawDeleteRequest>(std::move(msg)), true);
  auto sent = SendReq(bo, key, req, false);
  if (!sent.ok()) return sent.status();
  return Body<kvrpcpb::RawDeleteResponse>(sent->first).status();
}

absl::StatusOr<CasResult> RawEngine::CompareAndSwap(std::string_view key,
                                                    std::optional<std::string_view> expected,
                                                    std::string_view new_value,
                                                    const RawCallOptions& o) {
  if (!options_.atomic_for_cas) {
    return absl::FailedPreconditionError(
        "raw: using CompareAndSwap without enabling atomic mode (RawClientOptions::atomic_for_cas)");
  }
  CancelToken token = CallToken(o);
  locate::Backoffer bo = NewBackoffer(token);
  kvrpcpb::RawCASRequest msg;
  msg.set_key(std::string(key));
  msg.set_value(std::string(new_value));
  msg.set_cf(ColumnFamily(o));
  if (expected.has_value()) {
    msg.set_previous_value(std::string(*expected));
  } else {
    msg.set_previous_not_exist(true);
  }
  rpc::Request req = NewRequest(rpc::CmdType::kRawCompareAndSwap,
                                std::make_unique<kvrpcpb::RawCASRequest>(std::move(msg)), true);
  auto sent = SendReq(bo, key, req, false);
  if (!sent.ok()) return sent.status();
  auto body = Body<kvrpcpb::RawCASResponse>(sent->first);
  if (!body.ok()) return body.status();
  CasResult result;
  result.swapped = (*body)->succeed();
  if (!(*body)->previous_not_exist()) result.previous = (*body)->previous_value();
  return result;
}

absl::StatusOr<std::vector<KvPair>> RawEngine::Scan(std::string start, std::string_view end,
                                                    int limit, const RawCallOptions& o) {
  CancelToken token = CallToken(o);
  std::vector<KvPair> out;
  // Port of client-go Scan: one request per region, each asking for what is still missing,
  // continuing at the region's end key.  Each region gets a fresh Backoffer like client-go's
  // per-sendReq one.
  while (static_cast<int>(out.size()) < limit && (end.empty() || start < end)) {
    TIKV_ASSIGN_OR_RETURN(locate::KeyLocation loc,
                          ScanOneRegion(token, start, end, limit, /*reverse=*/false, o, &out));
    start = loc.end_key;
    if (start.empty()) break;
  }
  return out;
}

absl::StatusOr<std::vector<KvPair>> RawEngine::ReverseScan(std::string start,
                                                           std::string_view end, int limit,
                                                           const RawCallOptions& o) {
  CancelToken token = CallToken(o);
  std::vector<KvPair> out;
  // Port of client-go ReverseScan: `start` is the exclusive upper bound; walk regions
  // downwards, continuing at each region's start key.
  while (static_cast<int>(out.size()) < limit && start > end) {
    TIKV_ASSIGN_OR_RETURN(locate::KeyLocation loc,
                          ScanOneRegion(token, start, end, limit, /*reverse=*/true, o, &out));
    start = loc.start_key;
    if (start.empty()) break;
  }
  return out;
}

absl::StatusOr<locate::KeyLocation> RawEngine::ScanOneRegion(const CancelToken& token,
                                                             const std::string& start,
                                                             std::string_view end, int limit,
                                                             bool reverse,
                                                             const RawCallOptions& o,
                                                             std::vector<KvPair>* out) {
  locate::Backoffer bo = NewBackoffer(token);
  kvrpcpb::RawScanRequest msg;
  msg.set_start_key(start);
  msg.set_end_key(std::string(end));
  msg.set_limit(static_cast<uint32_t>(limit - static_cast<int>(out->size())));
  msg.set_key_only(o.key_only);
  msg.set_cf(ColumnFamily(o));
  msg.set_reverse(reverse);
  rpc::Request req = NewRequest(rpc::CmdType::kRawScan,
                                std::make_unique<kvrpcpb::RawScanRequest>(std::move(msg)), false);
  auto sent = SendReq(bo, start, req, reverse);
  if (!sent.ok()) return sent.status();
  auto body = Body<kvrpcpb::RawScanResponse>(sent->first);
  if (!body.ok()) return body.status();
  for (const kvrpcpb::KvPair& kv : (*body)->kvs()) {
    if (kv.has_error()) return PairError(kv);
    if (static_cast<int>(out->size()) >= limit) break;
    out->push_back(KvPair{kv.key(), kv.value()});
  }
  return sent->second;
}

absl::StatusOr<RawChecksum> RawEngine::Checksum(std::string start, std::string_view end,
                                                const RawCallOptions& o) {
  CancelToken token = CallToken(o);
  RawChecksum sum;
  while (end.empty() || start < end) {
    locate::Backoffer bo = NewBackoffer(token);
    kvrpcpb::RawChecksumRequest msg;
    msg.set_algorithm(kvrpcpb::Crc64_Xor);
    kvrpcpb::KeyRange* range = msg.add_ranges();
    range->set_start_key(start);
    range->set_end_key(std::string(end));
    rpc::Request req =
        NewRequest(rpc::CmdType::kRawChecksum,
                   std::make_unique<kvrpcpb::RawChecksumRequest>(std::move(msg)), false);
    auto sent = SendReq(bo, start, req, false);
    if (!sent.ok()) return sent.status();
    auto body = Body<kvrpcpb::RawChecksumResponse>(sent->first);
    if (!body.ok()) return body.status();
    sum.crc64_xor ^= (*body)->checksum();
    sum.total_kvs += (*body)->total_kvs();
    sum.total_bytes += (*body)->total_bytes();
    start = sent->second.end_key;
    if (start.empty()) break;
  }
  return sum;
}

absl::Status RawEngine::DeleteRange(std::string start, std::string_view end,
                                    const RawCallOptions& o) {
  CancelToken token = CallToken(o);
  const std::string cf = ColumnFamily(o);
  // Port of client-go DeleteRange / sendDeleteRangeReq: one request per region with the end
  // clamped to the region's end; an empty `end` runs to the last region.
  while (end.empty() || start < end) {
    locate::Backoffer bo = NewBackoffer(token);
    std::string actual_end;
    for (;;) {
      if (closed()) return absl::FailedPreconditionError("raw: client is closed");
      absl::StatusOr<locate::KeyLocation> loc = stack_->cache().LocateKey(bo, start);
      if (!loc.ok()) return loc.status();
      actual_end = std::string(end);
      if (!loc->end_key.empty() && (end.empty() || loc->end_key < end)) actual_end = loc->end_key;
      kvrpcpb::RawDeleteRangeRequest msg;
      msg.set_start_key(start);
      msg.set_end_key(actual_end);
      msg.set_cf(cf);
      rpc::Request req =
          NewRequest(rpc::CmdType::kRawDeleteRange,
                     std::make_unique<kvrpcpb::RawDeleteRangeRequest>(std::move(msg)), true);
      absl::StatusOr<rpc::Response> resp =
          stack_->sender().SendReq(bo, req, loc->region, AttemptTimeout(bo.cancel_token()));
      if (!resp.ok()) return resp.status();
      if (const errorpb::Error* region_error = resp->region_error()) {
        if (absl::Status s = locate::MayBackoffForRegionError(*region_error, bo); !s.ok()) {
          return s;
        }
        continue;
      }
      if (!resp->has_message()) return absl::InternalError("raw: response body missing");
      if (absl::Status s = Body<kvrpcpb::RawDeleteRangeResponse>(*resp).status(); !s.ok()) {
        return s;
      }
      break;
    }
    if (actual_end.empty()) break;
    start = std::move(actual_end);
  }
  return absl::OkStatus();
}

}  // namespace tikv::raw
