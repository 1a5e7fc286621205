// Routing benchmarks: region cache lookups at 1k / 100k / 1M cached regions, and how many TSO
// RPCs 1000 concurrent timestamp requests cost (reported as the counter tso_rpcs).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"

#include "env/wait_group.h"
#include "locate/region_cache.h"
#include "pd/rpc_pd_client.h"
#include "sim/env/sim_env.h"
#include "tests/util/fake_pd.h"
#include "tests/util/unimplemented_pd_client.h"

namespace tikv {
namespace {

// A PD that is never asked: the cache is filled directly.
class NoPd : public testing::UnimplementedPdClient {};

std::string Key(int64_t i) { return absl::StrFormat("k%010d", i); }

void BM_RegionCacheLocateKey(benchmark::State& state) {
  const int64_t n = state.range(0);
  sim::SimEnv env;
  NoPd pd;
  locate::RegionCache cache(env, pd);
  errorpb::EpochNotMatch e;
  for (int64_t i = 0; i < n; ++i) {
    metapb::Region* r = e.add_current_regions();
    r->set_id(static_cast<uint64_t>(i + 1));
    r->set_start_key(i == 0 ? "" : Key(i * 10));
    r->set_end_key(i + 1 == n ? "" : Key((i + 1) * 10));
    r->mutable_region_epoch()->set_version(1);
    r->add_peers()->set_store_id(1);
  }
  cache.OnEpochNotMatch(locate::RegionVerId{}, 1, e);
  locate::Backoffer bo(env, 0);
  uint64_t x = 12345;
  for (auto _ : state) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    absl::StatusOr<locate::KeyLocation> loc =
        cache.LocateKey(bo, Key(static_cast<int64_t>((x >> 20) % static_cast<uint64_t>(n * 10))));
    benchmark::DoNotOptimize(loc);
  }
  state.counters["regions"] = static_cast<double>(cache.size());
}
BENCHMARK(BM_RegionCacheLocateKey)->Arg(1000)->Arg(100000)->Arg(1000000);

void BM_TsoRpcsPer1000ConcurrentRequests(benchmark::State& state) {
  double rpcs = 0;
  for (auto _ : state) {
    sim::SimEnv env;
    testing::FakePd fake(env, 1);
    env.executor().Spawn(SpawnOptions{}, [&] {
      pd::PdClientOptions o;
      o.endpoints = fake.endpoints();
      std::unique_ptr<pd::RpcPdClient> c = *pd::RpcPdClient::Create(env, o);
      env::WaitGroup wg;
      for (int i = 0; i < 1000; ++i) {
        wg.Add(1);
        env.executor().Spawn(SpawnOptions{}, [&] {
          benchmark::DoNotOptimize(c->GetTs(nullptr));
          wg.Done();
        });
      }
      wg.Wait();
      rpcs = static_cast<double>(c->tso_rpc_count());
      c->Close();
    });
    (void)env.Run();
  }
  state.counters["tso_rpcs"] = rpcs;
}
BENCHMARK(BM_TsoRpcsPer1000ConcurrentRequests);

}  // namespace
}  // namespace tikv
