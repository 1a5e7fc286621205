// The batch-commands client of one TiKV store: N connections (default 4), each carrying one
// tikvpb.Tikv/BatchCommands stream opened through Env::transport().OpenStream.  Callers'
// requests are serialised on the caller's fiber (pre-encoding), queued, and folded by one send
// fiber into BatchCommandsRequest messages of at most max_batch_size requests (with client-go's
// batch-wait policy), sent round-robin over the connections.  Each connection gives its
// requests increasing ids, and its receive fiber matches replies by id in whatever order and
// grouping TiKV returns them.  A broken stream fails exactly its in-flight requests with a
// transport error and is re-created with exponential backoff; each request has its own
// deadline (kDeadlineExceeded; a late reply is dropped).  Commands without a BatchCommands arm
// go through Transport::Call instead.  Port of client-go internal/client/conn_batch.go and
// client_batch.go (batchConn, batchCommandsClient, batchSendLoop, batchRecvLoop,
// recreateStreamingClient, failPendingRequests).
// Divergences: no forwarded-host streams (ROUTE-06 is not wired yet), no priority queue
// (NET-06), no idle recycling (NET-08); requests are never collapsed.
//
// Thread-safety: thread-safe; Send may be called from any fiber.

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "env/channel.h"
#include "env/event.h"
#include "env/fiber_group.h"
#include "kvrpcpb.pb.h"
#include "rpc/batch_policy.h"
#include "rpc/request.h"
#include "tikv/env.h"

namespace tikv::rpc {

// Knobs; defaults are client-go's (config/client.go, performance.md 1.8).
struct BatchClientOptions {
  size_t connection_count = 4;            // grpc-connection-count
  size_t max_batch_size = 128;            // max-batch-size (0 = never batch: always unary)
  BatchPolicy batch_policy = BatchPolicy::kStandard;
  Duration max_batch_wait_time = Duration::zero();  // overload rule off by default
  size_t batch_wait_size = 8;
  uint64_t overload_threshold = 200;      // transport_layer_load above this = overloaded
  size_t max_concurrency_request_limit = 0;  // per connection in flight; 0 = unlimited
  Duration reconnect_backoff_base = std::chrono::milliseconds(100);
  Duration reconnect_backoff_max = std::chrono::seconds(3);
};

// Counters for tests, benchmarks and metrics.
struct BatchClientStats {
  uint64_t requests = 0;            // requests handed to Send
  uint64_t batch_messages = 0;      // BatchCommandsRequest messages written
  uint64_t batched_requests = 0;    // requests inside those messages
  uint64_t unary_calls = 0;
  uint64_t responses = 0;           // replies matched to a waiting request
  uint64_t unknown_ids = 0;         // replies for ids nobody waits for (timed out, cancelled)
  uint64_t stream_failures = 0;
  uint64_t reconnects = 0;          // streams re-created after a failure
  uint64_t no_available_connection = 0;
  uint64_t transport_layer_load = 0;  // last value TiKV reported
  uint64_t max_batch_size_seen = 0;
};

class BatchCommandsClient {
 public:
  // `env` must outlive the client.  Never suspends (streams open lazily on first use).
  BatchCommandsClient(Env& env, Endpoint target, BatchClientOptions options = {});
  // Closes (see Close()).  May suspend.
  ~BatchCommandsClient();
  BatchCommandsClient(const BatchCommandsClient&) = delete;
  BatchCommandsClient& operator=(const BatchCommandsClient&) = delete;

  // Sends `request` to the store and waits for its response.  Batchable commands ride a
  // BatchCommands stream, others a unary Transport::Call.  The request is read, never changed.
  // Errors: kDeadlineExceeded when `deadline` (or cancel's deadline) passes first;
  // kCancelled on cancellation or Close(); kUnavailable (with the transport status in the
  // message) when the stream carrying it broke or no connection is available; the unary
  // call's status; kInternal when TiKV answered with an empty arm.  On kDeadlineExceeded,
  // kUnavailable and kCancelled TiKV may still have executed the request.
  // Requires: on a fiber.  May suspend.
  absl::StatusOr<Response> Send(const Request& request, MonoTime deadline,
                                const CancelToken* cancel = nullptr);

  // Fails queued and in-flight requests with kCancelled, cancels the streams and joins the
  // client's fibers.  Idempotent.  Requires: on a fiber (or the env's run loop idle).
  // May suspend.
  void Close();

  // Called (on the receive fiber; must not suspend) with every HealthFeedback TiKV attaches.
  void set_health_feedback_listener(std::function<void(const kvrpcpb::HealthFeedback&)> f);

  BatchClientStats stats() const;
  const Endpoint& target() const { return target_; }

 private:
  struct Entry;
  struct Connection;

  void EnsureStarted() ABSL_LOCKS_EXCLUDED(mu_);
  void SendLoop();
  void CollectBatch(std::vector<std::shared_ptr<Entry>>* batch);
  void SendBatch(std::vector<std::shared_ptr<Entry>> batch);
  Connection* PickConnection(size_t batch_size);
  bool EnsureStream(Connection& conn);
  void RecvLoop(Connection* conn, std::shared_ptr<ClientStream> stream);
  void OnStreamFailure(Connection* conn, const std::shared_ptr<ClientStream>& stream,
                       const absl::Status& status);
  void Reconnect(Connection* conn);
  void Complete(const std::shared_ptr<Entry>& entry, absl::StatusOr<Response> result);

  Env& env_;
  const Endpoint target_;
  const BatchClientOptions options_;
  env::Channel<std::shared_ptr<Entry>> queue_;
  env::FiberGroup fibers_;
  BatchWaitTrigger trigger_;
  double avg_batch_wait_size_;
  MonoTime last_head_arrival_;
  std::vector<std::unique_ptr<Connection>> connections_;
  size_t next_connection_ = 0;  // send fiber only

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_request_id_ ABSL_GUARDED_BY(mu_) = 1;
  BatchClientStats stats_ ABSL_GUARDED_BY(mu_);
  std::function<void(const kvrpcpb::HealthFeedback&)> health_listener_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tikv::rpc
