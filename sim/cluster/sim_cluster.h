// SimCluster: the simulated PD + TiKV cluster behind the protocol cut (protocol.md section 5).
// It owns the topology (stores, regions, epochs), PD's model (TSO, region view, stores, GC
// state, keyspaces), the shared MVCC dataset and raw column families, the per-store max_ts,
// parked pessimistic-lock waiters with the deadlock detector, and the fault rules.
//
// Every RPC is a plain function call: request message in, response message out. Handlers never
// suspend, sleep or hold threads. Time is an explicit input (`now_ms`, virtual or real Unix ms);
// randomness comes from seeded SimRandom streams. A pessimistic lock request that must wait
// returns CallDisposition::kDeferred with a ticket; its reply appears later from
// PollDeferred(now_ms) once the lock is released or the wait times out. The simulated network and
// the gRPC sim server plug in through HandleUnary / HandleBatchCommands / HandlePdUnary.
//
// Models client-go's internal/mockstore/mocktikv (cluster.go, rpc.go, pd.go) with TiKV's and
// PD's real rules. Fiber-confined: not thread-safe; the sim server wraps it in a mutex.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "kvrpcpb.pb.h"
#include "sim/cluster/topology.h"
#include "sim/faults/fault_injector.h"
#include "sim/kv/lock_wait.h"
#include "sim/kv/mvcc_store.h"
#include "sim/kv/raw_commands.h"
#include "sim/pd/pd_model.h"
#include "sim/util/codec.h"
#include "tikvpb.pb.h"

namespace tikv::sim {

// How the cluster is built.
struct ClusterOptions {
  uint64_t cluster_id = 6'930'000'000'000'000'001ULL;
  int num_stores = 3;
  int initial_replicas = 3;  // voters of the bootstrap region, on the first stores
  int num_pd_members = 3;
  kvrpcpb::APIVersion api_version = kvrpcpb::V1;  // storage API version of every store
  uint64_t seed = 1;
  // The lock-wait ceiling (TiKV wait-for-lock-timeout) and the default for wait_timeout == 0.
  int64_t max_lock_wait_ms = 1000;
  // After a legacy wake-up, the other waiters on the key are woken this much later.
  int64_t wake_up_delay_ms = 20;
  // When true, a store syncs max_ts from PD for newly led regions at the start of its next
  // request; when false, regions stay unsynced until SyncMaxTs() is called, so async-commit and
  // 1PC prewrites see MaxTimestampNotSynced.
  bool auto_sync_max_ts = true;
};

// Who receives a call and when.
struct CallContext {
  uint64_t store_id = 0;  // the TiKV store the request was sent to
  int64_t now_ms = 0;     // current (virtual) Unix time in ms
  uint64_t batch_request_id = 0;  // set for BatchCommands arms
};

// What became of a call.
enum class CallDisposition {
  kReplied,    // `resp` holds the answer
  kDeferred,   // a pessimistic lock wait: the answer comes from PollDeferred(ticket)
  kReplyLost,  // executed, but the reply must be dropped (undetermined for the client)
  kDelayedReply,  // `resp` holds the answer, to be sent `reply_delay_ms` later
};

struct CallResult {
  CallDisposition disposition = CallDisposition::kReplied;
  uint64_t ticket = 0;          // kDeferred only
  int64_t reply_delay_ms = 0;   // kDelayedReply only
};

// A transport fault with FaultRule::fail_stream carries this status payload: a BatchCommands
// arm hit by it fails the whole stream.
inline constexpr char kFailStreamPayload[] = "tikv.sim/fail-stream";

// A completed deferred reply.
struct DeferredReply {
  uint64_t ticket = 0;
  uint64_t store_id = 0;
  uint64_t batch_request_id = 0;  // non-zero: answer inside BatchCommands with this id
  kvrpcpb::PessimisticLockResponse response;
};

// Appends a deferred reply that belongs to a BatchCommands stream (batch_request_id != 0) to
// `resp` as a PessimisticLock arm with its request id.
void AppendDeferredToBatch(const DeferredReply& reply, tikvpb::BatchCommandsResponse* resp);

// The outcome of one BatchCommands message.
struct BatchCommandsOutcome {
  // Arms answered now are already in the response; these arms were parked (their answers come
  // from PollDeferred with the same request id) or lost (never answered).
  std::vector<uint64_t> deferred_request_ids;
  std::vector<uint64_t> lost_request_ids;
  // Arms answered now but to be sent later (FaultAction::kApplyThenDelayReply).
  struct DelayedArm {
    uint64_t request_id = 0;
    int64_t delay_ms = 0;
    tikvpb::BatchCommandsResponse::Response response;
  };
  std::vector<DelayedArm> delayed;
};

class SimCluster {
 public:
  // Builds stores "store<i>:20160", PD members "pd<i>", bootstraps one region over the whole
  // key space with a voter on each of the first `initial_replicas` stores (the first leading)
  // and reports it to PD.
  explicit SimCluster(ClusterOptions options = {});
  SimCluster(const SimCluster&) = delete;
  SimCluster& operator=(const SimCluster&) = delete;

