// RoutingLayers: the region cache, store cache, batch RPC client and region request sender
// over one PD client, wired to each other the way client-go's KVStore wires them, so that the
// raw client, the scenarios and the end-to-end tests assemble one stack instead of three
// slightly different ones:
//  - health feedback piggy-backed on batch responses feeds the store cache, and a stale
//    TiKV-side score is asked for with GetHealthFeedback over the same RPC client;
//  - a store whose address changed has its connections closed;
//  - regions on a store that is unreachable or waiting for re-resolution expire after their
//    TTL even while used;
//  - the region cache's background sweep and the store-list refresh run until Close().
//
// Thread-safe as its parts are.  Construction never suspends; Close() and the destructor may.

#pragma once

#include "locate/region_cache.h"
#include "locate/region_request_sender.h"
#include "locate/store_cache.h"
#include "pd/pd_client.h"
#include "rpc/rpc_client.h"
#include "tikv/env.h"

namespace tikv::locate {

struct RoutingLayersOptions {
  RegionCacheOptions cache;
  StoreCacheOptions stores;
  rpc::RpcClientOptions rpc;
  // sender.cluster_id is stamped into every request's Context (0 = leave it unset).
  SenderOptions sender;
  // Start the region cache's background sweep and the store cache's store-list refresh
  // (client-go always does; unit tests that end the simulation while the stack is alive turn
  // it off).
  bool start_background = true;
};

class RoutingLayers {
 public:
  // `env` and `pd` must outlive the layers.  Never suspends.
  RoutingLayers(Env& env, pd::PdClient& pd, RoutingLayersOptions options = {});
  // Close()s.  May suspend.
  ~RoutingLayers();
  RoutingLayers(const RoutingLayers&) = delete;
  RoutingLayers& operator=(const RoutingLayers&) = delete;

  // Stops the background fibers in client-go's order: the region cache (so no reload reaches a
  // closing PD client), the store cache, then the RPC client and its streams.  The PD client
  // is the caller's to close afterwards.  Idempotent.  May suspend.
  void Close();

  RegionCache& cache() { return cache_; }
  StoreCache& stores() { return stores_; }
  rpc::BatchRpcClient& rpc() { return rpc_; }
  RegionRequestSender& sender() { return sender_; }

 private:
  static RegionCacheOptions WithStoreCheck(RegionCacheOptions options, StoreCache* stores);

  // Declaration order is construction order: the cache's store check reads stores_ only from
  // its background fiber, which starts after every member exists.
  StoreCache stores_;
  RegionCache cache_;
  rpc::BatchRpcClient rpc_;
  RegionRequestSender sender_;
  bool closed_ = false;
};

}  // namespace tikv::locate
