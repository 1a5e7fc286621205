// Seeded pseudo-random numbers for the simulated cluster: SplitMix64 to expand a seed and
// xoshiro256** to draw. The simulator never uses <random> distributions, rand() or clocks, so a
// run is reproducible from its seed on every standard library. Each fault family owns its own
// SimRandom (derived with Fork), so enabling one family does not shift another's decisions.
// Fiber-confined: not thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace tikv::sim {

// One step of SplitMix64: advances `state` and returns the next output. Used to seed xoshiro and
// to derive child streams.
uint64_t SplitMix64Next(uint64_t& state);

// A deterministic xoshiro256** generator with a few helpers the fault schedules need.
class SimRandom {
 public:
  // Seeds the four state words from `seed` through SplitMix64 (never all zero).
  explicit SimRandom(uint64_t seed);

  // Returns the next 64 random bits.
  uint64_t Next();

  // Returns a value uniform in [0, n). Requires: n > 0. Uses rejection sampling, so the result
  // does not depend on any library's distribution code.
  uint64_t Uniform(uint64_t n);

  // Returns true with probability 1/n (n == 0 or 1: always true).
  bool OneIn(uint64_t n);

  // Returns a double uniform in [0, 1) built from the top 53 bits.
  double Unit();

  // Returns true with probability `p` (clamped to [0, 1]).
  bool Chance(double p);

  // Returns an independent generator derived from this one's seed and `name`, without advancing
  // this generator. The same (seed, name) always gives the same stream.
  SimRandom Fork(std::string_view name) const;

 private:
  uint64_t seed_;
  uint64_t s_[4];
};

}  // namespace tikv::sim
