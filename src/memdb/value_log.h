// The value log: an append-only arena of value records, the undo history behind staging.
//
// Port of client-go internal/unionstore/arena/arena.go (`MemdbVlog`, `MemdbVlogHdr`). Each record
// is the value bytes followed by a 20-byte header (value length, address of the key's previous
// value, address of the key's leaf). A record's address is the offset just past its header, so
// walking backwards from the frontier visits records newest first; that walk reverts a staging
// level or inspects what it wrote. A record is "visible at" a checkpoint iff it ends at or before
// the checkpoint's frontier.
//
// Fiber-confined.

#pragma once

#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

#include "memdb/arena.h"

namespace tikv::memdb {

// The header stored after each value.
struct ValueLogHeader {
  ArenaAddr leaf;       // the key this value belongs to
  ArenaAddr old_value;  // the key's previous value record, or Null
  uint32_t value_len = 0;
};

class ValueLog {
 public:
  static constexpr size_t kHeaderSize = 4 + 8 + 8;

  // Appends `value` for the key whose leaf is at `leaf`, linking `old_value` as its previous
  // version, and returns the new record's address. Errors: kInvalidArgument if the record cannot
  // fit in one arena block.
  absl::StatusOr<ArenaAddr> Append(ArenaAddr leaf, ArenaAddr old_value, std::string_view value);

  // The value stored in record `addr`. The view is invalidated by truncation or reset.
  std::string_view GetValue(ArenaAddr addr) const;
  // Same, but writable, for in-place overwrite of an equal-length value.
  char* MutableValue(ArenaAddr addr);
  // The header of record `addr`.
  ValueLogHeader GetHeader(ArenaAddr addr) const;

  // True iff record `addr` was written after `cp` (so a write under `cp` may overwrite it).
  static bool WrittenAfter(const ArenaCheckpoint& cp, ArenaAddr addr);

  // Follows the history chain from `addr` (newest first) and returns the first record for which
  // `pred` holds, or Null.
  ArenaAddr SelectHistory(ArenaAddr addr, absl::FunctionRef<bool(ArenaAddr)> pred) const;
  // The newest record in the chain from `addr` that is visible at `cp`, or Null.
  ArenaAddr VisibleAt(ArenaAddr addr, const ArenaCheckpoint& cp) const;

  // Visits the records between `head` (exclusive) and `tail` (the later frontier), newest first,
  // passing each record's address and header.
  void WalkBack(const ArenaCheckpoint& head, const ArenaCheckpoint& tail,
                absl::FunctionRef<void(ArenaAddr, const ValueLogHeader&)> fn) const;

  ArenaCheckpoint Checkpoint() const { return arena_.Checkpoint(); }
  void Truncate(const ArenaCheckpoint& cp) { arena_.Truncate(cp); }
  void Reset() { arena_.Reset(); }
  uint64_t Capacity() const { return arena_.Capacity(); }
  size_t Blocks() const { return arena_.Blocks(); }
  size_t block_size() const { return arena_.block_size(); }

 private:
  Arena arena_;
};

}  // namespace tikv::memdb
