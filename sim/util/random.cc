#include "sim/util/random.h"

namespace tikv::sim {
namespace {

uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

uint64_t SplitMix64Next(uint64_t& state) {
  state += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

SimRandom::SimRandom(uint64_t seed) : seed_(seed) {
  uint64_t sm = seed;
  for (uint64_t& word : s_) word = SplitMix64Next(sm);
  // xoshiro must not start from the all-zero state; SplitMix64 practically never yields it, but
  // make it impossible.
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;
}

uint64_t SimRandom::Next() {
  const uint64_t result = RotateLeft(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = RotateLeft(s_[3], 45);
  return result;
}

uint64_t SimRandom::Uniform(uint64_t n) {
  if (n <= 1) return 0;
  // Reject the top partial bucket so every residue is equally likely.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  uint64_t x;
  do {
    x = Next();
  } while (x >= limit);
  return x % n;
}

bool SimRandom::OneIn(uint64_t n) { return n <= 1 || Uniform(n) == 0; }

double SimRandom::Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

bool SimRandom::Chance(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return Unit() < p;
}

SimRandom SimRandom::Fork(std::string_view name) const {
  // FNV-1a over the name, mixed with the parent seed: stable across platforms.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  uint64_t mix = seed_ ^ h;
  return SimRandom(SplitMix64Next(mix));
}

}  // namespace tikv::sim
