#include "oracle/pd_oracle.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tikv::oracle {
namespace {

using std::chrono::milliseconds;


}  // namespace

absl::StatusOr<std::unique_ptr<PdOracle>> PdOracle::Create(Env& env, TsoSource& tso,
                                                           PdOracleOptions options) {
  if (options.update_interval <= Duration::zero()) {
    return absl::InvalidArgumentError("updateInterval must be > 0");
  }
  auto oracle = std::make_unique<PdOracle>(env, tso, options);
  if (!options.no_update_ts) oracle->StartUpdateLoop();
  absl::StatusOr<uint64_t> first = oracle->GetTimestamp(nullptr);
  if (!first.ok()) {
    oracle->Close();
    return first.status();
  }
  return oracle;
}

PdOracle::PdOracle(Env& env, TsoSource& tso, PdOracleOptions options)
    : env_(env), tso_(tso), options_(options), group_(env.executor()) {
  absl::MutexLock lock(&mu_);
  configured_interval_ = options.update_interval;
  adaptive_interval_ = options.update_interval;
  last_tick_ = env.clock().Now();
}

PdOracle::~PdOracle() { Close(); }

void PdOracle::Close() {
  if (closed_) return;
  closed_ = true;
  group_.Cancel();
  group_.Wait();
}

void PdOracle::StartUpdateLoop() {
  group_.Spawn(SpawnOptions{.name = "oracle-update-ts"}, [this] { UpdateLoop(); });
}

// Port of client-go oracle/oracles/pd.go, GetTimestamp().
absl::StatusOr<uint64_t> PdOracle::GetTimestamp(const CancelToken* cancel) {
  absl::StatusOr<uint64_t> ts = tso_.GetTs(cancel);
  if (ts.ok()) SetLastTs(*ts);
  return ts;
}

// Port of client-go oracle/oracles/pd.go, GetTimestampAsync() and tsFuture.Wait(): the cached
// last timestamp moves when the value arrives, not when someone waits for it.
TsFuture PdOracle::GetTimestampAsync() {
  TsFuture future = tso_.GetTsAsync();
  future.OnReady([this](const absl::StatusOr<uint64_t>& ts) {
    if (ts.ok()) SetLastTs(*ts);
  });
  return future;
}

// Port of client-go oracle/oracles/pd.go, setLastTS(): never moves backwards; a newer ts
// keeps the later of the two arrival times.
void PdOracle::SetLastTs(uint64_t ts) {
  const MonoTime now = env_.clock().Now();
  absl::MutexLock lock(&mu_);
  if (!last_ts_.has_value()) {
    last_ts_ = LastTs{ts, now};
    return;
  }
  if (ts <= last_ts_->ts) return;
  last_ts_ = LastTs{ts, std::max(now, last_ts_->arrival)};
}

std::optional<PdOracle::LastTs> PdOracle::GetLastTs() const {
  absl::MutexLock lock(&mu_);
  return last_ts_;
}

absl::StatusOr<uint64_t> PdOracle::GetLowResolutionTimestamp() {
  std::optional<LastTs> last = GetLastTs();
  if (!last.has_value()) {
    return absl::FailedPreconditionError("get low resolution timestamp fail: nothing cached");
  }
  return last->ts;
}

bool PdOracle::IsExpired(uint64_t lock_ts, uint64_t ttl_ms) {
  std::optional<LastTs> last = GetLastTs();
  if (!last.has_value()) return true;
  return ExtractPhysical(last->ts) >= ExtractPhysical(lock_ts) + static_cast<int64_t>(ttl_ms);
}

int64_t PdOracle::UntilExpired(uint64_t lock_ts, uint64_t ttl_ms) {
  std::optional<LastTs> last = GetLastTs();
  if (!last.has_value()) return 0;
  return ExtractPhysical(lock_ts) + static_cast<int64_t>(ttl_ms) - ExtractPhysical(last->ts);
}

// Port of client-go oracle/oracles/pd.go, getStaleTimestampWithLastTS(): the last ts's
// physical time plus the local time elapsed since it arrived, minus prev_seconds.
absl::StatusOr<uint64_t> PdOracle::StaleTimestampFrom(const LastTs& last,
                                                      uint64_t prev_seconds) const {
  const int64_t physical_ms = ExtractPhysical(last.ts);
  if (static_cast<uint64_t>(physical_ms / 1000) <= prev_seconds) {
    return absl::InvalidArgumentError(absl::StrCat("invalid prevSecond ", prev_seconds));
  }
  const int64_t elapsed_ns = (env_.clock().Now() - last.arrival).count();
  const int64_t stale_ns = physical_ms * 1'000'000 + elapsed_ns -
                           static_cast<int64_t>(prev_seconds) * 1'000'000'000;
  return UnixMillisToTs(stale_ns / 1'000'000);
}

