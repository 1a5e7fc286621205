// Tests of the region request sender (src/locate/region_request_sender.h) with the replica
// selector and store cache, against the scripted PD (tests/util/fake_pd.h) and scripted TiKV
// stores (tests/locate/fake_tikv.h) on the simulated network.  Each test names the client-go
// test it ports (internal/locate/region_request_test.go, region_request3_test.go).

#include "locate/region_request_sender.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "gtest/gtest.h"
#include "pd/rpc_pd_client.h"
#include "rpc/rpc_client.h"
#include "sim/env/sim_env.h"
#include "sim/net/sim_network.h"
#include "tests/locate/fake_tikv.h"
#include "tests/locate/sim_fiber.h"
#include "tests/util/fake_pd.h"
#include "tikv/status.h"
#include "tikv/status_proto.h"

namespace tikv::locate {
namespace {

using namespace std::chrono_literals;
using ::tikv::testing::FakePd;
using ::tikv::testing::FakeTikvCluster;
using ::tikv::testing::RunOnFiber;

struct World {
  explicit World(int stores = 3) : tikv(env, pd, stores) {}
  sim::SimEnv env{sim::SimOptions{.seed = 20261122}};
  FakePd pd{env, 1};
  FakeTikvCluster tikv;
  std::unique_ptr<pd::RpcPdClient> pd_client;
  std::unique_ptr<RegionCache> cache;
  std::unique_ptr<StoreCache> stores;
  std::unique_ptr<rpc::BatchRpcClient> client;
  std::unique_ptr<RegionRequestSender> sender;

  void Start() {
    pd::PdClientOptions o;
    o.endpoints = pd.endpoints();
    pd_client = *pd::RpcPdClient::Create(env, o);
    cache = std::make_unique<RegionCache>(env, *pd_client);
    stores = std::make_unique<StoreCache>(env, *pd_client);
    client = std::make_unique<rpc::BatchRpcClient>(env);
    client->set_health_feedback_listener(
        [this](const kvrpcpb::HealthFeedback& f) { stores->RecordHealthFeedback(f); });
    sender = std::make_unique<RegionRequestSender>(env, *cache, *stores, *client);
  }
  void Stop() {
    client->Close();
    stores->Close();
    pd_client->Close();
  }
  KeyLocation Locate(const std::string& key) {
    Backoffer bo(env, kLocateRegionMaxBackoffMs);
    absl::StatusOr<KeyLocation> loc = cache->LocateKey(bo, key);
    EXPECT_TRUE(loc.ok()) << loc.status();
    return *loc;
  }
  absl::StatusOr<rpc::Response> Send(rpc::Request& req, const std::string& key,
                                     SendStats* stats = nullptr, int64_t budget_ms = 20000) {
    Backoffer bo(env, budget_ms);
    return sender->SendReq(bo, req, Locate(key).region, 2s, stats);
  }
  absl::StatusOr<rpc::Response> RawGet(const std::string& key, SendStats* stats = nullptr,
                                       int64_t budget_ms = 20000) {
    kvrpcpb::RawGetRequest get;
    get.set_key(key);
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kRawGet, get);
    return Send(req, key, stats, budget_ms);
  }
  absl::StatusOr<rpc::Response> RawPut(const std::string& key, const std::string& value,
                                       SendStats* stats = nullptr) {
    kvrpcpb::RawPutRequest put;
    put.set_key(key);
    put.set_value(value);
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kRawPut, put);
    return Send(req, key, stats);
  }
  uint64_t CachedLeaderStore(const RegionVerId& id) {
    std::shared_ptr<const Region> r = cache->GetCachedRegion(id);
    return r != nullptr && r->Leader() != nullptr ? r->Leader()->store_id() : 0;
  }
};

// Runs `body` on a fiber with the world started, and stops it however the body ends (a failed
// ASSERT returns early), so the simulation always winds down.
void RunWorld(World& w, absl::AnyInvocable<void() &&> body) {
  RunOnFiber(w.env, [&w, body = std::move(body)]() mutable {
    w.Start();
    absl::Cleanup stop = [&w] { w.Stop(); };
    std::move(body)();
  });
}

errorpb::Error RegionError(void (*fill)(errorpb::Error*)) {
  errorpb::Error e;
  fill(&e);
  return e;
}

