#include "tools/sim_server/cluster_dispatch.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "keyspacepb.pb.h"
#include "kvrpcpb.pb.h"
#include "pdpb.pb.h"
#include "sim/cluster/rpc_dispatch.h"
#include "tikvpb.pb.h"

namespace tikv::simserver {
namespace {

using google::protobuf::Message;

std::string Serialize(const Message& m) {
  std::string out;
  m.SerializeToString(&out);
  return out;
}

// PD's Tso stream: one TsoResponse per TsoRequest.
class TsoSession : public StreamSession {
 public:
  TsoSession(sim::SimCluster& cluster, std::shared_ptr<StreamSink> sink)
      : cluster_(cluster), sink_(std::move(sink)) {}
  void OnMessage(const std::string& message) override {
    pdpb::TsoRequest req;
    pdpb::TsoResponse resp;
    if (!req.ParseFromString(message)) {
      sink_->Finish(absl::InvalidArgumentError("cannot parse TsoRequest"));
      return;
    }
    absl::Status s = cluster_.HandlePdUnary("/pdpb.PD/Tso", req, &resp, NowUnixMs());
    if (!s.ok()) {
      sink_->Finish(s);
      return;
    }
    sink_->Send(Serialize(resp));
  }
  void OnHalfClose() override { sink_->Finish(absl::OkStatus()); }
  void OnReset() override {}

 private:
  sim::SimCluster& cluster_;
  std::shared_ptr<StreamSink> sink_;
};

// PD's QueryRegion stream (the router client's batched GetRegion / GetPrevRegion /
// GetRegionByID), answered by asking the cluster's unary PD handlers one lookup at a time.
class QueryRegionSession : public StreamSession {
 public:
  QueryRegionSession(sim::SimCluster& cluster, std::shared_ptr<StreamSink> sink)
      : cluster_(cluster), sink_(std::move(sink)) {}
  void OnMessage(const std::string& message) override {
    pdpb::QueryRegionRequest req;
    if (!req.ParseFromString(message)) {
      sink_->Finish(absl::InvalidArgumentError("cannot parse QueryRegionRequest"));
      return;
    }
    pdpb::QueryRegionResponse resp = sim::AnswerQueryRegion(cluster_, req, NowUnixMs());
    sink_->Send(Serialize(resp));
  }
  void OnHalfClose() override { sink_->Finish(absl::OkStatus()); }
  void OnReset() override {}

 private:
  sim::SimCluster& cluster_;
  std::shared_ptr<StreamSink> sink_;
};

// TiKV's BatchCommands stream: each message is answered at once for the arms the cluster could
// answer; parked arms are answered later through the DeferredRouter; lost arms never are.
class BatchCommandsSession : public StreamSession {
 public:
  BatchCommandsSession(sim::SimCluster& cluster, DeferredRouter& router, uint64_t store_id,
                       std::shared_ptr<StreamSink> sink)
      : cluster_(cluster), router_(router), store_id_(store_id), sink_(std::move(sink)) {}
  void OnMessage(const std::string& message) override {
    tikvpb::BatchCommandsRequest req;
    if (!req.ParseFromString(message)) {
      sink_->Finish(absl::InvalidArgumentError("cannot parse BatchCommandsRequest"));
      return;
    }
    tikvpb::BatchCommandsResponse resp;
    sim::CallContext call{.store_id = store_id_, .now_ms = NowUnixMs()};
    absl::StatusOr<sim::BatchCommandsOutcome> outcome =
        cluster_.HandleBatchCommands(call, req, &resp);
    if (!outcome.ok()) {
      sink_->Finish(outcome.status());  // the store is down: the stream breaks
      return;
    }
    for (uint64_t id : outcome->deferred_request_ids) router_.AddBatchArm(store_id_, id, sink_);
    for (sim::BatchCommandsOutcome::DelayedArm& arm : outcome->delayed) {
      tikvpb::BatchCommandsResponse late;
      *late.add_responses() = std::move(arm.response);
      late.add_request_ids(arm.request_id);
      std::weak_ptr<StreamSink> weak = sink_;
      router_.AddDelayed(call.now_ms + arm.delay_ms, [weak, bytes = Serialize(late)] {
        if (std::shared_ptr<StreamSink> s = weak.lock()) s->Send(bytes);
      });
    }
    if (resp.responses_size() > 0) sink_->Send(Serialize(resp));
  }
  void OnHalfClose() override { sink_->Finish(absl::OkStatus()); }
  void OnReset() override {}

