#include "pd/rpc_pd_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

#include "util/absl_view.h"
#include "oracle/timestamp.h"
#include "rpc/methods.h"

namespace tikv::pd {
namespace {

using util::AbslView;
using util::StdView;

// "http://host:port" -> "host:port": PD advertises URLs, the transport dials addresses.
std::string AddressFromUrl(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.substr(0, scheme.size()) == scheme) return std::string(url.substr(scheme.size()));
  }
  return std::string(url);
}

bool IsNotLeader(const absl::Status& s) {
  return absl::StrContains(s.message(), "not leader") ||
         absl::StrContains(s.message(), "is not leader");
}

// Whether a failed call should be retried on a (possibly new) leader.
bool IsLeaderFailure(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kDeadlineExceeded || IsNotLeader(s);
}

// Turns a PD header error into a status.  REGION_NOT_FOUND is left to the caller.
absl::Status HeaderStatus(const pdpb::ResponseHeader& header, uint64_t cluster_id) {
  if (cluster_id != 0 && header.cluster_id() != 0 && header.cluster_id() != cluster_id) {
    return absl::FailedPreconditionError(absl::StrCat("mismatch cluster id, need ", cluster_id,
                                                      " but got ", header.cluster_id()));
  }
  if (!header.has_error() || header.error().type() == pdpb::OK) return absl::OkStatus();
  const std::string text =
      absl::StrCat(pdpb::ErrorType_Name(header.error().type()), ": ", header.error().message());
  switch (header.error().type()) {
    case pdpb::REGION_NOT_FOUND:
      return absl::NotFoundError(text);
    case pdpb::NOT_BOOTSTRAPPED:
      return absl::FailedPreconditionError(text);
    default:
      return absl::UnknownError(text);
  }
}

RegionInfo FromParts(const metapb::Region& region, const metapb::Peer* leader,
                     const google::protobuf::RepeatedPtrField<pdpb::PeerStats>& down,
                     const google::protobuf::RepeatedPtrField<metapb::Peer>& pending,
                     const metapb::Buckets* buckets) {
  RegionInfo info;
  info.meta = region;
  // PD reports an unknown leader as an empty peer.
  if (leader != nullptr && leader->id() != 0) info.leader = *leader;
  for (const pdpb::PeerStats& p : down) info.down_peers.push_back(p.peer());
  for (const metapb::Peer& p : pending) info.pending_peers.push_back(p);
  if (buckets != nullptr) info.buckets = *buckets;
  return info;
}

RegionInfo FromPdRegion(const pdpb::Region& r) {
  return FromParts(r.region(), r.has_leader() ? &r.leader() : nullptr, r.down_peers(),
                   r.pending_peers(), r.has_buckets() ? &r.buckets() : nullptr);
}

}  // namespace

RpcPdClient::RpcPdClient(Env& env, PdClientOptions options)
    : env_(env),
      options_(std::move(options)),
      group_(env.executor()),
      tso_queue_(options_.tso_queue_capacity) {
  absl::MutexLock lock(&mu_);
  members_ = options_.endpoints;
}

absl::StatusOr<std::unique_ptr<RpcPdClient>> RpcPdClient::Create(Env& env,
                                                                 PdClientOptions options) {
  if (options.endpoints.empty()) return absl::InvalidArgumentError("no PD endpoints");
  std::unique_ptr<RpcPdClient> client(new RpcPdClient(env, std::move(options)));
  absl::Status s = client->UpdateMembers(nullptr);
  if (!s.ok()) {
    client->Close();
    return s;
  }
  client->group_.Spawn(SpawnOptions{.name = "pd-tso-dispatcher"}, [c = client.get()] {
    c->TsoLoop();
  });
  return client;
}

RpcPdClient::~RpcPdClient() { Close(); }

void RpcPdClient::Close() {
  if (closed_) return;
  closed_ = true;
  tso_queue_.Close();
  group_.Cancel();
  if (tso_stream_ != nullptr) tso_stream_->Cancel();
  group_.Wait();
  tso_stream_.reset();
  // Fail whatever is still queued.
  while (std::optional<std::shared_ptr<TsoWaiter>> w = tso_queue_.TryReceive()) {
    (*w)->promise.Set(absl::CancelledError("pd client closed"));
  }
}

