// The production routing stack of a raw client: PD client, API codec (with the keyspace loaded
// by name under API V2), codec-aware PD view, region cache, store cache, batch RPC client and
// region request sender.  Port of client-go rawkv.NewClientWithOpts (the construction half).

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kv/api_codec.h"
#include "locate/region_cache.h"
#include "locate/region_request_sender.h"
#include "locate/routing_layers.h"
#include "pd/rpc_pd_client.h"
#include "raw/codec_pd_client.h"
#include "raw/raw_engine.h"
#include "rpc/rpc_client.h"

namespace tikv::raw {
namespace {

kvrpcpb::APIVersion ToProto(ApiVersion v) {
  switch (v) {
    case ApiVersion::kV1:
      return kvrpcpb::V1;
    case ApiVersion::kV1Ttl:
      return kvrpcpb::V1TTL;
    case ApiVersion::kV2:
      return kvrpcpb::V2;
  }
  return kvrpcpb::V1;
}

class ProdRawStack final : public RawStack {
 public:
  ProdRawStack(Env& env, std::unique_ptr<pd::RpcPdClient> pd, std::unique_ptr<kv::Codec> codec,
               bool enable_forwarding)
      : pd_(std::move(pd)),
        codec_(std::move(codec)),
        codec_pd_(*pd_, *codec_),
        layers_(env, codec_pd_, LayerOptions(pd_->cluster_id(), codec_.get(), enable_forwarding)) {}

  // Destroyed on a runtime fiber (RawClient's destructor): the layers join their fibers here.
  ~ProdRawStack() override { Close(); }

  locate::RegionCache& cache() override { return layers_.cache(); }
  locate::RegionRequestSender& sender() override { return layers_.sender(); }
  const kv::Codec& codec() override { return *codec_; }
  uint64_t cluster_id() override { return pd_->cluster_id(); }

  void Close() override {
    if (closed_) return;
    closed_ = true;
    // The routing layers stop before the PD client they load from (client-go fixed this order
    // in Jan 2026: a background reload must not reach a closed PD client).
    layers_.Close();
    pd_->Close();
  }

 private:
  static locate::RoutingLayersOptions LayerOptions(uint64_t cluster_id, const kv::Codec* codec,
                                                   bool enable_forwarding) {
    locate::RoutingLayersOptions options;
    options.rpc.codec = codec;
    options.sender.cluster_id = cluster_id;
    options.sender.enable_forwarding = enable_forwarding;
    return options;
  }

  // Declaration order is construction order; each member only uses the ones above it.
  std::unique_ptr<pd::RpcPdClient> pd_;
  std::unique_ptr<kv::Codec> codec_;
  CodecPdClient codec_pd_;
  locate::RoutingLayers layers_;
  bool closed_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RawStack>> BuildRawStack(Env& env,
                                                        const RawClientOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  pd::PdClientOptions pd_options;
  pd_options.endpoints = options.pd_endpoints;
  pd_options.timeout = options.pd_timeout;
  pd_options.caller_component = "rawkv-client-cpp";
  absl::StatusOr<std::unique_ptr<pd::RpcPdClient>> pd =
      pd::RpcPdClient::Create(env, std::move(pd_options));
  if (!pd.ok()) return pd.status();

  const kvrpcpb::APIVersion version = ToProto(options.api_version);
  absl::StatusOr<std::unique_ptr<kv::Codec>> codec;
  if (version == kvrpcpb::V2) {
    // Port of NewCodecPDClientWithKeyspace: the keyspace must exist and be enabled before any
    // key is sent, so a typo in the name fails construction instead of the first call.
    CancelToken token = CancelToken::WithDeadline(env.clock().Now() + options.pd_timeout * 3);
    absl::StatusOr<keyspacepb::KeyspaceMeta> meta =
        LoadKeyspaceMeta(**pd, options.keyspace, &token);
    if (!meta.ok()) {
      (*pd)->Close();
      return absl::Status(meta.status().code(),
                          absl::StrCat("raw: loading keyspace \"",
                                       kv::BuildKeyspaceName(options.keyspace),
                                       "\": ", meta.status().message()));
    }
    codec = kv::NewCodec(version, kv::Mode::kRaw, &*meta);
  } else {
    codec = kv::NewCodec(version, kv::Mode::kRaw, nullptr);
  }
  if (!codec.ok()) {
    (*pd)->Close();
    return codec.status();
  }
  return std::unique_ptr<RawStack>(
      std::make_unique<ProdRawStack>(env, std::move(*pd), std::move(*codec),
                                     options.enable_forwarding));
}

}  // namespace tikv::raw
