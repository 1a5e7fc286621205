// MemBufferIterator: ordered traversal of a MemBuffer's keys over a range, forwards or backwards.
//
// Port of client-go internal/unionstore/art/art_iterator.go (`Iterator`, `baseIter`). The
// iterator keeps a stack of (inner node, child position) frames from the root to the current leaf;
// seeking builds that stack for the first key at or after a bound (or last key below one).
//
// Any write, staging change or reset of the buffer after the iterator was created makes it stale:
// `Valid()` turns false and `Next()` / `status()` report kFailedPrecondition (client-go panics).
// A stale iterator never touches the tree again.
//
// Fiber-confined; the MemBuffer must outlive the iterator.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

#include "memdb/arena.h"
#include "memdb/art_node.h"
#include "memdb/key_flags.h"

namespace tikv::memdb {

class MemBuffer;

// Opaque reference to a key stored in the buffer (its leaf); valid until `Reset`.
struct KeyHandle {
  ArenaAddr addr;
  friend bool operator==(KeyHandle a, KeyHandle b) = default;
};

class MemBufferIterator {
 public:
  // True iff positioned on an entry and the buffer has not been written since creation.
  bool Valid() const { return valid_ && !IsStale(); }
  // The current key. REQUIRES: Valid().
  std::string_view Key() const { return leaf_->Key(); }
  // The current value; "" for a tombstone or a flags-only entry. REQUIRES: Valid().
  std::string_view Value() const;
  // The current key's flags. REQUIRES: Valid().
  KeyFlags Flags() const { return leaf_->Flags(); }
  // False for a flags-only entry (only produced by the *WithFlags iterators).
  bool HasValue() const { return leaf_ != nullptr && !leaf_->value.IsNull(); }
  // A handle to the current key. REQUIRES: Valid().
  KeyHandle Handle() const { return KeyHandle{leaf_addr_}; }

  // Moves to the next entry in iteration order; `Valid()` turns false past the range's end.
  // Errors: kFailedPrecondition if the iterator is stale or already finished.
  absl::Status Next();
  // OK, or kFailedPrecondition once the buffer was written after the iterator was created.
  absl::Status status() const;
  // True iff the buffer changed after the iterator was created.
  bool IsStale() const;

 private:
  friend class MemBuffer;
  friend class MemBufferSnapshot;
  friend class SnapshotIterator;

  struct Frame {
    NodeRef node;
    int pos;  // position of the child currently being visited (or a sentinel)
  };

  MemBufferIterator(const MemBuffer* db, bool reverse, bool include_flags,
                    std::string_view lower, std::string_view upper);

  // Positions the stack so that `Step` yields the first leaf >= key (forward) or < key (reverse).
  void SeekGreaterOrEqual(std::string_view key);
  void SeekLess(std::string_view key);
  // Moves to the next leaf in iteration order, or returns a null ref when there is none.
  NodeRef Step();
  // Steps until an entry that should be shown, or past the bound.
  void Advance();

  const MemBuffer* db_;
  bool reverse_;
  bool include_flags_;
  bool valid_ = false;
  std::string lower_;
  std::string upper_;
  std::vector<Frame> stack_;
  const Leaf* leaf_ = nullptr;
  ArenaAddr leaf_addr_ = ArenaAddr::Null();
  uint64_t seq_;
};

}  // namespace tikv::memdb
