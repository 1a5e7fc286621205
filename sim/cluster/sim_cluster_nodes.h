// SimClusterNodes: puts a SimCluster on a SimNetwork for deterministic simulation.  Every PD
// member becomes a node named by its client URL without the scheme ("http://pd1:2379" ->
// "pd1:2379") and every store a node named by its address ("store1:20160"), so the addresses PD
// hands out (GetMembers, GetStore) are exactly the node names a SimTransport dials.
//
// PD nodes serve every unary pdpb.PD and keyspacepb.Keyspace RPC and the Tso and QueryRegion
// streams (any member answers as the cluster's PD; leadership and "no leader" come from the
// model, reachability from the network).  Store nodes serve every unary tikvpb.Tikv RPC
// (asynchronously, so a parked pessimistic lock is answered when it completes), the
// BatchCommands stream (parked arms answered later on the stream that sent them; arms whose
// reply is lost are never answered) and grpc.health.v1.Health/Check.  kReplyLost means no reply
// is ever sent; kDelayedReply sends it after a SimEnv timer; a transport fault with fail_stream
// on a BatchCommands arm finishes that stream with the fault's status.  A BatchCommands stream
// opened with tikv-forwarded-host naming another store is relayed to it over the network.  Cluster time is the SimEnv wall clock (Clock::WallMillis, virtual Unix ms).
//
// Lock waits complete in virtual time: after every store request the glue delivers the replies
// the request released, and a SimEnv timer fires at NextDeferredDeadline() for timeouts and
// delayed wake-ups.
//
// Fiber-confined to the simulation thread, like SimEnv and SimCluster.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "sim/cluster/rpc_dispatch.h"
#include "sim/cluster/sim_cluster.h"
#include "sim/env/sim_env.h"
#include "sim/net/sim_network.h"

namespace tikv::sim {

class SimClusterNodes {
 public:
  // Adds one node per PD member and per store to `env.network()` and registers the handlers.
  // `env` and `cluster` must outlive this object.  Requires: no node with those names exists.
  // Never suspends.
  SimClusterNodes(SimEnv& env, SimCluster& cluster);
  ~SimClusterNodes();
  SimClusterNodes(const SimClusterNodes&) = delete;
  SimClusterNodes& operator=(const SimClusterNodes&) = delete;

  // PD endpoints for a client ("pd1:2379", ...), in member id order.  Never suspends.
  const std::vector<std::string>& pd_endpoints() const { return pd_nodes_; }
  // Store node names ("store1:20160", ...), in store id order.  Never suspends.
  const std::vector<std::string>& store_nodes() const { return store_nodes_; }
  // The node name serving `store_id`, or "" when unknown.  Never suspends.
  std::string StoreNode(uint64_t store_id) const;

  // Cluster time: the SimEnv's wall clock in Unix ms.  Never suspends.
  int64_t NowMs();
  // Delivers every deferred reply that is due now and re-arms the deadline timer.  Called
  // automatically after each store request and at each deadline; tests may call it after
  // changing the cluster directly (e.g. InjectLock then a manual rollback).  Never suspends.
  void PollNow();

  // The PD node name for a client URL ("http://pd1:2379" -> "pd1:2379").  Never suspends.
  static std::string NodeNameForUrl(std::string_view client_url);

  // BatchCommands streams that arrived with tikv-forwarded-host metadata naming another store
  // and were relayed to it (ROUTE-06 / NET-14).  Never suspends.
  int forwarded_streams() const { return forwarded_streams_; }

 private:
  void RegisterPd(SimNode& node);
  void RegisterStore(SimNode& node, uint64_t store_id);
  // The callbacks of a stream this store proxies to its forwarded host.
  StreamCallbacks RelayStream(SimNode& node, uint64_t store_id,
                              std::shared_ptr<ServerStream> down);
  // Arms a SimEnv timer at the cluster's next deferred deadline unless one is armed for then.
  void ArmTimer();

  SimEnv& env_;
  SimCluster& cluster_;
  DeferredReplyRouter router_;
  std::vector<std::string> pd_nodes_;
  std::vector<std::string> store_nodes_;
  std::vector<uint64_t> store_ids_;
  int forwarded_streams_ = 0;
  // Virtual instants (ns) with a pending poll timer, so a deadline is armed once.
  absl::btree_set<int64_t> armed_;
  // Timers outlive this object in the SimEnv; they check the token before touching it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tikv::sim
