// raw-linearizable (simulation.md section 6, scenario 8): six client fibers on three RawClients
// (separate region caches) run random Get / Put / Delete / CompareAndSwap on five keys spread
// over three regions, while the cluster injects NotLeader errors with stale leader hints,
// ServerIsBusy, transport failures and executed-but-dropped replies, and a chaos fiber moves
// leaders around.  Every operation is recorded with its virtual invoke and completion times;
// afterwards each key's history must be linearizable (sim/checkers/linearizability.h).
//
// Outcomes: a completed call is ok; a failed read took no effect (dropped from the history); a
// failed write is unknown (it may have been applied, e.g. a dropped reply).  Each call's
// deadline is also its one attempt's timeout, so a write whose reply was dropped ends as
// unknown instead of being re-sent: a re-sent write can take effect twice (client-go's raw
// writes are at-least-once), which no single-register history can explain.
//
// Fiber-confined: runs on the simulation thread.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "env/wait_group.h"
#include "scenarios/runner/registry.h"
#include "sim/checkers/linearizability.h"
#include "sim/cluster/sim_cluster.h"
#include "sim/cluster/sim_cluster_nodes.h"
#include "tikv/raw_client.h"

namespace tikv::scenarios {
namespace {

using namespace std::chrono_literals;

constexpr int kClients = 3;
constexpr int kWorkersPerClient = 2;
const char* const kKeys[] = {"a", "g", "m", "t", "z"};

void InstallFaults(sim::SimCluster& cluster, Random& knobs) {
  auto p = [&](int lo, int hi) { return static_cast<double>(knobs.Range(lo, hi)) / 1000.0; };
  const std::vector<uint64_t> stores = cluster.store_ids();
  // NotLeader with a stale (random, often wrong) leader hint.
  for (uint64_t store : stores) {
    sim::FaultRule rule;
    rule.store_id = store;
    rule.remaining = -1;
    rule.probability = p(5, 40);
    rule.action = sim::FaultAction::kRegionError;
    errorpb::NotLeader* nl = rule.region_error.mutable_not_leader();
    nl->mutable_leader()->set_store_id(stores[knobs.Uniform(stores.size())]);
    cluster.faults().AddRule(rule);
  }
  sim::FaultRule busy;
  busy.remaining = -1;
  busy.probability = p(5, 40);
  busy.action = sim::FaultAction::kServerBusy;
  busy.estimated_wait_ms = static_cast<uint32_t>(knobs.Range(1, 100));
  cluster.faults().AddRule(busy);
  sim::FaultRule unavailable;
  unavailable.remaining = -1;
  unavailable.probability = p(5, 30);
  unavailable.action = sim::FaultAction::kTransportError;
  cluster.faults().AddRule(unavailable);
  for (const char* method : {"RawPut", "RawDelete", "RawCompareAndSwap"}) {
    sim::FaultRule drop;
    drop.method = method;
    drop.remaining = -1;
    drop.probability = p(10, 60);
    drop.action = sim::FaultAction::kApplyThenDropReply;
    cluster.faults().AddRule(drop);
  }
}

struct Recorded {
  std::map<std::string, std::vector<sim::RegisterOp>> by_key;
  uint64_t next_id = 0;
  int ok = 0;
  int unknown = 0;
};

void Worker(RawClient& client, sim::SimEnv& env, uint64_t process, int ops, Recorded& rec) {
  std::unique_ptr<Random> rnd = env.NewRandom(absl::StrCat("raw-worker-", process));
  std::map<std::string, std::optional<std::string>> last_seen;
  for (int i = 0; i < ops; ++i) {
    const std::string key = kKeys[rnd->Uniform(std::size(kKeys))];
    const std::string value = absl::StrCat("p", process, "-", i);
    RawCallOptions call;
    call.timeout = std::chrono::milliseconds(rnd->Range(300, 2000));
    sim::RegisterOp op;
    op.id = rec.next_id++;
    op.process = process;
    op.invoke_time = env.clock().Now().nanos();
    absl::Status status;
    const uint64_t pick = rnd->Uniform(10);
    if (pick < 4) {
      op.kind = sim::RegisterOpKind::kGet;
      auto got = client.Get(key, call);
      status = got.status();
      if (got.ok()) {
        op.read = *got;
        last_seen[key] = *got;
      }
    } else if (pick < 6) {
      op.kind = sim::RegisterOpKind::kPut;
      op.value = value;
      status = client.Put(key, value, call);
    } else if (pick < 7) {
      op.kind = sim::RegisterOpKind::kDelete;
      status = client.Delete(key, call);
    } else {
      op.kind = sim::RegisterOpKind::kCas;
      op.value = value;
      // Usually the last value this worker saw (likely to succeed), sometimes "absent".
      op.expected = rnd->OneIn(4) ? std::nullopt : last_seen[key];
      std::optional<std::string_view> expected;
      if (op.expected.has_value()) expected = *op.expected;
      auto r = client.CompareAndSwap(key, expected, value, call);
      status = r.status();
      if (r.ok()) {
        op.read = r->previous;
        op.swapped = r->swapped;
        last_seen[key] = r->swapped ? std::optional<std::string>(value) : r->previous;
      }
    }
    op.complete_time = env.clock().Now().nanos();
    if (status.ok()) {
      op.outcome = sim::OpOutcome::kOk;
      ++rec.ok;
    } else {
      op.outcome = op.kind == sim::RegisterOpKind::kGet ? sim::OpOutcome::kFailed
                                                        : sim::OpOutcome::kUnknown;
      ++rec.unknown;
    }
    rec.by_key[key].push_back(std::move(op));
  }
}

absl::Status RawLinearizable(uint64_t seed, sim::SimEnv& env) {
  sim::ClusterOptions cluster_options;
  cluster_options.seed = seed;
  sim::SimCluster cluster(cluster_options);
  sim::SimClusterNodes nodes(env, cluster);
  std::unique_ptr<Random> knobs = env.NewRandom("knobs");
  for (const char* split : {"f", "p"}) {
    if (auto s = cluster.SplitAtRaw({split}); !s.ok()) return s.status();
  }
  InstallFaults(cluster, *knobs);
  const int ops_per_worker = static_cast<int>(knobs->Range(20, 40));

  Recorded rec;
  absl::Status setup;
  env.executor().Spawn({.name = "raw-scenario"}, [&] {
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int c = 0; c < kClients; ++c) {
      RawClientOptions o;
      o.pd_endpoints = nodes.pd_endpoints();
      o.atomic_for_cas = true;
      // Longer than any call's deadline: one attempt per call (see the file comment).
      o.rpc_timeout = 10s;
      auto client = RawClient::Create(env, o);
      if (!client.ok()) {
        setup = client.status();
        return;
      }
      clients.push_back(std::move(*client));
    }
    env::WaitGroup workers;
    env::WaitGroup chaos_done;
    workers.Add(kClients * kWorkersPerClient);
    chaos_done.Add(1);
    bool done = false;
    for (int c = 0; c < kClients; ++c) {
      for (int w = 0; w < kWorkersPerClient; ++w) {
        const uint64_t process = static_cast<uint64_t>(c * kWorkersPerClient + w);
        env.executor().Spawn({.name = "raw-worker"}, [&, c, process] {
          Worker(*clients[static_cast<size_t>(c)], env, process, ops_per_worker, rec);
          workers.Done();
        });
      }
    }
    // Chaos: move leaders of random regions to random stores until the workers finish.
    env.executor().Spawn({.name = "raw-chaos"}, [&] {
      std::unique_ptr<Random> chaos = env.NewRandom("raw-chaos");
      const std::vector<uint64_t> stores = cluster.store_ids();
      while (!done) {
        env.executor().SleepFor(env.clock(), std::chrono::milliseconds(chaos->Range(50, 400)));
        const sim::SimRegion* r = cluster.RegionForRawKey(kKeys[chaos->Uniform(std::size(kKeys))]);
        if (r != nullptr) {
          (void)cluster.TransferLeader(r->id, stores[chaos->Uniform(stores.size())]);
        }
      }
      chaos_done.Done();
    });
    workers.Wait();
    done = true;
    chaos_done.Wait();
    cluster.faults().Clear();
    clients.clear();
  });
  if (absl::Status run = env.Run(); !run.ok()) return run;
  if (!setup.ok()) return setup;
  if (rec.ok == 0) return absl::InternalError("raw-linearizable: no operation succeeded");
  absl::Status check = sim::CheckRegistersLinearizable(rec.by_key);
  if (!check.ok()) {
    return absl::Status(check.code(), absl::StrCat("raw-linearizable (", rec.ok, " ok, ",
                                                   rec.unknown, " failed/unknown): ",
                                                   check.message()));
  }
  return absl::OkStatus();
}

}  // namespace

TIKV_REGISTER_SCENARIO("raw-linearizable",
                       "raw get/put/delete/CAS on 5 keys from 6 workers under NotLeader, "
                       "ServerIsBusy, transport errors, dropped replies and leader moves; "
                       "per-key linearizability",
                       RawLinearizable, sim::SimOptions{.stack_bytes = 256 * 1024});

}  // namespace tikv::scenarios
