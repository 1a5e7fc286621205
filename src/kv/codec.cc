#include "kv/codec.h"

#include <array>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace tikv::kv {
namespace {

constexpr size_t kGroupSize = 8;
constexpr unsigned char kMarker = 0xFF;
constexpr unsigned char kPad = 0x00;
constexpr char kDecodeErrorUrl[] = "type.googleapis.com/tikv.kv.DecodeError";

unsigned char Byte(std::string_view s, size_t i) { return static_cast<unsigned char>(s[i]); }

std::string Hex(std::string_view s) {
  return absl::CHexEscape(absl::string_view(s.data(), s.size()));
}

void SetRest(std::string_view* rest, std::string_view value) {
  if (rest != nullptr) *rest = value;
}

absl::Status Insufficient() { return DecodeError("insufficient bytes to decode value"); }

// Port of client-go util/codec/bytes.go, decodeBytes(): `reverse` selects the Desc form.
absl::StatusOr<std::string> DecodeBytesImpl(std::string_view in, std::string_view* rest,
                                            bool reverse) {
  std::string out;
  out.reserve(in.size());
  while (true) {
    if (in.size() < kGroupSize + 1) return Insufficient();
    std::string_view group = in.substr(0, kGroupSize);
    unsigned char marker = Byte(in, kGroupSize);
    unsigned char pad_count = reverse ? marker : static_cast<unsigned char>(kMarker - marker);
    if (pad_count > kGroupSize) {
      return DecodeError(absl::StrCat("invalid marker byte, group bytes \"",
                                      Hex(in.substr(0, kGroupSize + 1)), "\""));
    }
    size_t real = kGroupSize - pad_count;
    out.append(group.substr(0, real));
    std::string_view whole = in.substr(0, kGroupSize + 1);
    in.remove_prefix(kGroupSize + 1);
    if (pad_count != 0) {
      unsigned char pad_byte = reverse ? kMarker : kPad;
      for (size_t i = real; i < kGroupSize; ++i) {
        if (Byte(group, i) != pad_byte) {
          return DecodeError(absl::StrCat("invalid padding byte, group bytes \"",
                                          Hex(whole), "\""));
        }
      }
      break;
    }
  }
  if (reverse) {
    for (char& c : out) c = static_cast<char>(~static_cast<unsigned char>(c));
  }
  SetRest(rest, in);
  return out;
}

void PutBigEndian(std::string* out, uint64_t v) {
  std::array<char, 8> buf;
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  out->append(buf.data(), buf.size());
}

absl::StatusOr<uint64_t> GetBigEndian(std::string_view in, std::string_view* rest) {
  if (in.size() < 8) return Insufficient();
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | Byte(in, i);
  SetRest(rest, in.substr(8));
  return v;
}

// Tags of the comparable varints: negative lengths count down from 8, positive ones up from
// 0xFF - 8; the tags in between hold small non-negative values directly.
constexpr int kNegativeTagEnd = 8;
constexpr int kPositiveTagStart = 0xFF - 8;

void AppendSignificant(std::string* out, uint64_t v, int length) {
  for (int i = length - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

}  // namespace

absl::Status DecodeError(std::string_view message) {
  absl::Status status = absl::InvalidArgumentError(absl::string_view(message.data(), message.size()));
  status.SetPayload(kDecodeErrorUrl, absl::Cord());
  return status;
}

bool IsDecodeError(const absl::Status& status) {
  return status.GetPayload(kDecodeErrorUrl).has_value();
}

void EncodeBytes(std::string* out, std::string_view data) {
  out->reserve(out->size() + (data.size() / kGroupSize + 1) * (kGroupSize + 1));
  for (size_t idx = 0; idx <= data.size(); idx += kGroupSize) {
    size_t remain = data.size() - idx;
    size_t pad_count = 0;
    if (remain >= kGroupSize) {
      out->append(data.substr(idx, kGroupSize));
    } else {
      pad_count = kGroupSize - remain;
      out->append(data.substr(idx));
      out->append(pad_count, static_cast<char>(kPad));
    }
    out->push_back(static_cast<char>(kMarker - pad_count));
  }
}

std::string EncodeBytes(std::string_view data) {
  std::string out;
  EncodeBytes(&out, data);
  return out;
}

absl::StatusOr<std::string> DecodeBytes(std::string_view in, std::string_view* rest) {
  return DecodeBytesImpl(in, rest, /*reverse=*/false);
}

void EncodeBytesDesc(std::string* out, std::string_view data) {
  size_t start = out->size();
  EncodeBytes(out, data);
  for (size_t i = start; i < out->size(); ++i) {
    (*out)[i] = static_cast<char>(~static_cast<unsigned char>((*out)[i]));
  }
}

absl::StatusOr<std::string> DecodeBytesDesc(std::string_view in, std::string_view* rest) {
  return DecodeBytesImpl(in, rest, /*reverse=*/true);
}

void EncodeInt(std::string* out, int64_t v) { PutBigEndian(out, EncodeIntToCmpUint(v)); }
void EncodeIntDesc(std::string* out, int64_t v) { PutBigEndian(out, ~EncodeIntToCmpUint(v)); }
void EncodeUint(std::string* out, uint64_t v) { PutBigEndian(out, v); }
void EncodeUintDesc(std::string* out, uint64_t v) { PutBigEndian(out, ~v); }

absl::StatusOr<int64_t> DecodeInt(std::string_view in, std::string_view* rest) {
  absl::StatusOr<uint64_t> u = GetBigEndian(in, rest);
  if (!u.ok()) return u.status();
  return DecodeCmpUintToInt(*u);
}

absl::StatusOr<int64_t> DecodeIntDesc(std::string_view in, std::string_view* rest) {
  absl::StatusOr<uint64_t> u = GetBigEndian(in, rest);
  if (!u.ok()) return u.status();
  return DecodeCmpUintToInt(~*u);
}

absl::StatusOr<uint64_t> DecodeUint(std::string_view in, std::string_view* rest) {
  return GetBigEndian(in, rest);
}

absl::StatusOr<uint64_t> DecodeUintDesc(std::string_view in, std::string_view* rest) {
  absl::StatusOr<uint64_t> u = GetBigEndian(in, rest);
  if (!u.ok()) return u.status();
  return ~*u;
}

void EncodeUvarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void EncodeVarint(std::string* out, int64_t v) {
  // Zig-zag, as Go's binary.PutVarint.
  uint64_t u = static_cast<uint64_t>(v) << 1;
  if (v < 0) u = ~u;
  EncodeUvarint(out, u);
}

absl::StatusOr<uint64_t> DecodeUvarint(std::string_view in, std::string_view* rest) {
  uint64_t v = 0;
  unsigned shift = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    unsigned char b = Byte(in, i);
    // Go's binary.Uvarint: at most 10 bytes and the 10th may only carry one bit.
    if (i == 9 && b > 1) return DecodeError("value larger than 64 bits");
    if (b < 0x80) {
      v |= static_cast<uint64_t>(b) << shift;
      SetRest(rest, in.substr(i + 1));
      return v;
    }
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    shift += 7;
    if (i == 9) return DecodeError("value larger than 64 bits");
  }
  return Insufficient();
}

absl::StatusOr<int64_t> DecodeVarint(std::string_view in, std::string_view* rest) {
  absl::StatusOr<uint64_t> u = DecodeUvarint(in, rest);
  if (!u.ok()) return u.status();
  int64_t x = static_cast<int64_t>(*u >> 1);
  if ((*u & 1) != 0) x = ~x;
  return x;
}

void EncodeComparableUvarint(std::string* out, uint64_t v) {
  if (v <= static_cast<uint64_t>(kPositiveTagStart - kNegativeTagEnd)) {
    out->push_back(static_cast<char>(v + kNegativeTagEnd));
    return;
  }
  int length = 1;
  while (length < 8 && (v >> (8 * length)) != 0) ++length;
  out->push_back(static_cast<char>(kPositiveTagStart + length));
  AppendSignificant(out, v, length);
}

void EncodeComparableVarint(std::string* out, int64_t v) {
  if (v >= 0) {
    EncodeComparableUvarint(out, static_cast<uint64_t>(v));
    return;
  }
  // Negative: client-go picks the length from the magnitude (|v| <= 0xFF -> 1 byte, ...), so
  // -256 takes two bytes even though one would decode back; match it byte for byte.
  uint64_t u = static_cast<uint64_t>(v);
  uint64_t magnitude = 0 - u;
  int length = 1;
  while (length < 8 && (magnitude >> (8 * length)) != 0) ++length;
  out->push_back(static_cast<char>(kNegativeTagEnd - length));
  AppendSignificant(out, u, length);
}

absl::StatusOr<uint64_t> DecodeComparableUvarint(std::string_view in, std::string_view* rest) {
  if (in.empty()) return Insufficient();
  int first = Byte(in, 0);
  in.remove_prefix(1);
  if (first < kNegativeTagEnd) return DecodeError("invalid bytes to decode value");
  if (first <= kPositiveTagStart) {
    SetRest(rest, in);
    return static_cast<uint64_t>(first - kNegativeTagEnd);
  }
  size_t length = static_cast<size_t>(first - kPositiveTagStart);
  if (in.size() < length) return Insufficient();
  uint64_t v = 0;
  for (size_t i = 0; i < length; ++i) v = (v << 8) | Byte(in, i);
  SetRest(rest, in.substr(length));
  return v;
}

absl::StatusOr<int64_t> DecodeComparableVarint(std::string_view in, std::string_view* rest) {
  if (in.empty()) return Insufficient();
  int first = Byte(in, 0);
  in.remove_prefix(1);
  if (first >= kNegativeTagEnd && first <= kPositiveTagStart) {
    // Divergence: client-go returns the input with the tag byte still in front here; we
    // consume it, which is what every caller expects.
    SetRest(rest, in);
    return static_cast<int64_t>(first - kNegativeTagEnd);
  }
  size_t length;
  uint64_t v = 0;
  if (first < kNegativeTagEnd) {
    length = static_cast<size_t>(kNegativeTagEnd - first);
    v = ~uint64_t{0};  // negative values start with every bit set
  } else {
    length = static_cast<size_t>(first - kPositiveTagStart);
  }
  if (in.size() < length) return Insufficient();
  for (size_t i = 0; i < length; ++i) v = (v << 8) | Byte(in, i);
  if (first > kPositiveTagStart && v > static_cast<uint64_t>(INT64_MAX)) {
    return DecodeError("invalid bytes to decode value");
  }
  SetRest(rest, in.substr(length));
  return static_cast<int64_t>(v);
}

}  // namespace tikv::kv
