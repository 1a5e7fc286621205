// Channel<T>: a FIFO queue between fibers, bounded or unbounded, that can be closed (Go's
// chan).  Send parks while a bounded channel is full; Receive parks while it is empty; both
// take a deadline and a cancellation token.  Close wakes every waiter: receivers drain what
// is left and then see kOutOfRange, senders see kFailedPrecondition.  Unlike Go there is no
// unbuffered (rendezvous) mode: capacity is at least 1.
//
// Thread-safe.  Send and Receive require a fiber; TrySend/TryReceive/Close do not.

#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "env/wait_helpers.h"
#include "env/waiter_list.h"
#include "tikv/env.h"

namespace tikv::env {

template <typename T>
class Channel : public SelectSource {
 public:
  static constexpr size_t kUnbounded = SIZE_MAX;

  // Requires: capacity >= 1.
  explicit Channel(size_t capacity = kUnbounded) : capacity_(capacity == 0 ? 1 : capacity) {}
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Appends `value`, waiting for room in a bounded channel.  Errors: kFailedPrecondition when
  // closed (also if it closes while waiting; the value is dropped), kDeadlineExceeded,
  // kCancelled.  Requires: on a fiber if the channel may be full.  May suspend.
  absl::Status Send(T value, MonoTime deadline = MonoTime::Infinite(),
                    const CancelToken* cancel = nullptr) {
    std::unique_lock<std::mutex> lock(mu_);
    if (closed_) return absl::FailedPreconditionError("send on closed channel");
    if (TryDeliverLocked(value)) return absl::OkStatus();
    SendWaiter node;
    node.value = &value;
    const WakeReason r = ParkUntilServed(lock, senders_, node, deadline, cancel, "Channel::Send");
    if (r != WakeReason::kWoken) return StatusForWake(r, cancel);
    return node.closed ? absl::FailedPreconditionError("channel closed while sending")
                       : absl::OkStatus();
  }

  // Appends `value` if there is room; otherwise returns false and leaves `value` alone.
  // Never suspends.
  bool TrySend(T& value) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    return TryDeliverLocked(value);
  }

  // Takes the oldest value, waiting while the channel is empty.  Errors: kOutOfRange once
  // closed and drained, kDeadlineExceeded, kCancelled.  Requires: on a fiber.  May suspend.
  absl::StatusOr<T> Receive(MonoTime deadline = MonoTime::Infinite(),
                            const CancelToken* cancel = nullptr) {
    std::unique_lock<std::mutex> lock(mu_);
    if (std::optional<T> v = TakeLocked()) return std::move(*v);
    if (closed_) return absl::OutOfRangeError("channel closed");
    std::optional<T> slot;
    RecvWaiter node;
    node.slot = &slot;
    const WakeReason r =
        ParkUntilServed(lock, receivers_, node, deadline, cancel, "Channel::Receive");
    if (r != WakeReason::kWoken) return StatusForWake(r, cancel);
    if (slot.has_value()) return std::move(*slot);
    return absl::OutOfRangeError("channel closed");
  }

  // Takes the oldest value if any.  Sets *closed when the channel is closed and drained.
  // Never suspends.
  std::optional<T> TryReceive(bool* closed = nullptr) {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<T> v = TakeLocked();
    if (closed != nullptr) *closed = !v.has_value() && closed_;
    return v;
  }

  // Closes the channel (idempotent) and wakes all waiters.  Never suspends.
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    while (RecvWaiter* r = receivers_.PopFront()) r->waker.Wake();
    while (SendWaiter* s = senders_.PopFront()) {
      s->closed = true;
      s->waker.Wake();
    }
    NotifyWatchers(watchers_);
  }

  bool closed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.size();
  }

  void AddWatcher(WaiterNode* node) override {
    std::lock_guard<std::mutex> lock(mu_);
    watchers_.PushBack(node);
    if (!items_.empty() || closed_) node->waker.Wake();
  }
  void RemoveWatcher(WaiterNode* node) override {
    std::lock_guard<std::mutex> lock(mu_);
    watchers_.Remove(node);
  }

 private:
  struct RecvWaiter : WaiterNode {
    std::optional<T>* slot = nullptr;
  };
  struct SendWaiter : WaiterNode {
    T* value = nullptr;
    bool closed = false;
  };

  // Hands `value` to a waiting receiver or buffers it.  False when full.
  bool TryDeliverLocked(T& value) {
    if (RecvWaiter* r = receivers_.PopFront()) {
      r->slot->emplace(std::move(value));
      r->waker.Wake();
      return true;
    }
    if (items_.size() >= capacity_) return false;
    items_.push_back(std::move(value));
    NotifyWatchers(watchers_);
    return true;
  }

  // Takes the head and refills from a waiting sender.
  std::optional<T> TakeLocked() {
    if (items_.empty()) return std::nullopt;
    std::optional<T> v(std::move(items_.front()));
    items_.pop_front();
    if (SendWaiter* s = senders_.PopFront()) {
      items_.push_back(std::move(*s->value));
      s->waker.Wake();
    }
    return v;
  }

  mutable std::mutex mu_;
  const size_t capacity_;
  std::deque<T> items_;
  bool closed_ = false;
  WaiterList<RecvWaiter> receivers_;
  WaiterList<SendWaiter> senders_;
  WaiterList<WaiterNode> watchers_;
};

}  // namespace tikv::env
