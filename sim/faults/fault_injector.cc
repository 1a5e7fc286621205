#include "sim/faults/fault_injector.h"

namespace tikv::sim {

uint64_t FaultInjector::AddRule(FaultRule rule) {
  const uint64_t id = ++next_id_;
  rules_.emplace(id, std::move(rule));
  return id;
}

void FaultInjector::RemoveRule(uint64_t rule_id) { rules_.erase(rule_id); }

std::optional<FaultRule> FaultInjector::Match(uint64_t store_id, const std::string& method,
                                              uint64_t region_id, const std::string& first_key,
                                              FaultTarget target) {
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    FaultRule& r = it->second;
    if (r.target != target) continue;
    if (r.store_id != 0 && r.store_id != store_id) continue;
    if (!r.method.empty() && r.method != method) continue;
    if (r.region_id != 0 && r.region_id != region_id) continue;
    if ((!r.start_key.empty() || !r.end_key.empty()) &&
        (first_key < r.start_key || (!r.end_key.empty() && first_key >= r.end_key))) {
      continue;
    }
    // Draw only for probabilistic rules so that certain rules consume no randomness.
    if (r.probability < 1.0 && !random_.Chance(r.probability)) continue;
    FaultRule fired = r;
    const uint64_t id = it->first;
    if (r.remaining > 0 && --r.remaining == 0) rules_.erase(it);
    trace_.push_back(FaultDecision{id, store_id, method, first_key, fired.action});
    return fired;
  }
  return std::nullopt;
}

}  // namespace tikv::sim
