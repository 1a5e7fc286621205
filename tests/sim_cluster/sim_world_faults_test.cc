// Fault rules acting through the SimNetwork glue: a duplicated delivery (a lock request parked
// twice), a reply delayed past the caller's deadline (undetermined but applied), a delayed
// BatchCommands arm, and a transport fault on a BatchCommands arm that loses the arm or, with
// fail_stream, fails the whole stream.

#include <string>

#include "gtest/gtest.h"
#include "sim/testing/sim_world.h"
#include "tests/sim_cluster/world_client.h"

namespace tikv::sim {
namespace {

using namespace std::chrono_literals;
using testing_client::Client;
using testing_client::kBatch;

TEST(SimWorldFaultsTest, DuplicatedLockRequestParksTwiceAndTheCallerGetsOneAnswer) {
  SimWorld world;
  FaultRule dup;
  dup.method = "KvPessimisticLock";
  dup.start_key = "k";
  dup.end_key = "k\x01";
  dup.action = FaultAction::kDuplicate;
  absl::Status waiter_status;
  kvrpcpb::PessimisticLockResponse waiter_resp;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Client holder(world, "client-1");
    holder.Members();
    const uint64_t start = holder.Tso();
    absl::Status s;
    holder.Lock("k", start, 0, &s);
    ASSERT_TRUE(s.ok());
    world.cluster.faults().AddRule(dup);
    world.env.executor().Spawn({.name = "waiter"}, [&] {
      Client waiter(world, "client-2");
      waiter.Members();
      waiter_resp = waiter.Lock("k", waiter.Tso(), 900, &waiter_status);
    });
    world.env.executor().SleepFor(world.env.clock(), 100ms);
    EXPECT_EQ(world.cluster.parked_waiters(), 2u);  // both deliveries wait
    holder.PrewriteAndCommit("k", "v", start, holder.Tso());
  }).ok());
  ASSERT_TRUE(waiter_status.ok()) << waiter_status;
  ASSERT_EQ(waiter_resp.errors_size(), 1);
  EXPECT_TRUE(waiter_resp.errors(0).has_conflict());
  EXPECT_EQ(world.cluster.faults().trace().size(), 1u);
}

TEST(SimWorldFaultsTest, ReplyDelayedPastTheDeadlineIsUndeterminedButApplied) {
  SimWorld world;
  FaultRule late;
  late.method = "RawPut";
  late.action = FaultAction::kApplyThenDelayReply;
  late.delay_ms = 2000;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Client c(world, "client-1");
    c.Members();
    world.cluster.faults().AddRule(late);
    EXPECT_EQ(c.RawPut("d", "1", 500ms).code(), absl::StatusCode::kDeadlineExceeded);
    absl::StatusOr<std::string> got = c.RawGet("d");
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, "1");  // the put applied although its caller gave up
  }).ok());
}

TEST(SimWorldFaultsTest, DelayedBatchArmArrivesLaterOnItsStream) {
  SimWorld world;
  FaultRule late;
  late.method = "RawGet";
  late.action = FaultAction::kApplyThenDelayReply;
  late.delay_ms = 300;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Client c(world, "client-1");
    c.Members();
    ASSERT_TRUE(c.RawPut("b", "bee").ok());
    auto [ctx, addr] = c.Locate("b");
    world.cluster.faults().AddRule(late);
    auto stream = c.transport().OpenStream({addr}, kBatch, MonoTime::Infinite());
    ASSERT_TRUE(stream.ok());
    tikvpb::BatchCommandsRequest req;
    *req.add_requests()->mutable_rawget()->mutable_context() = ctx;
    req.mutable_requests(0)->mutable_rawget()->set_key("b");
    req.add_request_ids(7);
    const MonoTime sent = world.env.now();
    ASSERT_TRUE((*stream)->Write(req).ok());
    tikvpb::BatchCommandsResponse resp;
    absl::StatusOr<bool> r = (*stream)->Read(&resp, c.Deadline());
    ASSERT_TRUE(r.ok() && *r) << r.status();
    ASSERT_EQ(resp.request_ids_size(), 1);
    EXPECT_EQ(resp.request_ids(0), 7u);
    EXPECT_EQ(resp.responses(0).rawget().value(), "bee");
    EXPECT_GE(world.env.now() - sent, Duration(300ms));
    (*stream)->Cancel();
  }).ok());
}

TEST(SimWorldFaultsTest, TransportFaultOnABatchArmLosesTheArmOrFailsTheStream) {
  SimWorld world;
  ASSERT_TRUE(world.RunOnFiber([&] {
    Client c(world, "client-1");
    c.Members();
    ASSERT_TRUE(c.RawPut("b", "bee").ok());
    // Not a structured binding: clang 14 cannot capture one in the lambda below.
    auto located = c.Locate("b");
    const auto& ctx = located.first;
    const auto& addr = located.second;
    auto batch = [&](uint64_t first_id) {
      tikvpb::BatchCommandsRequest req;
      for (uint64_t id : {first_id, first_id + 1}) {
        auto* get = req.add_requests()->mutable_rawget();
        *get->mutable_context() = ctx;
        get->set_key(id == first_id ? "b" : "other");
        req.add_request_ids(id);
      }
      return req;
    };
    auto stream = c.transport().OpenStream({addr}, kBatch, MonoTime::Infinite());
    ASSERT_TRUE(stream.ok());
    // Without fail_stream only the faulted arm goes unanswered.
    FaultRule lose;
    lose.method = "RawGet";
    lose.start_key = "b";
    lose.end_key = "c";
    lose.action = FaultAction::kTransportError;
    world.cluster.faults().AddRule(lose);
    ASSERT_TRUE((*stream)->Write(batch(1)).ok());
    tikvpb::BatchCommandsResponse resp;
    absl::StatusOr<bool> r = (*stream)->Read(&resp, c.Deadline());
    ASSERT_TRUE(r.ok() && *r) << r.status();
    ASSERT_EQ(resp.request_ids_size(), 1);
    EXPECT_EQ(resp.request_ids(0), 2u);
    // With fail_stream the stream ends with the fault's code.
    FaultRule fail = lose;
    fail.fail_stream = true;
    fail.transport_code = absl::StatusCode::kUnavailable;
    world.cluster.faults().AddRule(fail);
    ASSERT_TRUE((*stream)->Write(batch(3)).ok());
    r = (*stream)->Read(&resp, c.Deadline());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  }).ok());
}

}  // namespace
}  // namespace tikv::sim
