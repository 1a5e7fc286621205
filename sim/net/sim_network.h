// SimNetwork: the simulated network between named nodes (client-1, pd-1, store-1, ...).
// Server nodes are message handlers: a unary handler turns request bytes into response bytes,
// a stream handler receives a stream's messages through callbacks and answers through a
// ServerStream.  Handlers never suspend: they run on the simulation thread outside any fiber,
// at the virtual instant a message arrives.  The simulated PD and TiKV plug in here.
//
// Streams carry the client's tikv-forwarded-host metadata (Endpoint::forwarded_host) to the
// server end; unary calls carry no metadata.
//
// Every directed link has a base latency drawn once from the seed plus per-message exponential
// jitter and a rare long tail; unary messages may be dropped or duplicated; links can be
// partitioned and healed; nodes can be taken down.  Messages within one stream arrive in order
// (TCP); a partition or an injected reset breaks the stream at both ends.  All randomness comes
// from the "net.latency" and "net.faults" streams, and every send, delivery and drop is folded
// into the trace hash (simulation.md 2.5).
//
// Fiber-confined to the simulation thread.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/status/status.h"
#include "tikv/env.h"

namespace tikv::sim {

class SimEnv;
class SimNetwork;

// Answers one unary request, at most once.  Copyable handle; copies share the one answer.
// A handler may keep it and answer later (a deferred reply, e.g. a lock wait).
class UnaryResponder {
 public:
  // Sends the reply (`status` non-OK: an RPC error, `response` ignored).  Later calls are
  // ignored.  Never suspends.
  void Reply(absl::Status status, std::string response = {});
  bool replied() const;

  struct State;
  explicit UnaryResponder(std::shared_ptr<State> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<State> state_;
};

// A plain unary handler: request bytes in, response bytes out.  Never suspends.
using UnaryHandler =
    std::function<absl::Status(const std::string& request, std::string* response)>;
// A unary handler that may answer later through the responder.  Never suspends.
using AsyncUnaryHandler = std::function<void(const std::string& request, UnaryResponder responder)>;

// The server end of one stream.  Shared handle; valid until the stream ends.
class ServerStream {
 public:
  virtual ~ServerStream() = default;
  // Sends one message to the client, in order.  Returns false (and drops it) once the stream
  // ended or broke.  Never suspends.
  virtual bool Send(std::string message) = 0;
  // Ends the stream with `status` (the client's Read then returns false for OK, or the error).
  // Never suspends.
  virtual void Finish(absl::Status status) = 0;
  // True once finished or broken.
  virtual bool done() const = 0;
  // The client node's name.
  virtual const std::string& peer() const = 0;
  // The tikv-forwarded-host metadata the client opened the stream with ("" = none): the
  // server is a proxy expected to relay the stream to that address.
  virtual const std::string& forwarded_host() const = 0;
};

struct StreamCallbacks {
  // One client message (in order).
  std::function<void(const std::string& message)> on_message;
  // The client half-closed (CloseSend).
  std::function<void()> on_half_close;
  // The stream broke or the client cancelled; no more messages will arrive and Send fails.
  std::function<void(const absl::Status& reason)> on_reset;
};

// Called once per new stream with its server end; returns the callbacks for its messages.
// Never suspends.
using StreamHandler = std::function<StreamCallbacks(std::shared_ptr<ServerStream> stream)>;

// The behaviour of one directed link.  Latency = base (drawn once per link in
// [base_latency_min, base_latency_max]) + Exp(jitter_mean), or tail_latency with probability
// tail_probability.
struct LinkConfig {
  Duration base_latency_min = std::chrono::microseconds(50);
  Duration base_latency_max = std::chrono::microseconds(500);
  Duration jitter_mean = std::chrono::microseconds(100);
  double tail_probability = 0.0;
  Duration tail_latency = std::chrono::milliseconds(200);
  double drop_probability = 0.0;       // each unary request or reply
  double duplicate_probability = 0.0;  // each unary request is delivered twice
  double stream_reset_probability = 0.0;  // each stream message breaks its stream
};

class SimNode {
 public:
  // Registers handlers for `method` (e.g. "/tikvpb.Tikv/KvGet"); a later registration replaces
  // an earlier one.  Never suspends.
  void RegisterUnary(std::string method, UnaryHandler handler);
  void RegisterAsyncUnary(std::string method, AsyncUnaryHandler handler);
  void RegisterStream(std::string method, StreamHandler handler);

  const std::string& name() const { return name_; }
  uint64_t id() const { return id_; }
  bool up() const { return up_; }

