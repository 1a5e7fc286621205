#include "pd/rpc_pd_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

#include "oracle/timestamp.h"
#include "pd/pd_convert.h"
#include "rpc/methods.h"
#include "util/absl_view.h"

namespace tikv::pd {
namespace {

using util::AbslView;
using util::StdView;

bool IsNotLeader(const absl::Status& s) {
  return absl::StrContains(s.message(), "not leader") ||
         absl::StrContains(s.message(), "is not leader");
}

// Whether a failed call should be retried on a (possibly new) leader.
bool IsLeaderFailure(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kDeadlineExceeded || IsNotLeader(s);
}

}  // namespace

RpcPdClient::RpcPdClient(Env& env, PdClientOptions options)
    : env_(env), options_(std::move(options)), group_(env.executor()) {
  TsoDispatcherOptions tso;
  tso.max_batch = options_.max_tso_batch;
  tso.queue_capacity = options_.tso_queue_capacity;
  tso.max_retries = options_.max_retries;
  tso.retry_interval = options_.retry_interval;
  tso.timeout = options_.timeout;
  tso.max_batch_wait = options_.max_tso_batch_wait;
  tso.rpc_concurrency = options_.tso_rpc_concurrency;
  auto check = [this](const pdpb::ResponseHeader& h) { return HeaderStatus(h, cluster_id()); };
  auto refresh = [this](const CancelToken* cancel) { (void)UpdateMembers(cancel); };
  tso_ = std::make_unique<TsoDispatcher>(
      env, tso,
      TsoDispatcherHooks{[this] { return leader(); },
                         [this](pdpb::RequestHeader* h) { FillHeader(h); }, check, refresh});
  RegionQueryBatcherOptions router;
  router.max_batch = options_.max_router_batch;
  router.timeout = options_.timeout;
  router_ = std::make_unique<RegionQueryBatcher>(
      env, router,
      RegionQueryBatcherHooks{[this] { return leader(); },
                              [this](pdpb::RequestHeader* h) { FillHeader(h); }, check, refresh});
  absl::MutexLock lock(&mu_);
  members_ = options_.endpoints;
  router_enabled_ = options_.enable_router_client;
}

absl::StatusOr<std::unique_ptr<RpcPdClient>> RpcPdClient::Create(Env& env,
                                                                 PdClientOptions options) {
  if (options.endpoints.empty()) return absl::InvalidArgumentError("no PD endpoints");
  if (options.max_tso_batch_wait < Duration::zero() ||
      options.max_tso_batch_wait > TsoDispatcher::kMaxBatchWait) {
    return absl::InvalidArgumentError("max_tso_batch_wait must be between 0 and 10ms");
  }
  if (options.tso_rpc_concurrency < 1 ||
      options.tso_rpc_concurrency > TsoDispatcher::kMaxRpcConcurrency) {
    return absl::InvalidArgumentError("tso_rpc_concurrency must be between 1 and 32");
  }
  if (options.member_update_interval <= Duration::zero()) {
    return absl::InvalidArgumentError("member_update_interval must be positive");
  }
  std::unique_ptr<RpcPdClient> client(new RpcPdClient(env, std::move(options)));
  absl::Status s = client->UpdateMembers(nullptr);
  if (!s.ok()) {
    client->Close();
    return s;
  }
  client->tso_->Start();
  client->router_->Start();
  client->group_.Spawn(SpawnOptions{.name = "pd-member-loop"}, [c = client.get()] {
    c->MemberLoop();
  });
  return client;
}

RpcPdClient::~RpcPdClient() { Close(); }

void RpcPdClient::Close() {
  if (closed_) return;
  closed_ = true;
  group_.Cancel();
  group_.Wait();
  tso_->Close();
  router_->Close();
}

// Port of serviceDiscovery.updateMemberLoop(): refresh every member_update_interval, or at
// once when asked (after errors).  Failures are left to the next round; callers that need a
// leader refresh synchronously.
void RpcPdClient::MemberLoop() {
  const CancelToken& cancel = group_.cancel_token();
  while (!cancel.IsCancelled()) {
    const WakeReason r =
        member_check_.Wait(env_.clock().Now() + options_.member_update_interval, &cancel);
    if (r == WakeReason::kCancelled) return;
    member_check_.Reset();
    (void)UpdateMembers(&cancel);
  }
}

void RpcPdClient::ScheduleCheckMemberChanged() { member_check_.Set(); }

void RpcPdClient::AddLeaderSwitchedCallback(
    std::function<void(const std::string& leader_url)> callback) {
  absl::MutexLock lock(&mu_);
  leader_callbacks_.push_back(std::move(callback));
}

uint64_t RpcPdClient::member_update_count() const {
  absl::MutexLock lock(&mu_);
  return member_updates_;
}

std::vector<std::string> RpcPdClient::member_addresses() const {
  absl::MutexLock lock(&mu_);
  return members_;
}

std::string RpcPdClient::GetLeaderUrl() const {
  absl::MutexLock lock(&mu_);
  return leader_url_;
}

absl::Status RpcPdClient::SetMaxTsoBatchWaitInterval(Duration wait) {
  return tso_->SetMaxBatchWait(wait);
}

absl::Status RpcPdClient::SetTsoRpcConcurrency(int concurrency) {
  return tso_->SetRpcConcurrency(concurrency);
}

void RpcPdClient::SetEnableRouterClient(bool enable) {
  absl::MutexLock lock(&mu_);
  router_enabled_ = enable;
}

uint64_t RpcPdClient::tso_rpc_count() const { return tso_->stats().rpcs; }

TsoDispatcher::Stats RpcPdClient::tso_stats() const { return tso_->stats(); }

RegionQueryBatcher::Stats RpcPdClient::router_stats() const { return router_->stats(); }

void RpcPdClient::FillHeader(pdpb::RequestHeader* header) const {
  header->set_cluster_id(cluster_id());
  header->set_caller_id(options_.caller_id);
  header->set_caller_component(options_.caller_component);
}

uint64_t RpcPdClient::cluster_id() const {
  absl::MutexLock lock(&mu_);
  return cluster_id_;
}

std::string RpcPdClient::leader() const {
  absl::MutexLock lock(&mu_);
  return leader_;
}

// Port of tikv/pd client/servicediscovery/service_discovery.go, updateMember(): ask each known
// member in turn; a member reporting another cluster id or no leader is skipped; the first
// good answer replaces the member list and, when the leader moved, runs the callbacks.
absl::Status RpcPdClient::UpdateMembers(const CancelToken* cancel) {
  std::vector<std::string> candidates;
  uint64_t cluster_id;
  {
    absl::MutexLock lock(&mu_);
    ++member_updates_;
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
    FillHeader(req.mutable_header());
    pdpb::GetMembersResponse resp;
    absl::Status s = env_.transport().Call(Endpoint{address}, rpc::kPdGetMembers, req, &resp,
                                           env_.clock().Now() + options_.timeout, cancel);
    if (s.ok() && cluster_id != 0 && resp.header().cluster_id() != cluster_id) {
      s = absl::FailedPreconditionError(absl::StrCat("cluster id does not match: ",
                                                     resp.header().cluster_id(),
                                                     " != ", cluster_id));
    }
    if (s.ok()) s = HeaderStatus(resp.header(), cluster_id);
    if (s.ok() && (!resp.has_leader() || resp.leader().client_urls().empty())) {
      s = absl::UnavailableError(absl::StrCat("PD member ", address, " reports no leader"));
    }
    if (!s.ok()) {
      last = absl::Status(s.code(), absl::StrCat(address, ": ", s.message()));
      if (cancel != nullptr && cancel->IsCancelled()) break;
      continue;
    }
    std::vector<std::function<void(const std::string&)>> callbacks;
    const std::string url = resp.leader().client_urls(0);
    {
      absl::MutexLock lock(&mu_);
      if (cluster_id_ == 0) cluster_id_ = resp.header().cluster_id();
      const std::string address_of_leader = AddressFromUrl(url);
      if (!leader_url_.empty() && leader_url_ != url) callbacks = leader_callbacks_;
      leader_ = address_of_leader;
      leader_url_ = url;
      members_.clear();
      for (const pdpb::Member& m : resp.members()) {
        if (!m.client_urls().empty()) members_.push_back(AddressFromUrl(m.client_urls(0)));
      }
      // Upstream keeps its URL list sorted.
      std::sort(members_.begin(), members_.end());
    }
    for (auto& cb : callbacks) cb(url);
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat("update PD members: ", last.message()));
}

// Port of tikv/pd client/client.go, GetAllMembers(): the leader's member list.
absl::StatusOr<std::vector<pdpb::Member>> RpcPdClient::GetAllMembers(const CancelToken* cancel) {
  pdpb::GetMembersRequest req;
  FillHeader(req.mutable_header());
  pdpb::GetMembersResponse resp;
  absl::Status s = CallLeader(rpc::kPdGetMembers, req, &resp, cancel);
  if (!s.ok()) return s;
  s = HeaderStatus(resp.header(), cluster_id());
  if (!s.ok()) return s;
  return std::vector<pdpb::Member>(resp.members().begin(), resp.members().end());
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

absl::StatusOr<std::optional<RegionInfo>> RpcPdClient::GetRegion(std::string_view key,
                                                                 bool need_buckets,
                                                                 const CancelToken* cancel) {
  if (auto via_router =
          RouterLookup(RegionQueryBatcher::Kind::kKey, key, 0, need_buckets, cancel)) {
    return *std::move(via_router);
  }
  pdpb::GetRegionRequest req;
  req.set_region_key(key.data(), key.size());
  req.set_need_buckets(need_buckets);
  return GetRegionCommon(rpc::kPdGetRegion, req, cancel);
}

absl::StatusOr<std::optional<RegionInfo>> RpcPdClient::GetPrevRegion(std::string_view key,
                                                                     bool need_buckets,
                                                                     const CancelToken* cancel) {
  if (auto via_router =
          RouterLookup(RegionQueryBatcher::Kind::kPrevKey, key, 0, need_buckets, cancel)) {
    return *std::move(via_router);
  }
  pdpb::GetRegionRequest req;
  req.set_region_key(key.data(), key.size());
  req.set_need_buckets(need_buckets);
  return GetRegionCommon(rpc::kPdGetPrevRegion, req, cancel);
}

absl::StatusOr<std::optional<RegionInfo>> RpcPdClient::GetRegionById(uint64_t region_id,
                                                                     bool need_buckets,
                                                                     const CancelToken* cancel) {
  if (auto via_router =
          RouterLookup(RegionQueryBatcher::Kind::kId, "", region_id, need_buckets, cancel)) {
    return *std::move(via_router);
  }
  pdpb::GetRegionByIDRequest req;
  req.set_region_id(region_id);
  req.set_need_buckets(need_buckets);
  return GetRegionCommon(rpc::kPdGetRegionById, req, cancel);
}

// Port of the router client's use in client.go (GetRegion & co. with EnableRouterClient): the
// stream serves the lookup; on any stream failure (including UNIMPLEMENTED) the caller's
// lookup is retried through the unary RPC, which goes to the leader with CallLeader's retries.
std::optional<absl::StatusOr<std::optional<RegionInfo>>> RpcPdClient::RouterLookup(
    RegionQueryBatcher::Kind kind, std::string_view key, uint64_t id, bool need_buckets,
    const CancelToken* cancel) {
  {
    absl::MutexLock lock(&mu_);
    if (!router_enabled_) return std::nullopt;
  }
  if (router_->unsupported()) return std::nullopt;
  absl::StatusOr<std::optional<RegionInfo>> r = router_->Lookup(kind, key, id, need_buckets, cancel);
  if (r.ok()) return r;
  if (r.status().code() == absl::StatusCode::kCancelled && cancel != nullptr &&
      cancel->IsCancelled()) {
    return r;
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<RegionInfo>> RpcPdClient::GetRegionCommon(
    const RpcMethod& method, google::protobuf::Message& request, const CancelToken* cancel) {
  // Both request types put the header at field 1; set it through the concrete types.
  if (auto* r = dynamic_cast<pdpb::GetRegionRequest*>(&request)) {
    FillHeader(r->mutable_header());
  } else if (auto* r2 = dynamic_cast<pdpb::GetRegionByIDRequest*>(&request)) {
    FillHeader(r2->mutable_header());
  }
  pdpb::GetRegionResponse resp;
  absl::Status s = CallLeader(method, request, &resp, cancel);
  if (!s.ok()) return s;
  s = HeaderStatus(resp.header(), cluster_id());
  if (s.code() == absl::StatusCode::kNotFound) return std::optional<RegionInfo>();
  if (!s.ok()) return s;
  if (!resp.has_region() || resp.region().id() == 0) return std::optional<RegionInfo>();
  return std::optional<RegionInfo>(RegionFromParts(resp.region(), resp.has_leader() ? &resp.leader() : nullptr,
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
  if (absl::Status s = CallChecked(rpc::kPdScanRegions, req, &resp, cancel); !s.ok()) return s;
  std::vector<RegionInfo> out;
  if (resp.regions_size() > 0) {
    for (const pdpb::Region& r : resp.regions()) out.push_back(RegionFromPd(r));
    return out;
  }
  const google::protobuf::RepeatedPtrField<pdpb::PeerStats> no_down;
  const google::protobuf::RepeatedPtrField<metapb::Peer> no_pending;
  for (int i = 0; i < resp.region_metas_size(); ++i) {
    const metapb::Peer* leader = i < resp.leaders_size() ? &resp.leaders(i) : nullptr;
    out.push_back(RegionFromParts(resp.region_metas(i), leader, no_down, no_pending, nullptr));
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
  FillHeader(req.mutable_header());
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
  for (const pdpb::Region& r : resp.regions()) out.push_back(RegionFromPd(r));
  return out;
}

// Port of tikv/pd client/client.go, GetStore(): a removed store counts as absent.
absl::StatusOr<std::optional<metapb::Store>> RpcPdClient::GetStore(uint64_t store_id,
                                                                   const CancelToken* cancel) {
  pdpb::GetStoreRequest req;
  req.set_store_id(store_id);
  pdpb::GetStoreResponse resp;
  FillHeader(req.mutable_header());
  if (absl::Status call = CallLeader(rpc::kPdGetStore, req, &resp, cancel); !call.ok()) {
    return call;
  }
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
  if (absl::Status s = CallChecked(rpc::kPdGetAllStores, req, &resp, cancel); !s.ok()) return s;
  return std::vector<metapb::Store>(resp.stores().begin(), resp.stores().end());
}

absl::StatusOr<keyspacepb::KeyspaceMeta> RpcPdClient::LoadKeyspace(std::string_view name,
                                                                   const CancelToken* cancel) {
  keyspacepb::LoadKeyspaceRequest req;
  req.set_name(name.data(), name.size());
  keyspacepb::LoadKeyspaceResponse resp;
  if (absl::Status s = CallChecked(rpc::kKeyspaceLoadKeyspace, req, &resp, cancel); !s.ok()) {
    return s;
  }
  if (!resp.has_keyspace()) {
    return absl::NotFoundError(absl::StrCat("keyspace ", AbslView(name), " not found"));
  }
  return resp.keyspace();
}

absl::StatusOr<uint64_t> RpcPdClient::UpdateGcSafePoint(uint64_t safe_point,
                                                        const CancelToken* cancel) {
  pdpb::UpdateGCSafePointRequest req;
  req.set_safe_point(safe_point);
  pdpb::UpdateGCSafePointResponse resp;
  if (absl::Status s = CallChecked(rpc::kPdUpdateGcSafePoint, req, &resp, cancel); !s.ok()) {
    return s;
  }
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
  if (absl::Status s = CallChecked(rpc::kPdUpdateServiceGcSafePoint, req, &resp, cancel); !s.ok()) {
    return s;
  }
  return resp.min_safe_point();
}

// Port of tikv/pd client/client.go, GetMinTS().  UNIMPLEMENTED is returned as is: callers must
// not retry it.
absl::StatusOr<uint64_t> RpcPdClient::GetMinTs(const CancelToken* cancel) {
  pdpb::GetMinTSRequest req;
  pdpb::GetMinTSResponse resp;
  if (absl::Status s = CallChecked(rpc::kPdGetMinTs, req, &resp, cancel); !s.ok()) return s;
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

oracle::TsFuture RpcPdClient::GetTsAsync() { return tso_->GetTsAsync(); }

absl::StatusOr<uint64_t> RpcPdClient::GetTs(const CancelToken* cancel) {
  oracle::TsFuture future = GetTsAsync();
  const WakeReason r = future.Wait(MonoTime::Infinite(), cancel);
  if (r == WakeReason::kCancelled) return cancel->status();
  if (r == WakeReason::kTimedOut) return absl::DeadlineExceededError("get TSO timed out");
  return future.value();
}

}  // namespace tikv::pd
