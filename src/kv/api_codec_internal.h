// Helpers shared by the API codec's translation units (api_codec.cc, api_codec_v2.cc).  Not for
// use outside src/kv.
//
// Thread-safety: stateless free functions.

#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "errorpb.pb.h"
#include "google/protobuf/message.h"
#include "kv/api_codec.h"
#include "util/status_macros.h"

namespace tikv::kv::internal {

inline constexpr char kOutOfKeyspaceUrl[] = "type.googleapis.com/tikv.kv.KeyOutOfKeyspace";

// OK when `key` has an API V2 mode prefix.  Never suspends.
absl::Status CheckV2Key(std::string_view key);
// The kOutOfRange status of a key outside the keyspace.  Never suspends.
absl::Status OutOfKeyspace();
// Fills the kvrpcpb.Context field named "context" of `request`, if it has one.  Never suspends.
void FillRequestContext(const Codec& codec, google::protobuf::Message* request);
// The set region_error field of `response`, or nullptr.  Never suspends.
errorpb::Error* MutableRegionError(google::protobuf::Message* response);

}  // namespace tikv::kv::internal
