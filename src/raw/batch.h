// Cutting a region's keys (or pairs) into request batches, the way client-go does: key batches
// of about batch_pair_count keys for batch get / delete, and pair batches of about
// batch_put_size key+value bytes for batch put.  Port of client-go internal/kvrpc/batch.go
// (AppendKeyBatches, AppendBatches).  Pure functions.
//
// Thread-safety: stateless.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "locate/region.h"

namespace tikv::raw {

// One request's worth of work for one region.  values and ttls are empty for key batches;
// for pair batches ttls has one entry per key (0 = no TTL), as client-go always sends it.
struct Batch {
  locate::RegionVerId region;
  std::vector<std::string> keys;
  std::vector<std::string> values;
  std::vector<uint64_t> ttls;
};

// Appends `keys` (all in `region`) to `batches`, cutting a new batch once the current one
// holds more than `limit` keys.  As in client-go the check is "more than", so a batch
// carries up to limit + 1 keys.  Never suspends.
void AppendKeyBatches(std::vector<Batch>& batches, const locate::RegionVerId& region,
                      const std::vector<std::string>& keys, int limit);

// Appends the pairs of `keys` (all in `region`; values[i] and ttls[i] belong to keys[i], ttls
// may be empty) to `batches`, cutting a new batch once the current one holds at least `limit`
// key+value bytes.  Never suspends.
void AppendPairBatches(std::vector<Batch>& batches, const locate::RegionVerId& region,
                       const std::vector<std::string>& keys,
                       const std::vector<std::string>& values,
                       const std::vector<uint64_t>& ttls, int limit);

}  // namespace tikv::raw
