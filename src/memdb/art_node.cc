// Port of client-go internal/unionstore/art/art_node.go and art_arena.go.

#include "memdb/art_node.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

#include "absl/status/status.h"

namespace tikv::memdb {
namespace {

bool TestBit(const uint64_t* present, int b) { return (present[b >> 6] >> (b & 63)) & 1u; }
void SetBit(uint64_t* present, int b) { present[b >> 6] |= uint64_t{1} << (b & 63); }

// Smallest set bit >= `from`, or -1.
int NextBit(const uint64_t* present, int from) {
  for (int word = from >> 6; word < 4; ++word) {
    uint64_t bits = present[word];
    if (word == (from >> 6)) bits &= ~uint64_t{0} << (from & 63);
    if (bits != 0) return word * 64 + std::countr_zero(bits);
  }
  return -1;
}

// Largest set bit <= `from`, or -1.
int PrevBit(const uint64_t* present, int from) {
  for (int word = from >> 6; word >= 0; --word) {
    uint64_t bits = present[word];
    if (word == (from >> 6) && (from & 63) != 63) bits &= (uint64_t{1} << ((from & 63) + 1)) - 1;
    if (bits != 0) return word * 64 + 63 - std::countl_zero(bits);
  }
  return -1;
}

// Shared lookups of the two sorted-array node kinds.
template <typename N>
uint64_t* SortedSlot(N* n, int b) {
  for (int i = 0; i < n->h.num_children; ++i) {
    if (n->keys[i] == b) return &n->children[i];
  }
  return nullptr;
}

template <typename N>
int SortedNext(const N* n, int min_byte) {
  for (int i = 0; i < n->h.num_children; ++i) {
    if (n->keys[i] >= min_byte) return n->keys[i] + 1;
  }
  return kAfterLast;
}

template <typename N>
int SortedPrev(const N* n, int max_byte) {
  for (int i = n->h.num_children - 1; i >= 0; --i) {
    if (n->keys[i] <= max_byte) return n->keys[i] + 1;
  }
  return kBeforeFirst;
}

template <typename N>
void SortedInsert(N* n, int b, NodeRef child) {
  int i = 0;
  while (i < n->h.num_children && n->keys[i] < b) ++i;
  const int count = n->h.num_children - i;
  std::memmove(&n->keys[i + 1], &n->keys[i], static_cast<size_t>(count));
  std::memmove(&n->children[i + 1], &n->children[i], static_cast<size_t>(count) * 8);
  n->keys[i] = static_cast<uint8_t>(b);
  n->children[i] = child.raw();
  ++n->h.num_children;
}

}  // namespace

size_t LongestCommonPrefix(std::string_view a, std::string_view b, size_t from) {
  const size_t limit = std::min(a.size(), b.size());
  size_t i = from;
  // Eight bytes at a time: keys in TiDB share long prefixes, so this is the common path.
  while (i + 8 <= limit) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) break;
    i += 8;
  }
  while (i < limit && a[i] == b[i]) ++i;
  return i - from;
}

absl::StatusOr<ArenaAddr> NodeArena::AllocNode(size_t size, std::vector<ArenaAddr>& free_list) {
  if (!free_list.empty()) {
    ArenaAddr addr = free_list.back();
    free_list.pop_back();
    return addr;
  }
  return arena_.Alloc(size, /*align=*/true);
}

absl::StatusOr<NodeRef> NodeArena::NewNode4() {
  absl::StatusOr<ArenaAddr> addr = AllocNode(sizeof(Node4), free4_);
  if (!addr.ok()) return addr.status();
  auto* n = new (arena_.Data(*addr)) Node4;
  std::memset(n, 0, sizeof(Node4));
  return NodeRef::Make(NodeKind::kNode4, *addr);
}

absl::StatusOr<NodeRef> NodeArena::NewLeaf(std::string_view key) {
  absl::StatusOr<ArenaAddr> addr = arena_.Alloc(sizeof(Leaf) + key.size(), /*align=*/true);
  if (!addr.ok()) return addr.status();
  char* p = arena_.Data(*addr);
  auto* leaf = new (p) Leaf;
  leaf->value = ArenaAddr::Null();
  leaf->key_len = static_cast<uint16_t>(key.size());
  leaf->flags = 0;
  if (!key.empty()) std::memcpy(p + sizeof(Leaf), key.data(), key.size());
  return NodeRef::Make(NodeKind::kLeaf, *addr);
}

