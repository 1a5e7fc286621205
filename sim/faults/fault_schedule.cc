#include "sim/faults/fault_schedule.h"

#include "absl/strings/str_cat.h"

namespace tikv::sim {

FaultSchedule::FaultSchedule(uint64_t seed, FaultProbabilities probabilities)
    : p_(probabilities),
      split_rng_(SimRandom(seed).Fork("split")),
      merge_rng_(SimRandom(seed).Fork("merge")),
      leader_rng_(SimRandom(seed).Fork("transfer_leader")),
      store_rng_(SimRandom(seed).Fork("store_down")),
      slow_rng_(SimRandom(seed).Fork("store_slow")),
      pd_rng_(SimRandom(seed).Fork("pd_leader")) {}

std::vector<FaultEvent> FaultSchedule::Step(SimCluster& cluster, int64_t now_ms,
                                            const std::vector<std::string>& candidate_keys) {
  std::vector<FaultEvent> events;
  auto record = [&](std::string what, bool ok) {
    events.push_back(FaultEvent{now_ms, std::move(what), ok});
  };
  // Each family draws its decision first and its arguments second, always, so that the
  // outcome of one family never shifts another's stream.
  if (split_rng_.Chance(p_.split) && !candidate_keys.empty()) {
    const std::string& key = candidate_keys[split_rng_.Uniform(candidate_keys.size())];
    auto ids = cluster.SplitAt({key});
    record(absl::StrCat("split at \"", KeyText(key), "\""), ids.ok() && ids->size() > 1);
  }
  if (merge_rng_.Chance(p_.merge)) {
    auto regions = cluster.topology().RegionsInKeyOrder();
    if (regions.size() >= 2) {
      const size_t i = merge_rng_.Uniform(regions.size() - 1);
      const uint64_t source = regions[i]->id, target = regions[i + 1]->id;
      record(absl::StrCat("merge region ", source, " into ", target),
             cluster.Merge(source, target).ok());
    }
  }
  if (leader_rng_.Chance(p_.transfer_leader)) {
    auto regions = cluster.topology().RegionsInKeyOrder();
    const SimRegion* r = regions[leader_rng_.Uniform(regions.size())];
    const SimPeer& peer = r->peers[leader_rng_.Uniform(r->peers.size())];
    const uint64_t region_id = r->id, store_id = peer.store_id;
    record(absl::StrCat("transfer leader of region ", region_id, " to store ", store_id),
           cluster.TransferLeader(region_id, store_id).ok());
  }
  if (store_rng_.Chance(p_.store_down)) {
    auto ids = cluster.store_ids();
    const uint64_t id = ids[store_rng_.Uniform(ids.size())];
    const bool up = cluster.topology().GetStore(id)->up;
    // Never stop the last up store: the run would only measure unavailability.
    int up_count = 0;
    for (uint64_t s : ids) up_count += cluster.topology().GetStore(s)->up ? 1 : 0;
    const bool ok = (up && up_count <= 1) ? false : cluster.SetStoreUp(id, !up).ok();
    record(absl::StrCat(up ? "stop" : "restart", " store ", id), ok);
  }
  if (slow_rng_.Chance(p_.store_slow)) {
    auto ids = cluster.store_ids();
    const uint64_t id = ids[slow_rng_.Uniform(ids.size())];
    const uint32_t wait = cluster.topology().GetStore(id)->busy_estimated_wait_ms == 0
                              ? static_cast<uint32_t>(10 + slow_rng_.Uniform(500))
                              : 0;
    record(absl::StrCat("store ", id, " busy wait ", wait, "ms"),
           cluster.SetStoreBusy(id, wait).ok());
  }
  if (pd_rng_.Chance(p_.pd_leader_change)) {
    const auto& members = cluster.pd().members();
    std::vector<uint64_t> ids;
    for (const auto& [id, m] : members) ids.push_back(id);
    const uint64_t id = ids[pd_rng_.Uniform(ids.size())];
    record(absl::StrCat("PD leader to member ", id), cluster.ChangePdLeader(id).ok());
  }
  trace_.insert(trace_.end(), events.begin(), events.end());
  return events;
}

}  // namespace tikv::sim
