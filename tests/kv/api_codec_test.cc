// Tests of src/kv/api_codec.h shared by both versions, and of the API V1 codec.

#include "kv/api_codec.h"

#include <algorithm>
#include <string>
#include <vector>

#include "errorpb.pb.h"
#include "gtest/gtest.h"
#include "kv/codec.h"
#include "kvrpcpb.pb.h"
#include "metapb.pb.h"

namespace tikv::kv {
namespace {

std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

// Ports client-go internal/apicodec/codec_test.go TestParseKeyspaceID.
TEST(ApiCodecTest, ParseKeyspaceId) {
  absl::StatusOr<KeyspaceId> id = ParseKeyspaceId(B({'x', 1, 2, 3, 1, 2, 3}));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 0x010203u);
  id = ParseKeyspaceId(B({'r', 1, 2, 3, 1, 2, 3, 4}));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 0x010203u);
  EXPECT_EQ(ParseKeyspaceId(B({'t', 0, 0})).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseKeyspaceId(B({'t', 0, 0, 1, 1, 2, 3})).ok());
  EXPECT_FALSE(ParseKeyspaceId(B({'x', 0, 0})).ok());
}

// Ports client-go internal/apicodec/codec_test.go TestDecodeKey.
TEST(ApiCodecTest, SplitKeyspacePrefix) {
  // The parts are views into the input, so each input outlives its checks.
  const std::string raw = B({'r', 1, 2, 3, 1, 2, 3, 4});
  absl::StatusOr<SplitKey> k = SplitKeyspacePrefix(raw, kvrpcpb::V2);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->prefix, B({'r', 1, 2, 3}));
  EXPECT_EQ(k->key, B({1, 2, 3, 4}));
  const std::string txn = B({'x', 1, 2, 3, 1, 2, 3, 4});
  k = SplitKeyspacePrefix(txn, kvrpcpb::V2);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->prefix, B({'x', 1, 2, 3}));
  EXPECT_EQ(k->key, B({1, 2, 3, 4}));
  const std::string v1 = B({'t', 1, 2, 3, 1, 2, 3, 4});
  k = SplitKeyspacePrefix(v1, kvrpcpb::V1);
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(k->prefix.empty());
  EXPECT_EQ(k->key, v1);
  EXPECT_FALSE(SplitKeyspacePrefix(v1, kvrpcpb::V2).ok());
  EXPECT_FALSE(SplitKeyspacePrefix("abc", kvrpcpb::V1TTL).ok());
}

// Ports client-go internal/apicodec/codec_test.go TestEncodeUnknownRequest.
TEST(ApiCodecTest, EncodeRequestWithoutKeysOnlyFillsContext) {
  auto codec = NewCodecV1(Mode::kTxn);
  ASSERT_TRUE(codec.ok());
  kvrpcpb::StoreSafeTSRequest req;
  EXPECT_TRUE((*codec)->EncodeRequest(&req).ok());
  kvrpcpb::GCRequest gc;
  gc.set_safe_point(7);
  EXPECT_TRUE((*codec)->EncodeRequest(&gc).ok());
  EXPECT_EQ(gc.context().api_version(), kvrpcpb::V1);
  EXPECT_EQ(gc.context().keyspace_id(), kNullspaceId);
}

// Ports client-go internal/apicodec/codec_test.go TestCodecListUtilityFunctions.
TEST(ApiCodecTest, PrefixListsAreSorted) {
  std::vector<std::string> v2 = CodecV2Prefixes();
  std::vector<std::string> v1 = CodecV1ExcludePrefixes();
  EXPECT_TRUE(std::is_sorted(v2.begin(), v2.end()));
  EXPECT_TRUE(std::is_sorted(v1.begin(), v1.end()));
  EXPECT_EQ(v2, (std::vector<std::string>{"r", "x"}));
}

// Ports client-go internal/apicodec/codec_v1_test.go TestV1DecodeBucketKey.
TEST(ApiCodecV1Test, DecodeBucketKeys) {
  auto raw = NewCodecV1(Mode::kRaw);
  ASSERT_TRUE(raw.ok());
  std::vector<std::string> keys = {"", "a", "b", "c", ""};
  absl::StatusOr<std::vector<std::string>> decoded = (*raw)->DecodeBucketKeys(keys);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, keys);

  auto txn = NewCodecV1(Mode::kTxn);
  ASSERT_TRUE(txn.ok());
  std::vector<std::string> encoded = {"", EncodeBytes("a"), EncodeBytes("b"), ""};
  decoded = (*txn)->DecodeBucketKeys(encoded);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, (std::vector<std::string>{"", "a", "b", ""}));
  EXPECT_TRUE(IsDecodeError((*txn)->DecodeBucketKeys({"junk"}).status()));
}

