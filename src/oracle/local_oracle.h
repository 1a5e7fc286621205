// LocalOracle: an oracle for tests that makes timestamps from this node's wall clock (the
// Env's WallMillis), adding a logical counter when asked twice in one millisecond.  Port of
// client-go oracle/oracles/local.go.
//
// Thread-safe.

#pragma once

#include <cstdint>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "tikv/env.h"

#include "oracle/oracle.h"

namespace tikv::oracle {

class LocalOracle : public Oracle {
 public:
  // `env` must outlive the oracle.  Never suspends.
  explicit LocalOracle(Env& env) : env_(env) {}

  // Pins the oracle's notion of "now" to `unix_ms` (client-go SetOracleHookCurrentTime);
  // nullopt returns to the Env's wall clock.  Never suspends.
  void SetCurrentTimeForTest(std::optional<int64_t> unix_ms) ABSL_LOCKS_EXCLUDED(mu_);

  absl::StatusOr<uint64_t> GetTimestamp(const CancelToken* cancel) override;
  TsFuture GetTimestampAsync() override;
  absl::StatusOr<uint64_t> GetLowResolutionTimestamp() override;
  absl::Status SetLowResolutionTimestampUpdateInterval(Duration) override {
    return absl::OkStatus();
  }
  absl::StatusOr<uint64_t> GetStaleTimestamp(uint64_t prev_seconds,
                                             const CancelToken* cancel) override;
  bool IsExpired(uint64_t lock_ts, uint64_t ttl_ms) override;
  int64_t UntilExpired(uint64_t lock_ts, uint64_t ttl_ms) override;
  absl::Status ValidateReadTs(uint64_t, bool, const CancelToken*) override {
    return absl::OkStatus();
  }
  absl::StatusOr<uint64_t> GetAllTsoKeyspaceGroupMinTs(const CancelToken* cancel) override;
  void Close() override {}

 private:
  int64_t NowMillis() ABSL_LOCKS_EXCLUDED(mu_);

  Env& env_;
  absl::Mutex mu_;
  uint64_t last_ts_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t n_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<int64_t> hook_ms_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tikv::oracle
