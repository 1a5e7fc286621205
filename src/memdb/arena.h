// A bump allocator of growing blocks, addressed by (block index, offset) instead of pointers.
//
// Port of client-go internal/unionstore/arena/arena.go (`MemdbArena`, `MemDBCheckpoint`). Blocks
// start at 4 KiB and double up to 128 MiB; nothing is freed individually. A checkpoint records the
// allocation frontier and `Truncate` rolls the arena back to it, which is how the value log
// undoes a staging level. Blocks never move, so pointers obtained from `Data` stay valid until
// the block is truncated away or the arena is reset.
//
// Fiber-confined.

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"

namespace tikv::memdb {

// The position of an allocation: block index and byte offset inside the block. 8 bytes, so the
// trees and the value log can store links without pointers.
struct ArenaAddr {
  static constexpr uint32_t kNullIndex = 0xffffffffu;

  uint32_t block = kNullIndex;
  uint32_t offset = kNullIndex;

  // The "no allocation" address.
  static constexpr ArenaAddr Null() { return ArenaAddr{}; }
  constexpr bool IsNull() const { return block == kNullIndex || offset == kNullIndex; }
  // Packs the address into one word (block in the high half) and back.
  constexpr uint64_t AsU64() const { return (uint64_t{block} << 32) | offset; }
  static constexpr ArenaAddr FromU64(uint64_t v) {
    return ArenaAddr{static_cast<uint32_t>(v >> 32), static_cast<uint32_t>(v)};
  }
  friend constexpr bool operator==(ArenaAddr a, ArenaAddr b) = default;
};

// The allocation frontier of an arena at some moment.
struct ArenaCheckpoint {
  size_t block_size = 0;       // size the next new block would start from
  size_t blocks = 0;           // number of blocks in use
  size_t offset_in_block = 0;  // bytes used in the last block

  // True iff both checkpoints name the same frontier.
  bool IsSamePosition(const ArenaCheckpoint& other) const {
    return blocks == other.blocks && offset_in_block == other.offset_in_block;
  }
  // True iff this frontier is strictly before `other`.
  bool LessThan(const ArenaCheckpoint& other) const {
    return blocks < other.blocks ||
           (blocks == other.blocks && offset_in_block < other.offset_in_block);
  }
};

class Arena {
 public:
  static constexpr size_t kInitBlockSize = 4 * 1024;
  static constexpr size_t kMaxBlockSize = 128u << 20;

  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&&) = default;
  Arena& operator=(Arena&&) = default;

  // Reserves `size` bytes (8-byte aligned when `align`) and returns their address. The bytes are
  // uninitialised. Errors: kInvalidArgument if `size` exceeds `kMaxBlockSize`.
  absl::StatusOr<ArenaAddr> Alloc(size_t size, bool align);

  // Start of the bytes at `addr`. REQUIRES: `addr` came from `Alloc` and was not truncated away.
  char* Data(ArenaAddr addr) const { return blocks_[addr.block].data() + addr.offset; }
  // Start of block `index` and the number of bytes used in it.
  char* BlockData(size_t index) const { return blocks_[index].data(); }
  size_t BlockLength(size_t index) const { return blocks_[index].length; }

  // Number of blocks allocated.
  size_t Blocks() const { return blocks_.size(); }
  // Bytes reserved from the system (sum of block sizes): the memory footprint.
  uint64_t Capacity() const { return capacity_; }
  // Size the most recent block was created with (0 when empty).
  size_t block_size() const { return block_size_; }

  // The current frontier.
  ArenaCheckpoint Checkpoint() const;
  // Frees everything allocated after `cp`. REQUIRES: `cp` is not after the current frontier.
  void Truncate(const ArenaCheckpoint& cp);
  // Frees every block.
  void Reset();

 private:
  struct Block {
    std::unique_ptr<uint64_t[]> words;  // uint64_t storage gives 8-byte alignment
    size_t size = 0;
    size_t length = 0;
    char* data() const { return reinterpret_cast<char*>(words.get()); }
  };

  // Adds a block of at least `min_block` bytes that can hold `alloc_size`.
  void Enlarge(size_t alloc_size, size_t min_block);
  // Allocates from the last block; Null if it does not fit.
  ArenaAddr AllocInLastBlock(size_t size, bool align);

  std::vector<Block> blocks_;
  size_t block_size_ = 0;
  uint64_t capacity_ = 0;
};

}  // namespace tikv::memdb
