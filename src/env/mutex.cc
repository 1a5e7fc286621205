#include "env/mutex.h"

#include "env/wait_helpers.h"

namespace tikv::env {

void FiberMutex::Lock() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!locked_) {
    locked_ = true;
    return;
  }
  WaiterNode node;
  // Unlock hands the mutex over (locked_ stays true), so being served means owning it.
  ParkUntilServed(lock, waiters_, node, MonoTime::Infinite(), nullptr, "FiberMutex");
}

bool FiberMutex::TryLock() {
  std::lock_guard<std::mutex> lock(mu_);
  if (locked_) return false;
  locked_ = true;
  return true;
}

void FiberMutex::Unlock() {
  std::lock_guard<std::mutex> lock(mu_);
  if (WaiterNode* next = waiters_.PopFront()) {
    next->waker.Wake();
  } else {
    locked_ = false;
  }
}

}  // namespace tikv::env
