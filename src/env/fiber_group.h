// FiberGroup: owns the fibers it spawns and joins them (Go's errgroup without the error,
// or a WaitGroup bundled with spawning).  Every fiber in the engine belongs to a group whose
// owner calls Wait() before going away; Cancel() cancels the group's token so that fibers
// watching it return early (simulation.md 2.3 rule 3).
//
// Thread-safe.

#pragma once

#include "absl/functional/any_invocable.h"
#include "env/wait_group.h"
#include "tikv/cancel.h"
#include "tikv/env.h"

namespace tikv::env {

class FiberGroup {
 public:
  // `executor` must outlive the group.  The group's token is a child of `parent`.
  explicit FiberGroup(Executor& executor, const CancelToken& parent = CancelToken());
  // Requires: every spawned fiber finished (Wait() returned after the last Spawn).
  ~FiberGroup();
  FiberGroup(const FiberGroup&) = delete;
  FiberGroup& operator=(const FiberGroup&) = delete;

  // Spawns `body` as a member of the group.  Never suspends.
  void Spawn(SpawnOptions options, absl::AnyInvocable<void() &&> body);
  // Waits for every member to finish.  On a fiber it parks; on a plain thread it blocks.
  // May suspend.
  void Wait();
  // Cancels the group's token.  Never suspends.
  void Cancel() { cancel_.Cancel(); }
  // The token members should watch.
  const CancelToken& cancel_token() const { return cancel_; }
  int64_t running() const { return running_.count(); }

 private:
  Executor& executor_;
  CancelToken cancel_;
  WaitGroup running_;
};

}  // namespace tikv::env
