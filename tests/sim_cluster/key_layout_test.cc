// Key layouts per request kind (protocol.md 3.0.2): in API V1 raw commands address raw keys as
// they are and transactional commands memcomparable-encoded keys, against the same TiKV-space
// region boundaries; in API V2 both are encoded.  Also FromPdKey's round-up of boundaries that
// are not complete encodings, and splits at raw, transactional and TiKV-space keys.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kvrpcpb.pb.h"
#include "sim/cluster/sim_cluster.h"
#include "sim/util/codec.h"

namespace tikv::sim {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

uint64_t LeaderOf(SimCluster& c, uint64_t region_id) {
  return c.topology().GetRegion(region_id)->Leader()->store_id;
}

kvrpcpb::RawGetResponse RawGet(SimCluster& c, const kvrpcpb::Context& ctx, const std::string& key) {
  kvrpcpb::RawGetRequest req;
  *req.mutable_context() = ctx;
  req.set_key(key);
  kvrpcpb::RawGetResponse resp;
  EXPECT_TRUE(c.HandleUnary({LeaderOf(c, ctx.region_id()), kNow}, "RawGet", req, &resp).ok());
  return resp;
}

kvrpcpb::GetResponse KvGet(SimCluster& c, const kvrpcpb::Context& ctx, const std::string& key) {
  kvrpcpb::GetRequest req;
  *req.mutable_context() = ctx;
  req.set_key(key);
  req.set_version(100);
  kvrpcpb::GetResponse resp;
  EXPECT_TRUE(c.HandleUnary({LeaderOf(c, ctx.region_id()), kNow}, "KvGet", req, &resp).ok());
  return resp;
}

TEST(KeyLayoutTest, LayoutsPerApiVersion) {
  EXPECT_EQ(RawKeyLayout(kvrpcpb::V1), KeyLayout::kIdentity);
  EXPECT_EQ(RawKeyLayout(kvrpcpb::V1TTL), KeyLayout::kIdentity);
  EXPECT_EQ(RawKeyLayout(kvrpcpb::V2), KeyLayout::kMemcomparable);
  EXPECT_EQ(TxnKeyLayout(kvrpcpb::V1), KeyLayout::kMemcomparable);
  EXPECT_EQ(TxnKeyLayout(kvrpcpb::V2), KeyLayout::kMemcomparable);
}

TEST(KeyLayoutTest, FromPdKeyRoundsPartialBoundariesUp) {
  // Complete encodings decode exactly.
  EXPECT_EQ(FromPdKey(KeyLayout::kMemcomparable, EncodeBytes("txn/k")), "txn/k");
  EXPECT_EQ(FromPdKey(KeyLayout::kIdentity, "txn/k"), "txn/k");
  // For every boundary b and key k: EncodeBytes(k) >= b exactly when k >= FromPdKey(b).
  const std::vector<std::string> boundaries = {
      "txn/k", "conf/m", "abcdefgh", "abcdefgh\xff" "ij", std::string("ab\0", 3),
      EncodeBytes("ab") + "x", std::string("abcdefgh\xfe", 9)};
  const std::vector<std::string> keys = {
      "", "a", "ab", std::string("ab\0", 3), "abc", "abcdefg", "abcdefgh", "abcdefghi",
      "abcdefghij", "conf/l", "conf/m", "conf/m\x01", "txn/", "txn/j\xff\xff", "txn/k",
      "txn/k\x00", "txn/ka", "zzz"};
  for (const std::string& b : boundaries) {
    const std::string u = FromPdKey(KeyLayout::kMemcomparable, b);
    for (const std::string& k : keys) {
      EXPECT_EQ(EncodeBytes(k) >= b, k >= u)
          << "boundary " << KeyText(b) << " key " << KeyText(k) << " round-up " << KeyText(u);
    }
  }
}

// The client-go bug: with --split-keys conf/m, client-go's raw mode locates raw key "conf/m" in
// the region starting at "conf/m"; the store must compare the raw key as it is.
TEST(KeyLayoutTest, V1RawCommandsUseRawKeysAgainstTikvBoundaries) {
  SimCluster c;
  ASSERT_TRUE(c.SplitAtTikvKeys({"conf/m"}).ok());
  const kvrpcpb::Context left = c.ContextForRawKey("conf/l");
  const kvrpcpb::Context right = c.ContextForRawKey("conf/m");
  ASSERT_NE(left.region_id(), right.region_id());
  EXPECT_EQ(c.topology().GetRegion(right.region_id())->start_key, "conf/m");
  EXPECT_FALSE(RawGet(c, right, "conf/m").has_region_error());
  EXPECT_FALSE(RawGet(c, left, "conf/l").has_region_error());
  kvrpcpb::RawGetResponse wrong = RawGet(c, left, "conf/m");
  ASSERT_TRUE(wrong.region_error().has_key_not_in_region());
  EXPECT_EQ(wrong.region_error().key_not_in_region().key(), "conf/m");
  // A raw split maps raw keys the same way on V1.
  ASSERT_TRUE(c.SplitAtRaw({"conf/t"}).ok());
  EXPECT_EQ(c.RegionForRawKey("conf/t")->start_key, "conf/t");
}

TEST(KeyLayoutTest, V1TxnCommandsUseEncodedKeysAgainstTheSameBoundaries) {
  SimCluster c;
  ASSERT_TRUE(c.SplitAtTikvKeys({"txn/k"}).ok());  // a printable TiKV-space boundary
  const kvrpcpb::Context left = c.ContextForKey("txn/j\xff\xff");
  const kvrpcpb::Context right = c.ContextForKey("txn/k");
  ASSERT_NE(left.region_id(), right.region_id());
  EXPECT_FALSE(KvGet(c, right, "txn/k").has_region_error());
  EXPECT_FALSE(KvGet(c, left, "txn/a").has_region_error());
  EXPECT_TRUE(KvGet(c, left, "txn/k").region_error().has_key_not_in_region());
  // A scan in the left region is clipped before txn/k (FromPdKey rounds the boundary up).
  c.InjectCommitted("txn/a", "a", 10, 11);
  c.InjectCommitted("txn/k", "k", 10, 11);
  kvrpcpb::ScanRequest scan;
  *scan.mutable_context() = left;
  scan.set_start_key("txn/");
  scan.set_limit(10);
  scan.set_version(100);
  kvrpcpb::ScanResponse scanned;
  ASSERT_TRUE(c.HandleUnary({LeaderOf(c, left.region_id()), kNow}, "KvScan", scan, &scanned).ok());
  ASSERT_EQ(scanned.pairs_size(), 1) << scanned.DebugString();
  EXPECT_EQ(scanned.pairs(0).key(), "txn/a");
  // SplitAt takes transactional keys and encodes them.
  ASSERT_TRUE(c.SplitAt({"txn/p"}).ok());
  EXPECT_EQ(c.RegionForKey("txn/p")->start_key, EncodeBytes("txn/p"));
}

TEST(KeyLayoutTest, V2RawAndTxnKeysAreBothEncoded) {
  ClusterOptions opts;
  opts.api_version = kvrpcpb::V2;
  SimCluster c(opts);
  const std::string raw_key = std::string("r\0\0\0m", 5);
  ASSERT_TRUE(c.SplitAtRaw({raw_key}).ok());
  EXPECT_EQ(c.RegionForRawKey(raw_key)->start_key, EncodeBytes(raw_key));
  kvrpcpb::Context ctx = c.ContextForRawKey(raw_key);
  ctx.set_api_version(kvrpcpb::V2);
  EXPECT_FALSE(RawGet(c, ctx, raw_key).has_region_error());
  kvrpcpb::Context before = c.ContextForRawKey(std::string("r\0\0\0a", 5));
  before.set_api_version(kvrpcpb::V2);
  EXPECT_TRUE(RawGet(c, before, raw_key).region_error().has_key_not_in_region());
}

}  // namespace
}  // namespace tikv::sim
