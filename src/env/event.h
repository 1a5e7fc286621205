// Event: a manual-reset signal (Go's `close(ch)` on a done channel, or sync.Cond's broadcast of
// a flag).  Wait returns once the event is set; Set wakes every waiter.
//
// Thread-safe: Set from any fiber or thread; Wait from fibers, or from plain threads (then the
// thread blocks on a condition variable; only without a deadline).

#pragma once

#include <condition_variable>
#include <mutex>

#include "env/mutex.h"
#include "env/wait_helpers.h"
#include "env/waiter_list.h"
#include "tikv/env.h"

namespace tikv::env {

class Event : public SelectSource {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // Sets the event and wakes all waiters.  Idempotent.  Never suspends.
  void Set();
  // Clears the event; later waiters wait again.  Never suspends.
  void Reset();
  // Never suspends.
  bool IsSet() const;
  // Waits until set (kWoken), the deadline (kTimedOut) or cancellation (kCancelled).  Off a
  // fiber: requires an infinite deadline and no token, and blocks the thread.  May suspend.
  WakeReason Wait(MonoTime deadline = MonoTime::Infinite(), const CancelToken* cancel = nullptr);

  void AddWatcher(WaiterNode* node) override;
  void RemoveWatcher(WaiterNode* node) override;

 private:
  mutable std::mutex mu_;
  bool set_ = false;
  WaiterList<WaiterNode> waiters_;
  WaiterList<WaiterNode> watchers_;
  std::condition_variable thread_cv_;
};

// CondVar: a condition variable over FiberMutex (Go's sync.Cond).  Waiters must re-check their
// condition after waking: wakes may be spurious.  Thread-safe.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Atomically releases `mu`, waits for Signal/Broadcast, deadline or cancellation, then
  // re-acquires `mu` (in every case).  Requires: `mu` held by the calling fiber.
  // May suspend.
  WakeReason Wait(FiberMutex& mu, MonoTime deadline = MonoTime::Infinite(),
                  const CancelToken* cancel = nullptr) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Wakes one waiter / all waiters.  Never suspends.
  void Signal();
  void Broadcast();

 private:
  std::mutex mu_;
  WaiterList<WaiterNode> waiters_;
};

}  // namespace tikv::env
