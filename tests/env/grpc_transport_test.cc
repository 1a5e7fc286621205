// The production transport against an in-process gRPC server on loopback: unary echo,
// deadlines, cancellation, unreachable peers, bidi streams (order, half-close, server going
// away), concurrent calls from many fibers and blocking calls from many user threads.

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "env/fiber_group.h"
#include "env/run_blocking.h"
#include "kvrpcpb.pb.h"
#include "tests/env/loopback_server.h"
#include "tikv/env.h"
#include "tikv/prod_env.h"
#include "tikvpb.pb.h"

namespace tikv::testing {
namespace {

using namespace std::chrono_literals;

constexpr RpcMethod kGet{"/tikvpb.Tikv/RawGet", RpcMethod::Kind::kUnary};
constexpr RpcMethod kBatch{"/tikvpb.Tikv/BatchCommands", RpcMethod::Kind::kBidiStream};

class GrpcTransportTest : public ::testing::Test {
 protected:
  GrpcTransportTest()
      : env_(NewProdEnv({.threads = 2,
                         .grpc = {.connections_per_address = 2}})) {}

  absl::StatusOr<std::string> Get(const std::string& key, Duration timeout = 5s,
                                  const CancelToken* cancel = nullptr,
                                  const std::string& address = "") {
    kvrpcpb::RawGetRequest req;
    req.set_key(key);
    kvrpcpb::RawGetResponse resp;
    absl::Status s = env_->transport().Call({address.empty() ? server_.address() : address}, kGet,
                                            req, &resp, env_->clock().Now() + timeout, cancel);
    if (!s.ok()) return s;
    return resp.value();
  }

  LoopbackServer server_;
  std::unique_ptr<Env> env_;
};

TEST_F(GrpcTransportTest, UnaryEcho) {
  env::RunBlocking(env_->executor(), [&] {
    EXPECT_EQ(*Get("hello"), "hello");
    EXPECT_EQ(*Get(""), "");
  });
}

TEST_F(GrpcTransportTest, DeadlineExceeded) {
  env::RunBlocking(env_->executor(), [&] {
    EXPECT_EQ(Get("slow", 20ms).status().code(), absl::StatusCode::kDeadlineExceeded);
  });
}

TEST_F(GrpcTransportTest, CancellationFromAnotherFiber) {
  env::RunBlocking(env_->executor(), [&] {
    CancelToken token;
    env::FiberGroup g(env_->executor());
    g.Spawn({.name = "canceller"}, [&] {
      env_->executor().SleepFor(env_->clock(), 20ms);
      token.Cancel();
    });
    EXPECT_EQ(Get("slow", 5s, &token).status().code(), absl::StatusCode::kCancelled);
    g.Wait();
  });
}

TEST_F(GrpcTransportTest, UnreachablePeer) {
  env::RunBlocking(env_->executor(), [&] {
    absl::StatusCode code = Get("k", 300ms, nullptr, "127.0.0.1:1").status().code();
    EXPECT_TRUE(code == absl::StatusCode::kUnavailable ||
                code == absl::StatusCode::kDeadlineExceeded)
        << code;
  });
}

TEST_F(GrpcTransportTest, BidiStreamEchoesInOrder) {
  env::RunBlocking(env_->executor(), [&] {
    auto stream = env_->transport().OpenStream({server_.address()}, kBatch, MonoTime::Infinite());
    ASSERT_TRUE(stream.ok()) << stream.status();
    // A reader fiber and the writer run concurrently, as BatchCommands clients do.
    std::vector<uint64_t> got;
    env::FiberGroup g(env_->executor());
    g.Spawn({.name = "reader"}, [&] {
      for (;;) {
        tikvpb::BatchCommandsResponse resp;
        absl::StatusOr<bool> r = (*stream)->Read(&resp, env_->clock().Now() + 5s);
        ASSERT_TRUE(r.ok()) << r.status();
        if (!*r) break;
        got.push_back(resp.request_ids(0));
      }
    });
    for (uint64_t id = 1; id <= 100; ++id) {
      tikvpb::BatchCommandsRequest req;
      req.add_request_ids(id);
      ASSERT_TRUE((*stream)->Write(req).ok());
    }
    ASSERT_TRUE((*stream)->CloseSend().ok());
    g.Wait();
    ASSERT_EQ(got.size(), 100u);
    for (uint64_t i = 0; i < 100; ++i) EXPECT_EQ(got[i], i + 1);
    stream->reset();
  });
}

TEST_F(GrpcTransportTest, StreamReadDeadlineThenCancel) {
  env::RunBlocking(env_->executor(), [&] {
    auto stream = env_->transport().OpenStream({server_.address()}, kBatch, MonoTime::Infinite());
    ASSERT_TRUE(stream.ok());
    tikvpb::BatchCommandsResponse resp;
    EXPECT_EQ((*stream)->Read(&resp, env_->clock().Now() + 10ms).status().code(),
              absl::StatusCode::kDeadlineExceeded);
    (*stream)->Cancel();
    EXPECT_EQ((*stream)->Read(&resp, env_->clock().Now() + 5s).status().code(),
              absl::StatusCode::kCancelled);
    stream->reset();
  });
}

TEST_F(GrpcTransportTest, ServerGoingAwayEndsTheStream) {
  env::RunBlocking(env_->executor(), [&] {
    auto stream = env_->transport().OpenStream({server_.address()}, kBatch, MonoTime::Infinite());
    ASSERT_TRUE(stream.ok());
    tikvpb::BatchCommandsRequest req;
    req.add_request_ids(1);
    ASSERT_TRUE((*stream)->Write(req).ok());
    tikvpb::BatchCommandsResponse resp;
    ASSERT_TRUE(*(*stream)->Read(&resp, env_->clock().Now() + 5s));
    std::thread stopper([&] { server_.Shutdown(); });
    absl::StatusOr<bool> r = (*stream)->Read(&resp, env_->clock().Now() + 5s);
    EXPECT_TRUE(!r.ok() || !*r);
    stopper.join();
    stream->reset();
  });
}

TEST_F(GrpcTransportTest, ManyConcurrentFibers) {
  env::RunBlocking(env_->executor(), [&] {
    std::atomic<int> ok{0};
    env::FiberGroup g(env_->executor());
    for (int i = 0; i < 50; ++i) {
      g.Spawn({.name = "caller"}, [&, i] {
        for (int k = 0; k < 4; ++k) {
          const std::string key = std::to_string(i * 10 + k);
          if (Get(key).value_or("") == key) ++ok;
        }
      });
    }
    g.Wait();
    EXPECT_EQ(ok.load(), 200);
  });
}

TEST_F(GrpcTransportTest, BlockingCallsFromManyUserThreads) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 10; ++k) {
        const std::string key = std::to_string(t * 100 + k);
        // Each call enters the runtime from a plain thread and waits for its fiber.
        absl::StatusOr<std::string> v =
            env::RunBlocking(env_->executor(), [&] { return Get(key); });
        if (v.ok() && *v == key) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 40);
  // The async form completes a future that a plain thread can wait on.
  env::Future<absl::StatusOr<std::string>> f =
      env::RunAsync(env_->executor(), [&] { return Get("async"); });
  EXPECT_EQ(*f.Get(), "async");
}

}  // namespace
}  // namespace tikv::testing
