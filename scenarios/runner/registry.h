// The scenario registry: name -> a function that builds a simulated world on the given SimEnv,
// runs it, and checks its invariants.  Scenario files register themselves with
// TIKV_REGISTER_SCENARIO; the runner (scenarios/runner/main.cc) compiles every
// scenarios/*/*_scenario.cc into tikv-scenario, so adding a scenario needs no CMake edit.
//
// Fiber-confined: scenarios run on the simulation thread.

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "sim/env/sim_env.h"

namespace tikv::scenarios {

// Runs one seed: sets up fibers on `env`, calls env.Run() (or RunUntil), checks invariants.
// Returns OK, or the violated invariant.  The trace hash is read from `env` afterwards.
using ScenarioFn = std::function<absl::Status(uint64_t seed, sim::SimEnv& env)>;

struct Scenario {
  std::string name;
  std::string description;
  ScenarioFn run;
  // Options for the SimEnv (the seed is filled in per run).
  sim::SimOptions options;
};

struct ScenarioOutcome {
  absl::Status status;
  uint64_t trace_hash = 0;
  uint64_t steps = 0;
  int64_t virtual_ns = 0;
};

// Adds a scenario; names must be unique.  Never suspends.
void RegisterScenario(Scenario scenario);
// All scenarios by name.
const std::map<std::string, Scenario>& AllScenarios();
// Runs `scenario` for `seed` in a fresh SimEnv.  `on_check_failure` is called with the report
// before a failed TIKV_CHECK aborts the process.
ScenarioOutcome RunScenario(const Scenario& scenario, uint64_t seed,
                            std::function<void(std::string_view)> on_check_failure = nullptr);

struct ScenarioRegistration {
  ScenarioRegistration(std::string name, std::string description, ScenarioFn run,
                       sim::SimOptions options = {}) {
    RegisterScenario(Scenario{std::move(name), std::move(description), std::move(run),
                              std::move(options)});
  }
};

}  // namespace tikv::scenarios

#define TIKV_SCENARIO_CONCAT_INNER(a, b) a##b
#define TIKV_SCENARIO_CONCAT(a, b) TIKV_SCENARIO_CONCAT_INNER(a, b)
// TIKV_REGISTER_SCENARIO("name", "description", fn [, options]) at namespace scope.
#define TIKV_REGISTER_SCENARIO(...)                                                    \
  static const ::tikv::scenarios::ScenarioRegistration TIKV_SCENARIO_CONCAT(          \
      tikv_scenario_registration_, __LINE__)(__VA_ARGS__)