 private:
  friend class SimNetwork;
  SimNode(std::string name, uint64_t id) : name_(std::move(name)), id_(id) {}
  std::string name_;
  uint64_t id_;
  bool up_ = true;
  absl::btree_map<std::string, AsyncUnaryHandler> unary_;
  absl::btree_map<std::string, StreamHandler> streams_;
};

struct SimNetworkStats {
  uint64_t requests_sent = 0;
  uint64_t requests_delivered = 0;
  uint64_t replies_delivered = 0;
  uint64_t dropped = 0;
  uint64_t duplicated = 0;
  uint64_t stream_messages = 0;
  uint64_t streams_opened = 0;
  uint64_t streams_broken = 0;
};

class SimNetwork {
 public:
  // `env` must outlive the network.
  explicit SimNetwork(SimEnv& env);
  ~SimNetwork();
  SimNetwork(const SimNetwork&) = delete;
  SimNetwork& operator=(const SimNetwork&) = delete;

  // Adds a node whose name is its address.  Requires: the name is new.  Never suspends.
  SimNode& AddNode(std::string name);
  // The node, or nullptr.  Never suspends.
  SimNode* FindNode(std::string_view name);

  // A Transport that sends from node `from` (added if missing).  Must not outlive the network.
  std::unique_ptr<Transport> NewTransport(std::string from);

  // Link behaviour: the default for all links, or one directed link.  Never suspends.
  void SetDefaultLinkConfig(const LinkConfig& config);
  void SetLinkConfig(std::string_view from, std::string_view to, const LinkConfig& config);

  // Partitions: messages across a cut link are lost (streams across it break).  Never suspends.
  void Partition(std::string_view a, std::string_view b);         // both directions
  void PartitionOneWay(std::string_view from, std::string_view to);
  void Heal(std::string_view a, std::string_view b);              // both directions
  void Isolate(std::string_view node);                             // from every other node
  void HealAll();
  bool IsCut(std::string_view from, std::string_view to) const;

  // A down node refuses new calls (kUnavailable), loses messages in flight to it and breaks
  // its streams; handlers stay registered for when it comes back up.  Never suspends.
  void SetNodeUp(std::string_view node, bool up);

  const SimNetworkStats& stats() const { return stats_; }

  // --- for SimTransport (sim/net/sim_transport.cc) ---
  struct PendingCall;
  struct StreamState;
  void SendRequest(SimNode& from, std::string_view to, std::string_view method,
                   std::string request, std::shared_ptr<PendingCall> call);
  std::shared_ptr<StreamState> OpenStream(SimNode& from, std::string_view to,
                                          std::string_view method,
                                          std::string forwarded_host = {});
  void StreamClientSend(const std::shared_ptr<StreamState>& s, std::string message);
  void StreamClientHalfClose(const std::shared_ptr<StreamState>& s);
  void StreamClientCancel(const std::shared_ptr<StreamState>& s);
  SimEnv& env() { return env_; }

 private:
  class ServerStreamImpl;
  friend class ServerStreamImpl;
  friend class UnaryResponder;

  const LinkConfig& ConfigFor(uint64_t from, uint64_t to) const;
  Duration Latency(uint64_t from, uint64_t to);
  bool Cut(uint64_t from, uint64_t to) const;
  void TraceMessage(uint32_t kind, uint64_t from, uint64_t to, std::string_view method,
                    std::string_view payload);
  void DeliverRequest(uint64_t from, uint64_t to, std::string method, std::string request,
                      std::shared_ptr<PendingCall> call);
  void SendReply(uint64_t from, uint64_t to, std::string_view method, absl::Status status,
                 std::string response, std::shared_ptr<PendingCall> call);
  // Schedules `deliver` on stream `s` in one direction, in order after earlier messages.
  void ScheduleInOrder(const std::shared_ptr<StreamState>& s, bool to_server,
                       std::function<void()> deliver);
  void BreakStream(const std::shared_ptr<StreamState>& s, const absl::Status& reason);

  SimEnv& env_;
  std::unique_ptr<Random> latency_random_;
  std::unique_ptr<Random> fault_random_;
  absl::btree_map<std::string, std::unique_ptr<SimNode>, std::less<>> nodes_;
  absl::btree_map<uint64_t, SimNode*> nodes_by_id_;
  LinkConfig default_config_;
  absl::btree_map<std::pair<uint64_t, uint64_t>, LinkConfig> link_configs_;
  absl::btree_map<std::pair<uint64_t, uint64_t>, Duration> base_latency_;
  absl::btree_set<std::pair<uint64_t, uint64_t>> cuts_;
  absl::btree_map<uint64_t, std::weak_ptr<StreamState>> streams_;
  uint64_t next_stream_id_ = 1;
  SimNetworkStats stats_;
};

}  // namespace tikv::sim
