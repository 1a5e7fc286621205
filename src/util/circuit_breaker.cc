#include "util/circuit_breaker.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "util/absl_view.h"

namespace tikv::util {
namespace {

using util::AbslView;

constexpr char kOpenPayload[] = "tikv.util/CircuitBreakerOpen";

}  // namespace

std::string_view CircuitStateName(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half-open";
  }
  return "unknown";
}

absl::Status CircuitBreakerOpenError(std::string_view name) {
  absl::Status s = absl::UnavailableError(absl::StrCat("circuit breaker is open (", AbslView(name), ")"));
  s.SetPayload(kOpenPayload, absl::Cord(AbslView(name)));
  return s;
}

bool IsCircuitBreakerOpen(const absl::Status& status) {
  return status.GetPayload(kOpenPayload).has_value();
}

CircuitBreaker::CircuitBreaker(std::string name, Clock& clock, CircuitBreakerSettings settings)
    : name_(std::move(name)), clock_(clock), settings_(settings) {
  absl::MutexLock lock(&mu_);
  EnterLocked(CircuitState::kClosed, clock_.Now());
}

bool CircuitBreaker::IsEnabled() const {
  absl::MutexLock lock(&mu_);
  return settings_.error_rate_threshold_pct > 0;
}

void CircuitBreaker::ChangeSettings(absl::FunctionRef<void(CircuitBreakerSettings&)> apply) {
  absl::MutexLock lock(&mu_);
  apply(settings_);
}

CircuitBreakerSettings CircuitBreaker::settings() const {
  absl::MutexLock lock(&mu_);
  return settings_;
}

void CircuitBreaker::EnterLocked(CircuitState state, MonoTime now) {
  state_ = state;
  ++generation_;
  successes_ = 0;
  failures_ = 0;
  pending_ = 0;
  switch (state) {
    case CircuitState::kClosed:
      end_ = now + settings_.error_rate_window;
      break;
    case CircuitState::kOpen:
      end_ = now + settings_.cool_down_interval;
      break;
    case CircuitState::kHalfOpen:
      // Entered on the first request after the cool-down, which is the first probe.
      pending_ = 1;
      end_ = MonoTime::Infinite();
      break;
  }
}

// Port of pd client/pkg/circuitbreaker State.onRequest(): all transitions happen here.
absl::StatusOr<CircuitBreaker::Ticket> CircuitBreaker::Admit() {
  absl::MutexLock lock(&mu_);
  const MonoTime now = clock_.Now();
  const uint32_t threshold = settings_.error_rate_threshold_pct;
  switch (state_) {
    case CircuitState::kClosed: {
      if (now <= end_) break;
      // The window is over: evaluate it.
      const uint32_t total = successes_ + failures_;
      const auto window_seconds = static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::seconds>(settings_.error_rate_window).count());
      if (threshold > 0 && total > 0) {
        const uint64_t rate_pct = static_cast<uint64_t>(failures_) * 100 / total;
        if (total >= window_seconds * settings_.min_qps_for_open && rate_pct >= threshold) {
          EnterLocked(CircuitState::kOpen, now);
          return CircuitBreakerOpenError(name_);
        }
      }
      EnterLocked(CircuitState::kClosed, now);
      break;
    }
    case CircuitState::kOpen:
      if (threshold == 0) {
        EnterLocked(CircuitState::kClosed, now);
      } else if (now > end_) {
        EnterLocked(CircuitState::kHalfOpen, now);
      } else {
        return CircuitBreakerOpenError(name_);
      }
      break;
    case CircuitState::kHalfOpen:
      if (threshold == 0) {
        EnterLocked(CircuitState::kClosed, now);
      } else if (failures_ > 0) {
        // A probe failed: wait another cool-down.
        EnterLocked(CircuitState::kOpen, now);
        return CircuitBreakerOpenError(name_);
      } else if (successes_ == settings_.half_open_success_count) {
        EnterLocked(CircuitState::kClosed, now);
      } else if (pending_ < settings_.half_open_success_count) {
        ++pending_;
      } else {
        // Every probe slot is taken; reject until they report.
        return CircuitBreakerOpenError(name_);
      }
      break;
  }
  return Ticket{generation_};
}

void CircuitBreaker::Report(const Ticket& ticket, bool overloaded) {
  absl::MutexLock lock(&mu_);
  if (ticket.generation != generation_) return;  // admitted by a state that is gone
  if (overloaded) {
    ++failures_;
  } else {
    ++successes_;
  }
}

absl::Status CircuitBreaker::Execute(absl::FunctionRef<std::pair<bool, absl::Status>()> call) {
  absl::StatusOr<Ticket> ticket = Admit();
  if (!ticket.ok()) return ticket.status();
  std::pair<bool, absl::Status> result = call();
  Report(*ticket, result.first);
  return std::move(result.second);
}

CircuitState CircuitBreaker::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

uint32_t CircuitBreaker::success_count() const {
  absl::MutexLock lock(&mu_);
  return successes_;
}

uint32_t CircuitBreaker::failure_count() const {
  absl::MutexLock lock(&mu_);
  return failures_;
}

}  // namespace tikv::util
