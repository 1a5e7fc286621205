// Ports of client-go internal/locate/region_cache_test.go onto an in-memory PD
// (tests/locate/mem_pd_client.h) and the SimEnv virtual clock: TTL, reload flags, splits and
// merges, stale loads, buckets, the background scan, the PD circuit breaker and the lifecycle.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

#include "locate/region_cache.h"
#include "sim/env/sim_env.h"
#include "tests/locate/mem_pd_client.h"
#include "tests/locate/region_cache_test_peer.h"
#include "tests/locate/sim_fiber.h"

namespace tikv::locate {
namespace {

using namespace std::chrono_literals;
using ::tikv::testing::MemPdClient;
using ::tikv::testing::RunOnFiber;
using Api = MemPdClient::Api;

struct World {
  sim::SimEnv env{sim::SimOptions{.seed = 20261122}};
  MemPdClient pd{env};
  void Sleep(Duration d) { env.executor().SleepFor(env.clock(), d); }
  Backoffer Bo(int64_t ms = 5000) { return Backoffer(env, ms); }
};

KeyLocation MustLocate(RegionCache& cache, Backoffer& bo, std::string_view key) {
  absl::StatusOr<KeyLocation> loc = cache.LocateKey(bo, key);
  EXPECT_TRUE(loc.ok()) << loc.status();
  return loc.ok() ? *loc : KeyLocation{};
}

// Ports client-go internal/locate/region_cache_test.go TestSimple.
TEST(RegionCachePortedTest, Simple) {
  World w;
  w.pd.SplitAt({}, {1, 2});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo = w.Bo();
    KeyLocation loc = MustLocate(cache, bo, "a");
    EXPECT_EQ(loc.region.id, 1u);
    auto r = cache.GetCachedRegion(loc.region);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->Leader()->store_id(), 1u);
    EXPECT_EQ(peer.ValidCount(), 1);
    r->state->ForceExpire();
    EXPECT_FALSE(cache.TryLocateKey("a").has_value());
    EXPECT_NE(peer.Search("a"), nullptr);  // still indexed, but expired
    EXPECT_EQ(peer.ValidCount(), 0);
  });
}

// REG-08: each access extends the TTL (client-go checkRegionCacheTTL).
TEST(RegionCachePortedTest, AccessExtendsTtl) {
  World w;
  w.pd.SplitAt({}, {1});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd, RegionCacheOptions{.ttl = 10s, .ttl_jitter = 0s});
    Backoffer bo = w.Bo();
    MustLocate(cache, bo, "a");
    for (int i = 0; i < 6; ++i) {  // 48 s, always within 10 s of the last access
      w.Sleep(8s);
      MustLocate(cache, bo, "a");
    }
    EXPECT_EQ(w.pd.calls(Api::kGetRegion), 1);
    w.Sleep(11s);
    MustLocate(cache, bo, "a");
    EXPECT_EQ(w.pd.calls(Api::kGetRegion), 2);
  });
}

// Ports client-go internal/locate/region_cache_test.go TestNeedExpireRegionAfterTTL
// (WithDownPeers).
TEST(RegionCachePortedTest, RegionWithDownPeersExpiresAfterTtlDespiteAccess) {
  World w;
  w.pd.SplitAt({}, {1, 2});
  w.pd.MarkPeerDown(1, 2);
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd, RegionCacheOptions{.ttl = 2s, .ttl_jitter = 0s});
    Backoffer bo = w.Bo();
    for (int i = 0; i < 40; ++i) {  // 4 s of accesses every 100 ms
      w.Sleep(100ms);
      MustLocate(cache, bo, "a");
    }
    EXPECT_EQ(w.pd.calls(Api::kGetRegion), 2);
  });
}

// Ports client-go internal/locate/region_cache_test.go TestNeedExpireRegionAfterTTL
// (WithStaleStores / WithUnreachableStores): the background scan flags regions on unhealthy
// stores, which then expire after their TTL.
TEST(RegionCachePortedTest, RegionOnUnhealthyStoreExpiresAfterTtl) {
  for (bool unhealthy : {false, true}) {
    World w;
    w.pd.SplitAt({}, {1, 2});
    RunOnFiber(w.env, [&] {
      RegionCacheOptions o{.ttl = 2s, .ttl_jitter = 0s};
      o.store_needs_refresh = [unhealthy](uint64_t store) { return unhealthy && store == 2; };
      RegionCache cache(w.env, w.pd, o);
      cache.StartBackground();
      Backoffer bo = w.Bo();
      for (int i = 0; i < 40; ++i) {
        w.Sleep(100ms);
        MustLocate(cache, bo, "a");
      }
      EXPECT_EQ(w.pd.calls(Api::kGetRegion), unhealthy ? 2 : 1);
    });
  }
}

