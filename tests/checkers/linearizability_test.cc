// Tests of the per-key register linearizability checker (sim/checkers/linearizability.h):
// known-good and known-bad histories, unknown outcomes, and a property test that histories
// produced by a sequential register (with random overlap added) are accepted.

#include "sim/checkers/linearizability.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"

namespace tikv::sim {
namespace {

RegisterOp Put(uint64_t p, int64_t a, int64_t b, std::string v) {
  return RegisterOp{.process = p, .kind = RegisterOpKind::kPut, .invoke_time = a,
                    .complete_time = b, .value = std::move(v)};
}
RegisterOp Get(uint64_t p, int64_t a, int64_t b, std::optional<std::string> read) {
  return RegisterOp{.process = p, .kind = RegisterOpKind::kGet, .invoke_time = a,
                    .complete_time = b, .read = std::move(read)};
}
RegisterOp Del(uint64_t p, int64_t a, int64_t b) {
  return RegisterOp{.process = p, .kind = RegisterOpKind::kDelete, .invoke_time = a,
                    .complete_time = b};
}
RegisterOp Cas(uint64_t p, int64_t a, int64_t b, std::optional<std::string> expected,
               std::string v, std::optional<std::string> prev, bool swapped) {
  return RegisterOp{.process = p, .kind = RegisterOpKind::kCas, .invoke_time = a,
                    .complete_time = b, .value = std::move(v), .expected = std::move(expected),
                    .read = std::move(prev), .swapped = swapped};
}
RegisterOp Unknown(RegisterOp op) {
  op.outcome = OpOutcome::kUnknown;
  op.complete_time = 0;
  return op;
}
RegisterOp Failed(RegisterOp op) {
  op.outcome = OpOutcome::kFailed;
  return op;
}

TEST(LinearizabilityTest, EmptyAndSequentialHistoriesPass) {
  EXPECT_TRUE(CheckRegisterLinearizable({}).ok());
  EXPECT_TRUE(CheckRegisterLinearizable({Get(1, 0, 1, std::nullopt), Put(1, 2, 3, "a"),
                                         Get(2, 4, 5, "a"), Del(1, 6, 7),
                                         Get(2, 8, 9, std::nullopt)})
                  .ok());
}

TEST(LinearizabilityTest, StaleReadAfterCompletedWriteFails) {
  absl::Status s = CheckRegisterLinearizable({Put(1, 0, 1, "a"), Put(1, 2, 3, "b"),
                                              Get(2, 4, 5, "a")});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
}

TEST(LinearizabilityTest, ConcurrentWriteMayBeSeenEitherWay) {
  // The get overlaps the put of "b": both "a" and "b" are fine.
  EXPECT_TRUE(CheckRegisterLinearizable({Put(1, 0, 1, "a"), Put(1, 2, 10, "b"),
                                         Get(2, 3, 4, "a")})
                  .ok());
  EXPECT_TRUE(CheckRegisterLinearizable({Put(1, 0, 1, "a"), Put(1, 2, 10, "b"),
                                         Get(2, 3, 4, "b")})
                  .ok());
  // But two sequential reads must not go back in time.
  EXPECT_FALSE(CheckRegisterLinearizable({Put(1, 0, 1, "a"), Put(1, 2, 10, "b"),
                                          Get(2, 3, 4, "b"), Get(2, 5, 6, "a")})
                   .ok());
}

TEST(LinearizabilityTest, CasResultsMustMatchTheRegister) {
  EXPECT_TRUE(CheckRegisterLinearizable({Cas(1, 0, 1, std::nullopt, "a", std::nullopt, true),
                                         Cas(2, 2, 3, "a", "b", "a", true),
                                         Cas(1, 4, 5, "a", "c", "b", false), Get(2, 6, 7, "b")})
                  .ok());
  // Two CASes from "a" cannot both succeed.
  EXPECT_FALSE(CheckRegisterLinearizable({Put(1, 0, 1, "a"), Cas(1, 2, 5, "a", "b", "a", true),
                                          Cas(2, 2, 5, "a", "c", "a", true)})
                   .ok());
  // A CAS claiming it did not swap although the value matched is wrong.
  EXPECT_FALSE(
      CheckRegisterLinearizable({Put(1, 0, 1, "a"), Cas(1, 2, 3, "a", "b", "a", false)}).ok());
}

TEST(LinearizabilityTest, UnknownWriteMayApplyLateOrNever) {
  // Never applied.
  EXPECT_TRUE(CheckRegisterLinearizable({Put(1, 0, 1, "a"), Unknown(Put(2, 2, 0, "b")),
                                         Get(1, 5, 6, "a")})
                  .ok());
  // Applied long after its invocation (after a later read saw the old value).
  EXPECT_TRUE(CheckRegisterLinearizable({Put(1, 0, 1, "a"), Unknown(Put(2, 2, 0, "b")),
                                         Get(1, 5, 6, "a"), Get(1, 7, 8, "b"),
                                         Get(1, 9, 10, "b")})
                  .ok());
  // But not before it was invoked.
  EXPECT_FALSE(CheckRegisterLinearizable({Put(1, 0, 1, "a"), Get(1, 2, 3, "b"),
                                          Unknown(Put(2, 4, 0, "b"))})
                   .ok());
  // And it takes effect at most once: "b" cannot come back after "c" replaced it.
  EXPECT_FALSE(CheckRegisterLinearizable({Unknown(Put(2, 0, 0, "b")), Get(1, 1, 2, "b"),
                                          Put(1, 3, 4, "c"), Get(1, 5, 6, "b")})
                   .ok());
}

TEST(LinearizabilityTest, FailedOperationsTakeNoEffect) {
  EXPECT_FALSE(CheckRegisterLinearizable({Put(1, 0, 1, "a"), Failed(Put(2, 2, 3, "b")),
                                          Get(1, 5, 6, "b")})
                   .ok());
  EXPECT_TRUE(CheckRegisterLinearizable({Put(1, 0, 1, "a"), Failed(Put(2, 2, 3, "b")),
                                         Get(1, 5, 6, "a")})
                  .ok());
}

TEST(LinearizabilityTest, UnknownCasAppliesOnlyWhenItMatches) {
  EXPECT_TRUE(CheckRegisterLinearizable({Put(1, 0, 1, "a"),
                                         Unknown(Cas(2, 2, 0, "a", "b", std::nullopt, false)),
                                         Get(1, 5, 6, "b")})
                  .ok());
  EXPECT_FALSE(CheckRegisterLinearizable({Put(1, 0, 1, "x"),
                                          Unknown(Cas(2, 2, 0, "a", "b", std::nullopt, false)),
                                          Get(1, 5, 6, "b")})
                   .ok());
}

TEST(LinearizabilityTest, InitialValueAndPerKeyReport) {
  LinearizabilityOptions opts{.initial = "z"};
  EXPECT_TRUE(CheckRegisterLinearizable({Get(1, 0, 1, "z")}, opts).ok());
  std::map<std::string, std::vector<RegisterOp>> by_key;
  by_key["k1"] = {Get(1, 0, 1, std::nullopt)};
  by_key["k2"] = {Put(1, 0, 1, "a"), Get(1, 2, 3, std::nullopt)};
  absl::Status s = CheckRegistersLinearizable(by_key);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("k2"), std::string::npos) << s;
}

TEST(LinearizabilityTest, RejectsOpsThatEndBeforeTheyStart) {
  EXPECT_EQ(CheckRegisterLinearizable({Put(1, 5, 1, "a")}).code(),
            absl::StatusCode::kInvalidArgument);
}

// A sequential register executes random ops at distinct instants; each op's interval is then
// stretched randomly around its linearization point.  Such a history is linearizable by
// construction, whatever the overlap.
RC_GTEST_PROP(LinearizabilityProperty, HistoriesOfARealRegisterPass, ()) {
  const int n = *rc::gen::inRange(1, 40);
  std::optional<std::string> value;
  std::vector<RegisterOp> ops;
  for (int i = 0; i < n; ++i) {
    const int64_t point = 10 * (i + 1);
    const int64_t before = *rc::gen::inRange(0, 25);
    const int64_t after = *rc::gen::inRange(0, 25);
    const int kind = *rc::gen::inRange(0, 5);
    const std::string v(1, static_cast<char>('a' + *rc::gen::inRange(0, 3)));
    RegisterOp op;
    op.id = static_cast<uint64_t>(i);
    op.process = static_cast<uint64_t>(i % 4);
    op.invoke_time = point - before;
    op.complete_time = point + after;
    if (kind == 0) {
      op.kind = RegisterOpKind::kGet;
      op.read = value;
    } else if (kind == 1) {
      op.kind = RegisterOpKind::kPut;
      op.value = v;
      value = v;
    } else if (kind == 2) {
      op.kind = RegisterOpKind::kDelete;
      value.reset();
    } else {
      op.kind = RegisterOpKind::kCas;
      op.expected = *rc::gen::inRange(0, 2) == 0 ? std::nullopt
                                                  : std::optional<std::string>(v);
      op.value = std::string(1, static_cast<char>('a' + *rc::gen::inRange(0, 3)));
      op.read = value;
      op.swapped = value == op.expected;
      if (op.swapped) value = op.value;
    }
    if (*rc::gen::inRange(0, 8) == 0 && op.kind != RegisterOpKind::kGet) {
      op.outcome = OpOutcome::kUnknown;  // it did take effect, but the client never learnt it
    }
    ops.push_back(op);
  }
  absl::Status s = CheckRegisterLinearizable(ops);
  RC_ASSERT(s.ok());
}

}  // namespace
}  // namespace tikv::sim
