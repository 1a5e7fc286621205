// FiberScheduler: the fiber core shared by the simulation and production Envs.  One scheduler
// per OS thread; it owns that thread's fibers (which never migrate), the ready queue and the
// timer heap, and contains the only context-switch code in the project (with the ASan/TSan
// annotations of env/sanitizer.h).  The run loop is not here: SimEnv drives a scheduler with
// virtual time and a seeded pick, each production runtime thread drives one with real time and
// a gRPC completion queue.
//
// Ported from nothing in client-go (Go has goroutines); shaped after simulation.md 2.4.
//
// Fiber-confined to its thread, except Wake(), which any thread may call (it forwards to
// Options::post_remote_wake when called off the scheduler's thread).

#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/context/fiber.hpp>

#include "absl/container/btree_map.h"
#include "absl/functional/any_invocable.h"
#include "env/request_context.h"
#include "env/stack_pool.h"
#include "tikv/env.h"

namespace tikv::env {

class FiberScheduler;
struct Fiber;

// Shared between a fiber and every Waker for it.  `fiber` is null once the fiber finished; it
// is read and written only on the scheduler's thread.
struct WakerState {
  FiberScheduler* scheduler = nullptr;
  Fiber* fiber = nullptr;
  uint64_t fiber_id = 0;
};

struct Fiber {
  enum class State { kReady, kRunning, kParked, kDone };

  uint64_t id = 0;
  std::string name;
  State state = State::kReady;
  boost::context::fiber context;  // valid while the fiber is not running
  boost::context::stack_context stack;
  absl::AnyInvocable<void() &&> body;
  std::shared_ptr<WakerState> waker_state;
  std::shared_ptr<const RequestContext> request_context;
  // Park bookkeeping: Wakers carry the epoch of the park they end.
  uint64_t epoch = 0;
  bool wake_pending = false;
  WakeReason pending_reason = WakeReason::kWoken;
  WakeReason wake_reason = WakeReason::kWoken;
  std::string_view wait_reason;  // static strings only
  uint64_t resumes = 0;
  // Sanitizer state.
  void* asan_fake_stack = nullptr;
  void* tsan_fiber = nullptr;
};

class FiberScheduler {
 public:
  struct Options {
    size_t default_stack_bytes = 256 * 1024;
    // Receives wakes issued on other threads; it must make the scheduler's thread call
    // WakeLocal(state, epoch, reason) soon.  Empty: every wake is treated as local
    // (simulation is single-threaded).
    std::function<void(std::shared_ptr<WakerState>, uint64_t, WakeReason)> post_remote_wake;
    // Reports an exception that escaped a fiber body; must not return.
    std::function<void(std::string_view)> on_failure;
  };

  explicit FiberScheduler(Options options);
  // Requires: no live fibers (owners join their fibers before the Env goes away).
  ~FiberScheduler();
  FiberScheduler(const FiberScheduler&) = delete;
  FiberScheduler& operator=(const FiberScheduler&) = delete;

  // The scheduler bound to the calling thread, or nullptr.  Never suspends.
  static FiberScheduler* Current();

  // Binds `scheduler` to the calling thread for the guard's lifetime (nests).
  class ThreadBinding {
   public:
    explicit ThreadBinding(FiberScheduler* scheduler);
    ~ThreadBinding();
    ThreadBinding(const ThreadBinding&) = delete;
    ThreadBinding& operator=(const ThreadBinding&) = delete;

   private:
    FiberScheduler* previous_;
  };

  // Creates a ready fiber running `body` with `context` as its request context.  Call on the
  // scheduler's thread.  Returns the new fiber's id (ids count up from 1).  Never suspends.
  uint64_t Spawn(SpawnOptions options, absl::AnyInvocable<void() &&> body,
                 std::shared_ptr<const RequestContext> context);

  // --- run-loop side (the scheduler's thread, outside any fiber) ---

  size_t ready_size() const { return ready_.size(); }
  // Removes and returns the ready fiber at `index` (0 is the FIFO head; any other index is
  // swapped with the tail first, so a seeded pick costs O(1)).  Requires: index < ready_size().
  Fiber* TakeReady(size_t index);
  // Switches to `fiber` until it parks, yields or finishes; frees it when it finished.
  void Resume(Fiber* fiber);

  // Runs `callback` on the scheduler's thread, outside any fiber, once `deadline` is reached.
  // Ties are broken by arming order.  The callback must not suspend.  Never suspends.
  void AddTimer(MonoTime deadline, absl::AnyInvocable<void() &&> callback);
  // The earliest live timer's deadline, or Infinite.  Drops stale timers on top.
  MonoTime NextTimerDeadline();
  struct FiredTimer {
    MonoTime deadline;
    uint64_t seq = 0;
    uint64_t fiber_id = 0;  // 0 for a callback timer
  };
  // Fires the earliest live timer.  Requires: NextTimerDeadline() is not Infinite.
  FiredTimer FireNextTimer();
  // Live fibers (not finished).
  size_t live_fibers() const { return live_.size(); }
  uint64_t spawned() const { return next_id_ - 1; }
  // One line per live fiber: id, name, state, wait reason.  Ordered by id.
  std::string DescribeFibers() const;

  // --- fiber side ---

  // The running fiber, or nullptr outside fibers.
  Fiber* current() const { return current_; }
  // See Executor.  Requires: on one of this scheduler's fibers.
  Waker CurrentWaker();
  WakeReason Park(MonoTime deadline, const CancelToken* cancel, std::string_view wait_reason);
  void Yield();

  // Ends park `epoch` of the fiber behind `state` with `reason`.  Any thread.  Never suspends.
  void Wake(const std::shared_ptr<WakerState>& state, uint64_t epoch, WakeReason reason);
  // The same on the scheduler's thread.
  void WakeLocal(const std::shared_ptr<WakerState>& state, uint64_t epoch, WakeReason reason);

 private:
  struct Timer {
    MonoTime deadline;
    uint64_t seq = 0;
    std::shared_ptr<WakerState> waker;  // null for a callback timer
    uint64_t epoch = 0;
    absl::AnyInvocable<void() &&> callback;
  };
  static bool TimerAfter(const Timer& a, const Timer& b) {
    return a.deadline != b.deadline ? a.deadline > b.deadline : a.seq > b.seq;
  }
  bool IsStale(const Timer& t) const;
  void SwitchToScheduler();
  void EnterFiberBody(Fiber* fiber);
  bool ConsumePendingWake(Fiber* fiber, WakeReason* reason);

  Options options_;
  StackPool stacks_;
  std::deque<Fiber*> ready_;
  std::vector<Timer> timers_;  // a min-heap by (deadline, seq)
  uint64_t next_timer_seq_ = 0;
  absl::btree_map<uint64_t, Fiber*> live_;
  uint64_t next_id_ = 1;
  Fiber* current_ = nullptr;
  boost::context::fiber scheduler_context_;  // the loop's continuation while a fiber runs
  // ASan: the loop's stack bounds, learnt on each fiber entry.
  const void* loop_stack_bottom_ = nullptr;
  size_t loop_stack_size_ = 0;
  void* loop_fake_stack_ = nullptr;
  void* loop_tsan_fiber_ = nullptr;
};

}  // namespace tikv::env
