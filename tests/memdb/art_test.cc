// Ported tests of client-go internal/unionstore/art/art_test.go, art_iterator_test.go,
// art_snapshot_test.go, arena/arena_test.go and rbt/rbt_test.go (the cases whose semantics apply
// to this port), expressed through the MemBuffer API and the arena/value-log classes.

#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "memdb/arena.h"
#include "memdb/art_node.h"
#include "memdb/mem_buffer.h"
#include "memdb/value_log.h"
#include "tests/memdb/test_helpers.h"

namespace tikv::memdb {
namespace {

using testing::MustNext;

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

std::vector<std::string> Keys(MemBufferIterator it) {
  std::vector<std::string> out;
  for (; it.Valid(); MustNext(it)) out.emplace_back(it.Key());
  return out;
}

// Ports client-go internal/unionstore/art/art_test.go TestSimple.
TEST(ArtTest, Simple) {
  MemBuffer t;
  for (int i = 0; i < 256; ++i) {
    std::string key = Bytes({i});
    EXPECT_TRUE(absl::IsNotFound(t.Get(key).status()));
    ASSERT_TRUE(t.Set(key, key).ok());
    EXPECT_EQ(*t.Get(key), key);
  }
  EXPECT_EQ(Keys(t.Iter({}, {})).size(), 256u);  // a full node256
}

// Ports client-go internal/unionstore/art/art_test.go TestSubNode.
TEST(ArtTest, SubNode) {
  MemBuffer t;
  for (std::string k : {"a", "aa", "aaa"}) ASSERT_TRUE(t.Set(k, k).ok());
  for (std::string k : {"a", "aa", "aaa"}) EXPECT_EQ(*t.Get(k), k);
  EXPECT_EQ(Keys(t.Iter({}, {})), (std::vector<std::string>{"a", "aa", "aaa"}));
  EXPECT_EQ(Keys(t.IterReverse({}, {})), (std::vector<std::string>{"aaa", "aa", "a"}));
}

// Ports client-go internal/unionstore/art/art_test.go TestBenchKey.
TEST(ArtTest, BenchKey) {
  MemBuffer t;
  auto enc = [](int n) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%010d", n);
    return std::string(buf);
  };
  const int cnt = 100000;
  for (int k = 0; k < cnt; ++k) ASSERT_TRUE(t.Set(enc(k), enc(k)).ok());
  for (int k = 0; k < cnt; ++k) ASSERT_EQ(*t.Get(enc(k)), enc(k)) << k;
}

// Ports client-go internal/unionstore/art/art_test.go TestLeafWithCommonPrefix.
TEST(ArtTest, LeafWithCommonPrefix) {
  MemBuffer t;
  ASSERT_TRUE(t.Set(Bytes({1, 1, 1}), Bytes({1, 1, 1})).ok());
  ASSERT_TRUE(t.Set(Bytes({1, 1, 2}), Bytes({1, 1, 2})).ok());
  EXPECT_EQ(*t.Get(Bytes({1, 1, 1})), Bytes({1, 1, 1}));
  EXPECT_EQ(*t.Get(Bytes({1, 1, 2})), Bytes({1, 1, 2}));
}

// Ports client-go internal/unionstore/art/art_test.go TestUpdateInplace.
TEST(ArtTest, UpdateInplace) {
  MemBuffer t;
  uint64_t mem = 0;
  for (int i = 0; i < 256; ++i) {
    ASSERT_TRUE(t.Set(Bytes({0}), std::string(4096, static_cast<char>(i + 1))).ok());
    if (i == 0) mem = t.Mem();
    EXPECT_EQ(t.Mem(), mem);  // equal-length overwrites reuse the record
  }
  EXPECT_EQ(*t.Get(Bytes({0})), std::string(4096, static_cast<char>(256)));
}

// Ports client-go internal/unionstore/art/art_test.go TestFlag.
TEST(ArtTest, Flag) {
  MemBuffer t;
  ASSERT_TRUE(t.SetWithFlags(Bytes({0}), Bytes({0}), {FlagsOp::kSetPresumeKeyNotExists}).ok());
  EXPECT_TRUE(t.GetFlags(Bytes({0}))->HasPresumeKeyNotExists());
  ASSERT_TRUE(t.SetWithFlags(Bytes({1}), Bytes({1}), {FlagsOp::kSetKeyLocked}).ok());
  EXPECT_TRUE(t.GetFlags(Bytes({1}))->HasLocked());
  auto it = t.Iter({}, {});
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.Key(), Bytes({0}));
  EXPECT_TRUE(it.Flags().HasPresumeKeyNotExists());
  EXPECT_FALSE(it.Flags().HasLocked());
  ASSERT_TRUE(it.Next().ok());
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.Key(), Bytes({1}));
  EXPECT_TRUE(it.Flags().HasLocked());
  EXPECT_FALSE(it.Flags().HasPresumeKeyNotExists());
  ASSERT_TRUE(it.Next().ok());
  EXPECT_FALSE(it.Valid());
}

