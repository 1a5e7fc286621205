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
#include "tikvpb.pb.h"

namespace tikv::sim {
namespace {

using namespace std::chrono_literals;

constexpr RpcMethod kGetMembers{"/pdpb.PD/GetMembers", RpcMethod::Kind::kUnary};
constexpr RpcMethod kGetRegion{"/pdpb.PD/GetRegion", RpcMethod::Kind::kUnary};
constexpr RpcMethod kGetStore{"/pdpb.PD/GetStore", RpcMethod::Kind::kUnary};
constexpr RpcMethod kTso{"/pdpb.PD/Tso", RpcMethod::Kind::kBidiStream};
constexpr RpcMethod kRawPut{"/tikvpb.Tikv/RawPut", RpcMethod::Kind::kUnary};
constexpr RpcMethod kRawGet{"/tikvpb.Tikv/RawGet", RpcMethod::Kind::kUnary};
constexpr RpcMethod kLock{"/tikvpb.Tikv/KvPessimisticLock", RpcMethod::Kind::kUnary};
constexpr RpcMethod kPrewrite{"/tikvpb.Tikv/KvPrewrite", RpcMethod::Kind::kUnary};
constexpr RpcMethod kCommit{"/tikvpb.Tikv/KvCommit", RpcMethod::Kind::kUnary};
constexpr RpcMethod kBatch{"/tikvpb.Tikv/BatchCommands", RpcMethod::Kind::kBidiStream};
constexpr RpcMethod kHealth{"/grpc.health.v1.Health/Check", RpcMethod::Kind::kUnary};

// A client's view of the world: it finds PD, the region's leader store and timestamps only
// through RPCs, as a real client does.
class Client {
 public:
  Client(SimWorld& world, std::string name)
      : world_(world), transport_(world.ClientTransport(std::move(name))) {}

  MonoTime Deadline(Duration d = 2s) { return world_.env.now() + d; }
  Transport& transport() { return *transport_; }

  pdpb::GetMembersResponse Members() {
    pdpb::GetMembersRequest req;
    pdpb::GetMembersResponse resp;
    EXPECT_TRUE(transport_->Call({world_.PdEndpoints()[0]}, kGetMembers, req, &resp, Deadline(),
                                 nullptr).ok());
    cluster_id_ = resp.header().cluster_id();
    return resp;
  }

  uint64_t Tso() {
    if (tso_ == nullptr) {
      auto s = transport_->OpenStream({world_.PdEndpoints()[0]}, kTso, MonoTime::Infinite());
      EXPECT_TRUE(s.ok()) << s.status();
      tso_ = std::move(*s);
    }
    pdpb::TsoRequest req;
    req.mutable_header()->set_cluster_id(cluster_id_);
    req.set_count(1);
    EXPECT_TRUE(tso_->Write(req).ok());
    pdpb::TsoResponse resp;
    absl::StatusOr<bool> r = tso_->Read(&resp, Deadline());
    EXPECT_TRUE(r.ok() && *r) << r.status();
    return (static_cast<uint64_t>(resp.timestamp().physical()) << 18) +
           static_cast<uint64_t>(resp.timestamp().logical());
  }

  // The context and store address for `pd_key` (a TiKV-space key), from PD.
  std::pair<kvrpcpb::Context, std::string> Locate(const std::string& pd_key) {
    pdpb::GetRegionRequest req;
    req.mutable_header()->set_cluster_id(cluster_id_);
    req.set_region_key(pd_key);
    pdpb::GetRegionResponse resp;
    EXPECT_TRUE(transport_->Call({world_.PdEndpoints()[0]}, kGetRegion, req, &resp, Deadline(),
                                 nullptr).ok());
    pdpb::GetStoreRequest sreq;
    sreq.mutable_header()->set_cluster_id(cluster_id_);
    sreq.set_store_id(resp.leader().store_id());
    pdpb::GetStoreResponse sresp;
    EXPECT_TRUE(transport_->Call({world_.PdEndpoints()[0]}, kGetStore, sreq, &sresp, Deadline(),
                                 nullptr).ok());
    kvrpcpb::Context ctx;
    ctx.set_region_id(resp.region().id());
    *ctx.mutable_region_epoch() = resp.region().region_epoch();
    *ctx.mutable_peer() = resp.leader();
    return {ctx, sresp.store().address()};
  }

