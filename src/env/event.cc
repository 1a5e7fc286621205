#include "env/event.h"

#include <cstdio>
#include <cstdlib>

#include "env/mutex.h"

namespace tikv::env {

void Event::Set() {
  std::lock_guard<std::mutex> lock(mu_);
  if (set_) return;
  set_ = true;
  while (WaiterNode* n = waiters_.PopFront()) n->waker.Wake();
  NotifyWatchers(watchers_);
  thread_cv_.notify_all();
}

void Event::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  set_ = false;
}

bool Event::IsSet() const {
  std::lock_guard<std::mutex> lock(mu_);
  return set_;
}

WakeReason Event::Wait(MonoTime deadline, const CancelToken* cancel) {
  std::unique_lock<std::mutex> lock(mu_);
  if (set_) return WakeReason::kWoken;
  if (!this_fiber::InFiber()) {
    if (!deadline.is_infinite() || cancel != nullptr) {
      std::fprintf(stderr, "tikv: Event::Wait off a fiber takes no deadline or token\n");
      std::abort();
    }
    thread_cv_.wait(lock, [this] { return set_; });
    return WakeReason::kWoken;
  }
  WaiterNode node;
  return ParkUntilServed(lock, waiters_, node, deadline, cancel, "Event");
}

void Event::AddWatcher(WaiterNode* node) {
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.PushBack(node);
  if (set_) node->waker.Wake();
}

void Event::RemoveWatcher(WaiterNode* node) {
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.Remove(node);
}

WakeReason CondVar::Wait(FiberMutex& mu, MonoTime deadline, const CancelToken* cancel) {
  WaiterNode node;
  node.waker = this_fiber::CurrentWaker();
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiters_.PushBack(&node);
  }
  mu.Unlock();
  WakeReason r = this_fiber::Park(deadline, cancel, "CondVar");
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (node.linked) {
      waiters_.Remove(&node);
    } else {
      r = WakeReason::kWoken;  // signalled, whatever else happened
    }
  }
  mu.Lock();
  return r;
}

void CondVar::Signal() {
  std::lock_guard<std::mutex> lock(mu_);
  if (WaiterNode* n = waiters_.PopFront()) n->waker.Wake();
}

void CondVar::Broadcast() {
  std::lock_guard<std::mutex> lock(mu_);
  while (WaiterNode* n = waiters_.PopFront()) n->waker.Wake();
}

}  // namespace tikv::env
