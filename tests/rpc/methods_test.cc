// Checks the method table (src/rpc/methods.h) and the command catalogue (src/rpc/cmd_type.h)
// against the compiled service descriptors.

#include "rpc/methods.h"

#include <set>
#include <string>

#include "google/protobuf/descriptor.h"
#include "grpc/health/v1/health.pb.h"
#include "gtest/gtest.h"
#include "keyspacepb.pb.h"
#include "pdpb.pb.h"
#include "resource_manager.pb.h"
#include "rpc/cmd_type.h"
#include "tikvpb.pb.h"

namespace tikv::rpc {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::MethodDescriptor;

const MethodDescriptor* Lookup(std::string_view full_name) {
  std::string name(full_name.substr(1));
  name[name.find('/')] = '.';
  return DescriptorPool::generated_pool()->FindMethodByName(name);
}

// Touch one message of every service's file so the linker keeps its descriptors.
void LinkAllServiceFiles() {
  (void)pdpb::GetMembersRequest::descriptor();
  (void)keyspacepb::LoadKeyspaceRequest::descriptor();
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  (void)resource_manager::ListResourceGroupsRequest::descriptor();
  (void)tikvpb::BatchCommandsRequest::descriptor();
}

TEST(MethodsTest, EveryEntryMatchesTheCompiledDescriptor) {
  LinkAllServiceFiles();
  std::set<std::string_view> seen;
  for (const RpcMethod* m : AllMethods()) {
    ASSERT_EQ(m->full_name.substr(0, 1), "/") << m->full_name;
    EXPECT_TRUE(seen.insert(m->full_name).second) << "duplicate " << m->full_name;
    const MethodDescriptor* d = Lookup(m->full_name);
    ASSERT_NE(d, nullptr) << m->full_name;
    RpcMethod::Kind want = d->client_streaming()
                               ? (d->server_streaming() ? RpcMethod::Kind::kBidiStream
                                                        : RpcMethod::Kind::kClientStream)
                               : (d->server_streaming() ? RpcMethod::Kind::kServerStream
                                                        : RpcMethod::Kind::kUnary);
    EXPECT_EQ(m->kind, want) << m->full_name;
    EXPECT_EQ(FindMethod(m->full_name), m);
  }
}

TEST(MethodsTest, TableCoversTheServicesTheClientUses) {
  EXPECT_EQ(kKvPessimisticRollback.full_name, "/tikvpb.Tikv/KVPessimisticRollback");
  EXPECT_EQ(kBatchCommands.kind, RpcMethod::Kind::kBidiStream);
  EXPECT_EQ(kPdTso.kind, RpcMethod::Kind::kBidiStream);
  EXPECT_EQ(kPdQueryRegion.kind, RpcMethod::Kind::kBidiStream);
  EXPECT_EQ(kKeyspaceLoadKeyspace.full_name, "/keyspacepb.Keyspace/LoadKeyspace");
  EXPECT_EQ(kHealthCheck.full_name, "/grpc.health.v1.Health/Check");
  EXPECT_EQ(FindMethod("/tikvpb.Tikv/NoSuchRpc"), nullptr);
  // Every RPC of tikvpb.Tikv in the schema has an entry.
  const google::protobuf::ServiceDescriptor* tikv =
      DescriptorPool::generated_pool()->FindServiceByName("tikvpb.Tikv");
  ASSERT_NE(tikv, nullptr);
  for (int i = 0; i < tikv->method_count(); ++i) {
    EXPECT_NE(FindMethod("/tikvpb.Tikv/" + tikv->method(i)->name()), nullptr)
        << tikv->method(i)->name();
  }
}

TEST(CmdTypeTest, ArmsMatchTheirRpcMessageTypes) {
  const auto* req_arms = tikvpb::BatchCommandsRequest::Request::descriptor();
  const auto* resp_arms = tikvpb::BatchCommandsResponse::Response::descriptor();
  for (const CmdInfo& info : AllCmdInfos()) {
    EXPECT_EQ(FindCmdInfo(info.type), &info);
    EXPECT_EQ(CmdTypeName(info.type), info.name);
    if (info.batch_arm == 0) continue;
    const auto* arm = req_arms->FindFieldByNumber(info.batch_arm);
    const auto* resp_arm = resp_arms->FindFieldByNumber(info.batch_arm);
    ASSERT_NE(arm, nullptr) << info.name;
    ASSERT_NE(resp_arm, nullptr) << info.name;
    if (info.method != nullptr) {
      const MethodDescriptor* d = Lookup(info.method->full_name);
      ASSERT_NE(d, nullptr);
      EXPECT_EQ(arm->message_type(), d->input_type()) << info.name;
      EXPECT_EQ(resp_arm->message_type(), d->output_type()) << info.name;
    }
  }
  // The unary-only commands of protocol.md 1.1.
  for (CmdType t : {CmdType::kRawGetKeyTtl, CmdType::kRawCompareAndSwap, CmdType::kRawChecksum,
                    CmdType::kSplitRegion, CmdType::kUnsafeDestroyRange, CmdType::kStoreSafeTs}) {
    EXPECT_FALSE(IsBatchable(t)) << CmdTypeName(t);
  }
  EXPECT_TRUE(IsBatchable(CmdType::kGet));
  EXPECT_EQ(CmdTypeName(static_cast<CmdType>(9999)), "Unknown");
}

}  // namespace
}  // namespace tikv::rpc
