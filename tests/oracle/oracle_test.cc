// Tests of src/oracle: ports of client-go oracle/oracles/local_test.go and pd_test.go, run on
// the SimEnv's virtual clock, so the Go tests' timing tolerances become exact assertions.

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

#include "env/event.h"
#include "env/wait_group.h"
#include "oracle/local_oracle.h"
#include "oracle/pd_oracle.h"
#include "oracle/timestamp.h"
#include "oracle/tso_source.h"
#include "sim/env/sim_env.h"
#include "tests/locate/sim_fiber.h"

namespace tikv::oracle {

class PdOracleTestPeer {
 public:
  static void SetLastTs(PdOracle& o, uint64_t ts) { o.SetLastTs(ts); }
  static Duration adaptive_interval(PdOracle& o) {
    absl::MutexLock lock(&o.mu_);
    return o.adaptive_interval_;
  }
  static Duration NextUpdateInterval(PdOracle& o, MonoTime now, Duration staleness) {
    return o.NextUpdateInterval(now, staleness);
  }
  static void set_before_validation_return(PdOracle& o, std::function<void()> hook) {
    o.before_validation_return_ = std::move(hook);
  }
  static std::optional<Duration> pending_shrink(PdOracle& o) {
    absl::MutexLock lock(&o.mu_);
    return o.pending_shrink_;
  }
};

namespace {

using std::chrono::milliseconds;
using ::tikv::testing::RunOnFiber;

// client-go pd_test.go MockPdClient: physical 0, logical increasing by one per call.
class CountingTso : public TsoSource {
 public:
  absl::StatusOr<uint64_t> GetTs(const CancelToken*) override { return ComposeTs(0, ++logical_); }
  TsFuture GetTsAsync() override {
    env::Promise<absl::StatusOr<uint64_t>> p;
    p.Set(GetTs(nullptr));
    return p.GetFuture();
  }
  absl::StatusOr<uint64_t> GetMinTs(const CancelToken*) override { return ComposeTs(0, logical_); }
  void Advance(int64_t n) { logical_ += n; }
  int64_t logical() const { return logical_; }

