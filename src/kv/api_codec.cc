// The version-independent parts of the API codec and the API V1 codec.
// Port of client-go internal/apicodec/codec.go and codec_v1.go.

#include "kv/api_codec.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "errorpb.pb.h"
#include "kv/api_codec_internal.h"
#include "kv/codec.h"

namespace tikv::kv {

std::vector<std::string> CodecV2Prefixes() {
  // Sorted; keep it so if the list grows.
  return {std::string(1, kRawModePrefix), std::string(1, kTxnModePrefix)};
}

std::vector<std::string> CodecV1ExcludePrefixes() {
  // The same set as CodecV2Prefixes today, but a different question: future special prefixes
  // belong here too.
  return CodecV2Prefixes();
}

absl::StatusOr<KeyspaceId> ParseKeyspaceId(std::string_view key) {
  TIKV_RETURN_IF_ERROR(internal::CheckV2Key(key));
  KeyspaceId id = 0;
  for (size_t i = 1; i < kKeyspacePrefixLen; ++i) id = (id << 8) | static_cast<uint8_t>(key[i]);
  return id;
}

absl::StatusOr<SplitKey> SplitKeyspacePrefix(std::string_view encoded,
                                             kvrpcpb::APIVersion version) {
  switch (version) {
    case kvrpcpb::V1:
      return SplitKey{.prefix = {}, .key = encoded};
    case kvrpcpb::V2:
      TIKV_RETURN_IF_ERROR(internal::CheckV2Key(encoded));
      return SplitKey{.prefix = encoded.substr(0, kKeyspacePrefixLen),
                      .key = encoded.substr(kKeyspacePrefixLen)};
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported api version ", kvrpcpb::APIVersion_Name(version)));
  }
}

std::string BuildKeyspaceName(std::string_view name) {
  return name.empty() ? std::string(kDefaultKeyspaceName) : std::string(name);
}

bool IsKeyOutOfKeyspace(const absl::Status& status) {
  return status.GetPayload(internal::kOutOfKeyspaceUrl).has_value();
}

absl::StatusOr<KeyspaceId> KeyspaceIdFromMeta(const keyspacepb::KeyspaceMeta& meta) {
  if (meta.state() != keyspacepb::ENABLED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "keyspace ", meta.name(), " not enabled, state: ", keyspacepb::KeyspaceState_Name(meta.state())));
  }
  if (meta.has_keyspace_identity()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "keyspace ", meta.name(), " uses an API V3 keyspace identity, which codec V2 does not support"));
  }
  if (meta.id() > kMaxKeyspaceId) {
    return absl::InvalidArgumentError(
        absl::StrFormat("keyspace id %d is out of range, maximum is %d", meta.id(), kMaxKeyspaceId));
  }
  return meta.id();
}

void Codec::FillContext(kvrpcpb::Context* context) const {
  context->set_api_version(api_version());
  context->set_keyspace_id(keyspace_id());
  if (const keyspacepb::KeyspaceMeta* meta = keyspace_meta(); meta != nullptr) {
    context->set_keyspace_name(meta->name());
  }
}

namespace internal {

absl::Status CheckV2Key(std::string_view key) {
  if (key.size() < kKeyspacePrefixLen || (key[0] != kRawModePrefix && key[0] != kTxnModePrefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid API V2 key \"", absl::CHexEscape(absl::string_view(key.data(), key.size())), "\""));
  }
  return absl::OkStatus();
}

absl::Status OutOfKeyspace() {
  absl::Status status = absl::OutOfRangeError("given key does not belong to the keyspace");
  status.SetPayload(kOutOfKeyspaceUrl, absl::Cord());
  return status;
}

void FillRequestContext(const Codec& codec, google::protobuf::Message* request) {
  const google::protobuf::Descriptor* desc = request->GetDescriptor();
  const google::protobuf::FieldDescriptor* field = desc->FindFieldByName("context");
  if (field == nullptr || field->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE ||
      field->message_type() != kvrpcpb::Context::descriptor()) {
    return;
  }
  auto* context = static_cast<kvrpcpb::Context*>(
      request->GetReflection()->MutableMessage(request, field));
  codec.FillContext(context);
}

errorpb::Error* MutableRegionError(google::protobuf::Message* response) {
  const google::protobuf::Descriptor* desc = response->GetDescriptor();
  const google::protobuf::FieldDescriptor* field = desc->FindFieldByName("region_error");
  if (field == nullptr || field->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE ||
      field->message_type() != errorpb::Error::descriptor()) {
    return nullptr;
  }
  const google::protobuf::Reflection* reflection = response->GetReflection();
  if (!reflection->HasField(*response, field)) return nullptr;
  return static_cast<errorpb::Error*>(reflection->MutableMessage(response, field));
}

}  // namespace internal

