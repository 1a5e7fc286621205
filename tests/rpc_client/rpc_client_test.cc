// Tests of BatchRpcClient (src/rpc/rpc_client.h) on the simulation Env against fake TiKV nodes
// on sim::SimNetwork: one pool per address, interceptor order, the API codec on the way out
// and back, health feedback forwarding, CloseAddress and Close.  Ports what applies of
// client-go internal/client/client_test.go and client_interceptor_test.go.

#include "rpc/rpc_client.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rpc/methods.h"
#include "sim/env/sim_env.h"
#include "sim/net/sim_network.h"
#include "tikv/status.h"
#include "tikvpb.pb.h"

namespace tikv::rpc {
namespace {

using namespace std::chrono_literals;

// A TiKV node answering Get with "<node>:<key>" and RawGet with the key it received (so a
// test sees the codec's encoding), optionally with a HealthFeedback on every message.
class FakeTikv {
 public:
  FakeTikv(sim::SimEnv& env, std::string name) : name_(name) {
    sim::SimNode& node = env.network().AddNode(std::move(name));
    node.RegisterStream(std::string(kBatchCommands.full_name),
                        [this](std::shared_ptr<sim::ServerStream> stream) {
                          stream_forwarded_hosts.push_back(stream->forwarded_host());
                          sim::StreamCallbacks cb;
                          cb.on_message = [this, stream](const std::string& bytes) {
                            OnMessage(stream, bytes);
                          };
                          return cb;
                        });
  }
  uint64_t feedback_store_id = 0;
  int messages = 0;
  // The tikv-forwarded-host metadata of every stream opened to this node ("" = direct).
  std::vector<std::string> stream_forwarded_hosts;
  std::vector<kvrpcpb::Context> contexts;

