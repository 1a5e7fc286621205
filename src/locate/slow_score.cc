#include "locate/slow_score.h"

#include <algorithm>
#include <cmath>

namespace tikv::locate {
namespace {

// The starting mean latency before any window exists (client-go slowScoreInitTimeoutInUs).
constexpr uint64_t kInitTimecostUs = 500000;

uint64_t Micros(Duration d) {
  return d <= Duration::zero()
             ? 0
             : static_cast<uint64_t>(
                   std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

}  // namespace

double CountSlidingWindow::Append(uint64_t value) {
  const uint64_t previous = avg_;
  if (history_.size() < kSlowScoreWindowSize) {
    sum_ += value;
  } else {
    sum_ = sum_ - history_.front() + value;
    history_.pop_front();
  }
  history_.push_back(value);
  avg_ = sum_ / history_.size();
  if (previous == 0 || value == previous) return 1e-6;
  return (static_cast<double>(value) - static_cast<double>(previous)) /
         static_cast<double>(previous);
}

void SlowScoreStat::RecordLatency(Duration timecost) {
  ++interval_count_;
  const uint64_t us = Micros(timecost);
  if (avg_timecost_us_ == 0) {
    // First sample: start from the defaults with this request as the interval's cost.
    score_ = kSlowScoreInit;
    avg_timecost_us_ = kInitTimecostUs;
    interval_timecost_us_ = us;
    return;
  }
  if (us >= Micros(kSlowScoreMaxTimecost)) {
    // As slow as a request may ever be: no need to wait for the trend.
    score_ = kSlowScoreMax;
    return;
  }
  interval_timecost_us_ += us;
}

void SlowScoreStat::Tick() {
  if (avg_timecost_us_ == 0) {
    score_ = kSlowScoreInit;
    avg_timecost_us_ = kInitTimecostUs;
    return;
  }
  // Without requests in this tick both gradients stay 1: the score decays.
  double count_gradient = 1.0;
  double timecost_gradient = 1.0;
  if (interval_count_ > 0) {
    count_gradient = count_window_.Append(interval_count_);
    timecost_gradient = timecost_window_.Append(interval_timecost_us_ / interval_count_);
  }
  constexpr double kEpsilon = 1e-9;
  if (count_gradient + 0.1 <= kEpsilon && timecost_gradient - 0.1 >= kEpsilon) {
    // Requests fell by 10% or more while their latency rose by 10% or more.
    const double ratio = std::min(5.43, std::abs(timecost_gradient / count_gradient));
    score_ = static_cast<uint64_t>(std::ceil(
        std::min(static_cast<double>(score_) * ratio + 1.0, static_cast<double>(kSlowScoreMax))));
  } else {
    const auto cost = static_cast<uint64_t>(
        std::ceil(std::max(1.0, std::min(2.71, 1.0 + std::abs(count_gradient)))));
    score_ = score_ <= kSlowScoreInit + cost ? kSlowScoreInit : score_ - cost;
  }
  avg_timecost_us_ = timecost_window_.avg();
  interval_timecost_us_ = 0;
  interval_count_ = 0;
}

void SlowScoreStat::Reset() { *this = SlowScoreStat(); }

}  // namespace tikv::locate