// Ports client-go internal/unionstore/art/art_test.go TestLongPrefix1.
TEST(ArtTest, LongPrefix1) {
  const std::string key1 = Bytes({109, 68, 66, 115, 0, 0, 0, 0, 0, 250, 0, 0, 0, 0,
                                  0,   0,  0,  104, 68, 66, 58, 49, 0, 0, 0, 0, 251});
  std::string key2 = key1;
  key2[17] = 105;
  MemBuffer t;
  ASSERT_TRUE(t.Set(key1, Bytes({1})).ok());
  ASSERT_TRUE(t.Set(key2, Bytes({2})).ok());
  EXPECT_EQ(*t.Get(key1), Bytes({1}));
  EXPECT_EQ(*t.Get(key2), Bytes({2}));
  ASSERT_TRUE(t.Set(key2, Bytes({3})).ok());
  EXPECT_EQ(*t.Get(key2), Bytes({3}));
}

// Ports client-go internal/unionstore/art/art_test.go TestLongPrefix2.
TEST(ArtTest, LongPrefix2) {
  const std::string base = Bytes({0, 97, 0, 0, 0, 0, 0, 0, 0, 248, 0, 0, 0, 0, 0, 0, 0});
  const std::string tail = Bytes({108, 127, 255, 255, 255, 255, 255, 255});
  const std::vector<std::string> keys = {base + tail + Bytes({255}), base + tail + Bytes({254}),
                                         base + tail + Bytes({253}), base + Bytes({76}),
                                         base + tail + Bytes({252})};
  MemBuffer t;
  for (const auto& k : keys) ASSERT_TRUE(t.Set(k, k).ok());
  ASSERT_TRUE(t.Set(keys[3], keys[3]).ok());
  for (const auto& k : keys) EXPECT_EQ(*t.Get(k), k);
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Keys(t.Iter({}, {})), sorted);
}

// Ports client-go internal/unionstore/art/art_test.go TestFlagOnlyKey.
TEST(ArtTest, FlagOnlyKey) {
  MemBuffer t;
  ASSERT_TRUE(t.UpdateFlags(Bytes({0}), {FlagsOp::kSetAssertNone}).ok());
  auto f = t.GetFlags(Bytes({0}));
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->HasAssertionFlags());
  EXPECT_TRUE(absl::IsNotFound(t.Get(Bytes({0})).status()));
  EXPECT_EQ(t.Len(), 1u);
}

// Ports client-go internal/unionstore/art/art_test.go TestSearchPrefixMisatch.
TEST(ArtTest, SearchPrefixMismatch) {
  MemBuffer t;
  ASSERT_TRUE(t.Set(Bytes({1, 1, 1, 1, 1, 1}), "a").ok());
  ASSERT_TRUE(t.Set(Bytes({1, 1, 1, 1, 1, 2}), "b").ok());
  EXPECT_TRUE(absl::IsNotFound(t.Get(Bytes({1, 1, 1, 3, 1, 1})).status()));
}

