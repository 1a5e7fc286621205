// RpcPdClient's GC calls: the GC states API (GetGCState with or without barriers,
// SetGCBarrier, DeleteGCBarrier) and the GC controller (AdvanceTxnSafePoint,
// AdvanceGCSafePoint), all per keyspace scope.  Port of tikv/pd client/gc_client.go.

#include <limits>

#include "absl/strings/str_cat.h"

#include "pd/pd_convert.h"
#include "pd/rpc_pd_client.h"
#include "rpc/methods.h"

namespace tikv::pd {
namespace {

// Port of roundUpDurationToSeconds(): whole seconds rounded up; Duration::max() = forever.
int64_t TtlSeconds(Duration ttl) {
  if (ttl == Duration::max()) return std::numeric_limits<int64_t>::max();
  const int64_t whole = std::chrono::duration_cast<std::chrono::seconds>(ttl).count();
  return ttl % std::chrono::seconds(1) != Duration::zero() ? whole + 1 : whole;
}

// Port of saturatingStdDurationFromSeconds(): negative -> 0, overflow -> Duration::max().
Duration TtlFromSeconds(int64_t seconds) {
  if (seconds <= 0) return Duration::zero();
  constexpr int64_t kMaxSeconds =
      std::numeric_limits<Duration::rep>::max() / Duration::period::den;
  if (seconds >= kMaxSeconds) return Duration::max();
  return std::chrono::seconds(seconds);
}

GcBarrierInfo BarrierFromPb(const pdpb::GCBarrierInfo& pb) {
  return GcBarrierInfo{pb.barrier_id(), pb.barrier_ts(), TtlFromSeconds(pb.ttl_seconds())};
}

}  // namespace

// The GetGCState round trip; upstream excludes barriers unless asked (cheaper for PD).
absl::StatusOr<GcState> RpcPdClient::GetGcStateImpl(uint32_t keyspace_id, bool with_barriers,
                                                    const CancelToken* cancel) {
  pdpb::GetGCStateRequest req;
  req.mutable_keyspace_scope()->set_keyspace_id(keyspace_id);
  req.set_exclude_gc_barriers(!with_barriers);
  pdpb::GetGCStateResponse resp;
  if (absl::Status s = CallChecked(rpc::kPdGetGcState, req, &resp, cancel); !s.ok()) return s;
  const pdpb::GCState& g = resp.gc_state();
  GcState out{g.keyspace_scope().keyspace_id(), g.is_keyspace_level_gc(), g.txn_safe_point(),
              g.gc_safe_point(), {}};
  if (with_barriers) {
    for (const pdpb::GCBarrierInfo& b : g.gc_barriers()) {
      out.gc_barriers.push_back(BarrierFromPb(b));
    }
  }
  return out;
}

absl::StatusOr<GcState> RpcPdClient::GetGcState(uint32_t keyspace_id, const CancelToken* cancel) {
  return GetGcStateImpl(keyspace_id, /*with_barriers=*/false, cancel);
}

absl::StatusOr<GcState> RpcPdClient::GetGcStateWithBarriers(uint32_t keyspace_id,
                                                            const CancelToken* cancel) {
  return GetGcStateImpl(keyspace_id, /*with_barriers=*/true, cancel);
}

absl::StatusOr<GcBarrierInfo> RpcPdClient::SetGcBarrier(uint32_t keyspace_id,
                                                        std::string_view barrier_id,
                                                        uint64_t barrier_ts, Duration ttl,
                                                        const CancelToken* cancel) {
  // PD rejects these too; checking here gives a clear error without a round trip.
  if (barrier_id.empty()) return absl::InvalidArgumentError("GC barrier id must not be empty");
  if (ttl <= Duration::zero()) return absl::InvalidArgumentError("GC barrier ttl must be positive");
  pdpb::SetGCBarrierRequest req;
  req.mutable_keyspace_scope()->set_keyspace_id(keyspace_id);
  req.set_barrier_id(barrier_id.data(), barrier_id.size());
  req.set_barrier_ts(barrier_ts);
  req.set_ttl_seconds(TtlSeconds(ttl));
  pdpb::SetGCBarrierResponse resp;
  if (absl::Status s = CallChecked(rpc::kPdSetGcBarrier, req, &resp, cancel); !s.ok()) return s;
  return BarrierFromPb(resp.new_barrier_info());
}

absl::StatusOr<std::optional<GcBarrierInfo>> RpcPdClient::DeleteGcBarrier(
    uint32_t keyspace_id, std::string_view barrier_id, const CancelToken* cancel) {
  pdpb::DeleteGCBarrierRequest req;
  req.mutable_keyspace_scope()->set_keyspace_id(keyspace_id);
  req.set_barrier_id(barrier_id.data(), barrier_id.size());
  pdpb::DeleteGCBarrierResponse resp;
  if (absl::Status s = CallChecked(rpc::kPdDeleteGcBarrier, req, &resp, cancel); !s.ok()) return s;
  if (!resp.has_deleted_barrier_info()) return std::optional<GcBarrierInfo>();
  return std::optional<GcBarrierInfo>(BarrierFromPb(resp.deleted_barrier_info()));
}

absl::StatusOr<AdvanceTxnSafePointResult> RpcPdClient::AdvanceTxnSafePoint(
    uint32_t keyspace_id, uint64_t target, const CancelToken* cancel) {
  pdpb::AdvanceTxnSafePointRequest req;
  req.mutable_keyspace_scope()->set_keyspace_id(keyspace_id);
  req.set_target(target);
  pdpb::AdvanceTxnSafePointResponse resp;
  if (absl::Status s = CallChecked(rpc::kPdAdvanceTxnSafePoint, req, &resp, cancel); !s.ok()) {
    return s;
  }
  return AdvanceTxnSafePointResult{resp.old_txn_safe_point(), resp.new_txn_safe_point(),
                                   resp.blocker_description(), target};
}

absl::StatusOr<AdvanceGcSafePointResult> RpcPdClient::AdvanceGcSafePoint(
    uint32_t keyspace_id, uint64_t target, const CancelToken* cancel) {
  pdpb::AdvanceGCSafePointRequest req;
  req.mutable_keyspace_scope()->set_keyspace_id(keyspace_id);
  req.set_target(target);
  pdpb::AdvanceGCSafePointResponse resp;
  if (absl::Status s = CallChecked(rpc::kPdAdvanceGcSafePoint, req, &resp, cancel); !s.ok()) {
    return s;
  }
  return AdvanceGcSafePointResult{resp.old_gc_safe_point(), resp.new_gc_safe_point(), target};
}

}  // namespace tikv::pd
