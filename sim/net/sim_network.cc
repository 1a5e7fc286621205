#include "sim/net/sim_network.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "env/prng.h"
#include "sim/env/sim_env.h"
#include "sim/net/sim_transport.h"
#include "sim/net/sim_wire.h"

namespace tikv::sim {
namespace {

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

// --- UnaryResponder ---

struct UnaryResponder::State {
  SimNetwork* network = nullptr;
  uint64_t server = 0;
  uint64_t client = 0;
  std::string method;
  std::shared_ptr<SimNetwork::PendingCall> call;
  bool replied = false;
};

void UnaryResponder::Reply(absl::Status status, std::string response) {
  if (state_->replied) return;
  state_->replied = true;
  state_->network->SendReply(state_->server, state_->client, state_->method, std::move(status),
                             std::move(response), std::move(state_->call));
}

bool UnaryResponder::replied() const { return state_->replied; }

// --- SimNode ---

void SimNode::RegisterUnary(std::string method, UnaryHandler handler) {
  unary_[std::move(method)] = [handler = std::move(handler)](const std::string& request,
                                                            UnaryResponder responder) {
    std::string response;
    absl::Status s = handler(request, &response);
    responder.Reply(std::move(s), std::move(response));
  };
}

void SimNode::RegisterAsyncUnary(std::string method, AsyncUnaryHandler handler) {
  unary_[std::move(method)] = std::move(handler);
}

void SimNode::RegisterStream(std::string method, StreamHandler handler) {
  streams_[std::move(method)] = std::move(handler);
}

// --- ServerStream ---

class SimNetwork::ServerStreamImpl : public ServerStream {
 public:
  ServerStreamImpl(SimNetwork& net, std::weak_ptr<StreamState> state, std::string peer,
                   std::string forwarded_host)
      : net_(net),
        state_(std::move(state)),
        peer_(std::move(peer)),
        forwarded_host_(std::move(forwarded_host)) {}

  bool Send(std::string message) override {
    std::shared_ptr<StreamState> s = state_.lock();
    if (s == nullptr || s->broken || s->server_done) return false;
    net_.TraceMessage(kTraceNetSend, s->server, s->client, s->method, message);
    ++net_.stats_.stream_messages;
    net_.ScheduleInOrder(s, /*to_server=*/false, [&net = net_, s, message = std::move(message)] {
      if (s->broken) return;
      if (net.Cut(s->server, s->client)) {
        net.BreakStream(s, absl::UnavailableError("stream broken by a partition"));
        return;
      }
      net.TraceMessage(kTraceNetDeliver, s->server, s->client, s->method, message);
      s->inbox.push_back(message);
      s->reader.Wake();
      if (s->on_client_event) s->on_client_event();
    });
    return true;
  }

  void Finish(absl::Status status) override {
    std::shared_ptr<StreamState> s = state_.lock();
    if (s == nullptr || s->broken || s->server_done) return;
    s->server_done = true;
    net_.ScheduleInOrder(s, /*to_server=*/false, [s, status = std::move(status)] {
      if (s->broken) return;
      s->finished = true;
      s->final_status = status;
      s->reader.Wake();
      if (s->on_client_event) s->on_client_event();
    });
  }

  bool done() const override {
    std::shared_ptr<StreamState> s = state_.lock();
    return s == nullptr || s->broken || s->server_done;
  }

  const std::string& peer() const override { return peer_; }
  const std::string& forwarded_host() const override { return forwarded_host_; }

