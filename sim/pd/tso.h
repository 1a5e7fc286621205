// The simulated PD timestamp oracle (protocol.md 3.16.2 and 5.7; PD pkg/tso/tso.go): allocates
// batches of physical << 18 | logical timestamps from an explicit "now" in ms, keeps a persisted
// high-water mark so a new PD leader whose clock is behind still starts above every TS ever
// issued, and answers the LAST timestamp of a batch. Fiber-confined: not thread-safe.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

namespace tikv::sim {

// A TSO allocator shared by all PD members (the persisted state is cluster-wide).
class TsoAllocator {
 public:
  // The last of `count` consecutive timestamps; the first is ComposeTs(physical, logical -
  // count + 1).
  struct Batch {
    int64_t physical = 0;
    int64_t logical = 0;
  };

  TsoAllocator() = default;

  // Allocates `count` timestamps at PD physical time `now_ms` (virtual time plus the member's
  // skew). Physical time never goes backwards: a clock behind the last issued physical value is
  // ignored. When the logical part would overflow 2^18, the physical part moves on by one ms,
  // as PD does after waiting for the next tick. Errors: kInvalidArgument when count is 0 or
  // larger than 2^18.
  absl::StatusOr<Batch> Allocate(uint32_t count, int64_t now_ms);

  // Called when PD leadership moves: the new leader starts strictly above the high-water mark,
  // even if its clock is behind.
  void OnLeaderChange();

  // The last timestamp issued (composed), 0 if none.
  uint64_t last_ts() const;

 private:
  int64_t physical_ = 0;
  int64_t logical_ = 0;
};

}  // namespace tikv::sim
