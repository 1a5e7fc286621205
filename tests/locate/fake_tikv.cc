#include "tests/locate/fake_tikv.h"

#include <memory>

#include "grpc/health/v1/health.pb.h"
#include "rpc/methods.h"
#include "sim/net/sim_network.h"
#include "tikv/status_proto.h"
#include "tikvpb.pb.h"

namespace tikv::testing {

FakeTikvCluster::FakeTikvCluster(sim::SimEnv& env, FakePd& pd, int stores) : env_(env), pd_(pd) {
  for (int i = 1; i <= stores; ++i) AddStore(static_cast<uint64_t>(i));
}

void FakeTikvCluster::AddStore(uint64_t id) {
  metapb::Store store;
  store.set_id(id);
  store.set_address(Address(id));
  pd_.PutStore(store);
  sim::SimNode& node = env_.network().AddNode(Address(id));
  node.RegisterUnary(std::string(rpc::kHealthCheck.full_name),
                     [this](const std::string&, std::string* out) {
                       ++health_checks;
                       grpc::health::v1::HealthCheckResponse resp;
                       resp.set_status(grpc::health::v1::HealthCheckResponse::SERVING);
                       *out = resp.SerializeAsString();
                       return absl::OkStatus();
                     });
  node.RegisterStream(
      std::string(rpc::kBatchCommands.full_name),
      [this, id](std::shared_ptr<sim::ServerStream> stream) {
        sim::StreamCallbacks cb;
        cb.on_message = [this, id, stream](const std::string& bytes) {
          tikvpb::BatchCommandsRequest req;
          if (!req.ParseFromString(bytes)) return;
          tikvpb::BatchCommandsResponse out;
          for (int i = 0; i < req.requests_size(); ++i) {
            const auto& r = req.requests(i);
            out.add_request_ids(req.request_ids(i));
            auto* resp = out.add_responses();
            const kvrpcpb::Context* ctx = nullptr;
            std::string key;
            if (r.has_get()) {
              ctx = &r.get().context();
              key = r.get().key();
            } else if (r.has_rawget()) {
              ctx = &r.rawget().context();
              key = r.rawget().key();
            } else if (r.has_rawput()) {
              ctx = &r.rawput().context();
              key = r.rawput().key();
            } else {
              continue;
            }
            std::optional<errorpb::Error> error;
            if (inject) error = inject(id, *ctx);
            if (!error.has_value()) error = Check(id, *ctx, key);
            seen.push_back(Seen{id, ctx->peer().id(), ctx->replica_read(), ctx->stale_read(),
                                ctx->is_retry_request(),
                                error.has_value()
                                    ? std::string(RegionErrorKindName(RegionErrorKindOf(*error)))
                                    : ""});
            if (r.has_get()) {
              if (error) {
                *resp->mutable_get()->mutable_region_error() = *error;
              } else if (auto it = data.find(key); it != data.end()) {
                resp->mutable_get()->set_value(it->second);
              } else {
                resp->mutable_get()->set_not_found(true);
              }
            } else if (r.has_rawget()) {
              if (error) {
                *resp->mutable_rawget()->mutable_region_error() = *error;
              } else if (auto it = data.find(key); it != data.end()) {
                resp->mutable_rawget()->set_value(it->second);
              } else {
                resp->mutable_rawget()->set_not_found(true);
              }
            } else {
              if (error) {
                *resp->mutable_rawput()->mutable_region_error() = *error;
              } else {
                data[key] = r.rawput().value();
                resp->mutable_rawput();
              }
            }
          }
          stream->Send(out.SerializeAsString());
        };
        return cb;
      });
}

void FakeTikvCluster::PutRegion(const metapb::Region& region, uint64_t leader_store, bool pd_too) {
  regions_[region.id()] = RegionRec{region, leader_store};
  if (pd_too) pd_.PutRegion(region, leader_store);
}

void FakeTikvCluster::RemoveRegion(uint64_t id, bool pd_too) {
  regions_.erase(id);
  if (pd_too) pd_.RemoveRegion(id);
}

void FakeTikvCluster::SplitAt(const std::vector<std::string>& splits,
                              const std::vector<uint64_t>& stores) {
  regions_.clear();
  pd_.SplitAt(splits, stores);
  std::vector<std::string> bounds{""};
  bounds.insert(bounds.end(), splits.begin(), splits.end());
  uint64_t peer_id = 1000;
  for (size_t i = 0; i < bounds.size(); ++i) {
    metapb::Region r;
    r.set_id(i + 1);
    r.set_start_key(bounds[i]);
    r.set_end_key(i + 1 < bounds.size() ? bounds[i + 1] : "");
    r.mutable_region_epoch()->set_conf_ver(1);
    r.mutable_region_epoch()->set_version(1);
    for (uint64_t s : stores) {
      metapb::Peer* p = r.add_peers();
      p->set_id(++peer_id);
      p->set_store_id(s);
    }
    regions_[r.id()] = RegionRec{r, stores.empty() ? 0 : stores.front()};
  }
}

void FakeTikvCluster::SetLeader(uint64_t region_id, uint64_t leader_store, bool pd_too) {
  auto it = regions_.find(region_id);
  if (it == regions_.end()) return;
  it->second.leader_store = leader_store;
  if (pd_too) pd_.PutRegion(it->second.region, leader_store);
}

const metapb::Region* FakeTikvCluster::FindRegion(uint64_t id) const {
  auto it = regions_.find(id);
  return it == regions_.end() ? nullptr : &it->second.region;
}

uint64_t FakeTikvCluster::LeaderOf(uint64_t region_id) const {
  auto it = regions_.find(region_id);
  return it == regions_.end() ? 0 : it->second.leader_store;
}

std::optional<errorpb::Error> FakeTikvCluster::Check(uint64_t store_id,
                                                     const kvrpcpb::Context& ctx,
                                                     const std::string& key) const {
  errorpb::Error e;
  if (ctx.peer().store_id() != store_id) {
    e.mutable_store_not_match()->set_request_store_id(ctx.peer().store_id());
    e.mutable_store_not_match()->set_actual_store_id(store_id);
    return e;
  }
  auto it = regions_.find(ctx.region_id());
  const metapb::Peer* here = nullptr;
  if (it != regions_.end()) {
    for (const auto& p : it->second.region.peers()) {
      if (p.store_id() == store_id) here = &p;
    }
  }
  if (here == nullptr) {
    e.mutable_region_not_found()->set_region_id(ctx.region_id());
    return e;
  }
  const metapb::Region& region = it->second.region;
  if (region.region_epoch().version() != ctx.region_epoch().version()) {
    *e.mutable_epoch_not_match()->add_current_regions() = region;
    // Siblings that overlap nothing the client asked for are enough for the tests.
    for (const auto& [id, rec] : regions_) {
      if (id != region.id() && rec.region.region_epoch().version() == region.region_epoch().version()) {
        *e.mutable_epoch_not_match()->add_current_regions() = rec.region;
      }
    }
    return e;
  }
  if (it->second.leader_store != store_id && !ctx.replica_read() && !ctx.stale_read()) {
    e.mutable_not_leader()->set_region_id(region.id());
    for (const auto& p : region.peers()) {
      if (p.store_id() == it->second.leader_store) *e.mutable_not_leader()->mutable_leader() = p;
    }
    return e;
  }
  if (key < region.start_key() || (!region.end_key().empty() && key >= region.end_key())) {
    e.mutable_key_not_in_region()->set_key(key);
    e.mutable_key_not_in_region()->set_region_id(region.id());
    return e;
  }
  return std::nullopt;
}

}  // namespace tikv::testing
