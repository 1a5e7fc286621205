// SimEnv: virtual time, deterministic scheduling and tie-breaks, deadlock and livelock
// reports, seeded random streams, BUGGIFY, and the trace hash (same seed -> same hash, also in
// another process; different seeds -> different schedules).

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "env/channel.h"
#include "env/event.h"
#include "env/fiber_group.h"
#include "sim/env/sim_env.h"

namespace tikv::sim {
namespace {

using namespace std::chrono_literals;

// A small workload whose interleaving depends on the schedule: fibers append their id to a
// shared log around yields, sleeps and channel hops.
struct Workload {
  std::vector<int> order;
  uint64_t hash = 0;
  bool random_schedule = false;
};

Workload RunWorkload(uint64_t seed, SchedulePolicy policy = SchedulePolicy::kFromSeed) {
  SimEnv env(SimOptions{.seed = seed, .policy = policy});
  Workload w;
  env::Channel<int> ch(4);
  env::FiberGroup g(env.executor());
  env.executor().Spawn({.name = "main"}, [&] {
    for (int i = 0; i < 20; ++i) {
      g.Spawn({.name = "worker"}, [&, i, delay = i % 3] {
        w.order.push_back(i);
        env.executor().Yield();
        env.executor().SleepFor(env.clock(), std::chrono::milliseconds(delay));
        w.order.push_back(100 + i);
        ASSERT_TRUE(ch.Send(i).ok());
      });
    }
    for (int i = 0; i < 20; ++i) w.order.push_back(200 + *ch.Receive());
    g.Wait();
  });
  EXPECT_TRUE(env.Run().ok());
  w.hash = env.TraceHashValue();
  w.random_schedule = env.random_schedule();
  return w;
}

TEST(SimEnv, SameSeedSameRunInOneProcess) {
  // A, B, A: state leaking between runs in one process would change A's second run.
  Workload a1 = RunWorkload(11);
  Workload b = RunWorkload(12);
  Workload a2 = RunWorkload(11);
  EXPECT_EQ(a1.order, a2.order);
  EXPECT_EQ(a1.hash, a2.hash);
  EXPECT_NE(a1.hash, b.hash);
}

TEST(SimEnv, DifferentSeedsGiveDifferentSchedules) {
  std::vector<std::vector<int>> orders;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    orders.push_back(RunWorkload(seed, SchedulePolicy::kRandom).order);
  }
  int distinct = 0;
  for (size_t i = 1; i < orders.size(); ++i) distinct += orders[i] != orders[0] ? 1 : 0;
  EXPECT_GE(distinct, 6);
  // FIFO ignores the seed's scheduling stream.
  EXPECT_EQ(RunWorkload(1, SchedulePolicy::kFifo).order, RunWorkload(2, SchedulePolicy::kFifo).order);
}

// Runs in a child process (see SameSeedSameHashInAnotherProcess): prints the hash.
TEST(SimEnvHelper, PrintHash) {
  const char* seed = std::getenv("TIKV_SIM_ENV_TEST_SEED");
  if (seed == nullptr) GTEST_SKIP() << "only run as a child";
  // A different heap layout than the parent's.
  std::vector<char> pad(1000 + static_cast<size_t>(getpid()) % 5000);
  std::printf("HASH=%016llx\n",
              static_cast<unsigned long long>(RunWorkload(std::strtoull(seed, nullptr, 10)).hash));
}

TEST(SimEnv, SameSeedSameHashInAnotherProcess) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  ASSERT_GT(n, 0);
  self[n] = '\0';
  for (uint64_t seed : {3u, 4u}) {
    const std::string cmd = "TIKV_SIM_ENV_TEST_SEED=" + std::to_string(seed) + " '" + self +
                            "' --gtest_filter=SimEnvHelper.PrintHash 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char line[512];
    unsigned long long child = 0;
    while (std::fgets(line, sizeof(line), p) != nullptr) {
      std::sscanf(line, "HASH=%llx", &child);
    }
    pclose(p);
    EXPECT_EQ(child, RunWorkload(seed).hash) << "seed " << seed;
  }
}

TEST(SimEnv, VirtualTimeJumpsToTheNextTimer) {
  SimEnv env;
  MonoTime woke;
  env.executor().Spawn({.name = "sleeper"}, [&] {
    env.executor().SleepFor(env.clock(), 3600s);
    woke = env.now();
  });
  const MonoTime start = env.now();
  ASSERT_TRUE(env.Run().ok());
  EXPECT_EQ(woke - start, Duration(3600s));
  EXPECT_LT(env.steps(), 5u);
  EXPECT_EQ(env.clock().WallMillis() - env.wall_epoch_ms(), env.now().nanos() / 1'000'000);
}