uint64_t RpcPdClient::cluster_id() const {
  absl::MutexLock lock(&mu_);
  return cluster_id_;
}

std::string RpcPdClient::leader() const {
  absl::MutexLock lock(&mu_);
  return leader_;
}

uint64_t RpcPdClient::tso_rpc_count() const {
  absl::MutexLock lock(&mu_);
  return tso_rpcs_;
}

// Port of tikv/pd client/servicediscovery/service_discovery.go, updateMember(): ask each known
// member in turn; the first answer with a leader wins and replaces the member list.
absl::Status RpcPdClient::UpdateMembers(const CancelToken* cancel) {
  std::vector<std::string> candidates;
  uint64_t cluster_id;
  {
    absl::MutexLock lock(&mu_);
    candidates = members_;
    for (const std::string& e : options_.endpoints) {
      if (std::find(candidates.begin(), candidates.end(), e) == candidates.end()) {
        candidates.push_back(e);
      }
    }
    cluster_id = cluster_id_;
  }
  absl::Status last = absl::UnavailableError("no PD member reachable");
  for (const std::string& address : candidates) {
    pdpb::GetMembersRequest req;
    req.mutable_header()->set_cluster_id(cluster_id);
    pdpb::GetMembersResponse resp;
    absl::Status s = env_.transport().Call(Endpoint{address}, rpc::kPdGetMembers, req, &resp,
                                           env_.clock().Now() + options_.timeout, cancel);
    if (s.ok()) s = HeaderStatus(resp.header(), cluster_id);
    if (s.ok() && (!resp.has_leader() || resp.leader().client_urls().empty())) {
      s = absl::UnavailableError(absl::StrCat("PD member ", address, " reports no leader"));
    }
    if (!s.ok()) {
      if (s.code() == absl::StatusCode::kFailedPrecondition) return s;  // cluster id mismatch
      last = s;
      continue;
    }
    absl::MutexLock lock(&mu_);
    if (cluster_id_ == 0) cluster_id_ = resp.header().cluster_id();
    leader_ = AddressFromUrl(resp.leader().client_urls(0));
    members_.clear();
    for (const pdpb::Member& m : resp.members()) {
      if (!m.client_urls().empty()) members_.push_back(AddressFromUrl(m.client_urls(0)));
    }
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat("update PD members: ", last.message()));
}

// Port of the PD client's leader-call pattern (client.go, respHandler + checkLeader): a
// transport failure or "not leader" refreshes members and retries on the new leader.
absl::Status RpcPdClient::CallLeader(const RpcMethod& method, google::protobuf::Message& request,
                                     google::protobuf::Message* response,
                                     const CancelToken* cancel) {
  absl::Status last;
  for (int attempt = 0; attempt < options_.max_retries; ++attempt) {
    if (cancel != nullptr && cancel->IsCancelled()) return cancel->status();
    const std::string address = leader();
    response->Clear();
    last = env_.transport().Call(Endpoint{address}, method, request, response,
                                 env_.clock().Now() + options_.timeout, cancel);
    if (last.ok() || !IsLeaderFailure(last) || last.code() == absl::StatusCode::kCancelled) {
      return last;
    }
    env_.executor().SleepFor(env_.clock(), options_.retry_interval, cancel);
    (void)UpdateMembers(cancel);
  }
  return absl::Status(last.code(),
                      absl::StrCat(AbslView(method.full_name), ": ", last.message()));
}

#define TIKV_PD_CALL(method, req, resp, cancel)                               \
  do {                                                                        \
    const uint64_t cid = cluster_id();                                        \
    (req).mutable_header()->set_cluster_id(cid);                              \
    (req).mutable_header()->set_caller_component(options_.caller_component); \
    absl::Status call_status = CallLeader(method, req, &(resp), cancel);      \
    if (!call_status.ok()) return call_status;                                \
  } while (0)

absl::StatusOr<std::optional<RegionInfo>> RpcPdClient::GetRegion(std::string_view key,
                                                                 bool need_buckets,
                                                                 const CancelToken* cancel) {
  pdpb::GetRegionRequest req;
  req.set_region_key(key.data(), key.size());
  req.set_need_buckets(need_buckets);
  return GetRegionCommon(rpc::kPdGetRegion, req, cancel);
}

