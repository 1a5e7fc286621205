// Forwarding through a proxy store end to end (ROUTE-06, NET-14): the engine's routing stack
// (RpcPdClient, RegionCache, StoreCache, BatchRpcClient, RegionRequestSender) against the
// simulated cluster, with the leader's store cut off from the client only.  The follower that
// proxies sees the tikv-forwarded-host metadata on its BatchCommands stream and relays it to
// the leader over its own link.  Also: the simulated store answers GetHealthFeedback with a
// slow score that follows its "slow store" fault (STORE-04).

#include <memory>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "gtest/gtest.h"
#include "kvrpcpb.pb.h"
#include "locate/region_request_sender.h"
#include "locate/routing_layers.h"
#include "pd/rpc_pd_client.h"
#include "rpc/rpc_client.h"
#include "sim/testing/sim_world.h"

namespace tikv::sim {
namespace {

using namespace std::chrono_literals;

// The routing layers as the raw client assembles them (locate::RoutingLayers), so the health
// feedback test below also proves the layers' wiring.
struct Stack {
  Env& env;
  std::unique_ptr<pd::RpcPdClient> pd;
  std::unique_ptr<locate::RoutingLayers> layers;
  locate::StoreCache* stores = nullptr;

  void Start(const std::vector<std::string>& endpoints, bool forwarding) {
    pd::PdClientOptions o;
    o.endpoints = endpoints;
    pd = *pd::RpcPdClient::Create(env, o);
    locate::RoutingLayersOptions options;
    options.sender.cluster_id = pd->cluster_id();
    options.sender.enable_forwarding = forwarding;
    layers = std::make_unique<locate::RoutingLayers>(env, *pd, std::move(options));
    stores = &layers->stores();
  }
  void Close() {
    layers->Close();
    pd->Close();
  }
  locate::KeyLocation Locate(const std::string& key) {
    locate::Backoffer bo(env, locate::kLocateRegionMaxBackoffMs);
    absl::StatusOr<locate::KeyLocation> loc = layers->cache().LocateKey(bo, key);
    EXPECT_TRUE(loc.ok()) << loc.status();
    return *loc;
  }
  absl::StatusOr<rpc::Response> Raw(rpc::Request req, const std::string& key,
                                    locate::SendStats* stats, int64_t budget_ms = 20000) {
    locate::Backoffer bo(env, budget_ms);
    return layers->sender().SendReq(bo, req, Locate(key).region, 2s, stats);
  }
  absl::StatusOr<rpc::Response> RawPut(const std::string& key, const std::string& value) {
    kvrpcpb::RawPutRequest put;
    put.set_key(key);
    put.set_value(value);
    locate::SendStats stats;
    return Raw(rpc::Request::Of(rpc::CmdType::kRawPut, put), key, &stats);
  }
  absl::StatusOr<rpc::Response> RawGet(const std::string& key, locate::SendStats* stats,
                                       int64_t budget_ms = 20000) {
    kvrpcpb::RawGetRequest get;
    get.set_key(key);
    return Raw(rpc::Request::Of(rpc::CmdType::kRawGet, get), key, stats, budget_ms);
  }
  uint64_t LeaderStore(const std::string& key) {
    std::shared_ptr<const locate::Region> r = layers->cache().GetCachedRegion(Locate(key).region);
    return r != nullptr && r->Leader() != nullptr ? r->Leader()->store_id() : 0;
  }
};

// ROUTE-06: leader partitioned from the client only; with forwarding the read succeeds through
// a follower acting as proxy, and the proxy saw the forwarded-host metadata.
TEST(ForwardingTest, UnreachableLeaderIsReachedThroughAProxy) {
  SimWorld world;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Stack s{world.env};
    s.Start(world.PdEndpoints(), /*forwarding=*/true);
    absl::Cleanup close = [&s] { s.Close(); };
    ASSERT_TRUE(s.RawPut("k", "v").ok());
    const uint64_t leader = s.LeaderStore("k");
    ASSERT_NE(leader, 0u);
    const std::string leader_node = world.nodes.StoreNode(leader);
    world.net().Partition("client", leader_node);
    locate::SendStats stats;
    absl::StatusOr<rpc::Response> r = s.RawGet("k", &stats);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->region_error(), nullptr) << r->region_error()->ShortDebugString();
    EXPECT_EQ(r->As<kvrpcpb::RawGetResponse>()->value(), "v");
    EXPECT_EQ(stats.last_address, leader_node);  // the leader answered ...
    EXPECT_FALSE(stats.last_proxy_address.empty());  // ... through a proxy
    EXPECT_NE(stats.last_proxy_address, leader_node);
    EXPECT_GE(world.nodes.forwarded_streams(), 1);
    EXPECT_GT(s.layers->rpc().stats(stats.last_proxy_address, leader_node).requests, 0u);
    // Writes go the same way; the known proxy is used at once.
    locate::SendStats again;
    kvrpcpb::RawPutRequest put;
    put.set_key("k");
    put.set_value("v2");
    ASSERT_TRUE(s.Raw(rpc::Request::Of(rpc::CmdType::kRawPut, put), "k", &again).ok());
    EXPECT_EQ(again.attempts, 1);
    EXPECT_EQ(again.last_proxy_address, stats.last_proxy_address);
    // Healed: direct again.
    world.net().HealAll();
    world.env.executor().SleepFor(world.env.clock(), 3s);  // the health check sees it
    locate::SendStats direct;
    r = s.RawGet("k", &direct);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->As<kvrpcpb::RawGetResponse>()->value(), "v2");
    EXPECT_TRUE(direct.last_proxy_address.empty());
  }).ok());
}

