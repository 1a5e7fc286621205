// Port of client-go error/error.go: the typed TiKV errors, carried as absl::Status payloads.
//
// Every key error is stored as the serialized kvrpcpb.KeyError (so the raw message stays available
// through tikv/status_proto.h) and every region error as the serialized errorpb.Error. The
// project's own facts (undetermined, backoff summary, ...) use the small messages of
// proto/tikv/errors.proto. Decoding parses the payload on demand: errors are the slow path, and
// keeping one representation means the struct and proto views can never disagree.

#include "tikv/status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "errorpb.pb.h"
#include "kvrpcpb.pb.h"
#include "tikv/errors.pb.h"

#include "tikv/status_proto.h"
#include "util/absl_view.h"
#include "util/go_json.h"

namespace tikv {
namespace {

using util::AbslView;

constexpr char kUndeterminedUrl[] = "type.googleapis.com/tikv.errors.Undetermined";
constexpr char kBackoffSummaryUrl[] = "type.googleapis.com/tikv.errors.BackoffSummary";
constexpr char kGcTooEarlyUrl[] = "type.googleapis.com/tikv.errors.GcTooEarly";
constexpr char kSizeLimitUrl[] = "type.googleapis.com/tikv.errors.SizeLimit";
constexpr char kTransportErrorUrl[] = "type.googleapis.com/tikv.errors.TransportError";
constexpr char kLockWaitTimeoutUrl[] = "type.googleapis.com/tikv.errors.LockWaitTimeout";

void SetProtoPayload(absl::Status& s, const char* url, const google::protobuf::Message& m) {
  std::string bytes;
  m.SerializeToString(&bytes);
  s.SetPayload(url, absl::Cord(bytes));
}

template <typename Proto>
std::optional<Proto> ParsePayload(const absl::Status& s, const char* url) {
  if (s.ok()) return std::nullopt;
  absl::optional<absl::Cord> payload = s.GetPayload(url);
  if (!payload) return std::nullopt;
  Proto m;
  if (!m.ParseFromString(std::string(*payload))) return std::nullopt;
  return m;
}

absl::Status WithPayload(absl::StatusCode code, std::string_view message, const char* url,
                         const google::protobuf::Message& payload) {
  absl::Status s(code, AbslView(message));
  SetProtoPayload(s, url, payload);
  return s;
}

// Copies every payload of `from` onto `to`, except those `to` already has.
void CopyPayloads(const absl::Status& from, absl::Status& to) {
  from.ForEachPayload([&to](absl::string_view url, const absl::Cord& payload) {
    if (!to.GetPayload(url)) to.SetPayload(url, payload);
  });
}

std::string Key(std::string_view key, RedactMode mode) { return RedactKey(key, mode); }

// ---- LockInfo <-> kvrpcpb.LockInfo

LockType LockTypeFromOp(kvrpcpb::Op op) {
  switch (op) {
    case kvrpcpb::Op::Put: return LockType::kPut;
    case kvrpcpb::Op::Del: return LockType::kDelete;
    case kvrpcpb::Op::Lock: return LockType::kLock;
    case kvrpcpb::Op::Rollback: return LockType::kRollback;
    case kvrpcpb::Op::Insert: return LockType::kInsert;
    case kvrpcpb::Op::PessimisticLock: return LockType::kPessimisticLock;
    case kvrpcpb::Op::CheckNotExists: return LockType::kCheckNotExists;
    case kvrpcpb::Op::SharedLock: return LockType::kSharedLock;
    case kvrpcpb::Op::SharedPessimisticLock: return LockType::kSharedPessimisticLock;
    default: return LockType::kOther;
  }
}

kvrpcpb::Op OpFromLockType(LockType t) {
  switch (t) {
    case LockType::kPut: return kvrpcpb::Op::Put;
    case LockType::kDelete: return kvrpcpb::Op::Del;
    case LockType::kLock: return kvrpcpb::Op::Lock;
    case LockType::kRollback: return kvrpcpb::Op::Rollback;
    case LockType::kInsert: return kvrpcpb::Op::Insert;
    case LockType::kPessimisticLock: return kvrpcpb::Op::PessimisticLock;
    case LockType::kCheckNotExists: return kvrpcpb::Op::CheckNotExists;
    case LockType::kSharedLock: return kvrpcpb::Op::SharedLock;
    case LockType::kSharedPessimisticLock: return kvrpcpb::Op::SharedPessimisticLock;
    case LockType::kOther: break;
  }
  return kvrpcpb::Op::Put;
}

LockInfo FromProto(const kvrpcpb::LockInfo& p) {
  LockInfo l;
  l.primary_lock = p.primary_lock();
  l.lock_version = p.lock_version();
  l.key = p.key();
  l.lock_ttl = p.lock_ttl();
  l.txn_size = p.txn_size();
  l.lock_type = LockTypeFromOp(p.lock_type());
  l.lock_for_update_ts = p.lock_for_update_ts();
  l.use_async_commit = p.use_async_commit();
  l.min_commit_ts = p.min_commit_ts();
  l.secondaries.assign(p.secondaries().begin(), p.secondaries().end());
  l.duration_to_last_update_ms = p.duration_to_last_update_ms();
  l.is_txn_file = p.is_txn_file();
  return l;
}

void ToProto(const LockInfo& l, kvrpcpb::LockInfo* p) {
  p->set_primary_lock(l.primary_lock);
  p->set_lock_version(l.lock_version);
  p->set_key(l.key);
  p->set_lock_ttl(l.lock_ttl);
  p->set_txn_size(l.txn_size);
  p->set_lock_type(OpFromLockType(l.lock_type));
  p->set_lock_for_update_ts(l.lock_for_update_ts);
  p->set_use_async_commit(l.use_async_commit);
  p->set_min_commit_ts(l.min_commit_ts);
  for (const std::string& s : l.secondaries) p->add_secondaries(s);
  p->set_duration_to_last_update_ms(l.duration_to_last_update_ms);
  p->set_is_txn_file(l.is_txn_file);
}

std::string_view WriteConflictReasonName(kvrpcpb::WriteConflict::Reason r) {
  switch (r) {
    case kvrpcpb::WriteConflict::Optimistic: return "Optimistic";
    case kvrpcpb::WriteConflict::PessimisticRetry: return "PessimisticRetry";
    case kvrpcpb::WriteConflict::SelfRolledBack: return "SelfRolledBack";
    case kvrpcpb::WriteConflict::RcCheckTs: return "RcCheckTs";
    case kvrpcpb::WriteConflict::LazyUniquenessCheck: return "LazyUniquenessCheck";
    case kvrpcpb::WriteConflict::NotLockedKeyConflict: return "NotLockedKeyConflict";
    default: return "Unknown";
  }
}

std::string_view LockTypeName(kvrpcpb::Op op) {
  const std::string& name = kvrpcpb::Op_Name(op);
  return name.empty() ? std::string_view("Unknown") : std::string_view(name);
}

std::string LockMessage(const kvrpcpb::LockInfo& l, RedactMode mode) {
  return absl::StrFormat(
      "key is locked: key=%s primary=%s lock_version=%d ttl_ms=%d type=%s for_update_ts=%d"
      " async_commit=%s min_commit_ts=%d",
      Key(l.key(), mode), Key(l.primary_lock(), mode), l.lock_version(), l.lock_ttl(),
      AbslView(LockTypeName(l.lock_type())), l.lock_for_update_ts(),
      l.use_async_commit() ? "true" : "false", l.min_commit_ts());
}

absl::StatusCode KeyErrorCode(KeyErrorKind kind) {
  switch (kind) {
    case KeyErrorKind::kAlreadyExists: return absl::StatusCode::kAlreadyExists;
    case KeyErrorKind::kAssertionFailed:
    case KeyErrorKind::kPrimaryMismatch: return absl::StatusCode::kFailedPrecondition;
    default: return absl::StatusCode::kAborted;
  }
}

std::string KeyErrorMessage(const kvrpcpb::KeyError& e, KeyErrorKind kind, RedactMode mode) {
  switch (kind) {
    case KeyErrorKind::kLocked: return LockMessage(e.locked(), mode);
    case KeyErrorKind::kRetryable: return absl::StrCat("retryable: ", e.retryable());
    case KeyErrorKind::kAbort: return absl::StrCat("TiKV aborts txn: ", e.abort());
    case KeyErrorKind::kWriteConflict: {
      const kvrpcpb::WriteConflict& c = e.conflict();
      return absl::StrFormat(
          "write conflict: start_ts=%d conflict_start_ts=%d conflict_commit_ts=%d key=%s"
          " primary=%s reason=%s",
          c.start_ts(), c.conflict_ts(), c.conflict_commit_ts(), Key(c.key(), mode),
          Key(c.primary(), mode), AbslView(WriteConflictReasonName(c.reason())));
    }
    case KeyErrorKind::kAlreadyExists:
      return absl::StrCat("key already exists: key=", Key(e.already_exist().key(), mode));
    case KeyErrorKind::kDeadlock: {
      const kvrpcpb::Deadlock& d = e.deadlock();
      return absl::StrFormat("deadlock: lock_ts=%d lock_key=%s deadlock_key_hash=%d wait_chain=%d",
                             d.lock_ts(), Key(d.lock_key(), mode), d.deadlock_key_hash(),
                             d.wait_chain_size());
    }
    case KeyErrorKind::kCommitTsExpired: {
      const kvrpcpb::CommitTsExpired& x = e.commit_ts_expired();
      return absl::StrFormat(
          "commit ts expired: start_ts=%d attempted_commit_ts=%d min_commit_ts=%d key=%s",
          x.start_ts(), x.attempted_commit_ts(), x.min_commit_ts(), Key(x.key(), mode));
    }
    case KeyErrorKind::kTxnNotFound:
      return absl::StrFormat("txn not found: start_ts=%d primary=%s", e.txn_not_found().start_ts(),
                             Key(e.txn_not_found().primary_key(), mode));
    case KeyErrorKind::kCommitTsTooLarge:
      return absl::StrFormat("commit ts too large: commit_ts=%d",
                             e.commit_ts_too_large().commit_ts());
    case KeyErrorKind::kAssertionFailed: {
      const kvrpcpb::AssertionFailed& a = e.assertion_failed();
      return absl::StrFormat(
          "assertion failed: start_ts=%d key=%s assertion=%s existing_start_ts=%d"
          " existing_commit_ts=%d",
          a.start_ts(), Key(a.key(), mode), kvrpcpb::Assertion_Name(a.assertion()),
          a.existing_start_ts(), a.existing_commit_ts());
    }
    case KeyErrorKind::kPrimaryMismatch:
      return absl::StrCat("primary mismatch: ", LockMessage(e.primary_mismatch().lock_info(), mode));
    case KeyErrorKind::kTxnLockNotFound:
      return absl::StrCat("txn lock not found: key=", Key(e.txn_lock_not_found().key(), mode));
  }
  return "unknown key error";
}

template <typename Fill>
absl::Status MakeKeyError(RedactMode mode, Fill fill) {
  kvrpcpb::KeyError e;
  fill(e);
  return KeyErrorStatus(e, mode);
}

std::optional<kvrpcpb::KeyError> KeyErrorOf(const absl::Status& s) {
  return ParsePayload<kvrpcpb::KeyError>(s, kKeyErrorPayloadUrl);
}

bool HasKind(const absl::Status& s, KeyErrorKind kind) {
  std::optional<KeyErrorKind> k = GetKeyErrorKind(s);
  return k && *k == kind;
}

}  // namespace

std::string RedactKey(std::string_view key, RedactMode mode) {
  if (mode == RedactMode::kOn) return "?";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string hex;
  hex.reserve(key.size() * 2);
  for (unsigned char c : key) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 0xf]);
  }
  return hex;
}

