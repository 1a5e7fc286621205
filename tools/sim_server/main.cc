// tikv-sim-server: the simulated PD + TiKV cluster (sim::SimCluster) served over real gRPC on
// loopback with the real clock, so the production transport, our CLI, client-go or a plain
// grpc++ stub can be pointed at it. PD listens on --pd-addr; each store on its own port.
//
//   tikv-sim-server [--pd-addr 127.0.0.1:2379] [--stores 3] [--split-keys k1,k2] [--seed 1]
//                   [--store-port-base 0] [--api-version v1|v1ttl|v2]
//
// Prints exactly one line starting with "ready pd=ADDR stores=ADDR,ADDR,..." once every server
// listens, then serves until SIGINT or SIGTERM and exits 0.

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "sim/cluster/sim_cluster.h"
#include "tools/sim_server/cluster_dispatch.h"
#include "tools/sim_server/grpc_front.h"

namespace {

struct Flags {
  std::string pd_addr = "127.0.0.1:2379";
  int stores = 3;
  std::vector<std::string> split_keys;
  uint64_t seed = 1;
  int store_port_base = 0;  // 0: pick free ports
  kvrpcpb::APIVersion api_version = kvrpcpb::V1;
};

[[noreturn]] void Usage(const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "tikv-sim-server: %s\n", error.c_str());
  std::fprintf(stderr,
               "usage: tikv-sim-server [--pd-addr HOST:PORT] [--stores N] [--split-keys K1,K2,...]\n"
               "                       [--seed S] [--store-port-base PORT] "
               "[--api-version v1|v1ttl|v2]\n");
  std::exit(error.empty() ? 0 : 2);
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    size_t eq = arg.find('=');
    if (arg == "--help" || arg == "-h") Usage("");
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      Usage(absl::StrCat(arg, " needs a value"));
    }
    char* end = nullptr;
    if (arg == "--pd-addr") {
      f.pd_addr = value;
    } else if (arg == "--stores") {
      f.stores = static_cast<int>(std::strtol(value.c_str(), &end, 10));
      if (*end != '\0' || f.stores < 1 || f.stores > 64) Usage("--stores must be 1..64");
    } else if (arg == "--split-keys") {
      for (absl::string_view k : absl::StrSplit(value, ',', absl::SkipEmpty())) {
        f.split_keys.emplace_back(k);
      }
    } else if (arg == "--seed") {
      f.seed = std::strtoull(value.c_str(), &end, 10);
      if (*end != '\0') Usage("--seed must be a number");
    } else if (arg == "--store-port-base") {
      f.store_port_base = static_cast<int>(std::strtol(value.c_str(), &end, 10));
      if (*end != '\0' || f.store_port_base < 0 || f.store_port_base > 65000) {
        Usage("--store-port-base must be 0..65000");
      }
    } else if (arg == "--api-version") {
      if (value == "v1") {
        f.api_version = kvrpcpb::V1;
      } else if (value == "v1ttl") {
        f.api_version = kvrpcpb::V1TTL;
      } else if (value == "v2") {
        f.api_version = kvrpcpb::V2;
      } else {
        Usage("--api-version must be v1, v1ttl or v2");
      }
    } else {
      Usage(absl::StrCat("unknown flag ", arg));
    }
  }
  return f;
}

std::string HostOf(const std::string& addr) { return addr.substr(0, addr.rfind(':')); }

}  // namespace

int main(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv);

  // Block the stop signals in every thread (gRPC's included); the main thread waits for them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  using tikv::simserver::ClusterLock;
  tikv::sim::ClusterOptions options;
  options.num_stores = flags.stores;
  options.num_pd_members = 0;  // one member, added below with the real address
  options.seed = flags.seed;
  options.api_version = flags.api_version;
  tikv::sim::SimCluster cluster(options);

  tikv::simserver::DeferredRouter router(cluster);
  tikv::simserver::PdDispatcher pd_dispatcher(cluster);
  tikv::simserver::NodeServer pd_server(pd_dispatcher);
  std::vector<std::unique_ptr<tikv::simserver::StoreDispatcher>> store_dispatchers;
  std::vector<std::unique_ptr<tikv::simserver::NodeServer>> store_servers;
  std::vector<std::string> store_addrs;

  absl::StatusOr<std::string> pd_addr = pd_server.Start(flags.pd_addr);
  if (!pd_addr.ok()) {
    std::fprintf(stderr, "tikv-sim-server: %s\n", std::string(pd_addr.status().message()).c_str());
    return 1;
  }
  const std::string host = HostOf(*pd_addr);
  std::vector<uint64_t> store_ids = cluster.store_ids();
  for (size_t i = 0; i < store_ids.size(); ++i) {
    auto dispatcher =
        std::make_unique<tikv::simserver::StoreDispatcher>(cluster, router, store_ids[i]);
    auto server = std::make_unique<tikv::simserver::NodeServer>(*dispatcher);
    int port = flags.store_port_base == 0 ? 0 : flags.store_port_base + static_cast<int>(i);
    absl::StatusOr<std::string> addr = server->Start(absl::StrCat(host, ":", port));
    if (!addr.ok()) {
      std::fprintf(stderr, "tikv-sim-server: %s\n", std::string(addr.status().message()).c_str());
      return 1;
    }
    store_addrs.push_back(*addr);
    store_dispatchers.push_back(std::move(dispatcher));
    store_servers.push_back(std::move(server));
  }

  {
    std::lock_guard<std::mutex> lock(ClusterLock());
    cluster.pd().AddMember("pd-1", absl::StrCat("http://", *pd_addr));
    for (size_t i = 0; i < store_ids.size(); ++i) {
      tikv::sim::SimStore* store = cluster.topology().MutableStore(store_ids[i]);
      store->address = store_addrs[i];
      cluster.pd().PutStore(store->ToProto());
    }
    if (!flags.split_keys.empty()) {
      // Split one key at a time: each may land in a different region after earlier splits.
      for (const std::string& key : flags.split_keys) {
        absl::StatusOr<std::vector<uint64_t>> split = cluster.SplitAt({key});
        if (!split.ok()) {
          std::fprintf(stderr, "tikv-sim-server: split at %s: %s\n", key.c_str(),
                       std::string(split.status().message()).c_str());
          return 1;
        }
      }
    }
  }

  // Completes lock waits (wake-ups and timeouts) on the real clock.
  std::atomic<bool> stopping{false};
  std::thread ticker([&] {
    while (!stopping.load()) {
      {
        std::lock_guard<std::mutex> lock(ClusterLock());
        router.Tick(tikv::simserver::NowUnixMs());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });

  std::printf("ready pd=%s stores=%s\n", pd_addr->c_str(), absl::StrJoin(store_addrs, ",").c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop, &sig);
  stopping.store(true);
  ticker.join();
  for (auto& s : store_servers) s->Shutdown();
  pd_server.Shutdown();
  std::fprintf(stderr, "tikv-sim-server: stopped by signal %d\n", sig);
  return 0;
}
