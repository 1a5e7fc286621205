// Tests of the batch-commands client (src/rpc/batch_client.h) on the simulation Env against a
// fake TiKV node on sim::SimNetwork.  Ports what applies of client-go
// internal/client/client_batch_test.go and client_test.go.

#include "rpc/batch_client.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rpc/methods.h"
#include "sim/env/sim_env.h"
#include "sim/net/sim_network.h"
#include "tikvpb.pb.h"

namespace tikv::rpc {
namespace {

using namespace std::chrono_literals;

// A TiKV that answers Get with value = "v:" + key.  Keys steer it: "slow*" replies after 2 s,
// "break*" breaks the stream, "drop*" is never answered.  Replies to one message go out in
// reverse order when `reverse` is set.
class FakeTikv {
 public:
  FakeTikv(sim::SimEnv& env, std::string name) : env_(env) {
    sim::SimNode& node = env.network().AddNode(std::move(name));
    node.RegisterStream(std::string(kBatchCommands.full_name),
                        [this](std::shared_ptr<sim::ServerStream> stream) {
                          ++streams_opened;
                          sim::StreamCallbacks cb;
                          cb.on_message = [this, stream](const std::string& bytes) {
                            OnMessage(stream, bytes);
                          };
                          return cb;
                        });
    node.RegisterUnary(std::string(kRawCompareAndSwap.full_name),
                       [](const std::string& req, std::string* resp) {
                         kvrpcpb::RawCASRequest r;
                         if (!r.ParseFromString(req)) return absl::InternalError("parse");
                         kvrpcpb::RawCASResponse out;
                         out.set_succeed(r.key() == "cas");
                         *resp = out.SerializeAsString();
                         return absl::OkStatus();
                       });
  }

  bool reverse = false;
  uint64_t transport_layer_load = 0;
  bool send_health_feedback = false;
  int streams_opened = 0;
  std::vector<int> message_sizes;  // requests per BatchCommandsRequest received

 private:
  void OnMessage(const std::shared_ptr<sim::ServerStream>& stream, const std::string& bytes) {
    tikvpb::BatchCommandsRequest req;
    ASSERT_TRUE(req.ParseFromString(bytes));
    ASSERT_EQ(req.requests_size(), req.request_ids_size());
    message_sizes.push_back(req.requests_size());
    tikvpb::BatchCommandsResponse now;
    std::vector<int> order;
    for (int i = 0; i < req.requests_size(); ++i) order.push_back(i);
    if (reverse) std::reverse(order.begin(), order.end());
    for (int i : order) {
      const std::string& key = req.requests(i).get().key();
      if (key.rfind("break", 0) == 0) {
        stream->Finish(absl::UnavailableError("injected stream reset"));
        return;
      }
      if (key.rfind("drop", 0) == 0) continue;
      tikvpb::BatchCommandsResponse* target = &now;
      tikvpb::BatchCommandsResponse later;
      if (key.rfind("slow", 0) == 0) target = &later;
      target->add_request_ids(req.request_ids(i));
      target->add_responses()->mutable_get()->set_value("v:" + key);
      if (target == &later) {
        std::string payload = later.SerializeAsString();
        env_.AddTimer(env_.now() + 2s, [stream, payload] { stream->Send(payload); });
      }
    }
    now.set_transport_layer_load(transport_layer_load);
    if (send_health_feedback) {
      now.mutable_health_feedback()->set_store_id(1);
      now.mutable_health_feedback()->set_slow_score(42);
    }
    if (now.responses_size() > 0 || send_health_feedback) stream->Send(now.SerializeAsString());
  }

  sim::SimEnv& env_;
};

Request GetRequest(std::string key) {
  kvrpcpb::GetRequest get;
  get.set_key(std::move(key));
  return Request::Of(CmdType::kGet, std::move(get));
}

std::string ValueOf(const absl::StatusOr<Response>& r) {
  if (!r.ok()) return r.status().ToString();
  const auto* get = r->As<kvrpcpb::GetResponse>();
  return get == nullptr ? "wrong type" : get->value();
}

class BatchClientTest : public ::testing::Test {
 protected:
  // Runs `body` on a fiber, then the world until idle.
  void RunOnFiber(absl::AnyInvocable<void() &&> body) {
    env_.executor().Spawn({.name = "test"}, std::move(body));
    absl::Status s = env_.Run();
    ASSERT_TRUE(s.ok()) << s;
  }

