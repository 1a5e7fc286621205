#include "locate/region_request_sender.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "absl/strings/str_cat.h"
#include "tikv/status.h"
#include "tikv/status_proto.h"
#include "util/absl_view.h"

namespace tikv::locate {
namespace {

// A region error for the caller to act on, when no replica is left or the cached region went
// away: EpochNotMatch without regions (client-go "pseudo region error").
absl::StatusOr<rpc::Response> FakeEpochNotMatch(const rpc::Request& request) {
  errorpb::Error error;
  error.set_message("region cache entry is stale or no replica is available");
  error.mutable_epoch_not_match();
  return rpc::GenRegionErrorResponse(request, error);
}

// `base`'s code and payloads with another message.
absl::Status WithMessage(const absl::Status& base, std::string_view message) {
  absl::Status out(base.code(), absl::string_view(message.data(), message.size()));
  base.ForEachPayload([&out](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

std::string TargetText(const RpcTarget& t) {
  std::string out = absl::StrCat("region ", t.region.id, " (ver ", t.region.ver, ", conf_ver ",
                                 t.region.conf_ver, ") peer ", t.peer.id(), " store ",
                                 t.store_id, " at ", t.address);
  if (!t.proxy_address.empty()) {
    absl::StrAppend(&out, " via proxy store ", t.proxy_store_id, " at ", t.proxy_address);
  }
  return out;
}

// The read type a patched request source names first: "leader" from "leader_lightning",
// "stale_follower" from "retry_stale_follower_leader_lightning"; "" when `source` was not
// patched for `input`.  Lets a request resent by its caller keep its first read type (client-go
// keeps it in Request.ReadType).
std::string ReadTypeFromSource(std::string_view source, std::string_view input) {
  const std::string suffix = absl::StrCat("_", util::AbslView(input));
  if (!absl::EndsWith(util::AbslView(source), suffix)) return "";
  std::string_view head = source.substr(0, source.size() - suffix.size());
  constexpr std::string_view kRetry = "retry_";
  constexpr std::string_view kStale = "stale_";
  if (head.substr(0, kRetry.size()) != kRetry) return std::string(head);
  head.remove_prefix(kRetry.size());
  std::string prefix;
  if (head.substr(0, kStale.size()) == kStale) {
    prefix = std::string(kStale);
    head.remove_prefix(kStale.size());
  }
  return prefix + std::string(head.substr(0, head.find('_')));
}

// Port of client-go patchRequestSource: the request source TiKV sees is the read type, then
// "_" and the caller's source (TiKV throttles by the last part).  The first attempt's read type
// is "leader" / "follower", "stale_" in front for a stale read, and is kept in *first_read_type;
// retries send "retry_<first read type>_<this attempt's replica type>".
void PatchRequestSource(rpc::Request& request, std::string_view replica_type,
                        std::string* first_read_type) {
  kvrpcpb::Context* ctx = request.mutable_context();
  std::string head;
  if (ctx->is_retry_request()) {
    head = absl::StrCat("retry_", *first_read_type, "_", util::AbslView(replica_type));
  } else {
    *first_read_type = absl::StrCat(ctx->stale_read() ? "stale_" : "",
                                    util::AbslView(replica_type));
    head = *first_read_type;
  }
  ctx->set_request_source(absl::StrCat(head, "_", request.input_request_source));
}

}  // namespace

std::string_view AccessLocationName(AccessLocation location) {
  switch (location) {
    case AccessLocation::kLocalZone:
      return "local-zone";
    case AccessLocation::kCrossZone:
      return "cross-zone";
    case AccessLocation::kUnknown:
      break;
  }
  return "unknown";
}

// Port of client-go regionErrorToLabel (same order of checks).
std::string_view RegionErrorLabel(const errorpb::Error& e) {
  if (e.has_not_leader()) return "not_leader";
  if (e.has_region_not_found()) return "region_not_found";
  if (e.has_key_not_in_region()) return "key_not_in_region";
  if (e.has_epoch_not_match()) return "epoch_not_match";
  if (e.has_server_is_busy()) {
    return absl::StrContains(e.server_is_busy().reason(), "deadline is exceeded")
               ? "deadline_exceeded"
               : "server_is_busy";
  }
  if (e.has_stale_command()) return "stale_command";
  if (e.has_store_not_match()) return "store_not_match";
  if (e.has_raft_entry_too_large()) return "raft_entry_too_large";
  if (e.has_max_timestamp_not_synced()) return "max_timestamp_not_synced";
  if (e.has_read_index_not_ready()) return "read_index_not_ready";
  if (e.has_proposal_in_merging_mode()) return "proposal_in_merging_mode";
  if (e.has_data_is_not_ready()) return "data_is_not_ready";
  if (e.has_region_not_initialized()) return "region_not_initialized";
  if (e.has_disk_full()) return "disk_full";
  if (e.has_recoveryinprogress()) return "recovery_in_progress";
  if (e.has_flashbackinprogress()) return "flashback_in_progress";
  if (e.has_flashbacknotprepared()) return "flashback_not_prepared";
  if (e.has_is_witness()) return "peer_is_witness";
  if (absl::StrContains(e.message(), "Deadline is exceeded")) return "deadline_exceeded";
  if (e.has_mismatch_peer_id()) return "mismatch_peer_id";
  if (e.has_bucket_version_not_match()) return "bucket_version_not_match";
  if (absl::StrContains(e.message(), "invalid max_ts update")) return "invalid_max_ts_update";
  if (e.has_undetermined_result()) return "undetermined_result";
  return "unknown";
}

void RegionRequestRuntimeStats::RecordRpc(rpc::CmdType cmd, Duration d) {
  Rpc& r = rpcs[cmd];
  ++r.count;
  r.total += d;
}

void RegionRequestRuntimeStats::RecordError(std::string_view label) {
  auto it = errors.find(util::AbslView(label));
  if (it != errors.end()) {
    ++it->second;
  } else if (errors.size() < kMaxErrorLabels) {
    errors.emplace(std::string(label), 1);
  } else {
    ++other_errors;
  }
}

void RegionRequestRuntimeStats::Merge(const RegionRequestRuntimeStats& other) {
  for (const auto& [cmd, r] : other.rpcs) {
    Rpc& mine = rpcs[cmd];
    mine.count += r.count;
    mine.total += r.total;
  }
  // client-go merges error labels without the cap.
  for (const auto& [label, n] : other.errors) errors[label] += n;
  other_errors += other.other_errors;
  for (int i = 0; i < 3; ++i) access[i] += other.access[i];
}

int64_t RegionRequestRuntimeStats::RpcCount(rpc::CmdType cmd) const {
  auto it = rpcs.find(cmd);
  return it == rpcs.end() ? 0 : it->second.count;
}

std::string RegionRequestRuntimeStats::ToString() const {
  std::string out;
  for (const auto& [cmd, r] : rpcs) {
    if (!out.empty()) out += ",";
    absl::StrAppend(&out, util::AbslView(rpc::CmdTypeName(cmd)), ":{num_rpc:", r.count,
                    ", total_time:", absl::FormatDuration(absl::FromChrono(r.total)), "}");
  }
  if (!errors.empty()) {
    std::string errs;
    for (const auto& [label, n] : errors) {
      absl::StrAppend(&errs, errs.empty() ? "" : ", ", label, ":", n);
    }
    if (other_errors > 0) absl::StrAppend(&errs, ", other_error:", other_errors);
    absl::StrAppend(&out, out.empty() ? "" : ", ", "rpc_errors:{", errs, "}");
  }
  return out;
}

RegionRequestSender::RegionRequestSender(Env& env, RegionCache& cache, StoreCache& stores,
                                         rpc::RpcClient& client, SenderOptions options)
    : env_(env),
      cache_(cache),
      stores_(stores),
      client_(client),
      options_(options),
      random_(env.NewRandom("replica-selector")) {}

uint64_t RegionRequestSender::KnownProxy(uint64_t region_id) {
  absl::MutexLock lock(&mu_);
  auto it = proxies_.find(region_id);
  return it == proxies_.end() ? 0 : it->second;
}

void RegionRequestSender::SetKnownProxy(uint64_t region_id, uint64_t store_id) {
  absl::MutexLock lock(&mu_);
  if (store_id == 0) {
    proxies_.erase(region_id);
  } else {
    proxies_[region_id] = store_id;
  }
}

// Port of client-go getStoreToken; unlike client-go the check and the increment are one step.
absl::Status RegionRequestSender::AcquireStoreToken(uint64_t store_id) {
  absl::MutexLock lock(&mu_);
  int64_t& count = store_tokens_[store_id];
  if (count >= options_.store_limit) {
    return absl::ResourceExhaustedError(
        absl::StrCat("store token is up to the limit, store id = ", store_id));
  }
  ++count;
  return absl::OkStatus();
}

void RegionRequestSender::ReleaseStoreToken(uint64_t store_id) {
  absl::MutexLock lock(&mu_);
  auto it = store_tokens_.find(store_id);
  if (it == store_tokens_.end() || it->second <= 0) {
    env_.Log(LogSeverity::kWarning, "region-request",
             absl::StrCat("release store token failed, count is 0, store ", store_id));
    return;
  }
  if (--it->second == 0) store_tokens_.erase(it);
}

// Port of client-go setReqAccessLocation: unknown when either zone is unknown.
AccessLocation RegionRequestSender::AccessLocationOf(uint64_t store_id) const {
  if (options_.zone_label.empty()) return AccessLocation::kUnknown;
  std::optional<StoreInfo> store = stores_.Get(store_id);
  if (!store.has_value()) return AccessLocation::kUnknown;
  std::optional<std::string> zone = store->GetLabelValue("zone");
  if (!zone.has_value() || zone->empty()) return AccessLocation::kUnknown;
  return *zone == options_.zone_label ? AccessLocation::kLocalZone : AccessLocation::kCrossZone;
}

uint64_t RegionRequestSender::RandomBelow(uint64_t n) {
  if (options_.random) return options_.random(n);
  absl::MutexLock lock(&mu_);
  return random_->Uniform(n);
}

absl::StatusOr<rpc::Response> RegionRequestSender::SendReq(Backoffer& bo, rpc::Request& request,
                                                           const RegionVerId& region,
                                                           Duration timeout, SendStats* stats) {
  return SendReqCtx(bo, request, region, timeout, StoreSelectorOptions{}, stats);
}

// Port of client-go internal/locate/region_request.go, SendReqCtx() and sendReqState.next():
// pick a replica, attach the region context, send, then classify the send failure or the
// region error and either retry (maybe after a backoff, maybe on another replica) or return.
absl::StatusOr<rpc::Response> RegionRequestSender::SendReqCtx(
    Backoffer& bo, rpc::Request& request, const RegionVerId& region, Duration timeout,
    const StoreSelectorOptions& selector_options, SendStats* stats) {
  SendStats local;
  SendStats& st = stats != nullptr ? *stats : local;
  const int backoffs_before = bo.TotalBackoffTimes();
  auto finish = [&](absl::StatusOr<rpc::Response> r) {
    st.backoffs = bo.TotalBackoffTimes() - backoffs_before;
    return r;
  };
  if (timeout <= Duration::zero()) timeout = options_.default_timeout;
  if (options_.next_gen) {
    // NextGen TiKV has no follower or stale reads: route as a plain leader read.
    request.SetReplicaReadType(rpc::ReplicaReadType::kLeader);
    request.mutable_context()->set_stale_read(false);
    request.mutable_context()->set_busy_threshold_ms(0);
  }
  kvrpcpb::Context* ctx = request.mutable_context();
  if (ctx->max_execution_duration_ms() == 0) {
    ctx->set_max_execution_duration_ms(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()));
  }
  std::unique_ptr<ReplicaSelector> selector = ReplicaSelector::Create(
      cache_, stores_, region, request, selector_options,
      [this](uint64_t n) { return RandomBelow(n); },
      ForwardingOptions{.enabled = options_.enable_forwarding,
                        .known_proxy_store =
                            options_.enable_forwarding ? KnownProxy(region.id) : 0});
  if (selector == nullptr) return finish(FakeEpochNotMatch(request));
  // A request its caller resends after a region error is still a retry of its first read.
  std::string first_read_type;
  if (ctx->is_retry_request()) {
    first_read_type = ReadTypeFromSource(ctx->request_source(), request.input_request_source);
  }

  for (;;) {
    if (request.IsInterruptible()) {
      if (absl::Status killed = bo.CheckKilled(); !killed.ok()) return finish(killed);
    }
    if (bo.cancel_token().IsCancelled()) return finish(bo.cancel_token().status());

    absl::StatusOr<std::optional<RpcTarget>> next = selector->Next(bo, request);
    if (!next.ok()) return finish(next.status());
    if (!next->has_value()) {
      // No replica left or the region went stale: apply the deferred backoff, then let the
      // caller re-locate (client-go "throwing pseudo region error").
      if (absl::Status s = selector->BackoffOnNoCandidate(bo); !s.ok()) return finish(s);
      return finish(FakeEpochNotMatch(request));
    }
    const RpcTarget& target = **next;
    if (st.attempts > 0) request.mutable_context()->set_is_retry_request(true);
    if (options_.cluster_id != 0) request.mutable_context()->set_cluster_id(options_.cluster_id);
    st.last_access_location = AccessLocationOf(target.store_id);
    if (!request.input_request_source.empty()) {
      PatchRequestSource(request, selector->ReplicaType(), &first_read_type);
    }
    request.SetRegionContext(target.meta, target.peer);
    if (absl::Status s = selector->BackoffOnRetry(target.store_id, bo); !s.ok()) {
      return finish(s);
    }
    if (options_.store_limit > 0) {
      if (absl::Status s = AcquireStoreToken(target.store_id); !s.ok()) return finish(s);
    }

    MonoTime deadline = env_.clock().Now() + timeout;
    if (bo.cancel_token().deadline() < deadline) deadline = bo.cancel_token().deadline();
    const MonoTime start = env_.clock().Now();
    // Through a proxy: the proxy's address, with the leader's as tikv-forwarded-host.
    request.forwarded_host = target.proxy_address.empty() ? std::string() : target.address;
    const std::string& address =
        target.proxy_address.empty() ? target.address : target.proxy_address;
    absl::StatusOr<rpc::Response> response =
        client_.SendRequest(address, request, deadline, &bo.cancel_token());
    if (options_.store_limit > 0) ReleaseStoreToken(target.store_id);
    const Duration rpc_time = env_.clock().Now() - start;
    if (st.runtime != nullptr) {
      st.runtime->RecordRpc(request.type(), rpc_time);
      ++st.runtime->access[static_cast<int>(st.last_access_location)];
      if (!response.ok()) st.runtime->RecordError(util::StdView(response.status().message()));
    }
    selector->RecordAttemptedTime(rpc_time);
    // client-go feeds the client-side slow score from external prefer-leader requests only.
    if (request.replica_read_type() == rpc::ReplicaReadType::kPreferLeader &&
        !absl::StartsWith(request.context().request_source(), "internal")) {
      stores_.RecordRpcLatency(target.store_id, rpc_time);
    }
    ++st.attempts;
    st.last_address = target.address;
    st.last_proxy_address = target.proxy_address;
    st.last_store_id = target.store_id;
    st.last_peer_id = target.peer.id();

    if (!response.ok()) {
      ++st.send_failures;
      if (absl::Status s = OnSendFail(bo, *selector, target, request, response.status());
          !s.ok()) {
        return finish(s);
      }
      continue;
    }
    if (!response->has_message()) {
      return finish(absl::InternalError(absl::StrCat("empty response from ", TargetText(target))));
    }
    const errorpb::Error* region_error = response->region_error();
    if (region_error == nullptr) {
      if (options_.enable_forwarding) SetKnownProxy(target.region.id, target.proxy_store_id);
      selector->OnSendSuccess(request);
      return finish(std::move(response));
    }
    ++st.region_errors;
    if (st.runtime != nullptr) st.runtime->RecordError(RegionErrorLabel(*region_error));
    absl::StatusOr<bool> retry = OnRegionError(bo, *selector, target, request, *region_error);
    if (!retry.ok()) return finish(retry.status());
    if (!*retry) return finish(std::move(response));
  }
}

// Port of client-go internal/locate/region_request.go, onSendFail().
absl::Status RegionRequestSender::OnSendFail(Backoffer& bo, ReplicaSelector& selector,
                                             const RpcTarget& target, rpc::Request& request,
                                             const absl::Status& error) {
  // Cancelled by the caller, or its deadline passed: stop, whatever the transport said.  The
  // token does not read the clock, so the deadline is checked here: probing the store or
  // backing off now would only make the caller wait past its deadline.
  if (bo.cancel_token().IsCancelled()) return bo.cancel_token().status();
  if (options_.shutting_down != nullptr &&
      options_.shutting_down->load(std::memory_order_acquire)) {
    return absl::CancelledError(absl::StrCat("the client is shutting down; send tikv request error: ",
                                             error.message(), ", ctx: ", TargetText(target)));
  }
  if (env_.clock().Now() >= bo.cancel_token().deadline()) {
    return WithMessage(absl::DeadlineExceededError(error.message()),
                       absl::StrCat("deadline exceeded: send tikv request error: ",
                                    error.message(), ", ctx: ", TargetText(target)));
  }
  if (error.code() == absl::StatusCode::kDeadlineExceeded &&
      selector.OnReadRequestConfigurableTimeout(request)) {
    return absl::OkStatus();  // retry another replica at once
  }
  if (error.code() == absl::StatusCode::kCancelled) {
    // Not our cancellation: keepalive or a closing server.  Reconnect next time.
    client_.CloseAddress(target.proxy_address.empty() ? target.address : target.proxy_address);
  }
  if (error.code() == absl::StatusCode::kUnimplemented) {
    // Divergence: client-go retries; a server lacking the RPC will never serve it.
    return error;
  }
  selector.OnSendFailure(bo);
  return bo.Backoff(BackoffKind::kTikvRpc,
                    WithMessage(error, absl::StrCat("send tikv request error: ", error.message(),
                                                    ", ctx: ", TargetText(target),
                                                    ", try next peer later")));
}

// Port of client-go internal/locate/region_request.go, onRegionError(), branch for branch
// (protocol.md 4.2).  Every path here has a selector (client-go's paths without one are for
// TiFlash and TiDB endpoints).
absl::StatusOr<bool> RegionRequestSender::OnRegionError(Backoffer& bo, ReplicaSelector& selector,
                                                        const RpcTarget& target,
                                                        rpc::Request& request,
                                                        const errorpb::Error& error) {
  auto backoff_error = [&](std::string_view reason) {
    // Keeps the region error as payload so an exhausted budget still names it.
    return WithMessage(RegionErrorStatus(error),
                       absl::StrCat(std::string(reason), ", ctx: ", TargetText(target)));
  };

  if (error.has_undetermined_result()) return false;  // RE-24: the caller decides

  if (error.has_not_leader()) return selector.OnNotLeader(bo, target, error.not_leader());  // RE-01/02

  if (error.has_disk_full()) {  // RE-03
    absl::Status s = bo.Backoff(BackoffKind::kTikvDiskFull,
                                backoff_error(absl::StrCat("tikv disk full: ",
                                                           error.disk_full().reason())));
    // client-go hands the region error (not the backoff error) to the caller once the budget
    // is spent, so prewrite can report disk full.
    return s.ok();
  }

  if (error.has_recoveryinprogress()) {  // RE-04
    cache_.InvalidateRegion(target.region, InvalidReason::kOther);
    absl::Status s = bo.Backoff(BackoffKind::kRegionRecoveryInProgress,
                                backoff_error("region recovery in progress"));
    if (!s.ok()) return s;
    return false;
  }

  if (error.has_is_witness()) {  // RE-05
    cache_.InvalidateRegion(target.region, InvalidReason::kOther);
    absl::Status s = bo.Backoff(BackoffKind::kIsWitness, backoff_error("is witness"));
    if (!s.ok()) return s;
    return false;
  }

  if (error.has_flashbackinprogress()) {  // RE-06
    if (selector.OnFlashbackInProgress(request)) return true;
    return WithMessage(RegionErrorStatus(error),
                       absl::StrCat("region ", error.flashbackinprogress().region_id(),
                                    " is in flashback progress, FlashbackStartTS is ",
                                    error.flashbackinprogress().flashback_start_ts()));
  }
  if (error.has_flashbacknotprepared()) {  // RE-07
    return WithMessage(RegionErrorStatus(error),
                       absl::StrCat("region ", error.flashbacknotprepared().region_id(),
                                    " is not prepared for the flashback"));
  }

  if (error.has_region_not_found()) return selector.OnRegionNotFound(target, request);  // RE-08

  if (error.has_key_not_in_region()) {  // RE-09
    cache_.InvalidateRegion(target.region, InvalidReason::kOther);
    env_.Log(LogSeverity::kError, "region-request",
             absl::StrCat("KeyNotInRegion from ", TargetText(target)));
    return false;
  }

  if (error.has_epoch_not_match()) {  // RE-10, port of RegionCache.OnRegionEpochNotMatch()
    const errorpb::EpochNotMatch& enm = error.epoch_not_match();
    for (const metapb::Region& meta : enm.current_regions()) {
      // TiKV is behind the client's cache: wait for it and resend the same request.
      if (meta.id() == target.region.id &&
          (meta.region_epoch().conf_ver() < target.region.conf_ver ||
           meta.region_epoch().version() < target.region.ver)) {
        absl::Status s = bo.Backoff(BackoffKind::kRegionMiss,
                                    backoff_error("region epoch is ahead of tikv"));
        if (!s.ok()) return s;
        return true;
      }
    }
    (void)cache_.OnEpochNotMatch(target.region, target.store_id, enm);
    selector.InvalidateRegion();
    return false;
  }

  if (error.has_bucket_version_not_match()) {  // RE-11
    // The server's bucket keys replace the cached ones; the caller re-splits its request by
    // the new buckets, so this attempt is not retried.
    const errorpb::BucketVersionNotMatch& bvnm = error.bucket_version_not_match();
    std::vector<std::string> keys(bvnm.keys().begin(), bvnm.keys().end());
    cache_.OnBucketVersionNotMatch(target.region, bvnm.version(), keys);
    return false;
  }

  if (error.has_server_is_busy()) {  // RE-12, RE-21 (reason form)
    if (absl::StrContains(error.server_is_busy().reason(), "deadline is exceeded") &&
        selector.OnReadRequestConfigurableTimeout(request)) {
      return true;
    }
    return selector.OnServerIsBusy(bo, target, request, error.server_is_busy());
  }

  if (error.has_stale_command()) return true;  // RE-13: the selector retries, no backoff

  if (error.has_store_not_match()) {  // RE-14
    stores_.MarkNeedCheck(target.store_id);
    cache_.InvalidateRegion(target.region, InvalidReason::kOther);
    client_.CloseAddress(target.address);
    return false;
  }

  if (error.has_raft_entry_too_large()) {  // RE-15
    absl::Status s = SizeLimitError(
        SizeLimit{.what = "raft entry", .size = error.raft_entry_too_large().entry_size()},
        /*caller_error=*/false);
    return WithMessage(s, absl::StrCat("raft entry too large: ", error.ShortDebugString()));
  }

  if (error.has_max_timestamp_not_synced()) {  // RE-16
    absl::Status s = bo.Backoff(BackoffKind::kMaxTsNotSynced,
                                backoff_error("max timestamp not synced"));
    if (!s.ok()) return s;
    return true;
  }

  if (error.has_region_not_initialized()) {  // RE-17
    absl::Status s = bo.Backoff(BackoffKind::kRegionNotInitialized,
                                backoff_error("region not initialized"));
    if (!s.ok()) return s;
    return true;
  }

  if (error.has_read_index_not_ready()) {  // RE-18
    absl::Status s = bo.Backoff(BackoffKind::kRegionScheduling,
                                backoff_error("read index not ready"));
    if (!s.ok()) return s;
    return true;
  }

  if (error.has_proposal_in_merging_mode()) {  // RE-19
    absl::Status s = bo.Backoff(BackoffKind::kRegionScheduling,
                                backoff_error("region is merging"));
    if (!s.ok()) return s;
    return true;
  }

  if (error.has_data_is_not_ready()) {  // RE-20
    selector.OnDataIsNotReady();
    return true;
  }

  if (absl::StrContains(error.message(), "Deadline is exceeded") &&
      selector.OnReadRequestConfigurableTimeout(request)) {  // RE-21
    return true;
  }

  if (error.has_mismatch_peer_id()) {  // RE-22
    selector.InvalidateRegion();
    return false;
  }

  if (absl::StrContains(error.message(), "invalid max_ts update")) {  // RE-23
    return RegionErrorStatus(error);
  }

  // RE-25: an unknown kind or a message-only error: the selector tries the next replica.
  env_.Log(LogSeverity::kWarning, "region-request",
           absl::StrCat("unknown region error from ", TargetText(target), ": ",
                        error.ShortDebugString()));
  return true;
}

}  // namespace tikv::locate
