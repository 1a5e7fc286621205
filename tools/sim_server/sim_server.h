// SimServer: a whole simulated cluster (sim::SimCluster) served over gRPC — PD on one address,
// each TiKV store on its own — with a ticker thread that completes lock waits on the real clock.
// The tikv-sim-server tool is a thin main() around it; tests embed it directly.
//
// Thread-safe: Start and Stop from one thread; the cluster is reached only under ClusterLock().

#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "kvrpcpb.pb.h"
#include "sim/cluster/sim_cluster.h"
#include "tools/sim_server/cluster_dispatch.h"
#include "tools/sim_server/grpc_front.h"

namespace tikv::simserver {

struct SimServerOptions {
  std::string pd_addr = "127.0.0.1:2379";  // port 0 picks a free one
  int stores = 3;
  int store_port_base = 0;                 // 0: free ports; else base, base+1, ...
  // Keys to split the one region at, as transactional keys: the TiKV-space boundary is
  // EncodeBytes(key) (SimCluster::SplitAt).  Both V1 clients work with such boundaries: the txn
  // client decodes them, the raw client treats them as opaque raw keys (so raw `key` itself
  // lands in the left region).  In API V2 give the keyspace-prefixed key ("x\0\0\0k").
  std::vector<std::string> split_keys;
  // Keys to split at in the raw layout (SimCluster::SplitAtRaw; V1: the raw key verbatim, an
  // exact raw boundary).  A V1 transactional client cannot decode such a boundary and fails,
  // as it would on a real TiKV with raw boundaries, so use these only for raw-only runs.
  std::vector<std::string> raw_split_keys;
  uint64_t seed = 1;
  kvrpcpb::APIVersion api_version = kvrpcpb::V1;
};

class SimServer {
 public:
  explicit SimServer(SimServerOptions options);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Listens on every address, registers the real addresses with the simulated PD, applies the
  // splits and starts the ticker. Errors: kUnavailable when an address cannot be bound;
  // kInvalidArgument when a split fails.
  absl::Status Start();
  // Stops serving and joins the ticker. Idempotent.
  void Stop();

  const std::string& pd_address() const { return pd_address_; }
  const std::vector<std::string>& store_addresses() const { return store_addresses_; }

  // Runs `fn` on the cluster under ClusterLock(), e.g. to inject a fault from a test.
  void WithCluster(const std::function<void(sim::SimCluster&)>& fn);

 private:
  SimServerOptions options_;
  sim::SimCluster cluster_;
  DeferredRouter router_;
  PdDispatcher pd_dispatcher_;
  NodeServer pd_server_;
  std::vector<std::unique_ptr<StoreDispatcher>> store_dispatchers_;
  std::vector<std::unique_ptr<NodeServer>> store_servers_;
  std::string pd_address_;
  std::vector<std::string> store_addresses_;
  std::atomic<bool> stopping_{false};
  std::thread ticker_;
};

}  // namespace tikv::simserver
