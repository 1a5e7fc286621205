// RpcClient: sends one typed request to one TiKV store address and returns its response — the
// seam between the region request sender (src/locate) and the transport machinery below it.
// Port of client-go internal/client/client.go (the Client interface and RPCClient.SendRequest).
//
// The production implementation (BatchRpcClient, rpc_client.cc) keeps one BatchCommandsClient
// per address, applies the API codec (kv::Codec) to requests and responses and runs the
// interceptor chain; tests may substitute their own.
//
// Thread-safe.

#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "tikv/cancel.h"
#include "tikv/mono_time.h"

#include "rpc/request.h"

namespace tikv::rpc {

class RpcClient {
 public:
  virtual ~RpcClient() = default;

  // Sends `request` to the store at `address` and waits for the answer. The response may carry
  // a region error (Response::region_error()) or a key error; those are the caller's to handle.
  // Errors are transport errors (a TransportFailure status from tikv/status.h, keeping the
  // gRPC/simulated-network code): kDeadlineExceeded when `deadline` passes, kCancelled on
  // cancellation, kUnavailable when the store cannot be reached or the stream broke. After
  // kDeadlineExceeded, kUnavailable or kCancelled the store may have executed the request.
  // Requires: on a fiber. May suspend.
  virtual absl::StatusOr<Response> SendRequest(std::string_view address, const Request& request,
                                               MonoTime deadline,
                                               const CancelToken* cancel = nullptr) = 0;

  // Drops the connections to `address` (after StoreNotMatch or a store going away); the next
  // request reconnects. May suspend.
  virtual void CloseAddress(std::string_view address) = 0;

  // Closes every connection and fails pending requests with kCancelled. Idempotent.
  // May suspend.
  virtual void Close() = 0;
};

}  // namespace tikv::rpc
