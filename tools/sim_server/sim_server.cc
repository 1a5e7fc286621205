#include "tools/sim_server/sim_server.h"

#include <chrono>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tikv::simserver {
namespace {

sim::ClusterOptions ClusterOptionsFor(const SimServerOptions& o) {
  sim::ClusterOptions c;
  c.num_stores = o.stores;
  c.num_pd_members = 0;  // one member, added in Start() with the real address
  c.seed = o.seed;
  c.api_version = o.api_version;
  return c;
}

std::string HostOf(const std::string& addr) { return addr.substr(0, addr.rfind(':')); }

}  // namespace

SimServer::SimServer(SimServerOptions options)
    : options_(std::move(options)),
      cluster_(ClusterOptionsFor(options_)),
      router_(cluster_),
      pd_dispatcher_(cluster_),
      pd_server_(pd_dispatcher_) {}

SimServer::~SimServer() { Stop(); }

absl::Status SimServer::Start() {
  absl::StatusOr<std::string> pd = pd_server_.Start(options_.pd_addr);
  if (!pd.ok()) return pd.status();
  pd_address_ = *pd;
  const std::string host = HostOf(pd_address_);
  std::vector<uint64_t> store_ids;
  {
    std::lock_guard<std::mutex> lock(ClusterLock());
    store_ids = cluster_.store_ids();
  }
  for (size_t i = 0; i < store_ids.size(); ++i) {
    auto dispatcher = std::make_unique<StoreDispatcher>(cluster_, router_, store_ids[i]);
    auto server = std::make_unique<NodeServer>(*dispatcher);
    int port = options_.store_port_base == 0 ? 0 : options_.store_port_base + static_cast<int>(i);
    absl::StatusOr<std::string> addr = server->Start(absl::StrCat(host, ":", port));
    if (!addr.ok()) return addr.status();
    store_addresses_.push_back(*addr);
    store_dispatchers_.push_back(std::move(dispatcher));
    store_servers_.push_back(std::move(server));
  }
  {
    std::lock_guard<std::mutex> lock(ClusterLock());
    cluster_.pd().AddMember("pd-1", absl::StrCat("http://", pd_address_));
    for (size_t i = 0; i < store_ids.size(); ++i) {
      sim::SimStore* store = cluster_.topology().MutableStore(store_ids[i]);
      store->address = store_addresses_[i];
      cluster_.pd().PutStore(store->ToProto());
    }
    // One key at a time: after the first split the next key may lie in another region.
    for (const std::string& key : options_.split_keys) {
      absl::StatusOr<std::vector<uint64_t>> split = cluster_.SplitAt({key});
      if (!split.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("split at ", key, ": ", split.status().message()));
      }
    }
    for (const std::string& key : options_.raw_split_keys) {
      absl::StatusOr<std::vector<uint64_t>> split = cluster_.SplitAtRaw({key});
      if (!split.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("raw split at ", key, ": ", split.status().message()));
      }
    }
  }
  ticker_ = std::thread([this] {
    while (!stopping_.load()) {
      {
        std::lock_guard<std::mutex> lock(ClusterLock());
        router_.Tick(NowUnixMs());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  return absl::OkStatus();
}

void SimServer::Stop() {
  stopping_.store(true);
  if (ticker_.joinable()) ticker_.join();
  for (auto& s : store_servers_) s->Shutdown();
  pd_server_.Shutdown();
}

void SimServer::WithCluster(const std::function<void(sim::SimCluster&)>& fn) {
  std::lock_guard<std::mutex> lock(ClusterLock());
  fn(cluster_);
}

}  // namespace tikv::simserver
