// Dedicated tests of the replica selector (src/locate/replica_selector.h), driven through the
// region request sender with a scripted RpcClient, as client-go's replica_selector_test.go does
// with its fnClient: each case lists the errors the first attempts answer and the expected
// access path ("{addr: storeN, replica-read: X, stale-read: Y}"), the final answer, the
// backoffs by kind and whether the region is still cached.  Three stores store1..store3, each
// labelled id=<n>, one region with the leader on store1; tie breaks always take the first
// candidate (client-go's tests pin randIntn to 0).

#include "locate/replica_selector.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "pd/rpc_pd_client.h"
#include "locate/region_request_sender.h"
#include "rpc/rpc_client.h"
#include "sim/env/sim_env.h"
#include "tests/locate/sim_fiber.h"
#include "tests/util/fake_pd.h"
#include "tikv/status.h"

namespace tikv::locate {

// Reaches the selector's private strategy pieces, as the Go tests (package-internal) do.
class ReplicaSelectorTestPeer {
 public:
  static int64_t Score(ReplicaSelector& s, int idx, bool try_leader, bool prefer_leader,
                       bool learner_only, const std::vector<metapb::StoreLabel>& labels) {
    static const std::vector<uint64_t> kNoStores;
    ReplicaSelector::MixedStrategy m{.leader_idx = s.leader_idx_,
                                     .try_leader = try_leader,
                                     .prefer_leader = prefer_leader,
                                     .learner_only = learner_only,
                                     .labels = &labels,
                                     .stores = &kNoStores};
    return s.MixedScore(m, s.replicas_[idx], idx == s.leader_idx_);
  }
  static bool CanFastRetry(const ReplicaSelector& s) { return s.CanFastRetry(); }
  static void AddPendingBackoff(ReplicaSelector& s, uint64_t store, BackoffKind kind,
                                std::string msg) {
    s.AddPendingBackoff(store, kind, absl::UnavailableError(msg));
  }
  static size_t PendingBackoffs(const ReplicaSelector& s) { return s.pending_backoffs_.size(); }
};

namespace {

using namespace std::chrono_literals;
using ::tikv::testing::FakePd;
using ::tikv::testing::RunOnFiber;

constexpr int64_t kNotAttempted = 1 << 0;
constexpr int64_t kNormalPeer = 1 << 1;
constexpr int64_t kPreferLeader = 1 << 2;
constexpr int64_t kLabelMatches = 1 << 3;
constexpr int64_t kNotSlow = 1 << 4;

// What an attempt answers (client-go RegionErrorType).
enum class Err {
  kNotLeader,
  kNotLeaderNew1,
  kNotLeaderNew2,
  kNotLeaderNew3,
  kRegionNotFound,
  kKeyNotInRegion,
  kEpochNotMatch,
  kServerIsBusy,
  kServerIsBusyWithWait,
  kStaleCommand,
  kStoreNotMatch,
  kRaftEntryTooLarge,
  kMaxTimestampNotSynced,
  kReadIndexNotReady,
  kProposalInMergingMode,
  kDataIsNotReady,
  kRegionNotInitialized,
  kDiskFull,
  kRecoveryInProgress,
  kFlashbackInProgress,
  kFlashbackNotPrepared,
  kIsWitness,
  kMismatchPeerId,
  kBucketVersionNotMatch,
  kDeadlineExceeded,  // a send failure, not a region error
};

// The region error of `e` (nullopt for the send failure); NotLeader hints are filled later.
std::optional<errorpb::Error> RegionErrorOf(Err e) {
  errorpb::Error r;
  switch (e) {
    case Err::kNotLeader:
    case Err::kNotLeaderNew1:
    case Err::kNotLeaderNew2:
    case Err::kNotLeaderNew3: r.mutable_not_leader(); break;
    case Err::kRegionNotFound: r.mutable_region_not_found(); break;
    case Err::kKeyNotInRegion: r.mutable_key_not_in_region(); break;
    case Err::kEpochNotMatch: r.mutable_epoch_not_match(); break;
    case Err::kServerIsBusy: r.mutable_server_is_busy(); break;
    case Err::kServerIsBusyWithWait: r.mutable_server_is_busy()->set_estimated_wait_ms(10); break;
    case Err::kStaleCommand: r.mutable_stale_command(); break;
    case Err::kStoreNotMatch: r.mutable_store_not_match(); break;
    case Err::kRaftEntryTooLarge: r.mutable_raft_entry_too_large(); break;
    case Err::kMaxTimestampNotSynced: r.mutable_max_timestamp_not_synced(); break;
    case Err::kReadIndexNotReady: r.mutable_read_index_not_ready(); break;
    case Err::kProposalInMergingMode: r.mutable_proposal_in_merging_mode(); break;
    case Err::kDataIsNotReady: r.mutable_data_is_not_ready(); break;
    case Err::kRegionNotInitialized: r.mutable_region_not_initialized(); break;
    case Err::kDiskFull: r.mutable_disk_full(); break;
    case Err::kRecoveryInProgress: r.mutable_recoveryinprogress(); break;
    case Err::kFlashbackInProgress: r.mutable_flashbackinprogress(); break;
    case Err::kFlashbackNotPrepared: r.mutable_flashbacknotprepared(); break;
    case Err::kIsWitness: r.mutable_is_witness(); break;
    case Err::kMismatchPeerId: r.mutable_mismatch_peer_id(); break;
    case Err::kBucketVersionNotMatch: r.mutable_bucket_version_not_match(); break;
    case Err::kDeadlineExceeded: return std::nullopt;
  }
  return r;
}

bool IsNotLeader(Err e) {
  return e == Err::kNotLeader || e == Err::kNotLeaderNew1 || e == Err::kNotLeaderNew2 ||
         e == Err::kNotLeaderNew3;
}

// Whether a real TiKV could answer `e` to this request (client-go RegionErrorType.Valid).
bool Plausible(Err e, const std::string& addr, const kvrpcpb::Context& ctx) {
  if (!ctx.stale_read() && e == Err::kDataIsNotReady) return false;
  if ((ctx.stale_read() || ctx.replica_read()) && IsNotLeader(e)) return false;
  if ((addr == "store1" && e == Err::kNotLeaderNew1) ||
      (addr == "store2" && e == Err::kNotLeaderNew2) ||
      (addr == "store3" && e == Err::kNotLeaderNew3)) {
    return false;
  }
  return true;
}

// The name of the set field of a region error ("" for none).
std::string KindOf(const errorpb::Error* e) {
  if (e == nullptr) return "";
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  e->GetReflection()->ListFields(*e, &fields);
  for (const auto* f : fields) {
    if (f->name() != "message") return f->name();
  }
  return "message";
}

// The scripted RpcClient (client-go fnClient in replica_selector_test.go).
class ScriptedClient final : public rpc::RpcClient {
 public:
  std::vector<std::string> access;
  std::vector<Err> errs;
  bool implausible = false;
  std::function<void()> on_send_failure;  // e.g. make every probe answer unreachable
  std::function<const metapb::Region*()> region;

