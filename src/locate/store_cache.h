// StoreCache: what the client knows about each TiKV store — address and labels from PD, the
// resolve state (unresolved / resolved / need-check / tombstone), a failure epoch that the
// replica selector compares against (bumping it retires every cached use of the store),
// liveness (reachable / unreachable / unknown) from grpc.health.v1 probes, and the health
// signals that steer replica selection: a client-side slow score (ServerIsBusy with zero
// wait marks a store slow at once), TiKV's own slow score from HealthFeedback, and the
// estimated wait TiKV reports in ServerIsBusy.  An unreachable store gets a health-check fiber
// that re-probes every second and re-resolves from PD every 30 s until it is reachable again,
// a tombstone, or the cache is closed; need-check stores are re-resolved by a resolver fiber.
// A health-tick fiber (every 15 s, client-go checkAndUpdateStoreHealthStatus) updates the
// client-side slow scores (slow_score.h) and, for a store whose TiKV-side score is above 1
// but has not been refreshed for 15 s, asks the store for GetHealthFeedback and, failing
// that, decays the score linearly (20 points a minute); it runs only while some store has a
// score to update.
// Port of client-go internal/locate/store_cache.go (Store, storeCacheImpl, initResolve,
// reResolve, markStoreNeedCheck, requestLiveness, startHealthCheckLoop, StoreHealthStatus,
// updateServerLoadStats, EstimatedWaitTime, IsLabelsMatch) and region_cache.go
// (checkAndUpdateStoreHealthStatus, onHealthFeedback).
// Divergences: TiFlash stores are not distinguished; stores are kept in one table under one
// mutex and handed out as snapshots; the tick stops while every store is healthy and idle;
// an actively requested feedback is recorded from the unary answer as well as from the
// batch stream.
//
// Thread-safe.  No lock is held across a suspension point.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "metapb.pb.h"
#include "kvrpcpb.pb.h"
#include "tikv/env.h"

#include "env/fiber_group.h"
#include "locate/backoffer.h"
#include "locate/slow_score.h"
#include "pd/pd_client.h"
#include "rpc/rpc_client.h"

namespace tikv::locate {

// client-go resolveState.
enum class ResolveState { kUnresolved, kResolved, kNeedCheck, kTombstone };
// client-go livenessState.
enum class Liveness { kReachable, kUnreachable, kUnknown };

std::string_view ResolveStateName(ResolveState state);
std::string_view LivenessName(Liveness liveness);

struct StoreCacheOptions {
  // Timeout of one liveness probe (client-go storeLivenessTimeout, 1 s); zero means every
  // probe reports unreachable, as in client-go.
  Duration liveness_timeout = std::chrono::seconds(1);
  // Interval between probes of an unreachable store (client-go bgRunner schedule, 1 s).
  Duration health_check_interval = std::chrono::seconds(1);
  // How often the health-check loop re-resolves the store from PD (storeReResolveInterval).
  Duration re_resolve_interval = std::chrono::seconds(30);
  // Retry interval of the need-check resolver when PD fails.
  Duration resolver_retry_interval = std::chrono::seconds(1);
  // TiKV-side slow score at or above which a store is slow (tikvSlowScoreSlowThreshold).
  int64_t tikv_slow_threshold = 80;
  // Period of the health tick (client-go StoresRefreshInterval / 4 = 15 s); zero disables
  // the background tick (HealthTick() can still be called).
  Duration health_tick_interval = std::chrono::seconds(15);
  // A TiKV-side score older than this is refreshed actively, else decayed
  // (tikvSlowScoreActiveUpdateInterval).
  Duration tikv_feedback_stale_after = std::chrono::seconds(15);
  // Period of the full store-list refresh started by StartStoreListRefresh (client-go
  // refreshStoreListInterval, 10 s); zero disables it.
  Duration store_list_refresh_interval = std::chrono::seconds(10);
};

// What kind of endpoint a store is, from its "engine" label (client-go tikvrpc.EndpointType,
// GetStoreTypeByMeta).
enum class StoreType { kTiKV, kTiFlash, kTiFlashCompute };

// Asks the store at `address` for its health feedback (client-go
// requestHealthFeedbackCallback).  May suspend.
using HealthFeedbackRequester = std::function<absl::StatusOr<kvrpcpb::HealthFeedback>(
    std::string_view address, const CancelToken* cancel)>;

// A requester sending GetHealthFeedback through `client` with a 2 s timeout (client-go
// requestHealthFeedbackFromKVClient).  A region error in the answer is kUnavailable.
// `env` and `client` must outlive it.  Never suspends (the returned function may).
HealthFeedbackRequester MakeRpcHealthFeedbackRequester(Env& env, rpc::RpcClient& client);

// A snapshot of one store.
struct StoreInfo {
  uint64_t id = 0;
  std::string address;
  std::vector<metapb::StoreLabel> labels;
  ResolveState resolve_state = ResolveState::kUnresolved;
  Liveness liveness = Liveness::kReachable;
  // Bumped whenever cached uses of the store must be retired (client-go Store.epoch).
  uint32_t epoch = 0;
  int64_t client_slow_score = 1;
  int64_t tikv_slow_score = 1;
  bool slow = false;
  // The estimated wait left now (decays with time since TiKV reported it).
  Duration estimated_wait = Duration::zero();

