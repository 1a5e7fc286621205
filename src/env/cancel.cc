// CancelToken's shared state.  A std::mutex (not absl::Mutex) so ThreadSanitizer sees the
// synchronization (toolchain.md P9).

#include "tikv/cancel.h"

#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace tikv {

struct CancelToken::State {
  std::mutex mu;
  bool cancelled = false;  // guarded by mu
  absl::Status reason;     // guarded by mu
  MonoTime deadline = MonoTime::Infinite();
  uint64_t next_id = 1;                               // guarded by mu
  std::map<uint64_t, std::function<void()>> callbacks;  // guarded by mu; ordered by id
  std::vector<std::weak_ptr<State>> children;          // guarded by mu
};

CancelToken::CancelToken() : state_(std::make_shared<State>()) {}

CancelToken CancelToken::WithDeadline(MonoTime deadline) {
  auto state = std::make_shared<State>();
  state->deadline = deadline;
  return CancelToken(std::move(state));
}

CancelToken CancelToken::ChildOf(const CancelToken& parent, MonoTime deadline) {
  auto child = std::make_shared<State>();
  child->deadline = Earliest(deadline, parent.state_->deadline);
  absl::Status parent_reason;
  {
    std::lock_guard<std::mutex> lock(parent.state_->mu);
    if (parent.state_->cancelled) {
      parent_reason = parent.state_->reason;
    } else {
      // Drop children that are gone so long-lived parents do not grow without bound.
      auto& kids = parent.state_->children;
      std::erase_if(kids, [](const std::weak_ptr<State>& w) { return w.expired(); });
      kids.push_back(child);
    }
  }
  CancelToken token(std::move(child));
  if (!parent_reason.ok()) token.Cancel(parent_reason);
  return token;
}

void CancelToken::Cancel(absl::Status reason) const {
  if (reason.ok()) reason = absl::CancelledError("cancelled");
  std::map<uint64_t, std::function<void()>> callbacks;
  std::vector<std::weak_ptr<State>> children;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->cancelled) return;
    state_->cancelled = true;
    state_->reason = reason;
    callbacks.swap(state_->callbacks);
    children.swap(state_->children);
  }
  // Outside the lock: callbacks may take other locks (a scheduler's inbox).
  for (auto& [id, cb] : callbacks) cb();
  for (auto& weak : children) {
    if (auto child = weak.lock()) CancelToken(std::move(child)).Cancel(reason);
  }
}

bool CancelToken::IsCancelled() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->cancelled;
}

absl::Status CancelToken::status() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->cancelled ? state_->reason : absl::OkStatus();
}

MonoTime CancelToken::deadline() const { return state_->deadline; }

uint64_t CancelToken::Register(std::function<void()> callback) const {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->cancelled) {
      const uint64_t id = state_->next_id++;
      state_->callbacks.emplace(id, std::move(callback));
      return id;
    }
  }
  callback();
  return 0;
}

void CancelToken::Unregister(uint64_t id) const {
  if (id == 0) return;
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->callbacks.erase(id);
}

}  // namespace tikv