std::string RawValue(const absl::StatusOr<rpc::Response>& r) {
  if (!r.ok()) return r.status().ToString();
  if (r->region_error() != nullptr) return "region error: " + r->region_error()->ShortDebugString();
  return r->As<kvrpcpb::RawGetResponse>()->value();
}

// Ports client-go internal/locate/region_request_test.go TestRegionRequestToSingleStore.
TEST(RegionRequestTest, LeaderReadAndWrite) {
  World w(1);
  w.tikv.SplitAt({}, {1});
  RunWorld(w, [&] {
    SendStats stats;
    ASSERT_TRUE(w.RawPut("k", "v", &stats).ok());
    EXPECT_EQ(stats.attempts, 1);
    EXPECT_EQ(RawValue(w.RawGet("k")), "v");
    EXPECT_EQ(w.tikv.seen.size(), 2u);
    EXPECT_FALSE(w.tikv.seen[0].is_retry);
  });
}

// Ports client-go internal/locate/region_request3_test.go TestRegionRequestToThreeStores (a
// stale leader: NotLeader with a hint moves the cached leader and retries without backoff).
TEST(RegionRequestTest, NotLeaderWithHintSwitchesLeaderWithoutBackoff) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    w.tikv.SetLeader(1, 2, /*pd_too=*/false);
    SendStats stats;
    EXPECT_EQ(RawValue(w.RawGet("k", &stats)), "");
    EXPECT_EQ(stats.attempts, 2);
    EXPECT_EQ(stats.backoffs, 0);
    EXPECT_EQ(stats.last_store_id, 2u);
    EXPECT_TRUE(w.tikv.seen[1].is_retry);
    EXPECT_EQ(w.CachedLeaderStore(loc.region), 2u);
    // The next request goes straight to the new leader.
    SendStats again;
    EXPECT_EQ(RawValue(w.RawGet("k", &again)), "");
    EXPECT_EQ(again.attempts, 1);
  });
}

// Ports client-go internal/locate/region_request3_test.go TestSwitchPeerWhenNoLeader: NotLeader
// without a leader backs off regionScheduling and tries the next peer.
TEST(RegionRequestTest, NotLeaderWithoutLeaderBacksOff) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    int calls = 0;
    w.tikv.inject = [&](uint64_t, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
      if (++calls > 2) return std::nullopt;
      errorpb::Error e;
      e.mutable_not_leader()->set_region_id(1);
      return e;
    };
    Backoffer bo(w.env, 20000);
    kvrpcpb::RawGetRequest get;
    get.set_key("k");
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kRawGet, get);
    absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, w.Locate("k").region, 2s);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->region_error(), nullptr);
    EXPECT_EQ(bo.BackoffTimes("regionScheduling"), 2);
    // Each NotLeader flags the replica, so the attempts move on: two followers in turn, the
    // second of which (the real TiKV check) names store 1 as leader again, which serves.
    ASSERT_EQ(w.tikv.seen.size(), 4u);
    EXPECT_NE(w.tikv.seen[0].store_id, w.tikv.seen[1].store_id);
    EXPECT_EQ(w.tikv.seen[3].store_id, 1u);
  });
}

// Ports client-go internal/locate/region_request3_test.go
// TestSwitchPeerWhenNoLeaderErrorWithNewLeaderInfo: a hint naming a peer the cached region does
// not know invalidates the region; the sender answers with the fake EpochNotMatch.
TEST(RegionRequestTest, NotLeaderHintUnknownToCacheInvalidates) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    w.tikv.inject = [&](uint64_t, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
      errorpb::Error e;
      e.mutable_not_leader()->set_region_id(1);
      e.mutable_not_leader()->mutable_leader()->set_id(9999);
      e.mutable_not_leader()->mutable_leader()->set_store_id(4);
      return e;
    };
    absl::StatusOr<rpc::Response> r = w.RawGet("k");
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_NE(r->region_error(), nullptr);
    EXPECT_TRUE(IsFakeRegionError(*r->region_error()));
    EXPECT_EQ(w.cache->GetCachedRegion(loc.region), nullptr);
    EXPECT_EQ(w.cache->LastInvalidReason(1), InvalidReason::kStoreNotFound);
  });
}

