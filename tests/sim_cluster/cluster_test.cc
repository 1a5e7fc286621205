// Tests of SimCluster: region validation in TiKV's order, topology operations and their epoch
// rules, injected faults, lock waits as deferred replies, deadlock detection, BatchCommands,
// the raw API through the dispatch, and deterministic replay of a seeded fault schedule.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kvrpcpb.pb.h"
#include "sim/checkers/history.h"
#include "sim/cluster/sim_cluster.h"
#include "sim/faults/fault_schedule.h"
#include "tikvpb.pb.h"

namespace tikv::sim {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

class ClusterTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(cluster_.CheckInvariants().ok()) << cluster_.CheckInvariants(); }

  uint64_t LeaderStore(const std::string& key) {
    return cluster_.RegionForKey(key)->Leader()->store_id;
  }

  kvrpcpb::GetResponse Get(uint64_t store, const kvrpcpb::Context& ctx, const std::string& key,
                           uint64_t ts) {
    kvrpcpb::GetRequest req;
    *req.mutable_context() = ctx;
    req.set_key(key);
    req.set_version(ts);
    kvrpcpb::GetResponse resp;
    auto r = cluster_.HandleUnary({store, kNow}, "/tikvpb.Tikv/KvGet", req, &resp);
    EXPECT_TRUE(r.ok()) << r.status();
    return resp;
  }

  kvrpcpb::PrewriteResponse Prewrite(const std::string& key, const std::string& value,
                                     uint64_t start_ts, bool async = false) {
    kvrpcpb::PrewriteRequest req;
    *req.mutable_context() = cluster_.ContextForKey(key);
    auto* m = req.add_mutations();
    m->set_op(kvrpcpb::Put);
    m->set_key(key);
    m->set_value(value);
    req.set_primary_lock(key);
    req.set_start_version(start_ts);
    req.set_lock_ttl(3000);
    req.set_use_async_commit(async);
    kvrpcpb::PrewriteResponse resp;
    auto r = cluster_.HandleUnary({LeaderStore(key), kNow}, "KvPrewrite", req, &resp);
    EXPECT_TRUE(r.ok()) << r.status();
    return resp;
  }

  kvrpcpb::PessimisticLockRequest LockReq(const std::string& key, uint64_t start_ts,
                                          int64_t wait_ms, bool first = false) {
    kvrpcpb::PessimisticLockRequest req;
    *req.mutable_context() = cluster_.ContextForKey(key);
    auto* m = req.add_mutations();
    m->set_op(kvrpcpb::PessimisticLock);
    m->set_key(key);
    req.set_primary_lock(key);
    req.set_start_version(start_ts);
    req.set_for_update_ts(start_ts);
    req.set_lock_ttl(3000);
    req.set_wait_timeout(wait_ms);
    req.set_is_first_lock(first);
    return req;
  }

  SimCluster cluster_{ClusterOptions{}};
};

TEST_F(ClusterTest, BootstrapTilesKeySpaceAndReportsToPd) {
  auto regions = cluster_.topology().RegionsInKeyOrder();
  ASSERT_EQ(regions.size(), 1u);
  EXPECT_EQ(regions[0]->peers.size(), 3u);
  pdpb::GetRegionRequest req;
  req.set_region_key(EncodeBytes("abc"));
  pdpb::GetRegionResponse resp;
  ASSERT_TRUE(cluster_.HandlePdUnary("/pdpb.PD/GetRegion", req, &resp, kNow).ok());
  EXPECT_EQ(resp.region().id(), regions[0]->id);
  EXPECT_EQ(resp.leader().store_id(), regions[0]->Leader()->store_id);
  EXPECT_EQ(resp.header().cluster_id(), cluster_.options().cluster_id);
}

