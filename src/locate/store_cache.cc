#include "locate/store_cache.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"

#include "env/event.h"
#include "rpc/methods.h"

namespace tikv::locate {
namespace {

// client-go tikvSlowScoreUpdateInterval and the linear decay of 20 points per minute once
// feedback is stale (tikvSlowScoreDecayRate).
constexpr Duration kTikvScoreUpdateInterval = std::chrono::milliseconds(100);
constexpr double kTikvScoreDecayPerSecond = 20.0 / 60.0;
// client-go getHealthFeedbackTimeout.
constexpr Duration kHealthFeedbackTimeout = std::chrono::seconds(2);

// PD's answer for an unknown store id (client-go isStoreNotFoundError matches the text).
bool IsStoreNotFound(const absl::Status& s) {
  return s.code() == absl::StatusCode::kNotFound ||
         (absl::StrContains(s.message(), "invalid store ID") &&
          absl::StrContains(s.message(), "not found"));
}

double Seconds(Duration d) { return static_cast<double>(d.count()) / 1e9; }

std::vector<std::pair<std::string, std::string>> SortedLabels(
    const std::vector<metapb::StoreLabel>& labels) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& l : labels) out.emplace_back(l.key(), l.value());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string_view ResolveStateName(ResolveState state) {
  switch (state) {
    case ResolveState::kUnresolved: return "unresolved";
    case ResolveState::kResolved: return "resolved";
    case ResolveState::kNeedCheck: return "needCheck";
    case ResolveState::kTombstone: return "tombstone";
  }
  return "unknown";
}

std::string_view LivenessName(Liveness liveness) {
  switch (liveness) {
    case Liveness::kReachable: return "reachable";
    case Liveness::kUnreachable: return "unreachable";
    case Liveness::kUnknown: return "unknown";
  }
  return "unknown";
}

bool StoreInfo::IsLabelsMatch(const std::vector<metapb::StoreLabel>& want) const {
  for (const auto& w : want) {
    bool found = false;
    for (const auto& l : labels) {
      if (l.key() == w.key() && l.value() == w.value()) found = true;
    }
    if (!found) return false;
  }
  return true;
}

bool StoreInfo::IsStoreMatch(const std::vector<uint64_t>& stores) const {
  return stores.empty() || std::find(stores.begin(), stores.end(), id) != stores.end();
}

std::optional<std::string> StoreInfo::GetLabelValue(std::string_view key) const {
  for (const auto& l : labels) {
    if (l.key() == key) return l.value();
  }
  return std::nullopt;
}

StoreType StoreInfo::type() const {
  const std::optional<std::string> engine = GetLabelValue("engine");
  if (engine == "tiflash") return StoreType::kTiFlash;
  if (engine == "tiflash_compute") return StoreType::kTiFlashCompute;
  return StoreType::kTiKV;
}

struct StoreCache::Entry {
  uint64_t id = 0;
  std::string address;
  std::vector<metapb::StoreLabel> labels;
  ResolveState state = ResolveState::kUnresolved;
  Liveness liveness = Liveness::kReachable;
  uint32_t epoch = 0;
  SlowScoreStat client_score;
  bool has_tikv_feedback = false;
  int64_t tikv_slow_score = 1;
  std::optional<MonoTime> tikv_updated_at;
  uint32_t estimated_wait_ms = 0;
  MonoTime wait_updated_at;
};

struct StoreCache::ProbeState {
  env::Event done;
  Liveness result = Liveness::kUnknown;
};

StoreCache::StoreCache(Env& env, pd::PdClient& pd, StoreCacheOptions options)
    : env_(env), pd_(pd), options_(options), fibers_(env.executor()) {}

StoreCache::~StoreCache() { Close(); }

void StoreCache::Close() {
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  fibers_.Cancel();
  fibers_.Wait();
}

StoreCache::Entry& StoreCache::GetOrInsertLocked(uint64_t store_id) {
  std::unique_ptr<Entry>& e = stores_[store_id];
  if (e == nullptr) {
    e = std::make_unique<Entry>();
    e->id = store_id;
  }
  return *e;
}

StoreInfo StoreCache::SnapshotLocked(const Entry& e) const {
  const MonoTime now = env_.clock().Now();
  StoreInfo info;
  info.id = e.id;
  info.address = e.address;
  info.labels = e.labels;
  info.resolve_state = e.state;
  info.liveness = e.liveness;
  info.epoch = e.epoch;
  // Both scores change on the health tick only (client-go StoreHealthStatus.tick).
  info.client_slow_score = static_cast<int64_t>(e.client_score.score());
  info.tikv_slow_score = e.tikv_slow_score;
  info.slow = e.client_score.IsSlow() || e.tikv_slow_score >= options_.tikv_slow_threshold;
  // client-go EstimatedWaitTime: the reported wait minus the time since it was reported.
  const Duration wait = std::chrono::milliseconds(e.estimated_wait_ms);
  const Duration since = now - e.wait_updated_at;
  info.estimated_wait = wait > since ? wait - since : Duration::zero();
  return info;
}

StoreInfo StoreCache::GetOrInsert(uint64_t store_id) {
  absl::MutexLock lock(&mu_);
  return SnapshotLocked(GetOrInsertLocked(store_id));
}

std::optional<StoreInfo> StoreCache::Get(uint64_t store_id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = stores_.find(store_id);
  if (it == stores_.end()) return std::nullopt;
  return SnapshotLocked(*it->second);
}

// Port of client-go store_cache.go, initByStoreMeta().
bool StoreCache::ApplyStoreLocked(Entry& e, const std::optional<metapb::Store>& store) {
  if (!store.has_value() || store->state() == metapb::StoreState::Tombstone) {
    e.state = ResolveState::kTombstone;
    return false;
  }
  e.address = store->address();
  e.labels.assign(store->labels().begin(), store->labels().end());
  e.state = ResolveState::kResolved;
  return true;
}

void StoreCache::Put(const metapb::Store& store) {
  if (store.address().empty() && store.state() != metapb::StoreState::Tombstone) return;
  absl::MutexLock lock(&mu_);
  Entry& e = GetOrInsertLocked(store.id());
  if (e.state == ResolveState::kUnresolved) (void)ApplyStoreLocked(e, store);
}

// Port of client-go region_cache.go getStoreAddr() and store_cache.go initResolve(): only an
// unresolved store asks PD; a need-check store keeps serving its last address while the
// resolver re-reads it.
absl::StatusOr<std::string> StoreCache::GetStoreAddress(Backoffer& bo, uint64_t store_id) {
  {
    absl::MutexLock lock(&mu_);
    Entry& e = GetOrInsertLocked(store_id);
    switch (e.state) {
      case ResolveState::kResolved:
      case ResolveState::kNeedCheck:
        return e.address;
      case ResolveState::kTombstone:
        return std::string();
      case ResolveState::kUnresolved:
        break;
    }
  }
  for (;;) {
    absl::StatusOr<std::optional<metapb::Store>> store =
        pd_.GetStore(store_id, &bo.cancel_token());
    if (!store.ok() && IsStoreNotFound(store.status())) {
      store = std::optional<metapb::Store>();  // client-go isStoreNotFoundError
    }
    if (!store.ok()) {
      if (bo.cancel_token().IsCancelled()) return absl::CancelledError("resolving store cancelled");
      absl::Status err = absl::UnavailableError(absl::StrCat(
          "loadStore from PD failed, id: ", store_id, ", err: ", store.status().ToString()));
      if (absl::Status s = bo.Backoff(BackoffKind::kPdRpc, err); !s.ok()) return s;
      continue;
    }
    if (store->has_value() && (*store)->address().empty() &&
        (*store)->state() != metapb::StoreState::Tombstone) {
      return absl::InvalidArgumentError(absl::StrCat("empty store(", store_id, ") address"));
    }
    absl::MutexLock lock(&mu_);
    Entry& e = GetOrInsertLocked(store_id);
    // Another fiber may have resolved it meanwhile; its answer is as good as ours.
    if (e.state == ResolveState::kUnresolved) (void)ApplyStoreLocked(e, *store);
    return e.state == ResolveState::kTombstone ? std::string() : e.address;
  }
}

// Port of client-go store_cache.go, invalidateReplicaStore() (the CAS on the store epoch).
bool StoreCache::InvalidateStore(uint64_t store_id, uint32_t epoch) {
  absl::MutexLock lock(&mu_);
  Entry& e = GetOrInsertLocked(store_id);
  if (e.epoch != epoch) return false;
  ++e.epoch;
  if (e.state == ResolveState::kResolved) {
    e.state = ResolveState::kNeedCheck;
    StartResolverLocked();
  }
  e.client_score.MarkAlreadySlow();
  EnsureHealthTickLocked();
  return true;
}

void StoreCache::MarkNeedCheck(uint64_t store_id) {
  absl::MutexLock lock(&mu_);
  Entry& e = GetOrInsertLocked(store_id);
  if (e.state != ResolveState::kResolved) return;
  e.state = ResolveState::kNeedCheck;
  StartResolverLocked();
}

void StoreCache::StartResolverLocked() {
  if (resolver_running_ || closed_) return;
  resolver_running_ = true;
  fibers_.Spawn({.name = "store-resolver"}, [this] { ResolverLoop(); });
}

// Port of client-go region_cache.go asyncCheckAndResolveLoop() / checkAndResolve(): re-read
// every need-check store; PD failures leave it need-check for the next round.  The fiber
// ends when nothing is left, so an idle cache has no fibers.
void StoreCache::ResolverLoop() {
  for (;;) {
    std::vector<uint64_t> ids;
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [id, e] : stores_) {
        if (e->state == ResolveState::kNeedCheck) ids.push_back(id);
      }
      if (ids.empty() || closed_) {
        resolver_running_ = false;
        return;
      }
    }
    bool failed = false;
    for (uint64_t id : ids) {
      if (!ReResolve(id, &fibers_.cancel_token()).ok()) failed = true;
    }
    if (failed && env_.executor().SleepFor(env_.clock(), options_.resolver_retry_interval,
                                           &fibers_.cancel_token()) == WakeReason::kCancelled) {
      absl::MutexLock lock(&mu_);
      resolver_running_ = false;
      return;
    }
  }
}

