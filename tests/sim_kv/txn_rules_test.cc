// Rule-level tests of the simulated transactional commands, one per bullet of protocol.md
// Appendix A that the mocktikv ports do not cover: async commit and 1PC timestamps, the
// max_commit_ts fallback, pessimistic prewrite, CheckSecondaryLocks, the CheckTxnStatus branch
// matrix, protected/collapsible/overlapped rollbacks, read-path lock rules and pessimistic
// locking options.

#include <string>

#include "gtest/gtest.h"
#include "sim/kv/txn_actions.h"
#include "sim/util/codec.h"
#include "tests/sim_kv/txn_harness.h"

namespace tikv::sim::testing {
namespace {

kvrpcpb::PrewriteRequest AsyncPrewrite(const std::string& key, uint64_t start_ts,
                                       bool one_pc = false, uint64_t max_commit_ts = 0) {
  kvrpcpb::PrewriteRequest req;
  auto* m = req.add_mutations();
  m->set_op(kvrpcpb::Put);
  m->set_key(key);
  m->set_value("v");
  req.set_primary_lock(key);
  req.set_start_version(start_ts);
  req.set_lock_ttl(3000);
  req.set_use_async_commit(!one_pc);
  req.set_try_one_pc(one_pc);
  req.set_max_commit_ts(max_commit_ts);
  req.add_secondaries("s1");
  return req;
}

TEST(TxnRulesTest, AsyncCommitMinCommitTsComesFromMaxTs) {
  TxnHarness h;
  h.MustGetNone("x", 100);  // a read raises max_ts to 100
  auto resp = h.Prewrite(AsyncPrewrite("k", 50));
  ASSERT_EQ(resp.errors_size(), 0);
  EXPECT_EQ(resp.min_commit_ts(), 101u);  // max(max_ts, start, for_update) + 1
  const Lock* lock = h.mvcc().GetLock("k");
  ASSERT_NE(lock, nullptr);
  EXPECT_TRUE(lock->use_async_commit);
  EXPECT_EQ(lock->secondaries, std::vector<std::string>{"s1"});
}

TEST(TxnRulesTest, MaxCommitTsFallbackAnswersZeroAndWritesPlainLock) {
  TxnHarness h;
  h.MustGetNone("x", 100);
  auto resp = h.Prewrite(AsyncPrewrite("k", 50, false, /*max_commit_ts=*/80));
  ASSERT_EQ(resp.errors_size(), 0);
  EXPECT_EQ(resp.min_commit_ts(), 0u);
  EXPECT_FALSE(h.mvcc().GetLock("k")->use_async_commit);
}

TEST(TxnRulesTest, OnePcWritesCommitRecordDirectly) {
  TxnHarness h;
  auto resp = h.Prewrite(AsyncPrewrite("k", 50, /*one_pc=*/true));
  ASSERT_EQ(resp.errors_size(), 0);
  EXPECT_EQ(resp.one_pc_commit_ts(), 51u);
  EXPECT_EQ(h.mvcc().GetLock("k"), nullptr);
  h.MustGetOk("k", 51, "v");
  h.MustGetNone("k", 50);
}

TEST(TxnRulesTest, PrewriteReportsEveryLockedKeyAndWritesNothing) {
  TxnHarness h;
  h.MustPrewriteOk(TxnHarness::Puts({"a", "1", "b", "2"}), "a", 10);
  auto resp = h.Prewrite(TxnHarness::Puts({"a", "x", "b", "y", "c", "z"}), "a", 20);
  ASSERT_EQ(resp.errors_size(), 2);
  EXPECT_TRUE(resp.errors(0).has_locked());
  EXPECT_TRUE(resp.errors(1).has_locked());
  EXPECT_EQ(h.mvcc().GetLock("c"), nullptr);
}

TEST(TxnRulesTest, RetriedPrewriteAfterCommitSucceedsWithoutWriting) {
  TxnHarness h;
  h.MustPutOk("k", "v", 10, 20);
  h.MustPutOk("k", "w", 30, 40);
  // A late retry of txn 10 meets a newer write (conflict) but finds its own commit: success.
  auto resp = h.Prewrite(TxnHarness::Puts({"k", "v"}), "k", 10);
  EXPECT_EQ(resp.errors_size(), 0);
  EXPECT_EQ(h.mvcc().GetLock("k"), nullptr);
}

TEST(TxnRulesTest, PessimisticPrewriteConvertsLockAndRejectsLockTypeMismatch) {
  TxnHarness h;
  kvrpcpb::PessimisticLockRequest lock;
  auto* m = lock.add_mutations();
  m->set_op(kvrpcpb::PessimisticLock);
  m->set_key("k");
  lock.set_primary_lock("k");
  lock.set_start_version(10);
  lock.set_for_update_ts(15);
  lock.set_lock_ttl(100);
  kvrpcpb::PessimisticLockResponse lresp;
  ASSERT_FALSE(KvPessimisticLock(h.scope(), lock, &lresp).has_value());
  EXPECT_EQ(h.mvcc().GetLock("k")->type, LockType::kPessimistic);
  // An optimistic prewrite of the same txn hits its own pessimistic lock: lock type mismatch.
  auto opt = h.Prewrite(TxnHarness::Puts({"k", "v"}), "k", 10);
  ASSERT_EQ(opt.errors_size(), 1);
  EXPECT_FALSE(opt.errors(0).abort().empty());
  kvrpcpb::PrewriteRequest req;
  *req.add_mutations() = TxnHarness::Puts({"k", "v"})[0];
  req.add_pessimistic_actions(kvrpcpb::PrewriteRequest::DO_PESSIMISTIC_CHECK);
  req.set_primary_lock("k");
  req.set_start_version(10);
  req.set_for_update_ts(15);
  req.set_lock_ttl(50);
  auto* c = req.add_for_update_ts_constraints();
  c->set_index(0);
  c->set_expected_for_update_ts(14);
  EXPECT_FALSE(h.Prewrite(req).errors(0).abort().empty());  // constraint mismatch
  req.mutable_for_update_ts_constraints(0)->set_expected_for_update_ts(15);
  ASSERT_EQ(h.Prewrite(req).errors_size(), 0);
  EXPECT_EQ(h.mvcc().GetLock("k")->type, LockType::kPut);
  EXPECT_EQ(h.mvcc().GetLock("k")->ttl, 100u);  // max of lock and request
}

TEST(TxnRulesTest, PessimisticPrewriteReportsForeignLockWithZeroTtl) {
  TxnHarness h;
  h.MustPrewriteOk(TxnHarness::Puts({"k", "v"}), "k", 5);
  kvrpcpb::PrewriteRequest req;
  *req.add_mutations() = TxnHarness::Puts({"k", "w"})[0];
  req.add_pessimistic_actions(kvrpcpb::PrewriteRequest::SKIP_PESSIMISTIC_CHECK);
  req.set_primary_lock("k");
  req.set_start_version(10);
  req.set_for_update_ts(12);
  auto resp = h.Prewrite(req);
  ASSERT_EQ(resp.errors_size(), 1);
  EXPECT_EQ(resp.errors(0).locked().lock_ttl(), 0u);
}

TEST(TxnRulesTest, CheckSecondaryLocksShapes) {
  TxnHarness h;
  h.MustPrewriteOk(TxnHarness::Puts({"p", "1", "s", "2"}), "p", 10);
  kvrpcpb::CheckSecondaryLocksRequest req;
  req.add_keys("p");
  req.add_keys("s");
  req.set_start_version(10);
  kvrpcpb::CheckSecondaryLocksResponse resp;
  KvCheckSecondaryLocks(h.scope(), req, &resp);
  EXPECT_EQ(resp.locks_size(), 2);
  EXPECT_EQ(h.max_ts(), 10u);
  // A missing key: protected rollback, "rolled back" (both fields empty).
  req.add_keys("missing");
  resp.Clear();
  KvCheckSecondaryLocks(h.scope(), req, &resp);
  EXPECT_EQ(resp.locks_size(), 0);
  EXPECT_EQ(resp.commit_ts(), 0u);
  auto rb = h.mvcc().SeekWrite("missing", 10);
  ASSERT_TRUE(rb.has_value());
  EXPECT_TRUE(rb->second.protected_rollback);
  // After commit: committed shape.
  h.MustCommitOk({"p", "s"}, 10, 20);
  resp.Clear();
  req.clear_keys();
  req.add_keys("s");
  KvCheckSecondaryLocks(h.scope(), req, &resp);
  EXPECT_EQ(resp.commit_ts(), 20u);
}

TEST(TxnRulesTest, CheckTxnStatusAsyncCommitShortCircuitIgnoresTtl) {
  TxnHarness h;
  ASSERT_EQ(h.Prewrite(AsyncPrewrite("k", 10)).errors_size(), 0);
  auto r = h.CheckTxnStatus("k", 10, 0, UINT64_MAX - 1, true);
  EXPECT_EQ(r.action(), kvrpcpb::NoAction);
  EXPECT_EQ(r.lock_ttl(), 3000u);
  EXPECT_TRUE(r.lock_info().use_async_commit());
  EXPECT_NE(h.mvcc().GetLock("k"), nullptr);
  // force_sync_commit takes the normal path: expired -> rolled back.
  r = h.CheckTxnStatus("k", 10, 0, UINT64_MAX - 1, true, false, /*force_sync_commit=*/true);
  EXPECT_EQ(r.action(), kvrpcpb::TTLExpireRollback);
}

TEST(TxnRulesTest, CheckTxnStatusPrimaryMismatchAndPessimisticBranches) {
  TxnHarness h;
  h.MustPrewriteOk(TxnHarness::Puts({"p", "1", "s", "2"}), "p", 10);
  auto r = h.CheckTxnStatus("s", 10, 0, 0, false);
  ASSERT_TRUE(r.error().has_primary_mismatch());
  EXPECT_EQ(r.error().primary_mismatch().lock_info().primary_lock(), "p");
  // An expired pessimistic primary while resolving pessimistic locks: removed only.
  Lock pl;
  pl.type = LockType::kPessimistic;
  pl.primary = "q";
  pl.ts = 30;
  pl.ttl = 1;
  pl.for_update_ts = 30;
  h.mvcc().PutLock("q", pl);
  r = h.CheckTxnStatus("q", 30, 0, ComposeTs(100, 0), true, /*resolving_pessimistic=*/true);
  EXPECT_EQ(r.action(), kvrpcpb::TTLExpirePessimisticRollback);
  EXPECT_EQ(h.mvcc().GetLock("q"), nullptr);
  EXPECT_FALSE(h.mvcc().SeekWrite("q", 30).has_value());  // no rollback record
  r = h.CheckTxnStatus("q", 30, 0, 0, true, /*resolving_pessimistic=*/true);
  EXPECT_EQ(r.action(), kvrpcpb::LockNotExistDoNothing);
}

TEST(TxnRulesTest, RollbackOnForeignCommitAtSameTsSetsOverlappedFlag) {
  TxnHarness h;
  h.MustPutOk("k", "v", 5, 10);                       // commit_ts 10
  h.MustPutOk("k", "w", 15, 20);                      // a newer Put
  WriteRollback(h.mvcc(), "k", 10, /*protect=*/true, /*collapse=*/false);
  const auto* writes = h.mvcc().GetWrites("k");
  const Write& w = writes->at(10);
  EXPECT_EQ(w.start_ts, 5u);  // not overwritten
  EXPECT_TRUE(w.has_overlapped_rollback);
  EXPECT_EQ(w.gc_fence, 20u);
  EXPECT_EQ(h.mvcc().GetTxnCommitRecord("k", 10).kind,
            TxnCommitRecord::Kind::kOverlappedRollback);
}

TEST(TxnRulesTest, CollapsibleRollbacksCollapse) {
  TxnHarness h;
  EXPECT_FALSE(h.Rollback({"k"}, 10).has_error());
  EXPECT_FALSE(h.Rollback({"k"}, 20).has_error());
  const auto* writes = h.mvcc().GetWrites("k");
  ASSERT_NE(writes, nullptr);
  EXPECT_EQ(writes->size(), 1u);  // the rollback at 10 was collapsed
  EXPECT_EQ(writes->begin()->first, 20u);
}

TEST(TxnRulesTest, AsyncLockRecordsRollbackTsAndCommitCarriesFlag) {
  TxnHarness h;
  ASSERT_EQ(h.Prewrite(AsyncPrewrite("k", 10)).errors_size(), 0);  // min_commit_ts 11
  auto r = h.CheckTxnStatus("k", 25, 0, 0, /*rollback_if_not_exist=*/true);
  EXPECT_EQ(r.action(), kvrpcpb::LockNotExistRollback);
  EXPECT_EQ(h.mvcc().GetLock("k")->rollback_ts, std::vector<uint64_t>{25});
  h.MustCommitOk({"k"}, 10, 25);
  EXPECT_TRUE(h.mvcc().GetWrites("k")->at(25).has_overlapped_rollback);
}

TEST(TxnRulesTest, ReadLockRules) {
  TxnHarness h;
  h.MustPutOk("k", "old", 1, 2);
  h.MustPrewriteOk(TxnHarness::Puts({"k", "new"}), "k", 10);
  // committed_locks read-through returns the lock's value.
  kvrpcpb::GetRequest req;
  req.set_key("k");
  req.set_version(20);
  req.mutable_context()->add_committed_locks(10);
  kvrpcpb::GetResponse resp;
  KvGet(h.scope(), req, &resp);
  EXPECT_EQ(resp.value(), "new");
  // ...but not with need_commit_ts.
  req.set_need_commit_ts(true);
  resp.Clear();
  KvGet(h.scope(), req, &resp);
  EXPECT_TRUE(resp.error().has_locked());
  // A lock whose min_commit_ts was pushed above the read TS does not block.
  h.CheckTxnStatus("k", 10, 30, 0, false);
  h.MustGetOk("k", 30, "old");
  // RCCheckTS conflicts on any lock.
  auto rc = h.Get("k", 5, kvrpcpb::RCCheckTS);
  EXPECT_EQ(rc.error().conflict().reason(), kvrpcpb::WriteConflict::RcCheckTs);
}

TEST(TxnRulesTest, PessimisticLockReturnValuesExistenceAndRolledBack) {
  TxnHarness h;
  h.MustPutOk("k", "v", 1, 2);
  kvrpcpb::PessimisticLockRequest req;
  for (const char* k : {"k", "absent"}) {
    auto* m = req.add_mutations();
    m->set_op(kvrpcpb::PessimisticLock);
    m->set_key(k);
  }
  req.set_primary_lock("k");
  req.set_start_version(10);
  req.set_for_update_ts(10);
  req.set_return_values(true);
  req.set_lock_only_if_exists(true);
  kvrpcpb::PessimisticLockResponse resp;
  ASSERT_FALSE(KvPessimisticLock(h.scope(), req, &resp).has_value());
  ASSERT_EQ(resp.values_size(), 2);
  EXPECT_EQ(resp.values(0), "v");
  EXPECT_FALSE(resp.not_founds(0));
  EXPECT_TRUE(resp.not_founds(1));
  EXPECT_NE(h.mvcc().GetLock("k"), nullptr);
  EXPECT_EQ(h.mvcc().GetLock("absent"), nullptr);  // lock_only_if_exists
  // A newer commit than for_update_ts: PessimisticRetry conflict.
  h.MustPutOk("z", "1", 20, 30);
  kvrpcpb::PessimisticLockRequest late;
  auto* m = late.add_mutations();
  m->set_op(kvrpcpb::PessimisticLock);
  m->set_key("z");
  late.set_primary_lock("z");
  late.set_start_version(25);
  late.set_for_update_ts(25);
  resp.Clear();
  KvPessimisticLock(h.scope(), late, &resp);
  EXPECT_EQ(resp.errors(0).conflict().reason(), kvrpcpb::WriteConflict::PessimisticRetry);
  // Rolled back on this key already: "pessimistic lock rolled back".
  EXPECT_FALSE(h.Rollback({"y"}, 40).has_error());
  late.mutable_mutations(0)->set_key("y");
  late.set_start_version(40);
  late.set_for_update_ts(40);
  resp.Clear();
  KvPessimisticLock(h.scope(), late, &resp);
  EXPECT_NE(resp.errors(0).abort().find("rolled back"), std::string::npos);
}

TEST(TxnRulesTest, ForceLockTakesLockWithConflict) {
  TxnHarness h;
  h.MustPutOk("k", "v", 20, 30);
  kvrpcpb::PessimisticLockRequest req;
  auto* m = req.add_mutations();
  m->set_op(kvrpcpb::PessimisticLock);
  m->set_key("k");
  req.set_primary_lock("k");
  req.set_start_version(25);
  req.set_for_update_ts(25);
  req.set_wake_up_mode(kvrpcpb::WakeUpModeForceLock);
  kvrpcpb::PessimisticLockResponse resp;
  ASSERT_FALSE(KvPessimisticLock(h.scope(), req, &resp).has_value());
  ASSERT_EQ(resp.results_size(), 1);
  EXPECT_EQ(resp.results(0).type(), kvrpcpb::LockResultLockedWithConflict);
  EXPECT_EQ(resp.results(0).locked_with_conflict_ts(), 30u);
  EXPECT_EQ(resp.results(0).value(), "v");
  EXPECT_EQ(h.mvcc().GetLock("k")->for_update_ts, 30u);
}

TEST(TxnRulesTest, FlushGenerationsAndBufferBatchGet) {
  TxnHarness h;
  auto flush = [&](uint64_t gen, const std::string& value) {
    kvrpcpb::FlushRequest req;
    *req.add_mutations() = TxnHarness::Puts({"k", value})[0];
    req.set_primary_key("k");
    req.set_start_ts(10);
    req.set_generation(gen);
    req.set_lock_ttl(100);
    kvrpcpb::FlushResponse resp;
    KvFlush(h.scope(), req, &resp);
    return resp;
  };
  EXPECT_EQ(flush(1, "a").errors_size(), 0);
  EXPECT_EQ(flush(2, "b").errors_size(), 0);
  EXPECT_EQ(flush(1, "stale").errors_size(), 0);  // a smaller generation is ignored
  kvrpcpb::BufferBatchGetRequest get;
  get.add_keys("k");
  get.set_version(10);
  kvrpcpb::BufferBatchGetResponse got;
  KvBufferBatchGet(h.scope(), get, &got);
  ASSERT_EQ(got.pairs_size(), 1);
  EXPECT_EQ(got.pairs(0).value(), "b");
  // Rolling back a pipelined lock writes a protected rollback even on a secondary.
  EXPECT_FALSE(h.Rollback({"k"}, 10).has_error());
  EXPECT_TRUE(h.mvcc().GetWrites("k")->at(10).protected_rollback);
}

}  // namespace
}  // namespace tikv::sim::testing
