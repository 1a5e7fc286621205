// ProdEnv: the production Env.  N RuntimeThreads run fibers (round-robin for work arriving
// from outside); clocks are steady_clock and system_clock; random streams are seeded from the
// OS; the transport is GrpcTransport.  See docs/runtime.md for the threading model.
//
// Thread-safe.

#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "env/fiber_executor.h"
#include "env/prod/runtime_thread.h"
#include "tikv/env.h"
#include "tikv/prod_env.h"

namespace tikv::env::prod {

class GrpcTransport;

class ProdEnv : public Env {
 public:
  explicit ProdEnv(const ProdEnvOptions& options);
  // Waits for every fiber to finish, then stops the threads.
  ~ProdEnv() override;

  Clock& clock() override;
  Executor& executor() override;
  Transport& transport() override;
  LogSink& log() override;
  std::unique_ptr<Random> NewRandom(std::string_view component) override;
  bool Buggify(const char*, int, double) override { return false; }
  bool is_simulated() const override { return false; }
  [[noreturn]] void OnCheckFailure(std::string_view message) override;

  // The runtime thread the caller runs on, or nullptr.  Never suspends.
  RuntimeThread* CurrentThread() const;
  size_t thread_count() const { return threads_.size(); }

 private:
  class ProdClock;
  class ProdExecutor;
  class StderrLog;

  ProdEnvOptions options_;
  std::unique_ptr<ProdClock> clock_;
  std::unique_ptr<StderrLog> default_log_;
  std::vector<std::unique_ptr<RuntimeThread>> threads_;
  std::unique_ptr<ProdExecutor> executor_;
  std::unique_ptr<GrpcTransport> transport_;
};

}  // namespace tikv::env::prod
