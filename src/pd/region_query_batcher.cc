#include "pd/region_query_batcher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

#include "pd/pd_convert.h"
#include "rpc/methods.h"

namespace tikv::pd {

RegionQueryBatcher::RegionQueryBatcher(Env& env, RegionQueryBatcherOptions options,
                                       RegionQueryBatcherHooks hooks)
    : env_(env), options_(std::move(options)), hooks_(std::move(hooks)), group_(env.executor()) {}

RegionQueryBatcher::~RegionQueryBatcher() { Close(); }

void RegionQueryBatcher::Start() {
  if (started_) return;
  started_ = true;
  group_.Spawn(SpawnOptions{.name = "pd-router-dispatcher"}, [this] { DispatchLoop(); });
}

bool RegionQueryBatcher::unsupported() const {
  absl::MutexLock lock(&mu_);
  return unsupported_;
}

RegionQueryBatcher::Stats RegionQueryBatcher::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void RegionQueryBatcher::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    if (stream_ != nullptr) stream_->Cancel();
  }
  group_.Cancel();
  group_.Wait();
  stream_.reset();
  std::deque<Pending> left;
  {
    absl::MutexLock lock(&mu_);
    left.swap(queue_);
  }
  for (Pending& p : left) p.promise.Set(absl::CancelledError("pd client closed"));
}

absl::StatusOr<std::optional<RegionInfo>> RegionQueryBatcher::Lookup(Kind kind,
                                                                     std::string_view key,
                                                                     uint64_t id,
                                                                     bool need_buckets,
                                                                     const CancelToken* cancel) {
  Pending p{kind, std::string(key), id, need_buckets, {}};
  env::Future<Result> future = p.promise.GetFuture();
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return absl::CancelledError("pd client closed");
    if (unsupported_) return absl::UnimplementedError("PD does not serve QueryRegion");
    queue_.push_back(std::move(p));
  }
  queued_.Set();
  const WakeReason r = future.Wait(MonoTime::Infinite(), cancel);
  if (r == WakeReason::kCancelled) return cancel->status();
  return future.value();
}

// Port of the router dispatcher: take everything queued (up to the max batch), send one
// QueryRegionRequest, wait for its answer, hand out the results, repeat.
void RegionQueryBatcher::DispatchLoop() {
  const CancelToken& cancel = group_.cancel_token();
  while (!cancel.IsCancelled()) {
    std::vector<Pending> batch;
    {
      absl::MutexLock lock(&mu_);
      const size_t n = std::min(queue_.size(), static_cast<size_t>(std::max(options_.max_batch, 1)));
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (batch.empty()) queued_.Reset();
    }
    if (batch.empty()) {
      if (queued_.Wait(MonoTime::Infinite(), &cancel) == WakeReason::kCancelled) return;
      continue;
    }
    absl::Status s = Process(batch, cancel);
    if (s.ok()) continue;
    {
      absl::MutexLock lock(&mu_);
      ++stats_.failures;
      if (s.code() == absl::StatusCode::kUnimplemented) unsupported_ = true;
    }
    DropStream();
    for (Pending& p : batch) p.promise.Set(s);
    if (s.code() != absl::StatusCode::kUnimplemented && !cancel.IsCancelled() &&
        hooks_.on_stream_failure) {
      hooks_.on_stream_failure(&cancel);
    }
  }
}

void RegionQueryBatcher::DropStream() {
  std::unique_ptr<ClientStream> old;
  {
    absl::MutexLock lock(&mu_);
    old = std::move(stream_);
  }
  if (old != nullptr) old->Cancel();
}

absl::Status RegionQueryBatcher::Process(std::vector<Pending>& batch, const CancelToken& cancel) {
  if (stream_ == nullptr) {
    absl::StatusOr<std::unique_ptr<ClientStream>> s =
        env_.transport().OpenStream(Endpoint{hooks_.leader()}, rpc::kPdQueryRegion,
                                    MonoTime::Infinite());
    if (!s.ok()) return s.status();
    absl::MutexLock lock(&mu_);
    stream_ = *std::move(s);
    if (closed_) stream_->Cancel();
  }
  pdpb::QueryRegionRequest req;
  if (hooks_.fill_header) hooks_.fill_header(req.mutable_header());
  bool need_buckets = false;
  for (const Pending& p : batch) {
    need_buckets = need_buckets || p.need_buckets;
    switch (p.kind) {
      case Kind::kKey:
        req.add_keys(p.key.data(), p.key.size());
        break;
      case Kind::kPrevKey:
        req.add_prev_keys(p.key.data(), p.key.size());
        break;
      case Kind::kId:
        req.add_ids(p.id);
        break;
    }
  }
  req.set_need_buckets(need_buckets);
  {
    absl::MutexLock lock(&mu_);
    ++stats_.messages;
  }
  if (absl::Status w = stream_->Write(req); !w.ok()) return w;
  pdpb::QueryRegionResponse resp;
  absl::StatusOr<bool> got = stream_->Read(&resp, env_.clock().Now() + options_.timeout);
  if (cancel.IsCancelled()) return absl::CancelledError("pd client closed");
  if (!got.ok()) return got.status();
  if (!*got) return absl::UnavailableError("QueryRegion stream closed by PD");
  if (hooks_.check_header) {
    if (absl::Status h = hooks_.check_header(resp.header()); !h.ok()) return h;
  }
  if (resp.key_id_map_size() != req.keys_size() ||
      resp.prev_key_id_map_size() != req.prev_keys_size()) {
    return absl::InternalError("QueryRegion answer does not match the request");
  }
  // Answer in request order: keys, prev keys and ids each keep their own index.
  int key_index = 0;
  int prev_index = 0;
  for (Pending& p : batch) {
    uint64_t id = p.id;
    if (p.kind == Kind::kKey) id = resp.key_id_map(key_index++);
    if (p.kind == Kind::kPrevKey) id = resp.prev_key_id_map(prev_index++);
    auto it = id == 0 ? resp.regions_by_id().end() : resp.regions_by_id().find(id);
    if (it == resp.regions_by_id().end() || it->second.region().id() == 0) {
      p.promise.Set(std::optional<RegionInfo>());
      continue;
    }
    RegionInfo info = RegionFromPd(it->second);
    // need_buckets is batch-wide; callers that did not ask get no buckets.
    if (!p.need_buckets) info.buckets.reset();
    p.promise.Set(std::optional<RegionInfo>(std::move(info)));
  }
  absl::MutexLock lock(&mu_);
  stats_.lookups += batch.size();
  return absl::OkStatus();
}

}  // namespace tikv::pd
