// The client's error model: absl::Status codes chosen by what the caller should do next, with
// TiKV's semantics riding along as typed payloads that these functions decode into plain structs,
// so callers never parse message strings. Port of client-go error/error.go (the ErrXxx types and
// their predicates) and the key/region error payloads of kvrpcpb.KeyError and errorpb.Error.
//
// | situation (client-go)                         | code                | decoded by            |
// |-----------------------------------------------|---------------------|-----------------------|
// | write conflict (ErrWriteConflict)             | kAborted            | GetWriteConflict      |
// | deadlock (ErrDeadlock)                        | kAborted            | GetDeadlock           |
// | key locked (surfaced, e.g. lock no-wait)      | kAborted            | GetLockInfo           |
// | txn lock gone at commit (TxnLockNotFound)     | kAborted            | GetTxnLockNotFound    |
// | retryable / abort text from TiKV              | kAborted            | GetKeyErrorKind       |
// | key exists (ErrKeyExist)                      | kAlreadyExists      | GetAlreadyExists      |
// | commit outcome unknown (ErrResultUndetermined)| kUnknown            | GetUndetermined       |
// | retry budget exhausted                        | kUnavailable        | GetBackoffSummary     |
// | region error surfaced to the caller           | kUnavailable        | GetRegionError        |
// | lock wait timeout                             | kDeadlineExceeded   | GetLockWaitTimeout    |
// | start_ts below the GC safe point              | kFailedPrecondition | GetGcTooEarly         |
// | assertion failed                              | kFailedPrecondition | GetAssertionFailed    |
// | primary mismatch                              | kFailedPrecondition | GetPrimaryMismatch    |
// | commit ts expired / too large, txn not found  | kAborted            | GetCommitTsExpired... |
// | size limits                                   | kInvalidArgument or kResourceExhausted | GetSizeLimit |
// | transport failure to a store or PD            | gRPC's code         | GetTransportError     |
//
// Keys in messages are printed as upper-case hex, or redacted per RedactMode; payloads always keep
// the real bytes. Wrapping keeps the cause: Undetermined and BackoffExhausted copy every payload
// of the status they wrap, so predicates still see the underlying error.
//
// Immutable: every function here is a pure function of its arguments; thread-safe.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace tikv {

// How user keys appear in error messages. client-go reads a process-wide switch
// (errors.RedactLogEnabled); here the mode is passed explicitly, normally from ClientConfig.
// client-go redacts to "?" in every mode other than "off", so there are only two.
enum class RedactMode {
  kOff,  // upper-case hex of the key
  kOn,   // "?"
};

// Formats `key` for a message under `mode`. Never suspends.
std::string RedactKey(std::string_view key, RedactMode mode);

// Which kvrpcpb.KeyError field a status carries.
enum class KeyErrorKind {
  kLocked,
  kRetryable,
  kAbort,
  kWriteConflict,
  kAlreadyExists,
  kDeadlock,
  kCommitTsExpired,
  kTxnNotFound,
  kCommitTsTooLarge,
  kAssertionFailed,
  kPrimaryMismatch,
  kTxnLockNotFound,
};

// Which errorpb.Error field a status carries; kOther is a message-only (or unknown) error.
enum class RegionErrorKind {
  kOther,
  kNotLeader,
  kRegionNotFound,
  kKeyNotInRegion,
  kEpochNotMatch,
  kServerIsBusy,
  kStaleCommand,
  kStoreNotMatch,
  kRaftEntryTooLarge,
  kMaxTimestampNotSynced,
  kReadIndexNotReady,
  kProposalInMergingMode,
  kDataIsNotReady,
  kRegionNotInitialized,
  kDiskFull,
  kRecoveryInProgress,
  kFlashbackInProgress,
  kFlashbackNotPrepared,
  kIsWitness,
  kMismatchPeerId,
  kBucketVersionNotMatch,
  kUndeterminedResult,
};

// Short stable names ("WriteConflict", "NotLeader"), for logs and metrics labels.
std::string_view KeyErrorKindName(KeyErrorKind kind);
std::string_view RegionErrorKindName(RegionErrorKind kind);

// kvrpcpb.Op values a lock can have.
enum class LockType {
  kPut,
  kDelete,
  kLock,
  kRollback,
  kInsert,
  kPessimisticLock,
  kCheckNotExists,
  kSharedLock,
  kSharedPessimisticLock,
  kOther,  // a value this client does not know
};

// A lock found on a key (kvrpcpb.LockInfo).
struct LockInfo {
  std::string primary_lock;
  uint64_t lock_version = 0;  // the locking transaction's start_ts
  std::string key;
  uint64_t lock_ttl = 0;      // ms
  uint64_t txn_size = 0;
  LockType lock_type = LockType::kPut;
  uint64_t lock_for_update_ts = 0;
  bool use_async_commit = false;
  uint64_t min_commit_ts = 0;
  std::vector<std::string> secondaries;
  uint64_t duration_to_last_update_ms = 0;
  bool is_txn_file = false;
};

