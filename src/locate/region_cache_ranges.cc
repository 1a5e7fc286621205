#include "locate/region_cache_ranges.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tikv::locate {

absl::Status ValidateKeyRanges(const std::vector<pd::KeyRange>& ranges) {
  for (size_t i = 0; i < ranges.size(); ++i) {
    const pd::KeyRange& r = ranges[i];
    if (!r.end_key.empty() && r.start_key > r.end_key) {
      return absl::InvalidArgumentError(absl::StrCat("key range ", i, " has start > end"));
    }
    if (i + 1 < ranges.size()) {
      if (r.end_key.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("key range ", i, " is unbounded but not the last"));
      }
      if (ranges[i + 1].start_key < r.end_key) {
        return absl::InvalidArgumentError(
            absl::StrCat("key ranges ", i, " and ", i + 1, " are unsorted or overlap"));
      }
    }
  }
  return absl::OkStatus();
}

// Port of client-go regionsHaveGapInRanges(): walk the regions with a cursor over the ranges.
bool RegionsHaveGapInRanges(const std::vector<pd::KeyRange>& ranges,
                            const std::vector<pd::RegionInfo>& regions, int limit) {
  if (ranges.empty()) return false;
  if (regions.empty()) return true;
  size_t idx = 0;                        // first range not yet fully covered
  std::string check = ranges[0].start_key;  // covered up to here
  for (const pd::RegionInfo& r : regions) {
    if (r.meta.start_key() > check) return true;
    if (r.meta.end_key().empty()) return false;  // covers everything after it
    check = r.meta.end_key();
    while (!ranges[idx].end_key.empty() && check >= ranges[idx].end_key) {
      if (++idx == ranges.size()) return false;
    }
    if (check < ranges[idx].start_key) check = ranges[idx].start_key;
  }
  // A full page may stop early; the regions so far are contiguous.
  if (limit > 0 && static_cast<int>(regions.size()) == limit) return false;
  if (idx + 1 < ranges.size()) return true;
  if (check.empty()) return false;
  if (ranges[idx].end_key.empty()) return true;
  return check < ranges[idx].end_key;
}

// Port of client-go rangesAfterKey().
std::vector<pd::KeyRange> RangesAfterKey(std::vector<pd::KeyRange> ranges,
                                         std::string_view split_key) {
  if (ranges.empty()) return {};
  const std::string& last_end = ranges.back().end_key;
  if (split_key.empty() || (!last_end.empty() && split_key >= last_end)) return {};
  auto first = std::find_if(ranges.begin(), ranges.end(), [&](const pd::KeyRange& r) {
    return r.end_key.empty() || r.end_key > split_key;
  });
  std::vector<pd::KeyRange> out(std::make_move_iterator(first),
                                std::make_move_iterator(ranges.end()));
  if (!out.empty() && split_key > out.front().start_key) out.front().start_key = split_key;
  return out;
}

bool BatchLocateMerger::CoveredByLoaded(const KeyLocation& cached) const {
  // A cached region ending before the last loaded end is inside what PD just returned.
  return last_end_.has_value() && !cached.end_key.empty() && *last_end_ >= cached.end_key;
}

// Port of client-go batchLocateRangesMerger.appendRegion().
void BatchLocateMerger::AppendLoaded(KeyLocation loaded) {
  const bool from_start = loaded.start_key.empty();
  const bool continues = last_end_.has_value() && *last_end_ >= loaded.start_key;
  if (!from_start && !continues) {
    for (; next_cached_ < cached_.size(); ++next_cached_) {
      const KeyLocation& c = cached_[next_cached_];
      if (CoveredByLoaded(c)) continue;
      if (c.start_key >= loaded.start_key) break;
      merged_.push_back(c);
    }
  }
  if (loaded.end_key.empty()) {
    // Reaches +infinity: nothing cached can follow.
    next_cached_ = cached_.size();
  } else {
    last_end_ = loaded.end_key;
  }
  merged_.push_back(std::move(loaded));
}

std::vector<KeyLocation> BatchLocateMerger::Build() && {
  for (; next_cached_ < cached_.size(); ++next_cached_) {
    if (!CoveredByLoaded(cached_[next_cached_])) merged_.push_back(cached_[next_cached_]);
  }
  return std::move(merged_);
}

}  // namespace tikv::locate
