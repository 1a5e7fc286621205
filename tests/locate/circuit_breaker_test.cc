// Tests of src/util/circuit_breaker.h: ports of tikv/pd
// client/pkg/circuitbreaker/circuit_breaker_test.go on a hand-driven clock.

#include "util/circuit_breaker.h"

#include <chrono>
#include <vector>

#include "gtest/gtest.h"

namespace tikv::util {
namespace {

using namespace std::chrono_literals;

class ManualClock : public Clock {
 public:
  MonoTime Now() override { return now_; }
  int64_t WallMillis() override { return now_.nanos() / 1'000'000; }
  void Advance(Duration d) { now_ = now_ + d; }

 private:
  MonoTime now_ = MonoTime::FromNanos(1'000'000'000);
};

CircuitBreakerSettings TestSettings() {
  return CircuitBreakerSettings{.error_rate_threshold_pct = 50,
                                .min_qps_for_open = 10,
                                .error_rate_window = 30s,
                                .cool_down_interval = 10s,
                                .half_open_success_count = 2};
}

constexpr int kMinCountToOpen = 10 * 30;

struct Harness {
  ManualClock clock;
  CircuitBreaker cb{"test_cb", clock, TestSettings()};

  // Moves past the end of the current state's interval (pd's advance()).
  void Advance(Duration d) { clock.Advance(d + 1ns); }
  void DriveQps(int count, bool overloaded) {
    for (int i = 0; i < count; ++i) {
      absl::Status s = cb.Execute([&] { return std::pair<bool, absl::Status>(overloaded, {}); });
      ASSERT_TRUE(s.ok()) << s;
    }
  }
  void AssertFastFail() {
    bool executed = false;
    absl::Status s = cb.Execute([&] {
      executed = true;
      return std::pair<bool, absl::Status>(false, {});
    });
    EXPECT_TRUE(IsCircuitBreakerOpen(s)) << s;
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
    EXPECT_FALSE(executed);
  }
  void AssertSucceeds() {
    absl::Status s = cb.Execute([] { return std::pair<bool, absl::Status>(false, {}); });
    EXPECT_TRUE(s.ok()) << s;
  }
  void MoveToHalfOpen() {
    DriveQps(kMinCountToOpen, true);
    Advance(TestSettings().error_rate_window);
    AssertFastFail();
    ASSERT_EQ(cb.state(), CircuitState::kOpen);
    Advance(TestSettings().cool_down_interval);
  }
};

// Ports pd client/pkg/circuitbreaker/circuit_breaker_test.go
// TestCircuitBreakerExecuteWrapperReturnValues.
TEST(CircuitBreakerTest, ExecuteReturnsTheCallsStatus) {
  Harness h;
  const absl::Status original = absl::InternalError("boom");
  EXPECT_EQ(h.cb.Execute([&] { return std::pair<bool, absl::Status>(false, original); }),
            original);
  EXPECT_EQ(h.cb.Execute([&] { return std::pair<bool, absl::Status>(true, original); }),
            original);
}

// Ports pd client/pkg/circuitbreaker/circuit_breaker_test.go TestCircuitBreakerOpenState.
TEST(CircuitBreakerTest, OpensAfterTheWindowWhenErrorRateIsBreached) {
  Harness h;
  h.DriveQps(kMinCountToOpen, true);
  EXPECT_EQ(h.cb.state(), CircuitState::kClosed);
  h.AssertSucceeds();  // no decision before the window ends
  h.Advance(30s);
  h.AssertFastFail();
  EXPECT_EQ(h.cb.state(), CircuitState::kOpen);
}

// Ports pd client/pkg/circuitbreaker/circuit_breaker_test.go
// TestCircuitBreakerCloseStateNotEnoughQPS.
TEST(CircuitBreakerTest, StaysClosedWithoutEnoughQps) {
  Harness h;
  h.DriveQps(kMinCountToOpen / 2, true);
  h.Advance(30s);
  h.AssertSucceeds();
  EXPECT_EQ(h.cb.state(), CircuitState::kClosed);
}

// Ports pd client/pkg/circuitbreaker/circuit_breaker_test.go
// TestCircuitBreakerCloseStateNotEnoughErrorRate.
TEST(CircuitBreakerTest, StaysClosedBelowTheErrorRate) {
  Harness h;
  h.DriveQps(kMinCountToOpen / 4, true);
  h.DriveQps(kMinCountToOpen, false);
  h.Advance(30s);
  h.AssertSucceeds();
  EXPECT_EQ(h.cb.state(), CircuitState::kClosed);
}

// Ports pd client/pkg/circuitbreaker/circuit_breaker_test.go TestCircuitBreakerHalfOpenToClosed.
TEST(CircuitBreakerTest, HalfOpenClosesAfterEnoughSuccesses) {
  Harness h;
  h.MoveToHalfOpen();
  h.AssertSucceeds();
  EXPECT_EQ(h.cb.state(), CircuitState::kHalfOpen);
  h.AssertSucceeds();
  EXPECT_EQ(h.cb.state(), CircuitState::kHalfOpen);
  h.AssertSucceeds();  // the transition happens on the next request
  EXPECT_EQ(h.cb.state(), CircuitState::kClosed);
}

// Ports pd client/pkg/circuitbreaker/circuit_breaker_test.go TestCircuitBreakerHalfOpenToOpen.
TEST(CircuitBreakerTest, HalfOpenReopensOnAFailedProbe) {
  Harness h;
  h.MoveToHalfOpen();
  h.AssertSucceeds();
  EXPECT_EQ(h.cb.state(), CircuitState::kHalfOpen);
  EXPECT_TRUE(h.cb.Execute([] { return std::pair<bool, absl::Status>(true, {}); }).ok());
  EXPECT_EQ(h.cb.state(), CircuitState::kHalfOpen);
  h.AssertFastFail();
  EXPECT_EQ(h.cb.state(), CircuitState::kOpen);
}

// Ports pd client/pkg/circuitbreaker/circuit_breaker_test.go
// TestCircuitBreakerHalfOpenFailOverPendingCount (pending probes are admitted tickets that have
// not reported yet).
TEST(CircuitBreakerTest, HalfOpenRejectsBeyondThePendingProbes) {
  Harness h;
  h.MoveToHalfOpen();
  std::vector<CircuitBreaker::Ticket> probes;
  for (uint32_t i = 0; i < TestSettings().half_open_success_count; ++i) {
    absl::StatusOr<CircuitBreaker::Ticket> t = h.cb.Admit();
    ASSERT_TRUE(t.ok()) << t.status();
    probes.push_back(*t);
  }
  h.AssertFastFail();
  EXPECT_EQ(h.cb.state(), CircuitState::kHalfOpen);
  for (const CircuitBreaker::Ticket& t : probes) h.cb.Report(t, false);
  h.AssertSucceeds();
  EXPECT_EQ(h.cb.state(), CircuitState::kClosed);
  EXPECT_EQ(h.cb.success_count(), 1u);  // counters were reset on the way to closed
}

// Ports pd client/pkg/circuitbreaker/circuit_breaker_test.go
// TestCircuitBreakerCountOnlyRequestsInSameWindow.
TEST(CircuitBreakerTest, CountsOnlyResultsOfTheSameWindow) {
  Harness h;
  absl::StatusOr<CircuitBreaker::Ticket> running = h.cb.Admit();
  ASSERT_TRUE(running.ok());
  EXPECT_EQ(h.cb.success_count(), 0u);
  h.Advance(30s);
  h.AssertSucceeds();
  EXPECT_EQ(h.cb.success_count(), 1u);
  h.cb.Report(*running, false);  // admitted by the previous window
  EXPECT_EQ(h.cb.success_count(), 1u);
}

// Ports pd client/pkg/circuitbreaker/circuit_breaker_test.go TestCircuitBreakerChangeSettings.
TEST(CircuitBreakerTest, ChangeSettingsEnablesTripping) {
  ManualClock clock;
  CircuitBreakerSettings always_closed{.error_rate_threshold_pct = 0,
                                       .min_qps_for_open = 10,
                                       .error_rate_window = 10s,
                                       .cool_down_interval = 10s,
                                       .half_open_success_count = 1};
  CircuitBreaker cb("test_cb", clock, always_closed);
  auto drive = [&](int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(cb.Execute([] { return std::pair<bool, absl::Status>(true, {}); }).ok());
    }
  };
  drive(100);
  clock.Advance(10s + 1ns);
  EXPECT_TRUE(cb.Execute([] { return std::pair<bool, absl::Status>(false, {}); }).ok());
  EXPECT_EQ(cb.state(), CircuitState::kClosed);