// Ports client-go internal/unionstore/art/art_test.go TestSearchOptimisticMismatch.
TEST(ArtTest, SearchOptimisticMismatch) {
  MemBuffer t;
  const std::string prefix(22, '\0');
  ASSERT_TRUE(t.Set(prefix + Bytes({1}), prefix).ok());
  ASSERT_TRUE(t.Set(prefix + Bytes({2}), prefix).ok());
  // Matches the 20 inline prefix bytes but not the whole key.
  EXPECT_TRUE(absl::IsNotFound(t.Get(std::string(21, '\0') + Bytes({1, 1})).status()));
}

// Ports client-go internal/unionstore/art/art_test.go TestExpansion (observed through the
// ordered contents rather than node internals).
TEST(ArtTest, Expansion) {
  MemBuffer t;
  const std::string prefix(kMaxInNodePrefixLen, '\0');
  ASSERT_TRUE(t.Set(prefix + Bytes({1, 1, 1, 1}), Bytes({1})).ok());
  ASSERT_TRUE(t.Set(prefix + Bytes({1, 1, 1, 2}), Bytes({2})).ok());  // leaf -> node4, path 22
  ASSERT_TRUE(t.Set(prefix + Bytes({1, 255, 2}), Bytes({1, 2})).ok());  // split of that path
  EXPECT_EQ(Keys(t.Iter({}, {})),
            (std::vector<std::string>{prefix + Bytes({1, 1, 1, 1}), prefix + Bytes({1, 1, 1, 2}),
                                      prefix + Bytes({1, 255, 2})}));
  EXPECT_EQ(*t.Get(prefix + Bytes({1, 1, 1, 2})), Bytes({2}));
  EXPECT_EQ(*t.Get(prefix + Bytes({1, 255, 2})), Bytes({1, 2}));
  // Seeks that land inside the split paths.
  EXPECT_EQ(Keys(t.Iter(prefix + Bytes({1, 1, 2}), {})),
            (std::vector<std::string>{prefix + Bytes({1, 255, 2})}));
  EXPECT_EQ(Keys(t.IterReverse(prefix + Bytes({1, 1, 1, 2}), {})),
            (std::vector<std::string>{prefix + Bytes({1, 1, 1, 1})}));
}

