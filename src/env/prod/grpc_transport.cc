#include "env/prod/grpc_transport.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include "env/mutex.h"
#include "env/prod/prod_env.h"
#include "env/prod/runtime_thread.h"

namespace tikv::env::prod {
namespace {

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

grpc::ByteBuffer Serialize(const google::protobuf::Message& message) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(std::move(bytes));
  return grpc::ByteBuffer(&slice, 1);
}

bool Parse(grpc::ByteBuffer* buffer, google::protobuf::Message* message) {
  grpc::ProtoBufferReader reader(buffer);
  return message->ParseFromZeroCopyStream(&reader);
}

// Converts a MonoTime deadline to the wall-clock time gRPC expects.  The only place where the
// two clocks meet.
std::chrono::system_clock::time_point ToSystemDeadline(Env& env, MonoTime deadline) {
  const Duration left = deadline - env.clock().Now();
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(left);
}

RuntimeThread& RequireRuntimeFiber(ProdEnv& env, const char* what) {
  RuntimeThread* t = env.CurrentThread();
  if (t == nullptr || !env.executor().InFiber()) {
    std::fprintf(stderr, "tikv: GrpcTransport::%s requires a runtime fiber\n", what);
    std::abort();
  }
  return *t;
}

class GrpcClientStream : public ClientStream {
 public:
  GrpcClientStream(std::shared_ptr<grpc::Channel> channel, std::unique_ptr<grpc::ClientContext> ctx)
      : channel_(std::move(channel)), stub_(channel_), ctx_(std::move(ctx)) {}

  // Starts the call on `cq`.  May suspend.
  absl::Status Start(const std::string& method, grpc::CompletionQueue* cq) {
    rw_ = stub_.PrepareCall(ctx_.get(), method, cq);
    start_tag_.Arm();
    rw_->StartCall(&start_tag_);
    if (!start_tag_.Wait(nullptr, {})) {
      dead_ = true;
      return FinalStatus();
    }
    return absl::OkStatus();
  }

  ~GrpcClientStream() override {
    if (rw_ == nullptr) return;
    {
      FiberMutexLock lock(finish_mu_);
      if (finished_) return;
    }
    ctx_->TryCancel();
    if (read_pending_) read_tag_.Wait(nullptr, {});
    FinalStatus().IgnoreError();
  }

  absl::Status Write(const google::protobuf::Message& message) override {
    if (dead_) return FinalStatusOrUnavailable();
    grpc::ByteBuffer buffer = Serialize(message);
    write_tag_.Reset();
    write_tag_.Arm();
    rw_->Write(buffer, &write_tag_);
    if (!write_tag_.Wait(nullptr, {})) {
      dead_ = true;
      return FinalStatusOrUnavailable();
    }
    return absl::OkStatus();
  }

  absl::StatusOr<bool> Read(google::protobuf::Message* message, MonoTime deadline) override {
    if (read_ended_) return FinalStatusOr(false);
    if (!read_pending_) {
      read_tag_.Reset();
      read_tag_.Arm();
      read_pending_ = true;
      rw_->Read(&read_buffer_, &read_tag_);
    }
    if (!read_tag_.WaitUntil(deadline)) {
      return absl::DeadlineExceededError("stream read deadline exceeded");
    }
    read_pending_ = false;
    if (!read_tag_.ok()) {
      read_ended_ = true;
      return FinalStatusOr(false);
    }
    if (!Parse(&read_buffer_, message)) return absl::InternalError("stream message does not parse");
    return true;
  }

  absl::Status CloseSend() override {
    if (dead_) return FinalStatusOrUnavailable();
    writes_done_tag_.Arm();
    rw_->WritesDone(&writes_done_tag_);
    writes_done_tag_.Wait(nullptr, {});
    return absl::OkStatus();
  }

  void Cancel() override { ctx_->TryCancel(); }

 private:
  // Finishes the call once (whichever fiber gets here first) and returns its status.
  absl::Status FinalStatus() {
    FiberMutexLock lock(finish_mu_);
    if (!finished_) {
      finish_tag_.Arm();
      rw_->Finish(&final_status_, &finish_tag_);
      finish_tag_.Wait(nullptr, {});
      finished_ = true;
    }
    return FromGrpc(final_status_);
  }
  absl::StatusOr<bool> FinalStatusOr(bool value) {
    absl::Status s = FinalStatus();
    if (!s.ok()) return s;
    return value;
  }
  absl::Status FinalStatusOrUnavailable() {
    absl::Status s = FinalStatus();
    return s.ok() ? absl::UnavailableError("stream already closed by the server") : s;
  }

  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> rw_;
  FiberWaitTag start_tag_, read_tag_, write_tag_, writes_done_tag_, finish_tag_;
  grpc::ByteBuffer read_buffer_;
  bool read_pending_ = false;  // reader fiber only
  bool read_ended_ = false;    // reader fiber only
  bool dead_ = false;
  FiberMutex finish_mu_;
  bool finished_ = false;  // guarded by finish_mu_
  grpc::Status final_status_;
};

}  // namespace

