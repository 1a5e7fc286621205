// Ported tests of client-go internal/unionstore/memdb_test.go, run against the ART MemBuffer (the
// only membuffer structure this port keeps; the red-black-tree runs of each case fold into it).

#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "memdb/mem_buffer.h"
#include "tests/memdb/test_helpers.h"

namespace tikv::memdb {
namespace {

using testing::Be32;
using testing::DeriveAndFill;
using testing::FillDb;
using testing::FromBe32;
using testing::MustNext;

std::string EncodeInt(int n) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%010d", n);
  return buf;
}

// Ports client-go internal/unionstore/memdb_test.go TestGetSet.
TEST(MemdbTest, GetSet) {
  MemBuffer db;
  FillDb(db, 10000);
  for (uint32_t i = 0; i < 10000; ++i) {
    auto v = db.Get(Be32(i));
    ASSERT_TRUE(v.ok()) << i;
    EXPECT_EQ(*v, Be32(i));
  }
}

// Ports client-go internal/unionstore/memdb_test.go TestIterator.
TEST(MemdbTest, Iterator) {
  MemBuffer db;
  const int cnt = 10000;
  FillDb(db, cnt);
  int i = 0;
  for (auto it = db.Iter({}, {}); it.Valid(); MustNext(it)) {
    EXPECT_EQ(it.Key(), Be32(i));
    EXPECT_EQ(it.Value(), Be32(i));
    ++i;
  }
  EXPECT_EQ(i, cnt);
  for (auto it = db.IterReverse({}, {}); it.Valid(); MustNext(it)) {
    EXPECT_EQ(it.Key(), Be32(i - 1));
    EXPECT_EQ(it.Value(), Be32(i - 1));
    --i;
  }
  EXPECT_EQ(i, 0);
  const int bound = 400;
  for (auto it = db.Iter({}, Be32(bound)); it.Valid(); MustNext(it)) {
    EXPECT_EQ(it.Key(), Be32(i));
    ++i;
  }
  EXPECT_EQ(i, bound);
  i = cnt;
  for (auto it = db.IterReverse({}, Be32(bound)); it.Valid(); MustNext(it)) {
    EXPECT_EQ(it.Key(), Be32(i - 1));
    --i;
  }
  EXPECT_EQ(i, bound);
}

// Ports client-go internal/unionstore/memdb_test.go TestDiscard.
TEST(MemdbTest, Discard) {
  MemBuffer db;
  const int cnt = 10000;
  int base = DeriveAndFill(db, 0, cnt, 0);
  const size_t sz = db.Size();
  ASSERT_TRUE(db.Cleanup(DeriveAndFill(db, 0, cnt, 1)).ok());
  EXPECT_EQ(db.Len(), static_cast<size_t>(cnt));
  EXPECT_EQ(db.Size(), sz);
  for (uint32_t i = 0; i < cnt; ++i) {
    auto v = db.Get(Be32(i));
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(*v, Be32(i));
  }
  int i = 0;
  for (auto it = db.Iter({}, {}); it.Valid(); MustNext(it)) {
    EXPECT_EQ(it.Value(), Be32(i));
    ++i;
  }
  EXPECT_EQ(i, cnt);
  --i;
  for (auto it = db.IterReverse({}, {}); it.Valid(); MustNext(it)) {
    EXPECT_EQ(it.Key(), Be32(i));
    --i;
  }
  EXPECT_EQ(i, -1);
  ASSERT_TRUE(db.Cleanup(base).ok());
  for (uint32_t k = 0; k < cnt; ++k) EXPECT_TRUE(absl::IsNotFound(db.Get(Be32(k)).status()));
  EXPECT_FALSE(db.Iter({}, {}).Valid());
  EXPECT_EQ(db.Len(), 0u);
  EXPECT_EQ(db.Size(), 0u);
}

// Ports client-go internal/unionstore/memdb_test.go TestFlushOverwrite.
TEST(MemdbTest, FlushOverwrite) {
  MemBuffer db;
  const int cnt = 10000;
  ASSERT_TRUE(db.Release(DeriveAndFill(db, 0, cnt, 0)).ok());
  const size_t sz = db.Size();
  ASSERT_TRUE(db.Release(DeriveAndFill(db, 0, cnt, 1)).ok());
  EXPECT_EQ(db.Len(), static_cast<size_t>(cnt));
  EXPECT_EQ(db.Size(), sz);
  for (uint32_t i = 0; i < cnt; ++i) EXPECT_EQ(*db.Get(Be32(i)), Be32(i + 1));
  int i = 0;
  for (auto it = db.Iter({}, {}); it.Valid(); MustNext(it)) {
    EXPECT_EQ(it.Key(), Be32(i));
    EXPECT_EQ(it.Value(), Be32(i + 1));
    ++i;
  }
  EXPECT_EQ(i, cnt);
  --i;
  for (auto it = db.IterReverse({}, {}); it.Valid(); MustNext(it)) {
    EXPECT_EQ(it.Value(), Be32(i + 1));
    --i;
  }
  EXPECT_EQ(i, -1);
}

// Ports client-go internal/unionstore/memdb_test.go TestComplexUpdate.
TEST(MemdbTest, ComplexUpdate) {
  MemBuffer db;
  const int keep = 3000, overwrite = 6000, insert = 9000;
  ASSERT_TRUE(db.Release(DeriveAndFill(db, 0, overwrite, 0)).ok());
  EXPECT_EQ(db.Len(), static_cast<size_t>(overwrite));
  ASSERT_TRUE(db.Release(DeriveAndFill(db, keep, insert, 1)).ok());
  EXPECT_EQ(db.Len(), static_cast<size_t>(insert));
  for (uint32_t i = 0; i < insert; ++i) {
    EXPECT_EQ(*db.Get(Be32(i)), Be32(i >= keep ? i + 1 : i));
  }
}

// Ports client-go internal/unionstore/memdb_test.go TestNestedSandbox.
TEST(MemdbTest, NestedSandbox) {
  MemBuffer db;
  int h0 = DeriveAndFill(db, 0, 200, 0);
  int h1 = DeriveAndFill(db, 0, 100, 1);
  int h2 = DeriveAndFill(db, 50, 150, 2);
  int h3 = DeriveAndFill(db, 100, 120, 3);
  int h4 = DeriveAndFill(db, 0, 150, 4);
  ASSERT_TRUE(db.Cleanup(h4).ok());
  ASSERT_TRUE(db.Release(h3).ok());
  ASSERT_TRUE(db.Cleanup(h2).ok());
  ASSERT_TRUE(db.Release(h1).ok());
  ASSERT_TRUE(db.Release(h0).ok());
  for (uint32_t i = 0; i < 200; ++i) EXPECT_EQ(*db.Get(Be32(i)), Be32(i < 100 ? i + 1 : i));
  uint32_t i = 0;
  for (auto it = db.Iter({}, {}); it.Valid(); MustNext(it)) {
    EXPECT_EQ(it.Key(), Be32(i));
    EXPECT_EQ(it.Value(), Be32(i < 100 ? i + 1 : i));
    ++i;
  }
  EXPECT_EQ(i, 200u);
  int j = 199;
  for (auto it = db.IterReverse({}, {}); it.Valid(); MustNext(it)) {
    EXPECT_EQ(it.Key(), Be32(static_cast<uint32_t>(j)));
    --j;
  }
  EXPECT_EQ(j, -1);
}

// Ports client-go internal/unionstore/memdb_test.go TestOverwrite.
TEST(MemdbTest, Overwrite) {
  MemBuffer db;
  const int cnt = 10000;
  FillDb(db, cnt);
  const size_t sz = db.Size();
  for (uint32_t i = 0; i < cnt; i += 3) ASSERT_TRUE(db.Set(Be32(i), Be32(i * 10)).ok());
  EXPECT_EQ(db.Len(), static_cast<size_t>(cnt));
  EXPECT_EQ(db.Size(), sz);
  for (uint32_t i = 0; i < cnt; ++i) {
    EXPECT_EQ(FromBe32(*db.Get(Be32(i))), i % 3 == 0 ? i * 10 : i);
  }
  uint32_t i = 0;
  for (auto it = db.Iter({}, {}); it.Valid(); MustNext(it)) {
    EXPECT_EQ(FromBe32(it.Value()), i % 3 == 0 ? i * 10 : i);
    ++i;
  }
  EXPECT_EQ(i, static_cast<uint32_t>(cnt));
}

// Ports client-go internal/unionstore/memdb_test.go TestReset.
TEST(MemdbTest, Reset) {
  MemBuffer db;
  FillDb(db, 1000);
  db.Reset();
  EXPECT_TRUE(absl::IsNotFound(db.Get(Be32(0)).status()));
  EXPECT_TRUE(absl::IsNotFound(db.GetFlags(Be32(0)).status()));
  EXPECT_FALSE(db.Iter({}, {}).Valid());
  EXPECT_EQ(db.Len(), 0u);
  EXPECT_EQ(db.Mem(), 0u);
}

// Ports client-go internal/unionstore/memdb_test.go TestInspectStage.
TEST(MemdbTest, InspectStage) {
  MemBuffer db;
  int h1 = DeriveAndFill(db, 0, 1000, 0);
  int h2 = DeriveAndFill(db, 500, 1000, 1);
  for (uint32_t i = 500; i < 1500; ++i) {
    std::string v = Be32(i + 2) + std::string(1, '\0');  // 5 bytes: never updated in place
    ASSERT_TRUE(db.Set(Be32(i), v).ok());
  }
  int h3 = DeriveAndFill(db, 1000, 2000, 3);
  int seen = 0;
  ASSERT_TRUE(db.InspectStage(h3, [&](std::string_view k, KeyFlags, std::string_view v) {
                  const uint32_t key = FromBe32(k);
                  EXPECT_TRUE(key >= 1000 && key < 2000);
                  EXPECT_EQ(FromBe32(v) - key, 3u);
                  ++seen;
                }).ok());
  EXPECT_EQ(seen, 1000);
  seen = 0;
  ASSERT_TRUE(db.InspectStage(h2, [&](std::string_view k, KeyFlags, std::string_view v) {
                  const uint32_t key = FromBe32(k);
                  EXPECT_TRUE(key >= 500 && key < 2000);
                  EXPECT_EQ(FromBe32(v) - key, key < 1000 ? 2u : 3u);
                  ++seen;
                }).ok());
  EXPECT_EQ(seen, 1500);
  ASSERT_TRUE(db.Cleanup(h3).ok());
  ASSERT_TRUE(db.Release(h2).ok());
  seen = 0;
  ASSERT_TRUE(db.InspectStage(h1, [&](std::string_view k, KeyFlags, std::string_view v) {
                  const uint32_t key = FromBe32(k);
                  EXPECT_LT(key, 1500u);
                  EXPECT_EQ(FromBe32(v) - key, key < 500 ? 0u : 2u);
                  ++seen;
                }).ok());
  EXPECT_EQ(seen, 1500);
  ASSERT_TRUE(db.Release(h1).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(
      db.InspectStage(h1, [](std::string_view, KeyFlags, std::string_view) {})));
}

// Ports client-go internal/unionstore/memdb_test.go TestDirty.
TEST(MemdbTest, Dirty) {
  {
    MemBuffer db;
    ASSERT_TRUE(db.Set("\x01", "\x01").ok());
    EXPECT_TRUE(db.Dirty());
  }
  {
    MemBuffer db;
    int h = db.Staging();
    ASSERT_TRUE(db.Set("\x01", "\x01").ok());
    ASSERT_TRUE(db.Cleanup(h).ok());
    EXPECT_FALSE(db.Dirty());
    h = db.Staging();
    ASSERT_TRUE(db.Set("\x01", "\x01").ok());
    ASSERT_TRUE(db.Release(h).ok());
    EXPECT_TRUE(db.Dirty());
  }
  {
    MemBuffer db;  // persistent flags make the buffer dirty
    int h = db.Staging();
    ASSERT_TRUE(db.SetWithFlags("\x01", "\x01", {FlagsOp::kSetKeyLocked}).ok());
    ASSERT_TRUE(db.Cleanup(h).ok());
    EXPECT_TRUE(db.Dirty());
  }
  {
    MemBuffer db;  // non-persistent flags do not
    int h = db.Staging();
    ASSERT_TRUE(db.SetWithFlags("\x01", "\x01", {FlagsOp::kSetPresumeKeyNotExists}).ok());
    ASSERT_TRUE(db.Cleanup(h).ok());
    EXPECT_FALSE(db.Dirty());
  }
}

void CheckFlags(bool reverse_flag_iter) {
  MemBuffer db;
  const uint32_t cnt = 10000;
  int h = db.Staging();
  for (uint32_t i = 0; i < cnt; ++i) {
    if (i % 2 == 0) {
      ASSERT_TRUE(db.SetWithFlags(Be32(i), Be32(i),
                                  {FlagsOp::kSetPresumeKeyNotExists, FlagsOp::kSetKeyLocked})
                      .ok());
    } else {
      ASSERT_TRUE(db.SetWithFlags(Be32(i), Be32(i), {FlagsOp::kSetPresumeKeyNotExists}).ok());
    }
  }
  ASSERT_TRUE(db.Cleanup(h).ok());
  for (uint32_t i = 0; i < cnt; ++i) {
    EXPECT_TRUE(absl::IsNotFound(db.Get(Be32(i)).status()));
    auto flags = db.GetFlags(Be32(i));
    if (i % 2 == 0) {
      ASSERT_TRUE(flags.ok());
      EXPECT_TRUE(flags->HasLocked());
      EXPECT_FALSE(flags->HasPresumeKeyNotExists());
    } else {
      EXPECT_FALSE(flags.ok());
    }
  }
  EXPECT_EQ(db.Len(), 5000u);
  EXPECT_EQ(db.Size(), 20000u);
  EXPECT_FALSE(db.Iter({}, {}).Valid());
  int seen = 0;
  auto it = reverse_flag_iter ? db.IterReverseWithFlags({}) : db.IterWithFlags({}, {});
  for (; it.Valid(); MustNext(it)) {
    EXPECT_EQ(FromBe32(it.Key()) % 2, 0u);
    EXPECT_FALSE(it.HasValue());
    ++seen;
  }
  EXPECT_EQ(seen, 5000);
  for (uint32_t i = 0; i < cnt; ++i) ASSERT_TRUE(db.UpdateFlags(Be32(i), {FlagsOp::kDelKeyLocked}).ok());
  for (uint32_t i = 0; i < cnt; ++i) {
    EXPECT_TRUE(absl::IsNotFound(db.Get(Be32(i)).status()));
    auto flags = db.GetFlags(Be32(i));  // UpdateFlags creates missing entries
    ASSERT_TRUE(flags.ok());
    EXPECT_FALSE(flags->HasLocked());
  }
}

// Ports client-go internal/unionstore/memdb_test.go TestFlags.
TEST(MemdbTest, Flags) {
  CheckFlags(false);
  CheckFlags(true);
}

// Ports client-go internal/unionstore/memdb_test.go TestKVGetSet.
TEST(MemdbTest, KvGetSet) {
  MemBuffer db;
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(db.Set(EncodeInt(i * 2), EncodeInt(i * 2)).ok());
  for (int i = 0; i < 2; ++i) EXPECT_EQ(*db.Get(EncodeInt(i * 2)), EncodeInt(i * 2));
}

// Ports client-go internal/unionstore/memdb_test.go TestNewIterator.
TEST(MemdbTest, NewIterator) {
  MemBuffer db;
  EXPECT_FALSE(db.Iter({}, {}).Valid());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(db.Set(EncodeInt(i * 2), EncodeInt(i * 2)).ok());
  for (int i = 0; i < 2; ++i) {
    auto it = db.Iter(EncodeInt(i * 2), {});
    ASSERT_TRUE(it.Valid());
    EXPECT_EQ(it.Key(), EncodeInt(i * 2));
    EXPECT_EQ(it.Value(), EncodeInt(i * 2));
  }
  {
    auto it = db.Iter(EncodeInt(0), {});
    ASSERT_TRUE(it.Next().ok());
    ASSERT_TRUE(it.Valid());
    EXPECT_EQ(it.Key(), EncodeInt(2));
  }
  EXPECT_FALSE(db.Iter(EncodeInt(4), {}).Valid());
  auto it = db.Iter(EncodeInt(1), {});
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.Key(), EncodeInt(2));
}

