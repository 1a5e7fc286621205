// Port of client-go internal/unionstore/art/art_iterator.go. The seek logic is written from the
// tree's invariants (compressed paths, in-place leaves) rather than translated line by line.

#include "memdb/iterator.h"

#include "memdb/mem_buffer.h"

namespace tikv::memdb {
namespace {

int Byte(std::string_view s, size_t i) { return static_cast<uint8_t>(s[i]); }

}  // namespace

MemBufferIterator::MemBufferIterator(const MemBuffer* db, bool reverse, bool include_flags,
                                     std::string_view lower, std::string_view upper)
    : db_(db),
      reverse_(reverse),
      include_flags_(include_flags),
      lower_(lower),
      upper_(upper),
      seq_(db->write_seq_) {
  if (db_->root_ == 0) return;
  if (!lower_.empty() && !upper_.empty() && lower_ >= upper_) return;
  stack_.reserve(16);
  const NodeRef root = NodeRef::FromRaw(db_->root_);
  if (!reverse_) {
    if (lower_.empty()) {
      stack_.push_back({root, kBeforeFirst});
    } else {
      SeekGreaterOrEqual(lower_);
    }
  } else {
    if (upper_.empty()) {
      stack_.push_back({root, kAfterLast});
    } else {
      SeekLess(upper_);
    }
  }
  Advance();
}

void MemBufferIterator::SeekGreaterOrEqual(std::string_view key) {
  const NodeArena& nodes = db_->nodes_;
  NodeRef node = NodeRef::FromRaw(db_->root_);
  size_t depth = 0;
  for (;;) {
    const NodeHeader* h = nodes.Header(node);
    if (h->prefix_len > 0) {
      std::string_view prefix = nodes.FullPrefix(node, depth);
      std::string_view rest = key.substr(depth);
      size_t n = LongestCommonPrefix(prefix, rest, 0);
      if (n < prefix.size()) {
        if (n == rest.size() || Byte(rest, n) < Byte(prefix, n)) {
          stack_.push_back({node, kBeforeFirst});  // every key below is greater
        }
        // Otherwise every key below is smaller: the parent frame already points at this child,
        // so stepping continues after it.
        return;
      }
      depth += h->prefix_len;
    }
    if (depth == key.size()) {
      stack_.push_back({node, kBeforeFirst});  // the in-place leaf equals `key`
      return;
    }
    const int pos = Byte(key, depth) + 1;
    NodeRef child = nodes.ChildAt(node, pos);
    if (child.IsNull()) {
      stack_.push_back({node, pos - 1});
      return;
    }
    if (child.IsLeaf()) {
      const bool at_or_after = nodes.GetLeaf(child)->Key() >= key;
      stack_.push_back({node, at_or_after ? pos - 1 : pos});
      return;
    }
    stack_.push_back({node, pos});
    node = child;
    ++depth;
  }
}

void MemBufferIterator::SeekLess(std::string_view key) {
  const NodeArena& nodes = db_->nodes_;
  NodeRef node = NodeRef::FromRaw(db_->root_);
  size_t depth = 0;
  for (;;) {
    const NodeHeader* h = nodes.Header(node);
    if (h->prefix_len > 0) {
      std::string_view prefix = nodes.FullPrefix(node, depth);
      std::string_view rest = key.substr(depth);
      size_t n = LongestCommonPrefix(prefix, rest, 0);
      if (n < prefix.size()) {
        if (n < rest.size() && Byte(rest, n) > Byte(prefix, n)) {
          stack_.push_back({node, kAfterLast});  // every key below is smaller
        }
        return;  // otherwise every key below is greater: skip the subtree
      }
      depth += h->prefix_len;
    }
    if (depth == key.size()) return;  // every key here is >= `key`
    const int pos = Byte(key, depth) + 1;
    NodeRef child = nodes.ChildAt(node, pos);
    if (child.IsNull()) {
      stack_.push_back({node, pos});
      return;
    }
    if (child.IsLeaf()) {
      const bool before = nodes.GetLeaf(child)->Key() < key;
      stack_.push_back({node, before ? pos + 1 : pos});
      return;
    }
    stack_.push_back({node, pos});
    node = child;
    ++depth;
  }
}

NodeRef MemBufferIterator::Step() {
  const NodeArena& nodes = db_->nodes_;
  while (!stack_.empty()) {
    Frame& top = stack_.back();
    const int pos = reverse_ ? nodes.PrevPos(top.node, top.pos) : nodes.NextPos(top.node, top.pos);
    if (pos == kBeforeFirst || pos == kAfterLast) {
      stack_.pop_back();
      continue;
    }
    top.pos = pos;
    NodeRef child = nodes.ChildAt(top.node, pos);
    if (child.IsLeaf()) return child;
    stack_.push_back({child, reverse_ ? kAfterLast : kBeforeFirst});
  }
  return NodeRef();
}

void MemBufferIterator::Advance() {
  for (;;) {
    NodeRef next = Step();
    if (next.IsNull()) {
      valid_ = false;
      leaf_ = nullptr;
      return;
    }
    const Leaf* leaf = db_->nodes_.GetLeaf(next);
    std::string_view key = leaf->Key();
    if (!reverse_ ? (!upper_.empty() && key >= upper_) : (!lower_.empty() && key < lower_)) {
      valid_ = false;
      leaf_ = nullptr;
      stack_.clear();
      return;
    }
    if (leaf->value.IsNull() && !(include_flags_ && !leaf->IsDeleted())) continue;
    leaf_ = leaf;
    leaf_addr_ = next.addr();
    valid_ = true;
    return;
  }
}

std::string_view MemBufferIterator::Value() const {
  if (leaf_ == nullptr || leaf_->value.IsNull() || db_->values_discarded_) return {};
  return db_->vlog_.GetValue(leaf_->value);
}

bool MemBufferIterator::IsStale() const { return seq_ != db_->write_seq_; }

absl::Status MemBufferIterator::status() const {
  if (IsStale()) {
    return absl::FailedPreconditionError(
        "memdb iterator used after the buffer was modified; create a new iterator");
  }
  return absl::OkStatus();
}

absl::Status MemBufferIterator::Next() {
  if (IsStale()) return status();
  if (!valid_) return absl::FailedPreconditionError("memdb iterator is already finished");
  Advance();
  return absl::OkStatus();
}

}  // namespace tikv::memdb