std::string_view KeyErrorKindName(KeyErrorKind kind) {
  switch (kind) {
    case KeyErrorKind::kLocked: return "KeyIsLocked";
    case KeyErrorKind::kRetryable: return "Retryable";
    case KeyErrorKind::kAbort: return "Abort";
    case KeyErrorKind::kWriteConflict: return "WriteConflict";
    case KeyErrorKind::kAlreadyExists: return "AlreadyExists";
    case KeyErrorKind::kDeadlock: return "Deadlock";
    case KeyErrorKind::kCommitTsExpired: return "CommitTsExpired";
    case KeyErrorKind::kTxnNotFound: return "TxnNotFound";
    case KeyErrorKind::kCommitTsTooLarge: return "CommitTsTooLarge";
    case KeyErrorKind::kAssertionFailed: return "AssertionFailed";
    case KeyErrorKind::kPrimaryMismatch: return "PrimaryMismatch";
    case KeyErrorKind::kTxnLockNotFound: return "TxnLockNotFound";
  }
  return "Unknown";
}

std::string_view RegionErrorKindName(RegionErrorKind kind) {
  switch (kind) {
    case RegionErrorKind::kOther: return "Other";
    case RegionErrorKind::kNotLeader: return "NotLeader";
    case RegionErrorKind::kRegionNotFound: return "RegionNotFound";
    case RegionErrorKind::kKeyNotInRegion: return "KeyNotInRegion";
    case RegionErrorKind::kEpochNotMatch: return "EpochNotMatch";
    case RegionErrorKind::kServerIsBusy: return "ServerIsBusy";
    case RegionErrorKind::kStaleCommand: return "StaleCommand";
    case RegionErrorKind::kStoreNotMatch: return "StoreNotMatch";
    case RegionErrorKind::kRaftEntryTooLarge: return "RaftEntryTooLarge";
    case RegionErrorKind::kMaxTimestampNotSynced: return "MaxTimestampNotSynced";
    case RegionErrorKind::kReadIndexNotReady: return "ReadIndexNotReady";
    case RegionErrorKind::kProposalInMergingMode: return "ProposalInMergingMode";
    case RegionErrorKind::kDataIsNotReady: return "DataIsNotReady";
    case RegionErrorKind::kRegionNotInitialized: return "RegionNotInitialized";
    case RegionErrorKind::kDiskFull: return "DiskFull";
    case RegionErrorKind::kRecoveryInProgress: return "RecoveryInProgress";
    case RegionErrorKind::kFlashbackInProgress: return "FlashbackInProgress";
    case RegionErrorKind::kFlashbackNotPrepared: return "FlashbackNotPrepared";
    case RegionErrorKind::kIsWitness: return "IsWitness";
    case RegionErrorKind::kMismatchPeerId: return "MismatchPeerId";
    case RegionErrorKind::kBucketVersionNotMatch: return "BucketVersionNotMatch";
    case RegionErrorKind::kUndeterminedResult: return "UndeterminedResult";
  }
  return "Unknown";
}

