// StackPool: fiber stacks from malloc, recycled per size.  Boost's protected (guard-page)
// stacks cost ~11 us each to map (toolchain.md 3.1); a recycled malloc'd stack costs nothing,
// and its bounds are known, which the ASan switch annotations need.
//
// Fiber-confined: one pool per scheduler, used only on the scheduler's thread.

#pragma once

#include <cstddef>
#include <map>
#include <vector>

#include <boost/context/stack_context.hpp>

namespace tikv::env {

class StackPool {
 public:
  StackPool() = default;
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;
  ~StackPool();

  // A stack of at least `bytes` (rounded up to 4 KiB, minimum 16 KiB).  Never suspends.
  boost::context::stack_context Allocate(size_t bytes);
  // Returns a stack for reuse.  Never suspends.
  void Release(boost::context::stack_context& stack);

 private:
  // Free stacks by size; each entry is a base pointer (the lowest address).
  std::map<size_t, std::vector<void*>> free_;
  size_t cached_bytes_ = 0;
};

// The allocator Boost calls back when a fiber ends: hands the stack back to its pool.
struct PooledStackAllocator {
  StackPool* pool;
  boost::context::stack_context allocate() { return pool->Allocate(0); }  // unused: preallocated
  void deallocate(boost::context::stack_context& stack) noexcept { pool->Release(stack); }
};

}  // namespace tikv::env
