// The simulated PD (protocol.md 3.16 and 5.2 PdModel; PD server/grpc_service.go,
// server/gc_service.go, pkg/gc/gc_state_manager.go): members and leader, cluster id, the TSO,
// PD's own view of regions (which may lag the TiKV truth when a change is not reported), store
// metadata, GC state per keyspace scope (txn safe point, GC safe point, barriers, the older
// service safe points), keyspaces and min ts. The RPC handlers are plain functions in
// sim/pd/pd_service.h. Fiber-confined: not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "keyspacepb.pb.h"
#include "metapb.pb.h"
#include "sim/pd/tso.h"

namespace tikv::sim {

// The id of the "null keyspace": cluster-wide GC state.
inline constexpr uint32_t kNullKeyspaceId = 0xFFFFFFFF;

// A GC barrier (SetGCBarrier) or an old-style service safe point.
struct GcBarrier {
  uint64_t ts = 0;
  int64_t expire_at_ms = 0;  // INT64_MAX: never expires
};

// GC state of one keyspace scope.
struct GcState {
  uint64_t txn_safe_point = 0;
  uint64_t gc_safe_point = 0;
  std::map<std::string, GcBarrier> barriers;
  std::map<std::string, GcBarrier> service_safe_points;  // UpdateServiceGCSafePoint
};

// One PD member.
struct PdMember {
  uint64_t id = 0;
  std::string name;
  std::string client_url;
  bool up = true;
  int64_t clock_skew_ms = 0;  // added to virtual time for TSO
};

// PD's view of one region.
struct PdRegionView {
  metapb::Region region;
  uint64_t leader_store_id = 0;  // 0: unknown
  uint64_t leader_peer_id = 0;
};

// PD's state.
class PdModel {
 public:
  explicit PdModel(uint64_t cluster_id) : cluster_id_(cluster_id) {}

  uint64_t cluster_id() const { return cluster_id_; }

  // Members. The first added member leads.
  uint64_t AddMember(std::string name, std::string client_url);
  const std::map<uint64_t, PdMember>& members() const { return members_; }
  uint64_t leader_id() const { return leader_id_; }
  // Moves PD leadership; the TSO continues strictly above everything issued.
  absl::Status ChangeLeader(uint64_t member_id);
  absl::Status SetMemberUp(uint64_t member_id, bool up);
  absl::Status SetClockSkew(uint64_t member_id, int64_t skew_ms);

  // Allocates `count` timestamps on the leader at virtual time `now_ms`.
  absl::StatusOr<TsoAllocator::Batch> AllocateTso(uint32_t count, int64_t now_ms);
  TsoAllocator& tso() { return tso_; }

  // Region view. `PutRegion` is a heartbeat; `RemoveRegion` drops a merged-away region.
  void PutRegion(const metapb::Region& region, uint64_t leader_store_id, uint64_t leader_peer_id);
  void RemoveRegion(uint64_t region_id);
  const PdRegionView* GetRegionById(uint64_t id) const;
  const PdRegionView* GetRegionByKey(const std::string& pd_key) const;
  const PdRegionView* GetPrevRegion(const std::string& pd_key) const;
  // Regions overlapping [start, end) in key order, at most `limit` (<= 0: unlimited).
  std::vector<const PdRegionView*> ScanRegions(const std::string& start, const std::string& end,
                                               int limit) const;

  // Store metadata as PD knows it.
  void PutStore(const metapb::Store& store) { stores_[store.id()] = store; }
  const std::map<uint64_t, metapb::Store>& stores() const { return stores_; }

  // GC state (3.16.6). Errors are kFailedPrecondition/kInvalidArgument with PD's message.
  GcState& MutableGcState(uint32_t keyspace_id) { return gc_[keyspace_id]; }
  const GcState* GetGcState(uint32_t keyspace_id) const;
  // AdvanceTxnSafePoint: returns (old, new, blocker description).
  absl::StatusOr<std::tuple<uint64_t, uint64_t, std::string>> AdvanceTxnSafePoint(
      uint32_t keyspace_id, uint64_t target, int64_t now_ms);
  absl::StatusOr<std::pair<uint64_t, uint64_t>> AdvanceGcSafePoint(uint32_t keyspace_id,
                                                                   uint64_t target);
  absl::Status SetGcBarrier(uint32_t keyspace_id, const std::string& id, uint64_t ts,
                            int64_t ttl_seconds, int64_t now_ms);
  std::optional<GcBarrier> DeleteGcBarrier(uint32_t keyspace_id, const std::string& id);
  // The deprecated UpdateGCSafePoint: smaller values are ignored; returns the current value.
  absl::StatusOr<uint64_t> UpdateGcSafePoint(uint64_t safe_point);
  // UpdateServiceGCSafePoint: returns the minimum service safe point after the update.
  absl::StatusOr<uint64_t> UpdateServiceSafePoint(const std::string& service_id, int64_t ttl_s,
                                                  uint64_t safe_point, int64_t now_ms);

  // Keyspaces (API V2).
  void PutKeyspace(const keyspacepb::KeyspaceMeta& meta) { keyspaces_[meta.name()] = meta; }
  const keyspacepb::KeyspaceMeta* GetKeyspace(const std::string& name) const;
  const keyspacepb::KeyspaceMeta* GetKeyspaceById(uint32_t id) const;

 private:
  uint64_t cluster_id_;
  uint64_t last_member_id_ = 0;
  uint64_t leader_id_ = 0;
  std::map<uint64_t, PdMember> members_;
  TsoAllocator tso_;
  std::map<uint64_t, PdRegionView> regions_;
  std::map<std::string, uint64_t> by_start_;
  std::map<uint64_t, metapb::Store> stores_;
  std::map<uint32_t, GcState> gc_;
  std::map<std::string, keyspacepb::KeyspaceMeta> keyspaces_;
};

}  // namespace tikv::sim