// Ports client-go internal/locate/region_request_test.go TestOnRegionError (EpochNotMatch with
// the current regions: installed, returned to the caller without backoff).
TEST(RegionRequestTest, EpochNotMatchInstallsCurrentRegions) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation old = w.Locate("k");
    // TiKV split the region at "m"; PD does not know yet.
    metapb::Region left = *w.tikv.FindRegion(1);
    left.set_end_key("m");
    left.mutable_region_epoch()->set_version(2);
    metapb::Region right = left;
    right.set_id(2);
    right.set_start_key("m");
    right.set_end_key("");
    for (auto& p : *right.mutable_peers()) p.set_id(p.id() + 100);
    w.tikv.PutRegion(left, 1, false);
    w.tikv.PutRegion(right, 1, false);
    SendStats stats;
    absl::StatusOr<rpc::Response> r = w.RawGet("k", &stats);
    ASSERT_TRUE(r.ok());
    ASSERT_NE(r->region_error(), nullptr);
    EXPECT_EQ(r->region_error()->epoch_not_match().current_regions_size(), 2);
    EXPECT_EQ(stats.backoffs, 0);
    EXPECT_EQ(w.cache->GetCachedRegion(old.region), nullptr);
    KeyLocation now = w.Locate("z");
    EXPECT_EQ(now.region.id, 2u);
    EXPECT_EQ(now.start_key, "m");
    EXPECT_EQ(RawValue(w.RawGet("k")), "");
  });
}

// Ports client-go internal/locate/region_request_test.go TestOnRegionError (EpochNotMatch from a
// TiKV behind the cache: regionMiss backoff and resend).
TEST(RegionRequestTest, EpochNotMatchFromStaleTikvBacksOffAndRetries) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    int calls = 0;
    w.tikv.inject = [&](uint64_t, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
      if (++calls > 1) return std::nullopt;
      errorpb::Error e;
      metapb::Region behind = *w.tikv.FindRegion(1);
      behind.mutable_region_epoch()->set_version(0);
      *e.mutable_epoch_not_match()->add_current_regions() = behind;
      return e;
    };
    Backoffer bo(w.env, 20000);
    kvrpcpb::RawGetRequest get;
    get.set_key("k");
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kRawGet, get);
    absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, loc.region, 2s);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->region_error(), nullptr);
    EXPECT_EQ(bo.BackoffTimes("regionMiss"), 1);
    EXPECT_NE(w.cache->GetCachedRegion(loc.region), nullptr);
  });
}

// An empty EpochNotMatch: invalidate and return (the caller backs off regionMiss).
TEST(RegionRequestTest, EmptyEpochNotMatchInvalidatesAndReturns) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    w.tikv.inject = [&](uint64_t, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
      errorpb::Error e;
      e.mutable_epoch_not_match();
      return e;
    };
    absl::StatusOr<rpc::Response> r = w.RawGet("k");
    ASSERT_TRUE(r.ok());
    ASSERT_NE(r->region_error(), nullptr);
    EXPECT_EQ(w.cache->GetCachedRegion(loc.region), nullptr);
    EXPECT_EQ(w.tikv.seen.size(), 1u);
  });
}

// Ports client-go internal/locate/replica_selector_test.go TestReplicaReadAccessPathByCase
// (RegionNotFound on a follower: one retry on the leader although the region is invalidated).
TEST(RegionRequestTest, RegionNotFoundRetriesLeaderOnce) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    // A follower read that lands on store 2, which lost the peer.
    w.tikv.inject = [&](uint64_t store, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
      if (store == 1) return std::nullopt;
      errorpb::Error e;
      e.mutable_region_not_found()->set_region_id(1);
      return e;
    };
    Backoffer bo(w.env, 20000);
    kvrpcpb::GetRequest get;
    get.set_key("k");
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kGet, get);
    req.SetReplicaReadType(rpc::ReplicaReadType::kFollower);
    SendStats stats;
    absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, loc.region, 2s, &stats);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->region_error(), nullptr);
    EXPECT_EQ(stats.attempts, 2);
    EXPECT_EQ(stats.last_store_id, 1u);
    EXPECT_EQ(w.cache->GetCachedRegion(loc.region), nullptr);
    // Once the leader was tried, RegionNotFound returns to the caller.
    w.tikv.inject = [&](uint64_t, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
      errorpb::Error e;
      e.mutable_region_not_found()->set_region_id(1);
      return e;
    };
    absl::StatusOr<rpc::Response> again = w.RawGet("k");
    ASSERT_TRUE(again.ok());
    ASSERT_NE(again->region_error(), nullptr);
    EXPECT_TRUE(again->region_error()->has_region_not_found());
  });
}