namespace {

// Port of client-go internal/apicodec/codec_v1.go, codecV1.
class CodecV1 final : public Codec {
 public:
  explicit CodecV1(Mode mode) : memcomparable_(mode == Mode::kTxn) {}

  kvrpcpb::APIVersion api_version() const override { return kvrpcpb::V1; }
  std::string_view keyspace_prefix() const override { return {}; }
  KeyspaceId keyspace_id() const override { return kNullspaceId; }
  const keyspacepb::KeyspaceMeta* keyspace_meta() const override { return nullptr; }

  absl::Status EncodeRequest(google::protobuf::Message* request) const override {
    internal::FillRequestContext(*this, request);
    return absl::OkStatus();
  }

  // Only region errors carry region boundaries that need decoding under V1.
  // Divergence: client-go lists the response types; we decode the region_error of any
  // response that has one (the same set plus debug and admin responses).
  absl::Status DecodeResponse(google::protobuf::Message* response) const override {
    errorpb::Error* region_error = internal::MutableRegionError(response);
    if (region_error == nullptr) return absl::OkStatus();
    if (region_error->has_key_not_in_region()) {
      errorpb::KeyNotInRegion* e = region_error->mutable_key_not_in_region();
      TIKV_ASSIGN_OR_RETURN(KeyRange range, DecodeRegionRange(e->start_key(), e->end_key()));
      e->set_start_key(std::move(range.start_key));
      e->set_end_key(std::move(range.end_key));
    }
    if (region_error->has_epoch_not_match()) {
      for (metapb::Region& region : *region_error->mutable_epoch_not_match()->mutable_current_regions()) {
        TIKV_ASSIGN_OR_RETURN(KeyRange range,
                                 DecodeRegionRange(region.start_key(), region.end_key()));
        region.set_start_key(std::move(range.start_key));
        region.set_end_key(std::move(range.end_key));
      }
    }
    return absl::OkStatus();
  }

  std::string EncodeRegionKey(std::string_view key) const override {
    return memcomparable_ ? EncodeBytes(key) : std::string(key);
  }

  absl::StatusOr<std::string> DecodeRegionKey(std::string_view encoded) const override {
    if (encoded.empty() || !memcomparable_) return std::string(encoded);
    return DecodeBytes(encoded);
  }

  absl::StatusOr<std::vector<std::string>> DecodeBucketKeys(
      const std::vector<std::string>& keys) const override {
    std::vector<std::string> out;
    out.reserve(keys.size());
    for (const std::string& key : keys) {
      TIKV_ASSIGN_OR_RETURN(std::string k, DecodeRegionKey(key));
      out.push_back(std::move(k));
    }
    return out;
  }

  KeyRange EncodeRegionRange(std::string_view start, std::string_view end) const override {
    // An empty end means "unbounded" and must stay empty rather than be encoded.
    return KeyRange{EncodeRegionKey(start), end.empty() ? std::string() : EncodeRegionKey(end)};
  }

  absl::StatusOr<KeyRange> DecodeRegionRange(std::string_view encoded_start,
                                             std::string_view encoded_end) const override {
    TIKV_ASSIGN_OR_RETURN(std::string start, DecodeRegionKey(encoded_start));
    TIKV_ASSIGN_OR_RETURN(std::string end, DecodeRegionKey(encoded_end));
    return KeyRange{std::move(start), std::move(end)};
  }

  KeyRange EncodeRange(std::string_view start, std::string_view end) const override {
    return KeyRange{std::string(start), std::string(end)};
  }
  absl::StatusOr<KeyRange> DecodeRange(std::string_view start,
                                       std::string_view end) const override {
    return KeyRange{std::string(start), std::string(end)};
  }
  std::string EncodeKey(std::string_view key) const override { return std::string(key); }
  absl::StatusOr<std::string> DecodeKey(std::string_view key) const override {
    return std::string(key);
  }

 private:
  bool memcomparable_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Codec>> NewCodecV1(Mode mode) {
  if (mode != Mode::kRaw && mode != Mode::kTxn) {
    return absl::InvalidArgumentError(absl::StrCat("unknown mode ", static_cast<int>(mode)));
  }
  return std::unique_ptr<Codec>(new CodecV1(mode));
}

absl::StatusOr<std::unique_ptr<Codec>> NewCodec(kvrpcpb::APIVersion version, Mode mode,
                                                const keyspacepb::KeyspaceMeta* meta) {
  switch (version) {
    case kvrpcpb::V1:
    case kvrpcpb::V1TTL:
      // V1TTL is a server storage format; requests still say V1 (client-go rawkv does the same).
      return NewCodecV1(mode);
    case kvrpcpb::V2:
      return NewCodecV2(mode, meta);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown api version ", static_cast<int>(version)));
  }
}

}  // namespace tikv::kv
