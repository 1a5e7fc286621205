// Sanitizer hooks for fiber switches (toolchain.md P10, P11; simulation.md section 2.4).  The
// scheduler's one switch function calls these; everything compiles to nothing in
// non-sanitizer builds.
//
// ASan: with the default fcontext back end we annotate every stack switch ourselves
// (__sanitizer_start/finish_switch_fiber).  With BOOST_USE_UCONTEXT + BOOST_USE_ASAN Boost
// annotates its own switches, so ours turn off to avoid double bookkeeping.
// TSan: one TSan fiber per runtime fiber, switched to immediately before every resume.
//
// Immutable: free functions only.

#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define TIKV_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TIKV_ASAN 1
#endif
#endif
#ifndef TIKV_ASAN
#define TIKV_ASAN 0
#endif

#if defined(__SANITIZE_THREAD__)
#define TIKV_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TIKV_TSAN 1
#endif
#endif
#ifndef TIKV_TSAN
#define TIKV_TSAN 0
#endif

#if TIKV_ASAN && !defined(BOOST_USE_ASAN)
#define TIKV_ANNOTATE_ASAN_SWITCH 1
#include <sanitizer/common_interface_defs.h>
#else
#define TIKV_ANNOTATE_ASAN_SWITCH 0
#endif

#if TIKV_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace tikv::env::sanitizer {

// Before leaving the current stack for the stack [bottom, bottom + size).  `fake_stack_save`
// is null when the current stack is being abandoned for good (a finishing fiber).
inline void StartSwitch([[maybe_unused]] void** fake_stack_save,
                        [[maybe_unused]] const void* bottom, [[maybe_unused]] size_t size) {
#if TIKV_ANNOTATE_ASAN_SWITCH
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#endif
}

// Right after arriving on a stack; reports the bounds of the stack we came from.
inline void FinishSwitch([[maybe_unused]] void* fake_stack_save,
                         [[maybe_unused]] const void** old_bottom,
                         [[maybe_unused]] size_t* old_size) {
#if TIKV_ANNOTATE_ASAN_SWITCH
  __sanitizer_finish_switch_fiber(fake_stack_save, old_bottom, old_size);
#endif
}

inline void* TsanCurrentFiber() {
#if TIKV_TSAN
  return __tsan_get_current_fiber();
#else
  return nullptr;
#endif
}

inline void* TsanCreateFiber() {
#if TIKV_TSAN
  return __tsan_create_fiber(0);
#else
  return nullptr;
#endif
}

inline void TsanDestroyFiber([[maybe_unused]] void* fiber) {
#if TIKV_TSAN
  if (fiber != nullptr) __tsan_destroy_fiber(fiber);
#endif
}

}  // namespace tikv::env::sanitizer

// Switches ThreadSanitizer's notion of the running fiber.  A macro, not a function: TSan keeps
// one shadow call stack per fiber, and a helper's own entry would be recorded on one fiber and
// its exit on the other, unbalancing both (at -O0 nothing is inlined).
#if TIKV_TSAN
#define TIKV_TSAN_SWITCH_TO(fiber) __tsan_switch_to_fiber((fiber), 0)
#else
#define TIKV_TSAN_SWITCH_TO(fiber) ((void)(fiber))
#endif
