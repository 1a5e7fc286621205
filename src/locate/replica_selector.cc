#include "locate/replica_selector.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace tikv::locate {
namespace {

// Score bits, most significant first (client-go storeSelectionScore).
constexpr int64_t kFlagNotAttempted = 1 << 0;
constexpr int64_t kFlagNormalPeer = 1 << 1;
constexpr int64_t kFlagPreferLeader = 1 << 2;
constexpr int64_t kFlagLabelMatches = 1 << 3;
constexpr int64_t kFlagNotSlow = 1 << 4;

bool IsSamePeer(const metapb::Peer& a, const metapb::Peer& b) {
  return a.id() == b.id() && a.store_id() == b.store_id();
}

bool IsConfigurableTimeoutRead(const rpc::Request& request) {
  const auto limit = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(kReadTimeoutShort).count());
  return request.context().max_execution_duration_ms() < limit && IsReadRequest(request.type());
}

}  // namespace

bool IsReadRequest(rpc::CmdType type) {
  switch (type) {
    case rpc::CmdType::kGet:
    case rpc::CmdType::kBatchGet:
    case rpc::CmdType::kScan:
      return true;
    default:
      return false;
  }
}

std::unique_ptr<ReplicaSelector> ReplicaSelector::Create(RegionCache& cache, StoreCache& stores,
                                                         const RegionVerId& region,
                                                         const rpc::Request& request,
                                                         StoreSelectorOptions options,
                                                         RandomFn random,
                                                         ForwardingOptions forwarding) {
  std::shared_ptr<const Region> cached = cache.GetCachedRegion(region);
  if (cached == nullptr) return nullptr;
  if (request.replica_read_type() == rpc::ReplicaReadType::kPreferLeader) {
    options.prefer_leader = true;
  }
  return std::unique_ptr<ReplicaSelector>(new ReplicaSelector(
      cache, stores, std::move(cached), request, std::move(options), std::move(random),
      forwarding));
}

ReplicaSelector::ReplicaSelector(RegionCache& cache, StoreCache& stores,
                                 std::shared_ptr<const Region> region,
                                 const rpc::Request& request, StoreSelectorOptions options,
                                 RandomFn random, ForwardingOptions forwarding)
    : cache_(cache),
      stores_(stores),
      region_(std::move(region)),
      ver_(region_->VerId()),
      options_(std::move(options)),
      random_(std::move(random)),
      replica_read_type_(request.replica_read_type()),
      is_stale_read_(request.context().stale_read()),
      is_read_only_(IsReadRequest(request.type())),
      busy_threshold_(std::chrono::milliseconds(request.context().busy_threshold_ms())),
      forwarding_(forwarding) {
  // Port of client-go buildTiKVReplicas().
  for (const metapb::Peer& peer : region_->meta.peers()) {
    Replica r;
    r.peer = peer;
    r.epoch = stores_.GetOrInsert(peer.store_id()).epoch;
    replicas_.push_back(std::move(r));
  }
  leader_idx_ = region_->leader_index >= 0 ? region_->leader_index : 0;
  for (int i = 0; i < static_cast<int>(replicas_.size()); ++i) {
    if (forwarding_.known_proxy_store != 0 &&
        replicas_[i].peer.store_id() == forwarding_.known_proxy_store) {
      known_proxy_ = i;
    }
  }
}

bool ReplicaSelector::Refresh() {
  if (!region_valid_) return false;
  std::shared_ptr<const Region> current = cache_.GetCachedRegion(ver_);
  if (current == nullptr) {
    region_valid_ = false;
    return false;
  }
  region_ = std::move(current);
  if (region_->leader_index >= 0 && region_->leader_index < static_cast<int>(replicas_.size())) {
    leader_idx_ = region_->leader_index;
  }
  return true;
}

uint64_t ReplicaSelector::leader_peer_id() const {
  return leader_idx_ < static_cast<int>(replicas_.size()) ? replicas_[leader_idx_].peer.id() : 0;
}

bool ReplicaSelector::IsEpochStale(const Replica& r) const {
  std::optional<StoreInfo> info = stores_.Get(r.peer.store_id());
  return info.has_value() && info->epoch != r.epoch;
}

Liveness ReplicaSelector::LivenessOf(const Replica& r) const {
  std::optional<StoreInfo> info = stores_.Get(r.peer.store_id());
  return info.has_value() ? info->liveness : Liveness::kReachable;
}

