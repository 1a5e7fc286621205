// GrpcTransport: tikv::Transport over gRPC's generic stub (method-name strings and byte
// buffers, no generated service code).  Calls start on the calling fiber's runtime thread and
// complete on that thread's completion queue, so a completion resumes its fiber without a
// thread hand-off.  Channels are cached per address, `connections_per_address` independent
// connections each (calls spread round-robin), with keepalive, TLS and message-size limits.
// Deadlines become ClientContext deadlines (the one place MonoTime meets system_clock);
// cancellation calls ClientContext::TryCancel.
//
// Thread-safe.

#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/container/flat_hash_map.h"
#include "tikv/env.h"
#include "tikv/prod_env.h"

namespace tikv::env::prod {

class ProdEnv;

class GrpcTransport : public Transport {
 public:
  // `env` must outlive the transport.
  GrpcTransport(ProdEnv& env, GrpcOptions options);
  ~GrpcTransport() override;

  absl::Status Call(const Endpoint& to, const RpcMethod& method,
                    const google::protobuf::Message& request, google::protobuf::Message* response,
                    MonoTime deadline, const CancelToken* cancel) override;
  absl::StatusOr<std::unique_ptr<ClientStream>> OpenStream(const Endpoint& to,
                                                           const RpcMethod& method,
                                                           MonoTime deadline) override;

  // The channel for the next call to `address`.  Never suspends.
  std::shared_ptr<grpc::Channel> ChannelFor(const std::string& address);

 private:
  struct Pool {
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    std::atomic<size_t> next{0};
  };

  ProdEnv& env_;
  GrpcOptions options_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Pool>> pools_;  // lookups only
};

}  // namespace tikv::env::prod
