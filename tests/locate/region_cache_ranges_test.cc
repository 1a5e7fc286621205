// Ports of client-go internal/locate/region_cache_test.go for range location and buckets:
// the pure helpers (merger, range splitting, gap check, bucket lookup and clamping) and the
// BatchLocateKeyRanges / BatchLoadRegionsWithKeyRanges / bucket feedback paths on the
// in-memory PD (tests/locate/mem_pd_client.h).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

#include "locate/buckets.h"
#include "locate/region_cache.h"
#include "locate/region_cache_ranges.h"
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

std::vector<pd::KeyRange> Ranges(const std::vector<std::string>& keys) {
  std::vector<pd::KeyRange> out;
  for (size_t i = 0; i + 1 < keys.size(); i += 2) out.push_back({keys[i], keys[i + 1]});
  return out;
}

std::vector<KeyLocation> Locs(const std::vector<std::string>& keys) {
  std::vector<KeyLocation> out;
  for (size_t i = 0; i + 1 < keys.size(); i += 2) {
    out.push_back(KeyLocation{{}, keys[i], keys[i + 1], nullptr});
  }
  return out;
}

// Ports client-go internal/locate/region_cache_test.go TestBatchScanRegionsMerger.
TEST(RegionCacheRangesTest, BatchLocateMerger) {
  auto check = [](const std::vector<std::string>& loaded, const std::vector<std::string>& cached,
                  const std::vector<std::string>& expect) {
    BatchLocateMerger m(Locs(cached));
    for (KeyLocation& l : Locs(loaded)) m.AppendLoaded(std::move(l));
    std::vector<std::string> got;
    for (const KeyLocation& l : std::move(m).Build()) {
      got.push_back(l.start_key);
      got.push_back(l.end_key);
    }
    EXPECT_EQ(got, expect);
  };
  check({"b", "c", "c", "d"}, {"a", "b"}, {"a", "b", "b", "c", "c", "d"});
  check({"a", "b", "c", "d"}, {"b", "c"}, {"a", "b", "b", "c", "c", "d"});
  check({"a", "b", "b", "c"}, {"c", "d"}, {"a", "b", "b", "c", "c", "d"});
  check({"", ""}, {"a", "b", "b", "c"}, {"", ""});
  check({"", "b"}, {"a", "b", "b", "c"}, {"", "b", "b", "c"});
  check({"b", ""}, {"a", "b", "b", "c"}, {"a", "b", "b", ""});
  check({"b", ""}, {"a", "b", "c", "d"}, {"a", "b", "b", ""});
  check({"b", "e"}, {"a", "b", "c", "d"}, {"a", "b", "b", "e"});
  check({"b", "i"}, {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"},
        {"a", "b", "b", "i", "i", "j"});
  check({"b", "d"}, {"a", "b", "c", "e"}, {"a", "b", "b", "d", "c", "e"});
  check({"b", "d", "d", "f"}, {"a", "b", "c", "e"}, {"a", "b", "b", "d", "d", "f"});
  check({"b", "d", "d", "e", "e", "g"}, {"a", "b", "c", "f"},
        {"a", "b", "b", "d", "d", "e", "e", "g"});
  check({"b", "d", "d", "e", "f", "h"}, {"a", "b", "c", "g"},
        {"a", "b", "b", "d", "d", "e", "c", "g", "f", "h"});
}

// Ports client-go internal/locate/region_cache_test.go TestSplitKeyRanges.
TEST(RegionCacheRangesTest, RangesAfterKey) {
  auto check = [](const std::vector<std::string>& ranges, const std::string& split,
                  const std::vector<std::string>& expect) {
    std::vector<std::string> got;
    for (const pd::KeyRange& r : RangesAfterKey(Ranges(ranges), split)) {
      got.push_back(r.start_key);
      got.push_back(r.end_key);
    }
    EXPECT_EQ(got, expect) << split;
  };
  check({"a", "c"}, "a", {"a", "c"});
  check({"b", "c"}, "a", {"b", "c"});
  check({"a", "c"}, "b", {"b", "c"});
  check({"a", "c"}, "c", {});
  check({"a", "c"}, "", {});
  check({"a", ""}, "b", {"b", ""});
  check({"a", ""}, "", {});
  check({"a", "b", "c", "f"}, "a1", {"a1", "b", "c", "f"});
  check({"a", "b", "c", "f"}, "b", {"c", "f"});
  check({"a", "b", "c", "f"}, "b1", {"c", "f"});
  check({"a", "b", "c", "f"}, "c", {"c", "f"});
  check({"a", "b", "c", "f"}, "d", {"d", "f"});
}

// Ports client-go internal/locate/region_cache_test.go TestRangesAreCoveredCheck.
TEST(RegionCacheRangesTest, RegionsHaveGapInRanges) {
  auto check = [](const std::vector<std::string>& ranges, const std::vector<std::string>& regions,
                  int limit, bool expect) {
    std::vector<pd::RegionInfo> infos;
    for (size_t i = 0; i + 1 < regions.size(); i += 2) {
      pd::RegionInfo info;
      info.meta.set_start_key(regions[i]);
      info.meta.set_end_key(regions[i + 1]);
      infos.push_back(info);
    }
    EXPECT_EQ(RegionsHaveGapInRanges(Ranges(ranges), infos, limit), expect)
        << ::testing::PrintToString(ranges) << " / " << ::testing::PrintToString(regions);
  };
  for (const auto& bound : std::vector<std::vector<std::string>>{
           {"a", "c"}, {"a", "b", "b", "c"}, {"a", "a1", "a1", "b", "b", "b1", "b1", "c"}}) {
    check(bound, {"a", "c"}, -1, false);
    check(bound, {"a", ""}, -1, false);
    check(bound, {"", "c"}, -1, false);
    check(bound, {"a", "b"}, -1, true);
    check(bound, {"b", "c"}, -1, true);
    check(bound, {"b", ""}, -1, true);
    check(bound, {"", "b"}, -1, true);
    check(bound, {"a", "b", "b", "c"}, -1, false);
    check(bound, {"", "b", "b", "c"}, -1, false);
    check(bound, {"a", "b", "b", ""}, -1, false);
    check(bound, {"", "b", "b", ""}, -1, false);
    check(bound, {"a", "b", "b1", "c"}, -1, true);
    check(bound, {"", "b", "b1", "c"}, -1, true);
    check(bound, {"a", "b", "b1", ""}, -1, true);
    check(bound, {"", "b", "b1", ""}, -1, true);
    check(bound, {}, -1, true);
  }
  for (const auto& gaps : std::vector<std::vector<std::string>>{
           {"a", "b", "c", "d"},
           {"a", "b1", "b1", "b", "c", "d"},
           {"a", "b", "c", "c1", "c1", "d"},
           {"a", "b1", "b1", "b", "c", "c1", "c1", "d"}}) {
    check(gaps, {"a", "d"}, -1, false);
    check(gaps, {"", "d"}, -1, false);
    check(gaps, {"a", ""}, -1, false);
    check(gaps, {"", ""}, -1, false);
    check(gaps, {"a", "b"}, -1, true);
    check(gaps, {"b", "c"}, -1, true);
    check(gaps, {"c", "d"}, -1, true);
    check(gaps, {"", "b"}, -1, true);
    check(gaps, {"c", ""}, -1, true);
  }
  for (const auto& unbound : std::vector<std::vector<std::string>>{
           {"", ""}, {"", "b", "b", ""}, {"", "a1", "a1", "b", "b", "b1", "b1", ""}}) {
    check(unbound, {"", ""}, -1, false);
    check(unbound, {"a", "c"}, -1, true);
    check(unbound, {"a", ""}, -1, true);
    check(unbound, {"", "c"}, -1, true);
    check(unbound, {"", "b", "b", ""}, -1, false);
    check(unbound, {"", "b", "b1", ""}, -1, true);
    check(unbound, {"a", "b", "b", ""}, -1, true);
    check(unbound, {"", "b", "b", "c"}, -1, true);
    check(unbound, {}, -1, true);
  }
  check({"", "b"}, {"", "a"}, -1, true);
  check({"", "b"}, {"", "a"}, 1, false);  // the page was full
  check({"", "b"}, {"", "a"}, 2, true);
  check({"a", ""}, {"b", ""}, -1, true);
  check({"a", ""}, {"b", ""}, 1, true);
  check({"a", ""}, {"b", "c"}, 1, true);
  check({"a", ""}, {"a", ""}, -1, false);
}

TEST(RegionCacheRangesTest, ValidateKeyRangesRejectsBadInput) {
  EXPECT_TRUE(ValidateKeyRanges(Ranges({"a", "b", "b", "c", "d", ""})).ok());
  EXPECT_EQ(ValidateKeyRanges(Ranges({"b", "a"})).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateKeyRanges(Ranges({"a", "c", "b", "d"})).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateKeyRanges(Ranges({"a", "", "b", "c"})).code(),
            absl::StatusCode::kInvalidArgument);
}

// Ports client-go internal/locate/region_cache_test.go TestBucketClampingToRegion.
TEST(RegionCacheRangesTest, BucketClampingToRegion) {
  struct Case {
    std::string rs, re, bs, be, ws, we;
  };
  const std::vector<Case> cases = {
      {"a", "z", "f", "m", "f", "m"},  // inside
      {"f", "z", "a", "m", "f", "m"},  // start clamped
      {"a", "m", "f", "z", "f", "m"},  // end clamped
      {"f", "m", "a", "z", "f", "m"},  // both
      {"", "m", "a", "z", "a", "m"},   // region from -inf
      {"f", "", "a", "z", "f", "z"},   // region to +inf
      {"f", "m", "a", "", "f", "m"},   // unbounded bucket, bounded region
      {"f", "m", "n", "z", "f", "m"},  // no overlap: the region's range
  };
  for (const Case& c : cases) {
    Bucket b = ClampBucketToRegion(Bucket{c.bs, c.be}, c.rs, c.re);
    EXPECT_EQ(b, (Bucket{c.ws, c.we})) << c.rs << ".." << c.re << " / " << c.bs << ".." << c.be;
  }
}

struct World {
  sim::SimEnv env{sim::SimOptions{.seed = 20261122}};
  MemPdClient pd{env};
  void Sleep(Duration d) { env.executor().SleepFor(env.clock(), d); }
};

std::vector<uint64_t> Ids(const std::vector<KeyLocation>& locs) {
  std::vector<uint64_t> ids;
  for (const KeyLocation& l : locs) ids.push_back(l.region.id);
  return ids;
}

// Ports client-go internal/locate/region_cache_test.go TestBatchScanRegions and
// TestBatchScanRegionsFallback.
TEST(RegionCacheRangesTest, BatchLocateKeyRanges) {
  for (bool unimplemented : {false, true}) {
    World w;
    // nil -- a -- b -- c -- d -- e -- f -- g -- nil, regions 1..8
    w.pd.SplitAt({"a", "b", "c", "d", "e", "f", "g"}, {1, 2});
    w.pd.batch_scan_unimplemented = unimplemented;
    RunOnFiber(w.env, [&] {
      RegionCache cache(w.env, w.pd);
      RegionCacheTestPeer peer(cache);
      Backoffer bo(w.env, 5000);
      auto check = [&](const std::vector<std::string>& scan,
                       const std::vector<std::string>& cached,
                       const std::function<void()>& after_load,
                       const std::vector<uint64_t>& expect) {
        peer.Clear();
        for (pd::KeyRange r : Ranges(cached)) {
          for (;;) {
            absl::StatusOr<KeyLocation> loc = cache.LocateKey(bo, r.start_key);
            ASSERT_TRUE(loc.ok());
            if (loc->Contains(r.end_key) || loc->end_key == r.end_key) break;
            r.start_key = loc->end_key;
          }
        }
        if (after_load) after_load();
        absl::StatusOr<std::vector<KeyLocation>> got = cache.BatchLocateKeyRanges(bo, Ranges(scan));
        ASSERT_TRUE(got.ok()) << got.status();
        EXPECT_EQ(Ids(*got), expect) << ::testing::PrintToString(scan);
      };
      check({"A", "B", "C", "D", "E", "F"}, {"", "a"}, nullptr, {1});
      check({"A", "B", "C", "D", "E", "F", "G", "c"}, {"", "c"}, nullptr, {1, 2, 3});
      check({"a", "g"}, {}, nullptr, {2, 3, 4, 5, 6, 7});
      check({"a", "g"}, {"a", "d"}, nullptr, {2, 3, 4, 5, 6, 7});
      check({"a", "d", "e", "g"}, {"a", "d"}, nullptr, {2, 3, 4, 6, 7});
      check({"a", "d", "e", "g"}, {"a", "b", "e", "f"}, nullptr, {2, 3, 4, 6, 7});
      // After a merge PD's answer replaces the cached regions.
      check({"a", "d", "e", "g"}, {"a", "b", "e", "f"}, [&] { w.pd.Merge(2, 3); },
            {2, 4, 6, 7});
      // When PD's answer does not cover a cached region, the cached one is still returned.
      check({"a", "d3", "e", "g"}, {"a", "c", "e", "f"},
            [&] {
              w.pd.Merge(5, 6);
              w.pd.Split(5, 100, "d2");
              w.pd.Split(100, 101, "e1");
            },
            {2, 4, 5, 100, 6, 7});
      EXPECT_EQ(w.pd.calls(Api::kScanRegions) > 0, unimplemented);
    });
  }
}

// Ports client-go internal/locate/region_cache_test.go TestScanRegionsWithGaps: a region not
// yet reported to PD leaves a gap; the load backs off and retries until it is covered.
TEST(RegionCacheRangesTest, ScanRegionsWithGaps) {
  for (bool batch : {false, true}) {
    World w;
    w.pd.SplitAt({"a", "c", "e"}, {1, 2});
    w.pd.HideFromScans(3, 1);
    RunOnFiber(w.env, [&] {
      RegionCache cache(w.env, w.pd);
      Backoffer bo(w.env, 5000);
      absl::StatusOr<std::vector<KeyLocation>> got =
          batch ? cache.BatchLoadRegionsWithKeyRanges(bo, {pd::KeyRange{"", ""}}, 10)
                : cache.BatchLoadRegionsWithKeyRange(bo, "", "", 10);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(Ids(*got), (std::vector<uint64_t>{1, 2, 3, 4}));
      EXPECT_GT(bo.total_sleep_ms(), 0);
    });
  }
}

// Ports client-go internal/locate/region_cache_test.go TestBatchLoadLimitRanges (scaled down:
// scan_batch 2 gives at most 32 ranges per PD request).
TEST(RegionCacheRangesTest, BatchLocateLimitsRangesPerRequest) {
  World w;
  w.pd.SplitAt({}, {1});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd, RegionCacheOptions{.scan_batch = 2});
    std::vector<pd::KeyRange> ranges;
    for (int i = 0; i < 200; ++i) {
      ranges.push_back({absl::StrFormat("k%06d", 2 * i), absl::StrFormat("k%06d", 2 * i + 1)});
    }
    Backoffer bo(w.env, 5000);
    absl::StatusOr<std::vector<KeyLocation>> got = cache.BatchLocateKeyRanges(bo, ranges);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(Ids(*got), (std::vector<uint64_t>{1}));
    EXPECT_LE(w.pd.max_batch_ranges, 32u);
    EXPECT_GT(w.pd.max_batch_ranges, 0u);
  });
}

