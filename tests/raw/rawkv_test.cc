// Ports of client-go rawkv/rawkv_test.go (suite TestRawKV) onto the simulated cluster.  Store
// replacement tests (TestReplaceAddrWithNewStore, TestUpdateStoreAddr,
// TestReplaceNewAddrAndOldOfflineImmediately, TestReplaceStore) are not ported yet.  client-go's
// mock store accepts any column-family name; TiKV (and our client-side check) only knows
// default/lock/write, so the ports use "write" and "lock".

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/raw/raw_world.h"

namespace tikv::testing {
namespace {

// CRC-64/XZ (client-go's Go crc64 ECMA table with pre/post inversion, TiKV's crc64fast).
uint64_t Crc64(const std::string& data) {
  uint64_t crc = ~uint64_t{0};
  for (unsigned char b : data) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = (crc & 1) ? (crc >> 1) ^ 0xC96C5795D7870F42ULL : crc >> 1;
  }
  return ~crc;
}

RawCallOptions Cf(const std::string& cf) {
  RawCallOptions o;
  o.column_family = cf;
  return o;
}

// Ports client-go rawkv/rawkv_test.go TestColumnFamilyForClient.
TEST(RawKvTest, ColumnFamilyForClient) {
  RawWorld w;
  w.options().column_family = "write";
  w.Run([&](RawClient& c) {
    ASSERT_TRUE(c.Put("key", "value").ok());
    auto v = c.Get("key");
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(*v, "value");
    // The default CF does not see it.
    v = c.Get("key", Cf("default"));
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->has_value());
    ASSERT_TRUE(c.Delete("key").ok());
    v = c.Get("key");
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->has_value());
  });
}

// Ports client-go rawkv/rawkv_test.go TestColumnFamilyForOptions.
TEST(RawKvTest, ColumnFamilyForOptions) {
  RawWorld w;
  w.Run([&](RawClient& c) {
    ASSERT_TRUE(c.Put("key1", "v1", Cf("lock")).ok());
    ASSERT_TRUE(c.Put("key2", "v2", Cf("write")).ok());
    EXPECT_EQ(*c.Get("key1", Cf("lock")), "v1");
    EXPECT_FALSE(c.Get("key1", Cf("write"))->has_value());
    EXPECT_EQ(*c.Get("key2", Cf("write")), "v2");
    EXPECT_FALSE(c.Get("key2", Cf("lock"))->has_value());
    EXPECT_FALSE(c.Get("key1")->has_value());
  });
}

// Ports client-go rawkv/rawkv_test.go TestBatch.
TEST(RawKvTest, Batch) {
  RawWorld w;
  w.Split("key3");
  w.Run([&](RawClient& c) {
    const std::vector<std::string> keys = {"db", "key2", "key1", "key4", "key3", "kv"};
    const std::vector<std::string> values = {"TiDB", "value2", "value1", "value4", "value3",
                                             "TiKV"};
    ASSERT_TRUE(c.BatchPut(keys, values, Cf("write")).ok());
    auto got = c.BatchGet(keys, Cf("write"));
    ASSERT_TRUE(got.ok()) << got.status();
    for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ((*got)[i], values[i]) << keys[i];
    ASSERT_TRUE(c.BatchDelete(keys, Cf("write")).ok());
    got = c.BatchGet(keys, Cf("write"));
    ASSERT_TRUE(got.ok());
    for (const auto& v : *got) EXPECT_FALSE(v.has_value());
  });
}

// Ports client-go rawkv/rawkv_test.go TestScan.
TEST(RawKvTest, Scan) {
  RawWorld w;
  w.Split("key3");
  w.Run([&](RawClient& c) {
    const std::vector<std::string> keys = {"db", "key2", "key1", "key4", "key3", "kv"};
    const std::vector<std::string> values = {"TiDB", "value2", "value1", "value4", "value3",
                                             "TiKV"};
    ASSERT_TRUE(c.BatchPut(keys, values, Cf("write")).ok());
    auto pairs = c.Scan("key1", "", 3, Cf("write"));
    ASSERT_TRUE(pairs.ok()) << pairs.status();
    EXPECT_EQ(Flatten(*pairs),
              (std::vector<std::string>{"key1", "value1", "key2", "value2", "key3", "value3"}));
    RawCallOptions key_only = Cf("write");
    key_only.key_only = true;
    pairs = c.Scan("key1", "", 3, key_only);
    ASSERT_TRUE(pairs.ok());
    EXPECT_EQ(Flatten(*pairs), (std::vector<std::string>{"key1", "", "key2", "", "key3", ""}));
    pairs = c.ReverseScan("key3", "", 3, Cf("write"));
    ASSERT_TRUE(pairs.ok());
    EXPECT_EQ(Flatten(*pairs),
              (std::vector<std::string>{"key2", "value2", "key1", "value1", "db", "TiDB"}));
    pairs = c.ReverseScan("key3", "", 3, key_only);
    ASSERT_TRUE(pairs.ok());
    EXPECT_EQ(Flatten(*pairs), (std::vector<std::string>{"key2", "", "key1", "", "db", ""}));
  });
}

