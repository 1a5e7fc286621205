// Benchmarks of the MemBuffer (ART + arenas) against std::map<std::string, std::string> measured
// in the same iteration: insert, point get and full iteration for 10k and 1M keys of 16 and 64
// bytes, plus memory per key. Ports the shape of client-go internal/unionstore/memdb_bench_test.go.
//
// Reported time is the MemBuffer's (manual time); counters give both sides per key and the ratio
// `ratio_vs_map` = memdb time / std::map time (below 1 means the MemBuffer is faster), and
// `memdb_bytes_per_key` / `map_bytes_per_key` (memdb counts arena capacity, the map counts its
// nodes plus out-of-line string buffers).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"

#include "memdb/mem_buffer.h"

namespace {

using tikv::memdb::MemBuffer;

// Counts bytes the map allocates for its nodes.
size_t g_map_node_bytes = 0;

template <typename T>
struct CountingAllocator {
  using value_type = T;
  CountingAllocator() = default;
  template <typename U>
  CountingAllocator(const CountingAllocator<U>&) {}  // NOLINT: allocator rebinding
  T* allocate(size_t n) {
    g_map_node_bytes += n * sizeof(T);
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, size_t n) {
    g_map_node_bytes -= n * sizeof(T);
    std::allocator<T>().deallocate(p, n);
  }
  template <typename U>
  bool operator==(const CountingAllocator<U>&) const {
    return true;
  }
};

using Map = std::map<std::string, std::string, std::less<>,
                     CountingAllocator<std::pair<const std::string, std::string>>>;

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// TiDB-shaped keys: a shared table prefix, then 8 scrambled bytes, padded to `len`. Returned in
// insertion (scrambled) order.
std::vector<std::string> MakeKeys(size_t n, size_t len) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    std::string k("t\x80\x00\x00\x00\x2a_r", 8);
    const uint64_t h = Mix(i);
    for (int b = 7; b >= 0; --b) k.push_back(static_cast<char>(h >> (8 * b)));
    k.resize(len, 'k');
    keys.push_back(std::move(k));
  }
  return keys;
}

size_t StringHeap(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

const std::string kValue(16, 'v');

enum class Op { kInsert, kGet, kIterate };

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

template <Op kOp>
void BM_Memdb(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto key_len = static_cast<size_t>(state.range(1));
  const std::vector<std::string> keys = MakeKeys(n, key_len);
  double memdb_s = 0, map_s = 0;
  double memdb_bytes = 0, map_bytes = 0;
  size_t sink = 0;
  for (auto _ : state) {
    MemBuffer db;
    Map m;
    g_map_node_bytes = 0;
    if (kOp != Op::kInsert) {
      for (const auto& k : keys) (void)db.Set(k, kValue);
      for (const auto& k : keys) m.emplace(k, kValue);
    }
    const auto t0 = std::chrono::steady_clock::now();
    switch (kOp) {
      case Op::kInsert:
        for (const auto& k : keys) (void)db.Set(k, kValue);
        break;
      case Op::kGet:
        for (const auto& k : keys) sink += db.Get(k)->size();
        break;
      case Op::kIterate:
        for (auto it = db.Iter({}, {}); it.Valid(); (void)it.Next()) sink += it.Value().size();
        break;
    }
    const auto t1 = std::chrono::steady_clock::now();
    switch (kOp) {
      case Op::kInsert:
        for (const auto& k : keys) m.emplace(k, kValue);
        break;
      case Op::kGet:
        for (const auto& k : keys) sink += m.find(k)->second.size();
        break;
      case Op::kIterate:
        for (const auto& [k, v] : m) sink += v.size();
        break;
    }
    const auto t2 = std::chrono::steady_clock::now();
    memdb_s += Seconds(t0, t1);
    map_s += Seconds(t1, t2);
    state.SetIterationTime(Seconds(t0, t1));
    size_t heap = g_map_node_bytes;
    for (const auto& [k, v] : m) heap += StringHeap(k) + StringHeap(v);
    memdb_bytes = static_cast<double>(db.Mem()) / static_cast<double>(n);
    map_bytes = static_cast<double>(heap) / static_cast<double>(n);
  }
  benchmark::DoNotOptimize(sink);
  const double iters = static_cast<double>(state.iterations());
  state.counters["memdb_ns_per_key"] = memdb_s * 1e9 / iters / static_cast<double>(n);
  state.counters["map_ns_per_key"] = map_s * 1e9 / iters / static_cast<double>(n);
  state.counters["ratio_vs_map"] = memdb_s / map_s;
  state.counters["memdb_bytes_per_key"] = memdb_bytes;
  state.counters["map_bytes_per_key"] = map_bytes;
}

// Iteration counts are fixed so the 1M-key cases stay within seconds.
void Small(benchmark::internal::Benchmark* b) {
  b->Args({10'000, 16})->Args({10'000, 64})->Iterations(20);
  b->UseManualTime()->Unit(benchmark::kMicrosecond);
}

void Large(benchmark::internal::Benchmark* b) {
  b->Args({1'000'000, 16})->Args({1'000'000, 64})->Iterations(1);
  b->UseManualTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_Memdb<Op::kInsert>)->Name("MemdbInsert")->Apply(Small);
BENCHMARK(BM_Memdb<Op::kInsert>)->Name("MemdbInsert")->Apply(Large);
BENCHMARK(BM_Memdb<Op::kGet>)->Name("MemdbPointGet")->Apply(Small);
BENCHMARK(BM_Memdb<Op::kGet>)->Name("MemdbPointGet")->Apply(Large);
BENCHMARK(BM_Memdb<Op::kIterate>)->Name("MemdbIterate")->Apply(Small);
BENCHMARK(BM_Memdb<Op::kIterate>)->Name("MemdbIterate")->Apply(Large);

}  // namespace
