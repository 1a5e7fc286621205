// The fixture of the e2e routing tests: a production Env (2 runtime threads), a simulated
// cluster served over real gRPC on loopback — either the tikv-sim-server binary as a child
// process or an embedded SimServer (needed to change the cluster at runtime: splits, leader
// moves, wrong store addresses) — and the routing stack connected to it.  TearDown closes the
// stack on a fiber, destroys the Env, then stops the server, so nothing outlives a test.

#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "scenarios/routing_chaos/region_error_tally.h"
#include "tests/e2e_routing/routing_stack.h"
#include "tests/e2e_routing/sim_server_process.h"
#include "tikv/env.h"
#include "tikv/prod_env.h"
#include "tools/sim_server/sim_server.h"

namespace tikv::e2e {

class E2eTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (stack_ != nullptr) OnFiber(*env_, [this] { stack_->Close(); });
    stack_.reset();
    env_.reset();
    if (embedded_ != nullptr) embedded_->Stop();
    embedded_.reset();
    child_.reset();
  }

  // Starts tikv-sim-server as a child process; returns its PD address ("" on failure, with a
  // test failure recorded).
  std::string StartChild(const SimServerFlags& flags) {
    absl::StatusOr<std::unique_ptr<SimServerProcess>> p =
        SimServerProcess::Start(TIKV_SIM_SERVER_BINARY, flags);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok()) return "";
    child_ = *std::move(p);
    return child_->pd_address();
  }

  // Starts an embedded SimServer (same code as the binary) on free loopback ports; returns its
  // PD address ("" on failure).
  std::string StartEmbedded(simserver::SimServerOptions options) {
    options.pd_addr = "127.0.0.1:0";
    options.store_port_base = 0;
    embedded_ = std::make_unique<simserver::SimServer>(std::move(options));
    absl::Status s = embedded_->Start();
    EXPECT_TRUE(s.ok()) << s;
    return s.ok() ? embedded_->pd_address() : "";
  }

  // Connects the routing stack (with the tally's interceptor on the store client) to `pd`.
  absl::Status StartStack(const std::string& pd) {
    stack_ = std::make_unique<RoutingStack>(*env_);
    rpc::RpcClientOptions rpc_options;
    rpc_options.interceptor = tally_.Interceptor();
    return OnFiber(*env_, [&] { return stack_->Start({pd}, rpc_options); });
  }

  // Runs `fn` on one of the Env's fibers.
  template <typename Fn>
  auto Fiber(Fn&& fn) {
    return OnFiber(*env_, std::forward<Fn>(fn));
  }

  // Declared in destruction order: servers last.
  std::unique_ptr<SimServerProcess> child_;
  std::unique_ptr<simserver::SimServer> embedded_;
  std::unique_ptr<Env> env_ = NewProdEnv(ProdEnvOptions{.threads = 2});
  scenarios::RegionErrorTally tally_;
  std::unique_ptr<RoutingStack> stack_;
};

}  // namespace tikv::e2e
