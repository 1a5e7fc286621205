// runtime-smoke: thousands of fibers over channels, timers and a lossy simulated echo service.
//
// Workers send unary echo requests to three echo nodes over links that drop, duplicate and
// delay messages, while a chaos fiber partitions and heals links; every request is retried
// until it succeeds.  Stream workers push numbered messages through bidirectional echo streams
// that break under partitions and resets, reopening and resending until every number came
// back.  Results travel over a bounded channel to collectors that Select between it and a
// ticker.  Invariants: every message is accounted for exactly once with the right payload,
// every fiber finishes (no deadlock, no livelock), and the run ends within a virtual-time bound.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "env/channel.h"
#include "env/event.h"
#include "env/fiber_group.h"
#include "env/select.h"
#include "env/wait_group.h"
#include "kvrpcpb.pb.h"
#include "scenarios/runner/registry.h"
#include "sim/net/sim_network.h"
#include "tikvpb.pb.h"

namespace tikv::scenarios {
namespace {

using namespace std::chrono_literals;

constexpr RpcMethod kEcho{"/tikvpb.Tikv/RawGet", RpcMethod::Kind::kUnary};
constexpr RpcMethod kEchoStream{"/tikvpb.Tikv/BatchCommands", RpcMethod::Kind::kBidiStream};

struct Result {
  uint32_t worker = 0;
  uint32_t seq = 0;
  std::string value;
};

std::string Payload(uint32_t worker, uint32_t seq) { return absl::StrCat("w", worker, "-", seq); }

void InstallEchoNode(sim::SimNode& node, uint64_t* handled) {
  node.RegisterUnary(std::string(kEcho.full_name),
                     [handled](const std::string& req, std::string* resp) -> absl::Status {
                       kvrpcpb::RawGetRequest in;
                       if (!in.ParseFromString(req)) return absl::InvalidArgumentError("bad request");
                       ++*handled;
                       kvrpcpb::RawGetResponse out;
                       out.set_value(in.key());
                       *resp = out.SerializeAsString();
                       return absl::OkStatus();
                     });
  node.RegisterStream(std::string(kEchoStream.full_name),
                      [](std::shared_ptr<sim::ServerStream> stream) {
                        sim::StreamCallbacks cb;
                        cb.on_message = [stream](const std::string& msg) {
                          tikvpb::BatchCommandsRequest in;
                          if (!in.ParseFromString(msg)) return;
                          tikvpb::BatchCommandsResponse out;
                          *out.mutable_request_ids() = in.request_ids();
                          stream->Send(out.SerializeAsString());
                        };
                        cb.on_half_close = [stream] { stream->Finish(absl::OkStatus()); };
                        return cb;
                      });
}

absl::Status RuntimeSmoke(uint64_t seed, sim::SimEnv& env) {
  (void)seed;
  std::unique_ptr<Random> knobs = env.NewRandom("knobs");
  const uint32_t workers = 1000 + static_cast<uint32_t>(knobs->Uniform(1000));
  const uint32_t requests_per_worker = 3;
  const uint32_t stream_workers = 16;
  const uint32_t stream_messages = 20;

  sim::SimNetwork& net = env.network();
  std::vector<std::string> echo_nodes = {"echo-1", "echo-2", "echo-3"};
  std::vector<uint64_t> handled(echo_nodes.size(), 0);
  for (size_t i = 0; i < echo_nodes.size(); ++i) InstallEchoNode(net.AddNode(echo_nodes[i]), &handled[i]);
  sim::LinkConfig link;
  link.drop_probability = 0.01 + knobs->Unit() * 0.09;
  link.duplicate_probability = knobs->Unit() * 0.05;
  link.tail_probability = 0.01;
  link.tail_latency = 30ms;
  link.stream_reset_probability = knobs->Unit() * 0.01;
  net.SetDefaultLinkConfig(link);

  Executor& ex = env.executor();
  env::Channel<Result> results(64);
  env::WaitGroup producers;
  env::Event chaos_over;
  absl::btree_set<std::pair<uint32_t, uint32_t>> seen;
  std::vector<std::string> violations;
  uint64_t attempts = 0;
  uint64_t stream_reopens = 0;
  absl::btree_set<std::pair<uint32_t, uint64_t>> stream_acked;

  env::FiberGroup all(ex);

  // Chaos: for a virtual second, cut a random echo node off the client now and then.
  all.Spawn({.name = "chaos"}, [&] {
    std::unique_ptr<Random> r = env.NewRandom("faults.partition");
    while (env.now() < MonoTime::FromNanos(2'000'000'000)) {
      ex.SleepFor(env.clock(), Duration(r->Range(20'000'000, 120'000'000)));
      const std::string& victim = echo_nodes[r->Uniform(echo_nodes.size())];
      net.Partition("client", victim);
      ex.SleepFor(env.clock(), Duration(r->Range(5'000'000, 60'000'000)));
      net.Heal("client", victim);
    }
    net.HealAll();
    chaos_over.Set();
  });

  // Unary workers.
  producers.Add(workers);
  for (uint32_t w = 0; w < workers; ++w) {
    all.Spawn({.name = "worker", .stack_bytes = 32 * 1024}, [&, w] {
      std::unique_ptr<Random> r = env.NewRandom("workload.worker");
      for (uint32_t seq = 0; seq < requests_per_worker; ++seq) {
        ex.SleepFor(env.clock(), Duration(r->Range(0, 5'000'000)));
        kvrpcpb::RawGetRequest req;
        req.set_key(Payload(w, seq));
        for (;;) {
          ++attempts;
          const Endpoint to{echo_nodes[r->Uniform(echo_nodes.size())]};
          kvrpcpb::RawGetResponse resp;
          absl::Status s = env.transport().Call(to, kEcho, req, &resp, env.now() + 20ms, nullptr);
          if (s.ok()) {
            absl::Status sent = results.Send(Result{w, seq, resp.value()});
            if (!sent.ok()) violations.push_back(absl::StrCat("send failed: ", sent.ToString()));
            break;
          }
          if (s.code() != absl::StatusCode::kDeadlineExceeded) {
            violations.push_back(absl::StrCat("unexpected rpc error: ", s.ToString()));
            break;
          }
          ex.SleepFor(env.clock(), Duration(r->Range(1'000'000, 10'000'000)));  // back off
        }
      }
      producers.Done();
    });
  }

  // Stream workers: every numbered message must come back, across breaks and reopens.
  for (uint32_t sw = 0; sw < stream_workers; ++sw) {
    all.Spawn({.name = "stream-worker"}, [&, sw] {
      std::unique_ptr<Random> r = env.NewRandom("workload.stream");
      absl::btree_set<uint64_t> pending;
      for (uint64_t id = 1; id <= stream_messages; ++id) pending.insert(id);
      const Endpoint to{echo_nodes[sw % echo_nodes.size()]};
      while (!pending.empty()) {
        auto opened = env.transport().OpenStream(to, kEchoStream, env.now() + 5s);
        if (!opened.ok()) {
          violations.push_back(absl::StrCat("open failed: ", opened.status().ToString()));
          return;
        }
        std::unique_ptr<ClientStream> stream = std::move(*opened);
        for (uint64_t id : pending) {
          tikvpb::BatchCommandsRequest req;
          req.add_request_ids(id);
          if (!stream->Write(req).ok()) break;
          ex.SleepFor(env.clock(), Duration(r->Range(0, 2'000'000)));
        }
        (void)stream->CloseSend();
        for (;;) {
          tikvpb::BatchCommandsResponse resp;
          absl::StatusOr<bool> got = stream->Read(&resp, env.now() + 500ms);
          if (!got.ok() || !*got) break;
          for (uint64_t id : resp.request_ids()) {
            pending.erase(id);
            stream_acked.insert({sw, id});
          }
        }
        if (!pending.empty()) {
          ++stream_reopens;
          ex.SleepFor(env.clock(), 10ms);
        }
      }
    });
  }

  // Closer: once every unary worker is done, close the results channel.
  all.Spawn({.name = "closer"}, [&] {
    producers.Wait();
    results.Close();
  });

  // Collectors: Select between results and a ticker timeout, until the channel closes.
  for (int c = 0; c < 4; ++c) {
    all.Spawn({.name = "collector"}, [&] {
      env::ReceiveCase<Result> rc(results);
      for (;;) {
        absl::StatusOr<size_t> which = env::Select({&rc}, env.now() + 50ms);
        if (!which.ok()) continue;  // ticker: nothing arrived within 50 ms
        if (rc.closed) return;
        const Result& res = *rc.value;
        if (!seen.insert({res.worker, res.seq}).second) {
          violations.push_back(absl::StrCat("duplicate result ", res.worker, "/", res.seq));
        }
        if (res.value != Payload(res.worker, res.seq)) {
          violations.push_back(absl::StrCat("wrong echo for ", res.worker, "/", res.seq));
        }
      }
    });
  }

  absl::Status run = env.Run();
  if (!run.ok()) return run;
  if (!violations.empty()) return absl::InternalError(violations.front());
  const uint64_t expected = uint64_t{workers} * requests_per_worker;
  if (seen.size() != expected) {
    return absl::InternalError(absl::StrCat("accounted ", seen.size(), " of ", expected, " results"));
  }
  if (stream_acked.size() != uint64_t{stream_workers} * stream_messages) {
    return absl::InternalError(absl::StrCat("streamed ", stream_acked.size(), " of ",
                                            stream_workers * stream_messages, " messages"));
  }
  uint64_t total_handled = 0;
  for (uint64_t h : handled) total_handled += h;
  if (total_handled < expected) {
    return absl::InternalError("servers handled fewer requests than succeeded");
  }
  if (env.now() > MonoTime::FromNanos(120'000'000'000LL)) {
    return absl::InternalError("run took more than 120 virtual seconds");
  }
  // Fold the outcome into the trace, so a different accounting gives a different hash.
  env.trace().BeginEvent(sim::kTraceUser);
  env.trace().AddU64(attempts);
  env.trace().AddU64(stream_reopens);
  env.trace().AddU64(total_handled);
  return absl::OkStatus();
}

TIKV_REGISTER_SCENARIO("runtime-smoke",
                       "fibers, channels, timers and a lossy simulated echo service (unary + streams)",
                       RuntimeSmoke);

}  // namespace
}  // namespace tikv::scenarios
