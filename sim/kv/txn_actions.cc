#include "sim/kv/txn_actions.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "sim/kv/key_errors.h"
#include "sim/util/codec.h"

namespace tikv::sim {

bool LockExpired(const Lock& lock, uint64_t current_ts) {
  return PhysicalMs(lock.ts) + lock.ttl < PhysicalMs(current_ts);
}

namespace {

// The commit_ts of the next newer Put/Delete above `commit_ts`, or 0: the gc_fence of a record
// flagged after the fact (3.1).
uint64_t NextDataCommitTs(const MvccStore& mvcc, std::string_view key, uint64_t commit_ts) {
  const MvccStore::WriteMap* writes = mvcc.GetWrites(key);
  if (writes == nullptr) return 0;
  uint64_t found = 0;
  // Newest first: remember the last (i.e. oldest) Put/Delete still above commit_ts.
  for (const auto& [ts, w] : *writes) {
    if (ts <= commit_ts) break;
    if (w.type == WriteType::kPut || w.type == WriteType::kDelete) found = ts;
  }
  return found;
}

}  // namespace

void WriteRollback(MvccStore& mvcc, std::string_view key, uint64_t start_ts, bool protect,
                   bool collapse) {
  if (protect) {
    // An async-commit lock of another transaction could still commit exactly at start_ts and
    // overwrite our rollback; leave a note on the lock so its commit carries the flag.
    if (const Lock* lock = mvcc.GetLock(key);
        lock != nullptr && lock->ts != start_ts && lock->use_async_commit &&
        lock->min_commit_ts <= start_ts) {
      Lock updated = *lock;
      if (std::find(updated.rollback_ts.begin(), updated.rollback_ts.end(), start_ts) ==
          updated.rollback_ts.end()) {
        updated.rollback_ts.push_back(start_ts);
      }
      mvcc.PutLock(key, std::move(updated));
    }
  }
  if (collapse) {
    if (auto prev = mvcc.SeekWrite(key, start_ts);
        prev && prev->second.type == WriteType::kRollback && !prev->second.protected_rollback &&
        prev->first != start_ts) {
      mvcc.DeleteWrite(key, prev->first);
    }
  }
  const MvccStore::WriteMap* writes = mvcc.GetWrites(key);
  if (writes != nullptr) {
    auto it = writes->find(start_ts);
    if (it != writes->end() && it->second.start_ts != start_ts) {
      // Another transaction committed exactly at our start_ts.
      if (protect && !it->second.has_overlapped_rollback) {
        Write flagged = it->second;
        flagged.has_overlapped_rollback = true;
        flagged.gc_fence = NextDataCommitTs(mvcc, key, start_ts);
        mvcc.PutWrite(key, start_ts, std::move(flagged));
      }
      return;
    }
  }
  Write rollback;
  rollback.type = WriteType::kRollback;
  rollback.start_ts = start_ts;
  rollback.protected_rollback = protect;
  mvcc.PutWrite(key, start_ts, std::move(rollback));
}

void RollbackOwnLock(MvccStore& mvcc, std::string_view key, const Lock& lock) {
  const bool protect = key == lock.primary || lock.generation > 0;
  const uint64_t ts = lock.ts;
  mvcc.DeleteLock(key);
  WriteRollback(mvcc, key, ts, protect, /*collapse=*/true);
}

std::optional<kvrpcpb::KeyError> CommitKey(MvccStore& mvcc, std::string_view key,
                                           uint64_t start_ts, uint64_t commit_ts) {
  const Lock* lock = mvcc.GetLock(key);
  if (lock != nullptr && lock->ts == start_ts) {
    if (commit_ts < lock->min_commit_ts) {
      return CommitTsExpiredError(start_ts, commit_ts, key, lock->min_commit_ts);
    }
    if (lock->type == LockType::kPessimistic) {
      // Never prewritten: committing only releases it.
      mvcc.DeleteLock(key);
      return std::nullopt;
    }
    Write write;
    switch (lock->type) {
      case LockType::kPut:
        write.type = WriteType::kPut;
        break;
      case LockType::kDelete:
        write.type = WriteType::kDelete;
        break;
      default:
        write.type = WriteType::kLock;
        break;
    }
    write.start_ts = start_ts;
    write.value = lock->value;
    write.has_overlapped_rollback =
        std::find(lock->rollback_ts.begin(), lock->rollback_ts.end(), commit_ts) !=
        lock->rollback_ts.end();
    mvcc.DeleteLock(key);
    mvcc.PutWrite(key, commit_ts, std::move(write));
    return std::nullopt;
  }
  const TxnCommitRecord record = mvcc.GetTxnCommitRecord(key, start_ts);
  if (record.kind == TxnCommitRecord::Kind::kCommitted) return std::nullopt;  // duplicate
  return TxnLockNotFoundError(start_ts, commit_ts, key);
}

std::optional<kvrpcpb::KeyError> CleanupKey(MvccStore& mvcc, std::string_view key,
                                            uint64_t start_ts, uint64_t current_ts,
                                            uint64_t* committed_ts) {
  const Lock* lock = mvcc.GetLock(key);
  if (lock != nullptr && lock->ts == start_ts) {
    if (current_ts != 0 && !LockExpired(*lock, current_ts)) return LockedError(key, *lock);
    Lock copy = *lock;
    RollbackOwnLock(mvcc, key, copy);
    return std::nullopt;
  }
  const TxnCommitRecord record = mvcc.GetTxnCommitRecord(key, start_ts);
  switch (record.kind) {
    case TxnCommitRecord::Kind::kCommitted:
      if (committed_ts != nullptr) *committed_ts = record.commit_ts;
      return AbortError(absl::StrCat("txn already committed: start_ts=", start_ts,
                                     " commit_ts=", record.commit_ts, " key=", KeyText(key)));
    case TxnCommitRecord::Kind::kRolledBack:
    case TxnCommitRecord::Kind::kOverlappedRollback:
      return std::nullopt;
    case TxnCommitRecord::Kind::kNone:
      WriteRollback(mvcc, key, start_ts, /*protect=*/false, /*collapse=*/true);
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace tikv::sim