  // ---- TiKV entry points ----

  // Answers one unary tikvpb.Tikv call. `method` is the full gRPC name ("/tikvpb.Tikv/KvGet")
  // or the short one ("KvGet"); `req` and `resp` must be the RPC's message types.
  // Errors (a transport failure, the call produced no response): kUnavailable when the store
  // is down or unknown or an injected transport fault fires; kInvalidArgument for a cluster-id
  // mismatch or a wrong message type; kUnimplemented for RPCs the simulator does not serve.
  absl::StatusOr<CallResult> HandleUnary(const CallContext& call, std::string_view method,
                                         const google::protobuf::Message& req,
                                         google::protobuf::Message* resp);

  // Answers one BatchCommands message: every arm is handled independently, answered arms are
  // appended to `resp` with their request ids (in request order), parked arms are answered later
  // through PollDeferred, delayed arms are in the outcome. Errors: kUnavailable when the store
  // is down; an injected transport fault with fail_stream set fails the whole message (the
  // caller breaks the stream with that status).
  absl::StatusOr<BatchCommandsOutcome> HandleBatchCommands(
      const CallContext& call, const tikvpb::BatchCommandsRequest& req,
      tikvpb::BatchCommandsResponse* resp);

  // Completes parked lock waits: wake-ups caused by released locks, and timeouts whose deadline
  // is <= now_ms. Replies come out in completion order.
  std::vector<DeferredReply> PollDeferred(int64_t now_ms);
  // The earliest lock-wait deadline or delayed wake-up, so a scheduler can call PollDeferred
  // in time.
  std::optional<int64_t> NextDeferredDeadline() const;
  size_t parked_waiters() const { return waiters_.size(); }

  // ---- PD entry points ----

  // Answers one pdpb.PD or keyspacepb.Keyspace call ("/pdpb.PD/GetRegion", "Tso", ...). The
  // TSO stream is served one TsoRequest at a time through this entry point. Errors:
  // kUnavailable when no PD member is up or leading; kFailedPrecondition for a cluster-id
  // mismatch; kUnimplemented for unknown methods. PD header errors travel in the response.
  absl::Status HandlePdUnary(std::string_view method, const google::protobuf::Message& req,
                             google::protobuf::Message* resp, int64_t now_ms);

  // ---- Cluster operations (the fault catalogue's topology family) ----

  // Splits the region containing transactional key `keys[0]` at transactional keys `keys`
  // (memcomparable-encoded into TiKV space; they must all fall in one region). With
  // report_to_pd false, PD keeps its old view (client-go's mockSplitRegionNotReportToPD) until
  // ReportAllRegions(). Returns the resulting region ids.
  absl::StatusOr<std::vector<uint64_t>> SplitAt(const std::vector<std::string>& user_keys,
                                                bool report_to_pd = true);
  // The same for raw keys, mapped with the raw layout (API V1/V1TTL: as they are; V2: encoded).
  absl::StatusOr<std::vector<uint64_t>> SplitAtRaw(const std::vector<std::string>& raw_keys,
                                                   bool report_to_pd = true);
  // The same with TiKV-space keys taken verbatim as the new boundaries (what PD stores). In API
  // V1 a boundary "conf/m" splits raw keys at "conf/m" and transactional keys at the first key
  // whose encoding is >= "conf/m"; but client-go's V1 transactional codec cannot decode such a
  // boundary, so clusters serving transactional clients split with SplitAt (encoded keys).
  absl::StatusOr<std::vector<uint64_t>> SplitAtTikvKeys(const std::vector<std::string>& tikv_keys,
                                                        bool report_to_pd = true);
  absl::Status Merge(uint64_t source_region, uint64_t target_region);
  absl::Status PrepareMerge(uint64_t source_region);
  absl::Status TransferLeader(uint64_t region_id, uint64_t store_id);
  absl::Status ClearLeader(uint64_t region_id);
  absl::StatusOr<uint64_t> AddPeer(uint64_t region_id, uint64_t store_id, bool learner,
                                   bool initialized = true);
  absl::Status RemovePeer(uint64_t region_id, uint64_t store_id);
  absl::Status PromoteLearner(uint64_t region_id, uint64_t store_id);
  absl::StatusOr<uint64_t> ReplacePeer(uint64_t region_id, uint64_t store_id);
  // Stops a store (its lock waiters are dropped; leaders move) or restarts it.
  absl::Status SetStoreUp(uint64_t store_id, bool up);
  // Makes a store slow: every request answers ServerIsBusy{estimated_wait_ms} (0 = healthy).
  absl::Status SetStoreBusy(uint64_t store_id, uint32_t estimated_wait_ms);
  absl::Status ChangePdLeader(uint64_t member_id);
  // Makes every region's view in PD match the truth again.
  void ReportAllRegions();
  // Syncs max_ts from PD for every (store, region) whose leader is not synced yet.
  void SyncMaxTs(int64_t now_ms);