  absl::StatusOr<rpc::Response> SendRequest(std::string_view address,
                                            const rpc::Request& request, MonoTime,
                                            const CancelToken*) override {
    const size_t idx = access.size();
    const kvrpcpb::Context& ctx = request.context();
    std::string addr(address);
    std::string line = absl::StrCat("{addr: ", addr, ", replica-read: ",
                                    ctx.replica_read() ? "true" : "false", ", stale-read: ",
                                    ctx.stale_read() ? "true" : "false");
    if (!request.forwarded_host.empty()) {
      absl::StrAppend(&line, ", forward_addr: ", request.forwarded_host);
      addr = request.forwarded_host;
    }
    access.push_back(line + "}");
    if (idx < errs.size()) {
      const Err e = errs[idx];
      if (!Plausible(e, addr, ctx)) {
        implausible = true;
      } else if (std::optional<errorpb::Error> re = RegionErrorOf(e); re.has_value()) {
        if (e != Err::kNotLeader && IsNotLeader(e)) {
          const uint64_t store = e == Err::kNotLeaderNew1 ? 1 : e == Err::kNotLeaderNew2 ? 2 : 3;
          for (const metapb::Peer& p : region()->peers()) {
            if (p.store_id() == store) *re->mutable_not_leader()->mutable_leader() = p;
          }
        }
        return rpc::GenRegionErrorResponse(request, *re);
      } else {
        if (on_send_failure) on_send_failure();
        return absl::DeadlineExceededError("context deadline exceeded");
      }
    }
    std::unique_ptr<google::protobuf::Message> msg = rpc::NewResponseMessage(request.type());
    if (request.type() == rpc::CmdType::kGet) {
      static_cast<kvrpcpb::GetResponse*>(msg.get())->set_value("hello world");
    }
    return rpc::Response(std::move(msg));
  }
  void CloseAddress(std::string_view) override {}
  void Close() override {}
};

// One access-path case (client-go replicaSelectorAccessPathCase + accessPathResult).
struct Case {
  rpc::CmdType type = rpc::CmdType::kGet;
  rpc::ReplicaReadType read = rpc::ReplicaReadType::kLeader;
  bool stale = false;
  Duration timeout = Duration::zero();  // zero: client-go ReadTimeoutShort (30 s)
  uint32_t busy_threshold_ms = 0;
  std::optional<uint64_t> label_id;  // match label id=<n>
  std::vector<Err> errs;
  bool keep_state = false;  // client-go beforeRun that does not reset the stores
  std::function<void()> before;
  // Expected.
  std::vector<std::string> path;
  std::string error;         // substring of the returned error; "" = OK
  std::string region_error;  // kind of the returned region error; "fake" = the fake one
  std::vector<std::string> backoff;  // "kind+n", sorted
  bool region_valid = true;
};

std::string Access(int store, bool replica, bool stale, int forward = 0) {
  std::string s = absl::StrCat("{addr: store", store, ", replica-read: ", replica ? "true" : "false",
                               ", stale-read: ", stale ? "true" : "false");
  if (forward != 0) absl::StrAppend(&s, ", forward_addr: store", forward);
  return s + "}";
}

struct World {
  sim::SimEnv env{sim::SimOptions{.seed = 20261122}};
  FakePd pd{env, 1};
  std::unique_ptr<pd::RpcPdClient> pd_client;
  std::unique_ptr<RegionCache> cache;
  std::unique_ptr<StoreCache> stores;
  ScriptedClient client;
  std::unique_ptr<RegionRequestSender> sender;
  bool unreachable = false;  // every liveness probe answers unreachable (client-go injection)
  bool enable_forwarding = false;

