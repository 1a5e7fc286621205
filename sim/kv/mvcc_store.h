// The single shared MVCC dataset of the simulated cluster (protocol.md 5.4): Percolator's lock and
// write column families, keyed by user key (memcomparable encoding preserves order, so region
// ranges can be compared after decoding boundaries). It offers the primitives TiKV's
// src/storage/mvcc/reader and txn/actions are written in; the per-RPC rules live in
// sim/kv/txn_*.cc. Plays the role of client-go's internal/mockstore/mocktikv/mvcc_leveldb.go.
// Fiber-confined: not thread-safe; the owner (SimCluster) serializes access.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "sim/kv/mvcc_types.h"

namespace tikv::sim {

// A lock that a command removed, reported so that lock waiters can be woken.
struct ReleasedLock {
  std::string key;
  uint64_t start_ts = 0;
};

// The MVCC dataset. Key ranges are half-open [start, end); an empty `end` means +infinity.
class MvccStore {
 public:
  // Writes of one key, newest commit_ts first.
  using WriteMap = std::map<uint64_t, Write, std::greater<>>;

  MvccStore() = default;
  MvccStore(const MvccStore&) = delete;
  MvccStore& operator=(const MvccStore&) = delete;

  // Returns the lock on `key`, or nullptr. The pointer is valid until the next mutation.
  const Lock* GetLock(std::string_view key) const;
  // Installs or replaces the lock on `key`.
  void PutLock(std::string_view key, Lock lock);
  // Removes the lock on `key` (if any) and records it in the released-lock journal.
  void DeleteLock(std::string_view key);

  // Returns all writes of `key` (newest first), or nullptr when there are none.
  const WriteMap* GetWrites(std::string_view key) const;
  // Returns the newest write with commit_ts <= ts as (commit_ts, write).
  std::optional<std::pair<uint64_t, Write>> SeekWrite(std::string_view key, uint64_t ts) const;
  // Inserts or replaces the write at (key, commit_ts).
  void PutWrite(std::string_view key, uint64_t commit_ts, Write write);
  // Removes the write at (key, commit_ts), if present.
  void DeleteWrite(std::string_view key, uint64_t commit_ts);

  // Returns the newest Put/Delete at or below `ts`, skipping Lock and Rollback records, as
  // (commit_ts, write).
  std::optional<std::pair<uint64_t, Write>> LatestData(std::string_view key, uint64_t ts) const;

  // TiKV's get_txn_commit_record: walks writes of `key` from the newest down to `start_ts` and
  // classifies what transaction `start_ts` left there.
  TxnCommitRecord GetTxnCommitRecord(std::string_view key, uint64_t start_ts) const;

  // Every key in [start, end) that has a lock or a write, in ascending order.
  std::vector<std::string> KeysInRange(std::string_view start, std::string_view end) const;
  // Every (key, lock) in [start, end) in key order, stopping after `limit` (0 = unlimited),
  // filtered by `pred`.
  std::vector<std::pair<std::string, Lock>> ScanLocks(
      std::string_view start, std::string_view end, size_t limit,
      const std::function<bool(const Lock&)>& pred) const;

  // Physically removes locks and writes in [start, end) (KvDeleteRange, UnsafeDestroyRange).
  void DeleteRange(std::string_view start, std::string_view end);

  // Garbage-collects versions at or below `safe_point` in [start, end) (protocol.md 3.15):
  // keeps the newest Put, drops a newest Delete and everything older, drops Lock/Rollback
  // records. Locks are untouched.
  void Gc(uint64_t safe_point, std::string_view start = "", std::string_view end = "");

  // Drains the journal of locks removed since the last call, in removal order.
  std::vector<ReleasedLock> TakeReleasedLocks();

  // Checks the dataset's invariants: every lock is stored under a key with ts > 0, no Rollback
  // write's start_ts differs from its commit_ts, and every commit record's commit_ts exceeds its
  // start_ts. Returns kInternal describing the first violation.
  absl::Status CheckInvariants() const;

  // Starts recording before-images so that a failed command can undo its partial writes
  // (TiKV commands are all-or-nothing per request, protocol.md 3.0.4). Batches do not nest.
  void BeginUndo();
  // Restores every lock and write changed since BeginUndo() and forgets released locks.
  void Undo();
  // Keeps the changes made since BeginUndo().
  void CommitUndo();

  // Number of keys holding a lock (test helper).
  size_t lock_count() const { return locks_.size(); }

 private:
  std::map<std::string, Lock, std::less<>> locks_;
  std::map<std::string, WriteMap, std::less<>> writes_;
  std::vector<ReleasedLock> released_;

  // Undo log: the first before-image of each touched lock and write while recording.
  bool recording_ = false;
  size_t released_mark_ = 0;
  std::map<std::string, std::optional<Lock>, std::less<>> lock_undo_;
  std::map<std::pair<std::string, uint64_t>, std::optional<Write>> write_undo_;
  void SaveLock(std::string_view key);
  void SaveWrite(std::string_view key, uint64_t commit_ts);
};

// True when `key` lies in [start, end) with an empty `end` meaning +infinity.
bool KeyInRange(std::string_view key, std::string_view start, std::string_view end);

}  // namespace tikv::sim
