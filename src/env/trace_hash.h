// TraceHash: a running 64-bit FNV-1a over canonical event records (fixed-width little-endian
// integers and length-prefixed strings), with a checkpoint every N events.  Same events in the
// same order give the same hash in every process and on every compiler; std::hash and
// absl::Hash are never used because they are seeded or unspecified (simulation.md section 3.3).
//
// Fiber-confined.

#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace tikv::env {

class TraceHash {
 public:
  // `checkpoint_every` events between checkpoints (0 = none).
  explicit TraceHash(uint64_t checkpoint_every = 4096) : checkpoint_every_(checkpoint_every) {}

  // Starts a new event record of kind `tag`; the fields that follow belong to it.  Counts
  // events for checkpoints.  Never suspends.
  void BeginEvent(uint32_t tag);
  // Folds one fixed-width field.  Never suspends.
  void AddU64(uint64_t v);
  void AddI64(int64_t v) { AddU64(static_cast<uint64_t>(v)); }
  // Folds a length-prefixed byte string.  Never suspends.
  void AddBytes(std::string_view bytes);

  uint64_t value() const { return hash_; }
  uint64_t events() const { return events_; }
  const std::vector<uint64_t>& checkpoints() const { return checkpoints_; }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
  uint64_t events_ = 0;
  uint64_t checkpoint_every_;
  std::vector<uint64_t> checkpoints_;
};

}  // namespace tikv::env
