// Port of client-go internal/unionstore/art/art_snapshot.go and membuffer_snapshot.go.
// Divergence: iterators re-seek after writes instead of pinning freed nodes (see docs/memdb.md).

#include "memdb/snapshot.h"

#include <string>
#include <utility>

#include "memdb/mem_buffer.h"

namespace tikv::memdb {

MemBufferSnapshot::MemBufferSnapshot(const MemBuffer* db, ArenaCheckpoint cp, bool checked)
    : db_(db),
      cp_(cp),
      checked_(checked),
      snapshot_seq_(db->snapshot_seq_),
      reset_seq_(db->reset_seq_) {}

absl::Status MemBufferSnapshot::CheckValid() const {
  if (reset_seq_ != db_->reset_seq_) {
    return absl::FailedPreconditionError("memdb snapshot used after the buffer was reset");
  }
  if (checked_ && snapshot_seq_ != db_->snapshot_seq_) {
    return absl::FailedPreconditionError(
        "memdb snapshot is invalid: its staging level was released, cleaned up or reverted");
  }
  if (db_->values_discarded_) {
    return absl::FailedPreconditionError("memdb snapshot read after values were discarded");
  }
  return absl::OkStatus();
}

ArenaAddr MemBufferSnapshot::VisibleValue(const Leaf* leaf) const {
  if (leaf->value.IsNull()) return ArenaAddr::Null();
  return db_->vlog_.VisibleAt(leaf->value, cp_);
}

absl::StatusOr<std::string_view> MemBufferSnapshot::Get(std::string_view key) const {
  if (absl::Status s = CheckValid(); !s.ok()) return s;
  bool created = false;
  absl::StatusOr<MemBuffer::Found> found = db_->Traverse(key, /*insert=*/false, &created);
  if (!found.ok()) return found.status();
  if (found->leaf == nullptr) return absl::NotFoundError("key not in memdb snapshot");
  ArenaAddr addr = VisibleValue(found->leaf);
  if (addr.IsNull()) return absl::NotFoundError("key not in memdb snapshot");
  return db_->vlog_.GetValue(addr);
}

absl::StatusOr<SnapshotIterator> MemBufferSnapshot::MakeIter(std::string_view lower,
                                                             std::string_view upper,
                                                             bool reverse) const {
  if (absl::Status s = CheckValid(); !s.ok()) return s;
  SnapshotIterator it(*this, MemBufferIterator(db_, reverse, /*include_flags=*/false, lower, upper));
  it.SkipInvisible();
  return it;
}

absl::StatusOr<SnapshotIterator> MemBufferSnapshot::Iter(std::string_view lower,
                                                         std::string_view upper) const {
  return MakeIter(lower, upper, /*reverse=*/false);
}

absl::StatusOr<SnapshotIterator> MemBufferSnapshot::IterReverse(std::string_view upper,
                                                                std::string_view lower) const {
  return MakeIter(lower, upper, /*reverse=*/true);
}

absl::Status MemBufferSnapshot::ForEachInSnapshotRange(
    std::string_view lower, std::string_view upper, bool reverse,
    absl::FunctionRef<absl::StatusOr<bool>(std::string_view, std::string_view)> fn) const {
  absl::StatusOr<SnapshotIterator> it = MakeIter(lower, upper, reverse);
  if (!it.ok()) return it.status();
  while (it->Valid()) {
    absl::StatusOr<bool> stop = fn(it->Key(), it->Value());
    if (!stop.ok()) return stop.status();
    if (*stop) return absl::OkStatus();
    if (absl::Status s = it->Next(); !s.ok()) return s;
  }
  return CheckValid();  // a snapshot invalidated mid-scan must not look like a complete scan
}

SnapshotIterator::SnapshotIterator(MemBufferSnapshot snap, MemBufferIterator inner)
    : snap_(snap), inner_(std::move(inner)) {}

void SnapshotIterator::SkipInvisible() {
  // The inner iterator is only stepped while it is fresh; callers re-seek it first otherwise.
  while (inner_.valid_) {
    if (!snap_.VisibleValue(inner_.leaf_).IsNull()) {
      leaf_ = inner_.leaf_;
      valid_ = true;
      return;
    }
    inner_.Advance();
  }
  leaf_ = nullptr;
  valid_ = false;
}

bool SnapshotIterator::Valid() const { return valid_ && snap_.CheckValid().ok(); }

std::string_view SnapshotIterator::Value() const {
  // Computed on demand: the buffer may have been written since this entry was reached.
  ArenaAddr addr = snap_.VisibleValue(leaf_);
  return addr.IsNull() ? std::string_view() : snap_.db_->vlog_.GetValue(addr);
}

absl::Status SnapshotIterator::Next() {
  if (absl::Status s = snap_.CheckValid(); !s.ok()) return s;
  if (!valid_) return absl::FailedPreconditionError("memdb snapshot iterator is already finished");
  if (inner_.IsStale()) {
    // The tree may have been restructured: seek again just past the current key. Leaves never
    // move, so the current key is still readable.
    std::string key(leaf_->Key());
    if (!inner_.reverse_) {
      key.push_back('\0');  // the smallest key greater than the current one
      inner_ = MemBufferIterator(snap_.db_, false, false, key, inner_.upper_);
    } else {
      inner_ = MemBufferIterator(snap_.db_, true, false, inner_.lower_, key);
    }
  } else {
    inner_.Advance();
  }
  SkipInvisible();
  return absl::OkStatus();
}

}  // namespace tikv::memdb