TEST_F(ClusterTest, NotLeaderWithAndWithoutHint) {
  const auto ctx = cluster_.ContextForKey("k");
  const SimRegion* r = cluster_.RegionForKey("k");
  const uint64_t follower = r->peers[1].store_id;
  kvrpcpb::Context fctx = ctx;
  fctx.mutable_peer()->set_id(r->peers[1].id);
  fctx.mutable_peer()->set_store_id(follower);
  auto resp = Get(follower, fctx, "k", 10);
  ASSERT_TRUE(resp.region_error().has_not_leader());
  EXPECT_EQ(resp.region_error().not_leader().leader().store_id(), r->Leader()->store_id);
  ASSERT_TRUE(cluster_.ClearLeader(r->id).ok());
  resp = Get(follower, fctx, "k", 10);
  ASSERT_TRUE(resp.region_error().has_not_leader());
  EXPECT_FALSE(resp.region_error().not_leader().has_leader());
}

TEST_F(ClusterTest, SplitIsRightDerivedAndStaleEpochGetsSiblings) {
  const auto old_ctx = cluster_.ContextForKey("b");
  const uint64_t original = old_ctx.region_id();
  auto ids = cluster_.SplitAt({"b", "d"});
  ASSERT_TRUE(ids.ok());
  ASSERT_EQ(ids->size(), 3u);
  EXPECT_EQ(ids->back(), original);  // the original keeps the rightmost range
  for (uint64_t id : *ids) EXPECT_EQ(cluster_.topology().GetRegion(id)->version, 3u);  // 1 + k
  // A request for "e" with the old epoch reaches the original region: EpochNotMatch.
  kvrpcpb::Context stale = old_ctx;
  auto resp = Get(LeaderStore("e"), stale, "e", 10);
  ASSERT_TRUE(resp.region_error().has_epoch_not_match());
  const auto& current = resp.region_error().epoch_not_match().current_regions();
  ASSERT_GE(current.size(), 2);
  bool has_self = false;
  for (const auto& reg : current) has_self |= reg.id() == original;
  EXPECT_TRUE(has_self);
}

TEST_F(ClusterTest, KeyNotInRegionCarriesEncodedBounds) {
  ASSERT_TRUE(cluster_.SplitAt({"m"}).ok());
  const auto ctx = cluster_.ContextForKey("a");
  auto resp = Get(LeaderStore("a"), ctx, "z", 10);
  ASSERT_TRUE(resp.region_error().has_key_not_in_region());
  EXPECT_EQ(resp.region_error().key_not_in_region().key(), EncodeBytes("z"));
  EXPECT_EQ(resp.region_error().key_not_in_region().end_key(), EncodeBytes("m"));
}

TEST_F(ClusterTest, ScanLockWithEmptyStartInLaterRegionIsClipped) {
  ASSERT_TRUE(cluster_.SplitAt({"m"}).ok());
  cluster_.InjectLock("a", "a", 5, 100);
  cluster_.InjectLock("p", "p", 6, 100);
  kvrpcpb::ScanLockRequest req;
  *req.mutable_context() = cluster_.ContextForKey("p");
  req.set_max_version(10);
  kvrpcpb::ScanLockResponse resp;
  ASSERT_TRUE(cluster_.HandleUnary({LeaderStore("p"), kNow}, "KvScanLock", req, &resp).ok());
  EXPECT_FALSE(resp.has_region_error());
  ASSERT_EQ(resp.locks_size(), 1);  // only the lock inside this region
  EXPECT_EQ(resp.locks(0).key(), "p");
}

TEST_F(ClusterTest, StoreNotMatchRegionNotFoundAndMismatchPeer) {
  auto ctx = cluster_.ContextForKey("k");
  const uint64_t leader = LeaderStore("k");
  const uint64_t other = leader == 1 ? 2 : 1;
  auto resp = Get(other, ctx, "k", 10);  // peer.store_id names the leader's store
  ASSERT_TRUE(resp.region_error().has_store_not_match());
  EXPECT_EQ(resp.region_error().store_not_match().actual_store_id(), other);

  kvrpcpb::Context unknown = ctx;
  unknown.set_region_id(999);
  EXPECT_TRUE(Get(leader, unknown, "k", 10).region_error().has_region_not_found());

  ASSERT_TRUE(cluster_.ReplacePeer(ctx.region_id(), leader).ok());
  EXPECT_TRUE(Get(leader, ctx, "k", 10).region_error().has_mismatch_peer_id());
}