 private:
  void OnMessage(const std::shared_ptr<sim::ServerStream>& stream, const std::string& bytes) {
    tikvpb::BatchCommandsRequest req;
    ASSERT_TRUE(req.ParseFromString(bytes));
    ++messages;
    tikvpb::BatchCommandsResponse out;
    for (int i = 0; i < req.requests_size(); ++i) {
      out.add_request_ids(req.request_ids(i));
      const auto& r = req.requests(i);
      auto* resp = out.add_responses();
      if (r.has_get()) {
        contexts.push_back(r.get().context());
        resp->mutable_get()->set_value(name_ + ":" + r.get().key());
      } else if (r.has_rawget()) {
        contexts.push_back(r.rawget().context());
        resp->mutable_rawget()->set_value(r.rawget().key());
        if (r.rawget().key().size() > 4 && r.rawget().key().substr(4) == "wrong") {
          auto* knr = resp->mutable_rawget()->mutable_region_error()->mutable_key_not_in_region();
          knr->set_key(r.rawget().key());
          knr->set_region_id(1);
        }
      }
    }
    if (feedback_store_id != 0) {
      out.mutable_health_feedback()->set_store_id(feedback_store_id);
      out.mutable_health_feedback()->set_slow_score(90);
    }
    stream->Send(out.SerializeAsString());
  }
  std::string name_;
};

Request GetRequest(std::string key) {
  kvrpcpb::GetRequest get;
  get.set_key(std::move(key));
  return Request::Of(CmdType::kGet, std::move(get));
}

std::string ValueOf(const absl::StatusOr<Response>& r) {
  if (!r.ok()) return r.status().ToString();
  if (const auto* get = r->As<kvrpcpb::GetResponse>()) return get->value();
  if (const auto* raw = r->As<kvrpcpb::RawGetResponse>()) return raw->value();
  return "wrong type";
}

class RpcClientTest : public ::testing::Test {
 protected:
  void RunOnFiber(absl::AnyInvocable<void() &&> body) {
    env_.executor().Spawn({.name = "test"}, std::move(body));
    absl::Status s = env_.Run();
    ASSERT_TRUE(s.ok()) << s;
  }
  sim::SimEnv env_{sim::SimOptions{.seed = 20261122}};
  FakeTikv store1_{env_, "store-1"};
  FakeTikv store2_{env_, "store-2"};
};

// Ports client-go internal/client/client_test.go TestConn (one pool per address, reused).
TEST_F(RpcClientTest, OnePoolPerAddressCreatedLazily) {
  RunOnFiber([&] {
    BatchRpcClient client(env_);
    EXPECT_EQ(client.pool_count(), 0u);
    EXPECT_EQ(ValueOf(client.SendRequest("store-1", GetRequest("a"), env_.now() + 5s)),
              "store-1:a");
    EXPECT_EQ(ValueOf(client.SendRequest("store-2", GetRequest("b"), env_.now() + 5s)),
              "store-2:b");
    EXPECT_EQ(ValueOf(client.SendRequest("store-1", GetRequest("c"), env_.now() + 5s)),
              "store-1:c");
    EXPECT_EQ(client.pool_count(), 2u);
    EXPECT_EQ(client.stats("store-1").responses, 2u);
    client.CloseAddress("store-1");
    EXPECT_EQ(client.pool_count(), 1u);
    EXPECT_EQ(client.stats("store-1").responses, 0u);
    // The next request reconnects.
    EXPECT_EQ(ValueOf(client.SendRequest("store-1", GetRequest("d"), env_.now() + 5s)),
              "store-1:d");
    client.Close();
    absl::StatusOr<Response> closed = client.SendRequest("store-1", GetRequest("e"),
                                                         env_.now() + 5s);
    EXPECT_EQ(closed.status().code(), absl::StatusCode::kCancelled);
  });
}

// NET-08: ports client-go internal/client/client.go recycleIdleConnArray (client_test.go
// TestCloseConnectionsIdleFor... is TiDB-config driven there): a pool unused for the idle
// timeout is closed by a later send to another address; a busy pool is kept; the idle address
// reconnects on its next send; a zero timeout keeps every pool.
TEST_F(RpcClientTest, IdlePoolsAreRecycledBySends) {
  RunOnFiber([&] {
    auto sleep = [&](Duration d) { env_.executor().SleepFor(env_.clock(), d); };
    BatchRpcClient client(env_);
    EXPECT_EQ(ValueOf(client.SendRequest("store-1", GetRequest("a"), env_.now() + 5s)),
              "store-1:a");
    EXPECT_EQ(ValueOf(client.SendRequest("store-2", GetRequest("b"), env_.now() + 5s)),
              "store-2:b");
    sleep(2min);
    EXPECT_EQ(ValueOf(client.SendRequest("store-2", GetRequest("c"), env_.now() + 5s)),
              "store-2:c");
    EXPECT_EQ(client.pool_count(), 2u);  // nothing idle for 3 min yet
    sleep(90s);
    EXPECT_EQ(ValueOf(client.SendRequest("store-2", GetRequest("d"), env_.now() + 5s)),
              "store-2:d");
    EXPECT_EQ(client.pool_count(), 1u);  // store-1: 3.5 min idle; store-2 was just used
    EXPECT_EQ(client.recycled_pools(), 1u);
    EXPECT_EQ(client.stats("store-1").requests, 0u);
    EXPECT_EQ(ValueOf(client.SendRequest("store-1", GetRequest("e"), env_.now() + 5s)),
              "store-1:e");
    EXPECT_EQ(client.pool_count(), 2u);
    client.Close();

    BatchRpcClient keep(env_, RpcClientOptions{.idle_timeout = Duration::zero()});
    EXPECT_EQ(ValueOf(keep.SendRequest("store-1", GetRequest("f"), env_.now() + 5s)),
              "store-1:f");
    sleep(10min);
    EXPECT_EQ(ValueOf(keep.SendRequest("store-2", GetRequest("g"), env_.now() + 5s)),
              "store-2:g");
    EXPECT_EQ(keep.pool_count(), 2u);
    EXPECT_EQ(keep.recycled_pools(), 0u);
    keep.Close();
  });
}

// NET-14: a request with a forwarded host goes to the proxy over streams of its own, opened
// with the tikv-forwarded-host metadata (client-go client_batch.go forwarded clients);
// CloseAddress drops the proxy's forwarded pools too.
TEST_F(RpcClientTest, ForwardedHostGetsItsOwnStreams) {
  RunOnFiber([&] {
    BatchRpcClient client(env_, RpcClientOptions{.batch = {.connection_count = 1}});
    EXPECT_EQ(ValueOf(client.SendRequest("store-1", GetRequest("a"), env_.now() + 5s)),
              "store-1:a");
    Request forwarded = GetRequest("b");
    forwarded.forwarded_host = "store-2";
    EXPECT_EQ(ValueOf(client.SendRequest("store-1", forwarded, env_.now() + 5s)), "store-1:b");
    EXPECT_EQ(ValueOf(client.SendRequest("store-1", forwarded, env_.now() + 5s)), "store-1:b");
    EXPECT_EQ(client.pool_count(), 2u);
    EXPECT_EQ(client.stats("store-1").requests, 1u);
    EXPECT_EQ(client.stats("store-1", "store-2").requests, 2u);
    EXPECT_EQ(store1_.stream_forwarded_hosts, (std::vector<std::string>{"", "store-2"}));
    EXPECT_TRUE(store2_.stream_forwarded_hosts.empty());
    client.CloseAddress("store-1");
    EXPECT_EQ(client.pool_count(), 0u);
    client.Close();
  });
}

// The request context is attached to the message (client-go sendRequest AttachContext).
TEST_F(RpcClientTest, AttachesContext) {
  RunOnFiber([&] {
    BatchRpcClient client(env_);
    Request req = GetRequest("k");
    req.mutable_context()->set_region_id(42);
    req.mutable_context()->mutable_peer()->set_store_id(1);
    EXPECT_EQ(ValueOf(client.SendRequest("store-1", req, env_.now() + 5s)), "store-1:k");
    ASSERT_EQ(store1_.contexts.size(), 1u);
    EXPECT_EQ(store1_.contexts[0].region_id(), 42u);
    EXPECT_EQ(store1_.contexts[0].peer().store_id(), 1u);
    // The caller's request is unchanged.
    EXPECT_EQ(req.As<kvrpcpb::GetRequest>()->context().region_id(), 0u);
    client.Close();
  });
}

// Ports client-go internal/client/client_interceptor_test.go TestInterceptedClient: the chain
// runs outermost first and sees the target address.
TEST_F(RpcClientTest, InterceptorChainOrder) {
  RunOnFiber([&] {
    std::vector<std::string> log;
    auto make = [&log](std::string name) {
      return NewRpcInterceptor(name, [&log, name](RpcInterceptorFunc next) {
        return [&log, name, next](std::string_view target,
                                  Request& req) -> absl::StatusOr<Response> {
          log.push_back(name + "-before-" + std::string(target));
          absl::StatusOr<Response> r = next(target, req);
          log.push_back(name + "-after");
          return r;
        };
      });
    };
    RpcClientOptions options;
    options.interceptor = ChainRpcInterceptors(make("outer"), {make("inner")});
    BatchRpcClient client(env_, options);
    EXPECT_EQ(ValueOf(client.SendRequest("store-2", GetRequest("x"), env_.now() + 5s)),
              "store-2:x");
    EXPECT_EQ(log, (std::vector<std::string>{"outer-before-store-2", "inner-before-store-2",
                                             "inner-after", "outer-after"}));
    client.Close();
  });
}

// Ports client-go internal/client/client_test.go TestCodec-style behaviour: API V2 requests
// carry the keyspace prefix and API version; region errors come back in user form.
TEST_F(RpcClientTest, AppliesCodec) {
  RunOnFiber([&] {
    keyspacepb::KeyspaceMeta meta;
    meta.set_id(1);
    meta.set_name("ks");
    meta.set_state(keyspacepb::ENABLED);
    absl::StatusOr<std::unique_ptr<kv::Codec>> codec = kv::NewCodecV2(kv::Mode::kRaw, &meta);
    ASSERT_TRUE(codec.ok()) << codec.status();
    RpcClientOptions options;
    options.codec = codec->get();
    BatchRpcClient client(env_, options);
    kvrpcpb::RawGetRequest get;
    get.set_key("key");
    absl::StatusOr<Response> r =
        client.SendRequest("store-1", Request::Of(CmdType::kRawGet, get), env_.now() + 5s);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(ValueOf(r), std::string("r\0\0\x01key", 7));
    ASSERT_EQ(store1_.contexts.size(), 1u);
    EXPECT_EQ(store1_.contexts[0].api_version(), kvrpcpb::V2);

    get.set_key("wrong");
    r = client.SendRequest("store-1", Request::Of(CmdType::kRawGet, get), env_.now() + 5s);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_NE(r->region_error(), nullptr);
    EXPECT_EQ(r->region_error()->key_not_in_region().key(), "wrong");
    client.Close();
  });
}

// Ports client-go internal/client/client_test.go TestBatchClientReceiveHealthFeedback: the
// feedback reaches the listener with the store id.
TEST_F(RpcClientTest, ForwardsHealthFeedback) {
  RunOnFiber([&] {
    store1_.feedback_store_id = 1;
    store2_.feedback_store_id = 2;
    BatchRpcClient client(env_);
    std::vector<uint64_t> seen;
    client.set_health_feedback_listener([&seen](const kvrpcpb::HealthFeedback& f) {
      EXPECT_EQ(f.slow_score(), 90u);
      seen.push_back(f.store_id());
    });
    (void)client.SendRequest("store-1", GetRequest("a"), env_.now() + 5s);
    (void)client.SendRequest("store-2", GetRequest("a"), env_.now() + 5s);
    EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2}));
    client.Close();
  });
}

// A store that is down gives a transport error naming the address.
TEST_F(RpcClientTest, TransportErrorNamesAddress) {
  RunOnFiber([&] {
    env_.network().SetNodeUp("store-2", false);
    BatchRpcClient client(env_);
    absl::StatusOr<Response> r = client.SendRequest("store-2", GetRequest("a"), env_.now() + 2s);
    ASSERT_FALSE(r.ok());
    std::optional<TransportError> te = GetTransportError(r.status());
    ASSERT_TRUE(te.has_value()) << r.status();
    EXPECT_EQ(te->address, "store-2");
    EXPECT_TRUE(r.status().code() == absl::StatusCode::kUnavailable ||
                r.status().code() == absl::StatusCode::kDeadlineExceeded)
        << r.status();
    client.Close();
  });
}

}  // namespace
}  // namespace tikv::rpc
