// The memcomparable codecs used for keys: the "bytes" group encoding that TiKV and PD use for
// transactional keys and region boundaries, and the fixed-width and comparable varint number
// encodings.  Every encoding here preserves order: a < b (as bytes or numbers) iff
// Encode(a) < Encode(b) byte-wise (Desc variants invert it).  Port of client-go
// util/codec/bytes.go and util/codec/number.go.
//
// Decoders take a view of the input, return the decoded value and set `*rest` to the bytes
// after it.  Malformed input yields kInvalidArgument (IsDecodeError() is true); decoders never
// crash on any input.
//
// Thread-safety: stateless free functions.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tikv::kv {

// --- bytes -------------------------------------------------------------------------------

// Appends the memcomparable form of `data` to *out: 8-byte groups, the last one padded with
// 0x00, each followed by the marker 0xFF - (number of pad bytes).  The output length is
// (len/8 + 1) * 9.  Port of client-go util/codec/bytes.go, EncodeBytes().  Never suspends.
void EncodeBytes(std::string* out, std::string_view data);
// Same, returned as a new string.  Never suspends.
std::string EncodeBytes(std::string_view data);

// Decodes one memcomparable-encoded value from the front of `in`.  Errors (kInvalidArgument):
// fewer than 9 bytes left in a group ("insufficient bytes"), a marker below 0xF7, a non-zero
// pad byte.  On success *rest (when not null) receives the unread tail.
// Port of client-go util/codec/bytes.go, DecodeBytes().  Never suspends.
absl::StatusOr<std::string> DecodeBytes(std::string_view in, std::string_view* rest = nullptr);

// The descending variant: every byte of EncodeBytes' output inverted.  Never suspends.
void EncodeBytesDesc(std::string* out, std::string_view data);
// Decodes EncodeBytesDesc output.  Errors as DecodeBytes.  Never suspends.
absl::StatusOr<std::string> DecodeBytesDesc(std::string_view in,
                                            std::string_view* rest = nullptr);

// --- numbers -----------------------------------------------------------------------------

// Flips the sign bit so that signed order equals unsigned order.  Never suspend.
inline uint64_t EncodeIntToCmpUint(int64_t v) {
  return static_cast<uint64_t>(v) ^ 0x8000000000000000ULL;
}
inline int64_t DecodeCmpUintToInt(uint64_t u) {
  return static_cast<int64_t>(u ^ 0x8000000000000000ULL);
}

// 8-byte big-endian encodings (Int: sign bit flipped; Desc: all bits inverted).  Append to
// *out.  Port of client-go util/codec/number.go.  Never suspend.
void EncodeInt(std::string* out, int64_t v);
void EncodeIntDesc(std::string* out, int64_t v);
void EncodeUint(std::string* out, uint64_t v);
void EncodeUintDesc(std::string* out, uint64_t v);

// Decoders of the above.  kInvalidArgument when fewer than 8 bytes remain.  Never suspend.
absl::StatusOr<int64_t> DecodeInt(std::string_view in, std::string_view* rest = nullptr);
absl::StatusOr<int64_t> DecodeIntDesc(std::string_view in, std::string_view* rest = nullptr);
absl::StatusOr<uint64_t> DecodeUint(std::string_view in, std::string_view* rest = nullptr);
absl::StatusOr<uint64_t> DecodeUintDesc(std::string_view in, std::string_view* rest = nullptr);

// Go's encoding/binary varints (LEB128; the signed form zig-zag encoded).  Not
// order-preserving.  Never suspend.
void EncodeUvarint(std::string* out, uint64_t v);
void EncodeVarint(std::string* out, int64_t v);
// kInvalidArgument on truncated input or a value above 64 bits.  Never suspend.
absl::StatusOr<uint64_t> DecodeUvarint(std::string_view in, std::string_view* rest = nullptr);
absl::StatusOr<int64_t> DecodeVarint(std::string_view in, std::string_view* rest = nullptr);

// Order-preserving variable-length integers: a tag byte (length and sign) then the big-endian
// significant bytes; values 0..239 fit in the tag.  Never suspend.
void EncodeComparableUvarint(std::string* out, uint64_t v);
void EncodeComparableVarint(std::string* out, int64_t v);
// kInvalidArgument on truncated input or an impossible tag.  Never suspend.
absl::StatusOr<uint64_t> DecodeComparableUvarint(std::string_view in,
                                                 std::string_view* rest = nullptr);
absl::StatusOr<int64_t> DecodeComparableVarint(std::string_view in,
                                               std::string_view* rest = nullptr);

// True when `status` came from one of this file's decoders or the API codec's key decoding:
// the bytes were not well formed (a TiKV/PD bug or corruption, not a retryable condition).
// Port of client-go internal/apicodec/mem_codec.go, IsDecodeError().  Never suspends.
bool IsDecodeError(const absl::Status& status);

// Builds such a decode error.  Never suspends.
absl::Status DecodeError(std::string_view message);

}  // namespace tikv::kv
