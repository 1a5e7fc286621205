#include "sim/pd/pd_model.h"

#include <algorithm>
#include <climits>

#include "absl/strings/str_cat.h"

namespace tikv::sim {

uint64_t PdModel::AddMember(std::string name, std::string client_url) {
  PdMember m;
  m.id = ++last_member_id_;
  m.name = std::move(name);
  m.client_url = std::move(client_url);
  members_[m.id] = m;
  if (leader_id_ == 0) leader_id_ = m.id;
  return m.id;
}

absl::Status PdModel::ChangeLeader(uint64_t member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end() || !it->second.up) {
    return absl::FailedPreconditionError("PD member is unknown or down");
  }
  if (leader_id_ == member_id) return absl::OkStatus();
  leader_id_ = member_id;
  tso_.OnLeaderChange();
  return absl::OkStatus();
}

absl::Status PdModel::SetMemberUp(uint64_t member_id, bool up) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return absl::NotFoundError("PD member");
  it->second.up = up;
  if (!up && leader_id_ == member_id) {
    leader_id_ = 0;
    for (const auto& [id, m] : members_) {
      if (m.up) {
        leader_id_ = id;
        tso_.OnLeaderChange();
        break;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status PdModel::SetClockSkew(uint64_t member_id, int64_t skew_ms) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return absl::NotFoundError("PD member");
  it->second.clock_skew_ms = skew_ms;
  return absl::OkStatus();
}

absl::StatusOr<TsoAllocator::Batch> PdModel::AllocateTso(uint32_t count, int64_t now_ms) {
  auto it = members_.find(leader_id_);
  if (it == members_.end()) return absl::UnavailableError("no PD leader");
  return tso_.Allocate(count, now_ms + it->second.clock_skew_ms);
}

void PdModel::PutRegion(const metapb::Region& region, uint64_t leader_store_id,
                        uint64_t leader_peer_id) {
  // A heartbeat replaces every older region it overlaps (PD's region tree does the same).
  std::vector<uint64_t> overlapped;
  for (const auto& [id, view] : regions_) {
    if (id == region.id()) continue;
    const auto& r = view.region;
    const bool overlaps = (region.end_key().empty() || r.start_key() < region.end_key()) &&
                          (r.end_key().empty() || region.start_key() < r.end_key());
    if (overlaps) overlapped.push_back(id);
  }
  for (uint64_t id : overlapped) RemoveRegion(id);
  RemoveRegion(region.id());
  PdRegionView view;
  view.region = region;
  view.leader_store_id = leader_store_id;
  view.leader_peer_id = leader_peer_id;
  by_start_[region.start_key()] = region.id();
  regions_[region.id()] = std::move(view);
}

void PdModel::RemoveRegion(uint64_t region_id) {
  auto it = regions_.find(region_id);
  if (it == regions_.end()) return;
  auto idx = by_start_.find(it->second.region.start_key());
  if (idx != by_start_.end() && idx->second == region_id) by_start_.erase(idx);
  regions_.erase(it);
}

const PdRegionView* PdModel::GetRegionById(uint64_t id) const {
  auto it = regions_.find(id);
  return it == regions_.end() ? nullptr : &it->second;
}

const PdRegionView* PdModel::GetRegionByKey(const std::string& pd_key) const {
  auto it = by_start_.upper_bound(pd_key);
  if (it == by_start_.begin()) return nullptr;
  --it;
  const PdRegionView* v = GetRegionById(it->second);
  if (v == nullptr) return nullptr;
  if (!v->region.end_key().empty() && pd_key >= v->region.end_key()) return nullptr;
  return v;
}

const PdRegionView* PdModel::GetPrevRegion(const std::string& pd_key) const {
  const PdRegionView* cur = GetRegionByKey(pd_key);
  if (cur == nullptr || cur->region.start_key().empty()) return nullptr;
  auto it = by_start_.find(cur->region.start_key());
  if (it == by_start_.begin()) return nullptr;
  --it;
  const PdRegionView* prev = GetRegionById(it->second);
  if (prev == nullptr || prev->region.end_key() != cur->region.start_key()) return nullptr;
  return prev;
}

std::vector<const PdRegionView*> PdModel::ScanRegions(const std::string& start,
                                                      const std::string& end, int limit) const {
  std::vector<const PdRegionView*> out;
  auto it = by_start_.upper_bound(start);
  if (it != by_start_.begin()) --it;
  for (; it != by_start_.end(); ++it) {
    const PdRegionView* v = GetRegionById(it->second);
    if (v == nullptr) continue;
    if (!v->region.end_key().empty() && v->region.end_key() <= start) continue;
    if (!end.empty() && v->region.start_key() >= end) break;
    out.push_back(v);
    if (limit > 0 && static_cast<int>(out.size()) >= limit) break;
  }
  return out;
}

const GcState* PdModel::GetGcState(uint32_t keyspace_id) const {
  auto it = gc_.find(keyspace_id);
  return it == gc_.end() ? nullptr : &it->second;
}

absl::StatusOr<std::tuple<uint64_t, uint64_t, std::string>> PdModel::AdvanceTxnSafePoint(
    uint32_t keyspace_id, uint64_t target, int64_t now_ms) {
  GcState& st = gc_[keyspace_id];
  const uint64_t old = st.txn_safe_point;
  if (target < old) {
    return absl::FailedPreconditionError(absl::StrCat(
        "trying to update txn safe point to a smaller value, current: ", old,
        ", target: ", target));
  }
  uint64_t limit = target;
  std::string blocker;
  auto consider = [&](std::map<std::string, GcBarrier>& barriers, const char* kind) {
    for (auto it = barriers.begin(); it != barriers.end();) {
      if (it->second.expire_at_ms != INT64_MAX && it->second.expire_at_ms <= now_ms) {
        it = barriers.erase(it);  // expired barriers are deleted on the way
        continue;
      }
      if (it->second.ts < limit) {
        limit = it->second.ts;
        blocker = absl::StrCat(kind, " { BarrierID: \"", it->first, "\", BarrierTS: ",
                               it->second.ts, " }");
      }
      ++it;
    }
  };
  consider(st.barriers, "GCBarrier");
  if (keyspace_id != kNullKeyspaceId) consider(gc_[kNullKeyspaceId].barriers, "GlobalGCBarrier");
  GcState& self = gc_[keyspace_id];  // gc_ may have grown
  self.txn_safe_point = std::max(old, limit);
  if (self.txn_safe_point >= target) blocker.clear();
  return std::make_tuple(old, self.txn_safe_point, blocker);
}

absl::StatusOr<std::pair<uint64_t, uint64_t>> PdModel::AdvanceGcSafePoint(uint32_t keyspace_id,
                                                                          uint64_t target) {
  GcState& st = gc_[keyspace_id];
  if (target < st.gc_safe_point) {
    return absl::FailedPreconditionError("trying to update GC safe point to a smaller value");
  }
  if (target > st.txn_safe_point) {
    return absl::FailedPreconditionError("GC safe point must not exceed the txn safe point");
  }
  const uint64_t old = st.gc_safe_point;
  st.gc_safe_point = target;
  return std::make_pair(old, target);
}

absl::Status PdModel::SetGcBarrier(uint32_t keyspace_id, const std::string& id, uint64_t ts,
                                   int64_t ttl_seconds, int64_t now_ms) {
  if (id.empty() || id == "gc_worker") return absl::InvalidArgumentError("invalid barrier id");
  if (ttl_seconds <= 0) return absl::InvalidArgumentError("ttl must be positive");
  GcState& st = gc_[keyspace_id];
  if (ts < st.txn_safe_point) {
    return absl::FailedPreconditionError("barrier ts is below the txn safe point");
  }
  const int64_t expire =
      ttl_seconds >= INT64_MAX / 1000 - now_ms ? INT64_MAX : now_ms + ttl_seconds * 1000;
  st.barriers[id] = GcBarrier{ts, expire};
  return absl::OkStatus();
}

std::optional<GcBarrier> PdModel::DeleteGcBarrier(uint32_t keyspace_id, const std::string& id) {
  GcState& st = gc_[keyspace_id];
  auto it = st.barriers.find(id);
  if (it == st.barriers.end()) return std::nullopt;
  GcBarrier b = it->second;
  st.barriers.erase(it);
  return b;
}

absl::StatusOr<uint64_t> PdModel::UpdateGcSafePoint(uint64_t safe_point) {
  GcState& st = gc_[kNullKeyspaceId];
  // The compatible form also moves the txn safe point, as old GC workers relied on.
  if (safe_point > st.txn_safe_point) st.txn_safe_point = safe_point;
  if (safe_point > st.gc_safe_point) st.gc_safe_point = safe_point;
  return st.gc_safe_point;
}

absl::StatusOr<uint64_t> PdModel::UpdateServiceSafePoint(const std::string& service_id,
                                                         int64_t ttl_s, uint64_t safe_point,
                                                         int64_t now_ms) {
  GcState& st = gc_[kNullKeyspaceId];
  if (ttl_s <= 0) {
    st.service_safe_points.erase(service_id);
  } else {
    if (safe_point < st.gc_safe_point) {
      return absl::FailedPreconditionError("service safe point is below the GC safe point");
    }
    const int64_t expire = ttl_s >= INT64_MAX / 1000 - now_ms ? INT64_MAX : now_ms + ttl_s * 1000;
    st.service_safe_points[service_id] = GcBarrier{safe_point, expire};
  }
  uint64_t min = UINT64_MAX;
  for (auto it = st.service_safe_points.begin(); it != st.service_safe_points.end();) {
    if (it->second.expire_at_ms <= now_ms) {
      it = st.service_safe_points.erase(it);
      continue;
    }
    min = std::min(min, it->second.ts);
    ++it;
  }
  return min == UINT64_MAX ? st.gc_safe_point : min;
}

const keyspacepb::KeyspaceMeta* PdModel::GetKeyspace(const std::string& name) const {
  auto it = keyspaces_.find(name);
  return it == keyspaces_.end() ? nullptr : &it->second;
}

const keyspacepb::KeyspaceMeta* PdModel::GetKeyspaceById(uint32_t id) const {
  for (const auto& [name, meta] : keyspaces_) {
    if (meta.id() == id) return &meta;
  }
  return nullptr;
}

}  // namespace tikv::sim
