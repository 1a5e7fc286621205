// Batch-commands client benchmark: how many requests ride in one BatchCommandsRequest when
// 1, 16 or 256 callers keep a request in flight against a simulated store (counter
// requests_per_message), and the simulated cost per request.  Runs on the simulation Env, so
// the counters are deterministic; wall time measures client-side CPU only.

#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "env/fiber_group.h"
#include "kvrpcpb.pb.h"
#include "rpc/batch_client.h"
#include "rpc/methods.h"
#include "sim/env/sim_env.h"
#include "sim/net/sim_network.h"
#include "tikvpb.pb.h"

namespace tikv::rpc {
namespace {

// A store that answers every Get at once with an empty value.
void AddEchoStore(sim::SimEnv& env, const std::string& name) {
  sim::SimNode& node = env.network().AddNode(name);
  node.RegisterStream(std::string(kBatchCommands.full_name),
                      [](std::shared_ptr<sim::ServerStream> stream) {
                        sim::StreamCallbacks cb;
                        cb.on_message = [stream](const std::string& bytes) {
                          tikvpb::BatchCommandsRequest req;
                          if (!req.ParseFromString(bytes)) return;
                          tikvpb::BatchCommandsResponse resp;
                          for (int i = 0; i < req.requests_size(); ++i) {
                            resp.add_request_ids(req.request_ids(i));
                            resp.add_responses()->mutable_get();
                          }
                          stream->Send(resp.SerializeAsString());
                        };
                        return cb;
                      });
}

void BM_BatchCommandsInFlight(benchmark::State& state) {
  const int in_flight = static_cast<int>(state.range(0));
  const int per_caller = std::max(1, 2048 / in_flight);
  BatchClientStats total;
  for (auto _ : state) {
    sim::SimEnv env(sim::SimOptions{.seed = 7});
    AddEchoStore(env, "store-1");
    env.executor().Spawn({.name = "bench"}, [&] {
      BatchCommandsClient client(env, {"store-1"});
      env::FiberGroup callers(env.executor());
      for (int c = 0; c < in_flight; ++c) {
        callers.Spawn({.name = "caller"}, [&, c] {
          for (int i = 0; i < per_caller; ++i) {
            kvrpcpb::GetRequest get;
            get.set_key("k" + std::to_string(c));
            (void)client.Send(Request::Of(CmdType::kGet, std::move(get)),
                              env.now() + std::chrono::seconds(10));
          }
        });
      }
      callers.Wait();
      BatchClientStats s = client.stats();
      total.batch_messages += s.batch_messages;
      total.batched_requests += s.batched_requests;
      client.Close();
    });
    if (!env.Run().ok()) state.SkipWithError("simulation did not finish");
  }
  state.counters["requests_per_message"] =
      total.batch_messages == 0 ? 0.0
                                : static_cast<double>(total.batched_requests) /
                                      static_cast<double>(total.batch_messages);
  state.counters["requests"] = benchmark::Counter(static_cast<double>(total.batched_requests),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BatchCommandsInFlight)->Arg(1)->Arg(16)->Arg(256)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tikv::rpc