absl::StatusOr<std::optional<RegionInfo>> RpcPdClient::GetPrevRegion(std::string_view key,
                                                                     bool need_buckets,
                                                                     const CancelToken* cancel) {
  pdpb::GetRegionRequest req;
  req.set_region_key(key.data(), key.size());
  req.set_need_buckets(need_buckets);
  return GetRegionCommon(rpc::kPdGetPrevRegion, req, cancel);
}

absl::StatusOr<std::optional<RegionInfo>> RpcPdClient::GetRegionById(uint64_t region_id,
                                                                     bool need_buckets,
                                                                     const CancelToken* cancel) {
  pdpb::GetRegionByIDRequest req;
  req.set_region_id(region_id);
  req.set_need_buckets(need_buckets);
  return GetRegionCommon(rpc::kPdGetRegionById, req, cancel);
}

absl::StatusOr<std::optional<RegionInfo>> RpcPdClient::GetRegionCommon(
    const RpcMethod& method, google::protobuf::Message& request, const CancelToken* cancel) {
  // Both request types put the header at field 1; set it through the concrete types.
  if (auto* r = dynamic_cast<pdpb::GetRegionRequest*>(&request)) {
    r->mutable_header()->set_cluster_id(cluster_id());
    r->mutable_header()->set_caller_component(options_.caller_component);
  } else if (auto* r2 = dynamic_cast<pdpb::GetRegionByIDRequest*>(&request)) {
    r2->mutable_header()->set_cluster_id(cluster_id());
    r2->mutable_header()->set_caller_component(options_.caller_component);
  }
  pdpb::GetRegionResponse resp;
  absl::Status s = CallLeader(method, request, &resp, cancel);
  if (!s.ok()) return s;
  s = HeaderStatus(resp.header(), cluster_id());
  if (s.code() == absl::StatusCode::kNotFound) return std::optional<RegionInfo>();
  if (!s.ok()) return s;
  if (!resp.has_region() || resp.region().id() == 0) return std::optional<RegionInfo>();
  return std::optional<RegionInfo>(FromParts(resp.region(), resp.has_leader() ? &resp.leader() : nullptr,
                                             resp.down_peers(), resp.pending_peers(),
                                             resp.has_buckets() ? &resp.buckets() : nullptr));
}

// Port of tikv/pd client/clients/router/client.go, ScanRegions(): old PDs fill only
// region_metas/leaders, new ones `regions`.
absl::StatusOr<std::vector<RegionInfo>> RpcPdClient::ScanRegions(std::string_view start_key,
                                                                 std::string_view end_key,
                                                                 int limit,
                                                                 const CancelToken* cancel) {
  pdpb::ScanRegionsRequest req;
  req.set_start_key(start_key.data(), start_key.size());
  req.set_end_key(end_key.data(), end_key.size());
  req.set_limit(limit);
  pdpb::ScanRegionsResponse resp;
  TIKV_PD_CALL(rpc::kPdScanRegions, req, resp, cancel);
  absl::Status s = HeaderStatus(resp.header(), cluster_id());
  if (!s.ok()) return s;
  std::vector<RegionInfo> out;
  if (resp.regions_size() > 0) {
    for (const pdpb::Region& r : resp.regions()) out.push_back(FromPdRegion(r));
    return out;
  }
  const google::protobuf::RepeatedPtrField<pdpb::PeerStats> no_down;
  const google::protobuf::RepeatedPtrField<metapb::Peer> no_pending;
  for (int i = 0; i < resp.region_metas_size(); ++i) {
    const metapb::Peer* leader = i < resp.leaders_size() ? &resp.leaders(i) : nullptr;
    out.push_back(FromParts(resp.region_metas(i), leader, no_down, no_pending, nullptr));
  }
  return out;
}

