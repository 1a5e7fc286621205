// The PD client (src/pd/rpc_pd_client.h) on the production Env against tikv-sim-server's PD on
// loopback: discovery, region and store queries, and TSO batching over a real gRPC stream.
// Mirrors tests/pd/rpc_pd_client_test.cc (itself after tikv/pd client/client_test.go).

#include <set>
#include <string>
#include <vector>

#include "env/wait_group.h"
#include "gtest/gtest.h"
#include "tests/e2e_routing/e2e_fixture.h"

namespace tikv::e2e {
namespace {

using namespace std::chrono_literals;

// Creates a PD client for `pd` on the current fiber (nullptr on failure, recorded).
std::unique_ptr<pd::RpcPdClient> MakePd(Env& env, const std::string& pd) {
  pd::PdClientOptions options;
  options.endpoints = {pd};
  absl::StatusOr<std::unique_ptr<pd::RpcPdClient>> c = pd::RpcPdClient::Create(env, options);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

// Mirrors tests/pd/rpc_pd_client_test.cc DiscoversLeaderAndClusterId and RegionQueries (tikv/pd
// client/client_test.go TestGetRegion-style checks): the leader is the one PD member, regions
// and stores are what the server was started with.
TEST_F(E2eTest, PdDiscoveryRegionAndStoreQueries) {
  const std::string pd = StartChild({.stores = 3, .raw_split_keys = {"b", "d", "f"}});
  ASSERT_FALSE(pd.empty());
  Fiber([&] {
    std::unique_ptr<pd::RpcPdClient> c = MakePd(*env_, pd);
    ASSERT_NE(c, nullptr);
    EXPECT_NE(c->cluster_id(), 0u);
    EXPECT_EQ(c->leader(), pd);
    auto r = c->GetRegion("c", false, nullptr);
    ASSERT_TRUE(r.ok() && r->has_value()) << r.status();
    EXPECT_EQ((*r)->meta.start_key(), "b");
    EXPECT_EQ((*r)->meta.end_key(), "d");
    ASSERT_TRUE((*r)->leader.has_value());
    auto prev = c->GetPrevRegion("c", false, nullptr);
    ASSERT_TRUE(prev.ok() && prev->has_value());
    EXPECT_EQ((*prev)->meta.end_key(), "b");
    auto by_id = c->GetRegionById((*r)->meta.id(), false, nullptr);
    ASSERT_TRUE(by_id.ok() && by_id->has_value());
    EXPECT_EQ((*by_id)->meta.start_key(), "b");
    auto missing = c->GetRegionById(987654, false, nullptr);
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
    auto scan = c->ScanRegions("a", "e", 0, nullptr);
    ASSERT_TRUE(scan.ok()) << scan.status();
    EXPECT_EQ(scan->size(), 3u);
    auto limited = c->ScanRegions("", "", 2, nullptr);
    ASSERT_TRUE(limited.ok());
    EXPECT_EQ(limited->size(), 2u);
    auto batch = c->BatchScanRegions({{"a", "c"}, {"c", "e"}}, 10, nullptr);
    ASSERT_TRUE(batch.ok()) << batch.status();
    EXPECT_EQ(batch->size(), 3u);

    auto stores = c->GetAllStores(true, nullptr);
    ASSERT_TRUE(stores.ok());
    ASSERT_EQ(stores->size(), 3u);
    std::set<std::string> addresses;
    for (const metapb::Store& s : *stores) addresses.insert(s.address());
    EXPECT_EQ(addresses, std::set<std::string>(child_->store_addresses().begin(),
                                               child_->store_addresses().end()));
    auto leader_store = c->GetStore((*r)->leader->store_id(), nullptr);
    ASSERT_TRUE(leader_store.ok() && leader_store->has_value());
    EXPECT_TRUE(addresses.count((*leader_store)->address()));
    auto unknown = c->GetStore(987654, nullptr);
    ASSERT_TRUE(unknown.ok()) << unknown.status();
    EXPECT_FALSE(unknown->has_value());
    c->Close();
  });
}

// Mirrors tests/pd/rpc_pd_client_test.cc CreateFailsWhenNoMemberAnswers: a PD address that
// refuses connections fails Create with kUnavailable, promptly.
TEST_F(E2eTest, PdCreateFailsWhenNoMemberAnswers) {
  absl::StatusOr<std::unique_ptr<DeadAddress>> dead = DeadAddress::Open(DeadAddress::Kind::kRefusing);
  ASSERT_TRUE(dead.ok()) << dead.status();
  Fiber([&] {
    pd::PdClientOptions options;
    options.endpoints = {(*dead)->address()};
    options.timeout = 1s;
    options.max_retries = 2;
    const MonoTime start = env_->clock().Now();
    absl::StatusOr<std::unique_ptr<pd::RpcPdClient>> c = pd::RpcPdClient::Create(*env_, options);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable) << c.status();
    EXPECT_LT(env_->clock().Now() - start, Duration(10s));
  });
}

// Mirrors tests/pd/rpc_pd_client_test.cc TimestampsIncrease: sequential timestamps strictly
// increase, one TSO request each.
TEST_F(E2eTest, PdTimestampsIncrease) {
  const std::string pd = StartChild({.stores = 1});
  ASSERT_FALSE(pd.empty());
  Fiber([&] {
    std::unique_ptr<pd::RpcPdClient> c = MakePd(*env_, pd);
    ASSERT_NE(c, nullptr);
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

// Mirrors tests/pd/rpc_pd_client_test.cc ConcurrentTimestampRequestsAreBatched (tikv/pd
// client/tso_dispatcher batching): 1000 concurrent GetTs calls share a few TSO requests over
// the real stream, every timestamp is distinct, and later timestamps exceed all of them.
TEST_F(E2eTest, PdConcurrentTimestampRequestsAreBatched) {
  const std::string pd = StartChild({.stores = 1});
  ASSERT_FALSE(pd.empty());
  Fiber([&] {
    std::unique_ptr<pd::RpcPdClient> c = MakePd(*env_, pd);
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->GetTs(nullptr).ok());  // the stream is open
    const uint64_t rpcs_before = c->tso_rpc_count();
    constexpr int kCalls = 1000;
    std::vector<uint64_t> got(kCalls, 0);
    env::WaitGroup wg;
    for (int i = 0; i < kCalls; ++i) {
      wg.Add(1);
      env_->executor().Spawn({.name = "get-ts"}, [&, i] {
        absl::StatusOr<uint64_t> ts = c->GetTs(nullptr);
        EXPECT_TRUE(ts.ok()) << ts.status();
        got[i] = ts.value_or(0);
        wg.Done();
      });
    }
    wg.Wait();
    const std::set<uint64_t> unique(got.begin(), got.end());
    EXPECT_EQ(unique.size(), static_cast<size_t>(kCalls));
    EXPECT_EQ(unique.count(0), 0u);
    const uint64_t rpcs = c->tso_rpc_count() - rpcs_before;
    EXPECT_GE(rpcs, 1u);
    // Fibers queue while the first request is in flight; the bound is loose so that a slow,
    // shared machine cannot fail it, yet far below one request per call.
    EXPECT_LE(rpcs, 100u) << "TSO requests were not batched";
    absl::StatusOr<uint64_t> after = c->GetTs(nullptr);
    ASSERT_TRUE(after.ok());
    EXPECT_GT(*after, *unique.rbegin());
    c->Close();
  });
}

}  // namespace
}  // namespace tikv::e2e
