#include "locate/backoffer.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "util/absl_view.h"

namespace tikv::locate {

using util::AbslView;
using util::StdView;
namespace {

constexpr char kTerminalKindUrl[] = "type.googleapis.com/tikv.locate.TerminalBackoffKind";
constexpr std::string_view kMismatchClusterId = "mismatch cluster id";

// min(cap, base * 2^n) without overflow.
int64_t Expo(int64_t base, int64_t cap, int attempts) {
  int64_t v = base;
  for (int i = 0; i < attempts && v < cap; ++i) v *= 2;
  return std::min(v, cap);
}

// A status with `code` and `message` that keeps every payload of `cause`.
absl::Status Rewrap(absl::StatusCode code, std::string_view message, const absl::Status& cause) {
  absl::Status out(code, AbslView(message));
  cause.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    if (!out.GetPayload(url).has_value()) out.SetPayload(url, payload);
  });
  return out;
}

}  // namespace

std::string BackoffError::ToString() const {
  return absl::StrCat(reason, " at ",
                      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(wall_millis),
                                       absl::UTCTimeZone()));
}

Backoffer::Backoffer(Env& env, int64_t budget_ms, CancelToken cancel, BackoffOptions options)
    : env_(&env), cancel_(std::move(cancel)), options_(options) {
  max_sleep_ms_ = WeightedBudget(budget_ms);
}

Backoffer Backoffer::Noop(Env& env, CancelToken cancel) {
  Backoffer bo(env, 0, std::move(cancel));
  bo.noop_ = true;
  return bo;
}

// Port of client-go config/retry/backoff.go, withVars().
int64_t Backoffer::WeightedBudget(int64_t budget_ms) const {
  const int64_t weight = std::max<int64_t>(options_.vars.backoff_weight, 1);
  if (budget_ms > 0 && std::numeric_limits<int32_t>::max() / weight >= budget_ms) {
    return budget_ms * weight;
  }
  return budget_ms;
}

absl::Status Backoffer::Backoff(BackoffKind kind, const absl::Status& error) {
  return BackoffWithMaxSleep(PolicyFor(kind), -1, error);
}

absl::Status Backoffer::Backoff(const BackoffPolicy& policy, const absl::Status& error) {
  return BackoffWithMaxSleep(policy, -1, error);
}

absl::Status Backoffer::BackoffWithMaxSleepTxnLockFast(int64_t max_sleep_ms,
                                                       const absl::Status& error) {
  return BackoffWithMaxSleep(PolicyFor(BackoffKind::kTxnLockFast), max_sleep_ms, error);
}

// Port of client-go config/retry/backoff.go, BackoffWithCfgAndMaxSleep() and
// config.go, newBackoffFn().
// Divergences: a "mismatch cluster id" error returns kFailedPrecondition instead of exiting the
// process; a sleep cut short by cancellation fails at once (client-go notices on the next call);
// the sleep is measured on the Env's clock.
absl::Status Backoffer::BackoffWithMaxSleep(const BackoffPolicy& policy, int64_t max_sleep_ms,
                                            const absl::Status& error) {
  if (absl::StrContains(error.message(), AbslView(kMismatchClusterId))) {
    return Rewrap(absl::StatusCode::kFailedPrecondition,
                  absl::StrCat("fatal: ", error.message()), error);
  }
  if (cancel_.IsCancelled()) {
    return Rewrap(cancel_.status().code(), StdView(error.message()), error);
  }
  if (noop_) return error;

  const bool budget_exceeded = (total_sleep_ms_ - excluded_sleep_ms_) >= max_sleep_ms_;
  const bool excluded_exceeded = policy.excluded_cap_ms > 0 &&
                                 excluded_sleep_ms_ >= policy.excluded_cap_ms &&
                                 excluded_sleep_ms_ >= max_sleep_ms_;
  if (max_sleep_ms_ > 0 && (budget_exceeded || excluded_exceeded)) {
    return ExhaustedError(policy, error);
  }
  AppendError(error);
  configs_.push_back(policy);

  auto it = std::find_if(sleep_state_.begin(), sleep_state_.end(),
                         [&](const KindSleepState& s) { return s.name == policy.name; });
  if (it == sleep_state_.end()) {
    const int64_t base = policy.base_from_vars ? options_.vars.backoff_lock_fast_ms
                                               : policy.base_ms;
    sleep_state_.push_back(KindSleepState{policy.name, 0, std::max<int64_t>(base, 2)});
    it = sleep_state_.end() - 1;
  }
  const int64_t sleep = NextSleepMs(policy, *it);
  int64_t real_sleep = sleep;
  if (max_sleep_ms >= 0 && real_sleep > max_sleep_ms) real_sleep = max_sleep_ms;

  const MonoTime wake_at = env_->clock().Now() + std::chrono::milliseconds(real_sleep);
  const WakeReason woke = env_->executor().SleepUntil(wake_at, &cancel_);
  if (woke == WakeReason::kCancelled || cancel_.IsCancelled()) {
    const absl::StatusCode code = cancel_.IsCancelled() ? cancel_.status().code()
                                                        : absl::StatusCode::kCancelled;
    return Rewrap(code, absl::StrCat("backoff cancelled: ", error.message()), error);
  }
  if (env_->clock().Now() < wake_at) {
    // The token's deadline came before the end of our sleep.
    return Rewrap(absl::StatusCode::kDeadlineExceeded,
                  absl::StrCat("backoff deadline exceeded: ", error.message()), error);
  }
  it->attempts++;
  it->last_sleep_ms = sleep;

  total_sleep_ms_ += real_sleep;
  if (policy.excluded_cap_ms > 0) excluded_sleep_ms_ += real_sleep;
  KindStats& stats = StatsFor(policy);
  stats.slept_ms += real_sleep;
  stats.times++;
  return CheckKilled();
}