// Ports client-go rawkv/rawkv_test.go TestDeleteRange.
TEST(RawKvTest, DeleteRange) {
  RawWorld w;
  w.Split("key3");
  w.Run([&](RawClient& c) {
    const std::vector<std::string> keys = {"db", "key2", "key1", "key4", "key3", "kv"};
    const std::vector<std::string> values = {"TiDB", "value2", "value1", "value4", "value3",
                                             "TiKV"};
    ASSERT_TRUE(c.BatchPut(keys, values, Cf("write")).ok());
    ASSERT_TRUE(c.DeleteRange("key", "key9", Cf("write")).ok());
    auto pairs = c.Scan("", "", 10, Cf("write"));
    ASSERT_TRUE(pairs.ok());
    EXPECT_EQ(Flatten(*pairs), (std::vector<std::string>{"db", "TiDB", "kv", "TiKV"}));
  });
}

// Ports client-go rawkv/rawkv_test.go TestDeleteRangeEmptyKeysMultiRegion.
TEST(RawKvTest, DeleteRangeEmptyKeysMultiRegion) {
  RawWorld w;
  w.Split("key3");
  w.Run([&](RawClient& c) {
    const std::vector<std::string> keys = {"db", "key2", "key1", "key4", "key3", "kv"};
    const std::vector<std::string> values = {"TiDB", "value2", "value1", "value4", "value3",
                                             "TiKV"};
    ASSERT_TRUE(c.BatchPut(keys, values, Cf("write")).ok());
    auto pairs = c.Scan("", "", 10, Cf("write"));
    ASSERT_TRUE(pairs.ok());
    EXPECT_EQ(pairs->size(), keys.size());
    ASSERT_TRUE(c.DeleteRange("", "", Cf("write")).ok());
    pairs = c.Scan("", "", 10, Cf("write"));
    ASSERT_TRUE(pairs.ok());
    EXPECT_TRUE(pairs->empty());
  });
}

// Ports client-go rawkv/rawkv_test.go TestCompareAndSwap.
TEST(RawKvTest, CompareAndSwap) {
  RawWorld w;
  w.Run([&](RawClient& c) {
    ASSERT_TRUE(c.Put("kv", "TiDB", Cf("write")).ok());
    // Without atomic mode CAS is refused.
    auto r = c.CompareAndSwap("kv", "TiDB", "TiKV", Cf("write"));
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  });
  RawWorld atomic;
  atomic.options().atomic_for_cas = true;
  atomic.Run([&](RawClient& c) {
    ASSERT_TRUE(c.Put("kv", "TiDB", Cf("write")).ok());
    auto r = c.CompareAndSwap("kv", "TiKV", "TiKV", Cf("write"));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_FALSE(r->swapped);
    EXPECT_EQ(r->previous, "TiDB");
    r = c.CompareAndSwap("kv", "TiDB", "TiKV", Cf("write"));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->swapped);
    EXPECT_EQ(r->previous, "TiDB");
    EXPECT_EQ(*c.Get("kv", Cf("write")), "TiKV");
  });
}

// Ports client-go rawkv/rawkv_test.go TestRawChecksum.
TEST(RawKvTest, RawChecksum) {
  RawWorld w;
  w.Split("key3");
  w.Run([&](RawClient& c) {
    const std::vector<std::string> keys = {"db", "key2", "key1", "key4", "key3", "kv"};
    const std::vector<std::string> values = {"TiDB", "value2", "value1", "value4", "value3",
                                             "TiKV"};
    RawChecksum expect;
    for (size_t i = 0; i < keys.size(); ++i) {
      expect.crc64_xor ^= Crc64(keys[i] + values[i]);
      expect.total_kvs++;
      expect.total_bytes += keys[i].size() + values[i].size();
    }
    ASSERT_TRUE(c.BatchPut(keys, values).ok());
    auto sum = c.Checksum("db", "");
    ASSERT_TRUE(sum.ok()) << sum.status();
    EXPECT_EQ(*sum, expect);
  });
}

}  // namespace
}  // namespace tikv::testing
