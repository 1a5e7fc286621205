// The fiber primitives under both Envs: park/wake, timeouts, cancellation, Event, CondVar,
// FiberMutex, Future, Channel (bounded, unbounded, close with waiters), WaitGroup, Select,
// FiberGroup, the request context and RunAsync.

#include <atomic>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "env/channel.h"
#include "env/event.h"
#include "env/fiber_group.h"
#include "env/future.h"
#include "env/mutex.h"
#include "env/request_context.h"
#include "env/run_blocking.h"
#include "env/sanitizer.h"
#include "env/select.h"
#include "env/wait_group.h"
#include "tests/env/env_harness.h"

namespace tikv::testing {
namespace {

using namespace std::chrono_literals;
using env::Channel;
using env::Event;
using env::FiberGroup;

TEST_P(EnvTest, WakeBeforeParkIsNotLost) {
  Run([](Env& e) {
    Waker w = e.executor().CurrentWaker();
    w.Wake();
    EXPECT_EQ(e.executor().Park(MonoTime::Infinite(), nullptr), WakeReason::kWoken);
    // The Waker belonged to that park; waking it again does not end the next one.
    w.Wake();
    EXPECT_EQ(e.executor().Park(e.clock().Now() + 1ms, nullptr), WakeReason::kTimedOut);
  });
}

TEST_P(EnvTest, WakeFromAnotherFiber) {
  Run([](Env& e) {
    Waker w = e.executor().CurrentWaker();
    FiberGroup g(e.executor());
    g.Spawn({.name = "waker"}, [w] { w.Wake(); });
    EXPECT_EQ(e.executor().Park(MonoTime::Infinite(), nullptr), WakeReason::kWoken);
    g.Wait();
  });
}

TEST_P(EnvTest, SleepAdvancesTheClock) {
  Run([](Env& e) {
    const MonoTime start = e.clock().Now();
    EXPECT_EQ(e.executor().SleepFor(e.clock(), 5ms), WakeReason::kTimedOut);
    EXPECT_GE(e.clock().Now() - start, 5ms);
  });
}

TEST_P(EnvTest, CancellationEndsPark) {
  Run([](Env& e) {
    CancelToken token;
    FiberGroup g(e.executor());
    g.Spawn({.name = "canceller"}, [&] {
      e.executor().Yield();
      token.Cancel();
    });
    EXPECT_EQ(e.executor().Park(MonoTime::Infinite(), &token), WakeReason::kCancelled);
    EXPECT_EQ(e.executor().Park(MonoTime::Infinite(), &token), WakeReason::kCancelled);
    g.Wait();
  });
}

TEST_P(EnvTest, TokenDeadlineBoundsPark) {
  Run([](Env& e) {
    CancelToken token = CancelToken::WithDeadline(e.clock().Now() + 2ms);
    EXPECT_EQ(e.executor().Park(MonoTime::Infinite(), &token), WakeReason::kTimedOut);
  });
}

TEST_P(EnvTest, EventWakesAllWaitersAndTimesOut) {
  Run([](Env& e) {
    Event ev;
    EXPECT_EQ(ev.Wait(e.clock().Now() + 1ms), WakeReason::kTimedOut);
    std::atomic<int> woken{0};
    FiberGroup g(e.executor());
    for (int i = 0; i < 10; ++i) {
      g.Spawn({.name = "waiter"}, [&] {
        if (ev.Wait() == WakeReason::kWoken) ++woken;
      });
    }
    e.executor().SleepFor(e.clock(), 1ms);
    ev.Set();
    g.Wait();
    EXPECT_EQ(woken.load(), 10);
    EXPECT_EQ(ev.Wait(e.clock().Now()), WakeReason::kWoken);
  });
}

TEST_P(EnvTest, MutexExcludesAcrossSuspension) {
  Run([](Env& e) {
    env::FiberMutex mu;
    int inside = 0;
    int max_inside = 0;
    int total = 0;
    FiberGroup g(e.executor());
    for (int i = 0; i < 20; ++i) {
      g.Spawn({.name = "locker"}, [&] {
        for (int k = 0; k < 5; ++k) {
          env::FiberMutexLock lock(mu);
          ++inside;
          max_inside = std::max(max_inside, inside);
          e.executor().Yield();  // suspend while holding the fiber mutex
          ++total;
          --inside;
        }
      });
    }
    g.Wait();
    EXPECT_EQ(max_inside, 1);
    EXPECT_EQ(total, 100);
  });
}

TEST_P(EnvTest, MutexHandsOverInArrivalOrder) {
  Run([](Env& e) {
    env::FiberMutex mu;
    std::vector<int> order;
    mu.Lock();
    FiberGroup g(e.executor());
    for (int i = 0; i < 5; ++i) {
      g.Spawn({.name = "locker"}, [&, i] {
        // Stagger arrivals so the arrival order is known.
        e.executor().SleepFor(e.clock(), std::chrono::milliseconds(i + 1));
        env::FiberMutexLock lock(mu);
        order.push_back(i);
      });
    }
    e.executor().SleepFor(e.clock(), 20ms);
    mu.Unlock();
    g.Wait();
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  });
}

TEST_P(EnvTest, CondVarSignalsAndTimesOut) {
  Run([](Env& e) {
    env::FiberMutex mu;
    env::CondVar cv;
    bool ready = false;
    mu.Lock();
    EXPECT_EQ(cv.Wait(mu, e.clock().Now() + 1ms), WakeReason::kTimedOut);
    mu.Unlock();
    FiberGroup g(e.executor());
    g.Spawn({.name = "signaller"}, [&] {
      env::FiberMutexLock lock(mu);
      ready = true;
      cv.Broadcast();
    });
    mu.Lock();
    while (!ready) cv.Wait(mu);
    mu.Unlock();
    g.Wait();
  });
}

TEST_P(EnvTest, FutureWaitTimeoutThenValueAndCallbacks) {
  Run([](Env& e) {
    env::Promise<int> p;
    env::Future<int> f = p.GetFuture();
    EXPECT_EQ(f.Wait(e.clock().Now() + 1ms), WakeReason::kTimedOut);
    int seen = 0;
    f.OnReady([&](const int& v) { seen = v; });
    FiberGroup g(e.executor());
    g.Spawn({.name = "setter"}, [&] { EXPECT_TRUE(p.Set(42)); });
    EXPECT_EQ(f.Get(), 42);
    EXPECT_EQ(seen, 42);
    EXPECT_FALSE(p.Set(7));
    int late = 0;
    f.OnReady([&](const int& v) { late = v; });
    EXPECT_EQ(late, 42);
    g.Wait();
  });
}

TEST_P(EnvTest, FutureWaitIsCancellable) {
  Run([](Env& e) {
    env::Promise<int> p;
    CancelToken token;
    FiberGroup g(e.executor());
    g.Spawn({.name = "canceller"}, [&] { token.Cancel(); });
    EXPECT_EQ(p.GetFuture().Wait(MonoTime::Infinite(), &token), WakeReason::kCancelled);
    g.Wait();
  });
}

TEST_P(EnvTest, BoundedChannelBlocksSenderUntilReceive) {
  Run([](Env& e) {
    Channel<int> ch(2);
    ASSERT_TRUE(ch.Send(1).ok());
    ASSERT_TRUE(ch.Send(2).ok());
    EXPECT_EQ(ch.Send(3, e.clock().Now() + 1ms).code(), absl::StatusCode::kDeadlineExceeded);
    FiberGroup g(e.executor());
    g.Spawn({.name = "sender"}, [&] { EXPECT_TRUE(ch.Send(3).ok()); });
    e.executor().SleepFor(e.clock(), 1ms);
    EXPECT_EQ(*ch.Receive(), 1);
    EXPECT_EQ(*ch.Receive(), 2);
    EXPECT_EQ(*ch.Receive(), 3);
    g.Wait();
  });
}

TEST_P(EnvTest, ChannelReceiveTimesOutAndIsCancellable) {
  Run([](Env& e) {
    Channel<std::string> ch;
    EXPECT_EQ(ch.Receive(e.clock().Now() + 1ms).status().code(),
              absl::StatusCode::kDeadlineExceeded);
    CancelToken token;
    token.Cancel(absl::CancelledError("stop"));
    EXPECT_EQ(ch.Receive(MonoTime::Infinite(), &token).status().code(),
              absl::StatusCode::kCancelled);
  });
}

TEST_P(EnvTest, ClosingWakesReceiversAndSenders) {
  Run([](Env& e) {
    Channel<int> empty;
    Channel<int> full(1);
    ASSERT_TRUE(full.Send(0).ok());
    std::atomic<int> receivers_closed{0};
    std::atomic<int> senders_failed{0};
    FiberGroup g(e.executor());
    for (int i = 0; i < 5; ++i) {
      g.Spawn({.name = "receiver"}, [&] {
        if (empty.Receive().status().code() == absl::StatusCode::kOutOfRange) ++receivers_closed;
      });
      g.Spawn({.name = "sender"}, [&] {
        if (full.Send(1).code() == absl::StatusCode::kFailedPrecondition) ++senders_failed;
      });
    }
    e.executor().SleepFor(e.clock(), 2ms);
    empty.Close();
    full.Close();
    g.Wait();
    EXPECT_EQ(receivers_closed.load(), 5);
    EXPECT_EQ(senders_failed.load(), 5);
    // Buffered items survive the close; then the channel reports closed.
    EXPECT_EQ(*full.Receive(), 0);
    EXPECT_EQ(full.Receive().status().code(), absl::StatusCode::kOutOfRange);
    EXPECT_EQ(full.Send(2).code(), absl::StatusCode::kFailedPrecondition);
  });
}

TEST_P(EnvTest, WaitGroupWaitsAndTimesOut) {
  Run([](Env& e) {
    env::WaitGroup wg;
    wg.Add(3);
    EXPECT_EQ(wg.Wait(e.clock().Now() + 1ms), WakeReason::kTimedOut);
    for (int i = 0; i < 3; ++i) {
      e.executor().Spawn({.name = "worker"}, [&] {
        e.executor().Yield();
        wg.Done();
      });
    }
    EXPECT_EQ(wg.Wait(), WakeReason::kWoken);
    EXPECT_EQ(wg.count(), 0);
  });
}

TEST_P(EnvTest, SelectPicksReadyCaseOrTimesOut) {
  Run([](Env& e) {
    Channel<int> a;
    Channel<int> b;
    Event stop;
    env::ReceiveCase<int> ra(a);
    env::ReceiveCase<int> rb(b);
    env::EventCase rs(stop);
    EXPECT_EQ(env::Select({&ra, &rb, &rs}, e.clock().Now() + 1ms).status().code(),
              absl::StatusCode::kDeadlineExceeded);
    FiberGroup g(e.executor());
    g.Spawn({.name = "sender"}, [&] {
      e.executor().SleepFor(e.clock(), 1ms);
      ASSERT_TRUE(b.Send(7).ok());
    });
    absl::StatusOr<size_t> i = env::Select({&ra, &rb, &rs});
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(*i, 1u);
    EXPECT_EQ(rb.value, 7);
    stop.Set();
    EXPECT_EQ(*env::Select({&ra, &rb, &rs}), 2u);
    a.Close();
    EXPECT_EQ(*env::Select({&ra, &rb}), 0u);
    EXPECT_TRUE(ra.closed);
    g.Wait();
  });
}

TEST_P(EnvTest, FiberGroupCancelReachesMembers) {
  Run([](Env& e) {
    FiberGroup g(e.executor());
    std::atomic<int> cancelled{0};
    for (int i = 0; i < 8; ++i) {
      g.Spawn({.name = "member"}, [&] {
        if (e.executor().SleepUntil(MonoTime::Infinite(), &g.cancel_token()) ==
            WakeReason::kCancelled) {
          ++cancelled;
        }
      });
    }
    e.executor().Yield();
    g.Cancel();
    g.Wait();
    EXPECT_EQ(cancelled.load(), 8);
  });
}

TEST_P(EnvTest, RequestContextIsInheritedBySpawnedFibers) {
  Run([](Env& e) {
    auto ctx = std::make_shared<env::RequestContext>();
    ctx->tag = "txn-1";
    env::ScopedRequestContext scope(ctx);
    std::string seen;
    FiberGroup g(e.executor());
    g.Spawn({.name = "child"}, [&] { seen = env::CurrentRequestContext()->tag; });
    g.Wait();
    EXPECT_EQ(seen, "txn-1");
  });
}

TEST_P(EnvTest, RunAsyncReturnsAFuture) {
  Run([](Env& e) {
    env::Future<int> f = env::RunAsync(e.executor(), [] { return 5; });
    EXPECT_EQ(f.Get(), 5);
    // Inline on a fiber: no hand-off.
    EXPECT_EQ(env::RunBlocking(e.executor(), [] { return 6; }), 6);
  });
}

TEST_P(EnvTest, ManyFibersOverChannels) {
  // 100k fibers in total in simulation (20k on the threaded runtime, to keep Debug runs
  // short), in waves of 500 so memory stays small, each sending over a channel.  Under TSan
  // every live fiber carries a TSan thread state of its own, so the run is smaller there.
  const int kFibers = TIKV_TSAN ? 5'000 : (GetParam() == EnvKind::kSim ? 100'000 : 20'000);
  Run([kFibers](Env& e) {
    Channel<int> ch(1024);
    int64_t sum = 0;
    FiberGroup g(e.executor());
    g.Spawn({.name = "consumer", .stack_bytes = 32 * 1024}, [&] {
      for (int i = 0; i < kFibers; ++i) sum += *ch.Receive();
    });
    for (int i = 0; i < kFibers; ++i) {
      g.Spawn({.name = "producer", .stack_bytes = 16 * 1024}, [&ch, i] { ASSERT_TRUE(ch.Send(i).ok()); });
      if (i % 500 == 0) e.executor().SleepFor(e.clock(), 1us);
    }
    g.Wait();
    EXPECT_EQ(sum, int64_t{kFibers} * (kFibers - 1) / 2);
  });
}

INSTANTIATE_TEST_SUITE_P(BothEnvs, EnvTest, ::testing::Values(EnvKind::kSim, EnvKind::kProd),
                         EnvKindName);

}  // namespace
}  // namespace tikv::testing