// Ports client-go internal/locate/region_request.go onRegionError (BucketVersionNotMatch
// branch, covered in client-go by TestShouldNotRetryFlashback's bucket part): the error comes
// back to the caller without a retry or backoff, and the server's bucket keys are cached.
TEST(RegionRequestTest, BucketVersionNotMatchInstallsServerBuckets) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    EXPECT_EQ(loc.BucketVersion(), 0u);
    int calls = 0;
    w.tikv.inject = [&](uint64_t, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
      ++calls;
      errorpb::Error e;
      e.mutable_bucket_version_not_match()->set_version(7);
      e.mutable_bucket_version_not_match()->add_keys("c");
      e.mutable_bucket_version_not_match()->add_keys("m");
      return e;
    };
    Backoffer bo(w.env, 20000);
    kvrpcpb::GetRequest get;
    get.set_key("k");
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kGet, get);
    absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, loc.region, 2s);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_NE(r->region_error(), nullptr);
    EXPECT_TRUE(r->region_error()->has_bucket_version_not_match());
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(bo.TotalBackoffTimes(), 0);
    std::shared_ptr<const Region> cached = w.cache->GetCachedRegion(loc.region);
    ASSERT_NE(cached, nullptr);
    ASSERT_NE(cached->buckets, nullptr);
    EXPECT_EQ(cached->buckets->version(), 7u);
    ASSERT_EQ(cached->buckets->keys_size(), 2);
    EXPECT_EQ(cached->buckets->keys(0), "c");
    EXPECT_EQ(cached->buckets->keys(1), "m");
  });
}

// Ports client-go internal/locate/region_request_test.go TestOnRegionError (KeyNotInRegion).
TEST(RegionRequestTest, KeyNotInRegionInvalidatesAndReturns) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    metapb::Region shrunk = *w.tikv.FindRegion(1);
    shrunk.set_end_key("c");  // same epoch, smaller range: a client bug or a race
    w.tikv.PutRegion(shrunk, 1, false);
    absl::StatusOr<rpc::Response> r = w.RawGet("k");
    ASSERT_TRUE(r.ok());
    ASSERT_NE(r->region_error(), nullptr);
    EXPECT_TRUE(r->region_error()->has_key_not_in_region());
    EXPECT_EQ(w.cache->GetCachedRegion(loc.region), nullptr);
  });
}

// Ports client-go internal/locate/replica_selector_test.go TestCanFastRetry / TestPendingBackoff:
// ServerIsBusy on the leader of a leader read backs off tikvServerBusy and retries the leader.
TEST(RegionRequestTest, ServerIsBusyOnLeaderBacksOff) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    int calls = 0;
    w.tikv.inject = [&](uint64_t, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
      if (++calls > 1) return std::nullopt;
      errorpb::Error e;
      e.mutable_server_is_busy()->set_reason("scheduler is busy");
      e.mutable_server_is_busy()->set_estimated_wait_ms(100);
      return e;
    };
    Backoffer bo(w.env, 20000);
    kvrpcpb::RawPutRequest put;
    put.set_key("k");
    put.set_value("v");
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kRawPut, put);
    absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, w.Locate("k").region, 2s);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->region_error(), nullptr);
    EXPECT_EQ(bo.BackoffTimes("tikvServerBusy"), 1);
    ASSERT_EQ(w.tikv.seen.size(), 2u);
    EXPECT_EQ(w.tikv.seen[1].store_id, 1u);
  });
}

// Ports client-go internal/locate/replica_selector_test.go TestReplicaSelectorLeaderBusyProbe:
// two ServerIsBusy(0) from the cached leader make the selector probe a follower, whose NotLeader
// hint heals the cache.
TEST(RegionRequestTest, LeaderBusyProbeHealsStaleLeader) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    w.tikv.SetLeader(1, 2, false);
    // Store 1 (the stale cached leader) is wedged: it rejects everything as busy.
    w.tikv.inject = [&](uint64_t store, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
      if (store != 1) return std::nullopt;
      errorpb::Error e;
      e.mutable_server_is_busy()->set_reason("read pool is full");
      return e;
    };
    absl::StatusOr<rpc::Response> r = w.RawGet("k");
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->region_error(), nullptr) << r->region_error()->ShortDebugString();
    EXPECT_EQ(w.CachedLeaderStore(loc.region), 2u);
  });
}

