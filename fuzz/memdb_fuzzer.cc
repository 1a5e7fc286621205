// libFuzzer target for the MemBuffer: every 4 input bytes are one operation (set, delete, flags,
// staging, release, cleanup, iterate, snapshot reads) applied to the MemBuffer and to a std::map
// model (tests/memdb/memdb_model.h). Aborts on the first disagreement.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/memdb/memdb_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tikv::memdb::testing::MemdbHarness harness;
  // Bound the work per input so the smoke run stays fast.
  const size_t ops = std::min<size_t>(size / 4, 512);
  for (size_t i = 0; i < ops; ++i) {
    const uint8_t* p = data + 4 * i;
    const std::string err = harness.Apply(p[0], p[1], p[2], p[3]);
    if (!err.empty()) {
      std::fprintf(stderr, "memdb model mismatch at op %zu: %s\n", i, err.c_str());
      std::abort();
    }
  }
  const std::string err = harness.CheckAll();
  if (!err.empty()) {
    std::fprintf(stderr, "memdb model mismatch at end: %s\n", err.c_str());
    std::abort();
  }
  return 0;
}