TEST_F(ClusterTest, MergeBumpsVersionAndRemovedRegionIsNotFound) {
  auto ids = cluster_.SplitAt({"m"});
  ASSERT_TRUE(ids.ok());
  const uint64_t left = (*ids)[0], right = (*ids)[1];
  const auto left_ctx = cluster_.ContextForKey("a");
  const uint64_t expect_version = std::max(cluster_.topology().GetRegion(left)->version + 1,
                                           cluster_.topology().GetRegion(right)->version) + 1;
  ASSERT_TRUE(cluster_.Merge(left, right).ok());
  EXPECT_EQ(cluster_.topology().GetRegion(right)->version, expect_version);
  EXPECT_TRUE(Get(LeaderStore("a"), left_ctx, "a", 10).region_error().has_region_not_found());
}

TEST_F(ClusterTest, RemovedPeerAnswersRegionNotFoundAndConfVerGrows) {
  const SimRegion* r = cluster_.RegionForKey("k");
  const uint64_t region_id = r->id;
  const uint64_t follower = r->peers[2].store_id;
  kvrpcpb::Context ctx = cluster_.ContextForKey("k");
  ctx.set_replica_read(true);
  ctx.mutable_peer()->set_id(r->peers[2].id);
  ctx.mutable_peer()->set_store_id(follower);
  EXPECT_FALSE(Get(follower, ctx, "k", 10).has_region_error());  // replica read is served
  const uint64_t conf_ver = r->conf_ver;
  EXPECT_FALSE(cluster_.RemovePeer(region_id, LeaderStore("k")).ok());  // not the leader's
  ASSERT_TRUE(cluster_.RemovePeer(region_id, follower).ok());
  EXPECT_EQ(cluster_.topology().GetRegion(region_id)->conf_ver, conf_ver + 1);
  EXPECT_EQ(cluster_.topology().GetRegion(region_id)->version, 1u);  // conf change only
  EXPECT_TRUE(Get(follower, ctx, "k", 10).region_error().has_region_not_found());
}

TEST_F(ClusterTest, ProposalInMergingModeOnlyForWrites) {
  ASSERT_TRUE(cluster_.SplitAt({"m"}).ok());
  const uint64_t source = cluster_.RegionForKey("a")->id;
  ASSERT_TRUE(cluster_.PrepareMerge(source).ok());
  auto resp = Prewrite("a", "v", 10);
  EXPECT_TRUE(resp.region_error().has_proposal_in_merging_mode());
  EXPECT_FALSE(Get(LeaderStore("a"), cluster_.ContextForKey("a"), "a", 10).has_region_error());
}

TEST_F(ClusterTest, MaxTimestampNotSyncedAfterLeaderTransfer) {
  ClusterOptions opts;
  opts.auto_sync_max_ts = false;
  SimCluster c(opts);
  const SimRegion* r = c.RegionForKey("k");
  ASSERT_TRUE(c.TransferLeader(r->id, r->peers[1].store_id).ok());
  kvrpcpb::PrewriteRequest req;
  *req.mutable_context() = c.ContextForKey("k");
  auto* m = req.add_mutations();
  m->set_key("k");
  m->set_value("v");
  req.set_primary_lock("k");
  req.set_start_version(100);
  req.set_use_async_commit(true);
  kvrpcpb::PrewriteResponse resp;
  ASSERT_TRUE(c.HandleUnary({r->peers[1].store_id, kNow}, "KvPrewrite", req, &resp).ok());
  EXPECT_TRUE(resp.region_error().has_max_timestamp_not_synced());
  c.SyncMaxTs(kNow);
  resp.Clear();
  ASSERT_TRUE(c.HandleUnary({r->peers[1].store_id, kNow}, "KvPrewrite", req, &resp).ok());
  EXPECT_FALSE(resp.has_region_error());
  // min_commit_ts comes from the synced max_ts, which is above the PD TSO it fetched.
  EXPECT_GT(resp.min_commit_ts(), ComposeTs(kNow, 0));
}

