// Region buckets: finer key ranges inside a region that TiKV reports with statistics, used to
// split scans and coprocessor tasks.  Port of client-go internal/locate/region_cache.go
// (Bucket, KeyLocation.locateBucket, LocateBucket, clampBucketToRegion).
//
// Pure functions over values.  Thread-compatible.  Never suspend.

#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "metapb.pb.h"

namespace tikv::locate {

// One bucket [start_key, end_key); an empty end key means +infinity.
struct Bucket {
  std::string start_key;
  std::string end_key;
  bool Contains(std::string_view key) const {
    return key >= start_key && (end_key.empty() || key < end_key);
  }
  bool operator==(const Bucket&) const = default;
};

// The bucket of `buckets` holding `key`, or nullopt when `key` is before the first bucket key
// or at/after a non-empty last key (stale bucket metadata can cause either).  The keys are
// the bucket boundaries in order; the last may be empty (+infinity).
std::optional<Bucket> FindBucket(const metapb::Buckets& buckets, std::string_view key);

// `bucket` narrowed to [region_start, region_end); when nothing valid is left, the region's
// range.  Stale buckets may reach past the region after a split.
Bucket ClampBucketToRegion(const Bucket& bucket, std::string_view region_start,
                           std::string_view region_end);

// The bucket holding `key` in a region [region_start, region_end) with `buckets` (null: no
// buckets): FindBucket clamped to the region; a key of the region outside every bucket gets the
// gap between the region edge and the nearest bucket key; nullopt when the key is outside the
// region and every bucket.
std::optional<Bucket> LocateBucketInRegion(const metapb::Buckets* buckets,
                                           std::string_view region_start,
                                           std::string_view region_end, std::string_view key);

}  // namespace tikv::locate