// Ports client-go internal/unionstore/memdb_test.go TestIterNextUntil.
TEST(MemdbTest, IterNextUntil) {
  MemBuffer db;
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(db.Set(EncodeInt(i * 2), EncodeInt(i * 2)).ok());
  auto it = db.Iter({}, {});
  while (it.Valid()) ASSERT_TRUE(it.Next().ok());
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(absl::IsFailedPrecondition(it.Next()));  // finished iterators refuse Next
}

// Ports client-go internal/unionstore/memdb_test.go TestBasicNewIterator.
TEST(MemdbTest, BasicNewIterator) {
  MemBuffer db;
  EXPECT_FALSE(db.Iter("2", {}).Valid());
}

// Ports client-go internal/unionstore/memdb_test.go TestNewIteratorMin.
TEST(MemdbTest, NewIteratorMin) {
  MemBuffer db;
  const std::string p = "DATA_test_main_db_tbl_tbl_test_record__0000000000000000000";
  const std::vector<std::pair<std::string, std::string>> kvs = {
      {p + "1", "lock-version"}, {p + "1_0002", "1"}, {p + "1_0003", "hello"},
      {p + "2", "lock-version"}, {p + "2_0002", "2"}, {p + "2_0003", "hello"}};
  for (const auto& [k, v] : kvs) ASSERT_TRUE(db.Set(k, v).ok());
  int cnt = 0;
  for (auto it = db.Iter({}, {}); it.Valid(); MustNext(it)) {
    EXPECT_EQ(it.Key(), kvs[static_cast<size_t>(cnt)].first);
    ++cnt;
  }
  EXPECT_EQ(cnt, 6);
  auto it = db.Iter(p + "0", {});
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.Key(), p + "1");
}