TEST_F(ClusterTest, StaleReadOnFollowerAheadOfSafeTsIsDataNotReady) {
  const SimRegion* r = cluster_.RegionForKey("k");
  kvrpcpb::Context ctx = cluster_.ContextForKey("k");
  ctx.set_stale_read(true);
  ctx.mutable_peer()->set_id(r->peers[2].id);
  ctx.mutable_peer()->set_store_id(r->peers[2].store_id);
  auto resp = Get(r->peers[2].store_id, ctx, "k", 50);
  ASSERT_TRUE(resp.region_error().has_data_is_not_ready());
  cluster_.topology().MutableRegion(r->id)->safe_ts = 100;
  EXPECT_FALSE(Get(r->peers[2].store_id, ctx, "k", 50).has_region_error());
}

TEST_F(ClusterTest, RegionNotInitializedForNewPeer) {
  ClusterOptions opts;
  opts.num_stores = 4;
  SimCluster c(opts);
  const SimRegion* r = c.RegionForKey("k");
  auto peer = c.AddPeer(r->id, 4, /*learner=*/true, /*initialized=*/false);
  ASSERT_TRUE(peer.ok());
  EXPECT_EQ(c.topology().GetRegion(r->id)->conf_ver, 2u);
  kvrpcpb::Context ctx = c.ContextForKey("k");
  ctx.set_replica_read(true);
  ctx.mutable_peer()->set_id(*peer);
  ctx.mutable_peer()->set_store_id(4);
  kvrpcpb::GetRequest req;
  *req.mutable_context() = ctx;
  req.set_key("k");
  req.set_version(10);
  kvrpcpb::GetResponse resp;
  ASSERT_TRUE(c.HandleUnary({4, kNow}, "KvGet", req, &resp).ok());
  EXPECT_TRUE(resp.region_error().has_region_not_initialized());
  ASSERT_TRUE(c.PromoteLearner(r->id, 4).ok());
  resp.Clear();
  ASSERT_TRUE(c.HandleUnary({4, kNow}, "KvGet", req, &resp).ok());
  EXPECT_FALSE(resp.has_region_error());  // replica read on the initialized voter
}

