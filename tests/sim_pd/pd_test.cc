// Tests of the simulated PD through SimCluster::HandlePdUnary: TSO batching and monotonicity
// across PD leader changes and clock skew, members, region routing with lag, stores, GC state
// (txn safe point with barriers, GC safe point, the deprecated forms) and keyspaces.

#include <string>

#include "gtest/gtest.h"
#include "keyspacepb.pb.h"
#include "pdpb.pb.h"
#include "sim/cluster/sim_cluster.h"

namespace tikv::sim {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

uint64_t Tso(SimCluster& c, uint32_t count, int64_t now) {
  pdpb::TsoRequest req;
  req.set_count(count);
  pdpb::TsoResponse resp;
  EXPECT_TRUE(c.HandlePdUnary("/pdpb.PD/Tso", req, &resp, now).ok());
  EXPECT_EQ(resp.count(), count);
  return ComposeTs(resp.timestamp().physical(), static_cast<uint64_t>(resp.timestamp().logical()));
}

TEST(PdTest, TsoAnswersLastOfBatchAndNeverGoesBack) {
  SimCluster c;
  const uint64_t a = Tso(c, 10, kNow);
  EXPECT_EQ(a, ComposeTs(kNow, 10));  // the last of 10: logical 1..10
  const uint64_t b = Tso(c, 1, kNow - 500);  // a clock behind does not move time back
  EXPECT_GT(b, a);
  // A new leader whose clock is far behind still continues above everything issued.
  const auto& members = c.pd().members();
  const uint64_t other = std::next(members.begin())->first;
  ASSERT_TRUE(c.pd().SetClockSkew(other, -60'000).ok());
  ASSERT_TRUE(c.ChangePdLeader(other).ok());
  EXPECT_GT(Tso(c, 1, kNow), b);
  pdpb::TsoRequest zero;
  pdpb::TsoResponse resp;
  EXPECT_FALSE(c.HandlePdUnary("Tso", zero, &resp, kNow).ok());
}

TEST(PdTest, TsoLogicalOverflowStepsPhysical) {
  TsoAllocator tso;
  auto first = tso.Allocate(static_cast<uint32_t>(kMaxLogical - 10), 5);
  ASSERT_TRUE(first.ok());
  auto second = tso.Allocate(100, 5);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->physical, 6);
  EXPECT_EQ(second->logical, 100);
}

TEST(PdTest, MembersNameTheLeaderAndDownLeaderIsUnavailable) {
  SimCluster c;
  pdpb::GetMembersRequest req;
  pdpb::GetMembersResponse resp;
  ASSERT_TRUE(c.HandlePdUnary("GetMembers", req, &resp, kNow).ok());
  EXPECT_EQ(resp.members_size(), 3);
  EXPECT_EQ(resp.leader().member_id(), c.pd().leader_id());
  EXPECT_EQ(resp.leader().client_urls(0).rfind("http://", 0), 0u);
  for (const auto& [id, m] : c.pd().members()) ASSERT_TRUE(c.pd().SetMemberUp(id, false).ok());
  resp.Clear();
  EXPECT_EQ(c.HandlePdUnary("GetMembers", req, &resp, kNow).code(),
            absl::StatusCode::kUnavailable);
}

TEST(PdTest, ClusterIdMismatchIsFailedPrecondition) {
  SimCluster c;
  pdpb::GetAllStoresRequest req;
  req.mutable_header()->set_cluster_id(42);
  pdpb::GetAllStoresResponse resp;
  EXPECT_EQ(c.HandlePdUnary("GetAllStores", req, &resp, kNow).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(PdTest, RegionRoutingScanAndUnreportedSplitLag) {
  SimCluster c;
  ASSERT_TRUE(c.SplitAt({"m"}).ok());
  pdpb::ScanRegionsRequest scan;
  pdpb::ScanRegionsResponse regions;
  ASSERT_TRUE(c.HandlePdUnary("ScanRegions", scan, &regions, kNow).ok());
  ASSERT_EQ(regions.regions_size(), 2);
  EXPECT_EQ(regions.regions(0).region().end_key(), EncodeBytes("m"));
  EXPECT_EQ(regions.leaders_size(), 2);

  pdpb::GetRegionRequest prev;
  prev.set_region_key(EncodeBytes("z"));
  pdpb::GetRegionResponse prev_resp;
  ASSERT_TRUE(c.HandlePdUnary("GetPrevRegion", prev, &prev_resp, kNow).ok());
  EXPECT_EQ(prev_resp.region().start_key(), "");

  // PD does not learn about this split: it still routes "t" to the old, wider region.
  const uint64_t before = c.pd().GetRegionByKey(EncodeBytes("t"))->region.id();
  ASSERT_TRUE(c.SplitAt({"s"}, /*report_to_pd=*/false).ok());
  pdpb::GetRegionRequest get;
  get.set_region_key(EncodeBytes("t"));
  pdpb::GetRegionResponse got;
  ASSERT_TRUE(c.HandlePdUnary("GetRegion", get, &got, kNow).ok());
  EXPECT_EQ(got.region().id(), before);
  EXPECT_NE(got.region().region_epoch().version(), c.RegionForKey("t")->version);
  c.ReportAllRegions();
  got.Clear();
  ASSERT_TRUE(c.HandlePdUnary("GetRegion", get, &got, kNow).ok());
  EXPECT_EQ(got.region().region_epoch().version(), c.RegionForKey("t")->version);

  pdpb::GetRegionByIDRequest by_id;
  by_id.set_region_id(12345);
  got.Clear();
  ASSERT_TRUE(c.HandlePdUnary("GetRegionByID", by_id, &got, kNow).ok());
  EXPECT_FALSE(got.has_region());
}

TEST(PdTest, BatchScanRegionsValidatesRanges) {
  SimCluster c;
  ASSERT_TRUE(c.SplitAt({"c", "m"}).ok());
  pdpb::BatchScanRegionsRequest req;
  auto* r1 = req.add_ranges();
  r1->set_start_key(EncodeBytes("a"));
  r1->set_end_key(EncodeBytes("b"));
  auto* r2 = req.add_ranges();
  r2->set_start_key(EncodeBytes("d"));
  r2->set_end_key(EncodeBytes("n"));
  pdpb::BatchScanRegionsResponse resp;
  ASSERT_TRUE(c.HandlePdUnary("BatchScanRegions", req, &resp, kNow).ok());
  EXPECT_EQ(resp.regions_size(), 3);
  std::swap(*req.mutable_ranges(0), *req.mutable_ranges(1));  // unsorted
  resp.Clear();
  ASSERT_TRUE(c.HandlePdUnary("BatchScanRegions", req, &resp, kNow).ok());
  EXPECT_EQ(resp.header().error().type(), pdpb::UNKNOWN);
}

TEST(PdTest, InjectedPdFaultsFailCalls) {
  SimCluster c;
  FaultRule rule;
  rule.target = FaultTarget::kPd;
  rule.method = "BatchScanRegions";
  rule.action = FaultAction::kTransportError;
  rule.transport_code = absl::StatusCode::kUnimplemented;
  c.faults().AddRule(rule);
  pdpb::BatchScanRegionsRequest req;
  pdpb::BatchScanRegionsResponse resp;
  EXPECT_EQ(c.HandlePdUnary("BatchScanRegions", req, &resp, kNow).code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(c.HandlePdUnary("BatchScanRegions", req, &resp, kNow).ok());  // used up
}

TEST(PdTest, QueryRegionScatterAndOperator) {
  SimCluster c;
  auto ids = c.SplitAt({"m"});
  ASSERT_TRUE(ids.ok());
  pdpb::QueryRegionRequest q;
  q.add_keys(EncodeBytes("z"));
  q.add_prev_keys(EncodeBytes("z"));
  q.add_ids((*ids)[0]);
  pdpb::QueryRegionResponse qr;
  ASSERT_TRUE(c.HandlePdUnary("QueryRegion", q, &qr, kNow).ok());
  EXPECT_EQ(qr.key_id_map(0), (*ids)[1]);
  EXPECT_EQ(qr.prev_key_id_map(0), (*ids)[0]);
  EXPECT_EQ(qr.regions_by_id().size(), 2u);

  pdpb::GetOperatorRequest op;
  op.set_region_id((*ids)[0]);
  pdpb::GetOperatorResponse opr;
  ASSERT_TRUE(c.HandlePdUnary("GetOperator", op, &opr, kNow).ok());
  EXPECT_EQ(opr.header().error().type(), pdpb::REGION_NOT_FOUND);
  pdpb::ScatterRegionRequest sc;
  sc.add_regions_id((*ids)[0]);
  sc.add_regions_id(4242);
  pdpb::ScatterRegionResponse scr;
  ASSERT_TRUE(c.HandlePdUnary("ScatterRegion", sc, &scr, kNow).ok());
  EXPECT_EQ(scr.finished_percentage(), 50u);
  EXPECT_EQ(scr.failed_regions_id_size(), 1);
  opr.Clear();
  ASSERT_TRUE(c.HandlePdUnary("GetOperator", op, &opr, kNow).ok());
  EXPECT_EQ(opr.desc(), "scatter-region");
  EXPECT_EQ(opr.status(), pdpb::SUCCESS);
}

TEST(PdTest, StoresAndUnknownStore) {
  SimCluster c;
  pdpb::GetStoreRequest req;
  req.set_store_id(c.store_ids()[0]);
  pdpb::GetStoreResponse resp;
  ASSERT_TRUE(c.HandlePdUnary("GetStore", req, &resp, kNow).ok());
  EXPECT_EQ(resp.store().address(), "store1:20160");
  req.set_store_id(999);
  resp.Clear();
  ASSERT_TRUE(c.HandlePdUnary("GetStore", req, &resp, kNow).ok());
  EXPECT_EQ(resp.header().error().type(), pdpb::UNKNOWN);
}

TEST(PdTest, GcStateBarriersBlockTxnSafePointAndGcSafePointTriggersGc) {
  SimCluster c;
  c.InjectCommitted("k", "v1", 1, 2);
  c.InjectCommitted("k", "v2", 3, 4);
  pdpb::SetGCBarrierRequest barrier;
  barrier.set_barrier_id("br");
  barrier.set_barrier_ts(50);
  barrier.set_ttl_seconds(10);
  pdpb::SetGCBarrierResponse bresp;
  ASSERT_TRUE(c.HandlePdUnary("SetGCBarrier", barrier, &bresp, kNow).ok());
  EXPECT_FALSE(bresp.header().has_error());

  pdpb::AdvanceTxnSafePointRequest adv;
  adv.set_target(100);
  pdpb::AdvanceTxnSafePointResponse aresp;
  ASSERT_TRUE(c.HandlePdUnary("AdvanceTxnSafePoint", adv, &aresp, kNow).ok());
  EXPECT_EQ(aresp.new_txn_safe_point(), 50u);
  EXPECT_FALSE(aresp.blocker_description().empty());
  // After the barrier expires it no longer blocks.
  aresp.Clear();
  ASSERT_TRUE(c.HandlePdUnary("AdvanceTxnSafePoint", adv, &aresp, kNow + 11'000).ok());
  EXPECT_EQ(aresp.new_txn_safe_point(), 100u);
  EXPECT_TRUE(aresp.blocker_description().empty());

  pdpb::AdvanceGCSafePointRequest gc;
  gc.set_target(200);  // above the txn safe point
  pdpb::AdvanceGCSafePointResponse gresp;
  ASSERT_TRUE(c.HandlePdUnary("AdvanceGCSafePoint", gc, &gresp, kNow).ok());
  EXPECT_TRUE(gresp.header().has_error());
  gc.set_target(10);
  gresp.Clear();
  ASSERT_TRUE(c.HandlePdUnary("AdvanceGCSafePoint", gc, &gresp, kNow).ok());
  EXPECT_EQ(gresp.new_gc_safe_point(), 10u);
  EXPECT_EQ(c.mvcc().GetWrites("k")->size(), 1u);  // the older version was collected

  pdpb::GetGCStateRequest get;
  pdpb::GetGCStateResponse state;
  ASSERT_TRUE(c.HandlePdUnary("GetGCState", get, &state, kNow).ok());
  EXPECT_EQ(state.gc_state().txn_safe_point(), 100u);
  EXPECT_EQ(state.gc_state().gc_safe_point(), 10u);
}

TEST(PdTest, DeprecatedSafePointForms) {
  SimCluster c;
  pdpb::UpdateGCSafePointRequest req;
  req.set_safe_point(30);
  pdpb::UpdateGCSafePointResponse resp;
  ASSERT_TRUE(c.HandlePdUnary("UpdateGCSafePoint", req, &resp, kNow).ok());
  EXPECT_EQ(resp.new_safe_point(), 30u);
  req.set_safe_point(20);  // smaller: ignored, current returned
  resp.Clear();
  ASSERT_TRUE(c.HandlePdUnary("UpdateGCSafePoint", req, &resp, kNow).ok());
  EXPECT_EQ(resp.new_safe_point(), 30u);
  pdpb::UpdateServiceGCSafePointRequest svc;
  svc.set_service_id("br");
  svc.set_ttl(60);
  svc.set_safe_point(40);
  pdpb::UpdateServiceGCSafePointResponse sresp;
  ASSERT_TRUE(c.HandlePdUnary("UpdateServiceGCSafePoint", svc, &sresp, kNow).ok());
  EXPECT_EQ(sresp.min_safe_point(), 40u);
}

TEST(PdTest, KeyspacesAndClusterInfo) {
  SimCluster c;
  keyspacepb::LoadKeyspaceRequest req;
  req.set_name("DEFAULT");
  keyspacepb::LoadKeyspaceResponse resp;
  ASSERT_TRUE(c.HandlePdUnary("/keyspacepb.Keyspace/LoadKeyspace", req, &resp, kNow).ok());
  EXPECT_EQ(resp.keyspace().state(), keyspacepb::ENABLED);
  req.set_name("nope");
  resp.Clear();
  ASSERT_TRUE(c.HandlePdUnary("LoadKeyspace", req, &resp, kNow).ok());
  EXPECT_TRUE(resp.header().has_error());
  pdpb::GetClusterInfoRequest info;
  pdpb::GetClusterInfoResponse iresp;
  ASSERT_TRUE(c.HandlePdUnary("GetClusterInfo", info, &iresp, kNow).ok());
  ASSERT_EQ(iresp.servicemodes_size(), 1);
  EXPECT_EQ(iresp.servicemodes(0), pdpb::PD_SVC_MODE);
}

}  // namespace
}  // namespace tikv::sim
