#include "sim/cluster/topology.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "sim/util/codec.h"

namespace tikv::sim {

const SimPeer* SimRegion::PeerOnStore(uint64_t store_id) const {
  for (const SimPeer& p : peers) {
    if (p.store_id == store_id) return &p;
  }
  return nullptr;
}

const SimPeer* SimRegion::Leader() const {
  for (const SimPeer& p : peers) {
    if (p.id == leader_peer_id) return &p;
  }
  return nullptr;
}

bool SimRegion::Contains(std::string_view pd_key) const {
  return pd_key >= start_key && (end_key.empty() || pd_key < end_key);
}

metapb::Region SimRegion::ToProto() const {
  metapb::Region r;
  r.set_id(id);
  r.set_start_key(start_key);
  r.set_end_key(end_key);
  r.mutable_region_epoch()->set_conf_ver(conf_ver);
  r.mutable_region_epoch()->set_version(version);
  for (const SimPeer& p : peers) {
    metapb::Peer* mp = r.add_peers();
    mp->set_id(p.id);
    mp->set_store_id(p.store_id);
    mp->set_role(p.role);
    mp->set_is_witness(p.is_witness);
  }
  r.set_is_in_flashback(flashback);
  r.set_flashback_start_ts(flashback_start_ts);
  return r;
}

metapb::Store SimStore::ToProto() const {
  metapb::Store s;
  s.set_id(id);
  s.set_address(address);
  s.set_state(state);
  s.set_node_state(node_state);
  s.set_version("8.5.0");
  s.set_status_address(address + "-status");
  s.set_peer_address(address);
  for (const auto& [k, v] : labels) {
    metapb::StoreLabel* l = s.add_labels();
    l->set_key(k);
    l->set_value(v);
  }
  return s;
}

uint64_t ClusterTopology::AddStore(std::string address,
                                   std::vector<std::pair<std::string, std::string>> labels) {
  SimStore store;
  store.id = AllocId();
  store.address = std::move(address);
  store.labels = std::move(labels);
  const uint64_t id = store.id;
  stores_.emplace(id, std::move(store));
  return id;
}

absl::StatusOr<uint64_t> ClusterTopology::Bootstrap(const std::vector<uint64_t>& store_ids) {
  if (!regions_.empty()) return absl::FailedPreconditionError("already bootstrapped");
  if (store_ids.empty()) return absl::InvalidArgumentError("no stores");
  SimRegion region;
  region.id = AllocId();
  for (uint64_t sid : store_ids) {
    if (stores_.count(sid) == 0) return absl::NotFoundError(absl::StrCat("store ", sid));
    region.peers.push_back(SimPeer{AllocId(), sid, metapb::Voter, false, true});
  }
  region.leader_peer_id = region.peers.front().id;
  const uint64_t id = region.id;
  by_start_[""] = id;
  regions_.emplace(id, std::move(region));
  return id;
}

const SimRegion* ClusterTopology::GetRegion(uint64_t region_id) const {
  auto it = regions_.find(region_id);
  return it == regions_.end() ? nullptr : &it->second;
}

SimRegion* ClusterTopology::MutableRegion(uint64_t region_id) {
  auto it = regions_.find(region_id);
  return it == regions_.end() ? nullptr : &it->second;
}

const SimRegion* ClusterTopology::LocateKey(std::string_view pd_key) const {
  auto it = by_start_.upper_bound(std::string(pd_key));
  if (it == by_start_.begin()) return nullptr;
  --it;
  const SimRegion* r = GetRegion(it->second);
  return r != nullptr && r->Contains(pd_key) ? r : nullptr;
}

const SimStore* ClusterTopology::GetStore(uint64_t store_id) const {
  auto it = stores_.find(store_id);
  return it == stores_.end() ? nullptr : &it->second;
}

SimStore* ClusterTopology::MutableStore(uint64_t store_id) {
  auto it = stores_.find(store_id);
  return it == stores_.end() ? nullptr : &it->second;
}

std::vector<const SimRegion*> ClusterTopology::RegionsInKeyOrder() const {
  std::vector<const SimRegion*> out;
  for (const auto& [start, id] : by_start_) out.push_back(GetRegion(id));
  return out;
}

void ClusterTopology::MarkNewLeader(SimRegion& region) {
  // A new leader must sync max_ts from PD before async-commit / 1PC prewrites (3.0.5).
  const SimPeer* leader = region.Leader();
  if (leader == nullptr) return;
  if (SimStore* s = MutableStore(leader->store_id)) {
    if (std::find(s->unsynced_regions.begin(), s->unsynced_regions.end(), region.id) ==
        s->unsynced_regions.end()) {
      s->unsynced_regions.push_back(region.id);
    }
  }
}

absl::StatusOr<std::vector<uint64_t>> ClusterTopology::Split(uint64_t region_id,
                                                             std::vector<std::string> pd_keys) {
  SimRegion* region = MutableRegion(region_id);
  if (region == nullptr) return absl::NotFoundError(absl::StrCat("region ", region_id));
  std::sort(pd_keys.begin(), pd_keys.end());
  pd_keys.erase(std::unique(pd_keys.begin(), pd_keys.end()), pd_keys.end());
  for (const std::string& k : pd_keys) {
    if (k.empty() || k == region->start_key || !region->Contains(k)) {
      return absl::InvalidArgumentError(
          absl::StrCat("split key ", KeyText(k), " is not strictly inside region ", region_id));
    }
  }
  if (pd_keys.empty()) return std::vector<uint64_t>{region_id};
  const uint64_t k = pd_keys.size();
  std::vector<uint64_t> ids;
  std::string start = region->start_key;
  by_start_.erase(region->start_key);  // re-inserted for the leftmost new region below
  // New regions take the left ranges; the original keeps the rightmost one (right derive).
  for (const std::string& split : pd_keys) {
    SimRegion left = *region;
    left.id = AllocId();
    left.start_key = start;
    left.end_key = split;
    left.version = region->version + k;
    left.merging = false;
    uint64_t leader_store = 0;
    if (const SimPeer* l = region->Leader()) leader_store = l->store_id;
    left.leader_peer_id = 0;
    for (SimPeer& p : left.peers) {
      p.id = AllocId();
      if (p.store_id == leader_store) left.leader_peer_id = p.id;
    }
    by_start_[left.start_key] = left.id;
    ids.push_back(left.id);
    start = split;
    regions_.emplace(left.id, std::move(left));
    region = MutableRegion(region_id);  // emplace may not invalidate, but stay safe
  }
  region->start_key = start;
  region->version += k;
  by_start_[region->start_key] = region_id;
  ids.push_back(region_id);
  return ids;
}

absl::Status ClusterTopology::PrepareMerge(uint64_t source_id) {
  SimRegion* source = MutableRegion(source_id);
  if (source == nullptr) return absl::NotFoundError(absl::StrCat("region ", source_id));
  if (source->merging) return absl::OkStatus();
  source->merging = true;
  source->version += 1;
  source->conf_ver += 1;
  return absl::OkStatus();
}

absl::Status ClusterTopology::Merge(uint64_t source_id, uint64_t target_id) {
  SimRegion* source = MutableRegion(source_id);
  SimRegion* target = MutableRegion(target_id);
  if (source == nullptr || target == nullptr || source_id == target_id) {
    return absl::NotFoundError("merge: unknown region");
  }
  const bool source_left = !source->end_key.empty() && source->end_key == target->start_key;
  const bool source_right = !target->end_key.empty() && target->end_key == source->start_key;
  if (!source_left && !source_right) {
    return absl::FailedPreconditionError("merge: regions are not adjacent");
  }
  if (absl::Status s = PrepareMerge(source_id); !s.ok()) return s;
  by_start_.erase(source->start_key);
  by_start_.erase(target->start_key);
  if (source_left) {
    target->start_key = source->start_key;
  } else {
    target->end_key = source->end_key;
  }
  target->version = std::max(source->version, target->version) + 1;
  by_start_[target->start_key] = target_id;
  regions_.erase(source_id);
  MarkNewLeader(*target);
  return absl::OkStatus();
}

absl::Status ClusterTopology::RollbackMerge(uint64_t source_id) {
  SimRegion* source = MutableRegion(source_id);
  if (source == nullptr) return absl::NotFoundError(absl::StrCat("region ", source_id));
  if (!source->merging) return absl::FailedPreconditionError("region is not merging");
  source->merging = false;
  source->version += 1;
  return absl::OkStatus();
}

absl::Status ClusterTopology::TransferLeader(uint64_t region_id, uint64_t store_id) {
  SimRegion* region = MutableRegion(region_id);
  if (region == nullptr) return absl::NotFoundError(absl::StrCat("region ", region_id));
  const SimPeer* peer = region->PeerOnStore(store_id);
  const SimStore* store = GetStore(store_id);
  if (peer == nullptr || peer->role != metapb::Voter || store == nullptr || !store->up) {
    return absl::FailedPreconditionError(
        absl::StrCat("store ", store_id, " holds no up voter of region ", region_id));
  }
  if (region->leader_peer_id == peer->id) return absl::OkStatus();
  region->leader_peer_id = peer->id;
  region->term += 1;
  MarkNewLeader(*region);
  return absl::OkStatus();
}

absl::Status ClusterTopology::ClearLeader(uint64_t region_id) {
  SimRegion* region = MutableRegion(region_id);
  if (region == nullptr) return absl::NotFoundError(absl::StrCat("region ", region_id));
  region->leader_peer_id = 0;
  region->term += 1;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ClusterTopology::AddPeer(uint64_t region_id, uint64_t store_id,
                                                  bool learner, bool initialized) {
  SimRegion* region = MutableRegion(region_id);
  if (region == nullptr) return absl::NotFoundError(absl::StrCat("region ", region_id));
  if (GetStore(store_id) == nullptr) return absl::NotFoundError(absl::StrCat("store ", store_id));
  if (region->PeerOnStore(store_id) != nullptr) {
    return absl::AlreadyExistsError("store already holds a peer of the region");
  }
  const uint64_t peer_id = AllocId();
  region->peers.push_back(
      SimPeer{peer_id, store_id, learner ? metapb::Learner : metapb::Voter, false, initialized});
  region->conf_ver += 1;
  return peer_id;
}

absl::Status ClusterTopology::RemovePeer(uint64_t region_id, uint64_t store_id) {
  SimRegion* region = MutableRegion(region_id);
  if (region == nullptr) return absl::NotFoundError(absl::StrCat("region ", region_id));
  auto it = std::find_if(region->peers.begin(), region->peers.end(),
                         [&](const SimPeer& p) { return p.store_id == store_id; });
  if (it == region->peers.end()) return absl::NotFoundError("no peer on that store");
  if (it->id == region->leader_peer_id) {
    return absl::FailedPreconditionError("transfer the leader before removing its peer");
  }
  region->peers.erase(it);
  region->conf_ver += 1;
  return absl::OkStatus();
}

absl::Status ClusterTopology::PromoteLearner(uint64_t region_id, uint64_t store_id) {
  SimRegion* region = MutableRegion(region_id);
  if (region == nullptr) return absl::NotFoundError(absl::StrCat("region ", region_id));
  for (SimPeer& p : region->peers) {
    if (p.store_id == store_id && p.role == metapb::Learner) {
      p.role = metapb::Voter;
      p.initialized = true;
      region->conf_ver += 1;
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError("no learner on that store");
}

absl::StatusOr<uint64_t> ClusterTopology::ReplacePeer(uint64_t region_id, uint64_t store_id) {
  SimRegion* region = MutableRegion(region_id);
  if (region == nullptr) return absl::NotFoundError(absl::StrCat("region ", region_id));
  for (SimPeer& p : region->peers) {
    if (p.store_id != store_id) continue;
    const bool was_leader = p.id == region->leader_peer_id;
    p.id = AllocId();
    if (was_leader) region->leader_peer_id = p.id;
    region->conf_ver += 2;
    return p.id;
  }
  return absl::NotFoundError("no peer on that store");
}

absl::Status ClusterTopology::SetStoreUp(uint64_t store_id, bool up) {
  SimStore* store = MutableStore(store_id);
  if (store == nullptr) return absl::NotFoundError(absl::StrCat("store ", store_id));
  store->up = up;
  if (up) return absl::OkStatus();
  store->max_ts = 0;  // volatile state is lost
  store->unsynced_regions.clear();
  for (auto& [id, region] : regions_) {
    const SimPeer* leader = region.Leader();
    if (leader == nullptr || leader->store_id != store_id) continue;
    region.leader_peer_id = 0;
    region.term += 1;
    for (const SimPeer& p : region.peers) {
      const SimStore* s = GetStore(p.store_id);
      if (p.role == metapb::Voter && s != nullptr && s->up) {
        region.leader_peer_id = p.id;
        MarkNewLeader(region);
        break;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ClusterTopology::CheckInvariants() {
  std::string expected_start;
  bool first = true;
  std::map<uint64_t, uint64_t> peer_ids;
  for (const auto& [start, id] : by_start_) {
    const SimRegion* r = GetRegion(id);
    if (r == nullptr) return absl::InternalError(absl::StrCat("index names missing region ", id));
    if (r->start_key != start) return absl::InternalError("start-key index out of date");
    if (!first && r->start_key != expected_start) {
      return absl::InternalError(absl::StrCat("gap or overlap before region ", id));
    }
    if (first && !r->start_key.empty()) return absl::InternalError("key space does not start at -inf");
    first = false;
    expected_start = r->end_key;
    if (r->leader_peer_id != 0) {
      const SimPeer* l = r->Leader();
      if (l == nullptr || l->role != metapb::Voter) {
        return absl::InternalError(absl::StrCat("leader of region ", id, " is not a voter"));
      }
    }
    for (const SimPeer& p : r->peers) {
      if (!peer_ids.emplace(p.id, id).second) {
        return absl::InternalError(absl::StrCat("peer id ", p.id, " used twice"));
      }
    }
    auto [it, inserted] = seen_epochs_.emplace(id, std::make_pair(r->conf_ver, r->version));
    if (!inserted) {
      if (r->conf_ver < it->second.first || r->version < it->second.second) {
        return absl::InternalError(absl::StrCat("epoch of region ", id, " went backwards"));
      }
      it->second = {r->conf_ver, r->version};
    }
  }
  if (!by_start_.empty() && !expected_start.empty()) {
    return absl::InternalError("key space does not end at +inf");
  }
  if (by_start_.size() != regions_.size()) return absl::InternalError("region index size mismatch");
  return absl::OkStatus();
}

}  // namespace tikv::sim