TEST_F(ClusterTest, DownStoreIsTransportErrorAndSlowStoreIsBusy) {
  const uint64_t leader = LeaderStore("k");
  ASSERT_TRUE(cluster_.SetStoreBusy(leader, 250).ok());
  auto resp = Get(leader, cluster_.ContextForKey("k"), "k", 10);
  ASSERT_TRUE(resp.region_error().has_server_is_busy());
  EXPECT_EQ(resp.region_error().server_is_busy().estimated_wait_ms(), 250u);
  ASSERT_TRUE(cluster_.SetStoreBusy(leader, 0).ok());
  ASSERT_TRUE(cluster_.SetStoreUp(leader, false).ok());
  kvrpcpb::GetRequest req;
  kvrpcpb::GetResponse r2;
  auto st = cluster_.HandleUnary({leader, kNow}, "KvGet", req, &r2);
  EXPECT_EQ(st.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(LeaderStore("k"), leader);  // leadership moved to an up voter
}

TEST_F(ClusterTest, InjectedRegionErrorHitsNextNMatchingRequestsWithoutEffect) {
  FaultRule rule;
  rule.method = "KvPrewrite";
  rule.remaining = 2;
  rule.region_error.mutable_undetermined_result()->set_message("injected");
  cluster_.faults().AddRule(rule);
  EXPECT_TRUE(Prewrite("k", "v", 10).region_error().has_undetermined_result());
  EXPECT_EQ(cluster_.mvcc().GetLock("k"), nullptr);  // no state change
  EXPECT_TRUE(Prewrite("k", "v", 10).region_error().has_undetermined_result());
  EXPECT_FALSE(Prewrite("k", "v", 10).has_region_error());  // rule exhausted
  EXPECT_NE(cluster_.mvcc().GetLock("k"), nullptr);
  EXPECT_EQ(cluster_.faults().trace().size(), 2u);
}

TEST_F(ClusterTest, InjectedKeyErrorBusyAndTransportFault) {
  FaultRule key_rule;
  key_rule.method = "KvGet";
  key_rule.start_key = "a";
  key_rule.end_key = "c";
  key_rule.action = FaultAction::kKeyError;
  key_rule.key_error.mutable_locked()->set_lock_version(9);
  cluster_.faults().AddRule(key_rule);
  EXPECT_FALSE(Get(LeaderStore("x"), cluster_.ContextForKey("x"), "x", 10).has_error());
  EXPECT_EQ(Get(LeaderStore("b"), cluster_.ContextForKey("b"), "b", 10).error().locked()
                .lock_version(), 9u);

  FaultRule busy;
  busy.action = FaultAction::kServerBusy;
  busy.estimated_wait_ms = 30;
  cluster_.faults().AddRule(busy);
  EXPECT_EQ(Get(LeaderStore("b"), cluster_.ContextForKey("b"), "b", 10)
                .region_error().server_is_busy().estimated_wait_ms(), 30u);

  FaultRule down;
  down.action = FaultAction::kTransportError;
  down.transport_code = absl::StatusCode::kDeadlineExceeded;
  cluster_.faults().AddRule(down);
  kvrpcpb::GetRequest req;
  *req.mutable_context() = cluster_.ContextForKey("b");
  kvrpcpb::GetResponse resp;
  EXPECT_EQ(cluster_.HandleUnary({LeaderStore("b"), kNow}, "KvGet", req, &resp).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST_F(ClusterTest, ApplyThenDropReplyChangesStateLikeADeliveredReply) {
  FaultRule rule;
  rule.method = "KvCommit";
  rule.action = FaultAction::kApplyThenDropReply;
  cluster_.faults().AddRule(rule);
  ASSERT_EQ(Prewrite("k", "v", 10).errors_size(), 0);
  kvrpcpb::CommitRequest req;
  *req.mutable_context() = cluster_.ContextForKey("k");
  req.add_keys("k");
  req.set_start_version(10);
  req.set_commit_version(20);
  kvrpcpb::CommitResponse resp;
  auto r = cluster_.HandleUnary({LeaderStore("k"), kNow}, "KvCommit", req, &resp);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->disposition, CallDisposition::kReplyLost);
  EXPECT_EQ(Get(LeaderStore("k"), cluster_.ContextForKey("k"), "k", 30).value(), "v");
}

TEST_F(ClusterTest, LockWaitIsDeferredAndWokenWithPessimisticRetry) {
  const uint64_t store = LeaderStore("k");
  kvrpcpb::PessimisticLockResponse r1;
  ASSERT_TRUE(cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("k", 10, 0, true),
                                   &r1).ok());
  ASSERT_EQ(r1.errors_size(), 0);
  kvrpcpb::PessimisticLockResponse r2;
  auto parked = cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("k", 20, 500),
                                     &r2);
  ASSERT_TRUE(parked.ok());
  ASSERT_EQ(parked->disposition, CallDisposition::kDeferred);
  EXPECT_EQ(cluster_.parked_waiters(), 1u);
  EXPECT_TRUE(cluster_.PollDeferred(kNow + 100).empty());
  // The holder rolls back its pessimistic lock: the waiter wakes with a PessimisticRetry.
  kvrpcpb::PessimisticRollbackRequest rb;
  *rb.mutable_context() = cluster_.ContextForKey("k");
  rb.set_start_version(10);
  rb.set_for_update_ts(10);
  rb.add_keys("k");
  kvrpcpb::PessimisticRollbackResponse rbr;
  ASSERT_TRUE(cluster_.HandleUnary({store, kNow + 150}, "KVPessimisticRollback", rb, &rbr).ok());
  auto replies = cluster_.PollDeferred(kNow + 150);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].ticket, parked->ticket);
  ASSERT_EQ(replies[0].response.errors_size(), 1);
  EXPECT_EQ(replies[0].response.errors(0).conflict().reason(),
            kvrpcpb::WriteConflict::PessimisticRetry);
  EXPECT_EQ(replies[0].response.errors(0).conflict().conflict_ts(), 10u);
}

