#include "env/prod/prod_env.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <utility>

#include "env/prng.h"
#include "env/prod/grpc_transport.h"

namespace tikv::env::prod {
namespace {

MonoTime SteadyNow() {
  return MonoTime::FromNanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count());
}

class ProdRandom : public Random {
 public:
  explicit ProdRandom(uint64_t seed) : gen_(seed) {}
  uint64_t Next() override { return gen_.Next(); }

 private:
  Xoshiro256 gen_;
};


}  // namespace

class ProdEnv::ProdClock : public tikv::Clock {
 public:
  MonoTime Now() override { return SteadyNow(); }
  int64_t WallMillis() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class ProdEnv::StderrLog : public LogSink {
 public:
  void Write(const LogRecord& r) override {
    if (r.severity < LogSeverity::kWarning) return;
    std::fprintf(stderr, "tikv %s [%s] fiber=%llu: %s\n",
                 r.severity == LogSeverity::kError ? "E" : "W", std::string(r.component).c_str(),
                 static_cast<unsigned long long>(r.fiber_id), std::string(r.message).c_str());
  }
};

class ProdEnv::ProdExecutor : public FiberExecutor {
 public:
  explicit ProdExecutor(ProdEnv& env) : env_(env) {}

  void Spawn(SpawnOptions options, absl::AnyInvocable<void() &&> body) override {
    if (RuntimeThread* t = env_.CurrentThread()) {
      // Already on a runtime thread: the new fiber stays here (fibers never migrate, and a
      // transaction's fibers share their thread).
      t->scheduler().Spawn(options, std::move(body), CurrentRequestContext());
      return;
    }
    const size_t i = next_.fetch_add(1, std::memory_order_relaxed) % env_.threads_.size();
    env_.threads_[i]->PostSpawn(options, std::move(body), nullptr);
  }

 protected:
  bool Owns(const FiberScheduler* scheduler) const override {
    for (const auto& t : env_.threads_) {
      if (&t->scheduler() == scheduler) return true;
    }
    return false;
  }

 private:
  ProdEnv& env_;
  std::atomic<size_t> next_{0};
};

ProdEnv::ProdEnv(const ProdEnvOptions& options)
    : options_(options),
      clock_(std::make_unique<ProdClock>()),
      default_log_(std::make_unique<StderrLog>()) {
  size_t n = options_.threads;
  if (n == 0) n = std::max<size_t>(1, std::thread::hardware_concurrency());
  for (size_t i = 0; i < n; ++i) {
    threads_.push_back(std::make_unique<RuntimeThread>(
        i, options_.stack_bytes, [] { return SteadyNow(); },
        [this](std::string_view m) { OnCheckFailure(m); }));
  }
  executor_ = std::make_unique<ProdExecutor>(*this);
  transport_ = std::make_unique<GrpcTransport>(*this, options_.grpc);
  for (auto& t : threads_) t->Start();
}

ProdEnv::~ProdEnv() {
  for (auto& t : threads_) t->Stop();
  for (auto& t : threads_) t->Join();
  transport_.reset();
}

Clock& ProdEnv::clock() { return *clock_; }
Executor& ProdEnv::executor() { return *executor_; }
Transport& ProdEnv::transport() { return *transport_; }
LogSink& ProdEnv::log() { return options_.log_sink != nullptr ? *options_.log_sink : *default_log_; }

std::unique_ptr<Random> ProdEnv::NewRandom(std::string_view component) {
  // Production streams need no replay: seed each from the OS, mixed with the name.
  std::random_device rd;
  const uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return std::make_unique<ProdRandom>(DeriveStreamSeed(seed, component, 0));
}

void ProdEnv::OnCheckFailure(std::string_view message) {
  std::fprintf(stderr, "tikv: check failed: %s\n", std::string(message).c_str());
  std::fflush(nullptr);
  std::abort();
}

RuntimeThread* ProdEnv::CurrentThread() const {
  FiberScheduler* s = FiberScheduler::Current();
  if (s == nullptr) return nullptr;
  for (const auto& t : threads_) {
    if (&t->scheduler() == s) return t.get();
  }
  return nullptr;
}

}  // namespace tikv::env::prod

namespace tikv {

std::unique_ptr<Env> NewProdEnv(const ProdEnvOptions& options) {
  return std::make_unique<env::prod::ProdEnv>(options);
}

std::unique_ptr<Env> Env::Default() { return NewProdEnv({}); }

}  // namespace tikv
