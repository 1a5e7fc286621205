// Tests of src/locate/store_cache.cc against the scripted PD and TiKV nodes; ports what applies
// of client-go internal/locate/region_cache_test.go store cases (TestReResolve...,
// TestHealthCheckWithStoreReplace, TestTiKVSideSlowScore) and store_cache.go behaviour.

#include "locate/store_cache.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "pd/rpc_pd_client.h"
#include "sim/env/sim_env.h"
#include "sim/net/sim_network.h"
#include "tests/locate/fake_tikv.h"
#include "tests/locate/sim_fiber.h"
#include "tests/util/fake_pd.h"

namespace tikv::locate {
namespace {

using namespace std::chrono_literals;
using ::tikv::testing::FakePd;
using ::tikv::testing::FakeTikvCluster;
using ::tikv::testing::RunOnFiber;

struct Fixture {
  sim::SimEnv env{sim::SimOptions{.seed = 7}};
  FakePd pd{env, 1};
  FakeTikvCluster tikv{env, pd, 3};
  std::unique_ptr<pd::RpcPdClient> client;
  void Start() {
    pd::PdClientOptions o;
    o.endpoints = pd.endpoints();
    client = *pd::RpcPdClient::Create(env, o);
  }
};

// Ports client-go store_cache.go initResolve (region_cache_test.go TestStoreAddr...): the first
// lookup asks PD, later ones use the cache; an unknown store resolves to "" (tombstone).
TEST(StoreCacheTest, ResolvesFromPdOnce) {
  Fixture f;
  RunOnFiber(f.env, [&] {
    f.Start();
    StoreCache stores(f.env, *f.client);
    Backoffer bo(f.env, 20000);
    EXPECT_EQ(*stores.GetStoreAddress(bo, 2), "store-2");
    EXPECT_EQ(stores.Get(2)->resolve_state, ResolveState::kResolved);
    EXPECT_EQ(*stores.GetStoreAddress(bo, 9), "");
    EXPECT_EQ(stores.Get(9)->resolve_state, ResolveState::kTombstone);
    stores.Close();
    f.client->Close();
  });
}

// Ports client-go region_cache_test.go TestReResolveStoreAddress-style behaviour: a need-check
// store is re-read by the resolver; a new address updates it in place and notifies.
TEST(StoreCacheTest, ReResolveUpdatesAddressAndTombstoneBumpsEpoch) {
  Fixture f;
  RunOnFiber(f.env, [&] {
    f.Start();
    StoreCache stores(f.env, *f.client);
    std::vector<std::string> closed;
    stores.set_address_change_listener([&](std::string_view a) { closed.emplace_back(a); });
    Backoffer bo(f.env, 20000);
    ASSERT_EQ(*stores.GetStoreAddress(bo, 1), "store-1");
    metapb::Store moved;
    moved.set_id(1);
    moved.set_address("store-1b");
    f.pd.PutStore(moved);
    stores.MarkNeedCheck(1);
    f.env.executor().SleepFor(f.env.clock(), 1s);
    EXPECT_EQ(stores.Get(1)->address, "store-1b");
    EXPECT_EQ(stores.Get(1)->resolve_state, ResolveState::kResolved);
    EXPECT_EQ(closed, std::vector<std::string>{"store-1"});
    const uint32_t epoch = stores.Get(1)->epoch;
    moved.set_state(metapb::StoreState::Tombstone);
    f.pd.PutStore(moved);
    absl::StatusOr<bool> valid = stores.ReResolve(1, nullptr);
    ASSERT_TRUE(valid.ok());
    EXPECT_FALSE(*valid);
    EXPECT_EQ(stores.Get(1)->epoch, epoch + 1);
    EXPECT_EQ(stores.Get(1)->resolve_state, ResolveState::kTombstone);
    stores.Close();
    f.client->Close();
  });
}

// Ports client-go store_cache.go invalidateReplicaStore (CAS on the epoch) and
// requestLivenessAndStartHealthCheckLoopIfNeeded (one loop per store, ends when reachable).
TEST(StoreCacheTest, InvalidateAndHealthCheckLoop) {
  Fixture f;
  RunOnFiber(f.env, [&] {
    f.Start();
    StoreCache stores(f.env, *f.client);
    Backoffer bo(f.env, 20000);
    ASSERT_EQ(*stores.GetStoreAddress(bo, 3), "store-3");
    f.env.network().SetNodeUp("store-3", false);
    EXPECT_EQ(stores.CheckLiveness(3, nullptr), Liveness::kUnreachable);
    EXPECT_EQ(stores.CheckLiveness(3, nullptr), Liveness::kUnreachable);
    EXPECT_EQ(stores.health_check_loops(), 1);
    EXPECT_TRUE(stores.InvalidateStore(3, 0));
    EXPECT_FALSE(stores.InvalidateStore(3, 0));  // someone else already did
    EXPECT_TRUE(stores.Get(3)->slow);
    f.env.network().SetNodeUp("store-3", true);
    f.env.executor().SleepFor(f.env.clock(), 3s);
    EXPECT_EQ(stores.Get(3)->liveness, Liveness::kReachable);
    EXPECT_EQ(stores.health_check_loops(), 0);
    stores.Close();
    f.client->Close();
  });
}

// Ports client-go region_cache_test.go TestTiKVSideSlowScore / TestStoreHealthStatus: feedback
// at or above 80 marks the store slow; stale feedback decays; estimated wait decays with time.
TEST(StoreCacheTest, HealthFeedbackAndEstimatedWait) {
  Fixture f;
  RunOnFiber(f.env, [&] {
    f.Start();
    StoreCache stores(f.env, *f.client);
    (void)stores.GetOrInsert(1);
    kvrpcpb::HealthFeedback fb;
    fb.set_store_id(1);
    fb.set_slow_score(90);
    stores.RecordHealthFeedback(fb);
    EXPECT_TRUE(stores.Get(1)->slow);
    EXPECT_EQ(stores.Get(1)->tikv_slow_score, 90);
    f.env.executor().SleepFor(f.env.clock(), 75s);  // stale: 90 - 20/60 * 75 = 65
    EXPECT_FALSE(stores.Get(1)->slow);
    stores.UpdateServerLoadStats(1, 500);
    f.env.executor().SleepFor(f.env.clock(), 200ms);
    EXPECT_EQ(stores.Get(1)->estimated_wait, std::chrono::milliseconds(300));
    f.env.executor().SleepFor(f.env.clock(), 1s);
    EXPECT_EQ(stores.Get(1)->estimated_wait, Duration::zero());
    stores.Close();
    f.client->Close();
  });
}

// Ports client-go internal/locate/region_cache_test.go TestTiKVSideSlowScore: stale feedback
// decays linearly on the tick (20 points a minute) down to 1.
TEST(StoreCacheTest, TikvSideSlowScoreDecaysOnTick) {
  Fixture f;
  RunOnFiber(f.env, [&] {
    f.Start();
    StoreCache stores(f.env, *f.client, StoreCacheOptions{.health_tick_interval = Duration::zero()});
    (void)stores.GetOrInsert(1);
    stores.HealthTick();
    EXPECT_LE(stores.Get(1)->tikv_slow_score, 1);
    EXPECT_FALSE(stores.Get(1)->slow);
    kvrpcpb::HealthFeedback fb;
    fb.set_store_id(1);
    fb.set_slow_score(50);
    stores.RecordHealthFeedback(fb);
    EXPECT_EQ(stores.Get(1)->tikv_slow_score, 50);
    EXPECT_FALSE(stores.Get(1)->slow);
    f.env.executor().SleepFor(f.env.clock(), 200ms);
    fb.set_slow_score(100);
    stores.RecordHealthFeedback(fb);
    EXPECT_EQ(stores.Get(1)->tikv_slow_score, 100);
    EXPECT_TRUE(stores.Get(1)->slow);
    f.env.executor().SleepFor(f.env.clock(), 2min);
    EXPECT_EQ(stores.Get(1)->tikv_slow_score, 100);  // only the tick decays it
    stores.HealthTick();
    EXPECT_EQ(stores.Get(1)->tikv_slow_score, 60);
    EXPECT_FALSE(stores.Get(1)->slow);
    f.env.executor().SleepFor(f.env.clock(), 3min);
    stores.HealthTick();
    EXPECT_EQ(stores.Get(1)->tikv_slow_score, 1);
    f.env.executor().SleepFor(f.env.clock(), 1min);
    stores.HealthTick();
    EXPECT_EQ(stores.Get(1)->tikv_slow_score, 1);
    stores.Close();
    f.client->Close();
  });
}

// Ports client-go internal/locate/region_cache_test.go TestStoreHealthStatus: a store is slow
// while either score is; RecordRpcLatency feeds the client side.
TEST(StoreCacheTest, StoreHealthStatusCombinesBothScores) {
  Fixture f;
  RunOnFiber(f.env, [&] {
    f.Start();
    StoreCache stores(f.env, *f.client, StoreCacheOptions{.health_tick_interval = Duration::zero()});
    (void)stores.GetOrInsert(1);
    EXPECT_FALSE(stores.Get(1)->slow);
    stores.RecordRpcLatency(1, 1ms);
    stores.RecordRpcLatency(1, 1min);  // beyond any request timeout: slow at once
    stores.HealthTick();
    EXPECT_TRUE(stores.Get(1)->slow);
    EXPECT_GE(stores.Get(1)->client_slow_score, 80);
    f.env.executor().SleepFor(f.env.clock(), 1s);
    kvrpcpb::HealthFeedback fb;
    fb.set_store_id(1);
    fb.set_slow_score(100);
    stores.RecordHealthFeedback(fb);
    int ticks = 0;
    while (stores.Get(1)->client_slow_score >= 80 && ticks < 100) {
      stores.RecordRpcLatency(1, 1ms);
      stores.HealthTick();
      ++ticks;
    }
    EXPECT_LT(stores.Get(1)->client_slow_score, 80);
    EXPECT_TRUE(stores.Get(1)->slow);  // TiKV still says slow
    f.env.executor().SleepFor(f.env.clock(), 1s);
    fb.set_slow_score(1);
    stores.RecordHealthFeedback(fb);
    EXPECT_FALSE(stores.Get(1)->slow);
    stores.Close();
    f.client->Close();
  });
}

// Ports client-go internal/locate/region_cache_test.go TestRegionCacheHandleHealthStatus:
// updates within 100 ms of the last are ignored; other stores are untouched.
TEST(StoreCacheTest, HealthFeedbackIgnoresTooFrequentUpdates) {
  Fixture f;
  RunOnFiber(f.env, [&] {
    f.Start();
    StoreCache stores(f.env, *f.client);
    (void)stores.GetOrInsert(1);
    (void)stores.GetOrInsert(2);
    kvrpcpb::HealthFeedback fb;
    fb.set_store_id(1);
    fb.set_slow_score(100);
    stores.RecordHealthFeedback(fb);
    EXPECT_TRUE(stores.Get(1)->slow);
    fb.set_slow_score(90);
    stores.RecordHealthFeedback(fb);
    EXPECT_EQ(stores.Get(1)->tikv_slow_score, 100);
    f.env.executor().SleepFor(f.env.clock(), 1s);
    stores.RecordHealthFeedback(fb);
    EXPECT_EQ(stores.Get(1)->tikv_slow_score, 90);
    f.env.executor().SleepFor(f.env.clock(), 1s);
    fb.set_slow_score(50);
    stores.RecordHealthFeedback(fb);
    EXPECT_FALSE(stores.Get(1)->slow);
    EXPECT_LE(stores.Get(2)->tikv_slow_score, 1);
    EXPECT_FALSE(stores.Get(2)->slow);
    stores.Close();
    f.client->Close();
  });
}

// STORE-04: a slow TiKV-side score not refreshed for 15 s is requested actively from the
// (reachable) store on the background tick; a fresh answer replaces it without decay, and
// when the request fails the score decays instead.
TEST(StoreCacheTest, StaleFeedbackIsRequestedActively) {
  Fixture f;
  RunOnFiber(f.env, [&] {
    f.Start();
    StoreCache stores(f.env, *f.client);
    Backoffer bo(f.env, 20000);
    ASSERT_TRUE(stores.GetStoreAddress(bo, 1).ok());
    int answered = 0;
    bool fail = false;
    stores.set_health_feedback_requester(
        [&](std::string_view address, const CancelToken*) -> absl::StatusOr<kvrpcpb::HealthFeedback> {
          EXPECT_EQ(address, "store-1");
          if (fail) return absl::UnavailableError("store unreachable");
          ++answered;
          kvrpcpb::HealthFeedback fb;
          fb.set_store_id(1);
          fb.set_slow_score(90);
          return fb;
        });
    kvrpcpb::HealthFeedback fb;
    fb.set_store_id(1);
    fb.set_slow_score(90);
    stores.RecordHealthFeedback(fb);
    f.env.executor().SleepFor(f.env.clock(), 14s);
    EXPECT_EQ(stores.health_feedback_requests(), 0);  // not stale yet
    f.env.executor().SleepFor(f.env.clock(), 2s);
    EXPECT_EQ(stores.health_feedback_requests(), 1);
    EXPECT_EQ(answered, 1);
    EXPECT_EQ(stores.Get(1)->tikv_slow_score, 90);  // refreshed, not decayed
    EXPECT_TRUE(stores.Get(1)->slow);
    fail = true;
    f.env.executor().SleepFor(f.env.clock(), 15s);
    EXPECT_EQ(stores.health_feedback_requests(), 2);
    EXPECT_EQ(stores.Get(1)->tikv_slow_score, 85);  // 90 - 20/60 * 15
    stores.Close();
    f.client->Close();
  });
}

metapb::Store StoreWithEngine(uint64_t id, std::string address, std::string engine) {
  metapb::Store store;
  store.set_id(id);
  store.set_address(std::move(address));
  store.set_state(metapb::StoreState::Up);
  if (!engine.empty()) {
    metapb::StoreLabel* label = store.add_labels();
    label->set_key("engine");
    label->set_value(std::move(engine));
  }
  return store;
}

std::vector<uint64_t> Ids(const std::vector<StoreInfo>& stores) {
  std::vector<uint64_t> ids;
  for (const StoreInfo& s : stores) ids.push_back(s.id);
  return ids;
}

// Ports client-go store_cache.go storeCacheUpdater.insertMissingStores and region_cache.go
// GetStoresByType / GetAllStores: the full store list adds only unknown stores, and listings
// split TiKV, TiFlash and TiFlash-compute stores by the engine label.
TEST(StoreCacheTest, StoreListRefreshAddsUnknownStoresAndListsByType) {
  Fixture f;
  RunOnFiber(f.env, [&] {
    f.Start();
    StoreCache stores(f.env, *f.client);
    Backoffer bo(f.env, 20000);
    EXPECT_EQ(*stores.GetStoreAddress(bo, 1), "store-1");
    f.pd.PutStore(StoreWithEngine(4, "tiflash-4", "tiflash"));
    f.pd.PutStore(StoreWithEngine(5, "compute-5", "tiflash_compute"));
    EXPECT_EQ(Ids(stores.GetAllStores()), (std::vector<uint64_t>{1}));
    ASSERT_TRUE(stores.RefreshStoreList(nullptr).ok());
    EXPECT_EQ(Ids(stores.GetAllStores()), (std::vector<uint64_t>{1, 2, 3, 4}));
    EXPECT_EQ(Ids(stores.GetStoresByType(StoreType::kTiKV)), (std::vector<uint64_t>{1, 2, 3}));
    EXPECT_EQ(Ids(stores.GetStoresByType(StoreType::kTiFlash)), (std::vector<uint64_t>{4}));
    EXPECT_EQ(Ids(stores.GetStoresByType(StoreType::kTiFlashCompute)),
              (std::vector<uint64_t>{5}));
    EXPECT_EQ(stores.Get(4)->address, "tiflash-4");
    stores.Close();
    f.client->Close();
  });
}

// Ports client-go region_cache.go's refreshStoreListInterval schedule: a store PD learns about
// later shows up in the cache within one period, and Close() stops the loop (the simulation
// ends).
TEST(StoreCacheTest, StoreListRefreshRunsPeriodicallyUntilClose) {
  Fixture f;
  RunOnFiber(f.env, [&] {
    f.Start();
    StoreCache stores(f.env, *f.client);
    stores.StartStoreListRefresh();
    stores.StartStoreListRefresh();  // idempotent
    f.env.executor().SleepFor(f.env.clock(), 11s);
    EXPECT_EQ(Ids(stores.GetAllStores()), (std::vector<uint64_t>{1, 2, 3}));
    f.pd.PutStore(StoreWithEngine(6, "store-6", ""));
    EXPECT_FALSE(stores.Get(6).has_value());
    f.env.executor().SleepFor(f.env.clock(), 10s);
    EXPECT_EQ(stores.Get(6)->address, "store-6");
    stores.Close();
    f.client->Close();
  });
}

}  // namespace
}  // namespace tikv::locate
