// PdOracle: the production oracle.  Fresh timestamps come from PD's TSO (through a
// TsoSource); the last one seen is cached together with its local arrival time, refreshed by a
// background fiber every `update_interval` (2 s by default, shrunk adaptively down to 500 ms
// while stale reads ask for staleness close to the interval), and serves low-resolution
// timestamps, stale timestamps, lock-expiry checks and read-ts validation without an RPC.
// Port of client-go oracle/oracles/pd.go.
//
// Thread-safe.  The internal lock is never held across a suspension point.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tikv/env.h"

#include "env/event.h"
#include "env/fiber_group.h"
#include "env/future.h"
#include "oracle/oracle.h"
#include "oracle/tso_source.h"

namespace tikv::oracle {

// client-go PDOracleOptions, plus the process-wide EnableTSValidation switch as a field.
struct PdOracleOptions {
  // Refresh interval of the low-resolution timestamp.  Must be > 0.
  Duration update_interval = std::chrono::seconds(2);
  // Do not start the background refresh fiber (tests).
  bool no_update_ts = false;
  // client-go's global EnableTSValidation.  Divergence: on by default (TiDB turns it on; Go's
  // zero value is off).
  bool enable_ts_validation = true;
};

// Adaptive refresh-interval constants (client-go pd.go).
inline constexpr Duration kMinAllowedAdaptiveUpdateTsInterval = std::chrono::milliseconds(500);
inline constexpr Duration kAdaptiveShrinkingPreserve = std::chrono::milliseconds(100);
inline constexpr Duration kAdaptiveBlockRecoverThreshold = std::chrono::milliseconds(200);
inline constexpr Duration kAdaptiveRecoverPerSecond = std::chrono::milliseconds(20);
inline constexpr Duration kAdaptiveDelayBeforeRecovering = std::chrono::minutes(5);

// The adaptive interval's state machine (client-go adaptiveUpdateTSIntervalState).
enum class AdaptiveIntervalState { kNone, kNormal, kAdapting, kRecovering, kUnadjustable };

class PdOracle : public Oracle {
 public:
  // Builds the oracle, starts the refresh fiber unless options.no_update_ts, and fetches the
  // first timestamp synchronously.  `env` and `tso` must outlive the oracle.
  // Errors: kInvalidArgument for a non-positive interval; the TSO's error.
  // Requires: on a fiber.  May suspend.
  static absl::StatusOr<std::unique_ptr<PdOracle>> Create(Env& env, TsoSource& tso,
                                                          PdOracleOptions options);
  // An oracle with nothing cached and no refresh fiber yet (client-go NewEmptyPDOracle /
  // NewPdOracleWithClient).  Never suspends.
  PdOracle(Env& env, TsoSource& tso, PdOracleOptions options);
  // Stops and joins the refresh fiber.  May suspend.
  ~PdOracle() override;
  PdOracle(const PdOracle&) = delete;
  PdOracle& operator=(const PdOracle&) = delete;

  // Starts the refresh fiber (client-go StartTsUpdateLoop).  Never suspends.
  void StartUpdateLoop();

  absl::StatusOr<uint64_t> GetTimestamp(const CancelToken* cancel) override;
  TsFuture GetTimestampAsync() override;
  absl::StatusOr<uint64_t> GetLowResolutionTimestamp() override;
  absl::Status SetLowResolutionTimestampUpdateInterval(Duration interval) override;
  absl::StatusOr<uint64_t> GetStaleTimestamp(uint64_t prev_seconds,
                                             const CancelToken* cancel) override;
  bool IsExpired(uint64_t lock_ts, uint64_t ttl_ms) override;
  int64_t UntilExpired(uint64_t lock_ts, uint64_t ttl_ms) override;
  absl::Status ValidateReadTs(uint64_t read_ts, bool is_stale_read,
                              const CancelToken* cancel) override;
  absl::StatusOr<uint64_t> GetAllTsoKeyspaceGroupMinTs(const CancelToken* cancel) override;
  void Close() override;

 private:
  friend class PdOracleTestPeer;

  struct LastTs {
    uint64_t ts = 0;
    MonoTime arrival;
  };

  // Raises the cached timestamp to `ts` (never lowers it).  Never suspends.
  void SetLastTs(uint64_t ts) ABSL_LOCKS_EXCLUDED(mu_);
  std::optional<LastTs> GetLastTs() const ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<uint64_t> StaleTimestampFrom(const LastTs& last, uint64_t prev_seconds) const;
  // The refresh interval to use next; `required_staleness` zero on a plain tick.
  Duration NextUpdateInterval(MonoTime now, Duration required_staleness) ABSL_LOCKS_EXCLUDED(mu_);
  void AdjustIntervalForStaleness(uint64_t read_ts, uint64_t current_ts, MonoTime now)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Fetches the current TS for validation; concurrent callers share one fetch.  May suspend.
  absl::StatusOr<uint64_t> CurrentTsForValidation(const CancelToken* cancel);
  void UpdateLoop();
  void DoUpdate(MonoTime now);

  Env& env_;
  TsoSource& tso_;
  const PdOracleOptions options_;
  env::FiberGroup group_;
  env::Event wake_;  // a shrink request is pending
  bool closed_ = false;

  mutable absl::Mutex mu_;
  std::optional<LastTs> last_ts_ ABSL_GUARDED_BY(mu_);
  Duration configured_interval_ ABSL_GUARDED_BY(mu_);
  Duration adaptive_interval_ ABSL_GUARDED_BY(mu_);
  MonoTime last_short_staleness_read_ ABSL_GUARDED_BY(mu_);
  bool has_short_staleness_read_ ABSL_GUARDED_BY(mu_) = false;
  MonoTime last_tick_ ABSL_GUARDED_BY(mu_);
  AdaptiveIntervalState state_ ABSL_GUARDED_BY(mu_) = AdaptiveIntervalState::kNone;
  std::optional<Duration> pending_shrink_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<env::Promise<absl::StatusOr<uint64_t>>> validation_fetch_ ABSL_GUARDED_BY(mu_);
  // Test hook run by the shared validation fetch before it publishes (client-go failpoint
  // getCurrentTSForValidationBeforeReturn).  May suspend.
  std::function<void()> before_validation_return_;
};

}  // namespace tikv::oracle
