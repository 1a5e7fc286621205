// Faults injected at runtime into a cluster served over real gRPC, seen by the routing stack on
// the production Env.  The tikv-sim-server binary cannot be told to split or move leaders once
// running, so these tests embed the same server (tools/sim_server/sim_server.h) and change its
// cluster under ClusterLock() with SimServer::WithCluster; the client side is unchanged: real
// sockets, real gRPC, the production transport.  Each test names the client-go test it mirrors.

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/e2e_routing/e2e_fixture.h"

namespace tikv::e2e {
namespace {

using namespace std::chrono_literals;

uint64_t CachedLeaderStore(RoutingStack& stack, const locate::RegionVerId& id) {
  std::shared_ptr<const locate::Region> r = stack.cache().GetCachedRegion(id);
  return r != nullptr && r->Leader() != nullptr ? r->Leader()->store_id() : 0;
}

// Points PD's record of `store_id` at `address` (the store keeps serving where it was).
void SetStoreAddress(sim::SimCluster& cluster, uint64_t store_id, const std::string& address) {
  sim::SimStore* store = cluster.topology().MutableStore(store_id);
  ASSERT_NE(store, nullptr);
  store->address = address;
  cluster.pd().PutStore(store->ToProto());
}

// Ports client-go internal/locate/region_cache_test.go TestSplit and the EpochNotMatch case of
// region_request_test.go TestOnRegionError: after the server splits the cached region, a request
// with the old epoch meets EpochNotMatch, the cache installs the new regions, and the request
// is answered by the retry; the data written before the split is still there.
TEST_F(E2eTest, EpochNotMatchAfterTheServerSplitsARegion) {
  const std::string pd = StartEmbedded({.stores = 3});
  ASSERT_FALSE(pd.empty());
  ASSERT_TRUE(StartStack(pd).ok());
  locate::KeyLocation before;
  Fiber([&] {
    ASSERT_TRUE(stack_->RawPut("k3", "v3").ok());
    absl::StatusOr<locate::KeyLocation> loc = stack_->Locate("k7");
    ASSERT_TRUE(loc.ok());
    before = *loc;
  });
  ASSERT_EQ(before.start_key, "");
  ASSERT_EQ(before.end_key, "");
  embedded_->WithCluster([](sim::SimCluster& c) { ASSERT_TRUE(c.SplitAtRaw({"k5"}).ok()); });
  Fiber([&] {
    locate::SendStats stats;
    ASSERT_TRUE(stack_->RawPut("k7", "v7", 10s, &stats).ok());
    EXPECT_GE(stats.region_errors, 1);
    absl::StatusOr<locate::KeyLocation> left = stack_->Locate("k3");
    absl::StatusOr<locate::KeyLocation> right = stack_->Locate("k7");
    ASSERT_TRUE(left.ok() && right.ok());
    EXPECT_EQ(left->end_key, "k5");
    EXPECT_EQ(right->start_key, "k5");
    EXPECT_NE(left->region.id, right->region.id);
    EXPECT_GT(right->region.ver, before.region.ver);
    absl::StatusOr<std::string> v3 = stack_->RawGet("k3");
    ASSERT_TRUE(v3.ok());
    EXPECT_EQ(*v3, "v3");
  });
  EXPECT_GE(tally_.count("epoch_not_match"), 1) << tally_.ToString();
}

// Ports client-go internal/locate/region_request3_test.go TestRegionRequestToThreeStores (the
// leader moved: NotLeader with the new leader's hint, the cached leader follows, the retry
// lands on the new leader without a backoff).
TEST_F(E2eTest, NotLeaderAfterTheServerMovesTheLeader) {
  const std::string pd = StartEmbedded({.stores = 3});
  ASSERT_FALSE(pd.empty());
  ASSERT_TRUE(StartStack(pd).ok());
  locate::KeyLocation loc;
  uint64_t old_leader = 0;
  Fiber([&] {
    ASSERT_TRUE(stack_->RawPut("k", "v1").ok());
    absl::StatusOr<locate::KeyLocation> l = stack_->Locate("k");
    ASSERT_TRUE(l.ok());
    loc = *l;
    old_leader = CachedLeaderStore(*stack_, loc.region);
  });
  ASSERT_NE(old_leader, 0u);
  uint64_t new_leader = 0;
  embedded_->WithCluster([&](sim::SimCluster& c) {
    for (uint64_t s : c.store_ids()) {
      if (s != old_leader) new_leader = s;
    }
    ASSERT_TRUE(c.TransferLeader(loc.region.id, new_leader).ok());
  });
  Fiber([&] {
    locate::SendStats stats;
    ASSERT_TRUE(stack_->RawPut("k", "v2", 10s, &stats).ok());
    EXPECT_EQ(stats.attempts, 2);
    EXPECT_EQ(stats.backoffs, 0);
    EXPECT_EQ(stats.last_store_id, new_leader);
    EXPECT_EQ(CachedLeaderStore(*stack_, loc.region), new_leader);
    absl::StatusOr<std::string> v = stack_->RawGet("k");
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(*v, "v2");
  });
  EXPECT_EQ(tally_.count("not_leader"), 1) << tally_.ToString();
}

// Ports client-go internal/locate/region_request3_test.go TestAccessFollowerAfter1TiKVDown and
// region_cache_test.go TestSendFailedInMultipleNode: the leader's store stops (its calls fail
// at the transport, leadership moves to another voter); the request is answered by another
// store within its deadline.
TEST_F(E2eTest, LeaderStoreDownFailsOverToAnotherStore) {
  const std::string pd = StartEmbedded({.stores = 3});
  ASSERT_FALSE(pd.empty());
  ASSERT_TRUE(StartStack(pd).ok());
  uint64_t old_leader = 0;
  Fiber([&] {
    ASSERT_TRUE(stack_->RawPut("k", "v1").ok());
    absl::StatusOr<locate::KeyLocation> l = stack_->Locate("k");
    ASSERT_TRUE(l.ok());
    old_leader = CachedLeaderStore(*stack_, l->region);
  });
  ASSERT_NE(old_leader, 0u);
  embedded_->WithCluster(
      [&](sim::SimCluster& c) { ASSERT_TRUE(c.SetStoreUp(old_leader, false).ok()); });
  Fiber([&] {
    locate::SendStats stats;
    const MonoTime start = env_->clock().Now();
    ASSERT_TRUE(stack_->RawPut("k", "v2", 10s, &stats).ok());
    EXPECT_LT(env_->clock().Now() - start, Duration(10s));
    EXPECT_GE(stats.send_failures, 1);
    EXPECT_NE(stats.last_store_id, old_leader);
    absl::StatusOr<std::string> v = stack_->RawGet("k");
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(*v, "v2");
  });
  EXPECT_GE(tally_.send_failures(), 1) << tally_.ToString();
}

// A store whose address (as PD reports it) refuses connections: the request ends with a typed
// kUnavailable once its backoff budget is spent, well within its deadline, after tikvRPC
// backoffs (client-go region_request_test.go TestOnSendFailedWithStoreRestart, the store never
// coming back).
TEST_F(E2eTest, UnreachableStoreEndsInUnavailableWithinTheBudget) {
  absl::StatusOr<std::unique_ptr<DeadAddress>> dead = DeadAddress::Open(DeadAddress::Kind::kRefusing);
  ASSERT_TRUE(dead.ok()) << dead.status();
  const std::string pd = StartEmbedded({.stores = 1});
  ASSERT_FALSE(pd.empty());
  embedded_->WithCluster([&](sim::SimCluster& c) {
    SetStoreAddress(c, c.store_ids()[0], (*dead)->address());
  });
  ASSERT_TRUE(StartStack(pd).ok());
  Fiber([&] {
    kvrpcpb::RawGetRequest get;
    get.set_key("k");
    const MonoTime start = env_->clock().Now();
    locate::SendStats stats;
    absl::StatusOr<rpc::Response> r =
        stack_->Do(rpc::Request::Of(rpc::CmdType::kRawGet, get), "k", start + 20s,
                   /*budget_ms=*/1500, 1s, &stats);
    const Duration took = env_->clock().Now() - start;
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
    EXPECT_LT(took, Duration(15s));
    EXPECT_GE(stats.send_failures, 1);
    EXPECT_GE(stats.backoffs, 1);
  });
  EXPECT_GE(tally_.count("send_failed:UNAVAILABLE"), 1) << tally_.ToString();
  EXPECT_EQ(tally_.region_errors(), 0) << tally_.ToString();
}

// A store that accepts connections but never answers: the operation's deadline ends it with
// kDeadlineExceeded, on time (client-go region_request_test.go TestSendReqCtx's timeout case /
// TestNoReloadRegionForGrpcWhenCtxCanceled: the caller's context ends the request).
TEST_F(E2eTest, SilentStoreEndsInDeadlineExceededOnTime) {
  absl::StatusOr<std::unique_ptr<DeadAddress>> silent = DeadAddress::Open(DeadAddress::Kind::kSilent);
  ASSERT_TRUE(silent.ok()) << silent.status();
  const std::string pd = StartEmbedded({.stores = 1});
  ASSERT_FALSE(pd.empty());
  embedded_->WithCluster([&](sim::SimCluster& c) {
    SetStoreAddress(c, c.store_ids()[0], (*silent)->address());
  });
  ASSERT_TRUE(StartStack(pd).ok());
  Fiber([&] {
    const MonoTime start = env_->clock().Now();
    absl::StatusOr<std::string> v = stack_->RawGet("k", 1500ms);
    const Duration took = env_->clock().Now() - start;
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), absl::StatusCode::kDeadlineExceeded) << v.status();
    EXPECT_GE(took, Duration(1400ms));
    // Slack for loaded or sanitizer machines; without the deadline it would run for the
    // 20 s backoff budget.
    EXPECT_LT(took, Duration(5s)) << "finished long after its deadline";
  });
}

