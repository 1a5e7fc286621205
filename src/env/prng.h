// Deterministic pseudo-random generators and hashing used to derive seeds and trace hashes:
// SplitMix64 (seed derivation), xoshiro256** (per-stream generator) and FNV-1a 64.  Written
// here rather than taken from <random> or Abseil so that outputs never change with the
// standard library or Abseil version (simulation.md section 3.1).
//
// Fiber-confined (plain value types).

#pragma once

#include <cstdint>
#include <string_view>

namespace tikv::env {

// One SplitMix64 step: advances *state and returns the next output.  Never suspends.
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

// FNV-1a over `bytes`, continuing from `hash`.  Never suspends.
inline uint64_t Fnv1a64(std::string_view bytes, uint64_t hash = kFnvOffset) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= kFnvPrime;
  }
  return hash;
}

// The seed of stream number `index` named `name` under run seed `seed`: the three values
// mixed through SplitMix64.  Never suspends.
inline uint64_t DeriveStreamSeed(uint64_t seed, std::string_view name, uint64_t index) {
  uint64_t s = seed;
  uint64_t a = SplitMix64(&s);
  s = a ^ Fnv1a64(name);
  uint64_t b = SplitMix64(&s);
  s = b ^ (index * 0xd1342543de82ef95ULL);
  return SplitMix64(&s);
}

// xoshiro256** by Blackman and Vigna, seeded through SplitMix64.  Never suspends.
class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed) {
    uint64_t s = seed;
    for (uint64_t& word : s_) word = SplitMix64(&s);
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace tikv::env
