// RegionRequestSender: sends a request to a region, following the region-error table of
// protocol.md section 4.2 and the send-failure rules of 4.4 branch for branch — updating the
// region cache, choosing replicas through the replica selector, backing off through the
// Backoffer — until it has a response the caller can use. Port of client-go
// internal/locate/region_request.go (RegionRequestSender.SendReq, SendReqCtx, onRegionError,
// onSendFail) and replica_selector.go.
//
// Fiber-confined per request (the sender itself is thread-safe and shared).

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tikv/env.h"

#include "locate/backoffer.h"
#include "locate/region.h"
#include "locate/region_cache.h"
#include "locate/replica_selector.h"
#include "locate/store_cache.h"
#include "rpc/request.h"
#include "rpc/rpc_client.h"

namespace tikv::locate {

struct SenderOptions {
  // Timeout of one attempt (client-go ReadTimeoutShort / ReadTimeoutMedium and friends are
  // passed per call; this is the default).
  Duration default_timeout = std::chrono::seconds(20);
  // Per replica: at most this many attempts (client-go maxReplicaAttempt = 10).
  int max_replica_attempts = 10;
  // Written into every request's Context.cluster_id (0 = leave it).
  uint64_t cluster_id = 0;
  // Tie break among equally scored replicas; null = the Env's "replica-selector" stream.
  // Tests pin it (client-go tests replace randIntn).  Must not suspend.
  ReplicaSelector::RandomFn random;
  // When the leader's store is unreachable, send leader requests through a reachable follower
  // with the tikv-forwarded-host metadata (client-go config EnableForwarding, default off).
  bool enable_forwarding = false;
};

// What SendReq did besides answering: for metrics and tests.
struct SendStats {
  int attempts = 0;
  int region_errors = 0;
  int send_failures = 0;
  std::string last_address;  // the store that produced the response
  std::string last_proxy_address;  // the proxy the last attempt went through ("" = none)
  uint64_t last_store_id = 0;
  uint64_t last_peer_id = 0;
  int backoffs = 0;          // Backoff() calls made by this SendReq (pending ones included)
};

class RegionRequestSender {
 public:
  // `env`, `cache`, `stores` and `client` must outlive the sender.
  RegionRequestSender(Env& env, RegionCache& cache, StoreCache& stores, rpc::RpcClient& client,
                      SenderOptions options = {});

  // Sends `request` (its Context's region fields are filled here) to `region`, retrying
  // per the region-error table. Returns:
  //  - a response without a region error: done;
  //  - a response whose region_error() is set: the caller must act (client-go "return to
  //    caller": re-locate its keys, MayBackoffForRegionError, re-split and resend). When the
  //    cached region became invalid or no replica is left, this is a fake EpochNotMatch with no
  //    regions (IsFakeRegionError in backoffer.h).
  // Errors: the Backoffer's exhaustion status (kUnavailable with a BackoffSummary) when its
  // budget is spent; kCancelled on cancellation; a fatal status for "mismatch cluster id";
  // other non-retryable statuses as they come (e.g. RaftEntryTooLarge → kResourceExhausted).
  // `timeout` bounds each attempt (0 = options.default_timeout). May suspend.
  absl::StatusOr<rpc::Response> SendReq(Backoffer& bo, rpc::Request& request,
                                        const RegionVerId& region, Duration timeout = {},
                                        SendStats* stats = nullptr);

  // SendReq with store selection options (labels, stores, leader only, prefer leader): client-go
  // SendReqCtx with StoreSelectorOptions.  May suspend.
  absl::StatusOr<rpc::Response> SendReqCtx(Backoffer& bo, rpc::Request& request,
                                           const RegionVerId& region, Duration timeout,
                                           const StoreSelectorOptions& selector_options,
                                           SendStats* stats = nullptr);

  RegionCache& region_cache() { return cache_; }
  StoreCache& store_cache() { return stores_; }
  rpc::RpcClient& client() { return client_; }

 private:
  struct Attempt;
  // client-go onSendFail: OK to retry, else the error to return.
  absl::Status OnSendFail(Backoffer& bo, ReplicaSelector& selector, const RpcTarget& target,
                          rpc::Request& request, const absl::Status& error);
  // client-go onRegionError: true to retry, false to return the response; or an error.
  absl::StatusOr<bool> OnRegionError(Backoffer& bo, ReplicaSelector& selector,
                                     const RpcTarget& target, rpc::Request& request,
                                     const errorpb::Error& error);
  uint64_t RandomBelow(uint64_t n) ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t KnownProxy(uint64_t region_id) ABSL_LOCKS_EXCLUDED(mu_);
  void SetKnownProxy(uint64_t region_id, uint64_t store_id) ABSL_LOCKS_EXCLUDED(mu_);

  Env& env_;
  RegionCache& cache_;
  StoreCache& stores_;
  rpc::RpcClient& client_;
  const SenderOptions options_;
  absl::Mutex mu_;
  std::unique_ptr<Random> random_ ABSL_GUARDED_BY(mu_);
  // Region id -> the store that proxied its last successful forwarded request (client-go
  // regionStore.proxyTiKVIdx, kept here since cached regions are immutable).
  absl::btree_map<uint64_t, uint64_t> proxies_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tikv::locate
