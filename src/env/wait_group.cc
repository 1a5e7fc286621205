#include "env/wait_group.h"

#include <cstdio>
#include <cstdlib>

#include "env/wait_helpers.h"

namespace tikv::env {

void WaitGroup::Add(int64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  count_ += n;
  if (count_ < 0) {
    std::fprintf(stderr, "tikv: WaitGroup counter went negative\n");
    std::abort();
  }
  if (count_ == 0) {
    while (WaiterNode* w = waiters_.PopFront()) w->waker.Wake();
    thread_cv_.notify_all();
  }
}

WakeReason WaitGroup::Wait(MonoTime deadline, const CancelToken* cancel) {
  std::unique_lock<std::mutex> lock(mu_);
  if (count_ == 0) return WakeReason::kWoken;
  if (!this_fiber::InFiber()) {
    if (!deadline.is_infinite() || cancel != nullptr) {
      std::fprintf(stderr, "tikv: WaitGroup::Wait off a fiber takes no deadline or token\n");
      std::abort();
    }
    thread_cv_.wait(lock, [this] { return count_ == 0; });
    return WakeReason::kWoken;
  }
  WaiterNode node;
  return ParkUntilServed(lock, waiters_, node, deadline, cancel, "WaitGroup");
}

int64_t WaitGroup::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

}  // namespace tikv::env
