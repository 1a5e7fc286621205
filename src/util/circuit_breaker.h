// CircuitBreaker: stops sending requests that are likely to fail, so an overloaded service
// gets room to recover.  Port of tikv/pd client/pkg/circuitbreaker (TiKV RFC 0115), with time
// from a tikv::Clock so the simulation drives it on virtual time.
//
// State machine (every transition happens when a request asks to be admitted):
//   closed    -> lasts one error-rate window; at its end, if the window saw at least
//                window_seconds * min_qps_for_open results and the share of overloaded ones is
//                at least error_rate_threshold_pct, the breaker opens (and rejects that
//                request); otherwise a new closed window starts.
//   open      -> rejects everything for cool_down_interval, then admits one request and turns
//                half-open.
//   half-open -> admits up to half_open_success_count probes; any overloaded probe reopens it,
//                all of them succeeding closes it.
// Results are counted only in the state (window) that admitted the request.
// A threshold of 0 disables the breaker: it never opens, and an open one closes on the next
// request.  Settings may change at any time and apply from the next evaluation.
//
// Thread-safe.  Never suspends.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tikv/env.h"

namespace tikv::util {

struct CircuitBreakerSettings {
  // Share (percent) of overloaded results in a window that opens the breaker; 0 disables it.
  uint32_t error_rate_threshold_pct = 0;
  // Average results per second over the window needed before the error rate counts.
  uint32_t min_qps_for_open = 10;
  // Length of one closed-state evaluation window.
  Duration error_rate_window = std::chrono::seconds(30);
  // How long an open breaker rejects everything before probing.
  Duration cool_down_interval = std::chrono::seconds(10);
  // Probes admitted (and needed to succeed) in the half-open state.
  uint32_t half_open_success_count = 1;
};

enum class CircuitState { kClosed, kOpen, kHalfOpen };

// "closed", "open", "half-open".  Never suspends.
std::string_view CircuitStateName(CircuitState state);

// The status a rejected request gets: kUnavailable "circuit breaker is open" with a payload that
// IsCircuitBreakerOpen() recognises.  Never suspends.
absl::Status CircuitBreakerOpenError(std::string_view name);
// True when `status` came from an open breaker.  Never suspends.
bool IsCircuitBreakerOpen(const absl::Status& status);

class CircuitBreaker {
 public:
  // Admission receipt: which state (window) let the request through.
  struct Ticket {
    uint64_t generation = 0;
  };

  // `clock` must outlive the breaker.  Starts closed.  Never suspends.
  CircuitBreaker(std::string name, Clock& clock, CircuitBreakerSettings settings = {});
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  // True when the threshold is non-zero.  Never suspends.
  bool IsEnabled() const ABSL_LOCKS_EXCLUDED(mu_);
  // Edits the settings in place (pd ChangeSettings).  Never suspends.
  void ChangeSettings(absl::FunctionRef<void(CircuitBreakerSettings&)> apply)
      ABSL_LOCKS_EXCLUDED(mu_);
  CircuitBreakerSettings settings() const ABSL_LOCKS_EXCLUDED(mu_);

  // Asks to send one request.  Errors: CircuitBreakerOpenError when rejected.  Never suspends.
  absl::StatusOr<Ticket> Admit() ABSL_LOCKS_EXCLUDED(mu_);
  // Records the outcome of an admitted request.  Never suspends.
  void Report(const Ticket& ticket, bool overloaded) ABSL_LOCKS_EXCLUDED(mu_);

  // Admit + `call` + Report: `call` returns whether the service was overloaded and the result
  // status, which Execute returns.  A rejected request does not run `call`.  Suspends only if
  // `call` does.
  absl::Status Execute(absl::FunctionRef<std::pair<bool, absl::Status>()> call);

  // Introspection for tests and metrics.  Never suspend.
  CircuitState state() const ABSL_LOCKS_EXCLUDED(mu_);
  uint32_t success_count() const ABSL_LOCKS_EXCLUDED(mu_);
  uint32_t failure_count() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void EnterLocked(CircuitState state, MonoTime now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string name_;
  Clock& clock_;
  mutable absl::Mutex mu_;
  CircuitBreakerSettings settings_ ABSL_GUARDED_BY(mu_);
  CircuitState state_ ABSL_GUARDED_BY(mu_) = CircuitState::kClosed;
  // Bumped on every state change, so late results of an earlier state are ignored.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  MonoTime end_ ABSL_GUARDED_BY(mu_);
  uint32_t pending_ ABSL_GUARDED_BY(mu_) = 0;
  uint32_t successes_ ABSL_GUARDED_BY(mu_) = 0;
  uint32_t failures_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tikv::util
