#include "locate/routing_layers.h"

#include <optional>
#include <string_view>
#include <utility>

namespace tikv::locate {

RegionCacheOptions RoutingLayers::WithStoreCheck(RegionCacheOptions options, StoreCache* stores) {
  if (options.store_needs_refresh) return options;  // the caller's own check wins
  options.store_needs_refresh = [stores](uint64_t store_id) {
    std::optional<StoreInfo> store = stores->Get(store_id);
    return store.has_value() && (store->resolve_state == ResolveState::kNeedCheck ||
                                 store->liveness != Liveness::kReachable);
  };
  return options;
}

RoutingLayers::RoutingLayers(Env& env, pd::PdClient& pd, RoutingLayersOptions options)
    : stores_(env, pd, std::move(options.stores)),
      cache_(env, pd, WithStoreCheck(std::move(options.cache), &stores_)),
      rpc_(env, std::move(options.rpc)),
      sender_(env, cache_, stores_, rpc_, std::move(options.sender)) {
  rpc_.set_health_feedback_listener(
      [this](const kvrpcpb::HealthFeedback& feedback) { stores_.RecordHealthFeedback(feedback); });
  stores_.set_address_change_listener([this](std::string_view old) { rpc_.CloseAddress(old); });
  stores_.set_health_feedback_requester(MakeRpcHealthFeedbackRequester(env, rpc_));
  if (options.start_background) {
    cache_.StartBackground();
    stores_.StartStoreListRefresh();
  }
}

RoutingLayers::~RoutingLayers() { Close(); }

void RoutingLayers::Close() {
  if (closed_) return;
  closed_ = true;
  cache_.Close();
  stores_.Close();
  rpc_.Close();
}

}  // namespace tikv::locate