  // Leaves a lock of a simulated concurrent transaction on user key `key` (a "ghost" lock):
  // type Put, the given primary, start_ts and ttl.
  void InjectLock(const std::string& key, const std::string& primary, uint64_t start_ts,
                  uint64_t ttl_ms, bool async_commit = false);
  // Commits a value directly (a transaction that prewrote and committed off-stage).
  void InjectCommitted(const std::string& key, const std::string& value, uint64_t start_ts,
                       uint64_t commit_ts);

  // ---- Accessors ----
  ClusterTopology& topology() { return topology_; }
  PdModel& pd() { return pd_; }
  MvccStore& mvcc() { return mvcc_; }
  RawStore& raw() { return raw_; }
  FaultInjector& faults() { return faults_; }
  const ClusterOptions& options() const { return options_; }
  // The first store id (stores are numbered in creation order).
  std::vector<uint64_t> store_ids() const;
  // The region containing transactional key `user_key` (memcomparable layout).
  const SimRegion* RegionForKey(std::string_view user_key) const;
  // A Context addressed to the current leader of the region containing transactional key
  // `user_key`.
  kvrpcpb::Context ContextForKey(std::string_view user_key) const;
  // The same for raw keys (RawKeyLayout of the cluster's API version).
  const SimRegion* RegionForRawKey(std::string_view raw_key) const;
  kvrpcpb::Context ContextForRawKey(std::string_view raw_key) const;
  // Key layouts of this cluster's raw and transactional commands.
  KeyLayout raw_layout() const { return RawKeyLayout(options_.api_version); }
  KeyLayout txn_layout() const { return TxnKeyLayout(options_.api_version); }

  // Runs every model invariant (topology, MVCC). Returns the first violation as kInternal.
  absl::Status CheckInvariants();

 private:
  ClusterOptions options_;
  ClusterTopology topology_;
  PdModel pd_;
  MvccStore mvcc_;
  RawStore raw_;
  FaultInjector faults_;
  LockWaitTable waiters_;
  DeadlockDetector deadlocks_;
  std::vector<DeferredReply> ready_;
  uint64_t next_ticket_ = 0;
  std::set<uint64_t> unreported_regions_;
  uint64_t last_gc_safe_point_ = 0;
  std::map<uint64_t, uint64_t> health_seq_;
  std::set<uint64_t> scattered_regions_;
  // Keys whose remaining legacy waiters are woken once the wake-up delay has passed (TiKV's
  // wake-up-delay-duration, 20 ms): key -> (due time, holder start_ts, holder commit_ts).
  struct DelayedWakeUp {
    int64_t due_ms = 0;
    uint64_t holder_start_ts = 0;
    uint64_t holder_commit_ts = 0;
  };
  std::map<std::string, DelayedWakeUp> delayed_wakeups_;

  void SyncPd();
  // A Context addressed to the leader of `r` (empty for nullptr).
  kvrpcpb::Context ContextForRegion(const SimRegion* r) const;
  // Parks or fails a pessimistic lock request that met a foreign lock.
  absl::StatusOr<CallResult> ParkLockRequest(const CallContext& call,
                                             const kvrpcpb::PessimisticLockRequest& req,
                                             std::string key, const Lock& holder,
                                             kvrpcpb::PessimisticLockResponse* resp);
  // Wakes waiters of locks released by the last command.
  void WakeWaiters(int64_t now_ms);
  // Wakes the remaining waiters of keys whose wake-up delay has passed.
  void RunDelayedWakeUps(int64_t now_ms);
  // Re-runs a force-lock waiter's request on its key's current state.
  void RetryWaiter(LockWaiter waiter, int64_t now_ms);
  void RunGcIfAdvanced();
};

}  // namespace tikv::sim
