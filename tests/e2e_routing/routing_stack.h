// RoutingStack: the engine's routing layer assembled as the raw client assembles it —
// RpcPdClient → RegionCache + StoreCache → BatchRpcClient → RegionRequestSender — on any Env,
// here the production Env talking real gRPC to a tikv-sim-server on loopback.  Also a small
// raw-command loop (locate, SendReq, back off on region errors, re-locate) like the raw
// client's, and OnFiber() to run fiber code from a test thread.
//
// Thread-safety: Start, Close and Do run on the Env's fibers (OnFiber); the parts are
// thread-safe as documented in their headers.

#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "env/run_blocking.h"
#include "locate/backoffer.h"
#include "locate/region_cache.h"
#include "locate/region_request_sender.h"
#include "locate/routing_layers.h"
#include "locate/store_cache.h"
#include "pd/rpc_pd_client.h"
#include "rpc/request.h"
#include "rpc/rpc_client.h"
#include "tikv/env.h"

namespace tikv::e2e {

// Runs `fn` on a fiber of `env` and returns its result; blocks the calling test thread.
template <typename Fn>
auto OnFiber(Env& env, Fn&& fn) {
  return env::RunBlocking(env.executor(), std::forward<Fn>(fn));
}

class RoutingStack {
 public:
  explicit RoutingStack(Env& env) : env_(env) {}
  // Closes what Start opened.  Requires: Close() ran (on a fiber) if Start did.
  ~RoutingStack() = default;
  RoutingStack(const RoutingStack&) = delete;
  RoutingStack& operator=(const RoutingStack&) = delete;

  // Connects to PD at `pd_endpoints` and builds the layers.  `rpc_options` configures the
  // store client (e.g. an interceptor).  Errors: PD's (kUnavailable when no member answers).
  // Requires: on a fiber.  May suspend.
  absl::Status Start(const std::vector<std::string>& pd_endpoints,
                     rpc::RpcClientOptions rpc_options = {}, pd::PdClientOptions pd_options = {});
  // Stops every background fiber and drops the layers.  Idempotent.  Requires: on a fiber.
  // May suspend.
  void Close();

  // Locates `key` with a fresh locate budget.  Requires: on a fiber.  May suspend.
  absl::StatusOr<locate::KeyLocation> Locate(const std::string& key);

  // One raw command on `key`: locate, SendReq with `attempt_timeout`, and on a region error
  // back off (MayBackoffForRegionError) and re-locate, until an answer without a region error,
  // the `budget_ms` backoff budget is spent (kUnavailable) or `deadline` passes
  // (kDeadlineExceeded).  `stats` (optional) accumulates over every SendReq.
  // Requires: on a fiber.  May suspend.
  absl::StatusOr<rpc::Response> Do(const rpc::Request& request, const std::string& key,
                                   MonoTime deadline, int64_t budget_ms = locate::kRawKvMaxBackoffMs,
                                   Duration attempt_timeout = std::chrono::seconds(2),
                                   locate::SendStats* stats = nullptr);

  // Raw put / get of one key through Do with a deadline `within` from now.  Get returns the
  // value, "" for a missing key (the tests never store empty values).
  absl::Status RawPut(const std::string& key, const std::string& value,
                      Duration within = std::chrono::seconds(10),
                      locate::SendStats* stats = nullptr);
  absl::StatusOr<std::string> RawGet(const std::string& key,
                                     Duration within = std::chrono::seconds(10),
                                     locate::SendStats* stats = nullptr);

  pd::RpcPdClient& pd() { return *pd_; }
  locate::RegionCache& cache() { return layers_->cache(); }
  locate::StoreCache& stores() { return layers_->stores(); }
  rpc::BatchRpcClient& rpc() { return layers_->rpc(); }
  locate::RegionRequestSender& sender() { return layers_->sender(); }

 private:
  Env& env_;
  std::unique_ptr<pd::RpcPdClient> pd_;
  std::unique_ptr<locate::RoutingLayers> layers_;
};

}  // namespace tikv::e2e
