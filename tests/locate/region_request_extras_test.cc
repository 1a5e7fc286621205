// Tests of the region request sender's per-attempt extras (src/locate/region_request_sender.h):
// request-source patching, the per-store token limit, the shutdown flag, runtime stats and the
// access location, against the scripted PD and TiKV stores on the simulated network.  Each test
// names the client-go test it ports or the client-go behaviour it checks.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "gtest/gtest.h"
#include "locate/region_request_sender.h"
#include "pd/rpc_pd_client.h"
#include "rpc/rpc_client.h"
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

struct World {
  explicit World(SenderOptions o = {}) : options(std::move(o)), tikv(env, pd, 3) {
    tikv.SplitAt({}, {1, 2, 3});
  }
  SenderOptions options;
  sim::SimEnv env{sim::SimOptions{.seed = 20261122}};
  FakePd pd{env, 1};
  FakeTikvCluster tikv;
  std::unique_ptr<pd::RpcPdClient> pd_client;
  std::unique_ptr<RegionCache> cache;
  std::unique_ptr<StoreCache> stores;
  std::unique_ptr<rpc::BatchRpcClient> client;
  std::unique_ptr<RegionRequestSender> sender;
  // The request source of every request TiKV saw, in order.
  std::vector<std::string> sources;

  void Start() {
    pd::PdClientOptions o;
    o.endpoints = pd.endpoints();
    pd_client = *pd::RpcPdClient::Create(env, o);
    cache = std::make_unique<RegionCache>(env, *pd_client);
    stores = std::make_unique<StoreCache>(env, *pd_client);
    client = std::make_unique<rpc::BatchRpcClient>(env);
    sender = std::make_unique<RegionRequestSender>(env, *cache, *stores, *client, options);
  }
  void Stop() {
    client->Close();
    stores->Close();
    pd_client->Close();
  }
  RegionVerId Region() {
    Backoffer bo(env, kLocateRegionMaxBackoffMs);
    absl::StatusOr<KeyLocation> loc = cache->LocateKey(bo, "k");
    EXPECT_TRUE(loc.ok()) << loc.status();
    return loc->region;
  }
  static rpc::Request Get() {
    kvrpcpb::GetRequest get;
    get.set_key("k");
    return rpc::Request::Of(rpc::CmdType::kGet, get);
  }
  absl::StatusOr<rpc::Response> Send(rpc::Request& req, SendStats* stats = nullptr) {
    Backoffer bo(env, 20000);
    return sender->SendReq(bo, req, Region(), 2s, stats);
  }
  // Records the request source of every request TiKV sees.  With `new_leader` set, TiKV's
  // leader moves there (the cache keeps the old one), so the first attempt meets NotLeader with
  // a hint; otherwise the first `no_hint` requests meet NotLeader without a leader.
  void Script(uint64_t new_leader, int no_hint = 0) {
    if (new_leader != 0) tikv.SetLeader(1, new_leader, /*pd_too=*/false);
    tikv.inject = [this, no_hint, calls = 0](
                      uint64_t, const kvrpcpb::Context& ctx) mutable -> std::optional<errorpb::Error> {
      sources.push_back(ctx.request_source());
      if (++calls > no_hint) return std::nullopt;
      errorpb::Error e;
      e.mutable_not_leader()->set_region_id(1);
      return e;
    };
  }
};

void RunWorld(World& w, absl::AnyInvocable<void() &&> body) {
  RunOnFiber(w.env, [&w, body = std::move(body)]() mutable {
    w.Start();
    absl::Cleanup stop = [&w] { w.Stop(); };
    std::move(body)();
  });
}

// --- ROUTE-10 request-source patching ---

// Ports client-go region_request3_test.go TestRetryRequestSource (leader first, then a retry
// on the new leader after NotLeader with a hint) through the whole sender.
TEST(RegionRequestExtrasTest, RequestSourceLeaderThenRetry) {
  World w;
  RunWorld(w, [&] {
    w.Script(2);
    rpc::Request req = World::Get();
    req.input_request_source = "test";
    absl::StatusOr<rpc::Response> r = w.Send(req);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->region_error(), nullptr);
    EXPECT_EQ(w.sources, (std::vector<std::string>{"leader_test", "retry_leader_leader_test"}));
  });
}

