#include "sim/env/sim_env.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "env/prng.h"
#include "env/this_fiber.h"
#include "sim/net/sim_network.h"

namespace tikv::sim {
namespace {

// A counted xoshiro256** stream: the draw count goes into the trace hash at the end.
class SimRandom : public Random {
 public:
  SimRandom(uint64_t seed, std::shared_ptr<uint64_t> draws)
      : gen_(seed), draws_(std::move(draws)) {}
  uint64_t Next() override {
    ++*draws_;
    return gen_.Next();
  }

 private:
  env::Xoshiro256 gen_;
  std::shared_ptr<uint64_t> draws_;
};

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

class SimEnv::SimClock : public Clock {
 public:
  explicit SimClock(SimEnv& env, int64_t offset_ms = 0) : env_(env), offset_ms_(offset_ms) {}
  MonoTime Now() override { return env_.now_; }
  int64_t WallMillis() override {
    return env_.wall_epoch_ms_ + offset_ms_ + env_.now_.nanos() / 1'000'000;
  }

 private:
  SimEnv& env_;
  int64_t offset_ms_;
};

class SimEnv::SimExecutor : public env::FiberExecutor {
 public:
  explicit SimExecutor(SimEnv& env) : env_(env) {}
  void Spawn(SpawnOptions options, absl::AnyInvocable<void() &&> body) override {
    if (options.stack_bytes == 0) options.stack_bytes = env_.options_.stack_bytes;
    env_.scheduler_.Spawn(options, std::move(body), env::CurrentRequestContext());
  }

 protected:
  bool Owns(const env::FiberScheduler* scheduler) const override {
    return scheduler == &env_.scheduler_;
  }

 private:
  SimEnv& env_;
};

class SimEnv::SimLog : public LogSink {
 public:
  explicit SimLog(SimEnv& env) : env_(env) {}
  void Write(const LogRecord& record) override { env_.WriteLog(record, ""); }
  void Append(std::string line, bool echo) {
    if (echo) std::fprintf(stderr, "%s\n", line.c_str());
    lines_.push_back(std::move(line));
    if (lines_.size() > kKeep) lines_.pop_front();
  }
  const std::deque<std::string>& lines() const { return lines_; }

 private:
  static constexpr size_t kKeep = 200;
  SimEnv& env_;
  std::deque<std::string> lines_;
};

// A client node's view of the world: its own transport, wall-clock offset and stream names.
class SimNodeEnv : public Env {
 public:
  SimNodeEnv(SimEnv& world, std::string node, std::unique_ptr<Transport> transport,
             int64_t wall_offset_ms)
      : world_(world),
        node_(std::move(node)),
        transport_(std::move(transport)),
        clock_(world, wall_offset_ms),
        log_(*this) {}
  Clock& clock() override { return clock_; }
  Executor& executor() override { return world_.executor(); }
  Transport& transport() override { return *transport_; }
  LogSink& log() override { return log_; }
  std::unique_ptr<Random> NewRandom(std::string_view component) override {
    return world_.NewNamedRandom(absl::StrCat(node_, "/", AbslView(component)));
  }
  bool Buggify(const char* file, int line, double p) override { return world_.Buggify(file, line, p); }
  bool is_simulated() const override { return true; }
  [[noreturn]] void OnCheckFailure(std::string_view message) override {
    world_.OnCheckFailure(absl::StrCat("[", node_, "] ", AbslView(message)));
    std::abort();  // unreachable: the world's hook aborts
  }

 private:
  class NodeClock : public Clock {
   public:
    NodeClock(SimEnv& world, int64_t offset_ms) : world_(world), offset_ms_(offset_ms) {}
    MonoTime Now() override { return world_.now(); }
    int64_t WallMillis() override {
      return world_.wall_epoch_ms() + offset_ms_ + world_.now().nanos() / 1'000'000;
    }

