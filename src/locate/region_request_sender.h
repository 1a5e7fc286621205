// RegionRequestSender: sends a request to a region, following the region-error table of
// protocol.md section 4.2 and the send-failure rules of 4.4 branch for branch — updating the
// region cache, choosing replicas through the replica selector, backing off through the
// Backoffer — until it has a response the caller can use. Port of client-go
// internal/locate/region_request.go (RegionRequestSender.SendReq, SendReqCtx, onRegionError,
// onSendFail) and replica_selector.go.
// Also per attempt: the request source TiKV sees (patchRequestSource), the per-store token
// limit (getStoreToken), the shutdown flag (onSendFail), runtime stats
// (RegionRequestRuntimeStats) and the access location (setReqAccessLocation; kvrpcpb.Context
// has no field for it here, so it is only recorded in the stats).
//
// Fiber-confined per request (the sender itself is thread-safe and shared).

#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

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
  // At most this many RPCs in flight per store through this sender; one more fails at once
  // with kResourceExhausted "store token is up to the limit, store id = N" (client-go
  // kv.StoreLimit / getStoreToken).  0 = unlimited.
  int64_t store_limit = 0;
  // Set by the owner when the client is shutting down: from then on a send failure ends the
  // request with kCancelled "the client is shutting down" instead of a retry (client-go
  // StoreShuttingDown / ErrTiDBShuttingDown).  Null = never.  Must outlive the sender.
  const std::atomic<bool>* shutting_down = nullptr;
  // The client's own "zone" label value; each attempt is classified local / cross zone
  // against the target store's "zone" label (client-go config ZoneLabel).  "" = unknown.
  std::string zone_label;
  // The cluster is a NextGen TiKV, which serves reads only from leaders: replica read, stale
  // read and the busy threshold are stripped from every request before it is routed (the
  // read timestamp is kept).  Port of client-go disableReadFeaturesForNextGen (config.NextGen,
  // a build flag there).
  bool next_gen = false;
};

// Where an attempt went relative to the client's zone (client-go kv.AccessLocationType).
enum class AccessLocation : uint8_t { kUnknown = 0, kLocalZone, kCrossZone };
// "unknown", "local-zone" or "cross-zone".  Never suspends.
std::string_view AccessLocationName(AccessLocation location);

// The label of a region error for stats and logs: "not_leader", "epoch_not_match", ...,
// "unknown" (client-go regionErrorToLabel).  Never suspends.
std::string_view RegionErrorLabel(const errorpb::Error& error);

// RPC counts and durations per command plus error counts, accumulated over any number of
// SendReq calls (client-go RegionRequestRuntimeStats).  Not thread-safe: one owner at a time.
struct RegionRequestRuntimeStats {
  struct Rpc {
    int64_t count = 0;
    Duration total = Duration::zero();
  };
  // At most this many distinct error labels are kept; the rest count in other_errors.
  static constexpr size_t kMaxErrorLabels = 16;

  absl::btree_map<rpc::CmdType, Rpc> rpcs;
  // Region error labels (RegionErrorLabel) and send-failure messages, with their counts.
  absl::btree_map<std::string, int64_t> errors;
  int64_t other_errors = 0;
  // Attempts per access location (indexed by AccessLocation).
  int64_t access[3] = {0, 0, 0};

  void RecordRpc(rpc::CmdType cmd, Duration d);
  void RecordError(std::string_view label);
  // Adds `other`'s counts to these.
  void Merge(const RegionRequestRuntimeStats& other);
  int64_t RpcCount(rpc::CmdType cmd) const;
  // e.g. "RawGet:{num_rpc:2, total_time:3ms},Get:{...}, rpc_errors:{not_leader:1}", commands
  // in CmdType order, labels sorted.
  std::string ToString() const;
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
  AccessLocation last_access_location = AccessLocation::kUnknown;
  // When set, every attempt of this SendReq is added to it (client-go RegionRequestSender.Stats).
  RegionRequestRuntimeStats* runtime = nullptr;
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
  // client-go getStoreToken / releaseStoreToken (with options_.store_limit > 0).
  absl::Status AcquireStoreToken(uint64_t store_id) ABSL_LOCKS_EXCLUDED(mu_);
  void ReleaseStoreToken(uint64_t store_id) ABSL_LOCKS_EXCLUDED(mu_);
  AccessLocation AccessLocationOf(uint64_t store_id) const;
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
  // Store id -> RPCs in flight (client-go Store.tokenCount); only with a store limit.
  absl::btree_map<uint64_t, int64_t> store_tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tikv::locate
