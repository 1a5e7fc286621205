// The sim server seen through plain generated grpc++ stubs: PD, the TSO stream, TiKV unary calls,
// BatchCommands and the health service answer as a real cluster does; and the tikv-sim-server
// binary prints its ready line and exits cleanly on SIGTERM.

#include "tools/sim_server/sim_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "pdpb.grpc.pb.h"
#include "tikvpb.grpc.pb.h"

namespace tikv::simserver {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::chrono::system_clock::time_point Soon() {
  return std::chrono::system_clock::now() + std::chrono::seconds(10);
}

class SimServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SimServerOptions options;
    options.pd_addr = "127.0.0.1:0";
    options.stores = 3;
    options.split_keys = {"m"};
    server_ = std::make_unique<SimServer>(options);
    ASSERT_TRUE(server_->Start().ok());
    pd_ = pdpb::PD::NewStub(
        grpc::CreateChannel(server_->pd_address(), grpc::InsecureChannelCredentials()));
  }

  // The region and leader PD reports for `key`, as a request Context.
  kvrpcpb::Context ContextFor(const std::string& key, std::string* store_address) {
    grpc::ClientContext ctx;
    ctx.set_deadline(Soon());
    pdpb::GetRegionRequest req;
    req.set_region_key(key);
    pdpb::GetRegionResponse resp;
    EXPECT_TRUE(pd_->GetRegion(&ctx, req, &resp).ok());
    kvrpcpb::Context c;
    c.set_region_id(resp.region().id());
    *c.mutable_region_epoch() = resp.region().region_epoch();
    *c.mutable_peer() = resp.leader();
    grpc::ClientContext sctx;
    sctx.set_deadline(Soon());
    pdpb::GetStoreRequest sreq;
    sreq.set_store_id(resp.leader().store_id());
    pdpb::GetStoreResponse sresp;
    EXPECT_TRUE(pd_->GetStore(&sctx, sreq, &sresp).ok());
    *store_address = sresp.store().address();
    return c;
  }

  std::unique_ptr<tikvpb::Tikv::Stub> TikvStub(const std::string& address) {
    return tikvpb::Tikv::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<SimServer> server_;
  std::unique_ptr<pdpb::PD::Stub> pd_;
};

TEST_F(SimServerTest, PdReportsItsOwnAddressAndTheStores) {
  grpc::ClientContext ctx;
  ctx.set_deadline(Soon());
  pdpb::GetMembersResponse members;
  ASSERT_TRUE(pd_->GetMembers(&ctx, pdpb::GetMembersRequest(), &members).ok());
  ASSERT_EQ(members.leader().client_urls_size(), 1);
  EXPECT_EQ(members.leader().client_urls(0), "http://" + server_->pd_address());

  grpc::ClientContext ctx2;
  ctx2.set_deadline(Soon());
  pdpb::GetAllStoresResponse stores;
  ASSERT_TRUE(pd_->GetAllStores(&ctx2, pdpb::GetAllStoresRequest(), &stores).ok());
  ASSERT_EQ(stores.stores_size(), 3);
  for (const metapb::Store& s : stores.stores()) {
    EXPECT_THAT(server_->store_addresses(), ::testing::Contains(s.address()));
  }
}

TEST_F(SimServerTest, SplitKeysMakeTwoRegions) {
  std::string addr;
  kvrpcpb::Context a = ContextFor("a", &addr);
  kvrpcpb::Context z = ContextFor("z", &addr);
  EXPECT_NE(a.region_id(), z.region_id());
}

TEST_F(SimServerTest, TsoStreamHandsOutIncreasingTimestamps) {
  grpc::ClientContext ctx;
  auto stream = pd_->Tso(&ctx);
  uint64_t last = 0;
  for (int i = 0; i < 3; ++i) {
    pdpb::TsoRequest req;
    req.set_count(10);
    ASSERT_TRUE(stream->Write(req));
    pdpb::TsoResponse resp;
    ASSERT_TRUE(stream->Read(&resp));
    EXPECT_EQ(resp.count(), 10u);
    uint64_t ts = (static_cast<uint64_t>(resp.timestamp().physical()) << 18) +
                  static_cast<uint64_t>(resp.timestamp().logical());
    EXPECT_GT(ts, last);
    last = ts;
  }
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(SimServerTest, RawPutThenGetThroughUnaryCalls) {
  std::string addr;
  kvrpcpb::Context c = ContextFor("k1", &addr);
  auto tikv = TikvStub(addr);
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Soon());
    kvrpcpb::RawPutRequest req;
    *req.mutable_context() = c;
    req.set_key("k1");
    req.set_value("v1");
    kvrpcpb::RawPutResponse resp;
    ASSERT_TRUE(tikv->RawPut(&ctx, req, &resp).ok());
    EXPECT_FALSE(resp.has_region_error());
    EXPECT_EQ(resp.error(), "");
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Soon());
    kvrpcpb::RawGetRequest req;
    *req.mutable_context() = c;
    req.set_key("k1");
    kvrpcpb::RawGetResponse resp;
    ASSERT_TRUE(tikv->RawGet(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.value(), "v1");
    EXPECT_FALSE(resp.not_found());
  }
}