   private:
    SimEnv& world_;
    int64_t offset_ms_;
  };
  class NodeLog : public LogSink {
   public:
    explicit NodeLog(SimNodeEnv& env) : env_(env) {}
    void Write(const LogRecord& record) override { env_.world_.WriteLog(record, env_.node_); }

   private:
    SimNodeEnv& env_;
  };

  SimEnv& world_;
  std::string node_;
  std::unique_ptr<Transport> transport_;
  NodeClock clock_;
  NodeLog log_;
};

SimEnv::SimEnv(SimOptions options)
    : options_(std::move(options)),
      scheduler_(env::FiberScheduler::Options{
          .default_stack_bytes = options_.stack_bytes,
          .post_remote_wake = nullptr,
          .on_failure = [this](std::string_view m) { OnCheckFailure(m); }}),
      clock_(std::make_unique<SimClock>(*this)),
      executor_(std::make_unique<SimExecutor>(*this)),
      log_(std::make_unique<SimLog>(*this)),
      now_(MonoTime::FromNanos(1'000'000'000)) {
  std::unique_ptr<Random> setup = NewNamedRandom("sim.setup");
  // A virtual start instant within about four years after 2020-01-01 catches code that
  // assumes small timestamps (simulation.md 3.2).
  wall_epoch_ms_ = 1'577'836'800'000LL + static_cast<int64_t>(setup->Uniform(4ULL * 365 * 86'400'000));
  switch (options_.policy) {
    case SchedulePolicy::kFifo: random_pick_ = false; break;
    case SchedulePolicy::kRandom: random_pick_ = true; break;
    case SchedulePolicy::kFromSeed: random_pick_ = setup->OneIn(2) ? false : true; break;
  }
  scheduler_random_ = NewNamedRandom("scheduler");
  buggify_random_ = NewNamedRandom("buggify");
}

SimEnv::~SimEnv() {
  // The network's pending timers and streams may refer to fibers' state; drop them first.
  client_transport_.reset();
  network_.reset();
}

Clock& SimEnv::clock() { return *clock_; }
Executor& SimEnv::executor() { return *executor_; }
LogSink& SimEnv::log() { return *log_; }

Transport& SimEnv::transport() {
  if (client_transport_ == nullptr) client_transport_ = network().NewTransport("client");
  return *client_transport_;
}

SimNetwork& SimEnv::network() {
  if (network_ == nullptr) {
    network_ = std::make_unique<SimNetwork>(*this);
    network_->AddNode("client");
  }
  return *network_;
}

std::unique_ptr<Env> SimEnv::NewNodeEnv(std::string node) {
  if (network().FindNode(node) == nullptr) network().AddNode(node);
  std::unique_ptr<Random> r = NewNamedRandom(absl::StrCat(node, "/wall-offset"));
  // Client clocks disagree by up to a second either way.
  const int64_t offset = r->Range(-1000, 1000);
  auto transport = network().NewTransport(node);
  return std::make_unique<SimNodeEnv>(*this, std::move(node), std::move(transport), offset);
}

std::unique_ptr<Random> SimEnv::NewRandom(std::string_view component) {
  return NewNamedRandom(std::string(component));
}

std::unique_ptr<Random> SimEnv::NewNamedRandom(std::string name) {
  uint64_t& next = stream_index_[name];
  const uint64_t index = next++;
  auto draws = std::make_shared<uint64_t>(0);
  streams_.push_back(StreamCount{name, index, draws});
  return std::make_unique<SimRandom>(env::DeriveStreamSeed(options_.seed, name, index),
                                     std::move(draws));
}

bool SimEnv::Buggify(const char* file, int line, double fire_probability) {
  if (!options_.buggify) return false;
  // Key by the file's base name so the build directory does not matter.
  std::string_view path(file);
  const size_t slash = path.find_last_of('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  auto key = std::make_pair(std::string(path), line);
  auto it = buggify_sites_.find(key);
  if (it == buggify_sites_.end()) {
    const bool active = buggify_random_->OneIn(4);
    it = buggify_sites_.emplace(std::move(key), active).first;
    trace_.BeginEvent(kTraceBuggify);
    trace_.AddBytes(path);
    trace_.AddU64(static_cast<uint64_t>(line));
    trace_.AddU64(active ? 1 : 0);
  }
  return it->second && buggify_random_->Bernoulli(fire_probability);
}

void SimEnv::OnCheckFailure(std::string_view message) {
  const std::string report = absl::StrFormat(
      "SIMULATION FAILURE seed=%d step=%d virtual_time_ns=%d: %s\nlast log lines:\n%s",
      options_.seed, steps_, now_.nanos(), AbslView(message), LogTail());
  std::fprintf(stderr, "%s\n", report.c_str());
  if (options_.on_check_failure) options_.on_check_failure(report);
  std::fflush(nullptr);
  std::abort();
}

void SimEnv::AddTimer(MonoTime deadline, absl::AnyInvocable<void() &&> callback) {
  scheduler_.AddTimer(deadline, std::move(callback));
}

absl::Status SimEnv::Run() {
  absl::Status s = RunUntil(MonoTime::Infinite());
  if (!s.ok()) return s;
  if (scheduler_.live_fibers() != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("deadlock: no runnable fiber and no pending timer at virtual time ",
                     now_.nanos(), "ns; live fibers:\n", scheduler_.DescribeFibers()));
  }
  return absl::OkStatus();
}

absl::Status SimEnv::RunUntil(MonoTime limit) {
  env::FiberScheduler::ThreadBinding binding(&scheduler_);
  for (;;) {
    if (scheduler_.ready_size() == 0) {
      const MonoTime next = scheduler_.NextTimerDeadline();
      if (next.is_infinite() || next > limit) {
        if (!limit.is_infinite() && limit > now_) now_ = limit;
        return absl::OkStatus();
      }
      if (next > now_) {
        now_ = next;
        steps_since_advance_ = 0;
      }
      const env::FiberScheduler::FiredTimer fired = scheduler_.FireNextTimer();
      trace_.BeginEvent(kTraceTimerFire);
      trace_.AddI64(now_.nanos());
      trace_.AddU64(fired.seq);
      trace_.AddU64(fired.fiber_id);
      continue;
    }
    if (++steps_since_advance_ > options_.livelock_steps) {
      steps_since_advance_ = 0;  // a later Run() gets a fresh budget
      return absl::ResourceExhaustedError(absl::StrCat(
          "livelock: ", options_.livelock_steps, " steps without virtual time advancing at ",
          now_.nanos(), "ns; live fibers:\n", scheduler_.DescribeFibers()));
    }
    const size_t n = scheduler_.ready_size();
    const size_t index = random_pick_ && n > 1 ? scheduler_random_->Uniform(n) : 0;
    env::Fiber* f = scheduler_.TakeReady(index);
    trace_.BeginEvent(kTracePick);
    trace_.AddI64(now_.nanos());
    trace_.AddU64(f->id);
    ++steps_;
    scheduler_.Resume(f);
  }
}

uint64_t SimEnv::TraceHashValue() const {
  env::TraceHash h = trace_;
  for (const StreamCount& s : streams_) {
    h.BeginEvent(kTraceRandomStream);
    h.AddBytes(s.name);
    h.AddU64(s.index);
    h.AddU64(*s.draws);
  }
  return h.value();
}

void SimEnv::WriteLog(const LogRecord& record, std::string_view node) {
  static constexpr const char* kSeverity[] = {"D", "I", "W", "E"};
  log_->Append(absl::StrFormat("%s t=%dns %s%s%s fiber=%d %s: %s",
                               kSeverity[static_cast<int>(record.severity)], record.time.nanos(),
                               AbslView(node), node.empty() ? "" : " ", "", record.fiber_id,
                               AbslView(record.component), AbslView(record.message)),
               options_.echo_log);
}

std::string SimEnv::LogTail() const {
  std::string out;
  for (const std::string& line : log_->lines()) absl::StrAppend(&out, "  ", line, "\n");
  return out;
}

}  // namespace tikv::sim
