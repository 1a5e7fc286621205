#include "env/this_fiber.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "env/request_context.h"
#include "env/scheduler.h"

namespace tikv::env {
namespace this_fiber {
namespace {

FiberScheduler& RequireFiber(const char* what) {
  FiberScheduler* s = FiberScheduler::Current();
  if (s == nullptr || s->current() == nullptr) {
    // A programming error with no Env at hand to report through.
    std::fprintf(stderr, "tikv: %s called outside a runtime fiber\n", what);
    std::abort();
  }
  return *s;
}

}  // namespace

bool InFiber() {
  FiberScheduler* s = FiberScheduler::Current();
  return s != nullptr && s->current() != nullptr;
}

uint64_t Id() { return InFiber() ? FiberScheduler::Current()->current()->id : 0; }

Waker CurrentWaker() { return RequireFiber("CurrentWaker").CurrentWaker(); }

WakeReason Park(MonoTime deadline, const CancelToken* cancel, std::string_view wait_reason) {
  return RequireFiber("Park").Park(deadline, cancel, wait_reason);
}

void Yield() { RequireFiber("Yield").Yield(); }

}  // namespace this_fiber

std::shared_ptr<const RequestContext> CurrentRequestContext() {
  if (!this_fiber::InFiber()) return nullptr;
  return FiberScheduler::Current()->current()->request_context;
}

ScopedRequestContext::ScopedRequestContext(std::shared_ptr<const RequestContext> context) {
  Fiber* f = FiberScheduler::Current()->current();
  previous_ = std::exchange(f->request_context, std::move(context));
}

ScopedRequestContext::~ScopedRequestContext() {
  FiberScheduler::Current()->current()->request_context = std::move(previous_);
}

}  // namespace tikv::env