  explicit World(int n = 3) {
    for (int i = 1; i <= n; ++i) AddStore(i);
    pd.SplitAt({}, {1, 2, 3});
    client.region = [this]() -> const metapb::Region* {
      std::shared_ptr<const Region> r = CachedRegion();
      if (r != nullptr) last_region_ = r->meta;
      return &last_region_;
    };
  }
  void AddStore(int i) {
    metapb::Store s;
    s.set_id(i);
    s.set_address(absl::StrCat("store", i));
    metapb::StoreLabel* l = s.add_labels();
    l->set_key("id");
    l->set_value(std::to_string(i));
    pd.PutStore(s);
  }
  void Start() {
    pd::PdClientOptions o;
    o.endpoints = pd.endpoints();
    pd_client = *pd::RpcPdClient::Create(env, o);
    Reset();
  }
  // Fresh caches (client-go resetStoreState + invalidateRegion between cases).
  void Reset() {
    if (stores != nullptr) stores->Close();
    sender.reset();
    unreachable = false;
    cache = std::make_unique<RegionCache>(env, *pd_client);
    stores = std::make_unique<StoreCache>(env, *pd_client);
    stores->set_liveness_func([this](const StoreInfo&) {
      return unreachable ? Liveness::kUnreachable : Liveness::kReachable;
    });
    client.on_send_failure = [this] { unreachable = true; };
    SenderOptions so;
    so.random = [](uint64_t) { return uint64_t{0}; };
    so.enable_forwarding = enable_forwarding;
    sender = std::make_unique<RegionRequestSender>(env, *cache, *stores, client, so);
  }
  void Stop() {
    if (stores != nullptr) stores->Close();
    pd_client->Close();
  }
  RegionVerId Locate() {
    Backoffer bo(env, kLocateRegionMaxBackoffMs);
    absl::StatusOr<KeyLocation> loc = cache->LocateKey(bo, "key");
    EXPECT_TRUE(loc.ok()) << loc.status();
    return loc.ok() ? loc->region : RegionVerId{};
  }
  std::shared_ptr<const Region> CachedRegion() { return cache->GetCachedRegion(Locate()); }
  // Moves the leader in PD and drops the cached region (client-go changeRegionLeader).
  void ChangeLeader(uint64_t store) {
    std::shared_ptr<const Region> r = CachedRegion();
    pd.PutRegion(r->meta, store);
    cache->InvalidateRegion(r->VerId(), InvalidReason::kOther);
  }

  rpc::Request Build(const Case& c) {
    std::unique_ptr<google::protobuf::Message> msg;
    if (c.type == rpc::CmdType::kGet) {
      auto get = std::make_unique<kvrpcpb::GetRequest>();
      get->set_key("key");
      msg = std::move(get);
    } else {
      msg = std::make_unique<kvrpcpb::PrewriteRequest>();
    }
    rpc::Request req(c.type, std::move(msg));
    if (c.stale) {
      req.EnableStaleWithMixedReplicaRead();
    } else {
      req.SetReplicaReadType(c.read);
    }
    if (c.busy_threshold_ms > 0) req.mutable_context()->set_busy_threshold_ms(c.busy_threshold_ms);
    return req;
  }

  // Runs one case and checks it (client-go replicaSelectorAccessPathCase.run + checkResult).
  // Returns false when a scripted answer was implausible for the request it met.
  bool Run(const Case& c, const std::string& name) {
    SCOPED_TRACE(name);
    if (!c.keep_state) Reset();
    if (c.before) c.before();
    client.access.clear();
    client.errs = c.errs;
    client.implausible = false;
    rpc::Request req = Build(c);
    StoreSelectorOptions opts;
    if (c.label_id.has_value()) {
      metapb::StoreLabel l;
      l.set_key("id");
      l.set_value(std::to_string(*c.label_id));
      opts.labels.push_back(l);
    }
    const RegionVerId ver = Locate();
    Backoffer bo(env, 40000);
    absl::StatusOr<rpc::Response> resp = sender->SendReqCtx(
        bo, req, ver, c.timeout > Duration::zero() ? c.timeout : kReadTimeoutShort, opts);
    EXPECT_EQ(absl::StrJoin(client.access, "\n"), absl::StrJoin(c.path, "\n"));
    if (c.error.empty()) {
      EXPECT_TRUE(resp.ok()) << resp.status();
    } else {
      EXPECT_FALSE(resp.ok());
      if (!resp.ok()) {
        EXPECT_NE(resp.status().ToString().find(c.error), std::string::npos) << resp.status();
      }
    }
    if (resp.ok()) {
      const errorpb::Error* re = resp->region_error();
      if (c.region_error == "fake") {
        EXPECT_TRUE(re != nullptr && IsFakeRegionError(*re)) << KindOf(re);
      } else {
        EXPECT_EQ(KindOf(re), c.region_error);
        // (An empty scripted EpochNotMatch is indistinguishable from the fake one.)
        if (re != nullptr && c.region_error != "epoch_not_match") {
          EXPECT_FALSE(IsFakeRegionError(*re));
        }
      }
    }
    std::set<std::string> kinds;
    for (const std::string& t : bo.GetTypes()) kinds.insert(t);
    std::vector<std::string> detail;
    for (const std::string& k : kinds) detail.push_back(absl::StrCat(k, "+", bo.BackoffTimes(k)));
    EXPECT_EQ(absl::StrJoin(detail, ","), absl::StrJoin(c.backoff, ","));
    EXPECT_EQ(bo.TotalBackoffTimes(), static_cast<int>(
        [&] { int n = 0; for (const auto& d : c.backoff) n += std::stoi(d.substr(d.find('+') + 1)); return n; }()));
    EXPECT_EQ(cache->GetCachedRegion(ver) != nullptr, c.region_valid);
    return !client.implausible;
  }

