#include "raw/batch.h"

namespace tikv::raw {

void AppendKeyBatches(std::vector<Batch>& batches, const locate::RegionVerId& region,
                      const std::vector<std::string>& keys, int limit) {
  Batch current{.region = region};
  int count = 0;
  for (const std::string& key : keys) {
    // client-go compares after counting, so one batch may hold limit + 1 keys; matching it keeps
    // request counts comparable with client-go's metrics.
    if (count > limit) {
      batches.push_back(std::move(current));
      current = Batch{.region = region};
      count = 0;
    }
    current.keys.push_back(key);
    ++count;
  }
  if (!current.keys.empty()) batches.push_back(std::move(current));
}

void AppendPairBatches(std::vector<Batch>& batches, const locate::RegionVerId& region,
                       const std::vector<std::string>& keys,
                       const std::vector<std::string>& values,
                       const std::vector<uint64_t>& ttls, int limit) {
  Batch current{.region = region};
  int64_t size = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (size >= limit) {
      batches.push_back(std::move(current));
      current = Batch{.region = region};
      size = 0;
    }
    current.keys.push_back(keys[i]);
    current.values.push_back(values[i]);
    current.ttls.push_back(ttls.empty() ? 0 : ttls[i]);
    size += static_cast<int64_t>(keys[i].size() + values[i].size());
  }
  if (!current.keys.empty()) batches.push_back(std::move(current));
}

}  // namespace tikv::raw
