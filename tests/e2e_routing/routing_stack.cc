#include "tests/e2e_routing/routing_stack.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "kvrpcpb.pb.h"

namespace tikv::e2e {

absl::Status RoutingStack::Start(const std::vector<std::string>& pd_endpoints,
                                 rpc::RpcClientOptions rpc_options,
                                 pd::PdClientOptions pd_options) {
  pd_options.endpoints = pd_endpoints;
  absl::StatusOr<std::unique_ptr<pd::RpcPdClient>> p = pd::RpcPdClient::Create(env_, pd_options);
  if (!p.ok()) return p.status();
  pd_ = *std::move(p);
  locate::RoutingLayersOptions options;
  options.rpc = std::move(rpc_options);
  options.sender.cluster_id = pd_->cluster_id();
  layers_ = std::make_unique<locate::RoutingLayers>(env_, *pd_, std::move(options));
  return absl::OkStatus();
}

void RoutingStack::Close() {
  // The layers stop first (region cache, store cache, RPC client), then the PD client.
  if (layers_ != nullptr) layers_->Close();
  if (pd_ != nullptr) pd_->Close();
  layers_.reset();
  pd_.reset();
}

absl::StatusOr<locate::KeyLocation> RoutingStack::Locate(const std::string& key) {
  locate::Backoffer bo(env_, locate::kLocateRegionMaxBackoffMs);
  return layers_->cache().LocateKey(bo, key);
}

absl::StatusOr<rpc::Response> RoutingStack::Do(const rpc::Request& request, const std::string& key,
                                               MonoTime deadline, int64_t budget_ms,
                                               Duration attempt_timeout, locate::SendStats* stats) {
  locate::Backoffer bo(env_, budget_ms, CancelToken::WithDeadline(deadline));
  for (;;) {
    absl::StatusOr<locate::KeyLocation> loc = layers_->cache().LocateKey(bo, key);
    if (!loc.ok()) return loc.status();
    rpc::Request attempt = request.Clone();
    locate::SendStats one;
    absl::StatusOr<rpc::Response> resp =
        layers_->sender().SendReq(bo, attempt, loc->region, attempt_timeout, &one);
    if (stats != nullptr) {
      stats->attempts += one.attempts;
      stats->region_errors += one.region_errors;
      stats->send_failures += one.send_failures;
      stats->backoffs += one.backoffs;
      stats->last_address = one.last_address;
      stats->last_store_id = one.last_store_id;
      stats->last_peer_id = one.last_peer_id;
    }
    if (!resp.ok()) return resp.status();
    const errorpb::Error* region_error = resp->region_error();
    if (region_error == nullptr) return resp;
    if (absl::Status s = locate::MayBackoffForRegionError(*region_error, bo); !s.ok()) return s;
  }
}

absl::Status RoutingStack::RawPut(const std::string& key, const std::string& value,
                                  Duration within, locate::SendStats* stats) {
  kvrpcpb::RawPutRequest req;
  req.set_key(key);
  req.set_value(value);
  absl::StatusOr<rpc::Response> r = Do(rpc::Request::Of(rpc::CmdType::kRawPut, req), key,
                                       env_.clock().Now() + within,
                                       locate::kRawKvMaxBackoffMs, std::chrono::seconds(2), stats);
  if (!r.ok()) return r.status();
  const auto* resp = r->As<kvrpcpb::RawPutResponse>();
  if (resp == nullptr) return absl::InternalError("not a RawPutResponse");
  if (!resp->error().empty()) return absl::UnknownError(resp->error());
  return absl::OkStatus();
}

absl::StatusOr<std::string> RoutingStack::RawGet(const std::string& key, Duration within,
                                                 locate::SendStats* stats) {
  kvrpcpb::RawGetRequest req;
  req.set_key(key);
  absl::StatusOr<rpc::Response> r = Do(rpc::Request::Of(rpc::CmdType::kRawGet, req), key,
                                       env_.clock().Now() + within,
                                       locate::kRawKvMaxBackoffMs, std::chrono::seconds(2), stats);
  if (!r.ok()) return r.status();
  const auto* resp = r->As<kvrpcpb::RawGetResponse>();
  if (resp == nullptr) return absl::InternalError("not a RawGetResponse");
  if (!resp->error().empty()) return absl::UnknownError(resp->error());
  return resp->not_found() ? std::string() : resp->value();
}

}  // namespace tikv::e2e
