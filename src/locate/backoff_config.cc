#include "locate/backoff_config.h"

#include <array>

namespace tikv::locate {
namespace {

// Port of client-go config/retry/config.go, the Bo* variables.  The order matches BackoffKind.
constexpr std::array<BackoffPolicy, kBackoffKindCount> kPolicies = {{
    {"tikvRPC", 100, 2000, Jitter::kEqual, "tikv server timeout"},
    {"tiflashRPC", 100, 2000, Jitter::kEqual, "tiflash server timeout"},
    {"txnLock", 100, 3000, Jitter::kEqual, "resolve lock timeout"},
    {"pdRPC", 500, 3000, Jitter::kEqual, "pd server timeout"},
    // A 2 ms base: a missing region usually reappears at once (a split just finished).
    {"regionMiss", 2, 500, Jitter::kNone, "region unavailable"},
    {"regionScheduling", 2, 500, Jitter::kNone, "region unavailable"},
    // ServerIsBusy sleeps do not count against the budget until they reach 10 minutes: a busy
    // store is healthy but slow, and giving up on it early would fail work that would succeed.
    {"tikvServerBusy", 2000, 10000, Jitter::kEqual, "tikv server busy", 600000},
    {"tikvDiskFull", 500, 5000, Jitter::kNone, "tikv disk full"},
    {"regionRecoveryInProgress", 100, 10000, Jitter::kEqual,
     "region is being online unsafe recovered"},
    {"tiflashServerBusy", 2000, 10000, Jitter::kEqual, "tiflash server busy"},
    {"txnNotFound", 2, 500, Jitter::kNone, "resolve lock timeout"},
    {"staleCommand", 2, 1000, Jitter::kNone, "tikv stale command"},
    {"maxTsNotSynced", 2, 500, Jitter::kNone, "tikv max timestamp not synced"},
    {"commitTSLag", 2, 500, Jitter::kNone, "commit timestamp lags behind expected"},
    {"regionNotInitialized", 2, 1000, Jitter::kNone, "region not Initialized"},
    {"isWitness", 1000, 10000, Jitter::kEqual, "peer is witness"},
    {"txnLockFast", 2, 3000, Jitter::kEqual, "resolve lock timeout", 0, /*base_from_vars=*/true},
}};

}  // namespace

const BackoffPolicy& PolicyFor(BackoffKind kind) { return kPolicies[static_cast<size_t>(kind)]; }

bool BackoffKindFromName(std::string_view name, BackoffKind* kind) {
  for (size_t i = 0; i < kPolicies.size(); ++i) {
    if (kPolicies[i].name == name) {
      *kind = static_cast<BackoffKind>(i);
      return true;
    }
  }
  return false;
}

}  // namespace tikv::locate
