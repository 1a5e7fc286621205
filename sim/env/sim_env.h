// SimEnv: the simulation Env.  One OS thread runs every fiber through one FiberScheduler; a
// virtual clock jumps to the next timer whenever nothing is runnable; the next fiber to run is
// the FIFO head or a seeded pick among the ready ones (the policy comes from the seed); timers
// tie-break by arming order; every random stream is derived from the run seed; and every
// scheduling decision, timer and network event is folded into a trace hash, so the same seed
// gives the same hash in every process (simulation.md 2.4, 3).
//
// A SimEnv is one simulated world: it owns the scheduler, the clock, the random streams, the
// trace and the simulated network.  Its own transport() is the network's node "client";
// NewNodeEnv() gives more client nodes that share the world.
//
// Fiber-confined: every method must be called on the simulation's thread (from fibers, from
// timer callbacks, or from the code that sets up and runs the world).

#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "env/fiber_executor.h"
#include "env/scheduler.h"
#include "env/trace_hash.h"
#include "tikv/env.h"

namespace tikv::sim {

class SimNetwork;

enum class SchedulePolicy {
  kFromSeed,  // FIFO or random pick, chosen by the seed (half each)
  kFifo,      // the oldest ready fiber runs next
  kRandom,    // a seeded uniform pick among ready fibers
};

struct SimOptions {
  uint64_t seed = 1;
  SchedulePolicy policy = SchedulePolicy::kFromSeed;
  // Default fiber stack; small, because simulations run many fibers.
  size_t stack_bytes = 64 * 1024;
  // More scheduler steps than this without virtual time advancing is a livelock.
  uint64_t livelock_steps = 1'000'000;
  // BUGGIFY sites are activated (per site, p = 0.25) only when enabled.
  bool buggify = false;
  // Called with the report before OnCheckFailure aborts (e.g. to print a replay command).
  std::function<void(std::string_view)> on_check_failure;
  // Log records also go to stderr when set (they are always kept in the ring buffer).
  bool echo_log = false;
};

// Trace event kinds (fixed numbers: they are part of the hash).
enum TraceEvent : uint32_t {
  kTracePick = 1,
  kTraceTimerFire = 2,
  kTraceNetSend = 10,
  kTraceNetDeliver = 11,
  kTraceNetDrop = 12,
  kTraceNetDuplicate = 13,
  kTraceStreamOpen = 14,
  kTraceStreamBreak = 15,
  kTraceFault = 20,
  kTraceBuggify = 21,
  kTraceRandomStream = 30,
  kTraceUser = 100,
};

class SimEnv : public Env {
 public:
  explicit SimEnv(SimOptions options = {});
  // Requires: Run() returned with no live fibers, or the world is abandoned after a failure
  // (live fibers are then leaked, never unwound).
  ~SimEnv() override;
  SimEnv(const SimEnv&) = delete;
  SimEnv& operator=(const SimEnv&) = delete;

  // --- Env ---
  Clock& clock() override;
  Executor& executor() override;
  Transport& transport() override;
  LogSink& log() override;
  std::unique_ptr<Random> NewRandom(std::string_view component) override;
  bool Buggify(const char* file, int line, double fire_probability) override;
  bool is_simulated() const override { return true; }
  [[noreturn]] void OnCheckFailure(std::string_view message) override;

  // --- the world ---

  // Runs until nothing is runnable and no timer is pending.  Returns OK when every fiber has
  // finished; kFailedPrecondition ("deadlock") listing the parked fibers otherwise;
  // kResourceExhausted ("livelock") when time stops advancing for too many steps.
  // Requires: not on a fiber.
  absl::Status Run();
  // Runs until virtual time reaches `limit` (later timers stay pending) or nothing is left.
  // Leaves live fibers alone.  Errors: livelock as Run().  Requires: not on a fiber.
  absl::Status RunUntil(MonoTime limit);

  // Runs `callback` on the simulation thread outside any fiber at virtual time `deadline`.
  // Ties run in arming order.  The callback must not suspend.  Never suspends.
  void AddTimer(MonoTime deadline, absl::AnyInvocable<void() &&> callback);

  // The simulated network (created on first use, with node "client").
  SimNetwork& network();

  // An Env for another client node `node` (created in the network if missing) sharing this
  // world's scheduler, clock and trace; its random streams are named "<node>/<component>" and
  // its wall clock is offset by a seeded amount.  The view must not outlive this SimEnv.
  std::unique_ptr<Env> NewNodeEnv(std::string node);

  uint64_t seed() const { return options_.seed; }
  MonoTime now() const { return now_; }
  uint64_t steps() const { return steps_; }
  bool random_schedule() const { return random_pick_; }
  size_t live_fibers() const { return scheduler_.live_fibers(); }
  // The raw trace, for components that fold their own events (network, workloads).
  env::TraceHash& trace() { return trace_; }
  // The run's trace hash: the trace so far plus the draw count of every random stream.
  uint64_t TraceHashValue() const;
  // The most recent log lines, oldest first (for failure reports).
  std::string LogTail() const;
  // Wall-clock epoch (Unix ms at virtual time zero), chosen by the seed.
  int64_t wall_epoch_ms() const { return wall_epoch_ms_; }

  // For SimTransport and node views: a counted random stream named exactly `name`.
  std::unique_ptr<Random> NewNamedRandom(std::string name);
  void WriteLog(const LogRecord& record, std::string_view node);

 private:
  class SimClock;
  class SimExecutor;
  class SimLog;
  struct StreamCount {
    std::string name;
    uint64_t index;
    std::shared_ptr<uint64_t> draws;
  };

  SimOptions options_;
  env::FiberScheduler scheduler_;
  std::unique_ptr<SimClock> clock_;
  std::unique_ptr<SimExecutor> executor_;
  std::unique_ptr<SimLog> log_;
  env::TraceHash trace_;
  MonoTime now_;
  int64_t wall_epoch_ms_ = 0;
  uint64_t steps_ = 0;
  uint64_t steps_since_advance_ = 0;
  bool random_pick_ = false;
  std::unique_ptr<Random> scheduler_random_;
  std::vector<StreamCount> streams_;                   // creation order
  absl::btree_map<std::string, uint64_t> stream_index_;  // next index per name
  std::unique_ptr<Random> buggify_random_;
  absl::btree_map<std::pair<std::string, int>, bool> buggify_sites_;
  std::unique_ptr<SimNetwork> network_;
  std::unique_ptr<Transport> client_transport_;
};

}  // namespace tikv::sim
