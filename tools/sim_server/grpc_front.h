// The gRPC front of the sim server: serves one simulated node (PD or a TiKV store) on a real
// address with gRPC's callback generic service, so any client — ours, client-go, a plain grpc++
// stub — can talk to the simulated cluster over loopback (protocol.md section 5.10).
//
// The simulated cluster is single-threaded; gRPC calls arrive on gRPC's threads. Every call into
// a NodeDispatcher therefore happens under one process-wide mutex (ClusterLock), and the
// dispatcher may answer either inside the call or later (a deferred reply, e.g. a lock wait
// completed by the ticker), also under that mutex.
//
// Thread-safe.

#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace tikv::simserver {

// Sends messages to the client end of one stream. Thread-safe; calls after Finish are ignored.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues one message for the client, in order. Returns false once the stream ended.
  virtual bool Send(std::string message) = 0;
  // Ends the stream with `status` after the queued messages.
  virtual void Finish(absl::Status status) = 0;
};

// The server side of one open stream, as the dispatcher sees it.
class StreamSession {
 public:
  virtual ~StreamSession() = default;
  // One message from the client, in order.
  virtual void OnMessage(const std::string& message) = 0;
  // The client half-closed its side.
  virtual void OnHalfClose() = 0;
  // The call was cancelled or broke; the sink accepts nothing more.
  virtual void OnReset() = 0;
};

// Reply callback for a unary call: call exactly once (later calls are ignored).
using UnaryReply = std::function<void(absl::Status status, std::string response)>;

// One node's request handling. Every method is called with ClusterLock() held and must not
// block.
class NodeDispatcher {
 public:
  virtual ~NodeDispatcher() = default;
  // True if `method` ("/pkg.Service/Rpc") is a streaming RPC this node serves.
  virtual bool IsStream(std::string_view method) = 0;
  // A unary call; answer through `reply`, now or later.
  virtual void Unary(std::string_view method, const std::string& request, UnaryReply reply) = 0;
  // A streaming call; returns nullptr to refuse it (the client sees UNIMPLEMENTED).
  virtual std::unique_ptr<StreamSession> OpenStream(std::string_view method,
                                                    std::shared_ptr<StreamSink> sink) = 0;
};

// The mutex that serialises all access to the simulated cluster.
std::mutex& ClusterLock();

// A gRPC server for one node.
class NodeServer {
 public:
  // `dispatcher` must outlive the server.
  explicit NodeServer(NodeDispatcher& dispatcher);
  ~NodeServer();

  // Listens on `address` ("127.0.0.1:0" picks a free port). Returns the bound address.
  absl::StatusOr<std::string> Start(const std::string& address);
  // Stops accepting calls, cancels open ones, and waits for them.
  void Shutdown();

 private:
  class Service;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace tikv::simserver
