// Ported tests of client-go internal/unionstore/union_store_test.go, with an in-memory snapshot
// double in place of client-go's mockSnapshot.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

#include "memdb/union_store.h"

namespace tikv::memdb {
namespace {

// A sorted in-memory "committed data" reader.
class MapSnapshot final : public SnapshotReader {
 public:
  std::map<std::string, std::string> data;

  absl::StatusOr<std::string> Get(std::string_view key) override {
    auto it = data.find(std::string(key));
    if (it == data.end()) return absl::NotFoundError("not in snapshot");
    return it->second;
  }
  absl::StatusOr<std::unique_ptr<KvIterator>> Iter(std::string_view lower,
                                                   std::string_view upper) override {
    return Make(lower, upper, false);
  }
  absl::StatusOr<std::unique_ptr<KvIterator>> IterReverse(std::string_view upper,
                                                          std::string_view lower) override {
    return Make(lower, upper, true);
  }

 private:
  class VecIter final : public KvIterator {
   public:
    explicit VecIter(std::vector<std::pair<std::string, std::string>> v) : v_(std::move(v)) {}
    bool Valid() const override { return i_ < v_.size(); }
    std::string_view Key() const override { return v_[i_].first; }
    std::string_view Value() const override { return v_[i_].second; }
    absl::Status Next() override {
      ++i_;
      return absl::OkStatus();
    }

   private:
    std::vector<std::pair<std::string, std::string>> v_;
    size_t i_ = 0;
  };

  std::unique_ptr<KvIterator> Make(std::string_view lower, std::string_view upper, bool reverse) {
    std::vector<std::pair<std::string, std::string>> v;
    for (const auto& [k, val] : data) {
      if (!lower.empty() && k < lower) continue;
      if (!upper.empty() && k >= upper) continue;
      v.emplace_back(k, val);
    }
    if (reverse) v = std::vector(v.rbegin(), v.rend());
    return std::make_unique<VecIter>(std::move(v));
  }
};

void CheckIterator(absl::StatusOr<std::unique_ptr<KvIterator>> it,
                   const std::vector<std::string>& keys) {
  ASSERT_TRUE(it.ok()) << it.status();
  for (const std::string& k : keys) {
    ASSERT_TRUE((*it)->Valid()) << "expected " << k;
    EXPECT_EQ((*it)->Key(), k);
    EXPECT_EQ((*it)->Value(), k);  // every test value equals its key
    ASSERT_TRUE((*it)->Next().ok());
  }
  EXPECT_FALSE((*it)->Valid());
}

// Ports client-go internal/unionstore/union_store_test.go TestUnionStoreGetSet.
TEST(UnionStoreTest, GetSet) {
  MapSnapshot snap;
  UnionStore us(&snap);
  snap.data["1"] = "1";
  EXPECT_EQ(*us.Get("1"), "1");
  ASSERT_TRUE(us.mem_buffer().Set("1", "2").ok());
  EXPECT_EQ(*us.Get("1"), "2");
  EXPECT_EQ(us.mem_buffer().Size(), 2u);
  EXPECT_EQ(us.mem_buffer().Len(), 1u);
}

// Ports client-go internal/unionstore/union_store_test.go TestUnionStoreDelete.
TEST(UnionStoreTest, Delete) {
  MapSnapshot snap;
  UnionStore us(&snap);
  snap.data["1"] = "1";
  ASSERT_TRUE(us.mem_buffer().Delete("1").ok());
  EXPECT_TRUE(absl::IsNotFound(us.Get("1").status()));
  ASSERT_TRUE(us.mem_buffer().Set("1", "2").ok());
  EXPECT_EQ(*us.Get("1"), "2");
}

// Ports client-go internal/unionstore/union_store_test.go TestUnionStoreSeek.
TEST(UnionStoreTest, Seek) {
  MapSnapshot snap;
  UnionStore us(&snap);
  for (std::string k : {"1", "2", "3"}) snap.data[k] = k;
  CheckIterator(us.Iter({}, {}), {"1", "2", "3"});
  CheckIterator(us.Iter("2", {}), {"2", "3"});
  ASSERT_TRUE(us.mem_buffer().Set("4", "4").ok());
  CheckIterator(us.Iter("2", {}), {"2", "3", "4"});
  ASSERT_TRUE(us.mem_buffer().Delete("3").ok());
  CheckIterator(us.Iter("2", {}), {"2", "4"});
}

// Ports client-go internal/unionstore/union_store_test.go TestUnionStoreIterReverse.
TEST(UnionStoreTest, IterReverse) {
  MapSnapshot snap;
  UnionStore us(&snap);
  for (std::string k : {"1", "2", "3"}) snap.data[k] = k;
  CheckIterator(us.IterReverse({}, {}), {"3", "2", "1"});
  CheckIterator(us.IterReverse("3", "1"), {"2", "1"});
  CheckIterator(us.IterReverse("3", {}), {"2", "1"});
  ASSERT_TRUE(us.mem_buffer().Set("0", "0").ok());
  CheckIterator(us.IterReverse("3", {}), {"2", "1", "0"});
  ASSERT_TRUE(us.mem_buffer().Delete("1").ok());
  CheckIterator(us.IterReverse("3", {}), {"2", "0"});
  CheckIterator(us.IterReverse("3", "1"), {"2"});
}

// Buffer values shadow the snapshot on equal keys; tombstones of absent keys are skipped.
TEST(UnionStoreTest, BufferShadowsSnapshotAndSkipsStrayTombstones) {
  MapSnapshot snap;
  UnionStore us(&snap);
  snap.data["a"] = "old";
  ASSERT_TRUE(us.mem_buffer().Set("a", "a").ok());
  ASSERT_TRUE(us.mem_buffer().Delete("b").ok());  // deletes something the snapshot lacks
  snap.data["c"] = "c";
  CheckIterator(us.Iter({}, {}), {"a", "c"});
  CheckIterator(us.IterReverse({}, {}), {"c", "a"});
}

// Ports client-go union_store.go HasPresumeKeyNotExists / UnmarkPresumeKeyNotExists behaviour.
TEST(UnionStoreTest, PresumeKeyNotExists) {
  MapSnapshot snap;
  UnionStore us(&snap);
  EXPECT_FALSE(us.HasPresumeKeyNotExists("k"));
  ASSERT_TRUE(us.mem_buffer().UpdateFlags("k", {FlagsOp::kSetPresumeKeyNotExists}).ok());
  EXPECT_TRUE(us.HasPresumeKeyNotExists("k"));
  ASSERT_TRUE(us.UnmarkPresumeKeyNotExists("k").ok());
  EXPECT_FALSE(us.HasPresumeKeyNotExists("k"));
  us.SetEntrySizeLimit(0, 0);  // 0 = unlimited
  EXPECT_EQ(us.mem_buffer().entry_size_limit(), MemBuffer::kUnlimited);
  us.SetEntrySizeLimit(10, 0);
  EXPECT_TRUE(absl::IsInvalidArgument(us.mem_buffer().Set("key", std::string(8, 'v'))));
}

}  // namespace
}  // namespace tikv::memdb
