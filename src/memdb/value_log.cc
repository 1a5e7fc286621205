// Port of client-go internal/unionstore/arena/arena.go (MemdbVlog).

#include "memdb/value_log.h"

#include <cstring>

namespace tikv::memdb {
namespace {

// Headers are stored unaligned and little-endian-in-memory; memcpy keeps the access legal.
void StoreAddr(char* dst, ArenaAddr a) {
  std::memcpy(dst, &a.block, 4);
  std::memcpy(dst + 4, &a.offset, 4);
}

ArenaAddr LoadAddr(const char* src) {
  ArenaAddr a;
  std::memcpy(&a.block, src, 4);
  std::memcpy(&a.offset, src + 4, 4);
  return a;
}

}  // namespace

absl::StatusOr<ArenaAddr> ValueLog::Append(ArenaAddr leaf, ArenaAddr old_value,
                                           std::string_view value) {
  const size_t size = value.size() + kHeaderSize;
  absl::StatusOr<ArenaAddr> addr = arena_.Alloc(size, /*align=*/false);
  if (!addr.ok()) return addr.status();
  char* p = arena_.Data(*addr);
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  char* h = p + value.size();
  const auto len = static_cast<uint32_t>(value.size());
  std::memcpy(h, &len, 4);
  StoreAddr(h + 4, old_value);
  StoreAddr(h + 12, leaf);
  return ArenaAddr{addr->block, static_cast<uint32_t>(addr->offset + size)};
}

ValueLogHeader ValueLog::GetHeader(ArenaAddr addr) const {
  const char* h = arena_.BlockData(addr.block) + addr.offset - kHeaderSize;
  ValueLogHeader hdr;
  std::memcpy(&hdr.value_len, h, 4);
  hdr.old_value = LoadAddr(h + 4);
  hdr.leaf = LoadAddr(h + 12);
  return hdr;
}

std::string_view ValueLog::GetValue(ArenaAddr addr) const {
  const char* h = arena_.BlockData(addr.block) + addr.offset - kHeaderSize;
  uint32_t len;
  std::memcpy(&len, h, 4);
  return std::string_view(h - len, len);
}

char* ValueLog::MutableValue(ArenaAddr addr) {
  char* h = arena_.BlockData(addr.block) + addr.offset - kHeaderSize;
  uint32_t len;
  std::memcpy(&len, h, 4);
  return h - len;
}

bool ValueLog::WrittenAfter(const ArenaCheckpoint& cp, ArenaAddr addr) {
  if (cp.blocks == 0) return true;
  if (addr.block + 1 > cp.blocks) return true;
  return addr.block + 1 == cp.blocks && addr.offset > cp.offset_in_block;
}

ArenaAddr ValueLog::SelectHistory(ArenaAddr addr, absl::FunctionRef<bool(ArenaAddr)> pred) const {
  while (!addr.IsNull()) {
    if (pred(addr)) return addr;
    addr = GetHeader(addr).old_value;
  }
  return ArenaAddr::Null();
}

ArenaAddr ValueLog::VisibleAt(ArenaAddr addr, const ArenaCheckpoint& cp) const {
  return SelectHistory(addr, [&cp](ArenaAddr a) { return !WrittenAfter(cp, a); });
}

void ValueLog::WalkBack(const ArenaCheckpoint& head, const ArenaCheckpoint& tail,
                        absl::FunctionRef<void(ArenaAddr, const ValueLogHeader&)> fn) const {
  ArenaCheckpoint cursor = tail;
  while (!head.IsSamePosition(cursor)) {
    ArenaAddr addr{static_cast<uint32_t>(cursor.blocks - 1),
                   static_cast<uint32_t>(cursor.offset_in_block)};
    ValueLogHeader hdr = GetHeader(addr);
    fn(addr, hdr);
    cursor.offset_in_block -= kHeaderSize + hdr.value_len;
    if (cursor.offset_in_block == 0) {
      // Records never span blocks, so an empty prefix means the previous block's end is next.
      --cursor.blocks;
      if (cursor.blocks > 0) cursor.offset_in_block = arena_.BlockLength(cursor.blocks - 1);
    }
  }
}

}  // namespace tikv::memdb
