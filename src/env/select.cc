#include "env/select.h"

#include <vector>

#include "env/this_fiber.h"

namespace tikv::env {

absl::StatusOr<size_t> Select(std::initializer_list<SelectCase*> cases, MonoTime deadline,
                              const CancelToken* cancel) {
  std::vector<WaiterNode> watchers(cases.size());
  for (;;) {
    size_t i = 0;
    for (SelectCase* c : cases) {
      if (c->TryFire()) return i;
      ++i;
    }
    // Register first, then poll again: a change between the poll and the park still wakes us.
    const Waker waker = this_fiber::CurrentWaker();
    i = 0;
    for (SelectCase* c : cases) {
      watchers[i].waker = waker;
      c->source().AddWatcher(&watchers[i]);
      ++i;
    }
    std::optional<size_t> fired;
    i = 0;
    for (SelectCase* c : cases) {
      if (c->TryFire()) {
        fired = i;
        break;
      }
      ++i;
    }
    WakeReason r = WakeReason::kWoken;
    if (!fired) r = this_fiber::Park(deadline, cancel, "Select");
    i = 0;
    for (SelectCase* c : cases) c->source().RemoveWatcher(&watchers[i++]);
    if (fired) return *fired;
    if (r != WakeReason::kWoken) return StatusForWake(r, cancel);
  }
}

}  // namespace tikv::env
