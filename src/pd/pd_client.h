// PdClient: what the engine needs from PD — timestamps, region and store metadata, keyspace
// metadata and GC state.  An interface, so tests and the codec wrapper can substitute it; the
// production implementation over tikv::Transport is pd::RpcPdClient (pd/rpc_pd_client.h).
// Port of the tikv/pd client/ API surface client-go uses (client.go, clients/tso,
// clients/router, clients/gc, keyspace_client.go).
//
// Thread-safe: implementations may be called from any fiber.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tikv/cancel.h"
#include "tikv/mono_time.h"

#include "keyspacepb.pb.h"
#include "metapb.pb.h"
#include "oracle/oracle.h"
#include "oracle/tso_source.h"
#include "pdpb.pb.h"

namespace tikv::pd {

// One region as PD reports it (client-go pd.Region).
struct RegionInfo {
  metapb::Region meta;
  std::optional<metapb::Peer> leader;  // nullopt while PD does not know the leader
  std::vector<metapb::Peer> down_peers;
  std::vector<metapb::Peer> pending_peers;
  std::optional<metapb::Buckets> buckets;
};

// A key range [start_key, end_key); an empty end key means "to the end".
struct KeyRange {
  std::string start_key;
  std::string end_key;
};

// One GC barrier (pdpb.GCBarrierInfo): GC of its keyspace may not pass `barrier_ts` until
// the barrier is deleted or its TTL runs out.
struct GcBarrierInfo {
  std::string barrier_id;
  uint64_t barrier_ts = 0;
  // Time left when PD answered; Duration::max() means "never expires".
  Duration ttl = Duration::zero();
};

// GC state of one keyspace scope (pdpb.GCState, flattened).
struct GcState {
  uint32_t keyspace_id = 0;
  bool is_keyspace_level_gc = false;
  uint64_t txn_safe_point = 0;
  uint64_t gc_safe_point = 0;
  // Filled only by GetGcStateWithBarriers (upstream ExcludeGCBarriers(false)).
  std::vector<GcBarrierInfo> gc_barriers;
};

struct AdvanceTxnSafePointResult {
  uint64_t old_txn_safe_point = 0;
  uint64_t new_txn_safe_point = 0;
  // Why the new value stopped below the target (a barrier), empty when it reached it.
  std::string blocker_description;
  uint64_t target = 0;
};

struct AdvanceGcSafePointResult {
  uint64_t old_gc_safe_point = 0;
  uint64_t new_gc_safe_point = 0;
  uint64_t target = 0;
};

// The keyspace id of cluster-wide GC state.
inline constexpr uint32_t kNullKeyspaceId = 0xFFFFFFFF;

class PdClient {
 public:
  virtual ~PdClient() = default;

  // One fresh timestamp (physical << 18 | logical).  Concurrent callers are batched into one
  // TSO request.  Errors: kUnavailable, kDeadlineExceeded, kCancelled.  May suspend.
  virtual absl::StatusOr<uint64_t> GetTs(const CancelToken* cancel) = 0;
  // Starts fetching one timestamp.  Never suspends.
  virtual oracle::TsFuture GetTsAsync() = 0;
  // Minimum timestamp across TSO keyspace groups.  May suspend.
  virtual absl::StatusOr<uint64_t> GetMinTs(const CancelToken* cancel) = 0;

  // The region containing `key` (PD key space), or nullopt when PD knows none yet.
  // May suspend.
  virtual absl::StatusOr<std::optional<RegionInfo>> GetRegion(std::string_view key,
                                                              bool need_buckets,
                                                              const CancelToken* cancel) = 0;
  // The region just before the one containing `key`.  May suspend.
  virtual absl::StatusOr<std::optional<RegionInfo>> GetPrevRegion(std::string_view key,
                                                                  bool need_buckets,
                                                                  const CancelToken* cancel) = 0;
  // The region with `region_id`, or nullopt.  May suspend.
  virtual absl::StatusOr<std::optional<RegionInfo>> GetRegionById(uint64_t region_id,
                                                                  bool need_buckets,
                                                                  const CancelToken* cancel) = 0;
  // Regions from the one containing `start_key` up to `end_key`, at most `limit` (<= 0: all).
  // May suspend.
  virtual absl::StatusOr<std::vector<RegionInfo>> ScanRegions(std::string_view start_key,
                                                              std::string_view end_key,
                                                              int limit,
                                                              const CancelToken* cancel) = 0;
  // Regions covering the sorted, non-overlapping `ranges`, at most `limit`.  Falls back to
  // ScanRegions per range when PD answers UNIMPLEMENTED.  May suspend.
  virtual absl::StatusOr<std::vector<RegionInfo>> BatchScanRegions(
      const std::vector<KeyRange>& ranges, int limit, const CancelToken* cancel) = 0;

  // The store, or nullopt when PD does not know it or it is removed.  May suspend.
  virtual absl::StatusOr<std::optional<metapb::Store>> GetStore(uint64_t store_id,
                                                                const CancelToken* cancel) = 0;
  // Every store (without tombstones when asked).  May suspend.
  virtual absl::StatusOr<std::vector<metapb::Store>> GetAllStores(bool exclude_tombstone,
                                                                  const CancelToken* cancel) = 0;

  // Keyspace metadata by name.  Errors: kNotFound.  May suspend.
  virtual absl::StatusOr<keyspacepb::KeyspaceMeta> LoadKeyspace(std::string_view name,
                                                                const CancelToken* cancel) = 0;

