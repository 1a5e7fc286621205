#include "env/stack_pool.h"

#include <cstdlib>

namespace tikv::env {
namespace {
// Beyond this many cached bytes, released stacks go back to malloc.
constexpr size_t kMaxCachedBytes = 256u << 20;
}  // namespace

StackPool::~StackPool() {
  for (auto& [size, stacks] : free_) {
    for (void* base : stacks) std::free(base);
  }
}

boost::context::stack_context StackPool::Allocate(size_t bytes) {
  size_t size = bytes < (16u << 10) ? (16u << 10) : bytes;
  size = (size + 4095) & ~size_t{4095};
  void* base = nullptr;
  auto it = free_.find(size);
  if (it != free_.end() && !it->second.empty()) {
    base = it->second.back();
    it->second.pop_back();
    cached_bytes_ -= size;
  } else {
    base = std::aligned_alloc(64, size);
    if (base == nullptr) std::abort();
  }
  boost::context::stack_context sc;
  sc.size = size;
  sc.sp = static_cast<char*>(base) + size;  // stacks grow down from the top
  return sc;
}

void StackPool::Release(boost::context::stack_context& stack) {
  void* base = static_cast<char*>(stack.sp) - stack.size;
  if (cached_bytes_ + stack.size > kMaxCachedBytes) {
    std::free(base);
    return;
  }
  cached_bytes_ += stack.size;
  free_[stack.size].push_back(base);
}

}  // namespace tikv::env