// Port of client-go store_cache.go, reResolve().
absl::StatusOr<bool> StoreCache::ReResolve(uint64_t store_id, const CancelToken* cancel) {
  absl::StatusOr<std::optional<metapb::Store>> store = pd_.GetStore(store_id, cancel);
  if (!store.ok() && IsStoreNotFound(store.status())) store = std::optional<metapb::Store>();
  if (!store.ok()) return store.status();
  std::string old_address;
  std::function<void(std::string_view)> listener;
  bool valid = true;
  {
    absl::MutexLock lock(&mu_);
    Entry& e = GetOrInsertLocked(store_id);
    if (!store->has_value() || (*store)->state() == metapb::StoreState::Tombstone) {
      // Removed in PD: retire every cached use of it.
      ++e.epoch;
      e.state = ResolveState::kTombstone;
      old_address = e.address;
      valid = false;
    } else if ((*store)->address().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("empty store(", store_id, ") address"));
    } else {
      std::vector<metapb::StoreLabel> labels((*store)->labels().begin(), (*store)->labels().end());
      if (e.address != (*store)->address() || SortedLabels(e.labels) != SortedLabels(labels)) {
        if (e.address != (*store)->address()) old_address = e.address;
        e.address = (*store)->address();
        e.labels = std::move(labels);
      }
      e.state = ResolveState::kResolved;
    }
    listener = address_listener_;
  }
  if (!old_address.empty() && listener) listener(old_address);
  return valid;
}

