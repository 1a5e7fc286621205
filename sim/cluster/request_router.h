// Region validation of TiKV requests in TiKV's order (protocol.md 3.0.3; raftstore
// pre_propose_raft_command and the local reader): StoreNotMatch, RegionNotFound, MismatchPeerId,
// RecoveryInProgress, NotLeader (with or without a hint), IsWitness, RegionNotInitialized,
// EpochNotMatch (version only, with sibling regions), FlashbackInProgress, then the storage-level
// checks KeyNotInRegion, ServerIsBusy (slow store), ProposalInMergingMode,
// MaxTimestampNotSynced and DataIsNotReady. Fiber-confined: not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "errorpb.pb.h"
#include "kvrpcpb.pb.h"
#include "sim/cluster/topology.h"
#include "sim/util/codec.h"

namespace tikv::sim {

// What kind of request is being validated.
struct RequestTraits {
  bool is_write = false;          // proposes through Raft
  bool needs_synced_max_ts = false;  // async-commit / 1PC prewrite, API V2 raw write
  uint64_t read_ts = 0;           // snapshot reads: the read TS (stale-read check)
  bool is_admin = false;          // split / merge / conf change: conf_ver is compared too
};

// Validates `ctx` received by `store_id` for a request touching `user_keys` (user form; ranges
// pass their lower bound; empty keys are not range-checked). Returns the region error to answer, or nullopt to execute.
std::optional<errorpb::Error> ValidateRequest(const ClusterTopology& topology, KeyLayout layout,
                                              uint64_t store_id, const kvrpcpb::Context& ctx,
                                              const std::vector<std::string>& user_keys,
                                              const RequestTraits& traits);

// The EpochNotMatch payload for `region`: the region itself plus its neighbours (regions a
// client with an older epoch may have missed), in key order.
errorpb::Error EpochNotMatchError(const ClusterTopology& topology, const SimRegion& region);

}  // namespace tikv::sim
