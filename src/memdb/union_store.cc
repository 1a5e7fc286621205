// Port of client-go internal/unionstore/union_store.go and union_iter.go.

#include "memdb/union_store.h"

#include <utility>

namespace tikv::memdb {
namespace {

class MemBufferKvIterator final : public KvIterator {
 public:
  explicit MemBufferKvIterator(MemBufferIterator it) : it_(std::move(it)) {}
  bool Valid() const override { return it_.Valid(); }
  std::string_view Key() const override { return it_.Key(); }
  std::string_view Value() const override { return it_.Value(); }
  absl::Status Next() override { return it_.Next(); }

 private:
  MemBufferIterator it_;
};

class UnionIterator final : public KvIterator {
 public:
  UnionIterator(std::unique_ptr<KvIterator> dirty, std::unique_ptr<KvIterator> snapshot,
                bool reverse)
      : dirty_(std::move(dirty)), snapshot_(std::move(snapshot)), reverse_(reverse) {}

  bool Valid() const override { return valid_; }
  std::string_view Key() const override { return cur_is_dirty_ ? dirty_->Key() : snapshot_->Key(); }
  std::string_view Value() const override {
    return cur_is_dirty_ ? dirty_->Value() : snapshot_->Value();
  }
  absl::Status Next() override {
    if (!valid_) return absl::FailedPreconditionError("union iterator is already finished");
    absl::Status s = cur_is_dirty_ ? dirty_->Next() : snapshot_->Next();
    if (!s.ok()) return s;
    return Settle();
  }

  // Positions on the next visible entry: skips tombstones and, on equal keys, the snapshot's
  // entry (the buffer wins).
  absl::Status Settle() {
    for (;;) {
      const bool dirty_valid = dirty_->Valid();
      const bool snap_valid = snapshot_->Valid();
      if (!dirty_valid && !snap_valid) {
        valid_ = false;
        return absl::OkStatus();
      }
      valid_ = true;
      if (!dirty_valid) {
        cur_is_dirty_ = false;
        return absl::OkStatus();
      }
      int cmp = 0;
      if (snap_valid) {
        cmp = dirty_->Key().compare(snapshot_->Key());
        if (reverse_) cmp = -cmp;
      }
      if (snap_valid && cmp > 0) {
        cur_is_dirty_ = false;  // the snapshot's key comes first
        return absl::OkStatus();
      }
      if (snap_valid && cmp == 0) {
        // Same key in both: the buffer's version shadows the snapshot's.
        if (absl::Status s = snapshot_->Next(); !s.ok()) return s;
      }
      if (dirty_->Value().empty()) {
        // A tombstone: nothing to show for this key.
        if (absl::Status s = dirty_->Next(); !s.ok()) return s;
        continue;
      }
      cur_is_dirty_ = true;
      return absl::OkStatus();
    }
  }

 private:
  std::unique_ptr<KvIterator> dirty_;
  std::unique_ptr<KvIterator> snapshot_;
  bool reverse_;
  bool valid_ = false;
  bool cur_is_dirty_ = false;
};

}  // namespace

std::unique_ptr<KvIterator> WrapMemBufferIterator(MemBufferIterator it) {
  return std::make_unique<MemBufferKvIterator>(std::move(it));
}

absl::StatusOr<std::unique_ptr<KvIterator>> NewUnionIterator(std::unique_ptr<KvIterator> dirty,
                                                             std::unique_ptr<KvIterator> snapshot,
                                                             bool reverse) {
  auto it = std::make_unique<UnionIterator>(std::move(dirty), std::move(snapshot), reverse);
  if (absl::Status s = it->Settle(); !s.ok()) return s;
  return std::unique_ptr<KvIterator>(std::move(it));
}

UnionStore::UnionStore(SnapshotReader* snapshot) : snapshot_(snapshot) {}

absl::StatusOr<std::string> UnionStore::Get(std::string_view key) {
  absl::StatusOr<std::string_view> local = buffer_.Get(key);
  std::string value;
  if (local.ok()) {
    value = std::string(*local);
  } else if (absl::IsNotFound(local.status())) {
    absl::StatusOr<std::string> remote = snapshot_->Get(key);
    if (!remote.ok()) return remote.status();
    value = *std::move(remote);
  } else {
    return local.status();
  }
  if (value.empty()) return absl::NotFoundError("key deleted in this transaction or absent");
  return value;
}

absl::StatusOr<std::unique_ptr<KvIterator>> UnionStore::Iter(std::string_view lower,
                                                             std::string_view upper) {
  std::unique_ptr<KvIterator> dirty = WrapMemBufferIterator(buffer_.Iter(lower, upper));
  absl::StatusOr<std::unique_ptr<KvIterator>> snap = snapshot_->Iter(lower, upper);
  if (!snap.ok()) return snap.status();
  return NewUnionIterator(std::move(dirty), *std::move(snap), /*reverse=*/false);
}

absl::StatusOr<std::unique_ptr<KvIterator>> UnionStore::IterReverse(std::string_view upper,
                                                                    std::string_view lower) {
  std::unique_ptr<KvIterator> dirty = WrapMemBufferIterator(buffer_.IterReverse(upper, lower));
  absl::StatusOr<std::unique_ptr<KvIterator>> snap = snapshot_->IterReverse(upper, lower);
  if (!snap.ok()) return snap.status();
  return NewUnionIterator(std::move(dirty), *std::move(snap), /*reverse=*/true);
}

bool UnionStore::HasPresumeKeyNotExists(std::string_view key) const {
  absl::StatusOr<KeyFlags> flags = buffer_.GetFlags(key);
  return flags.ok() && flags->HasPresumeKeyNotExists();
}

absl::Status UnionStore::UnmarkPresumeKeyNotExists(std::string_view key) {
  return buffer_.UpdateFlags(key, {FlagsOp::kDelPresumeKeyNotExists});
}

void UnionStore::SetEntrySizeLimit(uint64_t entry_limit, uint64_t buffer_limit) {
  buffer_.SetEntrySizeLimit(entry_limit == 0 ? MemBuffer::kUnlimited : entry_limit,
                            buffer_limit == 0 ? MemBuffer::kUnlimited : buffer_limit);
}

}  // namespace tikv::memdb
