// SimCluster's TiKV entry points: the unary dispatch table, fault hooks, region validation and
// BatchCommands demultiplexing (protocol.md 5.6, 1.3).

#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "sim/cluster/request_router.h"
#include "sim/cluster/sim_cluster.h"
#include "sim/kv/key_errors.h"
#include "sim/kv/txn_commands.h"

namespace tikv::sim {
namespace {

// TiKV's own slow score as the simulated store reports it (HealthFeedback.slow_score): a store
// made slow (SimCluster::SetStoreBusy, answering ServerIsBusy) scores 90, above the client's
// threshold of 80; a healthy one 1.
int32_t SimSlowScore(const SimStore& store) { return store.busy_estimated_wait_ms > 0 ? 90 : 1; }

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string_view ShortName(std::string_view method) {
  const size_t slash = method.rfind('/');
  return slash == std::string_view::npos ? method : method.substr(slash + 1);
}

// Sets a response's `region_error` field by reflection (every TiKV response has one).
void SetRegionError(Message* resp, const errorpb::Error& err) {
  const FieldDescriptor* f = resp->GetDescriptor()->FindFieldByName("region_error");
  if (f != nullptr) resp->GetReflection()->MutableMessage(resp, f)->CopyFrom(err);
}

// Puts an injected key error where the response type carries it: `error` (one KeyError),
// `errors` (a list), or the raw-style `error` string.
void SetKeyError(Message* resp, const kvrpcpb::KeyError& err) {
  const auto* desc = resp->GetDescriptor();
  const auto* refl = resp->GetReflection();
  if (const FieldDescriptor* f = desc->FindFieldByName("errors");
      f != nullptr && f->is_repeated() && f->message_type() == kvrpcpb::KeyError::descriptor()) {
    refl->AddMessage(resp, f)->CopyFrom(err);
    return;
  }
  if (const FieldDescriptor* f = desc->FindFieldByName("error"); f != nullptr) {
    if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      refl->MutableMessage(resp, f)->CopyFrom(err);
    } else if (f->type() == FieldDescriptor::TYPE_STRING) {
      refl->SetString(resp, f, err.abort().empty() ? err.DebugString() : err.abort());
    }
    return;
  }
  if (const FieldDescriptor* f = desc->FindFieldByName("pairs"); f != nullptr) {
    auto* pair = static_cast<kvrpcpb::KvPair*>(refl->AddMessage(resp, f));
    *pair->mutable_error() = err;
  }
}

// Per-RPC description used by the generic executor.
struct RpcSpec {
  std::vector<std::string> keys;  // keys to range-check (user form)
  RequestTraits traits;
  bool validate_region = true;
  bool txn_api_gate = false;      // apply the transactional API-version gate (3.14)
  bool raw = false;               // keys use the raw layout (RawKeyLayout), not memcomparable
};

// The API version gate for transactional commands (protocol.md 3.14): a V1 server takes V1
// requests; a V2 server takes V2 requests on `x` keys and V1 requests on TiDB's `m`/`t` keys.
// Returns the abort text, or "" when the request may run.
std::string TxnApiGateError(kvrpcpb::APIVersion server, const kvrpcpb::Context& ctx,
                            const std::vector<std::string>& keys) {
  const kvrpcpb::APIVersion req = ctx.api_version();
  if (server == kvrpcpb::V2) {
    for (const std::string& k : keys) {
      const char mode = k.empty() ? '\0' : k[0];
      const bool ok = req == kvrpcpb::V2 ? mode == 'x' : (mode == 'm' || mode == 't');
      if (!ok) return absl::StrCat("InvalidKeyMode { cmd: txn, key: ", KeyText(k), " }");
    }
    return "";
  }
  if (server == kvrpcpb::V1 && req == kvrpcpb::V1) return "";
  return absl::StrCat("ApiVersionNotMatched { storage_api_version: ",
                      kvrpcpb::APIVersion_Name(server),
                      ", req_api_version: ", kvrpcpb::APIVersion_Name(req), " }");
}

}  // namespace

