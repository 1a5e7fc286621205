// The transactional TiKV commands of the simulated cluster, one plain function per RPC
// (protocol.md section 3.1-3.13; TiKV src/storage/txn/commands/*.rs and actions/*.rs). Each
// takes the request and fills the response; region validation has already happened (see
// sim/cluster/request_router.h), so these see only the MVCC dataset, the serving store's max_ts
// and the region's key range. They never suspend, never sleep and hold no threads. Pessimistic
// lock requests that must wait report it in their return value instead of blocking; the caller
// parks them (sim/kv/lock_wait.h). Fiber-confined: not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kvrpcpb.pb.h"
#include "sim/kv/mvcc_store.h"

namespace tikv::sim {

// What a command may touch: the shared dataset, the serving store's max_ts, and the region's
// range in user-key form (end empty = +infinity), used to clip scans and region-wide commands.
struct TxnScope {
  MvccStore* mvcc = nullptr;
  uint64_t* max_ts = nullptr;
  std::string start_key;
  std::string end_key;
};

// Raises *scope.max_ts to `ts`, ignoring u64::MAX ("latest" never feeds max_ts).
void RaiseMaxTs(TxnScope& scope, uint64_t ts);

// Reads (3.2). `ctx` supplies isolation level, resolved and committed locks, stale_read.
void KvGet(TxnScope& scope, const kvrpcpb::GetRequest& req, kvrpcpb::GetResponse* resp);
void KvBatchGet(TxnScope& scope, const kvrpcpb::BatchGetRequest& req,
                kvrpcpb::BatchGetResponse* resp);
void KvScan(TxnScope& scope, const kvrpcpb::ScanRequest& req, kvrpcpb::ScanResponse* resp);

// Prewrite (3.3): optimistic, pessimistic, async commit, 1PC, assertions.
void KvPrewrite(TxnScope& scope, const kvrpcpb::PrewriteRequest& req,
                kvrpcpb::PrewriteResponse* resp);
// Pipelined DML flush (3.13): a generation-aware optimistic prewrite.
void KvFlush(TxnScope& scope, const kvrpcpb::FlushRequest& req, kvrpcpb::FlushResponse* resp);
// Reads a transaction's own flushed locks (3.13).
void KvBufferBatchGet(TxnScope& scope, const kvrpcpb::BufferBatchGetRequest& req,
                      kvrpcpb::BufferBatchGetResponse* resp);

// Commit (3.4), rollback and cleanup (3.5).
void KvCommit(TxnScope& scope, const kvrpcpb::CommitRequest& req, kvrpcpb::CommitResponse* resp);
void KvBatchRollback(TxnScope& scope, const kvrpcpb::BatchRollbackRequest& req,
                     kvrpcpb::BatchRollbackResponse* resp);
void KvCleanup(TxnScope& scope, const kvrpcpb::CleanupRequest& req,
               kvrpcpb::CleanupResponse* resp);

// Lock resolution (3.6-3.9, 3.12).
void KvCheckTxnStatus(TxnScope& scope, const kvrpcpb::CheckTxnStatusRequest& req,
                      kvrpcpb::CheckTxnStatusResponse* resp);
void KvCheckSecondaryLocks(TxnScope& scope, const kvrpcpb::CheckSecondaryLocksRequest& req,
                           kvrpcpb::CheckSecondaryLocksResponse* resp);
void KvResolveLock(TxnScope& scope, const kvrpcpb::ResolveLockRequest& req,
                   kvrpcpb::ResolveLockResponse* resp);
void KvTxnHeartBeat(TxnScope& scope, const kvrpcpb::TxnHeartBeatRequest& req,
                    kvrpcpb::TxnHeartBeatResponse* resp);
void KvScanLock(TxnScope& scope, const kvrpcpb::ScanLockRequest& req,
                kvrpcpb::ScanLockResponse* resp);

// Pessimistic rollback (3.11).
void KvPessimisticRollback(TxnScope& scope, const kvrpcpb::PessimisticRollbackRequest& req,
                           kvrpcpb::PessimisticRollbackResponse* resp);

// A pessimistic lock request that met another transaction's lock and may wait for it.
struct LockWaitNeeded {
  std::string key;   // the first key locked by another transaction (user form)
  Lock holder;       // that lock
};

// Pessimistic lock (3.10). Returns nullopt when `resp` is final. Returns the conflicting key when
// the request met a foreign lock and `wait_timeout >= 0`: nothing was written, `resp` is left
// empty, and the caller must park the request (or fail it with KeyIsLocked).
std::optional<LockWaitNeeded> KvPessimisticLock(TxnScope& scope,
                                                const kvrpcpb::PessimisticLockRequest& req,
                                                kvrpcpb::PessimisticLockResponse* resp);

// Final answers for a parked pessimistic lock request (3.10 step 6): KeyIsLocked after the wait
// timed out (with duration_to_last_update_ms), a PessimisticRetry write conflict after a legacy
// wake-up, or a deadlock. In force-lock mode `results[0]` is Failed as well.
void AnswerLockWaitTimeout(const kvrpcpb::PessimisticLockRequest& req, std::string_view key,
                           const Lock& holder, uint64_t waited_ms,
                           kvrpcpb::PessimisticLockResponse* resp);
void AnswerLockWaitWakeUp(const kvrpcpb::PessimisticLockRequest& req, std::string_view key,
                          uint64_t holder_start_ts, uint64_t holder_commit_ts,
                          kvrpcpb::PessimisticLockResponse* resp);
void AnswerKeyError(const kvrpcpb::PessimisticLockRequest& req, kvrpcpb::KeyError error,
                    kvrpcpb::PessimisticLockResponse* resp);

// Range administration (3.15): physical deletion and GC within the region.
void KvDeleteRange(TxnScope& scope, const kvrpcpb::DeleteRangeRequest& req,
                   kvrpcpb::DeleteRangeResponse* resp);
void KvGc(TxnScope& scope, const kvrpcpb::GCRequest& req, kvrpcpb::GCResponse* resp);

// MVCC debugging dump of one key.
void MvccGetByKey(TxnScope& scope, const kvrpcpb::MvccGetByKeyRequest& req,
                  kvrpcpb::MvccGetByKeyResponse* resp);

}  // namespace tikv::sim
