#include "tests/util/fake_pd.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <functional>
#include <memory>

#include "absl/strings/str_cat.h"
#include "keyspacepb.pb.h"
#include "pdpb.pb.h"

namespace tikv::testing {
namespace {

std::string Name(int index) { return absl::StrCat("pd-", index + 1); }

template <typename Resp>
void FillHeader(Resp& resp, uint64_t cluster_id) {
  resp.mutable_header()->set_cluster_id(cluster_id);
}

absl::Status NotLeader() { return absl::UnavailableError("not leader"); }

bool InRange(const metapb::Region& r, const std::string& key) {
  return r.start_key() <= key && (r.end_key().empty() || key < r.end_key());
}

}  // namespace

FakePd::FakePd(sim::SimEnv& env, int members, uint64_t cluster_id)
    : env_(env), cluster_id_(cluster_id), members_(members) {
  for (int i = 0; i < members; ++i) {
    env_.network().AddNode(Name(i));
    Register(i);
  }
}

std::vector<std::string> FakePd::endpoints() const {
  std::vector<std::string> out;
  for (int i = 0; i < members_; ++i) out.push_back(Name(i));
  return out;
}

void FakePd::SetLeader(int index) { leader_ = index; }

void FakePd::PutRegion(const metapb::Region& region, uint64_t leader_store_id) {
  for (auto it = regions_.begin(); it != regions_.end();) {
    it = it->second.region.id() == region.id() ? regions_.erase(it) : std::next(it);
  }
  regions_[region.start_key()] = RegionRec{region, leader_store_id};
}

void FakePd::RemoveRegion(uint64_t id) {
  for (auto it = regions_.begin(); it != regions_.end();) {
    it = it->second.region.id() == id ? regions_.erase(it) : std::next(it);
  }
}

void FakePd::SplitAt(const std::vector<std::string>& splits, const std::vector<uint64_t>& stores) {
  regions_.clear();
  std::vector<std::string> bounds{""};
  bounds.insert(bounds.end(), splits.begin(), splits.end());
  uint64_t peer_id = 1000;
  for (size_t i = 0; i < bounds.size(); ++i) {
    metapb::Region r;
    r.set_id(i + 1);
    r.set_start_key(bounds[i]);
    r.set_end_key(i + 1 < bounds.size() ? bounds[i + 1] : "");
    r.mutable_region_epoch()->set_conf_ver(1);
    r.mutable_region_epoch()->set_version(1);
    for (uint64_t s : stores) {
      metapb::Peer* p = r.add_peers();
      p->set_id(++peer_id);
      p->set_store_id(s);
    }
    PutRegion(r, stores.empty() ? 0 : stores.front());
  }
}

void FakePd::PutStore(const metapb::Store& store) { stores_[store.id()] = store; }

void FakePd::SetMemberClusterId(int index, uint64_t cluster_id) {
  member_cluster_ids_[index] = cluster_id;
}

const FakePd::RegionRec* FakePd::FindPrev(const std::string& key) const {
  const RegionRec* cur = FindByKey(key);
  if (cur == nullptr || cur->region.start_key().empty()) return nullptr;
  auto it = regions_.find(cur->region.start_key());
  return it == regions_.begin() ? nullptr : &std::prev(it)->second;
}

const FakePd::RegionRec* FakePd::FindById(uint64_t id) const {
  for (const auto& [k, rec] : regions_) {
    if (rec.region.id() == id) return &rec;
  }
  return nullptr;
}

const FakePd::RegionRec* FakePd::FindByKey(const std::string& key) const {
  auto it = regions_.upper_bound(key);
  if (it == regions_.begin()) return nullptr;
  --it;
  return InRange(it->second.region, key) ? &it->second : nullptr;
}

void FakePd::Register(int index) {
  sim::SimNode* node = env_.network().FindNode(Name(index));
  auto leader_only = [this, index](auto handler) {
    return [this, index, handler](const std::string& in, std::string* out) -> absl::Status {
      if (!IsLeader(index)) return NotLeader();
      return handler(in, out);
    };
  };
  node->RegisterUnary("/pdpb.PD/GetMembers", [this, index](const std::string&, std::string* out) {
    ++get_members_calls;
    pdpb::GetMembersResponse resp;
    auto foreign = member_cluster_ids_.find(index);
    FillHeader(resp, foreign == member_cluster_ids_.end() ? cluster_id_ : foreign->second);
    for (int i = 0; i < members_; ++i) {
      pdpb::Member* m = resp.add_members();
      m->set_name(Name(i));
      m->set_member_id(i + 1);
      m->add_client_urls("http://" + Name(i));
    }
    *resp.mutable_leader() = resp.members(leader_);
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  });
  node->RegisterStream("/pdpb.PD/Tso", [this, index](std::shared_ptr<sim::ServerStream> stream) {
    sim::StreamCallbacks cb;
    if (!IsLeader(index)) {
      stream->Finish(NotLeader());
      return cb;
    }
    cb.on_message = [this, index, stream](const std::string& msg) {
      if (!IsLeader(index)) {
        stream->Finish(NotLeader());
        return;
      }
      pdpb::TsoRequest req;
      req.ParseFromString(msg);
      ++tso_requests;
      last_header = req.header();
      const int64_t now_ms = env_.clock().WallMillis();
      if (now_ms > last_physical_) {
        last_physical_ = now_ms;
        logical_ = 0;
      }
      logical_ += req.count();
      pdpb::TsoResponse resp;
      FillHeader(resp, cluster_id_);
      resp.set_count(req.count());
      resp.mutable_timestamp()->set_physical(last_physical_);
      resp.mutable_timestamp()->set_logical(logical_);
      stream->Send(resp.SerializeAsString());
    };
    cb.on_half_close = [stream] { stream->Finish(absl::OkStatus()); };
    cb.on_reset = [](const absl::Status&) {};
    return cb;
  });
  auto region_reply = [this](const RegionRec* rec, std::string* out) {
    pdpb::GetRegionResponse resp;
    FillHeader(resp, cluster_id_);
    if (rec != nullptr) {
      *resp.mutable_region() = rec->region;
      for (const metapb::Peer& p : rec->region.peers()) {
        if (p.store_id() == rec->leader_store) *resp.mutable_leader() = p;
      }
    }
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  };
  node->RegisterUnary("/pdpb.PD/GetRegion", leader_only([this, region_reply](const std::string& in, std::string* out) {
    pdpb::GetRegionRequest req;
    req.ParseFromString(in);
    ++get_region_calls;
    ++region_lookup_calls;
    last_header = req.header();
    return region_reply(FindByKey(req.region_key()), out);
  }));
  node->RegisterUnary("/pdpb.PD/GetPrevRegion", leader_only([this, region_reply](const std::string& in, std::string* out) {
    pdpb::GetRegionRequest req;
    req.ParseFromString(in);
    ++region_lookup_calls;
    return region_reply(FindPrev(req.region_key()), out);
  }));
  node->RegisterUnary("/pdpb.PD/GetRegionByID", leader_only([this, region_reply](const std::string& in, std::string* out) {
    pdpb::GetRegionByIDRequest req;
    req.ParseFromString(in);
    ++region_lookup_calls;
    return region_reply(FindById(req.region_id()), out);
  }));
  auto to_pd_region = [](const RegionRec& rec, pdpb::Region* out) {
    *out->mutable_region() = rec.region;
    for (const metapb::Peer& p : rec.region.peers()) {
      if (p.store_id() == rec.leader_store) *out->mutable_leader() = p;
    }
    if (!out->has_leader()) out->mutable_leader();  // empty peer = unknown leader
  };
  node->RegisterUnary("/pdpb.PD/ScanRegions", leader_only([this, to_pd_region](const std::string& in, std::string* out) {
    pdpb::ScanRegionsRequest req;
    req.ParseFromString(in);
    ++scan_calls;
    pdpb::ScanRegionsResponse resp;
    FillHeader(resp, cluster_id_);
    for (const auto& [k, rec] : regions_) {
      if (!rec.region.end_key().empty() && rec.region.end_key() <= req.start_key()) continue;
      if (!req.end_key().empty() && rec.region.start_key() >= req.end_key()) break;
      to_pd_region(rec, resp.add_regions());
      if (req.limit() > 0 && resp.regions_size() >= req.limit()) break;
    }
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  }));
  node->RegisterUnary("/pdpb.PD/BatchScanRegions", leader_only([this, to_pd_region](const std::string& in, std::string* out) {
    if (batch_scan_unimplemented) return absl::UnimplementedError("BatchScanRegions");
    pdpb::BatchScanRegionsRequest req;
    req.ParseFromString(in);
    ++batch_scan_calls;
    pdpb::BatchScanRegionsResponse resp;
    FillHeader(resp, cluster_id_);
    uint64_t last_id = 0;
    for (const pdpb::KeyRange& kr : req.ranges()) {
      for (const auto& [k, rec] : regions_) {
        if (!rec.region.end_key().empty() && rec.region.end_key() <= kr.start_key()) continue;
        if (!kr.end_key().empty() && rec.region.start_key() >= kr.end_key()) break;
        if (rec.region.id() == last_id) continue;
        last_id = rec.region.id();
        to_pd_region(rec, resp.add_regions());
        if (req.limit() > 0 && resp.regions_size() >= req.limit()) break;
      }
    }
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  }));
  node->RegisterUnary("/pdpb.PD/GetStore", leader_only([this](const std::string& in, std::string* out) {
    pdpb::GetStoreRequest req;
    req.ParseFromString(in);
    pdpb::GetStoreResponse resp;
    FillHeader(resp, cluster_id_);
    auto it = stores_.find(req.store_id());
    if (it == stores_.end()) {
      resp.mutable_header()->mutable_error()->set_type(pdpb::UNKNOWN);
      resp.mutable_header()->mutable_error()->set_message(
          absl::StrCat("invalid store ID ", req.store_id(), ", not found"));
    } else {
      *resp.mutable_store() = it->second;
    }
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  }));
  node->RegisterUnary("/pdpb.PD/GetAllStores", leader_only([this](const std::string& in, std::string* out) {
    pdpb::GetAllStoresRequest req;
    req.ParseFromString(in);
    pdpb::GetAllStoresResponse resp;
    FillHeader(resp, cluster_id_);
    for (const auto& [id, s] : stores_) {
      if (req.exclude_tombstone_stores() && s.state() == metapb::StoreState::Tombstone) continue;
      *resp.add_stores() = s;
    }
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  }));
  node->RegisterUnary("/keyspacepb.Keyspace/LoadKeyspace", leader_only([this](const std::string& in, std::string* out) {
    keyspacepb::LoadKeyspaceRequest req;
    req.ParseFromString(in);
    keyspacepb::LoadKeyspaceResponse resp;
    FillHeader(resp, cluster_id_);
    if (req.name() == "ks1") {
      resp.mutable_keyspace()->set_id(1);
      resp.mutable_keyspace()->set_name("ks1");
      resp.mutable_keyspace()->set_state(keyspacepb::ENABLED);
    } else {
      resp.mutable_header()->mutable_error()->set_type(pdpb::ENTRY_NOT_FOUND);
      resp.mutable_header()->mutable_error()->set_message("keyspace not found");
    }
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  }));
  RegisterGc(*node, index);
  RegisterQueryRegion(*node, index);
  node->RegisterUnary("/pdpb.PD/GetMinTS", leader_only([this](const std::string& in, std::string* out) {
    pdpb::GetMinTSRequest req;
    req.ParseFromString(in);
    ++min_ts_calls;
    last_header = req.header();
    if (min_ts_unimplemented) return absl::UnimplementedError("unknown method GetMinTS");
    pdpb::GetMinTSResponse resp;
    FillHeader(resp, cluster_id_);
    resp.mutable_timestamp()->set_physical(last_physical_);
    resp.mutable_timestamp()->set_logical(logical_);
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  }));
  node->RegisterUnary("/pdpb.PD/GetClusterInfo", leader_only([this](const std::string&, std::string* out) {
    pdpb::GetClusterInfoResponse resp;
    FillHeader(resp, cluster_id_);
    resp.add_servicemodes(pdpb::PD_SVC_MODE);
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  }));
}

namespace {

// GC handlers and the QueryRegion stream share PD's server semantics with sim::PdModel.
template <typename Resp>
void HeaderError(Resp& resp, const absl::Status& s) {
  resp.mutable_header()->mutable_error()->set_type(pdpb::UNKNOWN);
  resp.mutable_header()->mutable_error()->set_message(std::string(s.message()));
}

uint32_t Scope(const pdpb::KeyspaceScope& scope) {
  return scope.has_keyspace_id() ? scope.keyspace_id() : sim::kNullKeyspaceId;
}

// Registers a leader-only unary handler parsing Req and answering Resp.
template <typename Req, typename Resp, typename Fn>
void Unary(sim::SimNode& node, const char* method, std::function<bool()> is_leader,
           uint64_t cluster_id, Fn fn) {
  node.RegisterUnary(method, [is_leader, cluster_id, fn](const std::string& in,
                                                         std::string* out) -> absl::Status {
    if (!is_leader()) return absl::UnavailableError("not leader");
    Req req;
    if (!req.ParseFromString(in)) return absl::InvalidArgumentError("cannot parse request");
    Resp resp;
    resp.mutable_header()->set_cluster_id(cluster_id);
    fn(req, resp);
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  });
}

}  // namespace

void FakePd::RegisterGc(sim::SimNode& node, int index) {
  std::function<bool()> leader = [this, index] { return IsLeader(index); };
  auto now = [this] { return env_.clock().WallMillis(); };
  Unary<pdpb::GetGCStateRequest, pdpb::GetGCStateResponse>(
      node, "/pdpb.PD/GetGCState", leader, cluster_id_, [this, now](const auto& req, auto& resp) {
        const uint32_t ks = Scope(req.keyspace_scope());
        pdpb::GCState* out = resp.mutable_gc_state();
        *out->mutable_keyspace_scope() = req.keyspace_scope();
        out->set_is_keyspace_level_gc(ks != sim::kNullKeyspaceId);
        const sim::GcState& st = gc_.MutableGcState(ks);
        out->set_txn_safe_point(st.txn_safe_point);
        out->set_gc_safe_point(st.gc_safe_point);
        if (req.exclude_gc_barriers()) return;
        const int64_t now_ms = now();
        for (const auto& [id, b] : st.barriers) {
          if (b.expire_at_ms != INT64_MAX && b.expire_at_ms <= now_ms) continue;
          pdpb::GCBarrierInfo* info = out->add_gc_barriers();
          info->set_barrier_id(id);
          info->set_barrier_ts(b.ts);
          // Remaining whole seconds, rounded up, as PD reports them.
          info->set_ttl_seconds(b.expire_at_ms == INT64_MAX
                                    ? INT64_MAX
                                    : (b.expire_at_ms - now_ms + 999) / 1000);
        }
      });
  Unary<pdpb::AdvanceTxnSafePointRequest, pdpb::AdvanceTxnSafePointResponse>(
      node, "/pdpb.PD/AdvanceTxnSafePoint", leader, cluster_id_,
      [this, now](const auto& req, auto& resp) {
        auto v = gc_.AdvanceTxnSafePoint(Scope(req.keyspace_scope()), req.target(), now());
        if (!v.ok()) return HeaderError(resp, v.status());
        resp.set_old_txn_safe_point(std::get<0>(*v));
        resp.set_new_txn_safe_point(std::get<1>(*v));
        resp.set_blocker_description(std::get<2>(*v));
      });
  Unary<pdpb::AdvanceGCSafePointRequest, pdpb::AdvanceGCSafePointResponse>(
      node, "/pdpb.PD/AdvanceGCSafePoint", leader, cluster_id_, [this](const auto& req, auto& resp) {
        auto v = gc_.AdvanceGcSafePoint(Scope(req.keyspace_scope()), req.target());
        if (!v.ok()) return HeaderError(resp, v.status());
        resp.set_old_gc_safe_point(v->first);
        resp.set_new_gc_safe_point(v->second);
      });
  Unary<pdpb::SetGCBarrierRequest, pdpb::SetGCBarrierResponse>(
      node, "/pdpb.PD/SetGCBarrier", leader, cluster_id_, [this, now](const auto& req, auto& resp) {
        absl::Status s = gc_.SetGcBarrier(Scope(req.keyspace_scope()), req.barrier_id(),
                                          req.barrier_ts(), req.ttl_seconds(), now());
        if (!s.ok()) return HeaderError(resp, s);
        resp.mutable_new_barrier_info()->set_barrier_id(req.barrier_id());
        resp.mutable_new_barrier_info()->set_barrier_ts(req.barrier_ts());
        resp.mutable_new_barrier_info()->set_ttl_seconds(req.ttl_seconds());
      });
  Unary<pdpb::DeleteGCBarrierRequest, pdpb::DeleteGCBarrierResponse>(
      node, "/pdpb.PD/DeleteGCBarrier", leader, cluster_id_, [this, now](const auto& req, auto& resp) {
        if (auto b = gc_.DeleteGcBarrier(Scope(req.keyspace_scope()), req.barrier_id())) {
          resp.mutable_deleted_barrier_info()->set_barrier_id(req.barrier_id());
          resp.mutable_deleted_barrier_info()->set_barrier_ts(b->ts);
          resp.mutable_deleted_barrier_info()->set_ttl_seconds(
              b->expire_at_ms == INT64_MAX ? INT64_MAX
                                           : std::max<int64_t>(0, (b->expire_at_ms - now()) / 1000));
        }
      });
  Unary<pdpb::UpdateGCSafePointRequest, pdpb::UpdateGCSafePointResponse>(
      node, "/pdpb.PD/UpdateGCSafePoint", leader, cluster_id_, [this](const auto& req, auto& resp) {
        auto v = gc_.UpdateGcSafePoint(req.safe_point());
        if (!v.ok()) return HeaderError(resp, v.status());
        resp.set_new_safe_point(*v);
      });
  Unary<pdpb::UpdateServiceGCSafePointRequest, pdpb::UpdateServiceGCSafePointResponse>(
      node, "/pdpb.PD/UpdateServiceGCSafePoint", leader, cluster_id_,
      [this, now](const auto& req, auto& resp) {
        auto v = gc_.UpdateServiceSafePoint(req.service_id(), req.ttl(), req.safe_point(), now());
        if (!v.ok()) return HeaderError(resp, v.status());
        resp.set_service_id(req.service_id());
        resp.set_ttl(req.ttl());
        resp.set_min_safe_point(*v);
      });
}

void FakePd::RegisterQueryRegion(sim::SimNode& node, int index) {
  node.RegisterStream("/pdpb.PD/QueryRegion", [this, index](std::shared_ptr<sim::ServerStream> stream) {
    sim::StreamCallbacks cb;
    if (query_region_unimplemented) {
      stream->Finish(absl::UnimplementedError("unknown method QueryRegion"));
      return cb;
    }
    if (!IsLeader(index)) {
      stream->Finish(absl::UnavailableError("not leader"));
      return cb;
    }
    std::weak_ptr<sim::ServerStream> weak = stream;
    cb.on_message = [this, index, weak](const std::string& msg) {
      std::shared_ptr<sim::ServerStream> s = weak.lock();
      if (s == nullptr) return;
      if (!IsLeader(index)) {
        s->Finish(absl::UnavailableError("not leader"));
        return;
      }
      pdpb::QueryRegionRequest req;
      req.ParseFromString(msg);
      ++query_region_messages;
      query_region_lookups += req.keys_size() + req.prev_keys_size() + req.ids_size();
      last_header = req.header();
      pdpb::QueryRegionResponse resp;
      resp.mutable_header()->set_cluster_id(cluster_id_);
      auto add = [&](const RegionRec* rec) -> uint64_t {
        if (rec == nullptr) return 0;
        pdpb::RegionResponse& out = (*resp.mutable_regions_by_id())[rec->region.id()];
        *out.mutable_region() = rec->region;
        for (const metapb::Peer& p : rec->region.peers()) {
          if (p.store_id() == rec->leader_store) *out.mutable_leader() = p;
        }
        return rec->region.id();
      };
      for (const std::string& k : req.keys()) resp.add_key_id_map(add(FindByKey(k)));
      for (const std::string& k : req.prev_keys()) resp.add_prev_key_id_map(add(FindPrev(k)));
      for (uint64_t id : req.ids()) add(FindById(id));
      s->Send(resp.SerializeAsString());
    };
    cb.on_half_close = [weak] {
      if (std::shared_ptr<sim::ServerStream> s = weak.lock()) s->Finish(absl::OkStatus());
    };
    cb.on_reset = [](const absl::Status&) {};
    return cb;
  });
}

}  // namespace tikv::testing
