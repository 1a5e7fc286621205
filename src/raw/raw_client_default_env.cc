// RawClient::Create over Env::Default(), in its own file so that programs that never call it
// (simulations, scenarios) do not pull in the production Env and gRPC.

#include <memory>
#include <utility>

#include "raw/raw_engine.h"
#include "tikv/raw_client.h"

namespace tikv {

absl::StatusOr<std::unique_ptr<RawClient>> RawClient::Create(RawClientOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  std::unique_ptr<Env> env = Env::Default();
  absl::StatusOr<std::unique_ptr<RawClient>> client = Create(*env, std::move(options));
  if (!client.ok()) return client.status();
  (*client)->owned_env_ = std::move(env);
  return client;
}


}  // namespace tikv
