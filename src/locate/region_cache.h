// RegionCache maps keys to regions and regions to their leader peers.  Port of client-go
// internal/locate/region_cache.go:
//  - lookups: LocateKey / TryLocateKey / LocateEndKey / LocateRegionById(+FromPd) /
//    GroupKeysByRegion / ListRegionIdsInKeyRange / LocateKeyRange / BatchLocateKeyRanges;
//  - loads: single regions from PD with pdRPC backoff and buckets, ranges through ScanRegions /
//    BatchScanRegions with gap detection and leader filtering, all through the PD region-meta
//    circuit breaker;
//  - entries: TTL (600 s + up to 60 s jitter) extended on access unless flagged
//    expire-after-TTL; reload flags (on access, delayed pending/ready); invalidation with a
//    reason expires the entry but keeps it indexed so its version still rejects stale loads;
//  - feedback: OnEpochNotMatch, UpdateLeader, InvalidateRegion, OnBucketVersionNotMatch,
//    UpdateBucketsIfNeeded (one async reload per region);
//  - a background fiber (StartBackground) that scans 50 entries a second, dropping expired
//    ones and promoting delayed reloads.  Close() stops it; later calls fail kCancelled.
// See docs/region_cache.md for the divergences.
//
// Thread-safe.  No lock is held across a suspension point: PD is consulted with the lock
// released and results are installed in a short critical section afterwards.

#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tikv/env.h"

#include "env/fiber_group.h"
#include "errorpb.pb.h"
#include "locate/backoffer.h"
#include "locate/region.h"
#include "pd/pd_client.h"
#include "util/circuit_breaker.h"

namespace tikv::locate {

// client-go's pdRegionMetaCircuitBreaker settings; the threshold 0 keeps it disabled.
inline util::CircuitBreakerSettings DefaultPdRegionMetaBreakerSettings() {
  return util::CircuitBreakerSettings{.error_rate_threshold_pct = 0,
                                      .min_qps_for_open = 10,
                                      .error_rate_window = std::chrono::seconds(30),
                                      .cool_down_interval = std::chrono::seconds(10),
                                      .half_open_success_count = 1};
}

struct RegionCacheOptions {
  // Idle entries expire after this long (client-go 600 s).
  Duration ttl = std::chrono::seconds(600);
  // Random extra TTL per entry (client-go 60 s), from the Env's "region-cache" stream.
  Duration ttl_jitter = std::chrono::seconds(60);
  // Page size of range loads (client-go defaultRegionsPerBatch).
  int scan_batch = 128;
  // Background scan period and entries per round (client-go cleanCacheInterval,
  // cleanRegionNumPerRound).
  Duration gc_interval = std::chrono::seconds(1);
  int gc_regions_per_round = 50;
  // The PD region-meta circuit breaker (client-go ChangePDRegionMetaCircuitBreakerSettings).
  util::CircuitBreakerSettings pd_breaker = DefaultPdRegionMetaBreakerSettings();
  // Optional: true when the store's cached state is stale or unreachable.  The background scan
  // then lets regions with a peer there expire after their TTL (client-go checks store epochs
  // and liveness).  Called without the cache's lock.  Must not suspend.
  std::function<bool(uint64_t store_id)> store_needs_refresh;
};

// Options of range loads (client-go BatchLocateKeyRangesOpt).
struct BatchLocateOptions {
  // Skip regions PD reports without a leader (WithNeedRegionHasLeaderPeer).
  bool need_leader = false;
  // Ask for buckets (WithNeedBuckets).  Divergence: pd::PdClient::BatchScanRegions has no
  // bucket option, so this is accepted and ignored.
  bool need_buckets = false;
};

class RegionCache {
 public:
  // `env` and `pd` must outlive the cache.  No background fiber runs until StartBackground().
  // Never suspends.
  RegionCache(Env& env, pd::PdClient& pd, RegionCacheOptions options = {});
  // Close()s.  May suspend (joins the background fibers).
  ~RegionCache();
  RegionCache(const RegionCache&) = delete;
  RegionCache& operator=(const RegionCache&) = delete;

  // Starts the maintenance fiber on the Env's executor.  Idempotent; ignored after Close().
  // Never suspends.
  void StartBackground() ABSL_LOCKS_EXCLUDED(mu_);
  // Stops and joins the background fibers (maintenance, bucket reloads).  Later lookups and
  // loads fail kCancelled "region cache is closed"; feedback calls are ignored.  Idempotent.
  // May suspend.
  void Close() ABSL_LOCKS_EXCLUDED(mu_);
  bool closed() const { return closed_.load(); }

