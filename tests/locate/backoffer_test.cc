// Tests of src/locate/backoffer.cc, including the ports of client-go
// config/retry/backoff_test.go.  Every sleep runs on the SimEnv's virtual clock.

#include "locate/backoffer.h"

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"
#include "tikv/status.h"

#include "errorpb.pb.h"
#include "util/absl_view.h"
#include "sim/env/sim_env.h"
#include "tests/locate/sim_fiber.h"

namespace tikv::locate {

class BackofferTestPeer {
 public:
  static const std::vector<BackoffPolicy>& configs(const Backoffer& b) { return b.configs_; }
  static const Backoffer* parent(const Backoffer& b) { return b.parent_; }
};

namespace {

using ::tikv::util::AbslView;
using ::tikv::testing::RunOnFiber;

absl::Status Err(std::string_view text) { return absl::UnavailableError(AbslView(text)); }

// The observable state client-go's assertCloneOrForkEqual compares.
void ExpectSameHistory(const Backoffer& a, const Backoffer& b) {
  EXPECT_EQ(a.LatestErrors(), b.LatestErrors());
  EXPECT_EQ(a.errors_num(), b.errors_num());
  EXPECT_EQ(a.total_sleep_ms(), b.total_sleep_ms());
  EXPECT_EQ(a.excluded_sleep_ms(), b.excluded_sleep_ms());
  const BackoffSummary sa = a.Summary();
  const BackoffSummary sb = b.Summary();
  ASSERT_EQ(sa.kinds.size(), sb.kinds.size());
  for (size_t i = 0; i < sa.kinds.size(); ++i) {
    EXPECT_EQ(sa.kinds[i].kind, sb.kinds[i].kind);
    EXPECT_EQ(sa.kinds[i].attempts, sb.kinds[i].attempts);
    EXPECT_EQ(sa.kinds[i].slept_ms, sb.kinds[i].slept_ms);
  }
}

// Ports client-go config/retry/backoff_test.go TestBackoffWithMax.
TEST(BackofferTest, BackoffWithMaxLimitsOneSleep) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    Backoffer b(env, 2000);
    const MonoTime start = env.clock().Now();
    EXPECT_TRUE(b.BackoffWithMaxSleepTxnLockFast(5, Err("test")).ok());
    EXPECT_EQ(b.total_sleep_ms(), 5);
    EXPECT_EQ(env.clock().Now() - start, std::chrono::milliseconds(5));
  });
}

// Ports client-go config/retry/backoff_test.go TestBackoffErrorType.
TEST(BackofferTest, ExhaustionReportsTheKindThatSleptLongest) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    Backoffer b(env, 800);  // 1600 ms after the default weight of 2
    ASSERT_TRUE(b.Backoff(BackoffKind::kRegionMiss, Err("region miss")).ok());
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(b.Backoff(BackoffKind::kRegionNotInitialized, Err("not initialized")).ok());
    }
    ASSERT_TRUE(b.Backoff(BackoffKind::kRegionRecoveryInProgress, Err("recovery")).ok());
    // ServerIsBusy sleeps are not counted against the budget.
    ASSERT_TRUE(b.Backoff(BackoffKind::kTikvServerBusy, Err("server is busy")).ok());
    ASSERT_TRUE(b.Backoff(BackoffKind::kIsWitness, Err("peer is witness")).ok());
    for (int i = 0; i < 15; ++i) {
      absl::Status s = b.Backoff(BackoffKind::kTxnNotFound, Err("txn not found"));
      if (!s.ok()) {
        const std::string longest(b.LongestSleepKind());
        EXPECT_NE(longest, "tikvServerBusy");
        EXPECT_EQ(TerminalBackoffKindName(s), longest);
        BackoffKind kind;
        ASSERT_TRUE(BackoffKindFromName(longest, &kind));
        EXPECT_TRUE(absl::StartsWith(s.message(), AbslView(PolicyFor(kind).terminal_error))) << s;
        EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
        EXPECT_TRUE(IsBackoffExhausted(s));
        std::optional<BackoffSummary> summary = GetBackoffSummary(s);
        ASSERT_TRUE(summary.has_value());
        EXPECT_EQ(summary->budget_ms, 1600);
        EXPECT_EQ(summary->kinds.front().kind, "regionMiss");
        return;
      }
    }
    ADD_FAILURE() << "the budget was never exhausted";
  });
}