GrpcTransport::GrpcTransport(ProdEnv& env, GrpcOptions options)
    : env_(env), options_(std::move(options)) {}

GrpcTransport::~GrpcTransport() = default;

std::shared_ptr<grpc::Channel> GrpcTransport::ChannelFor(const std::string& address) {
  Pool* pool;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::unique_ptr<Pool>& slot = pools_[address];
    if (slot == nullptr) {
      slot = std::make_unique<Pool>();
      std::shared_ptr<grpc::ChannelCredentials> creds;
      if (options_.tls.enabled()) {
        grpc::SslCredentialsOptions ssl;
        ssl.pem_root_certs = options_.tls.ca_pem;
        ssl.pem_private_key = options_.tls.key_pem;
        ssl.pem_cert_chain = options_.tls.cert_pem;
        creds = grpc::SslCredentials(ssl);
      } else {
        creds = grpc::InsecureChannelCredentials();
      }
      const size_t n = options_.connections_per_address == 0 ? 1 : options_.connections_per_address;
      for (size_t i = 0; i < n; ++i) {
        grpc::ChannelArguments args;
        args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(options_.keepalive_time_ms));
        args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, static_cast<int>(options_.keepalive_timeout_ms));
        args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
        args.SetMaxSendMessageSize(options_.max_send_message_bytes);
        args.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
        // Separate subchannel pools and a distinct argument give each channel its own TCP
        // connection (client-go's GrpcConnectionCount).
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        args.SetInt("tikv.connection_index", static_cast<int>(i));
        slot->channels.push_back(grpc::CreateCustomChannel(address, creds, args));
      }
    }
    pool = slot.get();
  }
  const size_t i = pool->next.fetch_add(1, std::memory_order_relaxed);
  return pool->channels[i % pool->channels.size()];
}

absl::Status GrpcTransport::Call(const Endpoint& to, const RpcMethod& method,
                                 const google::protobuf::Message& request,
                                 google::protobuf::Message* response, MonoTime deadline,
                                 const CancelToken* cancel) {
  RuntimeThread& thread = RequireRuntimeFiber(env_, "Call");
  if (cancel != nullptr) {
    if (cancel->IsCancelled()) return cancel->status();
    deadline = Earliest(deadline, cancel->deadline());
  }
  grpc::GenericStub stub(ChannelFor(to.address));
  grpc::ClientContext ctx;
  if (!deadline.is_infinite()) ctx.set_deadline(ToSystemDeadline(env_, deadline));
  if (!to.forwarded_host.empty()) {
    ctx.AddMetadata(std::string(kForwardedHostMetadataKey), to.forwarded_host);
  }
  grpc::ByteBuffer reply;
  grpc::Status status;
  FiberWaitTag tag;
  tag.Arm();
  auto call = stub.PrepareUnaryCall(&ctx, std::string(method.full_name), Serialize(request),
                                    &thread.cq());
  call->StartCall();
  call->Finish(&reply, &status, &tag);
  bool cancelled = false;
  tag.Wait(cancel, [&] {
    cancelled = true;
    ctx.TryCancel();
  });
  if (cancelled && status.error_code() == grpc::StatusCode::CANCELLED) {
    absl::Status s = cancel->status();
    return s.ok() ? absl::CancelledError("rpc cancelled") : s;
  }
  if (!status.ok()) return FromGrpc(status);
  if (!Parse(&reply, response)) return absl::InternalError("rpc response does not parse");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ClientStream>> GrpcTransport::OpenStream(const Endpoint& to,
                                                                        const RpcMethod& method,
                                                                        MonoTime deadline) {
  RuntimeThread& thread = RequireRuntimeFiber(env_, "OpenStream");
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!deadline.is_infinite()) ctx->set_deadline(ToSystemDeadline(env_, deadline));
  // A stream opened for a forwarded host carries it for its whole life (client-go keeps one
  // batch stream per forwarded host).
  if (!to.forwarded_host.empty()) {
    ctx->AddMetadata(std::string(kForwardedHostMetadataKey), to.forwarded_host);
  }
  auto stream = std::make_unique<GrpcClientStream>(ChannelFor(to.address), std::move(ctx));
  absl::Status s = stream->Start(std::string(method.full_name), &thread.cq());
  if (!s.ok()) return s;
  return std::unique_ptr<ClientStream>(std::move(stream));
}

}  // namespace tikv::env::prod
