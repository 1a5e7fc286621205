#include "env/fiber_executor.h"

#include <cstdio>
#include <cstdlib>

namespace tikv::env {

bool FiberExecutor::InFiber() const {
  FiberScheduler* s = FiberScheduler::Current();
  return s != nullptr && s->current() != nullptr && Owns(s);
}

bool FiberExecutor::OnRuntimeThread() const {
  FiberScheduler* s = FiberScheduler::Current();
  return s != nullptr && Owns(s);
}

FiberScheduler& FiberExecutor::RequireFiber(const char* what) const {
  FiberScheduler* s = FiberScheduler::Current();
  if (s == nullptr || s->current() == nullptr || !Owns(s)) {
    std::fprintf(stderr, "tikv: Executor::%s requires a fiber of this executor\n", what);
    std::abort();
  }
  return *s;
}

Waker FiberExecutor::CurrentWaker() { return RequireFiber("CurrentWaker").CurrentWaker(); }

WakeReason FiberExecutor::Park(MonoTime deadline, const CancelToken* cancel) {
  return RequireFiber("Park").Park(deadline, cancel, "Executor::Park");
}

void FiberExecutor::Yield() { RequireFiber("Yield").Yield(); }

}  // namespace tikv::env