TEST(ApiCodecV1Test, RegionRangesAndRegionErrors) {
  auto txn = *NewCodecV1(Mode::kTxn);
  KeyRange r = txn->EncodeRegionRange("a", "");
  EXPECT_EQ(r.start_key, EncodeBytes("a"));
  EXPECT_EQ(r.end_key, "");
  r = txn->EncodeRegionRange("a", "b");
  EXPECT_EQ(r.end_key, EncodeBytes("b"));
  EXPECT_EQ(txn->EncodeKey("k"), "k");

  kvrpcpb::GetResponse resp;
  errorpb::Error* e = resp.mutable_region_error();
  e->mutable_key_not_in_region()->set_key("k");
  e->mutable_key_not_in_region()->set_start_key(EncodeBytes("a"));
  e->mutable_key_not_in_region()->set_end_key("");
  metapb::Region* region = e->mutable_epoch_not_match()->add_current_regions();
  region->set_start_key(EncodeBytes("b"));
  region->set_end_key(EncodeBytes("c"));
  ASSERT_TRUE(txn->DecodeResponse(&resp).ok());
  EXPECT_EQ(resp.region_error().key_not_in_region().start_key(), "a");
  EXPECT_EQ(resp.region_error().key_not_in_region().end_key(), "");
  EXPECT_EQ(resp.region_error().epoch_not_match().current_regions(0).start_key(), "b");
  EXPECT_EQ(resp.region_error().epoch_not_match().current_regions(0).end_key(), "c");

  // A malformed boundary from the server is a decode error, not a crash.
  region->set_start_key("bad");
  EXPECT_TRUE(IsDecodeError(txn->DecodeResponse(&resp)));

  // Raw V1 region keys are plain bytes.
  auto raw = *NewCodecV1(Mode::kRaw);
  EXPECT_EQ(raw->EncodeRegionKey("a"), "a");
  EXPECT_EQ(*raw->DecodeRegionKey("bad"), "bad");
}

TEST(ApiCodecTest, NewCodecDispatchesOnVersion) {
  keyspacepb::KeyspaceMeta meta;
  meta.set_id(3);
  EXPECT_EQ((*NewCodec(kvrpcpb::V1TTL, Mode::kRaw, nullptr))->api_version(), kvrpcpb::V1);
  EXPECT_EQ((*NewCodec(kvrpcpb::V2, Mode::kRaw, &meta))->api_version(), kvrpcpb::V2);
  EXPECT_FALSE(NewCodec(kvrpcpb::V2, Mode::kRaw, nullptr).ok());
  EXPECT_FALSE(NewCodec(kvrpcpb::V3, Mode::kRaw, &meta).ok());
  EXPECT_FALSE(NewCodecV1(static_cast<Mode>(99)).ok());
  EXPECT_EQ(BuildKeyspaceName(""), "DEFAULT");
  EXPECT_EQ(BuildKeyspaceName("ks"), "ks");
}

// Ports client-go internal/locate/pd_codec_test.go TestGetKeyspaceIDRejectsV3Identity.
TEST(PdCodecTest, KeyspaceIdRejectsV3Identity) {
  keyspacepb::KeyspaceMeta meta;
  meta.set_state(keyspacepb::ENABLED);
  meta.mutable_keyspace_identity()->set_namespace_id(1);
  meta.mutable_keyspace_identity()->set_keyspace_id(2);
  EXPECT_FALSE(KeyspaceIdFromMeta(meta).ok());

  keyspacepb::KeyspaceMeta ok;
  ok.set_state(keyspacepb::ENABLED);
  ok.set_id(42);
  EXPECT_EQ(*KeyspaceIdFromMeta(ok), 42u);
  ok.set_state(keyspacepb::DISABLED);
  EXPECT_EQ(KeyspaceIdFromMeta(ok).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace tikv::kv
