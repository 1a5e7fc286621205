// Plain value types of the simulated MVCC dataset: the lock and write column-family records of
// TiKV's components/txn_types (lock.rs, write.rs), restricted to the fields a client can observe.
// Values are kept inline in locks and writes: the default CF split at 255 bytes is not visible to
// clients, so the model does not reproduce it. Immutable value types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tikv::sim {

// The kind of a lock-CF record.
enum class LockType { kPut, kDelete, kLock, kPessimistic };

// One lock-CF record (at most one per key).
struct Lock {
  LockType type = LockType::kPut;
  std::string primary;              // primary key, user form
  uint64_t ts = 0;                  // the transaction's start_ts
  uint64_t ttl = 0;                 // ms, measured from physical(ts)
  std::string value;                // the value of a Put lock
  uint64_t for_update_ts = 0;       // non-zero iff the transaction is pessimistic
  uint64_t txn_size = 0;            // echoed in LockInfo; drives lite resolution
  uint64_t min_commit_ts = 0;
  bool use_async_commit = false;
  std::vector<std::string> secondaries;  // async commit, primary only
  std::vector<uint64_t> rollback_ts;     // protected rollbacks recorded under this lock
  bool is_locked_with_conflict = false;  // fair locking over a newer write
  uint64_t generation = 0;               // pipelined DML flush generation
};

// The kind of a write-CF record.
enum class WriteType { kPut, kDelete, kLock, kRollback };

// One write-CF record, stored at (key, commit_ts).
struct Write {
  WriteType type = WriteType::kPut;
  uint64_t start_ts = 0;
  std::string value;                 // the value of a Put
  bool protected_rollback = false;   // a Rollback that must not be collapsed (short value "p")
  bool has_overlapped_rollback = false;
  uint64_t gc_fence = 0;
};

// What get_txn_commit_record finds for (key, start_ts).
struct TxnCommitRecord {
  enum class Kind { kNone, kCommitted, kRolledBack, kOverlappedRollback };
  Kind kind = Kind::kNone;
  uint64_t commit_ts = 0;  // kCommitted: the commit TS
  Write write;             // kCommitted / kRolledBack: the record found
  // kNone: a record of another transaction sitting at commit_ts == start_ts without the
  // overlapped flag (a protected rollback must flag it instead of overwriting it).
  bool has_overlapped_write = false;
};

}  // namespace tikv::sim
