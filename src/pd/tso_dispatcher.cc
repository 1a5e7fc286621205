#include "pd/tso_dispatcher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

#include "oracle/timestamp.h"
#include "rpc/methods.h"

namespace tikv::pd {

TsoDispatcher::TsoDispatcher(Env& env, TsoDispatcherOptions options, TsoDispatcherHooks hooks)
    : env_(env),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      group_(env.executor()),
      tokens_(2 * kMaxRpcConcurrency),
      max_batch_wait_(options_.max_batch_wait),
      rpc_concurrency_(std::clamp(options_.rpc_concurrency, 1, kMaxRpcConcurrency)) {}

TsoDispatcher::~TsoDispatcher() { Close(); }

void TsoDispatcher::Start() {
  if (started_) return;
  started_ = true;
  group_.Spawn(SpawnOptions{.name = "pd-tso-dispatcher"}, [this] { DispatchLoop(); });
}

oracle::TsFuture TsoDispatcher::GetTsAsync() {
  Request r;
  oracle::TsFuture future = r.promise.GetFuture();
  {
    absl::MutexLock lock(&mu_);
    if (closed_) {
      r.promise.Set(absl::CancelledError("pd client closed"));
      return future;
    }
    if (queue_.size() >= options_.queue_capacity) {
      r.promise.Set(absl::ResourceExhaustedError("TSO request queue is full"));
      return future;
    }
    queue_.push_back(std::move(r));
  }
  queued_.Set();
  return future;
}

absl::Status TsoDispatcher::SetMaxBatchWait(Duration wait) {
  if (wait < Duration::zero() || wait > kMaxBatchWait) {
    return absl::InvalidArgumentError("max TSO batch wait interval must be between 0 and 10ms");
  }
  absl::MutexLock lock(&mu_);
  max_batch_wait_ = wait;
  return absl::OkStatus();
}

absl::Status TsoDispatcher::SetRpcConcurrency(int concurrency) {
  if (concurrency < 1 || concurrency > kMaxRpcConcurrency) {
    return absl::InvalidArgumentError(
        absl::StrCat("TSO RPC concurrency must be between 1 and ", kMaxRpcConcurrency));
  }
  absl::MutexLock lock(&mu_);
  rpc_concurrency_ = concurrency;
  return absl::OkStatus();
}

TsoDispatcher::Stats TsoDispatcher::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void TsoDispatcher::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
  }
  group_.Cancel();
  {
    // Read's deadline is not tied to the token: cancel the stream to wake the receiver.
    absl::MutexLock lock(&mu_);
    if (stream_ != nullptr) stream_->rpc->Cancel();
  }
  group_.Wait();
  std::vector<Request> orphans;
  if (stream_ != nullptr) {
    absl::MutexLock lock(&stream_->mu);
    for (Batch& b : stream_->in_flight) {
      for (Request& r : b.requests) orphans.push_back(std::move(r));
    }
    stream_->in_flight.clear();
  }
  stream_.reset();
  {
    absl::MutexLock lock(&mu_);
    for (Request& r : queue_) orphans.push_back(std::move(r));
    queue_.clear();
  }
  for (Request& r : orphans) r.promise.Set(absl::CancelledError("pd client closed"));
}

// Port of handleDispatcher(): adjust the tokens to the options, take a token, collect a
// batch (optionally waiting), hand it to the stream, repeat.  The token comes back when the
// batch is answered or fails.
void TsoDispatcher::DispatchLoop() {
  const CancelToken& cancel = group_.cancel_token();
  while (!cancel.IsCancelled()) {
    const MonoTime batch_start = env_.clock().Now();
    Duration wait;
    int concurrency;
    {
      absl::MutexLock lock(&mu_);
      wait = max_batch_wait_;
      concurrency = rpc_concurrency_;
    }
    if (!AdjustTokens(wait, concurrency, cancel)) return;
    if (!tokens_.Receive(MonoTime::Infinite(), &cancel).ok()) return;
    if (!WaitQueued(1, MonoTime::Infinite(), cancel)) return;
    // Upstream collects up to an adaptive "best" batch size during the wait; we wait for a
    // full batch or the interval, whichever comes first.
    if (wait > Duration::zero() &&
        !WaitQueued(static_cast<size_t>(options_.max_batch), env_.clock().Now() + wait, cancel)) {
      return;
    }
    if (token_count_ > 1) {
      // Concurrent RPCs: spread batches over the estimated latency so that `concurrency`
      // RPCs overlap, counted from when this batch started collecting.
      Duration latency;
      {
        absl::MutexLock lock(&mu_);
        latency = latency_estimate_;
      }
      const MonoTime goal = batch_start + latency / concurrency;
      if (goal > env_.clock().Now() &&
          !WaitQueued(static_cast<size_t>(options_.max_batch), goal, cancel)) {
        return;
      }
    }
    std::vector<Request> batch = TakeQueued();
    if (batch.empty()) {
      ReturnToken();
      continue;
    }
    if (!Send(std::move(batch), cancel).ok()) ReturnToken();
  }
}