absl::StatusOr<CallResult> SimCluster::HandleUnary(const CallContext& call,
                                                   std::string_view method_name,
                                                   const Message& req_msg, Message* resp_msg) {
  const std::string method(ShortName(method_name));
  SimStore* store = topology_.MutableStore(call.store_id);
  if (store == nullptr || !store->up) {
    return absl::UnavailableError(absl::StrCat("store ", call.store_id, " is unreachable"));
  }
  if (options_.auto_sync_max_ts && !store->unsynced_regions.empty()) SyncMaxTs(call.now_ms);

  // Context, if the request has one.
  const kvrpcpb::Context* ctx = nullptr;
  if (const FieldDescriptor* f = req_msg.GetDescriptor()->FindFieldByName("context");
      f != nullptr && f->message_type() == kvrpcpb::Context::descriptor()) {
    ctx = static_cast<const kvrpcpb::Context*>(&req_msg.GetReflection()->GetMessage(req_msg, f));
  }
  if (ctx != nullptr && ctx->cluster_id() != 0 && ctx->cluster_id() != options_.cluster_id) {
    return absl::InvalidArgumentError(absl::StrCat("mismatch cluster id, need ",
                                                   options_.cluster_id, " but got ",
                                                   ctx->cluster_id()));
  }

  // Typed view of the request; checks that the caller passed the RPC's message types.
  auto typed = [&](auto* tag_req, auto* tag_resp)
      -> std::pair<const std::remove_pointer_t<decltype(tag_req)>*,
                   std::remove_pointer_t<decltype(tag_resp)>*> {
    using Req = std::remove_pointer_t<decltype(tag_req)>;
    using Resp = std::remove_pointer_t<decltype(tag_resp)>;
    if (req_msg.GetDescriptor() != Req::descriptor() ||
        resp_msg->GetDescriptor() != Resp::descriptor()) {
      return {nullptr, nullptr};
    }
    return {static_cast<const Req*>(&req_msg), static_cast<Resp*>(resp_msg)};
  };

  // The region scope a command runs in, from the context.
  // The region's bounds as request keys of `layout`.
  auto bounds = [&](KeyLayout layout) -> std::pair<std::string, std::string> {
    if (ctx == nullptr) return {};
    const SimRegion* r = topology_.GetRegion(ctx->region_id());
    if (r == nullptr) return {};
    return {FromPdKey(layout, r->start_key), FromPdKey(layout, r->end_key)};
  };
  auto txn_scope = [&]() {
    TxnScope scope;
    scope.mvcc = &mvcc_;
    scope.max_ts = &store->max_ts;
    std::tie(scope.start_key, scope.end_key) = bounds(txn_layout());
    return scope;
  };
  auto raw_scope = [&]() {
    RawScope scope;
    scope.store = &raw_;
    scope.server_api_version = options_.api_version;
    scope.now_ms = call.now_ms;
    std::tie(scope.start_key, scope.end_key) = bounds(raw_layout());
    return scope;
  };

  // The generic path: fault hook, region checks, execute, wake waiters, fault hook after.
  auto run = [&](RpcSpec spec,
                 const std::function<std::optional<CallResult>()>& body)
      -> absl::StatusOr<CallResult> {
    const uint64_t region_id = ctx == nullptr ? 0 : ctx->region_id();
    const std::string first_key = spec.keys.empty() ? std::string() : spec.keys.front();
    std::optional<FaultRule> fault = faults_.Match(call.store_id, method, region_id, first_key);
    if (fault) {
      switch (fault->action) {
        case FaultAction::kTransportError: {
          absl::Status st(fault->transport_code,
                          absl::StrCat("injected transport fault on ", method));
          if (fault->fail_stream) st.SetPayload(kFailStreamPayload, absl::Cord("1"));
          return st;
        }
        case FaultAction::kRegionError:
          SetRegionError(resp_msg, fault->region_error);
          return CallResult{};
        case FaultAction::kServerBusy: {
          errorpb::Error busy;
          busy.set_message("server is busy");
          busy.mutable_server_is_busy()->set_reason("injected: scheduler is busy");
          busy.mutable_server_is_busy()->set_estimated_wait_ms(fault->estimated_wait_ms);
          SetRegionError(resp_msg, busy);
          return CallResult{};
        }
        case FaultAction::kKeyError:
          SetKeyError(resp_msg, fault->key_error);
          return CallResult{};
        case FaultAction::kApplyThenDropReply:
        case FaultAction::kDuplicate:
        case FaultAction::kApplyThenDelayReply:
          break;
      }
    }
    if (spec.validate_region) {
      if (ctx == nullptr) return absl::InvalidArgumentError("request has no context");
      if (auto err = ValidateRequest(topology_, spec.raw ? raw_layout() : txn_layout(),
                                     call.store_id, *ctx,
                                     spec.keys, spec.traits)) {
        SetRegionError(resp_msg, *err);
        return CallResult{};
      }
    }
    if (spec.txn_api_gate && ctx != nullptr) {
      if (std::string e = TxnApiGateError(options_.api_version, *ctx, spec.keys); !e.empty()) {
        SetKeyError(resp_msg, AbortError(e));
        return CallResult{};
      }
    }
    std::optional<CallResult> result = body();
    if (fault && fault->action == FaultAction::kDuplicate) {
      // The second delivery runs on the state the first left; its answer goes nowhere (the
      // client already took the first), and a second parked lock wait is never answered.
      std::unique_ptr<Message> first(resp_msg->New());
      first->CopyFrom(*resp_msg);
      resp_msg->Clear();
      (void)body();
      resp_msg->CopyFrom(*first);
    }
    WakeWaiters(call.now_ms);
    if (fault && fault->action == FaultAction::kApplyThenDropReply) {
      return CallResult{CallDisposition::kReplyLost, 0};
    }
    if (fault && fault->action == FaultAction::kApplyThenDelayReply &&
        (!result.has_value() || result->disposition == CallDisposition::kReplied)) {
      return CallResult{CallDisposition::kDelayedReply, 0, fault->delay_ms};
    }
    return result.value_or(CallResult{});
  };
  auto reply = [](auto&& fn) {
    return [fn]() -> std::optional<CallResult> {
      fn();
      return std::nullopt;
    };
  };
  auto bad_types = [&]() {
    return absl::InvalidArgumentError(absl::StrCat("wrong message types for ", method));
  };
  auto keys_of = [](const auto& repeated) {
    return std::vector<std::string>(repeated.begin(), repeated.end());
  };

#define SIM_TXN_RPC(NAME, REQ, RESP, KEYS, TRAITS, FN)                                     \
  if (method == NAME) {                                                                  \
    auto [rq, rs] = typed(static_cast<kvrpcpb::REQ*>(nullptr),                           \
                          static_cast<kvrpcpb::RESP*>(nullptr));                          \
    if (rq == nullptr) return bad_types();                                               \
    return run(RpcSpec{KEYS, TRAITS, true, true}, reply([&, rq = rq, rs = rs] {          \
                 TxnScope scope = txn_scope();                                           \
                 FN(scope, *rq, rs);                                                     \
               }));                                                                      \
  }
#define SIM_RAW_RPC(NAME, REQ, RESP, KEYS, TRAITS, FN)                                     \
  if (method == NAME) {                                                                  \
    auto [rq, rs] = typed(static_cast<kvrpcpb::REQ*>(nullptr),                           \
                          static_cast<kvrpcpb::RESP*>(nullptr));                          \
    if (rq == nullptr) return bad_types();                                               \
    return run(RpcSpec{KEYS, TRAITS, true, false, true}, reply([&, rq = rq, rs = rs] {   \
                 RawScope scope = raw_scope();                                           \
                 FN(scope, *rq, rs);                                                     \
               }));                                                                      \
  }

  const RequestTraits kRead{};
  const RequestTraits kWrite{true, false, 0, false};
  auto read_at = [](uint64_t ts) { return RequestTraits{false, false, ts, false}; };
  auto one = [](const std::string& k) { return std::vector<std::string>{k}; };
  // Keys of mutations or KvPairs (anything with key()).
  auto mutation_keys = [](const auto& muts) {
    std::vector<std::string> out;
    for (const auto& m : muts) out.push_back(m.key());
    return out;
  };

  SIM_TXN_RPC("KvGet", GetRequest, GetResponse, one(rq->key()), read_at(rq->version()), KvGet)
  SIM_TXN_RPC("KvBatchGet", BatchGetRequest, BatchGetResponse, keys_of(rq->keys()),
              read_at(rq->version()), KvBatchGet)
  SIM_TXN_RPC("KvScan", ScanRequest, ScanResponse,
              one(rq->reverse() ? rq->end_key() : rq->start_key()), read_at(rq->version()),
              KvScan)
  if (method == "KvPrewrite") {
    auto [rq, rs] = typed(static_cast<kvrpcpb::PrewriteRequest*>(nullptr),
                          static_cast<kvrpcpb::PrewriteResponse*>(nullptr));
    if (rq == nullptr) return bad_types();
    RequestTraits traits = kWrite;
    traits.needs_synced_max_ts = rq->use_async_commit() || rq->try_one_pc();
    return run(RpcSpec{mutation_keys(rq->mutations()), traits, true, true},
               reply([&, rq = rq, rs = rs] {
                 TxnScope scope = txn_scope();
                 KvPrewrite(scope, *rq, rs);
               }));
  }
  SIM_TXN_RPC("KvCommit", CommitRequest, CommitResponse, keys_of(rq->keys()), kWrite, KvCommit)
  SIM_TXN_RPC("KvCleanup", CleanupRequest, CleanupResponse, one(rq->key()), kWrite, KvCleanup)
  SIM_TXN_RPC("KvBatchRollback", BatchRollbackRequest, BatchRollbackResponse,
              keys_of(rq->keys()), kWrite, KvBatchRollback)
  SIM_TXN_RPC("KvCheckTxnStatus", CheckTxnStatusRequest, CheckTxnStatusResponse,
              one(rq->primary_key()), kWrite, KvCheckTxnStatus)
  SIM_TXN_RPC("KvCheckSecondaryLocks", CheckSecondaryLocksRequest, CheckSecondaryLocksResponse,
              keys_of(rq->keys()), kWrite, KvCheckSecondaryLocks)
  SIM_TXN_RPC("KvResolveLock", ResolveLockRequest, ResolveLockResponse, keys_of(rq->keys()),
              kWrite, KvResolveLock)
  SIM_TXN_RPC("KvTxnHeartBeat", TxnHeartBeatRequest, TxnHeartBeatResponse,
              one(rq->primary_lock()), kWrite, KvTxnHeartBeat)
  SIM_TXN_RPC("KvScanLock", ScanLockRequest, ScanLockResponse, one(rq->start_key()), kRead,
              KvScanLock)
  SIM_TXN_RPC("KVPessimisticRollback", PessimisticRollbackRequest, PessimisticRollbackResponse,
              keys_of(rq->keys()), kWrite, KvPessimisticRollback)
  SIM_TXN_RPC("KvDeleteRange", DeleteRangeRequest, DeleteRangeResponse, one(rq->start_key()),
              kWrite, KvDeleteRange)
  SIM_TXN_RPC("KvGC", GCRequest, GCResponse, {}, kWrite, KvGc)
  SIM_TXN_RPC("KvFlush", FlushRequest, FlushResponse, mutation_keys(rq->mutations()), kWrite,
              KvFlush)
  SIM_TXN_RPC("KvBufferBatchGet", BufferBatchGetRequest, BufferBatchGetResponse,
              keys_of(rq->keys()), kRead, KvBufferBatchGet)
  SIM_TXN_RPC("MvccGetByKey", MvccGetByKeyRequest, MvccGetByKeyResponse, one(rq->key()), kRead,
              MvccGetByKey)
  if (method == "KvPessimisticLock") {
    auto [rq, rs] = typed(static_cast<kvrpcpb::PessimisticLockRequest*>(nullptr),
                          static_cast<kvrpcpb::PessimisticLockResponse*>(nullptr));
    if (rq == nullptr) return bad_types();
    return run(RpcSpec{mutation_keys(rq->mutations()), kWrite, true, true},
               [&, rq = rq, rs = rs]() -> std::optional<CallResult> {
                 TxnScope scope = txn_scope();
                 auto wait = KvPessimisticLock(scope, *rq, rs);
                 if (!wait) return std::nullopt;
                 auto parked = ParkLockRequest(call, *rq, wait->key, wait->holder, rs);
                 return parked.ok() ? std::optional<CallResult>(*parked) : std::nullopt;
               });
  }
  SIM_RAW_RPC("RawGet", RawGetRequest, RawGetResponse, one(rq->key()), kRead, RawGet)
  SIM_RAW_RPC("RawBatchGet", RawBatchGetRequest, RawBatchGetResponse, keys_of(rq->keys()), kRead,
              RawBatchGet)
  SIM_RAW_RPC("RawPut", RawPutRequest, RawPutResponse, one(rq->key()), kWrite, RawPut)
  SIM_RAW_RPC("RawBatchPut", RawBatchPutRequest, RawBatchPutResponse,
              mutation_keys(rq->pairs()), kWrite, RawBatchPut)
  SIM_RAW_RPC("RawDelete", RawDeleteRequest, RawDeleteResponse, one(rq->key()), kWrite, RawDelete)
  SIM_RAW_RPC("RawBatchDelete", RawBatchDeleteRequest, RawBatchDeleteResponse,
              keys_of(rq->keys()), kWrite, RawBatchDelete)
  SIM_RAW_RPC("RawDeleteRange", RawDeleteRangeRequest, RawDeleteRangeResponse,
              one(rq->start_key()), kWrite, RawDeleteRange)
  // A reverse scan's start_key is its exclusive upper bound and may equal the region's end,
  // and its end_key (lower bound) may lie in an earlier region: TiKV clips the range to the
  // region rather than refusing it, so only forward scans have a key to range-check (the epoch
  // check still catches a stale region).
  SIM_RAW_RPC("RawScan", RawScanRequest, RawScanResponse,
              rq->reverse() ? std::vector<std::string>{} : one(rq->start_key()), kRead, RawScan)
  SIM_RAW_RPC("RawBatchScan", RawBatchScanRequest, RawBatchScanResponse, {}, kRead, RawBatchScan)
  SIM_RAW_RPC("RawGetKeyTTL", RawGetKeyTTLRequest, RawGetKeyTTLResponse, one(rq->key()), kRead,
              RawGetKeyTtl)
  SIM_RAW_RPC("RawCompareAndSwap", RawCASRequest, RawCASResponse, one(rq->key()), kWrite,
              RawCompareAndSwap)
  SIM_RAW_RPC("RawChecksum", RawChecksumRequest, RawChecksumResponse, {}, kRead, RawChecksum)
#undef SIM_TXN_RPC
#undef SIM_RAW_RPC

  if (method == "UnsafeDestroyRange") {
    auto [rq, rs] = typed(static_cast<kvrpcpb::UnsafeDestroyRangeRequest*>(nullptr),
                          static_cast<kvrpcpb::UnsafeDestroyRangeResponse*>(nullptr));
    if (rq == nullptr) return bad_types();
    (void)rs;
    // One shared dataset: the first call deletes, later calls to other stores are no-ops.
    return run(RpcSpec{{}, kWrite, false}, reply([&, rq = rq] {
                 mvcc_.DeleteRange(rq->start_key(), rq->end_key());
                 for (auto& [cf, m] : raw_) {
                   auto lo = m.lower_bound(rq->start_key());
                   auto hi = rq->end_key().empty() ? m.end() : m.lower_bound(rq->end_key());
                   m.erase(lo, hi);
                 }
               }));
  }
  if (method == "SplitRegion") {
    auto [rq, rs] = typed(static_cast<kvrpcpb::SplitRegionRequest*>(nullptr),
                          static_cast<kvrpcpb::SplitRegionResponse*>(nullptr));
    if (rq == nullptr) return bad_types();
    std::vector<std::string> keys = keys_of(rq->split_keys());
    if (!rq->split_key().empty()) keys.push_back(rq->split_key());
    RequestTraits admin = kWrite;
    admin.is_admin = true;
    return run(RpcSpec{{}, admin, true}, reply([&, rq = rq, rs = rs, keys] {
                 std::vector<std::string> pd_keys;
                 for (const auto& k : keys) {
                   pd_keys.push_back(rq->is_raw_kv() ? k : EncodeBytes(k));
                 }
                 auto ids = topology_.Split(rq->context().region_id(), pd_keys);
                 if (!ids.ok()) {
                   rs->mutable_region_error()->set_message(std::string(ids.status().message()));
                   return;
                 }
                 for (uint64_t id : *ids) *rs->add_regions() = topology_.GetRegion(id)->ToProto();
                 if (rs->regions_size() == 2) {
                   *rs->mutable_left() = rs->regions(0);
                   *rs->mutable_right() = rs->regions(1);
                 }
                 SyncPd();
               }));
  }
  if (method == "GetHealthFeedback") {
    auto* rs = dynamic_cast<kvrpcpb::GetHealthFeedbackResponse*>(resp_msg);
    if (rs == nullptr) return bad_types();
    rs->mutable_health_feedback()->set_store_id(call.store_id);
    rs->mutable_health_feedback()->set_feedback_seq_no(++health_seq_[call.store_id]);
    rs->mutable_health_feedback()->set_slow_score(SimSlowScore(*store));
    return CallResult{};
  }
  if (method == "GetStoreSafeTS") {
    auto* rs = dynamic_cast<kvrpcpb::StoreSafeTSResponse*>(resp_msg);
    if (rs == nullptr) return bad_types();
    uint64_t safe = UINT64_MAX;
    for (const SimRegion* r : topology_.RegionsInKeyOrder()) {
      if (r->PeerOnStore(call.store_id) != nullptr) safe = std::min(safe, r->safe_ts);
    }
    rs->set_safe_ts(safe == UINT64_MAX ? 0 : safe);
    return CallResult{};
  }
  if (method == "BroadcastTxnStatus") return CallResult{};
  return absl::UnimplementedError(absl::StrCat("the simulator does not serve ", method));
}

