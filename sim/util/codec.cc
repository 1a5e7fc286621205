#include "sim/util/codec.h"

#include <algorithm>
#include <array>

#include "absl/strings/escaping.h"

namespace tikv::sim {
namespace {

constexpr size_t kGroupSize = 8;
constexpr unsigned char kMarker = 0xFF;

constexpr std::array<uint64_t, 256> MakeCrcTable() {
  std::array<uint64_t, 256> table{};
  constexpr uint64_t kPoly = 0xC96C5795D7870F42ULL;  // reflected ECMA-182
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    table[i] = c;
  }
  return table;
}

// Built at compile time, so there is no lazily initialised state.
constexpr std::array<uint64_t, 256> kCrcTable = MakeCrcTable();

}  // namespace

std::string EncodeBytes(std::string_view key) {
  std::string out;
  out.reserve((key.size() / kGroupSize + 1) * (kGroupSize + 1));
  for (size_t i = 0; i <= key.size(); i += kGroupSize) {
    const size_t remain = key.size() - i;
    const size_t take = remain < kGroupSize ? remain : kGroupSize;
    out.append(key.substr(i, take));
    const size_t pad = kGroupSize - take;
    out.append(pad, '\0');
    out.push_back(static_cast<char>(kMarker - pad));
    if (pad != 0) break;
  }
  return out;
}

std::optional<std::string> DecodeBytes(std::string_view encoded) {
  std::string out;
  size_t pos = 0;
  while (true) {
    if (encoded.size() - pos < kGroupSize + 1) return std::nullopt;
    const unsigned char marker = static_cast<unsigned char>(encoded[pos + kGroupSize]);
    const size_t pad = kMarker - marker;
    if (pad > kGroupSize) return std::nullopt;
    out.append(encoded.substr(pos, kGroupSize - pad));
    pos += kGroupSize + 1;
    if (pad != 0) return out;
  }
}

std::string ToPdKey(KeyLayout layout, std::string_view user_key) {
  if (layout == KeyLayout::kIdentity || user_key.empty()) return std::string(user_key);
  return EncodeBytes(user_key);
}

KeyLayout RawKeyLayout(kvrpcpb::APIVersion api_version) {
  return api_version == kvrpcpb::V2 ? KeyLayout::kMemcomparable : KeyLayout::kIdentity;
}

std::string FromPdKey(KeyLayout layout, std::string_view pd_key) {
  if (layout == KeyLayout::kIdentity || pd_key.empty()) return std::string(pd_key);
  // Exactly an encoding (DecodeBytes alone also accepts trailing bytes).
  if (auto decoded = DecodeBytes(pd_key); decoded && EncodeBytes(*decoded) == pd_key) {
    return *decoded;
  }
  // Not a complete encoding: decode whole groups, then take the data bytes of the first group
  // that does not continue (without trailing zero bytes, which the encoding's padding already
  // outranks); that key's encoding is the first one at or above pd_key.
  std::string out;
  size_t pos = 0;
  while (pos + kGroupSize + 1 <= pd_key.size() &&
         static_cast<uint8_t>(pd_key[pos + kGroupSize]) == 0xFF) {
    out.append(pd_key.substr(pos, kGroupSize));
    pos += kGroupSize + 1;
  }
  std::string_view rest = pd_key.substr(pos, std::min(kGroupSize, pd_key.size() - pos));
  while (!rest.empty() && rest.back() == '\0') rest.remove_suffix(1);
  out.append(rest);
  // A malformed marker byte can leave the encoding just below pd_key: step to the next key.
  if (EncodeBytes(out) < pd_key) out.push_back('\0');
  return out;
}

std::string KeyText(std::string_view key) {
  return absl::CHexEscape(absl::string_view(key.data(), key.size()));
}

uint64_t Crc64Xz(std::string_view data, uint64_t crc) {
  crc = ~crc;
  for (char ch : data) {
    crc = kCrcTable[(crc ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (crc >> 8);
  }
  return ~crc;
}

}  // namespace tikv::sim
