#include "rpc/batch_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/unknown_field_set.h"
#include "rpc/methods.h"
#include "tikvpb.pb.h"

namespace tikv::rpc {

// One queued request.  `done` fires once `result` is final; `finished` makes completion
// happen once even when a reply and a stream failure race.
struct BatchCommandsClient::Entry {
  std::string encoded;  // serialized BatchCommandsRequest.Request
  MonoTime deadline;
  env::Event done;
  absl::Mutex mu;
  bool finished ABSL_GUARDED_BY(mu) = false;
  bool abandoned ABSL_GUARDED_BY(mu) = false;  // the caller gave up; skip when batching
  absl::StatusOr<Response> result ABSL_GUARDED_BY(mu) = absl::UnknownError("pending");
};

// One of the N connections: its current stream and the requests in flight on it.
struct BatchCommandsClient::Connection {
  size_t index = 0;
  absl::Mutex mu;
  std::shared_ptr<ClientStream> stream ABSL_GUARDED_BY(mu);
  bool reconnecting ABSL_GUARDED_BY(mu) = false;
  absl::btree_map<uint64_t, std::shared_ptr<Entry>> pending ABSL_GUARDED_BY(mu);
};

BatchCommandsClient::BatchCommandsClient(Env& env, Endpoint target, BatchClientOptions options)
    : env_(env),
      target_(std::move(target)),
      options_(options),
      queue_(std::max<size_t>(options.max_batch_size, 1)),
      fibers_(env.executor()),
      trigger_(options.batch_policy),
      avg_batch_wait_size_(static_cast<double>(options.batch_wait_size)) {
  size_t n = std::max<size_t>(options_.connection_count, 1);
  for (size_t i = 0; i < n; ++i) {
    connections_.push_back(std::make_unique<Connection>());
    connections_.back()->index = i;
  }
}

BatchCommandsClient::~BatchCommandsClient() { Close(); }

void BatchCommandsClient::set_health_feedback_listener(
    std::function<void(const kvrpcpb::HealthFeedback&)> f) {
  absl::MutexLock lock(&mu_);
  health_listener_ = std::move(f);
}

BatchClientStats BatchCommandsClient::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void BatchCommandsClient::EnsureStarted() {
  {
    absl::MutexLock lock(&mu_);
    if (started_ || closed_) return;
    started_ = true;
  }
  fibers_.Spawn({.name = "batch-send"}, [this] { SendLoop(); });
}

void BatchCommandsClient::Complete(const std::shared_ptr<Entry>& entry,
                                   absl::StatusOr<Response> result) {
  {
    absl::MutexLock lock(&entry->mu);
    if (entry->finished) return;
    entry->finished = true;
    entry->result = std::move(result);
  }
  entry->done.Set();
}

absl::StatusOr<Response> BatchCommandsClient::Send(const Request& request, MonoTime deadline,
                                                   const CancelToken* cancel) {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return absl::CancelledError("batch client closed");
    ++stats_.requests;
  }
  const CmdInfo* info = FindCmdInfo(request.type());
  if (info == nullptr) return absl::InvalidArgumentError("unknown command type");

  if (options_.max_batch_size == 0 || info->batch_arm == 0) {
    // Port of client-go client.go sendRequest(): commands without an arm go unary.
    if (info->method == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(std::string(info->name), " has no unary RPC"));
    }
    std::unique_ptr<google::protobuf::Message> response = NewResponseMessage(request.type());
    {
      absl::MutexLock lock(&mu_);
      ++stats_.unary_calls;
    }
    absl::Status status = env_.transport().Call(target_, *info->method, request.message(),
                                                response.get(), deadline, cancel);
    if (!status.ok()) return status;
    return Response(std::move(response));
  }

  // Serialise on the caller's fiber so the send loop only copies bytes (NET-11).
  auto entry = std::make_shared<Entry>();
  absl::StatusOr<std::string> encoded = EncodeBatchCommandsRequest(request);
  if (!encoded.ok()) return encoded.status();
  entry->encoded = std::move(*encoded);
  entry->deadline = deadline;

  EnsureStarted();
  absl::Status queued = queue_.Send(entry, deadline, cancel);
  if (!queued.ok()) {
    if (queued.code() == absl::StatusCode::kFailedPrecondition) {
      return absl::CancelledError("batch client closed");
    }
    return queued;
  }
  WakeReason reason = entry->done.Wait(deadline, cancel);
  absl::MutexLock lock(&entry->mu);
  if (entry->finished) return std::move(entry->result);
  // Only flag the entry: the send loop skips it, and a late reply is dropped (client-go sets
  // the entry's canceled flag the same way).
  entry->abandoned = true;
  entry->finished = true;
  if (reason == WakeReason::kCancelled) return absl::CancelledError("batch request cancelled");
  return absl::DeadlineExceededError(
      absl::StrCat("wait batch response from ", target_.address, " timeout"));
}