 private:
  metapb::Region last_region_;
};

void RunWorld(World& w, absl::AnyInvocable<void() &&> body) {
  RunOnFiber(w.env, [&w, body = std::move(body)]() mutable {
    w.Start();
    absl::Cleanup stop = [&w] { w.Stop(); };
    std::move(body)();
  });
}

rpc::Request MixedStaleGet() {
  kvrpcpb::GetRequest get;
  get.set_key("a");
  rpc::Request req = rpc::Request::Of(rpc::CmdType::kGet, get);
  req.SetReplicaReadType(rpc::ReplicaReadType::kMixed);
  req.EnableStaleWithMixedReplicaRead();
  return req;
}

std::unique_ptr<ReplicaSelector> NewSelector(World& w, const rpc::Request& req,
                                             StoreSelectorOptions opts = {}) {
  return ReplicaSelector::Create(*w.cache, *w.stores, w.Locate(), req, std::move(opts),
                                 [](uint64_t) { return uint64_t{0}; });
}

// Ports client-go internal/locate/replica_selector_test.go TestReplicaSelectorBasic.
TEST(ReplicaSelectorTest, Basic) {
  World w;
  RunWorld(w, [&] {
    rpc::Request req = MixedStaleGet();
    const RegionVerId ver = w.Locate();
    w.cache->InvalidateRegion(ver, InvalidReason::kOther);
    EXPECT_EQ(ReplicaSelector::Create(*w.cache, *w.stores, ver, req, {},
                                      [](uint64_t) { return uint64_t{0}; }),
              nullptr);

    std::unique_ptr<ReplicaSelector> s = NewSelector(w, req);
    ASSERT_NE(s, nullptr);
    Backoffer bo(w.env, 1000);
    for (std::string_view want : {"leader", "follower", "follower", "unknown"}) {
      absl::StatusOr<std::optional<RpcTarget>> t = s->Next(bo, req);
      ASSERT_TRUE(t.ok()) << t.status();
      EXPECT_EQ(s->ReplicaType(), want);
    }

    s = NewSelector(w, req);
    ASSERT_NE(s, nullptr);
    absl::StatusOr<std::optional<RpcTarget>> t = s->Next(bo, req);
    ASSERT_TRUE(t.ok() && t->has_value());
    w.cache->InvalidateRegion(w.Locate(), InvalidReason::kOther);
    // The region the selector was built on is gone: no more targets.
    t = s->Next(bo, req);
    ASSERT_TRUE(t.ok());
    EXPECT_FALSE(t->has_value());
  });
}

// Ports client-go internal/locate/replica_selector_test.go TestReplicaSelectorCalculateScore.
TEST(ReplicaSelectorTest, CalculateScore) {
  World w;
  RunWorld(w, [&] {
    kvrpcpb::GetRequest get;
    get.set_key("a");
    rpc::Request req = rpc::Request::Of(rpc::CmdType::kGet, get);
    req.SetReplicaReadType(rpc::ReplicaReadType::kMixed);
    std::unique_ptr<ReplicaSelector> s = NewSelector(w, req);
    ASSERT_NE(s, nullptr);
    const std::vector<metapb::StoreLabel> none;
    metapb::StoreLabel zone;
    zone.set_key("zone");
    zone.set_value("us-west-1");
    const std::vector<metapb::StoreLabel> zone_labels{zone};
    for (int i = 0; i < 3; ++i) {
      SCOPED_TRACE(i);
      const bool leader = i == s->leader_index();
      EXPECT_EQ(leader, s->replicas()[i].peer.store_id() == 1u);
      const uint64_t store = s->replicas()[i].peer.store_id();
      EXPECT_FALSE(w.stores->GetOrInsert(store).slow);
      using P = ReplicaSelectorTestPeer;
      EXPECT_EQ(P::Score(*s, i, false, false, false, none),
                leader ? kLabelMatches | kNotSlow | kNotAttempted
                       : kLabelMatches | kNormalPeer | kNotSlow | kNotAttempted);
      w.stores->MarkAlreadySlow(store);
      EXPECT_TRUE(w.stores->GetOrInsert(store).slow);
      EXPECT_EQ(P::Score(*s, i, false, false, false, none),
                leader ? kLabelMatches | kNotAttempted : kLabelMatches | kNormalPeer | kNotAttempted);
      EXPECT_EQ(P::Score(*s, i, true, false, false, none), kLabelMatches | kNormalPeer | kNotAttempted);
      // A slow leader is not preferred.
      EXPECT_EQ(P::Score(*s, i, true, true, false, none), kLabelMatches | kNormalPeer | kNotAttempted);
      EXPECT_EQ(P::Score(*s, i, false, false, true, none), kLabelMatches | kNotAttempted);
      EXPECT_EQ(P::Score(*s, i, false, false, true, zone_labels), kNotAttempted);
      EXPECT_EQ(P::Score(*s, i, true, false, false, zone_labels),
                leader ? kPreferLeader | kNotAttempted : kNormalPeer | kNotAttempted);
      EXPECT_EQ(P::Score(*s, i, false, true, false, zone_labels), kNormalPeer | kNotAttempted);
    }
  });
}

// Ports client-go internal/locate/replica_selector_test.go TestCanFastRetry.
TEST(ReplicaSelectorTest, CanFastRetry) {
  World w;
  RunWorld(w, [&] {
    Backoffer bo(w.env, 1000);
    kvrpcpb::GetRequest get;
    get.set_key("key");
    rpc::Request stale = rpc::Request::Of(rpc::CmdType::kGet, get);
    stale.EnableStaleWithMixedReplicaRead();
    std::unique_ptr<ReplicaSelector> s = NewSelector(w, stale);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(s->Next(bo, stale).ok());
      EXPECT_TRUE(ReplicaSelectorTestPeer::CanFastRetry(*s));
    }
    rpc::Request leader = rpc::Request::Of(rpc::CmdType::kGet, get);
    s = NewSelector(w, leader);
    for (int i = 0; i < 12; ++i) {
      SCOPED_TRACE(i);
      ASSERT_TRUE(s->Next(bo, leader).ok());
      // The leader stays a candidate until its 10 attempts are used up.
      EXPECT_EQ(ReplicaSelectorTestPeer::CanFastRetry(*s), i > 8);
    }
  });
}

// Ports client-go internal/locate/replica_selector_test.go TestPendingBackoff.
TEST(ReplicaSelectorTest, PendingBackoff) {
  World w;
  RunWorld(w, [&] {
    rpc::Request req = MixedStaleGet();
    std::unique_ptr<ReplicaSelector> s = NewSelector(w, req);
    using P = ReplicaSelectorTestPeer;
    Backoffer bo(w.env, 100000);
    EXPECT_TRUE(s->BackoffOnRetry(0, bo).ok());
    EXPECT_TRUE(s->BackoffOnRetry(1, bo).ok());
    EXPECT_TRUE(s->BackoffOnNoCandidate(bo).ok());
    EXPECT_EQ(bo.TotalBackoffTimes(), 0);
    P::AddPendingBackoff(*s, 0, BackoffKind::kRegionScheduling, "err-0");
    P::AddPendingBackoff(*s, 1, BackoffKind::kTikvRpc, "err-1");
    P::AddPendingBackoff(*s, 2, BackoffKind::kTikvDiskFull, "err-2");
    EXPECT_EQ(P::PendingBackoffs(*s), 3u);
    P::AddPendingBackoff(*s, 1, BackoffKind::kTikvServerBusy, "err-3");  // replaces err-1
    EXPECT_EQ(P::PendingBackoffs(*s), 3u);
    EXPECT_TRUE(s->BackoffOnRetry(0, bo).ok());
    EXPECT_EQ(bo.BackoffTimes("regionScheduling"), 1);
    EXPECT_EQ(P::PendingBackoffs(*s), 2u);
    EXPECT_TRUE(s->BackoffOnRetry(10, bo).ok());
    EXPECT_EQ(P::PendingBackoffs(*s), 2u);
    // The largest base wins: tikvServerBusy (2 s) over tikvDiskFull (500 ms).
    EXPECT_TRUE(s->BackoffOnNoCandidate(bo).ok());
    EXPECT_EQ(bo.BackoffTimes("tikvServerBusy"), 1);
    EXPECT_EQ(bo.BackoffTimes("tikvDiskFull"), 0);
  });
}

// Ports client-go internal/locate/replica_selector_test.go TestReplicaReadAccessPathByBasicCase:
// every retryable and every non-retryable region error, for each read type.
TEST(ReplicaSelectorTest, AccessPathByBasicCase) {
  World w;
  RunWorld(w, [&] {
    const std::vector<Err> retryable{Err::kServerIsBusy,         Err::kServerIsBusyWithWait,
                                     Err::kStaleCommand,         Err::kMaxTimestampNotSynced,
                                     Err::kProposalInMergingMode, Err::kReadIndexNotReady,
                                     Err::kRegionNotInitialized, Err::kDiskFull};
    const std::vector<Err> no_retry{Err::kRegionNotFound,     Err::kKeyNotInRegion,
                                    Err::kEpochNotMatch,      Err::kStoreNotMatch,
                                    Err::kRaftEntryTooLarge,  Err::kRecoveryInProgress,
                                    Err::kFlashbackNotPrepared, Err::kIsWitness,
                                    Err::kMismatchPeerId,     Err::kBucketVersionNotMatch};
    using RT = rpc::ReplicaReadType;
    int cases = 0;
    for (rpc::CmdType type : {rpc::CmdType::kGet, rpc::CmdType::kPrewrite}) {
      for (RT read : {RT::kLeader, RT::kFollower, RT::kMixed, RT::kPreferLeader}) {
        if (type == rpc::CmdType::kPrewrite && read != RT::kLeader) continue;
        for (bool stale : {false, true}) {
          if (stale && read != RT::kMixed) continue;
          const std::string base = absl::StrCat("type ", static_cast<int>(type), " read ",
                                                static_cast<int>(read), " stale ", stale);
          for (Err e : retryable) {
            std::vector<std::string> backoff;
            switch (e) {
              case Err::kServerIsBusy:
              case Err::kServerIsBusyWithWait:
                if (read == RT::kLeader) backoff = {"tikvServerBusy+1"};
                break;
              case Err::kDiskFull: backoff = {"tikvDiskFull+1"}; break;
              case Err::kRegionNotInitialized: backoff = {"regionNotInitialized+1"}; break;
              case Err::kReadIndexNotReady:
              case Err::kProposalInMergingMode: backoff = {"regionScheduling+1"}; break;
              case Err::kMaxTimestampNotSynced: backoff = {"maxTsNotSynced+1"}; break;
              default: break;
            }
            std::vector<std::string> path{Access(1, false, false), Access(2, true, false)};
            if (read == RT::kLeader) {
              path = {Access(1, false, false), Access(1, false, false)};
            } else if (read == RT::kFollower) {
              if (e == Err::kServerIsBusy) backoff.clear();
              path = {Access(2, true, false), Access(3, true, false)};
            } else {
              if (e == Err::kServerIsBusy) backoff.clear();
              if (stale) {
                const bool busy = e == Err::kServerIsBusy || e == Err::kServerIsBusyWithWait;
                path = {Access(1, false, true), busy ? Access(2, false, true) : Access(2, true, false)};
              }
            }
            Case c{.type = type, .read = read, .stale = stale, .errs = {e}, .path = path,
                   .backoff = backoff};
            EXPECT_TRUE(w.Run(c, absl::StrCat(base, " retryable ", static_cast<int>(e))));
            ++cases;
          }
          for (Err e : no_retry) {
            std::vector<std::string> backoff;
            bool valid = false;
            std::string error;
            const errorpb::Error scripted = *RegionErrorOf(e);
            std::string region_error = KindOf(&scripted);
            std::vector<std::string> path{Access(1, false, false)};
            switch (e) {
              case Err::kRecoveryInProgress: backoff = {"regionRecoveryInProgress+1"}; break;
              case Err::kIsWitness: backoff = {"isWitness+1"}; break;
              case Err::kBucketVersionNotMatch: valid = true; break;
              case Err::kRaftEntryTooLarge:
                error = "raft entry too large";
                region_error.clear();
                valid = true;
                break;
              case Err::kFlashbackNotPrepared:
                error = "is not prepared for the flashback";
                region_error.clear();
                valid = true;
                break;
              default: break;
            }
            if (read == RT::kFollower) {
              if (e == Err::kRegionNotFound) {
                // REG-22: invalidated at once, but this request retries the leader once.
                path = {Access(2, true, false), Access(1, false, false)};
                region_error.clear();
              } else {
                path = {Access(2, true, false)};
              }
            } else if (read == RT::kMixed && stale) {
              path = {Access(1, false, true)};
            }
            Case c{.type = type, .read = read, .stale = stale, .errs = {e}, .path = path,
                   .error = error, .region_error = region_error, .backoff = backoff,
                   .region_valid = valid};
            EXPECT_TRUE(w.Run(c, absl::StrCat(base, " no-retry ", static_cast<int>(e))));
            ++cases;
          }
        }
      }
    }
    EXPECT_EQ(cases, 6 * 18);
  });
}

// Ports client-go internal/locate/replica_selector_test.go TestReplicaReadAccessPathByLeaderCase
// (the leader-read cases without forwarding).
TEST(ReplicaSelectorTest, AccessPathByLeaderCase) {
  World w;
  RunWorld(w, [&] {
    const std::string a1 = Access(1, false, false), a2 = Access(2, false, false),
                      a3 = Access(3, false, false);
    std::vector<Case> cases = {
        {.errs = {}, .path = {a1}},
        {.errs = {Err::kServerIsBusyWithWait, Err::kServerIsBusy},
         .path = {a1, a1, a1},
         .backoff = {"tikvServerBusy+2"}},
        // Two ServerIsBusy(0) from the cached leader: the followers are probed once
        // (tikv/client-go#2028), then the leader is restored and retried with backoff.
        {.errs = std::vector<Err>(11, Err::kServerIsBusy),
         .path = {a1, a1, a2, a3, a1, a1, a1, a1, a1, a1, a1, a1},
         .backoff = {"tikvServerBusy+11"}},
        {.errs = {Err::kNotLeader}, .path = {a1, a2}, .backoff = {"regionScheduling+1"}},
        {.errs = {Err::kNotLeader, Err::kNotLeader},
         .path = {a1, a2, a3},
         .backoff = {"regionScheduling+2"}},
        {.errs = {Err::kNotLeader, Err::kNotLeader, Err::kNotLeader},
         .path = {a1, a2, a3},
         .region_error = "fake",
         .backoff = {"regionScheduling+3"},
         .region_valid = false},
        {.errs = {Err::kNotLeaderNew3}, .path = {a1, a3}},
        {.errs = {Err::kNotLeaderNew3, Err::kServerIsBusy},
         .path = {a1, a3, a3},
         .backoff = {"tikvServerBusy+1"}},
        {.errs = {Err::kDeadlineExceeded},
         .path = {a1, a2},
         .backoff = {"tikvRPC+1"}},
        {.errs = {Err::kDeadlineExceeded, Err::kDeadlineExceeded, Err::kDeadlineExceeded},
         .path = {a1, a2, a3},
         .region_error = "fake",
         .backoff = {"tikvRPC+3"},
         .region_valid = false},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_TRUE(w.Run(cases[i], absl::StrCat("leader case ", i)));
    }
  });
}

// Ports client-go internal/locate/replica_selector_test.go
// TestReplicaReadAccessPathByFollowerCase.
TEST(ReplicaSelectorTest, AccessPathByFollowerCase) {
  World w;
  RunWorld(w, [&] {
    using RT = rpc::ReplicaReadType;
    const std::string f2 = Access(2, true, false), f3 = Access(3, true, false),
                      l1 = Access(1, false, false);
    std::vector<Case> cases = {
        {.read = RT::kFollower, .path = {f2}},
        {.read = RT::kFollower,
         .errs = {Err::kServerIsBusyWithWait, Err::kServerIsBusy},
         .path = {f2, f3, l1}},
        {.read = RT::kFollower,
         .errs = {Err::kServerIsBusy, Err::kServerIsBusyWithWait, Err::kServerIsBusy},
         .path = {f2, f3, l1},
         .region_error = "fake",
         .backoff = {"tikvServerBusy+1"},
         .region_valid = false},
        {.read = RT::kFollower,
         .errs = {Err::kDeadlineExceeded, Err::kServerIsBusy},
         .path = {f2, f3, l1},
         .backoff = {"tikvRPC+1"}},
        // A read with a configurable (short) timeout moves on without probing or backoff.
        {.read = RT::kFollower,
         .timeout = 1s,
         .errs = {Err::kDeadlineExceeded, Err::kServerIsBusy},
         .path = {f2, f3, l1}},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_TRUE(w.Run(cases[i], absl::StrCat("follower case ", i)));
    }
  });
}

// Ports client-go internal/locate/replica_selector_test.go
// TestReplicaReadAccessPathByStaleReadCase (stale read, fallback to the leader on
// DataIsNotReady, label-matched replica first).
TEST(ReplicaSelectorTest, AccessPathByStaleReadCase) {
  World w;
  RunWorld(w, [&] {
    using RT = rpc::ReplicaReadType;
    std::vector<Case> cases = {
        {.read = RT::kMixed, .stale = true, .path = {Access(1, false, true)}},
        {.read = RT::kMixed,
         .stale = true,
         .errs = {Err::kDataIsNotReady},
         .path = {Access(1, false, true), Access(2, true, false)}},
        {.read = RT::kMixed,
         .stale = true,
         .label_id = 2,
         .errs = {Err::kDataIsNotReady},
         .path = {Access(2, false, true), Access(1, false, false)}},
        {.read = RT::kMixed,
         .stale = true,
         .errs = {Err::kDataIsNotReady, Err::kServerIsBusy, Err::kServerIsBusy},
         .path = {Access(1, false, true), Access(2, true, false), Access(3, true, false)},
         .region_error = "fake",
         .backoff = {"tikvServerBusy+1"},
         .region_valid = false},
        {.read = RT::kMixed,
         .stale = true,
         .label_id = 2,
         .errs = {Err::kDataIsNotReady, Err::kNotLeaderNew3},
         .path = {Access(2, false, true), Access(1, false, false), Access(3, false, false)}},
        {.read = RT::kMixed,
         .stale = true,
         .label_id = 2,
         .errs = {Err::kDataIsNotReady, Err::kServerIsBusy, Err::kServerIsBusy,
                  Err::kServerIsBusy},
         .path = {Access(2, false, true), Access(1, false, false), Access(2, false, true),
                  Access(3, false, true)},
         .region_error = "fake",
         .backoff = {"tikvServerBusy+1"},
         .region_valid = false},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_TRUE(w.Run(cases[i], absl::StrCat("stale case ", i)));
    }
  });
}

// Ports client-go internal/locate/replica_selector_test.go
// TestReplicaReadAccessPathByTryIdleReplicaCase (busy threshold: a busy leader yields to an
// idle replica; with none, the threshold is dropped and the leader used).
TEST(ReplicaSelectorTest, AccessPathByTryIdleReplicaCase) {
  World w;
  RunWorld(w, [&] {
    const std::string l1 = Access(1, false, false), l2 = Access(2, false, false),
                      l3 = Access(3, false, false);
    std::vector<Case> cases = {
        {.type = rpc::CmdType::kPrewrite,
         .busy_threshold_ms = 10,
         .errs = {Err::kServerIsBusy, Err::kServerIsBusy},
         .path = {l1, l1, l2},
         .backoff = {"tikvServerBusy+2"}},
        {.busy_threshold_ms = 10,
         .errs = {Err::kServerIsBusyWithWait, Err::kServerIsBusyWithWait},
         .path = {l1, Access(2, true, false), Access(3, true, false)}},
        {.busy_threshold_ms = 10,
         .errs = {Err::kServerIsBusyWithWait, Err::kServerIsBusyWithWait,
                  Err::kServerIsBusyWithWait},
         .path = {l1, Access(2, true, false), Access(3, true, false), l1},
         .backoff = {"tikvServerBusy+1"}},
        {.busy_threshold_ms = 10,
         .errs = {Err::kNotLeader, Err::kNotLeaderNew3, Err::kServerIsBusyWithWait,
                  Err::kNotLeader},
         .path = {l1, l2, l3, l3},
         .region_error = "fake",
         .backoff = {"regionScheduling+2", "tikvServerBusy+1"},
         .region_valid = false},
        {.busy_threshold_ms = 10,
         .errs = {Err::kNotLeader, Err::kNotLeaderNew3, Err::kServerIsBusyWithWait,
                  Err::kServerIsBusy},
         .path = {l1, l2, l3, l3, l3},
         .backoff = {"regionScheduling+1", "tikvServerBusy+2"}},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_TRUE(w.Run(cases[i], absl::StrCat("idle case ", i)));
    }
  });
}

// Ports client-go internal/locate/replica_selector_test.go
// TestReplicaReadAccessPathByLearnerCase.
TEST(ReplicaSelectorTest, AccessPathByLearnerCase) {
  World w;
  w.AddStore(4);
  RunWorld(w, [&] {
    Case c{.read = rpc::ReplicaReadType::kLearner,
           .errs = {Err::kServerIsBusy},
           .path = {Access(4, true, false), Access(1, false, false)}};
    c.before = [&] {
      metapb::Region r = w.CachedRegion()->meta;
      metapb::Peer* learner = r.add_peers();
      learner->set_id(2000);
      learner->set_store_id(4);
      learner->set_role(metapb::PeerRole::Learner);
      r.mutable_region_epoch()->set_conf_ver(r.region_epoch().conf_ver() + 1);
      w.pd.PutRegion(r, 1);
      w.cache->InvalidateRegion(w.Locate(), InvalidReason::kOther);
    };
    EXPECT_TRUE(w.Run(c, "learner"));
  });
}

// Ports client-go internal/locate/replica_selector_test.go TestReplicaReadAvoidSlowStore: a
// store whose TiKV-side slow score is high loses the NotSlow bit.
TEST(ReplicaSelectorTest, AvoidSlowStore) {
  World w;
  RunWorld(w, [&] {
    w.ChangeLeader(3);
    auto make_slow = [&] {
      (void)w.stores->GetOrInsert(1);
      kvrpcpb::HealthFeedback f;
      f.set_store_id(1);
      f.set_slow_score(100);
      w.stores->RecordHealthFeedback(f);
      ASSERT_TRUE(w.stores->GetOrInsert(1).slow);
    };
    for (bool stale : {false, true}) {
      for (bool with_label : {false, true}) {
        const std::string name = absl::StrCat("stale ", stale, " label ", with_label);
        std::optional<uint64_t> label;
        if (with_label) label = 1;
        const rpc::ReplicaReadType mixed = rpc::ReplicaReadType::kMixed;
        EXPECT_TRUE(w.Run(Case{.read = mixed, .stale = stale, .label_id = label,
                               .path = {Access(1, !stale, stale)}},
                          name + " not slow"));
        const int first = with_label ? 3 : 2;  // with a label the leader is preferred
        EXPECT_TRUE(w.Run(Case{.read = mixed, .stale = stale, .label_id = label,
                               .before = make_slow,
                               .path = {Access(first, !stale && first != 3, stale)}},
                          name + " slow"));
        std::string second = (stale || with_label) ? Access(3, false, false)
                                                   : Access(2, true, false);
        EXPECT_TRUE(w.Run(Case{.read = mixed, .stale = stale, .label_id = label,
                               .errs = {Err::kServerIsBusy},
                               .path = {Access(1, !stale, stale), second}},
                          name + " not slow, busy"));
        if (first == 3) {
          second = stale ? Access(2, false, true) : Access(2, true, false);
        } else {
          second = Access(3, false, false);
        }
        EXPECT_TRUE(w.Run(Case{.read = mixed, .stale = stale, .label_id = label,
                               .errs = {Err::kServerIsBusy}, .before = make_slow,
                               .path = {Access(first, !stale && first != 3, stale), second}},
                          name + " slow, busy"));
      }
    }
  });
}

// Ports client-go internal/locate/replica_selector_test.go
// TestReplicaReadAccessPathByProxyCase (ROUTE-06): with forwarding on, an unreachable leader
// is reached through a follower with the forwarded-host metadata; the proxy that worked is
// used directly next time; when every proxy fails the region is invalidated.
TEST(ReplicaSelectorTest, AccessPathByProxyCase) {
  World w;
  w.enable_forwarding = true;
  RunWorld(w, [&] {
    const std::string l1 = Access(1, false, false), l2 = Access(2, false, false),
                      l3 = Access(3, false, false);
    const std::string p2 = Access(2, false, false, 1), p3 = Access(3, false, false, 1);
    std::vector<Case> cases = {
        {.errs = {Err::kDeadlineExceeded}, .path = {l1, p2}, .backoff = {"tikvRPC+1"}},
        // Same stores, same region: the known proxy is used at once.
        {.keep_state = true, .path = {p2}},
        {.errs = {Err::kDeadlineExceeded, Err::kDeadlineExceeded, Err::kDeadlineExceeded},
         .path = {l1, p2, p3},
         .region_error = "fake",
         .backoff = {"tikvRPC+3"},
         .region_valid = false},
        {.errs = {Err::kDeadlineExceeded, Err::kNotLeaderNew2, Err::kDeadlineExceeded,
                  Err::kServerIsBusy},
         .path = {l1, p2, l2, Access(3, false, false, 2)},
         .region_error = "fake",
         .backoff = {"tikvRPC+2", "tikvServerBusy+1"},
         .region_valid = false},
        {.errs = {Err::kDeadlineExceeded, Err::kServerIsBusyWithWait, Err::kServerIsBusyWithWait},
         .path = {l1, p2, p3},
         .region_error = "fake",
         .backoff = {"tikvRPC+1", "tikvServerBusy+2"},
         .region_valid = false},
        {.type = rpc::CmdType::kPrewrite,
         .errs = {Err::kNotLeader},
         .path = {l1, l2},
         .backoff = {"regionScheduling+1"}},
        {.type = rpc::CmdType::kPrewrite,
         .errs = {Err::kDeadlineExceeded, Err::kNotLeader},
         .path = {l1, p2, l3},
         .backoff = {"regionScheduling+1", "tikvRPC+1"}},
        {.type = rpc::CmdType::kPrewrite,
         .errs = {Err::kNotLeaderNew2, Err::kDeadlineExceeded, Err::kNotLeader},
         .path = {l1, l2, Access(3, false, false, 2)},
         .region_error = "fake",
         .backoff = {"regionScheduling+1", "tikvRPC+1"},
         .region_valid = false},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_TRUE(w.Run(cases[i], absl::StrCat("proxy case ", i)));
      if (i == 4) {
        // Every proxy failed: the leader's store was retired (client-go afterRun checks).
        EXPECT_GT(w.stores->Get(1)->epoch, 0u);
      }
    }
  });
}

}  // namespace
}  // namespace tikv::locate