// ---- proto-level entry points (tikv/status_proto.h)

std::optional<KeyErrorKind> KeyErrorKindOf(const kvrpcpb::KeyError& e) {
  // Typed fields first: TiKV sets `retryable` text alongside `conflict` and `txn_lock_not_found`.
  if (e.has_conflict()) return KeyErrorKind::kWriteConflict;
  if (e.has_already_exist()) return KeyErrorKind::kAlreadyExists;
  if (e.has_deadlock()) return KeyErrorKind::kDeadlock;
  if (e.has_commit_ts_expired()) return KeyErrorKind::kCommitTsExpired;
  if (e.has_txn_not_found()) return KeyErrorKind::kTxnNotFound;
  if (e.has_commit_ts_too_large()) return KeyErrorKind::kCommitTsTooLarge;
  if (e.has_assertion_failed()) return KeyErrorKind::kAssertionFailed;
  if (e.has_primary_mismatch()) return KeyErrorKind::kPrimaryMismatch;
  if (e.has_txn_lock_not_found()) return KeyErrorKind::kTxnLockNotFound;
  if (e.has_locked()) return KeyErrorKind::kLocked;
  if (!e.retryable().empty()) return KeyErrorKind::kRetryable;
  if (!e.abort().empty()) return KeyErrorKind::kAbort;
  return std::nullopt;
}