// Port of checkTSORPCConcurrency(): one token when concurrency is 1 (or a batch wait is set),
// otherwise twice the concurrency so that RPCs whose latency jitters may overlap.  We check
// on every batch rather than every 5 s; the check is cheap here.
bool TsoDispatcher::AdjustTokens(Duration wait, int concurrency, const CancelToken& cancel) {
  if (wait > Duration::zero()) concurrency = 1;
  const int want = concurrency > 1 ? 2 * concurrency : 1;
  while (token_count_ < want) {
    int token = 0;
    if (!tokens_.TrySend(token)) break;  // cannot happen: capacity is 2 x the maximum
    ++token_count_;
  }
  while (token_count_ > want) {
    if (!tokens_.Receive(MonoTime::Infinite(), &cancel).ok()) return false;
    --token_count_;
  }
  return true;
}

void TsoDispatcher::ReturnToken() {
  int token = 0;
  (void)tokens_.TrySend(token);
}

bool TsoDispatcher::WaitQueued(size_t want, MonoTime deadline, const CancelToken& cancel) {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (queue_.size() >= want) return true;
      queued_.Reset();
    }
    const WakeReason r = queued_.Wait(deadline, &cancel);
    if (r == WakeReason::kCancelled) return false;
    if (r == WakeReason::kTimedOut) return true;
  }
}

std::vector<TsoDispatcher::Request> TsoDispatcher::TakeQueued() {
  absl::MutexLock lock(&mu_);
  const size_t n = std::min(queue_.size(), static_cast<size_t>(std::max(options_.max_batch, 1)));
  std::vector<Request> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return out;
}

absl::Status TsoDispatcher::Send(std::vector<Request> batch, const CancelToken& cancel) {
  bool backoff = false;
  for (;;) {
    if (stream_ != nullptr) {
      bool failed;
      {
        absl::MutexLock lock(&stream_->mu);
        failed = stream_->failed;
      }
      if (failed) {
        ResetStream();
        backoff = true;
      }
    }
    if (backoff) {
      env_.executor().SleepFor(env_.clock(), options_.retry_interval, &cancel);
      if (cancel.IsCancelled()) {
        Requeue(std::move(batch), absl::CancelledError("pd client closed"));
        return absl::CancelledError("pd client closed");
      }
      if (hooks_.on_stream_failure) hooks_.on_stream_failure(&cancel);
      backoff = false;
    }
    if (stream_ == nullptr) {
      absl::StatusOr<std::unique_ptr<ClientStream>> rpc =
          env_.transport().OpenStream(Endpoint{hooks_.leader()}, rpc::kPdTso, MonoTime::Infinite());
      if (!rpc.ok()) {
        for (Request& r : batch) ++r.attempts;
        const absl::Status error = rpc.status();
        std::vector<Request> keep;
        for (Request& r : batch) {
          if (r.attempts >= options_.max_retries) {
            r.promise.Set(error);
          } else {
            keep.push_back(std::move(r));
          }
        }
        if (keep.empty()) return error;
        batch = std::move(keep);
        backoff = true;
        continue;
      }
      auto fresh = std::make_shared<Stream>();
      fresh->rpc = *std::move(rpc);
      {
        absl::MutexLock lock(&mu_);
        stream_ = fresh;
      }
      // Close() cancels the stream it sees; one opened after that must be cancelled here.
      if (cancel.IsCancelled()) fresh->rpc->Cancel();
      group_.Spawn(SpawnOptions{.name = "pd-tso-receiver"},
                   [this, s = stream_] { ReceiveLoop(s); });
    }
    pdpb::TsoRequest req;
    if (hooks_.fill_header) hooks_.fill_header(req.mutable_header());
    req.set_count(static_cast<uint32_t>(batch.size()));
    {
      absl::MutexLock lock(&stream_->mu);
      if (stream_->failed) continue;
      stream_->in_flight.push_back(Batch{std::move(batch), env_.clock().Now()});
      absl::MutexLock stats_lock(&mu_);
      ++stats_.rpcs;
      stats_.max_in_flight =
          std::max<uint64_t>(stats_.max_in_flight, stream_->in_flight.size());
    }
    stream_->has_work.Set();
    // A failed write breaks the stream; the receiver then hands the batch back for a retry.
    if (!stream_->rpc->Write(req).ok()) stream_->rpc->Cancel();
    return absl::OkStatus();
  }
}

