// Ports of client-go integration_tests/raw/api_mock_test.go (suite TestRawKV) onto the
// simulated cluster: the raw API over one store with regions split at raw keys mid-test.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/raw/raw_world.h"

namespace tikv::testing {
namespace {

using Strings = std::vector<std::string>;

void MustNotExist(RawClient& c, const std::string& key) {
  auto v = c.Get(key);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->has_value()) << key;
}

void MustGet(RawClient& c, const std::string& key, const std::string& value) {
  auto v = c.Get(key);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->has_value()) << key;
  EXPECT_EQ(**v, value);
}

void MustScan(RawClient& c, const std::string& start, const std::string& end, int limit,
              const Strings& expect) {
  auto pairs = c.Scan(start, end, limit);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  EXPECT_EQ(Flatten(*pairs), expect) << "scan [" << start << "," << end << ") limit " << limit;
}

void MustReverseScan(RawClient& c, const std::string& start, const std::string& end, int limit,
                     const Strings& expect) {
  auto pairs = c.ReverseScan(start, end, limit);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  EXPECT_EQ(Flatten(*pairs), expect) << "reverse scan " << start << " limit " << limit;
}

void CheckData(RawClient& c, const std::map<std::string, std::string>& expected) {
  auto pairs = c.Scan("", "", static_cast<int>(expected.size()) + 1);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  ASSERT_EQ(pairs->size(), expected.size());
  for (const KvPair& p : *pairs) EXPECT_EQ(expected.at(p.key), p.value);
}

// Ports client-go integration_tests/raw/api_mock_test.go TestSimple.
TEST(RawApiMockTest, Simple) {
  RawWorld w;
  w.Run([](RawClient& c) {
    MustNotExist(c, "key");
    ASSERT_TRUE(c.Put("key", "value").ok());
    MustGet(c, "key", "value");
    ASSERT_TRUE(c.Delete("key").ok());
    MustNotExist(c, "key");
    EXPECT_TRUE(c.Put("key", "").ok());  // an empty value is legal
    MustGet(c, "key", "");               // and reads back as empty, not as missing
  });
}

// Ports client-go integration_tests/raw/api_mock_test.go TestRawBatch.
TEST(RawApiMockTest, RawBatch) {
  RawWorld w;
  Strings keys, values;
  int size = 0;
  const int batch_put_size = w.options().batch_put_size;
  for (int i = 0; size / batch_put_size < 4; ++i) {
    keys.push_back(absl::StrCat("key", i));
    values.push_back(absl::StrCat("value", i));
    size += static_cast<int>(keys.back().size() + values.back().size());
  }
  w.Split(absl::StrCat("key", keys.size() / 2));
  w.Run([&](RawClient& c) {
    for (const std::string& k : keys) MustNotExist(c, k);
    ASSERT_TRUE(c.BatchPut(keys, values).ok());
    auto got = c.BatchGet(keys);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), keys.size());
    for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ((*got)[i], values[i]);
    ASSERT_TRUE(c.BatchDelete(keys).ok());
    got = c.BatchGet(keys);
    ASSERT_TRUE(got.ok()) << got.status();
    for (const auto& v : *got) EXPECT_FALSE(v.has_value());
  });
}

// Ports client-go integration_tests/raw/api_mock_test.go TestSplit.
TEST(RawApiMockTest, Split) {
  RawWorld w;
  w.Run([&](RawClient& c) {
    ASSERT_TRUE(c.Put("k1", "v1").ok());
    ASSERT_TRUE(c.Put("k3", "v3").ok());
    w.Split("k2");
    MustGet(c, "k1", "v1");
    MustGet(c, "k3", "v3");
  });
}

