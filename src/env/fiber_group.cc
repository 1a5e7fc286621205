#include "env/fiber_group.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace tikv::env {

FiberGroup::FiberGroup(Executor& executor, const CancelToken& parent)
    : executor_(executor), cancel_(CancelToken::ChildOf(parent)) {}

FiberGroup::~FiberGroup() {
  if (running_.count() != 0) {
    // A member could still wake up inside a destroyed owner: stop loudly instead.
    std::fprintf(stderr, "tikv: FiberGroup destroyed with %lld running fibers\n",
                 static_cast<long long>(running_.count()));
    std::abort();
  }
}

void FiberGroup::Spawn(SpawnOptions options, absl::AnyInvocable<void() &&> body) {
  running_.Add(1);
  executor_.Spawn(options, [this, body = std::move(body)]() mutable {
    std::move(body)();
    running_.Done();
  });
}

void FiberGroup::Wait() { running_.Wait(); }

}  // namespace tikv::env