  absl::Status RawPut(const std::string& key, const std::string& value) {
    auto [ctx, addr] = Locate(key);
    kvrpcpb::RawPutRequest req;
    *req.mutable_context() = ctx;
    req.set_key(key);
    req.set_value(value);
    kvrpcpb::RawPutResponse resp;
    absl::Status s = transport_->Call({addr}, kRawPut, req, &resp, Deadline(), nullptr);
    if (s.ok() && (resp.has_region_error() || !resp.error().empty())) {
      return absl::InternalError(resp.DebugString());
    }
    return s;
  }

  absl::StatusOr<std::string> RawGet(const std::string& key, Duration timeout = 2s) {
    auto [ctx, addr] = Locate(key);
    kvrpcpb::RawGetRequest req;
    *req.mutable_context() = ctx;
    req.set_key(key);
    kvrpcpb::RawGetResponse resp;
    absl::Status s = transport_->Call({addr}, kRawGet, req, &resp, Deadline(timeout), nullptr);
    if (!s.ok()) return s;
    if (resp.has_region_error()) return absl::InternalError(resp.DebugString());
    return resp.value();
  }

  kvrpcpb::PessimisticLockResponse Lock(const std::string& key, uint64_t start_ts, int64_t wait_ms,
                                        absl::Status* status) {
    auto [ctx, addr] = Locate(EncodeBytes(key));
    kvrpcpb::PessimisticLockRequest req;
    *req.mutable_context() = ctx;
    auto* m = req.add_mutations();
    m->set_op(kvrpcpb::PessimisticLock);
    m->set_key(key);
    req.set_primary_lock(key);
    req.set_start_version(start_ts);
    req.set_for_update_ts(start_ts);
    req.set_lock_ttl(3000);
    req.set_wait_timeout(wait_ms);
    req.set_is_first_lock(false);
    kvrpcpb::PessimisticLockResponse resp;
    *status = transport_->Call({addr}, kLock, req, &resp, Deadline(5s), nullptr);
    return resp;
  }

  // Prewrites (pessimistic, the lock is held) and commits `key` = `value`.
  void PrewriteAndCommit(const std::string& key, const std::string& value, uint64_t start_ts,
                         uint64_t commit_ts) {
    auto [ctx, addr] = Locate(EncodeBytes(key));
    kvrpcpb::PrewriteRequest pw;
    *pw.mutable_context() = ctx;
    auto* m = pw.add_mutations();
    m->set_op(kvrpcpb::Put);
    m->set_key(key);
    m->set_value(value);
    pw.add_pessimistic_actions(kvrpcpb::PrewriteRequest::DO_PESSIMISTIC_CHECK);
    pw.set_primary_lock(key);
    pw.set_start_version(start_ts);
    pw.set_for_update_ts(start_ts);
    pw.set_lock_ttl(3000);
    kvrpcpb::PrewriteResponse pr;
    ASSERT_TRUE(transport_->Call({addr}, kPrewrite, pw, &pr, Deadline(), nullptr).ok());
    ASSERT_EQ(pr.errors_size(), 0) << pr.DebugString();
    kvrpcpb::CommitRequest c;
    *c.mutable_context() = ctx;
    c.add_keys(key);
    c.set_start_version(start_ts);
    c.set_commit_version(commit_ts);
    kvrpcpb::CommitResponse cr;
    ASSERT_TRUE(transport_->Call({addr}, kCommit, c, &cr, Deadline(), nullptr).ok());
    ASSERT_FALSE(cr.has_error()) << cr.DebugString();
  }

 private:
  SimWorld& world_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<ClientStream> tso_;
  uint64_t cluster_id_ = 0;
};

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
