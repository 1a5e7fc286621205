// RPC interceptors: named wrappers around the function that sends one request to one target
// address, composed in client-go's onion order (the first linked interceptor is outermost: it
// runs first before the send and last after it).  Linking a name already present removes the
// earlier one and appends the new one; linking a chain links its members (chains flatten).
// Port of client-go tikvrpc/interceptor/interceptor.go.
//
// Thread-safety: an RpcInterceptorChain is fiber-confined while being built and immutable
// afterwards; interceptors may be shared.

#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rpc/request.h"

namespace tikv::rpc {

// Sends `request` to `target` and returns its response.  May suspend.
using RpcInterceptorFunc =
    std::function<absl::StatusOr<Response>(std::string_view target, Request& request)>;

class RpcInterceptor {
 public:
  virtual ~RpcInterceptor() = default;
  // The interceptor's name, unique within a chain.  Never suspends.
  virtual std::string_view name() const = 0;
  // The send function with this interceptor around `next`.  Never suspends (the returned
  // function may).
  virtual RpcInterceptorFunc Wrap(RpcInterceptorFunc next) const = 0;
};

// An interceptor from a name and a wrapping function.  Port of NewRPCInterceptor().
// Never suspends.
std::shared_ptr<const RpcInterceptor> NewRpcInterceptor(
    std::string name, std::function<RpcInterceptorFunc(RpcInterceptorFunc next)> wrap);

class RpcInterceptorChain final : public RpcInterceptor {
 public:
  RpcInterceptorChain() = default;
  // Appends `interceptor` (see the file comment for names and chains).  Returns *this.
  // Never suspends.
  RpcInterceptorChain& Link(std::shared_ptr<const RpcInterceptor> interceptor);
  size_t size() const { return chain_.size(); }
  std::string_view name() const override { return "interceptor-chain"; }
  // The first linked interceptor ends up outermost.  Never suspends.
  RpcInterceptorFunc Wrap(RpcInterceptorFunc next) const override;

 private:
  std::vector<std::shared_ptr<const RpcInterceptor>> chain_;
};

// A chain of `first` then `rest`.  Port of ChainRPCInterceptors().  Never suspends.
std::shared_ptr<const RpcInterceptor> ChainRpcInterceptors(
    std::shared_ptr<const RpcInterceptor> first,
    std::vector<std::shared_ptr<const RpcInterceptor>> rest = {});

// Adds `interceptor` after (inside) `existing`, which may be null: the per-call interceptor
// carried by a request's options.  Port of WithRPCInterceptor().  Never suspends.
std::shared_ptr<const RpcInterceptor> WithRpcInterceptor(
    std::shared_ptr<const RpcInterceptor> existing, std::shared_ptr<const RpcInterceptor> interceptor);

}  // namespace tikv::rpc
