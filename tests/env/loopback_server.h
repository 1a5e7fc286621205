// An in-process gRPC server on loopback for transport tests and benchmarks: RawGet echoes the
// key as the value ("slow" sleeps first), BatchCommands echoes each request's ids.  Built on
// the generated synchronous service (tests and tools may use generated stubs).

#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "tikvpb.grpc.pb.h"

namespace tikv::testing {

class EchoService final : public tikvpb::Tikv::Service {
 public:
  grpc::Status RawGet(grpc::ServerContext* ctx, const kvrpcpb::RawGetRequest* req,
                      kvrpcpb::RawGetResponse* resp) override {
    if (req->key() == "slow") {
      for (int i = 0; i < 100 && !ctx->IsCancelled(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    resp->set_value(req->key());
    return grpc::Status::OK;
  }
  grpc::Status BatchCommands(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<tikvpb::BatchCommandsResponse, tikvpb::BatchCommandsRequest>* stream)
      override {
    tikvpb::BatchCommandsRequest req;
    while (stream->Read(&req)) {
      tikvpb::BatchCommandsResponse resp;
      *resp.mutable_request_ids() = req.request_ids();
      if (!stream->Write(resp)) break;
    }
    return grpc::Status::OK;
  }
};

class LoopbackServer {
 public:
  LoopbackServer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~LoopbackServer() { Shutdown(); }
  void Shutdown() {
    if (server_) {
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
      server_->Wait();
      server_.reset();
    }
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  EchoService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace tikv::testing