void TsoDispatcher::ResetStream() {
  stream_->rpc->Cancel();
  stream_->done.Wait();
  absl::MutexLock lock(&mu_);
  stream_.reset();
}

// Port of tsoStream's receive loop: answers arrive in request order; an error, an early end
// of stream or an answer later than the timeout breaks the stream.
void TsoDispatcher::ReceiveLoop(std::shared_ptr<Stream> stream) {
  const CancelToken& cancel = group_.cancel_token();
  for (;;) {
    MonoTime deadline = MonoTime::Infinite();
    bool idle;
    {
      absl::MutexLock lock(&stream->mu);
      idle = stream->in_flight.empty();
      if (idle) {
        stream->has_work.Reset();
      } else {
        deadline = stream->in_flight.front().sent_at + options_.timeout;
      }
    }
    if (idle) {
      if (stream->has_work.Wait(MonoTime::Infinite(), &cancel) == WakeReason::kCancelled) break;
      continue;
    }
    if (cancel.IsCancelled()) break;
    pdpb::TsoResponse resp;
    absl::StatusOr<bool> got = stream->rpc->Read(&resp, deadline);
    absl::Status error;
    if (!got.ok()) {
      error = got.status();
    } else if (!*got) {
      error = absl::UnavailableError("TSO stream closed by PD");
    } else {
      error = Complete(*stream, resp);
    }
    if (!error.ok()) {
      if (cancel.IsCancelled()) break;  // Close() fails what is left
      FailStream(*stream, error);
      break;
    }
  }
  stream->done.Set();
}

absl::Status TsoDispatcher::Complete(Stream& stream, const pdpb::TsoResponse& resp) {
  if (hooks_.check_header) {
    if (absl::Status h = hooks_.check_header(resp.header()); !h.ok()) {
      return absl::UnavailableError(h.message());
    }
  }
  Batch batch;
  uint64_t first = 0;
  {
    absl::MutexLock lock(&stream.mu);
    if (stream.in_flight.empty()) return absl::InternalError("TSO answer without a request");
    const size_t n = stream.in_flight.front().requests.size();
    if (resp.count() != n) {
      return absl::InternalError(
          absl::StrCat("TSO count mismatch: asked ", n, " got ", resp.count()));
    }
    // PD answers with the last timestamp of the range.
    first = oracle::ComposeTs(
        resp.timestamp().physical(), resp.timestamp().logical() - static_cast<int64_t>(n) + 1);
    absl::MutexLock state_lock(&mu_);
    // Port of checkMonotonicity(): a regression is a PD bug; the stream is dropped.
    if (first <= last_ts_) {
      return absl::InternalError(absl::StrCat("TSO fallback: ", first, " <= ", last_ts_));
    }
    last_ts_ = first + n - 1;
    batch = std::move(stream.in_flight.front());
    stream.in_flight.pop_front();
    // Latency estimate for concurrent mode: an exponential moving average.
    const Duration sample = env_.clock().Now() - batch.sent_at;
    latency_estimate_ = latency_estimate_ == Duration::zero()
                            ? sample
                            : (latency_estimate_ * 4 + sample) / 5;
  }
  // Outside the locks: a future's callback may queue the next request.
  for (size_t i = 0; i < batch.requests.size(); ++i) batch.requests[i].promise.Set(first + i);
  ReturnToken();
  return absl::OkStatus();
}

void TsoDispatcher::FailStream(Stream& stream, const absl::Status& error) {
  std::deque<Batch> lost;
  {
    absl::MutexLock lock(&stream.mu);
    stream.failed = true;
    lost.swap(stream.in_flight);
  }
  {
    absl::MutexLock lock(&mu_);
    ++stats_.stream_failures;
  }
  std::vector<Request> requests;
  for (Batch& b : lost) {
    for (Request& r : b.requests) requests.push_back(std::move(r));
    ReturnToken();
  }
  Requeue(std::move(requests), error);
  stream.rpc->Cancel();
}

void TsoDispatcher::Requeue(std::vector<Request> requests, const absl::Status& error) {
  std::vector<Request> failed;
  {
    absl::MutexLock lock(&mu_);
    // Oldest first: insert in reverse at the front.
    for (auto it = requests.rbegin(); it != requests.rend(); ++it) {
      if (!closed_ && ++it->attempts < options_.max_retries) {
        queue_.push_front(std::move(*it));
      } else {
        failed.push_back(std::move(*it));
      }
    }
  }
  queued_.Set();
  for (Request& r : failed) r.promise.Set(error);
}

}  // namespace tikv::pd
