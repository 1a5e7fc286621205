// Backoffer: retries with exponential backoff under one total sleep budget per operation.
// Each backoff kind keeps its own attempt counter; the budget counts every sleep except
// tikvServerBusy's (up to its own cap); when the budget is spent the caller gets a
// kUnavailable BackoffExhaustedError naming the kind that slept longest.  Sleeps go through the
// Env's executor (virtual time in simulation) and jitter comes from the Env's "backoff" random
// stream.  Port of client-go config/retry/backoff.go.
//
// Fiber-confined: one Backoffer belongs to one operation; parallel work takes Fork()s and the
// parent merges the last finished fork back with UpdateUsingForked().

#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "tikv/cancel.h"
#include "tikv/env.h"
#include "tikv/status.h"

#include "errorpb.pb.h"
#include "locate/backoff_config.h"

namespace tikv::locate {

// How many recent errors a Backoffer remembers for its exhaustion message (client-go
// MaxRecordBackoffErrCount).
inline constexpr int kMaxRecordBackoffErrors = 3;

// One remembered error: its text and this node's wall time in Unix ms when it was recorded.
struct BackoffError {
  std::string reason;
  int64_t wall_millis = 0;

  // "<reason> at <RFC 3339 time, UTC, millisecond precision>".  Never suspends.
  std::string ToString() const;
  bool operator==(const BackoffError&) const = default;
};

struct BackoffOptions {
  BackoffVars vars;
  // Set to non-zero by another fiber or thread to stop the operation after its current sleep
  // (client-go kv.Variables.Killed).  Borrowed; must outlive the Backoffer and its forks.
  const std::atomic<uint32_t>* killed = nullptr;
};

class Backoffer {
 public:
  // A Backoffer that may sleep `budget_ms` in total (multiplied by vars.backoff_weight unless
  // that overflows int32, as client-go does); budget 0 means unlimited.  `cancel` stops sleeps
  // early.  `env` must outlive the Backoffer.  Never suspends.
  Backoffer(Env& env, int64_t budget_ms, CancelToken cancel = CancelToken(),
            BackoffOptions options = {});
  // A Backoffer that fails on first use with the error it is given (client-go NewNoopBackoff).
  // Never suspends.
  static Backoffer Noop(Env& env, CancelToken cancel = CancelToken());

  Backoffer(const Backoffer&) = delete;
  Backoffer& operator=(const Backoffer&) = delete;
  Backoffer(Backoffer&&) = default;
  Backoffer& operator=(Backoffer&&) = default;

  // Records `error`, then sleeps according to `kind`'s policy and attempt count.  Returns OK
  // when the caller should retry.
  // Errors:
  //   kUnavailable (BackoffExhaustedError, GetBackoffSummary) once the budget is spent; the
  //     message starts with the terminal error of the kind that slept longest (client-go
  //     returns that kind's error), and TerminalBackoffKindName() names it;
  //   kCancelled / kDeadlineExceeded when the token is cancelled or its deadline passes
  //     (before or during the sleep), keeping `error`'s payloads;
  //   kFailedPrecondition when `error` says "mismatch cluster id" (fatal for the client);
  //   kCancelled when the killed flag is set;
  //   `error` itself for a Noop Backoffer.
  // Requires: on a fiber; !error.ok().  May suspend.
  absl::Status Backoff(BackoffKind kind, const absl::Status& error);
  // Same with an explicit policy (custom kinds, tests).  May suspend.
  absl::Status Backoff(const BackoffPolicy& policy, const absl::Status& error);
  // Same, but never sleeps longer than `max_sleep_ms` at once (client-go
  // BackoffWithCfgAndMaxSleep; -1 means no limit).  May suspend.
  absl::Status BackoffWithMaxSleep(const BackoffPolicy& policy, int64_t max_sleep_ms,
                                   const absl::Status& error);
  // txnLockFast with a per-sleep limit (client-go BackoffWithMaxSleepTxnLockFast).
  // May suspend.
  absl::Status BackoffWithMaxSleepTxnLockFast(int64_t max_sleep_ms, const absl::Status& error);

  // A copy with the same history, budget and token (client-go Clone).  The copy's per-kind
  // attempt counters start afresh, as in client-go.  Never suspends.
  Backoffer Clone() const;
  // A copy with the same history whose token is a child of this one's: cancel the fork with
  // fork.cancel_token().Cancel() (client-go Fork).  This Backoffer must outlive the fork.
  // Never suspends.
  Backoffer Fork() const;
  // Takes over the sleep totals, counts and errors of `forked` if it descends from this
  // Backoffer (client-go UpdateUsingForked); otherwise does nothing.  Never suspends.
  void UpdateUsingForked(const Backoffer& forked);

