// Backoff policies: the named exponential-backoff configurations of client-go (tikvRPC,
// regionMiss, tikvServerBusy, ...), their jitter algorithms, and the per-operation sleep budgets.
// Port of client-go config/retry/config.go (Config, BackoffFnCfg, the Bo* variables,
// isSleepExcluded) and the budget constants spread over client-go's packages.
//
// Immutable: policies are plain values; the table is constant.

#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

namespace tikv::locate {

// How a sleep is drawn from the capped exponential value v = min(cap, base * 2^attempts).
// Port of client-go's NoJitter / FullJitter / EqualJitter / DecorrJitter.
enum class Jitter {
  kNone,          // exactly v
  kFull,          // uniform in [0, v)
  kEqual,         // v/2 + uniform in [0, v/2): never very short
  kDecorrelated,  // min(cap, base + uniform in [0, 3 * last_sleep - base))
};

// One named backoff configuration (client-go retry.Config plus its BackoffFnCfg).
// `name` and `terminal_error` must outlive every Backoffer that uses the policy (the built-in
// ones are string literals).
struct BackoffPolicy {
  std::string_view name;  // client-go's name, e.g. "regionMiss"; keys the per-kind state
  int64_t base_ms = 2;    // raised to 2 when smaller, as client-go does
  int64_t cap_ms = 500;
  Jitter jitter = Jitter::kNone;
  // The error a caller sees when the budget runs out and this kind slept longest (client-go's
  // Config.err), e.g. "region unavailable".
  std::string_view terminal_error;
  // > 0: sleeps of this kind do not count against the budget until the kind has slept this
  // long in total (client-go isSleepExcluded; only tikvServerBusy, 10 min).
  int64_t excluded_cap_ms = 0;
  // txnLockFast takes its base from BackoffVars::backoff_lock_fast_ms instead of base_ms.
  bool base_from_vars = false;
};

// Every client-go backoff kind (config/retry/config.go), in its declaration order.
enum class BackoffKind {
  kTikvRpc,
  kTiflashRpc,
  kTxnLock,
  kPdRpc,
  kRegionMiss,
  kRegionScheduling,
  kTikvServerBusy,
  kTikvDiskFull,
  kRegionRecoveryInProgress,
  kTiflashServerBusy,
  kTxnNotFound,
  kStaleCommand,
  kMaxTsNotSynced,
  kCommitTsLag,
  kRegionNotInitialized,
  kIsWitness,
  kTxnLockFast,
};
inline constexpr int kBackoffKindCount = 17;

// The built-in policy of `kind`.  Never suspends.
const BackoffPolicy& PolicyFor(BackoffKind kind);

// The kind whose client-go name is `name`, if any.  Never suspends.
bool BackoffKindFromName(std::string_view name, BackoffKind* kind);

// client-go kv.Variables, the per-client knobs a Backoffer reads.
struct BackoffVars {
  // Base of txnLockFast in ms (client-go DefBackoffLockFast).
  int64_t backoff_lock_fast_ms = 10;
  // Multiplies every budget (client-go DefBackOffWeight).
  int64_t backoff_weight = 2;
};

// Per-operation budgets in ms, before BackoffVars::backoff_weight (client-go constants).
inline constexpr int64_t kGetMaxBackoffMs = 20000;
inline constexpr int64_t kScanMaxBackoffMs = 20000;
inline constexpr int64_t kBatchGetMaxBackoffMs = 20000;
inline constexpr int64_t kPrewriteMaxBackoffMs = 40000;
inline constexpr int64_t kCommitMaxBackoffMs = 40000;
inline constexpr int64_t kCommitSecondaryMaxBackoffMs = 41000;
inline constexpr int64_t kCleanupMaxBackoffMs = 20000;
inline constexpr int64_t kPessimisticLockMaxBackoffMs = 20000;
inline constexpr int64_t kTxnHeartBeatMaxBackoffMs = 20000;
inline constexpr int64_t kCheckTxnStatusMaxBackoffMs = 20000;
inline constexpr int64_t kAsyncResolveMaxBackoffMs = 40000;
inline constexpr int64_t kTsoMaxBackoffMs = 15000;
inline constexpr int64_t kRawKvMaxBackoffMs = 20000;
inline constexpr int64_t kSplitRegionBackoffMs = 20000;
inline constexpr int64_t kMaxSplitRegionsBackoffMs = 120000;
inline constexpr int64_t kGcResolveLockMaxBackoffMs = 100000;
inline constexpr int64_t kDeleteRangeOneRegionMaxBackoffMs = 100000;
inline constexpr int64_t kLocateRegionMaxBackoffMs = 20000;

}  // namespace tikv::locate