// Forwarding off (the default): no proxy is used; the request cannot reach the leader and
// ends with the fake region error or an exhausted budget, as before.
TEST(ForwardingTest, WithoutForwardingTheLeaderStaysUnreachable) {
  SimWorld world;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Stack s{world.env};
    s.Start(world.PdEndpoints(), /*forwarding=*/false);
    absl::Cleanup close = [&s] { s.Close(); };
    ASSERT_TRUE(s.RawPut("k", "v").ok());
    const uint64_t leader = s.LeaderStore("k");
    world.net().Partition("client", world.nodes.StoreNode(leader));
    locate::SendStats stats;
    absl::StatusOr<rpc::Response> r = s.RawGet("k", &stats, /*budget_ms=*/5000);
    const bool failed = !r.ok() || r->region_error() != nullptr;
    EXPECT_TRUE(failed);
    EXPECT_TRUE(stats.last_proxy_address.empty());
    EXPECT_EQ(world.nodes.forwarded_streams(), 0);
  }).ok());
}

// STORE-04: the simulated store's feedback follows its slow fault; the client requests it
// actively once the piggy-backed score went stale and sees the store slow, then healthy.
TEST(ForwardingTest, SimulatedStoreServesHealthFeedback) {
  SimWorld world;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Stack s{world.env};
    s.Start(world.PdEndpoints(), /*forwarding=*/false);
    absl::Cleanup close = [&s] { s.Close(); };
    ASSERT_TRUE(s.RawPut("k", "v").ok());
    const uint64_t leader = s.LeaderStore("k");
    ASSERT_TRUE(world.cluster.SetStoreBusy(leader, 50).ok());
    locate::SendStats stats;
    (void)s.RawGet("k", &stats, /*budget_ms=*/3000);  // piggy-backed feedback: slow score 90
    EXPECT_EQ(s.stores->Get(leader)->tikv_slow_score, 90);
    EXPECT_TRUE(s.stores->Get(leader)->slow);
    // No more traffic: after 15 s the tick asks the store, which still says 90.
    world.env.executor().SleepFor(world.env.clock(), 31s);
    EXPECT_GE(s.stores->health_feedback_requests(), 1);
    EXPECT_EQ(s.stores->Get(leader)->tikv_slow_score, 90);
    ASSERT_TRUE(world.cluster.SetStoreBusy(leader, 0).ok());
    world.env.executor().SleepFor(world.env.clock(), 16s);
    EXPECT_EQ(s.stores->Get(leader)->tikv_slow_score, 1);
    EXPECT_FALSE(s.stores->Get(leader)->slow);
  }).ok());
}

// RoutingLayers' lifecycle: the region cache's background sweep runs until Close(), Close()
// is idempotent, and lookups after it fail kCancelled instead of reaching a closing PD client.
TEST(RoutingLayersTest, CloseStopsTheLayersOnce) {
  SimWorld world;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Stack s{world.env};
    s.Start(world.PdEndpoints(), /*forwarding=*/false);
    ASSERT_TRUE(s.RawPut("k", "v").ok());
    EXPECT_FALSE(s.layers->cache().closed());
    s.layers->Close();
    s.layers->Close();
    EXPECT_TRUE(s.layers->cache().closed());
    locate::Backoffer bo(world.env, locate::kLocateRegionMaxBackoffMs);
    EXPECT_EQ(s.layers->cache().LocateKey(bo, "k").status().code(), absl::StatusCode::kCancelled);
    s.pd->Close();
  }).ok());  // env.Run() ends: no background fiber outlived Close()
}

}  // namespace
}  // namespace tikv::sim