// REG-03: LocateKeyRange chains cached regions and loads the rest.
TEST(RegionCacheRangesTest, LocateKeyRange) {
  World w;
  w.pd.SplitAt({"b", "d", "f"}, {1});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    Backoffer bo(w.env, 5000);
    ASSERT_TRUE(cache.LocateKey(bo, "a").ok());
    absl::StatusOr<std::vector<KeyLocation>> got = cache.LocateKeyRange(bo, "a", "e");
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(Ids(*got), (std::vector<uint64_t>{1, 2, 3}));
    EXPECT_EQ(w.pd.calls(Api::kBatchScanRegions), 1);
    absl::StatusOr<std::vector<KeyLocation>> all = cache.LocateKeyRange(bo, "", "");
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(Ids(*all), (std::vector<uint64_t>{1, 2, 3, 4}));
    EXPECT_EQ(cache.BatchLocateKeyRanges(bo, Ranges({"c", "a"})).status().code(),
              absl::StatusCode::kInvalidArgument);
  });
}

// Ports client-go internal/locate/region_cache_test.go TestRegionCacheValidAfterLoading:
// batch loads leave a valid cached entry valid; an invalidated one is replaced.
TEST(RegionCacheRangesTest, RegionCacheValidAfterLoading) {
  World w;
  w.pd.SplitAt({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, {1, 2});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    Backoffer bo(w.env, 5000);
    std::vector<std::function<void()>> fns = {
        [&] { ASSERT_TRUE(cache.LocateKeyRange(bo, "a", "e").ok()); },
        [&] { ASSERT_TRUE(cache.BatchLocateKeyRanges(bo, Ranges({"a", "e"})).ok()); },
        [&] { ASSERT_TRUE(cache.LocateKey(bo, "b").ok()); },
        [&] { ASSERT_TRUE(cache.LocateEndKey(bo, "c").ok()); },
        [&] {
          for (uint64_t id = 1; id <= 11; ++id) ASSERT_TRUE(cache.LocateRegionById(bo, id).ok());
        },
        [&] { ASSERT_TRUE(cache.GroupKeysByRegion(bo, {"a", "b", "c"}, nullptr).ok()); },
        [&] { ASSERT_TRUE(cache.ListRegionIdsInKeyRange(bo, "a", "e").ok()); },
        [&] { ASSERT_TRUE(cache.LoadRegionsInKeyRange(bo, "a", "e").ok()); },
        [&] { ASSERT_TRUE(cache.BatchLoadRegionsWithKeyRange(bo, "a", "e", 10).ok()); },
        [&] { ASSERT_TRUE(cache.BatchLoadRegionsWithKeyRanges(bo, Ranges({"a", "e"}), 10).ok()); },
        [&] { ASSERT_TRUE(cache.BatchLoadRegionsFromKey(bo, "a", 10).ok()); },
    };
    for (auto& fn : fns) {
      KeyLocation loc = *cache.LocateKey(bo, "b");
      auto region = cache.GetCachedRegion(loc.region);
      ASSERT_NE(region, nullptr);
      fn();
      EXPECT_EQ(region->state->invalid_reason(), InvalidReason::kOk);
      EXPECT_TRUE(region->state->Alive(w.env.clock().Now()));
    }
    for (auto& fn : fns) {
      KeyLocation loc = *cache.LocateKey(bo, "b");
      auto region = cache.GetCachedRegion(loc.region);
      ASSERT_NE(region, nullptr);
      cache.InvalidateRegion(loc.region, InvalidReason::kOther);
      fn();
      EXPECT_FALSE(region->state->Alive(w.env.clock().Now()));
      std::optional<KeyLocation> now = cache.TryLocateKey("b");
      ASSERT_TRUE(now.has_value());
      EXPECT_NE(cache.GetCachedRegion(now->region), nullptr);
    }
  });
}

