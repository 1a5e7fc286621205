// FakeTikvCluster: scripted TiKV stores on sim::SimNetwork for the routing tests.  Each store
// node serves the BatchCommands stream (Get, RawGet, RawPut) and grpc.health.v1 Check, and
// checks a request's Context against the cluster's "truth" region table the way TiKV does
// (section 3.0.3 of protocol.md): unknown peer → RegionNotFound, wrong store → StoreNotMatch,
// epoch → EpochNotMatch with the current region, not leader (and not a replica/stale read) →
// NotLeader with the leader hint, key outside → KeyNotInRegion.  A test hook may answer any
// request with a region error first.  The stores share one key-value map.  Fiber-confined to
// the simulation thread.

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "errorpb.pb.h"
#include "kvrpcpb.pb.h"
#include "metapb.pb.h"
#include "sim/env/sim_env.h"
#include "tests/util/fake_pd.h"

namespace tikv::testing {

class FakeTikvCluster {
 public:
  // Adds stores 1..n (nodes "store-<i>") to the network and to `pd`.
  FakeTikvCluster(sim::SimEnv& env, FakePd& pd, int stores);

  static std::string Address(uint64_t store_id) { return "store-" + std::to_string(store_id); }

  // The truth: what TiKV knows.  PutRegion also updates PD unless `pd_too` is false.
  void PutRegion(const metapb::Region& region, uint64_t leader_store, bool pd_too = true);
  void RemoveRegion(uint64_t id, bool pd_too = true);
  // Splits like FakePd::SplitAt (same ids and peers), in truth and PD.
  void SplitAt(const std::vector<std::string>& splits, const std::vector<uint64_t>& stores);
  void SetLeader(uint64_t region_id, uint64_t leader_store, bool pd_too = true);
  const metapb::Region* FindRegion(uint64_t id) const;
  uint64_t LeaderOf(uint64_t region_id) const;

  // Called before the checks; a returned error is the answer.
  std::function<std::optional<errorpb::Error>(uint64_t store_id, const kvrpcpb::Context& ctx)>
      inject;

  struct Seen {
    uint64_t store_id;
    uint64_t peer_id;
    bool replica_read;
    bool stale_read;
    bool is_retry;
    std::string error;  // the region error kind answered, "" for success
  };
  std::vector<Seen> seen;
  int health_checks = 0;
  std::map<std::string, std::string> data;

 private:
  struct RegionRec {
    metapb::Region region;
    uint64_t leader_store = 0;
  };
  void AddStore(uint64_t id);
  std::optional<errorpb::Error> Check(uint64_t store_id, const kvrpcpb::Context& ctx,
                                      const std::string& key) const;

  sim::SimEnv& env_;
  FakePd& pd_;
  std::map<uint64_t, RegionRec> regions_;
};

}  // namespace tikv::testing
