// Runs a test body on a fiber of either Env, so each primitive is tested under both the
// deterministic simulation and the threaded production runtime.

#pragma once

#include <functional>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "env/run_blocking.h"
#include "sim/env/sim_env.h"
#include "tikv/env.h"
#include "tikv/prod_env.h"

namespace tikv::testing {

enum class EnvKind { kSim, kProd };

inline std::string EnvKindName(const ::testing::TestParamInfo<EnvKind>& info) {
  return info.param == EnvKind::kSim ? "Sim" : "Prod";
}

// Runs `body(env)` on a fiber and returns once it and every fiber it spawned finished.
inline void RunOnEnv(EnvKind kind, const std::function<void(Env&)>& body, uint64_t seed = 1) {
  if (kind == EnvKind::kSim) {
    sim::SimEnv env(sim::SimOptions{.seed = seed});
    env.executor().Spawn({.name = "test-main"}, [&] { body(env); });
    absl::Status s = env.Run();
    ASSERT_TRUE(s.ok()) << s;
  } else {
    std::unique_ptr<Env> env = NewProdEnv({.threads = 2, .stack_bytes = 64 * 1024});
    env::RunBlocking(env->executor(), [&] { body(*env); });
  }
}

class EnvTest : public ::testing::TestWithParam<EnvKind> {
 protected:
  void Run(const std::function<void(Env&)>& body) { RunOnEnv(GetParam(), body); }
};

}  // namespace tikv::testing