// Port of tikv/pd client/clients/router/client.go, BatchScanRegions(), with client-go's
// fallback to ScanRegions when PD does not implement it (region_cache.go,
// batchScanRegionsFallback()).
absl::StatusOr<std::vector<RegionInfo>> RpcPdClient::BatchScanRegions(
    const std::vector<KeyRange>& ranges, int limit, const CancelToken* cancel) {
  pdpb::BatchScanRegionsRequest req;
  for (const KeyRange& r : ranges) {
    pdpb::KeyRange* kr = req.add_ranges();
    kr->set_start_key(r.start_key);
    kr->set_end_key(r.end_key);
  }
  req.set_limit(limit);
  pdpb::BatchScanRegionsResponse resp;
  req.mutable_header()->set_cluster_id(cluster_id());
  req.mutable_header()->set_caller_component(options_.caller_component);
  absl::Status s = CallLeader(rpc::kPdBatchScanRegions, req, &resp, cancel);
  if (s.code() == absl::StatusCode::kUnimplemented) {
    std::vector<RegionInfo> out;
    for (const KeyRange& r : ranges) {
      const int left = limit > 0 ? limit - static_cast<int>(out.size()) : 0;
      if (limit > 0 && left <= 0) break;
      absl::StatusOr<std::vector<RegionInfo>> part = ScanRegions(r.start_key, r.end_key, left, cancel);
      if (!part.ok()) return part.status();
      for (RegionInfo& info : *part) {
        // Adjacent ranges may share a region; keep it once.
        if (!out.empty() && out.back().meta.id() == info.meta.id()) continue;
        out.push_back(std::move(info));
      }
    }
    return out;
  }
  if (!s.ok()) return s;
  s = HeaderStatus(resp.header(), cluster_id());
  if (!s.ok()) return s;
  std::vector<RegionInfo> out;
  for (const pdpb::Region& r : resp.regions()) out.push_back(FromPdRegion(r));
  return out;
}

// Port of tikv/pd client/client.go, GetStore(): a removed store counts as absent.
absl::StatusOr<std::optional<metapb::Store>> RpcPdClient::GetStore(uint64_t store_id,
                                                                   const CancelToken* cancel) {
  pdpb::GetStoreRequest req;
  req.set_store_id(store_id);
  pdpb::GetStoreResponse resp;
  TIKV_PD_CALL(rpc::kPdGetStore, req, resp, cancel);
  absl::Status s = HeaderStatus(resp.header(), cluster_id());
  if (!s.ok()) {
    if (absl::StrContains(s.message(), "not found")) return std::optional<metapb::Store>();
    return s;
  }
  if (!resp.has_store() || resp.store().id() == 0 ||
      resp.store().node_state() == metapb::NodeState::Removed) {
    return std::optional<metapb::Store>();
  }
  return std::optional<metapb::Store>(resp.store());
}

absl::StatusOr<std::vector<metapb::Store>> RpcPdClient::GetAllStores(bool exclude_tombstone,
                                                                     const CancelToken* cancel) {
  pdpb::GetAllStoresRequest req;
  req.set_exclude_tombstone_stores(exclude_tombstone);
  pdpb::GetAllStoresResponse resp;
  TIKV_PD_CALL(rpc::kPdGetAllStores, req, resp, cancel);
  absl::Status s = HeaderStatus(resp.header(), cluster_id());
  if (!s.ok()) return s;
  return std::vector<metapb::Store>(resp.stores().begin(), resp.stores().end());
}

absl::StatusOr<keyspacepb::KeyspaceMeta> RpcPdClient::LoadKeyspace(std::string_view name,
                                                                   const CancelToken* cancel) {
  keyspacepb::LoadKeyspaceRequest req;
  req.set_name(name.data(), name.size());
  keyspacepb::LoadKeyspaceResponse resp;
  TIKV_PD_CALL(rpc::kKeyspaceLoadKeyspace, req, resp, cancel);
  absl::Status s = HeaderStatus(resp.header(), cluster_id());
  if (!s.ok()) return s;
  if (!resp.has_keyspace()) {
    return absl::NotFoundError(absl::StrCat("keyspace ", AbslView(name), " not found"));
  }
  return resp.keyspace();
}

absl::StatusOr<GcState> RpcPdClient::GetGcState(uint32_t keyspace_id, const CancelToken* cancel) {
  pdpb::GetGCStateRequest req;
  req.mutable_keyspace_scope()->set_keyspace_id(keyspace_id);
  pdpb::GetGCStateResponse resp;
  TIKV_PD_CALL(rpc::kPdGetGcState, req, resp, cancel);
  absl::Status s = HeaderStatus(resp.header(), cluster_id());
  if (!s.ok()) return s;
  const pdpb::GCState& g = resp.gc_state();
  return GcState{g.keyspace_scope().keyspace_id(), g.is_keyspace_level_gc(), g.txn_safe_point(),
                 g.gc_safe_point()};
}