// Ports client-go internal/locate/region_request_test.go TestOnRegionError (StaleCommand:
// retried without backoff).
TEST(RegionRequestTest, StaleCommandRetriesWithoutBackoff) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    int calls = 0;
    w.tikv.inject = [&](uint64_t, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
      if (++calls > 1) return std::nullopt;
      errorpb::Error e;
      e.mutable_stale_command();
      return e;
    };
    SendStats stats;
    ASSERT_TRUE(w.RawPut("k", "v", &stats).ok());
    EXPECT_EQ(stats.attempts, 2);
    EXPECT_EQ(stats.backoffs, 0);
    EXPECT_EQ(w.tikv.data["k"], "v");
  });
}

// Ports client-go internal/locate/region_request_test.go TestCloseConnectionOnStoreNotMatch.
TEST(RegionRequestTest, StoreNotMatchClosesConnectionAndReturns) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    ASSERT_TRUE(w.RawGet("k").ok());
    EXPECT_EQ(w.client->pool_count(), 1u);
    w.tikv.inject = [&](uint64_t, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
      errorpb::Error e;
      e.mutable_store_not_match()->set_request_store_id(1);
      e.mutable_store_not_match()->set_actual_store_id(7);
      return e;
    };
    absl::StatusOr<rpc::Response> r = w.RawGet("k");
    ASSERT_TRUE(r.ok());
    ASSERT_NE(r->region_error(), nullptr);
    EXPECT_TRUE(r->region_error()->has_store_not_match());
    EXPECT_EQ(w.client->pool_count(), 0u);
    EXPECT_EQ(w.cache->GetCachedRegion(loc.region), nullptr);
  });
}

// Ports client-go internal/locate/region_request_test.go TestOnMaxTimestampNotSyncedError.
TEST(RegionRequestTest, MaxTimestampNotSyncedBacksOffAndRetries) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    int calls = 0;
    w.tikv.inject = [&](uint64_t, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
      if (++calls > 2) return std::nullopt;
      errorpb::Error e;
      e.mutable_max_timestamp_not_synced();
      return e;
    };
    Backoffer bo(w.env, 20000);
    kvrpcpb::RawPutRequest put;
    put.set_key("k");
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kRawPut, put);
    absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, w.Locate("k").region, 2s);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->region_error(), nullptr);
    EXPECT_EQ(bo.BackoffTimes("maxTsNotSynced"), 2);
  });
}

