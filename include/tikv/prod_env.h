// The production Env: fibers on N runtime threads, steady/system clocks, OS-seeded random
// streams and a gRPC transport built on the generic stub (src/env/prod).  See docs/runtime.md
// for the threading model.
//
// Thread-safe.

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "tikv/env.h"

namespace tikv {

// TLS material for the gRPC channels, PEM-encoded.  All empty means plaintext.
struct TlsOptions {
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  bool enabled() const { return !ca_pem.empty() || !cert_pem.empty() || !key_pem.empty(); }
};

struct GrpcOptions {
  // Independent TCP connections per address; calls are spread round-robin.
  size_t connections_per_address = 1;
  // Keepalive pings (client-go's GrpcKeepAliveTime / Timeout defaults: 10 s / 3 s).
  int64_t keepalive_time_ms = 10'000;
  int64_t keepalive_timeout_ms = 3'000;
  // Message size limits (client-go sets both to MaxInt32 for receive; 16 MiB is plenty).
  int max_send_message_bytes = 64 << 20;
  int max_receive_message_bytes = 64 << 20;
  TlsOptions tls;
};

class LogSink;

struct ProdEnvOptions {
  // Runtime threads running fibers; 0 = std::thread::hardware_concurrency() (at least 1).
  size_t threads = 0;
  // Default fiber stack size; SpawnOptions::stack_bytes overrides it per fiber.
  size_t stack_bytes = 256 * 1024;
  GrpcOptions grpc;
  // Where log records go; nullptr = stderr for warnings and errors.  Must outlive the Env.
  LogSink* log_sink = nullptr;
};

// Builds and starts a production Env.  Destroying it waits for every fiber to finish (owners
// must have cancelled theirs), then stops the runtime threads.  Never suspends.
std::unique_ptr<Env> NewProdEnv(const ProdEnvOptions& options = {});

}  // namespace tikv