// Port of client-go replica_selector.go, isLeaderCandidate().
bool ReplicaSelector::IsLeaderCandidate(const Replica& leader) const {
  return LivenessOf(leader) == Liveness::kReachable &&
         !leader.IsExhausted(kMaxReplicaAttempt, kMaxReplicaAttemptTime) &&
         !leader.HasFlag(kDeadlineErrUsingConfTimeoutFlag) && !leader.HasFlag(kNotLeaderFlag) &&
         !IsEpochStale(leader);
}

// Port of ReplicaSelectLeaderStrategy.next(): a suspect leader is skipped so a follower is
// probed and its NotLeader hint heals the cache (tikv/client-go#2028).
int ReplicaSelector::LeaderStrategyNext() const {
  const Replica& leader = replicas_[leader_idx_];
  if (IsLeaderCandidate(leader) && !leader.HasFlag(kSuspectNotLeaderFlag)) return leader_idx_;
  return -1;
}

// Port of ReplicaSelectMixedStrategy.isCandidate().
bool ReplicaSelector::MixedIsCandidate(const MixedStrategy& s, const Replica& r, bool is_leader,
                                       bool epoch_stale, Liveness liveness) const {
  if (epoch_stale || liveness == Liveness::kUnreachable) return false;
  // A follower that answered DataIsNotReady to a stale read may serve a replica read.
  const int max_attempt = r.HasFlag(kDataIsNotReadyFlag) && !is_leader ? 2 : 1;
  if (r.IsExhausted(max_attempt, Duration::zero())) return false;
  if (s.leader_only && !is_leader) return false;
  const StoreInfo info = stores_.GetOrInsert(r.peer.store_id());
  if (s.busy_threshold > Duration::zero() &&
      (info.estimated_wait > s.busy_threshold || r.HasFlag(kServerIsBusyFlag) || is_leader)) {
    return false;
  }
  if (s.prefer_leader && info.slow && !is_leader) return false;
  return true;
}

// Port of ReplicaSelectMixedStrategy.calculateScore().
int64_t ReplicaSelector::MixedScore(const MixedStrategy& s, const Replica& r,
                                    bool is_leader) const {
  const StoreInfo info = stores_.GetOrInsert(r.peer.store_id());
  int64_t score = 0;
  if (info.IsStoreMatch(*s.stores) && info.IsLabelsMatch(*s.labels)) score |= kFlagLabelMatches;
  if (is_leader) {
    if (s.prefer_leader) {
      score |= info.slow ? kFlagNormalPeer : kFlagPreferLeader;
    } else if (s.try_leader) {
      // With label matching the leader wins among equally matching replicas.
      score |= s.labels->empty() ? kFlagNormalPeer : kFlagPreferLeader;
    }
  } else if (!s.learner_only || r.peer.role() == metapb::PeerRole::Learner) {
    score |= kFlagNormalPeer;
  }
  if (!info.slow) score |= kFlagNotSlow;
  if (r.attempts == 0) score |= kFlagNotAttempted;
  return score;
}

// Port of ReplicaSelectMixedStrategy.next().
int ReplicaSelector::MixedNext(const MixedStrategy& s) {
  std::vector<int> best;
  int64_t max_score = -1;
  for (int i = 0; i < static_cast<int>(replicas_.size()); ++i) {
    const Replica& r = replicas_[i];
    const bool is_leader = i == s.leader_idx;
    if (!MixedIsCandidate(s, r, is_leader, IsEpochStale(r), LivenessOf(r))) continue;
    const int64_t score = MixedScore(s, r, is_leader);
    if (score > max_score) {
      max_score = score;
      best.assign(1, i);
    } else if (score == max_score && score > -1) {
      best.push_back(i);
    }
  }
  if (best.size() == 1) return best[0];
  if (best.size() > 1) return best[random_(best.size())];
  if (s.busy_threshold > Duration::zero()) return -1;  // no idle replica: keep the region
  // The leader was skipped only on suspicion: restore it rather than reload from PD.
  Replica& leader = replicas_[s.leader_idx];
  if (leader.HasFlag(kSuspectNotLeaderFlag)) {
    leader.DeleteFlag(kSuspectNotLeaderFlag);
    if (IsLeaderCandidate(leader)) return s.leader_idx;
  }
  // A deadline explains the exhaustion: retry fast without invalidating the region.
  bool deadline_error = false;
  for (const Replica& r : replicas_) {
    if (r.HasFlag(kDeadlineErrUsingConfTimeoutFlag)) deadline_error = true;
  }
  if (!deadline_error) InvalidateRegion();
  return -1;
}

