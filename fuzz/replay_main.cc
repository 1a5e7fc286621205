// A stand-in for libFuzzer's main, for builds without libFuzzer (g++): feeds the fuzz target each
// file named on the command line (or found in a named folder), then `--random-inputs=N`
// pseudo-random inputs from a fixed seed, so a smoke run is the same on every machine.
//
// Usage: <target> [--random-inputs=N] [--seed=S] [file-or-folder...]

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void RunOne(const std::vector<uint8_t>& input) {
  LLVMFuzzerTestOneInput(input.data(), input.size());
}

int RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 1;
  }
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  RunOne(data);
  return 0;
}

// SplitMix64: a tiny, fully specified generator, so inputs do not depend on the standard library.
uint64_t NextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

int main(int argc, char** argv) {
  long random_inputs = 0;
  uint64_t seed = 1;
  int files = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--random-inputs=", 16) == 0) {
      random_inputs = std::strtol(argv[i] + 16, nullptr, 10);
      continue;
    }
    if (std::strncmp(argv[i], "--seed=", 7) == 0) {
      seed = std::strtoull(argv[i] + 7, nullptr, 10);
      continue;
    }
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      std::vector<std::filesystem::path> entries;
      for (const auto& e : std::filesystem::directory_iterator(p)) entries.push_back(e.path());
      std::sort(entries.begin(), entries.end());  // same order on every machine
      for (const auto& e : entries) {
        if (RunFile(e) != 0) return 1;
        ++files;
      }
    } else if (std::filesystem::exists(p)) {
      if (RunFile(p) != 0) return 1;
      ++files;
    }
  }
  uint64_t state = seed;
  for (long n = 0; n < random_inputs; ++n) {
    size_t size = NextRandom(state) % 512;
    std::vector<uint8_t> input(size);
    for (auto& b : input) b = static_cast<uint8_t>(NextRandom(state));
    RunOne(input);
  }
  std::printf("replayed %d corpus files and %ld random inputs\n", files, random_inputs);
  return 0;
}
