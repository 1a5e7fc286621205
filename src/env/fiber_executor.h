// FiberExecutor: the Executor methods that act on the calling fiber, shared by the simulation
// and production executors (they differ only in Spawn and in which schedulers they own).
//
// Thread-safe.

#pragma once

#include "env/scheduler.h"
#include "tikv/env.h"

namespace tikv::env {

class FiberExecutor : public Executor {
 public:
  bool InFiber() const override;
  bool OnRuntimeThread() const override;
  Waker CurrentWaker() override;
  WakeReason Park(MonoTime deadline, const CancelToken* cancel) override;
  void Yield() override;

 protected:
  // True when `scheduler` is one of this executor's.
  virtual bool Owns(const FiberScheduler* scheduler) const = 0;
  // The calling fiber's scheduler; aborts with a clear message off this executor's fibers.
  FiberScheduler& RequireFiber(const char* what) const;
};

}  // namespace tikv::env
