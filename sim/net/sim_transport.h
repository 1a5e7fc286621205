// SimTransport: tikv::Transport for one node of the simulated network.  Requests and stream
// messages are serialized deterministically (so sizes, payload hashes in the trace and
// aliasing behave as in production), carried by SimNetwork, and parsed on arrival.  A calling
// fiber parks until the reply, its deadline or cancellation; the server may still execute a
// request after the caller gave up, exactly like an undetermined RPC in production.
//
// Fiber-confined to the simulation thread.

#pragma once

#include <memory>

#include "sim/net/sim_network.h"
#include "tikv/env.h"

namespace tikv::sim {

class SimTransport : public Transport {
 public:
  // `network` and `node` must outlive the transport.
  SimTransport(SimNetwork& network, SimNode& node) : network_(network), node_(node) {}

  absl::Status Call(const Endpoint& to, const RpcMethod& method,
                    const google::protobuf::Message& request, google::protobuf::Message* response,
                    MonoTime deadline, const CancelToken* cancel) override;
  absl::StatusOr<std::unique_ptr<ClientStream>> OpenStream(const Endpoint& to,
                                                           const RpcMethod& method,
                                                           MonoTime deadline) override;

 private:
  SimNetwork& network_;
  SimNode& node_;
};

// Serializes `message` with deterministic map ordering.  Never suspends.
std::string SerializeDeterministic(const google::protobuf::Message& message);

}  // namespace tikv::sim