// Ports client-go internal/locate/region_cache_test.go TestSplit.
TEST(RegionCachePortedTest, Split) {
  World w;
  w.pd.SplitAt({}, {1, 2});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo = w.Bo();
    KeyLocation r = MustLocate(cache, bo, "x");
    EXPECT_EQ(r.region.id, 1u);
    w.pd.Split(1, 2, "m");
    cache.InvalidateRegion(r.region, InvalidReason::kOther);  // TiKV said NotInRegion
    EXPECT_EQ(peer.ValidCount(), 0);
    KeyLocation x = MustLocate(cache, bo, "x");
    EXPECT_EQ(x.region.id, 2u);
    EXPECT_EQ(peer.ValidCount(), 1);
    absl::StatusOr<KeyLocation> m = cache.LocateEndKey(bo, "m");
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->region.id, 1u);
    EXPECT_EQ(m->end_key, "m");
    EXPECT_EQ(peer.ValidCount(), 2);
  });
}

// Ports client-go internal/locate/region_cache_test.go TestMerge.
TEST(RegionCachePortedTest, Merge) {
  World w;
  w.pd.SplitAt({}, {1, 2});
  w.pd.Split(1, 2, "m");
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo = w.Bo();
    KeyLocation loc = MustLocate(cache, bo, "x");
    EXPECT_EQ(loc.region.id, 2u);
    w.pd.Merge(1, 2);
    cache.InvalidateRegion(loc.region, InvalidReason::kOther);
    EXPECT_EQ(peer.ValidCount(), 0);
    EXPECT_EQ(MustLocate(cache, bo, "x").region.id, 1u);
    EXPECT_EQ(peer.ValidCount(), 1);
  });
}

// Ports client-go internal/locate/region_cache_test.go TestReconnect.
TEST(RegionCachePortedTest, ReloadAfterInvalidation) {
  World w;
  w.pd.SplitAt({}, {1, 2});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo = w.Bo();
    KeyLocation loc = MustLocate(cache, bo, "a");
    cache.InvalidateRegion(loc.region, InvalidReason::kOther);
    EXPECT_EQ(cache.GetCachedRegion(loc.region), nullptr);
    EXPECT_EQ(cache.LastInvalidReason(1), InvalidReason::kOther);
    EXPECT_EQ(MustLocate(cache, bo, "a").region.id, 1u);
    EXPECT_EQ(w.pd.calls(Api::kGetRegion), 2);
    EXPECT_NE(cache.GetCachedRegion(loc.region), nullptr);
    EXPECT_EQ(peer.ValidCount(), 1);
  });
}

// REG-22: a region invalidated for RegionNotFound is never served again until reloaded.
TEST(RegionCachePortedTest, RegionNotFoundIsAHardInvalidation) {
  World w;
  w.pd.SplitAt({"m"}, {1, 2});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    Backoffer bo = w.Bo();
    KeyLocation loc = MustLocate(cache, bo, "a");
    cache.InvalidateRegion(loc.region, InvalidReason::kRegionNotFound);
    EXPECT_EQ(cache.GetCachedRegion(loc.region), nullptr);
    EXPECT_FALSE(cache.TryLocateKey("a").has_value());
    EXPECT_EQ(cache.LastInvalidReason(loc.region.id), InvalidReason::kRegionNotFound);
    // A later, different reason does not overwrite the first.
    cache.InvalidateRegion(loc.region, InvalidReason::kOther);
    EXPECT_EQ(cache.LastInvalidReason(loc.region.id), InvalidReason::kRegionNotFound);
    MustLocate(cache, bo, "a");
    EXPECT_EQ(w.pd.calls(Api::kGetRegion), 2);
  });
}