void CheckScan(RawClient& c) {
  MustScan(c, "", "", 1, {"k1", "v1"});
  MustScan(c, "k1", "", 2, {"k1", "v1", "k3", "v3"});
  MustScan(c, "", "", 10, {"k1", "v1", "k3", "v3", "k5", "v5", "k7", "v7"});
  MustScan(c, "k2", "", 2, {"k3", "v3", "k5", "v5"});
  MustScan(c, "k2", "", 3, {"k3", "v3", "k5", "v5", "k7", "v7"});
  MustScan(c, "", "k1", 1, {});
  MustScan(c, "k1", "k3", 2, {"k1", "v1"});
  MustScan(c, "k1", "k5", 10, {"k1", "v1", "k3", "v3"});
  MustScan(c, "k1", std::string("k5\0", 3), 10, {"k1", "v1", "k3", "v3", "k5", "v5"});
  MustScan(c, std::string("k5\0", 3), std::string("k5\0\0", 4), 10, {});
}

// Ports client-go integration_tests/raw/api_mock_test.go TestScan.
TEST(RawApiMockTest, Scan) {
  RawWorld w;
  w.Run([&](RawClient& c) {
    for (const char* k : {"k1", "k3", "k5", "k7"}) {
      ASSERT_TRUE(c.Put(k, absl::StrCat("v", std::string(k).substr(1))).ok());
    }
    CheckScan(c);
    w.Split("k2");
    CheckScan(c);
    w.Split("k5");
    CheckScan(c);
  });
}

void CheckReverseScan(RawClient& c, bool split) {
  MustReverseScan(c, "", "", 10, {});
  MustReverseScan(c, "z", "", 1, {"k7", "v7"});
  MustReverseScan(c, "z", "", 2, {"k7", "v7", "k5", "v5"});
  MustReverseScan(c, "z", "", 10, {"k7", "v7", "k5", "v5", "k3", "v3", "k1", "v1"});
  MustReverseScan(c, "k2", "", 10, {"k1", "v1"});
  MustReverseScan(c, "k6", "", 2, {"k5", "v5", "k3", "v3"});
  MustReverseScan(c, "k5", "", 1, {"k3", "v3"});
  MustReverseScan(c, std::string("k5\0", 3), "", 1, {"k5", "v5"});
  MustReverseScan(c, "k6", "", 3, {"k5", "v5", "k3", "v3", "k1", "v1"});
  (void)split;  // ranged reverse scans must hold across splits too
  MustReverseScan(c, "z", "k3", 10, {"k7", "v7", "k5", "v5", "k3", "v3"});
  MustReverseScan(c, "k7", std::string("k3\0", 3), 10, {"k5", "v5"});
}

// Ports client-go integration_tests/raw/api_mock_test.go TestReverseScan.
TEST(RawApiMockTest, ReverseScan) {
  RawWorld w;
  w.Run([&](RawClient& c) {
    for (const char* k : {"k1", "k3", "k5", "k7"}) {
      ASSERT_TRUE(c.Put(k, absl::StrCat("v", std::string(k).substr(1))).ok());
    }
    CheckReverseScan(c, false);
    w.Split("k2");
    CheckReverseScan(c, true);
    w.Split("k5");
    CheckReverseScan(c, true);
  });
}

// Ports client-go integration_tests/raw/api_mock_test.go TestDeleteRange.
TEST(RawApiMockTest, DeleteRange) {
  RawWorld w;
  w.Run([&](RawClient& c) {
    std::map<std::string, std::string> data;
    for (char i : std::string("abcd")) {
      for (char j = '0'; j <= '9'; ++j) {
        const std::string key{i, j};
        const std::string value{'v', i, j};
        ASSERT_TRUE(c.Put(key, value).ok());
        data[key] = value;
      }
    }
    w.Split("b");
    w.Split("c");
    w.Split("d");
    CheckData(c, data);
    auto delete_range = [&](const std::string& start, const std::string& end) {
      ASSERT_TRUE(c.DeleteRange(start, end).ok());
      for (auto it = data.begin(); it != data.end();) {
        it = (start <= it->first && it->first < end) ? data.erase(it) : std::next(it);
      }
      CheckData(c, data);
    };
    delete_range("b", "c0");
    delete_range("c11", "c12");
    delete_range("d0", "d0");
    delete_range("c5", "d5");
    delete_range("a", "z");
  });
}

}  // namespace
}  // namespace tikv::testing
