// Tests of src/kv/key.h.

#include "kv/key.h"

#include <string>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace tikv::kv {
namespace {

// Ports client-go kv/key_test.go TestPrefixNextKey.
TEST(KeyTest, PrefixNextKeyOfAllFfIsUnbounded) {
  EXPECT_EQ(PrefixNextKey(std::string("\xff", 1)), "");
  EXPECT_EQ(PrefixNextKey(std::string("\xff\xff", 2)), "");
  EXPECT_EQ(PrefixNextKey(std::string("\xff\xff\xff\xff", 4)), "");
}

TEST(KeyTest, PrefixNextKeyCarries) {
  EXPECT_EQ(PrefixNextKey("abc"), "abd");
  // Like client-go, the length is kept: carried bytes become 0x00.
  EXPECT_EQ(PrefixNextKey(std::string("a\xff", 2)), std::string("b\0", 2));
  EXPECT_EQ(PrefixNextKey(std::string("a\x01\xff\xff", 4)), std::string("a\x02\x00\x00", 4));
  EXPECT_EQ(PrefixNextKey(""), "");
}

TEST(KeyTest, NextKeyAppendsZero) {
  EXPECT_EQ(NextKey("ab"), std::string("ab\0", 3));
  EXPECT_EQ(NextKey(""), std::string("\0", 1));
  EXPECT_LT(CmpKey("ab", NextKey("ab")), 0);
}

TEST(KeyTest, CmpKeyIsBytewiseUnsigned) {
  EXPECT_EQ(CmpKey("a", "a"), 0);
  EXPECT_EQ(CmpKey("a", "b"), -1);
  EXPECT_EQ(CmpKey("b", "a"), 1);
  EXPECT_EQ(CmpKey("a", "ab"), -1);
  EXPECT_EQ(CmpKey(std::string("\x80", 1), "\x7f"), 1);
}

TEST(KeyTest, RangeContainment) {
  EXPECT_TRUE(RangeContains("b", "d", "b"));
  EXPECT_TRUE(RangeContains("b", "d", "c"));
  EXPECT_FALSE(RangeContains("b", "d", "d"));
  EXPECT_FALSE(RangeContains("b", "d", "a"));
  EXPECT_TRUE(RangeContains("b", "", "zzzz"));
  EXPECT_TRUE(RangeContains("", "", ""));
  EXPECT_TRUE(RangeContainsRange("a", "z", "b", "c"));
  EXPECT_TRUE(RangeContainsRange("a", "", "b", ""));
  EXPECT_FALSE(RangeContainsRange("a", "z", "b", ""));
  EXPECT_FALSE(RangeContainsRange("b", "z", "a", "c"));
  EXPECT_TRUE(RangeContainsRange("a", "z", "a", "z"));
}

// The general carry case client-go leaves unasserted: for a prefix p that is not all 0xFF,
// p + s < PrefixNextKey(p) for any s, and PrefixNextKey(p) is the smallest such bound: every
// key k with p <= k < PrefixNextKey(p) starts with p.
RC_GTEST_PROP(KeyProperty, PrefixNextKeyBoundsEveryExtension,
              (const std::string& p, const std::string& s, const std::string& k)) {
  RC_PRE(p.find_first_not_of('\xff') != std::string::npos);
  std::string next = PrefixNextKey(p);
  RC_ASSERT(CmpKey(p + s, next) < 0);
  RC_ASSERT(!HasPrefix(next, p));
  // Probe keys near the prefix as well as arbitrary ones.
  for (const std::string& probe : {k, p + k, next + k, p.substr(0, p.size() / 2) + k}) {
    if (CmpKey(p, probe) <= 0 && CmpKey(probe, next) < 0) RC_ASSERT(HasPrefix(probe, p));
  }
}

}  // namespace
}  // namespace tikv::kv
