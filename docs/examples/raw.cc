// Raw key-value example: the C++ counterpart of client-go examples/rawkv.
//
//   tikv-example-raw --pd 127.0.0.1:2379      a real cluster (or tikv-sim-server)
//   tikv-example-raw --sim                    a fresh in-process simulated cluster
//
// Connects, puts a key, reads it back, deletes it and reads it again (now "not found").

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "sim/testing/sim_world.h"
#include "tikv/prod_env.h"
#include "tikv/raw_client.h"

namespace {

// The session itself: works the same over any Env.
int Session(tikv::Env& env, const std::vector<std::string>& pd) {
  tikv::RawClientOptions options;
  options.pd_endpoints = pd;
  auto client = tikv::RawClient::Create(env, options);
  if (!client.ok()) {
    std::fprintf(stderr, "connect: %s\n", client.status().ToString().c_str());
    return 1;
  }
  tikv::RawClient& cli = **client;
  std::printf("cluster ID: %llu\n", static_cast<unsigned long long>(cli.cluster_id()));

  const std::string key = "Company";
  const std::string val = "PingCAP";
  if (absl::Status s = cli.Put(key, val); !s.ok()) {
    std::fprintf(stderr, "put: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("Successfully put %s:%s to tikv\n", key.c_str(), val.c_str());

  auto got = cli.Get(key);
  if (!got.ok() || !got->has_value()) {
    std::fprintf(stderr, "get: %s\n", got.ok() ? "not found" : got.status().ToString().c_str());
    return 1;
  }
  std::printf("found val: %s for key: %s\n", (*got)->c_str(), key.c_str());

  if (absl::Status s = cli.Delete(key); !s.ok()) {
    std::fprintf(stderr, "delete: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("key: %s deleted\n", key.c_str());

  got = cli.Get(key);
  if (!got.ok()) {
    std::fprintf(stderr, "get: %s\n", got.status().ToString().c_str());
    return 1;
  }
  // Unlike client-go's nil slice, a missing key is an empty optional.
  std::printf("found val: %s for key: %s\n", got->has_value() ? (*got)->c_str() : "(not found)",
              key.c_str());
  return got->has_value() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--sim") == 0) {
    // The simulated cluster runs on virtual time; the session runs on one of its fibers.
    tikv::sim::SimWorldOptions world_options;
    world_options.sim.stack_bytes = 512 * 1024;
    tikv::sim::SimWorld world(world_options);
    int code = 1;
    absl::Status run = world.RunOnFiber([&] { code = Session(world.env, world.PdEndpoints()); });
    if (!run.ok()) {
      std::fprintf(stderr, "simulation: %s\n", run.ToString().c_str());
      return 1;
    }
    return code;
  }
  if (argc == 3 && std::strcmp(argv[1], "--pd") == 0) {
    std::unique_ptr<tikv::Env> env = tikv::NewProdEnv();
    return Session(*env, {argv[2]});
  }
  std::fprintf(stderr, "usage: tikv-example-raw --pd HOST:PORT | --sim\n");
  return 2;
}
