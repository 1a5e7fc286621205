// Tests of src/pd/rpc_pd_client.cc against a scripted PD (tests/util/fake_pd.h) on the simulated
// network: discovery, leader failover, TSO batching, region/store/keyspace/GC calls.

#include "pd/rpc_pd_client.h"

#include <memory>
#include <set>
#include <vector>

#include "gtest/gtest.h"

#include "env/wait_group.h"
#include "oracle/pd_oracle.h"
#include "oracle/timestamp.h"
#include "sim/env/sim_env.h"
#include "tests/locate/sim_fiber.h"
#include "tests/pd/pd_client_fixture.h"
#include "tests/util/fake_pd.h"

namespace tikv::pd {
namespace {

using ::tikv::testing::FakePd;
using ::tikv::testing::RunOnFiber;

TEST(RpcPdClientTest, DiscoversLeaderAndClusterId) {
  sim::SimEnv env;
  FakePd pd(env, 3, 42);
  pd.SetLeader(2);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->cluster_id(), 42u);
    EXPECT_EQ(c->leader(), "pd-3");
    c->Close();
  });
}

TEST(RpcPdClientTest, CreateFailsWhenNoMemberAnswers) {
  sim::SimEnv env;
  FakePd pd(env, 2);
  env.network().SetNodeUp("pd-1", false);
  env.network().SetNodeUp("pd-2", false);
  RunOnFiber(env, [&] {
    PdClientOptions options;
    options.endpoints = pd.endpoints();
    absl::StatusOr<std::unique_ptr<RpcPdClient>> c = RpcPdClient::Create(env, options);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);
  });
}

TEST(RpcPdClientTest, TimestampsIncrease) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    uint64_t last = 0;
    for (int i = 0; i < 20; ++i) {
      absl::StatusOr<uint64_t> ts = c->GetTs(nullptr);
      ASSERT_TRUE(ts.ok()) << ts.status();
      EXPECT_GT(*ts, last);
      last = *ts;
    }
    EXPECT_EQ(c->tso_rpc_count(), 20u);
    c->Close();
  });
}

// 1000 concurrent requests fold into a few TsoRequests with count = N.
TEST(RpcPdClientTest, ConcurrentTimestampRequestsAreBatched) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    std::vector<uint64_t> got(1000);
    env::WaitGroup wg;
    for (int i = 0; i < 1000; ++i) {
      wg.Add(1);
      env.executor().Spawn(SpawnOptions{}, [&, i] {
        absl::StatusOr<uint64_t> ts = c->GetTs(nullptr);
        EXPECT_TRUE(ts.ok()) << ts.status();
        got[i] = ts.value_or(0);
        wg.Done();
      });
    }
    wg.Wait();
    std::set<uint64_t> unique(got.begin(), got.end());
    EXPECT_EQ(unique.size(), 1000u);
    EXPECT_LE(c->tso_rpc_count(), 10u);  // typically 1-2: everything queued during one RPC
    EXPECT_EQ(static_cast<uint64_t>(pd.tso_requests), c->tso_rpc_count());
    c->Close();
  });
}

TEST(RpcPdClientTest, LeaderFailoverForUnaryAndTso) {
  sim::SimEnv env;
  FakePd pd(env, 3);
  pd.SplitAt({"m"}, {1});
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    const uint64_t before = *c->GetTs(nullptr);
    pd.SetLeader(1);
    absl::StatusOr<std::optional<RegionInfo>> r = c->GetRegion("a", false, nullptr);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(c->leader(), "pd-2");
    pd.SetLeader(2);
    absl::StatusOr<uint64_t> after = c->GetTs(nullptr);
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_GT(*after, before);
    EXPECT_EQ(c->leader(), "pd-3");
    c->Close();
  });
}

TEST(RpcPdClientTest, RegionQueries) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  pd.SplitAt({"b", "d", "f"}, {1, 2});
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    auto r = c->GetRegion("c", false, nullptr);
    ASSERT_TRUE(r.ok() && r->has_value());
    EXPECT_EQ((*r)->meta.start_key(), "b");
    EXPECT_EQ((*r)->meta.end_key(), "d");
    ASSERT_TRUE((*r)->leader.has_value());
    EXPECT_EQ((*r)->leader->store_id(), 1u);
    auto prev = c->GetPrevRegion("c", false, nullptr);
    ASSERT_TRUE(prev.ok() && prev->has_value());
    EXPECT_EQ((*prev)->meta.end_key(), "b");
    auto by_id = c->GetRegionById(4, false, nullptr);
    ASSERT_TRUE(by_id.ok() && by_id->has_value());
    EXPECT_EQ((*by_id)->meta.start_key(), "f");
    auto missing = c->GetRegionById(99, false, nullptr);
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
    auto scan = c->ScanRegions("a", "e", 0, nullptr);
    ASSERT_TRUE(scan.ok());
    EXPECT_EQ(scan->size(), 3u);
    auto limited = c->ScanRegions("", "", 2, nullptr);
    ASSERT_TRUE(limited.ok());
    EXPECT_EQ(limited->size(), 2u);
    auto batch = c->BatchScanRegions({{"a", "c"}, {"c", "e"}}, 10, nullptr);
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(batch->size(), 3u);
    EXPECT_EQ(pd.batch_scan_calls, 1);
    c->Close();
  });
}

TEST(RpcPdClientTest, BatchScanFallsBackToScanWhenUnimplemented) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  pd.SplitAt({"b", "d", "f"}, {1});
  pd.batch_scan_unimplemented = true;
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    auto batch = c->BatchScanRegions({{"a", "c"}, {"c", "e"}}, 10, nullptr);
    ASSERT_TRUE(batch.ok()) << batch.status();
    ASSERT_EQ(batch->size(), 3u);
    EXPECT_EQ((*batch)[0].meta.id(), 1u);
    EXPECT_EQ((*batch)[1].meta.id(), 2u);
    EXPECT_EQ((*batch)[2].meta.id(), 3u);
    EXPECT_EQ(pd.scan_calls, 2);
    c->Close();
  });
}