namespace {

// BatchCommands arm field name -> unary method name.
std::string ArmMethod(const std::string& field) {
  static constexpr std::pair<const char*, const char*> kMap[] = {
      {"Get", "KvGet"},
      {"Scan", "KvScan"},
      {"Prewrite", "KvPrewrite"},
      {"Commit", "KvCommit"},
      {"Cleanup", "KvCleanup"},
      {"BatchGet", "KvBatchGet"},
      {"BatchRollback", "KvBatchRollback"},
      {"ScanLock", "KvScanLock"},
      {"ResolveLock", "KvResolveLock"},
      {"GC", "KvGC"},
      {"DeleteRange", "KvDeleteRange"},
      {"PessimisticLock", "KvPessimisticLock"},
      {"PessimisticRollback", "KVPessimisticRollback"},
      {"CheckTxnStatus", "KvCheckTxnStatus"},
      {"TxnHeartBeat", "KvTxnHeartBeat"},
      {"CheckSecondaryLocks", "KvCheckSecondaryLocks"},
      {"Flush", "KvFlush"},
      {"BufferBatchGet", "KvBufferBatchGet"},
  };
  for (const auto& [arm, rpc] : kMap) {
    if (field == arm) return rpc;
  }
  return field;  // Raw* arms, GetHealthFeedback, BroadcastTxnStatus keep their names
}

}  // namespace

