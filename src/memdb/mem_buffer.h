// MemBuffer: the transaction write buffer (client-go's MemDB), an adaptive radix tree over an
// arena with a value log that makes writes revertible by nested staging levels.
//
// Port of client-go internal/unionstore/art/art.go (`ART`) and internal/unionstore/memdb_art.go
// (`artDBWithContext`). Think of it as two maps sharing one tree: key -> value (revertible through
// `Staging` / `Release` / `Cleanup` and checkpoints) and key -> flags (not revertible; a cleanup
// that removes a key's value keeps only its persistent flags). A deleted key is stored with an
// empty value (a tombstone) so it can hide the snapshot below it; `Get` returns it as "".
//
// Views returned by reads (`Get`, iterator `Key`/`Value`) point into the arenas. Keys stay valid
// until `Reset`; values until the next write, cleanup or reset.
//
// Fiber-confined: one fiber at a time. There is no internal lock (client-go's RWMutex exists
// for goroutines that read concurrently; fibers of one transaction never interleave inside a call).

#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include "memdb/arena.h"
#include "memdb/art_node.h"
#include "memdb/key_flags.h"
#include "memdb/iterator.h"
#include "memdb/snapshot.h"
#include "memdb/value_log.h"

namespace tikv::memdb {

// A position in the value log, for `RevertToCheckpoint`.
using MemBufferCheckpoint = ArenaCheckpoint;

class MemBuffer {
 public:
  // "No limit" for `SetEntrySizeLimit`.
  static constexpr uint64_t kUnlimited = ~uint64_t{0};

  MemBuffer();
  MemBuffer(const MemBuffer&) = delete;
  MemBuffer& operator=(const MemBuffer&) = delete;
  ~MemBuffer();

  // ---- Reads ----

  // The value of `key`; "" for a deleted key (a tombstone).
  // Errors: kNotFound if the key has no value (absent or flags only); kFailedPrecondition after
  // `DiscardValues`.
  absl::StatusOr<std::string_view> Get(std::string_view key) const;
  // The flags of `key`. Errors: kNotFound if the key is not in the buffer.
  absl::StatusOr<KeyFlags> GetFlags(std::string_view key) const;
  // The newest value of `key`, walking back through its history (across staging levels), for
  // which `pred` holds; std::nullopt when none does.
  // Errors: kNotFound if the key has no value; kFailedPrecondition after `DiscardValues`.
  absl::StatusOr<std::optional<std::string_view>> SelectValueHistory(
      std::string_view key, absl::FunctionRef<bool(std::string_view)> pred) const;

  // ---- Writes (each invalidates open iterators) ----

  // Sets `key` to `value` in the current staging level. Clears the constraint-check-in-prewrite
  // flag unless an op in `ops` sets it again. Errors: kInvalidArgument for an empty key, an empty
  // value (use `Delete`), a key over 65535 bytes, or key+value over the entry size limit (nothing
  // is written); kResourceExhausted when the buffer size exceeds the total limit (the write *is*
  // applied, as in client-go, so the caller can roll back with a cleanup); kFailedPrecondition
  // after `DiscardValues`.
  absl::Status Set(std::string_view key, std::string_view value);
  absl::Status SetWithFlags(std::string_view key, std::string_view value,
                            absl::Span<const FlagsOp> ops);
  // Writes a tombstone for `key`. Same errors as `Set`, except an empty value is the point.
  absl::Status Delete(std::string_view key);
  absl::Status DeleteWithFlags(std::string_view key, absl::Span<const FlagsOp> ops);
  // Applies `ops` to the flags of `key`, creating a flags-only entry if the key is absent.
  // Errors: kInvalidArgument for an empty or oversized key; kFailedPrecondition after
  // `DiscardValues`.
  absl::Status UpdateFlags(std::string_view key, absl::Span<const FlagsOp> ops);

  // ---- Staging ----

  // Opens a nested staging level and returns its handle (1 for the outermost).
  int Staging();
  // Merges the top level into its parent. Handle 0 is a no-op. Errors: kFailedPrecondition if
  // `handle` is not the top level.
  absl::Status Release(int handle);
  // Reverts every value written in the top level and closes it. Handle 0, or a handle above the
  // top, is a no-op. Errors: kFailedPrecondition if `handle` is below the top level.
  absl::Status Cleanup(int handle);
  // Number of open staging levels.
  int StagingDepth() const { return static_cast<int>(stages_.size()); }
  // The current position of the value log.
  MemBufferCheckpoint Checkpoint() const { return vlog_.Checkpoint(); }
  // Reverts every value written after `cp`, like a cleanup to an arbitrary position.
  // Errors: kInvalidArgument if `cp` is ahead of the log; kFailedPrecondition after
  // `DiscardValues`.
  absl::Status RevertToCheckpoint(const MemBufferCheckpoint& cp);
  // Calls `fn(key, flags, value)` for each key whose newest value was written since staging level
  // `handle` opened, newest write first. Errors: kInvalidArgument for an unknown handle.
  absl::Status InspectStage(int handle,
                            absl::FunctionRef<void(std::string_view, KeyFlags, std::string_view)> fn)
      const;

  // ---- Iteration ----