absl::Status KeyErrorStatus(const kvrpcpb::KeyError& e, RedactMode mode) {
  std::optional<KeyErrorKind> kind = KeyErrorKindOf(e);
  absl::Status s = kind ? absl::Status(KeyErrorCode(*kind), KeyErrorMessage(e, *kind, mode))
                        : absl::UnknownError("empty key error from TiKV");
  SetProtoPayload(s, kKeyErrorPayloadUrl, e);
  return s;
}

RegionErrorKind RegionErrorKindOf(const errorpb::Error& e) {
  if (e.has_not_leader()) return RegionErrorKind::kNotLeader;
  if (e.has_region_not_found()) return RegionErrorKind::kRegionNotFound;
  if (e.has_key_not_in_region()) return RegionErrorKind::kKeyNotInRegion;
  if (e.has_epoch_not_match()) return RegionErrorKind::kEpochNotMatch;
  if (e.has_server_is_busy()) return RegionErrorKind::kServerIsBusy;
  if (e.has_stale_command()) return RegionErrorKind::kStaleCommand;
  if (e.has_store_not_match()) return RegionErrorKind::kStoreNotMatch;
  if (e.has_raft_entry_too_large()) return RegionErrorKind::kRaftEntryTooLarge;
  if (e.has_max_timestamp_not_synced()) return RegionErrorKind::kMaxTimestampNotSynced;
  if (e.has_read_index_not_ready()) return RegionErrorKind::kReadIndexNotReady;
  if (e.has_proposal_in_merging_mode()) return RegionErrorKind::kProposalInMergingMode;
  if (e.has_data_is_not_ready()) return RegionErrorKind::kDataIsNotReady;
  if (e.has_region_not_initialized()) return RegionErrorKind::kRegionNotInitialized;
  if (e.has_disk_full()) return RegionErrorKind::kDiskFull;
  if (e.has_recoveryinprogress()) return RegionErrorKind::kRecoveryInProgress;
  if (e.has_flashbackinprogress()) return RegionErrorKind::kFlashbackInProgress;
  if (e.has_flashbacknotprepared()) return RegionErrorKind::kFlashbackNotPrepared;
  if (e.has_is_witness()) return RegionErrorKind::kIsWitness;
  if (e.has_mismatch_peer_id()) return RegionErrorKind::kMismatchPeerId;
  if (e.has_bucket_version_not_match()) return RegionErrorKind::kBucketVersionNotMatch;
  if (e.has_undetermined_result()) return RegionErrorKind::kUndeterminedResult;
  return RegionErrorKind::kOther;
}

absl::Status RegionErrorStatus(const errorpb::Error& e, RedactMode mode) {
  RegionErrorKind kind = RegionErrorKindOf(e);
  std::string detail;
  if (kind == RegionErrorKind::kKeyNotInRegion) {
    const errorpb::KeyNotInRegion& k = e.key_not_in_region();
    detail = absl::StrFormat(" key=%s region=[%s, %s)", Key(k.key(), mode),
                             Key(k.start_key(), mode), Key(k.end_key(), mode));
  }
  std::string message = absl::StrCat("region error ", AbslView(RegionErrorKindName(kind)), detail,
                                     e.message().empty() ? "" : ": ", e.message());
  absl::Status s = absl::UnavailableError(message);
  SetProtoPayload(s, kRegionErrorPayloadUrl, e);
  return s;
}

std::optional<kvrpcpb::KeyError> GetKeyErrorProto(const absl::Status& s) { return KeyErrorOf(s); }

std::optional<errorpb::Error> GetRegionErrorProto(const absl::Status& s) {
  return ParsePayload<errorpb::Error>(s, kRegionErrorPayloadUrl);
}

// ---- builders

absl::Status KeyIsLockedError(const LockInfo& lock, RedactMode mode) {
  return MakeKeyError(mode, [&](kvrpcpb::KeyError& e) { ToProto(lock, e.mutable_locked()); });
}

absl::Status WriteConflictError(const WriteConflict& c, RedactMode mode) {
  return MakeKeyError(mode, [&](kvrpcpb::KeyError& e) {
    kvrpcpb::WriteConflict* p = e.mutable_conflict();
    p->set_start_ts(c.start_ts);
    p->set_conflict_ts(c.conflict_ts);
    p->set_conflict_commit_ts(c.conflict_commit_ts);
    p->set_key(c.key);
    p->set_primary(c.primary);
    p->set_reason(static_cast<kvrpcpb::WriteConflict::Reason>(c.reason));
  });
}

absl::Status AlreadyExistsError(const AlreadyExists& x, RedactMode mode) {
  return MakeKeyError(mode, [&](kvrpcpb::KeyError& e) { e.mutable_already_exist()->set_key(x.key); });
}

