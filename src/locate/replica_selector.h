// ReplicaSelector: per request, chooses which replica of a region each attempt goes to and
// remembers what each replica answered (attempts, time spent, flags: not leader, deadline
// exceeded, server busy, data not ready, suspected stale leader).  Leader reads go to the
// cached leader while it is a candidate and fall back to the mixed strategy; follower,
// learner, mixed and prefer-leader reads score every candidate (label/store match, prefer
// leader, normal peer, not slow, not attempted) and pick the best, ties at random; stale reads
// try the chosen replica once, then the leader as a normal read; with a busy threshold a busy
// leader is skipped for an idle replica.  When no candidate is left the region is invalidated
// and the sender returns a fake EpochNotMatch.  Port of client-go
// internal/locate/replica_selector.go (replicaSelector, ReplicaSelectLeaderStrategy,
// ReplicaSelectMixedStrategy, onNotLeader, onServerIsBusy, onRegionNotFound, ...) and the
// replica / baseReplicaSelector parts of region_request.go.
// With forwarding enabled, a leader request whose leader store is unreachable goes to a
// reachable follower acting as proxy (ReplicaSelectLeaderWithProxyStrategy); when every
// follower failed as proxy the leader's store is retired and the region invalidated.
// Divergences: store epochs are captured when
// the selector is built, not when the region was loaded (the cache does not track them), so
// an invalidation is seen only by selectors built before it and later ones rely on liveness;
// "reload on next access" flags are not kept (the region is invalidated instead).
//
// Fiber-confined: one selector belongs to one SendReq.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "errorpb.pb.h"
#include "metapb.pb.h"
#include "tikv/mono_time.h"

#include "locate/backoffer.h"
#include "locate/region.h"
#include "locate/region_cache.h"
#include "locate/store_cache.h"
#include "rpc/request.h"

namespace tikv::locate {

// Per-replica flags (client-go replica flags).
enum ReplicaFlag : uint8_t {
  kDeadlineErrUsingConfTimeoutFlag = 1 << 0,
  kDataIsNotReadyFlag = 1 << 1,
  kNotLeaderFlag = 1 << 2,
  kServerIsBusyFlag = 1 << 3,
  kSuspectNotLeaderFlag = 1 << 4,
};

// client-go maxReplicaAttempt and maxReplicaAttemptTime.
inline constexpr int kMaxReplicaAttempt = 10;
inline constexpr Duration kMaxReplicaAttemptTime = std::chrono::seconds(50);
// client-go leaderBusyProbeThreshold.
inline constexpr int kLeaderBusyProbeThreshold = 2;
// client-go client.ReadTimeoutShort: reads with a shorter max execution duration have a
// "configurable timeout" and move to another replica on a deadline.
inline constexpr Duration kReadTimeoutShort = std::chrono::seconds(30);

// One replica of the region as the selector sees it (client-go replica).
struct Replica {
  metapb::Peer peer;
  uint32_t epoch = 0;  // the store's epoch when the selector was built
  int attempts = 0;
  Duration attempted_time = Duration::zero();
  uint8_t flags = 0;

