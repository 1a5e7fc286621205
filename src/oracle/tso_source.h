// What the PD oracle needs from PD: timestamps, one at a time or as futures, and the minimum
// timestamp across TSO keyspace groups.  The PD client provides it (pd::PdTsoSource); tests
// substitute counters.  Thread-safe.

#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "tikv/cancel.h"

#include "oracle/oracle.h"

namespace tikv::oracle {

class TsoSource {
 public:
  virtual ~TsoSource() = default;
  // One fresh timestamp.  May suspend.
  virtual absl::StatusOr<uint64_t> GetTs(const CancelToken* cancel) = 0;
  // Starts fetching one timestamp.  Never suspends.
  virtual TsFuture GetTsAsync() = 0;
  // The minimum timestamp across TSO keyspace groups.  May suspend.
  virtual absl::StatusOr<uint64_t> GetMinTs(const CancelToken* cancel) = 0;
};

}  // namespace tikv::oracle