// Ports client-go internal/unionstore/memdb_test.go TestMemDBStaging.
TEST(MemdbTest, MemDbStaging) {
  MemBuffer db;
  ASSERT_TRUE(db.Set("x", std::string(2, '\0')).ok());
  int h1 = db.Staging();
  ASSERT_TRUE(db.Set("x", std::string(3, '\0')).ok());
  int h2 = db.Staging();
  ASSERT_TRUE(db.Set("yz", std::string(1, '\0')).ok());
  EXPECT_EQ(db.Get("x")->size(), 3u);
  ASSERT_TRUE(db.Release(h2).ok());
  EXPECT_EQ(db.Get("yz")->size(), 1u);
  ASSERT_TRUE(db.Cleanup(h1).ok());
  EXPECT_EQ(db.Get("x")->size(), 2u);
  EXPECT_TRUE(absl::IsNotFound(db.Get("yz").status()));
}

// Ports client-go internal/unionstore/memdb_test.go TestMemDBMultiLevelStaging.
TEST(MemdbTest, MemDbMultiLevelStaging) {
  MemBuffer db;
  const std::string key(1, '\0');
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(db.Staging(), i + 1);
    ASSERT_TRUE(db.Set(key, std::string(1, static_cast<char>(i))).ok());
    EXPECT_EQ(*db.Get(key), std::string(1, static_cast<char>(i)));
  }
  for (int i = 99; i >= 0; --i) {
    int expect = i;
    if (i % 2 == 1) {
      expect = i - 1;
      ASSERT_TRUE(db.Cleanup(i + 1).ok());
    } else {
      ASSERT_TRUE(db.Release(i + 1).ok());
    }
    EXPECT_EQ(*db.Get(key), std::string(1, static_cast<char>(expect)));
  }
}

