// A seeded random fault schedule for scenarios (protocol.md 5.8): at each step it draws, from
// per-family SimRandom streams, whether to split a region, merge neighbours, transfer a leader,
// stop or restart a store, make a store slow, or change the PD leader, with configurable
// probabilities, and applies the event to a SimCluster. The same seed and the same sequence of
// Step() calls always produce the same events, so a failing run replays exactly.
// Fiber-confined: not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/cluster/sim_cluster.h"
#include "sim/util/random.h"

namespace tikv::sim {

// Per-step probabilities of each fault family.
struct FaultProbabilities {
  double split = 0.0;
  double merge = 0.0;
  double transfer_leader = 0.0;
  double store_down = 0.0;   // also restarts a down store with the same probability
  double store_slow = 0.0;   // toggles slowness
  double pd_leader_change = 0.0;
};

// One applied (or attempted) event.
struct FaultEvent {
  int64_t time_ms = 0;
  std::string description;  // e.g. "split region 2 at \"k17\"", stable across runs
  bool applied = false;     // false when the cluster refused it (e.g. no mergeable neighbour)
};

class FaultSchedule {
 public:
  FaultSchedule(uint64_t seed, FaultProbabilities probabilities);

  // Draws and applies this step's events at `now_ms`; returns them in application order.
  // `candidate_keys` are user keys the workload touches, used as split points.
  std::vector<FaultEvent> Step(SimCluster& cluster, int64_t now_ms,
                               const std::vector<std::string>& candidate_keys);

  // Every event so far (the replay trace).
  const std::vector<FaultEvent>& trace() const { return trace_; }

 private:
  FaultProbabilities p_;
  SimRandom split_rng_, merge_rng_, leader_rng_, store_rng_, slow_rng_, pd_rng_;
  std::vector<FaultEvent> trace_;
};

}  // namespace tikv::sim
