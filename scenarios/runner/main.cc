// tikv-scenario: runs seeded simulation scenarios (simulation.md sections 3.3, 4, 6).
//
//   tikv-scenario --list
//   tikv-scenario --scenario runtime-smoke --seed 7
//   tikv-scenario --scenario=runtime-smoke --seeds=1..200
//   tikv-scenario --scenario runtime-smoke --seeds 1..20 --check-determinism
//
// One line per seed: "<scenario> seed=<n> ok|FAIL trace_hash=<16 hex digits>".  A failing seed
// also prints the one command that replays it; the exit status is non-zero when any seed
// failed.  --check-determinism runs every seed in two separate child processes (the second
// with a perturbed heap) and compares their hashes.

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/runner/registry.h"

namespace {

using tikv::scenarios::AllScenarios;
using tikv::scenarios::Scenario;
using tikv::scenarios::ScenarioOutcome;

struct Args {
  bool list = false;
  bool check_determinism = false;
  bool hash_only = false;     // internal: child of --check-determinism
  bool perturb_heap = false;  // internal: second child
  std::string scenario;
  uint64_t first_seed = 1;
  uint64_t last_seed = 1;
};

[[noreturn]] void Usage(const char* error) {
  std::fprintf(stderr,
               "error: %s\nusage: tikv-scenario [--list] [--scenario NAME] [--seed N | --seeds A..B]"
               " [--check-determinism]\n",
               error);
  std::exit(2);
}

uint64_t ParseSeed(const std::string& s) {
  char* end = nullptr;
  const uint64_t v = std::strtoull(s.c_str(), &end, 0);  // decimal or 0x...
  if (s.empty() || end == nullptr || *end != '\0') Usage(("bad seed: " + s).c_str());
  return v;
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::optional<std::string> value;
    if (const size_t eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    auto need = [&]() -> std::string {
      if (value) return *value;
      if (i + 1 >= argc) Usage(("missing value for " + flag).c_str());
      return argv[++i];
    };
    if (flag == "--list") {
      a.list = true;
    } else if (flag == "--check-determinism") {
      a.check_determinism = true;
    } else if (flag == "--hash-only") {
      a.hash_only = true;
    } else if (flag == "--perturb-heap") {
      a.perturb_heap = true;
    } else if (flag == "--scenario") {
      a.scenario = need();
    } else if (flag == "--seed") {
      a.first_seed = a.last_seed = ParseSeed(need());
    } else if (flag == "--seeds") {
      const std::string range = need();
      const size_t dots = range.find("..");
      if (dots == std::string::npos) Usage("--seeds takes A..B");
      a.first_seed = ParseSeed(range.substr(0, dots));
      a.last_seed = ParseSeed(range.substr(dots + 2));
      if (a.last_seed < a.first_seed) Usage("--seeds A..B needs A <= B");
    } else {
      Usage(("unknown flag " + flag).c_str());
    }
  }
  return a;
}

std::string SelfPath(const char* argv0) {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return argv0;
  buf[n] = '\0';
  return buf;
}

std::string ReplayCommand(const std::string& self, const std::string& scenario, uint64_t seed) {
  return self + " --scenario=" + scenario + " --seed=" + std::to_string(seed);
}

// Runs one seed in a child process and returns the hash it printed, or nullopt.
std::optional<uint64_t> HashInChild(const std::string& self, const std::string& scenario,
                                    uint64_t seed, bool perturb) {
  std::string cmd = "'" + self + "' --hash-only --scenario='" + scenario +
                    "' --seed=" + std::to_string(seed) + (perturb ? " --perturb-heap" : "");
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  char line[256];
  std::optional<uint64_t> hash;
  while (std::fgets(line, sizeof(line), p) != nullptr) {
    const char* h = std::strstr(line, "trace_hash=");
    if (h != nullptr) hash = std::strtoull(h + std::strlen("trace_hash="), nullptr, 16);
  }
  if (pclose(p) != 0) return std::nullopt;
  return hash;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  if (args.perturb_heap) {
    // Shift later allocations so address-dependent behaviour shows up (simulation.md 3.3).
    static std::unique_ptr<char[]> pad(new char[4096 + (static_cast<size_t>(getpid()) % 4096) * 16]);
  }
  if (args.list) {
    for (const auto& [name, s] : AllScenarios()) {
      std::printf("%-24s %s\n", name.c_str(), s.description.c_str());
    }
    return 0;
  }
  std::vector<const Scenario*> selected;
  if (args.scenario.empty()) {
    for (const auto& [name, s] : AllScenarios()) selected.push_back(&s);
  } else {
    auto it = AllScenarios().find(args.scenario);
    if (it == AllScenarios().end()) Usage(("unknown scenario " + args.scenario + " (see --list)").c_str());
    selected.push_back(&it->second);
  }
  const std::string self = SelfPath(argv[0]);
  int failures = 0;
  for (const Scenario* s : selected) {
    for (uint64_t seed = args.first_seed;; ++seed) {
      const std::string replay = ReplayCommand(self, s->name, seed);
      if (args.check_determinism) {
        std::optional<uint64_t> a = HashInChild(self, s->name, seed, false);
        std::optional<uint64_t> b = HashInChild(self, s->name, seed, true);
        const bool ok = a && b && *a == *b;
        std::printf("%s seed=%" PRIu64 " %s trace_hash=%016" PRIx64 " second_process=%016" PRIx64 "\n",
                    s->name.c_str(), seed, ok ? "ok" : "FAIL", a.value_or(0), b.value_or(0));
        if (!ok) {
          ++failures;
          std::printf("  determinism violated (or a child failed); replay: %s\n", replay.c_str());
        }
      } else {
        ScenarioOutcome out = tikv::scenarios::RunScenario(*s, seed, [&](std::string_view) {
          std::fprintf(stderr, "replay: %s\n", replay.c_str());
        });
        std::printf("%s seed=%" PRIu64 " %s trace_hash=%016" PRIx64, s->name.c_str(), seed,
                    out.status.ok() ? "ok" : "FAIL", out.trace_hash);
        if (!args.hash_only) {
          std::printf(" steps=%" PRIu64 " virtual_ms=%" PRId64, out.steps, out.virtual_ns / 1'000'000);
        }
        std::printf("\n");
        if (!out.status.ok()) {
          ++failures;
          std::printf("  %s\n  replay: %s\n", out.status.ToString().c_str(), replay.c_str());
        }
      }
      std::fflush(stdout);
      if (seed == args.last_seed) break;
    }
  }
  return failures == 0 ? 0 : 1;
}