// Ports client-go internal/unionstore/memdb_test.go TestInvalidStagingHandle.
TEST(MemdbTest, InvalidStagingHandle) {
  MemBuffer db;
  int h1 = db.Staging();
  int h2 = db.Staging();
  EXPECT_GT(h1, 0);
  EXPECT_GT(h2, 0);
  // Misuse is an error status where client-go panics.
  EXPECT_TRUE(absl::IsFailedPrecondition(db.Release(h2 + 1)));
  EXPECT_TRUE(absl::IsFailedPrecondition(db.Release(h2 - 1)));
  EXPECT_TRUE(db.Release(0).ok());
  EXPECT_TRUE(db.Release(h2).ok());
  EXPECT_TRUE(db.Release(0).ok());
  EXPECT_TRUE(db.Release(h1).ok());
  EXPECT_EQ(db.StagingDepth(), 0);

  h1 = db.Staging();
  h2 = db.Staging();
  EXPECT_TRUE(db.Cleanup(h2 + 1).ok());  // above the top: a no-op
  EXPECT_EQ(db.StagingDepth(), 2);
  EXPECT_TRUE(absl::IsFailedPrecondition(db.Cleanup(h2 - 1)));
  EXPECT_TRUE(db.Cleanup(0).ok());
  EXPECT_TRUE(db.Cleanup(h2).ok());
  EXPECT_TRUE(db.Cleanup(h1).ok());
  EXPECT_EQ(db.StagingDepth(), 0);
}

// Ports client-go internal/unionstore/memdb_test.go TestMemDBCheckpoint.
TEST(MemdbTest, MemDbCheckpoint) {
  MemBuffer db;
  MemBufferCheckpoint cp1 = db.Checkpoint();
  ASSERT_TRUE(db.Set("x", "x").ok());
  MemBufferCheckpoint cp2 = db.Checkpoint();
  ASSERT_TRUE(db.Set("y", "y").ok());
  int h = db.Staging();
  ASSERT_TRUE(db.Set("z", "z").ok());
  ASSERT_TRUE(db.Release(h).ok());
  for (std::string k : {"x", "y", "z"}) EXPECT_EQ(*db.Get(k), k);
  ASSERT_TRUE(db.RevertToCheckpoint(cp2).ok());
  EXPECT_EQ(*db.Get("x"), "x");
  EXPECT_TRUE(absl::IsNotFound(db.Get("y").status()));
  EXPECT_TRUE(absl::IsNotFound(db.Get("z").status()));
  ASSERT_TRUE(db.RevertToCheckpoint(cp1).ok());
  EXPECT_TRUE(absl::IsNotFound(db.Get("x").status()));
  EXPECT_EQ(db.Len(), 0u);
}