// REG-07: an entry dropped for "no leader" makes its reload start at the next peer.
TEST(RegionCachePortedTest, NoLeaderInvalidationRotatesThePeer) {
  World w;
  w.pd.SplitAt({}, {1, 2, 3});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    Backoffer bo = w.Bo();
    KeyLocation loc = MustLocate(cache, bo, "a");
    cache.InvalidateRegion(loc.region, InvalidReason::kNoLeader);
    KeyLocation again = MustLocate(cache, bo, "a");
    EXPECT_EQ(cache.GetCachedRegion(again.region)->Leader()->store_id(), 2u);
  });
}

// Ports client-go internal/locate/region_cache_test.go TestListRegionIDsInCache.
TEST(RegionCachePortedTest, ListRegionIdsInKeyRange) {
  World w;
  w.pd.SplitAt({}, {1, 2});
  w.pd.Split(1, 2, "m");
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    Backoffer bo = w.Bo();
    EXPECT_EQ(*cache.ListRegionIdsInKeyRange(bo, "a", "z"), (std::vector<uint64_t>{1, 2}));
    EXPECT_EQ(*cache.ListRegionIdsInKeyRange(bo, "m", "z"), (std::vector<uint64_t>{2}));
    EXPECT_EQ(*cache.ListRegionIdsInKeyRange(bo, "a", "m"), (std::vector<uint64_t>{1, 2}));
  });
}

// Five regions split at "a".."d" with leaders on store 1 (ids 1..5).
void SplitFive(MemPdClient& pd) { pd.SplitAt({"a", "b", "c", "d"}, {1, 2}); }

// Ports client-go internal/locate/region_cache_test.go TestScanRegions.
TEST(RegionCachePortedTest, ScanRegionsSkipsRegionsWithoutLeader) {
  World w;
  SplitFive(w.pd);
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo = w.Bo();
    auto all = peer.ScanRegions(bo, "", "", 100);
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_EQ(all->size(), 5u);
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ((*all)[i]->meta.id(), static_cast<uint64_t>(i + 1));
      EXPECT_EQ((*all)[i]->Leader()->store_id(), 1u);
    }
    auto three = peer.ScanRegions(bo, "a", "", 3);
    ASSERT_TRUE(three.ok());
    ASSERT_EQ(three->size(), 3u);
    EXPECT_EQ((*three)[0]->meta.id(), 2u);
    auto one = peer.ScanRegions(bo, "a1", "", 1);
    ASSERT_TRUE(one.ok());
    ASSERT_EQ(one->size(), 1u);
    EXPECT_EQ((*one)[0]->meta.id(), 2u);
    w.pd.SetLeader(2, 0);
    w.pd.SetLeader(4, 0);
    auto led = peer.ScanRegions(bo, "", "", 5);
    ASSERT_TRUE(led.ok());
    ASSERT_EQ(led->size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ((*led)[i]->meta.id(), static_cast<uint64_t>(2 * i + 1));
  });
}

// Ports client-go internal/locate/region_cache_test.go TestBatchLoadRegions.
TEST(RegionCachePortedTest, BatchLoadRegions) {
  World w;
  SplitFive(w.pd);
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo = w.Bo();
    struct Case {
      std::string start, end;
      int limit;
      std::string expect_key;
      std::vector<uint64_t> expect;
    };
    const std::vector<Case> cases = {{"", "a", 1, "a", {1}},
                                     {"a", "b1", 2, "c", {2, 3}},
                                     {"a1", "d", 2, "c", {2, 3}},
                                     {"c", "c1", 2, "", {4}},
                                     {"d", "", 2, "", {5}}};
    for (const Case& c : cases) {
      absl::StatusOr<std::string> key = cache.BatchLoadRegionsFromKey(bo, c.start, c.limit);
      ASSERT_TRUE(key.ok()) << key.status();
      EXPECT_EQ(*key, c.expect_key) << c.start;  // "" = the last region reaches +infinity
      auto loaded = cache.BatchLoadRegionsWithKeyRange(bo, c.start, c.end, c.limit);
      ASSERT_TRUE(loaded.ok()) << loaded.status();
      std::vector<uint64_t> ids;
      for (const KeyLocation& l : *loaded) ids.push_back(l.region.id);
      EXPECT_EQ(ids, c.expect) << c.start;
    }
    EXPECT_EQ(peer.ValidCount(), 5);
  });
}

