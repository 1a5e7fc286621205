// SlowScoreStat: the client-side slow score of one store, computed from the latencies of the
// requests sent to it.  Each health tick compares this tick's request count and mean latency
// with a sliding window of the previous ticks: fewer requests that take longer (the pattern of
// a store getting slow) multiply the score up to 100; anything else lowers it by 1..3 points
// towards 1.  A request taking 30 s or more, or a ServerIsBusy with no estimated wait
// (MarkAlreadySlow), sets it to 100 at once.  A score of 80 or more is slow.
// Port of client-go internal/locate/slow_score.go (CountSlidingWindow, SlowScoreStat).
//
// Not thread-safe: the owner (StoreCache) serialises access.  Never suspends.

#pragma once

#include <cstdint>
#include <deque>

#include "tikv/mono_time.h"

namespace tikv::locate {

// client-go slowScoreInitVal / slowScoreThreshold / slowScoreMax.
inline constexpr uint64_t kSlowScoreInit = 1;
inline constexpr uint64_t kSlowScoreThreshold = 80;
inline constexpr uint64_t kSlowScoreMax = 100;
// A request at least this slow marks the store slow at once (client-go slowScoreMaxTimeoutInUs).
inline constexpr Duration kSlowScoreMaxTimecost = std::chrono::seconds(30);
// Number of ticks the windows remember (client-go slidingWindowSize).
inline constexpr size_t kSlowScoreWindowSize = 10;

// Mean over the last kSlowScoreWindowSize values (client-go CountSlidingWindow).
class CountSlidingWindow {
 public:
  // Adds `value` (dropping the oldest when full) and returns its relative change against the
  // previous mean: (value - old_mean) / old_mean, or 1e-6 when the old mean was 0 or equal.
  double Append(uint64_t value);
  uint64_t avg() const { return avg_; }
  uint64_t sum() const { return sum_; }
  size_t size() const { return history_.size(); }

 private:
  uint64_t avg_ = 0;
  uint64_t sum_ = 0;
  std::deque<uint64_t> history_;
};

class SlowScoreStat {
 public:
  // The current score in [1, 100] (0 before any request or tick).
  uint64_t score() const { return score_; }
  // score() >= kSlowScoreThreshold.
  bool IsSlow() const { return score_ >= kSlowScoreThreshold; }
  // Records one request's latency (client-go recordSlowScoreStat).
  void RecordLatency(Duration timecost);
  // The periodic update (client-go updateSlowScore); the caller's health tick calls it.
  void Tick();
  // Slow at once: ServerIsBusy with zero wait, or the store was retired (markAlreadySlow).
  void MarkAlreadySlow() { score_ = kSlowScoreMax; }
  // Back to the state of a new store with score 1 (client-go resetSlowScore, tests).
  void Reset();
  // Whether a tick can still change anything: a score above 1 or requests recorded since the
  // last tick.  Lets the owner stop ticking an idle, healthy store.
  bool NeedsTick() const { return score_ > kSlowScoreInit || interval_count_ > 0; }
  // Mean latency of the window in microseconds (0 before initialisation).
  uint64_t avg_timecost_us() const { return avg_timecost_us_; }

 private:
  uint64_t score_ = kSlowScoreInit;
  uint64_t avg_timecost_us_ = 0;
  uint64_t interval_timecost_us_ = 0;
  uint64_t interval_count_ = 0;
  CountSlidingWindow timecost_window_;
  CountSlidingWindow count_window_;
};

}  // namespace tikv::locate
