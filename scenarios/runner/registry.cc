#include "scenarios/runner/registry.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace tikv::scenarios {
namespace {

// Function-local so registration order across translation units does not matter.
std::map<std::string, Scenario>& Registry() {
  static std::map<std::string, Scenario> registry;
  return registry;
}

}  // namespace

void RegisterScenario(Scenario scenario) {
  std::string name = scenario.name;
  if (!Registry().emplace(name, std::move(scenario)).second) {
    std::fprintf(stderr, "duplicate scenario name %s\n", name.c_str());
    std::abort();
  }
}

const std::map<std::string, Scenario>& AllScenarios() { return Registry(); }

ScenarioOutcome RunScenario(const Scenario& scenario, uint64_t seed,
                            std::function<void(std::string_view)> on_check_failure) {
  sim::SimOptions options = scenario.options;
  options.seed = seed;
  if (on_check_failure) options.on_check_failure = std::move(on_check_failure);
  ScenarioOutcome out;
  {
    sim::SimEnv env(options);
    out.status = scenario.run(seed, env);
    out.trace_hash = env.TraceHashValue();
    out.steps = env.steps();
    out.virtual_ns = env.now().nanos();
  }
  return out;
}

}  // namespace tikv::scenarios