// Port of client-go conn_batch.go, batchSendLoop().
void BatchCommandsClient::SendLoop() {
  while (true) {
    absl::StatusOr<std::shared_ptr<Entry>> head =
        queue_.Receive(MonoTime::Infinite(), &fibers_.cancel_token());
    if (!head.ok()) return;  // closed or cancelled
    std::vector<std::shared_ptr<Entry>> batch;
    batch.push_back(std::move(*head));
    CollectBatch(&batch);
    SendBatch(std::move(batch));
  }
}

// Drains what is queued, then applies the batch-wait policy.  Port of client-go
// conn_batch.go fetchAllPendingRequests / fetchMorePendingRequests.
void BatchCommandsClient::CollectBatch(std::vector<std::shared_ptr<Entry>>* batch) {
  const MonoTime now = env_.clock().Now();
  const Duration interval = last_head_arrival_ == MonoTime() ? Duration::max() / 2
                                                             : now - last_head_arrival_;
  last_head_arrival_ = now;
  auto drain = [&] {
    while (batch->size() < options_.max_batch_size) {
      std::optional<std::shared_ptr<Entry>> more = queue_.TryReceive();
      if (!more.has_value()) break;
      batch->push_back(std::move(*more));
    }
  };
  drain();

  size_t target = 0;
  Duration wait = Duration::zero();
  uint64_t load;
  {
    absl::MutexLock lock(&mu_);
    load = stats_.transport_layer_load;
  }
  if (load > options_.overload_threshold && options_.max_batch_wait_time > Duration::zero()) {
    // The original overload rule: a busy TiKV prefers fewer, bigger messages.
    target = options_.batch_wait_size;
    wait = options_.max_batch_wait_time;
  } else if (trigger_.NeedFetchMore(interval)) {
    target = trigger_.PreferredBatchWaitSize(avg_batch_wait_size_, options_.batch_wait_size);
    wait = trigger_.WaitTime();
  }
  if (batch->size() < target && wait > Duration::zero()) {
    const MonoTime until = now + wait;
    while (batch->size() < target && batch->size() < options_.max_batch_size) {
      absl::StatusOr<std::shared_ptr<Entry>> more = queue_.Receive(until, &fibers_.cancel_token());
      if (!more.ok()) break;
      batch->push_back(std::move(*more));
    }
    // Yield once and take whatever arrived meanwhile.
    env_.executor().Yield();
    drain();
  }
  avg_batch_wait_size_ = 0.2 * static_cast<double>(batch->size()) + 0.8 * avg_batch_wait_size_;
}

// Round-robin over connections that are not reconnecting and below the concurrency limit.
// Port of client-go conn_batch.go getClientAndSend().
BatchCommandsClient::Connection* BatchCommandsClient::PickConnection(size_t batch_size) {
  const size_t n = connections_.size();
  for (size_t attempt = 0; attempt < n; ++attempt) {
    Connection* conn = connections_[(next_connection_ + attempt) % n].get();
    bool usable;
    {
      absl::MutexLock lock(&conn->mu);
      usable = !conn->reconnecting &&
               (options_.max_concurrency_request_limit == 0 ||
                conn->pending.size() + batch_size <= options_.max_concurrency_request_limit);
    }
    if (usable && EnsureStream(*conn)) {
      next_connection_ = (next_connection_ + attempt + 1) % n;
      return conn;
    }
  }
  return nullptr;
}

