// tikv::Random's helpers: our own distributions, identical on every standard library.

#include <cmath>

#include "tikv/env.h"

namespace tikv {

uint64_t Random::Uniform(uint64_t n) {
  // Lemire's multiply-shift with rejection: unbiased and one draw in the common case.
  uint64_t x = Next();
  __uint128_t m = static_cast<__uint128_t>(x) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      x = Next();
      m = static_cast<__uint128_t>(x) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

int64_t Random::Range(int64_t lo, int64_t hi) {
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == ~uint64_t{0}) return static_cast<int64_t>(Next());
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + Uniform(span + 1));
}

double Random::Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

double Random::Exponential(double mean) {
  // 1 - Unit() is in (0, 1], so the logarithm is finite.
  return -std::log(1.0 - Unit()) * mean;
}

}  // namespace tikv
