#include "sim/cluster/rpc_dispatch.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/dynamic_message.h"
#include "grpc/health/v1/health.pb.h"  // lint: allow(generated protobuf message, no gRPC runtime)

namespace tikv::sim {
namespace {

using google::protobuf::Message;

std::unique_ptr<Message> NewMessage(const google::protobuf::Descriptor* d) {
  const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(d);
  return std::unique_ptr<Message>(prototype->New());
}

}  // namespace

const google::protobuf::MethodDescriptor* FindRpcMethod(std::string_view full_name) {
  if (full_name.size() < 3 || full_name[0] != '/') return nullptr;
  std::string name(full_name.substr(1));
  const size_t slash = name.find('/');
  if (slash == std::string::npos) return nullptr;
  name[slash] = '.';
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
}

bool IsStreamingRpc(std::string_view full_name) {
  const google::protobuf::MethodDescriptor* m = FindRpcMethod(full_name);
  return m != nullptr && (m->client_streaming() || m->server_streaming());
}

bool IsPdRpc(std::string_view full_name) {
  return full_name.rfind("/pdpb.PD/", 0) == 0 || full_name.rfind("/keyspacepb.Keyspace/", 0) == 0;
}

std::vector<std::string> UnaryRpcsOf(std::string_view service) {
  std::vector<std::string> out;
  const google::protobuf::ServiceDescriptor* s =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(std::string(service));
  if (s == nullptr) return out;
  for (int i = 0; i < s->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* m = s->method(i);
    if (m->client_streaming() || m->server_streaming()) continue;
    out.push_back(absl::StrCat("/", s->full_name(), "/", m->name()));
  }
  return out;
}

absl::Status PrepareRpc(std::string_view method, const std::string& request,
                        std::unique_ptr<Message>* req, std::unique_ptr<Message>* resp) {
  const google::protobuf::MethodDescriptor* m = FindRpcMethod(method);
  if (m == nullptr) {
    return absl::UnimplementedError(absl::StrCat("the simulator does not serve ", std::string(method)));
  }
  *req = NewMessage(m->input_type());
  *resp = NewMessage(m->output_type());
  if (!(*req)->ParseFromString(request)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot parse the request of ", std::string(method)));
  }
  return absl::OkStatus();
}

pdpb::QueryRegionResponse AnswerQueryRegion(SimCluster& cluster,
                                            const pdpb::QueryRegionRequest& req, int64_t now_ms) {
  pdpb::QueryRegionResponse resp;
  resp.mutable_header()->set_cluster_id(cluster.options().cluster_id);
  // Each lookup goes through the unary handler so PD faults and PD's lagging view apply alike.
  auto lookup = [&](std::string_view method, const Message& r) -> uint64_t {
    pdpb::GetRegionResponse got;
    if (!cluster.HandlePdUnary(method, r, &got, now_ms).ok() || !got.has_region()) return 0;
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
  return resp;
}

std::string StoreHealthResponse(SimCluster& cluster, uint64_t store_id) {
  grpc::health::v1::HealthCheckResponse resp;
  const SimStore* store = cluster.topology().GetStore(store_id);
  resp.set_status(store != nullptr && store->up
                      ? grpc::health::v1::HealthCheckResponse::SERVING
                      : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  return resp.SerializeAsString();
}

void DeferredReplyRouter::Deliver(SimCluster& cluster, int64_t now_ms) {
  for (DeferredReply& reply : cluster.PollDeferred(now_ms)) {
    if (reply.batch_request_id == 0) {
      auto it = unary_.find(reply.ticket);
      if (it == unary_.end()) continue;
      UnarySink sink = std::move(it->second);
      unary_.erase(it);
      sink(reply.response);
      continue;
    }
    auto it = batch_.find({reply.store_id, reply.batch_request_id});
    if (it == batch_.end()) continue;
    BatchSink sink = std::move(it->second.front());
    it->second.pop_front();
    if (it->second.empty()) batch_.erase(it);
    tikvpb::BatchCommandsResponse resp;
    AppendDeferredToBatch(reply, &resp);
    sink(resp);  // false: the stream is gone, the waiter's client gave up
  }
  while (!delayed_.empty() && delayed_.begin()->first <= now_ms) {
    std::function<void()> send = std::move(delayed_.begin()->second);
    delayed_.erase(delayed_.begin());
    send();
  }
}

}  // namespace tikv::sim
