// FiberMutex: a mutex that parks the fiber instead of blocking the thread, so it may be held
// across suspension points (e.g. serializing writes on a stream).  Unlock hands ownership to
// the longest waiter (FIFO), so no waiter starves.  Short critical sections that never suspend
// should prefer an OS mutex (style.md 3.6).
//
// Thread-safe.

#pragma once

#include <mutex>

#include "absl/base/thread_annotations.h"
#include "env/waiter_list.h"

namespace tikv::env {

class ABSL_LOCKABLE FiberMutex {
 public:
  FiberMutex() = default;
  FiberMutex(const FiberMutex&) = delete;
  FiberMutex& operator=(const FiberMutex&) = delete;

  // Acquires the mutex.  Requires: on a fiber; not already held by this fiber.  May suspend.
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION();
  // Acquires the mutex if it is free.  Never suspends.
  bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true);
  // Releases the mutex, handing it to the first waiter.  Requires: held.  Never suspends.
  void Unlock() ABSL_UNLOCK_FUNCTION();

 private:
  std::mutex mu_;
  bool locked_ = false;
  WaiterList<WaiterNode> waiters_;
};

// Scoped lock for FiberMutex.  May suspend (in the constructor).
class ABSL_SCOPED_LOCKABLE FiberMutexLock {
 public:
  explicit FiberMutexLock(FiberMutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_.Lock(); }
  ~FiberMutexLock() ABSL_UNLOCK_FUNCTION() { mu_.Unlock(); }
  FiberMutexLock(const FiberMutexLock&) = delete;
  FiberMutexLock& operator=(const FiberMutexLock&) = delete;

 private:
  FiberMutex& mu_;
};

}  // namespace tikv::env