  cb.ChangeSettings([](CircuitBreakerSettings& s) { s.error_rate_threshold_pct = 50; });
  EXPECT_EQ(cb.settings().error_rate_threshold_pct, 50u);
  drive(100);
  clock.Advance(10s + 1ns);
  absl::Status s = cb.Execute([] { return std::pair<bool, absl::Status>(false, {}); });
  EXPECT_TRUE(IsCircuitBreakerOpen(s)) << s;
  EXPECT_EQ(cb.state(), CircuitState::kOpen);
  // Disabling again closes an open breaker on the next request.
  cb.ChangeSettings([](CircuitBreakerSettings& s) { s.error_rate_threshold_pct = 0; });
  EXPECT_TRUE(cb.Execute([] { return std::pair<bool, absl::Status>(false, {}); }).ok());
  EXPECT_EQ(cb.state(), CircuitState::kClosed);
}

// Ports pd client/pkg/circuitbreaker/circuit_breaker_test.go TestCircuitBreakerEnabled.
TEST(CircuitBreakerTest, EnabledFollowsTheThreshold) {
  ManualClock clock;
  CircuitBreaker cb("test_cb", clock);
  EXPECT_FALSE(cb.IsEnabled());
  cb.ChangeSettings([](CircuitBreakerSettings& s) { s.error_rate_threshold_pct = 50; });
  EXPECT_TRUE(cb.IsEnabled());
}

}  // namespace
}  // namespace tikv::util
