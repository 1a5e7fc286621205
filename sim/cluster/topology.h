// The TiKV-side truth of the simulated cluster (protocol.md 5.3): stores, regions, peers,
// leaders, terms and epochs, plus the operations that change them with TiKV's epoch rules
// (3.16.3): right-derived batch split with version += k on every part, merge with
// version = max + 1, conf change with conf_ver += 1 per peer change, leader transfer without an
// epoch change. Region boundaries are in PD key space. Models what client-go's
// internal/mockstore/mocktikv/cluster.go keeps, with TiKV's rules instead of mocktikv's.
// Fiber-confined: not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "metapb.pb.h"

namespace tikv::sim {

// One replica of a region.
struct SimPeer {
  uint64_t id = 0;
  uint64_t store_id = 0;
  metapb::PeerRole role = metapb::Voter;
  bool is_witness = false;
  bool initialized = true;  // false: a new peer that has not received data yet
};

// One region (Raft group).
struct SimRegion {
  uint64_t id = 0;
  std::string start_key;  // PD key space; empty = -infinity
  std::string end_key;    // PD key space; empty = +infinity
  uint64_t conf_ver = 1;
  uint64_t version = 1;
  std::vector<SimPeer> peers;
  uint64_t leader_peer_id = 0;  // 0: no leader (election in progress)
  uint64_t term = 1;
  bool merging = false;            // between prepare-merge and commit/rollback
  bool recovery_in_progress = false;
  bool flashback = false;
  uint64_t flashback_start_ts = 0;
  uint64_t safe_ts = 0;  // stale reads at or below this TS are served by any replica

  // The peer on `store_id`, or nullptr.
  const SimPeer* PeerOnStore(uint64_t store_id) const;
  // The leader peer, or nullptr.
  const SimPeer* Leader() const;
  // True when `pd_key` lies in [start_key, end_key).
  bool Contains(std::string_view pd_key) const;
  // The metapb form.
  metapb::Region ToProto() const;
};

// One TiKV store.
struct SimStore {
  uint64_t id = 0;
  std::string address;
  std::vector<std::pair<std::string, std::string>> labels;
  metapb::StoreState state = metapb::Up;
  metapb::NodeState node_state = metapb::Serving;
  bool up = true;                  // false: every call to it fails at the transport level
  uint32_t busy_estimated_wait_ms = 0;  // > 0: slow, answers ServerIsBusy to reads and writes
  uint64_t max_ts = 0;             // the largest TS this store promised not to commit below
  std::vector<uint64_t> unsynced_regions;  // regions led here whose max_ts is not synced yet

  metapb::Store ToProto() const;
};

// Stores and regions, with the operations of the fault catalogue.
class ClusterTopology {
 public:
  ClusterTopology() = default;

  // Allocates a fresh id (stores, regions and peers share one allocator, like PD's).
  uint64_t AllocId() { return ++last_id_; }

  // Adds an up store at `address`; returns its id.
  uint64_t AddStore(std::string address,
                    std::vector<std::pair<std::string, std::string>> labels = {});

  // Creates the first region, covering the whole key space, with one voter on each of
  // `store_ids` and the first one leading. Requires: no region yet, stores exist.
  absl::StatusOr<uint64_t> Bootstrap(const std::vector<uint64_t>& store_ids);

  // Lookups; nullptr when absent. Pointers are valid until the next topology change.
  const SimRegion* GetRegion(uint64_t region_id) const;
  SimRegion* MutableRegion(uint64_t region_id);
  const SimRegion* LocateKey(std::string_view pd_key) const;
  const SimStore* GetStore(uint64_t store_id) const;
  SimStore* MutableStore(uint64_t store_id);
  const std::map<uint64_t, SimStore>& stores() const { return stores_; }
  // All regions in key order.
  std::vector<const SimRegion*> RegionsInKeyOrder() const;

  // Batch split of `region_id` at `pd_keys` (sorted, deduplicated, strictly inside). TiKV's
  // right derive: the original region keeps the rightmost range and id; new regions take the
  // left ranges with new region and peer ids on the same stores; every part gets version += k.
  // Returns the ids of all resulting regions in key order (the original last).
  // Errors: kNotFound for an unknown region; kInvalidArgument for a key outside the region.
  absl::StatusOr<std::vector<uint64_t>> Split(uint64_t region_id,
                                              std::vector<std::string> pd_keys);

  // Marks `source` as merging (writes answer ProposalInMergingMode) and bumps its epoch
  // (version + 1, conf_ver + 1), as prepare-merge does.
  absl::Status PrepareMerge(uint64_t source_id);
  // Merges `source` into its neighbour `target`: target covers both ranges with
  // version = max(source, target) + 1 and source disappears. Runs the prepare step first if it
  // has not happened. Errors: kNotFound, kFailedPrecondition when not adjacent.
  absl::Status Merge(uint64_t source_id, uint64_t target_id);
  // Cancels a prepared merge: source version + 1.
  absl::Status RollbackMerge(uint64_t source_id);

  // Makes the voter on `store_id` the leader (term + 1). Errors: kNotFound, kFailedPrecondition
  // when that store holds no voter of the region or is down.
  absl::Status TransferLeader(uint64_t region_id, uint64_t store_id);
  // Leaves the region without a leader (an election gap; NotLeader without a hint).
  absl::Status ClearLeader(uint64_t region_id);

  // Conf changes; each bumps conf_ver by one. AddPeer adds an uninitialized-free peer unless
  // `initialized` is false. RemovePeer refuses to remove the leader.
  absl::StatusOr<uint64_t> AddPeer(uint64_t region_id, uint64_t store_id, bool learner,
                                   bool initialized = true);
  absl::Status RemovePeer(uint64_t region_id, uint64_t store_id);
  absl::Status PromoteLearner(uint64_t region_id, uint64_t store_id);
  // Replaces the peer on `store_id` by a new peer id on the same store (MismatchPeerId for
  // clients holding the old id). conf_ver += 2 (remove + add).
  absl::StatusOr<uint64_t> ReplacePeer(uint64_t region_id, uint64_t store_id);

  // Stops or restarts a store. Stopping moves leadership of the regions it led to another up
  // voter (or leaves them leaderless) and clears its volatile max_ts.
  absl::Status SetStoreUp(uint64_t store_id, bool up);

  // Checks: regions tile the key space in order without gaps or overlaps, every leader is a
  // voter of its region, peer ids are unique, epochs never decreased since the last check.
  absl::Status CheckInvariants();

 private:
  uint64_t last_id_ = 0;
  std::map<uint64_t, SimStore> stores_;
  std::map<uint64_t, SimRegion> regions_;
  std::map<std::string, uint64_t> by_start_;  // start_key -> region id
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> seen_epochs_;  // id -> (conf_ver, version)

  void MarkNewLeader(SimRegion& region);
};

}  // namespace tikv::sim
