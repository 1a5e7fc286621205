// Model-based property tests: random operation sequences against a std::map model with the
// same staging semantics (tests/memdb/memdb_model.h).

#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"

#include "tests/memdb/memdb_model.h"

namespace tikv::memdb {
namespace {

using Op = std::tuple<uint8_t, uint8_t, uint8_t, uint8_t>;

// Ports client-go internal/unionstore/memdb_norace_test.go TestRandom, TestRandomDerive and
// TestRandomAB (all three as one model comparison: set / delete / flags / staging / release /
// cleanup / iterate / snapshot reads against std::map).
RC_GTEST_PROP(MemdbProperty, MatchesModel, ()) {
  const auto ops = *rc::gen::container<std::vector<Op>>(rc::gen::arbitrary<Op>());
  testing::MemdbHarness h;
  for (size_t i = 0; i < ops.size(); ++i) {
    const auto& [kind, a, b, c] = ops[i];
    const std::string err = h.Apply(kind, a, b, c);
    RC_ASSERT(err == std::string());
  }
  RC_ASSERT(h.CheckAll() == std::string());
}

// A fixed, long staged workload (the shape of client-go's TestRandomDerive): nested levels with
// alternating release and cleanup over many keys.
TEST(MemdbProperty, LongDeterministicSequence) {
  testing::MemdbHarness h;
  uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245u + 12345u;  // fixed LCG: the sequence is the same in every run
    const std::string err = h.Apply(static_cast<uint8_t>(x >> 24), static_cast<uint8_t>(x >> 16),
                                    static_cast<uint8_t>(x >> 8), static_cast<uint8_t>(x >> 3));
    ASSERT_EQ(err, "") << "step " << i;
  }
  EXPECT_EQ(h.CheckAll(), "");
}

}  // namespace
}  // namespace tikv::memdb
