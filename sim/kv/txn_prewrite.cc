// KvPrewrite and KvFlush of sim/kv/txn_commands.h (protocol.md 3.3 and 3.13; TiKV
// src/storage/txn/actions/prewrite.rs and commands/prewrite.rs).

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/kv/key_errors.h"
#include "sim/kv/txn_actions.h"
#include "sim/kv/txn_commands.h"

namespace tikv::sim {
namespace {

using PessimisticAction = kvrpcpb::PrewriteRequest::PessimisticAction;

// The request fields shared by KvPrewrite and KvFlush.
struct PrewriteParams {
  const kvrpcpb::Context* ctx = nullptr;
  const google::protobuf::RepeatedPtrField<kvrpcpb::Mutation>* mutations = nullptr;
  std::string primary;
  uint64_t start_ts = 0;
  uint64_t ttl = 0;
  uint64_t txn_size = 0;
  uint64_t min_commit_ts = 0;
  uint64_t max_commit_ts = 0;
  uint64_t for_update_ts = 0;  // non-zero: pessimistic
  bool async_commit = false;
  bool one_pc = false;
  std::vector<std::string> secondaries;
  bool skip_constraint_check = false;
  kvrpcpb::AssertionLevel assertion_level = kvrpcpb::Off;
  uint64_t generation = 0;  // > 0: pipelined flush
  const kvrpcpb::PrewriteRequest* prewrite = nullptr;  // actions and constraints, if any
};

struct PrewriteResult {
  std::vector<kvrpcpb::KeyError> errors;
  uint64_t min_commit_ts = 0;
  uint64_t one_pc_commit_ts = 0;
};

PessimisticAction ActionAt(const PrewriteParams& p, int i) {
  if (p.prewrite == nullptr || i >= p.prewrite->pessimistic_actions_size()) {
    return kvrpcpb::PrewriteRequest::SKIP_PESSIMISTIC_CHECK;
  }
  return p.prewrite->pessimistic_actions(i);
}

std::optional<uint64_t> ExpectedForUpdateTs(const PrewriteParams& p, int i) {
  if (p.prewrite == nullptr) return std::nullopt;
  for (const auto& c : p.prewrite->for_update_ts_constraints()) {
    if (static_cast<int>(c.index()) == i) return c.expected_for_update_ts();
  }
  return std::nullopt;
}

kvrpcpb::KeyError PessimisticLockNotFound(uint64_t start_ts, std::string_view key) {
  return AbortError(absl::StrCat("pessimistic lock not found: start_ts=", start_ts,
                                 " key=", KeyText(key)));
}

LockType LockTypeForOp(kvrpcpb::Op op) {
  switch (op) {
    case kvrpcpb::Del:
      return LockType::kDelete;
    case kvrpcpb::Lock:
      return LockType::kLock;
    default:
      return LockType::kPut;
  }
}

// Should an error on `key` be forgiven because this transaction already committed it (3.3 step
// 7)? A retried prewrite after commit must answer success and write nothing.
bool AlreadyCommitted(const MvccStore& mvcc, std::string_view key, uint64_t start_ts) {
  return mvcc.GetTxnCommitRecord(key, start_ts).kind == TxnCommitRecord::Kind::kCommitted;
}

PrewriteResult Prewrite(TxnScope& scope, const PrewriteParams& p) {
  PrewriteResult result;
  MvccStore& mvcc = *scope.mvcc;
  const bool pessimistic = p.for_update_ts != 0;
  const bool wants_ts = p.async_commit || p.one_pc;
  bool fell_back = false;
  uint64_t final_min_commit_ts = 0;

  std::vector<std::pair<std::string, Lock>> to_write;
  std::vector<std::string> checks_only;  // CheckNotExists keys (write nothing)
  std::vector<std::string> locked_keys;
  std::optional<kvrpcpb::KeyError> stop_error;
  std::string stop_key;
  std::optional<kvrpcpb::KeyError> assertion_error;

  for (int i = 0; i < p.mutations->size(); ++i) {
    const kvrpcpb::Mutation& m = p.mutations->Get(i);
    const std::string& key = m.key();
    const kvrpcpb::Op op = m.op();
    const PessimisticAction action = ActionAt(p, i);
    auto stop = [&](kvrpcpb::KeyError e) {
      stop_error = std::move(e);
      stop_key = key;
    };
    if (pessimistic && op == kvrpcpb::CheckNotExists) {
      stop(AbortError("cannot handle checkNotExists in pessimistic prewrite"));
      break;
    }
    if (op == kvrpcpb::Insert || op == kvrpcpb::CheckNotExists) RaiseMaxTs(scope, p.start_ts);

    Lock base;  // values carried over from a converted pessimistic lock
    bool have_base = false;
    const Lock* lock = mvcc.GetLock(key);
    if (lock != nullptr && lock->ts != p.start_ts) {
      if (pessimistic && action == kvrpcpb::PrewriteRequest::DO_PESSIMISTIC_CHECK) {
        stop(PessimisticLockNotFound(p.start_ts, key));
        break;
      }
      kvrpcpb::KeyError locked = LockedError(key, *lock);
      // A pessimistic transaction should resolve the lock at once rather than wait on its TTL.
      if (pessimistic) locked.mutable_locked()->set_lock_ttl(0);
      result.errors.push_back(std::move(locked));
      locked_keys.push_back(key);
      continue;
    }
    if (lock != nullptr) {  // our own lock
      if (lock->type == LockType::kPessimistic) {
        if (!pessimistic) {
          stop(AbortError(absl::StrCat("lock type mismatch: start_ts=", p.start_ts,
                                       " key=", KeyText(key))));
          break;
        }
        if (auto expected = ExpectedForUpdateTs(p, i);
            expected && *expected != lock->for_update_ts) {
          stop(PessimisticLockNotFound(p.start_ts, key));
          break;
        }
        base = *lock;
        have_base = true;
      } else if (p.generation > 0) {
        if (lock->generation >= p.generation) continue;  // a stale flush: ignore the mutation
        if (op == kvrpcpb::Insert && lock->type == LockType::kPut) {
          stop(AlreadyExistError(key));
          break;
        }
        // A newer flush generation overwrites our older flushed lock without re-checking.
      } else {
        // Duplicate prewrite of a key we already locked: nothing to write.
        if (wants_ts) {
          if (!lock->use_async_commit) {
            fell_back = true;
          } else {
            final_min_commit_ts = std::max(final_min_commit_ts, lock->min_commit_ts);
          }
        }
        continue;
      }
    } else if (pessimistic && action == kvrpcpb::PrewriteRequest::DO_PESSIMISTIC_CHECK) {
      // Amend a pessimistic lock that was lost (e.g. in-memory lock dropped on leader change).
      if (auto newest = mvcc.SeekWrite(key, UINT64_MAX);
          newest && newest->first >= p.start_ts) {
        stop(PessimisticLockNotFound(p.start_ts, key));
        break;
      }
    }

    const bool own_flushed = p.generation > 0 && lock != nullptr;
    bool skip_check;
    if (own_flushed) {
      skip_check = true;
    } else if (!pessimistic) {
      skip_check = p.skip_constraint_check;
    } else if (action == kvrpcpb::PrewriteRequest::DO_CONSTRAINT_CHECK) {
      skip_check = false;
    } else {
      skip_check = action == kvrpcpb::PrewriteRequest::DO_PESSIMISTIC_CHECK ||
                   !p.ctx->is_retry_request();
    }
    if (!skip_check) {
      if (const MvccStore::WriteMap* writes = mvcc.GetWrites(key)) {
        for (const auto& [commit_ts, w] : *writes) {
          if (commit_ts < p.start_ts) break;
          if (commit_ts == p.start_ts &&
              ((w.type == WriteType::kRollback && w.start_ts == p.start_ts) ||
               w.has_overlapped_rollback)) {
            stop(WriteConflictError(p.start_ts, p.start_ts, commit_ts, key, p.primary,
                                    kvrpcpb::WriteConflict::SelfRolledBack));
            break;
          }
          if (commit_ts == p.start_ts) continue;
          if (!pessimistic) {
            stop(WriteConflictError(p.start_ts, w.start_ts, commit_ts, key, p.primary,
                                    kvrpcpb::WriteConflict::Optimistic));
            break;
          }
          if (action == kvrpcpb::PrewriteRequest::DO_CONSTRAINT_CHECK) {
            stop(WriteConflictError(p.start_ts, w.start_ts, commit_ts, key, p.primary,
                                    kvrpcpb::WriteConflict::LazyUniquenessCheck));
            break;
          }
          if (commit_ts > p.for_update_ts) {
            if (w.type == WriteType::kRollback) continue;
            stop(PessimisticLockNotFound(p.start_ts, key));
            break;
          }
        }
      }
      if (stop_error) break;
      if (op == kvrpcpb::Insert || op == kvrpcpb::CheckNotExists) {
        if (auto data = mvcc.LatestData(key, UINT64_MAX);
            data && data->second.type == WriteType::kPut) {
          stop(AlreadyExistError(key));
          break;
        }
      }
    }

    if (p.assertion_level != kvrpcpb::Off && m.assertion() != kvrpcpb::None &&
        !(p.assertion_level == kvrpcpb::Fast && skip_check) && !assertion_error) {
      auto data = mvcc.LatestData(key, UINT64_MAX);
      const bool exists = data && data->second.type == WriteType::kPut;
      const bool failed = (m.assertion() == kvrpcpb::Exist && !exists) ||
                          (m.assertion() == kvrpcpb::NotExist && exists);
      if (failed) {
        kvrpcpb::KeyError e;
        kvrpcpb::AssertionFailed* af = e.mutable_assertion_failed();
        af->set_start_ts(p.start_ts);
        af->set_key(key);
        af->set_assertion(m.assertion());
        if (data) {
          af->set_existing_start_ts(data->second.start_ts);
          af->set_existing_commit_ts(data->first);
        }
        assertion_error = std::move(e);
      }
    }

    if (op == kvrpcpb::CheckNotExists) {
      checks_only.push_back(key);
      continue;
    }
    Lock nl;
    nl.type = LockTypeForOp(op);
    nl.primary = p.primary;
    nl.ts = p.start_ts;
    nl.ttl = std::max(p.ttl, have_base ? base.ttl : 0);
    nl.value = (op == kvrpcpb::Put || op == kvrpcpb::Insert) ? m.value() : std::string();
    nl.for_update_ts = std::max(p.for_update_ts, have_base ? base.for_update_ts : 0);
    nl.txn_size = p.txn_size;
    nl.min_commit_ts = std::max(p.min_commit_ts, have_base ? base.min_commit_ts : 0);
    nl.generation = p.generation;
    if (wants_ts && !fell_back) {
      uint64_t mct = std::max({*scope.max_ts, p.start_ts, p.for_update_ts}) + 1;
      mct = std::max(mct, nl.min_commit_ts);
      if (p.max_commit_ts != 0 && mct > p.max_commit_ts) {
        fell_back = true;  // this key and the rest become plain 2PC locks
      } else {
        nl.min_commit_ts = mct;
        final_min_commit_ts = std::max(final_min_commit_ts, mct);
        nl.use_async_commit = p.async_commit;
        if (p.async_commit && key == p.primary) nl.secondaries = p.secondaries;
      }
    }
    to_write.emplace_back(key, std::move(nl));
  }

  if (stop_error) {
    if (AlreadyCommitted(mvcc, stop_key, p.start_ts)) {
      result.errors.clear();
      return result;
    }
    result.errors.clear();
    result.errors.push_back(std::move(*stop_error));
    return result;
  }
  if (assertion_error) {
    result.errors.clear();
    result.errors.push_back(std::move(*assertion_error));
    return result;
  }
  if (!result.errors.empty()) {
    for (const std::string& k : locked_keys) {
      if (AlreadyCommitted(mvcc, k, p.start_ts)) {
        result.errors.clear();
        return result;
      }
    }
    return result;
  }

  if (p.one_pc && !fell_back) {
    for (auto& [key, lock] : to_write) {
      Write w;
      w.type = lock.type == LockType::kPut      ? WriteType::kPut
               : lock.type == LockType::kDelete ? WriteType::kDelete
                                                : WriteType::kLock;
      w.start_ts = p.start_ts;
      w.value = lock.value;
      mvcc.DeleteLock(key);  // a converted pessimistic lock, if any
      mvcc.PutWrite(key, final_min_commit_ts, std::move(w));
    }
    result.one_pc_commit_ts = final_min_commit_ts;
    return result;
  }
  for (auto& [key, lock] : to_write) {
    if (p.one_pc) {
      // A 1PC request that fell back leaves ordinary 2PC locks.
      lock.use_async_commit = false;
      lock.secondaries.clear();
    }
    mvcc.PutLock(key, std::move(lock));
  }
  if (p.async_commit && !fell_back) result.min_commit_ts = final_min_commit_ts;
  return result;
}

}  // namespace

void KvPrewrite(TxnScope& scope, const kvrpcpb::PrewriteRequest& req,
                kvrpcpb::PrewriteResponse* resp) {
  PrewriteParams p;
  p.ctx = &req.context();
  p.mutations = &req.mutations();
  p.primary = req.primary_lock();
  p.start_ts = req.start_version();
  p.ttl = req.lock_ttl();
  p.txn_size = req.txn_size();
  p.min_commit_ts = req.min_commit_ts();
  p.max_commit_ts = req.max_commit_ts();
  p.for_update_ts = req.for_update_ts();
  p.one_pc = req.try_one_pc();
  p.async_commit = !req.try_one_pc() && req.use_async_commit();
  p.secondaries.assign(req.secondaries().begin(), req.secondaries().end());
  p.skip_constraint_check = req.skip_constraint_check();
  p.assertion_level = req.assertion_level();
  p.prewrite = &req;
  PrewriteResult r = Prewrite(scope, p);
  for (auto& e : r.errors) *resp->add_errors() = std::move(e);
  resp->set_min_commit_ts(r.min_commit_ts);
  resp->set_one_pc_commit_ts(r.one_pc_commit_ts);
}

void KvFlush(TxnScope& scope, const kvrpcpb::FlushRequest& req, kvrpcpb::FlushResponse* resp) {
  if (req.generation() == 0) {
    *resp->add_errors() = AbortError("flush requires a generation > 0");
    return;
  }
  PrewriteParams p;
  p.ctx = &req.context();
  p.mutations = &req.mutations();
  p.primary = req.primary_key();
  p.start_ts = req.start_ts();
  p.ttl = req.lock_ttl();
  p.min_commit_ts = req.min_commit_ts();
  p.assertion_level = req.assertion_level();
  p.generation = req.generation();
  PrewriteResult r = Prewrite(scope, p);
  for (auto& e : r.errors) *resp->add_errors() = std::move(e);
}

}  // namespace tikv::sim