  bool HasFlag(uint8_t f) const { return (flags & f) != 0; }
  void AddFlag(uint8_t f) { flags |= f; }
  void DeleteFlag(uint8_t f) { flags &= static_cast<uint8_t>(~f); }
  // client-go isExhausted.
  bool IsExhausted(int max_attempt, Duration max_time) const {
    return attempts >= max_attempt || (max_time > Duration::zero() && attempted_time >= max_time);
  }
};

// Store selection options (client-go storeSelectorOp: WithMatchLabels, WithMatchStores,
// WithLeaderOnly, WithPerferLeader).
struct StoreSelectorOptions {
  std::vector<metapb::StoreLabel> labels;
  std::vector<uint64_t> stores;
  bool leader_only = false;
  bool prefer_leader = false;
};

// Where one attempt goes (client-go RPCContext).
struct RpcTarget {
  RegionVerId region;
  metapb::Region meta;
  metapb::Peer peer;
  uint64_t store_id = 0;
  uint32_t store_epoch = 0;
  std::string address;
  int replica_index = -1;
  // Set when the request goes through a proxy store (client-go RPCContext.ProxyStore/Addr):
  // send to proxy_address with the tikv-forwarded-host metadata naming `address`.
  uint64_t proxy_store_id = 0;
  std::string proxy_address;
};

// Forwarding through a proxy store (client-go RegionCache.enableForwarding and the region's
// remembered proxy, regionStore.proxyTiKVIdx).
struct ForwardingOptions {
  bool enabled = false;
  // The store that last proxied for this region successfully (0 = none): tried first.
  uint64_t known_proxy_store = 0;
};

// True for the commands whose timeouts are "configurable" reads (client-go isReadReq).
// Never suspends.
bool IsReadRequest(rpc::CmdType type);

class ReplicaSelector {
 public:
  // Draws uniformly in [0, n) for tie breaks.  Must not suspend.
  using RandomFn = std::function<uint64_t(uint64_t n)>;

  // A selector for `region`, or nullptr when the region is no longer cached (client-go
  // newReplicaSelector returning nil).  A prefer-leader request turns prefer_leader on.
  // `cache` and `stores` must outlive the selector.  Never suspends.
  static std::unique_ptr<ReplicaSelector> Create(RegionCache& cache, StoreCache& stores,
                                                 const RegionVerId& region,
                                                 const rpc::Request& request,
                                                 StoreSelectorOptions options, RandomFn random,
                                                 ForwardingOptions forwarding = {});

  // The next target, adjusting `request`'s replica-read and stale-read flags for it; nullopt
  // when the region became invalid or no candidate is left (the sender then answers with a
  // fake EpochNotMatch).  Resolves the store address through the store cache.
  // Errors: those of StoreCache::GetStoreAddress.  May suspend.
  absl::StatusOr<std::optional<RpcTarget>> Next(Backoffer& bo, rpc::Request& request);

  // --- feedback from the sender (client-go on* methods); `target` is the last Next(). ---

  // NotLeader: flag the target; without a leader back off regionScheduling; with one, move
  // the cached leader to it (or invalidate when the region does not know it).  Returns whether
  // to retry; errors are the Backoffer's.  May suspend.
  absl::StatusOr<bool> OnNotLeader(Backoffer& bo, const RpcTarget& target,
                                   const errorpb::NotLeader& not_leader);
  // RegionNotFound: retry once on the leader if it was not tried (invalidating the region for
  // everyone else), else invalidate and stop.  Never suspends.
  bool OnRegionNotFound(const RpcTarget& target, rpc::Request& request);
  // ServerIsBusy: record the wait or mark the store slow, maybe flag the leader as suspect;
  // fast retry on another replica (backoff deferred) or back off tikvServerBusy.  May suspend.
  absl::StatusOr<bool> OnServerIsBusy(Backoffer& bo, const RpcTarget& target,
                                      const rpc::Request& request,
                                      const errorpb::ServerIsBusy& busy);
  // FlashbackInProgress: a replica read on a follower becomes a leader read.  Returns whether
  // to retry.  Never suspends.
  bool OnFlashbackInProgress(rpc::Request& request);
  // DataIsNotReady: flag the target.  Never suspends.
  void OnDataIsNotReady();
  // A deadline on a read with a configurable timeout: flag the target.  Returns whether that
  // applies (then retry elsewhere without backoff).  Never suspends.
  bool OnReadRequestConfigurableTimeout(const rpc::Request& request);
  // A send failure: probe the store that was accessed (the proxy, if any) and retire it when
  // unreachable -- except an unreachable leader when forwarding can still go through a
  // proxy.  May suspend.
  void OnSendFailure(Backoffer& bo);
  // A response without region error: a non-leader that served a leader read becomes the
  // cached leader.  Never suspends.
  void OnSendSuccess(const rpc::Request& request);
  // Adds the duration of the last attempt to the target.  Never suspends.
  void RecordAttemptedTime(Duration d);
  // Drops the region from the cache (client-go invalidateRegion).  Never suspends.
  void InvalidateRegion();