Liveness StoreCache::Probe(const StoreInfo& info, const CancelToken* cancel) {
  std::shared_ptr<ProbeState> probe;
  bool owner = false;
  {
    absl::MutexLock lock(&mu_);
    if (liveness_func_) {
      LivenessFunc f = liveness_func_;
      ++probes_;
      // Outside the lock would be nicer, but a test hook never suspends.
      return f(info);
    }
    if (options_.liveness_timeout <= Duration::zero()) return Liveness::kUnreachable;
    if (info.resolve_state != ResolveState::kResolved) return Liveness::kUnknown;
    auto it = probes_in_flight_.find(info.address);
    if (it != probes_in_flight_.end()) {
      probe = it->second;
    } else {
      probe = std::make_shared<ProbeState>();
      probes_in_flight_.emplace(info.address, probe);
      owner = true;
      ++probes_;
    }
  }
  if (!owner) {
    // client-go singleflight: share the in-flight probe of the same address.
    if (probe->done.Wait(MonoTime::Infinite(), cancel) != WakeReason::kWoken) {
      return Liveness::kUnknown;
    }
    return probe->result;
  }
  // Port of client-go store_cache.go, invokeKVStatusAPI(): SERVING is reachable, anything
  // else (including a failed call) unreachable.  The probe is not tied to the caller's
  // cancellation, so sharers are never cut short by another caller cancelling, but it ends by
  // the caller's deadline (client-go derives the probe's context from the caller's); a probe
  // cut short that way learned nothing and reports kUnknown.
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  const MonoTime probe_deadline = env_.clock().Now() + options_.liveness_timeout;
  const MonoTime caller_deadline = cancel != nullptr ? cancel->deadline() : MonoTime::Infinite();
  absl::Status status = env_.transport().Call(Endpoint{info.address}, rpc::kHealthCheck, request,
                                              &response, std::min(probe_deadline, caller_deadline),
                                              &fibers_.cancel_token());
  Liveness result =
      status.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING
          ? Liveness::kReachable
          : Liveness::kUnreachable;
  if (!status.ok() && caller_deadline < probe_deadline &&
      env_.clock().Now() >= caller_deadline) {
    result = Liveness::kUnknown;
  }
  {
    absl::MutexLock lock(&mu_);
    probes_in_flight_.erase(info.address);
  }
  probe->result = result;
  probe->done.Set();
  return result;
}

