// SimCluster's PD entry point: pdpb.PD and keyspacepb.Keyspace handlers over PdModel
// (protocol.md 3.16; PD server/grpc_service.go, server/gc_service.go). Header errors travel in
// the response; leader and cluster-id failures are gRPC statuses.

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "pdpb.pb.h"
#include "sim/cluster/sim_cluster.h"

namespace tikv::sim {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string_view ShortName(std::string_view method) {
  const size_t slash = method.rfind('/');
  return slash == std::string_view::npos ? method : method.substr(slash + 1);
}

void FillRegion(const PdRegionView& v, pdpb::Region* out) {
  *out->mutable_region() = v.region;
  if (v.leader_peer_id != 0) {
    out->mutable_leader()->set_id(v.leader_peer_id);
    out->mutable_leader()->set_store_id(v.leader_store_id);
  }
}

void FillGetRegion(const PdRegionView* v, pdpb::GetRegionResponse* rs) {
  if (v == nullptr) return;  // the leader answers OK with no region; the client retries
  *rs->mutable_region() = v->region;
  if (v->leader_peer_id != 0) {
    rs->mutable_leader()->set_id(v->leader_peer_id);
    rs->mutable_leader()->set_store_id(v->leader_store_id);
  }
}

uint32_t ScopeKeyspace(const pdpb::KeyspaceScope& scope) {
  return scope.has_keyspace_id() ? scope.keyspace_id() : kNullKeyspaceId;
}

}  // namespace

