#include "sim/net/sim_transport.h"

#include <string>
#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "env/this_fiber.h"
#include "sim/env/sim_env.h"
#include "sim/net/sim_wire.h"

namespace tikv::sim {

std::string SerializeDeterministic(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

namespace {

class SimClientStream : public ClientStream {
 public:
  SimClientStream(SimNetwork& network, std::shared_ptr<SimNetwork::StreamState> state,
                  MonoTime deadline)
      : network_(network), state_(std::move(state)), deadline_(deadline) {}

  ~SimClientStream() override {
    if (!state_->broken && !state_->finished) network_.StreamClientCancel(state_);
  }

  absl::Status Write(const google::protobuf::Message& message) override {
    if (state_->broken) return state_->broken_status;
    if (state_->finished) return absl::FailedPreconditionError("stream already finished");
    if (half_closed_) return absl::FailedPreconditionError("write after CloseSend");
    if (network_.env().now() >= deadline_) return Expire();
    network_.StreamClientSend(state_, SerializeDeterministic(message));
    return absl::OkStatus();
  }

  absl::StatusOr<bool> Read(google::protobuf::Message* message, MonoTime deadline) override {
    if (state_->read_outstanding) {
      network_.env().OnCheckFailure("two concurrent Reads on one stream (gRPC allows one)");
    }
    state_->read_outstanding = true;
    const MonoTime until = Earliest(deadline, deadline_);
    for (;;) {
      if (!state_->inbox.empty()) {
        std::string bytes = std::move(state_->inbox.front());
        state_->inbox.pop_front();
        state_->read_outstanding = false;
        if (!message->ParseFromString(bytes)) {
          return absl::InternalError("stream message does not parse");
        }
        return true;
      }
      if (state_->broken) {
        state_->read_outstanding = false;
        return state_->broken_status;
      }
      if (state_->finished) {
        state_->read_outstanding = false;
        if (!state_->final_status.ok()) return state_->final_status;
        return false;
      }
      state_->reader = env::this_fiber::CurrentWaker();
      const WakeReason r = env::this_fiber::Park(until, nullptr, "ClientStream::Read");
      if (r == WakeReason::kTimedOut && state_->inbox.empty() && !state_->broken &&
          !state_->finished) {
        state_->read_outstanding = false;
        if (network_.env().now() >= deadline_) return Expire();
        return absl::DeadlineExceededError("stream read deadline exceeded");
      }
    }
  }

  absl::Status CloseSend() override {
    if (state_->broken) return state_->broken_status;
    if (!half_closed_) {
      half_closed_ = true;
      network_.StreamClientHalfClose(state_);
    }
    return absl::OkStatus();
  }

  void Cancel() override { network_.StreamClientCancel(state_); }

 private:
  absl::Status Expire() {
    network_.StreamClientCancel(state_);
    state_->broken_status = absl::DeadlineExceededError("stream deadline exceeded");
    return state_->broken_status;
  }

  SimNetwork& network_;
  std::shared_ptr<SimNetwork::StreamState> state_;
  MonoTime deadline_;
  bool half_closed_ = false;
};

}  // namespace

absl::Status SimTransport::Call(const Endpoint& to, const RpcMethod& method,
                                const google::protobuf::Message& request,
                                google::protobuf::Message* response, MonoTime deadline,
                                const CancelToken* cancel) {
  if (cancel != nullptr && cancel->IsCancelled()) return cancel->status();
  auto call = std::make_shared<SimNetwork::PendingCall>();
  call->waker = env::this_fiber::CurrentWaker();
  network_.SendRequest(node_, to.address, method.full_name, SerializeDeterministic(request), call);
  while (!call->done) {
    const WakeReason r = env::this_fiber::Park(deadline, cancel, "Transport::Call");
    if (call->done) break;
    if (r == WakeReason::kTimedOut) {
      call->abandoned = true;
      return absl::DeadlineExceededError("rpc deadline exceeded");
    }
    if (r == WakeReason::kCancelled) {
      call->abandoned = true;
      absl::Status s = cancel->status();
      return s.ok() ? absl::CancelledError("rpc cancelled") : s;
    }
    call->waker = env::this_fiber::CurrentWaker();
  }
  if (!call->status.ok()) return call->status;
  if (!response->ParseFromString(call->response)) {
    return absl::InternalError("rpc response does not parse");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ClientStream>> SimTransport::OpenStream(const Endpoint& to,
                                                                       const RpcMethod& method,
                                                                       MonoTime deadline) {
  auto state = network_.OpenStream(node_, to.address, method.full_name, to.forwarded_host);
  return std::unique_ptr<ClientStream>(new SimClientStream(network_, std::move(state), deadline));
}

}  // namespace tikv::sim