TEST_F(ClusterTest, LockWaitTimesOutAtCappedDeadlineWithDuration) {
  const uint64_t store = LeaderStore("k");
  kvrpcpb::PessimisticLockResponse r1, r2;
  ASSERT_TRUE(cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("k", 10, 0, true),
                                   &r1).ok());
  auto parked = cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("k", 20, 5000),
                                     &r2);
  ASSERT_EQ(parked->disposition, CallDisposition::kDeferred);
  EXPECT_EQ(*cluster_.NextDeferredDeadline(), kNow + 1000);  // capped at 1 s
  EXPECT_TRUE(cluster_.PollDeferred(kNow + 999).empty());
  auto replies = cluster_.PollDeferred(kNow + 1000);
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_TRUE(replies[0].response.errors(0).has_locked());
  EXPECT_EQ(replies[0].response.errors(0).locked().duration_to_last_update_ms(), 1000u);
  EXPECT_EQ(replies[0].response.errors(0).locked().lock_version(), 10u);
}

TEST_F(ClusterTest, OtherLegacyWaitersWakeAfterTheWakeUpDelay) {
  const uint64_t store = LeaderStore("k");
  kvrpcpb::PessimisticLockResponse r;
  ASSERT_TRUE(cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("k", 10, 0, true),
                                   &r).ok());
  auto w1 = cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("k", 30, 900), &r);
  auto w2 = cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("k", 20, 900), &r);
  ASSERT_EQ(w1->disposition, CallDisposition::kDeferred);
  ASSERT_EQ(w2->disposition, CallDisposition::kDeferred);
  kvrpcpb::PessimisticRollbackRequest rb;
  *rb.mutable_context() = cluster_.ContextForKey("k");
  rb.set_start_version(10);
  rb.set_for_update_ts(10);
  kvrpcpb::PessimisticRollbackResponse rbr;  // region-wide form (empty keys)
  ASSERT_TRUE(cluster_.HandleUnary({store, kNow + 5}, "KVPessimisticRollback", rb, &rbr).ok());
  auto first = cluster_.PollDeferred(kNow + 5);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].ticket, w2->ticket);  // smallest start_ts first
  EXPECT_EQ(*cluster_.NextDeferredDeadline(), kNow + 25);
  EXPECT_TRUE(cluster_.PollDeferred(kNow + 24).empty());
  auto rest = cluster_.PollDeferred(kNow + 25);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].ticket, w1->ticket);
  EXPECT_TRUE(rest[0].response.errors(0).has_conflict());
}

TEST_F(ClusterTest, SplitRegionRpcChecksConfVerAndAnswersOriginalLast) {
  const uint64_t store = LeaderStore("k");
  kvrpcpb::SplitRegionRequest req;
  *req.mutable_context() = cluster_.ContextForKey("k");
  req.add_split_keys("k");
  req.mutable_context()->mutable_region_epoch()->set_conf_ver(99);
  kvrpcpb::SplitRegionResponse resp;
  ASSERT_TRUE(cluster_.HandleUnary({store, kNow}, "SplitRegion", req, &resp).ok());
  EXPECT_TRUE(resp.region_error().has_epoch_not_match());  // admin commands compare conf_ver
  *req.mutable_context() = cluster_.ContextForKey("k");
  const uint64_t original = req.context().region_id();
  resp.Clear();
  ASSERT_TRUE(cluster_.HandleUnary({store, kNow}, "SplitRegion", req, &resp).ok());
  ASSERT_EQ(resp.regions_size(), 2);
  EXPECT_EQ(resp.regions(1).id(), original);
  EXPECT_EQ(resp.left().end_key(), EncodeBytes("k"));
  EXPECT_EQ(cluster_.pd().GetRegionByKey(EncodeBytes("a"))->region.id(), resp.regions(0).id());
}

TEST_F(ClusterTest, NoWaitAnswersKeyIsLockedAtOnce) {
  const uint64_t store = LeaderStore("k");
  kvrpcpb::PessimisticLockResponse r1, r2;
  ASSERT_TRUE(cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("k", 10, 0, true),
                                   &r1).ok());
  auto r = cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("k", 20, -1), &r2);
  EXPECT_EQ(r->disposition, CallDisposition::kReplied);
  EXPECT_TRUE(r2.errors(0).has_locked());
}

