// RpcPdClient: the PdClient over tikv::Transport.  It discovers the PD members and their
// leader (GetMembers), stamps the cluster id into every request header and checks it in every
// answer, retries leader-only calls on another member after "not leader" or an unreachable
// leader, and batches concurrent timestamp requests on one TSO stream: everything queued
// while the previous TsoRequest was in flight goes out as one request with count = N, and PD's
// contiguous range is split back among the waiters.  Port of tikv/pd client/client.go,
// servicediscovery/service_discovery.go, clients/tso/{dispatcher,stream}.go,
// clients/router/client.go, clients/gc and keyspace_client.go.
//
// Thread-safe.  No OS lock is held across a suspension point.

#pragma once

#include <cstdint>
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

#include "env/channel.h"
#include "env/fiber_group.h"
#include "env/future.h"
#include "env/mutex.h"
#include "pd/pd_client.h"

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
  // Largest number of timestamps in one TsoRequest (PD client maxTSOBatchSize).
  int max_tso_batch = 10000;
  // Capacity of the TSO request queue (2 x max batch in the PD client).
  size_t tso_queue_capacity = 20000;
  // Caller component stamped into request headers.
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
  uint64_t cluster_id() const override ABSL_LOCKS_EXCLUDED(mu_);
  void Close() override;

  // The current leader's address.  Never suspends.
  std::string leader() const ABSL_LOCKS_EXCLUDED(mu_);
  // Re-reads the members from any reachable member.  May suspend.
  absl::Status UpdateMembers(const CancelToken* cancel) ABSL_LOCKS_EXCLUDED(mu_);
  // How many TsoRequests were sent (each carries a batch).  Never suspends.
  uint64_t tso_rpc_count() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct TsoWaiter {
    env::Promise<absl::StatusOr<uint64_t>> promise;
  };

  RpcPdClient(Env& env, PdClientOptions options);

  // Sends a leader-only unary call with the header filled in, retrying on other members.
  absl::Status CallLeader(const RpcMethod& method, google::protobuf::Message& request,
                          google::protobuf::Message* response, const CancelToken* cancel);
  void TsoLoop();
  // Sends one batch and hands out the timestamps; false when the stream failed.
  absl::Status ProcessTsoBatch(std::vector<std::shared_ptr<TsoWaiter>>& batch);
  absl::StatusOr<std::optional<RegionInfo>> GetRegionCommon(const RpcMethod& method,
                                                            google::protobuf::Message& request,
                                                            const CancelToken* cancel);

  Env& env_;
  const PdClientOptions options_;
  env::FiberGroup group_;
  env::Channel<std::shared_ptr<TsoWaiter>> tso_queue_;
  bool closed_ = false;
  std::unique_ptr<ClientStream> tso_stream_;  // owned by the TSO dispatcher fiber

  mutable absl::Mutex mu_;
  uint64_t cluster_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::string leader_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> members_ ABSL_GUARDED_BY(mu_);
  uint64_t tso_rpcs_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_ts_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tikv::pd