  // Deferred backoffs (client-go backoffOnRetry / backoffOnNoCandidate).  May suspend.
  absl::Status BackoffOnRetry(uint64_t store_id, Backoffer& bo);
  absl::Status BackoffOnNoCandidate(Backoffer& bo);

  // "leader" or "follower" for the last target (client-go replicaType).  Never suspends.
  std::string_view ReplicaType() const;

  // --- state, for the sender and tests ---
  const std::vector<Replica>& replicas() const { return replicas_; }
  rpc::ReplicaReadType replica_read_type() const { return replica_read_type_; }
  int attempts() const { return attempts_; }
  int target_index() const { return target_; }
  int proxy_index() const { return proxy_; }
  int leader_index() const { return leader_idx_; }
  uint64_t leader_peer_id() const;

 private:
  friend class ReplicaSelectorTestPeer;

  ReplicaSelector(RegionCache& cache, StoreCache& stores, std::shared_ptr<const Region> region,
                  const rpc::Request& request, StoreSelectorOptions options, RandomFn random,
                  ForwardingOptions forwarding);

  struct MixedStrategy {
    int leader_idx = 0;
    bool try_leader = false;
    bool prefer_leader = false;
    bool leader_only = false;
    bool learner_only = false;
    const std::vector<metapb::StoreLabel>* labels = nullptr;
    const std::vector<uint64_t>* stores = nullptr;
    Duration busy_threshold = Duration::zero();
  };

  bool IsEpochStale(const Replica& r) const;
  Liveness LivenessOf(const Replica& r) const;
  bool IsLeaderCandidate(const Replica& leader) const;
  int LeaderStrategyNext() const;
  int MixedNext(const MixedStrategy& s);
  bool MixedIsCandidate(const MixedStrategy& s, const Replica& r, bool is_leader,
                        bool epoch_stale, Liveness liveness) const;
  int64_t MixedScore(const MixedStrategy& s, const Replica& r, bool is_leader) const;
  bool CanSendReplicaRead(int leader_idx) const;
  // client-go canFastRetry: false only for a leader read whose leader is a candidate and not
  // flagged busy.
  bool CanFastRetry() const;
  void NextForLeader(rpc::Request& request);
  // ReplicaSelectLeaderWithProxyStrategy: sets target_ (the leader) and proxy_.
  void ProxyNext();
  bool IsProxyCandidate(int idx) const;
  void NextForMixed(rpc::Request& request);
  // Moves the leader to `leader`; returns its index or -1.
  int UpdateLeader(const metapb::Peer& leader);
  void InvalidateReplicaStore(Replica& r);
  void AddPendingBackoff(uint64_t store_id, BackoffKind kind, absl::Status error);
  // Refreshes leader_idx_ from the cache; false when the region is no longer cached.
  bool Refresh();

  RegionCache& cache_;
  StoreCache& stores_;
  std::shared_ptr<const Region> region_;
  RegionVerId ver_;
  std::vector<Replica> replicas_;
  StoreSelectorOptions options_;
  RandomFn random_;
  rpc::ReplicaReadType replica_read_type_;
  bool is_stale_read_;
  bool is_read_only_;
  Duration busy_threshold_;
  int leader_idx_ = 0;
  int target_ = -1;
  int proxy_ = -1;
  ForwardingOptions forwarding_;
  int known_proxy_ = -1;
  int attempts_ = 0;
  bool region_invalidated_for_retry_ = false;
  bool region_valid_ = true;
  bool stores_resolved_ = false;
  int leader_busy_count_ = 0;
  uint64_t leader_busy_peer_id_ = 0;
  bool leader_busy_probed_ = false;
  struct PendingBackoff {
    BackoffKind kind;
    absl::Status error;
  };
  absl::btree_map<uint64_t, PendingBackoff> pending_backoffs_;
};

}  // namespace tikv::locate
