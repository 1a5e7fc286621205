#include "rpc/batch_policy.h"

#include <chrono>
#include <cmath>

namespace tikv::rpc {
namespace {

// client-go's "standard" preset: t = 100 µs, n = 5, w = 0.2, p = 0.8, q = 0.8.
constexpr double kTurboWaitSeconds = 0.0001;
constexpr double kMaxIntervalFactor = 5;
constexpr double kWeight = 0.2;
constexpr double kTriggerFraction = 0.8;
constexpr double kRoundUpFraction = 0.8;

}  // namespace

bool BatchWaitTrigger::NeedFetchMore(Duration arrival_interval) {
  switch (policy_) {
    case BatchPolicy::kBasic:
      return false;
    case BatchPolicy::kPositive:
      return true;
    case BatchPolicy::kStandard: {
      double sample = std::chrono::duration<double>(arrival_interval).count();
      // Cap each sample so one idle period does not switch batching off for long.
      double cap = kTurboWaitSeconds * kMaxIntervalFactor;
      if (sample > cap) sample = cap;
      est_arrival_interval_s_ = est_arrival_interval_s_ == 0
                                    ? sample
                                    : kWeight * sample + (1 - kWeight) * est_arrival_interval_s_;
      return est_arrival_interval_s_ < kTurboWaitSeconds * kTriggerFraction;
    }
  }
  return false;
}

Duration BatchWaitTrigger::WaitTime() const {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(kTurboWaitSeconds));
}

size_t BatchWaitTrigger::PreferredBatchWaitSize(double avg_batch_wait_size,
                                                size_t default_size) const {
  if (policy_ == BatchPolicy::kPositive) return default_size;
  double whole = 0;
  double frac = std::modf(avg_batch_wait_size, &whole);
  size_t n = static_cast<size_t>(whole);
  if (frac >= kRoundUpFraction) ++n;
  return n;
}

}  // namespace tikv::rpc
