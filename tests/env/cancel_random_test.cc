// CancelToken hierarchy and the Random helpers (no Env needed).

#include <set>

#include "gtest/gtest.h"
#include "env/prng.h"
#include "env/trace_hash.h"
#include "tikv/cancel.h"
#include "tikv/env.h"

namespace tikv {
namespace {

TEST(CancelToken, ParentCancelsChildrenNotTheReverse) {
  CancelToken parent;
  CancelToken child = CancelToken::ChildOf(parent);
  CancelToken grandchild = CancelToken::ChildOf(child);
  CancelToken sibling = CancelToken::ChildOf(parent);
  int fired = 0;
  grandchild.Register([&] { ++fired; });
  child.Cancel(absl::DeadlineExceededError("too slow"));
  EXPECT_TRUE(child.IsCancelled());
  EXPECT_TRUE(grandchild.IsCancelled());
  EXPECT_EQ(grandchild.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(parent.IsCancelled());
  EXPECT_FALSE(sibling.IsCancelled());
  EXPECT_EQ(fired, 1);
  parent.Cancel();
  EXPECT_TRUE(sibling.IsCancelled());
  // Registering on a cancelled token runs the callback at once; unregistered ones never run.
  int late = 0;
  parent.Register([&] { ++late; });
  EXPECT_EQ(late, 1);
  CancelToken t;
  const uint64_t id = t.Register([&] { ++late; });
  t.Unregister(id);
  t.Cancel();
  EXPECT_EQ(late, 1);
}

TEST(CancelToken, ChildDeadlineIsTheEarlier) {
  CancelToken parent = CancelToken::WithDeadline(MonoTime::FromNanos(100));
  EXPECT_EQ(CancelToken::ChildOf(parent, MonoTime::FromNanos(200)).deadline().nanos(), 100);
  EXPECT_EQ(CancelToken::ChildOf(parent, MonoTime::FromNanos(50)).deadline().nanos(), 50);
  CancelToken cancelled;
  cancelled.Cancel();
  EXPECT_TRUE(CancelToken::ChildOf(cancelled).IsCancelled());
}

class FixedRandom : public Random {
 public:
  explicit FixedRandom(uint64_t seed) : gen_(seed) {}
  uint64_t Next() override { return gen_.Next(); }

 private:
  env::Xoshiro256 gen_;
};

TEST(Random, HelpersStayInRange) {
  FixedRandom r(7);
  std::set<uint64_t> seen;
  for (int i = 0; i < 10'000; ++i) {
    const uint64_t u = r.Uniform(10);
    ASSERT_LT(u, 10u);
    seen.insert(u);
    const double d = r.Unit();
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
    const int64_t x = r.Range(-3, 3);
    ASSERT_GE(x, -3);
    ASSERT_LE(x, 3);
    ASSERT_GE(r.Exponential(5.0), 0.0);
  }
  EXPECT_EQ(seen.size(), 10u);
}

TEST(Random, StreamsAreReproducibleAndIndependent) {
  // Pinned values: a change here changes every simulation seed's run.
  env::Xoshiro256 a(env::DeriveStreamSeed(1, "scheduler", 0));
  env::Xoshiro256 b(env::DeriveStreamSeed(1, "scheduler", 0));
  env::Xoshiro256 c(env::DeriveStreamSeed(1, "scheduler", 1));
  env::Xoshiro256 d(env::DeriveStreamSeed(2, "scheduler", 0));
  const uint64_t first = a.Next();
  EXPECT_EQ(first, b.Next());
  EXPECT_NE(first, c.Next());
  EXPECT_NE(first, d.Next());
  EXPECT_EQ(env::Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(env::Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
}

TEST(TraceHash, FixedWidthFieldsAndCheckpoints) {
  env::TraceHash h(2);
  h.BeginEvent(1);
  h.AddU64(5);
  env::TraceHash same(2);
  same.BeginEvent(1);
  same.AddU64(5);
  EXPECT_EQ(h.value(), same.value());
  env::TraceHash other(2);
  other.BeginEvent(1);
  other.AddBytes("\x05");
  EXPECT_NE(h.value(), other.value());
  h.BeginEvent(2);
  h.BeginEvent(3);
  EXPECT_EQ(h.checkpoints().size(), 1u);
}

}  // namespace
}  // namespace tikv