// Ports client-go internal/unionstore/memdb_test.go TestBufferLimit.
TEST(MemdbTest, BufferLimit) {
  MemBuffer db;
  db.SetEntrySizeLimit(500, 1000);
  absl::Status s = db.Set("x", std::string(500, '\0'));
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_NE(s.message().find("entry size limit of 500"), std::string_view::npos) << s;
  EXPECT_TRUE(db.Set("x", std::string(499, '\0')).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(db.Set("yz", std::string(499, '\0'))));  // 501 > entry limit
  EXPECT_TRUE(db.Delete(std::string(499, '\0')).ok());
  // A 500-byte key with an empty tombstone fits the entry limit, but the total becomes
  // 999 + 500 > 1000; the limit is checked after the write.
  s = db.Delete(std::string(500, '\0'));
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_NE(s.message().find("buffer size limit of 1000"), std::string_view::npos) << s;
}

// Ports client-go internal/unionstore/memdb_test.go TestUnsetTemporaryFlag.
TEST(MemdbTest, UnsetTemporaryFlag) {
  MemBuffer db;
  ASSERT_TRUE(db.SetWithFlags("\x01", "\x02", {FlagsOp::kSetNeedConstraintCheckInPrewrite}).ok());
  EXPECT_TRUE(db.GetFlags("\x01")->HasNeedConstraintCheckInPrewrite());
  ASSERT_TRUE(db.Set("\x01", "\x02").ok());
  EXPECT_FALSE(db.GetFlags("\x01")->HasNeedConstraintCheckInPrewrite());
}

std::string B(int v) { return std::string(1, static_cast<char>(v)); }

// Ports client-go internal/unionstore/memdb_test.go TestSnapshotGetIter.
TEST(MemdbTest, SnapshotGetIter) {
  MemBuffer db;
  std::vector<MemBufferSnapshot> getters;
  std::vector<SnapshotIterator> iters;
  std::vector<SnapshotIterator> reverse_iters;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(db.Set(B(0), B(i)).ok());
    ASSERT_TRUE(db.Set(B(1), B(i)).ok());
    MemBufferSnapshot getter = db.SnapshotGetter();
    EXPECT_EQ(*getter.Get(B(0)), B(std::min(i, 50)));
    getters.push_back(getter);
    auto it = getter.Iter({}, {});
    ASSERT_TRUE(it.ok());
    EXPECT_EQ(it->Key(), B(0));
    EXPECT_EQ(it->Value(), B(std::min(i, 50)));
    iters.push_back(*std::move(it));
    auto rit = getter.IterReverse({}, {});
    ASSERT_TRUE(rit.ok());
    EXPECT_EQ(rit->Key(), B(1));
    EXPECT_EQ(rit->Value(), B(std::min(i, 50)));
    reverse_iters.push_back(*std::move(rit));
    if (i == 50) db.Staging();  // later writes are invisible to snapshot reads
  }
  // Equal-length writes without staging update records in place, so early readers see 50 too.
  for (const auto& g : getters) EXPECT_EQ(*g.Get(B(0)), B(50));
  for (const auto& it : iters) {
    EXPECT_EQ(it.Key(), B(0));
    EXPECT_EQ(it.Value(), B(50));
  }
  for (const auto& it : reverse_iters) {
    EXPECT_EQ(it.Key(), B(1));
    EXPECT_EQ(it.Value(), B(50));
  }

  db.Reset();
  EXPECT_TRUE(absl::IsFailedPrecondition(getters[0].Get(B(0)).status()));
  ASSERT_TRUE(db.UpdateFlags(B(255), {FlagsOp::kSetPresumeKeyNotExists}).ok());
  for (int i = 1; i < 50; ++i) ASSERT_TRUE(db.Set(B(2 * i), B(2 * i)).ok());
  int h = db.Staging();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(db.Set(B(i), B(2 * i)).ok());
  MemBufferSnapshot snap = db.SnapshotGetter();
  EXPECT_EQ(*snap.Get(B(2)), B(2));
  EXPECT_TRUE(absl::IsNotFound(snap.Get(B(1)).status()));
  EXPECT_TRUE(absl::IsNotFound(snap.Get(B(254)).status()));
  EXPECT_TRUE(absl::IsNotFound(snap.Get(B(255)).status()));
  auto it = snap.Iter({}, {});
  ASSERT_TRUE(it.ok());
  for (int i = 1; i < 50; ++i) {
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->Key(), B(2 * i));
    EXPECT_EQ(it->Value(), B(2 * i));
    ASSERT_TRUE(it->Next().ok());
  }
  EXPECT_FALSE(it->Valid());
  auto rit = snap.IterReverse({}, {});
  ASSERT_TRUE(rit.ok());
  for (int i = 49; i >= 1; --i) {
    ASSERT_TRUE(rit->Valid());
    EXPECT_EQ(rit->Key(), B(2 * i));
    ASSERT_TRUE(rit->Next().ok());
  }
  EXPECT_FALSE(rit->Valid());
  ASSERT_TRUE(db.Release(h).ok());
}

// Ports client-go internal/unionstore/memdb_test.go TestCleanupKeepPersistentFlag.
TEST(MemdbTest, CleanupKeepPersistentFlag) {
  MemBuffer db;
  int h = db.Staging();
  ASSERT_TRUE(db.SetWithFlags(B(1), B(1), {FlagsOp::kSetKeyLocked}).ok());
  ASSERT_TRUE(db.SetWithFlags(B(2), B(2), {FlagsOp::kSetPresumeKeyNotExists}).ok());
  ASSERT_TRUE(
      db.SetWithFlags(B(3), B(3), {FlagsOp::kSetKeyLocked, FlagsOp::kSetPresumeKeyNotExists}).ok());
  ASSERT_TRUE(db.Cleanup(h).ok());
  for (int k : {1, 2, 3}) EXPECT_TRUE(absl::IsNotFound(db.Get(B(k)).status()));
  EXPECT_TRUE(db.GetFlags(B(1))->HasLocked());
  EXPECT_TRUE(absl::IsNotFound(db.GetFlags(B(2)).status()));
  auto f3 = db.GetFlags(B(3));
  ASSERT_TRUE(f3.ok());
  EXPECT_TRUE(f3->HasLocked());
  EXPECT_FALSE(f3->HasPresumeKeyNotExists());
  EXPECT_EQ(db.Len(), 2u);
}