// Port of client-go oracle/oracles/pd.go, GetStaleTimestamp().
absl::StatusOr<uint64_t> PdOracle::GetStaleTimestamp(uint64_t prev_seconds,
                                                     const CancelToken* cancel) {
  std::optional<LastTs> last = GetLastTs();
  if (!last.has_value()) {
    // Nothing cached: prime the cache for next time, still failing this call.
    absl::StatusOr<uint64_t> ts = GetTimestamp(cancel);
    if (!ts.ok()) return ts.status();
    return absl::FailedPreconditionError("get stale timestamp fail: nothing cached");
  }
  return StaleTimestampFrom(*last, prev_seconds);
}

absl::StatusOr<uint64_t> PdOracle::GetAllTsoKeyspaceGroupMinTs(const CancelToken* cancel) {
  return tso_.GetMinTs(cancel);
}

// Port of client-go oracle/oracles/pd.go, SetLowResolutionTimestampUpdateInterval().
absl::Status PdOracle::SetLowResolutionTimestampUpdateInterval(Duration interval) {
  if (interval <= Duration::zero()) {
    return absl::InvalidArgumentError("updateInterval must be > 0");
  }
  absl::MutexLock lock(&mu_);
  const Duration prev = configured_interval_;
  configured_interval_ = interval;
  if (interval == prev) return absl::OkStatus();
  if (adaptive_interval_ == prev || interval < adaptive_interval_) adaptive_interval_ = interval;
  return absl::OkStatus();
}

// Port of client-go oracle/oracles/pd.go, nextUpdateInterval(): the first matching rule of
// unadjustable / adapting / normal / recovering decides the interval.
Duration PdOracle::NextUpdateInterval(MonoTime now, Duration required_staleness) {
  absl::MutexLock lock(&mu_);
  const Duration configured = configured_interval_;
  Duration current = adaptive_interval_;
  const MonoTime last_tick = last_tick_;  // lambdas below cannot see the held lock
  const bool recent_short_read =
      has_short_staleness_read_ && now - last_short_staleness_read_ < kAdaptiveDelayBeforeRecovering;
  using State = AdaptiveIntervalState;
  auto unadjustable = [&]() -> std::pair<State, Duration> {
    if (configured <= kMinAllowedAdaptiveUpdateTsInterval) return {State::kUnadjustable, configured};
    return {State::kNone, Duration::zero()};
  };
  auto normal = [&]() -> std::pair<State, Duration> {
    if (configured > kMinAllowedAdaptiveUpdateTsInterval && current == configured) {
      return {State::kNormal, current};
    }
    return {State::kNone, Duration::zero()};
  };
  auto adapting = [&]() -> std::pair<State, Duration> {
    if (required_staleness != Duration::zero() && required_staleness < current &&
        current > kMinAllowedAdaptiveUpdateTsInterval) {
      return {State::kAdapting, std::max(required_staleness - kAdaptiveShrinkingPreserve,
                                         kMinAllowedAdaptiveUpdateTsInterval)};
    }
    if (current != configured && recent_short_read) return {State::kAdapting, current};
    return {State::kNone, Duration::zero()};
  };
  auto recovering = [&]() -> std::pair<State, Duration> {
    if (current == configured || recent_short_read) return {State::kNone, Duration::zero()};
    const double seconds = std::chrono::duration<double>(now - last_tick).count();
    Duration next = current + std::chrono::duration_cast<Duration>(
                                  std::chrono::duration<double, std::nano>(
                                      seconds * static_cast<double>(kAdaptiveRecoverPerSecond.count())));
    return {State::kRecovering, std::min(next, configured)};
  };
  std::pair<State, Duration> pick{State::kNone, Duration::zero()};
  if (pick.first == State::kNone) pick = unadjustable();
  if (pick.first == State::kNone) pick = adapting();
  if (required_staleness == Duration::zero()) {
    if (pick.first == State::kNone) pick = normal();
    if (pick.first == State::kNone) pick = recovering();
  }
  if (pick.first == State::kNone) return current;
  current = pick.second;
  if (pick.first == State::kRecovering) {
    auto n = normal();
    if (n.first != State::kNone) {
      pick.first = n.first;
      current = n.second;
    }
  }
  adaptive_interval_ = current;
  state_ = pick.first;
  return current;
}

// Port of client-go oracle/oracles/pd.go, adjustUpdateLowResolutionTSIntervalWithRequestedStaleness().
void PdOracle::AdjustIntervalForStaleness(uint64_t read_ts, uint64_t current_ts, MonoTime now) {
  Duration required = milliseconds(ExtractPhysical(current_ts) - ExtractPhysical(read_ts));
  absl::MutexLock lock(&mu_);
  const Duration current = adaptive_interval_;
  if (required <= current + kAdaptiveBlockRecoverThreshold) {
    if (!has_short_staleness_read_ || last_short_staleness_read_ < now) {
      last_short_staleness_read_ = now;
      has_short_staleness_read_ = true;
    }
  }
  if (required <= current && current > kMinAllowedAdaptiveUpdateTsInterval) {
    required = std::max<Duration>(required, milliseconds(1));
    // A full "channel" drops the request, as client-go's non-blocking send does.
    if (!pending_shrink_.has_value()) {
      pending_shrink_ = required;
      wake_.Set();
    }
  }
}

