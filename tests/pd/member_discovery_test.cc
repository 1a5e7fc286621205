// Tests of RpcPdClient's service discovery (src/pd/rpc_pd_client.cc): the periodic member
// refresh fiber, refresh on demand, leader-switched callbacks, the cluster-id check, and the
// members / leader URL accessors, against the scripted PD (tests/util/fake_pd.h).

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "pd/rpc_pd_client.h"
#include "sim/env/sim_env.h"
#include "tests/locate/sim_fiber.h"
#include "tests/pd/pd_client_fixture.h"
#include "tests/util/fake_pd.h"

namespace tikv::pd {
namespace {

using ::tikv::testing::FakePd;
using ::tikv::testing::RunOnFiber;

// Ports tikv/pd tests/integrations/client/client_test.go TestClientLeaderChange (the member
// loop notices a leader change without any failing call, and runs the callbacks).
TEST(MemberDiscoveryTest, PeriodicRefreshFollowsTheLeaderAndRunsCallbacks) {
  sim::SimEnv env;
  FakePd pd(env, 3);
  RunOnFiber(env, [&] {
    PdClientOptions o;
    o.member_update_interval = std::chrono::seconds(60);
    auto c = MakeClient(env, pd, o);
    ASSERT_NE(c, nullptr);
    std::vector<std::string> switched;
    c->AddLeaderSwitchedCallback([&](const std::string& url) { switched.push_back(url); });
    EXPECT_EQ(c->GetLeaderUrl(), "http://pd-1");
    const uint64_t updates = c->member_update_count();

    pd.SetLeader(2);
    env.executor().SleepFor(env.clock(), std::chrono::seconds(30));
    EXPECT_EQ(c->leader(), "pd-1");  // not refreshed yet
    EXPECT_TRUE(switched.empty());
    env.executor().SleepFor(env.clock(), std::chrono::seconds(31));
    EXPECT_EQ(c->leader(), "pd-3");
    EXPECT_EQ(c->GetLeaderUrl(), "http://pd-3");
    ASSERT_EQ(switched.size(), 1u);
    EXPECT_EQ(switched[0], "http://pd-3");
    EXPECT_EQ(c->member_update_count(), updates + 1);

    // Another period without a change: a refresh, no callback.
    env.executor().SleepFor(env.clock(), std::chrono::seconds(60));
    EXPECT_EQ(c->member_update_count(), updates + 2);
    EXPECT_EQ(switched.size(), 1u);
    c->Close();
  });
}

// ScheduleCheckMemberChanged refreshes at once instead of waiting for the period.
TEST(MemberDiscoveryTest, ScheduledCheckRefreshesImmediately) {
  sim::SimEnv env;
  FakePd pd(env, 2);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    ASSERT_NE(c, nullptr);
    pd.SetLeader(1);
    c->ScheduleCheckMemberChanged();
    env.executor().SleepFor(env.clock(), std::chrono::milliseconds(50));
    EXPECT_EQ(c->leader(), "pd-2");
    c->Close();
  });
}

// Ports the cluster-id check of tikv/pd client/servicediscovery/service_discovery.go
// updateMember(): a member of another cluster is skipped; when it is the only answer the
// refresh fails and the known leader stays.
TEST(MemberDiscoveryTest, MemberOfAnotherClusterIsSkipped) {
  sim::SimEnv env;
  FakePd pd(env, 2, 42);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->cluster_id(), 42u);
    pd.SetMemberClusterId(0, 99);
    // pd-1 (asked first) belongs to another cluster now; pd-2 still answers for cluster 42.
    ASSERT_TRUE(c->UpdateMembers(nullptr).ok());
    EXPECT_EQ(c->leader(), "pd-1");
    pd.SetMemberClusterId(1, 99);
    absl::Status s = c->UpdateMembers(nullptr);
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
    EXPECT_NE(s.message().find("cluster id does not match"), std::string::npos) << s;
    EXPECT_EQ(c->cluster_id(), 42u);
    c->Close();
  });
}

// PD-22: every member and the leader URL.
TEST(MemberDiscoveryTest, GetAllMembersAndLeaderUrl) {
  sim::SimEnv env;
  FakePd pd(env, 3);
  pd.SetLeader(1);
  RunOnFiber(env, [&] {
    auto c = MakeClient(env, pd);
    ASSERT_NE(c, nullptr);
    absl::StatusOr<std::vector<pdpb::Member>> members = c->GetAllMembers(nullptr);
    ASSERT_TRUE(members.ok()) << members.status();
    ASSERT_EQ(members->size(), 3u);
    EXPECT_EQ((*members)[2].name(), "pd-3");
    EXPECT_EQ(c->GetLeaderUrl(), "http://pd-2");
    EXPECT_EQ(c->member_addresses(), (std::vector<std::string>{"pd-1", "pd-2", "pd-3"}));
    c->Close();
  });
}

// The member loop stops in Close(): the simulation ends (RunOnFiber fails on leftovers) and no
// refresh happens after it.
TEST(MemberDiscoveryTest, CloseStopsTheLoop) {
  sim::SimEnv env;
  FakePd pd(env, 1);
  RunOnFiber(env, [&] {
    PdClientOptions o;
    o.member_update_interval = std::chrono::seconds(1);
    auto c = MakeClient(env, pd, o);
    ASSERT_NE(c, nullptr);
    env.executor().SleepFor(env.clock(), std::chrono::milliseconds(3500));
    EXPECT_EQ(c->member_update_count(), 4u);  // Create + 3 periods
    c->Close();
    const int calls = pd.get_members_calls;
    env.executor().SleepFor(env.clock(), std::chrono::seconds(10));
    EXPECT_EQ(pd.get_members_calls, calls);
  });
}

}  // namespace
}  // namespace tikv::pd
