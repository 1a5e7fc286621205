// Port of client-go internal/unionstore/arena/arena.go (MemdbArena).

#include "memdb/arena.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace tikv::memdb {

absl::StatusOr<ArenaAddr> Arena::Alloc(size_t size, bool align) {
  if (size > kMaxBlockSize) {
    return absl::InvalidArgumentError(absl::StrCat("memdb arena: allocation of ", size,
                                                   " bytes exceeds the maximum block size of ",
                                                   kMaxBlockSize, " bytes"));
  }
  if (blocks_.empty()) Enlarge(size, kInitBlockSize);
  ArenaAddr addr = AllocInLastBlock(size, align);
  if (!addr.IsNull()) return addr;
  Enlarge(size, block_size_ << 1);
  return AllocInLastBlock(size, align);
}

void Arena::Enlarge(size_t alloc_size, size_t min_block) {
  block_size_ = min_block;
  while (block_size_ <= alloc_size) block_size_ <<= 1;
  if (block_size_ > kMaxBlockSize) block_size_ = kMaxBlockSize;
  Block b;
  b.words.reset(new uint64_t[(block_size_ + 7) / 8]);
  b.size = block_size_;
  blocks_.push_back(std::move(b));
  capacity_ += block_size_;
}

ArenaAddr Arena::AllocInLastBlock(size_t size, bool align) {
  Block& b = blocks_.back();
  size_t offset = align ? (b.length + 7) & ~size_t{7} : b.length;
  if (offset + size > b.size) return ArenaAddr::Null();
  b.length = offset + size;
  return ArenaAddr{static_cast<uint32_t>(blocks_.size() - 1), static_cast<uint32_t>(offset)};
}

ArenaCheckpoint Arena::Checkpoint() const {
  ArenaCheckpoint cp;
  cp.block_size = block_size_;
  cp.blocks = blocks_.size();
  if (!blocks_.empty()) cp.offset_in_block = blocks_.back().length;
  return cp;
}

void Arena::Truncate(const ArenaCheckpoint& cp) {
  while (blocks_.size() > cp.blocks) {
    capacity_ -= blocks_.back().size;
    blocks_.pop_back();
  }
  if (!blocks_.empty()) blocks_.back().length = cp.offset_in_block;
  block_size_ = cp.block_size;
}

void Arena::Reset() {
  blocks_.clear();
  block_size_ = 0;
  capacity_ = 0;
}

}  // namespace tikv::memdb