  // Keys in [lower, upper) in ascending order; empty bounds are unbounded. Skips flags-only keys;
  // includes tombstones (empty value).
  MemBufferIterator Iter(std::string_view lower, std::string_view upper) const;
  // Keys in [lower, upper) in descending order, starting below `upper`.
  MemBufferIterator IterReverse(std::string_view upper, std::string_view lower) const;
  // Like `Iter` / `IterReverse` but flags-only keys are included too.
  MemBufferIterator IterWithFlags(std::string_view lower, std::string_view upper) const;
  MemBufferIterator IterReverseWithFlags(std::string_view upper) const;

  // A reader of the buffer as of the outermost staging level (or now, without staging). It
  // becomes invalid (its calls fail) once that level is released or cleaned, a checkpoint before
  // it is restored, a write happens without staging, or the buffer is reset.
  MemBufferSnapshot GetSnapshot() const;
  // Deprecated-upstream reader as of the outermost level without the validity check (client-go's
  // `SnapshotGetter` / `SnapshotIter`); only `Reset` invalidates it.
  MemBufferSnapshot SnapshotGetter() const;

  // ---- Accounting and limits ----

  // Entries (keys, including flags-only ones) in the buffer.
  size_t Len() const { return len_; }
  // Bytes of keys plus current values.
  size_t Size() const { return size_; }
  // Bytes reserved by both arenas (capacity, not logical size). 0 for an untouched buffer.
  uint64_t Mem() const { return nodes_.Capacity() + vlog_.Capacity(); }
  // True once anything was written outside a staging level that was later cleaned, or a
  // persistent flag was set.
  bool Dirty() const { return dirty_; }
  // Sets the entry (key + value) and total-size limits; `kUnlimited` disables one.
  void SetEntrySizeLimit(uint64_t entry_limit, uint64_t buffer_limit);
  uint64_t entry_size_limit() const { return entry_limit_; }
  uint64_t buffer_size_limit() const { return buffer_limit_; }
  // Calls `hook(Mem())` at the end of any call that changed `Mem()`.
  void SetMemoryFootprintChangeHook(std::function<void(uint64_t)> hook);
  bool MemHookSet() const { return static_cast<bool>(mem_hook_); }

  // ---- Lifecycle ----

  // Drops everything, including staging levels and limits stay as set.
  void Reset();
  // Frees all values (after commit starts). Afterwards value reads and writes fail with
  // kFailedPrecondition; keys and flags stay readable.
  void DiscardValues();

  // ---- Handles and cache statistics ----

  // The key behind `handle`.
  std::string_view GetKeyByHandle(KeyHandle handle) const;
  // The value behind `handle`; std::nullopt for a flags-only key or after `DiscardValues`.
  std::optional<std::string_view> GetValueByHandle(KeyHandle handle) const;
  // Lookups answered by / missed in the last-traversed-leaf cache.
  uint64_t cache_hits() const { return cache_hits_; }
  uint64_t cache_misses() const { return cache_misses_; }

 private:
  friend class MemBufferIterator;
  friend class MemBufferSnapshot;
  friend class SnapshotIterator;

  struct Found {
    ArenaAddr addr = ArenaAddr::Null();
    Leaf* leaf = nullptr;
  };

  // Validates and performs a write; `value` null means flags only.
  absl::Status Write(std::string_view key, const std::string_view* value,
                     absl::Span<const FlagsOp> ops);
  // Lookup through the last-leaf cache; inserts the key when `insert`.
  absl::StatusOr<Found> Traverse(std::string_view key, bool insert, bool* created) const;
  Found Search(std::string_view key) const;
  absl::StatusOr<Found> Insert(std::string_view key, bool* created);
  // Replaces the node in `*slot` (whose compressed path diverges from `key` at `mismatch`) by a
  // new node4 holding both it and a new leaf for `key`.
  absl::StatusOr<Found> SplitPrefix(uint64_t* slot, std::string_view key, size_t depth,
                                    size_t mismatch);
  absl::Status SetValue(ArenaAddr addr, Leaf* leaf, std::string_view value);
  // Undoes one value record during a cleanup or revert.
  void RevertRecord(const ValueLogHeader& hdr);
  void RevertTo(const ArenaCheckpoint& cp);
  // The checkpoint stage-0 snapshots read at.
  ArenaCheckpoint SnapshotCheckpoint() const;
  void NotifyMemChange();

  mutable NodeArena nodes_;
  ValueLog vlog_;
  uint64_t root_ = 0;  // NodeRef raw word of the root node4/16/48/256; 0 until the first write
  std::vector<ArenaCheckpoint> stages_;
  bool values_discarded_ = false;
  bool dirty_ = false;
  uint64_t entry_limit_ = kUnlimited;
  uint64_t buffer_limit_ = kUnlimited;
  size_t len_ = 0;
  size_t size_ = 0;

  // Last leaf found or inserted; repeated access to one key skips the tree walk.
  mutable uint64_t last_leaf_ = ArenaAddr::Null().AsU64();
  mutable uint64_t cache_hits_ = 0;
  mutable uint64_t cache_misses_ = 0;

  // Bumped by every write, staging change and reset: iterators created earlier are stale.
  uint64_t write_seq_ = 0;
  // Bumped by anything that changes what a stage-0 snapshot reads.
  uint64_t snapshot_seq_ = 0;
  // Bumped by `Reset` only: leaf addresses held by readers are dead.
  uint64_t reset_seq_ = 0;

  std::function<void(uint64_t)> mem_hook_;
  uint64_t reported_mem_ = 0;
};

}  // namespace tikv::memdb
