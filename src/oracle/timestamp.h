// TiKV timestamps: a 64-bit value whose high 46 bits are Unix milliseconds (the physical part)
// and whose low 18 bits are a logical counter within that millisecond.  Port of client-go
// oracle/oracle.go (ComposeTS, ExtractPhysical, ExtractLogical, GoTimeToTS,
// GoTimeToLowerLimitStartTS).  Immutable: pure functions.

#pragma once

#include <cstdint>

namespace tikv::oracle {

inline constexpr int kPhysicalShiftBits = 18;
inline constexpr uint64_t kLogicalMask = (uint64_t{1} << kPhysicalShiftBits) - 1;

// physical << 18 | logical.  Never suspends.
constexpr uint64_t ComposeTs(int64_t physical_ms, int64_t logical) {
  return static_cast<uint64_t>((physical_ms << kPhysicalShiftBits) + logical);
}
// The Unix milliseconds of `ts`.  Never suspends.
constexpr int64_t ExtractPhysical(uint64_t ts) {
  return static_cast<int64_t>(ts >> kPhysicalShiftBits);
}
// The logical counter of `ts`.  Never suspends.
constexpr int64_t ExtractLogical(uint64_t ts) { return static_cast<int64_t>(ts & kLogicalMask); }
// The timestamp of Unix time `unix_ms` with logical 0 (client-go GoTimeToTS).  Never suspends.
constexpr uint64_t UnixMillisToTs(int64_t unix_ms) { return ComposeTs(unix_ms, 0); }
// The lowest start ts a transaction still running at `now_unix_ms` may have, given it may run
// for `max_txn_time_use_ms` (client-go GoTimeToLowerLimitStartTS).  Never suspends.
constexpr uint64_t LowerLimitStartTs(int64_t now_unix_ms, int64_t max_txn_time_use_ms) {
  return UnixMillisToTs(now_unix_ms - max_txn_time_use_ms);
}

}  // namespace tikv::oracle