// Ports client-go internal/unionstore/memdb_test.go TestIterNoResult.
TEST(MemdbTest, IterNoResult) {
  MemBuffer db;
  ASSERT_TRUE(db.Set("\x01\x01", "\x01\x01").ok());
  auto check = [&](std::string lower, std::string upper) {
    EXPECT_FALSE(db.Iter(lower, upper).Valid());
    EXPECT_FALSE(db.IterReverse(upper, lower).Valid());
  };
  check(std::string("\x01\x01"), std::string("\x01\x01"));
  check(std::string("\x01\x00\x00", 3), std::string("\x01\x00\x01", 3));
  check(std::string("\x01\x00\x01", 3), std::string("\x01\x00\x00", 3));
}

// Ports client-go internal/unionstore/memdb_test.go TestMemBufferCache.
TEST(MemdbTest, MemBufferCache) {
  MemBuffer db;
  auto check = [&](bool hit, auto fn) {
    const uint64_t h0 = db.cache_hits(), m0 = db.cache_misses();
    fn();
    EXPECT_EQ(db.cache_hits() - h0, hit ? 1u : 0u);
    EXPECT_EQ(db.cache_misses() - m0, hit ? 0u : 1u);
  };
  check(false, [&] { EXPECT_TRUE(db.Set(B(1), B(0)).ok()); });
  check(true, [&] { EXPECT_TRUE(db.Set(B(1), B(1)).ok()); });
  check(false, [&] { EXPECT_TRUE(db.Set(B(2), B(2)).ok()); });
  check(true, [&] { EXPECT_EQ(*db.Get(B(2)), B(2)); });
  check(false, [&] { EXPECT_EQ(*db.Get(B(1)), B(1)); });
  check(true, [&] { EXPECT_EQ(*db.Get(B(1)), B(1)); });
  check(false, [&] { EXPECT_EQ(*db.Get(B(2)), B(2)); });
  check(true, [&] { EXPECT_TRUE(db.Set(B(2), B(2) + B(2)).ok()); });
  check(true, [&] { EXPECT_EQ(*db.Get(B(2)), B(2) + B(2)); });
}

// Ports client-go internal/unionstore/memdb_test.go TestMemDBLeafFragmentation.
TEST(MemdbTest, MemDbLeafFragmentation) {
  MemBuffer db;
  int h = db.Staging();
  uint64_t mem = db.Mem();
  for (int round = 0; round < 10; ++round) {
    for (int k = 0; k < 100; ++k) {
      std::string key;
      for (int r = 0; r < 256; ++r) key += std::to_string(k);
      ASSERT_TRUE(db.Set(key, "value").ok());
    }
    const uint64_t cur = db.Mem();
    if (mem == 0) {
      mem = cur;
    } else {
      EXPECT_LE(cur, mem);
    }
    ASSERT_TRUE(db.Cleanup(h).ok());
    h = db.Staging();
  }
}

// Ports client-go internal/unionstore/memdb_test.go TestReadOnlyZeroMem.
TEST(MemdbTest, ReadOnlyZeroMem) {
  MemBuffer db;
  EXPECT_EQ(db.Mem(), 0u);
  EXPECT_TRUE(absl::IsNotFound(db.Get("k").status()));
  EXPECT_FALSE(db.Iter({}, {}).Valid());
  EXPECT_EQ(db.Mem(), 0u);
}

// Ports client-go internal/unionstore/memdb_test.go TestKeyValueOversize.
TEST(MemdbTest, KeyValueOversize) {
  MemBuffer db;
  std::string key(kMaxKeyLen, '\0');
  std::string oversize(kMaxKeyLen + 1, '\0');
  EXPECT_TRUE(db.Set(key, oversize).ok());
  absl::Status s = db.Set(oversize, key);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_NE(s.message().find("65536 bytes exceeds the key size limit of 65535"),
            std::string_view::npos)
      << s;
}

// Ports client-go internal/unionstore/memdb_test.go TestSetMemoryFootprintChangeHook.
TEST(MemdbTest, SetMemoryFootprintChangeHook) {
  MemBuffer db;
  uint64_t consumed = 0;
  EXPECT_FALSE(db.MemHookSet());
  db.SetMemoryFootprintChangeHook([&](uint64_t mem) { consumed = mem; });
  EXPECT_TRUE(db.MemHookSet());
  EXPECT_EQ(consumed, 0u);
  ASSERT_TRUE(db.Set(B(1), B(1)).ok());
  EXPECT_NE(consumed, 0u);
  EXPECT_EQ(consumed, db.Mem());
}

