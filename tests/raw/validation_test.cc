// Bad input to the raw client: each case fails with a clear kInvalidArgument or
// kFailedPrecondition before anything is sent, and nothing is partially applied.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "env/wait_group.h"
#include "raw/batch.h"
#include "tests/raw/raw_world.h"

namespace tikv::testing {
namespace {

using absl::StatusCode;

TEST(RawValidationTest, OptionsAreValidated) {
  RawClientOptions o;
  EXPECT_EQ(o.Validate().code(), StatusCode::kInvalidArgument);  // no PD
  o.pd_endpoints = {"pd:2379"};
  EXPECT_TRUE(o.Validate().ok());
  o.keyspace = "ks";
  EXPECT_EQ(o.Validate().code(), StatusCode::kInvalidArgument);  // keyspace needs V2
  o.api_version = ApiVersion::kV2;
  EXPECT_TRUE(o.Validate().ok());
  o.column_family = "write";
  EXPECT_EQ(o.Validate().code(), StatusCode::kInvalidArgument);  // V2: default CF only
  o = RawClientOptions{.pd_endpoints = {"pd"}, .batch_pair_count = 0};
  EXPECT_EQ(o.Validate().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseApiVersion("V1TTL").value(), ApiVersion::kV1Ttl);
  EXPECT_FALSE(ParseApiVersion("v3").ok());
}

TEST(RawValidationTest, BadInputIsRejectedAndNothingIsApplied) {
  RawWorld w;
  w.options().max_key_bytes = 16;
  w.options().max_value_bytes = 32;
  w.Run([](RawClient& c) {
    EXPECT_EQ(c.Get("").status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.Put("", "v").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.Put(std::string(17, 'k'), "v").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.Put("k", std::string(33, 'v')).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.Scan("a", "", kMaxRawScanLimit + 1).status().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(c.Scan("b", "a", 10).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.ReverseScan("a", "b", 10).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.DeleteRange("b", "a").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.Checksum("b", "a").status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.Get("k", RawCallOptions{.column_family = "nope"}).status().code(),
              StatusCode::kInvalidArgument);
    // TTL on an API V1 client.
    EXPECT_EQ(c.PutWithTtl("k", "v", 5).code(), StatusCode::kFailedPrecondition);
    // CAS without atomic mode.
    EXPECT_EQ(c.CompareAndSwap("k", std::nullopt, "v").status().code(),
              StatusCode::kFailedPrecondition);
    // Mismatched batches, and a batch with one bad key among good ones: nothing is written.
    EXPECT_EQ(c.BatchPut({"a", "b"}, {"1"}).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.BatchPutWithTtl({"a", "b"}, {"1", "2"}, {0}).code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(c.BatchPut({"a", "", "c"}, {"1", "2", "3"}).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.BatchPutWithTtl({"a", "b"}, {"1", "2"}, {0, 9}).code(),
              StatusCode::kFailedPrecondition);
    auto all = c.Scan("", "", 100);
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_TRUE(all->empty());
    EXPECT_EQ(c.BatchGet({"a", ""}).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.BatchDelete({""}).code(), StatusCode::kInvalidArgument);
  });
}

TEST(RawValidationTest, AsyncFormsReportTheSameErrors) {
  RawWorld w;
  w.options().atomic_for_cas = true;
  w.Run([](RawClient& c) {
    absl::Status put_status = absl::UnknownError("not called");
    std::optional<std::string> got;
    env::WaitGroup wg;
    wg.Add(2);
    c.PutAsync("", "v", 0, {}, [&](absl::Status s) {
      put_status = s;
      wg.Done();
    });
    c.PutAsync("ak", "av", 0, {}, [&](absl::Status s) {
      EXPECT_TRUE(s.ok()) << s;
      wg.Done();
    });
    wg.Wait();
    EXPECT_EQ(put_status.code(), StatusCode::kInvalidArgument);
    wg.Add(1);
    c.GetAsync("ak", {}, [&](absl::StatusOr<std::optional<std::string>> v) {
      if (v.ok()) got = *v;
      wg.Done();
    });
    wg.Wait();
    EXPECT_EQ(got, "av");
  });
}

TEST(RawBatchTest, KeyBatchesHoldUpToLimitPlusOneKeys) {
  std::vector<std::string> keys;
  for (int i = 0; i < 10; ++i) keys.push_back(std::to_string(i));
  std::vector<raw::Batch> batches;
  raw::AppendKeyBatches(batches, {.id = 1}, keys, 3);
  ASSERT_EQ(batches.size(), 3u);  // 4 + 4 + 2, as client-go cuts them
  EXPECT_EQ(batches[0].keys.size(), 4u);
  EXPECT_EQ(batches[2].keys.size(), 2u);
}

TEST(RawBatchTest, PairBatchesAreCutBySize) {
  std::vector<std::string> keys = {"aa", "bb", "cc", "dd"};
  std::vector<std::string> values = {"1234", "1234", "1234", "1234"};
  std::vector<raw::Batch> batches;
  raw::AppendPairBatches(batches, {.id = 2}, keys, values, {}, 12);
  ASSERT_EQ(batches.size(), 2u);  // a batch closes once it holds >= 12 bytes
  EXPECT_EQ(batches[0].keys, (std::vector<std::string>{"aa", "bb"}));
  EXPECT_EQ(batches[0].ttls, (std::vector<uint64_t>{0, 0}));
}

}  // namespace
}  // namespace tikv::testing
