// Port of client-go internal/unionstore/art/art.go (ART) and memdb_art.go (artDBWithContext).

#include "memdb/mem_buffer.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tikv::memdb {
namespace {

absl::Status ValuesDiscardedError() {
  return absl::FailedPreconditionError("memdb values were discarded (commit has started)");
}

int PosOf(std::string_view key, size_t depth) {
  return depth == key.size() ? 0 : static_cast<uint8_t>(key[depth]) + 1;
}

}  // namespace

MemBuffer::MemBuffer() { stages_.reserve(2); }

MemBuffer::~MemBuffer() = default;

// ---------------------------------------------------------------------------------------------
// Tree walk.

MemBuffer::Found MemBuffer::Search(std::string_view key) const {
  NodeRef node = NodeRef::FromRaw(root_);
  size_t depth = 0;
  while (!node.IsNull()) {
    if (node.IsLeaf()) {
      Leaf* leaf = nodes_.GetLeaf(node);
      if (leaf->Key() == key) return Found{node.addr(), leaf};
      return Found{};
    }
    const NodeHeader* h = nodes_.Header(node);
    if (h->prefix_len > 0) {
      // Compare only the inline part of the compressed path; a long path is confirmed by the
      // full-key comparison at the leaf.
      const size_t inline_len = std::min<size_t>(h->prefix_len, kMaxInNodePrefixLen);
      if (key.size() - depth < inline_len ||
          std::memcmp(key.data() + depth, h->prefix, inline_len) != 0) {
        return Found{};
      }
      depth += h->prefix_len;
      if (depth > key.size()) return Found{};
    }
    node = nodes_.ChildAt(node, PosOf(key, depth));
    ++depth;
  }
  return Found{};
}

absl::StatusOr<MemBuffer::Found> MemBuffer::Insert(std::string_view key, bool* created) {
  *created = false;
  if (root_ == 0) {
    // The root is created lazily so a read-only buffer owns no memory.
    absl::StatusOr<NodeRef> root = nodes_.NewNode4();
    if (!root.ok()) return root.status();
    root_ = root->raw();
  }
  uint64_t* slot = &root_;
  size_t depth = 0;
  for (;;) {
    const NodeRef node = NodeRef::FromRaw(*slot);
    NodeHeader* h = nodes_.Header(node);
    if (h->prefix_len > 0) {
      std::string_view prefix = nodes_.FullPrefix(node, depth);
      const size_t mismatch = LongestCommonPrefix(prefix, key.substr(depth), 0);
      if (mismatch < h->prefix_len) {
        *created = true;
        return SplitPrefix(slot, key, depth, mismatch);
      }
      depth += h->prefix_len;
    }
    const int pos = PosOf(key, depth);
    uint64_t* child_slot = nodes_.ChildSlot(node, pos);
    if (child_slot == nullptr) {
      absl::StatusOr<NodeRef> leaf = nodes_.NewLeaf(key);
      if (!leaf.ok()) return leaf.status();
      if (absl::Status s = nodes_.AddChild(slot, pos, *leaf); !s.ok()) return s;
      *created = true;
      return Found{leaf->addr(), nodes_.GetLeaf(*leaf)};
    }
    const NodeRef child = NodeRef::FromRaw(*child_slot);
    if (pos == 0) return Found{child.addr(), nodes_.GetLeaf(child)};  // in-place leaf == key
    if (child.IsLeaf()) {
      Leaf* old_leaf = nodes_.GetLeaf(child);
      if (old_leaf->Key() == key) return Found{child.addr(), old_leaf};
      // Two keys now share this slot: put both under a node4 whose path is their common part.
      absl::StatusOr<NodeRef> leaf = nodes_.NewLeaf(key);
      if (!leaf.ok()) return leaf.status();
      absl::StatusOr<NodeRef> n4 = nodes_.NewNode4();
      if (!n4.ok()) return n4.status();
      std::string_view old_key = nodes_.GetLeaf(child)->Key();
      const size_t lcp = LongestCommonPrefix(old_key, key, depth + 1);
      nodes_.SetPrefix(*n4, key.substr(depth + 1), lcp);
      const size_t split = depth + 1 + lcp;
      uint64_t n4_slot = n4->raw();
      if (absl::Status s = nodes_.AddChild(&n4_slot, PosOf(old_key, split), child); !s.ok()) {
        return s;
      }
      if (absl::Status s = nodes_.AddChild(&n4_slot, PosOf(key, split), *leaf); !s.ok()) return s;
      *child_slot = n4_slot;
      *created = true;
      return Found{leaf->addr(), nodes_.GetLeaf(*leaf)};
    }
    slot = child_slot;
    ++depth;
  }
}

