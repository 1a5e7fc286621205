// The production PD client (pd::RpcPdClient) against the simulated PD of a whole SimWorld:
// the QueryRegion router stream, GC barriers and the TSO dispatcher with concurrent RPCs
// across a PD leader change, served by sim/cluster/pd_dispatch.cc and SimClusterNodes.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "pd/rpc_pd_client.h"
#include "sim/testing/sim_world.h"

namespace tikv::sim {
namespace {

std::unique_ptr<pd::RpcPdClient> MakeClient(SimWorld& w, pd::PdClientOptions o = {}) {
  o.endpoints = w.PdEndpoints();
  absl::StatusOr<std::unique_ptr<pd::RpcPdClient>> c = pd::RpcPdClient::Create(w.env, o);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

// Lookups over the simulated QueryRegion stream agree with the unary RPCs.
TEST(PdClientSimTest, RouterStreamAgreesWithUnaryLookups) {
  SimWorld w;
  ASSERT_TRUE(w.cluster.SplitAtRaw({"g", "p"}).ok());
  absl::Status s = w.RunOnFiber([&] {
    pd::PdClientOptions o;
    o.enable_router_client = true;
    auto router = MakeClient(w, o);
    auto unary = MakeClient(w);
    ASSERT_NE(router, nullptr);
    ASSERT_NE(unary, nullptr);
    for (std::string key : {"", "a", "g", "k", "p", "z"}) {
      auto a = router->GetRegion(key, false, nullptr);
      auto b = unary->GetRegion(key, false, nullptr);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_TRUE(a->has_value() && b->has_value()) << key;
      EXPECT_EQ((*a)->meta.id(), (*b)->meta.id()) << key;
      EXPECT_EQ((*a)->leader.has_value(), (*b)->leader.has_value());
      auto pa = router->GetPrevRegion(key, false, nullptr);
      auto pb = unary->GetPrevRegion(key, false, nullptr);
      ASSERT_TRUE(pa.ok() && pb.ok());
      EXPECT_EQ(pa->has_value(), pb->has_value()) << key;
      if (pa->has_value() && pb->has_value()) {
        EXPECT_EQ((*pa)->meta.id(), (*pb)->meta.id());
      }
      auto ia = router->GetRegionById((*b)->meta.id(), false, nullptr);
      ASSERT_TRUE(ia.ok() && ia->has_value());
      EXPECT_EQ((*ia)->meta.start_key(), (*b)->meta.start_key());
    }
    EXPECT_EQ(router->router_stats().lookups, 18u);
    EXPECT_EQ(router->router_stats().failures, 0u);
    EXPECT_EQ(unary->router_stats().messages, 0u);
    router->Close();
    unary->Close();
  });
  ASSERT_TRUE(s.ok()) << s;
}

// A barrier set through the client holds the simulated PD's txn safe point back.
TEST(PdClientSimTest, GcBarrierHoldsTheTxnSafePoint) {
  SimWorld w;
  absl::Status s = w.RunOnFiber([&] {
    auto c = MakeClient(w);
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->SetGcBarrier(pd::kNullKeyspaceId, "br", 50, std::chrono::seconds(30), nullptr)
                    .ok());
    auto r = c->AdvanceTxnSafePoint(pd::kNullKeyspaceId, 80, nullptr);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->new_txn_safe_point, 50u);
    EXPECT_NE(r->blocker_description.find("br"), std::string::npos);
    EXPECT_FALSE(c->AdvanceGcSafePoint(pd::kNullKeyspaceId, 60, nullptr).ok());
    EXPECT_TRUE(c->AdvanceGcSafePoint(pd::kNullKeyspaceId, 50, nullptr).ok());
    auto st = c->GetGcStateWithBarriers(pd::kNullKeyspaceId, nullptr);
    ASSERT_TRUE(st.ok());
    ASSERT_EQ(st->gc_barriers.size(), 1u);
    EXPECT_EQ(st->gc_barriers[0].barrier_id, "br");
    auto d = c->DeleteGcBarrier(pd::kNullKeyspaceId, "br", nullptr);
    ASSERT_TRUE(d.ok() && d->has_value());
    EXPECT_EQ(c->AdvanceTxnSafePoint(pd::kNullKeyspaceId, 80, nullptr)->new_txn_safe_point, 80u);
    c->Close();
  });
  ASSERT_TRUE(s.ok()) << s;
}

// Concurrent TSO RPCs across a PD leader change stay unique and increasing.
TEST(PdClientSimTest, ConcurrentTsoAcrossLeaderChange) {
  SimWorld w;
  absl::Status s = w.RunOnFiber([&] {
    pd::PdClientOptions o;
    o.tso_rpc_concurrency = 4;
    auto c = MakeClient(w, o);
    ASSERT_NE(c, nullptr);
    std::vector<oracle::TsFuture> futures;
    for (int i = 0; i < 200; ++i) {
      futures.push_back(c->GetTsAsync());
      if (i == 100) {
        const auto& members = w.cluster.pd().members();
        ASSERT_TRUE(w.cluster.ChangePdLeader(std::next(members.begin())->first).ok());
      }
      w.env.executor().SleepFor(w.env.clock(), std::chrono::microseconds(50));
    }
    std::set<uint64_t> seen;
    for (oracle::TsFuture& f : futures) {
      f.Wait();
      ASSERT_TRUE(f.value().ok()) << f.value().status();
      EXPECT_TRUE(seen.insert(*f.value()).second);
    }
    // Requests issued after every earlier answer arrived get a larger timestamp.
    absl::StatusOr<uint64_t> after = c->GetTs(nullptr);
    ASSERT_TRUE(after.ok());
    EXPECT_GT(*after, *seen.rbegin());
    EXPECT_GT(c->tso_stats().max_in_flight, 1u);
    c->Close();
  });
  ASSERT_TRUE(s.ok()) << s;
}

}  // namespace
}  // namespace tikv::sim
