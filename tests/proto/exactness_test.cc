// The project's wire schema (proto/*.proto) against the pinned kvproto manifest: every field,
// enum value and RPC we compile must be exactly upstream's, and no kept message or enum may lose
// anything (protocol.md section 2.3).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "kvrpcpb.pb.h"
#include "pdpb.pb.h"
#include "tikvpb.pb.h"
#include "keyspacepb.pb.h"
#include "resource_manager.pb.h"

#include "tests/proto/schema_manifest.h"

namespace tikv::testing {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorProto;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Our files that mirror kvproto (the health and tikv/errors files are not kvproto's).
const char* const kKvprotoFiles[] = {
    "apipb.proto",       "coprocessor.proto", "deadlock.proto",         "encryptionpb.proto",
    "errorpb.proto",     "keyspacepb.proto",  "kvrpcpb.proto",          "metapb.proto",
    "pdpb.proto",        "resource_manager.proto", "tikvpb.proto",      "tracepb.proto",
};

class ExactnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Linking the message types registers their files in the generated pool.
    kvrpcpb::GetRequest::descriptor();
    pdpb::TsoRequest::descriptor();
    tikvpb::BatchCommandsRequest::descriptor();
    keyspacepb::KeyspaceMeta::descriptor();
    resource_manager::ResourceGroup::descriptor();
    std::string error;
    ASSERT_TRUE(LoadManifest(TIKV_PROTO_MANIFEST, &manifest_, &error)) << error;
    ASSERT_GT(manifest_.size(), 2000u);
  }

  const FileDescriptor* Generated(const std::string& name) {
    return DescriptorPool::generated_pool()->FindFileByName(name);
  }

  // The facts of all our kvproto files from `pool`.
  SchemaFacts AllFacts(const DescriptorPool& pool) {
    SchemaFacts all;
    for (const char* name : kKvprotoFiles) {
      const FileDescriptor* f = pool.FindFileByName(name);
      EXPECT_NE(f, nullptr) << name;
      if (f == nullptr) continue;
      SchemaFacts facts = FactsOf(*f);
      all.insert(facts.begin(), facts.end());
    }
    return all;
  }

  // A fresh pool holding copies of our kvproto files, with `edit` applied to kvrpcpb.proto.
  std::unique_ptr<DescriptorPool> PoolWithEditedKvrpcpb(void (*edit)(FileDescriptorProto&)) {
    auto pool = std::make_unique<DescriptorPool>();
    // Build in dependency order: every file's imports first.
    std::vector<const FileDescriptor*> order;
    std::function<void(const FileDescriptor*)> visit = [&](const FileDescriptor* f) {
      for (const FileDescriptor* seen : order) {
        if (seen == f) return;
      }
      for (int i = 0; i < f->dependency_count(); ++i) visit(f->dependency(i));
      order.push_back(f);
    };
    for (const char* name : kKvprotoFiles) visit(Generated(name));
    for (const FileDescriptor* f : order) {
      FileDescriptorProto proto;
      f->CopyTo(&proto);
      if (proto.name() == "kvrpcpb.proto") edit(proto);
      EXPECT_NE(pool->BuildFile(proto), nullptr) << proto.name();
    }
    return pool;
  }

  SchemaFacts manifest_;
};

TEST_F(ExactnessTest, EveryKeptFileMatchesThePinnedManifest) {
  SchemaFacts ours = AllFacts(*DescriptorPool::generated_pool());
  EXPECT_GT(ours.size(), 1400u);  // ~1450 facts today; guards against an empty walk
  std::vector<std::string> problems = Compare(ours, manifest_);
  EXPECT_THAT(problems, IsEmpty()) << absl::StrJoin(problems, "\n");
}

TEST_F(ExactnessTest, KeepsTheMessagesTheClientNeeds) {
  // Spot checks of protocol.md section 2.1: the closure reached what the client sends.
  for (const char* name :
       {"kvrpcpb.PrewriteRequest", "kvrpcpb.PessimisticLockRequest", "kvrpcpb.RawCASRequest",
        "kvrpcpb.CheckTxnStatusResponse", "kvrpcpb.FlushRequest", "tikvpb.BatchCommandsResponse",
        "pdpb.TsoRequest", "pdpb.QueryRegionRequest", "pdpb.GetGCStateResponse",
        "keyspacepb.LoadKeyspaceRequest", "errorpb.Error", "metapb.Region",
        "deadlock.WaitForEntry", "resource_manager.TokenBucketsRequest"}) {
    EXPECT_NE(DescriptorPool::generated_pool()->FindMessageTypeByName(name), nullptr) << name;
  }
  EXPECT_NE(DescriptorPool::generated_pool()->FindMethodByName("tikvpb.Tikv.BatchCommands"),
            nullptr);
  EXPECT_NE(DescriptorPool::generated_pool()->FindMethodByName("tikvpb.Tikv.KVPessimisticRollback"),
            nullptr);
  EXPECT_NE(DescriptorPool::generated_pool()->FindMethodByName("pdpb.PD.Tso"), nullptr);
}

TEST_F(ExactnessTest, CatchesAChangedFieldNumber) {
  auto pool = PoolWithEditedKvrpcpb([](FileDescriptorProto& f) {
    for (auto& m : *f.mutable_message_type()) {
      if (m.name() != "GetRequest") continue;
      for (auto& field : *m.mutable_field()) {
        if (field.name() == "key") field.set_number(99);
      }
    }
  });
  std::vector<std::string> problems = Compare(AllFacts(*pool), manifest_);
  ASSERT_EQ(problems.size(), 1u) << absl::StrJoin(problems, "\n");
  EXPECT_THAT(problems[0], HasSubstr("kvrpcpb.GetRequest.key is 99|"));
}

TEST_F(ExactnessTest, CatchesADroppedFieldAndARetypedOne) {
  auto pool = PoolWithEditedKvrpcpb([](FileDescriptorProto& f) {
    for (auto& m : *f.mutable_message_type()) {
      if (m.name() == "CommitRequest") m.mutable_field()->RemoveLast();
      if (m.name() == "GetRequest") {
        for (auto& field : *m.mutable_field()) {
          if (field.name() == "version") {
            field.set_type(google::protobuf::FieldDescriptorProto::TYPE_INT64);
          }
        }
      }
    }
  });
  std::vector<std::string> problems = Compare(AllFacts(*pool), manifest_);
  ASSERT_EQ(problems.size(), 2u) << absl::StrJoin(problems, "\n");
  EXPECT_THAT(absl::StrJoin(problems, "\n"), HasSubstr("missing from our copy"));
  EXPECT_THAT(absl::StrJoin(problems, "\n"), HasSubstr("kvrpcpb.GetRequest.version is"));
}

TEST_F(ExactnessTest, CatchesAnInventedField) {
  auto pool = PoolWithEditedKvrpcpb([](FileDescriptorProto& f) {
    for (auto& m : *f.mutable_message_type()) {
      if (m.name() != "GetResponse") continue;
      auto* field = m.add_field();
      field->set_name("invented");
      field->set_number(1000);
      field->set_type(google::protobuf::FieldDescriptorProto::TYPE_BOOL);
      field->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
    }
  });
  std::vector<std::string> problems = Compare(AllFacts(*pool), manifest_);
  ASSERT_EQ(problems.size(), 1u) << absl::StrJoin(problems, "\n");
  EXPECT_THAT(problems[0], HasSubstr("invented"));
  EXPECT_THAT(problems[0], HasSubstr("not in the pinned manifest"));
}

}  // namespace
}  // namespace tikv::testing