// The backoff-and-retry rows (RE-16..19) and the fatal rows (RE-07, RE-15, RE-23) in one table.
TEST(RegionRequestTest, ErrorTableRows) {
  struct Row {
    const char* name;
    void (*fill)(errorpb::Error*);
    const char* backoff;        // kind expected once, or nullptr
    bool retried;               // the request succeeded after one error
    absl::StatusCode fatal;     // kOk unless the send fails
    bool returned;              // the region error reached the caller
  };
  const Row rows[] = {
      {"ReadIndexNotReady", [](errorpb::Error* e) { e->mutable_read_index_not_ready(); },
       "regionScheduling", true, absl::StatusCode::kOk, false},
      {"ProposalInMergingMode", [](errorpb::Error* e) { e->mutable_proposal_in_merging_mode(); },
       "regionScheduling", true, absl::StatusCode::kOk, false},
      {"RegionNotInitialized", [](errorpb::Error* e) { e->mutable_region_not_initialized(); },
       "regionNotInitialized", true, absl::StatusCode::kOk, false},
      {"DiskFull", [](errorpb::Error* e) { e->mutable_disk_full()->set_reason("full"); },
       "tikvDiskFull", true, absl::StatusCode::kOk, false},
      {"RecoveryInProgress", [](errorpb::Error* e) { e->mutable_recoveryinprogress(); },
       "regionRecoveryInProgress", false, absl::StatusCode::kOk, true},
      {"IsWitness", [](errorpb::Error* e) { e->mutable_is_witness(); }, "isWitness", false,
       absl::StatusCode::kOk, true},
      {"MismatchPeerId", [](errorpb::Error* e) { e->mutable_mismatch_peer_id(); }, nullptr, false,
       absl::StatusCode::kOk, true},
      {"BucketVersionNotMatch", [](errorpb::Error* e) { e->mutable_bucket_version_not_match(); },
       nullptr, false, absl::StatusCode::kOk, true},
      {"UndeterminedResult", [](errorpb::Error* e) { e->mutable_undetermined_result(); }, nullptr,
       false, absl::StatusCode::kOk, true},
      {"DataIsNotReady", [](errorpb::Error* e) { e->mutable_data_is_not_ready(); }, nullptr, true,
       absl::StatusCode::kOk, false},
      {"MessageOnly", [](errorpb::Error* e) { e->set_message("TiKV is Closing"); }, nullptr, true,
       absl::StatusCode::kOk, false},
      {"RaftEntryTooLarge", [](errorpb::Error* e) { e->mutable_raft_entry_too_large(); }, nullptr,
       false, absl::StatusCode::kResourceExhausted, false},
      {"FlashbackNotPrepared", [](errorpb::Error* e) { e->mutable_flashbacknotprepared(); },
       nullptr, false, absl::StatusCode::kUnavailable, false},
      {"FlashbackInProgress", [](errorpb::Error* e) { e->mutable_flashbackinprogress(); },
       nullptr, false, absl::StatusCode::kUnavailable, false},
      {"InvalidMaxTsUpdate", [](errorpb::Error* e) { e->set_message("invalid max_ts update"); },
       nullptr, false, absl::StatusCode::kUnavailable, false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    World w;
    w.tikv.SplitAt({}, {1, 2, 3});
    RunWorld(w, [&] {
      int calls = 0;
      w.tikv.inject = [&](uint64_t, const kvrpcpb::Context&) -> std::optional<errorpb::Error> {
        if (++calls > 1) return std::nullopt;
        return RegionError(row.fill);
      };
      Backoffer bo(w.env, 20000);
      kvrpcpb::RawPutRequest put;
      put.set_key("k");
      rpc::Request req = rpc::Request::Of(rpc::CmdType::kRawPut, put);
      absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, w.Locate("k").region, 2s);
      if (row.fatal != absl::StatusCode::kOk) {
        EXPECT_EQ(r.status().code(), row.fatal) << r.status();
      } else {
        ASSERT_TRUE(r.ok()) << r.status();
        EXPECT_EQ(r->region_error() != nullptr, row.returned);
        EXPECT_EQ(calls, row.retried ? 2 : 1);
      }
      if (row.backoff != nullptr) {
        EXPECT_EQ(bo.BackoffTimes(row.backoff), 1);
      }
      EXPECT_EQ(bo.TotalBackoffTimes(), row.backoff != nullptr ? 1 : 0);
    });
  }
}

// Ports client-go internal/locate/region_request_test.go TestOnSendFailedWithStoreRestart and
// region_request3_test.go TestAccessFollowerAfter1TiKVDown: the leader's store is down; the
// send fails, the store is probed unreachable and retired, tikvRPC backoff, a follower answers
// NotLeader (no hint usable) / the new leader serves; the health check loop ends once the store
// is back.
TEST(RegionRequestTest, SendFailureMarksStoreAndTriesOthers) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    w.env.network().SetNodeUp("store-1", false);
    w.tikv.SetLeader(1, 2, false);
    Backoffer bo(w.env, 20000);
    kvrpcpb::RawGetRequest get;
    get.set_key("k");
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kRawGet, get);
    SendStats stats;
    absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, loc.region, 2s, &stats);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->region_error(), nullptr);
    EXPECT_EQ(stats.send_failures, 1);
    EXPECT_EQ(stats.last_store_id, 2u);
    EXPECT_EQ(bo.BackoffTimes("tikvRPC"), 1);
    EXPECT_EQ(w.stores->Get(1)->liveness, Liveness::kUnreachable);
    EXPECT_EQ(w.stores->health_check_loops(), 1);
    EXPECT_EQ(w.CachedLeaderStore(loc.region), 2u);
    // Store 1 comes back: the health-check loop notices and ends.
    w.env.network().SetNodeUp("store-1", true);
    w.env.executor().SleepFor(w.env.clock(), 3s);
    EXPECT_EQ(w.stores->Get(1)->liveness, Liveness::kReachable);
    EXPECT_EQ(w.stores->health_check_loops(), 0);
  });
}