// Ports client-go internal/unionstore/memdb_test.go TestSelectValueHistory.
TEST(MemdbTest, SelectValueHistory) {
  MemBuffer db;
  ASSERT_TRUE(db.Set(B(1), B(1)).ok());
  int h = db.Staging();
  ASSERT_TRUE(db.Set(B(1), B(1) + B(1)).ok());
  auto eq = [](std::string want) { return [want](std::string_view v) { return v == want; }; };
  EXPECT_EQ(**db.SelectValueHistory(B(1), eq(B(1))), B(1));
  EXPECT_EQ(**db.SelectValueHistory(B(1), eq(B(1) + B(1))), B(1) + B(1));
  EXPECT_FALSE(db.SelectValueHistory(B(1), eq(B(1) + B(1) + B(1)))->has_value());
  EXPECT_TRUE(absl::IsNotFound(
      db.SelectValueHistory(B(2), [](std::string_view) { return false; }).status()));
  ASSERT_TRUE(db.Cleanup(h).ok());
  EXPECT_EQ(**db.SelectValueHistory(B(1), eq(B(1))), B(1));
  EXPECT_FALSE(db.SelectValueHistory(B(1), eq(B(1) + B(1)))->has_value());
}

std::string K2(int a, int b) { return B(a) + B(b); }

// Ports client-go internal/unionstore/memdb_test.go TestSnapshotReaderWithWrite.
TEST(MemdbTest, SnapshotReaderWithWrite) {
  for (int num : {4, 16, 48}) {
    MemBuffer db;
    for (int i = 0; i < num; ++i) ASSERT_TRUE(db.Set(K2(0, i), K2(0, i)).ok());
    int h = db.Staging();
    auto it = db.SnapshotGetter().Iter(K2(0, 0), K2(0, 255));
    ASSERT_TRUE(it.ok());
    EXPECT_EQ(it->Key(), K2(0, 0));
    ASSERT_TRUE(db.Set(K2(0, num), K2(0, num)).ok());  // grows the node under the iterator
    for (int i = 0; i < num; ++i) ASSERT_TRUE(db.Set(K2(1, i), K2(1, i)).ok());  // reuses it
    for (int i = 0; i < num; ++i) {
      ASSERT_TRUE(it->Valid());
      EXPECT_EQ(it->Key(), K2(0, i));
      ASSERT_TRUE(it->Next().ok());
    }
    EXPECT_FALSE(it->Valid());
    ASSERT_TRUE(db.Release(h).ok());
  }
}

void CheckBatched(int num, bool reverse) {
  MemBuffer db;
  for (int i = 0; i < num; ++i) ASSERT_TRUE(db.Set(K2(0, i), K2(0, i)).ok());
  int h = db.Staging();
  MemBufferSnapshot snap = db.GetSnapshot();
  auto it = reverse ? snap.IterReverse(K2(0, 255), K2(0, 0)) : snap.Iter(K2(0, 0), K2(0, 255));
  ASSERT_TRUE(it.ok());
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->Key(), K2(0, reverse ? num - 1 : 0));
  ASSERT_TRUE(db.Set(K2(0, num), K2(0, num)).ok());
  for (int i = 0; i < num; ++i) ASSERT_TRUE(db.Set(K2(1, i), K2(1, i)).ok());
  for (int n = 0; n < num; ++n) {
    const int i = reverse ? num - 1 - n : n;
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->Key(), K2(0, i));
    EXPECT_EQ(it->Value(), K2(0, i));
    ASSERT_TRUE(it->Next().ok());
  }
  EXPECT_FALSE(it->Valid());
  ASSERT_TRUE(db.Release(h).ok());
}

// Ports client-go internal/unionstore/memdb_test.go TestBatchedSnapshotIter.
TEST(MemdbTest, BatchedSnapshotIter) {
  for (int num : {3, 17, 64}) {
    CheckBatched(num, false);
    CheckBatched(num, true);
  }
}

std::string Collect(SnapshotIterator& it, size_t byte_index) {
  std::string out;
  while (it.Valid()) {
    out.push_back(it.Key()[byte_index]);
    EXPECT_TRUE(it.Next().ok());
  }
  return out;
}

// Ports client-go internal/unionstore/memdb_test.go TestBatchedSnapshotIterEdgeCase (EdgeCases).
TEST(MemdbTest, BatchedSnapshotIterEdgeCaseEdgeCases) {
  MemBuffer db;
  int h = db.Staging();
  MemBufferSnapshot snap = db.GetSnapshot();
  EXPECT_FALSE(snap.Iter(B(1), B(1))->Valid());
  EXPECT_FALSE(snap.Iter(B(0), B(1))->Valid());
  ASSERT_TRUE(db.Set(B(1), B(1)).ok());
  ASSERT_TRUE(db.Release(h).ok());
  h = db.Staging();
  snap = db.GetSnapshot();
  auto it = snap.Iter(B(1), B(2));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->Key(), B(1));
  ASSERT_TRUE(it->Next().ok());
  EXPECT_FALSE(it->Valid());
  for (int k : {2, 3, 4}) ASSERT_TRUE(db.Set(B(k), B(k)).ok());
  ASSERT_TRUE(db.Release(h).ok());
  db.Staging();
  snap = db.GetSnapshot();
  auto fwd = snap.Iter(B(2), B(4));
  EXPECT_EQ(Collect(*fwd, 0), B(2) + B(3));
  auto rev = snap.IterReverse(B(4), B(2));
  EXPECT_EQ(Collect(*rev, 0), B(3) + B(2));
}

// Ports client-go internal/unionstore/memdb_test.go TestBatchedSnapshotIterEdgeCase
// (BoundaryTests).
TEST(MemdbTest, BatchedSnapshotIterEdgeCaseBoundary) {
  MemBuffer db;
  for (int k : {0, 2, 4, 6, 8}) ASSERT_TRUE(db.Set(K2(1, k), K2(1, k)).ok());
  db.Staging();
  MemBufferSnapshot snap = db.GetSnapshot();
  auto a = snap.Iter(K2(1, 2), K2(1, 9));
  EXPECT_EQ(Collect(*a, 1), B(2) + B(4) + B(6) + B(8));
  auto b = snap.Iter(K2(1, 0), K2(1, 6));
  EXPECT_EQ(Collect(*b, 1), B(0) + B(2) + B(4));
  auto c = snap.IterReverse(K2(1, 6), K2(1, 0));
  EXPECT_EQ(Collect(*c, 1), B(4) + B(2) + B(0));
}

