// Region location and leader reads/writes through the region request sender, on the production
// Env against the tikv-sim-server binary on loopback (docs/e2e.md).  Each test names the
// client-go test it mirrors.

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "tests/e2e_routing/e2e_fixture.h"

namespace tikv::e2e {
namespace {

using namespace std::chrono_literals;

// The leader store of the cached region for `key`, or 0.
uint64_t CachedLeaderStore(RoutingStack& stack, const locate::KeyLocation& loc) {
  std::shared_ptr<const locate::Region> r = stack.cache().GetCachedRegion(loc.region);
  return r != nullptr && r->Leader() != nullptr ? r->Leader()->store_id() : 0;
}

// Ports client-go internal/locate/region_cache_test.go TestSimple (locate loads once, then
// hits) over three regions split at raw keys k5 and m.
TEST_F(E2eTest, LocateKeysAcrossSplitRegions) {
  const std::string pd = StartChild({.stores = 3, .raw_split_keys = {"k5", "m"}});
  ASSERT_FALSE(pd.empty());
  ASSERT_TRUE(StartStack(pd).ok());
  Fiber([&] {
    absl::StatusOr<locate::KeyLocation> a = stack_->Locate("a");
    absl::StatusOr<locate::KeyLocation> k1 = stack_->Locate("k1");
    absl::StatusOr<locate::KeyLocation> k5 = stack_->Locate("k5");
    absl::StatusOr<locate::KeyLocation> k7 = stack_->Locate("k7");
    absl::StatusOr<locate::KeyLocation> m = stack_->Locate("m");
    absl::StatusOr<locate::KeyLocation> z = stack_->Locate("z");
    for (const auto* l : {&a, &k1, &k5, &k7, &m, &z}) ASSERT_TRUE(l->ok()) << l->status();
    EXPECT_EQ(a->region.id, k1->region.id);
    EXPECT_EQ(a->start_key, "");
    EXPECT_EQ(a->end_key, "k5");
    EXPECT_EQ(k5->region.id, k7->region.id);
    EXPECT_EQ(k5->start_key, "k5");
    EXPECT_EQ(k5->end_key, "m");
    EXPECT_EQ(m->region.id, z->region.id);
    EXPECT_EQ(m->start_key, "m");
    EXPECT_EQ(m->end_key, "");
    EXPECT_EQ((std::set<uint64_t>{a->region.id, k5->region.id, m->region.id}).size(), 3u);
    EXPECT_TRUE(k1->Contains("k1"));
    EXPECT_FALSE(k1->Contains("k5"));
    EXPECT_TRUE(k1->ContainsByEnd("k5"));
    EXPECT_EQ(stack_->cache().size(), 3u);
    // A second lookup is served by the cache: same region, no new entry.
    absl::StatusOr<locate::KeyLocation> again = stack_->Locate("k6");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->region.id, k5->region.id);
    EXPECT_EQ(stack_->cache().size(), 3u);
    // Every region knows a leader on one of the server's stores.
    for (const auto* l : {&a, &k5, &m}) EXPECT_NE(CachedLeaderStore(*stack_, **l), 0u);
  });
}

// Ports client-go internal/locate/region_cache_test.go TestBatchLoadRegions /
// TestScanRegions: paged region loading over PD's ScanRegions.
TEST_F(E2eTest, LoadRegionsInKeyRange) {
  const std::string pd = StartChild({.stores = 3, .raw_split_keys = {"b", "d", "f"}});
  ASSERT_FALSE(pd.empty());
  ASSERT_TRUE(StartStack(pd).ok());
  Fiber([&] {
    locate::Backoffer bo(*env_, locate::kLocateRegionMaxBackoffMs);
    absl::StatusOr<std::vector<locate::KeyLocation>> locs =
        stack_->cache().LoadRegionsInKeyRange(bo, "a", "e");
    ASSERT_TRUE(locs.ok()) << locs.status();
    ASSERT_EQ(locs->size(), 3u);  // [,b) [b,d) [d,f)
    EXPECT_EQ((*locs)[0].end_key, "b");
    EXPECT_EQ((*locs)[1].start_key, "b");
    EXPECT_EQ((*locs)[2].start_key, "d");
    EXPECT_EQ((*locs)[2].end_key, "f");
  });
}

// Ports client-go internal/locate/region_request_test.go TestRegionRequestToSingleStore: a
// leader write and read on a one-store cluster, each answered by the first attempt.
TEST_F(E2eTest, LeaderReadAndWriteOnOneStore) {
  const std::string pd = StartChild({.stores = 1});
  ASSERT_FALSE(pd.empty());
  ASSERT_TRUE(StartStack(pd).ok());
  Fiber([&] {
    locate::SendStats put_stats;
    ASSERT_TRUE(stack_->RawPut("k", "v", 10s, &put_stats).ok());
    EXPECT_EQ(put_stats.attempts, 1);
    EXPECT_EQ(put_stats.region_errors, 0);
    EXPECT_EQ(put_stats.last_address, child_->store_addresses()[0]);
    locate::SendStats get_stats;
    absl::StatusOr<std::string> v = stack_->RawGet("k", 10s, &get_stats);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(*v, "v");
    EXPECT_EQ(get_stats.attempts, 1);
    absl::StatusOr<std::string> missing = stack_->RawGet("nope");
    ASSERT_TRUE(missing.ok());
    EXPECT_EQ(*missing, "");
  });
  EXPECT_EQ(tally_.region_errors(), 0);
  EXPECT_EQ(tally_.send_failures(), 0);
}

// Ports client-go internal/locate/region_request3_test.go TestRegionRequestToThreeStores (the
// path without faults): in every region a write and a read reach the cached leader's store at
// the first attempt, and the region context TiKV checks is accepted.
TEST_F(E2eTest, ReadsAndWritesReachTheLeaderOfEveryRegion) {
  const std::string pd = StartChild({.stores = 3, .raw_split_keys = {"k5", "m"}});
  ASSERT_FALSE(pd.empty());
  ASSERT_TRUE(StartStack(pd).ok());
  Fiber([&] {
    for (const std::string key : {"a", "k1", "k5", "k9", "m", "zz"}) {
      absl::StatusOr<locate::KeyLocation> loc = stack_->Locate(key);
      ASSERT_TRUE(loc.ok());
      const uint64_t leader = CachedLeaderStore(*stack_, *loc);
      locate::SendStats stats;
      ASSERT_TRUE(stack_->RawPut(key, "v-" + key, 10s, &stats).ok()) << key;
      EXPECT_EQ(stats.attempts, 1) << key;
      EXPECT_EQ(stats.last_store_id, leader) << key;
      absl::StatusOr<std::string> v = stack_->RawGet(key);
      ASSERT_TRUE(v.ok()) << v.status();
      EXPECT_EQ(*v, "v-" + key);
    }
  });
  EXPECT_EQ(tally_.region_errors(), 0) << tally_.ToString();
}

// Many fibers on two runtime threads write and read disjoint keys across three regions at once
// over the BatchCommands streams (no ported Go test: the production transport under
// concurrency).
TEST_F(E2eTest, ConcurrentRequestsAcrossRegions) {
  const std::string pd = StartChild({.stores = 3, .raw_split_keys = {"k3", "k6"}});
  ASSERT_FALSE(pd.empty());
  ASSERT_TRUE(StartStack(pd).ok());
  constexpr int kFibers = 64;
  std::vector<absl::Status> results(kFibers);
  Fiber([&] {
    env::WaitGroup wg;
    for (int i = 0; i < kFibers; ++i) {
      wg.Add(1);
      env_->executor().Spawn({.name = "e2e-worker"}, [&, i] {
        const std::string key = absl::StrCat("k", i % 9, "-", i);
        absl::Status s = stack_->RawPut(key, absl::StrCat("v", i));
        if (s.ok()) {
          absl::StatusOr<std::string> v = stack_->RawGet(key);
          if (!v.ok()) {
            s = v.status();
          } else if (*v != absl::StrCat("v", i)) {
            s = absl::InternalError(absl::StrCat(key, " read back ", *v));
          }
        }
        results[i] = s;
        wg.Done();
      });
    }
    wg.Wait();
  });
  for (int i = 0; i < kFibers; ++i) EXPECT_TRUE(results[i].ok()) << i << ": " << results[i];
}

}  // namespace
}  // namespace tikv::e2e
