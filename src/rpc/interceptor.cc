#include "rpc/interceptor.h"

#include <utility>

namespace tikv::rpc {
namespace {

class FuncInterceptor final : public RpcInterceptor {
 public:
  FuncInterceptor(std::string name, std::function<RpcInterceptorFunc(RpcInterceptorFunc)> wrap)
      : name_(std::move(name)), wrap_(std::move(wrap)) {}
  std::string_view name() const override { return name_; }
  RpcInterceptorFunc Wrap(RpcInterceptorFunc next) const override {
    return wrap_(std::move(next));
  }

 private:
  std::string name_;
  std::function<RpcInterceptorFunc(RpcInterceptorFunc)> wrap_;
};

}  // namespace

std::shared_ptr<const RpcInterceptor> NewRpcInterceptor(
    std::string name, std::function<RpcInterceptorFunc(RpcInterceptorFunc next)> wrap) {
  return std::make_shared<FuncInterceptor>(std::move(name), std::move(wrap));
}

RpcInterceptorChain& RpcInterceptorChain::Link(std::shared_ptr<const RpcInterceptor> it) {
  if (it == nullptr) return *this;
  if (const auto* chain = dynamic_cast<const RpcInterceptorChain*>(it.get())) {
    // Copy first: `it` may be this very chain.
    std::vector<std::shared_ptr<const RpcInterceptor>> members = chain->chain_;
    for (auto& member : members) Link(std::move(member));
    return *this;
  }
  for (auto i = chain_.begin(); i != chain_.end(); ++i) {
    if ((*i)->name() == it->name()) {
      chain_.erase(i);
      break;
    }
  }
  chain_.push_back(std::move(it));
  return *this;
}

RpcInterceptorFunc RpcInterceptorChain::Wrap(RpcInterceptorFunc next) const {
  // Wrap from the innermost (last linked) outwards.
  for (auto i = chain_.rbegin(); i != chain_.rend(); ++i) next = (*i)->Wrap(std::move(next));
  return next;
}

std::shared_ptr<const RpcInterceptor> ChainRpcInterceptors(
    std::shared_ptr<const RpcInterceptor> first,
    std::vector<std::shared_ptr<const RpcInterceptor>> rest) {
  auto chain = std::make_shared<RpcInterceptorChain>();
  chain->Link(std::move(first));
  for (auto& it : rest) chain->Link(std::move(it));
  return chain;
}

std::shared_ptr<const RpcInterceptor> WithRpcInterceptor(
    std::shared_ptr<const RpcInterceptor> existing,
    std::shared_ptr<const RpcInterceptor> interceptor) {
  if (existing == nullptr) return interceptor;
  return ChainRpcInterceptors(std::move(existing), {std::move(interceptor)});
}

}  // namespace tikv::rpc
