// Tests of src/kv/codec.h: the memcomparable bytes codec and the number codecs.

#include "kv/codec.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace tikv::kv {
namespace {

std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST(BytesCodecTest, KnownEncodings) {
  EXPECT_EQ(EncodeBytes(""), B({0, 0, 0, 0, 0, 0, 0, 0, 0xF7}));
  EXPECT_EQ(EncodeBytes(B({1, 2, 3})), B({1, 2, 3, 0, 0, 0, 0, 0, 0xFA}));
  EXPECT_EQ(EncodeBytes(B({1, 2, 3, 0})), B({1, 2, 3, 0, 0, 0, 0, 0, 0xFB}));
  EXPECT_EQ(EncodeBytes(B({1, 2, 3, 4, 5, 6, 7, 8})),
            B({1, 2, 3, 4, 5, 6, 7, 8, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0xF7}));
  EXPECT_EQ(EncodeBytes(B({1, 2, 3, 4, 5, 6, 7, 8, 9})),
            B({1, 2, 3, 4, 5, 6, 7, 8, 0xFF, 9, 0, 0, 0, 0, 0, 0, 0, 0xF8}));
}

TEST(BytesCodecTest, DecodeReturnsRest) {
  std::string enc = EncodeBytes("hello world");
  enc += "tail";
  std::string_view rest;
  absl::StatusOr<std::string> dec = DecodeBytes(enc, &rest);
  ASSERT_TRUE(dec.ok()) << dec.status();
  EXPECT_EQ(*dec, "hello world");
  EXPECT_EQ(rest, "tail");
}

TEST(BytesCodecTest, MalformedInputIsAnError) {
  // Too short.
  EXPECT_TRUE(IsDecodeError(DecodeBytes(B({1, 2, 3})).status()));
  EXPECT_TRUE(IsDecodeError(DecodeBytes("").status()));
  // Marker below 0xF7 (more than 8 pad bytes).
  EXPECT_TRUE(IsDecodeError(DecodeBytes(B({0, 0, 0, 0, 0, 0, 0, 0, 0xF0})).status()));
  // Non-zero pad byte.
  EXPECT_TRUE(IsDecodeError(DecodeBytes(B({1, 2, 3, 0, 0, 1, 0, 0, 0xFA})).status()));
  // A full group with no terminating group.
  EXPECT_TRUE(IsDecodeError(DecodeBytes(B({1, 2, 3, 4, 5, 6, 7, 8, 0xFF})).status()));
  EXPECT_EQ(DecodeBytes(B({1})).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(BytesCodecTest, DescendingRoundTrip) {
  std::string out;
  EncodeBytesDesc(&out, "abc");
  absl::StatusOr<std::string> dec = DecodeBytesDesc(out);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(*dec, "abc");
}

TEST(NumberCodecTest, IntOrderAndRoundTrip) {
  std::vector<int64_t> values = {std::numeric_limits<int64_t>::min(), -1000, -1, 0, 1, 1000,
                                 std::numeric_limits<int64_t>::max()};
  std::string prev;
  for (int64_t v : values) {
    std::string e;
    EncodeInt(&e, v);
    EXPECT_EQ(e.size(), 8u);
    EXPECT_LT(prev, e);
    prev = e;
    EXPECT_EQ(*DecodeInt(e), v);
    std::string d;
    EncodeIntDesc(&d, v);
    EXPECT_EQ(*DecodeIntDesc(d), v);
  }
  EXPECT_TRUE(IsDecodeError(DecodeInt("short").status()));
  EXPECT_TRUE(IsDecodeError(DecodeUint("").status()));
}

TEST(NumberCodecTest, ComparableVarintKnownForms) {
  std::string e;
  EncodeComparableVarint(&e, 0);
  EXPECT_EQ(e, B({8}));
  e.clear();
  EncodeComparableVarint(&e, -1);
  EXPECT_EQ(e, B({7, 0xFF}));
  e.clear();
  EncodeComparableVarint(&e, -256);  // two bytes, as client-go
  EXPECT_EQ(e, B({6, 0xFF, 0x00}));
  e.clear();
  EncodeComparableUvarint(&e, 240);
  EXPECT_EQ(e, B({0xF8, 240}));
  EXPECT_TRUE(IsDecodeError(DecodeComparableUvarint(B({3})).status()));
  EXPECT_TRUE(IsDecodeError(DecodeComparableVarint(B({0xFF, 1})).status()));
  EXPECT_TRUE(IsDecodeError(DecodeComparableVarint(B({0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0})).status()));
}

TEST(NumberCodecTest, VarintOverflowIsAnError) {
  EXPECT_TRUE(IsDecodeError(DecodeUvarint(std::string(11, '\xff')).status()));
  EXPECT_TRUE(IsDecodeError(DecodeUvarint(B({0x80})).status()));
}

// Round trips and order preservation of every codec in the file.
RC_GTEST_PROP(CodecProperty, BytesRoundTripAndOrder, (const std::string& a, const std::string& b)) {
  std::string ea = EncodeBytes(a);
  std::string eb = EncodeBytes(b);
  RC_ASSERT(ea.size() == (a.size() / 8 + 1) * 9);
  std::string_view rest;
  std::string joined = ea + b;
  absl::StatusOr<std::string> da = DecodeBytes(joined, &rest);
  RC_ASSERT(da.ok());
  RC_ASSERT(*da == a);
  RC_ASSERT(rest == b);
  RC_ASSERT((a < b) == (ea < eb));
  RC_ASSERT((a == b) == (ea == eb));
  std::string da_desc, db_desc;
  EncodeBytesDesc(&da_desc, a);
  EncodeBytesDesc(&db_desc, b);
  RC_ASSERT((a < b) == (da_desc > db_desc) || a == b);
  RC_ASSERT(*DecodeBytesDesc(da_desc) == a);
}

RC_GTEST_PROP(CodecProperty, NumbersRoundTripAndOrder, (int64_t a, int64_t b, uint64_t u)) {
  std::string ea, eb;
  EncodeInt(&ea, a);
  EncodeInt(&eb, b);
  RC_ASSERT((a < b) == (ea < eb));
  RC_ASSERT(*DecodeInt(ea) == a);
  std::string ca, cb;
  EncodeComparableVarint(&ca, a);
  EncodeComparableVarint(&cb, b);
  RC_ASSERT((a < b) == (ca < cb));
  std::string_view rest;
  std::string tailed = ca + "x";
  RC_ASSERT(*DecodeComparableVarint(tailed, &rest) == a);
  RC_ASSERT(rest == "x");
  std::string cu;
  EncodeComparableUvarint(&cu, u);
  RC_ASSERT(*DecodeComparableUvarint(cu) == u);
  std::string v, uv;
  EncodeVarint(&v, a);
  EncodeUvarint(&uv, u);
  RC_ASSERT(*DecodeVarint(v) == a);
  RC_ASSERT(*DecodeUvarint(uv) == u);
  std::string ud;
  EncodeUintDesc(&ud, u);
  RC_ASSERT(*DecodeUintDesc(ud) == u);
}

RC_GTEST_PROP(CodecProperty, DecodersNeverCrash, (const std::string& junk)) {
  (void)DecodeBytes(junk);
  (void)DecodeBytesDesc(junk);
  (void)DecodeComparableVarint(junk);
  (void)DecodeComparableUvarint(junk);
  (void)DecodeVarint(junk);
  (void)DecodeUvarint(junk);
  (void)DecodeInt(junk);
}

}  // namespace
}  // namespace tikv::kv
