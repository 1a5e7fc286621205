// Tests of the request/response envelope (src/rpc/request.h) and the interceptor chain.

#include "rpc/request.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rpc/interceptor.h"

namespace tikv::rpc {
namespace {

// Ports client-go tikvrpc/tikvrpc_test.go TestBatchResponse.
TEST(RequestTest, EmptyBatchResponseArmIsAnError) {
  tikvpb::BatchCommandsResponse::Response resp;
  absl::StatusOr<Response> r = FromBatchCommandsResponse(&resp);
  EXPECT_FALSE(r.ok());
}

TEST(RequestTest, BatchResponseArmBecomesTheResponse) {
  tikvpb::BatchCommandsResponse::Response resp;
  resp.mutable_get()->set_value("v");
  resp.mutable_get()->mutable_region_error()->set_message("nl");
  absl::StatusOr<Response> r = FromBatchCommandsResponse(&resp);
  ASSERT_TRUE(r.ok());
  ASSERT_NE(r->As<kvrpcpb::GetResponse>(), nullptr);
  EXPECT_EQ(r->As<kvrpcpb::GetResponse>()->value(), "v");
  ASSERT_NE(r->region_error(), nullptr);
  EXPECT_EQ(r->region_error()->message(), "nl");
}

// Ports client-go tikvrpc/tikvrpc_test.go TestDefaultRequestOrigin.  Divergence: the default
// origin is a constructor argument (an option of the store), not a process global.
TEST(RequestTest, DefaultRequestOrigin) {
  Request plain = Request::Of(CmdType::kGet, kvrpcpb::GetRequest());
  EXPECT_EQ(plain.context().request_origin(), kvrpcpb::RequestOriginUnknown);
  Request r(CmdType::kGet, std::make_unique<kvrpcpb::GetRequest>(), {}, kvrpcpb::RequestOriginTiDB);
  EXPECT_EQ(r.context().request_origin(), kvrpcpb::RequestOriginTiDB);
  // AttachContext fills an unset origin too.
  kvrpcpb::Context ctx;
  ctx.set_region_id(3);
  ASSERT_TRUE(r.AttachContext(ctx));
  EXPECT_EQ(r.As<kvrpcpb::GetRequest>()->context().request_origin(), kvrpcpb::RequestOriginTiDB);
  EXPECT_EQ(r.As<kvrpcpb::GetRequest>()->context().region_id(), 3u);
}

// Ports client-go tikvrpc/tikvrpc_test.go TestAttachContextSetsRequestContext: every command
// gets the context written into its message.
TEST(RequestTest, AttachContextFillsEveryCommand) {
  kvrpcpb::Context ctx;
  ctx.set_region_id(42);
  ctx.set_resource_group_tag("tag");
  for (const CmdInfo& info : AllCmdInfos()) {
    std::unique_ptr<google::protobuf::Message> msg;
    if (info.type == CmdType::kEmpty) {
      msg = std::make_unique<tikvpb::BatchCommandsEmptyRequest>();
    } else {
      // Build the request type from the response's sibling: use the arm / RPC input type.
      std::unique_ptr<google::protobuf::Message> resp = NewResponseMessage(info.type);
      ASSERT_NE(resp, nullptr) << info.name;
      const auto* pool = google::protobuf::DescriptorPool::generated_pool();
      std::string name(info.method->full_name.substr(1));
      name[name.find('/')] = '.';
      const auto* d = pool->FindMethodByName(name)->input_type();
      msg.reset(google::protobuf::MessageFactory::generated_factory()->GetPrototype(d)->New());
    }
    Request r(info.type, std::move(msg));
    ASSERT_TRUE(r.Validate().ok()) << info.name;
    EXPECT_TRUE(r.AttachContext(ctx)) << info.name;
    const auto* field = r.message().GetDescriptor()->FindFieldByName("context");
    if (field == nullptr) continue;  // Empty, StoreSafeTS
    const auto& got = static_cast<const kvrpcpb::Context&>(
        r.message().GetReflection()->GetMessage(r.message(), field));
    EXPECT_EQ(got.region_id(), 42u) << info.name;
    EXPECT_EQ(got.resource_group_tag(), "tag") << info.name;
  }
}

// Ports client-go tikvrpc/tikvrpc_test.go TestTiDB51921: a request retried on another store
// must not change a message a previous send may still be serialising.  Senders encode a
// Clone(); the clone is independent of the original.
TEST(RequestTest, CloneIsIndependentOfTheOriginal) {
  kvrpcpb::GetRequest get;
  get.set_key("k");
  Request original = Request::Of(CmdType::kGet, get);
  original.SetRegionContext(7, metapb::RegionEpoch(), metapb::Peer());
  ASSERT_TRUE(original.AttachOwnContext());
  absl::StatusOr<std::string> before = EncodeBatchCommandsRequest(original);
  ASSERT_TRUE(before.ok());
  Request retry = original.Clone();
  retry.SetRegionContext(8, metapb::RegionEpoch(), metapb::Peer());
  ASSERT_TRUE(retry.AttachOwnContext());
  EXPECT_EQ(*EncodeBatchCommandsRequest(original), *before);
  EXPECT_EQ(retry.As<kvrpcpb::GetRequest>()->context().region_id(), 8u);
  EXPECT_EQ(original.As<kvrpcpb::GetRequest>()->context().region_id(), 7u);
}

TEST(RequestTest, PreEncodingEqualsTheArmsSerialisation) {
  kvrpcpb::PrewriteRequest pw;
  pw.add_mutations()->set_key(std::string(300, 'k'));  // multi-byte length varint
  pw.set_start_version(11);
  Request r = Request::Of(CmdType::kPrewrite, pw);
  absl::StatusOr<tikvpb::BatchCommandsRequest::Request> arm = ToBatchCommandsRequest(r);
  ASSERT_TRUE(arm.ok());
  EXPECT_EQ(*EncodeBatchCommandsRequest(r), arm->SerializeAsString());
  // A batch built from pre-encoded bytes parses as ordinary requests.
  tikvpb::BatchCommandsRequest batch;
  batch.GetReflection()->MutableUnknownFields(&batch)->AddLengthDelimited(
      1, *EncodeBatchCommandsRequest(r));
  batch.add_request_ids(1);
  tikvpb::BatchCommandsRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(batch.SerializeAsString()));
  ASSERT_EQ(parsed.requests_size(), 1);
  EXPECT_EQ(parsed.requests(0).prewrite().start_version(), 11u);
  // Unary-only commands have no arm.
  EXPECT_FALSE(EncodeBatchCommandsRequest(Request::Of(CmdType::kRawCompareAndSwap,
                                                      kvrpcpb::RawCASRequest()))
                   .ok());
}

TEST(RequestTest, PredicatesAndHelpers) {
  kvrpcpb::CheckTxnStatusRequest cts;
  cts.set_lock_ts(99);
  Request r = Request::Of(CmdType::kCheckTxnStatus, cts);
  EXPECT_TRUE(r.IsTxnWriteRequest());
  EXPECT_FALSE(r.IsRawWriteRequest());
  EXPECT_TRUE(r.IsInterruptible());
  EXPECT_EQ(r.StartTs(), 99u);
  EXPECT_FALSE(Request::Of(CmdType::kCommit, kvrpcpb::CommitRequest()).IsInterruptible());
  EXPECT_TRUE(Request::Of(CmdType::kRawPut, kvrpcpb::RawPutRequest()).IsRawWriteRequest());
  EXPECT_FALSE(Request(CmdType::kGet, std::make_unique<kvrpcpb::ScanRequest>()).Validate().ok());

  r.SetReplicaReadType(ReplicaReadType::kFollower);
  EXPECT_TRUE(r.context().replica_read());
  r.EnableStaleWithMixedReplicaRead();
  EXPECT_TRUE(r.context().stale_read());
  EXPECT_FALSE(r.context().replica_read());
  EXPECT_EQ(r.replica_read_type(), ReplicaReadType::kMixed);
  r.DisableStaleReadMeetLock();
  EXPECT_FALSE(r.context().stale_read());
  EXPECT_EQ(r.replica_read_type(), ReplicaReadType::kLeader);

  errorpb::Error e;
  e.mutable_server_is_busy()->set_reason("busy");
  absl::StatusOr<Response> gen = GenRegionErrorResponse(r, e);
  ASSERT_TRUE(gen.ok());
  ASSERT_NE(gen->As<kvrpcpb::CheckTxnStatusResponse>(), nullptr);
  EXPECT_EQ(gen->region_error()->server_is_busy().reason(), "busy");

  ContextOptions o;
  o.isolation_level = kvrpcpb::RC;
  o.priority = kvrpcpb::High;
  o.not_fill_cache = true;
  o.sync_log = true;
  o.resource_group_name = "rg";
  o.resource_group_tag = "tag";
  o.request_source = "external_Select";
  o.busy_threshold_ms = 50;
  o.trace_id = "trace";
  kvrpcpb::Context c;
  ApplyContextOptions(o, &c);
  EXPECT_EQ(c.isolation_level(), kvrpcpb::RC);
  EXPECT_EQ(c.priority(), kvrpcpb::High);
  EXPECT_TRUE(c.not_fill_cache());
  EXPECT_TRUE(c.sync_log());
  EXPECT_EQ(c.resource_control_context().resource_group_name(), "rg");
  EXPECT_EQ(c.resource_group_tag(), "tag");
  EXPECT_EQ(c.request_source(), "external_Select");
  EXPECT_EQ(c.busy_threshold_ms(), 50u);
  EXPECT_EQ(c.trace_id(), "trace");
}

// Ports client-go tikvrpc/interceptor/interceptor_test.go TestInterceptor: onion order, and
// re-linking a name moves it to the end.
TEST(InterceptorTest, OnionOrderAndRelinking) {
  std::vector<std::string> log;
  auto make = [&](std::string name) {
    return NewRpcInterceptor(name, [&log, name](RpcInterceptorFunc next) {
      return [&log, name, next](std::string_view target, Request& req) {
        log.push_back(name + ">");
        absl::StatusOr<Response> r = next(target, req);
        log.push_back("<" + name);
        return r;
      };
    });
  };
  RpcInterceptorFunc send = [&log](std::string_view, Request&) -> absl::StatusOr<Response> {
    log.push_back("send");
    return Response();
  };
  auto chain = std::make_shared<RpcInterceptorChain>();
  chain->Link(make("a")).Link(make("b")).Link(make("c"));
  Request req = Request::Of(CmdType::kGet, kvrpcpb::GetRequest());
  ASSERT_TRUE(chain->Wrap(send)("store-1", req).ok());
  EXPECT_EQ(log, (std::vector<std::string>{"a>", "b>", "c>", "send", "<c", "<b", "<a"}));

  log.clear();
  chain->Link(make("a"));  // same name: moves to the end
  ASSERT_EQ(chain->size(), 3u);
  ASSERT_TRUE(chain->Wrap(send)("store-1", req).ok());
  EXPECT_EQ(log, (std::vector<std::string>{"b>", "c>", "a>", "send", "<a", "<c", "<b"}));

  log.clear();
  auto nested = ChainRpcInterceptors(make("x"), {chain});  // chains flatten
  auto with = WithRpcInterceptor(nested, make("y"));
  ASSERT_TRUE(with->Wrap(send)("store-1", req).ok());
  EXPECT_EQ(log, (std::vector<std::string>{"x>", "b>", "c>", "a>", "y>", "send", "<y", "<a",
                                           "<c", "<b", "<x"}));
}

}  // namespace
}  // namespace tikv::rpc