// Port of ReplicaSelectMixedStrategy.canSendReplicaRead().
bool ReplicaSelector::CanSendReplicaRead(int leader_idx) const {
  const Replica& leader = replicas_[leader_idx];
  return !(leader.attempts == 0 || leader.HasFlag(kDeadlineErrUsingConfTimeoutFlag) ||
           leader.HasFlag(kServerIsBusyFlag));
}

// Port of ReplicaSelectLeaderWithProxyStrategy.isCandidate().
bool ReplicaSelector::IsProxyCandidate(int idx) const {
  const Replica& r = replicas_[idx];
  return idx != leader_idx_ && !r.IsExhausted(1, Duration::zero()) &&
         LivenessOf(r) == Liveness::kReachable && !IsEpochStale(r);
}

// Port of ReplicaSelectLeaderWithProxyStrategy.next().
void ReplicaSelector::ProxyNext() {
  Replica& leader = replicas_[leader_idx_];
  if (LivenessOf(leader) == Liveness::kReachable || leader.HasFlag(kNotLeaderFlag)) {
    known_proxy_ = -1;  // the leader is reachable again: no proxy needed
    target_ = leader_idx_;
    return;
  }
  if (known_proxy_ >= 0 && known_proxy_ < static_cast<int>(replicas_.size()) &&
      IsProxyCandidate(known_proxy_)) {
    target_ = leader_idx_;
    proxy_ = known_proxy_;
    return;
  }
  for (int i = 0; i < static_cast<int>(replicas_.size()); ++i) {
    if (IsProxyCandidate(i)) {
      target_ = leader_idx_;
      proxy_ = i;
      return;
    }
  }
  // Every follower failed as a proxy: retire the leader's store and reload the region.
  InvalidateReplicaStore(leader);
  InvalidateRegion();
}

// Port of replicaSelector.nextForReplicaReadLeader().
void ReplicaSelector::NextForLeader(rpc::Request& request) {
  kvrpcpb::Context* ctx = request.mutable_context();
  if (forwarding_.enabled) {
    ProxyNext();
    if (proxy_ >= 0 || target_ < 0) return;
  }
  target_ = LeaderStrategyNext();
  if (target_ >= 0 && busy_threshold_ > Duration::zero() && is_read_only_) {
    const StoreInfo info = stores_.GetOrInsert(replicas_[target_].peer.store_id());
    if (info.estimated_wait > busy_threshold_ || replicas_[target_].HasFlag(kServerIsBusyFlag)) {
      // The leader looks busy: try an idle replica; if none, drop the threshold.
      MixedStrategy mixed{.leader_idx = leader_idx_,
                          .labels = &options_.labels,
                          .stores = &options_.stores,
                          .busy_threshold = busy_threshold_};
      const int idle = MixedNext(mixed);
      if (idle >= 0) {
        target_ = idle;
        ctx->set_replica_read(true);
      } else {
        busy_threshold_ = Duration::zero();
        ctx->set_busy_threshold_ms(0);
        ctx->set_replica_read(false);
      }
    }
  }
  if (target_ >= 0) return;
  MixedStrategy mixed{.leader_idx = leader_idx_,
                      .leader_only = options_.leader_only,
                      .labels = &options_.labels,
                      .stores = &options_.stores};
  target_ = MixedNext(mixed);
  if (target_ >= 0 && is_read_only_ &&
      replicas_[leader_idx_].HasFlag(kDeadlineErrUsingConfTimeoutFlag)) {
    ctx->set_replica_read(true);
    ctx->set_stale_read(false);
  }
}