// Ports client-go internal/locate/region_cache_test.go TestReturnRegionWithNoLeader: a page
// without leaders backs off until PD knows the leader.
TEST(RegionCachePortedTest, RegionWithoutLeaderIsRetried) {
  World w;
  w.pd.SplitAt({}, {1, 2});
  w.pd.SetLeader(1, 0);
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    w.env.executor().Spawn({.name = "elect"}, [&] {
      w.Sleep(1s);
      w.pd.SetLeader(1, 2);
    });
    Backoffer bo = w.Bo(20000);
    auto loaded = cache.BatchLoadRegionsWithKeyRanges(bo, {pd::KeyRange{"", ""}}, 100,
                                                      BatchLocateOptions{.need_leader = true});
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    ASSERT_EQ(loaded->size(), 1u);
    EXPECT_GE(w.pd.calls(Api::kBatchScanRegions), 2);
    EXPECT_EQ(cache.GetCachedRegion(loaded->front().region)->Leader()->store_id(), 2u);
  });
}

// Ports client-go internal/locate/region_cache_test.go TestRemoveIntersectingRegions.
TEST(RegionCachePortedTest, RemoveIntersectingRegions) {
  World w;
  w.pd.SplitAt({"b", "c", "d", "e"}, {1, 2});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo = w.Bo();
    for (char c = 'a'; c <= 'e'; ++c) {
      EXPECT_EQ(MustLocate(cache, bo, std::string(1, c)).region.id,
                static_cast<uint64_t>(c - 'a' + 1));
    }
    for (uint64_t id = 2; id <= 4; ++id) w.pd.Merge(1, id);
    EXPECT_NE(MustLocate(cache, bo, "c").region.id, 1u);  // stale, as expected
    EXPECT_EQ(MustLocate(cache, bo, "e").region.id, 5u);
    auto merged = peer.LoadRegion(bo, "c");
    ASSERT_TRUE(merged.ok());
    EXPECT_TRUE(peer.Insert(**merged));
    EXPECT_EQ(MustLocate(cache, bo, "c").region.id, 1u);
    EXPECT_EQ(peer.ValidCount(), 2);
    w.pd.Merge(1, 5);  // the region with the empty end key
    auto all = peer.LoadRegion(bo, "e");
    ASSERT_TRUE(all.ok());
    EXPECT_TRUE(peer.Insert(**all));
    EXPECT_EQ(MustLocate(cache, bo, "e").region.id, 1u);
    EXPECT_EQ(peer.ValidCount(), 1);
  });
}

// Ports client-go internal/locate/region_cache_test.go TestSplitThenLocateInvalidRegion,
// TestSplitThenLocateRegionNeedReloadOnAccess and TestSplitThenLocateRegionNeedDelayedReload.
TEST(RegionCachePortedTest, SplitThenLocateMarkedRegion) {
  enum class Mark { kInvalidate, kReloadOnAccess, kDelayedReady };
  for (Mark mark : {Mark::kInvalidate, Mark::kReloadOnAccess, Mark::kDelayedReady}) {
    World w;
    w.pd.SplitAt({}, {1, 2, 3});
    RunOnFiber(w.env, [&] {
      RegionCache cache(w.env, w.pd);
      RegionCacheTestPeer peer(cache);
      Backoffer bo = w.Bo();
      ASSERT_TRUE(cache.LocateRegionById(bo, 1).ok());
      auto r1 = peer.Search("k");
      ASSERT_NE(r1, nullptr);
      w.pd.Split(1, 2, "k");
      switch (mark) {
        case Mark::kInvalidate:
          cache.InvalidateRegion(r1->VerId(), InvalidReason::kOther);
          break;
        case Mark::kReloadOnAccess:
          cache.ReloadOnNextAccess(r1->VerId());
          break;
        case Mark::kDelayedReady:
          r1->state->SetFlags(kNeedDelayedReloadReady);
          break;
      }
      EXPECT_FALSE(cache.TryLocateKey("").has_value());
      EXPECT_FALSE(cache.TryLocateKey("k").has_value());
      EXPECT_TRUE(peer.ScanFromCache("", "", 2).empty());
      KeyLocation first = MustLocate(cache, bo, "");
      EXPECT_FALSE(first.Contains("k"));
      KeyLocation second = MustLocate(cache, bo, "k");
      EXPECT_TRUE(second.Contains("k"));
    });
  }
}

