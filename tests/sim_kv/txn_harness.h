// Test helpers for the simulated MVCC commands: a single-region TxnScope over a fresh MvccStore
// and the must* helpers of client-go's internal/mockstore/mocktikv/mock_tikv_test.go, written
// against the RPC-shaped handlers.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "kvrpcpb.pb.h"
#include "sim/kv/txn_commands.h"

namespace tikv::sim::testing {

class TxnHarness {
 public:
  TxnHarness() { scope_.mvcc = &mvcc_; scope_.max_ts = &max_ts_; }

  TxnScope& scope() { return scope_; }
  MvccStore& mvcc() { return mvcc_; }
  uint64_t max_ts() const { return max_ts_; }

  static std::vector<kvrpcpb::Mutation> Puts(std::initializer_list<std::string> kv) {
    std::vector<kvrpcpb::Mutation> out;
    for (auto it = kv.begin(); it != kv.end(); it += 2) {
      kvrpcpb::Mutation m;
      m.set_op(kvrpcpb::Put);
      m.set_key(*it);
      m.set_value(*(it + 1));
      out.push_back(m);
    }
    return out;
  }

  kvrpcpb::PrewriteResponse Prewrite(const std::vector<kvrpcpb::Mutation>& muts,
                                     const std::string& primary, uint64_t start_ts,
                                     uint64_t ttl = 3000) {
    kvrpcpb::PrewriteRequest req;
    for (const auto& m : muts) *req.add_mutations() = m;
    req.set_primary_lock(primary);
    req.set_start_version(start_ts);
    req.set_lock_ttl(ttl);
    req.set_min_commit_ts(start_ts + 1);
    return Prewrite(req);
  }
  kvrpcpb::PrewriteResponse Prewrite(const kvrpcpb::PrewriteRequest& req) {
    kvrpcpb::PrewriteResponse resp;
    KvPrewrite(scope_, req, &resp);
    Check();
    return resp;
  }
  void MustPrewriteOk(const std::vector<kvrpcpb::Mutation>& muts, const std::string& primary,
                      uint64_t start_ts, uint64_t ttl = 3000) {
    auto resp = Prewrite(muts, primary, start_ts, ttl);
    ASSERT_EQ(resp.errors_size(), 0) << resp.DebugString();
  }

  kvrpcpb::CommitResponse Commit(const std::vector<std::string>& keys, uint64_t start_ts,
                                 uint64_t commit_ts) {
    kvrpcpb::CommitRequest req;
    for (const auto& k : keys) req.add_keys(k);
    req.set_start_version(start_ts);
    req.set_commit_version(commit_ts);
    kvrpcpb::CommitResponse resp;
    KvCommit(scope_, req, &resp);
    Check();
    return resp;
  }
  void MustCommitOk(const std::vector<std::string>& keys, uint64_t s, uint64_t c) {
    auto resp = Commit(keys, s, c);
    ASSERT_FALSE(resp.has_error()) << resp.DebugString();
  }
  void MustCommitErr(const std::vector<std::string>& keys, uint64_t s, uint64_t c) {
    ASSERT_TRUE(Commit(keys, s, c).has_error());
  }

  kvrpcpb::BatchRollbackResponse Rollback(const std::vector<std::string>& keys, uint64_t s) {
    kvrpcpb::BatchRollbackRequest req;
    for (const auto& k : keys) req.add_keys(k);
    req.set_start_version(s);
    kvrpcpb::BatchRollbackResponse resp;
    KvBatchRollback(scope_, req, &resp);
    Check();
    return resp;
  }

  void MustPutOk(const std::string& key, const std::string& value, uint64_t s, uint64_t c) {
    MustPrewriteOk(Puts({key, value}), key, s);
    MustCommitOk({key}, s, c);
  }
  void MustDeleteOk(const std::string& key, uint64_t s, uint64_t c) {
    kvrpcpb::Mutation m;
    m.set_op(kvrpcpb::Del);
    m.set_key(key);
    MustPrewriteOk({m}, key, s);
    MustCommitOk({key}, s, c);
  }

