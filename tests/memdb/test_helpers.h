// Shared helpers for the memdb tests: big-endian key encoding and the staged fill used by
// client-go's memdb_test.go (fillDB / deriveAndFill).
//
// Fiber-confined (test code).

#pragma once

#include <cstdint>
#include <string>

#include "gtest/gtest.h"

#include "memdb/mem_buffer.h"

namespace tikv::memdb::testing {

// `v` as 4 big-endian bytes, so numeric order equals byte order.
inline std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  s[0] = static_cast<char>(v >> 24);
  s[1] = static_cast<char>(v >> 16);
  s[2] = static_cast<char>(v >> 8);
  s[3] = static_cast<char>(v);
  return s;
}

inline uint32_t FromBe32(std::string_view s) {
  return (uint32_t{static_cast<uint8_t>(s[0])} << 24) |
         (uint32_t{static_cast<uint8_t>(s[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(s[2])} << 8) | uint32_t{static_cast<uint8_t>(s[3])};
}

// Advances `it`, failing the test (non-fatally) on an error; usable in a for-loop header.
template <typename It>
void MustNext(It& it) {
  absl::Status s = it.Next();
  EXPECT_TRUE(s.ok()) << s;
}

// Opens a staging level and sets key i to value i + value_base for i in [start, end).
inline int DeriveAndFill(MemBuffer& db, int start, int end, int value_base) {
  int h = db.Staging();
  for (int i = start; i < end; ++i) {
    EXPECT_TRUE(db.Set(Be32(static_cast<uint32_t>(i)), Be32(static_cast<uint32_t>(i + value_base)))
                    .ok());
  }
  return h;
}

// Sets keys [0, cnt) to themselves and releases the level.
inline void FillDb(MemBuffer& db, int cnt) { EXPECT_TRUE(db.Release(DeriveAndFill(db, 0, cnt, 0)).ok()); }

}  // namespace tikv::memdb::testing