absl::StatusOr<AdvanceTxnSafePointResult> RpcPdClient::AdvanceTxnSafePoint(
    uint32_t keyspace_id, uint64_t target, const CancelToken* cancel) {
  pdpb::AdvanceTxnSafePointRequest req;
  req.mutable_keyspace_scope()->set_keyspace_id(keyspace_id);
  req.set_target(target);
  pdpb::AdvanceTxnSafePointResponse resp;
  TIKV_PD_CALL(rpc::kPdAdvanceTxnSafePoint, req, resp, cancel);
  absl::Status s = HeaderStatus(resp.header(), cluster_id());
  if (!s.ok()) return s;
  return AdvanceTxnSafePointResult{resp.old_txn_safe_point(), resp.new_txn_safe_point(),
                                   resp.blocker_description()};
}

absl::StatusOr<uint64_t> RpcPdClient::UpdateGcSafePoint(uint64_t safe_point,
                                                        const CancelToken* cancel) {
  pdpb::UpdateGCSafePointRequest req;
  req.set_safe_point(safe_point);
  pdpb::UpdateGCSafePointResponse resp;
  TIKV_PD_CALL(rpc::kPdUpdateGcSafePoint, req, resp, cancel);
  absl::Status s = HeaderStatus(resp.header(), cluster_id());
  if (!s.ok()) return s;
  return resp.new_safe_point();
}

absl::StatusOr<uint64_t> RpcPdClient::UpdateServiceGcSafePoint(std::string_view service_id,
                                                               int64_t ttl_seconds,
                                                               uint64_t safe_point,
                                                               const CancelToken* cancel) {
  pdpb::UpdateServiceGCSafePointRequest req;
  req.set_service_id(service_id.data(), service_id.size());
  req.set_ttl(ttl_seconds);
  req.set_safe_point(safe_point);
  pdpb::UpdateServiceGCSafePointResponse resp;
  TIKV_PD_CALL(rpc::kPdUpdateServiceGcSafePoint, req, resp, cancel);
  absl::Status s = HeaderStatus(resp.header(), cluster_id());
  if (!s.ok()) return s;
  return resp.min_safe_point();
}

// Port of tikv/pd client/client.go, GetMinTS().  UNIMPLEMENTED is returned as is: callers must
// not retry it.
absl::StatusOr<uint64_t> RpcPdClient::GetMinTs(const CancelToken* cancel) {
  pdpb::GetMinTSRequest req;
  pdpb::GetMinTSResponse resp;
  TIKV_PD_CALL(rpc::kPdGetMinTs, req, resp, cancel);
  absl::Status s = HeaderStatus(resp.header(), cluster_id());
  if (!s.ok()) return s;
  return oracle::ComposeTs(resp.timestamp().physical(), resp.timestamp().logical());
}

absl::StatusOr<pdpb::GetClusterInfoResponse> RpcPdClient::GetClusterInfo(
    const CancelToken* cancel) {
  pdpb::GetClusterInfoRequest req;
  // This request's header field is a ResponseHeader in the schema.
  req.mutable_header()->set_cluster_id(cluster_id());
  pdpb::GetClusterInfoResponse resp;
  absl::Status s = CallLeader(rpc::kPdGetClusterInfo, req, &resp, cancel);
  if (!s.ok()) return s;
  s = HeaderStatus(resp.header(), cluster_id());
  if (!s.ok()) return s;
  return resp;
}

#undef TIKV_PD_CALL

oracle::TsFuture RpcPdClient::GetTsAsync() {
  auto waiter = std::make_shared<TsoWaiter>();
  oracle::TsFuture future = waiter->promise.GetFuture();
  std::shared_ptr<TsoWaiter> copy = waiter;
  if (!tso_queue_.TrySend(copy)) {
    waiter->promise.Set(tso_queue_.closed()
                            ? absl::CancelledError("pd client closed")
                            : absl::ResourceExhaustedError("TSO request queue is full"));
  }
  return future;
}