// kvrpcpb.WriteConflict.Reason.
enum class WriteConflictReason {
  kUnknown,
  kOptimistic,
  kPessimisticRetry,
  kSelfRolledBack,
  kRcCheckTs,
  kLazyUniquenessCheck,
  kNotLockedKeyConflict,
};

struct WriteConflict {
  uint64_t start_ts = 0;
  uint64_t conflict_ts = 0;         // the other transaction's start_ts
  uint64_t conflict_commit_ts = 0;  // the other transaction's commit_ts, when known
  std::string key;
  std::string primary;
  WriteConflictReason reason = WriteConflictReason::kUnknown;
};

struct AlreadyExists {
  std::string key;
};

// One edge of a deadlock's wait-for chain (deadlock.WaitForEntry).
struct WaitForEntry {
  uint64_t txn = 0;
  uint64_t wait_for_txn = 0;
  uint64_t key_hash = 0;
  std::string key;
  std::string resource_group_tag;
  uint64_t wait_time = 0;
};

struct Deadlock {
  uint64_t lock_ts = 0;
  std::string lock_key;
  uint64_t deadlock_key_hash = 0;
  std::string deadlock_key;
  std::vector<WaitForEntry> wait_chain;
};

struct CommitTsExpired {
  uint64_t start_ts = 0;
  uint64_t attempted_commit_ts = 0;
  std::string key;
  uint64_t min_commit_ts = 0;
};

struct TxnNotFound {
  uint64_t start_ts = 0;
  std::string primary_key;
};

struct CommitTsTooLarge {
  uint64_t commit_ts = 0;
};

// kvrpcpb.Assertion.
enum class Assertion { kNone, kExist, kNotExist };

struct AssertionFailed {
  uint64_t start_ts = 0;
  std::string key;
  Assertion assertion = Assertion::kNone;
  uint64_t existing_start_ts = 0;
  uint64_t existing_commit_ts = 0;
};

struct PrimaryMismatch {
  LockInfo lock;
};

struct TxnLockNotFound {
  std::string key;
};

// A region error as far as a caller can act on it (errorpb.Error, flattened).
struct RegionError {
  RegionErrorKind kind = RegionErrorKind::kOther;
  std::string message;
  uint64_t region_id = 0;
  uint64_t leader_store_id = 0;    // NotLeader with a known leader; 0 otherwise
  uint64_t leader_peer_id = 0;
  uint64_t estimated_wait_ms = 0;  // ServerIsBusy
  uint64_t backoff_ms = 0;         // ServerIsBusy
  std::string reason;              // ServerIsBusy, ReadIndexNotReady, DiskFull
  uint64_t safe_ts = 0;            // DataIsNotReady
  uint64_t request_store_id = 0;   // StoreNotMatch
  uint64_t actual_store_id = 0;    // StoreNotMatch
  size_t current_regions = 0;      // EpochNotMatch: how many regions the store reported
};

struct Undetermined {
  std::string cause_message;
  absl::StatusCode cause_code = absl::StatusCode::kUnknown;
};

struct BackoffKindSummary {
  std::string kind;  // client-go's name, e.g. "regionMiss"
  uint32_t attempts = 0;
  int64_t slept_ms = 0;
};

struct BackoffSummary {
  std::vector<BackoffKindSummary> kinds;
  int64_t total_sleep_ms = 0;
  int64_t budget_ms = 0;
  std::string last_error;
};

struct GcTooEarly {
  uint64_t start_ts = 0;
  uint64_t safe_point = 0;
};

// What exceeded a limit: "key", "value", "entry", "txn", "batch", "scan limit"...
struct SizeLimit {
  std::string what;
  uint64_t size = 0;
  uint64_t limit = 0;
};

struct TransportError {
  std::string address;
  absl::StatusCode code = absl::StatusCode::kUnavailable;
};

struct LockWaitTimeout {
  std::string key;
  uint64_t lock_ts = 0;
};

// --- Building statuses. Each returns a non-OK status with a readable message and the payload.

absl::Status KeyIsLockedError(const LockInfo& lock, RedactMode mode = RedactMode::kOff);
absl::Status WriteConflictError(const WriteConflict& conflict, RedactMode mode = RedactMode::kOff);
absl::Status AlreadyExistsError(const AlreadyExists& exists, RedactMode mode = RedactMode::kOff);
absl::Status DeadlockError(const Deadlock& deadlock, RedactMode mode = RedactMode::kOff);
absl::Status CommitTsExpiredError(const CommitTsExpired& expired,
                                  RedactMode mode = RedactMode::kOff);
absl::Status TxnNotFoundError(const TxnNotFound& not_found, RedactMode mode = RedactMode::kOff);
absl::Status CommitTsTooLargeError(const CommitTsTooLarge& too_large);
absl::Status AssertionFailedError(const AssertionFailed& failed,
                                  RedactMode mode = RedactMode::kOff);
