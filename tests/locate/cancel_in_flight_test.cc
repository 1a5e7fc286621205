// ROUTE-17: cancelling a CancelToken aborts every RPC started under it (client-go's
// RPCCanceller, which the C++ client expresses as the token hierarchy carried by Backoffer).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "env/fiber_group.h"
#include "gtest/gtest.h"
#include "locate/backoffer.h"
#include "locate/routing_layers.h"
#include "pd/rpc_pd_client.h"
#include "rpc/request.h"
#include "sim/env/sim_env.h"
#include "sim/net/sim_network.h"
#include "tests/locate/fake_tikv.h"
#include "tests/locate/sim_fiber.h"
#include "tests/util/fake_pd.h"
#include "tikv/cancel.h"

namespace tikv::locate {
namespace {

using namespace std::chrono_literals;
using ::tikv::testing::FakePd;
using ::tikv::testing::FakeTikvCluster;
using ::tikv::testing::RunOnFiber;

// Ports client-go tikv/region.go RPCCanceller (tested there through TiDB's kill-query path):
// two reads in flight to a store that answers only after 10 s share a parent token; cancelling
// it ends both at once with kCancelled, neither backs off, and the region stays cached (a
// cancellation says nothing about the region).
TEST(CancelInFlightTest, CancellingTheParentTokenAbortsEveryRpcUnderIt) {
  sim::SimEnv env{sim::SimOptions{.seed = 11}};
  FakePd pd{env, 1};
  FakeTikvCluster tikv{env, pd, 3};
  tikv.SplitAt({"m"}, {1, 2, 3});
  RunOnFiber(env, [&] {
    pd::PdClientOptions options;
    options.endpoints = pd.endpoints();
    std::unique_ptr<pd::RpcPdClient> client = *pd::RpcPdClient::Create(env, options);
    RoutingLayers layers(env, *client, RoutingLayersOptions{.start_background = false});
    Backoffer locate_bo(env, kLocateRegionMaxBackoffMs);
    const std::vector<std::string> keys = {"a", "z"};
    std::vector<KeyLocation> locations;
    for (const std::string& key : keys) locations.push_back(*layers.cache().LocateKey(locate_bo, key));

    sim::LinkConfig slow;
    slow.base_latency_min = slow.base_latency_max = 10s;
    env.network().SetLinkConfig("client", "store-1", slow);

    CancelToken canceller;  // the query's token
    std::vector<absl::Status> results(keys.size());
    std::vector<int64_t> backoffs(keys.size(), -1);
    std::vector<Duration> took(keys.size());
    env::FiberGroup readers(env.executor());
    for (size_t i = 0; i < keys.size(); ++i) {
      readers.Spawn({.name = "reader"}, [&, i] {
        Backoffer bo(env, 20000, CancelToken::ChildOf(canceller));
        kvrpcpb::RawGetRequest get;
        get.set_key(keys[i]);
        rpc::Request req = rpc::Request::Of(rpc::CmdType::kRawGet, get);
        const MonoTime start = env.clock().Now();
        absl::StatusOr<rpc::Response> r =
            layers.sender().SendReq(bo, req, locations[i].region, 20s);
        results[i] = r.status();
        backoffs[i] = bo.TotalBackoffTimes();
        took[i] = env.clock().Now() - start;
      });
    }
    env.executor().SleepFor(env.clock(), 100ms);
    canceller.Cancel();
    readers.Wait();
    for (size_t i = 0; i < keys.size(); ++i) {
      SCOPED_TRACE(keys[i]);
      EXPECT_EQ(results[i].code(), absl::StatusCode::kCancelled) << results[i];
      EXPECT_EQ(backoffs[i], 0);
      EXPECT_LE(took[i], 100ms);
      EXPECT_NE(layers.cache().GetCachedRegion(locations[i].region), nullptr);
    }
    env.network().SetLinkConfig("client", "store-1", sim::LinkConfig{});
    layers.Close();
    client->Close();
  });
}

}  // namespace
}  // namespace tikv::locate
