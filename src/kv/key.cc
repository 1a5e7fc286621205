#include "kv/key.h"

namespace tikv::kv {

std::string NextKey(std::string_view key) {
  std::string next(key);
  next.push_back('\0');
  return next;
}

std::string PrefixNextKey(std::string_view prefix) {
  std::string next(prefix);
  // Increment from the last byte; a byte that wraps to 0 carries into the one before it.
  for (size_t i = next.size(); i > 0; --i) {
    unsigned char& c = reinterpret_cast<unsigned char&>(next[i - 1]);
    ++c;
    if (c != 0) return next;
  }
  // All bytes were 0xFF.  Like client-go (and unlike TiDB's {0xFF, 0x00}), there is no finite
  // successor: the empty key stands for "no upper bound".
  return std::string();
}

int CmpKey(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool RangeContains(std::string_view start, std::string_view end, std::string_view key) {
  return key >= start && (end.empty() || key < end);
}

bool RangeContainsRange(std::string_view outer_start, std::string_view outer_end,
                        std::string_view inner_start, std::string_view inner_end) {
  if (inner_start < outer_start) return false;
  if (outer_end.empty()) return true;
  if (inner_end.empty()) return false;
  return inner_end <= outer_end;
}

bool HasPrefix(std::string_view key, std::string_view prefix) {
  return key.size() >= prefix.size() && key.substr(0, prefix.size()) == prefix;
}

}  // namespace tikv::kv