TEST_F(ClusterTest, DeadlockIsDetectedUnlessFirstLock) {
  const uint64_t store = LeaderStore("a");
  kvrpcpb::PessimisticLockResponse r;
  ASSERT_TRUE(cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("a", 10, 0, true),
                                   &r).ok());
  ASSERT_TRUE(cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("b", 20, 0, true),
                                   &r).ok());
  // 10 waits for 20 on b.
  auto w = cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("b", 10, 1000), &r);
  ASSERT_EQ(w->disposition, CallDisposition::kDeferred);
  // 20 waiting for 10 on a closes the cycle.
  kvrpcpb::PessimisticLockResponse dl;
  auto d = cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("a", 20, 1000), &dl);
  ASSERT_EQ(d->disposition, CallDisposition::kReplied);
  ASSERT_TRUE(dl.errors(0).has_deadlock());
  EXPECT_EQ(dl.errors(0).deadlock().lock_ts(), 10u);
  EXPECT_EQ(dl.errors(0).deadlock().wait_chain_size(), 2);
}

TEST_F(ClusterTest, BatchCommandsAnswersEachArmByIdAndDefersWaiters) {
  const uint64_t store = LeaderStore("k");
  kvrpcpb::PessimisticLockResponse r;
  ASSERT_TRUE(cluster_.HandleUnary({store, kNow}, "KvPessimisticLock", LockReq("k", 10, 0, true),
                                   &r).ok());
  tikvpb::BatchCommandsRequest batch;
  *batch.add_requests()->mutable_pessimisticlock() = LockReq("k", 20, 300);
  batch.add_request_ids(7);
  auto* get = batch.add_requests()->mutable_get();
  *get->mutable_context() = cluster_.ContextForKey("x");
  get->set_key("x");
  get->set_version(5);
  batch.add_request_ids(8);
  batch.add_requests()->mutable_empty()->set_test_id(42);
  batch.add_request_ids(9);
  tikvpb::BatchCommandsResponse resp;
  auto out = cluster_.HandleBatchCommands({store, kNow}, batch, &resp);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(resp.request_ids_size(), 2);
  EXPECT_EQ(resp.request_ids(0), 8u);
  EXPECT_TRUE(resp.responses(0).get().not_found());
  EXPECT_EQ(resp.responses(1).empty().test_id(), 42u);
  ASSERT_EQ(out->deferred_request_ids.size(), 1u);
  EXPECT_EQ(out->deferred_request_ids[0], 7u);
  auto later = cluster_.PollDeferred(kNow + 300);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].batch_request_id, 7u);
  tikvpb::BatchCommandsResponse late_resp;
  AppendDeferredToBatch(later[0], &late_resp);
  EXPECT_EQ(late_resp.request_ids(0), 7u);
  EXPECT_TRUE(late_resp.responses(0).pessimisticlock().errors(0).has_locked());
}

TEST_F(ClusterTest, TxnApiVersionGateOnV2Cluster) {
  ClusterOptions opts;
  opts.api_version = kvrpcpb::V2;
  SimCluster c(opts);
  const uint64_t store = c.RegionForKey("x\0\0\0k")->Leader()->store_id;
  kvrpcpb::GetRequest req;
  *req.mutable_context() = c.ContextForKey("x\0\0\0k");
  req.set_key(std::string("x\0\0\0k", 5));
  req.set_version(10);
  kvrpcpb::GetResponse resp;
  ASSERT_TRUE(c.HandleUnary({store, kNow}, "KvGet", req, &resp).ok());
  EXPECT_FALSE(resp.has_error());
  req.set_key("rawkey");  // a raw-mode key in a transactional request
  resp.Clear();
  ASSERT_TRUE(c.HandleUnary({store, kNow}, "KvGet", req, &resp).ok());
  EXPECT_NE(resp.error().abort().find("InvalidKeyMode"), std::string::npos);
  req.mutable_context()->set_api_version(kvrpcpb::V1);
  req.set_key("t_tidb_key");  // TiDB's V1 keys stay valid on a V2 server
  resp.Clear();
  ASSERT_TRUE(c.HandleUnary({store, kNow}, "KvGet", req, &resp).ok());
  EXPECT_FALSE(resp.has_error());
}