absl::Status DeadlockError(const Deadlock& d, RedactMode mode) {
  return MakeKeyError(mode, [&](kvrpcpb::KeyError& e) {
    kvrpcpb::Deadlock* p = e.mutable_deadlock();
    p->set_lock_ts(d.lock_ts);
    p->set_lock_key(d.lock_key);
    p->set_deadlock_key_hash(d.deadlock_key_hash);
    p->set_deadlock_key(d.deadlock_key);
    for (const WaitForEntry& w : d.wait_chain) {
      deadlock::WaitForEntry* q = p->add_wait_chain();
      q->set_txn(w.txn);
      q->set_wait_for_txn(w.wait_for_txn);
      q->set_key_hash(w.key_hash);
      q->set_key(w.key);
      q->set_resource_group_tag(w.resource_group_tag);
      q->set_wait_time(w.wait_time);
    }
  });
}

absl::Status CommitTsExpiredError(const CommitTsExpired& x, RedactMode mode) {
  return MakeKeyError(mode, [&](kvrpcpb::KeyError& e) {
    kvrpcpb::CommitTsExpired* p = e.mutable_commit_ts_expired();
    p->set_start_ts(x.start_ts);
    p->set_attempted_commit_ts(x.attempted_commit_ts);
    p->set_key(x.key);
    p->set_min_commit_ts(x.min_commit_ts);
  });
}

absl::Status TxnNotFoundError(const TxnNotFound& x, RedactMode mode) {
  return MakeKeyError(mode, [&](kvrpcpb::KeyError& e) {
    e.mutable_txn_not_found()->set_start_ts(x.start_ts);
    e.mutable_txn_not_found()->set_primary_key(x.primary_key);
  });
}

absl::Status CommitTsTooLargeError(const CommitTsTooLarge& x) {
  return MakeKeyError(RedactMode::kOff, [&](kvrpcpb::KeyError& e) {
    e.mutable_commit_ts_too_large()->set_commit_ts(x.commit_ts);
  });
}

absl::Status AssertionFailedError(const AssertionFailed& x, RedactMode mode) {
  return MakeKeyError(mode, [&](kvrpcpb::KeyError& e) {
    kvrpcpb::AssertionFailed* p = e.mutable_assertion_failed();
    p->set_start_ts(x.start_ts);
    p->set_key(x.key);
    p->set_assertion(static_cast<kvrpcpb::Assertion>(x.assertion));
    p->set_existing_start_ts(x.existing_start_ts);
    p->set_existing_commit_ts(x.existing_commit_ts);
  });
}

absl::Status PrimaryMismatchError(const PrimaryMismatch& x, RedactMode mode) {
  return MakeKeyError(mode, [&](kvrpcpb::KeyError& e) {
    ToProto(x.lock, e.mutable_primary_mismatch()->mutable_lock_info());
  });
}

absl::Status TxnLockNotFoundError(const TxnLockNotFound& x, RedactMode mode) {
  return MakeKeyError(mode, [&](kvrpcpb::KeyError& e) {
    e.mutable_txn_lock_not_found()->set_key(x.key);
    e.set_retryable("txn lock not found");
  });
}

absl::Status RetryableError(std::string_view text) {
  return MakeKeyError(RedactMode::kOff, [&](kvrpcpb::KeyError& e) {
    e.set_retryable(text.data(), text.size());
  });
}

absl::Status TxnAbortedError(std::string_view text) {
  return MakeKeyError(RedactMode::kOff, [&](kvrpcpb::KeyError& e) {
    e.set_abort(text.data(), text.size());
  });
}

absl::Status UndeterminedError(const absl::Status& cause) {
  errors::Undetermined u;
  std::string cause_message(cause.message());
  u.set_cause_message(cause_message);
  u.set_cause_code(static_cast<int32_t>(cause.code()));
  absl::Status s = WithPayload(absl::StatusCode::kUnknown,
                               absl::StrCat("result undetermined: ", cause_message),
                               kUndeterminedUrl, u);
  CopyPayloads(cause, s);
  return s;
}

absl::Status BackoffExhaustedError(const BackoffSummary& summary, const absl::Status& last_error) {
  errors::BackoffSummary p;
  std::string kinds;
  for (const BackoffKindSummary& k : summary.kinds) {
    errors::BackoffKindSummary* q = p.add_kinds();
    q->set_kind(k.kind);
    q->set_attempts(k.attempts);
    q->set_slept_ms(k.slept_ms);
    absl::StrAppend(&kinds, kinds.empty() ? "" : ", ", k.kind, " x", k.attempts);
  }
  p.set_total_sleep_ms(summary.total_sleep_ms);
  p.set_budget_ms(summary.budget_ms);
  std::string last = summary.last_error;
  if (last.empty() && !last_error.ok()) last = std::string(last_error.message());
  p.set_last_error(last);
  absl::Status s = WithPayload(
      absl::StatusCode::kUnavailable,
      absl::StrFormat("retry budget exhausted after %d ms of %d ms backoff [%s]; last error: %s",
                      summary.total_sleep_ms, summary.budget_ms, kinds, last),
      kBackoffSummaryUrl, p);
  CopyPayloads(last_error, s);
  return s;
}

absl::Status GcTooEarlyError(const GcTooEarly& gc) {
  errors::GcTooEarly p;
  p.set_start_ts(gc.start_ts);
  p.set_safe_point(gc.safe_point);
  return WithPayload(absl::StatusCode::kFailedPrecondition,
                     absl::StrFormat("GC life time is shorter than transaction duration: "
                                     "start_ts=%d is not above the GC safe point %d",
                                     gc.start_ts, gc.safe_point),
                     kGcTooEarlyUrl, p);
}

