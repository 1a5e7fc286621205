// The environment: every source of time, concurrency, randomness and I/O that engine code may
// use.  The production Env (src/env/prod, built by Env::Default() or NewProdEnv()) maps it onto
// OS threads running fibers and onto gRPC; the simulation Env (sim/env) maps it onto one thread,
// virtual time, seeded random streams and a simulated network.  Engine objects receive an Env&
// at construction and never reach around it (docs/runtime.md).
//
// Thread-safety: Env, Clock, Executor and Transport are thread-safe (any fiber, and in the
// production Env any thread, may call them) except where a method says "Requires: on a fiber".
// Random streams and ClientStreams are fiber-confined.

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "tikv/cancel.h"
#include "tikv/mono_time.h"

namespace tikv {

namespace env {
struct WakerState;  // src/env/scheduler.h
}  // namespace env

class Clock {
 public:
  virtual ~Clock() = default;
  // Never decreases.  For deadlines, backoff and TTL accounting.  Never suspends.
  virtual MonoTime Now() = 0;
  // This node's belief about Unix time in milliseconds.  May jump either way.  Used only to
  // estimate PD's physical time, never for deadlines.  Never suspends.
  virtual int64_t WallMillis() = 0;
};

// A stream of random bits owned by one component.  The helpers are implemented here, not with
// <random> distributions, so results do not depend on the standard library.  Fiber-confined.
class Random {
 public:
  virtual ~Random() = default;
  // 64 uniformly distributed bits.  Never suspends.
  virtual uint64_t Next() = 0;
  // Uniform in [0, n).  Requires: n > 0.  Never suspends.
  uint64_t Uniform(uint64_t n);
  // Uniform in [lo, hi].  Requires: lo <= hi.  Never suspends.
  int64_t Range(int64_t lo, int64_t hi);
  // True with probability 1/n.  Requires: n > 0.  Never suspends.
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }
  // Uniform in [0, 1) with 53 bits of precision.  Never suspends.
  double Unit();
  // True with probability p (p <= 0: never; p >= 1: always, still drawing once).  Never
  // suspends.
  bool Bernoulli(double p) { return Unit() < p; }
  // Exponentially distributed with the given mean (inverse transform of Unit()).
  // Never suspends.
  double Exponential(double mean);
};

enum class WakeReason { kWoken, kTimedOut, kCancelled };

// Makes one parked fiber runnable.  Copyable.  Wake() may be called from any fiber and, in the
// production Env, from any thread.  A Waker belongs to one park of its fiber: the first Wake()
// after CurrentWaker() ends the next (or current) Park; once that Park has returned, the Waker
// is stale and waking it does nothing.  A default-constructed Waker does nothing.
class Waker {
 public:
  Waker() = default;
  // Never suspends.  Requires: the fiber's Env is still alive.
  void Wake() const;
  // Same, but the parked fiber observes `reason`.  Never suspends.
  void WakeWithReason(WakeReason reason) const;
  bool valid() const { return state_ != nullptr; }

  // For the runtime (src/env/): a Waker for park number `epoch` of the fiber behind `state`.
  Waker(std::shared_ptr<env::WakerState> state, uint64_t epoch)
      : state_(std::move(state)), epoch_(epoch) {}

 private:
  std::shared_ptr<env::WakerState> state_;
  uint64_t epoch_ = 0;
};

struct SpawnOptions {
  std::string_view name = "fiber";  // shows up in traces and deadlock reports
  size_t stack_bytes = 0;           // 0 = the Env's default (ProdEnvOptions/SimOptions)
};

class Executor {
 public:
  virtual ~Executor() = default;

  // Starts `body` on a new fiber.  Called on a fiber, the new fiber runs on the caller's
  // thread and does not run before the caller next suspends.  In the production Env, called
  // from a thread that is not a runtime fiber, the fiber starts on a runtime thread chosen
  // round-robin.  An exception escaping `body` is reported through Env::OnCheckFailure.
  // The fiber inherits the caller's request context (src/env/request_context.h).
  // Never suspends.
  virtual void Spawn(SpawnOptions options, absl::AnyInvocable<void() &&> body) = 0;

  // True when the caller runs on a fiber of this executor.  Never suspends.
  virtual bool InFiber() const = 0;

  // True when the caller is a runtime thread of this executor (on a fiber or not).
  // Never suspends.
  virtual bool OnRuntimeThread() const = 0;

  // The Waker for the calling fiber's next Park.  Requires: on a fiber.  Never suspends.
  virtual Waker CurrentWaker() = 0;

  // Suspends the calling fiber until its Waker fires (kWoken), min(deadline,
  // cancel->deadline()) passes (kTimedOut) or `cancel` is cancelled (kCancelled).  A Wake()
  // issued after CurrentWaker() but before Park() is not lost: Park returns kWoken at once.
  // Requires: on a fiber; no OS mutex held.  May suspend.
  virtual WakeReason Park(MonoTime deadline, const CancelToken* cancel) = 0;

  // Lets every other ready fiber on this thread run first.  Requires: on a fiber.
  // May suspend.
  virtual void Yield() = 0;

  // Sleeps until `deadline` or cancellation.  Returns kTimedOut when the time passed,
  // kCancelled on cancellation.  Requires: on a fiber.  May suspend.
  WakeReason SleepUntil(MonoTime deadline, const CancelToken* cancel = nullptr);