// Ports client-go TestRetryRequestSource's "follower" first read, retried on the leader after
// NotLeader on the follower (no hint: the flagged follower is skipped).
TEST(RegionRequestExtrasTest, RequestSourceFollowerRead) {
  World w;
  RunWorld(w, [&] {
    w.Script(0, 1);
    rpc::Request req = World::Get();
    req.SetReplicaReadType(rpc::ReplicaReadType::kFollower);
    req.input_request_source = "test";
    absl::StatusOr<rpc::Response> r = w.Send(req);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(w.sources.size(), 2u);
    EXPECT_EQ(w.sources[0], "follower_test");
    EXPECT_EQ(w.sources[1].rfind("retry_follower_", 0), 0u) << w.sources[1];
  });
}

// Ports client-go TestRetryRequestSource's "stale_*" first reads: a stale read names its first
// read type with the "stale_" prefix.
TEST(RegionRequestExtrasTest, RequestSourceStaleRead) {
  World w;
  RunWorld(w, [&] {
    w.Script(0);
    rpc::Request req = World::Get();
    req.EnableStaleWithMixedReplicaRead();
    req.input_request_source = "test";
    absl::StatusOr<rpc::Response> r = w.Send(req);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_FALSE(w.sources.empty());
    EXPECT_TRUE(w.sources[0] == "stale_leader_test" || w.sources[0] == "stale_follower_test")
        << w.sources[0];
  });
}

// client-go patches only when the input source is set: an empty one leaves the request source
// as the caller wrote it.
TEST(RegionRequestExtrasTest, RequestSourceUntouchedWithoutInput) {
  World w;
  RunWorld(w, [&] {
    w.Script(2);
    rpc::Request req = World::Get();
    req.mutable_context()->set_request_source("external_Select");
    ASSERT_TRUE(w.Send(req).ok());
    EXPECT_EQ(w.sources, (std::vector<std::string>{"external_Select", "external_Select"}));
  });
}

// client-go keeps the first read type in Request.ReadType, so a request its caller resends
// (already marked as a retry) still names the first read type.
TEST(RegionRequestExtrasTest, RequestSourceResentRequestKeepsFirstReadType) {
  World w;
  RunWorld(w, [&] {
    w.Script(0);
    rpc::Request req = World::Get();
    req.EnableStaleWithMixedReplicaRead();
    req.input_request_source = "test";
    req.mutable_context()->set_is_retry_request(true);
    req.mutable_context()->set_request_source("retry_stale_follower_leader_test");
    ASSERT_TRUE(w.Send(req).ok());
    ASSERT_EQ(w.sources.size(), 1u);
    EXPECT_EQ(w.sources[0].rfind("retry_stale_follower_", 0), 0u) << w.sources[0];
  });
}

// --- ROUTE-12 store token limit ---