absl::Status SizeLimitError(const SizeLimit& limit, bool caller_error) {
  errors::SizeLimit p;
  p.set_what(limit.what);
  p.set_size(limit.size);
  p.set_limit(limit.limit);
  return WithPayload(
      caller_error ? absl::StatusCode::kInvalidArgument : absl::StatusCode::kResourceExhausted,
      absl::StrFormat("%s too large: size %d exceeds the limit %d", limit.what, limit.size,
                      limit.limit),
      kSizeLimitUrl, p);
}

absl::Status TransportFailure(absl::StatusCode code, std::string_view message,
                              std::string_view address) {
  errors::TransportError p;
  p.set_address(address.data(), address.size());
  p.set_grpc_code(static_cast<int32_t>(code));
  return WithPayload(code, absl::StrCat("rpc to ", AbslView(address), ": ", AbslView(message)),
                     kTransportErrorUrl, p);
}

absl::Status LockWaitTimeoutError(const LockWaitTimeout& t, RedactMode mode) {
  errors::LockWaitTimeout p;
  p.set_key(t.key);
  p.set_lock_ts(t.lock_ts);
  return WithPayload(absl::StatusCode::kDeadlineExceeded,
                     absl::StrFormat("lock wait timeout: key=%s lock_ts=%d", Key(t.key, mode),
                                     t.lock_ts),
                     kLockWaitTimeoutUrl, p);
}

// ---- predicates

bool IsKeyError(const absl::Status& s) {
  return !s.ok() && s.GetPayload(kKeyErrorPayloadUrl).has_value();
}

std::optional<KeyErrorKind> GetKeyErrorKind(const absl::Status& s) {
  std::optional<kvrpcpb::KeyError> e = KeyErrorOf(s);
  return e ? KeyErrorKindOf(*e) : std::nullopt;
}

bool IsKeyLocked(const absl::Status& s) { return HasKind(s, KeyErrorKind::kLocked); }
bool IsWriteConflict(const absl::Status& s) { return HasKind(s, KeyErrorKind::kWriteConflict); }
bool IsKeyExists(const absl::Status& s) { return HasKind(s, KeyErrorKind::kAlreadyExists); }
bool IsDeadlock(const absl::Status& s) { return HasKind(s, KeyErrorKind::kDeadlock); }
bool IsCommitTsExpired(const absl::Status& s) {
  return HasKind(s, KeyErrorKind::kCommitTsExpired);
}
bool IsTxnNotFound(const absl::Status& s) { return HasKind(s, KeyErrorKind::kTxnNotFound); }
bool IsCommitTsTooLarge(const absl::Status& s) {
  return HasKind(s, KeyErrorKind::kCommitTsTooLarge);
}
bool IsAssertionFailed(const absl::Status& s) {
  return HasKind(s, KeyErrorKind::kAssertionFailed);
}
bool IsPrimaryMismatch(const absl::Status& s) {
  return HasKind(s, KeyErrorKind::kPrimaryMismatch);
}
bool IsTxnLockNotFound(const absl::Status& s) {
  return HasKind(s, KeyErrorKind::kTxnLockNotFound);
}
bool IsRetryable(const absl::Status& s) {
  std::optional<kvrpcpb::KeyError> e = KeyErrorOf(s);
  // A write conflict also carries retryable text, but it is reported as a conflict (client-go
  // extractKeyErr checks `conflict` before `retryable`).
  return e && !e->has_conflict() && !e->retryable().empty();
}
bool IsTxnAborted(const absl::Status& s) { return HasKind(s, KeyErrorKind::kAbort); }
bool IsUndeterminedResult(const absl::Status& s) {
  return !s.ok() && s.GetPayload(kUndeterminedUrl).has_value();
}
bool IsRegionError(const absl::Status& s) {
  return !s.ok() && s.GetPayload(kRegionErrorPayloadUrl).has_value();
}
bool IsBackoffExhausted(const absl::Status& s) {
  return !s.ok() && s.GetPayload(kBackoffSummaryUrl).has_value();
}
bool IsGcTooEarly(const absl::Status& s) {
  return !s.ok() && s.GetPayload(kGcTooEarlyUrl).has_value();
}
bool IsSizeLimit(const absl::Status& s) {
  return !s.ok() && s.GetPayload(kSizeLimitUrl).has_value();
}
bool IsTransportError(const absl::Status& s) {
  return !s.ok() && s.GetPayload(kTransportErrorUrl).has_value();
}
bool IsLockWaitTimeout(const absl::Status& s) {
  return !s.ok() && s.GetPayload(kLockWaitTimeoutUrl).has_value();
}

// ---- accessors

std::optional<LockInfo> GetLockInfo(const absl::Status& s) {
  std::optional<kvrpcpb::KeyError> e = KeyErrorOf(s);
  if (!e || !e->has_locked()) return std::nullopt;
  return FromProto(e->locked());
}

