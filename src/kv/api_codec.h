// The API codec: how user keys map onto the keys a TiKV cluster of a given API version stores,
// and how requests and responses are rewritten on the way.  API V1 (and V1TTL, which uses the
// same codec) sends keys unchanged; transactional region boundaries are memcomparable-encoded.
// API V2 gives every key a 4-byte keyspace prefix (mode byte 'r' raw / 'x' txn + 3-byte
// big-endian keyspace id); region boundaries are the memcomparable form of prefixed keys.
// Port of client-go internal/apicodec (codec.go, codec_v1.go, codec_v2.go, mem_codec.go).
//
// Requests and responses are handled as kvrpcpb (and coprocessor) messages, recognised by
// their type, so this layer does not depend on the rpc envelope (src/rpc/request.h).
// Divergence: client-go's EncodeRequest clones the request; here the caller passes the copy it
// wants rewritten (the envelope keeps the user's original for retries).
//
// Thread-safety: a Codec is immutable once built and may be shared freely.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "keyspacepb.pb.h"
#include "kvrpcpb.pb.h"
#include "kv/key.h"

namespace tikv::kv {

// Which kind of client uses the codec.
enum class Mode { kRaw = 0, kTxn = 1 };

using KeyspaceId = uint32_t;

// PD's "no keyspace" id (pd client constants.NullKeyspaceID).
inline constexpr KeyspaceId kNullspaceId = 0xFFFFFFFF;
inline constexpr KeyspaceId kDefaultKeyspaceId = 0;
inline constexpr KeyspaceId kMaxKeyspaceId = 0xFFFFFF;
inline constexpr std::string_view kDefaultKeyspaceName = "DEFAULT";
inline constexpr char kRawModePrefix = 'r';
inline constexpr char kTxnModePrefix = 'x';
inline constexpr size_t kKeyspacePrefixLen = 4;

// The sorted mode prefixes API V2 uses ("r", "x").  Never suspends.
std::vector<std::string> CodecV2Prefixes();
// The sorted prefixes a V1 key never starts with in a mixed V1/V2 cluster.  Never suspends.
std::vector<std::string> CodecV1ExcludePrefixes();

// The keyspace id of an API V2 key.  kInvalidArgument when the key is shorter than 4 bytes or
// does not start with 'r' or 'x'.  Port of codec.go, ParseKeyspaceID().  Never suspends.
absl::StatusOr<KeyspaceId> ParseKeyspaceId(std::string_view key);

// A key split into its keyspace prefix (empty under V1) and the rest; views into the input.
struct SplitKey {
  std::string_view prefix;
  std::string_view key;
};
// Splits `encoded` under `version`: V1 → no prefix; V2 → the 4-byte prefix (kInvalidArgument
// for a non-V2 key); any other version → kInvalidArgument.  Port of codec.go, DecodeKey().
// Never suspends.
absl::StatusOr<SplitKey> SplitKeyspacePrefix(std::string_view encoded,
                                             kvrpcpb::APIVersion version);

// "DEFAULT" for an empty name, else the name.  Port of codec_v2.go, BuildKeyspaceName().
// Never suspends.
std::string BuildKeyspaceName(std::string_view name);

// True when `status` says a key or range lies outside the codec's keyspace (kOutOfRange).
// Never suspends.
bool IsKeyOutOfKeyspace(const absl::Status& status);

class Codec {
 public:
  virtual ~Codec() = default;

  // The API version requests carry (V1 for the V1 codec, also when the cluster is V1TTL).
  virtual kvrpcpb::APIVersion api_version() const = 0;
  // The 4-byte keyspace prefix (empty under V1).
  virtual std::string_view keyspace_prefix() const = 0;
  // The keyspace id (kNullspaceId under V1).
  virtual KeyspaceId keyspace_id() const = 0;
  // The keyspace's metadata, or nullptr under V1.
  virtual const keyspacepb::KeyspaceMeta* keyspace_meta() const = 0;

  // Sets the API version, keyspace id and keyspace name in *context.
  // Port of codec.go, setAPICtx().  Never suspends.
  void FillContext(kvrpcpb::Context* context) const;

  // Rewrites every key-bearing field of `request` (a kvrpcpb or coprocessor request message)
  // into the cluster's key form and fills its context (FillContext).  A message type without
  // keys, or unknown to the codec, only gets its context filled.  Never fails today; returns a
  // Status so codecs may reject requests.  Never suspends.
  virtual absl::Status EncodeRequest(google::protobuf::Message* request) const = 0;

