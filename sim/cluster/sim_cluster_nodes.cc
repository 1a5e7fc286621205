#include "sim/cluster/sim_cluster_nodes.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/net/sim_transport.h"
#include "sim/net/sim_wire.h"

namespace tikv::sim {
namespace {

using google::protobuf::Message;

constexpr char kTso[] = "/pdpb.PD/Tso";
constexpr char kQueryRegion[] = "/pdpb.PD/QueryRegion";
constexpr char kBatchCommands[] = "/tikvpb.Tikv/BatchCommands";
constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";

}  // namespace

std::string SimClusterNodes::NodeNameForUrl(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.substr(0, scheme.size()) == scheme) url.remove_prefix(scheme.size());
  }
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return std::string(url);
}

SimClusterNodes::SimClusterNodes(SimEnv& env, SimCluster& cluster)
    : env_(env), cluster_(cluster) {
  SimNetwork& net = env_.network();
  for (const auto& [id, member] : cluster_.pd().members()) {
    std::string name = NodeNameForUrl(member.client_url);
    RegisterPd(net.AddNode(name));
    pd_nodes_.push_back(std::move(name));
  }
  for (uint64_t store_id : cluster_.store_ids()) {
    const SimStore* store = cluster_.topology().GetStore(store_id);
    RegisterStore(net.AddNode(store->address), store_id);
    store_nodes_.push_back(store->address);
    store_ids_.push_back(store_id);
  }
}

SimClusterNodes::~SimClusterNodes() {
  // The handlers capture `this`; downed nodes are never called again (calls are refused).
  for (const std::string& n : pd_nodes_) env_.network().SetNodeUp(n, false);
  for (const std::string& n : store_nodes_) env_.network().SetNodeUp(n, false);
}

std::string SimClusterNodes::StoreNode(uint64_t store_id) const {
  for (size_t i = 0; i < store_ids_.size(); ++i) {
    if (store_ids_[i] == store_id) return store_nodes_[i];
  }
  return "";
}

int64_t SimClusterNodes::NowMs() { return env_.clock().WallMillis(); }

void SimClusterNodes::RegisterPd(SimNode& node) {
  for (std::string_view service : {"pdpb.PD", "keyspacepb.Keyspace"}) {
    for (std::string& method : UnaryRpcsOf(service)) {
      node.RegisterUnary(method, [this, method](const std::string& request, std::string* out) {
        std::unique_ptr<Message> req, resp;
        absl::Status s = PrepareRpc(method, request, &req, &resp);
        if (s.ok()) s = cluster_.HandlePdUnary(method, *req, resp.get(), NowMs());
        if (s.ok()) *out = SerializeDeterministic(*resp);
        return s;
      });
    }
  }
  node.RegisterStream(kTso, [this](std::shared_ptr<ServerStream> stream) {
    StreamCallbacks cb;
    std::weak_ptr<ServerStream> weak = stream;
    cb.on_message = [this, weak](const std::string& message) {
      std::shared_ptr<ServerStream> s = weak.lock();
      if (s == nullptr) return;
      pdpb::TsoRequest req;
      pdpb::TsoResponse resp;
      if (!req.ParseFromString(message)) {
        s->Finish(absl::InvalidArgumentError("cannot parse TsoRequest"));
        return;
      }
      // A PD error (no leader, cluster-id mismatch) ends the stream, as gRPC would.
      absl::Status st = cluster_.HandlePdUnary(kTso, req, &resp, NowMs());
      if (!st.ok()) {
        s->Finish(st);
        return;
      }
      s->Send(SerializeDeterministic(resp));
    };
    cb.on_half_close = [weak] {
      if (std::shared_ptr<ServerStream> s = weak.lock()) s->Finish(absl::OkStatus());
    };
    return cb;
  });
  node.RegisterStream(kQueryRegion, [this](std::shared_ptr<ServerStream> stream) {
    StreamCallbacks cb;
    std::weak_ptr<ServerStream> weak = stream;
    cb.on_message = [this, weak](const std::string& message) {
      std::shared_ptr<ServerStream> s = weak.lock();
      if (s == nullptr) return;
      pdpb::QueryRegionRequest req;
      if (!req.ParseFromString(message)) {
        s->Finish(absl::InvalidArgumentError("cannot parse QueryRegionRequest"));
        return;
      }
      s->Send(SerializeDeterministic(AnswerQueryRegion(cluster_, req, NowMs())));
    };
    cb.on_half_close = [weak] {
      if (std::shared_ptr<ServerStream> s = weak.lock()) s->Finish(absl::OkStatus());
    };
    return cb;
  });
}