  // GC state of one keyspace scope.  May suspend.
  virtual absl::StatusOr<GcState> GetGcState(uint32_t keyspace_id, const CancelToken* cancel) = 0;
  // Moves the txn safe point towards `target`.  May suspend.
  virtual absl::StatusOr<AdvanceTxnSafePointResult> AdvanceTxnSafePoint(
      uint32_t keyspace_id, uint64_t target, const CancelToken* cancel) = 0;
  // The deprecated GC safe point update; returns the new safe point.  May suspend.
  virtual absl::StatusOr<uint64_t> UpdateGcSafePoint(uint64_t safe_point,
                                                     const CancelToken* cancel) = 0;
  // Sets a service safe point; returns PD's minimum service safe point.  May suspend.
  virtual absl::StatusOr<uint64_t> UpdateServiceGcSafePoint(std::string_view service_id,
                                                            int64_t ttl_seconds,
                                                            uint64_t safe_point,
                                                            const CancelToken* cancel) = 0;

  // GC state of one keyspace scope including its live barriers.  Errors as GetGcState.
  // The default answers kUnimplemented.  May suspend.
  virtual absl::StatusOr<GcState> GetGcStateWithBarriers(uint32_t keyspace_id,
                                                         const CancelToken* cancel);
  // Sets (or replaces) barrier `barrier_id` at `barrier_ts` for `ttl` (rounded up to whole
  // seconds; Duration::max() = never expires).  Errors: kInvalidArgument for an empty id or a
  // non-positive ttl; PD's rejections (e.g. `barrier_ts` below the txn safe point) come
  // back as kUnknown carrying PD's message.  The default answers kUnimplemented.  May suspend.
  virtual absl::StatusOr<GcBarrierInfo> SetGcBarrier(uint32_t keyspace_id,
                                                     std::string_view barrier_id,
                                                     uint64_t barrier_ts, Duration ttl,
                                                     const CancelToken* cancel);
  // Deletes a barrier; returns it, or nullopt when there was none.  The default answers
  // kUnimplemented.  May suspend.
  virtual absl::StatusOr<std::optional<GcBarrierInfo>> DeleteGcBarrier(
      uint32_t keyspace_id, std::string_view barrier_id, const CancelToken* cancel);
  // Moves the GC safe point towards `target` (GC controller only).  PD's rejections (`target`
  // below the current value or above the txn safe point) come back as kUnknown with PD's
  // message.
  // The default answers kUnimplemented.  May suspend.
  virtual absl::StatusOr<AdvanceGcSafePointResult> AdvanceGcSafePoint(
      uint32_t keyspace_id, uint64_t target, const CancelToken* cancel);

  // Every PD member as the current leader reports it.  The default answers kUnimplemented.
  // May suspend.
  virtual absl::StatusOr<std::vector<pdpb::Member>> GetAllMembers(const CancelToken* cancel);
  // The leader's client URL as last discovered ("" when unknown or not supported).
  // Never suspends.
  virtual std::string GetLeaderUrl() const { return ""; }

  // Service modes and TSO urls.  May suspend.
  virtual absl::StatusOr<pdpb::GetClusterInfoResponse> GetClusterInfo(
      const CancelToken* cancel) = 0;
  // The cluster id learned from GetMembers (0 before).  Never suspends.
  virtual uint64_t cluster_id() const = 0;

  // Stops background work (TSO dispatcher, member refresh).  Idempotent.  May suspend.
  virtual void Close() = 0;
};

inline absl::StatusOr<GcState> PdClient::GetGcStateWithBarriers(uint32_t, const CancelToken*) {
  return absl::UnimplementedError("GetGcStateWithBarriers");
}
inline absl::StatusOr<GcBarrierInfo> PdClient::SetGcBarrier(uint32_t, std::string_view, uint64_t,
                                                            Duration, const CancelToken*) {
  return absl::UnimplementedError("SetGcBarrier");
}
inline absl::StatusOr<std::optional<GcBarrierInfo>> PdClient::DeleteGcBarrier(
    uint32_t, std::string_view, const CancelToken*) {
  return absl::UnimplementedError("DeleteGcBarrier");
}
inline absl::StatusOr<AdvanceGcSafePointResult> PdClient::AdvanceGcSafePoint(uint32_t, uint64_t,
                                                                             const CancelToken*) {
  return absl::UnimplementedError("AdvanceGcSafePoint");
}
inline absl::StatusOr<std::vector<pdpb::Member>> PdClient::GetAllMembers(const CancelToken*) {
  return absl::UnimplementedError("GetAllMembers");
}

// Adapts a PdClient to the oracle's TsoSource.  `pd` must outlive it.  Thread-safe.
class PdTsoSource : public oracle::TsoSource {
 public:
  explicit PdTsoSource(PdClient& pd) : pd_(pd) {}
  absl::StatusOr<uint64_t> GetTs(const CancelToken* cancel) override { return pd_.GetTs(cancel); }
  oracle::TsFuture GetTsAsync() override { return pd_.GetTsAsync(); }
  absl::StatusOr<uint64_t> GetMinTs(const CancelToken* cancel) override {
    return pd_.GetMinTs(cancel);
  }

 private:
  PdClient& pd_;
};

}  // namespace tikv::pd
