// Internal to sim/net: the records a unary call and a stream keep while in flight, shared by
// SimNetwork (delivery) and SimTransport (the calling fibers).
//
// Fiber-confined to the simulation thread.

#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "sim/net/sim_network.h"
#include "tikv/env.h"

namespace tikv::sim {

struct SimNetwork::PendingCall {
  bool done = false;        // a reply (or a connection error) arrived
  bool abandoned = false;   // the caller gave up (deadline, cancellation)
  absl::Status status;
  std::string response;
  Waker waker;
};

struct SimNetwork::StreamState {
  uint64_t id = 0;
  uint64_t client = 0;
  uint64_t server = 0;
  std::string method;
  std::string forwarded_host;  // the client's tikv-forwarded-host metadata
  // Client side.
  std::deque<std::string> inbox;
  bool finished = false;  // the server's Finish arrived
  absl::Status final_status;
  bool broken = false;
  absl::Status broken_status;
  bool read_outstanding = false;
  Waker reader;
  // For a client end driven without a fiber (a simulated proxy relaying a stream): called on
  // the simulation thread after each delivery, the server's Finish, or the break.
  std::function<void()> on_client_event;
  // In-order delivery: the last scheduled arrival per direction.
  MonoTime last_to_server;
  MonoTime last_to_client;
  // Server side.
  std::shared_ptr<ServerStream> server_end;
  StreamCallbacks callbacks;
  bool server_opened = false;
  bool server_done = false;
};

}  // namespace tikv::sim
