// The timestamp oracle interface: fresh timestamps from the TSO, cheap low-resolution and stale
// timestamps, lock-expiry checks and read-timestamp validation.  Port of client-go
// oracle/oracle.go (Oracle, Future, ReadTSValidator, ErrFutureTSRead, ErrLatestStaleRead).
// The transaction scope argument is gone: local TSO is deprecated, every call is global.
//
// Thread-safe: implementations may be called from any fiber.

#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tikv/cancel.h"
#include "tikv/env.h"

#include "env/future.h"
#include "oracle/timestamp.h"

namespace tikv::oracle {

// A timestamp that will arrive later.
using TsFuture = env::Future<absl::StatusOr<uint64_t>>;

class Oracle {
 public:
  virtual ~Oracle() = default;

  // A fresh timestamp, above every timestamp handed out before the call started.
  // Errors: the TSO's (kUnavailable, kDeadlineExceeded, kCancelled).  May suspend.
  virtual absl::StatusOr<uint64_t> GetTimestamp(const CancelToken* cancel) = 0;
  // Starts fetching a fresh timestamp; the future resolves with it.  Never suspends.
  virtual TsFuture GetTimestampAsync() = 0;
  // The most recent timestamp seen (refreshed in the background), without an RPC.
  // Errors: kFailedPrecondition when none was ever fetched.  Never suspends.
  virtual absl::StatusOr<uint64_t> GetLowResolutionTimestamp() = 0;
  // Changes the background refresh interval.  Errors: kInvalidArgument unless > 0.
  // Never suspends.
  virtual absl::Status SetLowResolutionTimestampUpdateInterval(Duration interval) = 0;
  // A timestamp about `prev_seconds` seconds in the past, estimated from the last timestamp
  // and the local time elapsed since it arrived.  Errors: kInvalidArgument "invalid
  // prevSecond" when the last timestamp's Unix time is not above prev_seconds;
  // kFailedPrecondition when nothing is cached (after fetching one).  May suspend.
  virtual absl::StatusOr<uint64_t> GetStaleTimestamp(uint64_t prev_seconds,
                                                     const CancelToken* cancel) = 0;
  // True when a lock taken at `lock_ts` with `ttl_ms` has expired as far as the oracle knows.
  // Never suspends.
  virtual bool IsExpired(uint64_t lock_ts, uint64_t ttl_ms) = 0;
  // Milliseconds until that lock expires (<= 0: expired).  Never suspends.
  virtual int64_t UntilExpired(uint64_t lock_ts, uint64_t ttl_ms) = 0;
  // Rejects read timestamps that may lie in the future: kInvalidArgument for ts in
  // [2^63-1, 2^64-1), or max uint64 for a stale read; kFailedPrecondition (IsFutureTsRead)
  // when `read_ts` is above the current TSO.  May suspend.
  virtual absl::Status ValidateReadTs(uint64_t read_ts, bool is_stale_read,
                                      const CancelToken* cancel) = 0;
  // The minimum timestamp across TSO keyspace groups (client-go
  // GetAllTSOKeyspaceGroupMinTS).  May suspend.
  virtual absl::StatusOr<uint64_t> GetAllTsoKeyspaceGroupMinTs(const CancelToken* cancel) = 0;
  // Stops background work.  Idempotent.  May suspend (joins the refresh fiber).
  virtual void Close() = 0;
};

// kFailedPrecondition "cannot set read timestamp to a future time" (client-go
// ErrFutureTSRead).  Never suspends.
absl::Status FutureTsReadError(uint64_t read_ts, uint64_t current_ts);
// True for FutureTsReadError statuses.  Never suspends.
bool IsFutureTsRead(const absl::Status& s);
// kInvalidArgument "cannot set read ts to max uint64 for stale read" (client-go
// ErrLatestStaleRead).  Never suspends.
absl::Status LatestStaleReadError();

}  // namespace tikv::oracle