TEST_F(ClusterTest, RawApiThroughDispatchWithTtlAndCas) {
  ClusterOptions opts;
  opts.api_version = kvrpcpb::V1TTL;
  SimCluster c(opts);
  const uint64_t store = c.RegionForRawKey("k")->Leader()->store_id;
  kvrpcpb::RawPutRequest put;
  *put.mutable_context() = c.ContextForRawKey("k");
  put.set_key("k");
  put.set_value("v");
  put.set_ttl(10);
  kvrpcpb::RawPutResponse put_resp;
  ASSERT_TRUE(c.HandleUnary({store, kNow}, "RawPut", put, &put_resp).ok());
  EXPECT_TRUE(put_resp.error().empty());
  kvrpcpb::RawGetRequest get;
  *get.mutable_context() = c.ContextForKey("k");
  get.set_key("k");
  kvrpcpb::RawGetResponse got;
  ASSERT_TRUE(c.HandleUnary({store, kNow + 5000}, "RawGet", get, &got).ok());
  EXPECT_EQ(got.value(), "v");
  got.Clear();
  ASSERT_TRUE(c.HandleUnary({store, kNow + 10000}, "RawGet", get, &got).ok());
  EXPECT_TRUE(got.not_found());  // expired by time
  kvrpcpb::RawCASRequest cas;
  *cas.mutable_context() = c.ContextForKey("k");
  cas.set_key("k");
  cas.set_value("new");
  cas.set_previous_not_exist(true);
  kvrpcpb::RawCASResponse cas_resp;
  ASSERT_TRUE(c.HandleUnary({store, kNow + 10000}, "RawCompareAndSwap", cas, &cas_resp).ok());
  EXPECT_TRUE(cas_resp.succeed());
  cas_resp.Clear();
  ASSERT_TRUE(c.HandleUnary({store, kNow + 10000}, "RawCompareAndSwap", cas, &cas_resp).ok());
  EXPECT_FALSE(cas_resp.succeed());
  EXPECT_EQ(cas_resp.previous_value(), "new");
}

TEST_F(ClusterTest, RawPutWithTtlOnV1IsRejected) {
  ClusterOptions opts;
  SimCluster c(opts);
  kvrpcpb::RawPutRequest put;
  *put.mutable_context() = c.ContextForKey("k");
  put.set_key("k");
  put.set_ttl(5);
  kvrpcpb::RawPutResponse resp;
  ASSERT_TRUE(c.HandleUnary({c.RegionForKey("k")->Leader()->store_id, kNow}, "RawPut", put,
                            &resp).ok());
  EXPECT_EQ(resp.error(), "TTL not enabled");
}

TEST_F(ClusterTest, SeededFaultScheduleReplaysIdentically) {
  auto run = [](uint64_t seed) {
    SimCluster c(ClusterOptions{});
    FaultSchedule schedule(seed, FaultProbabilities{0.5, 0.2, 0.5, 0.1, 0.1, 0.1});
    std::vector<std::string> keys = {"a", "c", "e", "g", "i", "k", "m"};
    std::string trace;
    for (int step = 0; step < 40; ++step) {
      for (const auto& e : schedule.Step(c, kNow + step * 10, keys)) {
        trace += e.description + (e.applied ? "+" : "-") + "\n";
      }
      EXPECT_TRUE(c.CheckInvariants().ok()) << c.CheckInvariants();
    }
    return trace;
  };
  const std::string a = run(7), b = run(7), other = run(8);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
}

TEST(HistoryTest, InvokeCompleteAndPending) {
  History h;
  const uint64_t op1 = h.Invoke(1, "put", "k", "v", 10);
  const uint64_t op2 = h.Invoke(2, "get", "k", "", 11);
  EXPECT_TRUE(h.Complete(op1, HistoryEventType::kUnknown, "", 20).ok());
  EXPECT_EQ(h.Complete(op1, HistoryEventType::kOk, "", 21).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(h.Complete(99, HistoryEventType::kOk, "", 21).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(h.Pending(), std::vector<uint64_t>{op2});
  EXPECT_EQ(h.events().size(), 3u);
  EXPECT_NE(h.ToText().find("info put"), std::string::npos);
}

}  // namespace
}  // namespace tikv::sim
