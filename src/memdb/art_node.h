// Nodes of the adaptive radix tree and the arena that holds them.
//
// Port of client-go internal/unionstore/art/art_node.go and art_arena.go. Inner nodes have 4, 16,
// 48 or 256 children, keep up to 20 bytes of their compressed path ("prefix") inline, and may hold
// an "in-place" leaf whose key ends exactly at the node. Leaves hold the address of the key's
// newest value record, the key length, the flags and the key bytes inline. All of them live in one
// `Arena`; a node that grows is copied into the next size and the old slot goes to a per-size free
// list. Leaves are never freed (a removed key is only marked deleted), so a leaf address stays
// valid until `Reset`.
//
// Children are addressed by a "position": 0 is the in-place leaf, 1 + b is the child for byte b,
// so one ordering covers both (the in-place leaf sorts first). `kBeforeFirst`/`kAfterLast` are the
// sentinels iteration starts from.
//
// Fiber-confined.

#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "memdb/arena.h"
#include "memdb/key_flags.h"

namespace tikv::memdb {

enum class NodeKind : uint8_t { kInvalid = 0, kNode4, kNode16, kNode48, kNode256, kLeaf };

inline constexpr size_t kMaxInNodePrefixLen = 20;
inline constexpr size_t kMaxKeyLen = 0xffff;
inline constexpr int kBeforeFirst = -1;
inline constexpr int kAfterLast = 257;

// A tagged arena address: node kind in the top bits, so a child link is one 8-byte word and the
// all-zero word means "no node".
class NodeRef {
 public:
  constexpr NodeRef() = default;
  static NodeRef Make(NodeKind kind, ArenaAddr addr) {
    return NodeRef((uint64_t{static_cast<uint8_t>(kind)} << 61) |
                   (uint64_t{addr.block} << 32) | addr.offset);
  }
  static constexpr NodeRef FromRaw(uint64_t raw) { return NodeRef(raw); }

  constexpr uint64_t raw() const { return raw_; }
  constexpr bool IsNull() const { return raw_ == 0; }
  constexpr NodeKind kind() const { return static_cast<NodeKind>(raw_ >> 61); }
  constexpr bool IsLeaf() const { return kind() == NodeKind::kLeaf; }
  ArenaAddr addr() const {
    return ArenaAddr{static_cast<uint32_t>((raw_ >> 32) & 0x1fffffffu),
                     static_cast<uint32_t>(raw_)};
  }
  friend constexpr bool operator==(NodeRef a, NodeRef b) = default;

 private:
  constexpr explicit NodeRef(uint64_t raw) : raw_(raw) {}
  uint64_t raw_ = 0;
};

// Header of a leaf; the key bytes follow it in the arena.
struct Leaf {
  // Marks a leaf whose key was removed by a cleanup; it keeps no value and no flags.
  static constexpr uint16_t kDeletedBit = 0x8000;

  ArenaAddr value;  // newest value record, Null for a flags-only or deleted key
  uint16_t key_len;
  uint16_t flags;

  std::string_view Key() const {
    return std::string_view(reinterpret_cast<const char*>(this) + sizeof(Leaf), key_len);
  }
  KeyFlags Flags() const { return KeyFlags(static_cast<uint16_t>(flags & KeyFlags::kAllFlags)); }
  void SetFlags(KeyFlags f) { flags = f.bits(); }
  bool IsDeleted() const { return (flags & kDeletedBit) != 0; }
  void MarkDeleted() { flags = kDeletedBit; }
};

// Fields shared by every inner node.
struct NodeHeader {
  uint64_t inplace_leaf;  // NodeRef raw word
  uint32_t prefix_len;    // full compressed-path length; only the first 20 bytes are stored
  uint16_t num_children;  // children excluding the in-place leaf
  uint8_t prefix[kMaxInNodePrefixLen];
};

struct Node4 {
  NodeHeader h;
  uint8_t keys[4];  // sorted
  uint64_t children[4];
};
struct Node16 {
  NodeHeader h;
  uint8_t keys[16];  // sorted
  uint64_t children[16];
};
struct Node48 {
  NodeHeader h;
  uint64_t present[4];  // bit b set iff byte b has a child
  uint8_t index[256];   // byte -> slot in `children`
  uint64_t children[48];
};
struct Node256 {
  NodeHeader h;
  uint64_t present[4];
  uint64_t children[256];
};

// Owns the node arena and implements the per-node operations the tree needs.
class NodeArena {
 public:
  // A new empty node4. Errors only on arena failure (never in practice).
  absl::StatusOr<NodeRef> NewNode4();
  // A new leaf holding `key` with no value and no flags.
  absl::StatusOr<NodeRef> NewLeaf(std::string_view key);

  Leaf* GetLeaf(ArenaAddr addr) const { return reinterpret_cast<Leaf*>(arena_.Data(addr)); }
  Leaf* GetLeaf(NodeRef ref) const { return GetLeaf(ref.addr()); }
  NodeHeader* Header(NodeRef ref) const {
    return reinterpret_cast<NodeHeader*>(arena_.Data(ref.addr()));
  }

  // The child of inner node `node` at position `pos` (0 = in-place leaf, 1 + b = byte b), or null.
  NodeRef ChildAt(NodeRef node, int pos) const;
  // Address of the link slot for position `pos`, or nullptr if there is no such child. The slot
  // stays valid while `node` is not grown.
  uint64_t* ChildSlot(NodeRef node, int pos) const;
  // Smallest present position greater than `after`, or kAfterLast.
  int NextPos(NodeRef node, int after) const;
  // Largest present position smaller than `before`, or kBeforeFirst.
  int PrevPos(NodeRef node, int before) const;

  // Adds `child` at position `pos` of the node linked from `*slot`, growing it into a larger node
  // kind when full (then `*slot` is updated and the old node is recycled).
  // REQUIRES: position `pos` is empty.
  absl::Status AddChild(uint64_t* slot, int pos, NodeRef child);

  // The leaf with the smallest key under `node` (a leaf is its own minimum).
  NodeRef MinimumLeaf(NodeRef node) const;
  // The full compressed path of `node`, which starts at key offset `depth`: the inline bytes when
  // short enough, otherwise a slice of any leaf's key below it.
  std::string_view FullPrefix(NodeRef node, size_t depth) const;
  // Stores `prefix` as the node's compressed path (inline bytes truncated to 20).
  void SetPrefix(NodeRef node, std::string_view prefix, size_t full_len) const;

  uint64_t Capacity() const { return arena_.Capacity(); }
  void Reset();

 private:
  absl::StatusOr<ArenaAddr> AllocNode(size_t size, std::vector<ArenaAddr>& free_list);
  absl::StatusOr<NodeRef> Grow(NodeRef node);

  Arena arena_;
  std::vector<ArenaAddr> free4_, free16_, free48_;
};

// Length of the common prefix of `a` and `b` starting at offset `from` (both must have at least
// `from` bytes).
size_t LongestCommonPrefix(std::string_view a, std::string_view b, size_t from);

}  // namespace tikv::memdb
