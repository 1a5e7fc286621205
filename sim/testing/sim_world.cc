#include "sim/testing/sim_world.h"

#include <utility>

namespace tikv::sim {

SimWorld::SimWorld(SimWorldOptions options)
    : env(options.sim), cluster(options.cluster), nodes(env, cluster) {}

absl::Status SimWorld::RunOnFiber(std::function<void()> body, std::string_view name) {
  env.executor().Spawn({.name = name}, [body = std::move(body)]() mutable { body(); });
  return env.Run();
}

}  // namespace tikv::sim