// The client-go KeyNotInRegion bug: a raw client locates the split key itself with PD by its raw
// bytes (the boundary is EncodeBytes("m"), so raw "m" lies left of it) and the store must accept
// the raw key in that region, comparing it unencoded (API V1 raw layout).
TEST_F(SimServerTest, RawKeyAtTheSplitKeyIsInTheRegionPdNames) {
  std::string addr;
  kvrpcpb::Context c = ContextFor("m", &addr);
  EXPECT_EQ(c.region_id(), ContextFor("a", &addr).region_id());
  auto tikv = TikvStub(addr);
  grpc::ClientContext ctx;
  ctx.set_deadline(Soon());
  kvrpcpb::RawPutRequest req;
  *req.mutable_context() = c;
  req.set_key("m");
  req.set_value("v");
  kvrpcpb::RawPutResponse resp;
  ASSERT_TRUE(tikv->RawPut(&ctx, req, &resp).ok());
  EXPECT_FALSE(resp.has_region_error()) << resp.DebugString();
}

TEST_F(SimServerTest, WrongStoreAnswersARegionError) {
  std::string leader;
  kvrpcpb::Context c = ContextFor("k1", &leader);
  std::string other;
  for (const std::string& a : server_->store_addresses()) {
    if (a != leader) other = a;
  }
  auto tikv = TikvStub(other);
  grpc::ClientContext ctx;
  ctx.set_deadline(Soon());
  kvrpcpb::RawGetRequest req;
  *req.mutable_context() = c;
  req.set_key("k1");
  kvrpcpb::RawGetResponse resp;
  ASSERT_TRUE(tikv->RawGet(&ctx, req, &resp).ok());
  EXPECT_TRUE(resp.has_region_error());
}

TEST_F(SimServerTest, BatchCommandsAnswersByRequestId) {
  std::string addr;
  kvrpcpb::Context c = ContextFor("k2", &addr);
  auto tikv = TikvStub(addr);
  grpc::ClientContext ctx;
  auto stream = tikv->BatchCommands(&ctx);
  tikvpb::BatchCommandsRequest req;
  auto* put = req.add_requests()->mutable_rawput();
  *put->mutable_context() = c;
  put->set_key("k2");
  put->set_value("v2");
  req.add_request_ids(41);
  auto* get = req.add_requests()->mutable_rawget();
  *get->mutable_context() = c;
  get->set_key("k2");
  req.add_request_ids(42);
  ASSERT_TRUE(stream->Write(req));
  tikvpb::BatchCommandsResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  ASSERT_EQ(resp.responses_size(), 2);
  ASSERT_EQ(resp.request_ids_size(), 2);
  bool saw_get = false;
  for (int i = 0; i < 2; ++i) {
    if (resp.request_ids(i) != 42) continue;
    saw_get = true;
    EXPECT_EQ(resp.responses(i).rawget().value(), "v2");
  }
  EXPECT_TRUE(saw_get);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(SimServerTest, HealthCheckAndUnknownMethods) {
  auto channel =
      grpc::CreateChannel(server_->store_addresses()[0], grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(Soon());
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_TRUE(health->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  // PD does not serve TiKV's methods.
  auto wrong = TikvStub(server_->pd_address());
  grpc::ClientContext ctx2;
  ctx2.set_deadline(Soon());
  kvrpcpb::RawGetResponse raw;
  grpc::Status s = wrong->RawGet(&ctx2, kvrpcpb::RawGetRequest(), &raw);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(SimServerTest, StoppedStoreRefusesCalls) {
  std::string addr;
  kvrpcpb::Context c = ContextFor("k3", &addr);
  server_->WithCluster([&](sim::SimCluster& cluster) {
    ASSERT_TRUE(cluster.SetStoreUp(c.peer().store_id(), false).ok());
  });
  auto tikv = TikvStub(addr);
  grpc::ClientContext ctx;
  ctx.set_deadline(Soon());
  kvrpcpb::RawGetRequest req;
  *req.mutable_context() = c;
  req.set_key("k3");
  kvrpcpb::RawGetResponse resp;
  EXPECT_EQ(tikv->RawGet(&ctx, req, &resp).error_code(), grpc::StatusCode::UNAVAILABLE);
}

// The binary: one ready line, then a clean exit on SIGTERM.
TEST(SimServerBinaryTest, PrintsReadyAndStopsOnSigterm) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    execl(TIKV_SIM_SERVER_BINARY, TIKV_SIM_SERVER_BINARY, "--pd-addr", "127.0.0.1:0", "--stores",
          "2", "--split-keys", "b,c", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* f = fdopen(out[0], "r");
  char line[1024] = {0};
  ASSERT_NE(fgets(line, sizeof(line), f), nullptr);
  std::string ready(line);
  EXPECT_THAT(ready, StartsWith("ready pd=127.0.0.1:"));
  EXPECT_THAT(ready, HasSubstr(" stores=127.0.0.1:"));
  std::string pd = ready.substr(9, ready.find(' ', 9) - 9);
  auto stub = pdpb::PD::NewStub(grpc::CreateChannel(pd, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(Soon());
  pdpb::GetAllStoresResponse stores;
  EXPECT_TRUE(stub->GetAllStores(&ctx, pdpb::GetAllStoresRequest(), &stores).ok());
  EXPECT_EQ(stores.stores_size(), 2);
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  fclose(f);
}

}  // namespace
}  // namespace tikv::simserver