// Port of client-go store_cache.go, requestLivenessAndStartHealthCheckLoopIfNeeded().
Liveness StoreCache::CheckLiveness(uint64_t store_id, const CancelToken* cancel) {
  const StoreInfo info = GetOrInsert(store_id);
  const Liveness liveness = Probe(info, cancel);
  if (liveness == Liveness::kReachable) return liveness;
  absl::MutexLock lock(&mu_);
  Entry& e = GetOrInsertLocked(store_id);
  // Only the caller that moves it off reachable starts the loop: one loop per store.
  if (e.liveness != Liveness::kReachable || closed_) return liveness;
  e.liveness = liveness;
  ++health_loops_;
  fibers_.Spawn({.name = "store-health-check"}, [this, store_id] { HealthCheckLoop(store_id); });
  return liveness;
}

// Port of client-go store_cache.go, startHealthCheckLoop(): probe every interval, re-resolve
// from PD every re_resolve_interval, stop when reachable, tombstone, or closed.
void StoreCache::HealthCheckLoop(uint64_t store_id) {
  MonoTime last_pd_check = env_.clock().Now();
  for (;;) {
    if (env_.executor().SleepFor(env_.clock(), options_.health_check_interval,
                                 &fibers_.cancel_token()) == WakeReason::kCancelled) {
      break;
    }
    const MonoTime now = env_.clock().Now();
    if (now - last_pd_check > options_.re_resolve_interval) {
      last_pd_check = now;
      absl::StatusOr<bool> valid = ReResolve(store_id, &fibers_.cancel_token());
      if (valid.ok() && !*valid) break;  // tombstone: nothing left to check
    }
    const Liveness liveness = Probe(GetOrInsert(store_id), &fibers_.cancel_token());
    if (fibers_.cancel_token().IsCancelled()) break;
    absl::MutexLock lock(&mu_);
    GetOrInsertLocked(store_id).liveness = liveness;
    if (liveness == Liveness::kReachable) break;
  }
  absl::MutexLock lock(&mu_);
  --health_loops_;
}

void StoreCache::UpdateServerLoadStats(uint64_t store_id, uint32_t estimated_wait_ms) {
  absl::MutexLock lock(&mu_);
  Entry& e = GetOrInsertLocked(store_id);
  e.estimated_wait_ms = estimated_wait_ms;
  e.wait_updated_at = env_.clock().Now();
}

void StoreCache::MarkAlreadySlow(uint64_t store_id) {
  absl::MutexLock lock(&mu_);
  GetOrInsertLocked(store_id).client_score.MarkAlreadySlow();
  EnsureHealthTickLocked();
}

void StoreCache::RecordRpcLatency(uint64_t store_id, Duration latency) {
  absl::MutexLock lock(&mu_);
  GetOrInsertLocked(store_id).client_score.RecordLatency(latency);
  EnsureHealthTickLocked();
}

bool StoreCache::AnyNeedsTickLocked() const {
  for (const auto& [id, e] : stores_) {
    if (e->client_score.NeedsTick() || (e->has_tikv_feedback && e->tikv_slow_score > 1)) {
      return true;
    }
  }
  return false;
}

