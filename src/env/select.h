// Select: waits until the first of several cases is ready, with a deadline and a token (Go's
// select with a time.After case).  Cases poll their source without blocking; Select registers
// a watcher on every source, re-polls, and parks until a source reports a change.  Among cases
// that are ready at the same time the lowest index wins, so results are deterministic.
//
// Fiber-confined: a case object belongs to the selecting fiber.

#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include "env/channel.h"
#include "env/event.h"
#include "env/wait_helpers.h"
#include "tikv/env.h"

namespace tikv::env {

class SelectCase {
 public:
  virtual ~SelectCase() = default;
  // Completes the case if its source is ready (e.g. takes a value).  Never suspends.
  virtual bool TryFire() = 0;
  virtual SelectSource& source() = 0;
};

// Fires with a received value, or with `closed` once the channel is closed and drained.
template <typename T>
class ReceiveCase : public SelectCase {
 public:
  explicit ReceiveCase(Channel<T>& channel) : channel_(channel) {}
  bool TryFire() override {
    value = channel_.TryReceive(&closed);
    return value.has_value() || closed;
  }
  SelectSource& source() override { return channel_; }

  std::optional<T> value;
  bool closed = false;

 private:
  Channel<T>& channel_;
};

// Fires once the event is set.
class EventCase : public SelectCase {
 public:
  explicit EventCase(Event& event) : event_(event) {}
  bool TryFire() override { return event_.IsSet(); }
  SelectSource& source() override { return event_; }

 private:
  Event& event_;
};

// Returns the index of the case that fired.  Errors: kDeadlineExceeded, kCancelled.
// Requires: on a fiber; at least one case.  May suspend.
absl::StatusOr<size_t> Select(std::initializer_list<SelectCase*> cases,
                              MonoTime deadline = MonoTime::Infinite(),
                              const CancelToken* cancel = nullptr);

}  // namespace tikv::env
