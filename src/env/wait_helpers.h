// Internal helpers shared by the fiber primitives: park a waiter record until a peer serves it,
// and the watcher set that Select registers with.
//
// Not thread-safe by themselves: called under the owning primitive's std::mutex.

#pragma once

#include <mutex>
#include <string_view>

#include "absl/status/status.h"
#include "env/this_fiber.h"
#include "env/waiter_list.h"
#include "tikv/env.h"

namespace tikv::env {

// Links `node` into `list` and parks until a peer unlinks it (served: kWoken), the deadline
// passes (kTimedOut) or `cancel` fires (kCancelled).  On kTimedOut/kCancelled the node is
// unlinked here.  Peers unlink and wake under the same lock, so `node` (on this fiber's stack)
// is never touched after this returns.  Requires: `lock` holds the primitive's mutex, on a
// fiber.  May suspend.
template <typename Node>
WakeReason ParkUntilServed(std::unique_lock<std::mutex>& lock, WaiterList<Node>& list, Node& node,
                           MonoTime deadline, const CancelToken* cancel,
                           std::string_view wait_reason) {
  node.waker = this_fiber::CurrentWaker();
  list.PushBack(&node);
  for (;;) {
    lock.unlock();
    const WakeReason r = this_fiber::Park(deadline, cancel, wait_reason);
    lock.lock();
    if (!node.linked) return WakeReason::kWoken;
    if (r != WakeReason::kWoken) {
      list.Remove(&node);
      return r;
    }
    node.waker = this_fiber::CurrentWaker();  // a stray wake: wait again under a fresh Waker
  }
}

// The status a waiting operation reports when it gave up for `reason`.
inline absl::Status StatusForWake(WakeReason reason, const CancelToken* cancel) {
  if (reason == WakeReason::kCancelled) {
    absl::Status s = cancel != nullptr ? cancel->status() : absl::OkStatus();
    return s.ok() ? absl::CancelledError("cancelled") : s;
  }
  return absl::DeadlineExceededError("deadline exceeded");
}

// Something Select can wait on: it wakes every registered watcher whenever it may have become
// ready.  Thread-safe.
class SelectSource {
 public:
  virtual ~SelectSource() = default;
  // Registers / removes a watcher record (on the selecting fiber's stack).  Never suspends.
  virtual void AddWatcher(WaiterNode* node) = 0;
  virtual void RemoveWatcher(WaiterNode* node) = 0;
};

// Wakes every watcher without unlinking them (they unlink themselves).  Call under the
// primitive's lock.
inline void NotifyWatchers(WaiterList<WaiterNode>& watchers) {
  for (WaiterNode* n = watchers.front(); n != nullptr; n = n->next) n->waker.Wake();
}

}  // namespace tikv::env
