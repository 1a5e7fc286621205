// RpcPdClient: the PdClient over tikv::Transport.  It discovers the PD members and their
// leader (GetMembers) at start, every member_update_interval in a background fiber and after
// errors; stamps the cluster id and caller into every request header and checks the cluster
// id in every answer; retries leader-only calls on another member after "not leader" or an
// unreachable leader; batches concurrent timestamp requests on one TSO stream
// (pd/tso_dispatcher.h); and, when enabled, batches region lookups on the QueryRegion stream
// (pd/region_query_batcher.h).  Port of tikv/pd client/client.go,
// servicediscovery/service_discovery.go, clients/tso/{dispatcher,stream}.go,
// clients/router/client.go, clients/gc and keyspace_client.go.
//
// Thread-safe.  No OS lock is held across a suspension point.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tikv/env.h"

#include "env/event.h"
#include "env/fiber_group.h"
#include "pd/pd_client.h"
#include "pd/pd_convert.h"
#include "pd/region_query_batcher.h"
#include "pd/tso_dispatcher.h"

namespace tikv::pd {

struct PdClientOptions {
  // PD addresses to discover members from ("host:port", or node names in simulation).
  std::vector<std::string> endpoints;
  // Per-call timeout (client-go PDServerTimeout).
  Duration timeout = std::chrono::seconds(3);
  // Attempts of one leader-only call across member refreshes.
  int max_retries = 10;
  // Pause between attempts after a leader failure.
  Duration retry_interval = std::chrono::milliseconds(100);
  // Period of the background member refresh (PD client MemberUpdateInterval).
  Duration member_update_interval = std::chrono::minutes(1);
  // Largest number of timestamps in one TsoRequest (PD client maxTSOBatchSize).
  int max_tso_batch = 10000;
  // Capacity of the TSO request queue (2 x max batch in the PD client).
  size_t tso_queue_capacity = 20000;
  // Initial MaxTSOBatchWaitInterval (0..10ms); see SetMaxTsoBatchWaitInterval.
  Duration max_tso_batch_wait = Duration::zero();
  // Initial TSOClientRPCConcurrency (1..32); see SetTsoRpcConcurrency.
  int tso_rpc_concurrency = 1;
  // Serve GetRegion / GetPrevRegion / GetRegionById over the batched QueryRegion stream
  // (EnableRouterClient; off by default as in client-go).  See SetEnableRouterClient.
  bool enable_router_client = false;
  // Largest number of lookups folded into one QueryRegionRequest.
  int max_router_batch = 10000;
  // Caller identification stamped into every request header (PD client pkg/caller): the
  // process (caller_id) and the component within it (caller_component).
  std::string caller_id = "tikv-client-cpp";
  std::string caller_component = "tikv-client-cpp";
};

class RpcPdClient : public PdClient {
 public:
  // Discovers members and starts the TSO dispatcher.  `env` must outlive the client.
  // Errors: kUnavailable when no endpoint answers GetMembers with a leader.
  // Requires: on a fiber.  May suspend.
  static absl::StatusOr<std::unique_ptr<RpcPdClient>> Create(Env& env, PdClientOptions options);
  ~RpcPdClient() override;
  RpcPdClient(const RpcPdClient&) = delete;
  RpcPdClient& operator=(const RpcPdClient&) = delete;

  absl::StatusOr<uint64_t> GetTs(const CancelToken* cancel) override;
  oracle::TsFuture GetTsAsync() override;
  absl::StatusOr<uint64_t> GetMinTs(const CancelToken* cancel) override;
  absl::StatusOr<std::optional<RegionInfo>> GetRegion(std::string_view key, bool need_buckets,
                                                      const CancelToken* cancel) override;
  absl::StatusOr<std::optional<RegionInfo>> GetPrevRegion(std::string_view key, bool need_buckets,
                                                          const CancelToken* cancel) override;
  absl::StatusOr<std::optional<RegionInfo>> GetRegionById(uint64_t region_id, bool need_buckets,
                                                          const CancelToken* cancel) override;
  absl::StatusOr<std::vector<RegionInfo>> ScanRegions(std::string_view start_key,
                                                      std::string_view end_key, int limit,
                                                      const CancelToken* cancel) override;
  absl::StatusOr<std::vector<RegionInfo>> BatchScanRegions(const std::vector<KeyRange>& ranges,
                                                           int limit,
                                                           const CancelToken* cancel) override;
  absl::StatusOr<std::optional<metapb::Store>> GetStore(uint64_t store_id,
                                                        const CancelToken* cancel) override;
  absl::StatusOr<std::vector<metapb::Store>> GetAllStores(bool exclude_tombstone,
                                                          const CancelToken* cancel) override;
  absl::StatusOr<keyspacepb::KeyspaceMeta> LoadKeyspace(std::string_view name,
                                                        const CancelToken* cancel) override;
  absl::StatusOr<GcState> GetGcState(uint32_t keyspace_id, const CancelToken* cancel) override;
  absl::StatusOr<AdvanceTxnSafePointResult> AdvanceTxnSafePoint(
      uint32_t keyspace_id, uint64_t target, const CancelToken* cancel) override;
  absl::StatusOr<uint64_t> UpdateGcSafePoint(uint64_t safe_point,
                                             const CancelToken* cancel) override;
  absl::StatusOr<uint64_t> UpdateServiceGcSafePoint(std::string_view service_id,
                                                    int64_t ttl_seconds, uint64_t safe_point,
                                                    const CancelToken* cancel) override;
  absl::StatusOr<pdpb::GetClusterInfoResponse> GetClusterInfo(const CancelToken* cancel) override;
  absl::StatusOr<GcState> GetGcStateWithBarriers(uint32_t keyspace_id,
                                                 const CancelToken* cancel) override;
  absl::StatusOr<GcBarrierInfo> SetGcBarrier(uint32_t keyspace_id, std::string_view barrier_id,
                                             uint64_t barrier_ts, Duration ttl,
                                             const CancelToken* cancel) override;
  absl::StatusOr<std::optional<GcBarrierInfo>> DeleteGcBarrier(uint32_t keyspace_id,
                                                               std::string_view barrier_id,
                                                               const CancelToken* cancel) override;
  absl::StatusOr<AdvanceGcSafePointResult> AdvanceGcSafePoint(uint32_t keyspace_id,
                                                              uint64_t target,
                                                              const CancelToken* cancel) override;
  absl::StatusOr<std::vector<pdpb::Member>> GetAllMembers(const CancelToken* cancel) override;
  std::string GetLeaderUrl() const override ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t cluster_id() const override ABSL_LOCKS_EXCLUDED(mu_);
  void Close() override;

