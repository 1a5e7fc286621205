// SimWorld / SimClusterNodes: the simulated cluster driven through SimTransport on fibers —
// PD GetMembers and the Tso stream, addresses PD hands out equal node names, raw put/get,
// a BatchCommands message, a pessimistic lock wait completed by the holder's commit in virtual
// time, partitions and downed nodes as transport errors, and same seed => same trace hash.

#include <memory>
#include <string>
#include <vector>

#include "grpc/health/v1/health.pb.h"
#include "gtest/gtest.h"
#include "kvrpcpb.pb.h"
#include "pdpb.pb.h"
#include "sim/testing/sim_world.h"
#include "sim/util/codec.h"
#include "tests/sim_cluster/world_client.h"
#include "tikvpb.pb.h"

namespace tikv::sim {
namespace {

using namespace std::chrono_literals;

using testing_client::Client;
using testing_client::kBatch;
using testing_client::kHealth;
using testing_client::kRawGet;

TEST(SimWorldTest, PdMembersAndTsoStreamAndAddressesAreNodeNames) {
  SimWorld world;
  ASSERT_EQ(world.PdEndpoints(), (std::vector<std::string>{"pd1:2379", "pd2:2379", "pd3:2379"}));
  ASSERT_TRUE(world.RunOnFiber([&] {
    Client c(world, "client-1");
    pdpb::GetMembersResponse m = c.Members();
    ASSERT_EQ(m.members_size(), 3);
    EXPECT_EQ(m.header().cluster_id(), world.cluster.options().cluster_id);
    for (const auto& member : m.members()) {
      ASSERT_EQ(member.client_urls_size(), 1);
      EXPECT_NE(world.net().FindNode(SimClusterNodes::NodeNameForUrl(member.client_urls(0))),
                nullptr);
    }
    const uint64_t t1 = c.Tso();
    const uint64_t t2 = c.Tso();
    EXPECT_GT(t2, t1);
    // TSO physical time follows the virtual wall clock.
    EXPECT_GE(static_cast<int64_t>(t1 >> 18), world.env.wall_epoch_ms());
    auto [ctx, addr] = c.Locate("");
    EXPECT_NE(world.net().FindNode(addr), nullptr);
    EXPECT_EQ(addr, world.nodes.StoreNode(ctx.peer().store_id()));
  }).ok());
}

TEST(SimWorldTest, RawPutGetAndHealthCheck) {
  SimWorld world;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Client c(world, "client-1");
    c.Members();
    ASSERT_TRUE(c.RawPut("k1", "v1").ok());
    absl::StatusOr<std::string> got = c.RawGet("k1");
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, "v1");
    // grpc.health.v1 answers SERVING; a stopped store answers NOT_SERVING.
    const std::string addr = world.nodes.store_nodes()[0];
    grpc::health::v1::HealthCheckRequest hreq;
    grpc::health::v1::HealthCheckResponse hresp;
    ASSERT_TRUE(c.transport().Call({addr}, kHealth, hreq, &hresp, c.Deadline(), nullptr).ok());
    EXPECT_EQ(hresp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
    ASSERT_TRUE(world.cluster.SetStoreUp(world.cluster.store_ids()[0], false).ok());
    ASSERT_TRUE(c.transport().Call({addr}, kHealth, hreq, &hresp, c.Deadline(), nullptr).ok());
    EXPECT_EQ(hresp.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  }).ok());
}

TEST(SimWorldTest, BatchCommandsAnswersByRequestId) {
  SimWorld world;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Client c(world, "client-1");
    c.Members();
    ASSERT_TRUE(c.RawPut("b", "bee").ok());
    auto [ctx, addr] = c.Locate("b");
    auto stream = c.transport().OpenStream({addr}, kBatch, MonoTime::Infinite());
    ASSERT_TRUE(stream.ok());
    tikvpb::BatchCommandsRequest req;
    auto* get = req.add_requests()->mutable_rawget();
    *get->mutable_context() = ctx;
    get->set_key("b");
    req.add_request_ids(41);
    auto* get2 = req.add_requests()->mutable_rawget();
    *get2->mutable_context() = ctx;
    get2->set_key("missing");
    req.add_request_ids(42);
    ASSERT_TRUE((*stream)->Write(req).ok());
    tikvpb::BatchCommandsResponse resp;
    absl::StatusOr<bool> r = (*stream)->Read(&resp, c.Deadline());
    ASSERT_TRUE(r.ok() && *r) << r.status();
    ASSERT_EQ(resp.request_ids_size(), 2);
    EXPECT_EQ(resp.request_ids(0), 41u);
    EXPECT_EQ(resp.responses(0).rawget().value(), "bee");
    EXPECT_EQ(resp.request_ids(1), 42u);
    EXPECT_TRUE(resp.responses(1).rawget().not_found());
    ASSERT_TRUE((*stream)->CloseSend().ok());
    r = (*stream)->Read(&resp, c.Deadline());
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(*r);  // the server finished the stream after our half-close
  }).ok());
}