 private:
  int64_t logical_ = 0;
};

PdOracleOptions NoUpdate() {
  PdOracleOptions o;
  o.no_update_ts = true;
  return o;
}

// Ports client-go oracle/oracles/local_test.go TestLocalOracle.
TEST(LocalOracleTest, TimestampsAreUnique) {
  sim::SimEnv env;
  LocalOracle o(env);
  std::set<uint64_t> seen;
  for (int i = 0; i < 100000; ++i) seen.insert(*o.GetTimestamp(nullptr));
  EXPECT_EQ(seen.size(), 100000u);
}

// Ports client-go oracle/oracles/local_test.go TestIsExpired.
TEST(LocalOracleTest, IsExpired) {
  sim::SimEnv env;
  LocalOracle o(env);
  const int64_t start = env.clock().WallMillis();
  o.SetCurrentTimeForTest(start);
  const uint64_t ts = *o.GetTimestamp(nullptr);
  o.SetCurrentTimeForTest(start + 10);
  EXPECT_TRUE(o.IsExpired(ts, 5));
  EXPECT_FALSE(o.IsExpired(ts, 200));
}

// Ports client-go oracle/oracles/local_test.go TestLocalOracle_UntilExpired.
TEST(LocalOracleTest, UntilExpired) {
  sim::SimEnv env;
  LocalOracle o(env);
  const int64_t start = env.clock().WallMillis();
  o.SetCurrentTimeForTest(start);
  const uint64_t ts = *o.GetTimestamp(nullptr);
  o.SetCurrentTimeForTest(start + 10);
  EXPECT_EQ(o.UntilExpired(ts, 6), -4);
  EXPECT_EQ(o.UntilExpired(ts, 14), 4);
}

TEST(TimestampTest, LayoutRoundTrips) {
  const uint64_t ts = ComposeTs(1700000000123, 42);
  EXPECT_EQ(ExtractPhysical(ts), 1700000000123);
  EXPECT_EQ(ExtractLogical(ts), 42);
  EXPECT_EQ(UnixMillisToTs(5), uint64_t{5} << 18);
  EXPECT_EQ(LowerLimitStartTs(1000, 400), UnixMillisToTs(600));
}

// Ports client-go oracle/oracles/pd_test.go TestPDOracle_UntilExpired.
TEST(PdOracleTest, UntilExpired) {
  sim::SimEnv env;
  CountingTso tso;
  PdOracle o(env, tso, NoUpdate());
  const int64_t start = env.clock().WallMillis();
  PdOracleTestPeer::SetLastTs(o, UnixMillisToTs(start));
  const uint64_t lock_ts = UnixMillisToTs(start + 10) + 1;
  EXPECT_EQ(o.UntilExpired(lock_ts, 15), 25);
  EXPECT_FALSE(o.IsExpired(lock_ts, 15));
  EXPECT_TRUE(o.IsExpired(UnixMillisToTs(start - 20), 15));
}

// Ports client-go oracle/oracles/pd_test.go TestPdOracle_GetStaleTimestamp.
TEST(PdOracleTest, GetStaleTimestamp) {
  sim::SimEnv env;
  CountingTso tso;
  RunOnFiber(env, [&] {
    PdOracle o(env, tso, NoUpdate());
    const int64_t start = env.clock().WallMillis();
    PdOracleTestPeer::SetLastTs(o, UnixMillisToTs(start));
    env.executor().SleepFor(env.clock(), milliseconds(700));
    absl::StatusOr<uint64_t> ts = o.GetStaleTimestamp(10, nullptr);
    ASSERT_TRUE(ts.ok()) << ts.status();
    // Exact on virtual time: the last ts plus the 700 ms since it arrived, minus 10 s.
    EXPECT_EQ(ExtractPhysical(*ts), start + 700 - 10000);
    for (uint64_t bad : {uint64_t{1'000'000'000'000}, std::numeric_limits<uint64_t>::max()}) {
      absl::StatusOr<uint64_t> r = o.GetStaleTimestamp(bad, nullptr);
      ASSERT_FALSE(r.ok());
      EXPECT_TRUE(absl::StrContains(r.status().message(), "invalid prevSecond"));
    }
  });
}

TEST(PdOracleTest, StaleTimestampWithNothingCachedFetchesAndFails) {
  sim::SimEnv env;
  CountingTso tso;
  RunOnFiber(env, [&] {
    PdOracle o(env, tso, NoUpdate());
    EXPECT_FALSE(o.GetStaleTimestamp(1, nullptr).ok());
    EXPECT_EQ(tso.logical(), 1);
    EXPECT_TRUE(o.GetLowResolutionTimestamp().ok());
  });
}

// Ports client-go oracle/oracles/pd_test.go TestPdOracle_SetLowResolutionTimestampUpdateInterval.
TEST(PdOracleTest, LowResolutionTimestampFollowsTheUpdateInterval) {
  sim::SimEnv env;
  CountingTso tso;
  RunOnFiber(env, [&] {
    PdOracle o(env, tso, NoUpdate());
    ASSERT_TRUE(o.SetLowResolutionTimestampUpdateInterval(milliseconds(50)).ok());
    ASSERT_TRUE(o.GetTimestamp(nullptr).ok());
    const uint64_t low = *o.GetLowResolutionTimestamp();
    EXPECT_GT(*o.GetTimestamp(nullptr), low);
    EXPECT_FALSE(o.SetLowResolutionTimestampUpdateInterval(Duration::zero()).ok());

    // Waits (polling every ms of virtual time) until the low-resolution ts changes; returns
    // when it did.
    auto wait_change = [&] {
      const uint64_t before = *o.GetLowResolutionTimestamp();
      for (int i = 0; i < 10000; ++i) {
        env.executor().SleepFor(env.clock(), milliseconds(1));
        if (*o.GetLowResolutionTimestamp() > before) return env.clock().Now();
      }
      ADD_FAILURE() << "low-resolution ts never changed";
      return env.clock().Now();
    };
    o.StartUpdateLoop();
    for (int ms : {50, 150, 500}) {
      ASSERT_TRUE(o.SetLowResolutionTimestampUpdateInterval(milliseconds(ms)).ok());
      const MonoTime first = wait_change();   // the tick that adopts the new interval
      const MonoTime second = wait_change();
      EXPECT_EQ(second - first, milliseconds(ms));
    }
    o.Close();
  });
}

// Ports client-go oracle/oracles/pd_test.go TestNonFutureStaleTSO.
TEST(PdOracleTest, StaleTimestampIsNeverInTheFuture) {
  sim::SimEnv env;
  CountingTso tso;
  RunOnFiber(env, [&] {
    PdOracle o(env, tso, NoUpdate());
    for (int i = 0; i < 100; ++i) {
      env.executor().SleepFor(env.clock(), milliseconds(10));
      const int64_t now = env.clock().WallMillis();
      PdOracleTestPeer::SetLastTs(o, UnixMillisToTs(now));
      for (int j = 0; j < 3; ++j) {
        const uint64_t ts = *o.GetStaleTimestamp(0, nullptr);
        EXPECT_LE(ExtractPhysical(ts), env.clock().WallMillis());
        env.executor().SleepFor(env.clock(), std::chrono::microseconds(300));
      }
    }
  });
}

// Ports client-go oracle/oracles/pd_test.go TestAdaptiveUpdateTSInterval (the state machine,
// driven directly rather than through wall-clock sleeps).
TEST(PdOracleTest, AdaptiveUpdateInterval) {
  sim::SimEnv env;
  CountingTso tso;
  PdOracleOptions opts = NoUpdate();
  opts.update_interval = std::chrono::seconds(2);
  PdOracle o(env, tso, opts);
  MonoTime now = env.clock().Now();
  EXPECT_EQ(PdOracleTestPeer::NextUpdateInterval(o, now, Duration::zero()), std::chrono::seconds(2));
  // A stale read needing 1 s of staleness shrinks the interval to 900 ms.
  EXPECT_EQ(PdOracleTestPeer::NextUpdateInterval(o, now, std::chrono::seconds(1)), milliseconds(900));
  // Never below 500 ms.
  EXPECT_EQ(PdOracleTestPeer::NextUpdateInterval(o, now, milliseconds(300)), milliseconds(500));
  // No short-staleness read was recorded, so a tick recovers by 20 ms per second since the
  // last tick (one minute: +1200 ms).
  now = now + std::chrono::minutes(1);
  EXPECT_EQ(PdOracleTestPeer::NextUpdateInterval(o, now, Duration::zero()), milliseconds(1700));
  now = now + std::chrono::seconds(10);
  const Duration rec = PdOracleTestPeer::NextUpdateInterval(o, now, Duration::zero());
  EXPECT_GT(rec, milliseconds(500));
  EXPECT_LE(rec, std::chrono::seconds(2));
  // A configured interval at or below 500 ms is never adjusted.
  ASSERT_TRUE(o.SetLowResolutionTimestampUpdateInterval(milliseconds(400)).ok());
  EXPECT_EQ(PdOracleTestPeer::NextUpdateInterval(o, now, milliseconds(100)), milliseconds(400));
}

// Ports client-go oracle/oracles/pd_test.go TestValidateReadTS.
TEST(PdOracleTest, ValidateReadTs) {
  sim::SimEnv env;
  CountingTso tso;
  RunOnFiber(env, [&] {
    for (bool stale : {true, false}) {
      absl::StatusOr<std::unique_ptr<PdOracle>> made = PdOracle::Create(env, tso, PdOracleOptions{});
      ASSERT_TRUE(made.ok());
      PdOracle& o = **made;
      const uint64_t max = std::numeric_limits<uint64_t>::max();
      EXPECT_EQ(o.ValidateReadTs(max, stale, nullptr).ok(), !stale);
      EXPECT_FALSE(o.ValidateReadTs(max - 1, stale, nullptr).ok());
      uint64_t ts = *o.GetTimestamp(nullptr);
      EXPECT_TRUE(o.ValidateReadTs(1, stale, nullptr).ok());
      ts = *o.GetTimestamp(nullptr);
      // Above the cached ts: a fresh TSO fetch gives ts+1, which admits it.
      EXPECT_TRUE(o.ValidateReadTs(ts + 1, stale, nullptr).ok());
      // ts+2 passes thanks to the one retry.
      ts = *o.GetTimestamp(nullptr);
      EXPECT_TRUE(o.ValidateReadTs(ts + 2, stale, nullptr).ok());
      // ts+3 needs two retries: rejected as a future read.
      ts = *o.GetTimestamp(nullptr);
      absl::Status s = o.ValidateReadTs(ts + 3, stale, nullptr);
      EXPECT_TRUE(IsFutureTsRead(s)) << s;
      // Another client moved the TSO on: the same distance is now fine.
      ts = *o.GetTimestamp(nullptr);
      tso.Advance(2);
      EXPECT_TRUE(o.ValidateReadTs(ts + 3, stale, nullptr).ok());
      o.Close();
    }
  });
}

// Ports client-go oracle/oracles/pd_test.go TestValidateReadTSForNormalReadDoNotAffectUpdateInterval.
TEST(PdOracleTest, NormalReadValidationDoesNotShrinkTheInterval) {
  sim::SimEnv env;
  CountingTso tso;
  RunOnFiber(env, [&] {
    PdOracle o(env, tso, NoUpdate());
    ASSERT_TRUE(o.GetTimestamp(nullptr).ok());
    const uint64_t ts = *o.GetTimestamp(nullptr);
    EXPECT_TRUE(o.ValidateReadTs(ts, false, nullptr).ok());
    EXPECT_TRUE(o.ValidateReadTs(ts + 1, false, nullptr).ok());
    EXPECT_FALSE(PdOracleTestPeer::pending_shrink(o).has_value());
    EXPECT_EQ(PdOracleTestPeer::adaptive_interval(o), std::chrono::seconds(2));
    // A stale read asking for (near) zero staleness does request a shrink.
    const uint64_t wall_ts = UnixMillisToTs(env.clock().WallMillis());
    PdOracleTestPeer::SetLastTs(o, wall_ts);
    EXPECT_TRUE(o.ValidateReadTs(wall_ts, true, nullptr).ok());
    EXPECT_TRUE(PdOracleTestPeer::pending_shrink(o).has_value());
  });
}

// Ports client-go oracle/oracles/pd_test.go TestSetLastTSAlwaysPushTS.
TEST(PdOracleTest, LastTsOnlyMovesForward) {
  sim::SimEnv env;
  CountingTso tso;
  RunOnFiber(env, [&] {
    PdOracle o(env, tso, NoUpdate());
    env::WaitGroup wg;
    for (int i = 0; i < 100; ++i) {
      wg.Add(1);
      env.executor().Spawn(SpawnOptions{}, [&] {
        for (int j = 0; j < 20; ++j) {
          const uint64_t ts = *o.GetTimestamp(nullptr);
          EXPECT_GE(*o.GetLowResolutionTimestamp(), ts);
          env.executor().Yield();
        }
        wg.Done();
      });
    }
    wg.Wait();
  });
}

// Ports client-go oracle/oracles/pd_test.go TestValidateReadTSFromDifferentSource and
// TestValidateReadTSForStaleReadReusingGetTSResult: concurrent validations share one fetch, and
// a result older than a waiter's read ts leads to a retry, not a false "future ts" error.
TEST(PdOracleTest, ConcurrentValidationsShareOneFetch) {
  sim::SimEnv env;
  CountingTso tso;
  RunOnFiber(env, [&] {
    PdOracle o(env, tso, NoUpdate());
    const uint64_t ts = *o.GetTimestamp(nullptr);
    EXPECT_EQ(*o.GetLowResolutionTimestamp(), ts);
    env::Event release;
    int fetches = 0;
    PdOracleTestPeer::set_before_validation_return(o, [&] {
      ++fetches;
      if (fetches == 1) release.Wait();
    });
    absl::Status first = absl::UnknownError("unset");
    absl::Status second = absl::UnknownError("unset");
    env::WaitGroup wg;
    wg.Add(2);
    env.executor().Spawn(SpawnOptions{}, [&] {
      first = o.ValidateReadTs(ts + 1, false, nullptr);
      wg.Done();
    });
    env.executor().SleepFor(env.clock(), milliseconds(50));
    EXPECT_EQ(first.code(), absl::StatusCode::kUnknown);  // still blocked
    tso.Advance(10);
    const uint64_t next = ComposeTs(0, tso.logical() + 1);
    EXPECT_EQ(*o.GetLowResolutionTimestamp(), ts + 1);
    env.executor().Spawn(SpawnOptions{}, [&] {
      second = o.ValidateReadTs(next, false, nullptr);
      wg.Done();
    });
    env.executor().SleepFor(env.clock(), milliseconds(50));
    release.Set();
    wg.Wait();
    EXPECT_TRUE(first.ok()) << first;
    EXPECT_TRUE(second.ok()) << second;
  });
}

}  // namespace
}  // namespace tikv::oracle