int64_t Backoffer::NextSleepMs(const BackoffPolicy& policy, KindSleepState& state) {
  const int64_t base = std::max<int64_t>(
      policy.base_from_vars ? options_.vars.backoff_lock_fast_ms : policy.base_ms, 2);
  const int64_t cap = policy.cap_ms;
  if (policy.jitter != Jitter::kNone && random_ == nullptr) random_ = env_->NewRandom("backoff");
  switch (policy.jitter) {
    case Jitter::kNone:
      return Expo(base, cap, state.attempts);
    case Jitter::kFull: {
      const int64_t v = Expo(base, cap, state.attempts);
      return static_cast<int64_t>(random_->Uniform(static_cast<uint64_t>(std::max<int64_t>(v, 1))));
    }
    case Jitter::kEqual: {
      const int64_t v = Expo(base, cap, state.attempts);
      const int64_t half = std::max<int64_t>(v / 2, 1);
      return v / 2 + static_cast<int64_t>(random_->Uniform(static_cast<uint64_t>(half)));
    }
    case Jitter::kDecorrelated: {
      const int64_t span = std::max<int64_t>(state.last_sleep_ms * 3 - base, 1);
      return std::min(cap, base + static_cast<int64_t>(
                                      random_->Uniform(static_cast<uint64_t>(span))));
    }
  }
  return base;
}

void Backoffer::AppendError(const absl::Status& error) {
  errors_[errors_num_ % kMaxRecordBackoffErrors] =
      BackoffError{std::string(error.message()), env_->clock().WallMillis()};
  errors_num_++;
}

Backoffer::KindStats& Backoffer::StatsFor(const BackoffPolicy& policy) {
  for (KindStats& s : stats_) {
    if (s.policy.name == policy.name) return s;
  }
  stats_.push_back(KindStats{policy});
  return stats_.back();
}

const Backoffer::KindStats* Backoffer::FindStats(std::string_view name) const {
  for (const KindStats& s : stats_) {
    if (s.policy.name == name) return &s;
  }
  return nullptr;
}

std::vector<BackoffError> Backoffer::LatestErrors() const {
  std::vector<BackoffError> out;
  if (errors_num_ <= kMaxRecordBackoffErrors) {
    out.assign(errors_.begin(), errors_.begin() + errors_num_);
    return out;
  }
  const int first = errors_num_ % kMaxRecordBackoffErrors;
  for (int i = 0; i < kMaxRecordBackoffErrors; ++i) {
    out.push_back(errors_[(first + i) % kMaxRecordBackoffErrors]);
  }
  return out;
}

// Port of client-go config/retry/backoff.go, longestSleepCfg().  Ties go to the kind used
// first, where client-go's map iteration picks one at random.
std::string_view Backoffer::LongestSleepKind() const {
  std::string_view best;
  int64_t best_ms = 0;
  for (const KindStats& s : stats_) {
    if (s.policy.excluded_cap_ms > 0) continue;
    if (s.slept_ms > best_ms) {
      best_ms = s.slept_ms;
      best = s.policy.name;
    }
  }
  return best;
}

BackoffSummary Backoffer::Summary() const {
  BackoffSummary summary;
  for (const KindStats& s : stats_) {
    summary.kinds.push_back(BackoffKindSummary{std::string(s.policy.name),
                                               static_cast<uint32_t>(s.times), s.slept_ms});
  }
  summary.total_sleep_ms = total_sleep_ms_;
  summary.budget_ms = max_sleep_ms_;
  std::vector<BackoffError> latest = LatestErrors();
  if (!latest.empty()) summary.last_error = latest.back().reason;
  return summary;
}