  // client-go IsLabelsMatch: every label in `labels` is on the store.  Never suspends.
  bool IsLabelsMatch(const std::vector<metapb::StoreLabel>& labels) const;
  // client-go IsStoreMatch: `stores` empty or contains the id.  Never suspends.
  bool IsStoreMatch(const std::vector<uint64_t>& stores) const;
  // client-go GetLabelValue.  Never suspends.
  std::optional<std::string> GetLabelValue(std::string_view key) const;
  // The endpoint type by the "engine" label: "tiflash", "tiflash_compute", else TiKV.
  // Never suspends.
  StoreType type() const;
};

class StoreCache {
 public:
  // Test hook: replaces the grpc.health.v1 probe (client-go setMockRequestLiveness).
  using LivenessFunc = std::function<Liveness(const StoreInfo& store)>;

  // `env` and `pd` must outlive the cache.  Never suspends.
  StoreCache(Env& env, pd::PdClient& pd, StoreCacheOptions options = {});
  // Closes.  May suspend.
  ~StoreCache();
  StoreCache(const StoreCache&) = delete;
  StoreCache& operator=(const StoreCache&) = delete;

  // The store's address, resolving it from PD (GetStore, pdRPC backoff on errors) when it was
  // never resolved.  Returns "" for a tombstone or a store PD no longer knows (client-go
  // getStoreAddr / initResolve).  Errors: the Backoffer's exhaustion status; kCancelled;
  // kInvalidArgument for an empty address from PD.  May suspend.
  absl::StatusOr<std::string> GetStoreAddress(Backoffer& bo, uint64_t store_id)
      ABSL_LOCKS_EXCLUDED(mu_);

  // A snapshot of the store, inserting an unresolved entry when unknown (client-go
  // getOrInsertDefault).  Never suspends.
  StoreInfo GetOrInsert(uint64_t store_id) ABSL_LOCKS_EXCLUDED(mu_);
  // A snapshot, or nullopt when the store was never seen.  Never suspends.
  std::optional<StoreInfo> Get(uint64_t store_id) const ABSL_LOCKS_EXCLUDED(mu_);
  // Installs metadata PD gave elsewhere (e.g. a store list) for an unresolved store (client-go
  // initResolveLite); a tombstone marks it so.  Never suspends.
  void Put(const metapb::Store& store) ABSL_LOCKS_EXCLUDED(mu_);

  // Retires the cached uses of the store if its epoch is still `epoch`: bumps the epoch, marks
  // it need-check (the resolver re-reads it from PD) and slow.  Returns true when this call
  // bumped it (client-go invalidateReplicaStore).  Never suspends.
  bool InvalidateStore(uint64_t store_id, uint32_t epoch) ABSL_LOCKS_EXCLUDED(mu_);
  // Resolved → need-check, and wakes the resolver (client-go markStoreNeedCheck, after
  // StoreNotMatch or a send failure).  Never suspends.
  void MarkNeedCheck(uint64_t store_id) ABSL_LOCKS_EXCLUDED(mu_);
  // Resolved stores of `type`, ordered by id (client-go RegionCache.GetStoresByType).
  // Never suspends.
  std::vector<StoreInfo> GetStoresByType(StoreType type) const ABSL_LOCKS_EXCLUDED(mu_);
  // Resolved TiKV and TiFlash stores, ordered by id (client-go RegionCache.GetAllStores).
  // Never suspends.
  std::vector<StoreInfo> GetAllStores() const ABSL_LOCKS_EXCLUDED(mu_);
  // Asks PD for every non-tombstone store and adds the ones the cache does not know yet, so
  // new stores are listed before any region names them (client-go storeCacheUpdater.tick).
  // Errors: PD's (the cache is unchanged).  May suspend.
  absl::Status RefreshStoreList(const CancelToken* cancel) ABSL_LOCKS_EXCLUDED(mu_);
  // Runs RefreshStoreList every store_list_refresh_interval on a background fiber until
  // Close().  Idempotent; ignored when the interval is zero or after Close().  Never suspends.
  void StartStoreListRefresh() ABSL_LOCKS_EXCLUDED(mu_);
  // Re-reads the store from PD now (client-go reResolve).  Returns false when the store is a
  // tombstone or gone (its epoch is bumped), true when it is valid (address and labels updated
  // in place).  Errors: PD's status (the store keeps its state).  May suspend.
  absl::StatusOr<bool> ReResolve(uint64_t store_id, const CancelToken* cancel)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Probes the store's liveness now (de-duplicated per address) and, when it is not reachable,
  // records that and starts its health-check loop (client-go
  // requestLivenessAndStartHealthCheckLoopIfNeeded).  Returns kUnknown when the store is not
  // resolved or the probe was cancelled.  May suspend.
  Liveness CheckLiveness(uint64_t store_id, const CancelToken* cancel) ABSL_LOCKS_EXCLUDED(mu_);

