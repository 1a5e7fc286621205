// Tests of the TSO dispatcher (src/pd/tso_dispatcher.cc) through RpcPdClient against the
// scripted PD (tests/util/fake_pd.h): batch-wait folding, concurrent RPCs, runtime option
// changes and validation, retries across a leader change.

#include <memory>
#include <set>
#include <vector>

#include "gtest/gtest.h"

#include "pd/rpc_pd_client.h"
#include "sim/env/sim_env.h"
#include "tests/locate/sim_fiber.h"
#include "tests/pd/pd_client_fixture.h"
#include "tests/util/fake_pd.h"

namespace tikv::pd {
namespace {

using ::tikv::testing::FakePd;
using ::tikv::testing::RunOnFiber;

// Open-loop load: one request every `gap`, `n` in all; waits for every answer and checks
// they are all distinct.  Returns the timestamps in request order.
std::vector<uint64_t> IssueSpaced(sim::SimEnv& env, RpcPdClient& c, int n, Duration gap) {
  std::vector<oracle::TsFuture> futures;
  for (int i = 0; i < n; ++i) {
    futures.push_back(c.GetTsAsync());
    env.executor().SleepFor(env.clock(), gap);
  }
  std::vector<uint64_t> out;
  for (oracle::TsFuture& f : futures) {
    f.Wait();
    EXPECT_TRUE(f.value().ok()) << f.value().status();
    out.push_back(f.value().value_or(0));
  }
  std::set<uint64_t> unique(out.begin(), out.end());
  EXPECT_EQ(unique.size(), out.size());
  return out;
}

// Ports tikv/pd client/clients/tso/dispatcher_test.go TestBatchDelaying (the batch-wait half:
// a wait folds more requests into each RPC).
TEST(TsoDispatcherTest, BatchWaitFoldsMoreRequestsPerRpc) {
  uint64_t rpcs_without_wait = 0;
  uint64_t rpcs_with_wait = 0;
  for (Duration wait : {Duration::zero(), Duration(std::chrono::milliseconds(5))}) {
    sim::SimEnv env;
    FakePd pd(env, 1);
    RunOnFiber(env, [&] {
      PdClientOptions o;
      o.max_tso_batch_wait = wait;
      auto c = MakeClient(env, pd, o);
      ASSERT_NE(c, nullptr);
      IssueSpaced(env, *c, 60, std::chrono::milliseconds(1));
      (wait == Duration::zero() ? rpcs_without_wait : rpcs_with_wait) = c->tso_rpc_count();
      c->Close();
    });
  }
  // Without a wait each RPC carries roughly what arrived during one round trip (< 1 ms here),
  // so nearly one RPC per request; a 5 ms wait folds about five requests into each.
  EXPECT_GE(rpcs_without_wait, 40u);
  EXPECT_LE(rpcs_with_wait, 20u);
  EXPECT_LT(rpcs_with_wait * 2, rpcs_without_wait);
}

// Ports tikv/pd client/clients/tso/dispatcher_test.go TestConcurrentRPC: with concurrency > 1
// several TsoRequests overlap on the stream and timestamps stay unique and increasing.
TEST(TsoDispatcherTest, ConcurrentRpcsOverlapAndStayMonotonic) {
  for (int concurrency : {1, 2, 4}) {
    sim::SimEnv env;
    FakePd pd(env, 1);
    RunOnFiber(env, [&] {
      PdClientOptions o;
      o.tso_rpc_concurrency = concurrency;
      auto c = MakeClient(env, pd, o);
      ASSERT_NE(c, nullptr);
      // Requests every 50 us: several arrive during one round trip.
      std::vector<uint64_t> ts = IssueSpaced(env, *c, 300, std::chrono::microseconds(50));
      // Requests queued later never get a smaller timestamp than earlier ones answered in
      // the same or an earlier batch: overall the sequence is increasing.
      for (size_t i = 1; i < ts.size(); ++i) EXPECT_LT(ts[i - 1], ts[i]) << "at " << i;
      const TsoDispatcher::Stats st = c->tso_stats();
      if (concurrency == 1) {
        EXPECT_EQ(st.max_in_flight, 1u);
      } else {
        EXPECT_GT(st.max_in_flight, 1u) << "concurrency " << concurrency;
        EXPECT_LE(st.max_in_flight, static_cast<uint64_t>(2 * concurrency));
      }
      EXPECT_EQ(static_cast<uint64_t>(pd.tso_requests), st.rpcs);
      c->Close();
    });
  }
}

// Options change at runtime (upstream UpdateOption) and bad values are rejected.
TEST(TsoDispatcherTest, OptionsChangeAtRuntimeAndAreValidated) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->SetMaxTsoBatchWaitInterval(std::chrono::milliseconds(11)).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(c->SetMaxTsoBatchWaitInterval(-std::chrono::milliseconds(1)).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(c->SetTsoRpcConcurrency(0).code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(c->SetTsoRpcConcurrency(33).code(), absl::StatusCode::kInvalidArgument);

    ASSERT_TRUE(c->SetTsoRpcConcurrency(4).ok());
    IssueSpaced(env, *c, 200, std::chrono::microseconds(50));
    EXPECT_GT(c->tso_stats().max_in_flight, 1u);

    // A batch wait forces one RPC at a time (upstream: the two options work against each
    // other) and folds requests.
    ASSERT_TRUE(c->SetMaxTsoBatchWaitInterval(std::chrono::milliseconds(5)).ok());
    const uint64_t before = c->tso_rpc_count();
    IssueSpaced(env, *c, 50, std::chrono::milliseconds(1));
    EXPECT_LE(c->tso_rpc_count() - before, 15u);
    c->Close();
  });
  PdClientOptions bad;
  bad.endpoints = pd.endpoints();
  bad.tso_rpc_concurrency = 0;
  RunOnFiber(env, [&] {
    EXPECT_EQ(RpcPdClient::Create(env, bad).status().code(), absl::StatusCode::kInvalidArgument);
  });
}

// In-flight batches on a stream that breaks (leader change) are retried on a new stream, and
// the answers stay above everything issued before.
TEST(TsoDispatcherTest, InFlightBatchesSurviveALeaderChange) {
  sim::SimEnv env;
  FakePd pd(env, 3);
  RunOnFiber(env, [&] {
    PdClientOptions o;
    o.tso_rpc_concurrency = 4;
    auto c = MakeClient(env, pd, o);
    ASSERT_NE(c, nullptr);
    const uint64_t before = *c->GetTs(nullptr);
    std::vector<oracle::TsFuture> futures;
    for (int i = 0; i < 100; ++i) {
      futures.push_back(c->GetTsAsync());
      if (i == 50) pd.SetLeader(1);
      env.executor().SleepFor(env.clock(), std::chrono::microseconds(50));
    }
    std::set<uint64_t> seen;
    for (oracle::TsFuture& f : futures) {
      f.Wait();
      ASSERT_TRUE(f.value().ok()) << f.value().status();
      EXPECT_GT(*f.value(), before);
      EXPECT_TRUE(seen.insert(*f.value()).second);
    }
    EXPECT_GE(c->tso_stats().stream_failures, 1u);
    EXPECT_EQ(c->leader(), "pd-2");
    c->Close();
  });
}

// Close() fails queued requests with kCancelled and later requests at once.
TEST(TsoDispatcherTest, CloseCancelsPendingRequests) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    ASSERT_NE(c, nullptr);
    env.network().SetNodeUp("pd-1", false);  // nothing will be answered
    oracle::TsFuture pending = c->GetTsAsync();
    env.executor().SleepFor(env.clock(), std::chrono::milliseconds(10));
    c->Close();
    ASSERT_TRUE(pending.IsReady());
    EXPECT_EQ(pending.value().status().code(), absl::StatusCode::kCancelled);
    oracle::TsFuture late = c->GetTsAsync();
    ASSERT_TRUE(late.IsReady());
    EXPECT_EQ(late.value().status().code(), absl::StatusCode::kCancelled);
  });
}

}  // namespace
}  // namespace tikv::pd
