#include "sim/cluster/request_router.h"

#include "absl/strings/str_cat.h"

namespace tikv::sim {
namespace {

const SimRegion* LeftNeighbour(const ClusterTopology& topology, const SimRegion& region) {
  if (region.start_key.empty()) return nullptr;
  for (const SimRegion* r : topology.RegionsInKeyOrder()) {
    if (r->end_key == region.start_key) return r;
  }
  return nullptr;
}

}  // namespace

errorpb::Error EpochNotMatchError(const ClusterTopology& topology, const SimRegion& region) {
  errorpb::Error err;
  err.set_message(absl::StrCat("epoch not match for region ", region.id));
  auto* enm = err.mutable_epoch_not_match();
  // TiKV walks neighbouring ranges the store knows; the model reports the left and right
  // neighbours, which covers the regions produced by one missed split on either side.
  if (const SimRegion* left = LeftNeighbour(topology, region)) {
    *enm->add_current_regions() = left->ToProto();
  }
  *enm->add_current_regions() = region.ToProto();
  if (!region.end_key.empty()) {
    if (const SimRegion* right = topology.LocateKey(region.end_key)) {
      *enm->add_current_regions() = right->ToProto();
    }
  }
  return err;
}

std::optional<errorpb::Error> ValidateRequest(const ClusterTopology& topology, KeyLayout layout,
                                              uint64_t store_id, const kvrpcpb::Context& ctx,
                                              const std::vector<std::string>& user_keys,
                                              const RequestTraits& traits) {
  errorpb::Error err;
  if (ctx.peer().store_id() != 0 && ctx.peer().store_id() != store_id) {
    err.set_message("store not match");
    err.mutable_store_not_match()->set_request_store_id(ctx.peer().store_id());
    err.mutable_store_not_match()->set_actual_store_id(store_id);
    return err;
  }
  const SimRegion* region = topology.GetRegion(ctx.region_id());
  const SimPeer* local = region == nullptr ? nullptr : region->PeerOnStore(store_id);
  if (local == nullptr) {
    err.set_message(absl::StrCat("region ", ctx.region_id(), " not found"));
    err.mutable_region_not_found()->set_region_id(ctx.region_id());
    return err;
  }
  if (ctx.peer().id() != 0 && ctx.peer().id() != local->id) {
    err.set_message("mismatch peer id");
    err.mutable_mismatch_peer_id()->set_request_peer_id(ctx.peer().id());
    err.mutable_mismatch_peer_id()->set_store_peer_id(local->id);
    return err;
  }
  if (region->recovery_in_progress) {
    err.set_message("region is in force leader state");
    err.mutable_recoveryinprogress()->set_region_id(region->id);
    return err;
  }
  const bool is_leader = region->leader_peer_id == local->id;
  const bool replica_read = ctx.replica_read() && !traits.is_write;
  const bool stale_read = ctx.stale_read() && !traits.is_write;
  if (!is_leader && !replica_read && !stale_read) {
    err.set_message(absl::StrCat("peer is not leader for region ", region->id));
    err.mutable_not_leader()->set_region_id(region->id);
    if (const SimPeer* leader = region->Leader()) {
      metapb::Peer* lp = err.mutable_not_leader()->mutable_leader();
      lp->set_id(leader->id);
      lp->set_store_id(leader->store_id);
      lp->set_role(leader->role);
    }
    return err;
  }
  if (local->is_witness) {
    err.set_message("peer is witness");
    err.mutable_is_witness()->set_region_id(region->id);
    return err;
  }
  if (!local->initialized) {
    err.set_message("region not initialized");
    err.mutable_region_not_initialized()->set_region_id(region->id);
    return err;
  }
  if (ctx.region_epoch().version() != region->version ||
      (traits.is_admin && ctx.region_epoch().conf_ver() != region->conf_ver)) {
    return EpochNotMatchError(topology, *region);
  }
  if (region->flashback) {
    err.set_message("region is in flashback");
    err.mutable_flashbackinprogress()->set_region_id(region->id);
    err.mutable_flashbackinprogress()->set_flashback_start_ts(region->flashback_start_ts);
    return err;
  }
  for (const std::string& key : user_keys) {
    // An empty range bound means "from the region start"; only real keys are range-checked.
    if (key.empty()) continue;
    const std::string pd_key = ToPdKey(layout, key);
    if (!region->Contains(pd_key)) {
      err.set_message("key not in region");
      auto* knr = err.mutable_key_not_in_region();
      knr->set_key(pd_key);
      knr->set_region_id(region->id);
      knr->set_start_key(region->start_key);
      knr->set_end_key(region->end_key);
      return err;
    }
  }
  const SimStore* store = topology.GetStore(store_id);
  if (store != nullptr && store->busy_estimated_wait_ms > 0) {
    err.set_message("server is busy");
    err.mutable_server_is_busy()->set_reason("scheduler is busy");
    err.mutable_server_is_busy()->set_estimated_wait_ms(store->busy_estimated_wait_ms);
    return err;
  }
  if (traits.is_write && region->merging) {
    err.set_message("peer is in merging mode");
    err.mutable_proposal_in_merging_mode()->set_region_id(region->id);
    return err;
  }
  if (traits.needs_synced_max_ts && store != nullptr) {
    for (uint64_t id : store->unsynced_regions) {
      if (id == region->id) {
        err.set_message("max timestamp not synced");
        err.mutable_max_timestamp_not_synced();
        return err;
      }
    }
  }
  if (stale_read && !is_leader && traits.read_ts > region->safe_ts) {
    err.set_message("data is not ready");
    err.mutable_data_is_not_ready()->set_region_id(region->id);
    err.mutable_data_is_not_ready()->set_peer_id(local->id);
    err.mutable_data_is_not_ready()->set_safe_ts(region->safe_ts);
    return err;
  }
  return std::nullopt;
}

}  // namespace tikv::sim
