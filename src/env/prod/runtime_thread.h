// RuntimeThread: one production runtime thread.  It owns a FiberScheduler (its fibers never
// leave it), a gRPC CompletionQueue for the calls its fibers start, and an inbox where other
// threads post spawns and wake-ups.  When nothing is runnable the thread sleeps inside
// CompletionQueue::AsyncNext until its earliest timer, so gRPC completions for its own fibers
// are handled on the same thread that resumes them: no hand-off per RPC.  A post from another
// thread wakes a sleeping thread with a gRPC Alarm on its queue (docs/runtime.md).
//
// Thread-safe: Post() from any thread; everything else on the thread itself.

#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <grpcpp/alarm.h>
#include <grpcpp/completion_queue.h>

#include "env/request_context.h"
#include "env/scheduler.h"
#include "tikv/env.h"

namespace tikv::env::prod {

// A completion-queue tag: the runtime thread calls OnComplete(ok) for each event.
class CqTag {
 public:
  virtual ~CqTag() = default;
  virtual void OnComplete(bool ok) = 0;
};

// A tag that a fiber waits on.  The queue's thread and the waiting fiber's thread may differ,
// so the Waker hand-over is under a small mutex.
class FiberWaitTag : public CqTag {
 public:
  void OnComplete(bool ok) override;
  // Must be called on the waiting fiber before the operation starts (the completion may
  // arrive at once).  Never suspends.
  void Arm();
  // Waits until the event arrived; on cancellation runs `on_cancel` once and keeps waiting
  // (the event always arrives).  Returns the event's `ok`.  Requires: Arm() on this fiber.
  // May suspend.
  bool Wait(const CancelToken* cancel, const std::function<void()>& on_cancel);
  // Waits until the event arrived or `deadline`; true when it arrived.  May suspend.
  bool WaitUntil(MonoTime deadline);
  bool done() const;
  bool ok() const;
  // Re-arms a finished tag for another operation.  Requires: done().  Never suspends.
  void Reset();

 private:
  // Re-registers the calling fiber's Waker; false when the event already arrived.
  bool Rearm();
  mutable std::mutex mu_;
  Waker waker_;      // guarded by mu_
  bool ok_ = false;  // guarded by mu_
  bool done_ = false;  // guarded by mu_
};

class RuntimeThread {
 public:
  using Clock = std::function<MonoTime()>;
  RuntimeThread(size_t index, size_t default_stack_bytes, Clock clock,
                std::function<void(std::string_view)> on_failure);
  // Requires: Stop() and Join() were called.
  ~RuntimeThread();

  void Start();
  // Asks the loop to exit once it has no live fibers.  Any thread.
  void Stop();
  void Join();

  // Runs `body` on a new fiber of this thread.  Any thread.  Never suspends.
  void PostSpawn(SpawnOptions options, absl::AnyInvocable<void() &&> body,
                 std::shared_ptr<const RequestContext> context);
  // Forwards a wake-up from another thread.  Any thread.  Never suspends.
  void PostWake(std::shared_ptr<WakerState> state, uint64_t epoch, WakeReason reason);

  FiberScheduler& scheduler() { return scheduler_; }
  grpc::CompletionQueue& cq() { return cq_; }
  size_t index() const { return index_; }

 private:
  struct InboxItem {
    // A spawn when body is set, else a wake.
    SpawnOptions options;
    std::string name;
    absl::AnyInvocable<void() &&> body;
    std::shared_ptr<const RequestContext> context;
    std::shared_ptr<WakerState> waker;
    uint64_t epoch = 0;
    WakeReason reason = WakeReason::kWoken;
  };
  // Wakes a thread sleeping in AsyncNext through an alarm that fires at once.  One object per
  // thread, made before the thread starts, so TSan sees its construction happen-before every
  // use (the queue's own synchronization is invisible to TSan).
  class NudgeTag : public CqTag {
   public:
    explicit NudgeTag(RuntimeThread& t) : thread_(t) {}
    void OnComplete(bool) override { thread_.nudge_pending_.store(false); }

   private:
    RuntimeThread& thread_;
  };

  void Loop();
  void Post(InboxItem item);
  bool DrainInbox();
  void HandleEvent(void* tag, bool ok);

  const size_t index_;
  Clock clock_;
  FiberScheduler scheduler_;
  grpc::CompletionQueue cq_;
  std::mutex inbox_mu_;
  std::vector<InboxItem> inbox_;  // guarded by inbox_mu_
  std::atomic<bool> sleeping_{false};
  std::atomic<bool> nudge_pending_{false};
  std::atomic<bool> stop_{false};
  bool exited_ = false;  // guarded by inbox_mu_; no nudges once the queue shuts down
  NudgeTag nudge_tag_{*this};
  std::unique_ptr<grpc::Alarm> nudge_alarm_;  // guarded by inbox_mu_; replaced per nudge
  std::thread thread_;
};

}  // namespace tikv::env::prod
