#include "tools/sim_server/cluster_dispatch.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "grpc/health/v1/health.pb.h"
#include "keyspacepb.pb.h"
#include "kvrpcpb.pb.h"
#include "pdpb.pb.h"
#include "tikvpb.pb.h"

namespace tikv::simserver {
namespace {

using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

// "/pkg.Service/Rpc" -> the method's descriptor, or nullptr.
const MethodDescriptor* FindMethod(std::string_view full_name) {
  if (full_name.size() < 3 || full_name[0] != '/') return nullptr;
  std::string name(full_name.substr(1));
  size_t slash = name.find('/');
  if (slash == std::string::npos) return nullptr;
  name[slash] = '.';
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
}

std::unique_ptr<Message> NewMessage(const google::protobuf::Descriptor* d) {
  const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(d);
  return std::unique_ptr<Message>(prototype->New());
}

std::string Serialize(const Message& m) {
  std::string out;
  m.SerializeToString(&out);
  return out;
}

bool IsPdService(std::string_view method) {
  return method.rfind("/pdpb.PD/", 0) == 0 || method.rfind("/keyspacepb.Keyspace/", 0) == 0;
}

// Parses `request` as `method`'s input type and makes an empty output message.
absl::Status Prepare(std::string_view method, const std::string& request,
                     std::unique_ptr<Message>* req, std::unique_ptr<Message>* resp) {
  const MethodDescriptor* m = FindMethod(method);
  if (m == nullptr) {
    return absl::UnimplementedError(absl::StrCat("sim server does not serve ", std::string(method)));
  }
  *req = NewMessage(m->input_type());
  *resp = NewMessage(m->output_type());
  if (!(*req)->ParseFromString(request)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot parse the request of ", std::string(method)));
  }
  return absl::OkStatus();
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
    pdpb::QueryRegionResponse resp;
    resp.mutable_header()->set_cluster_id(cluster_.options().cluster_id);
    auto lookup = [&](std::string_view method, const Message& r) -> uint64_t {
      pdpb::GetRegionResponse got;
      if (!cluster_.HandlePdUnary(method, r, &got, NowUnixMs()).ok() || !got.has_region()) {
        return 0;
      }
      pdpb::RegionResponse& out = (*resp.mutable_regions_by_id())[got.region().id()];
      *out.mutable_region() = got.region();
      *out.mutable_leader() = got.leader();
      *out.mutable_down_peers() = got.down_peers();
      *out.mutable_pending_peers() = got.pending_peers();
      if (got.has_buckets()) *out.mutable_buckets() = got.buckets();
      return got.region().id();
    };
    for (const std::string& key : req.keys()) {
      pdpb::GetRegionRequest r;
      *r.mutable_header() = req.header();
      r.set_region_key(key);
      r.set_need_buckets(req.need_buckets());
      resp.add_key_id_map(lookup("/pdpb.PD/GetRegion", r));
    }
    for (const std::string& key : req.prev_keys()) {
      pdpb::GetRegionRequest r;
      *r.mutable_header() = req.header();
      r.set_region_key(key);
      r.set_need_buckets(req.need_buckets());
      resp.add_prev_key_id_map(lookup("/pdpb.PD/GetPrevRegion", r));
    }
    for (uint64_t id : req.ids()) {
      pdpb::GetRegionByIDRequest r;
      *r.mutable_header() = req.header();
      r.set_region_id(id);
      r.set_need_buckets(req.need_buckets());
      lookup("/pdpb.PD/GetRegionByID", r);
    }
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

void DeferredRouter::Tick(int64_t now_ms) {
  for (sim::DeferredReply& reply : cluster_.PollDeferred(now_ms)) {
    if (reply.batch_request_id == 0) {
      auto it = unary_.find(reply.ticket);
      if (it == unary_.end()) continue;
      it->second(absl::OkStatus(), Serialize(reply.response));
      unary_.erase(it);
      continue;
    }
    auto it = batch_.find({reply.store_id, reply.batch_request_id});
    if (it == batch_.end() || it->second.empty()) continue;
    std::shared_ptr<StreamSink> sink = it->second.front().lock();
    it->second.erase(it->second.begin());
    if (it->second.empty()) batch_.erase(it);
    if (sink == nullptr) continue;  // the stream is gone; the waiter's client gave up
    tikvpb::BatchCommandsResponse resp;
    *resp.add_responses()->mutable_pessimisticlock() = reply.response;
    resp.add_request_ids(reply.batch_request_id);
    sink->Send(Serialize(resp));
  }
}

bool PdDispatcher::IsStream(std::string_view method) {
  const MethodDescriptor* m = FindMethod(method);
  return m != nullptr && (m->client_streaming() || m->server_streaming());
}

void PdDispatcher::Unary(std::string_view method, const std::string& request, UnaryReply reply) {
  std::unique_ptr<Message> req, resp;
  absl::Status s = Prepare(method, request, &req, &resp);
  if (s.ok()) {
    s = IsPdService(method) ? cluster_.HandlePdUnary(method, *req, resp.get(), NowUnixMs())
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
  const MethodDescriptor* m = FindMethod(method);
  return m != nullptr && (m->client_streaming() || m->server_streaming());
}

void StoreDispatcher::Unary(std::string_view method, const std::string& request,
                            UnaryReply reply) {
  if (method == "/grpc.health.v1.Health/Check") {
    grpc::health::v1::HealthCheckResponse resp;
    const sim::SimStore* store = cluster_.topology().GetStore(store_id_);
    resp.set_status(store != nullptr && store->up ? grpc::health::v1::HealthCheckResponse::SERVING
                                                  : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    reply(absl::OkStatus(), Serialize(resp));
    return;
  }
  std::unique_ptr<Message> req, resp;
  absl::Status s = Prepare(method, request, &req, &resp);
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