absl::StatusOr<MemBuffer::Found> MemBuffer::SplitPrefix(uint64_t* slot, std::string_view key,
                                                        size_t depth, size_t mismatch) {
  const NodeRef node = NodeRef::FromRaw(*slot);
  NodeHeader* h = nodes_.Header(node);
  const size_t old_len = h->prefix_len;
  std::string_view full = nodes_.FullPrefix(node, depth);
  const auto node_byte = static_cast<uint8_t>(full[mismatch]);
  // `full` may alias the node's own inline prefix, which SetPrefix overwrites: copy first.
  uint8_t tail[kMaxInNodePrefixLen];
  const size_t tail_len = std::min(old_len - mismatch - 1, kMaxInNodePrefixLen);
  if (tail_len > 0) std::memcpy(tail, full.data() + mismatch + 1, tail_len);

  absl::StatusOr<NodeRef> n4 = nodes_.NewNode4();
  if (!n4.ok()) return n4.status();
  nodes_.SetPrefix(*n4, key.substr(depth, mismatch), mismatch);
  nodes_.SetPrefix(node, std::string_view(reinterpret_cast<const char*>(tail), tail_len),
                   old_len - mismatch - 1);
  uint64_t n4_slot = n4->raw();
  if (absl::Status s = nodes_.AddChild(&n4_slot, node_byte + 1, node); !s.ok()) return s;
  absl::StatusOr<NodeRef> leaf = nodes_.NewLeaf(key);
  if (!leaf.ok()) return leaf.status();
  if (absl::Status s = nodes_.AddChild(&n4_slot, PosOf(key, depth + mismatch), *leaf); !s.ok()) {
    return s;
  }
  *slot = n4_slot;
  return Found{leaf->addr(), nodes_.GetLeaf(*leaf)};
}

absl::StatusOr<MemBuffer::Found> MemBuffer::Traverse(std::string_view key, bool insert,
                                                     bool* created) const {
  *created = false;
  const ArenaAddr cached = ArenaAddr::FromU64(last_leaf_);
  if (!cached.IsNull()) {
    Leaf* leaf = nodes_.GetLeaf(cached);
    if (leaf->Key() == key) {
      ++cache_hits_;
      return Found{cached, leaf};
    }
  }
  ++cache_misses_;
  Found found;
  if (insert) {
    // Insertion is the one mutating walk; only non-const entry points pass insert = true.
    absl::StatusOr<Found> ins = const_cast<MemBuffer*>(this)->Insert(key, created);
    if (!ins.ok()) return ins.status();
    found = *ins;
  } else {
    found = Search(key);
  }
  if (found.leaf != nullptr) last_leaf_ = found.addr.AsU64();
  return found;
}

// ---------------------------------------------------------------------------------------------
// Reads.

absl::StatusOr<std::string_view> MemBuffer::Get(std::string_view key) const {
  if (values_discarded_) return ValuesDiscardedError();
  bool created = false;
  absl::StatusOr<Found> found = Traverse(key, false, &created);
  if (!found.ok()) return found.status();
  if (found->leaf == nullptr || found->leaf->value.IsNull()) {
    return absl::NotFoundError("key not in memdb");
  }
  return vlog_.GetValue(found->leaf->value);
}

absl::StatusOr<KeyFlags> MemBuffer::GetFlags(std::string_view key) const {
  bool created = false;
  absl::StatusOr<Found> found = Traverse(key, false, &created);
  if (!found.ok()) return found.status();
  if (found->leaf == nullptr || (found->leaf->value.IsNull() && found->leaf->IsDeleted())) {
    return absl::NotFoundError("key not in memdb");
  }
  return found->leaf->Flags();
}

