// Tests of region lookups over PD's QueryRegion stream (src/pd/region_query_batcher.cc via
// RpcPdClient with EnableRouterClient): folding of concurrent lookups, fallback to the unary
// RPCs when PD does not serve the stream or it breaks, and the option's default.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "env/wait_group.h"
#include "pd/rpc_pd_client.h"
#include "sim/env/sim_env.h"
#include "tests/locate/sim_fiber.h"
#include "tests/pd/pd_client_fixture.h"
#include "tests/util/fake_pd.h"

namespace tikv::pd {
namespace {

using ::tikv::testing::FakePd;
using ::tikv::testing::RunOnFiber;

std::unique_ptr<RpcPdClient> MakeClient(sim::SimEnv& env, const FakePd& pd, bool router) {
  PdClientOptions options;
  options.enable_router_client = router;
  return MakeClient(env, pd, std::move(options));
}

// Ports tikv/pd tests/integrations/client/router_client_test.go TestRouterClientEnabledSuite
// (GetRegion / GetPrevRegion / GetRegionByID answered over the stream, concurrent lookups
// batched).
TEST(RouterStreamTest, ConcurrentLookupsFoldIntoFewStreamMessages) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  pd.SplitAt({"b", "d", "f"}, {1, 2});
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd, true);
    ASSERT_NE(c, nullptr);
    constexpr int kLookups = 300;
    std::vector<uint64_t> got(kLookups);
    env::WaitGroup wg;
    for (int i = 0; i < kLookups; ++i) {
      wg.Add(1);
      env.executor().Spawn(SpawnOptions{}, [&, i] {
        absl::StatusOr<std::optional<RegionInfo>> r;
        switch (i % 3) {
          case 0:
            r = c->GetRegion("c", false, nullptr);  // region 2
            break;
          case 1:
            r = c->GetPrevRegion("e", false, nullptr);  // region 2 (before [d, f))
            break;
          default:
            r = c->GetRegionById(2, false, nullptr);
        }
        EXPECT_TRUE(r.ok() && r->has_value()) << r.status();
        if (r.ok() && r->has_value()) got[i] = (*r)->meta.id();
        wg.Done();
      });
    }
    wg.Wait();
    for (int i = 0; i < kLookups; ++i) EXPECT_EQ(got[i], 2u) << i;
    EXPECT_EQ(pd.region_lookup_calls, 0);  // nothing went through the unary RPCs
    EXPECT_EQ(pd.query_region_lookups, kLookups);
    EXPECT_LE(pd.query_region_messages, 5);  // typically 1-2
    EXPECT_EQ(static_cast<uint64_t>(pd.query_region_messages), c->router_stats().messages);

    // Leader known, unknown regions come back empty.
    auto r = c->GetRegion("a", false, nullptr);
    ASSERT_TRUE(r.ok() && r->has_value());
    ASSERT_TRUE((*r)->leader.has_value());
    EXPECT_EQ((*r)->leader->store_id(), 1u);
    auto missing = c->GetRegionById(99, false, nullptr);
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
    auto no_prev = c->GetPrevRegion("a", false, nullptr);
    ASSERT_TRUE(no_prev.ok());
    EXPECT_FALSE(no_prev->has_value());
    c->Close();
  });
}

// Ports tikv/pd tests/integrations/client/router_client_test.go TestRouterClientDisabledSuite
// (off by default, as client-go leaves it): lookups use the unary RPCs.
TEST(RouterStreamTest, OffByDefault) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  pd.SplitAt({"m"}, {1});
  RunOnFiber(env, [&] {
    PdClientOptions options;
    options.endpoints = pd.endpoints();
    auto c = *RpcPdClient::Create(env, options);
    ASSERT_TRUE(c->GetRegion("a", false, nullptr).ok());
    EXPECT_EQ(pd.region_lookup_calls, 1);
    EXPECT_EQ(pd.query_region_messages, 0);
    c->SetEnableRouterClient(true);  // dynamic option
    ASSERT_TRUE(c->GetRegion("a", false, nullptr).ok());
    EXPECT_EQ(pd.region_lookup_calls, 1);
    EXPECT_EQ(pd.query_region_messages, 1);
    c->Close();
  });
}

// A PD that does not serve QueryRegion answers UNIMPLEMENTED: the lookup falls back to the
// unary RPC, and later lookups go there directly.
TEST(RouterStreamTest, UnimplementedFallsBackToUnary) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  pd.SplitAt({"m"}, {1});
  pd.query_region_unimplemented = true;
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd, true);
    auto r = c->GetRegion("x", false, nullptr);
    ASSERT_TRUE(r.ok() && r->has_value()) << r.status();
    EXPECT_EQ((*r)->meta.start_key(), "m");
    EXPECT_EQ(pd.region_lookup_calls, 1);
    auto by_id = c->GetRegionById(1, false, nullptr);
    ASSERT_TRUE(by_id.ok() && by_id->has_value());
    EXPECT_EQ(pd.region_lookup_calls, 2);
    EXPECT_EQ(c->router_stats().failures, 1u);  // only the first attempt used the stream
    c->Close();
  });
}

// The stream breaks on a leader change: the lookup is served by the unary RPC on the new
// leader, and the next lookup uses a new stream to it.
TEST(RouterStreamTest, StreamFailureFallsBackAndRetriesOnTheLeader) {
  sim::SimEnv env;
  FakePd pd(env, 2);
  pd.SplitAt({"m"}, {1});
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd, true);
    ASSERT_TRUE(c->GetRegion("a", false, nullptr).ok());
    EXPECT_EQ(pd.query_region_messages, 1);
    pd.SetLeader(1);
    auto r = c->GetRegion("z", false, nullptr);
    ASSERT_TRUE(r.ok() && r->has_value()) << r.status();
    EXPECT_EQ((*r)->meta.start_key(), "m");
    EXPECT_EQ(pd.region_lookup_calls, 1);  // the fallback
    EXPECT_EQ(c->leader(), "pd-2");
    auto again = c->GetRegion("a", false, nullptr);
    ASSERT_TRUE(again.ok() && again->has_value());
    EXPECT_EQ(pd.region_lookup_calls, 1);
    EXPECT_EQ(pd.query_region_messages, 2);  // new stream to pd-2
    c->Close();
  });
}

}  // namespace
}  // namespace tikv::pd
