// Tests of RpcPdClient's GC calls (src/pd/rpc_pd_client_gc.cc): the GC states API with
// barriers and the GC controller, per keyspace, against the scripted PD whose GC semantics are
// sim::PdModel's (tests/util/fake_pd.h).

#include <memory>
#include <string>

#include "gtest/gtest.h"

#include "pd/rpc_pd_client.h"
#include "sim/env/sim_env.h"
#include "tests/locate/sim_fiber.h"
#include "tests/pd/pd_client_fixture.h"
#include "tests/util/fake_pd.h"

namespace tikv::pd {
namespace {

using ::tikv::testing::FakePd;
using ::tikv::testing::RunOnFiber;

constexpr uint32_t kKeyspaces[] = {kNullKeyspaceId, 1, 2};

// Ports tikv/pd tests/integrations/client/client_test.go TestAdvanceTxnSafePointBasic.
TEST(GcClientTest, AdvanceTxnSafePointBasic) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    for (uint32_t ks : kKeyspaces) {
      auto r = c->AdvanceTxnSafePoint(ks, 0, nullptr);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->new_txn_safe_point, 0u);
      r = c->AdvanceTxnSafePoint(ks, 10, nullptr);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->old_txn_safe_point, 0u);
      EXPECT_EQ(r->target, 10u);
      EXPECT_EQ(r->new_txn_safe_point, 10u);
      EXPECT_TRUE(r->blocker_description.empty());
      EXPECT_FALSE(c->AdvanceTxnSafePoint(ks, 9, nullptr).ok());  // never decreases
      r = c->AdvanceTxnSafePoint(ks, 10, nullptr);                // same value is fine
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->old_txn_safe_point, 10u);
      EXPECT_EQ(c->GetGcState(ks, nullptr)->txn_safe_point, 10u);
    }
  });
}

// Ports tikv/pd tests/integrations/client/client_test.go TestAdvanceGCSafePoint.
TEST(GcClientTest, AdvanceGcSafePoint) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    for (uint32_t ks : kKeyspaces) {
      auto r = c->AdvanceGcSafePoint(ks, 0, nullptr);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->new_gc_safe_point, 0u);
      ASSERT_TRUE(c->AdvanceTxnSafePoint(ks, 10, nullptr).ok());
      r = c->AdvanceGcSafePoint(ks, 5, nullptr);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->old_gc_safe_point, 0u);
      EXPECT_EQ(r->target, 5u);
      EXPECT_EQ(r->new_gc_safe_point, 5u);
      EXPECT_FALSE(c->AdvanceGcSafePoint(ks, 4, nullptr).ok());   // backwards
      auto over = c->AdvanceGcSafePoint(ks, 11, nullptr);         // beyond the txn safe point
      ASSERT_FALSE(over.ok());
      EXPECT_NE(over.status().message().find("txn safe point"), std::string::npos);
      EXPECT_EQ(c->GetGcState(ks, nullptr)->gc_safe_point, 5u);
      r = c->AdvanceGcSafePoint(ks, 10, nullptr);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->new_gc_safe_point, 10u);
    }
  });
}