// Ports client-go rawkv/rawkv_test.go TestUpdateStoreAddr and region_request_test.go
// TestOnSendFailedWithCloseKnownStoreThenUseNewOne: the client has resolved a store to an
// address that no longer serves (PD has the new one by now); the failing request marks the
// store for a re-check, the store cache re-reads PD, and the request succeeds at the new address.
TEST_F(E2eTest, StoreAddressChangeIsPickedUpFromPd) {
  absl::StatusOr<std::unique_ptr<DeadAddress>> dead = DeadAddress::Open(DeadAddress::Kind::kRefusing);
  ASSERT_TRUE(dead.ok()) << dead.status();
  const std::string pd = StartEmbedded({.stores = 1});
  ASSERT_FALSE(pd.empty());
  const std::string real = embedded_->store_addresses()[0];
  uint64_t store_id = 0;
  embedded_->WithCluster([&](sim::SimCluster& c) {
    store_id = c.store_ids()[0];
    SetStoreAddress(c, store_id, (*dead)->address());
  });
  ASSERT_TRUE(StartStack(pd).ok());
  Fiber([&] {
    locate::Backoffer bo(*env_, locate::kLocateRegionMaxBackoffMs);
    absl::StatusOr<std::string> cached = stack_->stores().GetStoreAddress(bo, store_id);
    ASSERT_TRUE(cached.ok()) << cached.status();
    EXPECT_EQ(*cached, (*dead)->address());
  });
  // The store "moves": PD now names the address it really serves on.
  embedded_->WithCluster([&](sim::SimCluster& c) { SetStoreAddress(c, store_id, real); });
  Fiber([&] {
    locate::SendStats stats;
    const MonoTime start = env_->clock().Now();
    absl::Status put = stack_->RawPut("k", "v", 15s, &stats);
    ASSERT_TRUE(put.ok()) << put;
    EXPECT_LT(env_->clock().Now() - start, Duration(10s));
    EXPECT_GE(stats.send_failures, 1);
    EXPECT_EQ(stats.last_address, real);
    absl::StatusOr<std::string> v = stack_->RawGet("k");
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(*v, "v");
  });
  EXPECT_GE(tally_.count("send_failed:UNAVAILABLE"), 1) << tally_.ToString();
}

}  // namespace
}  // namespace tikv::e2e
