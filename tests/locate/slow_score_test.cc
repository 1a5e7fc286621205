// Tests of the client-side slow score (src/locate/slow_score.h).  client-go has one direct test
// (region_cache_test.go TestSlowScoreStat, ported below); the others pin down the trend rule,
// the immediate marks and the decay that the port must keep.

#include "locate/slow_score.h"

#include "gtest/gtest.h"

namespace tikv::locate {
namespace {

using namespace std::chrono_literals;

// Ports client-go internal/locate/region_cache_test.go TestSlowScoreStat: latencies rising and
// falling slowly with steady traffic never make the store slow; markAlreadySlow does.
TEST(SlowScoreTest, SteadyTrafficIsNotSlow) {
  SlowScoreStat s;
  EXPECT_FALSE(s.IsSlow());
  s.RecordLatency(1ms);
  s.Tick();
  EXPECT_FALSE(s.IsSlow());
  for (int i = 2; i <= 100; ++i) {
    s.RecordLatency(std::chrono::milliseconds(i));
    if (i % 5 == 0) {
      s.Tick();
      EXPECT_FALSE(s.IsSlow()) << i;
    }
  }
  for (int i = 100; i >= 2; --i) {
    s.RecordLatency(std::chrono::milliseconds(i));
    if (i % 5 == 0) {
      s.Tick();
      EXPECT_FALSE(s.IsSlow()) << i;
    }
  }
  s.MarkAlreadySlow();
  EXPECT_TRUE(s.IsSlow());
  EXPECT_EQ(s.score(), kSlowScoreMax);
}

TEST(SlowScoreTest, SlidingWindowGradient) {
  CountSlidingWindow w;
  EXPECT_DOUBLE_EQ(w.Append(10), 1e-6);  // no previous mean
  EXPECT_EQ(w.avg(), 10u);
  EXPECT_DOUBLE_EQ(w.Append(20), 1.0);  // +100% over the mean 10
  EXPECT_EQ(w.avg(), 15u);
  EXPECT_DOUBLE_EQ(w.Append(15), 1e-6);  // equal to the mean
  for (int i = 0; i < 20; ++i) w.Append(4);
  EXPECT_EQ(w.size(), kSlowScoreWindowSize);  // the oldest values were dropped
  EXPECT_EQ(w.sum(), 40u);
  EXPECT_EQ(w.avg(), 4u);
  EXPECT_DOUBLE_EQ(w.Append(2), -0.5);
}

// Fewer requests that take longer: the score multiplies until the store is slow; steady fast
// traffic afterwards brings it back down.
TEST(SlowScoreTest, FallingCountWithRisingLatencyBecomesSlow) {
  SlowScoreStat s;
  for (int tick = 0; tick < 5; ++tick) {
    for (int i = 0; i < 100; ++i) s.RecordLatency(1ms);
    s.Tick();
  }
  EXPECT_EQ(s.score(), kSlowScoreInit);
  int ticks = 0;
  while (!s.IsSlow() && ticks < 10) {
    for (int i = 0; i < 10; ++i) s.RecordLatency(50ms);
    s.Tick();
    ++ticks;
  }
  EXPECT_TRUE(s.IsSlow());
  EXPECT_LE(ticks, 3);
  ticks = 0;
  while (s.IsSlow() && ticks < 100) {
    for (int i = 0; i < 100; ++i) s.RecordLatency(1ms);
    s.Tick();
    ++ticks;
  }
  EXPECT_FALSE(s.IsSlow());
  EXPECT_GT(ticks, 1);
}

// A request of 30 s or more marks the store slow at once, without waiting for a tick.
TEST(SlowScoreTest, TimeoutLongRequestMarksSlowAtOnce) {
  SlowScoreStat s;
  s.RecordLatency(1ms);  // initialises
  s.RecordLatency(29s);
  EXPECT_FALSE(s.IsSlow());
  s.RecordLatency(30s);
  EXPECT_TRUE(s.IsSlow());
}

// Without traffic a marked score decays by 2 per tick: still slow at 80, healthy at 78.
TEST(SlowScoreTest, DecaysTwoPerIdleTick) {
  SlowScoreStat s;
  s.RecordLatency(1ms);
  s.Tick();
  s.MarkAlreadySlow();
  for (int i = 0; i < 10; ++i) s.Tick();
  EXPECT_EQ(s.score(), 80u);
  EXPECT_TRUE(s.IsSlow());
  s.Tick();
  EXPECT_EQ(s.score(), 78u);
  EXPECT_FALSE(s.IsSlow());
  EXPECT_TRUE(s.NeedsTick());
  for (int i = 0; i < 60; ++i) s.Tick();
  EXPECT_EQ(s.score(), kSlowScoreInit);
  EXPECT_FALSE(s.NeedsTick());
}

}  // namespace
}  // namespace tikv::locate