// Ports client-go region_request3_test.go TestStoreTokenLimit: with the store's tokens all
// taken, a request fails at once with the token-limit error naming the store; tokens come back
// when the RPCs end, whether they succeed or fail.
TEST(RegionRequestExtrasTest, StoreTokenLimit) {
  World w(SenderOptions{.store_limit = 1});
  RunWorld(w, [&] {
    const RegionVerId region = w.Region();
    sim::LinkConfig slow;
    slow.base_latency_min = slow.base_latency_max = 1s;
    w.env.network().SetLinkConfig("client", "store-1", slow);
    bool first_done = false;
    w.env.executor().Spawn(SpawnOptions{.name = "holder"}, [&] {
      rpc::Request req = World::Get();
      Backoffer bo(w.env, 20000);
      EXPECT_TRUE(w.sender->SendReq(bo, req, region, 5s).ok());
      first_done = true;
    });
    w.env.executor().SleepFor(w.env.clock(), 100ms);  // the holder's RPC is in flight
    rpc::Request req = World::Get();
    SendStats stats;
    absl::StatusOr<rpc::Response> r = w.Send(req, &stats);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
    EXPECT_EQ(r.status().message(), "store token is up to the limit, store id = 1");
    EXPECT_EQ(stats.attempts, 0);
    w.env.executor().SleepFor(w.env.clock(), 5s);
    ASSERT_TRUE(first_done);
    w.env.network().SetLinkConfig("client", "store-1", sim::LinkConfig{});
    rpc::Request again = World::Get();
    EXPECT_TRUE(w.Send(again).ok());  // the token came back
    // A failed RPC gives its token back too: store 1 answers after the read's configurable
    // timeout, the read moves to a follower; afterwards store 1 serves again.
    w.env.network().SetLinkConfig("client", "store-1", sim::LinkConfig{.base_latency_min = 10s,
                                                                       .base_latency_max = 10s});
    rpc::Request third = World::Get();
    third.mutable_context()->set_max_execution_duration_ms(500);
    SendStats s3;
    Backoffer bo(w.env, 20000);
    absl::StatusOr<rpc::Response> r3 = w.sender->SendReq(bo, third, region, 500ms, &s3);
    ASSERT_TRUE(r3.ok()) << r3.status();
    EXPECT_EQ(s3.send_failures, 1);
    EXPECT_NE(s3.last_store_id, 1u);
    w.env.network().SetLinkConfig("client", "store-1", sim::LinkConfig{});
    rpc::Request fourth = World::Get();
    SendStats s4;
    absl::StatusOr<rpc::Response> r4 = w.Send(fourth, &s4);
    ASSERT_TRUE(r4.ok()) << r4.status();
    EXPECT_EQ(s4.last_store_id, 1u);
  });
}

// --- ROUTE-16 shutdown flag ---

// Checks client-go onSendFail's shutdown branch (StoreShuttingDown / ErrTiDBShuttingDown): once
// the flag is set, a send failure ends the request instead of backing off and retrying.
TEST(RegionRequestExtrasTest, ShutdownFlagStopsRetries) {
  std::atomic<bool> shutting_down{false};
  World w(SenderOptions{.shutting_down = &shutting_down});
  RunWorld(w, [&] {
    const RegionVerId region = w.Region();
    w.env.network().SetNodeUp("store-1", false);
    shutting_down.store(true);
    rpc::Request req = World::Get();
    Backoffer bo(w.env, 20000);
    SendStats stats;
    absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, region, 2s, &stats);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled) << r.status();
    EXPECT_NE(r.status().message().find("the client is shutting down"), std::string::npos)
        << r.status();
    EXPECT_EQ(stats.attempts, 1);
    EXPECT_EQ(bo.TotalBackoffTimes(), 0);
    // Without the flag the same failure is retried on another replica.
    shutting_down.store(false);
    w.tikv.SetLeader(1, 2, false);
    rpc::Request again = World::Get();
    EXPECT_TRUE(w.Send(again).ok());
    w.env.network().SetNodeUp("store-1", true);
  });
}

// --- ROUTE-18 runtime stats ---

