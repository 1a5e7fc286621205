// Opt-in access to the raw protobuf payloads behind tikv/status.h: the kvrpcpb.KeyError or
// errorpb.Error a status carries, and building statuses from them. This is the one public header
// that includes generated protobuf code; include it only where the raw messages are needed (the
// engine uses it where responses are decoded).
//
// Immutable: pure functions; thread-safe.

#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "errorpb.pb.h"
#include "kvrpcpb.pb.h"

#include "tikv/status.h"

namespace tikv {

// The payload type URLs (protobuf Any convention) under which statuses carry the raw messages.
inline constexpr char kKeyErrorPayloadUrl[] = "type.googleapis.com/kvrpcpb.KeyError";
inline constexpr char kRegionErrorPayloadUrl[] = "type.googleapis.com/errorpb.Error";

// A status for a key error TiKV returned: the code and message follow status.h's table, and the
// whole message rides as the payload. An empty KeyError (no field set) becomes kUnknown.
absl::Status KeyErrorStatus(const kvrpcpb::KeyError& error, RedactMode mode = RedactMode::kOff);

// The kind of `error`, or nullopt if no field is set.
std::optional<KeyErrorKind> KeyErrorKindOf(const kvrpcpb::KeyError& error);

// A status (kUnavailable) for a region error that escaped the retry layers.
absl::Status RegionErrorStatus(const errorpb::Error& error, RedactMode mode = RedactMode::kOff);

// The kind of `error`: the first typed field set, else kOther.
RegionErrorKind RegionErrorKindOf(const errorpb::Error& error);

// The raw payloads, if present.
std::optional<kvrpcpb::KeyError> GetKeyErrorProto(const absl::Status& s);
std::optional<errorpb::Error> GetRegionErrorProto(const absl::Status& s);

// `error.debug_info` as client-go logs it (see KeyErrorDebugInfoJson in tikv/status.h); empty
// when the error carries none.
std::string ExtractDebugInfoStrFromKeyErr(const kvrpcpb::KeyError& error, RedactMode mode);

}  // namespace tikv
