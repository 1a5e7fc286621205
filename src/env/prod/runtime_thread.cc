#include "env/prod/runtime_thread.h"

#include <chrono>
#include <utility>


#include "env/this_fiber.h"

namespace tikv::env::prod {

void FiberWaitTag::OnComplete(bool ok) {
  Waker w;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ok_ = ok;
    done_ = true;
    w = waker_;
  }
  w.Wake();
}

void FiberWaitTag::Arm() {
  std::lock_guard<std::mutex> lock(mu_);
  waker_ = this_fiber::CurrentWaker();
}

bool FiberWaitTag::Rearm() {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return false;
  waker_ = this_fiber::CurrentWaker();
  return true;
}

bool FiberWaitTag::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

bool FiberWaitTag::ok() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ok_;
}

void FiberWaitTag::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  done_ = false;
  ok_ = false;
}

bool FiberWaitTag::Wait(const CancelToken* cancel, const std::function<void()>& on_cancel) {
  bool cancel_sent = false;
  while (Rearm()) {
    const WakeReason r = this_fiber::Park(MonoTime::Infinite(), cancel_sent ? nullptr : cancel,
                                          "grpc completion");
    if (r == WakeReason::kCancelled && !cancel_sent && !done()) {
      cancel_sent = true;
      on_cancel();
    }
  }
  return ok();
}

bool FiberWaitTag::WaitUntil(MonoTime deadline) {
  while (Rearm()) {
    const WakeReason r = this_fiber::Park(deadline, nullptr, "grpc completion");
    if (r == WakeReason::kTimedOut && !done()) return false;
  }
  return true;
}

RuntimeThread::RuntimeThread(size_t index, size_t default_stack_bytes, Clock clock,
                             std::function<void(std::string_view)> on_failure)
    : index_(index),
      clock_(std::move(clock)),
      scheduler_(FiberScheduler::Options{
          .default_stack_bytes = default_stack_bytes,
          .post_remote_wake =
              [this](std::shared_ptr<WakerState> s, uint64_t e, WakeReason r) {
                PostWake(std::move(s), e, r);
              },
          .on_failure = std::move(on_failure)}) {}

RuntimeThread::~RuntimeThread() = default;

void RuntimeThread::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void RuntimeThread::Stop() {
  stop_.store(true);
  Post(InboxItem{});  // an empty item: just wakes the loop
}

void RuntimeThread::Join() {
  if (thread_.joinable()) thread_.join();
}

void RuntimeThread::PostSpawn(SpawnOptions options, absl::AnyInvocable<void() &&> body,
                              std::shared_ptr<const RequestContext> context) {
  InboxItem item;
  item.name = std::string(options.name);
  item.options = options;
  item.body = std::move(body);
  item.context = std::move(context);
  Post(std::move(item));
}

void RuntimeThread::PostWake(std::shared_ptr<WakerState> state, uint64_t epoch,
                             WakeReason reason) {
  InboxItem item;
  item.waker = std::move(state);
  item.epoch = epoch;
  item.reason = reason;
  Post(std::move(item));
}

void RuntimeThread::Post(InboxItem item) {
  std::lock_guard<std::mutex> lock(inbox_mu_);
  inbox_.push_back(std::move(item));
  // Pairs with the loop's store to sleeping_ then re-check of the inbox: either the loop sees
  // the item, or we see it sleeping and nudge it.
  if (!exited_ && sleeping_.load() && !nudge_pending_.exchange(true)) {
    // The previous alarm has fired (nudge_pending_ was cleared by its tag), so replacing it is
    // safe.
    nudge_alarm_ = std::make_unique<grpc::Alarm>();
    nudge_alarm_->Set(&cq_, std::chrono::system_clock::now(), &nudge_tag_);
  }
}

bool RuntimeThread::DrainInbox() {
  std::vector<InboxItem> items;
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    items.swap(inbox_);
  }
  for (InboxItem& item : items) {
    if (item.body) {
      item.options.name = item.name;
      scheduler_.Spawn(item.options, std::move(item.body), std::move(item.context));
    } else if (item.waker != nullptr) {
      scheduler_.WakeLocal(item.waker, item.epoch, item.reason);
    }
  }
  return !items.empty();
}

void RuntimeThread::HandleEvent(void* tag, bool ok) { static_cast<CqTag*>(tag)->OnComplete(ok); }

void RuntimeThread::Loop() {
  FiberScheduler::ThreadBinding binding(&scheduler_);
  void* tag = nullptr;
  bool ok = false;
  for (;;) {
    DrainInbox();
    const MonoTime now = clock_();
    while (scheduler_.NextTimerDeadline() <= now) scheduler_.FireNextTimer();
    if (scheduler_.ready_size() > 0) {
      // Run what is ready now (fibers readied meanwhile wait for the next round), then pick
      // up finished gRPC events without blocking.
      for (size_t n = scheduler_.ready_size(); n > 0 && scheduler_.ready_size() > 0; --n) {
        scheduler_.Resume(scheduler_.TakeReady(0));
      }
      while (cq_.AsyncNext(&tag, &ok, gpr_time_0(GPR_CLOCK_MONOTONIC)) ==
             grpc::CompletionQueue::GOT_EVENT) {
        HandleEvent(tag, ok);
      }
      continue;
    }
    if (stop_.load() && scheduler_.live_fibers() == 0) break;
    sleeping_.store(true);
    bool has_work;
    {
      std::lock_guard<std::mutex> lock(inbox_mu_);
      has_work = !inbox_.empty();
    }
    if (!has_work) {
      const MonoTime next = scheduler_.NextTimerDeadline();
      // Sleep at most a second so a lost nudge can never hang the thread for long.
      const Duration wait = std::min<Duration>(next - clock_(), std::chrono::seconds(1));
      const auto until = std::chrono::system_clock::now() +
                         std::chrono::duration_cast<std::chrono::system_clock::duration>(
                             std::max<Duration>(wait, Duration(0)));
      if (cq_.AsyncNext(&tag, &ok, until) == grpc::CompletionQueue::GOT_EVENT) {
        HandleEvent(tag, ok);
      }
    }
    sleeping_.store(false);
  }
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    exited_ = true;
  }
  cq_.Shutdown();
  while (cq_.Next(&tag, &ok)) HandleEvent(tag, ok);
}

}  // namespace tikv::env::prod
