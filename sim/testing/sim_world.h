// SimWorld: a whole simulated world in one object for tests and scenarios — a SimEnv (virtual
// clock, fibers, seeded randomness, the SimNetwork) and a SimCluster put on that network by
// SimClusterNodes.  A client reaches PD at pd_endpoints() and the stores at the addresses PD
// hands out, through ClientTransport(), from fibers spawned on env.
//
//   SimWorld world({.sim = {.seed = 7}});
//   auto transport = world.ClientTransport("client-1");
//   absl::Status s = world.RunOnFiber([&] { /* calls through *transport */ });
//
// Fiber-confined to the simulation thread.

#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sim/cluster/sim_cluster.h"
#include "sim/cluster/sim_cluster_nodes.h"
#include "sim/env/sim_env.h"
#include "sim/net/sim_network.h"
#include "tikv/env.h"

namespace tikv::sim {

struct SimWorldOptions {
  SimOptions sim;
  ClusterOptions cluster;
};

struct SimWorld {
  // Builds the env, the cluster and its nodes.  Never suspends.
  explicit SimWorld(SimWorldOptions options = {});
  SimWorld(const SimWorld&) = delete;
  SimWorld& operator=(const SimWorld&) = delete;

  // Declaration order is construction order: the nodes need the env and the cluster.
  SimEnv env;
  SimCluster cluster;
  SimClusterNodes nodes;

  // The world's network.  Never suspends.
  SimNetwork& net() { return env.network(); }
  // A transport sending from client node `name` (added if missing).  Must not outlive the
  // world.  Never suspends.
  std::unique_ptr<Transport> ClientTransport(std::string name = "client-1") {
    return env.network().NewTransport(std::move(name));
  }
  // PD endpoints ("pd1:2379", ...) for a PD client.  Never suspends.
  const std::vector<std::string>& PdEndpoints() const { return nodes.pd_endpoints(); }

  // Spawns `body` on a fiber and runs the world until nothing is left (env.Run()).
  // Requires: not on a fiber.  Errors: as SimEnv::Run (deadlock, livelock).
  absl::Status RunOnFiber(std::function<void()> body, std::string_view name = "test");
};

}  // namespace tikv::sim