  // Sleeps for `d` on `clock`'s time line.  Requires: on a fiber.  May suspend.
  WakeReason SleepFor(Clock& clock, Duration d, const CancelToken* cancel = nullptr) {
    return SleepUntil(clock.Now() + d, cancel);
  }
};

struct Endpoint {
  std::string address;  // "host:port" from PD or configuration; a node name in simulation
  // When set, `address` is a proxy that relays the call to this store address: the transport
  // sends it as the gRPC metadata "tikv-forwarded-host" (client-go forwardMetadataKey).
  // Empty: a direct call.
  std::string forwarded_host;
};

// The gRPC metadata key naming the store a proxy must forward a call to.
inline constexpr std::string_view kForwardedHostMetadataKey = "tikv-forwarded-host";

// One RPC method.  The method table (src/rpc/methods.h) lists all of them.
struct RpcMethod {
  enum class Kind { kUnary, kClientStream, kServerStream, kBidiStream };
  std::string_view full_name;  // e.g. "/tikvpb.Tikv/KvPrewrite"
  Kind kind = Kind::kUnary;
};

// The client end of one streaming call.  gRPC's rules: at most one Read and one Write
// outstanding at a time (a reader fiber and a writer fiber may run concurrently).
// Fiber-confined per direction; Cancel() is thread-safe.
class ClientStream {
 public:
  // Cancels the stream if it is still open and waits for the transport to release it.
  // May suspend.
  virtual ~ClientStream() = default;
  // Sends one message.  May suspend for flow control.  After the stream failed, returns its
  // final status (kCancelled after Cancel()).  May suspend.
  virtual absl::Status Write(const google::protobuf::Message& message) = 0;
  // Receives the next message into *message.  Returns false at a clean end of stream, the
  // stream's error status when it failed, kDeadlineExceeded when `deadline` passed first (the
  // read stays pending and the next Read continues it).  May suspend.
  virtual absl::StatusOr<bool> Read(google::protobuf::Message* message, MonoTime deadline) = 0;
  // Half-closes the sending side.  May suspend.
  virtual absl::Status CloseSend() = 0;
  // Aborts the stream and wakes any fiber blocked in Read or Write.  Never suspends.
  virtual void Cancel() = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one unary request and parses the reply into *response.  Returns gRPC's status codes
  // (kDeadlineExceeded when `deadline` or cancel's deadline passed, kCancelled on
  // cancellation, kUnavailable when the peer cannot be reached, kInternal when the reply does
  // not parse).  On kDeadlineExceeded, kUnavailable or kCancelled the server may still have
  // executed the request: callers decide whether the outcome is undetermined.
  // Requires: on a fiber.  May suspend.
  virtual absl::Status Call(const Endpoint& to, const RpcMethod& method,
                            const google::protobuf::Message& request,
                            google::protobuf::Message* response, MonoTime deadline,
                            const CancelToken* cancel) = 0;
  // Opens a streaming call (TiKV BatchCommands, PD Tso, region heartbeats).  `deadline`
  // bounds the whole stream's life (Infinite for long-lived streams).  Requires: on a fiber.
  // May suspend while connecting.
  virtual absl::StatusOr<std::unique_ptr<ClientStream>> OpenStream(const Endpoint& to,
                                                                   const RpcMethod& method,
                                                                   MonoTime deadline) = 0;
};

enum class LogSeverity { kDebug, kInfo, kWarning, kError };

struct LogRecord {
  LogSeverity severity = LogSeverity::kInfo;
  std::string_view component;
  std::string_view message;
  MonoTime time;
  uint64_t fiber_id = 0;  // 0 when not on a fiber
};

// Receives log records.  Logging never influences behaviour: sinks must not suspend, draw
// randomness or call back into the client.  Thread-safe.
class LogSink {
 public:
  virtual ~LogSink() = default;
  // Never suspends.
  virtual void Write(const LogRecord& record) = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // Accessors for the Env's parts; they live as long as the Env.  Never suspend.
  virtual Clock& clock() = 0;
  virtual Executor& executor() = 0;
  virtual Transport& transport() = 0;
  virtual LogSink& log() = 0;

  // A fresh random stream for `component` ("backoff", "replica-selector", ...).  In simulation
  // it is derived from the run seed, the component name and how many streams of that name were
  // created before, so extra draws in one component never shift another's.  Never suspends.
  virtual std::unique_ptr<Random> NewRandom(std::string_view component) = 0;

  // Fault-injection hook behind TIKV_BUGGIFY.  Always false in production.  Never suspends.
  virtual bool Buggify(const char* file, int line, double fire_probability) = 0;

  // True only in simulation.  Engine code may consult it only to enable extra checking,
  // never to behave differently.
  virtual bool is_simulated() const = 0;

  // Called by TIKV_CHECK and by fiber entry points on an escaped exception.  Production logs
  // and aborts; simulation prints seed, step and virtual time, dumps the log tail, aborts.
  [[noreturn]] virtual void OnCheckFailure(std::string_view message) = 0;

  // Logs through log() with the current time and fiber.  Never suspends.
  void Log(LogSeverity severity, std::string_view component, std::string_view message);

  // The production Env with default options (src/env/prod; link TiKV::client).  See
  // tikv/prod_env.h for options.
  static std::unique_ptr<Env> Default();
};

}  // namespace tikv