// Port of replicaSelector.nextForReplicaReadMixed().
void ReplicaSelector::NextForMixed(rpc::Request& request) {
  kvrpcpb::Context* ctx = request.mutable_context();
  if (is_stale_read_ && attempts_ == 2) {
    // Second try of a stale read: the leader, as a normal read, unless it was tried first.
    const int leader = LeaderStrategyNext();
    if (leader >= 0 && !replicas_[leader].IsExhausted(1, Duration::zero())) {
      target_ = leader;
      ctx->set_stale_read(false);
      ctx->set_replica_read(false);
      return;
    }
  }
  const rpc::ReplicaReadType type = request.replica_read_type();
  MixedStrategy s{.leader_idx = leader_idx_,
                  .try_leader = type == rpc::ReplicaReadType::kMixed ||
                                type == rpc::ReplicaReadType::kPreferLeader,
                  .prefer_leader = options_.prefer_leader,
                  .leader_only = options_.leader_only,
                  .learner_only = type == rpc::ReplicaReadType::kLearner,
                  .labels = &options_.labels,
                  .stores = &options_.stores};
  target_ = MixedNext(s);
  if (target_ < 0) return;
  const bool is_leader = replicas_[target_].peer.id() == leader_peer_id();
  if (is_stale_read_) {
    bool stale = true;
    const StoreInfo info = stores_.GetOrInsert(replicas_[target_].peer.store_id());
    if (attempts_ != 1 || (!info.IsLabelsMatch(options_.labels) && !is_leader)) {
      if (CanSendReplicaRead(leader_idx_)) stale = false;
    }
    ctx->set_stale_read(stale);
    ctx->set_replica_read(!stale);
  } else {
    ctx->set_stale_read(false);
    ctx->set_replica_read(is_read_only_ && !is_leader);
  }
}

// Port of replicaSelector.next() and baseReplicaSelector.buildRPCContext().
absl::StatusOr<std::optional<RpcTarget>> ReplicaSelector::Next(Backoffer& bo,
                                                               rpc::Request& request) {
  if (region_invalidated_for_retry_) {
    // One more attempt on the leader although the region was hard-invalidated.
    region_invalidated_for_retry_ = false;
  } else if (!Refresh()) {
    return std::nullopt;
  }
  if (!stores_resolved_) {
    // client-go resolves a region's stores when it loads the region, so labels are known
    // before the first choice; this cache keeps regions and stores apart, so resolve here.
    for (const Replica& r : replicas_) {
      if (stores_.GetOrInsert(r.peer.store_id()).resolve_state != ResolveState::kUnresolved) {
        continue;
      }
      absl::StatusOr<std::string> address = stores_.GetStoreAddress(bo, r.peer.store_id());
      if (!address.ok()) return address.status();
    }
    stores_resolved_ = true;
  }
  ++attempts_;
  target_ = -1;
  proxy_ = -1;
  if (replica_read_type_ == rpc::ReplicaReadType::kLeader) {
    NextForLeader(request);
  } else {
    NextForMixed(request);
  }
  if (target_ < 0) return std::nullopt;
  Replica& r = replicas_[target_];
  if (IsEpochStale(r) || (proxy_ >= 0 && IsEpochStale(replicas_[proxy_]))) {
    InvalidateRegion();
    return std::nullopt;
  }
  absl::StatusOr<std::string> address = stores_.GetStoreAddress(bo, r.peer.store_id());
  if (!address.ok()) return address.status();
  if (address->empty()) return std::nullopt;  // tombstone: the region must be reloaded
  ++r.attempts;
  RpcTarget t;
  t.region = ver_;
  t.meta = region_->meta;
  t.peer = r.peer;
  t.store_id = r.peer.store_id();
  t.store_epoch = r.epoch;
  t.address = *std::move(address);
  t.replica_index = target_;
  if (proxy_ >= 0) {
    Replica& proxy = replicas_[proxy_];
    absl::StatusOr<std::string> proxy_address =
        stores_.GetStoreAddress(bo, proxy.peer.store_id());
    if (!proxy_address.ok()) return proxy_address.status();
    if (proxy_address->empty()) return std::nullopt;
    ++proxy.attempts;
    t.proxy_store_id = proxy.peer.store_id();
    t.proxy_address = *std::move(proxy_address);
  }
  return t;
}

// Port of baseReplicaSelector.updateLeader() and replica.onUpdateLeader().
int ReplicaSelector::UpdateLeader(const metapb::Peer& leader) {
  for (int i = 0; i < static_cast<int>(replicas_.size()); ++i) {
    Replica& r = replicas_[i];
    if (!IsSamePeer(r.peer, leader)) continue;
    // An unreachable leader would only time out; keep trying the others.
    if (LivenessOf(r) != Liveness::kReachable) return -1;
    if (r.IsExhausted(kMaxReplicaAttempt, kMaxReplicaAttemptTime)) {
      // One more chance; each follower is tried once, so this cannot loop forever.
      r.attempts = kMaxReplicaAttempt - 1;
      r.attempted_time = Duration::zero();
    }
    r.DeleteFlag(kNotLeaderFlag);
    r.DeleteFlag(kSuspectNotLeaderFlag);
    cache_.UpdateLeader(ver_, leader.store_id());
    leader_idx_ = i;
    return i;
  }
  // The new leader is not in the cached version of the region.
  cache_.InvalidateRegion(ver_, InvalidReason::kStoreNotFound);
  region_valid_ = false;
  return -1;
}

