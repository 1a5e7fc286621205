// MemBufferSnapshot: reads of a MemBuffer as of its outermost staging level ("stage 0").
//
// Port of client-go internal/unionstore/art/art_snapshot.go (`Snapshot`, `SnapIter`) and the
// `MemBufferSnapshot` of membuffer_snapshot.go. A snapshot remembers a value-log checkpoint and
// shows, for each key, the newest value written at or before it; writes of the statement in
// progress (inside staging) are invisible.
//
// Snapshot iterators tolerate writes to the buffer between steps (client-go needs a separate
// "batched" iterator for that): when the buffer changed since the last step, the iterator seeks
// again from its current key. A checked snapshot (`MemBuffer::GetSnapshot`) fails with
// kFailedPrecondition once stage 0 is released or cleaned, a checkpoint before it is restored, or
// the buffer is written without staging; an unchecked one (`SnapshotGetter`, client-go's
// deprecated API) only fails after `Reset`.
//
// Fiber-confined; the MemBuffer must outlive its snapshots and their iterators.

#pragma once

#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "memdb/arena.h"
#include "memdb/iterator.h"

namespace tikv::memdb {

class MemBuffer;
class SnapshotIterator;

class MemBufferSnapshot {
 public:
  // The value of `key` as of the snapshot ("" for a tombstone).
  // Errors: kNotFound if the key had no value then; kFailedPrecondition if the snapshot is no
  // longer valid or values were discarded.
  absl::StatusOr<std::string_view> Get(std::string_view key) const;
  // Ascending iteration over [lower, upper) as of the snapshot (empty bound = unbounded).
  // Errors: kFailedPrecondition if the snapshot is no longer valid.
  absl::StatusOr<SnapshotIterator> Iter(std::string_view lower, std::string_view upper) const;
  // Descending iteration over [lower, upper).
  absl::StatusOr<SnapshotIterator> IterReverse(std::string_view upper,
                                               std::string_view lower) const;
  // Calls `fn(key, value)` for each entry of [lower, upper) in order until it returns true
  // ("stop") or an error, which is returned.
  absl::Status ForEachInSnapshotRange(
      std::string_view lower, std::string_view upper, bool reverse,
      absl::FunctionRef<absl::StatusOr<bool>(std::string_view, std::string_view)> fn) const;
  // OK while the snapshot may be read.
  absl::Status CheckValid() const;

 private:
  friend class MemBuffer;
  friend class SnapshotIterator;

  MemBufferSnapshot(const MemBuffer* db, ArenaCheckpoint cp, bool checked);
  absl::StatusOr<SnapshotIterator> MakeIter(std::string_view lower, std::string_view upper,
                                            bool reverse) const;
  // The record of `leaf`'s value visible at the snapshot, or Null.
  ArenaAddr VisibleValue(const Leaf* leaf) const;

  const MemBuffer* db_;
  ArenaCheckpoint cp_;
  bool checked_;
  uint64_t snapshot_seq_;
  uint64_t reset_seq_;
};

class SnapshotIterator {
 public:
  // True iff positioned on an entry and the snapshot is still valid.
  bool Valid() const;
  // The current key. REQUIRES: Valid().
  std::string_view Key() const { return leaf_->Key(); }
  // The current key's value as of the snapshot. REQUIRES: Valid().
  std::string_view Value() const;
  // Moves to the next entry. Errors: kFailedPrecondition if the snapshot became invalid or the
  // iterator is finished.
  absl::Status Next();

 private:
  friend class MemBufferSnapshot;

  SnapshotIterator(MemBufferSnapshot snap, MemBufferIterator inner);
  // Skips entries without a value visible at the snapshot.
  void SkipInvisible();

  MemBufferSnapshot snap_;
  MemBufferIterator inner_;
  const Leaf* leaf_ = nullptr;
  bool valid_ = false;
};

}  // namespace tikv::memdb