// Ports client-go internal/locate/region_cache_test.go TestBuckets.
TEST(RegionCacheRangesTest, Buckets) {
  World w;
  w.pd.SplitAt({}, {1, 2});
  const uint64_t v = 1000;
  w.pd.SetBuckets(1, {"", "a", "b", ""}, v);
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    RegionCacheTestPeer peer(cache);
    Backoffer bo(w.env, 5000);
    // 1. Regions loaded from PD carry buckets.
    KeyLocation loc = *cache.LocateKey(bo, "a");
    ASSERT_NE(loc.buckets, nullptr);
    EXPECT_EQ(loc.BucketVersion(), v);
    EXPECT_EQ(loc.buckets->keys_size(), 4);
    for (std::string key : {"", "`", "a", "a0", "b", "c"}) {
      std::optional<Bucket> b = FindBucket(*loc.buckets, key);
      ASSERT_TRUE(b.has_value()) << key;
      EXPECT_TRUE(b->Contains(key)) << key;
    }
    metapb::Buckets stale = *loc.buckets;
    stale.clear_keys();
    for (std::string k : {"b", "c", "d"}) stale.add_keys(k);
    for (std::string key : {"a", "d", "e"}) EXPECT_FALSE(FindBucket(stale, key).has_value());

    // 2. Inserting keeps the newer buckets.
    Region fake = *peer.Search("a");
    fake.buckets = nullptr;
    ASSERT_TRUE(peer.Insert(fake));
    EXPECT_EQ(peer.Search("a")->BucketVersion(), v);
    auto older = std::make_shared<metapb::Buckets>();
    older->set_version(v - 1);
    fake.buckets = older;
    ASSERT_TRUE(peer.Insert(fake));
    EXPECT_EQ(peer.Search("a")->BucketVersion(), v);
    auto newer = std::make_shared<metapb::Buckets>(*loc.buckets);
    newer->set_version(v + 1);
    fake.buckets = newer;
    ASSERT_TRUE(peer.Insert(fake));
    EXPECT_EQ(peer.Search("a")->BucketVersion(), v + 1);

    // 3. EpochNotMatch keeps the buckets.
    auto cached = peer.Search("a");
    errorpb::EpochNotMatch e;
    metapb::Region* next = e.add_current_regions();
    *next = cached->meta;
    next->mutable_region_epoch()->set_version(cached->meta.region_epoch().version() + 1);
    next->mutable_region_epoch()->set_conf_ver(cached->meta.region_epoch().conf_ver() + 1);
    ASSERT_TRUE(cache.OnEpochNotMatch(cached->VerId(), 1, e));
    EXPECT_EQ(peer.Search("a")->BucketVersion(), v + 1);

    // 4. UpdateBucketsIfNeeded: a stale "latest" does nothing.
    cached = peer.Search("a");
    cache.UpdateBucketsIfNeeded(cached->VerId(), 0, v);
    w.Sleep(1s);
    EXPECT_EQ(w.pd.calls(Api::kGetRegionById), 0);
    // PD has the region at the cached epoch with newer buckets: one reload installs them.
    metapb::Region meta = cached->meta;
    w.pd.PutRegion(meta, 1);
    w.pd.SetBuckets(1, {"", "a", ""}, v + 2);
    cache.UpdateBucketsIfNeeded(cached->VerId(), 0, v + 2);
    w.Sleep(1s);
    EXPECT_EQ(w.pd.calls(Api::kGetRegionById), 1);
    EXPECT_EQ(peer.Search("a")->BucketVersion(), v + 2);
    EXPECT_EQ(peer.Search("a")->buckets->keys_size(), 3);
  });
}

