#include "sim/pd/tso.h"

#include "sim/util/codec.h"

namespace tikv::sim {

absl::StatusOr<TsoAllocator::Batch> TsoAllocator::Allocate(uint32_t count, int64_t now_ms) {
  if (count == 0) return absl::InvalidArgumentError("tso count should be positive");
  if (count >= kMaxLogical) return absl::InvalidArgumentError("tso count too large");
  if (now_ms > physical_) {
    physical_ = now_ms;
    logical_ = 0;
  }
  if (logical_ + static_cast<int64_t>(count) >= static_cast<int64_t>(kMaxLogical)) {
    // PD would wait for the next millisecond; in the model time is an input, so step it.
    physical_ += 1;
    logical_ = 0;
  }
  logical_ += count;
  return Batch{physical_, logical_};
}

void TsoAllocator::OnLeaderChange() {
  // The persisted window ends above the last issued physical value.
  physical_ += 1;
  logical_ = 0;
}

uint64_t TsoAllocator::last_ts() const {
  return physical_ == 0 ? 0 : ComposeTs(physical_, static_cast<uint64_t>(logical_));
}

}  // namespace tikv::sim
