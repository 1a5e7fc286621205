// TsoDispatcher: the PD client's timestamp batcher.  Callers queue requests; one dispatcher
// fiber folds everything queued into one TsoRequest with count = N and writes it on a single
// Tso stream; a receiver fiber per stream reads the answers in order and splits PD's
// contiguous range back among the waiters.  How many requests may be in flight at once is
// bounded by tokens (the RPC concurrency); an optional batch-wait interval trades latency for
// fewer RPCs.  A broken stream hands its in-flight requests back for another attempt on a new
// stream (after a member refresh).  Port of tikv/pd client/clients/tso/dispatcher.go
// (handleDispatcher, checkTSORPCConcurrency, processRequests, checkMonotonicity),
// clients/tso/stream.go (in-order receive, RPC latency estimate) and pkg/batch.
//
// Thread-safe.  No OS lock is held across a suspension point.

#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tikv/env.h"

#include "env/channel.h"
#include "env/event.h"
#include "env/fiber_group.h"
#include "env/future.h"
#include "oracle/tso_source.h"
#include "pdpb.pb.h"

namespace tikv::pd {

struct TsoDispatcherOptions {
  // Largest number of timestamps in one TsoRequest (PD client maxTSOBatchSize).
  int max_batch = 10000;
  // Most requests queued and not yet sent; more fail with kResourceExhausted.
  size_t queue_capacity = 20000;
  // Attempts per request across stream failures before it fails.
  int max_retries = 10;
  // Pause before reconnecting after a stream failure.
  Duration retry_interval = std::chrono::milliseconds(100);
  // How long an answer may take before the stream counts as broken.
  Duration timeout = std::chrono::seconds(3);
  // Initial dynamic options (see SetMaxBatchWait / SetRpcConcurrency).
  Duration max_batch_wait = Duration::zero();
  int rpc_concurrency = 1;
};

// What the dispatcher needs from the PD client that owns it.
struct TsoDispatcherHooks {
  // Address of the PD leader to open the stream on.  Never suspends.
  std::function<std::string()> leader;
  // Fills the request header (cluster id, caller).  Never suspends.
  std::function<void(pdpb::RequestHeader*)> fill_header;
  // Checks a response header; a non-OK status breaks the stream.  Never suspends.
  std::function<absl::Status(const pdpb::ResponseHeader&)> check_header;
  // Called after a stream failure, before reconnecting (member refresh).  May suspend.
  std::function<void(const CancelToken*)> on_stream_failure;
};

class TsoDispatcher {
 public:
  // Largest accepted RPC concurrency (the token channel holds 2x this many tokens).
  static constexpr int kMaxRpcConcurrency = 32;
  // Largest accepted batch-wait interval (PD client's bound).
  static constexpr Duration kMaxBatchWait = std::chrono::milliseconds(10);

  // `env` must outlive the dispatcher.  Never suspends.
  TsoDispatcher(Env& env, TsoDispatcherOptions options, TsoDispatcherHooks hooks);
  // Closes.  May suspend.
  ~TsoDispatcher();
  TsoDispatcher(const TsoDispatcher&) = delete;
  TsoDispatcher& operator=(const TsoDispatcher&) = delete;

  // Starts the dispatcher fiber.  Call once.  Never suspends.
  void Start();
  // Queues one request.  The future fails with kResourceExhausted when the queue is full,
  // kCancelled once closed, or the stream's error after max_retries attempts.  Never suspends.
  oracle::TsFuture GetTsAsync() ABSL_LOCKS_EXCLUDED(mu_);