absl::StatusOr<bool> ReplicaSelector::OnNotLeader(Backoffer& bo, const RpcTarget& target,
                                                  const errorpb::NotLeader& not_leader) {
  if (target_ >= 0) replicas_[target_].AddFlag(kNotLeaderFlag);
  if (!not_leader.has_leader()) {
    // The region may be electing a leader.
    absl::Status s = bo.Backoff(
        BackoffKind::kRegionScheduling,
        absl::UnavailableError(absl::StrCat("no leader, region ", target.region.id, " store ",
                                            target.store_id)));
    if (!s.ok()) return s;
    return true;
  }
  const int idx = UpdateLeader(not_leader.leader());
  if (idx >= 0 && IsLeaderCandidate(replicas_[idx])) {
    replica_read_type_ = rpc::ReplicaReadType::kLeader;
  }
  return true;
}

// Port of replicaSelector.onRegionNotFound().
bool ReplicaSelector::OnRegionNotFound(const RpcTarget& target, rpc::Request& request) {
  const Replica& leader = replicas_[leader_idx_];
  cache_.InvalidateRegion(target.region, InvalidReason::kRegionNotFound);
  region_valid_ = false;
  if (!leader.IsExhausted(1, Duration::zero())) {
    // The split may have reached the leader but not this replica: try the leader once.
    request.SetReplicaReadType(rpc::ReplicaReadType::kLeader);
    replica_read_type_ = rpc::ReplicaReadType::kLeader;
    region_invalidated_for_retry_ = true;
    return true;
  }
  return false;
}

// Port of replicaSelector.onServerIsBusy() and canFastRetry().
absl::StatusOr<bool> ReplicaSelector::OnServerIsBusy(Backoffer& bo, const RpcTarget& target,
                                                     const rpc::Request& request,
                                                     const errorpb::ServerIsBusy& busy) {
  Replica* r = target_ >= 0 ? &replicas_[target_] : nullptr;
  if (busy.estimated_wait_ms() != 0) {
    stores_.UpdateServerLoadStats(target.store_id, busy.estimated_wait_ms());
    if (busy_threshold_ > Duration::zero() && IsReadRequest(request.type()) && r != nullptr) {
      r->AddFlag(kServerIsBusyFlag);
    }
  } else {
    // The next reads may be redirected to other replicas.
    stores_.MarkAlreadySlow(target.store_id);
    // tikv/client-go#2028: a wedged read pool answers ServerIsBusy(0) before the request
    // reaches raft, so a stale cached leader never says NotLeader.  After two such answers
    // from the cached leader, probe a follower once; its NotLeader hint heals the cache.
    const uint64_t leader_peer = leader_peer_id();
    if (replica_read_type_ == rpc::ReplicaReadType::kLeader && !is_stale_read_ &&
        !options_.leader_only && r != nullptr && r->peer.id() == leader_peer &&
        !leader_busy_probed_) {
      if (leader_busy_peer_id_ != leader_peer) {
        leader_busy_peer_id_ = leader_peer;
        leader_busy_count_ = 0;
      }
      if (++leader_busy_count_ >= kLeaderBusyProbeThreshold) {
        r->AddFlag(kSuspectNotLeaderFlag);
        leader_busy_probed_ = true;
      }
    }
  }
  absl::Status error = absl::UnavailableError(absl::StrCat(
      "server is busy, region ", target.region.id, " store ", target.store_id, ": ",
      busy.reason()));
  if (CanFastRetry()) {
    AddPendingBackoff(target.store_id, BackoffKind::kTikvServerBusy, error);
    if (r != nullptr) r->AddFlag(kServerIsBusyFlag);
    return true;
  }
  if (absl::Status s = bo.Backoff(BackoffKind::kTikvServerBusy, error); !s.ok()) return s;
  return true;
}