std::vector<StoreInfo> StoreCache::ListResolved(
    const std::function<bool(StoreType)>& keep) const {
  std::vector<StoreInfo> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [id, e] : stores_) {
    if (e->state != ResolveState::kResolved) continue;
    StoreInfo info = SnapshotLocked(*e);
    if (keep(info.type())) out.push_back(std::move(info));
  }
  return out;
}

std::vector<StoreInfo> StoreCache::GetStoresByType(StoreType type) const {
  return ListResolved([type](StoreType t) { return t == type; });
}

std::vector<StoreInfo> StoreCache::GetAllStores() const {
  return ListResolved([](StoreType t) { return t != StoreType::kTiFlashCompute; });
}

// Port of client-go store_cache.go storeCacheUpdater.insertMissingStores: only stores the
// cache has never seen are added; known ones keep their state (re-resolution is the
// resolver's job).
absl::Status StoreCache::RefreshStoreList(const CancelToken* cancel) {
  absl::StatusOr<std::vector<metapb::Store>> stores =
      pd_.GetAllStores(/*exclude_tombstone=*/true, cancel);
  if (!stores.ok()) return stores.status();
  absl::MutexLock lock(&mu_);
  for (const metapb::Store& store : *stores) {
    if (store.id() == 0 || store.state() == metapb::StoreState::Tombstone) continue;
    if (store.address().empty() || stores_.contains(store.id())) continue;
    (void)ApplyStoreLocked(GetOrInsertLocked(store.id()), store);
  }
  return absl::OkStatus();
}

void StoreCache::StartStoreListRefresh() {
  absl::MutexLock lock(&mu_);
  if (store_list_refresh_running_ || closed_ ||
      options_.store_list_refresh_interval <= Duration::zero()) {
    return;
  }
  store_list_refresh_running_ = true;
  fibers_.Spawn({.name = "store-list-refresh"}, [this] {
    const CancelToken& cancel = fibers_.cancel_token();
    while (env_.executor().SleepFor(env_.clock(), options_.store_list_refresh_interval,
                                    &cancel) != WakeReason::kCancelled) {
      if (absl::Status s = RefreshStoreList(&cancel); !s.ok() && !cancel.IsCancelled()) {
        env_.Log(LogSeverity::kInfo, "store-cache",
                 absl::StrCat("refresh full store list failed: ", s.ToString()));
      }
    }
  });
}

void StoreCache::EnsureHealthTickLocked() {
  if (health_tick_running_ || closed_ || options_.health_tick_interval <= Duration::zero()) return;
  health_tick_running_ = true;
  fibers_.Spawn({.name = "store-health-tick"}, [this] { HealthTickLoop(); });
}

// Port of client-go region_cache.go, the checkAndUpdateStoreHealthStatus schedule; the fiber
// ends once nothing can change, so an idle healthy cache has no fibers.
void StoreCache::HealthTickLoop() {
  for (;;) {
    if (env_.executor().SleepFor(env_.clock(), options_.health_tick_interval,
                                 &fibers_.cancel_token()) == WakeReason::kCancelled) {
      break;
    }
    HealthTick();
    absl::MutexLock lock(&mu_);
    if (closed_ || !AnyNeedsTickLocked()) break;
  }
  absl::MutexLock lock(&mu_);
  health_tick_running_ = false;
}

// Port of client-go store_cache.go, StoreHealthStatus.tick().
void StoreCache::HealthTick() {
  const MonoTime now = env_.clock().Now();
  std::vector<uint64_t> ids;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, e] : stores_) {
      e->client_score.Tick();
      ids.push_back(id);
    }
  }
  for (uint64_t id : ids) TickTikvScore(id, now);
}