uint64_t* NodeArena::ChildSlot(NodeRef node, int pos) const {
  char* p = arena_.Data(node.addr());
  if (pos == 0) {
    auto* h = reinterpret_cast<NodeHeader*>(p);
    return h->inplace_leaf != 0 ? &h->inplace_leaf : nullptr;
  }
  const int b = pos - 1;
  switch (node.kind()) {
    case NodeKind::kNode4:
      return SortedSlot(reinterpret_cast<Node4*>(p), b);
    case NodeKind::kNode16:
      return SortedSlot(reinterpret_cast<Node16*>(p), b);
    case NodeKind::kNode48: {
      auto* n = reinterpret_cast<Node48*>(p);
      return TestBit(n->present, b) ? &n->children[n->index[b]] : nullptr;
    }
    case NodeKind::kNode256: {
      auto* n = reinterpret_cast<Node256*>(p);
      return n->children[b] != 0 ? &n->children[b] : nullptr;
    }
    default:
      return nullptr;
  }
}

NodeRef NodeArena::ChildAt(NodeRef node, int pos) const {
  const uint64_t* slot = ChildSlot(node, pos);
  return slot == nullptr ? NodeRef() : NodeRef::FromRaw(*slot);
}

int NodeArena::NextPos(NodeRef node, int after) const {
  char* p = arena_.Data(node.addr());
  if (after < 0 && reinterpret_cast<NodeHeader*>(p)->inplace_leaf != 0) return 0;
  // Position b + 1 is after `after` exactly when b >= after.
  const int min_byte = std::max(after, 0);
  if (min_byte > 255) return kAfterLast;
  switch (node.kind()) {
    case NodeKind::kNode4:
      return SortedNext(reinterpret_cast<Node4*>(p), min_byte);
    case NodeKind::kNode16:
      return SortedNext(reinterpret_cast<Node16*>(p), min_byte);
    case NodeKind::kNode48: {
      int b = NextBit(reinterpret_cast<Node48*>(p)->present, min_byte);
      return b < 0 ? kAfterLast : b + 1;
    }
    case NodeKind::kNode256: {
      int b = NextBit(reinterpret_cast<Node256*>(p)->present, min_byte);
      return b < 0 ? kAfterLast : b + 1;
    }
    default:
      return kAfterLast;
  }
}

int NodeArena::PrevPos(NodeRef node, int before) const {
  char* p = arena_.Data(node.addr());
  // Position b + 1 is before `before` exactly when b <= before - 2.
  const int max_byte = std::min(before - 2, 255);
  int found = kBeforeFirst;
  if (max_byte >= 0) {
    switch (node.kind()) {
      case NodeKind::kNode4:
        found = SortedPrev(reinterpret_cast<Node4*>(p), max_byte);
        break;
      case NodeKind::kNode16:
        found = SortedPrev(reinterpret_cast<Node16*>(p), max_byte);
        break;
      case NodeKind::kNode48: {
        int b = PrevBit(reinterpret_cast<Node48*>(p)->present, max_byte);
        found = b < 0 ? kBeforeFirst : b + 1;
        break;
      }
      case NodeKind::kNode256: {
        int b = PrevBit(reinterpret_cast<Node256*>(p)->present, max_byte);
        found = b < 0 ? kBeforeFirst : b + 1;
        break;
      }
      default:
        break;
    }
  }
  if (found != kBeforeFirst) return found;
  if (before > 0 && reinterpret_cast<NodeHeader*>(p)->inplace_leaf != 0) return 0;
  return kBeforeFirst;
}

