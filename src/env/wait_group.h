// WaitGroup: waits for a counted set of tasks to finish (Go's sync.WaitGroup).
//
// Thread-safe: Add/Done from any fiber or thread; Wait from fibers (parks) or plain threads
// (blocks the thread, without a deadline).

#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "env/waiter_list.h"
#include "tikv/env.h"

namespace tikv::env {

class WaitGroup {
 public:
  WaitGroup() = default;
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;

  // Adds `n` (may be negative) to the counter; waking waiters when it reaches zero.
  // Requires: the counter never goes below zero.  Never suspends.
  void Add(int64_t n);
  // Add(-1).  Never suspends.
  void Done() { Add(-1); }
  // Waits until the counter is zero: kWoken, or kTimedOut / kCancelled.  May suspend.
  WakeReason Wait(MonoTime deadline = MonoTime::Infinite(), const CancelToken* cancel = nullptr);
  // Never suspends.
  int64_t count() const;

 private:
  mutable std::mutex mu_;
  int64_t count_ = 0;
  WaiterList<WaiterNode> waiters_;
  std::condition_variable thread_cv_;
};

}  // namespace tikv::env
