// SimCluster construction, cluster operations, PD synchronisation and deferred lock-wait
// replies. The TiKV dispatch is in tikv_dispatch.cc and the PD dispatch in pd_dispatch.cc.

#include "sim/cluster/sim_cluster.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "sim/kv/txn_commands.h"

namespace tikv::sim {

void AppendDeferredToBatch(const DeferredReply& reply, tikvpb::BatchCommandsResponse* resp) {
  *resp->add_responses()->mutable_pessimisticlock() = reply.response;
  resp->add_request_ids(reply.batch_request_id);
}

SimCluster::SimCluster(ClusterOptions options)
    : options_(options), pd_(options.cluster_id), faults_(options.seed) {
  std::vector<uint64_t> stores;
  for (int i = 1; i <= options_.num_stores; ++i) {
    stores.push_back(topology_.AddStore(absl::StrCat("store", i, ":20160"),
                                        {{"zone", absl::StrCat("z", (i - 1) % 3 + 1)}}));
  }
  for (int i = 1; i <= options_.num_pd_members; ++i) {
    pd_.AddMember(absl::StrCat("pd", i), absl::StrCat("http://pd", i, ":2379"));
  }
  if (static_cast<int>(stores.size()) > options_.initial_replicas) {
    stores.resize(static_cast<size_t>(std::max(1, options_.initial_replicas)));
  }
  (void)topology_.Bootstrap(stores);
  keyspacepb::KeyspaceMeta def;
  def.set_id(0);
  def.set_name("DEFAULT");
  def.set_state(keyspacepb::ENABLED);
  pd_.PutKeyspace(def);
  SyncPd();
}

std::vector<uint64_t> SimCluster::store_ids() const {
  std::vector<uint64_t> ids;
  for (const auto& [id, s] : topology_.stores()) ids.push_back(id);
  return ids;
}

const SimRegion* SimCluster::RegionForKey(std::string_view user_key) const {
  return topology_.LocateKey(ToPdKey(txn_layout(), user_key));
}

const SimRegion* SimCluster::RegionForRawKey(std::string_view raw_key) const {
  return topology_.LocateKey(ToPdKey(raw_layout(), raw_key));
}

kvrpcpb::Context SimCluster::ContextForKey(std::string_view user_key) const {
  return ContextForRegion(RegionForKey(user_key));
}

kvrpcpb::Context SimCluster::ContextForRawKey(std::string_view raw_key) const {
  return ContextForRegion(RegionForRawKey(raw_key));
}

kvrpcpb::Context SimCluster::ContextForRegion(const SimRegion* r) const {
  kvrpcpb::Context ctx;
  if (r == nullptr) return ctx;
  ctx.set_region_id(r->id);
  ctx.mutable_region_epoch()->set_conf_ver(r->conf_ver);
  ctx.mutable_region_epoch()->set_version(r->version);
  if (const SimPeer* l = r->Leader()) {
    ctx.mutable_peer()->set_id(l->id);
    ctx.mutable_peer()->set_store_id(l->store_id);
  }
  // A V1TTL server takes V1 requests; only V2 changes what the client sends.
  ctx.set_api_version(options_.api_version == kvrpcpb::V2 ? kvrpcpb::V2 : kvrpcpb::V1);
  return ctx;
}

void SimCluster::SyncPd() {
  std::set<uint64_t> live;
  for (const SimRegion* r : topology_.RegionsInKeyOrder()) {
    live.insert(r->id);
    if (unreported_regions_.count(r->id) != 0) continue;
    const SimPeer* l = r->Leader();
    pd_.PutRegion(r->ToProto(), l == nullptr ? 0 : l->store_id, l == nullptr ? 0 : l->id);
  }
  // Regions merged away disappear from PD unless their removal is unreported.
  std::vector<uint64_t> gone;
  for (const auto* v : pd_.ScanRegions("", "", 0)) {
    if (live.count(v->region.id()) == 0 && unreported_regions_.empty()) {
      gone.push_back(v->region.id());
    }
  }
  for (uint64_t id : gone) pd_.RemoveRegion(id);
  for (const auto& [id, s] : topology_.stores()) pd_.PutStore(s.ToProto());
}

void SimCluster::ReportAllRegions() {
  unreported_regions_.clear();
  SyncPd();
}

absl::StatusOr<std::vector<uint64_t>> SimCluster::SplitAt(
    const std::vector<std::string>& user_keys, bool report_to_pd) {
  std::vector<std::string> pd_keys;
  for (const auto& k : user_keys) pd_keys.push_back(ToPdKey(txn_layout(), k));
  return SplitAtTikvKeys(pd_keys, report_to_pd);
}

absl::StatusOr<std::vector<uint64_t>> SimCluster::SplitAtRaw(
    const std::vector<std::string>& raw_keys, bool report_to_pd) {
  std::vector<std::string> pd_keys;
  for (const auto& k : raw_keys) pd_keys.push_back(ToPdKey(raw_layout(), k));
  return SplitAtTikvKeys(pd_keys, report_to_pd);
}

absl::StatusOr<std::vector<uint64_t>> SimCluster::SplitAtTikvKeys(
    const std::vector<std::string>& pd_keys, bool report_to_pd) {
  if (pd_keys.empty()) return absl::InvalidArgumentError("no split keys");
  const SimRegion* r = topology_.LocateKey(pd_keys.front());
  if (r == nullptr) return absl::NotFoundError("no region for split key");
  auto ids = topology_.Split(r->id, pd_keys);
  if (!ids.ok()) return ids.status();
  if (!report_to_pd) unreported_regions_.insert(ids->begin(), ids->end());
  SyncPd();
  return ids;
}

absl::Status SimCluster::Merge(uint64_t source, uint64_t target) {
  absl::Status s = topology_.Merge(source, target);
  if (s.ok()) {
    pd_.RemoveRegion(source);
    SyncPd();
  }
  return s;
}

absl::Status SimCluster::PrepareMerge(uint64_t source) {
  absl::Status s = topology_.PrepareMerge(source);
  SyncPd();
  return s;
}

absl::Status SimCluster::TransferLeader(uint64_t region_id, uint64_t store_id) {
  absl::Status s = topology_.TransferLeader(region_id, store_id);
  SyncPd();
  return s;
}

absl::Status SimCluster::ClearLeader(uint64_t region_id) {
  absl::Status s = topology_.ClearLeader(region_id);
  SyncPd();
  return s;
}

absl::StatusOr<uint64_t> SimCluster::AddPeer(uint64_t region_id, uint64_t store_id, bool learner,
                                             bool initialized) {
  auto id = topology_.AddPeer(region_id, store_id, learner, initialized);
  SyncPd();
  return id;
}

absl::Status SimCluster::RemovePeer(uint64_t region_id, uint64_t store_id) {
  absl::Status s = topology_.RemovePeer(region_id, store_id);
  SyncPd();
  return s;
}

absl::Status SimCluster::PromoteLearner(uint64_t region_id, uint64_t store_id) {
  absl::Status s = topology_.PromoteLearner(region_id, store_id);
  SyncPd();
  return s;
}

absl::StatusOr<uint64_t> SimCluster::ReplacePeer(uint64_t region_id, uint64_t store_id) {
  auto id = topology_.ReplacePeer(region_id, store_id);
  SyncPd();
  return id;
}

absl::Status SimCluster::SetStoreUp(uint64_t store_id, bool up) {
  absl::Status s = topology_.SetStoreUp(store_id, up);
  if (s.ok() && !up) {
    // A crashed store loses its wait queues; those callers see a transport error, so their
    // deferred replies are simply never produced.
    for (const LockWaiter& w : waiters_.PopStore(store_id)) {
      deadlocks_.RemoveWaiter(w.request.start_version());
    }
  }
  SyncPd();
  return s;
}

absl::Status SimCluster::SetStoreBusy(uint64_t store_id, uint32_t estimated_wait_ms) {
  SimStore* s = topology_.MutableStore(store_id);
  if (s == nullptr) return absl::NotFoundError(absl::StrCat("store ", store_id));
  s->busy_estimated_wait_ms = estimated_wait_ms;
  return absl::OkStatus();
}

absl::Status SimCluster::ChangePdLeader(uint64_t member_id) { return pd_.ChangeLeader(member_id); }

void SimCluster::SyncMaxTs(int64_t now_ms) {
  for (const auto& [id, store] : topology_.stores()) {
    if (store.unsynced_regions.empty() || !store.up) continue;
    auto batch = pd_.AllocateTso(1, now_ms);
    if (!batch.ok()) return;
    SimStore* s = topology_.MutableStore(id);
    s->max_ts = std::max(
        s->max_ts, ComposeTs(batch->physical, static_cast<uint64_t>(batch->logical)));
    s->unsynced_regions.clear();
  }
}

void SimCluster::InjectLock(const std::string& key, const std::string& primary,
                            uint64_t start_ts, uint64_t ttl_ms, bool async_commit) {
  Lock lock;
  lock.type = LockType::kPut;
  lock.primary = primary;
  lock.ts = start_ts;
  lock.ttl = ttl_ms;
  lock.value = "ghost";
  lock.min_commit_ts = start_ts + 1;
  lock.use_async_commit = async_commit;
  lock.txn_size = 1;
  mvcc_.PutLock(key, std::move(lock));
}

void SimCluster::InjectCommitted(const std::string& key, const std::string& value,
                                 uint64_t start_ts, uint64_t commit_ts) {
  Write w;
  w.type = WriteType::kPut;
  w.start_ts = start_ts;
  w.value = value;
  mvcc_.PutWrite(key, commit_ts, std::move(w));
}

absl::StatusOr<CallResult> SimCluster::ParkLockRequest(const CallContext& call,
                                                       const kvrpcpb::PessimisticLockRequest& req,
                                                       std::string key, const Lock& holder,
                                                       kvrpcpb::PessimisticLockResponse* resp) {
  if (!req.is_first_lock()) {
    if (auto cycle = deadlocks_.Detect(req.start_version(), holder.ts, key)) {
      kvrpcpb::KeyError err;
      kvrpcpb::Deadlock* d = err.mutable_deadlock();
      d->set_lock_ts(holder.ts);
      d->set_lock_key(key);
      d->set_deadlock_key_hash(DeadlockKeyHash(key));
      d->set_deadlock_key(key);
      for (auto& e : *cycle) *d->add_wait_chain() = std::move(e);
      AnswerKeyError(req, std::move(err), resp);
      return CallResult{};
    }
  }
  int64_t wait = req.wait_timeout() == 0 ? options_.max_lock_wait_ms : req.wait_timeout();
  wait = std::min(wait, options_.max_lock_wait_ms);
  LockWaiter w;
  w.ticket = ++next_ticket_;
  w.store_id = call.store_id;
  w.batch_request_id = call.batch_request_id;
  w.request = req;
  w.key = std::move(key);
  w.holder = holder;
  w.start_ms = call.now_ms;
  w.deadline_ms = call.now_ms + wait;
  const uint64_t ticket = w.ticket;
  waiters_.Add(std::move(w));
  return CallResult{CallDisposition::kDeferred, ticket};
}

void SimCluster::WakeWaiters(int64_t now_ms) {
  for (const ReleasedLock& released : mvcc_.TakeReleasedLocks()) {
    // A lock that was merely rewritten (same key re-locked by its owner) is not a release.
    if (const Lock* still = mvcc_.GetLock(released.key);
        still != nullptr && still->ts == released.start_ts) {
      continue;
    }
    auto head = waiters_.PopHead(released.key);
    if (!head) continue;
    deadlocks_.RemoveWaiter(head->request.start_version());
    if (head->request.wake_up_mode() == kvrpcpb::WakeUpModeForceLock) {
      RetryWaiter(std::move(*head), now_ms);
      continue;
    }
    const TxnCommitRecord rec = mvcc_.GetTxnCommitRecord(released.key, released.start_ts);
    const uint64_t commit_ts =
        rec.kind == TxnCommitRecord::Kind::kCommitted ? rec.commit_ts : 0;
    DeferredReply reply;
    reply.ticket = head->ticket;
    reply.store_id = head->store_id;
    reply.batch_request_id = head->batch_request_id;
    AnswerLockWaitWakeUp(head->request, released.key, released.start_ts, commit_ts,
                         &reply.response);
    ready_.push_back(std::move(reply));
    // If the woken transaction never comes back, the others must not sleep until timeout.
    delayed_wakeups_[released.key] =
        DelayedWakeUp{now_ms + options_.wake_up_delay_ms, released.start_ts, commit_ts};
  }
}

void SimCluster::RunDelayedWakeUps(int64_t now_ms) {
  std::vector<std::string> due;
  for (const auto& [key, w] : delayed_wakeups_) {
    if (w.due_ms <= now_ms) due.push_back(key);
  }
  for (const std::string& key : due) {
    const DelayedWakeUp info = delayed_wakeups_[key];
    delayed_wakeups_.erase(key);
    // Only when the key is free again: a new holder gets its own release event.
    if (mvcc_.GetLock(key) != nullptr) continue;
    while (auto w = waiters_.PopHead(key)) {
      deadlocks_.RemoveWaiter(w->request.start_version());
      if (w->request.wake_up_mode() == kvrpcpb::WakeUpModeForceLock) {
        // The first force-lock waiter resumes; it may take the lock, so stop there.
        RetryWaiter(std::move(*w), now_ms);
        break;
      }
      DeferredReply reply;
      reply.ticket = w->ticket;
      reply.store_id = w->store_id;
      reply.batch_request_id = w->batch_request_id;
      AnswerLockWaitWakeUp(w->request, key, info.holder_start_ts, info.holder_commit_ts,
                           &reply.response);
      ready_.push_back(std::move(reply));
    }
  }
}

void SimCluster::RetryWaiter(LockWaiter waiter, int64_t now_ms) {
  const SimRegion* region = RegionForKey(waiter.key);
  SimStore* store = topology_.MutableStore(waiter.store_id);
  DeferredReply reply;
  reply.ticket = waiter.ticket;
  reply.store_id = waiter.store_id;
  reply.batch_request_id = waiter.batch_request_id;
  if (region == nullptr || store == nullptr) return;
  TxnScope scope;
  scope.mvcc = &mvcc_;
  scope.max_ts = &store->max_ts;
  scope.start_key = FromPdKey(txn_layout(), region->start_key);
  scope.end_key = FromPdKey(txn_layout(), region->end_key);
  auto wait = KvPessimisticLock(scope, waiter.request, &reply.response);
  if (wait) {
    // Still locked (by a newer holder): keep waiting until the original deadline.
    waiter.key = wait->key;
    waiter.holder = wait->holder;
    if (waiter.deadline_ms <= now_ms) {
      AnswerLockWaitTimeout(waiter.request, waiter.key, waiter.holder,
                            static_cast<uint64_t>(now_ms - waiter.start_ms), &reply.response);
      ready_.push_back(std::move(reply));
      return;
    }
    waiters_.Add(std::move(waiter));
    return;
  }
  ready_.push_back(std::move(reply));
}

std::vector<DeferredReply> SimCluster::PollDeferred(int64_t now_ms) {
  WakeWaiters(now_ms);
  RunDelayedWakeUps(now_ms);
  for (LockWaiter& w : waiters_.PopExpired(now_ms)) {
    deadlocks_.RemoveWaiter(w.request.start_version());
    DeferredReply reply;
    reply.ticket = w.ticket;
    reply.store_id = w.store_id;
    reply.batch_request_id = w.batch_request_id;
    // Report the lock as it is now (it may have been replaced), with how long we waited.
    const Lock* current = mvcc_.GetLock(w.key);
    AnswerLockWaitTimeout(w.request, w.key, current != nullptr ? *current : w.holder,
                          static_cast<uint64_t>(now_ms - w.start_ms), &reply.response);
    ready_.push_back(std::move(reply));
  }
  std::vector<DeferredReply> out;
  out.swap(ready_);
  return out;
}

std::optional<int64_t> SimCluster::NextDeferredDeadline() const {
  std::optional<int64_t> next = waiters_.NextDeadline();
  for (const auto& [key, w] : delayed_wakeups_) {
    if (!next || w.due_ms < *next) next = w.due_ms;
  }
  return next;
}

void SimCluster::RunGcIfAdvanced() {
  const GcState* st = pd_.GetGcState(kNullKeyspaceId);
  if (st == nullptr || st->gc_safe_point <= last_gc_safe_point_) return;
  last_gc_safe_point_ = st->gc_safe_point;
  mvcc_.Gc(last_gc_safe_point_);
}

absl::Status SimCluster::CheckInvariants() {
  if (absl::Status s = topology_.CheckInvariants(); !s.ok()) return s;
  return mvcc_.CheckInvariants();
}

}  // namespace tikv::sim
