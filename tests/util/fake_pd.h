// FakePd: a small scripted PD for the PD client and region cache tests, registered on a
// sim::SimNetwork as one node per member.  Followers answer "not leader" (UNAVAILABLE) to
// everything but GetMembers and break TSO / QueryRegion streams; the leader serves TSO from a
// counter over virtual time, a region table (unary and over the QueryRegion stream), stores,
// one keyspace, and GC state with barriers per keyspace (the semantics of sim::PdModel, with
// TTLs on the virtual clock).  Fiber-confined to the simulation thread.

#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "metapb.pb.h"
#include "pdpb.pb.h"
#include "sim/env/sim_env.h"
#include "sim/net/sim_network.h"
#include "sim/pd/pd_model.h"

namespace tikv::testing {

class FakePd {
 public:
  // Adds members "pd-1".."pd-<members>" to env's network; pd-1 leads.
  FakePd(sim::SimEnv& env, int members, uint64_t cluster_id = 7);

  std::vector<std::string> endpoints() const;
  void SetLeader(int index);  // 0-based
  uint64_t cluster_id() const { return cluster_id_; }

  // Regions: PD's view, keyed by start key.  Leader 0 = unknown.
  void PutRegion(const metapb::Region& region, uint64_t leader_store_id);
  void RemoveRegion(uint64_t id);
  // Splits the key space into regions at `splits` (ids from 1, peers on every store, leader on
  // the first store, epoch 1/1).
  void SplitAt(const std::vector<std::string>& splits, const std::vector<uint64_t>& stores);
  void PutStore(const metapb::Store& store);

  // Makes member `index` (0-based) report `cluster_id` in GetMembers (a foreign cluster).
  void SetMemberClusterId(int index, uint64_t cluster_id);
  // GC state (txn / GC safe points, barriers, service safe points) per keyspace.
  sim::PdModel& gc() { return gc_; }

  bool batch_scan_unimplemented = false;
  bool min_ts_unimplemented = false;
  bool query_region_unimplemented = false;
  int get_region_calls = 0;        // unary GetRegion
  int region_lookup_calls = 0;     // unary GetRegion + GetPrevRegion + GetRegionByID
  int scan_calls = 0;
  int batch_scan_calls = 0;
  int tso_requests = 0;
  int get_members_calls = 0;
  int min_ts_calls = 0;
  int query_region_messages = 0;
  int query_region_lookups = 0;
  // The header of the last GetRegion / Tso / GetMinTS request.
  pdpb::RequestHeader last_header;

 private:
  struct RegionRec {
    metapb::Region region;
    uint64_t leader_store = 0;
  };
  void Register(int index);
  bool IsLeader(int index) const { return index == leader_; }
  const RegionRec* FindByKey(const std::string& key) const;
  const RegionRec* FindPrev(const std::string& key) const;
  const RegionRec* FindById(uint64_t id) const;
  // GC handlers and the QueryRegion stream.
  void RegisterGc(sim::SimNode& node, int index);
  void RegisterQueryRegion(sim::SimNode& node, int index);

  sim::SimEnv& env_;
  uint64_t cluster_id_;
  int members_;
  int leader_ = 0;
  int64_t last_physical_ = 0;
  int64_t logical_ = 0;
  std::map<std::string, RegionRec> regions_;  // by start key
  std::map<uint64_t, metapb::Store> stores_;
  std::map<int, uint64_t> member_cluster_ids_;
  sim::PdModel gc_{0};
};

}  // namespace tikv::testing