// Port of client-go store_cache.go, updateTiKVServerSideSlowScoreOnTick().
void StoreCache::TickTikvScore(uint64_t store_id, MonoTime now) {
  HealthFeedbackRequester requester;
  std::string address;
  {
    absl::MutexLock lock(&mu_);
    auto it = stores_.find(store_id);
    if (it == stores_.end()) return;
    const Entry& e = *it->second;
    // A score of 1 is the normal state of a store nobody reads from: nothing to refresh.
    if (!e.has_tikv_feedback || e.tikv_slow_score <= 1 || !e.tikv_updated_at.has_value()) return;
    if (now - *e.tikv_updated_at < options_.tikv_feedback_stale_after) return;
    if (feedback_requester_ && e.liveness == Liveness::kReachable && !e.address.empty() &&
        !closed_) {
      requester = feedback_requester_;
      address = e.address;
      ++feedback_requests_;
    }
  }
  if (requester) {
    absl::StatusOr<kvrpcpb::HealthFeedback> fb = requester(address, &fibers_.cancel_token());
    if (fb.ok()) {
      kvrpcpb::HealthFeedback copy = *fb;
      copy.set_store_id(store_id);
      RecordHealthFeedback(copy);
    } else {
      env_.Log(LogSeverity::kWarning, "store-cache",
               absl::StrCat("requesting health feedback from store ", store_id, " at ", address,
                            " failed: ", fb.status().ToString()));
    }
  }
  absl::MutexLock lock(&mu_);
  auto it = stores_.find(store_id);
  if (it == stores_.end()) return;
  Entry& e = *it->second;
  const Duration elapsed = now - *e.tikv_updated_at;
  if (elapsed < options_.tikv_feedback_stale_after) return;  // refreshed meanwhile
  const double decayed =
      static_cast<double>(e.tikv_slow_score) - kTikvScoreDecayPerSecond * Seconds(elapsed);
  e.tikv_slow_score = std::max<int64_t>(1, std::llround(decayed));
  e.tikv_updated_at = now;
}

void StoreCache::set_health_feedback_requester(HealthFeedbackRequester f) {
  absl::MutexLock lock(&mu_);
  feedback_requester_ = std::move(f);
}

int StoreCache::health_feedback_requests() const {
  absl::ReaderMutexLock lock(&mu_);
  return feedback_requests_;
}

HealthFeedbackRequester MakeRpcHealthFeedbackRequester(Env& env, rpc::RpcClient& client) {
  return [&env, &client](std::string_view address,
                         const CancelToken* cancel) -> absl::StatusOr<kvrpcpb::HealthFeedback> {
    rpc::Request req =
        rpc::Request::Of(rpc::CmdType::kGetHealthFeedback, kvrpcpb::GetHealthFeedbackRequest());
    absl::StatusOr<rpc::Response> resp =
        client.SendRequest(address, req, env.clock().Now() + kHealthFeedbackTimeout, cancel);
    if (!resp.ok()) return resp.status();
    if (const errorpb::Error* re = resp->region_error(); re != nullptr) {
      return absl::UnavailableError(
          absl::StrCat("requested health feedback from store but received region error: ",
                       re->ShortDebugString()));
    }
    const auto* msg = resp->As<kvrpcpb::GetHealthFeedbackResponse>();
    if (msg == nullptr || !msg->has_health_feedback()) {
      return absl::UnavailableError("health feedback response carries no feedback");
    }
    return msg->health_feedback();
  };
}

// Port of client-go store_cache.go, updateTiKVServerSideSlowScore().
void StoreCache::RecordHealthFeedback(const kvrpcpb::HealthFeedback& feedback) {
  absl::MutexLock lock(&mu_);
  auto it = stores_.find(feedback.store_id());
  if (it == stores_.end()) return;  // feedback for a store this client never routed to
  Entry& e = *it->second;
  const MonoTime now = env_.clock().Now();
  const auto score = static_cast<int64_t>(feedback.slow_score());
  if (score == e.tikv_slow_score) {
    // Refresh the time so a steady slow score does not decay as stale.
    if (score > 1) e.tikv_updated_at = now;
    return;
  }
  if (e.tikv_updated_at.has_value() && now - *e.tikv_updated_at < kTikvScoreUpdateInterval) return;
  e.has_tikv_feedback = true;
  e.tikv_slow_score = score;
  e.tikv_updated_at = now;
  EnsureHealthTickLocked();
}

void StoreCache::set_liveness_func(LivenessFunc f) {
  absl::MutexLock lock(&mu_);
  liveness_func_ = std::move(f);
}

void StoreCache::set_address_change_listener(std::function<void(std::string_view)> f) {
  absl::MutexLock lock(&mu_);
  address_listener_ = std::move(f);
}

int StoreCache::health_check_loops() const {
  absl::ReaderMutexLock lock(&mu_);
  return health_loops_;
}

int StoreCache::probes() const {
  absl::ReaderMutexLock lock(&mu_);
  return probes_;
}

}  // namespace tikv::locate