  kvrpcpb::GetResponse Get(const std::string& key, uint64_t ts,
                           kvrpcpb::IsolationLevel iso = kvrpcpb::SI) {
    kvrpcpb::GetRequest req;
    req.set_key(key);
    req.set_version(ts);
    req.mutable_context()->set_isolation_level(iso);
    kvrpcpb::GetResponse resp;
    KvGet(scope_, req, &resp);
    return resp;
  }
  void MustGetNone(const std::string& key, uint64_t ts) {
    auto r = Get(key, ts);
    EXPECT_FALSE(r.has_error()) << r.DebugString();
    EXPECT_TRUE(r.not_found()) << key << "@" << ts << " " << r.DebugString();
  }
  void MustGetErr(const std::string& key, uint64_t ts) {
    EXPECT_TRUE(Get(key, ts).has_error()) << key << "@" << ts;
  }
  void MustGetOk(const std::string& key, uint64_t ts, const std::string& expect,
                 kvrpcpb::IsolationLevel iso = kvrpcpb::SI) {
    auto r = Get(key, ts, iso);
    EXPECT_FALSE(r.has_error()) << r.DebugString();
    EXPECT_FALSE(r.not_found()) << key << "@" << ts;
    EXPECT_EQ(r.value(), expect) << key << "@" << ts;
  }

  // Scans [start, end) (or reverse: [end, start) downwards) and returns "k=v" strings.
  std::vector<std::string> Scan(const std::string& start, const std::string& end, uint32_t limit,
                                uint64_t ts, bool reverse = false) {
    kvrpcpb::ScanRequest req;
    req.set_start_key(start);
    req.set_end_key(end);
    req.set_limit(limit);
    req.set_version(ts);
    req.set_reverse(reverse);
    kvrpcpb::ScanResponse resp;
    KvScan(scope_, req, &resp);
    std::vector<std::string> out;
    for (const auto& p : resp.pairs()) {
      out.push_back(p.has_error() ? p.key() + "=<locked>" : p.key() + "=" + p.value());
    }
    return out;
  }

  std::vector<kvrpcpb::LockInfo> ScanLock(uint64_t max_ts, const std::string& start = "",
                                          const std::string& end = "") {
    kvrpcpb::ScanLockRequest req;
    req.set_max_version(max_ts);
    req.set_start_key(start);
    req.set_end_key(end);
    kvrpcpb::ScanLockResponse resp;
    KvScanLock(scope_, req, &resp);
    return {resp.locks().begin(), resp.locks().end()};
  }

  kvrpcpb::CheckTxnStatusResponse CheckTxnStatus(const std::string& primary, uint64_t lock_ts,
                                                 uint64_t caller_start_ts, uint64_t current_ts,
                                                 bool rollback_if_not_exist,
                                                 bool resolving_pessimistic = false,
                                                 bool force_sync_commit = false) {
    kvrpcpb::CheckTxnStatusRequest req;
    req.set_primary_key(primary);
    req.set_lock_ts(lock_ts);
    req.set_caller_start_ts(caller_start_ts);
    req.set_current_ts(current_ts);
    req.set_rollback_if_not_exist(rollback_if_not_exist);
    req.set_resolving_pessimistic_lock(resolving_pessimistic);
    req.set_force_sync_commit(force_sync_commit);
    req.set_verify_is_primary(true);
    kvrpcpb::CheckTxnStatusResponse resp;
    KvCheckTxnStatus(scope_, req, &resp);
    Check();
    return resp;
  }

  kvrpcpb::ResolveLockResponse ResolveLock(uint64_t start_ts, uint64_t commit_ts,
                                           std::vector<std::string> keys = {}) {
    kvrpcpb::ResolveLockRequest req;
    req.set_start_version(start_ts);
    req.set_commit_version(commit_ts);
    for (const auto& k : keys) req.add_keys(k);
    kvrpcpb::ResolveLockResponse resp;
    KvResolveLock(scope_, req, &resp);
    Check();
    return resp;
  }

  void Check() { ASSERT_TRUE(mvcc_.CheckInvariants().ok()) << mvcc_.CheckInvariants(); }

 private:
  MvccStore mvcc_;
  uint64_t max_ts_ = 0;
  TxnScope scope_;
};

// "k=v" expectation builder.
inline std::vector<std::string> Kvs(std::initializer_list<std::string> kv) {
  std::vector<std::string> out;
  for (auto it = kv.begin(); it != kv.end(); it += 2) out.push_back(*it + "=" + *(it + 1));
  return out;
}

}  // namespace tikv::sim::testing