// Ports client-go internal/locate/region_cache_test.go TestLocateBucket.
TEST(RegionCacheRangesTest, LocateBucket) {
  World w;
  w.pd.SplitAt({}, {1});
  w.pd.SetBuckets(1, {"", "a", "b", ""}, 5);
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    Backoffer bo(w.env, 5000);
    KeyLocation loc = *cache.LocateKey(bo, "a");
    for (std::string key : {"", "`", "a", "a0", "b", "c"}) {
      std::optional<Bucket> b = FindBucket(*loc.buckets, key);
      ASSERT_TRUE(b.has_value()) << key;
      EXPECT_TRUE(b->Contains(key));
    }
    // Holes between the region edges and the first / last bucket key.
    w.pd.SetBuckets(1, {"a", "b"}, 6);
    cache.UpdateBucketsIfNeeded(loc.region, 0, 6);
    w.Sleep(300ms);
    loc = *cache.LocateKey(bo, "a");
    ASSERT_EQ(loc.BucketVersion(), 6u);
    for (std::string key : {"`", "c"}) {
      EXPECT_FALSE(FindBucket(*loc.buckets, key).has_value()) << key;
      std::optional<Bucket> b = loc.LocateBucket(key);
      ASSERT_TRUE(b.has_value()) << key;
      EXPECT_TRUE(b->Contains(key)) << key;
    }
    EXPECT_EQ(*loc.LocateBucket("`"), (Bucket{"", "a"}));
    EXPECT_EQ(*loc.LocateBucket("c"), (Bucket{"b", ""}));
    // Without buckets the whole region is one bucket.
    KeyLocation bare{loc.region, "a", "m", nullptr};
    EXPECT_EQ(*bare.LocateBucket("b"), (Bucket{"a", "m"}));
    EXPECT_FALSE(bare.LocateBucket("z").has_value());
  });
}