std::optional<WriteConflict> GetWriteConflict(const absl::Status& s) {
  std::optional<kvrpcpb::KeyError> e = KeyErrorOf(s);
  if (!e || !e->has_conflict()) return std::nullopt;
  const kvrpcpb::WriteConflict& c = e->conflict();
  WriteConflict w;
  w.start_ts = c.start_ts();
  w.conflict_ts = c.conflict_ts();
  w.conflict_commit_ts = c.conflict_commit_ts();
  w.key = c.key();
  w.primary = c.primary();
  int reason = static_cast<int>(c.reason());
  w.reason = reason <= static_cast<int>(WriteConflictReason::kNotLockedKeyConflict)
                 ? static_cast<WriteConflictReason>(reason)
                 : WriteConflictReason::kUnknown;
  return w;
}

std::optional<AlreadyExists> GetAlreadyExists(const absl::Status& s) {
  std::optional<kvrpcpb::KeyError> e = KeyErrorOf(s);
  if (!e || !e->has_already_exist()) return std::nullopt;
  return AlreadyExists{e->already_exist().key()};
}

std::optional<Deadlock> GetDeadlock(const absl::Status& s) {
  std::optional<kvrpcpb::KeyError> e = KeyErrorOf(s);
  if (!e || !e->has_deadlock()) return std::nullopt;
  const kvrpcpb::Deadlock& p = e->deadlock();
  Deadlock d;
  d.lock_ts = p.lock_ts();
  d.lock_key = p.lock_key();
  d.deadlock_key_hash = p.deadlock_key_hash();
  d.deadlock_key = p.deadlock_key();
  for (const deadlock::WaitForEntry& w : p.wait_chain()) {
    d.wait_chain.push_back(WaitForEntry{w.txn(), w.wait_for_txn(), w.key_hash(), w.key(),
                                        w.resource_group_tag(), w.wait_time()});
  }
  return d;
}

std::optional<CommitTsExpired> GetCommitTsExpired(const absl::Status& s) {
  std::optional<kvrpcpb::KeyError> e = KeyErrorOf(s);
  if (!e || !e->has_commit_ts_expired()) return std::nullopt;
  const kvrpcpb::CommitTsExpired& p = e->commit_ts_expired();
  return CommitTsExpired{p.start_ts(), p.attempted_commit_ts(), p.key(), p.min_commit_ts()};
}

std::optional<TxnNotFound> GetTxnNotFound(const absl::Status& s) {
  std::optional<kvrpcpb::KeyError> e = KeyErrorOf(s);
  if (!e || !e->has_txn_not_found()) return std::nullopt;
  return TxnNotFound{e->txn_not_found().start_ts(), e->txn_not_found().primary_key()};
}

std::optional<CommitTsTooLarge> GetCommitTsTooLarge(const absl::Status& s) {
  std::optional<kvrpcpb::KeyError> e = KeyErrorOf(s);
  if (!e || !e->has_commit_ts_too_large()) return std::nullopt;
  return CommitTsTooLarge{e->commit_ts_too_large().commit_ts()};
}

std::optional<AssertionFailed> GetAssertionFailed(const absl::Status& s) {
  std::optional<kvrpcpb::KeyError> e = KeyErrorOf(s);
  if (!e || !e->has_assertion_failed()) return std::nullopt;
  const kvrpcpb::AssertionFailed& p = e->assertion_failed();
  int assertion = static_cast<int>(p.assertion());
  return AssertionFailed{p.start_ts(), p.key(),
                         assertion <= static_cast<int>(Assertion::kNotExist)
                             ? static_cast<Assertion>(assertion)
                             : Assertion::kNone,
                         p.existing_start_ts(), p.existing_commit_ts()};
}

std::optional<PrimaryMismatch> GetPrimaryMismatch(const absl::Status& s) {
  std::optional<kvrpcpb::KeyError> e = KeyErrorOf(s);
  if (!e || !e->has_primary_mismatch()) return std::nullopt;
  return PrimaryMismatch{FromProto(e->primary_mismatch().lock_info())};
}

std::optional<TxnLockNotFound> GetTxnLockNotFound(const absl::Status& s) {
  std::optional<kvrpcpb::KeyError> e = KeyErrorOf(s);
  if (!e || !e->has_txn_lock_not_found()) return std::nullopt;
  return TxnLockNotFound{e->txn_lock_not_found().key()};
}

