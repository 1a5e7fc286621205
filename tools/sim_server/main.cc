// tikv-sim-server: the simulated PD + TiKV cluster (sim::SimCluster) served over real gRPC on
// loopback with the real clock, so the production transport, our CLI, client-go or a plain
// grpc++ stub can be pointed at it. PD listens on --pd-addr; each store on its own port.
//
//   tikv-sim-server [--pd-addr 127.0.0.1:2379] [--stores 3] [--split-keys k1,k2] [--seed 1]
//                   [--raw-split-keys k1,k2]
//                   [--store-port-base 0] [--api-version v1|v1ttl|v2]
//
// Splits (see SimServerOptions and docs/sim.md): --split-keys K puts a region boundary at the
// TiKV-space key EncodeBytes(K), the transactional layout, which both V1 clients can use (the
// txn client decodes boundaries; the raw client compares them as opaque bytes, so raw key K
// itself lands just left of it).  --raw-split-keys K puts the boundary at K's raw layout (API
// V1: K verbatim; a V1 transactional client cannot decode such a boundary, as on real TiKV).
//
// Prints exactly one line starting with "ready pd=ADDR stores=ADDR,ADDR,..." once every server
// listens, then serves until SIGINT or SIGTERM and exits 0.

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tools/sim_server/sim_server.h"

namespace {


[[noreturn]] void Usage(const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "tikv-sim-server: %s\n", error.c_str());
  std::fprintf(stderr,
               "usage: tikv-sim-server [--pd-addr HOST:PORT] [--stores N] [--split-keys K1,K2,...]\n"
               "                       [--raw-split-keys K1,K2,...]\n"
               "                       [--seed S] [--store-port-base PORT] "
               "[--api-version v1|v1ttl|v2]\n");
  std::exit(error.empty() ? 0 : 2);
}

tikv::simserver::SimServerOptions ParseFlags(int argc, char** argv) {
  tikv::simserver::SimServerOptions f;
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
    } else if (arg == "--raw-split-keys") {
      for (absl::string_view k : absl::StrSplit(value, ',', absl::SkipEmpty())) {
        f.raw_split_keys.emplace_back(k);
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

}  // namespace

int main(int argc, char** argv) {
  tikv::simserver::SimServerOptions options = ParseFlags(argc, argv);

  // Block the stop signals in every thread (gRPC's included); the main thread waits for them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  tikv::simserver::SimServer server(options);
  if (absl::Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "tikv-sim-server: %s\n", std::string(s.message()).c_str());
    return 1;
  }

  std::printf("ready pd=%s stores=%s\n", server.pd_address().c_str(),
              absl::StrJoin(server.store_addresses(), ",").c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop, &sig);
  server.Stop();
  std::fprintf(stderr, "tikv-sim-server: stopped by signal %d\n", sig);
  return 0;
}