// Ports client-go internal/locate/region_request_test.go TestOnSendFailedWithCancelled and
// TestNoReloadRegionWhenCtxCanceled: a cancelled caller stops at once, keeping the region.
TEST(RegionRequestTest, CancelledCallerStopsWithoutReload) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    w.env.network().SetNodeUp("store-1", false);
    CancelToken token;
    token.Cancel();
    Backoffer bo(w.env, 20000, token);
    kvrpcpb::RawGetRequest get;
    get.set_key("k");
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kRawGet, get);
    absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, loc.region, 2s);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled) << r.status();
    EXPECT_NE(w.cache->GetCachedRegion(loc.region), nullptr);
    EXPECT_EQ(bo.TotalBackoffTimes(), 0);
  });
}

// The caller's deadline ends the attempt: the sender returns kDeadlineExceeded at the deadline
// without probing the store or backing off (client-go's onSendFail sees the context's error
// first).  Regression test: a liveness probe after the timed-out send overran the deadline.
TEST(RegionRequestTest, SendTimingOutAtTheCallersDeadlineStopsThere) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    // Store 1 (the leader) answers only long after the caller's deadline.
    sim::LinkConfig slow;
    slow.base_latency_min = slow.base_latency_max = 10s;
    w.env.network().SetLinkConfig("client", "store-1", slow);
    const MonoTime deadline = w.env.clock().Now() + 500ms;
    Backoffer bo(w.env, 20000, CancelToken::WithDeadline(deadline));
    kvrpcpb::RawGetRequest get;
    get.set_key("k");
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kRawGet, get);
    const int probes_before = w.stores->probes();
    absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, loc.region, 2s);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
    EXPECT_LE(w.env.clock().Now(), deadline);
    EXPECT_EQ(w.stores->probes(), probes_before) << r.status();
    EXPECT_EQ(bo.TotalBackoffTimes(), 0);
    w.env.network().SetLinkConfig("client", "store-1", sim::LinkConfig{});
  });
}

// Every replica unreachable: each attempt fails, the stores are retired, and once no replica is
// left the caller gets the fake EpochNotMatch (or the tikvRPC budget error).
TEST(RegionRequestTest, AllReplicasDownEndsWithFakeErrorOrBudget) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    for (int i = 1; i <= 3; ++i) w.env.network().SetNodeUp(FakeTikvCluster::Address(i), false);
    Backoffer bo(w.env, 20000);
    kvrpcpb::RawGetRequest get;
    get.set_key("k");
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kRawGet, get);
    SendStats stats;
    absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, loc.region, 2s, &stats);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_NE(r->region_error(), nullptr);
    EXPECT_TRUE(IsFakeRegionError(*r->region_error()));
    EXPECT_EQ(stats.send_failures, 3);
    EXPECT_EQ(w.cache->GetCachedRegion(loc.region), nullptr);
    for (int i = 1; i <= 3; ++i) w.env.network().SetNodeUp(FakeTikvCluster::Address(i), true);
  });
}

// Ports client-go internal/locate/region_request3_test.go TestSendReqFirstTimeout /
// replica_selector_test.go TestTiKVClientReadTimeout: a read with a short configurable timeout
// that times out moves to another replica as a replica read, without backoff.
TEST(RegionRequestTest, ConfigurableTimeoutReadTriesAnotherReplica) {
  World w;
  w.tikv.SplitAt({}, {1, 2, 3});
  RunWorld(w, [&] {
    KeyLocation loc = w.Locate("k");
    // Store 1 answers only after the read's deadline.
    sim::LinkConfig slow;
    slow.base_latency_min = slow.base_latency_max = 10s;
    w.env.network().SetLinkConfig("client", "store-1", slow);
    Backoffer bo(w.env, 20000);
    kvrpcpb::GetRequest get;
    get.set_key("k");
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kGet, get);
    req.mutable_context()->set_max_execution_duration_ms(500);
    SendStats stats;
    absl::StatusOr<rpc::Response> r = w.sender->SendReq(bo, req, loc.region, 500ms, &stats);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->region_error(), nullptr);
    EXPECT_EQ(stats.attempts, 2);
    EXPECT_EQ(bo.TotalBackoffTimes(), 0);
    ASSERT_FALSE(w.tikv.seen.empty());
    EXPECT_TRUE(w.tikv.seen.back().replica_read);
    // The region stays cached: a deadline explains the failure.
    EXPECT_NE(w.cache->GetCachedRegion(loc.region), nullptr);
    w.env.network().SetLinkConfig("client", "store-1", sim::LinkConfig{});
  });
}

}  // namespace
}  // namespace tikv::locate