  sim::SimEnv env_{sim::SimOptions{.seed = 20261122}};
  FakeTikv tikv_{env_, "store-1"};
};

// Ports client-go internal/client/client_test.go TestBatchCommandsBuilder (the batching part):
// concurrent requests fold into fewer messages, each answered correctly.
TEST_F(BatchClientTest, ConcurrentRequestsShareMessages) {
  RunOnFiber([&] {
    BatchCommandsClient client(env_, {"store-1"});
    env::FiberGroup callers(env_.executor());
    std::vector<std::string> got(64);
    for (int i = 0; i < 64; ++i) {
      callers.Spawn({.name = "caller"}, [&, i] {
        got[i] = ValueOf(client.Send(GetRequest("k" + std::to_string(i)), env_.now() + 10s));
      });
    }
    callers.Wait();
    for (int i = 0; i < 64; ++i) EXPECT_EQ(got[i], "v:k" + std::to_string(i));
    BatchClientStats stats = client.stats();
    EXPECT_EQ(stats.responses, 64u);
    EXPECT_EQ(stats.batched_requests, 64u);
    EXPECT_LT(stats.batch_messages, 64u);
    EXPECT_GT(stats.max_batch_size_seen, 1u);
    client.Close();
  });
}

TEST_F(BatchClientTest, OutOfOrderRepliesAreMatchedById) {
  tikv_.reverse = true;
  RunOnFiber([&] {
    BatchCommandsClient client(env_, {"store-1"}, {.batch_policy = BatchPolicy::kPositive});
    env::FiberGroup callers(env_.executor());
    std::vector<std::string> got(16);
    for (int i = 0; i < 16; ++i) {
      callers.Spawn({.name = "caller"}, [&, i] {
        got[i] = ValueOf(client.Send(GetRequest("r" + std::to_string(i)), env_.now() + 10s));
      });
    }
    callers.Wait();
    for (int i = 0; i < 16; ++i) EXPECT_EQ(got[i], "v:r" + std::to_string(i));
    client.Close();
  });
}

// A request's own deadline ends it with kDeadlineExceeded; the late reply is dropped.
TEST_F(BatchClientTest, PerRequestDeadline) {
  RunOnFiber([&] {
    BatchCommandsClient client(env_, {"store-1"});
    absl::StatusOr<Response> r = client.Send(GetRequest("slow"), env_.now() + 1s);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
    // Others still work, and the late answer shows up as an unknown id.
    EXPECT_EQ(ValueOf(client.Send(GetRequest("a"), env_.now() + 10s)), "v:a");
    env_.executor().SleepFor(env_.clock(), 3s);
    EXPECT_EQ(client.stats().unknown_ids, 1u);
    client.Close();
  });
}

// Ports client-go internal/client/client_fail_test.go TestRecvErrorInMultipleRecvLoops and
// client_test.go TestBatchClientRecoverAfterServerRestart: a broken stream fails its in-flight
// requests with a transport error and is re-created with backoff.
TEST_F(BatchClientTest, BrokenStreamFailsInFlightAndReconnects) {
  RunOnFiber([&] {
    BatchCommandsClient client(env_, {"store-1"}, {.connection_count = 1});
    EXPECT_EQ(ValueOf(client.Send(GetRequest("warm"), env_.now() + 10s)), "v:warm");
    env::FiberGroup callers(env_.executor());
    absl::Status dropped_status, break_status;
    callers.Spawn({.name = "drop"}, [&] {
      dropped_status = client.Send(GetRequest("drop"), env_.now() + 30s).status();
    });
    env_.executor().SleepFor(env_.clock(), 10ms);
    break_status = client.Send(GetRequest("break"), env_.now() + 30s).status();
    callers.Wait();
    EXPECT_EQ(break_status.code(), absl::StatusCode::kUnavailable) << break_status;
    EXPECT_EQ(dropped_status.code(), absl::StatusCode::kUnavailable) << dropped_status;
    // During the reconnect backoff no connection is available...
    EXPECT_EQ(client.Send(GetRequest("x"), env_.now() + 10s).status().code(),
              absl::StatusCode::kUnavailable);
    // ...after it, the new stream serves requests.
    env_.executor().SleepFor(env_.clock(), 1s);
    EXPECT_EQ(ValueOf(client.Send(GetRequest("after"), env_.now() + 10s)), "v:after");
    BatchClientStats stats = client.stats();
    EXPECT_EQ(stats.stream_failures, 1u);
    EXPECT_EQ(stats.reconnects, 1u);
    EXPECT_EQ(tikv_.streams_opened, 2);
    client.Close();
  });
}

// Ports client-go internal/client/client_test.go TestFastFailWhenNoAvailableConn.
TEST_F(BatchClientTest, UnreachableStoreFailsFast) {
  RunOnFiber([&] {
    BatchCommandsClient client(env_, {"store-404"}, {.connection_count = 2});
    absl::StatusOr<Response> r = client.Send(GetRequest("a"), env_.now() + 10s);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
    // The simulated transport opens the stream and breaks it, or refuses it: either way the
    // request fails at once instead of waiting for its deadline.
    BatchClientStats stats = client.stats();
    EXPECT_GE(stats.no_available_connection + stats.stream_failures, 1u);
    client.Close();
  });
}

// Ports client-go internal/client/client_test.go TestBatchClientReceiveHealthFeedback.
TEST_F(BatchClientTest, HealthFeedbackAndLoadAreRecorded) {
  tikv_.send_health_feedback = true;
  tikv_.transport_layer_load = 300;
  RunOnFiber([&] {
    BatchCommandsClient client(env_, {"store-1"});
    std::vector<uint64_t> scores;
    client.set_health_feedback_listener(
        [&](const kvrpcpb::HealthFeedback& f) { scores.push_back(f.slow_score()); });
    EXPECT_EQ(ValueOf(client.Send(GetRequest("a"), env_.now() + 10s)), "v:a");
    EXPECT_EQ(client.stats().transport_layer_load, 300u);
    ASSERT_FALSE(scores.empty());
    EXPECT_EQ(scores.front(), 42u);
    client.Close();
  });
}

TEST_F(BatchClientTest, CommandsWithoutAnArmGoUnary) {
  RunOnFiber([&] {
    BatchCommandsClient client(env_, {"store-1"});
    kvrpcpb::RawCASRequest cas;
    cas.set_key("cas");
    absl::StatusOr<Response> r =
        client.Send(Request::Of(CmdType::kRawCompareAndSwap, cas), env_.now() + 10s);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_NE(r->As<kvrpcpb::RawCASResponse>(), nullptr);
    EXPECT_TRUE(r->As<kvrpcpb::RawCASResponse>()->succeed());
    EXPECT_EQ(client.stats().unary_calls, 1u);
    EXPECT_EQ(client.stats().batch_messages, 0u);
    client.Close();
  });
}

TEST_F(BatchClientTest, CloseFailsPendingRequests) {
  RunOnFiber([&] {
    auto client = std::make_unique<BatchCommandsClient>(env_, Endpoint{"store-1"});
    env::FiberGroup callers(env_.executor());
    absl::Status status;
    callers.Spawn({.name = "caller"}, [&] {
      status = client->Send(GetRequest("drop"), env_.now() + 60s).status();
    });
    env_.executor().SleepFor(env_.clock(), 10ms);
    client->Close();
    callers.Wait();
    EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
    EXPECT_EQ(client->Send(GetRequest("a"), env_.now() + 1s).status().code(),
              absl::StatusCode::kCancelled);
  });
}

// Ports client-go internal/client/client_test.go TestBatchPolicy (the trigger part).
TEST(BatchPolicyTest, StandardWaitsOnlyWhenArrivalsAreDense) {
  BatchWaitTrigger standard(BatchPolicy::kStandard);
  EXPECT_FALSE(standard.NeedFetchMore(1ms));  // sparse: capped at 500 µs, above 80 µs
  for (int i = 0; i < 20; ++i) standard.NeedFetchMore(10us);
  EXPECT_TRUE(standard.NeedFetchMore(10us));
  EXPECT_EQ(standard.WaitTime(), 100us);
  EXPECT_EQ(standard.PreferredBatchWaitSize(3.9, 8), 4u);
  EXPECT_EQ(standard.PreferredBatchWaitSize(3.5, 8), 3u);
  BatchWaitTrigger positive(BatchPolicy::kPositive);
  EXPECT_TRUE(positive.NeedFetchMore(1s));
  EXPECT_EQ(positive.PreferredBatchWaitSize(3.8, 8), 8u);
  BatchWaitTrigger basic(BatchPolicy::kBasic);
  EXPECT_FALSE(basic.NeedFetchMore(0us));
}

}  // namespace
}  // namespace tikv::rpc