// REG-09: a failed reload keeps the old entry and re-arms the flag.
TEST(RegionCachePortedTest, FailedReloadKeepsTheEntryAndRearms) {
  World w;
  w.pd.SplitAt({}, {1});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo = w.Bo();
    KeyLocation loc = MustLocate(cache, bo, "a");
    cache.ReloadOnNextAccess(loc.region);
    w.pd.FailNext(Api::kGetRegion, 1000, absl::UnavailableError("pd down"));
    Backoffer small = w.Bo(500);
    absl::StatusOr<KeyLocation> old = cache.LocateKey(small, "a");
    ASSERT_TRUE(old.ok()) << old.status();
    EXPECT_EQ(old->region, loc.region);
    EXPECT_TRUE(peer.Search("a")->state->HasAnyFlag(kNeedReloadOnAccess));
    EXPECT_EQ(cache.GetCachedRegion(loc.region), nullptr);  // flagged: not valid for sending
    w.pd.ClearFailures();
    const int calls = w.pd.calls(Api::kGetRegion);
    MustLocate(cache, bo, "a");
    EXPECT_EQ(w.pd.calls(Api::kGetRegion), calls + 1);
    EXPECT_FALSE(peer.Search("a")->state->HasAnyFlag(kNeedReloadOnAccess));
    MustLocate(cache, bo, "a");
    EXPECT_EQ(w.pd.calls(Api::kGetRegion), calls + 1);
  });
}

// REG-09 / REG-14: a delayed reload waits for the background scan, then the next access
// reloads.
TEST(RegionCachePortedTest, DelayedReloadAfterBackgroundScan) {
  World w;
  w.pd.SplitAt({}, {1});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    Backoffer bo = w.Bo();
    KeyLocation loc = MustLocate(cache, bo, "a");
    cache.ScheduleDelayedReload(loc.region);
    MustLocate(cache, bo, "a");
    EXPECT_EQ(w.pd.calls(Api::kGetRegion), 1);  // pending: not yet
    cache.StartBackground();
    w.Sleep(1500ms);
    MustLocate(cache, bo, "a");
    EXPECT_EQ(w.pd.calls(Api::kGetRegion), 2);
    MustLocate(cache, bo, "a");
    EXPECT_EQ(w.pd.calls(Api::kGetRegion), 2);
  });
}

// Ports client-go internal/locate/region_cache_test.go TestBackgroundCacheGC.
TEST(RegionCachePortedTest, BackgroundCacheGc) {
  World w;
  std::vector<std::string> splits;
  for (int i = 0; i < 100; ++i) splits.push_back(absl::StrFormat("t%08d", i));
  w.pd.SplitAt(splits, {1, 2});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo = w.Bo();
    for (const std::string& k : splits) MustLocate(cache, bo, k);
    ASSERT_EQ(peer.ValidCount(), 100);
    std::map<uint64_t, int> scans;
    peer.SetGcScanHook([&](uint64_t id) { ++scans[id]; });
    cache.StartBackground();
    w.Sleep(std::chrono::seconds(2 * 100 / 50) + 500ms);
    ASSERT_EQ(scans.size(), 100u);
    for (const auto& [id, n] : scans) EXPECT_EQ(n, 2) << id;

    for (int round = 0; round < 2; ++round) {
      int remaining = 0;
      for (const auto& r : peer.All()) {
        if (r->meta.id() % 3 == static_cast<uint64_t>(round)) {
          r->state->ForceExpire();
        } else {
          ++remaining;
        }
      }
      w.Sleep(3s);
      EXPECT_EQ(cache.size(), static_cast<size_t>(remaining));
      EXPECT_EQ(peer.ValidCount(), remaining);
    }
  });
}

