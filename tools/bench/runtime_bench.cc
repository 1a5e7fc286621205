// Runtime benchmarks (issue 3): fiber switch, spawn + join, channel round trip, simulated
// events per second, and loopback gRPC through our transport next to a plain synchronous
// grpc++ stub measured in the same run (the *Overhead benchmarks report the ratio).
// `tools/dev bench runtime` runs them.

#include <chrono>
#include <memory>
#include <thread>

#include <boost/context/fiber.hpp>
#include <grpcpp/grpcpp.h>

#include "benchmark/benchmark.h"
#include "env/channel.h"
#include "env/fiber_group.h"
#include "env/run_blocking.h"
#include "kvrpcpb.pb.h"
#include "sim/env/sim_env.h"
#include "tests/env/loopback_server.h"
#include "tikv/env.h"
#include "tikv/prod_env.h"
#include "tikvpb.grpc.pb.h"

namespace tikv {
namespace {

using namespace std::chrono_literals;

sim::SimOptions BenchSimOptions() {
  return sim::SimOptions{.seed = 1,
                         .policy = sim::SchedulePolicy::kFifo,
                         .livelock_steps = ~uint64_t{0}};
}

// Baseline: a bare boost::context::fiber resume + return (two switches), no scheduler.
void BM_RuntimeRawBoostSwitch(benchmark::State& state) {
  namespace ctx = boost::context;
  bool stop = false;
  ctx::fiber f([&stop](ctx::fiber&& main) {
    while (!stop) main = std::move(main).resume();
    return std::move(main);
  });
  for (auto _ : state) f = std::move(f).resume();
  stop = true;
  f = std::move(f).resume();
}
BENCHMARK(BM_RuntimeRawBoostSwitch);

// One fiber yielding to the simulated scheduler: two switches, a ready-queue round and a
// trace-hash record per iteration.
void BM_RuntimeFiberSwitch(benchmark::State& state) {
  sim::SimEnv env(BenchSimOptions());
  env.executor().Spawn({.name = "bench"}, [&] {
    for (auto _ : state) env.executor().Yield();
  });
  (void)env.Run();
}
BENCHMARK(BM_RuntimeFiberSwitch);

// The same on a production runtime thread.
void BM_RuntimeProdFiberSwitch(benchmark::State& state) {
  std::unique_ptr<Env> env = NewProdEnv({.threads = 1});
  env::RunBlocking(env->executor(), [&] {
    for (auto _ : state) env->executor().Yield();
  });
}
BENCHMARK(BM_RuntimeProdFiberSwitch);

void BM_RuntimeSpawnJoin(benchmark::State& state) {
  sim::SimEnv env(BenchSimOptions());
  env.executor().Spawn({.name = "bench"}, [&] {
    for (auto _ : state) {
      env::FiberGroup g(env.executor());
      g.Spawn({.name = "child", .stack_bytes = 16 * 1024}, [] {});
      g.Wait();
    }
  });
  (void)env.Run();
}
BENCHMARK(BM_RuntimeSpawnJoin);

// Ping-pong between two fibers over two channels: one iteration is a full round trip.
void BM_RuntimeChannelRoundTrip(benchmark::State& state) {
  sim::SimEnv env(BenchSimOptions());
  env::Channel<int> ping(1);
  env::Channel<int> pong(1);
  env.executor().Spawn({.name = "echo"}, [&] {
    for (;;) {
      absl::StatusOr<int> v = ping.Receive();
      if (!v.ok()) return;
      (void)pong.Send(*v);
    }
  });
  env.executor().Spawn({.name = "bench"}, [&] {
    for (auto _ : state) {
      (void)ping.Send(1);
      benchmark::DoNotOptimize(pong.Receive());
    }
    ping.Close();
  });
  (void)env.Run();
}
BENCHMARK(BM_RuntimeChannelRoundTrip);

// Simulated events per second: 1000 fibers sleeping random amounts and hopping a channel, as
// scenarios do.  Items are scheduler steps plus timer firings (the trace's events).
void BM_RuntimeSimEventsPerSecond(benchmark::State& state) {
  int64_t events = 0;
  for (auto _ : state) {
    sim::SimEnv env(sim::SimOptions{.seed = 7, .policy = sim::SchedulePolicy::kRandom});
    env::Channel<int> ch(16);
    env.executor().Spawn({.name = "sink"}, [&] {
      for (int i = 0; i < 1000 * 10; ++i) (void)ch.Receive();
    });
    for (int f = 0; f < 1000; ++f) {
      env.executor().Spawn({.name = "sleeper", .stack_bytes = 16 * 1024}, [&] {
        std::unique_ptr<Random> r = env.NewRandom("bench");
        for (int i = 0; i < 10; ++i) {
          env.executor().SleepFor(env.clock(), Duration(r->Range(1000, 1'000'000)));
          (void)ch.Send(i);
        }
      });
    }
    (void)env.Run();
    events += static_cast<int64_t>(env.trace().events());
  }
  state.SetItemsProcessed(events);
}
BENCHMARK(BM_RuntimeSimEventsPerSecond)->Unit(benchmark::kMillisecond);

// --- loopback gRPC: our transport versus a synchronous generated stub ---

constexpr RpcMethod kGet{"/tikvpb.Tikv/RawGet", RpcMethod::Kind::kUnary};
constexpr RpcMethod kBatch{"/tikvpb.Tikv/BatchCommands", RpcMethod::Kind::kBidiStream};

kvrpcpb::RawGetRequest SmallRequest() {
  kvrpcpb::RawGetRequest req;
  req.mutable_context()->set_region_id(42);
  req.set_key("0123456789abcde");
  return req;
}

void BM_RuntimeGrpcUnaryOurs(benchmark::State& state) {
  testing::LoopbackServer server;
  std::unique_ptr<Env> env = NewProdEnv({.threads = 1});
  const kvrpcpb::RawGetRequest req = SmallRequest();
  env::RunBlocking(env->executor(), [&] {
    kvrpcpb::RawGetResponse resp;
    for (auto _ : state) {
      absl::Status s = env->transport().Call({server.address()}, kGet, req, &resp,
                                             env->clock().Now() + 5s, nullptr);
      if (!s.ok()) state.SkipWithError("call failed");
    }
  });
}
BENCHMARK(BM_RuntimeGrpcUnaryOurs)->UseRealTime();

void BM_RuntimeGrpcUnarySyncStub(benchmark::State& state) {
  testing::LoopbackServer server;
  auto stub = tikvpb::Tikv::NewStub(grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  const kvrpcpb::RawGetRequest req = SmallRequest();
  for (auto _ : state) {
    grpc::ClientContext ctx;
    kvrpcpb::RawGetResponse resp;
    if (!stub->RawGet(&ctx, req, &resp).ok()) state.SkipWithError("call failed");
  }
}
BENCHMARK(BM_RuntimeGrpcUnarySyncStub)->UseRealTime();

void BM_RuntimeGrpcStreamOurs(benchmark::State& state) {
  testing::LoopbackServer server;
  std::unique_ptr<Env> env = NewProdEnv({.threads = 1});
  env::RunBlocking(env->executor(), [&] {
    auto stream = env->transport().OpenStream({server.address()}, kBatch, MonoTime::Infinite());
    if (!stream.ok()) {
      state.SkipWithError("open failed");
      return;
    }
    tikvpb::BatchCommandsRequest req;
    req.add_request_ids(1);
    tikvpb::BatchCommandsResponse resp;
    for (auto _ : state) {  // ping-pong: write one message, read its echo
      (void)(*stream)->Write(req);
      (void)(*stream)->Read(&resp, env->clock().Now() + 5s);
    }
    (void)(*stream)->CloseSend();
    while ((*stream)->Read(&resp, env->clock().Now() + 5s).value_or(false)) {
    }
    stream->reset();
  });
}
BENCHMARK(BM_RuntimeGrpcStreamOurs)->UseRealTime();

void BM_RuntimeGrpcStreamSyncStub(benchmark::State& state) {
  testing::LoopbackServer server;
  auto stub = tikvpb::Tikv::NewStub(grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  auto stream = stub->BatchCommands(&ctx);
  tikvpb::BatchCommandsRequest req;
  req.add_request_ids(1);
  tikvpb::BatchCommandsResponse resp;
  for (auto _ : state) {
    stream->Write(req);
    stream->Read(&resp);
  }
  stream->WritesDone();
  while (stream->Read(&resp)) {
  }
  (void)stream->Finish();
}
BENCHMARK(BM_RuntimeGrpcStreamSyncStub)->UseRealTime();

// Both clients in one benchmark, alternating batches, so the ratio is measured under the same
// machine conditions (toolchain.md P20).  Counters: ours_us, stub_us, ratio (ours / stub).
void BM_RuntimeGrpcUnaryOverhead(benchmark::State& state) {
  testing::LoopbackServer server;
  std::unique_ptr<Env> env = NewProdEnv({.threads = 1});
  auto stub = tikvpb::Tikv::NewStub(grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  const kvrpcpb::RawGetRequest req = SmallRequest();
  constexpr int kBatch = 200;
  double ours_ns = 0;
  double stub_ns = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    env::RunBlocking(env->executor(), [&] {
      kvrpcpb::RawGetResponse resp;
      for (int i = 0; i < kBatch; ++i) {
        (void)env->transport().Call({server.address()}, kGet, req, &resp, env->clock().Now() + 5s, nullptr);
      }
    });
    auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < kBatch; ++i) {
      grpc::ClientContext ctx;
      kvrpcpb::RawGetResponse resp;
      (void)stub->RawGet(&ctx, req, &resp);
    }
    auto t2 = std::chrono::steady_clock::now();
    ours_ns += std::chrono::duration<double, std::nano>(t1 - t0).count();
    stub_ns += std::chrono::duration<double, std::nano>(t2 - t1).count();
  }
  const double calls = static_cast<double>(state.iterations()) * kBatch;
  state.counters["ours_us"] = ours_ns / calls / 1000;
  state.counters["stub_us"] = stub_ns / calls / 1000;
  state.counters["ratio"] = ours_ns / stub_ns;
}
BENCHMARK(BM_RuntimeGrpcUnaryOverhead)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_RuntimeGrpcStreamOverhead(benchmark::State& state) {
  testing::LoopbackServer server;
  std::unique_ptr<Env> env = NewProdEnv({.threads = 1});
  auto stub = tikvpb::Tikv::NewStub(grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  auto sync_stream = stub->BatchCommands(&ctx);
  std::unique_ptr<ClientStream> ours;
  env::RunBlocking(env->executor(), [&] {
    ours = std::move(*env->transport().OpenStream({server.address()}, kBatch, MonoTime::Infinite()));
  });
  tikvpb::BatchCommandsRequest req;
  req.add_request_ids(1);
  constexpr int kBatchSize = 200;
  double ours_ns = 0;
  double stub_ns = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    env::RunBlocking(env->executor(), [&] {
      tikvpb::BatchCommandsResponse resp;
      for (int i = 0; i < kBatchSize; ++i) {
        (void)ours->Write(req);
        (void)ours->Read(&resp, env->clock().Now() + 5s);
      }
    });
    auto t1 = std::chrono::steady_clock::now();
    tikvpb::BatchCommandsResponse resp;
    for (int i = 0; i < kBatchSize; ++i) {
      sync_stream->Write(req);
      sync_stream->Read(&resp);
    }
    auto t2 = std::chrono::steady_clock::now();
    ours_ns += std::chrono::duration<double, std::nano>(t1 - t0).count();
    stub_ns += std::chrono::duration<double, std::nano>(t2 - t1).count();
  }
  env::RunBlocking(env->executor(), [&] {
    tikvpb::BatchCommandsResponse resp;
    (void)ours->CloseSend();
    while (ours->Read(&resp, env->clock().Now() + 5s).value_or(false)) {
    }
    ours.reset();
  });
  sync_stream->WritesDone();
  tikvpb::BatchCommandsResponse resp;
  while (sync_stream->Read(&resp)) {
  }
  (void)sync_stream->Finish();
  const double msgs = static_cast<double>(state.iterations()) * kBatchSize;
  state.counters["ours_us"] = ours_ns / msgs / 1000;
  state.counters["stub_us"] = stub_ns / msgs / 1000;
  state.counters["ratio"] = ours_ns / stub_ns;
}
BENCHMARK(BM_RuntimeGrpcStreamOverhead)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tikv
