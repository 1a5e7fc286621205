// Builders for kvrpcpb.KeyError and LockInfo with TiKV's field pairing (protocol.md 3.0.4 and
// 4.3): a write conflict sets both `conflict` and `retryable`, TxnLockNotFound sets both
// `txn_lock_not_found` and `retryable`, and untyped errors become `abort` text. Client-go
// classifies errors by which field is set, so these helpers are the only place key errors are
// made. Immutable: free functions only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kvrpcpb.pb.h"
#include "sim/kv/mvcc_types.h"
#include "sim/util/codec.h"

namespace tikv::sim {

// The LockInfo TiKV reports for `lock` on `key` (user form).
kvrpcpb::LockInfo MakeLockInfo(std::string_view key, const Lock& lock);

// KeyIsLocked.
kvrpcpb::KeyError LockedError(std::string_view key, const Lock& lock);

// A write conflict with `reason`, plus the paired `retryable` text.
kvrpcpb::KeyError WriteConflictError(uint64_t start_ts, uint64_t conflict_ts,
                                     uint64_t conflict_commit_ts, std::string_view key,
                                     std::string_view primary,
                                     kvrpcpb::WriteConflict::Reason reason);

// An untyped error carried as `abort` text.
kvrpcpb::KeyError AbortError(std::string_view message);

// TxnNotFound {start_ts, primary_key}.
kvrpcpb::KeyError TxnNotFoundError(uint64_t start_ts, std::string_view primary);

// TxnLockNotFound {key} plus the paired `retryable` text.
kvrpcpb::KeyError TxnLockNotFoundError(uint64_t start_ts, uint64_t commit_ts,
                                       std::string_view key);

// AlreadyExist {key}.
kvrpcpb::KeyError AlreadyExistError(std::string_view key);

// CommitTsExpired.
kvrpcpb::KeyError CommitTsExpiredError(uint64_t start_ts, uint64_t attempted_commit_ts,
                                       std::string_view key, uint64_t min_commit_ts);

// The Op TiKV reports as LockInfo.lock_type for a lock type.
kvrpcpb::Op LockTypeToOp(LockType type);

}  // namespace tikv::sim