  // The current leader's address ("host:port", the URL without its scheme).  Never suspends.
  std::string leader() const ABSL_LOCKS_EXCLUDED(mu_);
  // Every member address last discovered, sorted.  Never suspends.
  std::vector<std::string> member_addresses() const ABSL_LOCKS_EXCLUDED(mu_);
  // Re-reads the members from the first reachable member whose cluster id matches (members
  // reporting another cluster id are skipped, as upstream).  Runs the leader-switched
  // callbacks when the leader changed.  Errors: kUnavailable when no member answered with a
  // leader (the last failure in the message).  May suspend.
  absl::Status UpdateMembers(const CancelToken* cancel) ABSL_LOCKS_EXCLUDED(mu_);
  // Asks the background member loop to refresh now (upstream ScheduleCheckMemberChanged).
  // Never suspends.
  void ScheduleCheckMemberChanged();
  // Registers `callback`, run with the new leader URL on the fiber that noticed the switch
  // (upstream AddLeaderSwitchedCallback).  It must not call back into UpdateMembers.
  // Never suspends.
  void AddLeaderSwitchedCallback(std::function<void(const std::string& leader_url)> callback)
      ABSL_LOCKS_EXCLUDED(mu_);
  // How many member refreshes ran (loop, errors or explicit).  Never suspends.
  uint64_t member_update_count() const ABSL_LOCKS_EXCLUDED(mu_);

  // Dynamic options (upstream UpdateOption).  MaxTSOBatchWaitInterval: kInvalidArgument
  // outside [0, 10ms].  TSOClientRPCConcurrency: kInvalidArgument outside [1, 32].  Both take
  // effect from the next TSO batch.  Never suspend.
  absl::Status SetMaxTsoBatchWaitInterval(Duration wait);
  absl::Status SetTsoRpcConcurrency(int concurrency);
  // EnableRouterClient: region lookups go over the QueryRegion stream.  Never suspends.
  void SetEnableRouterClient(bool enable);

  // How many TsoRequests were sent (each carries a batch).  Never suspends.
  uint64_t tso_rpc_count() const;
  // TSO dispatcher counters (RPCs, most in flight at once, stream failures).  Never suspends.
  TsoDispatcher::Stats tso_stats() const;
  // Router stream counters.  Never suspends.
  RegionQueryBatcher::Stats router_stats() const;

 private:
  RpcPdClient(Env& env, PdClientOptions options);

  void FillHeader(pdpb::RequestHeader* header) const ABSL_LOCKS_EXCLUDED(mu_);
  // Sends a leader-only unary call with the header filled in, retrying on other members.
  absl::Status CallLeader(const RpcMethod& method, google::protobuf::Message& request,
                          google::protobuf::Message* response, const CancelToken* cancel);
  // FillHeader, CallLeader, then the answer's header status (PD errors, cluster id): the
  // round trip of every plain leader call.  May suspend.
  template <typename Request, typename Response>
  absl::Status CallChecked(const RpcMethod& method, Request& request, Response* response,
                           const CancelToken* cancel) {
    FillHeader(request.mutable_header());
    absl::Status s = CallLeader(method, request, response, cancel);
    return s.ok() ? HeaderStatus(response->header(), cluster_id()) : s;
  }
  absl::StatusOr<GcState> GetGcStateImpl(uint32_t keyspace_id, bool with_barriers,
                                         const CancelToken* cancel);
  void MemberLoop();
  absl::StatusOr<std::optional<RegionInfo>> GetRegionCommon(const RpcMethod& method,
                                                            google::protobuf::Message& request,
                                                            const CancelToken* cancel);
  // A lookup over the router stream; nullopt when the stream is off or unusable (the caller
  // then uses the unary RPC).
  std::optional<absl::StatusOr<std::optional<RegionInfo>>> RouterLookup(
      RegionQueryBatcher::Kind kind, std::string_view key, uint64_t id, bool need_buckets,
      const CancelToken* cancel);

  Env& env_;
  const PdClientOptions options_;
  env::FiberGroup group_;
  env::Event member_check_;  // set to make the member loop refresh now
  std::unique_ptr<TsoDispatcher> tso_;
  std::unique_ptr<RegionQueryBatcher> router_;
  bool closed_ = false;

  mutable absl::Mutex mu_;
  uint64_t cluster_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::string leader_ ABSL_GUARDED_BY(mu_);
  std::string leader_url_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> members_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void(const std::string&)>> leader_callbacks_ ABSL_GUARDED_BY(mu_);
  uint64_t member_updates_ ABSL_GUARDED_BY(mu_) = 0;
  bool router_enabled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace tikv::pd