  // The region containing `key`: the cached entry while valid (its TTL is extended), else
  // loaded from PD (retried once if the load turns out older than the cache).  An entry
  // flagged for reload is reloaded; if that fails the old entry is returned and re-flagged.
  // Errors: kUnavailable once `bo`'s budget is spent on PD errors or PD not knowing the key;
  // kCancelled; kUnavailable without backoff for a region with no peer.  May suspend.
  absl::StatusOr<KeyLocation> LocateKey(Backoffer& bo, std::string_view key)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The valid cached region containing `key`, without loading.  Never suspends.
  std::optional<KeyLocation> TryLocateKey(std::string_view key) ABSL_LOCKS_EXCLUDED(mu_);
  // The region whose range contains `key` from the left: start < key <= end (client-go
  // LocateEndKey); PD's region starting exactly at `key` makes it ask for the previous one.
  // Errors as LocateKey.  May suspend.
  absl::StatusOr<KeyLocation> LocateEndKey(Backoffer& bo, std::string_view key)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The region with `region_id` (cache first).  Errors: kNotFound when PD knows no such region
  // (no backoff, as client-go); otherwise as LocateKey.  May suspend.
  absl::StatusOr<KeyLocation> LocateRegionById(Backoffer& bo, uint64_t region_id)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The region with `region_id` straight from PD, not inserted into the cache (client-go
  // LocateRegionByIDFromPD, for diagnostics).  Errors as LocateRegionById.  May suspend.
  absl::StatusOr<KeyLocation> LocateRegionByIdFromPd(Backoffer& bo, uint64_t region_id)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Keys grouped by region, plus the first key's region (client-go GroupKeysByRegion).  Keys
  // inside the last located region reuse it.  With `filter`, a key that needed a lookup is
  // dropped when filter(key, region start) is true.  Regions are ordered by id for
  // determinism.  May suspend.
  using GroupFilter = std::function<bool(std::string_view key, std::string_view region_start)>;
  absl::StatusOr<std::map<RegionVerId, std::vector<std::string>>> GroupKeysByRegion(
      Backoffer& bo, const std::vector<std::string>& keys, RegionVerId* first,
      const GroupFilter& filter = nullptr) ABSL_LOCKS_EXCLUDED(mu_);
  // Ids of the regions from the one holding `start` to the one holding `end` (client-go
  // ListRegionIDsInKeyRange).  May suspend.
  absl::StatusOr<std::vector<uint64_t>> ListRegionIdsInKeyRange(Backoffer& bo,
                                                                std::string_view start,
                                                                std::string_view end)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Loads and caches every region (with a leader) overlapping [start, end), an empty end
  // meaning +infinity (client-go LoadRegionsInKeyRange).  May suspend.
  absl::StatusOr<std::vector<KeyLocation>> LoadRegionsInKeyRange(Backoffer& bo,
                                                                 std::string_view start,
                                                                 std::string_view end)
      ABSL_LOCKS_EXCLUDED(mu_);
  // At most `count` regions with leaders from the one holding `start`, loaded with ScanRegions
  // and cached without invalidating overlapped valid entries (client-go
  // BatchLoadRegionsWithKeyRange).  Errors: as LocateKey; PD gaps and empty answers back off.
  // May suspend.
  absl::StatusOr<std::vector<KeyLocation>> BatchLoadRegionsWithKeyRange(Backoffer& bo,
                                                                        std::string_view start,
                                                                        std::string_view end,
                                                                        int count)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Same from `start` to +infinity; returns the end key of the last loaded region (client-go
  // BatchLoadRegionsFromKey).  May suspend.
  absl::StatusOr<std::string> BatchLoadRegionsFromKey(Backoffer& bo, std::string_view start,
                                                      int count) ABSL_LOCKS_EXCLUDED(mu_);
  // At most `count` regions covering the sorted, non-overlapping `ranges`, through PD's
  // BatchScanRegions (per-range ScanRegions when unimplemented), cached (client-go
  // BatchLoadRegionsWithKeyRanges).  Errors: kInvalidArgument for unsorted or overlapping
  // ranges; as BatchLoadRegionsWithKeyRange.  May suspend.
  absl::StatusOr<std::vector<KeyLocation>> BatchLoadRegionsWithKeyRanges(
      Backoffer& bo, const std::vector<pd::KeyRange>& ranges, int count,
      BatchLocateOptions options = {}) ABSL_LOCKS_EXCLUDED(mu_);
  // The regions covering [start, end) in key order, from the cache where contiguous and PD
  // for the rest; regions without a leader are skipped (client-go LocateKeyRange).
  // May suspend.
  absl::StatusOr<std::vector<KeyLocation>> LocateKeyRange(Backoffer& bo, std::string_view start,
                                                          std::string_view end)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The regions covering the sorted, non-overlapping `ranges`, merging cached hits with PD
  // answers for the holes, at most 16 * scan_batch ranges per PD request (client-go
  // BatchLocateKeyRanges).  Errors: kInvalidArgument for unsorted or overlapping ranges.
  // May suspend.
  absl::StatusOr<std::vector<KeyLocation>> BatchLocateKeyRanges(
      Backoffer& bo, const std::vector<pd::KeyRange>& ranges, BatchLocateOptions options = {})
      ABSL_LOCKS_EXCLUDED(mu_);

  // The cached region at exactly `id`'s epoch while valid (not invalidated, not expired, not
  // flagged reload-on-access), else nullptr.  Extends the TTL.  Never suspends.
  std::shared_ptr<const Region> GetCachedRegion(const RegionVerId& id) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Applies an EpochNotMatch from the store `store_id`: installs the current regions it
  // carries (the answering store's peer becomes the leader guess, the old entry's buckets are
  // kept) and invalidates `region` unless it is among them.  Returns false when the error
  // carried no regions (the region is invalidated; the caller should back off).  The "TiKV is
  // behind" backoff is the sender's (RE-10).  Never suspends.
  bool OnEpochNotMatch(const RegionVerId& region, uint64_t store_id,
                       const errorpb::EpochNotMatch& error) ABSL_LOCKS_EXCLUDED(mu_);
  // Makes the peer on `leader_store_id` the leader of `region`; with 0, moves to the next
  // peer.  Invalidates the region (kStoreNotFound) when it has no peer there.  Never suspends.
  void UpdateLeader(const RegionVerId& region, uint64_t leader_store_id) ABSL_LOCKS_EXCLUDED(mu_);
  // Forgets `region`'s leader.  Never suspends.
  void InvalidateLeader(const RegionVerId& region) ABSL_LOCKS_EXCLUDED(mu_);
  // Invalidates `region` (first reason wins): it is never served again and the next lookup
  // goes to PD.  Never suspends.
  void InvalidateRegion(const RegionVerId& region, InvalidReason reason) ABSL_LOCKS_EXCLUDED(mu_);
  // The invalidation reason of the latest cached entry of region `id` (kOk if valid or not
  // cached).  Never suspends.
  InvalidReason LastInvalidReason(uint64_t id) const ABSL_LOCKS_EXCLUDED(mu_);
  // Flags `region` for a reload on its next access (client-go needReloadOnAccess).
  // Never suspends.
  void ReloadOnNextAccess(const RegionVerId& region) ABSL_LOCKS_EXCLUDED(mu_);
  // Flags `region` for a delayed reload: once the background scan has seen it, the next access
  // reloads it (client-go needDelayedReloadPending).  Never suspends.
  void ScheduleDelayedReload(const RegionVerId& region) ABSL_LOCKS_EXCLUDED(mu_);

  // Installs the bucket keys a BucketVersionNotMatch carried when `version` is newer than the
  // cached buckets of `region` (client-go OnBucketVersionNotMatch).  Never suspends.
  void OnBucketVersionNotMatch(const RegionVerId& region, uint64_t version,
                               const std::vector<std::string>& keys) ABSL_LOCKS_EXCLUDED(mu_);
  // A response reported bucket version `latest` for a request sent with `request_version`:
  // when the cache holds older buckets, reloads the region by id in a background fiber, at most
  // one at a time per region (client-go UpdateBucketsIfNeeded).  Never suspends.
  void UpdateBucketsIfNeeded(const RegionVerId& region, uint64_t request_version,
                             uint64_t latest) ABSL_LOCKS_EXCLUDED(mu_);

  // Edits the PD region-meta circuit breaker's settings.  Never suspends.
  void ChangePdRegionMetaCircuitBreakerSettings(
      absl::FunctionRef<void(util::CircuitBreakerSettings&)> apply) {
    breaker_.ChangeSettings(apply);
  }
  const util::CircuitBreaker& pd_region_meta_breaker() const { return breaker_; }

  // Entries indexed, including invalidated ones not yet dropped.  Never suspends.
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class RegionCacheTestPeer;
  using RegionPtr = std::shared_ptr<const Region>;

  absl::Status ClosedError() const;
  MonoTime NextExpiry() const ABSL_LOCKS_EXCLUDED(rand_mu_);
  // False when expired; otherwise extends the TTL unless flagged expire-after-TTL or the
  // expiry is still beyond now + ttl (client-go checkRegionCacheTTL).
  bool CheckTtl(const Region& r, MonoTime now) const ABSL_LOCKS_EXCLUDED(rand_mu_);
  bool IsValid(const Region& r, MonoTime now) const;
  std::shared_ptr<Region> MakeRegion(const pd::RegionInfo& info);

  // The entry holding `key` (by end with `is_end`), valid or not.
  RegionPtr SearchLocked(std::string_view key, bool is_end) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  RegionPtr Search(std::string_view key, bool is_end) const ABSL_LOCKS_EXCLUDED(mu_);
  RegionPtr SearchById(uint64_t id) const ABSL_LOCKS_EXCLUDED(mu_);
  // A valid entry holding `key`, not flagged for reload (client-go tryFindRegionByKey).
  RegionPtr TryFind(std::string_view key, bool is_end) const ABSL_LOCKS_EXCLUDED(mu_);
  // Up to `limit` contiguous alive entries from the entry starting at `start`, stopping at
  // `end` or a hole, without reload-flagged ones (client-go scanRegionsFromCache).
  std::vector<RegionPtr> ScanFromCache(std::string_view start, std::string_view end,
                                       int limit) const ABSL_LOCKS_EXCLUDED(mu_);

  // Port of client-go insertRegionToCache(): rejects an entry older than the cached one of the
  // same id or than an entry it overlaps; removes overlapped entries (invalidating them when
  // `invalidate_old`); inherits buckets and the no-leader peer rotation.
  bool InsertLocked(std::shared_ptr<Region> region, bool invalidate_old)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Insert(std::shared_ptr<Region> region, bool invalidate_old) ABSL_LOCKS_EXCLUDED(mu_);
  void EraseLocked(const RegionPtr& r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Replaces the entry `old` with `updated` (same key range and id) in place.
  void ReplaceLocked(const RegionPtr& old, RegionPtr updated) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  RegionPtr FindExactLocked(const RegionVerId& id) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  // client-go findRegionByKey.
  absl::StatusOr<RegionPtr> FindRegionByKey(Backoffer& bo, std::string_view key, bool is_end);
  // client-go loadRegion / loadRegionByID / scanRegions / batchScanRegions.
  absl::StatusOr<std::shared_ptr<Region>> LoadRegion(Backoffer& bo, std::string_view key,
                                                     bool is_end);
  absl::StatusOr<std::shared_ptr<Region>> LoadRegionById(Backoffer& bo, uint64_t id);
  absl::StatusOr<std::vector<std::shared_ptr<Region>>> ScanRegions(Backoffer& bo,
                                                                   std::string_view start,
                                                                   std::string_view end,
                                                                   int limit);
  absl::StatusOr<std::vector<std::shared_ptr<Region>>> BatchScanRegions(
      Backoffer& bo, const std::vector<pd::KeyRange>& ranges, int limit,
      const BatchLocateOptions& options);
  absl::StatusOr<std::vector<std::shared_ptr<Region>>> BatchScanRegionsFallback(
      Backoffer& bo, const std::vector<pd::KeyRange>& ranges, int limit);
  // Validates one ScanRegions / BatchScanRegions answer; kUnavailable means back off and retry.
  absl::StatusOr<std::vector<std::shared_ptr<Region>>> RegionsFromScanPage(
      std::vector<pd::RegionInfo> page, const std::vector<pd::KeyRange>& ranges, int limit,
      bool need_leader, const std::string& what);
  std::vector<std::shared_ptr<Region>> HandleRegionInfos(std::vector<pd::RegionInfo> infos,
                                                         bool need_leader);
  // Runs one PD call through the region-meta breaker (when enabled).
  template <typename T>
  absl::StatusOr<T> CallPd(absl::FunctionRef<absl::StatusOr<T>()> call);

  void GcLoop();
  // One background round (client-go gcRoundFunc).
  void GcRound() ABSL_LOCKS_EXCLUDED(mu_);

  Env& env_;
  pd::PdClient& pd_;
  const RegionCacheOptions options_;
  util::CircuitBreaker breaker_;
  std::atomic<bool> closed_{false};

  mutable absl::Mutex rand_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::unique_ptr<Random> ttl_random_ ABSL_GUARDED_BY(rand_mu_);

  mutable absl::Mutex mu_;
  // Keyed by start key: the covering region is the last entry with start key <= the key.
  absl::btree_map<std::string, RegionPtr> by_start_key_ ABSL_GUARDED_BY(mu_);
  // The latest entry of each region id.  Lookup only; never iterated.
  absl::flat_hash_map<uint64_t, RegionPtr> by_id_ ABSL_GUARDED_BY(mu_);
  // Regions with a bucket reload in flight.  Lookup only; never iterated.
  absl::flat_hash_set<uint64_t> bucket_reloads_ ABSL_GUARDED_BY(mu_);
  bool background_started_ ABSL_GUARDED_BY(mu_) = false;
  // Where the next background round starts (a start key; "" = the beginning).
  std::string gc_cursor_;  // only touched by the background fiber
  std::function<void(uint64_t region_id)> gc_scan_hook_;  // tests: set before StartBackground

  // Last member: destroyed first, after Close() joined its fibers.
  env::FiberGroup bg_;
};

}  // namespace tikv::locate