absl::StatusOr<uint64_t> RpcPdClient::GetTs(const CancelToken* cancel) {
  oracle::TsFuture future = GetTsAsync();
  const WakeReason r = future.Wait(MonoTime::Infinite(), cancel);
  if (r == WakeReason::kCancelled) return cancel->status();
  if (r == WakeReason::kTimedOut) return absl::DeadlineExceededError("get TSO timed out");
  return future.value();
}

// Port of tikv/pd client/clients/tso/dispatcher.go, handleDispatcher(): take the first waiter,
// then everything already queued (up to the max batch), send one TsoRequest, repeat.  With one
// request in flight at a time, each RPC carries what arrived during the previous one.
void RpcPdClient::TsoLoop() {
  const CancelToken& cancel = group_.cancel_token();
  for (;;) {
    absl::StatusOr<std::shared_ptr<TsoWaiter>> first = tso_queue_.Receive(MonoTime::Infinite(), &cancel);
    if (!first.ok()) return;  // closed or cancelled
    std::vector<std::shared_ptr<TsoWaiter>> batch{*std::move(first)};
    while (static_cast<int>(batch.size()) < options_.max_tso_batch) {
      std::optional<std::shared_ptr<TsoWaiter>> more = tso_queue_.TryReceive();
      if (!more.has_value()) break;
      batch.push_back(*std::move(more));
    }
    absl::Status s;
    for (int attempt = 0; attempt < options_.max_retries; ++attempt) {
      s = ProcessTsoBatch(batch);
      if (s.ok() || cancel.IsCancelled()) break;
      // The stream broke (leader change, partition): re-discover and reconnect.
      if (tso_stream_ != nullptr) tso_stream_->Cancel();
      tso_stream_.reset();
      env_.executor().SleepFor(env_.clock(), options_.retry_interval, &cancel);
      (void)UpdateMembers(&cancel);
    }
    if (!s.ok()) {
      for (auto& w : batch) w->promise.Set(s);
    }
    if (cancel.IsCancelled()) return;
  }
}

absl::Status RpcPdClient::ProcessTsoBatch(std::vector<std::shared_ptr<TsoWaiter>>& batch) {
  if (tso_stream_ == nullptr) {
    absl::StatusOr<std::unique_ptr<ClientStream>> stream =
        env_.transport().OpenStream(Endpoint{leader()}, rpc::kPdTso, MonoTime::Infinite());
    if (!stream.ok()) return stream.status();
    tso_stream_ = *std::move(stream);
  }
  pdpb::TsoRequest req;
  req.mutable_header()->set_cluster_id(cluster_id());
  req.mutable_header()->set_caller_component(options_.caller_component);
  req.set_count(static_cast<uint32_t>(batch.size()));
  {
    absl::MutexLock lock(&mu_);
    ++tso_rpcs_;
  }
  if (absl::Status w = tso_stream_->Write(req); !w.ok()) return w;
  pdpb::TsoResponse resp;
  absl::StatusOr<bool> got = tso_stream_->Read(&resp, env_.clock().Now() + options_.timeout);
  if (!got.ok()) return got.status();
  if (!*got) return absl::UnavailableError("TSO stream closed by PD");
  absl::Status h = HeaderStatus(resp.header(), cluster_id());
  if (!h.ok()) return absl::UnavailableError(h.message());
  if (resp.count() != batch.size()) {
    return absl::InternalError(absl::StrCat("TSO count mismatch: asked ", batch.size(), " got ",
                                            resp.count()));
  }
  // PD answers with the last timestamp of the range.
  const int64_t physical = resp.timestamp().physical();
  const int64_t first_logical = resp.timestamp().logical() - static_cast<int64_t>(batch.size()) + 1;
  const uint64_t first = oracle::ComposeTs(physical, first_logical);
  {
    absl::MutexLock lock(&mu_);
    // Port of the PD client's checkMonotonicity(): a regression is a PD bug.
    if (first <= last_ts_) {
      return absl::InternalError(absl::StrCat("TSO fallback: ", first, " <= ", last_ts_));
    }
    last_ts_ = first + batch.size() - 1;
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i]->promise.Set(first + i);
  return absl::OkStatus();
}

}  // namespace tikv::pd