// Ports client-go internal/unionstore/art/art_test.go TestDiscardValues.
TEST(ArtTest, DiscardValues) {
  MemBuffer t;
  ASSERT_TRUE(t.Set(Bytes({1}), Bytes({2})).ok());
  auto it = t.IterWithFlags({}, {});
  ASSERT_TRUE(it.Valid());
  KeyHandle handle = it.Handle();
  EXPECT_EQ(*t.GetValueByHandle(handle), Bytes({2}));
  EXPECT_EQ(t.GetKeyByHandle(handle), Bytes({1}));
  t.DiscardValues();
  EXPECT_FALSE(t.GetValueByHandle(handle).has_value());
  EXPECT_EQ(t.GetKeyByHandle(handle), Bytes({1}));
  EXPECT_TRUE(absl::IsFailedPrecondition(t.Get(Bytes({3})).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(t.Set(Bytes({3}), Bytes({4}))));
  EXPECT_TRUE(t.GetFlags(Bytes({1})).ok());
}

// Ports client-go internal/unionstore/art/art_iterator_test.go TestIterateNodeCapacity: every
// node size (4, 16, 48, 256 children), forwards and backwards.
TEST(ArtTest, IterateNodeCapacity) {
  for (int cap : {4, 16, 48, 256}) {
    MemBuffer t;
    std::vector<std::string> want;
    for (int i = 0; i < cap; ++i) {
      want.push_back(Bytes({i}));
      ASSERT_TRUE(t.Set(want.back(), want.back()).ok());
    }
    EXPECT_EQ(Keys(t.Iter({}, {})), want);
    std::vector<std::string> rev(want.rbegin(), want.rend());
    EXPECT_EQ(Keys(t.IterReverse({}, {})), rev);
  }
}

// Ports client-go internal/unionstore/art/art_iterator_test.go TestMultiLevelIterate and
// TestSeekInExistNode: seeks to every key and between keys over a two-level tree.
TEST(ArtTest, MultiLevelSeek) {
  MemBuffer t;
  std::vector<std::string> all;
  for (int a = 0; a < 40; a += 3) {
    for (int b = 0; b < 256; b += 17) {
      all.push_back(Bytes({a, b}));
      ASSERT_TRUE(t.Set(all.back(), "v").ok());
    }
  }
  std::sort(all.begin(), all.end());
  for (int a = 0; a < 42; ++a) {
    for (int b = 0; b < 256; b += 5) {
      const std::string seek = Bytes({a, b});
      auto lb = std::lower_bound(all.begin(), all.end(), seek);
      auto it = t.Iter(seek, {});
      if (lb == all.end()) {
        EXPECT_FALSE(it.Valid());
      } else {
        ASSERT_TRUE(it.Valid());
        EXPECT_EQ(it.Key(), *lb);
      }
      auto rit = t.IterReverse(seek, {});
      if (lb == all.begin()) {
        EXPECT_FALSE(rit.Valid());
      } else {
        ASSERT_TRUE(rit.Valid());
        EXPECT_EQ(rit.Key(), *(lb - 1));
      }
    }
  }
}

// Ports client-go internal/unionstore/art/art_iterator_test.go TestSeekPrefixMismatch and
// TestIterSeekNoResult.
TEST(ArtTest, SeekPrefixMismatchAndNoResult) {
  MemBuffer t;
  ASSERT_TRUE(t.Set(Bytes({1, 2, 3, 4, 5}), "a").ok());
  ASSERT_TRUE(t.Set(Bytes({1, 2, 3, 4, 6}), "b").ok());
  EXPECT_EQ(Keys(t.Iter(Bytes({1, 2, 0}), {})).size(), 2u);  // below the path: everything
  EXPECT_TRUE(Keys(t.Iter(Bytes({1, 2, 9}), {})).empty());   // above the path: nothing
  EXPECT_EQ(Keys(t.IterReverse(Bytes({1, 2, 9}), {})).size(), 2u);
  EXPECT_TRUE(Keys(t.IterReverse(Bytes({1, 2, 0}), {})).empty());
  EXPECT_TRUE(Keys(t.Iter(Bytes({1, 2, 3}), Bytes({1, 2, 3, 4}))).empty());
  EXPECT_EQ(Keys(t.Iter(Bytes({1, 2, 3}), {})).size(), 2u);  // seek key shorter than the path
}

// Ports client-go internal/unionstore/art/art_snapshot_test.go
// TestSnapshotIteratorPreventFreeNode: a snapshot iterator survives node growth under it.
TEST(ArtTest, SnapshotIteratorSurvivesNodeGrowth) {
  MemBuffer t;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(t.Set(Bytes({0, i}), "v").ok());
  t.Staging();
  auto it = t.GetSnapshot().Iter({}, {});
  ASSERT_TRUE(it.ok());
  for (int i = 4; i < 200; ++i) ASSERT_TRUE(t.Set(Bytes({0, i}), "w").ok());
  int n = 0;
  for (; it->Valid(); MustNext(*it)) ++n;
  EXPECT_EQ(n, 4);
}

// Ports client-go internal/unionstore/arena/arena_test.go TestBigValue.
TEST(ArenaTest, BigValue) {
  ValueLog vlog;
  ASSERT_TRUE(vlog.Append(ArenaAddr{0, 0}, ArenaAddr::Null(), std::string(80 << 20, 'x')).ok());
  EXPECT_EQ(vlog.block_size(), Arena::kMaxBlockSize);
  EXPECT_EQ(vlog.Blocks(), 1u);
  ArenaCheckpoint cp = vlog.Checkpoint();
  ASSERT_TRUE(vlog.Append(ArenaAddr{0, 1}, ArenaAddr::Null(), std::string(127 << 20, 'y')).ok());
  EXPECT_EQ(vlog.Blocks(), 2u);
  vlog.Truncate(cp);
  EXPECT_EQ(vlog.Blocks(), 1u);
  auto too_big = vlog.Append(ArenaAddr{0, 2}, ArenaAddr::Null(),
                             std::string(Arena::kMaxBlockSize + 1, 'z'));
  EXPECT_TRUE(absl::IsInvalidArgument(too_big.status()));
  EXPECT_NE(too_big.status().message().find("maximum block size"), std::string_view::npos);
}

// Ports client-go internal/unionstore/arena/arena_test.go TestValueLargeThanBlock.
TEST(ArenaTest, ValueLargerThanBlock) {
  ValueLog vlog;
  ASSERT_TRUE(vlog.Append(ArenaAddr{0, 0}, ArenaAddr::Null(), std::string(1, 'a')).ok());
  ASSERT_TRUE(vlog.Append(ArenaAddr{0, 1}, ArenaAddr::Null(), std::string(4096, 'b')).ok());
  EXPECT_EQ(vlog.Blocks(), 2u);
  auto addr = vlog.Append(ArenaAddr{0, 2}, ArenaAddr::Null(), std::string(3000, 'c'));
  ASSERT_TRUE(addr.ok());
  EXPECT_EQ(vlog.Blocks(), 2u);
  EXPECT_EQ(vlog.GetValue(*addr), std::string(3000, 'c'));
  EXPECT_EQ(vlog.GetHeader(*addr).leaf, (ArenaAddr{0, 2}));
}

// Ports client-go internal/unionstore/rbt/rbt_test.go TestEmptyDB.
TEST(ArtTest, EmptyDb) {
  MemBuffer t;
  EXPECT_TRUE(absl::IsNotFound(t.Get(Bytes({0})).status()));
  EXPECT_FALSE(t.Iter({}, {}).Valid());
  EXPECT_FALSE(t.IterReverse({}, {}).Valid());
  EXPECT_FALSE(t.Iter(Bytes({0xff}), {}).Valid());
}

// Ports client-go kv/keyflags.go semantics (MEM-12): op interactions that are easy to get wrong.
TEST(KeyFlagsTest, OpsInteract) {
  KeyFlags f;
  f = ApplyFlagsOps(f, {FlagsOp::kSetPresumeKeyNotExists});
  EXPECT_TRUE(f.HasPresumeKeyNotExists());
  EXPECT_TRUE(f.HasNeedCheckExists());
  f = ApplyFlagsOps(f, {FlagsOp::kSetNeedConstraintCheckInPrewrite, FlagsOp::kSetKeyLockedValueExists});
  EXPECT_TRUE(f.HasLockedValueExists());
  EXPECT_FALSE(f.HasNeedConstraintCheckInPrewrite());
  f = ApplyFlagsOps(f, {FlagsOp::kSetAssertExist});
  EXPECT_TRUE(f.HasAssertExist());
  f = ApplyFlagsOps(f, {FlagsOp::kSetAssertNotExist});
  EXPECT_TRUE(f.HasAssertNotExist());
  EXPECT_FALSE(f.HasAssertExist());
  f = ApplyFlagsOps(f, {FlagsOp::kSetAssertUnknown});
  EXPECT_TRUE(f.HasAssertUnknown());
  f = ApplyFlagsOps(f, {FlagsOp::kSetAssertNone});
  EXPECT_FALSE(f.HasAssertionFlags());
  f = ApplyFlagsOps(KeyFlags(), {FlagsOp::kSetPreviousPresumeKNE});
  EXPECT_TRUE(f.HasPresumeKeyNotExists());
  EXPECT_FALSE(f.HasNeedCheckExists());
  f = ApplyFlagsOps(KeyFlags(), {FlagsOp::kSetKeyLocked, FlagsOp::kSetKeyLockedInShareMode,
                                 FlagsOp::kSetReadable, FlagsOp::kSetPrewriteOnly});
  EXPECT_TRUE(f.HasLockedInShareMode());
  EXPECT_EQ(f.AndPersistent(), KeyFlags(KeyFlags::kKeyLocked | KeyFlags::kKeyLockedInShareMode));
  f = ApplyFlagsOps(f, {FlagsOp::kSetKeyLockedInExclusiveMode, FlagsOp::kDelKeyLocked});
  EXPECT_FALSE(f.HasLocked());
  EXPECT_FALSE(f.HasLockedInShareMode());
  EXPECT_TRUE(f.HasReadable());
  EXPECT_TRUE(f.HasPrewriteOnly());
}

}  // namespace
}  // namespace tikv::memdb
