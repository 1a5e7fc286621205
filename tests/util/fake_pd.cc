#include "tests/util/fake_pd.h"

#include <algorithm>
#include <chrono>
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
  node->RegisterUnary("/pdpb.PD/GetMembers", [this](const std::string&, std::string* out) {
    pdpb::GetMembersResponse resp;
    FillHeader(resp, cluster_id_);
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
    return region_reply(FindByKey(req.region_key()), out);
  }));
  node->RegisterUnary("/pdpb.PD/GetPrevRegion", leader_only([this, region_reply](const std::string& in, std::string* out) {
    pdpb::GetRegionRequest req;
    req.ParseFromString(in);
    const RegionRec* cur = FindByKey(req.region_key());
    const RegionRec* prev = nullptr;
    if (cur != nullptr && !cur->region.start_key().empty()) {
      auto it = regions_.find(cur->region.start_key());
      if (it != regions_.begin()) prev = &std::prev(it)->second;
    }
    return region_reply(prev, out);
  }));
  node->RegisterUnary("/pdpb.PD/GetRegionByID", leader_only([this, region_reply](const std::string& in, std::string* out) {
    pdpb::GetRegionByIDRequest req;
    req.ParseFromString(in);
    for (const auto& [k, rec] : regions_) {
      if (rec.region.id() == req.region_id()) return region_reply(&rec, out);
    }
    return region_reply(nullptr, out);
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
  node->RegisterUnary("/pdpb.PD/GetGCState", leader_only([this](const std::string& in, std::string* out) {
    pdpb::GetGCStateRequest req;
    req.ParseFromString(in);
    pdpb::GetGCStateResponse resp;
    FillHeader(resp, cluster_id_);
    *resp.mutable_gc_state()->mutable_keyspace_scope() = req.keyspace_scope();
    resp.mutable_gc_state()->set_txn_safe_point(txn_safe_point);
    resp.mutable_gc_state()->set_gc_safe_point(gc_safe_point);
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  }));
  node->RegisterUnary("/pdpb.PD/AdvanceTxnSafePoint", leader_only([this](const std::string& in, std::string* out) {
    pdpb::AdvanceTxnSafePointRequest req;
    req.ParseFromString(in);
    pdpb::AdvanceTxnSafePointResponse resp;
    FillHeader(resp, cluster_id_);
    if (req.target() < txn_safe_point) {
      resp.mutable_header()->mutable_error()->set_type(pdpb::UNKNOWN);
      resp.mutable_header()->mutable_error()->set_message("txn safe point cannot go back");
    } else {
      resp.set_old_txn_safe_point(txn_safe_point);
      txn_safe_point = req.target();
      resp.set_new_txn_safe_point(txn_safe_point);
    }
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  }));
  node->RegisterUnary("/pdpb.PD/UpdateGCSafePoint", leader_only([this](const std::string& in, std::string* out) {
    pdpb::UpdateGCSafePointRequest req;
    req.ParseFromString(in);
    pdpb::UpdateGCSafePointResponse resp;
    FillHeader(resp, cluster_id_);
    gc_safe_point = std::max(gc_safe_point, req.safe_point());
    resp.set_new_safe_point(gc_safe_point);
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  }));
  node->RegisterUnary("/pdpb.PD/UpdateServiceGCSafePoint", leader_only([this](const std::string& in, std::string* out) {
    pdpb::UpdateServiceGCSafePointRequest req;
    req.ParseFromString(in);
    pdpb::UpdateServiceGCSafePointResponse resp;
    FillHeader(resp, cluster_id_);
    resp.set_service_id(req.service_id());
    resp.set_min_safe_point(std::max(gc_safe_point, req.safe_point()));
    *out = resp.SerializeAsString();
    return absl::OkStatus();
  }));
  node->RegisterUnary("/pdpb.PD/GetMinTS", leader_only([this](const std::string&, std::string* out) {
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

}  // namespace tikv::testing