// Ports client-go region_request_test.go TestRegionRequestStats: counts and durations per
// command, error labels with their counts, at most 16 distinct labels, merging.
TEST(RegionRequestExtrasTest, RuntimeStatsRecordAndMerge) {
  RegionRequestRuntimeStats stats;
  stats.RecordRpc(rpc::CmdType::kGet, 1s);
  stats.RecordRpc(rpc::CmdType::kGet, 1ms);
  stats.RecordRpc(rpc::CmdType::kCop, 2s);
  stats.RecordRpc(rpc::CmdType::kCop, 200ms);
  stats.RecordError("context canceled");
  stats.RecordError("context canceled");
  stats.RecordError("region_not_found");
  RegionRequestRuntimeStats merged;
  merged.Merge(stats);
  merged.Merge(RegionRequestRuntimeStats{});
  const std::string want =
      "Get:{num_rpc:2, total_time:1.001s},Cop:{num_rpc:2, total_time:2.2s}, "
      "rpc_errors:{context canceled:2, region_not_found:1}";
  EXPECT_EQ(stats.ToString(), want);
  EXPECT_EQ(merged.ToString(), want);
  EXPECT_EQ(merged.RpcCount(rpc::CmdType::kGet), 2);
  EXPECT_EQ(merged.RpcCount(rpc::CmdType::kPrewrite), 0);
  for (int i = 0; i < 50; ++i) stats.RecordError("err_" + std::to_string(i));
  EXPECT_EQ(stats.errors.size(), RegionRequestRuntimeStats::kMaxErrorLabels);
  EXPECT_EQ(stats.other_errors, 50 - 14);
}

// Checks client-go's Stats recording in send() and onRegionError(): each attempt counts under
// its command with its duration, region errors under their label, send failures by message.
TEST(RegionRequestExtrasTest, RuntimeStatsFromSendReq) {
  World w;
  RunWorld(w, [&] {
    w.Script(2);
    RegionRequestRuntimeStats runtime;
    SendStats stats{.runtime = &runtime};
    rpc::Request req = World::Get();
    ASSERT_TRUE(w.Send(req, &stats).ok());
    EXPECT_EQ(runtime.RpcCount(rpc::CmdType::kGet), 2);
    EXPECT_GT(runtime.rpcs[rpc::CmdType::kGet].total, Duration::zero());
    EXPECT_EQ(runtime.errors, (absl::btree_map<std::string, int64_t>{{"not_leader", 1}}));
    // A send failure is counted by its message: the leader (store 2) answers after the read's
    // configurable timeout, so the read moves to a follower.
    w.tikv.inject = nullptr;
    sim::LinkConfig slow;
    slow.base_latency_min = slow.base_latency_max = 10s;
    w.env.network().SetLinkConfig("client", "store-2", slow);
    SendStats more{.runtime = &runtime};
    rpc::Request again = World::Get();
    again.mutable_context()->set_max_execution_duration_ms(500);
    Backoffer bo(w.env, 20000);
    ASSERT_TRUE(w.sender->SendReq(bo, again, w.Region(), 500ms, &more).ok());
    EXPECT_EQ(more.send_failures, 1);
    EXPECT_EQ(runtime.RpcCount(rpc::CmdType::kGet), 4);
    ASSERT_EQ(runtime.errors.size(), 2u) << runtime.ToString();
    EXPECT_EQ(runtime.errors["not_leader"], 1);
    EXPECT_NE(runtime.ToString().find("rpc_errors:{"), std::string::npos);
    w.env.network().SetLinkConfig("client", "store-2", sim::LinkConfig{});
  });
}

TEST(RegionRequestExtrasTest, RegionErrorLabels) {
  // Checks client-go regionErrorToLabel for a few kinds, including the reason-based ones.
  errorpb::Error e;
  e.mutable_server_is_busy()->set_reason("deadline is exceeded");
  EXPECT_EQ(RegionErrorLabel(e), "deadline_exceeded");
  e.mutable_server_is_busy()->set_reason("too many requests");
  EXPECT_EQ(RegionErrorLabel(e), "server_is_busy");
  errorpb::Error witness;
  witness.mutable_is_witness();
  EXPECT_EQ(RegionErrorLabel(witness), "peer_is_witness");
  errorpb::Error other;
  other.set_message("something new");
  EXPECT_EQ(RegionErrorLabel(other), "unknown");
}

// --- ROUTE-11 access location ---

