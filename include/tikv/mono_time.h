// MonoTime and Duration: points and spans on an Env's monotonic clock.  In production the
// clock is steady_clock; in simulation it is virtual nanoseconds.  Only differences and
// comparisons mean anything; the epoch is arbitrary.
//
// Immutable value types.

#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <limits>

namespace tikv {

using Duration = std::chrono::nanoseconds;

class MonoTime {
 public:
  constexpr MonoTime() = default;

  // The point `nanos` after the clock's epoch.  Never suspends.
  static constexpr MonoTime FromNanos(int64_t nanos) { return MonoTime(nanos); }

  // A point after every reachable time: "no deadline".  Never suspends.
  static constexpr MonoTime Infinite() { return MonoTime(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t nanos() const { return nanos_; }
  constexpr bool is_infinite() const { return nanos_ == std::numeric_limits<int64_t>::max(); }

  // Saturates at Infinite() so that `Infinite() + d` stays infinite.
  constexpr MonoTime operator+(Duration d) const {
    if (is_infinite()) return *this;
    const int64_t c = d.count();
    if (c > 0 && nanos_ > std::numeric_limits<int64_t>::max() - c) return Infinite();
    return MonoTime(nanos_ + c);
  }
  constexpr Duration operator-(MonoTime other) const { return Duration(nanos_ - other.nanos_); }
  constexpr auto operator<=>(const MonoTime&) const = default;

 private:
  constexpr explicit MonoTime(int64_t nanos) : nanos_(nanos) {}
  int64_t nanos_ = 0;
};

// The earlier of two points.  Never suspends.
constexpr MonoTime Earliest(MonoTime a, MonoTime b) { return a < b ? a : b; }

}  // namespace tikv
