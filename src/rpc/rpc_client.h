// RpcClient: sends one typed request to one TiKV store address and returns its response — the
// seam between the region request sender (src/locate) and the transport machinery below it.
// Port of client-go internal/client/client.go (the Client interface and RPCClient.SendRequest).
//
// The production implementation (BatchRpcClient below, rpc_client.cc) keeps one BatchCommandsClient
// per address, applies the API codec (kv::Codec) to requests and responses and runs the
// interceptor chain; tests may substitute their own.
//
// Thread-safe.

#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kvrpcpb.pb.h"
#include "tikv/cancel.h"
#include "tikv/env.h"
#include "tikv/mono_time.h"

#include "env/fiber_group.h"
#include "kv/api_codec.h"
#include "rpc/batch_client.h"
#include "rpc/interceptor.h"
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

// Receives the HealthFeedback TiKV piggybacks on batch responses (NET-09), e.g. the store
// cache.  Called on a batch client's receive fiber: must not suspend.
using HealthFeedbackListener = std::function<void(const kvrpcpb::HealthFeedback&)>;

// Knobs of BatchRpcClient; defaults are client-go's (performance.md 1.8).
struct RpcClientOptions {
  // Per address: connection count (4), max batch size (128), batch policy, reconnect backoff.
  BatchClientOptions batch;
  // Runs around every send, outermost first (client-go interceptedClient).  May be null.
  std::shared_ptr<const RpcInterceptor> interceptor;
  // Applied to every request and response when set (client-go codecClient).  Borrowed; must
  // outlive the client.
  const kv::Codec* codec = nullptr;
  // A pool (address or forwarded pair) unused for this long is closed by the next send to any
  // address (client-go idleTimeout = 3 min, recycleIdleConnArray); zero keeps pools forever.
  Duration idle_timeout = std::chrono::minutes(3);
};

// The production RpcClient: one BatchCommandsClient per address, created on first use.
// Port of client-go internal/client/client.go (RPCClient, SendRequest, CloseAddr, Close) and
// client_interceptor.go.  Order of a send: interceptor chain (sees the user-form request) →
// codec EncodeRequest on a copy → AttachContext → batch client → codec DecodeResponse.
// A request with forwarded_host set goes to `address` as a proxy over streams of its own
// carrying the tikv-forwarded-host metadata (client-go client_batch.go forwarded streams).
// Pools unused for idle_timeout are closed by a later send (NET-08).
// Divergence: no connection-pool versions (CloseAddrVer): CloseAddress drops whatever pool
// the address has; a stale failure may therefore close a fresh pool (harmless: it reconnects).
// Thread-safe.
class BatchRpcClient final : public RpcClient {
 public:
  // `env` must outlive the client.  Never suspends.
  explicit BatchRpcClient(Env& env, RpcClientOptions options = {});
  // Closes.  May suspend.
  ~BatchRpcClient() override;
  BatchRpcClient(const BatchRpcClient&) = delete;
  BatchRpcClient& operator=(const BatchRpcClient&) = delete;

  // See RpcClient.  Errors also: kCancelled after Close(); the codec's kInvalidArgument /
  // kOutOfRange when a request or response cannot be converted.  Transport errors carry a
  // TransportError payload with `address`.  May suspend.
  absl::StatusOr<Response> SendRequest(std::string_view address, const Request& request,
                                       MonoTime deadline,
                                       const CancelToken* cancel = nullptr) override
      ABSL_LOCKS_EXCLUDED(mu_);
  // Drops the address's pools, forwarded ones included.  May suspend (joins their fibers).
  void CloseAddress(std::string_view address) override ABSL_LOCKS_EXCLUDED(mu_);
  // May suspend.
  void Close() override ABSL_LOCKS_EXCLUDED(mu_);

  // Forwards every HealthFeedback of every address to `listener` (replacing an earlier one;
  // applies to connections created later and to existing ones).  Never suspends.
  void set_health_feedback_listener(HealthFeedbackListener listener) ABSL_LOCKS_EXCLUDED(mu_);

  // The batch client's counters for `address` (its direct pool, or the one relaying to
  // `forwarded_host`; zeros when there is none).  Never suspends.
  BatchClientStats stats(std::string_view address, std::string_view forwarded_host = {}) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // How many addresses currently have a connection pool.  Never suspends.
  size_t pool_count() const ABSL_LOCKS_EXCLUDED(mu_);
  // How many idle pools were recycled so far.  Never suspends.
  uint64_t recycled_pools() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // The pool for `address` (relaying to `forwarded_host` when not empty), created when
  // missing; nullptr after Close().
  std::shared_ptr<BatchCommandsClient> GetOrCreate(std::string_view address,
                                                   std::string_view forwarded_host)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Codec, attach, send, decode: the innermost send function.
  absl::StatusOr<Response> SendEncoded(std::string_view address, const Request& request,
                                       MonoTime deadline, const CancelToken* cancel);

  struct Pool {
    std::shared_ptr<BatchCommandsClient> client;
    MonoTime last_used;
  };
  // Removes the pools idle for options_.idle_timeout (never `in_use`) and closes them on a
  // recycler fiber, at most once per quarter timeout.  Never suspends.
  void RecycleIdleLocked(MonoTime now, const std::pair<std::string, std::string>& in_use)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Env& env_;
  const RpcClientOptions options_;
  // Closes recycled pools off the sending fiber; joined by Close().
  env::FiberGroup recyclers_;
  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  MonoTime next_idle_scan_ ABSL_GUARDED_BY(mu_);
  uint64_t recycled_ ABSL_GUARDED_BY(mu_) = 0;
  // Keyed by (address, forwarded host; "" = direct): a proxied target gets its own streams
  // (client-go batchConn forwardedClients).  Ordered so Close() shuts pools down in a
  // deterministic order.
  absl::btree_map<std::pair<std::string, std::string>, Pool> pools_ ABSL_GUARDED_BY(mu_);
  // Shared with every pool's feedback callback, so the listener can be replaced later.
  struct ListenerSlot;
  const std::shared_ptr<ListenerSlot> listener_;
};

}  // namespace tikv::rpc
