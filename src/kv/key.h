// Keys and key ranges: successor keys, byte-wise comparison and half-open range containment.
// Port of client-go kv/key.go.  An empty end key means "no upper bound" everywhere in this
// file, as in client-go and TiKV.
//
// Thread-safety: free functions over values; KeyRange is a plain value type.

#pragma once

#include <string>
#include <string_view>

namespace tikv::kv {

// The smallest key strictly greater than `key`: `key` followed by one 0x00 byte.
// Port of client-go kv/key.go, NextKey().  Never suspends.
std::string NextKey(std::string_view key);

// The smallest key greater than every key that starts with `prefix`: the prefix with its last
// byte incremented, carrying over 0xFF bytes.  When every byte is 0xFF (or `prefix` is empty)
// no such key exists and the empty key ("no upper bound") is returned.
// Port of client-go kv/key.go, PrefixNextKey().  Never suspends.
std::string PrefixNextKey(std::string_view prefix);

// Byte-wise (memcmp, then length) comparison: negative, zero or positive.
// Port of client-go kv/key.go, CmpKey().  Never suspends.
int CmpKey(std::string_view a, std::string_view b);

// A half-open key range [start_key, end_key); an empty end_key is unbounded.
struct KeyRange {
  std::string start_key;
  std::string end_key;

  friend bool operator==(const KeyRange&, const KeyRange&) = default;
};

// True when `key` lies in [start, end) (empty `end` = unbounded).  Never suspends.
bool RangeContains(std::string_view start, std::string_view end, std::string_view key);

// True when [inner_start, inner_end) lies within [outer_start, outer_end); empty ends are
// unbounded.  Never suspends.
bool RangeContainsRange(std::string_view outer_start, std::string_view outer_end,
                        std::string_view inner_start, std::string_view inner_end);

// True when `key` starts with `prefix`.  Never suspends.
bool HasPrefix(std::string_view key, std::string_view prefix);

}  // namespace tikv::kv
