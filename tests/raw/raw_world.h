// Test fixture for the raw client: a simulated world (SimWorld: PD + 3 stores on the simulated
// network, virtual time) and a RawClient built over it through the public API, with the test
// body running on a fiber.  Fiber-confined.

#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "keyspacepb.pb.h"
#include "sim/testing/sim_world.h"
#include "tikv/raw_client.h"

namespace tikv::testing {

class RawWorld {
 public:
  explicit RawWorld(ApiVersion version = ApiVersion::kV1, uint64_t seed = 1)
      : world_(Options(version, seed)) {
    options_.api_version = version;
    if (version == ApiVersion::kV2) {
      keyspacepb::KeyspaceMeta meta;
      meta.set_name("ks1");
      meta.set_id(7);
      meta.set_state(keyspacepb::ENABLED);
      world_.cluster.pd().PutKeyspace(meta);
      options_.keyspace = "ks1";
    }
  }

  sim::SimWorld& world() { return world_; }
  RawClientOptions& options() { return options_; }

  // Builds a client from options() and runs `body` with it on a fiber until the world is idle.
  void Run(const std::function<void(RawClient&)>& body) {
    options_.pd_endpoints = world_.PdEndpoints();
    absl::Status s = world_.RunOnFiber([&] {
      absl::StatusOr<std::unique_ptr<RawClient>> client = RawClient::Create(world_.env, options_);
      ASSERT_TRUE(client.ok()) << client.status();
      body(**client);
    });
    ASSERT_TRUE(s.ok()) << s;
  }

  // Splits the region holding raw key `key` at `key` (client-go cluster.SplitRaw).
  void Split(const std::string& key) {
    auto s = world_.cluster.SplitAtRaw({key});
    ASSERT_TRUE(s.ok()) << s.status();
  }

 private:
  static sim::SimWorldOptions Options(ApiVersion version, uint64_t seed) {
    sim::SimWorldOptions o;
    o.sim.seed = seed;
    o.sim.stack_bytes = 512 * 1024;
    o.cluster.seed = seed;
    o.cluster.api_version = version == ApiVersion::kV1      ? kvrpcpb::V1
                            : version == ApiVersion::kV1Ttl ? kvrpcpb::V1TTL
                                                            : kvrpcpb::V2;
    return o;
  }

  sim::SimWorld world_;
  RawClientOptions options_;
};

// Keys and values of a scan, flattened as client-go's tests write them: k1, v1, k2, v2, ...
inline std::vector<std::string> Flatten(const std::vector<KvPair>& pairs) {
  std::vector<std::string> out;
  for (const KvPair& p : pairs) {
    out.push_back(p.key);
    out.push_back(p.value);
  }
  return out;
}

}  // namespace tikv::testing
