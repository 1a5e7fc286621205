// Commit, rollback, cleanup and lock-resolution commands of sim/kv/txn_commands.h
// (protocol.md 3.4-3.9, 3.11; TiKV src/storage/txn/commands/{commit,rollback,cleanup,
// check_txn_status,check_secondary_locks,resolve_lock,txn_heart_beat,pessimistic_rollback}.rs).

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/kv/key_errors.h"
#include "sim/kv/txn_actions.h"
#include "sim/kv/txn_commands.h"

namespace tikv::sim {
namespace {

// Runs `body` with the dataset's undo log on: if it returns an error, every write it made is
// undone, which gives the all-or-nothing behaviour of 3.0.4.
template <typename Body>
std::optional<kvrpcpb::KeyError> AllOrNothing(MvccStore& mvcc, Body body) {
  mvcc.BeginUndo();
  std::optional<kvrpcpb::KeyError> err = body();
  if (err) {
    mvcc.Undo();
  } else {
    mvcc.CommitUndo();
  }
  return err;
}

bool InScope(const TxnScope& scope, std::string_view key) {
  return KeyInRange(key, scope.start_key, scope.end_key);
}

}  // namespace

void KvCommit(TxnScope& scope, const kvrpcpb::CommitRequest& req, kvrpcpb::CommitResponse* resp) {
  if (req.commit_version() <= req.start_version()) {
    *resp->mutable_error() = AbortError(absl::StrCat(
        "invalid transaction tso with start_ts:", req.start_version(),
        ", commit_ts:", req.commit_version()));
    return;
  }
  auto err = AllOrNothing(*scope.mvcc, [&]() -> std::optional<kvrpcpb::KeyError> {
    for (const std::string& key : req.keys()) {
      if (auto e = CommitKey(*scope.mvcc, key, req.start_version(), req.commit_version())) {
        return e;
      }
    }
    return std::nullopt;
  });
  if (err) {
    *resp->mutable_error() = std::move(*err);
    return;
  }
  resp->set_commit_version(req.commit_version());
}

void KvBatchRollback(TxnScope& scope, const kvrpcpb::BatchRollbackRequest& req,
                     kvrpcpb::BatchRollbackResponse* resp) {
  auto err = AllOrNothing(*scope.mvcc, [&]() -> std::optional<kvrpcpb::KeyError> {
    for (const std::string& key : req.keys()) {
      if (auto e = CleanupKey(*scope.mvcc, key, req.start_version(), 0, nullptr)) return e;
    }
    return std::nullopt;
  });
  if (err) *resp->mutable_error() = std::move(*err);
}

void KvCleanup(TxnScope& scope, const kvrpcpb::CleanupRequest& req,
               kvrpcpb::CleanupResponse* resp) {
  RaiseMaxTs(scope, req.current_ts());
  uint64_t committed_ts = 0;
  auto err = CleanupKey(*scope.mvcc, req.key(), req.start_version(), req.current_ts(),
                        &committed_ts);
  if (committed_ts != 0) {
    resp->set_commit_version(committed_ts);  // Cleanup answers the commit TS, not an error
    return;
  }
  if (err) *resp->mutable_error() = std::move(*err);
}

namespace {

// Case C of 3.6: no lock of this transaction at the primary; decide from the commit record.
void CheckStatusFromRecord(TxnScope& scope, const kvrpcpb::CheckTxnStatusRequest& req,
                           kvrpcpb::CheckTxnStatusResponse* resp) {
  MvccStore& mvcc = *scope.mvcc;
  const std::string& key = req.primary_key();
  const TxnCommitRecord record = mvcc.GetTxnCommitRecord(key, req.lock_ts());
  switch (record.kind) {
    case TxnCommitRecord::Kind::kCommitted:
      resp->set_commit_version(record.commit_ts);
      return;
    case TxnCommitRecord::Kind::kRolledBack:
    case TxnCommitRecord::Kind::kOverlappedRollback:
      return;
    case TxnCommitRecord::Kind::kNone:
      break;
  }
  if (!req.rollback_if_not_exist()) {
    *resp->mutable_error() = TxnNotFoundError(req.lock_ts(), key);
    return;
  }
  if (req.resolving_pessimistic_lock()) {
    resp->set_action(kvrpcpb::LockNotExistDoNothing);
    return;
  }
  // Protected, and deliberately not collapsing the previous rollback (TiKV does the same here).
  WriteRollback(mvcc, key, req.lock_ts(), /*protect=*/true, /*collapse=*/false);
  resp->set_action(kvrpcpb::LockNotExistRollback);
}

}  // namespace

void KvCheckTxnStatus(TxnScope& scope, const kvrpcpb::CheckTxnStatusRequest& req,
                      kvrpcpb::CheckTxnStatusResponse* resp) {
  RaiseMaxTs(scope, req.lock_ts());
  RaiseMaxTs(scope, req.current_ts());
  RaiseMaxTs(scope, req.caller_start_ts());
  MvccStore& mvcc = *scope.mvcc;
  const std::string& key = req.primary_key();
  const Lock* found = mvcc.GetLock(key);
  if (found == nullptr || found->ts != req.lock_ts()) {
    CheckStatusFromRecord(scope, req, resp);
    return;
  }
  Lock lock = *found;
  if (req.verify_is_primary() && lock.primary != key) {
    if (lock.type == LockType::kPessimistic && !req.resolving_pessimistic_lock()) {
      // A stale pessimistic lock on a non-primary: answer the primary's decision from this
      // key's record and release the lock.
      mvcc.DeleteLock(key);
      CheckStatusFromRecord(scope, req, resp);
      return;
    }
    *resp->mutable_error()->mutable_primary_mismatch()->mutable_lock_info() =
        MakeLockInfo(key, lock);
    return;
  }
  if (lock.use_async_commit && !req.force_sync_commit()) {
    // Async-commit locks are decided by CheckSecondaryLocks, whatever their TTL.
    resp->set_lock_ttl(lock.ttl);
    *resp->mutable_lock_info() = MakeLockInfo(key, lock);
    resp->set_action(kvrpcpb::NoAction);
    return;
  }
  if (lock.type == LockType::kPessimistic) {
    if (lock.is_locked_with_conflict) {
      const TxnCommitRecord record = mvcc.GetTxnCommitRecord(key, lock.ts);
      if (record.kind != TxnCommitRecord::Kind::kNone) {
        mvcc.DeleteLock(key);
        if (record.kind == TxnCommitRecord::Kind::kCommitted) {
          resp->set_commit_version(record.commit_ts);
        }
        return;
      }
    }
    if (LockExpired(lock, req.current_ts())) {
      if (req.resolving_pessimistic_lock()) {
        mvcc.DeleteLock(key);
        resp->set_action(kvrpcpb::TTLExpirePessimisticRollback);
      } else {
        RollbackOwnLock(mvcc, key, lock);
        resp->set_action(kvrpcpb::TTLExpireRollback);
      }
      return;
    }
  } else if (LockExpired(lock, req.current_ts())) {
    RollbackOwnLock(mvcc, key, lock);
    resp->set_action(kvrpcpb::TTLExpireRollback);
    return;
  }
  // Alive: maybe push min_commit_ts so the caller's read need not wait.
  if (lock.min_commit_ts != 0 && req.caller_start_ts() != UINT64_MAX &&
      req.caller_start_ts() >= lock.min_commit_ts) {
    lock.min_commit_ts = std::max(req.caller_start_ts() + 1, req.current_ts());
    mvcc.PutLock(key, lock);
  }
  resp->set_lock_ttl(lock.ttl);
  *resp->mutable_lock_info() = MakeLockInfo(key, lock);
  const bool pushed = req.caller_start_ts() == UINT64_MAX ||
                      (req.caller_start_ts() != 0 && lock.min_commit_ts > req.caller_start_ts());
  resp->set_action(pushed ? kvrpcpb::MinCommitTSPushed : kvrpcpb::NoAction);
}

void KvCheckSecondaryLocks(TxnScope& scope, const kvrpcpb::CheckSecondaryLocksRequest& req,
                           kvrpcpb::CheckSecondaryLocksResponse* resp) {
  RaiseMaxTs(scope, req.start_version());
  MvccStore& mvcc = *scope.mvcc;
  const uint64_t ts = req.start_version();
  std::vector<kvrpcpb::LockInfo> locks;
  for (const std::string& key : req.keys()) {
    const Lock* lock = mvcc.GetLock(key);
    if (lock != nullptr && lock->ts == ts) {
      if (lock->type == LockType::kPessimistic) {
        if (lock->is_locked_with_conflict) {
          const TxnCommitRecord record = mvcc.GetTxnCommitRecord(key, ts);
          if (record.kind == TxnCommitRecord::Kind::kCommitted) {
            mvcc.DeleteLock(key);
            resp->set_commit_ts(record.commit_ts);
            return;
          }
        }
        mvcc.DeleteLock(key);
        WriteRollback(mvcc, key, ts, /*protect=*/true, /*collapse=*/true);
        return;  // rolled back: both fields empty
      }
      locks.push_back(MakeLockInfo(key, *lock));
      continue;
    }
    const TxnCommitRecord record = mvcc.GetTxnCommitRecord(key, ts);
    switch (record.kind) {
      case TxnCommitRecord::Kind::kCommitted:
        resp->set_commit_ts(record.commit_ts);
        return;
      case TxnCommitRecord::Kind::kRolledBack:
      case TxnCommitRecord::Kind::kOverlappedRollback:
        return;
      case TxnCommitRecord::Kind::kNone:
        WriteRollback(mvcc, key, ts, /*protect=*/true, /*collapse=*/true);
        return;
    }
  }
  for (auto& l : locks) *resp->add_locks() = std::move(l);
}

void KvResolveLock(TxnScope& scope, const kvrpcpb::ResolveLockRequest& req,
                   kvrpcpb::ResolveLockResponse* resp) {
  MvccStore& mvcc = *scope.mvcc;
  // Resolves one key of transaction `start_ts` to `commit_ts` (0 = roll back).
  auto resolve = [&](const std::string& key, uint64_t start_ts,
                     uint64_t commit_ts) -> std::optional<kvrpcpb::KeyError> {
    if (commit_ts == 0) return CleanupKey(mvcc, key, start_ts, 0, nullptr);
    const Lock* lock = mvcc.GetLock(key);
    const bool pessimistic = lock != nullptr && lock->ts == start_ts &&
                             lock->type == LockType::kPessimistic;
    auto e = CommitKey(mvcc, key, start_ts, commit_ts);
    if (e && e->has_txn_lock_not_found() && pessimistic) return std::nullopt;
    return e;
  };
  std::optional<kvrpcpb::KeyError> err;
  if (req.keys_size() > 0) {
    // Lite resolution: the listed keys of one transaction.
    err = AllOrNothing(mvcc, [&]() -> std::optional<kvrpcpb::KeyError> {
      for (const std::string& key : req.keys()) {
        if (auto e = resolve(key, req.start_version(), req.commit_version())) return e;
      }
      return std::nullopt;
    });
  } else {
    std::map<uint64_t, uint64_t> status;  // start_ts -> commit_ts (0 = rollback)
    if (req.start_version() != 0) {
      status[req.start_version()] = req.commit_version();
    } else {
      for (const auto& info : req.txn_infos()) status[info.txn()] = info.status();
    }
    for (const auto& [start_ts, commit_ts] : status) {
      if (commit_ts != 0 && commit_ts <= start_ts) {
        *resp->mutable_error() = AbortError(absl::StrCat(
            "invalid transaction tso with start_ts:", start_ts, ", commit_ts:", commit_ts));
        return;
      }
    }
    auto locks = mvcc.ScanLocks(scope.start_key, scope.end_key, 0,
                                [&](const Lock& l) { return status.count(l.ts) != 0; });
    err = AllOrNothing(mvcc, [&]() -> std::optional<kvrpcpb::KeyError> {
      for (const auto& [key, lock] : locks) {
        if (auto e = resolve(key, lock.ts, status.at(lock.ts))) return e;
      }
      return std::nullopt;
    });
  }
  if (err) *resp->mutable_error() = std::move(*err);
}

void KvTxnHeartBeat(TxnScope& scope, const kvrpcpb::TxnHeartBeatRequest& req,
                    kvrpcpb::TxnHeartBeatResponse* resp) {
  MvccStore& mvcc = *scope.mvcc;
  const Lock* found = mvcc.GetLock(req.primary_lock());
  if (found == nullptr || found->ts != req.start_version()) {
    *resp->mutable_error() = TxnNotFoundError(req.start_version(), req.primary_lock());
    return;
  }
  Lock lock = *found;
  lock.ttl = std::max(lock.ttl, req.advise_lock_ttl());
  if (lock.generation > 0 && !lock.use_async_commit) {
    lock.min_commit_ts = std::max(lock.min_commit_ts, req.min_commit_ts());
  }
  mvcc.PutLock(req.primary_lock(), lock);
  resp->set_lock_ttl(lock.ttl);
}

void KvPessimisticRollback(TxnScope& scope, const kvrpcpb::PessimisticRollbackRequest& req,
                           kvrpcpb::PessimisticRollbackResponse* /*resp*/) {
  MvccStore& mvcc = *scope.mvcc;
  auto matches = [&](const Lock& l) {
    return l.ts == req.start_version() && l.type == LockType::kPessimistic &&
           l.for_update_ts <= req.for_update_ts();
  };
  if (req.keys_size() == 0) {
    for (const auto& [key, lock] : mvcc.ScanLocks(scope.start_key, scope.end_key, 0, matches)) {
      mvcc.DeleteLock(key);
    }
    return;
  }
  for (const std::string& key : req.keys()) {
    if (!InScope(scope, key)) continue;
    const Lock* lock = mvcc.GetLock(key);
    if (lock != nullptr && matches(*lock)) mvcc.DeleteLock(key);
  }
}

}  // namespace tikv::sim