TEST(SimEnv, TimerTiesBreakByArmingOrder) {
  SimEnv env(SimOptions{.policy = SchedulePolicy::kFifo});
  std::vector<int> order;
  const MonoTime at = env.now() + 5ms;
  for (int i = 0; i < 5; ++i) {
    env.executor().Spawn({.name = "sleeper"}, [&, i] {
      env.executor().SleepUntil(at);
      order.push_back(i);
    });
  }
  env.AddTimer(at, [&] { order.push_back(-1); });  // armed last among equal deadlines
  ASSERT_TRUE(env.Run().ok());
  EXPECT_EQ(order, (std::vector<int>{-1, 0, 1, 2, 3, 4}));
}

TEST(SimEnv, DeadlockIsReportedWithTheParkedFibers) {
  SimEnv env;
  env::Event never;
  env.executor().Spawn({.name = "stuck-fiber"}, [&] { never.Wait(); });
  absl::Status s = env.Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("stuck-fiber"), absl::string_view::npos);
  EXPECT_NE(s.message().find("Event"), absl::string_view::npos);
  // Let the fiber finish so the world can be torn down cleanly.
  never.Set();
  EXPECT_TRUE(env.Run().ok());
}

TEST(SimEnv, LivelockIsReported) {
  SimEnv env(SimOptions{.livelock_steps = 1000});
  bool stop = false;
  env.executor().Spawn({.name = "spinner"}, [&] {
    while (!stop) env.executor().Yield();
  });
  absl::Status s = env.Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("spinner"), absl::string_view::npos);
  stop = true;
  EXPECT_TRUE(env.Run().ok());
}

TEST(SimEnv, RunUntilStopsAtTheLimit) {
  SimEnv env;
  int ticks = 0;
  env.executor().Spawn({.name = "ticker"}, [&] {
    for (int i = 0; i < 10; ++i) {
      env.executor().SleepFor(env.clock(), 10ms);
      ++ticks;
    }
  });
  const MonoTime start = env.now();
  ASSERT_TRUE(env.RunUntil(start + 35ms).ok());
  EXPECT_EQ(ticks, 3);
  EXPECT_EQ(env.now(), start + 35ms);
  ASSERT_TRUE(env.Run().ok());
  EXPECT_EQ(ticks, 10);
}

TEST(SimEnv, RandomStreamsDependOnNameAndIndexOnly) {
  SimEnv a(SimOptions{.seed = 5});
  SimEnv b(SimOptions{.seed = 5});
  std::unique_ptr<Random> a1 = a.NewRandom("backoff");
  std::unique_ptr<Random> a_other = a.NewRandom("other");
  a_other->Next();  // draws elsewhere do not shift "backoff"
  std::unique_ptr<Random> b1 = b.NewRandom("backoff");
  EXPECT_EQ(a1->Next(), b1->Next());
  EXPECT_NE(a.NewRandom("backoff")->Next(), b1->Next());  // second instance differs
}

TEST(SimEnv, BuggifySitesAreDecidedOncePerRun) {
  int active_runs = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SimEnv env(SimOptions{.seed = seed, .buggify = true});
    const bool first = env.Buggify("file.cc", 10, 1.0);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(env.Buggify("file.cc", 10, 1.0), first);
    active_runs += first ? 1 : 0;
  }
  EXPECT_GT(active_runs, 0);
  EXPECT_LT(active_runs, 40);
  SimEnv off(SimOptions{.seed = 1});
  EXPECT_FALSE(off.Buggify("file.cc", 10, 1.0));
}

TEST(SimEnv, ExceptionEscapingAFiberFailsTheRun) {
  EXPECT_DEATH(
      {
        SimEnv env(SimOptions{.seed = 77});
        env.executor().Spawn({.name = "thrower"}, [] { throw std::runtime_error("boom"); });
        (void)env.Run();
      },
      "SIMULATION FAILURE seed=77.*boom");
}

TEST(SimEnv, NodeEnvsShareTheWorldButNotTheirStreams) {
  SimEnv env(SimOptions{.seed = 9});
  std::unique_ptr<Env> n1 = env.NewNodeEnv("client-1");
  std::unique_ptr<Env> n2 = env.NewNodeEnv("client-2");
  EXPECT_EQ(n1->clock().Now(), env.now());
  EXPECT_NE(n1->NewRandom("backoff")->Next(), n2->NewRandom("backoff")->Next());
  EXPECT_TRUE(n1->is_simulated());
}

}  // namespace
}  // namespace tikv::sim