TEST(SimWorldTest, LockWaitCompletesWhenTheHolderCommits) {
  SimWorld world;
  absl::Status waiter_status;
  kvrpcpb::PessimisticLockResponse waiter_resp;
  bool waiter_done = false;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Client holder(world, "client-1");
    holder.Members();
    const uint64_t start = holder.Tso();
    absl::Status s;
    kvrpcpb::PessimisticLockResponse first = holder.Lock("k", start, 0, &s);
    ASSERT_TRUE(s.ok()) << s;
    ASSERT_EQ(first.errors_size(), 0) << first.DebugString();
    world.env.executor().Spawn({.name = "waiter"}, [&] {
      Client waiter(world, "client-2");
      waiter.Members();
      waiter_resp = waiter.Lock("k", waiter.Tso(), 900, &waiter_status);
      waiter_done = true;
    });
    world.env.executor().SleepFor(world.env.clock(), 100ms);
    ASSERT_FALSE(waiter_done);  // parked on the holder's lock
    EXPECT_EQ(world.cluster.parked_waiters(), 1u);
    holder.PrewriteAndCommit("k", "v", start, holder.Tso());
  }).ok());
  ASSERT_TRUE(waiter_done);
  ASSERT_TRUE(waiter_status.ok()) << waiter_status;
  // Woken by the commit (a legacy waiter retries), not timed out with a Locked error.
  ASSERT_EQ(waiter_resp.errors_size(), 1) << waiter_resp.DebugString();
  EXPECT_TRUE(waiter_resp.errors(0).has_conflict()) << waiter_resp.DebugString();
  EXPECT_EQ(world.cluster.parked_waiters(), 0u);
}

TEST(SimWorldTest, LockWaitTimesOutInVirtualTime) {
  SimWorld world;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Client holder(world, "client-1");
    holder.Members();
    absl::Status s;
    holder.Lock("k", holder.Tso(), 0, &s);
    ASSERT_TRUE(s.ok());
    const MonoTime before = world.env.now();
    kvrpcpb::PessimisticLockResponse r = holder.Lock("k", holder.Tso(), 300, &s);
    ASSERT_TRUE(s.ok()) << s;
    ASSERT_EQ(r.errors_size(), 1);
    EXPECT_TRUE(r.errors(0).has_locked());
    EXPECT_GE(world.env.now() - before, Duration(300ms));  // answered at the wait deadline
  }).ok());
}

TEST(SimWorldTest, PartitionAndDownedNodeAreTransportErrors) {
  SimWorld world;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Client c(world, "client-1");
    c.Members();
    ASSERT_TRUE(c.RawPut("p", "1").ok());
    auto [ctx, addr] = c.Locate("p");
    // A stream across the cut breaks; a unary call's request is lost and its deadline passes.
    auto stream = c.transport().OpenStream({addr}, kBatch, MonoTime::Infinite());
    ASSERT_TRUE(stream.ok());
    world.env.executor().SleepFor(world.env.clock(), 10ms);
    world.net().Partition("client-1", addr);
    tikvpb::BatchCommandsRequest req;
    req.add_requests()->mutable_empty();
    req.add_request_ids(1);
    (void)(*stream)->Write(req);
    tikvpb::BatchCommandsResponse resp;
    absl::StatusOr<bool> r = (*stream)->Read(&resp, c.Deadline());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
    kvrpcpb::RawGetRequest get;
    *get.mutable_context() = ctx;
    get.set_key("p");
    kvrpcpb::RawGetResponse got;
    EXPECT_EQ(c.transport().Call({addr}, kRawGet, get, &got, c.Deadline(500ms), nullptr).code(),
              absl::StatusCode::kDeadlineExceeded);
    world.net().HealAll();
    EXPECT_EQ(*c.RawGet("p"), "1");
    world.net().SetNodeUp(addr, false);
    EXPECT_EQ(c.transport().Call({addr}, kRawGet, get, &got, c.Deadline(), nullptr).code(),
              absl::StatusCode::kUnavailable);
  }).ok());
}

// One small workload: members, TSO, raw writes and reads, a lock wait.
uint64_t RunWorkload(uint64_t seed) {
  SimWorld world({.sim = {.seed = seed}, .cluster = {.seed = seed}});
  absl::Status s = world.RunOnFiber([&] {
    Client c(world, "client-1");
    c.Members();
    for (int i = 0; i < 5; ++i) {
      (void)c.RawPut("key" + std::to_string(i), "v" + std::to_string(c.Tso()));
      (void)c.RawGet("key" + std::to_string(i));
    }
    absl::Status st;
    c.Lock("w", c.Tso(), 0, &st);
    c.Lock("w", c.Tso(), 50, &st);
  });
  EXPECT_TRUE(s.ok()) << s;
  return world.env.TraceHashValue();
}

TEST(SimWorldTest, SameSeedSameTraceHash) {
  const uint64_t a = RunWorkload(11);
  EXPECT_EQ(a, RunWorkload(11));
  EXPECT_NE(a, RunWorkload(12));
}

}  // namespace
}  // namespace tikv::sim
