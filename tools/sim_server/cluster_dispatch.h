// NodeDispatchers that put a sim::SimCluster behind the gRPC front: one for PD (pdpb.PD,
// keyspacepb.Keyspace, the Tso and QueryRegion streams) and one per TiKV store (tikvpb.Tikv unary
// calls, the BatchCommands stream, grpc.health.v1). Requests are parsed with the message types
// the compiled schema names for the method (sim/cluster/rpc_dispatch.h, shared with the
// SimNetwork glue), so any RPC the cluster serves works without a table here. Lock waits answered later by the cluster reach their caller through Tick().
//
// Every method runs with ClusterLock() held (see grpc_front.h); not thread-safe on its own.

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/cluster/rpc_dispatch.h"
#include "sim/cluster/sim_cluster.h"
#include "tools/sim_server/grpc_front.h"

namespace tikv::simserver {

// Current Unix time in milliseconds (the sim server runs on the real clock).
int64_t NowUnixMs();

class StoreDispatcher;

// Routes deferred lock-wait replies to the calls and streams waiting for them.
class DeferredRouter {
 public:
  explicit DeferredRouter(sim::SimCluster& cluster) : cluster_(cluster) {}
  // Completes every parked lock wait the cluster has finished by now.
  void Tick(int64_t now_ms);
  // A unary call parked under `ticket`, answered through `reply`.
  void AddUnary(uint64_t ticket, UnaryReply reply);
  // A BatchCommands arm parked on `store_id` under `request_id`, to be answered on `sink`.
  void AddBatchArm(uint64_t store_id, uint64_t request_id, std::weak_ptr<StreamSink> sink);
  // A reply held back by an injected delay, sent by the first Tick at or after `due_ms`.
  void AddDelayed(int64_t due_ms, std::function<void()> send) {
    router_.AddDelayed(due_ms, std::move(send));
  }

 private:
  sim::SimCluster& cluster_;
  sim::DeferredReplyRouter router_;  // shared with the SimNetwork glue
};

class PdDispatcher : public NodeDispatcher {
 public:
  explicit PdDispatcher(sim::SimCluster& cluster) : cluster_(cluster) {}
  bool IsStream(std::string_view method) override;
  void Unary(std::string_view method, const std::string& request, UnaryReply reply) override;
  std::unique_ptr<StreamSession> OpenStream(std::string_view method,
                                            std::shared_ptr<StreamSink> sink) override;

 private:
  sim::SimCluster& cluster_;
};

class StoreDispatcher : public NodeDispatcher {
 public:
  StoreDispatcher(sim::SimCluster& cluster, DeferredRouter& router, uint64_t store_id)
      : cluster_(cluster), router_(router), store_id_(store_id) {}
  bool IsStream(std::string_view method) override;
  void Unary(std::string_view method, const std::string& request, UnaryReply reply) override;
  std::unique_ptr<StreamSession> OpenStream(std::string_view method,
                                            std::shared_ptr<StreamSink> sink) override;

 private:
  sim::SimCluster& cluster_;
  DeferredRouter& router_;
  uint64_t store_id_;
};

}  // namespace tikv::simserver