  // PD client option MaxTSOBatchWaitInterval: after the first request of a batch arrives, keep
  // collecting for up to `wait` (0 disables).  A non-zero wait forces RPC concurrency to 1, as
  // upstream.  Takes effect from the next batch.  Errors: kInvalidArgument outside
  // [0, kMaxBatchWait].  Never suspends.
  absl::Status SetMaxBatchWait(Duration wait) ABSL_LOCKS_EXCLUDED(mu_);
  // PD client option TSOClientRPCConcurrency: how many TsoRequests may be in flight on the
  // stream.  With more than one, each batch is collected for about (estimated RPC latency /
  // concurrency) and up to 2 x concurrency RPCs may overlap.  Takes effect from the next
  // batch.  Errors: kInvalidArgument outside [1, kMaxRpcConcurrency].  Never suspends.
  absl::Status SetRpcConcurrency(int concurrency) ABSL_LOCKS_EXCLUDED(mu_);

  struct Stats {
    uint64_t rpcs = 0;         // TsoRequests written
    uint64_t max_in_flight = 0;  // most TsoRequests awaiting an answer at once
    uint64_t stream_failures = 0;
  };
  Stats stats() const ABSL_LOCKS_EXCLUDED(mu_);

  // Stops the fibers and fails every queued or in-flight request with kCancelled.
  // Idempotent.  May suspend.
  void Close() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Request {
    env::Promise<absl::StatusOr<uint64_t>> promise;
    int attempts = 0;
  };
  struct Batch {
    std::vector<Request> requests;
    MonoTime sent_at;
  };
  // One Tso stream and the batches written on it, oldest first.
  struct Stream {
    std::unique_ptr<ClientStream> rpc;
    absl::Mutex mu;
    std::deque<Batch> in_flight ABSL_GUARDED_BY(mu);
    bool failed ABSL_GUARDED_BY(mu) = false;
    env::Event has_work;  // set when in_flight may be non-empty
    env::Event done;      // set when the receiver fiber exited
  };

  void DispatchLoop();
  // Brings the token count in line with the options.  False when cancelled.
  bool AdjustTokens(Duration wait, int concurrency, const CancelToken& cancel);
  // Waits until at least `want` requests are queued, the deadline passes or cancellation.
  // False only when cancelled.
  bool WaitQueued(size_t want, MonoTime deadline, const CancelToken& cancel)
      ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<Request> TakeQueued() ABSL_LOCKS_EXCLUDED(mu_);
  // Hands the batch to a (possibly new) stream; OK once written.  On error the requests that
  // used up their attempts were already failed and the rest re-queued.
  absl::Status Send(std::vector<Request> batch, const CancelToken& cancel);
  void ResetStream();
  void ReceiveLoop(std::shared_ptr<Stream> stream);
  // Answers the oldest in-flight batch of `stream` from `resp`.
  absl::Status Complete(Stream& stream, const pdpb::TsoResponse& resp);
  // Marks `stream` failed and re-queues (or fails) its in-flight requests.
  void FailStream(Stream& stream, const absl::Status& error);
  // Re-queues requests at the front after a failure, or fails those out of attempts.
  void Requeue(std::vector<Request> requests, const absl::Status& error) ABSL_LOCKS_EXCLUDED(mu_);
  void ReturnToken();

  Env& env_;
  const TsoDispatcherOptions options_;
  const TsoDispatcherHooks hooks_;
  env::FiberGroup group_;
  env::Channel<int> tokens_;
  int token_count_ = 0;                 // owned by the dispatcher fiber
  bool started_ = false;
  env::Event queued_;  // set when requests may be queued

  mutable absl::Mutex mu_;
  std::deque<Request> queue_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  Duration max_batch_wait_ ABSL_GUARDED_BY(mu_);
  int rpc_concurrency_ ABSL_GUARDED_BY(mu_);
  uint64_t last_ts_ ABSL_GUARDED_BY(mu_) = 0;
  Duration latency_estimate_ ABSL_GUARDED_BY(mu_) = Duration::zero();
  Stats stats_ ABSL_GUARDED_BY(mu_);
  // Written by the dispatcher fiber under mu_; it reads it without the lock.
  std::shared_ptr<Stream> stream_;
};

}  // namespace tikv::pd