// Ports client-go internal/locate/region_cache_test.go TestRegionCacheWithDelay
// TestInsertStaleRegion: a load older than what the cache holds is rejected.
TEST(RegionCachePortedTest, InsertStaleRegionIsRejected) {
  World w;
  w.pd.SplitAt({}, {1});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo = w.Bo();
    KeyLocation a = MustLocate(cache, bo, "a");
    Region fake = *peer.Search("a");
    w.pd.Split(1, 2, "b");
    w.pd.Split(2, 3, "c");
    cache.InvalidateRegion(a.region, InvalidReason::kOther);
    EXPECT_EQ(MustLocate(cache, bo, "c").start_key, "c");
    EXPECT_EQ(MustLocate(cache, bo, "b").start_key, "b");
    auto ra = peer.LoadRegion(bo, "a");
    ASSERT_TRUE(ra.ok());
    EXPECT_TRUE(peer.Insert(**ra));
    EXPECT_FALSE(peer.Insert(fake));  // the old unsplit region is stale now
    EXPECT_GT(peer.ScanFromCache("", "", 100).size(), 1u);
    EXPECT_EQ(MustLocate(cache, bo, "a").end_key, "b");
  });
}

// Ports client-go internal/locate/region_cache_test.go TestRegionCacheWithDelay
// TestStaleGetRegion (the one-time retry of findRegionByKey): a lagging PD answer older than
// the cache is asked once more, then returned without replacing the cached entry.
TEST(RegionCachePortedTest, StaleLoadIsRetriedOnce) {
  World w;
  w.pd.SplitAt({}, {1});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo = w.Bo();
    KeyLocation old = MustLocate(cache, bo, "a");
    w.pd.Freeze();
    // TiKV told us about the split; PD (frozen) has not caught up.
    errorpb::EpochNotMatch e;
    metapb::Region* left = e.add_current_regions();
    *left = *w.pd.Region(1);
    left->set_end_key("m");
    left->mutable_region_epoch()->set_version(2);
    ASSERT_TRUE(cache.OnEpochNotMatch(old.region, 1, e));
    cache.InvalidateRegion(peer.Search("a")->VerId(), InvalidReason::kOther);
    const int calls = w.pd.calls(Api::kGetRegion);
    KeyLocation got = MustLocate(cache, bo, "a");
    EXPECT_EQ(w.pd.calls(Api::kGetRegion), calls + 2);
    EXPECT_EQ(got.region.ver, 1u);               // PD's answer is returned...
    EXPECT_EQ(peer.ById(1)->VerId().ver, 2u);    // ...but the newer entry stays
    w.pd.Thaw();
  });
}

// Ports client-go internal/locate/region_cache_test.go TestLocateRegionByIDFromPD.
TEST(RegionCachePortedTest, LocateRegionByIdFromPdDoesNotCache) {
  World w;
  w.pd.SplitAt({}, {1, 2});
  w.pd.Split(1, 2, "b");
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo = w.Bo();
    absl::StatusOr<KeyLocation> loc = cache.LocateRegionByIdFromPd(bo, 2);
    ASSERT_TRUE(loc.ok()) << loc.status();
    EXPECT_EQ(loc->region.id, 2u);
    EXPECT_EQ(peer.ById(2), nullptr);
    absl::StatusOr<KeyLocation> cached = cache.LocateRegionById(bo, 2);
    ASSERT_TRUE(cached.ok());
    EXPECT_NE(cache.GetCachedRegion(cached->region), nullptr);
    // An unknown id fails at once, without spending the budget.
    Backoffer fresh = w.Bo();
    absl::StatusOr<KeyLocation> missing = cache.LocateRegionById(fresh, 99);
    EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(fresh.total_sleep_ms(), 0);
  });
}

// REG-05: the GroupKeysByRegion filter drops a looked-up key equal to its region's start.
TEST(RegionCachePortedTest, GroupKeysByRegionFilter) {
  World w;
  w.pd.SplitAt({"c"}, {1});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    Backoffer bo = w.Bo();
    RegionVerId first;
    auto groups = cache.GroupKeysByRegion(
        bo, {"a", "b", "c", "d"}, &first,
        [](std::string_view key, std::string_view start) { return key == start; });
    ASSERT_TRUE(groups.ok()) << groups.status();
    // "c" needed a lookup and starts its region: dropped.  "d" reused c's region: kept (the
    // filter only sees keys that needed a lookup, as in client-go).
    ASSERT_EQ(groups->size(), 2u);
    EXPECT_EQ(groups->begin()->second, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(std::next(groups->begin())->second, (std::vector<std::string>{"d"}));
    EXPECT_EQ(first.id, 1u);
  });
}