// Checks client-go setReqAccessLocation: the attempt is local when the target store's "zone"
// label equals the client's, cross zone when it differs, unknown when either is missing.
TEST(RegionRequestExtrasTest, AccessLocationByZoneLabel) {
  World w(SenderOptions{.zone_label = "z1"});
  for (uint64_t id : {1, 2}) {
    metapb::Store store;
    store.set_id(id);
    store.set_address(FakeTikvCluster::Address(id));
    metapb::StoreLabel* label = store.add_labels();
    label->set_key("zone");
    label->set_value(id == 1 ? "z1" : "z2");
    w.pd.PutStore(store);
  }
  RunWorld(w, [&] {
    RegionRequestRuntimeStats runtime;
    SendStats local{.runtime = &runtime};
    rpc::Request req = World::Get();
    ASSERT_TRUE(w.Send(req, &local).ok());
    EXPECT_EQ(local.last_access_location, AccessLocation::kLocalZone);
    w.Script(2);
    SendStats cross{.runtime = &runtime};
    rpc::Request again = World::Get();
    ASSERT_TRUE(w.Send(again, &cross).ok());
    EXPECT_EQ(cross.last_store_id, 2u);
    EXPECT_EQ(cross.last_access_location, AccessLocation::kCrossZone);
    EXPECT_EQ(runtime.access[static_cast<int>(AccessLocation::kLocalZone)], 2);
    EXPECT_EQ(runtime.access[static_cast<int>(AccessLocation::kCrossZone)], 1);
    w.Script(3);  // store 3 has no zone label
    SendStats unknown;
    rpc::Request third = World::Get();
    ASSERT_TRUE(w.Send(third, &unknown).ok());
    EXPECT_EQ(unknown.last_store_id, 3u);
    EXPECT_EQ(unknown.last_access_location, AccessLocation::kUnknown);
    EXPECT_EQ(AccessLocationName(AccessLocation::kCrossZone), "cross-zone");
  });
}

// --- ROUTE-19 NextGen read features ---

// Ports client-go internal/locate/replica_selector.go disableReadFeaturesForNextGen (its tests
// skip replica reads under config.NextGen): a follower read, a stale read and a busy threshold
// all reach the leader as plain leader reads; without the option the follower read stays one.
TEST(RegionRequestExtrasTest, NextGenStripsReplicaAndStaleReads) {
  World w(SenderOptions{.next_gen = true});
  RunWorld(w, [&] {
    std::vector<kvrpcpb::Context> seen;
    std::vector<uint64_t> stores;
    w.tikv.inject = [&](uint64_t store, const kvrpcpb::Context& ctx)
        -> std::optional<errorpb::Error> {
      seen.push_back(ctx);
      stores.push_back(store);
      return std::nullopt;
    };
    rpc::Request follower = World::Get();
    follower.SetReplicaReadType(rpc::ReplicaReadType::kFollower);
    rpc::Request stale = World::Get();
    stale.EnableStaleWithMixedReplicaRead();
    rpc::Request busy = World::Get();
    busy.mutable_context()->set_busy_threshold_ms(50);
    for (rpc::Request* req : {&follower, &stale, &busy}) {
      absl::StatusOr<rpc::Response> r = w.Send(*req);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->region_error(), nullptr);
    }
    ASSERT_EQ(seen.size(), 3u);
    for (size_t i = 0; i < seen.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_EQ(stores[i], 1u);  // the leader
      EXPECT_FALSE(seen[i].replica_read());
      EXPECT_FALSE(seen[i].stale_read());
      EXPECT_EQ(seen[i].busy_threshold_ms(), 0u);
    }
  });

  World classic;
  RunWorld(classic, [&] {
    std::vector<uint64_t> stores;
    classic.tikv.inject = [&](uint64_t store, const kvrpcpb::Context& ctx)
        -> std::optional<errorpb::Error> {
      EXPECT_TRUE(ctx.replica_read());
      stores.push_back(store);
      return std::nullopt;
    };
    rpc::Request follower = World::Get();
    follower.SetReplicaReadType(rpc::ReplicaReadType::kFollower);
    ASSERT_TRUE(classic.Send(follower).ok());
    ASSERT_EQ(stores.size(), 1u);
    EXPECT_NE(stores[0], 1u);  // a follower served it
  });
}

}  // namespace
}  // namespace tikv::locate
