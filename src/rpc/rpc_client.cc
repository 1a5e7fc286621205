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
    : env_(env), options_(std::move(options)), listener_(std::make_shared<ListenerSlot>()) {}

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
  auto it = pools_.find(key);
  if (it != pools_.end()) return it->second;
  auto pool = std::make_shared<BatchCommandsClient>(
      env_, Endpoint{std::string(address), std::string(forwarded_host)}, options_.batch);
  // The slot outlives nothing it does not own: the callback keeps it alive.
  pool->set_health_feedback_listener(
      [slot = listener_](const kvrpcpb::HealthFeedback& feedback) {
        absl::MutexLock lock(&slot->mu);
        if (slot->listener) slot->listener(feedback);
      });
  pools_.emplace(std::move(key), pool);
  return pool;
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
      closing.push_back(std::move(it->second));
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
    for (auto& [address, pool] : pools_) pools.push_back(std::move(pool));
    pools_.clear();
  }
  for (const auto& pool : pools) pool->Close();
}

BatchClientStats BatchRpcClient::stats(std::string_view address,
                                       std::string_view forwarded_host) const {
  std::shared_ptr<BatchCommandsClient> pool;
  {
    absl::MutexLock lock(&mu_);
    auto it = pools_.find(std::make_pair(std::string(address), std::string(forwarded_host)));
    if (it == pools_.end()) return {};
    pool = it->second;
  }
  return pool->stats();
}

size_t BatchRpcClient::pool_count() const {
  absl::MutexLock lock(&mu_);
  return pools_.size();
}

}  // namespace tikv::rpc
