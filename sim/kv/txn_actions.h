// Shared building blocks of the transactional commands, modelled on TiKV's
// src/storage/txn/actions/{commit,cleanup,check_txn_status}.rs: committing one key, rolling back
// one key (protected or collapsible, with the overlapped-rollback and rollback_ts rules of
// protocol.md 3.1), and the lock expiry rule. Internal to sim/kv. Fiber-confined.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "kvrpcpb.pb.h"
#include "sim/kv/mvcc_store.h"

namespace tikv::sim {

// True when `lock` is expired for `current_ts`: physical(lock.ts) + ttl < physical(current_ts).
bool LockExpired(const Lock& lock, uint64_t current_ts);

// Writes a rollback record of `start_ts` on `key`.
// - protect: a protected rollback sets has_overlapped_rollback (+ gc_fence) on a foreign commit
//   record at exactly start_ts; a collapsible one is then skipped;
// - protect also appends start_ts to a foreign async-commit lock's rollback_ts when that lock's
//   min_commit_ts <= start_ts;
// - collapse: first deletes the newest collapsible rollback at or below start_ts.
void WriteRollback(MvccStore& mvcc, std::string_view key, uint64_t start_ts, bool protect,
                   bool collapse);

// Rolls back `key`'s own lock (which must belong to start_ts): removes it and writes a rollback
// that is protected when the key is the lock's primary or the lock is pipelined.
void RollbackOwnLock(MvccStore& mvcc, std::string_view key, const Lock& lock);

// Commits `key` for start_ts at commit_ts (3.4 per key). Returns the key error, if any.
std::optional<kvrpcpb::KeyError> CommitKey(MvccStore& mvcc, std::string_view key,
                                           uint64_t start_ts, uint64_t commit_ts);

// TiKV's cleanup action (3.5) for `key`: rolls back start_ts's lock, or records a collapsible
// rollback where there is no decision. `current_ts` != 0 refuses to roll back an unexpired lock
// (KeyIsLocked). `protect_missing` writes a protected rollback for a key with no record.
// Returns the key error, if any; *committed_ts receives a commit TS found instead.
std::optional<kvrpcpb::KeyError> CleanupKey(MvccStore& mvcc, std::string_view key,
                                            uint64_t start_ts, uint64_t current_ts,
                                            uint64_t* committed_ts);

}  // namespace tikv::sim