  // Rewrites the keys of `response` (region errors, key errors, lock infos, pairs, regions...)
  // back to user form.  Errors: kInvalidArgument (IsDecodeError) for malformed encoded region
  // keys, kOutOfRange (IsKeyOutOfKeyspace) for a key outside the keyspace.  Regions of an
  // EpochNotMatch that lie outside the keyspace are dropped, not reported.  On error *response
  // may be partly decoded.  Never suspends.
  virtual absl::Status DecodeResponse(google::protobuf::Message* response) const = 0;

  // One region boundary key in PD's key space.  Never suspends.
  virtual std::string EncodeRegionKey(std::string_view key) const = 0;
  // The inverse; an empty key stays empty under V1.  Errors as DecodeResponse.  Never suspends.
  virtual absl::StatusOr<std::string> DecodeRegionKey(std::string_view encoded) const = 0;
  // Region bucket keys from PD to user form (V2: clamped to the keyspace; keys of other
  // keyspaces are dropped).  Never suspends.
  virtual absl::StatusOr<std::vector<std::string>> DecodeBucketKeys(
      const std::vector<std::string>& keys) const = 0;
  // A user range [start, end) to PD's key space (an empty end stays unbounded under V1 and
  // becomes the keyspace's end under V2).  Never suspends.
  virtual KeyRange EncodeRegionRange(std::string_view start, std::string_view end) const = 0;
  // A PD region range back to user form, clamped to the keyspace (a boundary outside it
  // becomes empty = unbounded).  kOutOfRange when the range does not overlap the keyspace.
  // Never suspends.
  virtual absl::StatusOr<KeyRange> DecodeRegionRange(std::string_view encoded_start,
                                                     std::string_view encoded_end) const = 0;
  // A user range to storage form (not memcomparable).  Never suspends.
  virtual KeyRange EncodeRange(std::string_view start, std::string_view end) const = 0;
  // The inverse, clamped to the keyspace.  kOutOfRange when outside.  Never suspends.
  virtual absl::StatusOr<KeyRange> DecodeRange(std::string_view encoded_start,
                                               std::string_view encoded_end) const = 0;
  // One user key to storage form.  Never suspends.
  virtual std::string EncodeKey(std::string_view key) const = 0;
  // One storage key to user form; an empty key decodes to empty.  kOutOfRange when the key
  // lacks the keyspace prefix.  Never suspends.
  virtual absl::StatusOr<std::string> DecodeKey(std::string_view encoded) const = 0;
};

// The API V1 codec for `mode` (raw: identity region keys; txn: memcomparable region keys).
// Also the codec of V1TTL raw clients.  kInvalidArgument for an unknown mode.
// Port of codec_v1.go, NewCodecV1().  Never suspends.
absl::StatusOr<std::unique_ptr<Codec>> NewCodecV1(Mode mode);

// The API V2 codec for `mode` in the keyspace `meta` describes.  kInvalidArgument when `meta`
// is null, identifies the keyspace by an API V3 identity, has an id above 0xFFFFFF, or `mode`
// is unknown.  The codec keeps a copy of *meta.  Port of codec_v2.go, NewCodecV2().
// Never suspends.
absl::StatusOr<std::unique_ptr<Codec>> NewCodecV2(Mode mode, const keyspacepb::KeyspaceMeta* meta);

// Validates keyspace metadata loaded from PD and returns its id: the keyspace must be ENABLED,
// identified by a numeric id (an API V3 identity is rejected rather than read as keyspace 0)
// and the id must fit 3 bytes.  kInvalidArgument / kFailedPrecondition otherwise.
// Port of client-go internal/locate/pd_codec.go, GetKeyspaceID() (the checks after
// LoadKeyspace).  Never suspends.
absl::StatusOr<KeyspaceId> KeyspaceIdFromMeta(const keyspacepb::KeyspaceMeta& meta);

// The codec for a client of `version`: V1 and V1TTL → NewCodecV1; V2 → NewCodecV2 (requires
// `meta`); others kInvalidArgument.  Never suspends.
absl::StatusOr<std::unique_ptr<Codec>> NewCodec(kvrpcpb::APIVersion version, Mode mode,
                                                const keyspacepb::KeyspaceMeta* meta);

}  // namespace tikv::kv
