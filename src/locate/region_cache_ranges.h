// Pure helpers of the region cache's range loads: PD answer gap detection, splitting the
// remaining ranges after a partial answer, and merging cached hits with PD answers in key
// order.  Port of client-go internal/locate/region_cache.go (regionsHaveGapInRanges,
// rangesAfterKey, batchLocateRangesMerger).
//
// Thread-compatible.  Never suspend.

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

#include "locate/region.h"
#include "pd/pd_client.h"

namespace tikv::locate {

// OK when `ranges` are sorted and non-overlapping (an empty end means +infinity and must be
// last); kInvalidArgument otherwise.
absl::Status ValidateKeyRanges(const std::vector<pd::KeyRange>& ranges);

// True when the regions (in key order) leave part of `ranges` uncovered.  When exactly
// `limit` (> 0) regions came back, only the holes before the last one count.
bool RegionsHaveGapInRanges(const std::vector<pd::KeyRange>& ranges,
                            const std::vector<pd::RegionInfo>& regions, int limit);

// The part of `ranges` after `split_key` (the end of the last loaded region); empty when
// `split_key` is empty (+infinity) or at/after the last range's end.
std::vector<pd::KeyRange> RangesAfterKey(std::vector<pd::KeyRange> ranges,
                                         std::string_view split_key);

// True when a region ending at `region_end` covers a range ending at `range_end` (both empty
// = +infinity).
inline bool CoversEnd(const KeyLocation& region, std::string_view range_end) {
  if (range_end.empty()) return region.end_key.empty();
  return region.ContainsByEnd(range_end);
}

// Merges cache hits (in key order) with regions loaded from PD for the holes (appended in key
// order): cached regions fully covered by loaded ones are dropped, the others are interleaved
// by start key.
class BatchLocateMerger {
 public:
  explicit BatchLocateMerger(std::vector<KeyLocation> cached) : cached_(std::move(cached)) {}
  void AppendLoaded(KeyLocation loaded);
  std::vector<KeyLocation> Build() &&;

 private:
  bool CoveredByLoaded(const KeyLocation& cached) const;

  std::vector<KeyLocation> cached_;
  size_t next_cached_ = 0;
  std::optional<std::string> last_end_;  // end key of the last loaded region
  std::vector<KeyLocation> merged_;
};

}  // namespace tikv::locate