absl::StatusOr<std::optional<std::string_view>> MemBuffer::SelectValueHistory(
    std::string_view key, absl::FunctionRef<bool(std::string_view)> pred) const {
  if (values_discarded_) return ValuesDiscardedError();
  Found found = Search(key);
  if (found.leaf == nullptr || found.leaf->value.IsNull()) {
    return absl::NotFoundError("key not in memdb");
  }
  ArenaAddr hit = vlog_.SelectHistory(found.leaf->value,
                                      [&](ArenaAddr a) { return pred(vlog_.GetValue(a)); });
  if (hit.IsNull()) return std::optional<std::string_view>();
  return std::optional<std::string_view>(vlog_.GetValue(hit));
}

// ---------------------------------------------------------------------------------------------
// Writes.

absl::Status MemBuffer::Set(std::string_view key, std::string_view value) {
  return SetWithFlags(key, value, {});
}

absl::Status MemBuffer::SetWithFlags(std::string_view key, std::string_view value,
                                     absl::Span<const FlagsOp> ops) {
  if (value.empty()) {
    return absl::InvalidArgumentError("memdb: cannot set an empty value; use Delete");
  }
  return Write(key, &value, ops);
}

absl::Status MemBuffer::Delete(std::string_view key) { return DeleteWithFlags(key, {}); }

absl::Status MemBuffer::DeleteWithFlags(std::string_view key, absl::Span<const FlagsOp> ops) {
  const std::string_view tombstone;
  return Write(key, &tombstone, ops);
}

absl::Status MemBuffer::UpdateFlags(std::string_view key, absl::Span<const FlagsOp> ops) {
  return Write(key, nullptr, ops);
}