  // Forgets the attempt counters and the sleep totals, keeping counts and errors (client-go
  // Reset).  Never suspends.
  void Reset();
  // Reset() and a new budget (weighted like the constructor's).  Never suspends.
  void ResetMaxSleep(int64_t budget_ms);

  // Fails with kCancelled if the killed flag is set (client-go CheckKilled).  Never suspends.
  absl::Status CheckKilled() const;

  // --- accounting (client-go GetTotalSleep, GetTypes, GetBackoffTimes, ...) ---
  int64_t total_sleep_ms() const { return total_sleep_ms_; }
  int64_t excluded_sleep_ms() const { return excluded_sleep_ms_; }
  int64_t max_sleep_ms() const { return max_sleep_ms_; }
  int errors_num() const { return errors_num_; }
  const CancelToken& cancel_token() const { return cancel_; }
  const BackoffVars& vars() const { return options_.vars; }
  // Kind names of every backoff of this Backoffer, then of its ancestors'.  Never suspends.
  std::vector<std::string> GetTypes() const;
  // Attempts / slept ms of one kind (0 when unused).  Never suspends.
  int BackoffTimes(std::string_view name) const;
  int64_t BackoffSleepMs(std::string_view name) const;
  // Sum of attempts over all kinds.  Never suspends.
  int TotalBackoffTimes() const;
  // Up to kMaxRecordBackoffErrors most recent errors, oldest first.  Never suspends.
  std::vector<BackoffError> LatestErrors() const;
  // The kind (name) that slept longest, excluding excluded kinds; empty when none.
  // Never suspends.
  std::string_view LongestSleepKind() const;
  // What the caller would see in a BackoffSummary now.  Never suspends.
  BackoffSummary Summary() const;
  // " backoff(<total>ms [kinds...])" or "" when nothing slept (client-go String).
  std::string ToString() const;

 private:
  friend class BackofferTestPeer;

  struct KindStats {
    BackoffPolicy policy;
    int times = 0;
    int64_t slept_ms = 0;
  };
  struct KindSleepState {
    std::string_view name;
    int attempts = 0;
    int64_t last_sleep_ms = 0;
  };

  // Applies BackOffWeight to `budget_ms` the way client-go withVars does.
  int64_t WeightedBudget(int64_t budget_ms) const;
  // The sleep for the next attempt of `policy`, advancing nothing.
  int64_t NextSleepMs(const BackoffPolicy& policy, KindSleepState& state);
  absl::Status ExhaustedError(const BackoffPolicy& policy, const absl::Status& error) const;
  void AppendError(const absl::Status& error);
  KindStats& StatsFor(const BackoffPolicy& policy);
  const KindStats* FindStats(std::string_view name) const;

  Env* env_;
  CancelToken cancel_;
  BackoffOptions options_;
  bool noop_ = false;
  int64_t max_sleep_ms_ = 0;
  int64_t total_sleep_ms_ = 0;
  int64_t excluded_sleep_ms_ = 0;
  // Ring of the last errors; errors_[errors_num_ % k] is the oldest once full.
  std::array<BackoffError, kMaxRecordBackoffErrors> errors_;
  int errors_num_ = 0;
  // Every backoff's kind, in order (client-go configs).
  std::vector<BackoffPolicy> configs_;
  // Per-kind totals, in first-use order so summaries are deterministic.
  std::vector<KindStats> stats_;
  // Per-kind attempt state; cleared by Reset() and not copied by Clone()/Fork().
  std::vector<KindSleepState> sleep_state_;
  std::unique_ptr<Random> random_;  // created on the first jittered sleep
  const Backoffer* parent_ = nullptr;
};

// True for a "fake" region error: EpochNotMatch without current regions, which the request
// sender returns when it gave up on a region (client-go IsFakeRegionError).  Never suspends.
bool IsFakeRegionError(const errorpb::Error& error);

// Backs off regionMiss for every region error except a genuine EpochNotMatch (one that carries
// the current regions: the cache was just refreshed, so retry at once).  Port of client-go
// MayBackoffForRegionError.  Errors: as Backoffer::Backoff, with the region error's text.
// May suspend.
absl::Status MayBackoffForRegionError(const errorpb::Error& error, Backoffer& bo);

// The kind named as terminal in a BackoffExhaustedError built by a Backoffer, or nullopt.
// Never suspends.
std::optional<std::string> TerminalBackoffKindName(const absl::Status& status);

}  // namespace tikv::locate
