// RegionCache maps keys to regions and regions to their leader peers, loading from PD on a miss
// (with pdRPC backoff), expiring entries after a TTL with jitter, and applying the feedback of
// region errors (EpochNotMatch with current regions, NotLeader hints, invalidation with a
// reason).  Port of client-go internal/locate/region_cache.go (LocateKey, LocateEndKey,
// LocateRegionByID, GroupKeysByRegion, BatchLoadRegionsWithKeyRange, insertRegionToCache,
// OnRegionEpochNotMatch, UpdateLeader, InvalidateCachedRegionWithReason).  Not yet ported:
// background sweep, delayed-reload flags, buckets refresh, replica-selector state.
//
// Thread-safe.  No lock is held across a suspension point: PD is consulted with the lock
// released and results are installed in a short critical section afterwards.

#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tikv/env.h"

#include "errorpb.pb.h"
#include "locate/backoffer.h"
#include "locate/region.h"
#include "pd/pd_client.h"

namespace tikv::locate {

struct RegionCacheOptions {
  // Entries not refreshed for this long are reloaded on next use (client-go 600 s).
  Duration ttl = std::chrono::seconds(600);
  // Random extra TTL per entry (client-go 60 s), from the Env's "region-cache" stream.
  Duration ttl_jitter = std::chrono::seconds(60);
  // Page size of batch loads (client-go defaultRegionsPerBatch).
  int scan_batch = 128;
};

class RegionCache {
 public:
  // `env` and `pd` must outlive the cache.  Never suspends.
  RegionCache(Env& env, pd::PdClient& pd, RegionCacheOptions options = {});
  RegionCache(const RegionCache&) = delete;
  RegionCache& operator=(const RegionCache&) = delete;

  // The region containing `key`, from the cache or PD.  Errors: kUnavailable once `bo`'s
  // budget is spent on PD errors or on PD not knowing the key; kCancelled.  May suspend.
  absl::StatusOr<KeyLocation> LocateKey(Backoffer& bo, std::string_view key)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The region whose range ends at or contains `key` from the left (client-go LocateEndKey).
  // May suspend.
  absl::StatusOr<KeyLocation> LocateEndKey(Backoffer& bo, std::string_view key)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The region with `region_id` (cache first).  May suspend.
  absl::StatusOr<KeyLocation> LocateRegionById(Backoffer& bo, uint64_t region_id)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Sorted-or-not keys grouped by region, plus the first key's region (client-go
  // GroupKeysByRegion).  Regions are ordered by id for determinism.  May suspend.
  absl::StatusOr<std::map<RegionVerId, std::vector<std::string>>> GroupKeysByRegion(
      Backoffer& bo, const std::vector<std::string>& keys, RegionVerId* first)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Loads and caches every region overlapping [start, end) (client-go
  // BatchLoadRegionsWithKeyRange / LoadRegionsInKeyRange).  May suspend.
  absl::StatusOr<std::vector<KeyLocation>> LoadRegionsInKeyRange(Backoffer& bo,
                                                                 std::string_view start,
                                                                 std::string_view end)
      ABSL_LOCKS_EXCLUDED(mu_);

  // The cached region, or nullptr.  Never suspends.
  std::shared_ptr<const Region> GetCachedRegion(const RegionVerId& id) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Applies an EpochNotMatch from the store `store_id`: installs the current regions it
  // carries (the answering store's peer becomes the leader guess) and drops `region`.
  // Returns false when the error carried no regions (the caller should back off).
  // Never suspends.
  bool OnEpochNotMatch(const RegionVerId& region, uint64_t store_id,
                       const errorpb::EpochNotMatch& error) ABSL_LOCKS_EXCLUDED(mu_);
  // Makes the peer on `leader_store_id` the leader of `region`; with 0, moves to the next
  // peer.  Invalidates the region (kStoreNotFound) when it has no peer there.  Never suspends.
  void UpdateLeader(const RegionVerId& region, uint64_t leader_store_id) ABSL_LOCKS_EXCLUDED(mu_);
  // Forgets `region`'s leader.  Never suspends.
  void InvalidateLeader(const RegionVerId& region) ABSL_LOCKS_EXCLUDED(mu_);
  // Drops `region`; the next lookup goes to PD.  Never suspends.
  void InvalidateRegion(const RegionVerId& region, InvalidReason reason) ABSL_LOCKS_EXCLUDED(mu_);
  // The reason the last invalidation of region `id` gave (kOk if none).  Never suspends.
  InvalidReason LastInvalidReason(uint64_t id) const ABSL_LOCKS_EXCLUDED(mu_);
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class RegionCacheTestPeer;

  std::shared_ptr<const Region> FindLocked(std::string_view key) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Inserts, removing overlapping entries; rejects an entry older than the cached one of the
  // same id (client-go insertRegionToCache).  Returns false when rejected.
  bool InsertLocked(std::shared_ptr<const Region> region) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveLocked(uint64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  MonoTime NextExpiryLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::shared_ptr<const Region> MakeRegion(const pd::RegionInfo& info)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Loads the region of `key` (or the one before it) from PD with pdRPC/regionMiss backoff.
  absl::StatusOr<KeyLocation> LoadFromPd(Backoffer& bo, std::string_view key, bool prev);
  absl::StatusOr<KeyLocation> Install(const pd::RegionInfo& info) ABSL_LOCKS_EXCLUDED(mu_);

  Env& env_;
  pd::PdClient& pd_;
  const RegionCacheOptions options_;

  mutable absl::Mutex mu_;
  std::unique_ptr<Random> ttl_random_ ABSL_GUARDED_BY(mu_);
  // Keyed by start key: the covering region is the last entry with start key <= the key.
  absl::btree_map<std::string, std::shared_ptr<const Region>> by_start_key_ ABSL_GUARDED_BY(mu_);
  // Lookup only; never iterated.
  absl::flat_hash_map<uint64_t, std::shared_ptr<const Region>> by_id_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, InvalidReason> invalid_reasons_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tikv::locate
