// KvPessimisticLock of sim/kv/txn_commands.h (protocol.md 3.10; TiKV
// src/storage/txn/actions/acquire_pessimistic_lock.rs). Waiting is not done here: a request that
// meets a foreign lock is reported back to the caller, which parks it (sim/kv/lock_wait.h).

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/kv/key_errors.h"
#include "sim/kv/txn_commands.h"

namespace tikv::sim {
namespace {

bool ForceLock(const kvrpcpb::PessimisticLockRequest& req) {
  return req.wake_up_mode() == kvrpcpb::WakeUpModeForceLock;
}

// The per-key outcome collected before the response is shaped.
struct KeyOutcome {
  bool exists = false;
  std::string value;
  uint64_t locked_with_conflict_ts = 0;
};

}  // namespace

void AnswerKeyError(const kvrpcpb::PessimisticLockRequest& req, kvrpcpb::KeyError error,
                    kvrpcpb::PessimisticLockResponse* resp) {
  resp->clear_values();
  resp->clear_not_founds();
  resp->clear_results();
  resp->clear_errors();
  *resp->add_errors() = std::move(error);
  if (ForceLock(req)) resp->add_results()->set_type(kvrpcpb::LockResultFailed);
}

void AnswerLockWaitTimeout(const kvrpcpb::PessimisticLockRequest& req, std::string_view key,
                           const Lock& holder, uint64_t waited_ms,
                           kvrpcpb::PessimisticLockResponse* resp) {
  kvrpcpb::KeyError err = LockedError(key, holder);
  err.mutable_locked()->set_duration_to_last_update_ms(waited_ms);
  AnswerKeyError(req, std::move(err), resp);
}

void AnswerLockWaitWakeUp(const kvrpcpb::PessimisticLockRequest& req, std::string_view key,
                          uint64_t holder_start_ts, uint64_t holder_commit_ts,
                          kvrpcpb::PessimisticLockResponse* resp) {
  AnswerKeyError(req,
                 WriteConflictError(req.start_version(), holder_start_ts, holder_commit_ts, key,
                                    req.primary_lock(), kvrpcpb::WriteConflict::PessimisticRetry),
                 resp);
}

std::optional<LockWaitNeeded> KvPessimisticLock(TxnScope& scope,
                                                const kvrpcpb::PessimisticLockRequest& req,
                                                kvrpcpb::PessimisticLockResponse* resp) {
  MvccStore& mvcc = *scope.mvcc;
  const bool force = ForceLock(req);
  if (force && req.mutations_size() != 1) {
    AnswerKeyError(req, AbortError("force-lock mode allows exactly one key"), resp);
    return std::nullopt;
  }
  if (req.lock_only_if_exists() && !req.return_values()) {
    AnswerKeyError(req, AbortError("lock_only_if_exists requires return_values"), resp);
    return std::nullopt;
  }
  const uint64_t start_ts = req.start_version();
  std::vector<KeyOutcome> outcomes;
  std::optional<kvrpcpb::KeyError> error;
  std::optional<LockWaitNeeded> wait;

  mvcc.BeginUndo();
  for (const kvrpcpb::Mutation& m : req.mutations()) {
    const std::string& key = m.key();
    const bool must_not_exist = m.assertion() == kvrpcpb::NotExist;
    uint64_t for_update_ts = req.for_update_ts();
    if (req.return_values() || req.check_existence() || must_not_exist) {
      RaiseMaxTs(scope, for_update_ts);
    }
    KeyOutcome out;
    auto latest = [&]() {
      if (auto data = mvcc.LatestData(key, UINT64_MAX);
          data && data->second.type == WriteType::kPut) {
        out.exists = true;
        out.value = data->second.value;
        return data->first;
      }
      return uint64_t{0};
    };
    const Lock* lock = mvcc.GetLock(key);
    if (lock != nullptr && lock->ts != start_ts) {
      if (req.wait_timeout() < 0) {
        error = LockedError(key, *lock);
      } else {
        wait = LockWaitNeeded{key, *lock};
      }
      break;
    }
    if (lock != nullptr) {
      if (lock->type != LockType::kPessimistic) {
        error = AbortError(absl::StrCat("lock type mismatch: start_ts=", start_ts, " key=", KeyText(key)));
        break;
      }
      if (force && for_update_ts < lock->for_update_ts) {
        out.locked_with_conflict_ts = lock->for_update_ts;
      }
      const uint64_t data_ts = latest();
      if (must_not_exist && out.exists) {
        error = data_ts > for_update_ts
                    ? WriteConflictError(start_ts, 0, data_ts, key, req.primary_lock(),
                                         kvrpcpb::WriteConflict::PessimisticRetry)
                    : AlreadyExistError(key);
        break;
      }
      if (for_update_ts > lock->for_update_ts) {
        Lock updated = *lock;
        updated.for_update_ts = for_update_ts;
        updated.ttl = std::max(updated.ttl, req.lock_ttl());
        mvcc.PutLock(key, std::move(updated));
      }
      outcomes.push_back(std::move(out));
      continue;
    }
    bool locked_with_conflict = false;
    if (auto newest = mvcc.SeekWrite(key, UINT64_MAX)) {
      if (newest->first > for_update_ts) {
        if (!force) {
          error = WriteConflictError(start_ts, newest->second.start_ts, newest->first, key,
                                     req.primary_lock(), kvrpcpb::WriteConflict::PessimisticRetry);
          break;
        }
        // Fair locking: take the lock anyway, at the newer commit's TS.
        locked_with_conflict = true;
        out.locked_with_conflict_ts = newest->first;
        for_update_ts = newest->first;
      }
      if (const MvccStore::WriteMap* writes = mvcc.GetWrites(key)) {
        if (auto it = writes->find(start_ts);
            it != writes->end() &&
            ((it->second.type == WriteType::kRollback && it->second.start_ts == start_ts) ||
             it->second.has_overlapped_rollback)) {
          error = AbortError(absl::StrCat("pessimistic lock rolled back: start_ts=", start_ts,
                                          " key=", KeyText(key)));
          break;
        }
      }
    }
    latest();
    if (must_not_exist && out.exists) {
      error = locked_with_conflict
                  ? WriteConflictError(start_ts, 0, out.locked_with_conflict_ts, key,
                                       req.primary_lock(), kvrpcpb::WriteConflict::PessimisticRetry)
                  : AlreadyExistError(key);
      break;
    }
    if (!(req.lock_only_if_exists() && !out.exists)) {
      Lock nl;
      nl.type = LockType::kPessimistic;
      nl.primary = req.primary_lock();
      nl.ts = start_ts;
      nl.ttl = req.lock_ttl();
      nl.for_update_ts = for_update_ts;
      nl.min_commit_ts = req.min_commit_ts();
      nl.is_locked_with_conflict = locked_with_conflict;
      mvcc.PutLock(key, std::move(nl));
    }
    outcomes.push_back(std::move(out));
  }

  if (error || wait) {
    mvcc.Undo();
    if (error) AnswerKeyError(req, std::move(*error), resp);
    return wait;
  }
  mvcc.CommitUndo();
  for (const KeyOutcome& out : outcomes) {
    if (force) {
      kvrpcpb::PessimisticLockKeyResult* r = resp->add_results();
      r->set_type(out.locked_with_conflict_ts != 0 ? kvrpcpb::LockResultLockedWithConflict
                                                   : kvrpcpb::LockResultNormal);
      r->set_value(out.value);
      r->set_existence(out.exists);
      r->set_locked_with_conflict_ts(out.locked_with_conflict_ts);
      continue;
    }
    if (req.return_values()) resp->add_values(out.value);
    if (req.return_values() || req.check_existence()) resp->add_not_founds(!out.exists);
  }
  return std::nullopt;
}

}  // namespace tikv::sim
