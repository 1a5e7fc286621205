// The public raw client (include/tikv/raw_client.h) on the production Env against the
// tikv-sim-server binary on loopback, across two regions split at raw key "key3".  Each test
// names the client-go rawkv/rawkv_test.go test it ports (the same tests run on the simulator in
// tests/raw/rawkv_test.cc).

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e_routing/e2e_fixture.h"
#include "tikv/raw_client.h"

namespace tikv::e2e {
namespace {

const std::vector<std::string> kKeys = {"db", "key2", "key1", "key4", "key3", "kv"};
const std::vector<std::string> kValues = {"TiDB", "value2", "value1", "value4", "value3", "TiKV"};

std::vector<std::string> Flatten(const std::vector<KvPair>& pairs) {
  std::vector<std::string> out;
  for (const KvPair& p : pairs) {
    out.push_back(p.key);
    out.push_back(p.value);
  }
  return out;
}

class RawE2eTest : public E2eTest {
 protected:
  // A raw client on this test's production Env against a fresh server split at "key3".
  std::unique_ptr<RawClient> Connect(RawClientOptions options = {}) {
    const std::string pd = StartChild({.stores = 3, .raw_split_keys = {"key3"}});
    if (pd.empty()) return nullptr;
    options.pd_endpoints = {pd};
    absl::StatusOr<std::unique_ptr<RawClient>> c = RawClient::Create(*env_, options);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }
};

// Ports client-go rawkv/rawkv_test.go TestBatch (single-key calls too): puts, gets and deletes
// on both sides of the split.
TEST_F(RawE2eTest, PutGetDeleteAndBatchesAcrossRegions) {
  std::unique_ptr<RawClient> c = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Put("key1", "value1").ok());
  ASSERT_TRUE(c->Put("key5", "value5").ok());
  EXPECT_EQ(c->Get("key1").value_or(std::nullopt), "value1");
  EXPECT_EQ(c->Get("key5").value_or(std::nullopt), "value5");
  absl::StatusOr<std::optional<std::string>> missing = c->Get("key9");
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(c->Delete("key1").ok());
  missing = c->Get("key1");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  ASSERT_TRUE(c->BatchPut(kKeys, kValues).ok());
  absl::StatusOr<std::vector<std::optional<std::string>>> got = c->BatchGet(kKeys);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), kKeys.size());
  for (size_t i = 0; i < kKeys.size(); ++i) EXPECT_EQ((*got)[i], kValues[i]) << kKeys[i];
  ASSERT_TRUE(c->BatchDelete(kKeys).ok());
  got = c->BatchGet(kKeys);
  ASSERT_TRUE(got.ok());
  for (const auto& v : *got) EXPECT_FALSE(v.has_value());
}

// Ports client-go rawkv/rawkv_test.go TestScan: forward and reverse scans with limits and
// key-only, each crossing the region boundary.
TEST_F(RawE2eTest, ScansCrossTheRegionBoundary) {
  std::unique_ptr<RawClient> c = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->BatchPut(kKeys, kValues).ok());
  absl::StatusOr<std::vector<KvPair>> pairs = c->Scan("key1", "", 3);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  EXPECT_EQ(Flatten(*pairs),
            (std::vector<std::string>{"key1", "value1", "key2", "value2", "key3", "value3"}));
  RawCallOptions key_only;
  key_only.key_only = true;
  pairs = c->Scan("key1", "", 3, key_only);
  ASSERT_TRUE(pairs.ok());
  EXPECT_EQ(Flatten(*pairs), (std::vector<std::string>{"key1", "", "key2", "", "key3", ""}));
  pairs = c->ReverseScan("key4", "", 3);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  EXPECT_EQ(Flatten(*pairs),
            (std::vector<std::string>{"key3", "value3", "key2", "value2", "key1", "value1"}));
  pairs = c->ReverseScan("key3", "", 3, key_only);
  ASSERT_TRUE(pairs.ok());
  EXPECT_EQ(Flatten(*pairs), (std::vector<std::string>{"key2", "", "key1", "", "db", ""}));
  pairs = c->Scan("", "", 100);
  ASSERT_TRUE(pairs.ok());
  EXPECT_EQ(pairs->size(), kKeys.size());
  // Bad input is refused before anything is sent.
  EXPECT_EQ(c->Scan("b", "a", 10).status().code(), absl::StatusCode::kInvalidArgument);
}

// Ports client-go rawkv/rawkv_test.go TestDeleteRange and TestDeleteRangeEmptyKeysMultiRegion.
TEST_F(RawE2eTest, DeleteRangeAcrossRegions) {
  std::unique_ptr<RawClient> c = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->BatchPut(kKeys, kValues).ok());
  ASSERT_TRUE(c->DeleteRange("key", "key9").ok());
  absl::StatusOr<std::vector<KvPair>> pairs = c->Scan("", "", 10);
  ASSERT_TRUE(pairs.ok());
  EXPECT_EQ(Flatten(*pairs), (std::vector<std::string>{"db", "TiDB", "kv", "TiKV"}));
  ASSERT_TRUE(c->DeleteRange("", "").ok());
  pairs = c->Scan("", "", 10);
  ASSERT_TRUE(pairs.ok());
  EXPECT_TRUE(pairs->empty());
}

// Ports client-go rawkv/rawkv_test.go TestCompareAndSwap (atomic mode).
TEST_F(RawE2eTest, CompareAndSwap) {
  RawClientOptions options;
  options.atomic_for_cas = true;
  std::unique_ptr<RawClient> c = Connect(options);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Put("key1", "value1").ok());
  absl::StatusOr<CasResult> cas = c->CompareAndSwap("key1", std::string("wrong"), "value2");
  ASSERT_TRUE(cas.ok()) << cas.status();
  EXPECT_FALSE(cas->swapped);
  EXPECT_EQ(cas->previous, "value1");
  cas = c->CompareAndSwap("key1", std::string("value1"), "value2");
  ASSERT_TRUE(cas.ok());
  EXPECT_TRUE(cas->swapped);
  EXPECT_EQ(c->Get("key1").value_or(std::nullopt), "value2");
}

// The raw client over a production Env it creates itself (RawClient::Create without an Env):
// what an application gets by default.
TEST_F(RawE2eTest, DefaultProductionEnv) {
  const std::string pd = StartChild({.stores = 1});
  ASSERT_FALSE(pd.empty());
  RawClientOptions options;
  options.pd_endpoints = {pd};
  absl::StatusOr<std::unique_ptr<RawClient>> c = RawClient::Create(options);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE((*c)->Put("k", "v").ok());
  EXPECT_EQ((*c)->Get("k").value_or(std::nullopt), "v");
}

}  // namespace
}  // namespace tikv::e2e
