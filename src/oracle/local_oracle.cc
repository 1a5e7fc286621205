#include "oracle/local_oracle.h"

namespace tikv::oracle {

void LocalOracle::SetCurrentTimeForTest(std::optional<int64_t> unix_ms) {
  absl::MutexLock lock(&mu_);
  hook_ms_ = unix_ms;
}

int64_t LocalOracle::NowMillis() {
  absl::MutexLock lock(&mu_);
  return hook_ms_.has_value() ? *hook_ms_ : env_.clock().WallMillis();
}

// Port of client-go oracle/oracles/local.go, GetTimestamp().
absl::StatusOr<uint64_t> LocalOracle::GetTimestamp(const CancelToken*) {
  const uint64_t ts = UnixMillisToTs(NowMillis());
  absl::MutexLock lock(&mu_);
  if (last_ts_ == ts) return ts + ++n_;
  last_ts_ = ts;
  n_ = 0;
  return ts;
}

TsFuture LocalOracle::GetTimestampAsync() {
  env::Promise<absl::StatusOr<uint64_t>> promise;
  promise.Set(GetTimestamp(nullptr));
  return promise.GetFuture();
}

absl::StatusOr<uint64_t> LocalOracle::GetLowResolutionTimestamp() { return GetTimestamp(nullptr); }

absl::StatusOr<uint64_t> LocalOracle::GetStaleTimestamp(uint64_t prev_seconds,
                                                        const CancelToken*) {
  return UnixMillisToTs(NowMillis() - static_cast<int64_t>(prev_seconds) * 1000);
}

bool LocalOracle::IsExpired(uint64_t lock_ts, uint64_t ttl_ms) {
  return NowMillis() >= ExtractPhysical(lock_ts) + static_cast<int64_t>(ttl_ms);
}

int64_t LocalOracle::UntilExpired(uint64_t lock_ts, uint64_t ttl_ms) {
  return ExtractPhysical(lock_ts) + static_cast<int64_t>(ttl_ms) - NowMillis();
}

absl::StatusOr<uint64_t> LocalOracle::GetAllTsoKeyspaceGroupMinTs(const CancelToken*) {
  return UnixMillisToTs(NowMillis());
}

}  // namespace tikv::oracle
