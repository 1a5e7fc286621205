#include "sim/kv/key_errors.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace tikv::sim {

kvrpcpb::Op LockTypeToOp(LockType type) {
  switch (type) {
    case LockType::kPut:
      return kvrpcpb::Put;
    case LockType::kDelete:
      return kvrpcpb::Del;
    case LockType::kLock:
      return kvrpcpb::Lock;
    case LockType::kPessimistic:
      return kvrpcpb::PessimisticLock;
  }
  return kvrpcpb::Put;
}

kvrpcpb::LockInfo MakeLockInfo(std::string_view key, const Lock& lock) {
  kvrpcpb::LockInfo info;
  info.set_primary_lock(lock.primary);
  info.set_lock_version(lock.ts);
  info.set_key(key.data(), key.size());
  info.set_lock_ttl(lock.ttl);
  info.set_txn_size(lock.txn_size);
  info.set_lock_type(LockTypeToOp(lock.type));
  info.set_lock_for_update_ts(lock.for_update_ts);
  info.set_use_async_commit(lock.use_async_commit);
  info.set_min_commit_ts(lock.min_commit_ts);
  for (const std::string& s : lock.secondaries) info.add_secondaries(s);
  return info;
}

kvrpcpb::KeyError LockedError(std::string_view key, const Lock& lock) {
  kvrpcpb::KeyError err;
  *err.mutable_locked() = MakeLockInfo(key, lock);
  return err;
}

kvrpcpb::KeyError WriteConflictError(uint64_t start_ts, uint64_t conflict_ts,
                                     uint64_t conflict_commit_ts, std::string_view key,
                                     std::string_view primary,
                                     kvrpcpb::WriteConflict::Reason reason) {
  kvrpcpb::KeyError err;
  kvrpcpb::WriteConflict* c = err.mutable_conflict();
  c->set_start_ts(start_ts);
  c->set_conflict_ts(conflict_ts);
  c->set_conflict_commit_ts(conflict_commit_ts);
  c->set_key(key.data(), key.size());
  c->set_primary(primary.data(), primary.size());
  c->set_reason(reason);
  // Older clients look only at `retryable`; client-go checks `conflict` first.
  err.set_retryable(absl::StrCat("write conflict: start_ts=", start_ts,
                                 " conflict_start_ts=", conflict_ts,
                                 " conflict_commit_ts=", conflict_commit_ts,
                                 " reason=", kvrpcpb::WriteConflict::Reason_Name(reason)));
  return err;
}

kvrpcpb::KeyError AbortError(std::string_view message) {
  kvrpcpb::KeyError err;
  err.set_abort(message.data(), message.size());
  return err;
}

kvrpcpb::KeyError TxnNotFoundError(uint64_t start_ts, std::string_view primary) {
  kvrpcpb::KeyError err;
  err.mutable_txn_not_found()->set_start_ts(start_ts);
  err.mutable_txn_not_found()->set_primary_key(primary.data(), primary.size());
  return err;
}

kvrpcpb::KeyError TxnLockNotFoundError(uint64_t start_ts, uint64_t commit_ts,
                                       std::string_view key) {
  kvrpcpb::KeyError err;
  err.mutable_txn_lock_not_found()->set_key(key.data(), key.size());
  err.set_retryable(absl::StrCat("txn lock not found: start_ts=", start_ts,
                                 " commit_ts=", commit_ts));
  return err;
}

kvrpcpb::KeyError AlreadyExistError(std::string_view key) {
  kvrpcpb::KeyError err;
  err.mutable_already_exist()->set_key(key.data(), key.size());
  return err;
}

kvrpcpb::KeyError CommitTsExpiredError(uint64_t start_ts, uint64_t attempted_commit_ts,
                                       std::string_view key, uint64_t min_commit_ts) {
  kvrpcpb::KeyError err;
  kvrpcpb::CommitTsExpired* e = err.mutable_commit_ts_expired();
  e->set_start_ts(start_ts);
  e->set_attempted_commit_ts(attempted_commit_ts);
  e->set_key(key.data(), key.size());
  e->set_min_commit_ts(min_commit_ts);
  return err;
}

}  // namespace tikv::sim
