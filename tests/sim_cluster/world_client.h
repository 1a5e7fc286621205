// WorldClient: a test client of a SimWorld that finds PD, region leaders and timestamps only
// through RPCs over SimTransport, as a real client does.  Header-only test helper for the
// tests/sim_cluster binary.  Fiber-confined; every RPC helper may suspend.

#pragma once

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "kvrpcpb.pb.h"
#include "pdpb.pb.h"
#include "sim/testing/sim_world.h"
#include "sim/util/codec.h"
#include "tikvpb.pb.h"

namespace tikv::sim::testing_client {

using namespace std::chrono_literals;

inline constexpr RpcMethod kGetMembers{"/pdpb.PD/GetMembers", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kGetRegion{"/pdpb.PD/GetRegion", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kGetStore{"/pdpb.PD/GetStore", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kTso{"/pdpb.PD/Tso", RpcMethod::Kind::kBidiStream};
inline constexpr RpcMethod kRawPut{"/tikvpb.Tikv/RawPut", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawGet{"/tikvpb.Tikv/RawGet", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kLock{"/tikvpb.Tikv/KvPessimisticLock", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPrewrite{"/tikvpb.Tikv/KvPrewrite", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kCommit{"/tikvpb.Tikv/KvCommit", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kBatch{"/tikvpb.Tikv/BatchCommands", RpcMethod::Kind::kBidiStream};
inline constexpr RpcMethod kHealth{"/grpc.health.v1.Health/Check", RpcMethod::Kind::kUnary};

// A client's view of the world: it finds PD, the region's leader store and timestamps only
// through RPCs, as a real client does.
class Client {
 public:
  Client(SimWorld& world, std::string name)
      : world_(world), transport_(world.ClientTransport(std::move(name))) {}

  MonoTime Deadline(Duration d = 2s) { return world_.env.now() + d; }
  Transport& transport() { return *transport_; }

  pdpb::GetMembersResponse Members() {
    pdpb::GetMembersRequest req;
    pdpb::GetMembersResponse resp;
    EXPECT_TRUE(transport_->Call({world_.PdEndpoints()[0]}, kGetMembers, req, &resp, Deadline(),
                                 nullptr).ok());
    cluster_id_ = resp.header().cluster_id();
    return resp;
  }

  uint64_t Tso() {
    if (tso_ == nullptr) {
      auto s = transport_->OpenStream({world_.PdEndpoints()[0]}, kTso, MonoTime::Infinite());
      EXPECT_TRUE(s.ok()) << s.status();
      tso_ = std::move(*s);
    }
    pdpb::TsoRequest req;
    req.mutable_header()->set_cluster_id(cluster_id_);
    req.set_count(1);
    EXPECT_TRUE(tso_->Write(req).ok());
    pdpb::TsoResponse resp;
    absl::StatusOr<bool> r = tso_->Read(&resp, Deadline());
    EXPECT_TRUE(r.ok() && *r) << r.status();
    return (static_cast<uint64_t>(resp.timestamp().physical()) << 18) +
           static_cast<uint64_t>(resp.timestamp().logical());
  }

  // The context and store address for `pd_key` (a TiKV-space key), from PD.
  std::pair<kvrpcpb::Context, std::string> Locate(const std::string& pd_key) {
    pdpb::GetRegionRequest req;
    req.mutable_header()->set_cluster_id(cluster_id_);
    req.set_region_key(pd_key);
    pdpb::GetRegionResponse resp;
    EXPECT_TRUE(transport_->Call({world_.PdEndpoints()[0]}, kGetRegion, req, &resp, Deadline(),
                                 nullptr).ok());
    pdpb::GetStoreRequest sreq;
    sreq.mutable_header()->set_cluster_id(cluster_id_);
    sreq.set_store_id(resp.leader().store_id());
    pdpb::GetStoreResponse sresp;
    EXPECT_TRUE(transport_->Call({world_.PdEndpoints()[0]}, kGetStore, sreq, &sresp, Deadline(),
                                 nullptr).ok());
    kvrpcpb::Context ctx;
    ctx.set_region_id(resp.region().id());
    *ctx.mutable_region_epoch() = resp.region().region_epoch();
    *ctx.mutable_peer() = resp.leader();
    return {ctx, sresp.store().address()};
  }

  absl::Status RawPut(const std::string& key, const std::string& value, Duration timeout = 2s) {
    auto [ctx, addr] = Locate(key);
    kvrpcpb::RawPutRequest req;
    *req.mutable_context() = ctx;
    req.set_key(key);
    req.set_value(value);
    kvrpcpb::RawPutResponse resp;
    absl::Status s = transport_->Call({addr}, kRawPut, req, &resp, Deadline(timeout), nullptr);
    if (s.ok() && (resp.has_region_error() || !resp.error().empty())) {
      return absl::InternalError(resp.DebugString());
    }
    return s;
  }

  absl::StatusOr<std::string> RawGet(const std::string& key, Duration timeout = 2s) {
    auto [ctx, addr] = Locate(key);
    kvrpcpb::RawGetRequest req;
    *req.mutable_context() = ctx;
    req.set_key(key);
    kvrpcpb::RawGetResponse resp;
    absl::Status s = transport_->Call({addr}, kRawGet, req, &resp, Deadline(timeout), nullptr);
    if (!s.ok()) return s;
    if (resp.has_region_error()) return absl::InternalError(resp.DebugString());
    return resp.value();
  }

  kvrpcpb::PessimisticLockResponse Lock(const std::string& key, uint64_t start_ts, int64_t wait_ms,
                                        absl::Status* status) {
    auto [ctx, addr] = Locate(EncodeBytes(key));
    kvrpcpb::PessimisticLockRequest req;
    *req.mutable_context() = ctx;
    auto* m = req.add_mutations();
    m->set_op(kvrpcpb::PessimisticLock);
    m->set_key(key);
    req.set_primary_lock(key);
    req.set_start_version(start_ts);
    req.set_for_update_ts(start_ts);
    req.set_lock_ttl(3000);
    req.set_wait_timeout(wait_ms);
    req.set_is_first_lock(false);
    kvrpcpb::PessimisticLockResponse resp;
    *status = transport_->Call({addr}, kLock, req, &resp, Deadline(5s), nullptr);
    return resp;
  }

  // Prewrites (pessimistic, the lock is held) and commits `key` = `value`.
  void PrewriteAndCommit(const std::string& key, const std::string& value, uint64_t start_ts,
                         uint64_t commit_ts) {
    auto [ctx, addr] = Locate(EncodeBytes(key));
    kvrpcpb::PrewriteRequest pw;
    *pw.mutable_context() = ctx;
    auto* m = pw.add_mutations();
    m->set_op(kvrpcpb::Put);
    m->set_key(key);
    m->set_value(value);
    pw.add_pessimistic_actions(kvrpcpb::PrewriteRequest::DO_PESSIMISTIC_CHECK);
    pw.set_primary_lock(key);
    pw.set_start_version(start_ts);
    pw.set_for_update_ts(start_ts);
    pw.set_lock_ttl(3000);
    kvrpcpb::PrewriteResponse pr;
    ASSERT_TRUE(transport_->Call({addr}, kPrewrite, pw, &pr, Deadline(), nullptr).ok());
    ASSERT_EQ(pr.errors_size(), 0) << pr.DebugString();
    kvrpcpb::CommitRequest c;
    *c.mutable_context() = ctx;
    c.add_keys(key);
    c.set_start_version(start_ts);
    c.set_commit_version(commit_ts);
    kvrpcpb::CommitResponse cr;
    ASSERT_TRUE(transport_->Call({addr}, kCommit, c, &cr, Deadline(), nullptr).ok());
    ASSERT_FALSE(cr.has_error()) << cr.DebugString();
  }

 private:
  SimWorld& world_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<ClientStream> tso_;
  uint64_t cluster_id_ = 0;
};

}  // namespace tikv::sim::testing_client