// Ports client-go config/retry/backoff_test.go TestBackoffDeepCopy.
TEST(BackofferTest, CloneAndForkCopyHistoryDeeply) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    Backoffer b(env, 4);  // 8 ms after weighting; 2+4+8 ms exhausts it
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(b.Backoff(BackoffKind::kRegionNotInitialized, Err("not initialized")).ok());
    }
    Backoffer forked = b.Fork();
    ExpectSameHistory(b, forked);
    Backoffer cloned = b.Clone();
    ExpectSameHistory(b, cloned);
    for (Backoffer* x : {&forked, &cloned}) {
      absl::Status s = x->Backoff(BackoffKind::kTikvRpc, Err("tikv rpc"));
      EXPECT_EQ(TerminalBackoffKindName(s), "regionNotInitialized") << s;
      EXPECT_TRUE(absl::StartsWith(s.message(), "region not Initialized")) << s;
    }
    // The copies did not share state with the original.
    EXPECT_EQ(b.errors_num(), 3);
  });
}

// Ports client-go config/retry/backoff_test.go TestBackoffUpdateUsingFork.
TEST(BackofferTest, UpdateUsingForkedTakesTheForksHistory) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    Backoffer b(env, 4);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(b.Backoff(BackoffKind::kRegionNotInitialized, Err("not initialized")).ok());
    }
    Backoffer forked = b.Fork();
    (void)forked.Backoff(BackoffKind::kTikvRpc, Err("tikv rpc"));
    Backoffer fork_clone = forked.Clone();
    b.UpdateUsingForked(forked);
    ExpectSameHistory(b, fork_clone);
    EXPECT_EQ(BackofferTestPeer::parent(b), nullptr);
    // A Backoffer that does not descend from b changes nothing.
    Backoffer stranger(env, 4);
    const int before = b.errors_num();
    b.UpdateUsingForked(stranger);
    EXPECT_EQ(b.errors_num(), before);
  });
}

// Ports client-go config/retry/backoff_test.go TestBackoffWithMaxExcludedExceed.
TEST(BackofferTest, ExcludedSleepHasItsOwnCap) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    BackoffPolicy busy = PolicyFor(BackoffKind::kTikvServerBusy);
    busy.excluded_cap_ms = 1;
    Backoffer b(env, 1);
    ASSERT_TRUE(b.Backoff(busy, Err("server is busy")).ok());
    absl::Status s = b.Backoff(busy, Err("server is busy"));
    EXPECT_FALSE(s.ok());
    EXPECT_GT(b.excluded_sleep_ms(), b.max_sleep_ms());
  });
}

// Ports client-go config/retry/backoff_test.go TestMayBackoffForRegionError.
TEST(BackofferTest, MayBackoffForRegionErrorSkipsOnlyRealEpochNotMatch) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    errorpb::Error real;
    real.mutable_epoch_not_match()->add_current_regions()->set_id(1);
    Backoffer b(env, 1);
    EXPECT_TRUE(MayBackoffForRegionError(real, b).ok());
    EXPECT_EQ(b.total_sleep_ms(), 0);

    std::vector<errorpb::Error> retry(4);
    retry[0].mutable_epoch_not_match();  // the fake one
    retry[1].mutable_not_leader();
    retry[2].mutable_server_is_busy();
    retry[3].mutable_max_timestamp_not_synced();
    for (const errorpb::Error& e : retry) {
      CancelToken token;
      Backoffer ok_bo(env, 1, token);
      EXPECT_TRUE(MayBackoffForRegionError(e, ok_bo).ok()) << e.ShortDebugString();
      EXPECT_GT(ok_bo.total_sleep_ms(), 0) << e.ShortDebugString();

      token.Cancel();
      Backoffer cancelled(env, 1, token);
      absl::Status s = MayBackoffForRegionError(e, cancelled);
      EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
      EXPECT_EQ(s.message(), e.ShortDebugString());
    }
  });
}