// Opens the connection's first stream on demand and starts its receive fiber.
bool BatchCommandsClient::EnsureStream(Connection& conn) {
  {
    absl::MutexLock lock(&conn.mu);
    if (conn.stream != nullptr) return true;
  }
  absl::StatusOr<std::unique_ptr<ClientStream>> opened =
      env_.transport().OpenStream(target_, kBatchCommands, MonoTime::Infinite());
  if (!opened.ok()) {
    {
      absl::MutexLock lock(&conn.mu);
      conn.reconnecting = true;
    }
    Connection* c = &conn;
    fibers_.Spawn({.name = "batch-reconnect"}, [this, c] { Reconnect(c); });
    return false;
  }
  std::shared_ptr<ClientStream> stream(std::move(*opened));
  {
    absl::MutexLock lock(&conn.mu);
    conn.stream = stream;
  }
  Connection* c = &conn;
  fibers_.Spawn({.name = "batch-recv"}, [this, c, stream] { RecvLoop(c, stream); });
  return true;
}

void BatchCommandsClient::SendBatch(std::vector<std::shared_ptr<Entry>> batch) {
  // Drop entries whose caller already gave up (client-go's builder skips canceled entries).
  std::erase_if(batch, [](const std::shared_ptr<Entry>& e) {
    absl::MutexLock lock(&e->mu);
    return e->abandoned || e->finished;
  });
  if (batch.empty()) return;

  Connection* conn = PickConnection(batch.size());
  if (conn == nullptr) {
    {
      absl::MutexLock lock(&mu_);
      ++stats_.no_available_connection;
    }
    for (const auto& e : batch) {
      Complete(e, absl::UnavailableError(
                      absl::StrCat("no available connections to ", target_.address)));
    }
    return;
  }

  tikvpb::BatchCommandsRequest message;
  google::protobuf::UnknownFieldSet* raw =
      message.GetReflection()->MutableUnknownFields(&message);
  std::vector<uint64_t> ids;
  ids.reserve(batch.size());
  std::shared_ptr<ClientStream> stream;
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < batch.size(); ++i) ids.push_back(next_request_id_++);
    ++stats_.batch_messages;
    stats_.batched_requests += batch.size();
    stats_.max_batch_size_seen = std::max<uint64_t>(stats_.max_batch_size_seen, batch.size());
  }
  {
    absl::MutexLock lock(&conn->mu);
    stream = conn->stream;
    for (size_t i = 0; i < batch.size(); ++i) conn->pending.emplace(ids[i], batch[i]);
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    // Pre-encoded requests go in as field 1 (`requests`) verbatim: serialising the message
    // copies these bytes instead of re-encoding every request.
    raw->AddLengthDelimited(1, batch[i]->encoded);
    message.add_request_ids(ids[i]);
  }
  message.set_client_send_time_ns(static_cast<uint64_t>(env_.clock().WallMillis()) * 1000000);

  absl::Status status = stream == nullptr ? absl::UnavailableError("stream closed")
                                          : stream->Write(message);
  if (!status.ok()) {
    // A failed send fails exactly the ids of this message, at once; the receive fiber sees
    // the broken stream and reconnects.
    std::vector<std::shared_ptr<Entry>> failed;
    {
      absl::MutexLock lock(&conn->mu);
      for (uint64_t id : ids) {
        auto it = conn->pending.find(id);
        if (it != conn->pending.end()) {
          failed.push_back(std::move(it->second));
          conn->pending.erase(it);
        }
      }
    }
    for (const auto& e : failed) {
      Complete(e, absl::UnavailableError(absl::StrCat("batch send to ", target_.address,
                                                      " failed: ", status.ToString())));
    }
  }
}

