// Operations on the calling fiber, for the fiber primitives (which find their scheduler
// through the thread they run on instead of taking an Executor& everywhere).  Equivalent to
// the Executor methods of the fiber's own Env.
//
// Fiber-confined: each call acts on the calling fiber.

#pragma once

#include <cstdint>
#include <string_view>

#include "tikv/env.h"

namespace tikv::env::this_fiber {

// True on a runtime fiber (simulation or production).  Never suspends.
bool InFiber();

// The calling fiber's id (unique per scheduler), 0 off fibers.  Never suspends.
uint64_t Id();

// See Executor::CurrentWaker.  Requires: InFiber().  Never suspends.
Waker CurrentWaker();

// See Executor::Park; `wait_reason` (a string literal) shows up in deadlock reports.
// Requires: InFiber().  May suspend.
WakeReason Park(MonoTime deadline, const CancelToken* cancel, std::string_view wait_reason);

// See Executor::Yield.  Requires: InFiber().  May suspend.
void Yield();

}  // namespace tikv::env::this_fiber