// Ports client-go config/retry/backoff_test.go TestBackoffErrorsKeep.
TEST(BackofferTest, KeepsTheLastThreeErrorsWithTimes) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    Backoffer b(env, 1000000);
    EXPECT_EQ(b.errors_num(), 0);
    EXPECT_TRUE(b.LatestErrors().empty());
    const BackoffPolicy foo{"foo", 1, 2, Jitter::kEqual, "tikv server timeout"};
    std::vector<std::string> errs;
    std::vector<int64_t> times;
    for (int i = 0; i < 32; ++i) {
      const int cnt = i + 1;
      errs.push_back(absl::StrCat("mockErr-", i));
      times.push_back(env.clock().WallMillis());
      ASSERT_TRUE(b.Backoff(foo, Err(errs.back())).ok());
      EXPECT_EQ(b.errors_num(), cnt);
      const std::vector<BackoffError> latest = b.LatestErrors();
      ASSERT_EQ(latest.size(), static_cast<size_t>(std::min(cnt, kMaxRecordBackoffErrors)));
      const int first = std::max(0, cnt - kMaxRecordBackoffErrors);
      for (size_t j = 0; j < latest.size(); ++j) {
        EXPECT_EQ(latest[j].reason, errs[first + j]);
        // Virtual time makes the recorded times exact rather than "within 5 s".
        EXPECT_EQ(latest[j].wall_millis, times[first + j]);
        if (j > 0) {
          EXPECT_LE(latest[j - 1].wall_millis, latest[j].wall_millis);
        }
      }
    }
  });
}

// Ports client-go config/retry/backoff_test.go TestBackoffError.
// Divergence: times print in UTC with millisecond precision instead of the local zone.
TEST(BackofferTest, ErrorStringFormat) {
  BackoffError e{"mockErr", (3600 * 4 + 1234) * int64_t{1000}};
  EXPECT_EQ(e.ToString(), "mockErr at 1970-01-01T04:20:34.000Z");
}

TEST(BackofferTest, EachKindHasItsOwnAttemptCounter) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    Backoffer b(env, 0);  // unlimited
    for (int64_t want : {2, 4, 8, 16}) {
      const int64_t before = b.total_sleep_ms();
      ASSERT_TRUE(b.Backoff(BackoffKind::kRegionMiss, Err("miss")).ok());
      EXPECT_EQ(b.total_sleep_ms() - before, want);
    }
    // A different kind starts at its own base.
    const int64_t before = b.total_sleep_ms();
    ASSERT_TRUE(b.Backoff(BackoffKind::kTikvDiskFull, Err("disk full")).ok());
    EXPECT_EQ(b.total_sleep_ms() - before, 500);
    EXPECT_EQ(b.BackoffTimes("regionMiss"), 4);
    EXPECT_EQ(b.BackoffSleepMs("regionMiss"), 30);
    EXPECT_EQ(b.TotalBackoffTimes(), 5);
    // Reset forgets attempts and totals, keeps counts.
    b.Reset();
    EXPECT_EQ(b.total_sleep_ms(), 0);
    ASSERT_TRUE(b.Backoff(BackoffKind::kRegionMiss, Err("miss")).ok());
    EXPECT_EQ(b.total_sleep_ms(), 2);
    EXPECT_EQ(b.BackoffTimes("regionMiss"), 5);
  });
}

TEST(BackofferTest, CapStopsExponentialGrowth) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    Backoffer b(env, 0);
    int64_t last = 0;
    for (int i = 0; i < 12; ++i) {
      const int64_t before = b.total_sleep_ms();
      ASSERT_TRUE(b.Backoff(BackoffKind::kRegionMiss, Err("miss")).ok());
      last = b.total_sleep_ms() - before;
    }
    EXPECT_EQ(last, 500);
  });
}

TEST(BackofferTest, NoopFailsOnFirstUseWithTheGivenError) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    Backoffer b = Backoffer::Noop(env);
    absl::Status s = b.Backoff(BackoffKind::kRegionMiss, absl::AbortedError("boom"));
    EXPECT_EQ(s, absl::AbortedError("boom"));
    EXPECT_EQ(b.total_sleep_ms(), 0);
  });
}

TEST(BackofferTest, CancellationDuringSleepStopsAtOnce) {
  sim::SimEnv env;
  CancelToken token;
  MonoTime woke;
  RunOnFiber(env, [&] {
    env.executor().Spawn(SpawnOptions{}, [&] {
      env.executor().SleepFor(env.clock(), std::chrono::milliseconds(100));
      token.Cancel();
    });
    Backoffer b(env, 0, token);
    const MonoTime start = env.clock().Now();
    absl::Status s = b.Backoff(BackoffKind::kTikvDiskFull, Err("disk full"));  // 500 ms
    woke = env.clock().Now();
    EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(woke - start, std::chrono::milliseconds(100));
  });
}

TEST(BackofferTest, TokenDeadlineEndsTheSleepWithDeadlineExceeded) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    CancelToken token = CancelToken::WithDeadline(env.clock().Now() + std::chrono::milliseconds(50));
    Backoffer b(env, 0, token);
    absl::Status s = b.Backoff(BackoffKind::kTikvDiskFull, Err("disk full"));
    EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  });
}

