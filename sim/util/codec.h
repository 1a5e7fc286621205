// Key and timestamp codecs shared by the simulated PD and TiKV: TiKV's memcomparable "bytes"
// encoding (components/tikv_util/src/codec/bytes.rs, client-go internal/apicodec's
// codec.EncodeBytes) that turns user keys into PD key space, and the TSO layout
// physical_ms << 18 | logical. Immutable: free functions only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kvrpcpb.pb.h"

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

// How the keys a request carries map into TiKV's key space, where PD's region boundaries live
// (protocol.md 3.0.2).  One cluster uses both layouts at once: in API V1 / V1TTL, raw commands
// address raw keys as they are (client-go's codec_v1 raw mode keeps region keys unencoded) while
// transactional commands address memcomparable-encoded keys; in API V2 both kinds carry the
// keyspace prefix and are memcomparable-encoded (client-go codec_v2).
enum class KeyLayout {
  kMemcomparable,  // boundaries are EncodeBytes(request key)
  kIdentity,       // boundaries are the request keys themselves
};

// The layout of raw commands on a store with `api_version` (V2: memcomparable; else identity).
// Never suspends.
KeyLayout RawKeyLayout(kvrpcpb::APIVersion api_version);
// The layout of transactional commands (always memcomparable).  Never suspends.
inline KeyLayout TxnKeyLayout(kvrpcpb::APIVersion /*api_version*/) {
  return KeyLayout::kMemcomparable;
}

// Maps a request key to TiKV (PD) key space under `layout`.
std::string ToPdKey(KeyLayout layout, std::string_view user_key);

// Maps a TiKV-space boundary back to a request key under `layout`: the smallest request key k
// with ToPdKey(layout, k) >= pd_key, so [FromPdKey(b1), FromPdKey(b2)) holds exactly the keys
// whose TiKV-space form lies in [b1, b2).  A boundary that is not a complete encoding (a split
// at a raw key, e.g. "txn/k", seen by transactional commands) rounds up to such a key.
std::string FromPdKey(KeyLayout layout, std::string_view pd_key);

// A printable form of a binary key for error texts and logs (C-style hex escapes).
std::string KeyText(std::string_view key);

// CRC-64/XZ (ECMA-182 polynomial, reflected, init and xorout all ones): the digest TiKV's raw
// checksum uses (crc64fast).
uint64_t Crc64Xz(std::string_view data, uint64_t crc = 0);

}  // namespace tikv::sim