absl::StatusOr<BatchCommandsOutcome> SimCluster::HandleBatchCommands(
    const CallContext& call, const tikvpb::BatchCommandsRequest& req,
    tikvpb::BatchCommandsResponse* resp) {
  const SimStore* store = topology_.GetStore(call.store_id);
  if (store == nullptr || !store->up) {
    return absl::UnavailableError(absl::StrCat("store ", call.store_id, " is unreachable"));
  }
  BatchCommandsOutcome outcome;
  const auto* oneof = tikvpb::BatchCommandsRequest::Request::descriptor()->FindOneofByName("cmd");
  for (int i = 0; i < req.requests_size(); ++i) {
    const auto& arm = req.requests(i);
    const uint64_t id = i < req.request_ids_size() ? req.request_ids(i) : 0;
    const FieldDescriptor* field = arm.GetReflection()->GetOneofFieldDescriptor(arm, oneof);
    tikvpb::BatchCommandsResponse::Response answer;
    if (field == nullptr || field->name() == "Empty") {
      answer.mutable_empty()->set_test_id(arm.empty().test_id());
      *resp->add_responses() = std::move(answer);
      resp->add_request_ids(id);
      continue;
    }
    const FieldDescriptor* out_field =
        tikvpb::BatchCommandsResponse::Response::descriptor()->FindFieldByName(field->name());
    if (out_field == nullptr) continue;
    Message* out = answer.GetReflection()->MutableMessage(&answer, out_field);
    CallContext arm_call = call;
    arm_call.batch_request_id = id;
    auto result = HandleUnary(arm_call, ArmMethod(field->name()),
                              arm.GetReflection()->GetMessage(arm, field), out);
    if (!result.ok()) {
      // Asked to break the connection: the whole stream fails with the fault's code.
      if (result.status().GetPayload(kFailStreamPayload).has_value()) return result.status();
      // No response for this arm: the client's per-request deadline fires.
      outcome.lost_request_ids.push_back(id);
      continue;
    }
    switch (result->disposition) {
      case CallDisposition::kReplied:
        *resp->add_responses() = std::move(answer);
        resp->add_request_ids(id);
        break;
      case CallDisposition::kDeferred:
        outcome.deferred_request_ids.push_back(id);
        break;
      case CallDisposition::kReplyLost:
        outcome.lost_request_ids.push_back(id);
        break;
      case CallDisposition::kDelayedReply:
        outcome.delayed.push_back({id, result->reply_delay_ms, std::move(answer)});
        break;
    }
  }
  resp->mutable_health_feedback()->set_store_id(call.store_id);
  resp->mutable_health_feedback()->set_feedback_seq_no(++health_seq_[call.store_id]);
  resp->mutable_health_feedback()->set_slow_score(SimSlowScore(*store));
  return outcome;
}

}  // namespace tikv::sim
