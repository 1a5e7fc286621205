#include "locate/buckets.h"

#include <algorithm>

namespace tikv::locate {
namespace {

bool InRange(std::string_view start, std::string_view end, std::string_view key) {
  return key >= start && (end.empty() || key < end);
}

}  // namespace

// Port of client-go KeyLocation.locateBucket(): binary search among all keys but the last for
// the first key greater than `key`.
std::optional<Bucket> FindBucket(const metapb::Buckets& buckets, std::string_view key) {
  const auto& keys = buckets.keys();
  const int search_len = keys.size() - 1;
  if (search_len < 0) return std::nullopt;
  const auto begin = keys.begin();
  const auto it = std::upper_bound(begin, begin + search_len, key,
                                   [](std::string_view k, const std::string& b) { return k < b; });
  const int i = static_cast<int>(it - begin);
  // i == 0: the key is before the first boundary.  i == search_len: the key is at or after the
  // last boundary unless that boundary is +infinity.
  if (i == 0 || (i == search_len && !keys[search_len].empty() && key >= keys[search_len])) {
    return std::nullopt;
  }
  return Bucket{keys[i - 1], keys[i]};
}

// Port of client-go KeyLocation.clampBucketToRegion().
Bucket ClampBucketToRegion(const Bucket& bucket, std::string_view region_start,
                           std::string_view region_end) {
  std::string_view start = bucket.start_key;
  std::string_view end = bucket.end_key;
  if (start < region_start) start = region_start;
  if (!region_end.empty() && (end.empty() || end > region_end)) end = region_end;
  if (!end.empty() && start >= end) {
    start = region_start;
    end = region_end;
  }
  return Bucket{std::string(start), std::string(end)};
}

// Port of client-go KeyLocation.LocateBucket().
std::optional<Bucket> LocateBucketInRegion(const metapb::Buckets* buckets,
                                           std::string_view region_start,
                                           std::string_view region_end, std::string_view key) {
  if (buckets != nullptr) {
    if (std::optional<Bucket> b = FindBucket(*buckets, key); b.has_value()) {
      return ClampBucketToRegion(*b, region_start, region_end);
    }
  }
  if (!InRange(region_start, region_end, key)) return std::nullopt;
  if (buckets == nullptr || buckets->keys().empty()) {
    return Bucket{std::string(region_start), std::string(region_end)};
  }
  const std::string& first = buckets->keys(0);
  if (key < first) return Bucket{std::string(region_start), first};
  const std::string& last = buckets->keys(buckets->keys_size() - 1);
  // FindBucket only misses inside the region at the edges, so the key is at or after the last
  // boundary here.
  return Bucket{last, std::string(region_end)};
}

}  // namespace tikv::locate
