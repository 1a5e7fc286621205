// The pieces every server front of a SimCluster needs, shared by the SimNetwork glue
// (sim/cluster/sim_cluster_nodes.h) and the gRPC sim server (tools/sim_server): finding an RPC's
// message types in the compiled schema, translating PD's QueryRegion stream into the cluster's
// unary region lookups, the grpc.health.v1 answer of a store, and routing deferred lock-wait
// replies back to the call or BatchCommands stream that is waiting for them.
//
// Fiber-confined like SimCluster: callers serialize access (the sim server under its cluster
// mutex, the simulation on its one thread).  The free functions are stateless.

#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "kvrpcpb.pb.h"
#include "pdpb.pb.h"
#include "sim/cluster/sim_cluster.h"
#include "tikvpb.pb.h"

namespace tikv::sim {

// The schema's descriptor of "/pkg.Service/Rpc", or nullptr when no linked schema has it.
// Never suspends.
const google::protobuf::MethodDescriptor* FindRpcMethod(std::string_view full_name);

// True when `full_name` is a known client-, server- or bidi-streaming RPC.  Never suspends.
bool IsStreamingRpc(std::string_view full_name);

// True for pdpb.PD and keyspacepb.Keyspace RPCs (the ones HandlePdUnary serves).
// Never suspends.
bool IsPdRpc(std::string_view full_name);

// The full names ("/tikvpb.Tikv/KvGet", ...) of the unary RPCs of `service` ("tikvpb.Tikv"),
// in schema order.  Empty for an unknown service.  Never suspends.
std::vector<std::string> UnaryRpcsOf(std::string_view service);

// Makes `method`'s request (parsed from `request`) and an empty response of its output type.
// Errors: kUnimplemented for an unknown method; kInvalidArgument when `request` does not parse.
// Never suspends.
absl::Status PrepareRpc(std::string_view method, const std::string& request,
                        std::unique_ptr<google::protobuf::Message>* req,
                        std::unique_ptr<google::protobuf::Message>* resp);

// Answers one QueryRegionRequest (PD's router stream: batched GetRegion / GetPrevRegion /
// GetRegionByID) through the cluster's unary PD handlers at PD time `now_ms`.  A key or id the
// cluster cannot resolve maps to region id 0.  Never suspends.
pdpb::QueryRegionResponse AnswerQueryRegion(SimCluster& cluster,
                                            const pdpb::QueryRegionRequest& req, int64_t now_ms);

// The serialized grpc.health.v1.HealthCheckResponse of a store: SERVING when it exists and is
// up, NOT_SERVING otherwise.  Never suspends.
std::string StoreHealthResponse(SimCluster& cluster, uint64_t store_id);

// Delivers the cluster's deferred lock-wait replies to whoever waits for them.
class DeferredReplyRouter {
 public:
  // Receives the reply of a parked unary KvPessimisticLock call.
  using UnarySink = std::function<void(const kvrpcpb::PessimisticLockResponse&)>;
  // Sends one BatchCommandsResponse on the arm's stream; returns false when the stream is gone.
  using BatchSink = std::function<bool(const tikvpb::BatchCommandsResponse&)>;

  // A unary call parked under `ticket`.  Never suspends.
  void AddUnary(uint64_t ticket, UnarySink sink) { unary_[ticket] = std::move(sink); }
  // A BatchCommands arm parked on `store_id` under `request_id` (several streams may reuse a
  // request id; they are answered in parking order).  Never suspends.
  void AddBatchArm(uint64_t store_id, uint64_t request_id, BatchSink sink) {
    batch_[{store_id, request_id}].push_back(std::move(sink));
  }
  // A reply held back by FaultAction::kApplyThenDelayReply: `send` runs at the first Deliver
  // at or after `due_ms` (ties in the order added).  Never suspends.
  void AddDelayed(int64_t due_ms, std::function<void()> send) {
    delayed_.emplace(due_ms, std::move(send));
  }
  // Completes every lock wait the cluster has finished by `now_ms` (cluster time) and hands
  // each reply to its sink; replies whose caller is gone are dropped; then sends the delayed
  // replies that are due.  Never suspends.
  void Deliver(SimCluster& cluster, int64_t now_ms);
  size_t waiting() const { return unary_.size() + batch_.size() + delayed_.size(); }

 private:
  std::multimap<int64_t, std::function<void()>> delayed_;
  std::map<uint64_t, UnarySink> unary_;
  std::map<std::pair<uint64_t, uint64_t>, std::deque<BatchSink>> batch_;
};

}  // namespace tikv::sim
