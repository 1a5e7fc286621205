// RunBlocking / RunAsync: how public calls enter the runtime (simulation.md 2.7).
//
// RunBlocking(executor, fn) runs `fn` on a runtime fiber and returns its result:
//   1. on a runtime fiber it runs `fn` inline: no hand-off, no self-deadlock;
//   2. on a runtime thread outside any fiber (a callback) it aborts: waiting would deadlock;
//   3. on any other thread it spawns a fiber (the executor picks a runtime thread), and the
//      caller's thread blocks on a condition variable until the fiber has stored the result.
//      The caller never gives up on its own (the fiber honours deadlines through its token),
//      so the result slot on the caller's stack outlives every access.
// RunAsync(executor, fn) spawns the same fiber and returns a Future at once.
//
// Thread-safe.

#pragma once

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "env/future.h"
#include "tikv/env.h"

namespace tikv::env {

// Requires: `fn` is callable with no arguments and returns a movable value (or void).
// May suspend (case 1); blocks the thread (case 3).
template <typename Fn>
auto RunBlocking(Executor& executor, Fn&& fn) -> std::invoke_result_t<Fn&> {
  using R = std::invoke_result_t<Fn&>;
  if (executor.InFiber()) return fn();
  if (executor.OnRuntimeThread()) {
    std::fprintf(stderr,
                 "tikv: blocking call from a runtime thread outside a fiber (a callback?) would "
                 "deadlock; use the async form\n");
    std::abort();
  }
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  if constexpr (std::is_void_v<R>) {
    executor.Spawn({.name = "blocking-call"}, [&] {
      fn();
      std::lock_guard<std::mutex> lock(mu);
      done = true;
      cv.notify_one();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
  } else {
    std::optional<R> result;
    executor.Spawn({.name = "blocking-call"}, [&] {
      R r = fn();
      std::lock_guard<std::mutex> lock(mu);
      result.emplace(std::move(r));
      done = true;
      cv.notify_one();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    return std::move(*result);
  }
}

// Runs `fn` on a new runtime fiber and returns a Future for its result.  Never suspends.
template <typename Fn>
auto RunAsync(Executor& executor, Fn fn) -> Future<std::invoke_result_t<Fn&>> {
  using R = std::invoke_result_t<Fn&>;
  Promise<R> promise;
  Future<R> future = promise.GetFuture();
  executor.Spawn({.name = "async-call"},
                 [fn = std::move(fn), promise = std::move(promise)]() mutable { promise.Set(fn()); });
  return future;
}

}  // namespace tikv::env
