// Ports of client-go internal/mockstore/mocktikv/mock_tikv_test.go to the simulated MVCC
// handlers. Where mocktikv diverges from TiKV (protocol.md 5.11), the TiKV rule wins and the
// test says so.

#include <cstdint>
#include <string>

#include "gtest/gtest.h"
#include "tests/sim_kv/txn_harness.h"

namespace tikv::sim::testing {
namespace {

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestGet.
TEST(MocktikvPortTest, Get) {
  TxnHarness h;
  h.MustGetNone("x", 10);
  h.MustPutOk("x", "x", 5, 10);
  h.MustGetNone("x", 9);
  h.MustGetOk("x", 10, "x");
  h.MustGetOk("x", 11, "x");
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestGetWithLock.
TEST(MocktikvPortTest, GetWithLock) {
  TxnHarness h;
  h.MustPutOk("key", "value", 5, 10);
  kvrpcpb::Mutation lock_only;
  lock_only.set_op(kvrpcpb::Lock);
  lock_only.set_key("key");
  h.MustPrewriteOk({lock_only}, "key", 20);
  h.MustGetOk("key", 25, "value");  // a Lock-type lock never blocks reads
  h.MustCommitOk({"key"}, 20, 30);

  h.MustPrewriteOk(TxnHarness::Puts({"key", "value2", "key2", "v5"}), "key", 40);
  h.MustGetErr("key", 41);
  h.MustGetErr("key2", UINT64_MAX);       // a secondary blocks even the latest read
  h.MustGetOk("key", UINT64_MAX, "value");  // the u64::MAX primary exception
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestDelete.
TEST(MocktikvPortTest, Delete) {
  TxnHarness h;
  h.MustPutOk("x", "x5-10", 5, 10);
  h.MustDeleteOk("x", 15, 20);
  h.MustGetNone("x", 5);
  h.MustGetNone("x", 9);
  h.MustGetOk("x", 10, "x5-10");
  h.MustGetOk("x", 19, "x5-10");
  h.MustGetNone("x", 20);
  h.MustGetNone("x", 21);
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestCleanupRollback.
TEST(MocktikvPortTest, CleanupRollback) {
  TxnHarness h;
  h.MustPutOk("secondary", "s-0", 1, 2);
  h.MustPrewriteOk(TxnHarness::Puts({"primary", "p-5", "secondary", "s-5"}), "primary", 5);
  h.MustGetErr("secondary", 8);
  h.MustGetErr("secondary", 12);
  h.MustCommitOk({"primary"}, 5, 10);
  auto resp = h.Rollback({"primary"}, 5);
  ASSERT_TRUE(resp.has_error());
  EXPECT_FALSE(resp.error().abort().empty());  // "already committed" travels as abort
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestReverseScan.
TEST(MocktikvPortTest, ReverseScan) {
  TxnHarness h;
  h.MustPutOk("A", "A10", 5, 10);
  h.MustPutOk("C", "C10", 5, 10);
  h.MustPutOk("E", "E10", 5, 10);
  EXPECT_EQ(h.Scan("Z", "", 1, 10, true), Kvs({"E", "E10"}));
  EXPECT_EQ(h.Scan("Z", "", 3, 10, true), Kvs({"E", "E10", "C", "C10", "A", "A10"}));
  EXPECT_EQ(h.Scan(std::string("C\0", 2), "", 3, 10, true), Kvs({"C", "C10", "A", "A10"}));
  EXPECT_EQ(h.Scan("B", "", 1, 10, true), Kvs({"A", "A10"}));
  EXPECT_EQ(h.Scan("C", std::string("A\0", 2), 5, 10, true), Kvs({}));
  h.MustPutOk("B", "B20", 15, 20);
  h.MustPutOk("D", "D20", 15, 20);
  EXPECT_EQ(h.Scan("D", "B", 5, 20, true), Kvs({"C", "C10", "B", "B20"}));
  EXPECT_EQ(h.Scan(std::string("D\0", 2), std::string("B\0", 2), 5, 20, true),
            Kvs({"D", "D20", "C", "C10"}));
  h.MustDeleteOk("A", 25, 30);
  h.MustDeleteOk("D", 25, 30);
  EXPECT_EQ(h.Scan("Z", "", 5, 30, true), Kvs({"E", "E10", "C", "C10", "B", "B20"}));
  EXPECT_EQ(h.Scan("C", "", 1, 30, true), Kvs({"B", "B20"}));
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestScan.
TEST(MocktikvPortTest, Scan) {
  TxnHarness h;
  h.MustPutOk("A", "A10", 5, 10);
  h.MustPutOk("C", "C10", 5, 10);
  h.MustPutOk("E", "E10", 5, 10);
  EXPECT_EQ(h.Scan("", "", 1, 10), Kvs({"A", "A10"}));
  EXPECT_EQ(h.Scan("", "", 4, 10), Kvs({"A", "A10", "C", "C10", "E", "E10"}));
  EXPECT_EQ(h.Scan(std::string("A\0", 2), "", 3, 10), Kvs({"C", "C10", "E", "E10"}));
  EXPECT_EQ(h.Scan("F", "", 1, 10), Kvs({}));
  EXPECT_EQ(h.Scan("", "E", 5, 10), Kvs({"A", "A10", "C", "C10"}));
  EXPECT_EQ(h.Scan(std::string("A\0", 2), "C", 5, 10), Kvs({}));
  h.MustPutOk("B", "B20", 15, 20);
  h.MustPutOk("D", "D20", 15, 20);
  EXPECT_EQ(h.Scan("", "", 5, 20),
            Kvs({"A", "A10", "B", "B20", "C", "C10", "D", "D20", "E", "E10"}));
  EXPECT_EQ(h.Scan("B", std::string("D\0", 2), 5, 20), Kvs({"B", "B20", "C", "C10", "D", "D20"}));
  h.MustDeleteOk("A", 25, 30);
  h.MustDeleteOk("D", 25, 30);
  EXPECT_EQ(h.Scan("", "", 5, 30), Kvs({"B", "B20", "C", "C10", "E", "E10"}));
  h.MustDeleteOk("B", 35, 40);
  h.MustPutOk("C", "C40", 35, 40);
  h.MustPutOk("D", "D40", 35, 40);
  EXPECT_EQ(h.Scan("", "", 5, 100), Kvs({"C", "C40", "D", "D40", "E", "E10"}));
  EXPECT_EQ(h.Scan("", "", 5, 20),
            Kvs({"A", "A10", "B", "B20", "C", "C10", "D", "D20", "E", "E10"}));
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestBatchGet.
TEST(MocktikvPortTest, BatchGet) {
  TxnHarness h;
  h.MustPutOk("k1", "v1", 1, 2);
  h.MustPutOk("k2", "v2", 1, 2);
  h.MustPutOk("k2", "v2", 3, 4);
  h.MustPutOk("k3", "v3", 1, 2);
  kvrpcpb::BatchGetRequest req;
  for (const char* k : {"k1", "k2", "k3", "k4"}) req.add_keys(k);
  req.set_version(5);
  kvrpcpb::BatchGetResponse resp;
  KvBatchGet(h.scope(), req, &resp);
  ASSERT_EQ(resp.pairs_size(), 3);  // absent k4 is omitted
  EXPECT_EQ(resp.pairs(0).value(), "v1");
  EXPECT_EQ(resp.pairs(1).value(), "v2");
  EXPECT_EQ(resp.pairs(2).value(), "v3");
  EXPECT_EQ(h.max_ts(), 5u);  // every snapshot read raises max_ts
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestScanLock.
TEST(MocktikvPortTest, ScanLock) {
  TxnHarness h;
  h.MustPutOk("k1", "v1", 1, 2);
  h.MustPrewriteOk(TxnHarness::Puts({"p1", "v5", "s1", "v5"}), "p1", 5);
  h.MustPrewriteOk(TxnHarness::Puts({"p2", "v10", "s2", "v10"}), "p2", 10);
  h.MustPrewriteOk(TxnHarness::Puts({"p3", "v20", "s3", "v20"}), "p3", 20);
  auto locks = h.ScanLock(12, "a", "r");
  ASSERT_EQ(locks.size(), 2u);
  EXPECT_EQ(locks[0].key(), "p1");
  EXPECT_EQ(locks[1].key(), "p2");
  locks = h.ScanLock(10);
  ASSERT_EQ(locks.size(), 4u);
  EXPECT_EQ(locks[2].key(), "s1");
  EXPECT_EQ(locks[2].primary_lock(), "p1");
  EXPECT_EQ(locks[3].lock_version(), 10u);
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestScanWithResolvedLock.
TEST(MocktikvPortTest, ScanWithResolvedLock) {
  TxnHarness h;
  h.MustPrewriteOk(TxnHarness::Puts({"p1", "v5", "s1", "v5"}), "p1", 5);
  h.MustPrewriteOk(TxnHarness::Puts({"p2", "v10", "s2", "v10"}), "p1", 5);
  kvrpcpb::ScanRequest req;
  req.set_start_key("p1");
  req.set_limit(3);
  req.set_version(10);
  kvrpcpb::ScanResponse resp;
  KvScan(h.scope(), req, &resp);
  ASSERT_EQ(resp.pairs_size(), 3);
  EXPECT_TRUE(resp.pairs(0).error().has_locked());
  EXPECT_TRUE(resp.pairs(1).error().has_locked());
  req.mutable_context()->add_resolved_locks(5);
  resp.Clear();
  KvScan(h.scope(), req, &resp);
  for (const auto& p : resp.pairs()) EXPECT_FALSE(p.has_error());
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestCommitConflict.
TEST(MocktikvPortTest, CommitConflict) {
  TxnHarness h;
  h.MustPrewriteOk(TxnHarness::Puts({"x", "A"}), "x", 5);
  auto resp = h.Prewrite(TxnHarness::Puts({"x", "B"}), "x", 10);
  ASSERT_EQ(resp.errors_size(), 1);
  EXPECT_TRUE(resp.errors(0).has_locked());
  EXPECT_FALSE(h.Rollback({"x"}, 5).has_error());
  auto c = h.Commit({"x"}, 5, 10);
  ASSERT_TRUE(c.error().has_txn_lock_not_found());
  EXPECT_FALSE(c.error().retryable().empty());  // paired for older clients
  h.MustPrewriteOk(TxnHarness::Puts({"x", "B"}), "x", 10);
  h.MustCommitErr({"x"}, 5, 20);
  h.MustCommitOk({"x"}, 10, 20);
  h.MustCommitOk({"x"}, 10, 20);  // duplicate commit succeeds
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestResolveLock.
TEST(MocktikvPortTest, ResolveLock) {
  TxnHarness h;
  h.MustPrewriteOk(TxnHarness::Puts({"p1", "v5", "s1", "v5"}), "p1", 5);
  h.MustPrewriteOk(TxnHarness::Puts({"p2", "v10", "s2", "v10"}), "p2", 10);
  EXPECT_FALSE(h.ResolveLock(5, 0).has_error());
  EXPECT_FALSE(h.ResolveLock(10, 20).has_error());
  h.MustGetNone("p1", 20);
  h.MustGetNone("s1", 30);
  h.MustGetOk("p2", 20, "v10");
  h.MustGetOk("s2", 30, "v10");
  EXPECT_TRUE(h.ScanLock(30).empty());
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestBatchResolveLock.
TEST(MocktikvPortTest, BatchResolveLock) {
  TxnHarness h;
  h.MustPrewriteOk(TxnHarness::Puts({"p1", "v11", "s1", "v11"}), "p1", 11);
  h.MustPrewriteOk(TxnHarness::Puts({"p2", "v12", "s2", "v12"}), "p2", 12);
  h.MustPrewriteOk(TxnHarness::Puts({"p3", "v13"}), "p3", 13);
  h.MustPrewriteOk(TxnHarness::Puts({"p4", "v14", "s3", "v14", "s4", "v14"}), "p4", 14);
  h.MustPrewriteOk(TxnHarness::Puts({"p5", "v15", "s5", "v15"}), "p5", 15);
  kvrpcpb::ResolveLockRequest req;
  for (auto [txn, status] : {std::pair<uint64_t, uint64_t>{11, 0}, {12, 22}, {13, 0}, {14, 24}}) {
    auto* info = req.add_txn_infos();
    info->set_txn(txn);
    info->set_status(status);
  }
  kvrpcpb::ResolveLockResponse resp;
  KvResolveLock(h.scope(), req, &resp);
  ASSERT_FALSE(resp.has_error());
  h.MustGetNone("p1", 20);
  h.MustGetNone("p3", 30);
  h.MustGetOk("p2", 30, "v12");
  h.MustGetOk("s4", 30, "v14");
  auto locks = h.ScanLock(30);
  ASSERT_EQ(locks.size(), 2u);
  EXPECT_EQ(locks[0].key(), "p5");
  EXPECT_EQ(locks[1].key(), "s5");
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestGC.
TEST(MocktikvPortTest, Gc) {
  TxnHarness h;
  h.MustPutOk("k1", "v1", 1, 2);
  h.MustPutOk("k1", "v2", 11, 12);
  h.MustPutOk("k2", "v1", 1, 2);
  h.MustPutOk("k2", "v2", 11, 12);
  h.MustPutOk("k2", "v3", 101, 102);
  h.MustPutOk("k3", "v1", 1, 2);
  h.MustPutOk("k3", "v2", 11, 12);
  h.MustDeleteOk("k3", 101, 102);
  h.MustPutOk("k4", "v1", 1, 2);
  h.MustDeleteOk("k4", 11, 12);
  h.mvcc().Gc(100);
  h.MustGetNone("k1", 5);
  h.MustGetOk("k1", 15, "v2");
  h.MustGetNone("k2", 5);
  h.MustGetOk("k2", 105, "v3");
  h.MustGetNone("k3", 5);
  h.MustGetOk("k3", 15, "v2");
  h.MustGetNone("k3", 105);
  h.MustGetNone("k4", 5);
  h.MustGetNone("k4", 105);
  EXPECT_EQ(h.mvcc().GetWrites("k4"), nullptr);  // the Delete and everything older dropped
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestRollbackAndWriteConflict.
TEST(MocktikvPortTest, RollbackAndWriteConflict) {
  TxnHarness h;
  h.MustPutOk("test", "test", 1, 3);
  auto resp = h.Prewrite(TxnHarness::Puts({"lock", "lock", "test", "test1"}), "test", 2, 2);
  ASSERT_EQ(resp.errors_size(), 1);
  EXPECT_EQ(resp.errors(0).conflict().reason(), kvrpcpb::WriteConflict::Optimistic);
  EXPECT_FALSE(resp.errors(0).retryable().empty());
  EXPECT_EQ(h.mvcc().GetLock("lock"), nullptr);  // all-or-nothing
  h.MustPutOk("test", "test2", 5, 8);
  kvrpcpb::CleanupRequest cleanup;
  cleanup.set_key("test");
  cleanup.set_start_version(2);
  cleanup.set_current_ts(UINT64_MAX);
  kvrpcpb::CleanupResponse cresp;
  KvCleanup(h.scope(), cleanup, &cresp);
  EXPECT_FALSE(cresp.has_error());
  resp = h.Prewrite(TxnHarness::Puts({"test", "test3"}), "test", 6, 1);
  ASSERT_EQ(resp.errors_size(), 1);
  EXPECT_TRUE(resp.errors(0).has_conflict());
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestDeleteRange.
TEST(MocktikvPortTest, DeleteRange) {
  TxnHarness h;
  for (int i = 1; i <= 5; ++i) {
    std::string key(1, static_cast<char>('0' + i));
    h.MustPutOk(key, "v" + key, 1 + 2 * i, 2 + 2 * i);
  }
  auto del = [&](const std::string& s, const std::string& e) {
    kvrpcpb::DeleteRangeRequest req;
    req.set_start_key(s);
    req.set_end_key(e);
    kvrpcpb::DeleteRangeResponse resp;
    KvDeleteRange(h.scope(), req, &resp);
  };
  del("2", "4");
  EXPECT_EQ(h.Scan("0", "", 10, 30), Kvs({"1", "v1", "4", "v4", "5", "v5"}));
  del("5", "5");
  EXPECT_EQ(h.Scan("0", "", 10, 40), Kvs({"1", "v1", "4", "v4", "5", "v5"}));
  del(std::string("4\0", 2), std::string("5\0", 2));
  EXPECT_EQ(h.Scan("0", "", 10, 60), Kvs({"1", "v1", "4", "v4"}));
  del("0", "9");
  EXPECT_EQ(h.Scan("0", "", 10, 70), Kvs({}));
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestRC.
TEST(MocktikvPortTest, ReadCommitted) {
  TxnHarness h;
  h.MustPutOk("key", "v1", 5, 10);
  h.MustPrewriteOk(TxnHarness::Puts({"key", "v2"}), "key", 15);
  h.MustGetErr("key", 20);
  h.MustGetOk("key", 12, "v1", kvrpcpb::RC);
  h.MustGetOk("key", 20, "v1", kvrpcpb::RC);
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestCheckTxnStatus.
TEST(MocktikvPortTest, CheckTxnStatus) {
  TxnHarness h;
  const uint64_t start_ts = 5ull << 18;
  h.MustPrewriteOk(TxnHarness::Puts({"pk", "val"}), "pk", start_ts, 666);
  auto r = h.CheckTxnStatus("pk", start_ts, start_ts + 100, 666, false);
  EXPECT_EQ(r.lock_ttl(), 666u);
  EXPECT_EQ(r.commit_version(), 0u);
  EXPECT_EQ(r.action(), kvrpcpb::MinCommitTSPushed);
  r = h.CheckTxnStatus("pk", start_ts, UINT64_MAX, 666, false);
  EXPECT_EQ(r.lock_ttl(), 666u);
  EXPECT_EQ(r.action(), kvrpcpb::MinCommitTSPushed);
  h.MustCommitOk({"pk"}, start_ts, start_ts + 101);
  r = h.CheckTxnStatus("pk", start_ts, 0, 666, false);
  EXPECT_EQ(r.lock_ttl(), 0u);
  EXPECT_EQ(r.commit_version(), start_ts + 101);

  h.MustPrewriteOk(TxnHarness::Puts({"pk1", "val"}), "pk1", start_ts, 666);
  EXPECT_FALSE(h.Rollback({"pk1"}, start_ts).has_error());
  r = h.CheckTxnStatus("pk1", start_ts, 0, 666, false);
  EXPECT_EQ(r.lock_ttl(), 0u);
  EXPECT_EQ(r.commit_version(), 0u);
  EXPECT_EQ(r.action(), kvrpcpb::NoAction);

  h.MustPrewriteOk(TxnHarness::Puts({"pk2", "val"}), "pk2", start_ts, 666);
  r = h.CheckTxnStatus("pk2", start_ts, 0, 777ull << 18, false);
  EXPECT_EQ(r.action(), kvrpcpb::TTLExpireRollback);

  r = h.CheckTxnStatus("txnNotFound", 5, 0, 666, false);
  ASSERT_TRUE(r.error().has_txn_not_found());
  EXPECT_EQ(r.error().txn_not_found().start_ts(), 5u);
  EXPECT_EQ(r.error().txn_not_found().primary_key(), "txnNotFound");
  r = h.CheckTxnStatus("txnNotFound", 5, 0, 666, true);
  EXPECT_FALSE(r.has_error());
  EXPECT_EQ(r.action(), kvrpcpb::LockNotExistRollback);
  // The rollback record blocks a prewrite with a smaller start_ts.
  auto p = h.Prewrite(TxnHarness::Puts({"txnNotFound", "val"}), "txnNotFound", 4);
  EXPECT_EQ(p.errors_size(), 1);
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestRejectCommitTS.
TEST(MocktikvPortTest, RejectCommitTs) {
  TxnHarness h;
  h.MustPrewriteOk(TxnHarness::Puts({"x", "A"}), "x", 5);
  h.CheckTxnStatus("x", 5, 100, 100, false);
  auto c = h.Commit({"x"}, 5, 10);
  ASSERT_TRUE(c.error().has_commit_ts_expired());
  EXPECT_EQ(c.error().commit_ts_expired().min_commit_ts(), 101u);
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestMvccGetByKey.
TEST(MocktikvPortTest, MvccGetByKey) {
  TxnHarness h;
  h.MustPrewriteOk(TxnHarness::Puts({"q1", "v5"}), "p1", 5);
  kvrpcpb::MvccGetByKeyRequest req;
  req.set_key("q1");
  kvrpcpb::MvccGetByKeyResponse resp;
  MvccGetByKey(h.scope(), req, &resp);
  EXPECT_EQ(resp.info().lock().type(), kvrpcpb::Put);
  EXPECT_EQ(resp.info().lock().start_ts(), 5u);
  EXPECT_EQ(resp.info().lock().primary(), "p1");
  EXPECT_EQ(resp.info().lock().short_value(), "v5");
}

// Ports client-go internal/mockstore/mocktikv/mock_tikv_test.go TestTxnHeartBeat.
TEST(MocktikvPortTest, TxnHeartBeat) {
  TxnHarness h;
  h.MustPrewriteOk(TxnHarness::Puts({"pk", "val"}), "pk", 5, 666);
  auto beat = [&](uint64_t ttl) {
    kvrpcpb::TxnHeartBeatRequest req;
    req.set_primary_lock("pk");
    req.set_start_version(5);
    req.set_advise_lock_ttl(ttl);
    kvrpcpb::TxnHeartBeatResponse resp;
    KvTxnHeartBeat(h.scope(), req, &resp);
    return resp;
  };
  EXPECT_EQ(beat(888).lock_ttl(), 888u);
  EXPECT_EQ(beat(300).lock_ttl(), 888u);  // never shrinks
  kvrpcpb::CleanupRequest cleanup;
  cleanup.set_key("pk");
  cleanup.set_start_version(5);
  cleanup.set_current_ts(UINT64_MAX);
  kvrpcpb::CleanupResponse cresp;
  KvCleanup(h.scope(), cleanup, &cresp);
  EXPECT_TRUE(beat(1000).error().has_txn_not_found());
}

}  // namespace
}  // namespace tikv::sim::testing