TEST(RpcPdClientTest, StoresKeyspacesGcAndMisc) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  metapb::Store s1;
  s1.set_id(1);
  s1.set_address("store-1");
  pd.PutStore(s1);
  metapb::Store s2;
  s2.set_id(2);
  s2.set_address("store-2");
  s2.set_state(metapb::StoreState::Tombstone);
  pd.PutStore(s2);
  metapb::Store s3;
  s3.set_id(3);
  s3.set_address("store-3");
  s3.set_node_state(metapb::NodeState::Removed);
  pd.PutStore(s3);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    auto st = c->GetStore(1, nullptr);
    ASSERT_TRUE(st.ok() && st->has_value());
    EXPECT_EQ((*st)->address(), "store-1");
    auto unknown = c->GetStore(9, nullptr);
    ASSERT_TRUE(unknown.ok()) << unknown.status();
    EXPECT_FALSE(unknown->has_value());
    auto removed = c->GetStore(3, nullptr);
    ASSERT_TRUE(removed.ok());
    EXPECT_FALSE(removed->has_value());
    EXPECT_EQ(c->GetAllStores(false, nullptr)->size(), 3u);
    EXPECT_EQ(c->GetAllStores(true, nullptr)->size(), 2u);

    auto ks = c->LoadKeyspace("ks1", nullptr);
    ASSERT_TRUE(ks.ok());
    EXPECT_EQ(ks->id(), 1u);
    EXPECT_FALSE(c->LoadKeyspace("nope", nullptr).ok());

    auto adv = c->AdvanceTxnSafePoint(kNullKeyspaceId, 100, nullptr);
    ASSERT_TRUE(adv.ok());
    EXPECT_EQ(adv->new_txn_safe_point, 100u);
    EXPECT_FALSE(c->AdvanceTxnSafePoint(kNullKeyspaceId, 50, nullptr).ok());
    EXPECT_EQ(*c->UpdateGcSafePoint(80, nullptr), 80u);
    EXPECT_EQ(*c->UpdateGcSafePoint(70, nullptr), 80u);  // never moves back
    auto gc = c->GetGcState(kNullKeyspaceId, nullptr);
    ASSERT_TRUE(gc.ok());
    EXPECT_EQ(gc->txn_safe_point, 100u);
    EXPECT_EQ(gc->gc_safe_point, 80u);
    EXPECT_EQ(gc->keyspace_id, kNullKeyspaceId);
    EXPECT_EQ(*c->UpdateServiceGcSafePoint("br", 60, 90, nullptr), 90u);
    ASSERT_TRUE(c->GetTs(nullptr).ok());
    EXPECT_TRUE(c->GetMinTs(nullptr).ok());
    auto info = c->GetClusterInfo(nullptr);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->servicemodes(0), pdpb::PD_SVC_MODE);
    c->Close();
  });
}

// Ports the no-retry rule of client-go tikv/kv.go getAllTSOKeyspaceGroupMinTSWithRetry(): an
// UNIMPLEMENTED GetMinTS answer comes back at once, after exactly one call and no back-off.
TEST(RpcPdClientTest, GetMinTsUnimplementedIsNotRetried) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  pd.min_ts_unimplemented = true;
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    const MonoTime start = env.clock().Now();
    absl::StatusOr<uint64_t> ts = c->GetMinTs(nullptr);
    EXPECT_EQ(ts.status().code(), absl::StatusCode::kUnimplemented);
    EXPECT_EQ(pd.min_ts_calls, 1);
    EXPECT_LT(env.clock().Now() - start, std::chrono::milliseconds(50));  // no retry pause
    c->Close();
  });
}

// PD-03: every request carries the caller identification and the cluster id.
TEST(RpcPdClientTest, RequestsCarryCallerIdentification) {
  sim::SimEnv env;
  FakePd pd(env, 1, 42);
  pd.SplitAt({"m"}, {1});
  RunOnFiber(env, [&] {
    PdClientOptions options;
    options.endpoints = pd.endpoints();
    options.caller_id = "my-binary";
    options.caller_component = "RegionCache";
    auto c = *RpcPdClient::Create(env, options);
    ASSERT_TRUE(c->GetRegion("a", false, nullptr).ok());
    EXPECT_EQ(pd.last_header.cluster_id(), 42u);
    EXPECT_EQ(pd.last_header.caller_id(), "my-binary");
    EXPECT_EQ(pd.last_header.caller_component(), "RegionCache");
    pd.last_header.Clear();
    ASSERT_TRUE(c->GetTs(nullptr).ok());
    EXPECT_EQ(pd.last_header.caller_component(), "RegionCache");
    c->Close();
  });
}

TEST(RpcPdClientTest, PdOracleOverThePdClient) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    PdTsoSource source(*c);
    auto o = oracle::PdOracle::Create(env, source, oracle::PdOracleOptions{});
    ASSERT_TRUE(o.ok()) << o.status();
    const uint64_t ts = *(*o)->GetTimestamp(nullptr);
    // The fake PD's physical part is the simulated wall clock.
    EXPECT_EQ(oracle::ExtractPhysical(ts), env.clock().WallMillis());
    env.executor().SleepFor(env.clock(), std::chrono::seconds(5));
    EXPECT_GT(*(*o)->GetLowResolutionTimestamp(), ts);  // refreshed in the background
    (*o)->Close();
    c->Close();
  });
}

}  // namespace
}  // namespace tikv::pd
