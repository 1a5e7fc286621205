// MakeClient: an RpcPdClient connected to a FakePd, shared by the PD client tests.  A failed
// connection is reported as a test failure and yields nullptr.

#pragma once

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "pd/rpc_pd_client.h"
#include "sim/env/sim_env.h"
#include "tests/util/fake_pd.h"

namespace tikv::pd {

// Connects to `pd`'s members with `options` (its endpoints are overwritten).  Requires: on a
// fiber of `env`.  May suspend.
inline std::unique_ptr<RpcPdClient> MakeClient(sim::SimEnv& env, const testing::FakePd& pd,
                                               PdClientOptions options = {}) {
  options.endpoints = pd.endpoints();
  absl::StatusOr<std::unique_ptr<RpcPdClient>> c = RpcPdClient::Create(env, std::move(options));
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

}  // namespace tikv::pd
