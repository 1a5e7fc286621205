#include "rpc/rpc_client.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tikv/status.h"

namespace tikv::rpc {

struct BatchRpcClient::ListenerSlot {
  absl::Mutex mu;
  HealthFeedbackListener listener ABSL_GUARDED_BY(mu);
};

BatchRpcClient::BatchRpcClient(Env& env, RpcClientOptions options)
    : env_(env),
      options_(std::move(options)),
      recyclers_(env.executor()),
      listener_(std::make_shared<ListenerSlot>()) {}

BatchRpcClient::~BatchRpcClient() { Close(); }

void BatchRpcClient::set_health_feedback_listener(HealthFeedbackListener listener) {
  absl::MutexLock lock(&listener_->mu);
  listener_->listener = std::move(listener);
}

std::shared_ptr<BatchCommandsClient> BatchRpcClient::GetOrCreate(
    std::string_view address, std::string_view forwarded_host) {
  absl::MutexLock lock(&mu_);
  if (closed_) return nullptr;
  auto key = std::make_pair(std::string(address), std::string(forwarded_host));
  const MonoTime now = env_.clock().Now();
  RecycleIdleLocked(now, key);
  auto it = pools_.find(key);
  if (it != pools_.end()) {
    it->second.last_used = now;
    return it->second.client;
  }
  auto pool = std::make_shared<BatchCommandsClient>(
      env_, Endpoint{std::string(address), std::string(forwarded_host)}, options_.batch);
  // The slot outlives nothing it does not own: the callback keeps it alive.
  pool->set_health_feedback_listener(
      [slot = listener_](const kvrpcpb::HealthFeedback& feedback) {
        absl::MutexLock lock(&slot->mu);
        if (slot->listener) slot->listener(feedback);
      });
  pools_.emplace(std::move(key), Pool{pool, now});
  return pool;
}

// Port of client-go internal/client/client.go recycleIdleConnArray: client-go marks a batch
// connection idle after idleTimeout without requests and the next send recycles it; here the
// last use is kept per pool and the scan runs on sends, at most four times per timeout.  A
// request still running on a recycled pool (one that started idle_timeout ago) fails
// kCancelled like any closed connection, and the sender reconnects.
void BatchRpcClient::RecycleIdleLocked(MonoTime now,
                                       const std::pair<std::string, std::string>& in_use) {
  if (options_.idle_timeout <= Duration::zero() || now < next_idle_scan_) return;
  next_idle_scan_ = now + options_.idle_timeout / 4;
  std::vector<std::shared_ptr<BatchCommandsClient>> idle;
  for (auto it = pools_.begin(); it != pools_.end();) {
    if (it->first != in_use && now - it->second.last_used >= options_.idle_timeout) {
      idle.push_back(std::move(it->second.client));
      it = pools_.erase(it);
    } else {
      ++it;
    }
  }
  if (idle.empty()) return;
  recycled_ += idle.size();
  // Closing joins the pools' fibers, which suspends: not on the caller's send.
  recyclers_.Spawn({.name = "rpc-recycle-idle"}, [idle = std::move(idle)] {
    for (const auto& pool : idle) pool->Close();
  });
}

// Port of client-go internal/client/client.go, RPCClient.SendRequest() and sendRequest():
// encode with the codec (on a copy: the sender keeps the user's request for retries), attach
// the context to the message, send, decode.
absl::StatusOr<Response> BatchRpcClient::SendEncoded(std::string_view address,
                                                     const Request& request, MonoTime deadline,
                                                     const CancelToken* cancel) {
  std::shared_ptr<BatchCommandsClient> pool = GetOrCreate(address, request.forwarded_host);
  if (pool == nullptr) return absl::CancelledError("rpc client closed");
  Request copy = request.Clone();
  if (options_.codec != nullptr) options_.codec->FillContext(copy.mutable_context());
  (void)copy.AttachOwnContext();
  if (options_.codec != nullptr) {
    if (absl::Status s = options_.codec->EncodeRequest(copy.mutable_message()); !s.ok()) return s;
  }
  absl::StatusOr<Response> response = pool->Send(copy, deadline, cancel);
  if (!response.ok()) {
    const absl::Status& s = response.status();
    if (IsTransportError(s)) return s;
    // Keep the code (the sender classifies on it) and name the store.
    return TransportFailure(s.code(), std::string_view(s.message().data(), s.message().size()),
                            address);
  }
  if (options_.codec != nullptr && response->has_message()) {
    if (absl::Status s = options_.codec->DecodeResponse(response->mutable_message()); !s.ok()) {
      return s;
    }
  }
  return response;
}

absl::StatusOr<Response> BatchRpcClient::SendRequest(std::string_view address,
                                                     const Request& request, MonoTime deadline,
                                                     const CancelToken* cancel) {
  if (options_.interceptor == nullptr) return SendEncoded(address, request, deadline, cancel);
  // Interceptors may rewrite the request, so they get a copy of it.
  RpcInterceptorFunc inner = [this, deadline, cancel](std::string_view target,
                                                      Request& req) -> absl::StatusOr<Response> {
    return SendEncoded(target, req, deadline, cancel);
  };
  RpcInterceptorFunc chain = options_.interceptor->Wrap(std::move(inner));
  Request copy = request.Clone();
  return chain(address, copy);
}

void BatchRpcClient::CloseAddress(std::string_view address) {
  std::vector<std::shared_ptr<BatchCommandsClient>> closing;
  {
    absl::MutexLock lock(&mu_);
    auto it = pools_.lower_bound(std::make_pair(std::string(address), std::string()));
    while (it != pools_.end() && it->first.first == address) {
      closing.push_back(std::move(it->second.client));
      it = pools_.erase(it);
    }
  }
  // Outside the lock: closing joins the pools' fibers (suspends).
  for (const auto& pool : closing) pool->Close();
}

void BatchRpcClient::Close() {
  std::vector<std::shared_ptr<BatchCommandsClient>> pools;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    for (auto& [address, pool] : pools_) pools.push_back(std::move(pool.client));
    pools_.clear();
  }
  for (const auto& pool : pools) pool->Close();
  recyclers_.Wait();
}

BatchClientStats BatchRpcClient::stats(std::string_view address,
                                       std::string_view forwarded_host) const {
  std::shared_ptr<BatchCommandsClient> pool;
  {
    absl::MutexLock lock(&mu_);
    auto it = pools_.find(std::make_pair(std::string(address), std::string(forwarded_host)));
    if (it == pools_.end()) return {};
    pool = it->second.client;
  }
  return pool->stats();
}

size_t BatchRpcClient::pool_count() const {
  absl::MutexLock lock(&mu_);
  return pools_.size();
}

uint64_t BatchRpcClient::recycled_pools() const {
  absl::MutexLock lock(&mu_);
  return recycled_;
}

}  // namespace tikv::rpc
