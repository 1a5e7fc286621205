// CodecPdClient forwards the calls that carry no keys (GC barriers, the GC controller, members)
// to the wrapped client unchanged: without them the PdClient interface's defaults would answer
// kUnimplemented behind the codec.

#include "raw/codec_pd_client.h"

#include <memory>

#include "gtest/gtest.h"
#include "kv/api_codec.h"
#include "pd/rpc_pd_client.h"
#include "sim/env/sim_env.h"
#include "tests/locate/sim_fiber.h"
#include "tests/pd/pd_client_fixture.h"
#include "tests/util/fake_pd.h"

namespace tikv::raw {
namespace {

using namespace std::chrono_literals;
using ::tikv::testing::FakePd;
using ::tikv::testing::RunOnFiber;

TEST(CodecPdClientTest, ForwardsGcBarriersControllerAndMembers) {
  sim::SimEnv env;
  FakePd pd(env, 3);
  RunOnFiber(env, [&] {
    std::unique_ptr<pd::RpcPdClient> inner = pd::MakeClient(env, pd);
    absl::StatusOr<std::unique_ptr<kv::Codec>> codec =
        kv::NewCodec(kvrpcpb::V1, kv::Mode::kRaw, nullptr);
    ASSERT_TRUE(codec.ok()) << codec.status();
    CodecPdClient client(*inner, **codec);
    const uint32_t ks = pd::kNullKeyspaceId;

    absl::StatusOr<pd::GcBarrierInfo> barrier = client.SetGcBarrier(ks, "b1", 5, 60s, nullptr);
    ASSERT_TRUE(barrier.ok()) << barrier.status();
    EXPECT_EQ(barrier->barrier_ts, 5u);
    absl::StatusOr<pd::GcState> state = client.GetGcStateWithBarriers(ks, nullptr);
    ASSERT_TRUE(state.ok()) << state.status();
    ASSERT_EQ(state->gc_barriers.size(), 1u);
    EXPECT_EQ(state->gc_barriers[0].barrier_id, "b1");
    absl::StatusOr<std::optional<pd::GcBarrierInfo>> deleted =
        client.DeleteGcBarrier(ks, "b1", nullptr);
    ASSERT_TRUE(deleted.ok()) << deleted.status();
    EXPECT_TRUE(deleted->has_value());

    ASSERT_TRUE(client.AdvanceTxnSafePoint(ks, 10, nullptr).ok());
    absl::StatusOr<pd::AdvanceGcSafePointResult> gc = client.AdvanceGcSafePoint(ks, 7, nullptr);
    ASSERT_TRUE(gc.ok()) << gc.status();
    EXPECT_EQ(gc->new_gc_safe_point, 7u);

    absl::StatusOr<std::vector<pdpb::Member>> members = client.GetAllMembers(nullptr);
    ASSERT_TRUE(members.ok()) << members.status();
    EXPECT_EQ(members->size(), 3u);
    EXPECT_EQ(client.GetLeaderUrl(), inner->GetLeaderUrl());
    EXPECT_FALSE(client.GetLeaderUrl().empty());
    inner->Close();
  });
}

}  // namespace
}  // namespace tikv::raw