void SimClusterNodes::RegisterStore(SimNode& node, uint64_t store_id) {
  for (std::string& method : UnaryRpcsOf("tikvpb.Tikv")) {
    node.RegisterAsyncUnary(method, [this, store_id, method](const std::string& request,
                                                           UnaryResponder responder) {
      std::unique_ptr<Message> req, resp;
      absl::Status s = PrepareRpc(method, request, &req, &resp);
      if (!s.ok()) {
        responder.Reply(s);
        return;
      }
      const CallContext call{.store_id = store_id, .now_ms = NowMs()};
      absl::StatusOr<CallResult> result = cluster_.HandleUnary(call, method, *req, resp.get());
      if (!result.ok()) {
        responder.Reply(result.status());
      } else if (result->disposition == CallDisposition::kReplied) {
        responder.Reply(absl::OkStatus(), SerializeDeterministic(*resp));
      } else if (result->disposition == CallDisposition::kDelayedReply) {
        env_.AddTimer(env_.now() + std::chrono::milliseconds(result->reply_delay_ms),
                      [responder, bytes = SerializeDeterministic(*resp)]() mutable {
                        responder.Reply(absl::OkStatus(), std::move(bytes));
                      });
      } else if (result->disposition == CallDisposition::kDeferred) {
        router_.AddUnary(result->ticket,
                         [responder](const kvrpcpb::PessimisticLockResponse& r) mutable {
                           responder.Reply(absl::OkStatus(), SerializeDeterministic(r));
                         });
      }
      // kReplyLost: executed, and the reply is never sent (the caller's deadline passes).
      PollNow();  // the request may have released locks others wait for
    });
  }
  node.RegisterStream(kBatchCommands, [this, store_id, &node](std::shared_ptr<ServerStream> stream) {
    if (!stream->forwarded_host().empty() && stream->forwarded_host() != node.name()) {
      return RelayStream(node, store_id, std::move(stream));
    }
    StreamCallbacks cb;
    std::weak_ptr<ServerStream> weak = stream;
    cb.on_message = [this, store_id, weak](const std::string& message) {
      std::shared_ptr<ServerStream> s = weak.lock();
      if (s == nullptr) return;
      tikvpb::BatchCommandsRequest req;
      if (!req.ParseFromString(message)) {
        s->Finish(absl::InvalidArgumentError("cannot parse BatchCommandsRequest"));
        return;
      }
      tikvpb::BatchCommandsResponse resp;
      const CallContext call{.store_id = store_id, .now_ms = NowMs()};
      absl::StatusOr<BatchCommandsOutcome> outcome = cluster_.HandleBatchCommands(call, req, &resp);
      if (!outcome.ok()) {
        s->Finish(outcome.status());  // the store is down or a transport fault: the stream breaks
        return;
      }
      for (BatchCommandsOutcome::DelayedArm& arm : outcome->delayed) {
        tikvpb::BatchCommandsResponse late;
        *late.add_responses() = std::move(arm.response);
        late.add_request_ids(arm.request_id);
        env_.AddTimer(env_.now() + std::chrono::milliseconds(arm.delay_ms),
                      [weak, bytes = SerializeDeterministic(late)]() mutable {
                        if (std::shared_ptr<ServerStream> target = weak.lock()) {
                          target->Send(std::move(bytes));
                        }
                      });
      }
      for (uint64_t id : outcome->deferred_request_ids) {
        router_.AddBatchArm(store_id, id, [weak](const tikvpb::BatchCommandsResponse& r) {
          std::shared_ptr<ServerStream> target = weak.lock();
          return target != nullptr && target->Send(SerializeDeterministic(r));
        });
      }
      if (resp.responses_size() > 0) s->Send(SerializeDeterministic(resp));
      PollNow();
    };
    cb.on_half_close = [weak] {
      if (std::shared_ptr<ServerStream> s = weak.lock()) s->Finish(absl::OkStatus());
    };
    return cb;
  });
  node.RegisterUnary(kHealthCheck, [this, store_id](const std::string&, std::string* out) {
    *out = StoreHealthResponse(cluster_, store_id);
    return absl::OkStatus();
  });
}

// TiKV's forwarding service: a stream opened with tikv-forwarded-host is relayed, message for
// message in both directions, over this node's own stream to that address (so the proxy's
// links decide whether the target is reachable).  Ending either side ends the other.
StreamCallbacks SimClusterNodes::RelayStream(SimNode& node, uint64_t store_id,
                                             std::shared_ptr<ServerStream> down) {
  SimNetwork& net = env_.network();
  const SimStore* store = cluster_.topology().GetStore(store_id);
  StreamCallbacks cb;
  if (store == nullptr || !store->up) {
    down->Finish(absl::UnavailableError(absl::StrCat("store ", store_id, " is unreachable")));
    return cb;
  }
  ++forwarded_streams_;
  std::shared_ptr<SimNetwork::StreamState> up =
      net.OpenStream(node, down->forwarded_host(), kBatchCommands);
  std::weak_ptr<ServerStream> weak_down = down;
  std::weak_ptr<SimNetwork::StreamState> weak_up = up;
  up->on_client_event = [weak_down, weak_up] {
    std::shared_ptr<SimNetwork::StreamState> u = weak_up.lock();
    std::shared_ptr<ServerStream> d = weak_down.lock();
    if (u == nullptr || d == nullptr) return;
    while (!u->inbox.empty()) {
      d->Send(std::move(u->inbox.front()));
      u->inbox.pop_front();
    }
    if (u->broken) {
      d->Finish(u->broken_status);
    } else if (u->finished) {
      d->Finish(u->final_status);
    }
  };
  cb.on_message = [&net, up](const std::string& message) { net.StreamClientSend(up, message); };
  cb.on_half_close = [&net, up] { net.StreamClientHalfClose(up); };
  cb.on_reset = [&net, up](const absl::Status&) {
    up->on_client_event = nullptr;
    net.StreamClientCancel(up);
  };
  return cb;
}

void SimClusterNodes::PollNow() {
  router_.Deliver(cluster_, NowMs());
  ArmTimer();
}

void SimClusterNodes::ArmTimer() {
  std::optional<int64_t> next = cluster_.NextDeferredDeadline();
  if (!next.has_value()) return;
  const int64_t now_ms = NowMs();
  // A deadline already due (it cannot be, right after a poll, but be safe) is polled 1 ms on,
  // so a poll never re-arms itself at the same instant.
  const int64_t wait_ms = *next > now_ms ? *next - now_ms : 1;
  const MonoTime at = env_.now() + std::chrono::milliseconds(wait_ms);
  if (!armed_.insert(at.nanos()).second) return;
  env_.AddTimer(at, [this, alive = std::weak_ptr<bool>(alive_), key = at.nanos()] {
    if (alive.expired()) return;
    armed_.erase(key);
    PollNow();
  });
}

}  // namespace tikv::sim
