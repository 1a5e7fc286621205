// Reads and range administration of sim/kv/txn_commands.h (protocol.md 3.2, 3.12, 3.15).

#include <algorithm>
#include <string>
#include <vector>

#include "sim/kv/key_errors.h"
#include "sim/kv/txn_commands.h"

namespace tikv::sim {

void RaiseMaxTs(TxnScope& scope, uint64_t ts) {
  if (ts == UINT64_MAX || scope.max_ts == nullptr) return;
  *scope.max_ts = std::max(*scope.max_ts, ts);
}

namespace {

// The value a snapshot read returns for one key.
struct PointRead {
  std::optional<kvrpcpb::KeyError> error;
  bool found = false;
  std::string value;
  uint64_t commit_ts = 0;
};

bool Contains(const google::protobuf::RepeatedField<uint64_t>& list, uint64_t ts) {
  return std::find(list.begin(), list.end(), ts) != list.end();
}

// Reads `key` at `read_ts` under the lock rules of 3.2 step 2 and the version choice of step 3.
PointRead ReadKey(const MvccStore& mvcc, const kvrpcpb::Context& ctx, std::string_view key,
                  uint64_t read_ts, bool need_commit_ts, bool check_locks = true) {
  PointRead out;
  const Lock* lock = check_locks ? mvcc.GetLock(key) : nullptr;
  if (lock != nullptr && (lock->type == LockType::kPut || lock->type == LockType::kDelete) &&
      !Contains(ctx.resolved_locks(), lock->ts)) {
    if (ctx.isolation_level() == kvrpcpb::RCCheckTS) {
      out.error = WriteConflictError(read_ts, lock->ts, 0, key, lock->primary,
                                     kvrpcpb::WriteConflict::RcCheckTs);
      return out;
    }
    if (ctx.isolation_level() == kvrpcpb::SI) {
      bool blocks = lock->ts <= read_ts && lock->min_commit_ts <= read_ts;
      // Reading "the latest" does not wait for a plain 2PC primary: its commit TS will come
      // from PD later than this read, unless it is a replica read.
      if (blocks && read_ts == UINT64_MAX && key == lock->primary && !lock->use_async_commit &&
          !ctx.replica_read()) {
        blocks = false;
      }
      if (blocks) {
        if (Contains(ctx.committed_locks(), lock->ts) && !need_commit_ts) {
          if (lock->type == LockType::kPut) {
            out.found = true;
            out.value = lock->value;
          }
          return out;
        }
        out.error = LockedError(key, *lock);
        return out;
      }
    }
  }
  if (ctx.isolation_level() == kvrpcpb::RCCheckTS) {
    if (auto newest = mvcc.SeekWrite(key, UINT64_MAX);
        newest && newest->first > read_ts && newest->second.type != WriteType::kRollback &&
        newest->second.type != WriteType::kLock) {
      out.error = WriteConflictError(read_ts, newest->second.start_ts, newest->first, key, "",
                                     kvrpcpb::WriteConflict::RcCheckTs);
      return out;
    }
  }
  auto data = mvcc.LatestData(key, read_ts);
  if (!data) return out;
  const auto& [commit_ts, write] = *data;
  if (write.type != WriteType::kPut) return out;
  if (write.gc_fence != 0 && write.gc_fence <= read_ts) return out;  // newer version GC'ed
  out.found = true;
  out.value = write.value;
  out.commit_ts = commit_ts;
  return out;
}

std::string ClipStart(const TxnScope& scope, const std::string& start) {
  return std::max(start, scope.start_key);
}

std::string ClipEnd(const TxnScope& scope, const std::string& end) {
  if (end.empty()) return scope.end_key;
  if (scope.end_key.empty()) return end;
  return std::min(end, scope.end_key);
}

}  // namespace

void KvGet(TxnScope& scope, const kvrpcpb::GetRequest& req, kvrpcpb::GetResponse* resp) {
  if (!req.context().stale_read()) RaiseMaxTs(scope, req.version());
  PointRead r = ReadKey(*scope.mvcc, req.context(), req.key(), req.version(),
                        req.need_commit_ts());
  if (r.error) {
    *resp->mutable_error() = *r.error;
    return;
  }
  if (!r.found) {
    resp->set_not_found(true);
    return;
  }
  resp->set_value(r.value);
  if (req.need_commit_ts()) resp->set_commit_ts(r.commit_ts);
}

void KvBatchGet(TxnScope& scope, const kvrpcpb::BatchGetRequest& req,
                kvrpcpb::BatchGetResponse* resp) {
  if (!req.context().stale_read()) RaiseMaxTs(scope, req.version());
  for (const std::string& key : req.keys()) {
    PointRead r = ReadKey(*scope.mvcc, req.context(), key, req.version(), req.need_commit_ts());
    if (!r.error && !r.found) continue;  // absent keys are simply omitted
    kvrpcpb::KvPair* pair = resp->add_pairs();
    pair->set_key(key);
    if (r.error) {
      *pair->mutable_error() = *r.error;
      continue;
    }
    pair->set_value(r.value);
    if (req.need_commit_ts()) pair->set_commit_ts(r.commit_ts);
  }
}

void KvScan(TxnScope& scope, const kvrpcpb::ScanRequest& req, kvrpcpb::ScanResponse* resp) {
  if (!req.context().stale_read()) RaiseMaxTs(scope, req.version());
  // Forward: [start_key, end_key). Reverse: [end_key, start_key) walked downwards.
  std::string lo, hi;
  if (req.reverse()) {
    lo = ClipStart(scope, req.end_key());
    hi = ClipEnd(scope, req.start_key());
  } else {
    lo = ClipStart(scope, req.start_key());
    hi = ClipEnd(scope, req.end_key());
  }
  if (!hi.empty() && lo >= hi) return;
  std::vector<std::string> keys = scope.mvcc->KeysInRange(lo, hi);
  if (req.reverse()) std::reverse(keys.begin(), keys.end());
  const bool check_locks = req.sample_step() == 0;
  uint32_t seen = 0;
  for (const std::string& key : keys) {
    if (req.limit() != 0 && static_cast<uint32_t>(resp->pairs_size()) >= req.limit()) break;
    PointRead r = ReadKey(*scope.mvcc, req.context(), key, req.version(), false, check_locks);
    if (!r.error && !r.found) continue;
    if (req.sample_step() > 1 && (seen++ % req.sample_step()) != 0) continue;
    kvrpcpb::KvPair* pair = resp->add_pairs();
    pair->set_key(key);
    if (r.error) {
      *pair->mutable_error() = *r.error;  // a locked key counts toward the limit
      continue;
    }
    if (!req.key_only()) pair->set_value(r.value);
  }
}

void KvBufferBatchGet(TxnScope& scope, const kvrpcpb::BufferBatchGetRequest& req,
                      kvrpcpb::BufferBatchGetResponse* resp) {
  for (const std::string& key : req.keys()) {
    const Lock* lock = scope.mvcc->GetLock(key);
    if (lock == nullptr || lock->ts != req.version()) continue;
    if (lock->type == LockType::kPut) {
      kvrpcpb::KvPair* pair = resp->add_pairs();
      pair->set_key(key);
      pair->set_value(lock->value);
    } else if (lock->type == LockType::kDelete) {
      resp->add_pairs()->set_key(key);  // a flushed delete reads as an empty value
    }
  }
}

void KvScanLock(TxnScope& scope, const kvrpcpb::ScanLockRequest& req,
                kvrpcpb::ScanLockResponse* resp) {
  RaiseMaxTs(scope, req.max_version());
  const uint64_t max_version = req.max_version();
  auto locks = scope.mvcc->ScanLocks(ClipStart(scope, req.start_key()),
                                     ClipEnd(scope, req.end_key()), req.limit(),
                                     [&](const Lock& l) { return l.ts <= max_version; });
  for (const auto& [key, lock] : locks) *resp->add_locks() = MakeLockInfo(key, lock);
}

void KvDeleteRange(TxnScope& scope, const kvrpcpb::DeleteRangeRequest& req,
                   kvrpcpb::DeleteRangeResponse* /*resp*/) {
  if (req.notify_only()) return;
  const std::string lo = ClipStart(scope, req.start_key());
  const std::string hi = ClipEnd(scope, req.end_key());
  if (!hi.empty() && lo >= hi) return;
  scope.mvcc->DeleteRange(lo, hi);
}

void KvGc(TxnScope& scope, const kvrpcpb::GCRequest& req, kvrpcpb::GCResponse* /*resp*/) {
  scope.mvcc->Gc(req.safe_point(), scope.start_key, scope.end_key);
}

void MvccGetByKey(TxnScope& scope, const kvrpcpb::MvccGetByKeyRequest& req,
                  kvrpcpb::MvccGetByKeyResponse* resp) {
  kvrpcpb::MvccInfo* info = resp->mutable_info();
  if (const Lock* lock = scope.mvcc->GetLock(req.key())) {
    kvrpcpb::MvccLock* l = info->mutable_lock();
    l->set_type(LockTypeToOp(lock->type));
    l->set_start_ts(lock->ts);
    l->set_primary(lock->primary);
    l->set_short_value(lock->value);
    l->set_ttl(lock->ttl);
    l->set_for_update_ts(lock->for_update_ts);
    l->set_txn_size(lock->txn_size);
    l->set_use_async_commit(lock->use_async_commit);
    for (const auto& s : lock->secondaries) l->add_secondaries(s);
    for (uint64_t ts : lock->rollback_ts) l->add_rollback_ts(ts);
  }
  if (const MvccStore::WriteMap* writes = scope.mvcc->GetWrites(req.key())) {
    for (const auto& [commit_ts, w] : *writes) {
      kvrpcpb::MvccWrite* mw = info->add_writes();
      switch (w.type) {
        case WriteType::kPut:
          mw->set_type(kvrpcpb::Put);
          break;
        case WriteType::kDelete:
          mw->set_type(kvrpcpb::Del);
          break;
        case WriteType::kLock:
          mw->set_type(kvrpcpb::Lock);
          break;
        case WriteType::kRollback:
          mw->set_type(kvrpcpb::Rollback);
          break;
      }
      mw->set_start_ts(w.start_ts);
      mw->set_commit_ts(commit_ts);
      mw->set_short_value(w.protected_rollback ? std::string("p") : w.value);
      mw->set_has_overlapped_rollback(w.has_overlapped_rollback);
      mw->set_has_gc_fence(w.gc_fence != 0);
      mw->set_gc_fence(w.gc_fence);
    }
  }
}

}  // namespace tikv::sim