 private:
  SimNetwork& net_;
  std::weak_ptr<StreamState> state_;
  std::string peer_;
  std::string forwarded_host_;
};

// --- SimNetwork ---

SimNetwork::SimNetwork(SimEnv& env)
    : env_(env),
      latency_random_(env.NewNamedRandom("net.latency")),
      fault_random_(env.NewNamedRandom("net.faults")) {}

SimNetwork::~SimNetwork() = default;

SimNode& SimNetwork::AddNode(std::string name) {
  const uint64_t id = nodes_.size() + 1;
  auto node = std::unique_ptr<SimNode>(new SimNode(name, id));
  SimNode* raw = node.get();
  nodes_.emplace(std::move(name), std::move(node));
  nodes_by_id_.emplace(id, raw);
  return *raw;
}

SimNode* SimNetwork::FindNode(std::string_view name) {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : it->second.get();
}

std::unique_ptr<Transport> SimNetwork::NewTransport(std::string from) {
  SimNode* node = FindNode(from);
  if (node == nullptr) node = &AddNode(std::move(from));
  return std::make_unique<SimTransport>(*this, *node);
}

void SimNetwork::SetDefaultLinkConfig(const LinkConfig& config) { default_config_ = config; }

void SimNetwork::SetLinkConfig(std::string_view from, std::string_view to,
                               const LinkConfig& config) {
  SimNode* a = FindNode(from);
  SimNode* b = FindNode(to);
  if (a == nullptr || b == nullptr) return;
  link_configs_[{a->id(), b->id()}] = config;
  base_latency_.erase({a->id(), b->id()});  // redraw under the new range
}

void SimNetwork::Partition(std::string_view a, std::string_view b) {
  PartitionOneWay(a, b);
  PartitionOneWay(b, a);
}

void SimNetwork::PartitionOneWay(std::string_view from, std::string_view to) {
  SimNode* a = FindNode(from);
  SimNode* b = FindNode(to);
  if (a == nullptr || b == nullptr) return;
  cuts_.insert({a->id(), b->id()});
  env_.trace().BeginEvent(kTraceFault);
  env_.trace().AddU64(1);
  env_.trace().AddU64(a->id());
  env_.trace().AddU64(b->id());
}

void SimNetwork::Heal(std::string_view a, std::string_view b) {
  SimNode* x = FindNode(a);
  SimNode* y = FindNode(b);
  if (x == nullptr || y == nullptr) return;
  cuts_.erase({x->id(), y->id()});
  cuts_.erase({y->id(), x->id()});
  env_.trace().BeginEvent(kTraceFault);
  env_.trace().AddU64(2);
  env_.trace().AddU64(x->id());
  env_.trace().AddU64(y->id());
}

void SimNetwork::Isolate(std::string_view node) {
  for (auto& [name, other] : nodes_) {
    if (name != node) Partition(node, name);
  }
}

void SimNetwork::HealAll() {
  cuts_.clear();
  env_.trace().BeginEvent(kTraceFault);
  env_.trace().AddU64(3);
}

bool SimNetwork::IsCut(std::string_view from, std::string_view to) const {
  auto a = nodes_.find(from);
  auto b = nodes_.find(to);
  if (a == nodes_.end() || b == nodes_.end()) return false;
  return Cut(a->second->id(), b->second->id());
}

bool SimNetwork::Cut(uint64_t from, uint64_t to) const {
  if (cuts_.contains({from, to})) return true;
  auto a = nodes_by_id_.find(from);
  auto b = nodes_by_id_.find(to);
  return !a->second->up() || !b->second->up();
}

void SimNetwork::SetNodeUp(std::string_view name, bool up) {
  SimNode* node = FindNode(name);
  if (node == nullptr || node->up_ == up) return;
  node->up_ = up;
  env_.trace().BeginEvent(kTraceFault);
  env_.trace().AddU64(up ? 4 : 5);
  env_.trace().AddU64(node->id());
  if (!up) {
    // Streams touching the node die at this instant (ordered by stream id).  They are collected
    // first: breaking a stream runs its owner's callbacks, which may open or drop streams and
    // so change streams_ under an iterator.
    std::vector<std::shared_ptr<StreamState>> dying;
    for (auto it = streams_.begin(); it != streams_.end();) {
      std::shared_ptr<StreamState> s = it->second.lock();
      if (s == nullptr) {
        it = streams_.erase(it);
        continue;
      }
      ++it;
      if (s->client == node->id() || s->server == node->id()) dying.push_back(std::move(s));
    }
    const absl::Status down =
        absl::UnavailableError(absl::StrCat("node ", AbslView(name), " went down"));
    for (const std::shared_ptr<StreamState>& s : dying) BreakStream(s, down);
  }
}

const LinkConfig& SimNetwork::ConfigFor(uint64_t from, uint64_t to) const {
  auto it = link_configs_.find({from, to});
  return it == link_configs_.end() ? default_config_ : it->second;
}

Duration SimNetwork::Latency(uint64_t from, uint64_t to) {
  const LinkConfig& c = ConfigFor(from, to);
  auto it = base_latency_.find({from, to});
  if (it == base_latency_.end()) {
    const int64_t lo = c.base_latency_min.count();
    const int64_t hi = std::max(lo, static_cast<int64_t>(c.base_latency_max.count()));
    it = base_latency_.emplace(std::make_pair(from, to), Duration(latency_random_->Range(lo, hi)))
             .first;
  }
  if (c.tail_probability > 0 && latency_random_->Bernoulli(c.tail_probability)) {
    return it->second + c.tail_latency;
  }
  const double jitter = latency_random_->Exponential(static_cast<double>(c.jitter_mean.count()));
  return it->second + Duration(static_cast<int64_t>(jitter));
}

void SimNetwork::TraceMessage(uint32_t kind, uint64_t from, uint64_t to, std::string_view method,
                              std::string_view payload) {
  env::TraceHash& t = env_.trace();
  t.BeginEvent(kind);
  t.AddI64(env_.now().nanos());
  t.AddU64(from);
  t.AddU64(to);
  t.AddU64(env::Fnv1a64(method));
  t.AddU64(payload.size());
  t.AddU64(env::Fnv1a64(payload));
}

void SimNetwork::SendRequest(SimNode& from, std::string_view to, std::string_view method,
                             std::string request, std::shared_ptr<PendingCall> call) {
  ++stats_.requests_sent;
  SimNode* dest = FindNode(to);
  const uint64_t to_id = dest != nullptr ? dest->id() : 0;
  TraceMessage(kTraceNetSend, from.id(), to_id, method, request);
  if (dest == nullptr || !dest->up()) {
    // Connection refused: the caller learns it after one round trip's worth of latency.
    const Duration rtt = Latency(from.id(), from.id()) * 2;
    env_.AddTimer(env_.now() + rtt, [call, addr = std::string(to)] {
      if (call->done || call->abandoned) return;
      call->done = true;
      call->status = absl::UnavailableError(absl::StrCat("connection refused: ", addr));
      call->waker.Wake();
    });
    return;
  }
  const LinkConfig& c = ConfigFor(from.id(), to_id);
  int copies = 1;
  if (c.duplicate_probability > 0 && fault_random_->Bernoulli(c.duplicate_probability)) {
    copies = 2;
    ++stats_.duplicated;
    env_.trace().BeginEvent(kTraceNetDuplicate);
    env_.trace().AddU64(from.id());
    env_.trace().AddU64(to_id);
  }
  for (int i = 0; i < copies; ++i) {
    if (Cut(from.id(), to_id) ||
        (c.drop_probability > 0 && fault_random_->Bernoulli(c.drop_probability))) {
      ++stats_.dropped;
      TraceMessage(kTraceNetDrop, from.id(), to_id, method, request);
      continue;
    }
    env_.AddTimer(env_.now() + Latency(from.id(), to_id),
                  [this, f = from.id(), to_id, m = std::string(method), request, call]() mutable {
                    DeliverRequest(f, to_id, std::move(m), std::move(request), std::move(call));
                  });
  }
}

void SimNetwork::DeliverRequest(uint64_t from, uint64_t to, std::string method,
                                std::string request, std::shared_ptr<PendingCall> call) {
  if (Cut(from, to)) {
    ++stats_.dropped;
    TraceMessage(kTraceNetDrop, from, to, method, request);
    return;
  }
  ++stats_.requests_delivered;
  TraceMessage(kTraceNetDeliver, from, to, method, request);
  SimNode& node = *nodes_by_id_.at(to);
  auto state = std::make_shared<UnaryResponder::State>();
  state->network = this;
  state->server = to;
  state->client = from;
  state->method = method;
  state->call = std::move(call);
  UnaryResponder responder(state);
  auto it = node.unary_.find(method);
  if (it == node.unary_.end()) {
    responder.Reply(absl::UnimplementedError(absl::StrCat("no handler for ", method, " on ", node.name())));
    return;
  }
  it->second(request, responder);
}

void SimNetwork::SendReply(uint64_t from, uint64_t to, std::string_view method,
                           absl::Status status, std::string response,
                           std::shared_ptr<PendingCall> call) {
  TraceMessage(kTraceNetSend, from, to, method, response);
  const LinkConfig& c = ConfigFor(from, to);
  if (Cut(from, to) || (c.drop_probability > 0 && fault_random_->Bernoulli(c.drop_probability))) {
    ++stats_.dropped;
    TraceMessage(kTraceNetDrop, from, to, method, response);
    return;
  }
  env_.AddTimer(env_.now() + Latency(from, to),
                [this, from, to, m = std::string(method), status = std::move(status),
                 response = std::move(response), call = std::move(call)]() mutable {
                  if (Cut(from, to)) {
                    ++stats_.dropped;
                    TraceMessage(kTraceNetDrop, from, to, m, response);
                    return;
                  }
                  TraceMessage(kTraceNetDeliver, from, to, m, response);
                  // A duplicate's reply, or one for a caller that gave up, goes nowhere.
                  if (call->done || call->abandoned) return;
                  ++stats_.replies_delivered;
                  call->done = true;
                  call->status = std::move(status);
                  call->response = std::move(response);
                  call->waker.Wake();
                });
}

void SimNetwork::ScheduleInOrder(const std::shared_ptr<StreamState>& s, bool to_server,
                                 std::function<void()> deliver) {
  const uint64_t from = to_server ? s->client : s->server;
  const uint64_t to = to_server ? s->server : s->client;
  MonoTime& last = to_server ? s->last_to_server : s->last_to_client;
  // Equal times keep order: timers tie-break by arming order.
  const MonoTime at = std::max(env_.now() + Latency(from, to), last);
  last = at;
  env_.AddTimer(at, [deliver = std::move(deliver)]() mutable { deliver(); });
}

std::shared_ptr<SimNetwork::StreamState> SimNetwork::OpenStream(SimNode& from, std::string_view to,
                                                                std::string_view method,
                                                                std::string forwarded_host) {
  auto s = std::make_shared<StreamState>();
  s->id = next_stream_id_++;
  s->client = from.id();
  s->method = std::string(method);
  s->forwarded_host = std::move(forwarded_host);
  s->last_to_server = s->last_to_client = env_.now();
  SimNode* dest = FindNode(to);
  ++stats_.streams_opened;
  env_.trace().BeginEvent(kTraceStreamOpen);
  env_.trace().AddU64(s->id);
  env_.trace().AddU64(from.id());
  env_.trace().AddU64(dest != nullptr ? dest->id() : 0);
  if (dest == nullptr) {
    s->server = from.id();  // latency of a refused connection: the local loop
    ScheduleInOrder(s, /*to_server=*/false, [this, s, addr = std::string(to)] {
      BreakStream(s, absl::UnavailableError(absl::StrCat("connection refused: ", addr)));
    });
    return s;
  }
  s->server = dest->id();
  streams_.emplace(s->id, s);
  ScheduleInOrder(s, /*to_server=*/true, [this, s] {
    if (s->broken) return;
    if (Cut(s->client, s->server)) {
      BreakStream(s, absl::UnavailableError("stream open lost to a partition"));
      return;
    }
    SimNode& node = *nodes_by_id_.at(s->server);
    auto it = node.streams_.find(s->method);
    if (it == node.streams_.end()) {
      BreakStream(s, absl::UnimplementedError(absl::StrCat("no stream handler for ", s->method)));
      return;
    }
    s->server_end = std::make_shared<ServerStreamImpl>(
        *this, s, nodes_by_id_.at(s->client)->name(), s->forwarded_host);
    s->server_opened = true;
    s->callbacks = it->second(s->server_end);
  });
  return s;
}

void SimNetwork::StreamClientSend(const std::shared_ptr<StreamState>& s, std::string message) {
  TraceMessage(kTraceNetSend, s->client, s->server, s->method, message);
  ++stats_.stream_messages;
  const LinkConfig& c = ConfigFor(s->client, s->server);
  const bool reset = c.stream_reset_probability > 0 &&
                     fault_random_->Bernoulli(c.stream_reset_probability);
  ScheduleInOrder(s, /*to_server=*/true, [this, s, reset, message = std::move(message)] {
    if (s->broken || s->server_done) return;
    if (reset || Cut(s->client, s->server)) {
      BreakStream(s, absl::UnavailableError(reset ? "stream reset" : "stream broken by a partition"));
      return;
    }
    TraceMessage(kTraceNetDeliver, s->client, s->server, s->method, message);
    if (s->callbacks.on_message) s->callbacks.on_message(message);
  });
}

void SimNetwork::StreamClientHalfClose(const std::shared_ptr<StreamState>& s) {
  ScheduleInOrder(s, /*to_server=*/true, [s] {
    if (s->broken || s->server_done) return;
    if (s->callbacks.on_half_close) s->callbacks.on_half_close();
  });
}

void SimNetwork::StreamClientCancel(const std::shared_ptr<StreamState>& s) {
  BreakStream(s, absl::CancelledError("stream cancelled by the client"));
}

void SimNetwork::BreakStream(const std::shared_ptr<StreamState>& s, const absl::Status& reason) {
  if (s->broken) return;
  s->broken = true;
  s->broken_status = reason;
  ++stats_.streams_broken;
  env_.trace().BeginEvent(kTraceStreamBreak);
  env_.trace().AddU64(s->id);
  env_.trace().AddU64(static_cast<uint64_t>(reason.code()));
  s->reader.Wake();
  if (s->on_client_event) {
    // Run it once more (it sees `broken`), then drop it: it may hold other streams.
    std::function<void()> f = std::move(s->on_client_event);
    s->on_client_event = nullptr;
    f();
  }
  if (s->server_opened && !s->server_done) {
    s->server_done = true;
    if (s->callbacks.on_reset) s->callbacks.on_reset(reason);
  }
  // Drop the handler's callbacks (they may hold the server end), but not from inside one of
  // them: destroy them from a timer at this same instant.
  env_.AddTimer(env_.now(), [dead = std::move(s->callbacks)] {});
  s->callbacks = StreamCallbacks{};
  s->server_end.reset();
  streams_.erase(s->id);
}

}  // namespace tikv::sim