// Ports tikv/pd tests/integrations/client/client_test.go TestGCBarriers (the part without
// expiry; expiry is GcBarrierTtlRunsOnTheVirtualClock).
TEST(GcClientTest, GcBarriersBlockTheTxnSafePoint) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    for (uint32_t ks : kKeyspaces) {
      auto b = c->SetGcBarrier(ks, "b1", 10, Duration::max(), nullptr);
      ASSERT_TRUE(b.ok()) << b.status();
      EXPECT_EQ(b->barrier_id, "b1");
      EXPECT_EQ(b->barrier_ts, 10u);
      EXPECT_EQ(b->ttl, Duration::max());
      // Excluded by default, present on request.
      EXPECT_TRUE(c->GetGcState(ks, nullptr)->gc_barriers.empty());
      auto st = c->GetGcStateWithBarriers(ks, nullptr);
      ASSERT_TRUE(st.ok());
      ASSERT_EQ(st->gc_barriers.size(), 1u);
      EXPECT_EQ(st->gc_barriers[0].barrier_ts, 10u);
      EXPECT_EQ(st->is_keyspace_level_gc, ks != kNullKeyspaceId);

      auto r = c->AdvanceTxnSafePoint(ks, 5, nullptr);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->new_txn_safe_point, 5u);
      EXPECT_TRUE(r->blocker_description.empty());
      r = c->AdvanceTxnSafePoint(ks, 11, nullptr);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->old_txn_safe_point, 5u);
      EXPECT_EQ(r->target, 11u);
      EXPECT_EQ(r->new_txn_safe_point, 10u);
      EXPECT_NE(r->blocker_description.find("b1"), std::string::npos) << r->blocker_description;

      auto d = c->DeleteGcBarrier(ks, "b1", nullptr);
      ASSERT_TRUE(d.ok() && d->has_value());
      EXPECT_EQ((*d)->barrier_ts, 10u);
      EXPECT_EQ((*d)->ttl, Duration::max());
      auto none = c->DeleteGcBarrier(ks, "b1", nullptr);
      ASSERT_TRUE(none.ok());
      EXPECT_FALSE(none->has_value());
      r = c->AdvanceTxnSafePoint(ks, 11, nullptr);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->new_txn_safe_point, 11u);

      // Reaching a barrier exactly reports no blocker; the smallest barrier blocks.
      ASSERT_TRUE(c->SetGcBarrier(ks, "b1", 15, Duration::max(), nullptr).ok());
      r = c->AdvanceTxnSafePoint(ks, 15, nullptr);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->new_txn_safe_point, 15u);
      EXPECT_TRUE(r->blocker_description.empty());
      ASSERT_TRUE(c->SetGcBarrier(ks, "b1", 22, Duration::max(), nullptr).ok());
      ASSERT_TRUE(c->SetGcBarrier(ks, "b2", 20, Duration::max(), nullptr).ok());
      r = c->AdvanceTxnSafePoint(ks, 25, nullptr);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->new_txn_safe_point, 20u);
      EXPECT_NE(r->blocker_description.find("b2"), std::string::npos);
      // A barrier below the txn safe point is refused.
      auto low = c->SetGcBarrier(ks, "b3", 19, Duration::max(), nullptr);
      EXPECT_FALSE(low.ok());
      ASSERT_TRUE(c->DeleteGcBarrier(ks, "b1", nullptr).ok());
      ASSERT_TRUE(c->DeleteGcBarrier(ks, "b2", nullptr).ok());
    }
  });
}

// Barriers are per keyspace: one in keyspace 1 does not hold keyspace 2 back.
TEST(GcClientTest, BarriersArePerKeyspace) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    ASSERT_TRUE(c->SetGcBarrier(1, "br", 7, Duration::max(), nullptr).ok());
    EXPECT_EQ(c->AdvanceTxnSafePoint(1, 100, nullptr)->new_txn_safe_point, 7u);
    EXPECT_EQ(c->AdvanceTxnSafePoint(2, 100, nullptr)->new_txn_safe_point, 100u);
    EXPECT_TRUE(c->GetGcStateWithBarriers(2, nullptr)->gc_barriers.empty());
  });
}

// A barrier's TTL runs on the virtual clock; after it, the barrier no longer blocks.
TEST(GcClientTest, GcBarrierTtlRunsOnTheVirtualClock) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    // 1.5 s rounds up to 2 s (upstream roundUpDurationToSeconds).
    auto b = c->SetGcBarrier(kNullKeyspaceId, "short", 10, std::chrono::milliseconds(1500),
                             nullptr);
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(b->ttl, std::chrono::seconds(2));
    EXPECT_EQ(c->AdvanceTxnSafePoint(kNullKeyspaceId, 20, nullptr)->new_txn_safe_point, 10u);
    env.executor().SleepFor(env.clock(), std::chrono::seconds(1));
    auto st = c->GetGcStateWithBarriers(kNullKeyspaceId, nullptr);
    ASSERT_TRUE(st.ok());
    ASSERT_EQ(st->gc_barriers.size(), 1u);
    EXPECT_GT(st->gc_barriers[0].ttl, Duration::zero());
    EXPECT_LE(st->gc_barriers[0].ttl, std::chrono::seconds(1));
    env.executor().SleepFor(env.clock(), std::chrono::seconds(2));
    EXPECT_TRUE(c->GetGcStateWithBarriers(kNullKeyspaceId, nullptr)->gc_barriers.empty());
    auto r = c->AdvanceTxnSafePoint(kNullKeyspaceId, 20, nullptr);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->new_txn_safe_point, 20u);
    EXPECT_TRUE(r->blocker_description.empty());
  });
}

// Bad barrier arguments fail before reaching PD.
TEST(GcClientTest, BadBarrierArgumentsAreRejected) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    EXPECT_EQ(c->SetGcBarrier(1, "", 5, std::chrono::seconds(1), nullptr).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(c->SetGcBarrier(1, "x", 5, Duration::zero(), nullptr).status().code(),
              absl::StatusCode::kInvalidArgument);
  });
}

}  // namespace
}  // namespace tikv::pd