// Ports client-go internal/locate/region_cache_test.go TestShouldNotRetryFlashback (bucket
// part): a BucketVersionNotMatch installs the server's keys.
TEST(RegionCacheRangesTest, OnBucketVersionNotMatch) {
  World w;
  w.pd.SplitAt({}, {1});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    Backoffer bo(w.env, 5000);
    KeyLocation loc = *cache.LocateKey(bo, "a");
    EXPECT_EQ(loc.buckets, nullptr);
    cache.OnBucketVersionNotMatch(loc.region, 1, {"a"});
    loc = *cache.LocateKey(bo, "a");
    ASSERT_NE(loc.buckets, nullptr);
    EXPECT_EQ(loc.buckets->version(), 1u);
    EXPECT_EQ(loc.buckets->keys_size(), 1);
    EXPECT_EQ(loc.buckets->keys(0), "a");
    cache.OnBucketVersionNotMatch(loc.region, 1, {"b"});  // not newer: ignored
    EXPECT_EQ(cache.LocateKey(bo, "a")->buckets->keys(0), "a");
  });
}

// Ports client-go internal/locate/region_cache_test.go TestUpdateBucketsConcurrently.
TEST(RegionCacheRangesTest, UpdateBucketsConcurrently) {
  World w;
  w.pd.SplitAt({}, {1});
  RunOnFiber(w.env, [&] {
    RegionCache cache(w.env, w.pd);
    Backoffer bo(w.env, 5000);
    KeyLocation loc = *cache.LocateKey(bo, "a");
    const uint64_t ver = loc.BucketVersion();
    w.pd.latency = 500ms;
    cache.UpdateBucketsIfNeeded(loc.region, 0, ver + 1);
    cache.UpdateBucketsIfNeeded(loc.region, 0, ver + 1);
    cache.UpdateBucketsIfNeeded(loc.region, ver, ver + 1);
    cache.UpdateBucketsIfNeeded(loc.region, ver + 1, ver + 1);
    EXPECT_EQ(w.pd.calls(Api::kGetRegionById), 0);
    w.Sleep(1s);
    EXPECT_EQ(w.pd.calls(Api::kGetRegionById), 1);
    // PD still has no buckets, so the cache is still behind: the next report reloads again.
    cache.UpdateBucketsIfNeeded(loc.region, 0, ver + 1);
    w.Sleep(1s);
    EXPECT_EQ(w.pd.calls(Api::kGetRegionById), 2);
  });
}

}  // namespace
}  // namespace tikv::locate