absl::Status Backoffer::ExhaustedError(const BackoffPolicy& policy,
                                       const absl::Status& error) const {
  std::string_view longest = LongestSleepKind();
  std::string_view terminal = StdView(error.message());
  if (!longest.empty()) {
    if (const KindStats* s = FindStats(longest)) terminal = s->policy.terminal_error;
  }
  std::vector<std::string> recent;
  for (const BackoffError& e : LatestErrors()) recent.push_back(e.ToString());
  BackoffSummary summary = Summary();
  summary.last_error = std::string(error.message());
  absl::Status base = BackoffExhaustedError(summary, error);
  std::string message = absl::StrFormat(
      "%s: %s backoffer.maxSleep %dms is exceeded, errors: [%s]; total-backoff-times: %d; "
      "longest sleep type: %s; %s",
      terminal, policy.name, max_sleep_ms_, absl::StrJoin(recent, "; "), TotalBackoffTimes(),
      longest.empty() ? "none" : longest, base.message());
  absl::Status out = Rewrap(base.code(), message, base);
  out.SetPayload(kTerminalKindUrl,
                 absl::Cord(std::string(longest.empty() ? policy.name : longest)));
  return out;
}

Backoffer Backoffer::Clone() const {
  Backoffer copy(*env_, 0, cancel_, options_);
  copy.max_sleep_ms_ = max_sleep_ms_;
  copy.total_sleep_ms_ = total_sleep_ms_;
  copy.excluded_sleep_ms_ = excluded_sleep_ms_;
  copy.errors_ = errors_;
  copy.errors_num_ = errors_num_;
  copy.configs_ = configs_;
  copy.stats_ = stats_;
  copy.parent_ = parent_;
  copy.noop_ = noop_;
  return copy;
}

Backoffer Backoffer::Fork() const {
  Backoffer fork = Clone();
  fork.cancel_ = CancelToken::ChildOf(cancel_);
  fork.parent_ = this;
  return fork;
}

void Backoffer::UpdateUsingForked(const Backoffer& forked) {
  for (const Backoffer* b = forked.parent_; b != nullptr; b = b->parent_) {
    if (b == this) {
      total_sleep_ms_ = forked.total_sleep_ms_;
      excluded_sleep_ms_ = forked.excluded_sleep_ms_;
      errors_ = forked.errors_;
      errors_num_ = forked.errors_num_;
      stats_ = forked.stats_;
      return;
    }
  }
}

void Backoffer::Reset() {
  sleep_state_.clear();
  total_sleep_ms_ = 0;
  excluded_sleep_ms_ = 0;
}

void Backoffer::ResetMaxSleep(int64_t budget_ms) {
  Reset();
  max_sleep_ms_ = WeightedBudget(budget_ms);
}

absl::Status Backoffer::CheckKilled() const {
  if (options_.killed != nullptr) {
    const uint32_t signal = options_.killed->load(std::memory_order_acquire);
    if (signal != 0) {
      return absl::CancelledError(absl::StrCat("query interrupted by signal ", signal));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> Backoffer::GetTypes() const {
  std::vector<std::string> out;
  for (const Backoffer* b = this; b != nullptr; b = b->parent_) {
    for (const BackoffPolicy& p : b->configs_) out.emplace_back(p.name);
  }
  return out;
}

int Backoffer::BackoffTimes(std::string_view name) const {
  const KindStats* s = FindStats(name);
  return s == nullptr ? 0 : s->times;
}

int64_t Backoffer::BackoffSleepMs(std::string_view name) const {
  const KindStats* s = FindStats(name);
  return s == nullptr ? 0 : s->slept_ms;
}

int Backoffer::TotalBackoffTimes() const {
  int total = 0;
  for (const KindStats& s : stats_) total += s.times;
  return total;
}

std::string Backoffer::ToString() const {
  if (total_sleep_ms_ == 0) return "";
  std::vector<std::string> names;
  for (const BackoffPolicy& p : configs_) names.emplace_back(p.name);
  return absl::StrFormat(" backoff(%dms [%s])", total_sleep_ms_, absl::StrJoin(names, " "));
}

bool IsFakeRegionError(const errorpb::Error& error) {
  return error.has_epoch_not_match() && error.epoch_not_match().current_regions_size() == 0;
}

// Port of client-go config/retry/backoff.go, MayBackoffForRegionError().
absl::Status MayBackoffForRegionError(const errorpb::Error& error, Backoffer& bo) {
  if (!error.has_epoch_not_match() || IsFakeRegionError(error)) {
    return bo.Backoff(BackoffKind::kRegionMiss,
                      absl::UnavailableError(error.ShortDebugString()));
  }
  return absl::OkStatus();
}

std::optional<std::string> TerminalBackoffKindName(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kTerminalKindUrl);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

}  // namespace tikv::locate
