// RawEngine: the raw client's logic on fibers — request building, routing through the region
// cache and the region request sender, region-error retries, batch splitting and parallel
// batches, region-by-region scans, deletes and checksums.  The public tikv::RawClient
// (include/tikv/raw_client.h) validates input and enters the runtime; everything here runs on a
// fiber.  Port of client-go rawkv/rawkv.go (Get ... CompareAndSwap, sendReq, sendBatchReq,
// doBatchReq, sendBatchPut, doBatchPut, sendDeleteRangeReq).
//
// Thread-safe: calls may run concurrently on any fibers; each call owns its Backoffer.

#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tikv/cancel.h"
#include "tikv/env.h"
#include "tikv/raw_client.h"

#include "kv/api_codec.h"
#include "locate/backoffer.h"
#include "locate/region_cache.h"
#include "locate/region_request_sender.h"
#include "raw/batch.h"
#include "rpc/request.h"

namespace tikv::raw {

// The routing stack a RawEngine sends through: owned elsewhere (raw_stack.cc builds the
// production one; tests may build their own).  Implementations must outlive every call.
class RawStack {
 public:
  virtual ~RawStack() = default;
  virtual locate::RegionCache& cache() = 0;
  virtual locate::RegionRequestSender& sender() = 0;
  // The client's codec (V1 raw, or V2 for the keyspace); the RPC client applies it.
  virtual const kv::Codec& codec() = 0;
  virtual uint64_t cluster_id() = 0;
  // Releases PD and RPC resources (client-go Close order: PD client, region cache, RPC
  // client).  Idempotent.  May suspend.
  virtual void Close() = 0;
};

// Builds the production stack for `options`: PD client over env.transport(), the keyspace
// loaded by name under API V2 (it must be ENABLED), a codec-aware PD view for the region
// cache, the region cache, store cache, batch RPC client and region request sender.
// Errors: kUnavailable when PD cannot be reached; kNotFound / kFailedPrecondition for a
// missing or disabled keyspace; kInvalidArgument for bad options.
// Requires: on a fiber of `env`.  May suspend.
absl::StatusOr<std::unique_ptr<RawStack>> BuildRawStack(Env& env, const RawClientOptions& options);

class RawEngine {
 public:
  // `env` must outlive the engine.  Never suspends.
  RawEngine(Env& env, RawClientOptions options, std::unique_ptr<RawStack> stack);
  ~RawEngine();
  RawEngine(const RawEngine&) = delete;
  RawEngine& operator=(const RawEngine&) = delete;

  Env& env() { return env_; }
  const RawClientOptions& options() const { return options_; }
  uint64_t cluster_id() const { return cluster_id_; }

  // The operations of tikv::RawClient, with the same contracts; input is already validated.
  // Requires: on a fiber.  May suspend.
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key, const RawCallOptions& o);
  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const std::vector<std::string>& keys, const RawCallOptions& o);
  absl::StatusOr<std::optional<uint64_t>> GetKeyTtl(std::string_view key, const RawCallOptions& o);
  absl::StatusOr<std::vector<KvPair>> Scan(std::string start, std::string_view end, int limit,
                                           const RawCallOptions& o);
  absl::StatusOr<std::vector<KvPair>> ReverseScan(std::string start, std::string_view end,
                                                  int limit, const RawCallOptions& o);
  absl::StatusOr<RawChecksum> Checksum(std::string start, std::string_view end,
                                       const RawCallOptions& o);
  absl::Status Put(std::string_view key, std::string_view value, uint64_t ttl,
                   const RawCallOptions& o);
  absl::Status BatchPut(const std::vector<std::string>& keys,
                        const std::vector<std::string>& values, const std::vector<uint64_t>& ttls,
                        const RawCallOptions& o);
  absl::Status Delete(std::string_view key, const RawCallOptions& o);
  absl::Status BatchDelete(const std::vector<std::string>& keys, const RawCallOptions& o);
  absl::Status DeleteRange(std::string start, std::string_view end, const RawCallOptions& o);
  absl::StatusOr<CasResult> CompareAndSwap(std::string_view key,
                                           std::optional<std::string_view> expected,
                                           std::string_view new_value, const RawCallOptions& o);

  // Closes the stack; later calls fail with kFailedPrecondition.  Idempotent.  May suspend.
  void Close();
  bool closed() const;

 private:
  // The token of one call: a child of the caller's with the call's deadline.  Never suspends.
  CancelToken CallToken(const RawCallOptions& o);
  locate::Backoffer NewBackoffer(const CancelToken& token);
  std::string ColumnFamily(const RawCallOptions& o) const;
  // Fills the context fields every raw request carries (cluster id, write deadline).
  rpc::Request NewRequest(rpc::CmdType type, std::unique_ptr<google::protobuf::Message> message,
                          bool write);
  // Per-attempt timeout: the RPC timeout, capped by the token's remaining time.
  Duration AttemptTimeout(const CancelToken& token);

  // Port of client-go sendReq: locates `key` (by end key for reverse scans), sends, and on a
  // region error backs off and re-locates.  Returns the response and the region it went to.
  absl::StatusOr<std::pair<rpc::Response, locate::KeyLocation>> SendReq(locate::Backoffer& bo,
                                                                        std::string_view key,
                                                                        rpc::Request& request,
                                                                        bool reverse);
  // One RawScan to the region holding `start` (for `reverse`, the region its exclusive upper
  // bound falls in), asking for what `out` still lacks of `limit` and appending the pairs.
  // Returns the region the scan went to, so the caller can continue past it.  May suspend.
  absl::StatusOr<locate::KeyLocation> ScanOneRegion(const CancelToken& token,
                                                    const std::string& start,
                                                    std::string_view end, int limit, bool reverse,
                                                    const RawCallOptions& o,
                                                    std::vector<KvPair>* out);
  // Port of sendBatchReq / doBatchReq (batch get and batch delete): groups `keys` by region,
  // cuts batches, runs them in parallel; a batch that meets a region error is re-grouped.
  // Found pairs of batch get are appended to *pairs.
  absl::Status SendBatchKeys(locate::Backoffer& bo, const std::vector<std::string>& keys,
                             rpc::CmdType type, const std::string& cf,
                             std::vector<KvPair>* pairs);
  absl::Status DoBatchKeys(locate::Backoffer& bo, const Batch& batch, rpc::CmdType type,
                           const std::string& cf, std::vector<KvPair>* pairs);
  // Port of sendBatchPut / doBatchPut.
  absl::Status SendBatchPut(locate::Backoffer& bo, const std::vector<std::string>& keys,
                            const std::vector<std::string>& values,
                            const std::vector<uint64_t>& ttls, const std::string& cf);
  absl::Status DoBatchPut(locate::Backoffer& bo, const Batch& batch, const std::string& cf);
  // Runs `fn` for every batch in parallel fibers with forked Backoffers; the first error
  // cancels the other batches.  The parent merges the last finished fork (client-go
  // UpdateUsingForked).  May suspend.
  absl::Status RunBatches(locate::Backoffer& bo, const std::vector<Batch>& batches,
                          const std::function<absl::Status(locate::Backoffer&, const Batch&)>& fn);

  Env& env_;
  const RawClientOptions options_;
  std::unique_ptr<RawStack> stack_;
  uint64_t cluster_id_ = 0;
  std::atomic<bool> closed_{false};
};

}  // namespace tikv::raw