absl::Status MemBuffer::Write(std::string_view key, const std::string_view* value,
                              absl::Span<const FlagsOp> ops) {
  if (values_discarded_) return ValuesDiscardedError();
  if (key.empty()) return absl::InvalidArgumentError("memdb: empty key");
  if (key.size() > kMaxKeyLen) {
    return absl::InvalidArgumentError(absl::StrCat("memdb: key too large: ", key.size(),
                                                   " bytes exceeds the key size limit of ",
                                                   kMaxKeyLen, " bytes"));
  }
  if (value != nullptr) {
    const uint64_t entry = key.size() + value->size();
    if (entry > entry_limit_) {
      return absl::InvalidArgumentError(absl::StrCat("memdb: entry too large: ", entry,
                                                     " bytes exceeds the entry size limit of ",
                                                     entry_limit_, " bytes"));
    }
    if (value->size() + ValueLog::kHeaderSize > Arena::kMaxBlockSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("memdb: value of ", value->size(), " bytes exceeds the arena block limit of ",
                       Arena::kMaxBlockSize - ValueLog::kHeaderSize, " bytes"));
    }
  }
  ++write_seq_;
  if (stages_.empty()) {
    dirty_ = true;
    ++snapshot_seq_;
  }
  bool created = false;
  absl::StatusOr<Found> found = Traverse(key, /*insert=*/true, &created);
  if (!found.ok()) return found.status();
  Leaf* leaf = found->leaf;
  if (created || leaf->IsDeleted()) {
    leaf->flags = 0;  // drops the deleted marker
    ++len_;
    size_ += key.size();
  }
  KeyFlags flags = leaf->Flags();
  if (value != nullptr) {
    // Writing a value settles any postponed constraint check unless the caller re-sets it.
    flags = ApplyFlagsOp(flags, FlagsOp::kDelNeedConstraintCheckInPrewrite);
  }
  flags = ApplyFlagsOps(flags, ops);
  if (flags.AndPersistent().bits() != 0) dirty_ = true;
  leaf->SetFlags(flags);
  absl::Status status;
  if (value != nullptr) status = SetValue(found->addr, leaf, *value);
  NotifyMemChange();
  if (!status.ok()) return status;
  if (size_ > buffer_limit_) {
    return absl::ResourceExhaustedError(absl::StrCat("memdb: transaction too large: size ", size_,
                                                     " bytes exceeds the buffer size limit of ",
                                                     buffer_limit_, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status MemBuffer::SetValue(ArenaAddr addr, Leaf* leaf, std::string_view value) {
  size_t old_size = 0;
  if (!leaf->value.IsNull()) {
    std::string_view old = vlog_.GetValue(leaf->value);
    old_size = old.size();
    // A record written in the current staging level (or with no staging at all) has no reader
    // that needs it, so an equal-length value may overwrite it without growing the log.
    const bool writable = stages_.empty() || ValueLog::WrittenAfter(stages_.back(), leaf->value);
    if (writable && !old.empty() && old.size() == value.size()) {
      std::memcpy(vlog_.MutableValue(leaf->value), value.data(), value.size());
      return absl::OkStatus();
    }
  }
  absl::StatusOr<ArenaAddr> rec = vlog_.Append(addr, leaf->value, value);
  if (!rec.ok()) return rec.status();
  leaf->value = *rec;
  size_ = size_ - old_size + value.size();
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Staging.

void MemBuffer::RevertRecord(const ValueLogHeader& hdr) {
  Leaf* leaf = nodes_.GetLeaf(hdr.leaf);
  leaf->value = hdr.old_value;
  size_ -= hdr.value_len;
  if (hdr.old_value.IsNull()) {
    // The key had no value before: it leaves the buffer unless a persistent flag keeps it.
    KeyFlags kept = leaf->Flags().AndPersistent();
    if (kept.bits() == 0) {
      leaf->MarkDeleted();
      --len_;
      size_ -= leaf->key_len;
    } else {
      leaf->SetFlags(kept);
    }
  } else {
    size_ += vlog_.GetValue(hdr.old_value).size();
  }
}

void MemBuffer::RevertTo(const ArenaCheckpoint& cp) {
  const ArenaCheckpoint tail = vlog_.Checkpoint();
  if (tail.IsSamePosition(cp)) return;
  vlog_.WalkBack(cp, tail, [this](ArenaAddr, const ValueLogHeader& hdr) { RevertRecord(hdr); });
  vlog_.Truncate(cp);
}

int MemBuffer::Staging() {
  stages_.push_back(vlog_.Checkpoint());
  return static_cast<int>(stages_.size());
}

absl::Status MemBuffer::Release(int handle) {
  if (handle == 0) return absl::OkStatus();
  if (handle != static_cast<int>(stages_.size())) {
    return absl::FailedPreconditionError(
        absl::StrCat("memdb: cannot release staging handle ", handle, "; the top level is ",
                     stages_.size()));
  }
  ++write_seq_;
  if (handle == 1) {
    ++snapshot_seq_;
    if (!stages_[0].IsSamePosition(vlog_.Checkpoint())) dirty_ = true;
  }
  stages_.pop_back();
  return absl::OkStatus();
}

absl::Status MemBuffer::Cleanup(int handle) {
  if (handle == 0 || handle > static_cast<int>(stages_.size())) return absl::OkStatus();
  if (handle < static_cast<int>(stages_.size())) {
    return absl::FailedPreconditionError(
        absl::StrCat("memdb: cannot clean up staging handle ", handle, "; the top level is ",
                     stages_.size()));
  }
  ++write_seq_;
  if (handle == 1) ++snapshot_seq_;
  if (!values_discarded_) RevertTo(stages_.back());
  stages_.pop_back();
  NotifyMemChange();
  return absl::OkStatus();
}

absl::Status MemBuffer::RevertToCheckpoint(const MemBufferCheckpoint& cp) {
  if (values_discarded_) return ValuesDiscardedError();
  if (vlog_.Checkpoint().LessThan(cp)) {
    return absl::InvalidArgumentError("memdb: checkpoint is ahead of the value log");
  }
  RevertTo(cp);
  ++write_seq_;
  // client-go bumps the snapshot sequence only when the checkpoint is after stage 0; reverting
  // below stage 0 changes what a snapshot reads too, so every revert invalidates snapshots here.
  ++snapshot_seq_;
  // Levels opened after the checkpoint no longer have anything to revert to.
  while (!stages_.empty() && cp.LessThan(stages_.back())) stages_.pop_back();
  NotifyMemChange();
  return absl::OkStatus();
}

absl::Status MemBuffer::InspectStage(
    int handle, absl::FunctionRef<void(std::string_view, KeyFlags, std::string_view)> fn) const {
  if (handle <= 0 || handle > static_cast<int>(stages_.size())) {
    return absl::InvalidArgumentError(absl::StrCat("memdb: unknown staging handle ", handle));
  }
  if (values_discarded_) return ValuesDiscardedError();
  vlog_.WalkBack(stages_[handle - 1], vlog_.Checkpoint(),
                 [&](ArenaAddr addr, const ValueLogHeader& hdr) {
                   const Leaf* leaf = nodes_.GetLeaf(hdr.leaf);
                   // Older versions of a key rewritten later in the stage are skipped.
                   if (leaf->value == addr) fn(leaf->Key(), leaf->Flags(), vlog_.GetValue(addr));
                 });
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Iteration and snapshots.

MemBufferIterator MemBuffer::Iter(std::string_view lower, std::string_view upper) const {
  return MemBufferIterator(this, false, false, lower, upper);
}

MemBufferIterator MemBuffer::IterReverse(std::string_view upper, std::string_view lower) const {
  return MemBufferIterator(this, true, false, lower, upper);
}

MemBufferIterator MemBuffer::IterWithFlags(std::string_view lower, std::string_view upper) const {
  return MemBufferIterator(this, false, true, lower, upper);
}

MemBufferIterator MemBuffer::IterReverseWithFlags(std::string_view upper) const {
  return MemBufferIterator(this, true, true, {}, upper);
}

ArenaCheckpoint MemBuffer::SnapshotCheckpoint() const {
  return stages_.empty() ? vlog_.Checkpoint() : stages_[0];
}

MemBufferSnapshot MemBuffer::GetSnapshot() const {
  return MemBufferSnapshot(this, SnapshotCheckpoint(), /*checked=*/true);
}

MemBufferSnapshot MemBuffer::SnapshotGetter() const {
  return MemBufferSnapshot(this, SnapshotCheckpoint(), /*checked=*/false);
}

// ---------------------------------------------------------------------------------------------
// Accounting, lifecycle, handles.

void MemBuffer::SetEntrySizeLimit(uint64_t entry_limit, uint64_t buffer_limit) {
  entry_limit_ = entry_limit;
  buffer_limit_ = buffer_limit;
}

void MemBuffer::SetMemoryFootprintChangeHook(std::function<void(uint64_t)> hook) {
  mem_hook_ = std::move(hook);
  reported_mem_ = Mem();
}

void MemBuffer::NotifyMemChange() {
  const uint64_t mem = Mem();
  if (mem == reported_mem_) return;
  reported_mem_ = mem;
  // Called last in every public method, so a hook that fails the statement sees a consistent
  // buffer.
  if (mem_hook_) mem_hook_(mem);
}

void MemBuffer::Reset() {
  root_ = 0;
  stages_.clear();
  dirty_ = false;
  values_discarded_ = false;
  len_ = 0;
  size_ = 0;
  nodes_.Reset();
  vlog_.Reset();
  last_leaf_ = ArenaAddr::Null().AsU64();
  ++write_seq_;
  ++snapshot_seq_;
  ++reset_seq_;
  NotifyMemChange();
}

void MemBuffer::DiscardValues() {
  values_discarded_ = true;
  vlog_.Reset();
  ++write_seq_;
  ++snapshot_seq_;
  NotifyMemChange();
}

std::string_view MemBuffer::GetKeyByHandle(KeyHandle handle) const {
  return nodes_.GetLeaf(handle.addr)->Key();
}

std::optional<std::string_view> MemBuffer::GetValueByHandle(KeyHandle handle) const {
  if (values_discarded_) return std::nullopt;
  const Leaf* leaf = nodes_.GetLeaf(handle.addr);
  if (leaf->value.IsNull()) return std::nullopt;
  return vlog_.GetValue(leaf->value);
}

}  // namespace tikv::memdb