absl::StatusOr<NodeRef> NodeArena::Grow(NodeRef node) {
  char* old = arena_.Data(node.addr());
  switch (node.kind()) {
    case NodeKind::kNode4: {
      absl::StatusOr<ArenaAddr> addr = AllocNode(sizeof(Node16), free16_);
      if (!addr.ok()) return addr.status();
      auto* src = reinterpret_cast<Node4*>(old);
      auto* dst = new (arena_.Data(*addr)) Node16;
      std::memcpy(&dst->h, &src->h, sizeof(NodeHeader));
      std::memcpy(dst->keys, src->keys, 4);
      std::memcpy(dst->children, src->children, 4 * 8);
      free4_.push_back(node.addr());
      return NodeRef::Make(NodeKind::kNode16, *addr);
    }
    case NodeKind::kNode16: {
      absl::StatusOr<ArenaAddr> addr = AllocNode(sizeof(Node48), free48_);
      if (!addr.ok()) return addr.status();
      auto* src = reinterpret_cast<Node16*>(old);
      auto* dst = new (arena_.Data(*addr)) Node48;
      std::memcpy(&dst->h, &src->h, sizeof(NodeHeader));
      std::memset(dst->present, 0, sizeof(dst->present));
      for (int i = 0; i < src->h.num_children; ++i) {
        dst->index[src->keys[i]] = static_cast<uint8_t>(i);
        dst->children[i] = src->children[i];
        SetBit(dst->present, src->keys[i]);
      }
      free16_.push_back(node.addr());
      return NodeRef::Make(NodeKind::kNode48, *addr);
    }
    case NodeKind::kNode48: {
      absl::StatusOr<ArenaAddr> addr = arena_.Alloc(sizeof(Node256), /*align=*/true);
      if (!addr.ok()) return addr.status();
      auto* src = reinterpret_cast<Node48*>(old);
      auto* dst = new (arena_.Data(*addr)) Node256;
      std::memcpy(&dst->h, &src->h, sizeof(NodeHeader));
      std::memcpy(dst->present, src->present, sizeof(dst->present));
      std::memset(dst->children, 0, sizeof(dst->children));
      for (int b = NextBit(src->present, 0); b >= 0; b = b < 255 ? NextBit(src->present, b + 1) : -1) {
        dst->children[b] = src->children[src->index[b]];
      }
      free48_.push_back(node.addr());
      return NodeRef::Make(NodeKind::kNode256, *addr);
    }
    default:
      return absl::InternalError("memdb: cannot grow this node kind");
  }
}

absl::Status NodeArena::AddChild(uint64_t* slot, int pos, NodeRef child) {
  NodeRef node = NodeRef::FromRaw(*slot);
  if (pos == 0) {
    Header(node)->inplace_leaf = child.raw();
    return absl::OkStatus();
  }
  const int b = pos - 1;
  const uint16_t num = Header(node)->num_children;
  const bool full = (node.kind() == NodeKind::kNode4 && num == 4) ||
                    (node.kind() == NodeKind::kNode16 && num == 16) ||
                    (node.kind() == NodeKind::kNode48 && num == 48);
  if (full) {
    absl::StatusOr<NodeRef> grown = Grow(node);
    if (!grown.ok()) return grown.status();
    node = *grown;
    *slot = node.raw();
  }
  char* p = arena_.Data(node.addr());
  switch (node.kind()) {
    case NodeKind::kNode4:
      SortedInsert(reinterpret_cast<Node4*>(p), b, child);
      break;
    case NodeKind::kNode16:
      SortedInsert(reinterpret_cast<Node16*>(p), b, child);
      break;
    case NodeKind::kNode48: {
      auto* n = reinterpret_cast<Node48*>(p);
      // Children are never removed, so the next free slot is always the count.
      n->index[b] = static_cast<uint8_t>(n->h.num_children);
      n->children[n->h.num_children] = child.raw();
      SetBit(n->present, b);
      ++n->h.num_children;
      break;
    }
    case NodeKind::kNode256: {
      auto* n = reinterpret_cast<Node256*>(p);
      n->children[b] = child.raw();
      SetBit(n->present, b);
      ++n->h.num_children;
      break;
    }
    default:
      return absl::InternalError("memdb: child added to a non-inner node");
  }
  return absl::OkStatus();
}

NodeRef NodeArena::MinimumLeaf(NodeRef node) const {
  while (!node.IsNull() && !node.IsLeaf()) {
    node = ChildAt(node, NextPos(node, kBeforeFirst));
  }
  return node;
}

std::string_view NodeArena::FullPrefix(NodeRef node, size_t depth) const {
  const NodeHeader* h = Header(node);
  if (h->prefix_len <= kMaxInNodePrefixLen) {
    return std::string_view(reinterpret_cast<const char*>(h->prefix), h->prefix_len);
  }
  // Only the first bytes are stored inline; every key below the node carries the whole path.
  return GetLeaf(MinimumLeaf(node))->Key().substr(depth, h->prefix_len);
}

void NodeArena::SetPrefix(NodeRef node, std::string_view prefix, size_t full_len) const {
  NodeHeader* h = Header(node);
  h->prefix_len = static_cast<uint32_t>(full_len);
  const size_t n = std::min({prefix.size(), full_len, kMaxInNodePrefixLen});
  if (n > 0) std::memmove(h->prefix, prefix.data(), n);
}

void NodeArena::Reset() {
  arena_.Reset();
  free4_.clear();
  free16_.clear();
  free48_.clear();
}

}  // namespace tikv::memdb