absl::Status SimCluster::HandlePdUnary(std::string_view method_name, const Message& req,
                                       Message* resp, int64_t now_ms) {
  const std::string method(ShortName(method_name));
  const auto& members = pd_.members();
  auto leader = members.find(pd_.leader_id());
  if (leader == members.end() || !leader->second.up) {
    return absl::UnavailableError("not leader: no PD leader is serving");
  }
  if (auto fault = faults_.Match(0, method, 0, "", FaultTarget::kPd);
      fault && fault->action == FaultAction::kTransportError) {
    return absl::Status(fault->transport_code, absl::StrCat("injected PD fault on ", method));
  }
  // Request header: cluster id check; response header: cluster id (+ error).
  pdpb::ResponseHeader* header = nullptr;
  if (const FieldDescriptor* f = resp->GetDescriptor()->FindFieldByName("header");
      f != nullptr && f->message_type() == pdpb::ResponseHeader::descriptor()) {
    header = static_cast<pdpb::ResponseHeader*>(resp->GetReflection()->MutableMessage(resp, f));
    header->set_cluster_id(options_.cluster_id);
  }
  if (const FieldDescriptor* f = req.GetDescriptor()->FindFieldByName("header");
      f != nullptr && f->message_type() == pdpb::RequestHeader::descriptor()) {
    const auto& h = static_cast<const pdpb::RequestHeader&>(req.GetReflection()->GetMessage(req, f));
    if (h.cluster_id() != 0 && h.cluster_id() != options_.cluster_id) {
      return absl::FailedPreconditionError(absl::StrCat(
          "mismatch cluster id, need ", options_.cluster_id, " but got ", h.cluster_id()));
    }
  }
  auto header_error = [&](pdpb::ErrorType type, std::string msg) {
    if (header == nullptr) return;
    header->mutable_error()->set_type(type);
    header->mutable_error()->set_message(std::move(msg));
  };
  auto wrong = [&]() { return absl::InvalidArgumentError(absl::StrCat("wrong types for ", method)); };

  if (method == "GetMembers") {
    auto* rs = dynamic_cast<pdpb::GetMembersResponse*>(resp);
    if (rs == nullptr) return wrong();
    for (const auto& [id, m] : members) {
      pdpb::Member* pm = rs->add_members();
      pm->set_name(m.name);
      pm->set_member_id(m.id);
      pm->add_client_urls(m.client_url);
      pm->add_peer_urls(m.client_url);
      if (id == pd_.leader_id()) {
        *rs->mutable_leader() = *pm;
        *rs->mutable_etcd_leader() = *pm;
      }
    }
    return absl::OkStatus();
  }
  if (method == "GetClusterInfo") {
    auto* rs = dynamic_cast<pdpb::GetClusterInfoResponse*>(resp);
    if (rs == nullptr) return wrong();
    rs->add_servicemodes(pdpb::PD_SVC_MODE);
    return absl::OkStatus();
  }
  if (method == "Tso") {
    const auto* rq = dynamic_cast<const pdpb::TsoRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::TsoResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    auto batch = pd_.AllocateTso(rq->count(), now_ms);
    if (!batch.ok()) return batch.status();
    rs->set_count(rq->count());
    rs->mutable_timestamp()->set_physical(batch->physical);
    rs->mutable_timestamp()->set_logical(batch->logical);
    return absl::OkStatus();
  }
  if (method == "GetMinTS") {
    auto* rs = dynamic_cast<pdpb::GetMinTSResponse*>(resp);
    if (rs == nullptr) return wrong();
    const uint64_t last = pd_.tso().last_ts();
    rs->mutable_timestamp()->set_physical(static_cast<int64_t>(PhysicalMs(last)));
    rs->mutable_timestamp()->set_logical(static_cast<int64_t>(last & (kMaxLogical - 1)));
    return absl::OkStatus();
  }
  if (method == "AllocID") {
    auto* rs = dynamic_cast<pdpb::AllocIDResponse*>(resp);
    if (rs == nullptr) return wrong();
    rs->set_id(topology_.AllocId());
    return absl::OkStatus();
  }
  if (method == "GetRegion" || method == "GetPrevRegion") {
    const auto* rq = dynamic_cast<const pdpb::GetRegionRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::GetRegionResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    FillGetRegion(method == "GetRegion" ? pd_.GetRegionByKey(rq->region_key())
                                        : pd_.GetPrevRegion(rq->region_key()),
                  rs);
    return absl::OkStatus();
  }
  if (method == "GetRegionByID") {
    const auto* rq = dynamic_cast<const pdpb::GetRegionByIDRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::GetRegionResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    FillGetRegion(pd_.GetRegionById(rq->region_id()), rs);
    return absl::OkStatus();
  }
  if (method == "ScanRegions") {
    const auto* rq = dynamic_cast<const pdpb::ScanRegionsRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::ScanRegionsResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    for (const PdRegionView* v : pd_.ScanRegions(rq->start_key(), rq->end_key(), rq->limit())) {
      FillRegion(*v, rs->add_regions());
      *rs->add_region_metas() = v->region;
      metapb::Peer* leader_peer = rs->add_leaders();  // empty Peer when unknown
      if (v->leader_peer_id != 0) {
        leader_peer->set_id(v->leader_peer_id);
        leader_peer->set_store_id(v->leader_store_id);
      }
    }
    return absl::OkStatus();
  }
  if (method == "BatchScanRegions") {
    const auto* rq = dynamic_cast<const pdpb::BatchScanRegionsRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::BatchScanRegionsResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    std::string prev_end;
    for (int i = 0; i < rq->ranges_size(); ++i) {
      const auto& r = rq->ranges(i);
      if ((!r.end_key().empty() && r.start_key() > r.end_key()) ||
          (i > 0 && (prev_end.empty() || r.start_key() < prev_end))) {
        header_error(pdpb::UNKNOWN, "invalid key range");
        return absl::OkStatus();
      }
      prev_end = r.end_key();
    }
    std::set<uint64_t> seen;
    for (const auto& r : rq->ranges()) {
      std::string covered = r.start_key();
      for (const PdRegionView* v : pd_.ScanRegions(r.start_key(), r.end_key(), 0)) {
        if (rq->contain_all_key_range() && v->region.start_key() > covered) {
          rs->clear_regions();
          header_error(pdpb::REGIONS_NOT_CONTAIN_ALL_KEY_RANGE, "regions not contain all key range");
          return absl::OkStatus();
        }
        covered = v->region.end_key();
        if (!seen.insert(v->region.id()).second) continue;
        if (rq->limit() > 0 && rs->regions_size() >= rq->limit()) return absl::OkStatus();
        FillRegion(*v, rs->add_regions());
      }
    }
    return absl::OkStatus();
  }
  if (method == "QueryRegion") {
    const auto* rq = dynamic_cast<const pdpb::QueryRegionRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::QueryRegionResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    auto add = [&](const PdRegionView* v) -> uint64_t {
      if (v == nullptr) return 0;
      pdpb::RegionResponse& out = (*rs->mutable_regions_by_id())[v->region.id()];
      *out.mutable_region() = v->region;
      if (v->leader_peer_id != 0) {
        out.mutable_leader()->set_id(v->leader_peer_id);
        out.mutable_leader()->set_store_id(v->leader_store_id);
      }
      return v->region.id();
    };
    for (const auto& k : rq->keys()) rs->add_key_id_map(add(pd_.GetRegionByKey(k)));
    for (const auto& k : rq->prev_keys()) rs->add_prev_key_id_map(add(pd_.GetPrevRegion(k)));
    for (uint64_t id : rq->ids()) add(pd_.GetRegionById(id));
    return absl::OkStatus();
  }
  if (method == "ScatterRegion") {
    const auto* rq = dynamic_cast<const pdpb::ScatterRegionRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::ScatterRegionResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    // Scatters finish at once: the model does not move peers for them.
    std::vector<uint64_t> ids(rq->regions_id().begin(), rq->regions_id().end());
    if (rq->region_id() != 0) ids.push_back(rq->region_id());
    for (uint64_t id : ids) {
      if (pd_.GetRegionById(id) == nullptr) {
        rs->add_failed_regions_id(id);
      } else {
        scattered_regions_.insert(id);
      }
    }
    rs->set_finished_percentage(ids.empty() ? 100
                                            : 100 * (ids.size() - rs->failed_regions_id_size()) /
                                                  ids.size());
    return absl::OkStatus();
  }
  if (method == "GetOperator") {
    const auto* rq = dynamic_cast<const pdpb::GetOperatorRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::GetOperatorResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    if (scattered_regions_.count(rq->region_id()) == 0) {
      header_error(pdpb::REGION_NOT_FOUND, "Not Found");
      return absl::OkStatus();
    }
    rs->set_region_id(rq->region_id());
    rs->set_desc("scatter-region");
    rs->set_kind("admin,region");
    rs->set_status(pdpb::SUCCESS);
    return absl::OkStatus();
  }
  if (method == "GetStore") {
    const auto* rq = dynamic_cast<const pdpb::GetStoreRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::GetStoreResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    auto it = pd_.stores().find(rq->store_id());
    if (it == pd_.stores().end()) {
      header_error(pdpb::UNKNOWN, absl::StrCat("invalid store ID ", rq->store_id(), ", not found"));
      return absl::OkStatus();
    }
    *rs->mutable_store() = it->second;
    rs->mutable_stats()->set_store_id(rq->store_id());
    return absl::OkStatus();
  }
  if (method == "GetAllStores") {
    const auto* rq = dynamic_cast<const pdpb::GetAllStoresRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::GetAllStoresResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    for (const auto& [id, s] : pd_.stores()) {
      if (rq->exclude_tombstone_stores() &&
          (s.node_state() == metapb::Removed || s.state() == metapb::Tombstone)) {
        continue;
      }
      *rs->add_stores() = s;
    }
    return absl::OkStatus();
  }
  if (method == "GetGCSafePoint") {
    auto* rs = dynamic_cast<pdpb::GetGCSafePointResponse*>(resp);
    if (rs == nullptr) return wrong();
    const GcState* st = pd_.GetGcState(kNullKeyspaceId);
    rs->set_safe_point(st == nullptr ? 0 : st->gc_safe_point);
    return absl::OkStatus();
  }
  if (method == "UpdateGCSafePoint") {
    const auto* rq = dynamic_cast<const pdpb::UpdateGCSafePointRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::UpdateGCSafePointResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    auto v = pd_.UpdateGcSafePoint(rq->safe_point());
    if (!v.ok()) {
      header_error(pdpb::UNKNOWN, std::string(v.status().message()));
      return absl::OkStatus();
    }
    rs->set_new_safe_point(*v);
    RunGcIfAdvanced();
    return absl::OkStatus();
  }
  if (method == "UpdateServiceGCSafePoint") {
    const auto* rq = dynamic_cast<const pdpb::UpdateServiceGCSafePointRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::UpdateServiceGCSafePointResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    auto v = pd_.UpdateServiceSafePoint(rq->service_id(), rq->ttl(), rq->safe_point(), now_ms);
    if (!v.ok()) {
      header_error(pdpb::UNKNOWN, std::string(v.status().message()));
      return absl::OkStatus();
    }
    rs->set_service_id(rq->service_id());
    rs->set_ttl(rq->ttl());
    rs->set_min_safe_point(*v);
    return absl::OkStatus();
  }
  if (method == "GetGCState") {
    const auto* rq = dynamic_cast<const pdpb::GetGCStateRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::GetGCStateResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    const uint32_t ks = ScopeKeyspace(rq->keyspace_scope());
    pdpb::GCState* out = rs->mutable_gc_state();
    *out->mutable_keyspace_scope() = rq->keyspace_scope();
    out->set_is_keyspace_level_gc(ks != kNullKeyspaceId);
    const GcState& st = pd_.MutableGcState(ks);
    out->set_txn_safe_point(st.txn_safe_point);
    out->set_gc_safe_point(st.gc_safe_point);
    if (!rq->exclude_gc_barriers()) {
      for (const auto& [id, b] : st.barriers) {
        if (b.expire_at_ms != INT64_MAX && b.expire_at_ms <= now_ms) continue;
        pdpb::GCBarrierInfo* info = out->add_gc_barriers();
        info->set_barrier_id(id);
        info->set_barrier_ts(b.ts);
        info->set_ttl_seconds(b.expire_at_ms == INT64_MAX ? INT64_MAX
                                                          : (b.expire_at_ms - now_ms) / 1000);
      }
    }
    return absl::OkStatus();
  }
  if (method == "AdvanceTxnSafePoint") {
    const auto* rq = dynamic_cast<const pdpb::AdvanceTxnSafePointRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::AdvanceTxnSafePointResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    auto v = pd_.AdvanceTxnSafePoint(ScopeKeyspace(rq->keyspace_scope()), rq->target(), now_ms);
    if (!v.ok()) {
      header_error(pdpb::UNKNOWN, std::string(v.status().message()));
      return absl::OkStatus();
    }
    rs->set_old_txn_safe_point(std::get<0>(*v));
    rs->set_new_txn_safe_point(std::get<1>(*v));
    rs->set_blocker_description(std::get<2>(*v));
    return absl::OkStatus();
  }
  if (method == "AdvanceGCSafePoint") {
    const auto* rq = dynamic_cast<const pdpb::AdvanceGCSafePointRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::AdvanceGCSafePointResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    auto v = pd_.AdvanceGcSafePoint(ScopeKeyspace(rq->keyspace_scope()), rq->target());
    if (!v.ok()) {
      header_error(pdpb::UNKNOWN, std::string(v.status().message()));
      return absl::OkStatus();
    }
    rs->set_old_gc_safe_point(v->first);
    rs->set_new_gc_safe_point(v->second);
    RunGcIfAdvanced();
    return absl::OkStatus();
  }
  if (method == "SetGCBarrier") {
    const auto* rq = dynamic_cast<const pdpb::SetGCBarrierRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::SetGCBarrierResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    absl::Status s = pd_.SetGcBarrier(ScopeKeyspace(rq->keyspace_scope()), rq->barrier_id(),
                                      rq->barrier_ts(), rq->ttl_seconds(), now_ms);
    if (!s.ok()) {
      header_error(pdpb::UNKNOWN, std::string(s.message()));
      return absl::OkStatus();
    }
    rs->mutable_new_barrier_info()->set_barrier_id(rq->barrier_id());
    rs->mutable_new_barrier_info()->set_barrier_ts(rq->barrier_ts());
    rs->mutable_new_barrier_info()->set_ttl_seconds(rq->ttl_seconds());
    return absl::OkStatus();
  }
  if (method == "DeleteGCBarrier") {
    const auto* rq = dynamic_cast<const pdpb::DeleteGCBarrierRequest*>(&req);
    auto* rs = dynamic_cast<pdpb::DeleteGCBarrierResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    if (auto b = pd_.DeleteGcBarrier(ScopeKeyspace(rq->keyspace_scope()), rq->barrier_id())) {
      rs->mutable_deleted_barrier_info()->set_barrier_id(rq->barrier_id());
      rs->mutable_deleted_barrier_info()->set_barrier_ts(b->ts);
      rs->mutable_deleted_barrier_info()->set_ttl_seconds(
          b->expire_at_ms == INT64_MAX ? INT64_MAX
                                       : std::max<int64_t>(0, (b->expire_at_ms - now_ms) / 1000));
    }
    return absl::OkStatus();
  }
  if (method == "LoadKeyspace") {
    const auto* rq = dynamic_cast<const keyspacepb::LoadKeyspaceRequest*>(&req);
    auto* rs = dynamic_cast<keyspacepb::LoadKeyspaceResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    const keyspacepb::KeyspaceMeta* meta = pd_.GetKeyspace(rq->name());
    if (meta == nullptr) {
      header_error(pdpb::ENTRY_NOT_FOUND, absl::StrCat("keyspace ", rq->name(), " not found"));
      return absl::OkStatus();
    }
    *rs->mutable_keyspace() = *meta;
    return absl::OkStatus();
  }
  if (method == "LoadKeyspaceByID") {
    const auto* rq = dynamic_cast<const keyspacepb::LoadKeyspaceByIDRequest*>(&req);
    auto* rs = dynamic_cast<keyspacepb::LoadKeyspaceResponse*>(resp);
    if (rq == nullptr || rs == nullptr) return wrong();
    const keyspacepb::KeyspaceMeta* meta = pd_.GetKeyspaceById(rq->id());
    if (meta == nullptr) {
      header_error(pdpb::ENTRY_NOT_FOUND, "keyspace not found");
      return absl::OkStatus();
    }
    *rs->mutable_keyspace() = *meta;
    return absl::OkStatus();
  }
  return absl::UnimplementedError(absl::StrCat("the simulated PD does not serve ", method));
}

}  // namespace tikv::sim
