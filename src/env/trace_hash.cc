#include "env/trace_hash.h"

namespace tikv::env {

void TraceHash::BeginEvent(uint32_t tag) {
  if (checkpoint_every_ != 0 && events_ != 0 && events_ % checkpoint_every_ == 0) {
    checkpoints_.push_back(hash_);
  }
  ++events_;
  AddU64(tag);
}

void TraceHash::AddU64(uint64_t v) {
  // Little-endian byte order regardless of the host, so hashes compare across machines.
  for (int i = 0; i < 8; ++i) {
    hash_ ^= (v >> (8 * i)) & 0xff;
    hash_ *= 0x100000001b3ULL;
  }
}

void TraceHash::AddBytes(std::string_view bytes) {
  AddU64(bytes.size());
  for (unsigned char c : bytes) {
    hash_ ^= c;
    hash_ *= 0x100000001b3ULL;
  }
}

}  // namespace tikv::env