absl::Status PrimaryMismatchError(const PrimaryMismatch& mismatch,
                                  RedactMode mode = RedactMode::kOff);
absl::Status TxnLockNotFoundError(const TxnLockNotFound& not_found,
                                  RedactMode mode = RedactMode::kOff);
// TiKV's free-text `retryable` / `abort` key errors.
absl::Status RetryableError(std::string_view text);
absl::Status TxnAbortedError(std::string_view text);

// The commit outcome is unknown because of `cause`. Keeps cause's payloads.
// Requires: !cause.ok().
absl::Status UndeterminedError(const absl::Status& cause);
// The retry budget is exhausted; `last_error` (may be OK) contributes its payloads.
absl::Status BackoffExhaustedError(const BackoffSummary& summary, const absl::Status& last_error);
absl::Status GcTooEarlyError(const GcTooEarly& gc);
// kInvalidArgument when `caller_error` (an oversized key or entry in one request), otherwise
// kResourceExhausted (the transaction or batch grew past its budget).
absl::Status SizeLimitError(const SizeLimit& limit, bool caller_error);
// Keeps `code` (gRPC's, or the simulated network's) and adds the address.
absl::Status TransportFailure(absl::StatusCode code, std::string_view message,
                              std::string_view address);
absl::Status LockWaitTimeoutError(const LockWaitTimeout& timeout,
                                  RedactMode mode = RedactMode::kOff);

// --- Predicates. All return false for an OK status.

bool IsKeyError(const absl::Status& s);
std::optional<KeyErrorKind> GetKeyErrorKind(const absl::Status& s);
bool IsKeyLocked(const absl::Status& s);
bool IsWriteConflict(const absl::Status& s);
// The key already exists (client-go IsErrKeyExist). Not named IsAlreadyExists: that would be
// ambiguous with absl::IsAlreadyExists through argument-dependent lookup.
bool IsKeyExists(const absl::Status& s);
bool IsDeadlock(const absl::Status& s);
bool IsCommitTsExpired(const absl::Status& s);
bool IsTxnNotFound(const absl::Status& s);
bool IsCommitTsTooLarge(const absl::Status& s);
bool IsAssertionFailed(const absl::Status& s);
bool IsPrimaryMismatch(const absl::Status& s);
bool IsTxnLockNotFound(const absl::Status& s);
// TiKV said the transaction may succeed if retried (a `retryable` key error).
bool IsRetryable(const absl::Status& s);
// TiKV aborted the transaction (an `abort` key error).
bool IsTxnAborted(const absl::Status& s);
bool IsUndeterminedResult(const absl::Status& s);
bool IsRegionError(const absl::Status& s);
bool IsBackoffExhausted(const absl::Status& s);
bool IsGcTooEarly(const absl::Status& s);
bool IsSizeLimit(const absl::Status& s);
bool IsTransportError(const absl::Status& s);
bool IsLockWaitTimeout(const absl::Status& s);

// --- Payload accessors: the decoded payload, or nullopt when the status has none.

std::optional<LockInfo> GetLockInfo(const absl::Status& s);
std::optional<WriteConflict> GetWriteConflict(const absl::Status& s);
std::optional<AlreadyExists> GetAlreadyExists(const absl::Status& s);
std::optional<Deadlock> GetDeadlock(const absl::Status& s);
std::optional<CommitTsExpired> GetCommitTsExpired(const absl::Status& s);
std::optional<TxnNotFound> GetTxnNotFound(const absl::Status& s);
std::optional<CommitTsTooLarge> GetCommitTsTooLarge(const absl::Status& s);
std::optional<AssertionFailed> GetAssertionFailed(const absl::Status& s);
std::optional<PrimaryMismatch> GetPrimaryMismatch(const absl::Status& s);
std::optional<TxnLockNotFound> GetTxnLockNotFound(const absl::Status& s);
std::optional<RegionError> GetRegionError(const absl::Status& s);
std::optional<Undetermined> GetUndetermined(const absl::Status& s);
std::optional<BackoffSummary> GetBackoffSummary(const absl::Status& s);
std::optional<GcTooEarly> GetGcTooEarly(const absl::Status& s);
std::optional<SizeLimit> GetSizeLimit(const absl::Status& s);
std::optional<TransportError> GetTransportError(const absl::Status& s);
std::optional<LockWaitTimeout> GetLockWaitTimeout(const absl::Status& s);

// The MVCC debug information TiKV attached to a key error (kvrpcpb.KeyError.debug_info), as the
// JSON client-go logs: fields in schema order, zero values omitted, enums as numbers, bytes in
// base64; with kOn every key and value is replaced by "?". Empty when there is none.
std::string KeyErrorDebugInfoJson(const absl::Status& s, RedactMode mode);

}  // namespace tikv
