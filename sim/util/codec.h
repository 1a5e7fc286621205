// Key and timestamp codecs shared by the simulated PD and TiKV: TiKV's memcomparable "bytes"
// encoding (components/tikv_util/src/codec/bytes.rs, client-go internal/apicodec's
// codec.EncodeBytes) that turns user keys into PD key space, and the TSO layout
// physical_ms << 18 | logical. Immutable: free functions only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tikv::sim {

inline constexpr int kLogicalBits = 18;
inline constexpr uint64_t kMaxLogical = uint64_t{1} << kLogicalBits;

// Composes a TSO timestamp from its physical (ms) and logical parts.
inline constexpr uint64_t ComposeTs(int64_t physical_ms, uint64_t logical) {
  return (static_cast<uint64_t>(physical_ms) << kLogicalBits) | logical;
}

// The physical milliseconds of a TSO timestamp.
inline constexpr uint64_t PhysicalMs(uint64_t ts) { return ts >> kLogicalBits; }

// Encodes `key` with the memcomparable bytes encoding: 8-byte groups, zero padded, each followed
// by the marker 0xFF - padding. Order preserving.
std::string EncodeBytes(std::string_view key);

// Decodes a key produced by EncodeBytes. Returns nullopt when `encoded` is not a complete,
// well-formed encoding.
std::optional<std::string> DecodeBytes(std::string_view encoded);

// Which byte layout a cluster uses for region boundaries (protocol.md 3.0.2).
enum class KeyLayout {
  kMemcomparable,  // V1 transactional and API V2: boundaries are EncodeBytes(user key)
  kIdentity,       // V1 / V1TTL raw: boundaries are the raw keys themselves
};

// Maps a user key to PD key space under `layout`.
std::string ToPdKey(KeyLayout layout, std::string_view user_key);

// Maps a PD-key-space boundary back to a user key under `layout`. A boundary that does not
// decode (possible only for hand-made boundaries) maps to its longest decodable prefix's
// user key, which keeps range clipping conservative.
std::string FromPdKey(KeyLayout layout, std::string_view pd_key);

// A printable form of a binary key for error texts and logs (C-style hex escapes).
std::string KeyText(std::string_view key);

// CRC-64/XZ (ECMA-182 polynomial, reflected, init and xorout all ones): the digest TiKV's raw
// checksum uses (crc64fast).
uint64_t Crc64Xz(std::string_view data, uint64_t crc = 0);

}  // namespace tikv::sim