// Ports client-go internal/unionstore/memdb_test.go TestBatchedSnapshotIterEdgeCase
// (AlphabeticalOrder).
TEST(MemdbTest, BatchedSnapshotIterEdgeCaseAlphabetical) {
  MemBuffer db;
  const std::vector<std::string> keys = {B(2), K2(2, 1), K2(2, 1) + B(1), K2(2, 1) + K2(1, 1)};
  for (const auto& k : keys) ASSERT_TRUE(db.Set(k, k).ok());
  db.Staging();
  MemBufferSnapshot snap = db.GetSnapshot();
  auto it = snap.Iter(B(2), B(3));
  size_t n = 0;
  for (; it->Valid(); MustNext(*it)) EXPECT_EQ(it->Key(), keys[n++]);
  EXPECT_EQ(n, keys.size());
  auto rit = snap.IterReverse(B(3), B(2));
  for (; rit->Valid(); MustNext(*rit)) EXPECT_EQ(rit->Key(), keys[--n]);
  EXPECT_EQ(n, 0u);
}

// Ports client-go internal/unionstore/memdb_test.go TestBatchedSnapshotIterEdgeCase
// (BatchSizeGrowth).
TEST(MemdbTest, BatchedSnapshotIterEdgeCaseBatchSizeGrowth) {
  MemBuffer db;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(db.Set(K2(3, i), K2(3, i)).ok());
  db.Staging();
  MemBufferSnapshot snap = db.GetSnapshot();
  int count = 0;
  ASSERT_TRUE(snap.ForEachInSnapshotRange(K2(3, 0), K2(3, 255), false,
                                          [&](std::string_view k, std::string_view v)
                                              -> absl::StatusOr<bool> {
                                            EXPECT_EQ(k, K2(3, count));
                                            EXPECT_EQ(v, K2(3, count));
                                            ++count;
                                            return false;
                                          })
                  .ok());
  EXPECT_EQ(count, 100);
  auto rit = snap.IterReverse(K2(3, 255), K2(3, 0));
  for (; rit->Valid(); MustNext(*rit)) EXPECT_EQ(rit->Key(), K2(3, --count));
  EXPECT_EQ(count, 0);
}

// Ports client-go internal/unionstore/memdb_test.go TestBatchedSnapshotIterEdgeCase
// (SnapshotChange).
TEST(MemdbTest, BatchedSnapshotIterEdgeCaseSnapshotChange) {
  MemBuffer db;
  ASSERT_TRUE(db.Set(B(0), B(0)).ok());
  int h = db.Staging();
  MemBufferSnapshot snap = db.GetSnapshot();
  ASSERT_TRUE(db.Set(B(1), B(1)).ok());
  auto it = snap.Iter(B(0), B(255));
  ASSERT_TRUE(it.ok());
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->Key(), B(0));
  ASSERT_TRUE(it->Next().ok());
  EXPECT_FALSE(it->Valid());  // B(1) was written inside the stage
  ASSERT_TRUE(db.Release(h).ok());
  db.Staging();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(absl::IsFailedPrecondition(it->Next()));
  EXPECT_TRUE(absl::IsFailedPrecondition(snap.Get(B(0)).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(snap.Iter({}, {}).status()));
}

// Iterator invalidation (MEM-08): client-go panics; the port reports an error.
TEST(MemdbTest, IteratorInvalidatedByWrite) {
  MemBuffer db;
  ASSERT_TRUE(db.Set("a", "1").ok());
  ASSERT_TRUE(db.Set("b", "2").ok());
  auto it = db.Iter({}, {});
  ASSERT_TRUE(it.Valid());
  ASSERT_TRUE(db.Set("c", "3").ok());
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(absl::IsFailedPrecondition(it.status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(it.Next()));
  // Opening a level is not a write (as upstream); releasing one is.
  const int h = db.Staging();
  auto it2 = db.Iter({}, {});
  ASSERT_TRUE(it2.Valid());
  ASSERT_TRUE(db.Release(h).ok());
  EXPECT_FALSE(it2.Valid());
}

// Bad input is a status, never a crash.
TEST(MemdbTest, RejectsBadInput) {
  MemBuffer db;
  EXPECT_TRUE(absl::IsInvalidArgument(db.Set("", "v")));
  EXPECT_TRUE(absl::IsInvalidArgument(db.Set("k", "")));
  EXPECT_TRUE(absl::IsInvalidArgument(db.Delete("")));
  EXPECT_TRUE(absl::IsInvalidArgument(db.UpdateFlags("", {FlagsOp::kSetKeyLocked})));
  EXPECT_EQ(db.Len(), 0u);
  EXPECT_TRUE(absl::IsNotFound(db.Get("").status()));
}

// Tombstones are values: Get returns "", iterators show them, Len counts them.
TEST(MemdbTest, DeleteWritesTombstone) {
  MemBuffer db;
  ASSERT_TRUE(db.Set("k", "v").ok());
  ASSERT_TRUE(db.DeleteWithFlags("k", {FlagsOp::kSetKeyLocked}).ok());
  auto v = db.Get("k");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "");
  EXPECT_TRUE(db.GetFlags("k")->HasLocked());
  auto it = db.Iter({}, {});
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.Key(), "k");
  EXPECT_EQ(it.Value(), "");
  EXPECT_EQ(db.Len(), 1u);
  EXPECT_EQ(db.Size(), 1u);
}

}  // namespace
}  // namespace tikv::memdb