  // ServerIsBusy.estimated_wait_ms from the store (client-go updateServerLoadStats).
  // Never suspends.
  void UpdateServerLoadStats(uint64_t store_id, uint32_t estimated_wait_ms)
      ABSL_LOCKS_EXCLUDED(mu_);
  // ServerIsBusy with zero wait or a store invalidation: the store is slow now (client-go
  // markAlreadySlow).  Never suspends.
  void MarkAlreadySlow(uint64_t store_id) ABSL_LOCKS_EXCLUDED(mu_);
  // One request's latency to the store, for the client-side slow score (client-go
  // recordClientSideSlowScoreStat).  Never suspends.
  void RecordRpcLatency(uint64_t store_id, Duration latency) ABSL_LOCKS_EXCLUDED(mu_);
  // One round of health updates now, as the background tick does: every store's client-side
  // score ticks; a stale TiKV-side score above 1 is requested from a reachable store (when a
  // requester is set) and otherwise decays (client-go StoreHealthStatus.tick).  May suspend.
  void HealthTick() ABSL_LOCKS_EXCLUDED(mu_);
  // Sets how stale TiKV-side scores are refreshed (client-go WithRequestHealthFeedbackCallback).
  // Never suspends.
  void set_health_feedback_requester(HealthFeedbackRequester f) ABSL_LOCKS_EXCLUDED(mu_);
  // GetHealthFeedback requests sent by HealthTick (tests).  Never suspends.
  int health_feedback_requests() const ABSL_LOCKS_EXCLUDED(mu_);
  // TiKV's piggy-backed health feedback (client-go recordHealthFeedback); ignored within
  // 100 ms of the previous change, as client-go does.  Never suspends.
  void RecordHealthFeedback(const kvrpcpb::HealthFeedback& feedback) ABSL_LOCKS_EXCLUDED(mu_);

  // Replaces the liveness probe (tests).  Never suspends.
  void set_liveness_func(LivenessFunc f) ABSL_LOCKS_EXCLUDED(mu_);
  // Called with the old address when a re-resolve finds the store moved or gone, so the RPC
  // client can drop its connections.  Runs on the re-resolving fiber outside any lock and may
  // suspend.  Never suspends itself.
  void set_address_change_listener(std::function<void(std::string_view old_address)> f)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Health-check loops running now (tests).  Never suspends.
  int health_check_loops() const ABSL_LOCKS_EXCLUDED(mu_);
  // Liveness probes sent (tests).  Never suspends.
  int probes() const ABSL_LOCKS_EXCLUDED(mu_);

  // Stops the health-check and resolver fibers and waits for them.  Idempotent.  May suspend.
  void Close() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class StoreCacheTestPeer;
  struct Entry;
  struct ProbeState;

  Entry& GetOrInsertLocked(uint64_t store_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Resolved stores whose type `keep` accepts, ordered by id.
  std::vector<StoreInfo> ListResolved(const std::function<bool(StoreType)>& keep) const
      ABSL_LOCKS_EXCLUDED(mu_);
  StoreInfo SnapshotLocked(const Entry& e) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Applies PD's answer; returns false for a tombstone / missing store.
  bool ApplyStoreLocked(Entry& e, const std::optional<metapb::Store>& store)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The probe of `info`'s address, shared between concurrent callers.
  Liveness Probe(const StoreInfo& info, const CancelToken* cancel) ABSL_LOCKS_EXCLUDED(mu_);
  void HealthCheckLoop(uint64_t store_id);
  void ResolverLoop();
  void StartResolverLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the health-tick fiber if a store needs ticking and none runs.
  void EnsureHealthTickLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool AnyNeedsTickLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void HealthTickLoop();
  // The TiKV-side part of one tick for one store (may request feedback).
  void TickTikvScore(uint64_t store_id, MonoTime now) ABSL_LOCKS_EXCLUDED(mu_);

  Env& env_;
  pd::PdClient& pd_;
  const StoreCacheOptions options_;
  env::FiberGroup fibers_;

  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool resolver_running_ ABSL_GUARDED_BY(mu_) = false;
  bool health_tick_running_ ABSL_GUARDED_BY(mu_) = false;
  bool store_list_refresh_running_ ABSL_GUARDED_BY(mu_) = false;
  int feedback_requests_ ABSL_GUARDED_BY(mu_) = 0;
  HealthFeedbackRequester feedback_requester_ ABSL_GUARDED_BY(mu_);
  int health_loops_ ABSL_GUARDED_BY(mu_) = 0;
  int probes_ ABSL_GUARDED_BY(mu_) = 0;
  absl::btree_map<uint64_t, std::unique_ptr<Entry>> stores_ ABSL_GUARDED_BY(mu_);
  absl::btree_map<std::string, std::shared_ptr<ProbeState>> probes_in_flight_
      ABSL_GUARDED_BY(mu_);
  LivenessFunc liveness_func_ ABSL_GUARDED_BY(mu_);
  std::function<void(std::string_view)> address_listener_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tikv::locate
