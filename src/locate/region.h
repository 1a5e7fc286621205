// Region value types of the routing layer: RegionVerId (id + epoch), KeyLocation, and the
// cached Region with its shared per-entry state.  Port of client-go
// internal/locate/region_cache.go (Region, RegionVerID, KeyLocation, the sync flags and TTL).
//
// A cached Region's metadata is immutable: a change (new leader, new buckets) installs a copy.
// The copies of one cache entry share one RegionEntryState (TTL, reload flags, invalidation),
// which is atomic so readers may update it under a shared lock, as client-go does.

#pragma once

#include <atomic>
#include <compare>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tikv/mono_time.h"

#include "locate/buckets.h"
#include "metapb.pb.h"

namespace tikv::locate {

// A region at one epoch (client-go RegionVerID).
struct RegionVerId {
  uint64_t id = 0;
  uint64_t conf_ver = 0;
  uint64_t ver = 0;
  auto operator<=>(const RegionVerId&) const = default;
  bool operator==(const RegionVerId&) const = default;
};

// Where a key lives, as far as the cache knows (client-go KeyLocation).
struct KeyLocation {
  RegionVerId region;
  std::string start_key;  // inclusive
  std::string end_key;    // exclusive; empty means +infinity
  // The region's buckets when known (shared, immutable).
  std::shared_ptr<const metapb::Buckets> buckets;

  // True when start_key <= key < end_key.  Never suspends.
  bool Contains(std::string_view key) const {
    return key >= start_key && (end_key.empty() || key < end_key);
  }
  // True when the region's end equals `key`, or key is within (start, end] (client-go
  // ContainsByEnd, used by reverse scans).  Never suspends.
  bool ContainsByEnd(std::string_view key) const {
    return key > start_key && (end_key.empty() || key <= end_key);
  }
  // The bucket version, 0 without buckets (client-go GetBucketVersion).  Never suspends.
  uint64_t BucketVersion() const { return buckets == nullptr ? 0 : buckets->version(); }
  // The bucket holding `key`, clamped to the region; a region key outside every bucket gets
  // the gap to the region edge; nullopt for a key outside the region and every bucket
  // (client-go LocateBucket).  Never suspends.
  std::optional<Bucket> LocateBucket(std::string_view key) const {
    return LocateBucketInRegion(buckets.get(), start_key, end_key, key);
  }
};

// Why a cached region was dropped (client-go InvalidReason).
enum class InvalidReason { kOk, kOther, kNoLeader, kRegionNotFound, kEpochNotMatch, kStoreNotFound };

// Reload flags of a cache entry (client-go syncFlags).
enum RegionSyncFlag : uint32_t {
  // Reload from PD on the next access (synchronously).
  kNeedReloadOnAccess = 1u << 0,
  // Let the entry expire after its TTL even when it keeps being used.
  kNeedExpireAfterTtl = 1u << 1,
  // Reload wanted; the background scan turns this into kNeedDelayedReloadReady.
  kNeedDelayedReloadPending = 1u << 2,
  // Seen by the background scan: reload on the next access.
  kNeedDelayedReloadReady = 1u << 3,
};

// Mutable state of one cache entry, shared by every copy of its Region.  Thread-safe.
class RegionEntryState {
 public:
  explicit RegionEntryState(MonoTime expires_at) : ttl_nanos_(expires_at.nanos()) {}

  MonoTime expires_at() const { return MonoTime::FromNanos(ttl_nanos_.load()); }
  // True when not expired at `now` (an invalidated entry is always expired).
  bool Alive(MonoTime now) const { return now.nanos() <= ttl_nanos_.load(); }
  // Moves the expiry from `seen` to `next` unless someone else moved it first.
  bool CasExpiry(int64_t seen, int64_t next) {
    return ttl_nanos_.compare_exchange_strong(seen, next);
  }
  int64_t ttl_nanos() const { return ttl_nanos_.load(); }
  void ForceExpire() { ttl_nanos_.store(kExpired); }

  uint32_t flags() const { return flags_.load(); }
  bool HasAnyFlag(uint32_t f) const { return (flags_.load() & f) != 0; }
  void SetFlags(uint32_t f) { flags_.fetch_or(f); }
  // Clears `f`; returns which of them were set.
  uint32_t ResetFlags(uint32_t f) { return flags_.fetch_and(~f) & f; }

  InvalidReason invalid_reason() const { return invalid_reason_.load(); }
  // The first invalidation wins; it expires the entry.  Returns false if already invalid.
  bool Invalidate(InvalidReason reason) {
    InvalidReason expected = InvalidReason::kOk;
    if (!invalid_reason_.compare_exchange_strong(expected, reason)) return false;
    ForceExpire();
    return true;
  }

 private:
  static constexpr int64_t kExpired = std::numeric_limits<int64_t>::min();
  std::atomic<int64_t> ttl_nanos_;
  std::atomic<uint32_t> flags_{0};
  std::atomic<InvalidReason> invalid_reason_{InvalidReason::kOk};
};

// One cached region: PD's metadata, the index of the peer believed to lead, buckets, and the
// shared entry state.
struct Region {
  metapb::Region meta;
  int leader_index = -1;  // into meta.peers(); -1 when unknown
  std::vector<metapb::Peer> down_peers;
  std::shared_ptr<const metapb::Buckets> buckets;
  // Never null for a Region built by the cache.
  std::shared_ptr<RegionEntryState> state;

  RegionVerId VerId() const {
    return RegionVerId{meta.id(), meta.region_epoch().conf_ver(), meta.region_epoch().version()};
  }
  KeyLocation Location() const {
    return KeyLocation{VerId(), meta.start_key(), meta.end_key(), buckets};
  }
  bool Contains(std::string_view key) const {
    return key >= meta.start_key() && (meta.end_key().empty() || key < meta.end_key());
  }
  bool ContainsByEnd(std::string_view key) const {
    return key > meta.start_key() && (meta.end_key().empty() || key <= meta.end_key());
  }
  // The leader peer, if known.
  const metapb::Peer* Leader() const {
    return leader_index >= 0 && leader_index < meta.peers_size() ? &meta.peers(leader_index)
                                                                 : nullptr;
  }
  uint64_t BucketVersion() const { return buckets == nullptr ? 0 : buckets->version(); }
  InvalidReason invalid_reason() const {
    return state == nullptr ? InvalidReason::kOk : state->invalid_reason();
  }
};

}  // namespace tikv::locate
