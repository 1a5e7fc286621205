// The fiber-local request context: what Go passes as ctx.Context down a call chain, carried by
// the fiber instead.  A fiber inherits its spawner's context; ScopedRequestContext replaces it
// for a scope.  Engine code reads it to find the operation's cancellation token and deadline.
//
// Immutable once published (shared as shared_ptr<const RequestContext>).

#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tikv/cancel.h"

namespace tikv::env {

struct RequestContext {
  CancelToken cancel;       // the operation's cancellation, with its deadline
  std::string tag;          // free-form label for logs and traces (e.g. "txn 42 commit")
  uint64_t request_id = 0;  // caller-chosen id, 0 when unset
};

// The calling fiber's context, or nullptr when none was set (or not on a fiber).
// Never suspends.
std::shared_ptr<const RequestContext> CurrentRequestContext();

// Sets the calling fiber's context for this object's lifetime, then restores the previous one.
// Requires: on a fiber; destroyed on the same fiber.  Never suspends.
class ScopedRequestContext {
 public:
  explicit ScopedRequestContext(std::shared_ptr<const RequestContext> context);
  ~ScopedRequestContext();
  ScopedRequestContext(const ScopedRequestContext&) = delete;
  ScopedRequestContext& operator=(const ScopedRequestContext&) = delete;

 private:
  std::shared_ptr<const RequestContext> previous_;
};

}  // namespace tikv::env
