// Future<T> / Promise<T>: a one-shot value handed from a producer to any number of waiters
// (Go: a buffered channel of one that is read by many, or errgroup's result).  A Future waits
// with a deadline and a cancellation token, or runs callbacks when the value arrives.
//
// Thread-safe: Set from any fiber or thread; Wait from fibers (parks) or from plain threads
// (blocks the thread, without a deadline).  Callbacks run on the thread that calls Set (or at
// once in OnReady when the value is already there); they must not block or suspend.

#pragma once

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "env/this_fiber.h"
#include "env/wait_helpers.h"
#include "env/waiter_list.h"
#include "tikv/env.h"

namespace tikv::env {

template <typename T>
struct FutureState {
  std::mutex mu;
  std::optional<T> value;
  WaiterList<WaiterNode> waiters;
  std::condition_variable thread_cv;
  std::vector<absl::AnyInvocable<void(const T&) &&>> callbacks;
};

template <typename T>
class Future {
 public:
  // An empty future; valid() is false.
  Future() = default;
  explicit Future(std::shared_ptr<FutureState<T>> state) : state_(std::move(state)) {}

  bool valid() const { return state_ != nullptr; }

  // Never suspends.
  bool IsReady() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->value.has_value();
  }

  // Waits for the value: kWoken once it is there, kTimedOut / kCancelled otherwise.  Off a
  // fiber the thread blocks; a token still works there, a deadline must be Infinite.
  // May suspend.
  WakeReason Wait(MonoTime deadline = MonoTime::Infinite(), const CancelToken* cancel = nullptr) const {
    std::unique_lock<std::mutex> lock(state_->mu);
    if (state_->value.has_value()) return WakeReason::kWoken;
    if (!this_fiber::InFiber()) return WaitOnThread(lock, deadline, cancel);
    WaiterNode node;
    return ParkUntilServed(lock, state_->waiters, node, deadline, cancel, "Future");
  }

  // The value.  Requires: IsReady().  Never suspends.
  const T& value() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return *state_->value;
  }

  // Waits, then returns a copy of the value.  Requires: no deadline is needed (use Wait first
  // otherwise).  May suspend.
  T Get() const {
    Wait();
    return value();
  }

  // Runs `callback` with the value once it is set (at once if it already is).  Never suspends.
  void OnReady(absl::AnyInvocable<void(const T&) &&> callback) const {
    std::unique_lock<std::mutex> lock(state_->mu);
    if (state_->value.has_value()) {
      lock.unlock();
      std::move(callback)(*state_->value);  // the value never changes once set
      return;
    }
    state_->callbacks.push_back(std::move(callback));
  }

 private:
  WakeReason WaitOnThread(std::unique_lock<std::mutex>& lock, MonoTime deadline,
                          const CancelToken* cancel) const {
    if (!deadline.is_infinite()) {
      std::fprintf(stderr, "tikv: Future::Wait off a fiber takes no deadline\n");
      std::abort();
    }
    uint64_t reg = 0;
    // Shared, because a cancel callback may still run after Unregister returns.
    auto cancelled = std::make_shared<bool>(false);
    if (cancel != nullptr) {
      lock.unlock();
      reg = cancel->Register([state = state_, cancelled] {
        std::lock_guard<std::mutex> l(state->mu);
        *cancelled = true;
        state->thread_cv.notify_all();
      });
      lock.lock();
    }
    state_->thread_cv.wait(lock, [&] { return state_->value.has_value() || *cancelled; });
    const bool ready = state_->value.has_value();
    lock.unlock();
    if (cancel != nullptr) cancel->Unregister(reg);
    lock.lock();
    return ready ? WakeReason::kWoken : WakeReason::kCancelled;
  }

  std::shared_ptr<FutureState<T>> state_;
};

template <typename T>
class Promise {
 public:
  Promise() : state_(std::make_shared<FutureState<T>>()) {}

  // The future for this promise; may be called many times.  Never suspends.
  Future<T> GetFuture() const { return Future<T>(state_); }

  // Publishes the value, wakes every waiter and runs callbacks.  Returns false (and drops
  // `value`) when a value was already set.  Never suspends.
  bool Set(T value) {
    std::vector<absl::AnyInvocable<void(const T&) &&>> callbacks;
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      if (state_->value.has_value()) return false;
      state_->value.emplace(std::move(value));
      while (WaiterNode* n = state_->waiters.PopFront()) n->waker.Wake();
      state_->thread_cv.notify_all();
      callbacks.swap(state_->callbacks);
    }
    for (auto& cb : callbacks) std::move(cb)(*state_->value);
    return true;
  }

 private:
  std::shared_ptr<FutureState<T>> state_;
};

}  // namespace tikv::env