TEST(BackofferTest, KilledFlagStopsAfterTheSleep) {
  sim::SimEnv env;
  std::atomic<uint32_t> killed{0};
  RunOnFiber(env, [&] {
    Backoffer b(env, 0, CancelToken(), BackoffOptions{.killed = &killed});
    EXPECT_TRUE(b.Backoff(BackoffKind::kRegionMiss, Err("miss")).ok());
    killed.store(1);
    absl::Status s = b.Backoff(BackoffKind::kRegionMiss, Err("miss"));
    EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  });
}

TEST(BackofferTest, MismatchClusterIdIsFatal) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    Backoffer b(env, 0);
    absl::Status s = b.Backoff(BackoffKind::kPdRpc, Err("mismatch cluster id, need 1 but got 2"));
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(b.total_sleep_ms(), 0);
  });
}

TEST(BackofferTest, GetTypesIncludesAncestors) {
  sim::SimEnv env;
  RunOnFiber(env, [&] {
    Backoffer b(env, 0);
    ASSERT_TRUE(b.Backoff(BackoffKind::kRegionMiss, Err("miss")).ok());
    Backoffer fork = b.Fork();
    ASSERT_TRUE(fork.Backoff(BackoffKind::kTikvRpc, Err("rpc")).ok());
    // The fork's own configs start with the copied history, then its parent's follow.
    EXPECT_EQ(fork.GetTypes(), (std::vector<std::string>{"regionMiss", "tikvRPC", "regionMiss"}));
    EXPECT_EQ(b.ToString(), " backoff(2ms [regionMiss])");
    // Cancelling the fork leaves the parent alone.
    fork.cancel_token().Cancel();
    EXPECT_FALSE(b.cancel_token().IsCancelled());
  });
}

TEST(BackofferTest, SameSeedSameSleeps) {
  auto run = [](uint64_t seed) {
    sim::SimEnv env(sim::SimOptions{.seed = seed});
    std::vector<int64_t> sleeps;
    RunOnFiber(env, [&] {
      Backoffer b(env, 0);
      for (int i = 0; i < 8; ++i) {
        const int64_t before = b.total_sleep_ms();
        ASSERT_TRUE(b.Backoff(BackoffKind::kTikvRpc, Err("rpc")).ok());
        sleeps.push_back(b.total_sleep_ms() - before);
      }
    });
    return sleeps;
  };
  EXPECT_EQ(run(7), run(7));
}

// Every jitter stays within its documented bounds, and the budget accounting holds: the
// Backoffer never reports exhaustion before the counted sleep reaches the budget, and the
// counted sleep never exceeds budget + one cap.
RC_GTEST_PROP(BackofferProperty, JitterBoundsAndBudget, (uint64_t seed, uint8_t jitter_raw)) {
  const Jitter jitter = static_cast<Jitter>(jitter_raw % 4);
  const int64_t base = *rc::gen::inRange<int64_t>(1, 200);
  const int64_t cap = base + *rc::gen::inRange<int64_t>(0, 2000);
  const int64_t budget = *rc::gen::inRange<int64_t>(1, 5000);
  sim::SimEnv env(sim::SimOptions{.seed = seed});
  bool ok = true;
  std::string why;
  env.executor().Spawn(SpawnOptions{}, [&] {
    const BackoffPolicy p{"prop", base, cap, jitter, "prop error"};
    Backoffer b(env, budget, CancelToken(), BackoffOptions{.vars = {.backoff_weight = 1}});
    const int64_t eff_base = std::max<int64_t>(base, 2);
    for (int i = 0; i < 200; ++i) {
      const int64_t before = b.total_sleep_ms();
      absl::Status s = b.Backoff(p, Err("e"));
      if (!s.ok()) {
        if (before < budget) { ok = false; why = "exhausted early"; }
        return;
      }
      const int64_t slept = b.total_sleep_ms() - before;
      const int64_t top = std::max(cap, eff_base);
      if (slept < 0 || slept > top) { ok = false; why = absl::StrCat("sleep ", slept); return; }
      if (jitter == Jitter::kNone && slept < std::min(eff_base, cap)) {
        ok = false;
        why = "no-jitter sleep below base";
        return;
      }
      if (b.total_sleep_ms() > budget + top) { ok = false; why = "overshoot"; return; }
    }
  });
  RC_ASSERT(env.Run().ok());
  RC_ASSERT(ok);
  (void)why;
}

}  // namespace
}  // namespace tikv::locate