void PdOracle::DoUpdate(MonoTime now) {
  // A failed refresh keeps the old value; the next tick tries again.
  (void)GetTimestamp(&group_.cancel_token());
  absl::MutexLock lock(&mu_);
  last_tick_ = now;
}

// Port of client-go oracle/oracles/pd.go, updateTS(): a ticker plus shrink requests.
void PdOracle::UpdateLoop() {
  Duration current;
  {
    absl::MutexLock lock(&mu_);
    current = configured_interval_;
  }
  MonoTime next_tick = env_.clock().Now() + current;
  const CancelToken& cancel = group_.cancel_token();
  for (;;) {
    const WakeReason r = wake_.Wait(next_tick, &cancel);
    if (r == WakeReason::kCancelled || cancel.IsCancelled()) return;
    if (r == WakeReason::kTimedOut) {
      const MonoTime now = env_.clock().Now();
      const Duration next = NextUpdateInterval(now, Duration::zero());
      DoUpdate(now);
      if (cancel.IsCancelled()) return;
      current = next;
      next_tick = now + current;
      continue;
    }
    wake_.Reset();
    std::optional<Duration> staleness;
    {
      absl::MutexLock lock(&mu_);
      staleness.swap(pending_shrink_);
    }
    if (!staleness.has_value()) continue;
    const MonoTime now = env_.clock().Now();
    const Duration next = NextUpdateInterval(now, *staleness);
    if (next != current) {
      current = next;
      MonoTime last_tick;
      {
        absl::MutexLock lock(&mu_);
        last_tick = last_tick_;
      }
      if (now - last_tick >= current) DoUpdate(now);
      next_tick = env_.clock().Now() + current;
    }
  }
}

// Port of client-go oracle/oracles/pd.go, getCurrentTSForValidation(): a single flight, so
// concurrent validators share one TSO fetch.  Divergence: the flight runs on the oracle's
// fiber group and a cancelled waiter leaves it running for the others.
absl::StatusOr<uint64_t> PdOracle::CurrentTsForValidation(const CancelToken* cancel) {
  std::shared_ptr<env::Promise<absl::StatusOr<uint64_t>>> flight;
  bool start = false;
  {
    absl::MutexLock lock(&mu_);
    if (validation_fetch_ == nullptr) {
      validation_fetch_ = std::make_shared<env::Promise<absl::StatusOr<uint64_t>>>();
      start = true;
    }
    flight = validation_fetch_;
  }
  if (start) {
    group_.Spawn(SpawnOptions{.name = "oracle-validate-ts"}, [this, flight] {
      absl::StatusOr<uint64_t> ts = GetTimestamp(nullptr);
      if (before_validation_return_) before_validation_return_();
      {
        absl::MutexLock lock(&mu_);
        if (validation_fetch_ == flight) validation_fetch_.reset();
      }
      flight->Set(std::move(ts));
    });
  }
  TsFuture future = flight->GetFuture();
  const WakeReason r = future.Wait(MonoTime::Infinite(), cancel);
  if (r != WakeReason::kWoken) {
    return cancel != nullptr && cancel->IsCancelled() ? cancel->status()
                                                      : absl::DeadlineExceededError("validate ts");
  }
  return future.value();
}

// Port of client-go oracle/oracles/pd.go, ValidateReadTS().
absl::Status PdOracle::ValidateReadTs(uint64_t read_ts, bool is_stale_read,
                                      const CancelToken* cancel) {
  if (!options_.enable_ts_validation) return absl::OkStatus();
  constexpr uint64_t kMaxInt64 = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  constexpr uint64_t kMaxUint64 = std::numeric_limits<uint64_t>::max();
  if (read_ts >= kMaxInt64 && read_ts < kMaxUint64) {
    return absl::InvalidArgumentError(
        absl::StrCat("MaxInt64 <= readTS < MaxUint64, readTS=", read_ts));
  }
  if (read_ts == kMaxUint64) {
    return is_stale_read ? LatestStaleReadError() : absl::OkStatus();
  }
  bool retrying = false;
  for (;;) {
    std::optional<LastTs> last = GetLastTs();
    if (!last.has_value() || read_ts > last->ts) {
      absl::StatusOr<uint64_t> current = CurrentTsForValidation(cancel);
      if (!current.ok()) {
        return absl::Status(current.status().code(),
                            absl::StrCat("fail to validate read timestamp: ",
                                         current.status().message()));
      }
      if (is_stale_read && !retrying) {
        AdjustIntervalForStaleness(read_ts, *current, env_.clock().Now());
      }
      if (read_ts > *current) {
        // The shared fetch may have started before read_ts was issued elsewhere: try once more.
        if (!retrying) {
          retrying = true;
          continue;
        }
        return FutureTsReadError(read_ts, *current);
      }
    } else if (!retrying && is_stale_read) {
      absl::StatusOr<uint64_t> estimated = StaleTimestampFrom(*last, 0);
      if (estimated.ok()) AdjustIntervalForStaleness(read_ts, *estimated, env_.clock().Now());
    }
    return absl::OkStatus();
  }
}

}  // namespace tikv::oracle