// Port of replicaSelector.canFastRetry().
bool ReplicaSelector::CanFastRetry() const {
  if (replica_read_type_ != rpc::ReplicaReadType::kLeader) return true;
  const Replica& leader = replicas_[leader_idx_];
  return !(IsLeaderCandidate(leader) && !leader.HasFlag(kServerIsBusyFlag));
}

bool ReplicaSelector::OnFlashbackInProgress(rpc::Request& request) {
  if (request.context().replica_read() && target_ >= 0 &&
      replicas_[target_].peer.id() != leader_peer_id()) {
    request.mutable_context()->set_busy_threshold_ms(0);
    busy_threshold_ = Duration::zero();
    replica_read_type_ = rpc::ReplicaReadType::kLeader;
    request.SetReplicaReadType(rpc::ReplicaReadType::kLeader);
    return true;
  }
  return false;
}

void ReplicaSelector::OnDataIsNotReady() {
  if (target_ >= 0) replicas_[target_].AddFlag(kDataIsNotReadyFlag);
}

bool ReplicaSelector::OnReadRequestConfigurableTimeout(const rpc::Request& request) {
  if (!IsConfigurableTimeoutRead(request)) return false;
  if (target_ >= 0) replicas_[target_].AddFlag(kDeadlineErrUsingConfTimeoutFlag);
  return true;
}

// Port of replicaSelector.onSendFailure() and baseReplicaSelector.invalidateReplicaStore().
void ReplicaSelector::OnSendFailure(Backoffer& bo) {
  if (target_ < 0) return;
  Replica& r = replicas_[proxy_ >= 0 ? proxy_ : target_];
  const Liveness liveness = stores_.CheckLiveness(r.peer.store_id(), &bo.cancel_token());
  if (replica_read_type_ == rpc::ReplicaReadType::kLeader && proxy_ < 0 &&
      target_ == leader_idx_ && liveness == Liveness::kUnreachable && replicas_.size() > 1 &&
      forwarding_.enabled) {
    return;  // keep the leader's store: the next attempt goes through a proxy
  }
  if (liveness != Liveness::kReachable) InvalidateReplicaStore(r);
}

void ReplicaSelector::InvalidateReplicaStore(Replica& r) {
  (void)stores_.InvalidateStore(r.peer.store_id(), r.epoch);
}

void ReplicaSelector::OnSendSuccess(const rpc::Request& request) {
  if (target_ < 0) return;
  const Replica& r = replicas_[target_];
  if (r.peer.id() != leader_peer_id() && !request.context().stale_read() &&
      !request.context().replica_read()) {
    // A leader read served by this peer: it leads now.
    cache_.UpdateLeader(ver_, r.peer.store_id());
    leader_idx_ = target_;
  }
}

void ReplicaSelector::RecordAttemptedTime(Duration d) {
  if (target_ >= 0) replicas_[target_].attempted_time += d;
}

void ReplicaSelector::InvalidateRegion() {
  cache_.InvalidateRegion(ver_, InvalidReason::kOther);
  region_valid_ = false;
}

void ReplicaSelector::AddPendingBackoff(uint64_t store_id, BackoffKind kind, absl::Status error) {
  pending_backoffs_[store_id] = PendingBackoff{kind, std::move(error)};
}

absl::Status ReplicaSelector::BackoffOnRetry(uint64_t store_id, Backoffer& bo) {
  auto it = pending_backoffs_.find(store_id);
  if (it == pending_backoffs_.end()) return absl::OkStatus();
  PendingBackoff pending = std::move(it->second);
  pending_backoffs_.erase(it);
  return bo.Backoff(pending.kind, pending.error);
}

// The pending backoff with the largest base (client-go backoffOnNoCandidate).
absl::Status ReplicaSelector::BackoffOnNoCandidate(Backoffer& bo) {
  const PendingBackoff* chosen = nullptr;
  for (const auto& [store, pending] : pending_backoffs_) {
    if (chosen == nullptr ||
        PolicyFor(chosen->kind).base_ms < PolicyFor(pending.kind).base_ms) {
      chosen = &pending;
    }
  }
  if (chosen == nullptr) return absl::OkStatus();
  return bo.Backoff(chosen->kind, chosen->error);
}

std::string_view ReplicaSelector::ReplicaType() const {
  if (target_ < 0) return "unknown";
  return replicas_[target_].peer.id() == leader_peer_id() ? "leader" : "follower";
}

}  // namespace tikv::locate