// Port of client-go client_batch.go, batchRecvLoop().
void BatchCommandsClient::RecvLoop(Connection* conn, std::shared_ptr<ClientStream> stream) {
  while (true) {
    tikvpb::BatchCommandsResponse response;
    absl::StatusOr<bool> got = stream->Read(&response, MonoTime::Infinite());
    if (!got.ok() || !*got) {
      absl::Status why = got.ok() ? absl::UnavailableError("stream ended by the server")
                                  : got.status();
      OnStreamFailure(conn, stream, why);
      return;
    }
    std::function<void(const kvrpcpb::HealthFeedback&)> listener;
    {
      absl::MutexLock lock(&mu_);
      stats_.transport_layer_load = response.transport_layer_load();
      if (response.has_health_feedback()) listener = health_listener_;
    }
    if (listener) listener(response.health_feedback());
    const int n = std::min(response.responses_size(), response.request_ids_size());
    for (int i = 0; i < n; ++i) {
      std::shared_ptr<Entry> entry;
      {
        absl::MutexLock lock(&conn->mu);
        auto it = conn->pending.find(response.request_ids(i));
        if (it != conn->pending.end()) {
          entry = std::move(it->second);
          conn->pending.erase(it);
        }
      }
      bool abandoned = entry == nullptr;
      if (entry != nullptr) {
        absl::MutexLock lock(&entry->mu);
        abandoned = entry->abandoned;
      }
      {
        absl::MutexLock lock(&mu_);
        if (abandoned) {
          ++stats_.unknown_ids;  // the caller timed out or cancelled: drop the late reply
        } else {
          ++stats_.responses;
        }
      }
      if (abandoned) continue;
      Complete(entry, FromBatchCommandsResponse(response.mutable_responses(i)));
    }
  }
}

// Port of client-go client_batch.go, failPendingRequests() + recreateStreamingClient().
void BatchCommandsClient::OnStreamFailure(Connection* conn,
                                          const std::shared_ptr<ClientStream>& stream,
                                          const absl::Status& status) {
  absl::btree_map<uint64_t, std::shared_ptr<Entry>> failed;
  bool closed;
  {
    absl::MutexLock lock(&mu_);
    closed = closed_;
    if (!closed) ++stats_.stream_failures;
  }
  {
    absl::MutexLock lock(&conn->mu);
    if (conn->stream == stream) {
      conn->stream = nullptr;
      conn->reconnecting = !closed;
    }
    failed.swap(conn->pending);
  }
  const absl::Status error =
      closed ? absl::CancelledError("batch client closed")
             : absl::UnavailableError(absl::StrCat("batch stream to ", target_.address,
                                                   " broken: ", status.ToString()));
  for (auto& [id, entry] : failed) Complete(entry, error);
  if (!closed) Reconnect(conn);
}

// Re-creates the connection's stream with exponential backoff (×1.6 up to the maximum, as
// gRPC's reconnect policy) until it succeeds or the client closes.
void BatchCommandsClient::Reconnect(Connection* conn) {
  Duration backoff = options_.reconnect_backoff_base;
  while (true) {
    if (env_.executor().SleepFor(env_.clock(), backoff, &fibers_.cancel_token()) ==
        WakeReason::kCancelled) {
      return;
    }
    absl::StatusOr<std::unique_ptr<ClientStream>> opened =
        env_.transport().OpenStream(target_, kBatchCommands, MonoTime::Infinite());
    if (opened.ok()) {
      std::shared_ptr<ClientStream> stream(std::move(*opened));
      {
        absl::MutexLock lock(&mu_);
        if (closed_) return;
        ++stats_.reconnects;
      }
      {
        absl::MutexLock lock(&conn->mu);
        conn->stream = stream;
        conn->reconnecting = false;
      }
      RecvLoop(conn, std::move(stream));
      return;
    }
    backoff = std::min<Duration>(
        std::chrono::duration_cast<Duration>(backoff * 1.6), options_.reconnect_backoff_max);
  }
}

void BatchCommandsClient::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
  }
  queue_.Close();
  fibers_.Cancel();
  for (auto& conn : connections_) {
    std::shared_ptr<ClientStream> stream;
    {
      absl::MutexLock lock(&conn->mu);
      stream = conn->stream;
    }
    if (stream != nullptr) stream->Cancel();
  }
  fibers_.Wait();
  // Whatever is still queued or in flight learns that the client went away.
  while (std::optional<std::shared_ptr<Entry>> e = queue_.TryReceive()) {
    Complete(*e, absl::CancelledError("batch client closed"));
  }
  for (auto& conn : connections_) {
    absl::btree_map<uint64_t, std::shared_ptr<Entry>> pending;
    {
      absl::MutexLock lock(&conn->mu);
      pending.swap(conn->pending);
      conn->stream = nullptr;
    }
    for (auto& [id, e] : pending) Complete(e, absl::CancelledError("batch client closed"));
  }
}

}  // namespace tikv::rpc