 private:
  sim::SimCluster& cluster_;
  DeferredRouter& router_;
  uint64_t store_id_;
  std::shared_ptr<StreamSink> sink_;
};

}  // namespace

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void DeferredRouter::Tick(int64_t now_ms) { router_.Deliver(cluster_, now_ms); }

void DeferredRouter::AddUnary(uint64_t ticket, UnaryReply reply) {
  router_.AddUnary(ticket, [reply = std::move(reply)](const kvrpcpb::PessimisticLockResponse& r) {
    reply(absl::OkStatus(), Serialize(r));
  });
}

void DeferredRouter::AddBatchArm(uint64_t store_id, uint64_t request_id,
                                 std::weak_ptr<StreamSink> sink) {
  router_.AddBatchArm(store_id, request_id,
                      [sink = std::move(sink)](const tikvpb::BatchCommandsResponse& r) {
                        std::shared_ptr<StreamSink> s = sink.lock();
                        if (s == nullptr) return false;
                        s->Send(Serialize(r));
                        return true;
                      });
}

bool PdDispatcher::IsStream(std::string_view method) {
  return sim::IsStreamingRpc(method);
}

void PdDispatcher::Unary(std::string_view method, const std::string& request, UnaryReply reply) {
  std::unique_ptr<Message> req, resp;
  absl::Status s = sim::PrepareRpc(method, request, &req, &resp);
  if (s.ok()) {
    s = sim::IsPdRpc(method) ? cluster_.HandlePdUnary(method, *req, resp.get(), NowUnixMs())
                            : absl::UnimplementedError(absl::StrCat("PD does not serve ", std::string(method)));
  }
  reply(s, s.ok() ? Serialize(*resp) : std::string());
}

std::unique_ptr<StreamSession> PdDispatcher::OpenStream(std::string_view method,
                                                        std::shared_ptr<StreamSink> sink) {
  if (method == "/pdpb.PD/Tso") return std::make_unique<TsoSession>(cluster_, std::move(sink));
  if (method == "/pdpb.PD/QueryRegion") {
    return std::make_unique<QueryRegionSession>(cluster_, std::move(sink));
  }
  return nullptr;
}

bool StoreDispatcher::IsStream(std::string_view method) {
  return sim::IsStreamingRpc(method);
}

void StoreDispatcher::Unary(std::string_view method, const std::string& request,
                            UnaryReply reply) {
  if (method == "/grpc.health.v1.Health/Check") {
    reply(absl::OkStatus(), sim::StoreHealthResponse(cluster_, store_id_));
    return;
  }
  std::unique_ptr<Message> req, resp;
  absl::Status s = sim::PrepareRpc(method, request, &req, &resp);
  if (!s.ok()) {
    reply(s, {});
    return;
  }
  sim::CallContext call{.store_id = store_id_, .now_ms = NowUnixMs()};
  absl::StatusOr<sim::CallResult> result = cluster_.HandleUnary(call, method, *req, resp.get());
  if (!result.ok()) {
    reply(result.status(), {});
    return;
  }
  switch (result->disposition) {
    case sim::CallDisposition::kReplied: reply(absl::OkStatus(), Serialize(*resp)); return;
    case sim::CallDisposition::kDeferred: router_.AddUnary(result->ticket, std::move(reply)); return;
    case sim::CallDisposition::kDelayedReply:
      router_.AddDelayed(call.now_ms + result->reply_delay_ms,
                         [reply = std::move(reply), bytes = Serialize(*resp)] {
                           reply(absl::OkStatus(), bytes);
                         });
      return;
    case sim::CallDisposition::kReplyLost:
      // Executed, reply lost: the client sees its deadline pass, as with a real lost packet.
      return;
  }
}

std::unique_ptr<StreamSession> StoreDispatcher::OpenStream(std::string_view method,
                                                           std::shared_ptr<StreamSink> sink) {
  if (method == "/tikvpb.Tikv/BatchCommands") {
    return std::make_unique<BatchCommandsSession>(cluster_, router_, store_id_, std::move(sink));
  }
  return nullptr;
}

}  // namespace tikv::simserver
