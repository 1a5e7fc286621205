// Region value types of the routing layer: RegionVerId (id + epoch), KeyLocation, and the
// immutable cached Region.  Port of client-go internal/locate/region_cache.go (Region,
// RegionVerID, KeyLocation).  Immutable: a cached Region is replaced as a whole, never mutated.

#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tikv/mono_time.h"

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
  // True when start_key <= key < end_key.  Never suspends.
  bool Contains(std::string_view key) const {
    return key >= start_key && (end_key.empty() || key < end_key);
  }
  // True when the region's end equals `key`, or key is within (start, end] (client-go
  // ContainsByEnd, used by reverse scans).  Never suspends.
  bool ContainsByEnd(std::string_view key) const {
    return key > start_key && (end_key.empty() || key <= end_key);
  }
};

// Why a cached region was dropped (client-go InvalidReason).
enum class InvalidReason { kOk, kOther, kNoLeader, kRegionNotFound, kEpochNotMatch, kStoreNotFound };

// One cached region: PD's metadata, the index of the peer believed to lead, and the entry's
// expiry.  Immutable.
struct Region {
  metapb::Region meta;
  int leader_index = -1;  // into meta.peers(); -1 when unknown
  std::vector<metapb::Peer> down_peers;
  std::optional<metapb::Buckets> buckets;
  MonoTime expires_at;

  RegionVerId VerId() const {
    return RegionVerId{meta.id(), meta.region_epoch().conf_ver(), meta.region_epoch().version()};
  }
  KeyLocation Location() const { return KeyLocation{VerId(), meta.start_key(), meta.end_key()}; }
  bool Contains(std::string_view key) const { return Location().Contains(key); }
  // The leader peer, if known.
  const metapb::Peer* Leader() const {
    return leader_index >= 0 && leader_index < meta.peers_size() ? &meta.peers(leader_index)
                                                                 : nullptr;
  }
};

}  // namespace tikv::locate