std::optional<RegionError> GetRegionError(const absl::Status& s) {
  std::optional<errorpb::Error> e = GetRegionErrorProto(s);
  if (!e) return std::nullopt;
  RegionError r;
  r.kind = RegionErrorKindOf(*e);
  r.message = e->message();
  switch (r.kind) {
    case RegionErrorKind::kNotLeader:
      r.region_id = e->not_leader().region_id();
      r.leader_store_id = e->not_leader().leader().store_id();
      r.leader_peer_id = e->not_leader().leader().id();
      break;
    case RegionErrorKind::kRegionNotFound: r.region_id = e->region_not_found().region_id(); break;
    case RegionErrorKind::kKeyNotInRegion: r.region_id = e->key_not_in_region().region_id(); break;
    case RegionErrorKind::kEpochNotMatch:
      r.current_regions = static_cast<size_t>(e->epoch_not_match().current_regions_size());
      break;
    case RegionErrorKind::kServerIsBusy:
      r.reason = e->server_is_busy().reason();
      r.backoff_ms = e->server_is_busy().backoff_ms();
      r.estimated_wait_ms = e->server_is_busy().estimated_wait_ms();
      break;
    case RegionErrorKind::kStoreNotMatch:
      r.request_store_id = e->store_not_match().request_store_id();
      r.actual_store_id = e->store_not_match().actual_store_id();
      break;
    case RegionErrorKind::kRaftEntryTooLarge:
      r.region_id = e->raft_entry_too_large().region_id();
      break;
    case RegionErrorKind::kReadIndexNotReady:
      r.region_id = e->read_index_not_ready().region_id();
      r.reason = e->read_index_not_ready().reason();
      break;
    case RegionErrorKind::kProposalInMergingMode:
      r.region_id = e->proposal_in_merging_mode().region_id();
      break;
    case RegionErrorKind::kDataIsNotReady:
      r.region_id = e->data_is_not_ready().region_id();
      r.safe_ts = e->data_is_not_ready().safe_ts();
      break;
    case RegionErrorKind::kRegionNotInitialized:
      r.region_id = e->region_not_initialized().region_id();
      break;
    case RegionErrorKind::kDiskFull: r.reason = e->disk_full().reason(); break;
    case RegionErrorKind::kRecoveryInProgress:
      r.region_id = e->recoveryinprogress().region_id();
      break;
    case RegionErrorKind::kFlashbackInProgress:
      r.region_id = e->flashbackinprogress().region_id();
      break;
    case RegionErrorKind::kFlashbackNotPrepared:
      r.region_id = e->flashbacknotprepared().region_id();
      break;
    case RegionErrorKind::kIsWitness: r.region_id = e->is_witness().region_id(); break;
    default: break;
  }
  return r;
}

std::optional<Undetermined> GetUndetermined(const absl::Status& s) {
  std::optional<errors::Undetermined> p = ParsePayload<errors::Undetermined>(s, kUndeterminedUrl);
  if (!p) return std::nullopt;
  return Undetermined{p->cause_message(), static_cast<absl::StatusCode>(p->cause_code())};
}

std::optional<BackoffSummary> GetBackoffSummary(const absl::Status& s) {
  std::optional<errors::BackoffSummary> p =
      ParsePayload<errors::BackoffSummary>(s, kBackoffSummaryUrl);
  if (!p) return std::nullopt;
  BackoffSummary b;
  for (const errors::BackoffKindSummary& k : p->kinds()) {
    b.kinds.push_back(BackoffKindSummary{k.kind(), k.attempts(), k.slept_ms()});
  }
  b.total_sleep_ms = p->total_sleep_ms();
  b.budget_ms = p->budget_ms();
  b.last_error = p->last_error();
  return b;
}

std::optional<GcTooEarly> GetGcTooEarly(const absl::Status& s) {
  std::optional<errors::GcTooEarly> p = ParsePayload<errors::GcTooEarly>(s, kGcTooEarlyUrl);
  if (!p) return std::nullopt;
  return GcTooEarly{p->start_ts(), p->safe_point()};
}

std::optional<SizeLimit> GetSizeLimit(const absl::Status& s) {
  std::optional<errors::SizeLimit> p = ParsePayload<errors::SizeLimit>(s, kSizeLimitUrl);
  if (!p) return std::nullopt;
  return SizeLimit{p->what(), p->size(), p->limit()};
}

std::optional<TransportError> GetTransportError(const absl::Status& s) {
  std::optional<errors::TransportError> p =
      ParsePayload<errors::TransportError>(s, kTransportErrorUrl);
  if (!p) return std::nullopt;
  return TransportError{p->address(), static_cast<absl::StatusCode>(p->grpc_code())};
}

std::optional<LockWaitTimeout> GetLockWaitTimeout(const absl::Status& s) {
  std::optional<errors::LockWaitTimeout> p =
      ParsePayload<errors::LockWaitTimeout>(s, kLockWaitTimeoutUrl);
  if (!p) return std::nullopt;
  return LockWaitTimeout{p->key(), p->lock_ts()};
}

}  // namespace tikv

namespace tikv {

std::string ExtractDebugInfoStrFromKeyErr(const kvrpcpb::KeyError& error, RedactMode mode) {
  if (!error.has_debug_info()) return "";
  if (mode == RedactMode::kOff) return util::GoStyleJson(error.debug_info());
  // Replace every key and value with the marker, as client-go does before logging.
  kvrpcpb::DebugInfo redacted = error.debug_info();
  const std::string marker = "?";
  for (kvrpcpb::MvccDebugInfo& info : *redacted.mutable_mvcc_info()) {
    info.set_key(marker);
    if (!info.has_mvcc()) continue;
    kvrpcpb::MvccInfo* mvcc = info.mutable_mvcc();
    if (mvcc->has_lock()) {
      kvrpcpb::MvccLock* lock = mvcc->mutable_lock();
      lock->set_primary(marker);
      lock->set_short_value(marker);
      for (std::string& s : *lock->mutable_secondaries()) s = marker;
    }
    for (kvrpcpb::MvccWrite& w : *mvcc->mutable_writes()) w.set_short_value(marker);
    for (kvrpcpb::MvccValue& v : *mvcc->mutable_values()) v.set_value(marker);
  }
  return util::GoStyleJson(redacted);
}

std::string KeyErrorDebugInfoJson(const absl::Status& s, RedactMode mode) {
  std::optional<kvrpcpb::KeyError> e = GetKeyErrorProto(s);
  return e ? ExtractDebugInfoStrFromKeyErr(*e, mode) : "";
}

}  // namespace tikv
