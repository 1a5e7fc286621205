#include "tools/sim_server/grpc_front.h"

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/support/byte_buffer.h"

namespace tikv::simserver {
namespace {

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

grpc::ByteBuffer ToBuffer(const std::string& s) {
  grpc::Slice slice(s.data(), s.size());
  return grpc::ByteBuffer(&slice, 1);
}

grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

// One call: a bidi reactor that serves unary methods (one request, one reply) and streams.
// Its state is shared with the dispatcher's callbacks, which may outlive the reactor; `mu_`
// guards everything and `done_` tells late callbacks to do nothing.
class CallReactor : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  struct Shared : StreamSink {
    std::mutex mu;
    CallReactor* reactor = nullptr;  // null once the call is done
    std::deque<grpc::ByteBuffer> outbox;
    bool writing = false;
    bool finish_requested = false;
    bool finished = false;
    grpc::Status final_status;

    bool Send(std::string message) override {
      std::lock_guard<std::mutex> lock(mu);
      if (reactor == nullptr || finish_requested) return false;
      outbox.push_back(ToBuffer(message));
      PumpLocked();
      return true;
    }
    void Finish(absl::Status status) override {
      std::lock_guard<std::mutex> lock(mu);
      if (reactor == nullptr || finish_requested) return;
      finish_requested = true;
      final_status = ToGrpc(status);
      PumpLocked();
    }
    // Starts the next write, or the finish once the outbox is empty.
    void PumpLocked() {
      if (reactor == nullptr || writing || finished) return;
      if (!outbox.empty()) {
        writing = true;
        reactor->StartWrite(&outbox.front());
      } else if (finish_requested) {
        finished = true;
        reactor->Finish(final_status);
      }
    }
  };

  CallReactor(grpc::GenericCallbackServerContext* ctx, NodeDispatcher& dispatcher)
      : method_(ctx->method()), dispatcher_(dispatcher), shared_(std::make_shared<Shared>()) {
    shared_->reactor = this;
    {
      std::lock_guard<std::mutex> lock(ClusterLock());
      is_stream_ = dispatcher_.IsStream(method_);
      if (is_stream_) session_ = dispatcher_.OpenStream(method_, shared_);
    }
    if (is_stream_ && session_ == nullptr) {
      shared_->Finish(absl::UnimplementedError(absl::StrCat("sim server: no stream ", method_)));
      return;
    }
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed (or the call broke)
      if (is_stream_) {
        std::lock_guard<std::mutex> lock(ClusterLock());
        if (session_) session_->OnHalfClose();
      } else if (!got_request_) {
        shared_->Finish(absl::InvalidArgumentError("sim server: unary call without a request"));
      }
      return;
    }
    std::string bytes = ToString(request_);
    if (is_stream_) {
      {
        std::lock_guard<std::mutex> lock(ClusterLock());
        if (session_) session_->OnMessage(bytes);
      }
      StartRead(&request_);
      return;
    }
    got_request_ = true;
    std::shared_ptr<Shared> shared = shared_;
    auto replied = std::make_shared<bool>(false);
    std::lock_guard<std::mutex> lock(ClusterLock());
    dispatcher_.Unary(method_, bytes, [shared, replied](absl::Status status, std::string resp) {
      if (std::exchange(*replied, true)) return;
      if (status.ok()) shared->Send(std::move(resp));
      shared->Finish(status);
    });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->writing = false;
    if (!shared_->outbox.empty()) shared_->outbox.pop_front();
    if (!ok) {
      shared_->outbox.clear();
      if (!shared_->finished) {
        shared_->finished = true;
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
      }
      return;
    }
    shared_->PumpLocked();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(ClusterLock());
    if (session_) session_->OnReset();
  }

  void OnDone() override {
    {
      std::lock_guard<std::mutex> lock(ClusterLock());
      if (session_) session_->OnReset();
      session_.reset();
    }
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      shared_->reactor = nullptr;
      shared_->outbox.clear();
    }
    delete this;
  }

 private:
  const std::string method_;
  NodeDispatcher& dispatcher_;
  std::shared_ptr<Shared> shared_;
  bool is_stream_ = false;
  bool got_request_ = false;
  std::unique_ptr<StreamSession> session_;  // guarded by ClusterLock()
  grpc::ByteBuffer request_;
};

}  // namespace

std::mutex& ClusterLock() {
  static std::mutex mu;
  return mu;
}

class NodeServer::Service : public grpc::CallbackGenericService {
 public:
  explicit Service(NodeDispatcher& dispatcher) : dispatcher_(dispatcher) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new CallReactor(ctx, dispatcher_);
  }

 private:
  NodeDispatcher& dispatcher_;
};

NodeServer::NodeServer(NodeDispatcher& dispatcher)
    : service_(std::make_unique<Service>(dispatcher)) {}

NodeServer::~NodeServer() { Shutdown(); }

absl::StatusOr<std::string> NodeServer::Start(const std::string& address) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(service_.get());
  builder.SetMaxReceiveMessageSize(-1);
  builder.SetMaxSendMessageSize(-1);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address));
  }
  std::string host = address.substr(0, address.rfind(':'));
  return absl::StrCat(host, ":", port);
}

void NodeServer::Shutdown() {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_->Wait();
  server_.reset();
}

}  // namespace tikv::simserver
