// Test helper: runs a test body on a fiber of a SimEnv and drives the simulation until every
// fiber finished, so code that sleeps or parks runs on virtual time.  Fiber-confined.

#pragma once

#include <utility>

#include "absl/functional/any_invocable.h"
#include "gtest/gtest.h"
#include "sim/env/sim_env.h"

namespace tikv::testing {

// Spawns `body` on `env` and runs the world to completion; fails the test if fibers are left
// parked (a deadlock) or time stops advancing.  Requires: not on a fiber.
inline void RunOnFiber(sim::SimEnv& env, absl::AnyInvocable<void() &&> body) {
  env.executor().Spawn(SpawnOptions{.name = "test"}, std::move(body));
  absl::Status s = env.Run();
  ASSERT_TRUE(s.ok()) << s;
}

}  // namespace tikv::testing
