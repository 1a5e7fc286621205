// CancelToken: hierarchical cancellation with an optional deadline, the Go `context.Context`
// cancellation half (client-go passes ctx everywhere; we pass a token).
//
// A token is a cheap handle to shared state; copies refer to the same cancellation. Cancelling a
// token cancels every token derived from it, never its parent. The deadline is only data: a
// token does not read a clock, so "past its deadline" is decided by whoever parks on it
// (Executor::Park parks until min(deadline, token.deadline())).
//
// Thread-safe: any fiber or thread may cancel, query or register callbacks.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "tikv/mono_time.h"

namespace tikv {

class CancelToken {
 public:
  // A fresh root token: not cancelled, no deadline.  Never suspends.
  CancelToken();

  // A child of `parent`: cancelled when the parent is, and its deadline is the earlier of
  // `deadline` and the parent's.  Never suspends.
  static CancelToken ChildOf(const CancelToken& parent, MonoTime deadline = MonoTime::Infinite());

  // A root token with a deadline.  Never suspends.
  static CancelToken WithDeadline(MonoTime deadline);

  // Cancels this token and all its descendants with `reason` (kCancelled by default).  The
  // first call wins; later calls are ignored.  Runs registered callbacks on the calling thread,
  // outside any lock.  Never suspends.
  void Cancel(absl::Status reason = absl::CancelledError("cancelled")) const;

  // True once Cancel() ran on this token or an ancestor.  Never suspends.
  bool IsCancelled() const;

  // OK while not cancelled, else the reason given to Cancel().  Never suspends.
  absl::Status status() const;

  // The effective deadline (Infinite when none).  Never suspends.
  MonoTime deadline() const;

  // Registers `callback` to run once when the token is cancelled; runs it at once (before
  // returning) when already cancelled.  Returns an id for Unregister.  The callback must not
  // block and must not suspend.  Never suspends.
  uint64_t Register(std::function<void()> callback) const;

  // Removes a callback.  A callback already running on another thread may still be running
  // when this returns; callbacks must therefore be harmless if late (Waker::Wake is).
  // Never suspends.
  void Unregister(uint64_t id) const;

 private:
  struct State;
  explicit CancelToken(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace tikv
