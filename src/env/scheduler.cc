#include "env/scheduler.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <utility>

#include <boost/context/preallocated.hpp>

#include "absl/strings/str_cat.h"
#include "env/sanitizer.h"

namespace tikv::env {
namespace {

namespace ctx = boost::context;

// Fibers never migrate between threads, so a per-thread pointer to the thread's scheduler is
// sound; it is the runtime's only thread-local besides Boost's ucontext record.
thread_local FiberScheduler* current_scheduler = nullptr;  // lint: allow(fiber core: the thread's scheduler)

const char* StateName(Fiber::State s) {
  switch (s) {
    case Fiber::State::kReady: return "ready";
    case Fiber::State::kRunning: return "running";
    case Fiber::State::kParked: return "parked";
    case Fiber::State::kDone: return "done";
  }
  return "?";
}

}  // namespace

FiberScheduler::FiberScheduler(Options options) : options_(std::move(options)) {}

FiberScheduler::~FiberScheduler() {
  if (!live_.empty()) {
    // Destroying a suspended fiber would unwind it behind our back (simulation.md 2.3 rule 3);
    // report instead, and leak the fibers.
    std::fprintf(stderr, "FiberScheduler destroyed with %zu live fibers:\n%s", live_.size(),
                 DescribeFibers().c_str());
  }
}

FiberScheduler* FiberScheduler::Current() { return current_scheduler; }

FiberScheduler::ThreadBinding::ThreadBinding(FiberScheduler* scheduler)
    : previous_(current_scheduler) {
  current_scheduler = scheduler;
}

FiberScheduler::ThreadBinding::~ThreadBinding() { current_scheduler = previous_; }

uint64_t FiberScheduler::Spawn(SpawnOptions options, absl::AnyInvocable<void() &&> body,
                               std::shared_ptr<const RequestContext> context) {
  auto* f = new Fiber();
  f->id = next_id_++;
  f->name = std::string(options.name);
  f->body = std::move(body);
  f->request_context = std::move(context);
  f->waker_state = std::make_shared<WakerState>();
  f->waker_state->scheduler = this;
  f->waker_state->fiber = f;
  f->waker_state->fiber_id = f->id;
  const size_t bytes = options.stack_bytes != 0 ? options.stack_bytes : options_.default_stack_bytes;
  f->stack = stacks_.Allocate(bytes);
  f->context = ctx::fiber(std::allocator_arg, ctx::preallocated(f->stack.sp, f->stack.size, f->stack),
                          PooledStackAllocator{&stacks_}, [this, f](ctx::fiber&& loop) {
                            scheduler_context_ = std::move(loop);
                            EnterFiberBody(f);
                            return std::move(scheduler_context_);
                          });
  live_.emplace(f->id, f);
  ready_.push_back(f);
  return f->id;
}

void FiberScheduler::EnterFiberBody(Fiber* f) {
  sanitizer::FinishSwitch(nullptr, &loop_stack_bottom_, &loop_stack_size_);
  try {
    std::move(f->body)();
    // Destroy the body's captures here, on the fiber, where they may still wake others.
    f->body = nullptr;
  } catch (const std::exception& e) {
    options_.on_failure(absl::StrCat("exception escaped fiber ", f->id, " (", f->name, "): ", e.what()));
  } catch (...) {
    options_.on_failure(absl::StrCat("unknown exception escaped fiber ", f->id, " (", f->name, ")"));
  }
  f->state = Fiber::State::kDone;
  // This stack is abandoned for good: no fake stack to save.  TSan's switch back to the loop
  // happens in Resume() once this fiber is gone, so the frames unwinding from here pop this
  // fiber's shadow stack, not the loop's.
  sanitizer::StartSwitch(nullptr, loop_stack_bottom_, loop_stack_size_);
}

Fiber* FiberScheduler::TakeReady(size_t index) {
  if (index != 0) std::swap(ready_[index], ready_.back());
  Fiber* f;
  if (index == 0) {
    f = ready_.front();
    ready_.pop_front();
  } else {
    f = ready_.back();
    ready_.pop_back();
  }
  return f;
}

void FiberScheduler::Resume(Fiber* f) {
  current_ = f;
  f->state = Fiber::State::kRunning;
  ++f->resumes;
  if (loop_tsan_fiber_ == nullptr) loop_tsan_fiber_ = sanitizer::TsanCurrentFiber();
  // Created at first run, not at spawn: a TSan fiber state is large, and spawned-but-not-yet-run
  // fibers can be many.
  if (f->tsan_fiber == nullptr) f->tsan_fiber = sanitizer::TsanCreateFiber();
  sanitizer::StartSwitch(&loop_fake_stack_, static_cast<char*>(f->stack.sp) - f->stack.size,
                         f->stack.size);
  TIKV_TSAN_SWITCH_TO(f->tsan_fiber);
  f->context = std::move(f->context).resume();
  sanitizer::FinishSwitch(loop_fake_stack_, nullptr, nullptr);
  current_ = nullptr;
  if (f->state == Fiber::State::kDone) {
    TIKV_TSAN_SWITCH_TO(loop_tsan_fiber_);  // the finished fiber did not switch back itself
    f->waker_state->fiber = nullptr;
    live_.erase(f->id);
    sanitizer::TsanDestroyFiber(f->tsan_fiber);
    delete f;
  }
}

void FiberScheduler::SwitchToScheduler() {
  Fiber* f = current_;
  sanitizer::StartSwitch(&f->asan_fake_stack, loop_stack_bottom_, loop_stack_size_);
  TIKV_TSAN_SWITCH_TO(loop_tsan_fiber_);
  scheduler_context_ = std::move(scheduler_context_).resume();
  sanitizer::FinishSwitch(f->asan_fake_stack, &loop_stack_bottom_, &loop_stack_size_);
}

void FiberScheduler::AddTimer(MonoTime deadline, absl::AnyInvocable<void() &&> callback) {
  timers_.push_back(Timer{deadline, next_timer_seq_++, nullptr, 0, std::move(callback)});
  std::push_heap(timers_.begin(), timers_.end(), TimerAfter);
}

bool FiberScheduler::IsStale(const Timer& t) const {
  if (t.waker == nullptr) return false;
  const Fiber* f = t.waker->fiber;
  return f == nullptr || f->epoch != t.epoch || f->state != Fiber::State::kParked;
}

MonoTime FiberScheduler::NextTimerDeadline() {
  while (!timers_.empty() && IsStale(timers_.front())) {
    std::pop_heap(timers_.begin(), timers_.end(), TimerAfter);
    timers_.pop_back();
  }
  return timers_.empty() ? MonoTime::Infinite() : timers_.front().deadline;
}

FiberScheduler::FiredTimer FiberScheduler::FireNextTimer() {
  std::pop_heap(timers_.begin(), timers_.end(), TimerAfter);
  Timer t = std::move(timers_.back());
  timers_.pop_back();
  FiredTimer fired{t.deadline, t.seq, 0};
  if (t.waker != nullptr) {
    fired.fiber_id = t.waker->fiber_id;
    WakeLocal(t.waker, t.epoch, WakeReason::kTimedOut);
  } else {
    std::move(t.callback)();
  }
  return fired;
}

std::string FiberScheduler::DescribeFibers() const {
  std::string out;
  for (const auto& [id, f] : live_) {
    absl::StrAppend(&out, "  fiber ", id, " '", f->name, "' ", StateName(f->state));
    if (f->state == Fiber::State::kParked) {
      const std::string_view why = f->wait_reason.empty() ? std::string_view("?") : f->wait_reason;
      absl::StrAppend(&out, " waiting for ", absl::string_view(why.data(), why.size()));
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

Waker FiberScheduler::CurrentWaker() { return Waker(current_->waker_state, current_->epoch); }

bool FiberScheduler::ConsumePendingWake(Fiber* f, WakeReason* reason) {
  if (!f->wake_pending) return false;
  f->wake_pending = false;
  ++f->epoch;
  *reason = f->pending_reason;
  return true;
}

WakeReason FiberScheduler::Park(MonoTime deadline, const CancelToken* cancel,
                                std::string_view wait_reason) {
  Fiber* f = current_;
  WakeReason reason;
  if (ConsumePendingWake(f, &reason)) return reason;
  if (cancel != nullptr && cancel->IsCancelled()) {
    ++f->epoch;
    return WakeReason::kCancelled;
  }
  const uint64_t epoch = f->epoch;
  const MonoTime effective = cancel != nullptr ? Earliest(deadline, cancel->deadline()) : deadline;
  if (!effective.is_infinite()) {
    timers_.push_back(Timer{effective, next_timer_seq_++, f->waker_state, epoch, nullptr});
    std::push_heap(timers_.begin(), timers_.end(), TimerAfter);
  }
  uint64_t registration = 0;
  if (cancel != nullptr) {
    registration = cancel->Register(
        [w = Waker(f->waker_state, epoch)] { w.WakeWithReason(WakeReason::kCancelled); });
  }
  // Register() runs the callback at once when the token was cancelled meanwhile.
  if (!ConsumePendingWake(f, &reason)) {
    f->state = Fiber::State::kParked;
    f->wait_reason = wait_reason;
    SwitchToScheduler();
    reason = f->wake_reason;
  }
  if (cancel != nullptr) cancel->Unregister(registration);
  return reason;
}

void FiberScheduler::Yield() {
  Fiber* f = current_;
  f->state = Fiber::State::kReady;
  ready_.push_back(f);
  SwitchToScheduler();
}

void FiberScheduler::Wake(const std::shared_ptr<WakerState>& state, uint64_t epoch,
                          WakeReason reason) {
  if (current_scheduler == this || !options_.post_remote_wake) {
    WakeLocal(state, epoch, reason);
  } else {
    options_.post_remote_wake(state, epoch, reason);
  }
}

void FiberScheduler::WakeLocal(const std::shared_ptr<WakerState>& state, uint64_t epoch,
                               WakeReason reason) {
  Fiber* f = state->fiber;
  if (f == nullptr || f->epoch != epoch) return;  // finished, or that park is over
  if (f->state == Fiber::State::kParked) {
    f->wake_reason = reason;
    ++f->epoch;
    f->state = Fiber::State::kReady;
    ready_.push_back(f);
  } else if (!f->wake_pending) {
    f->wake_pending = true;
    f->pending_reason = reason;
  }
}

}  // namespace tikv::env

namespace tikv {

void Waker::Wake() const { WakeWithReason(WakeReason::kWoken); }

void Waker::WakeWithReason(WakeReason reason) const {
  if (state_ == nullptr) return;
  state_->scheduler->Wake(state_, epoch_, reason);
}

WakeReason Executor::SleepUntil(MonoTime deadline, const CancelToken* cancel) {
  // A sleep ends only by time or cancellation: ignore stray wakes from stale Wakers.
  for (;;) {
    WakeReason r = Park(deadline, cancel);
    if (r != WakeReason::kWoken) return r;
  }
}

}  // namespace tikv