// REG-15: region loads go through the PD circuit breaker; an open breaker fails fast without
// calling PD, and a successful half-open probe closes it.
TEST(RegionCachePortedTest, PdCircuitBreaker) {
  World w;
  w.pd.SplitAt({}, {1});
  RunOnFiber(w.env, [&] {
    EXPECT_FALSE(RegionCache(w.env, w.pd).pd_region_meta_breaker().IsEnabled());
    RegionCacheOptions o;
    o.pd_breaker.error_rate_threshold_pct = 50;
    o.pd_breaker.min_qps_for_open = 1;
    o.pd_breaker.error_rate_window = 2s;
    o.pd_breaker.cool_down_interval = 60s;
    RegionCache cache(w.env, w.pd, o);
    w.pd.FailNext(Api::kGetRegion, 1000, absl::UnavailableError("pd overloaded"));
    Backoffer bo = w.Bo(5000);
    EXPECT_FALSE(cache.LocateKey(bo, "a").ok());
    EXPECT_EQ(cache.pd_region_meta_breaker().state(), util::CircuitState::kOpen);
    const int calls = w.pd.calls(Api::kGetRegion);
    Backoffer fail_fast = w.Bo(1000);
    absl::StatusOr<KeyLocation> rejected = cache.LocateKey(fail_fast, "a");
    EXPECT_FALSE(rejected.ok());
    EXPECT_EQ(w.pd.calls(Api::kGetRegion), calls);  // PD was not asked
    EXPECT_EQ(cache.pd_region_meta_breaker().state(), util::CircuitState::kOpen);
    w.pd.ClearFailures();
    w.Sleep(61s);
    Backoffer probe = w.Bo();
    EXPECT_TRUE(cache.LocateKey(probe, "a").ok());
    EXPECT_EQ(cache.pd_region_meta_breaker().state(), util::CircuitState::kHalfOpen);
    cache.InvalidateRegion(cache.TryLocateKey("a")->region, InvalidReason::kOther);
    EXPECT_TRUE(cache.LocateKey(probe, "a").ok());
    EXPECT_EQ(cache.pd_region_meta_breaker().state(), util::CircuitState::kClosed);
    // Settings change at runtime: threshold 0 disables the breaker.
    cache.ChangePdRegionMetaCircuitBreakerSettings(
        [](util::CircuitBreakerSettings& s) { s.error_rate_threshold_pct = 0; });
    EXPECT_FALSE(cache.pd_region_meta_breaker().IsEnabled());
  });
}

// REG-21: Close stops the background fibers; later calls fail with a clear status.
TEST(RegionCachePortedTest, CloseStopsBackgroundAndRejectsCalls) {
  World w;
  w.pd.SplitAt({}, {1});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    cache.StartBackground();
    Backoffer bo = w.Bo();
    MustLocate(cache, bo, "a");
    w.Sleep(2s);
    cache.Close();
    EXPECT_TRUE(cache.closed());
    absl::StatusOr<KeyLocation> after = cache.LocateKey(bo, "a");
    EXPECT_EQ(after.status().code(), absl::StatusCode::kCancelled);
    EXPECT_NE(after.status().message().find("closed"), std::string_view::npos);
    EXPECT_EQ(cache.BatchLocateKeyRanges(bo, {pd::KeyRange{"a", "b"}}).status().code(),
              absl::StatusCode::kCancelled);
    cache.StartBackground();  // ignored after Close
    cache.Close();            // idempotent
  });
  // RunOnFiber fails if a background fiber were still sleeping.
}

// REG-14: the destructor alone joins a running background fiber.
TEST(RegionCachePortedTest, DestructorJoinsBackground) {
  World w;
  w.pd.SplitAt({}, {1});
  RunOnFiber(w.env, [&] {
    auto cache = std::make_unique<RegionCache>(w.env, w.pd);
    cache->StartBackground();
    Backoffer bo = w.Bo();
    cache->UpdateBucketsIfNeeded(MustLocate(*cache, bo, "a").region, 0, 7);
    w.Sleep(1500ms);
    cache.reset();
  });
}

}  // namespace
}  // namespace tikv::locate
