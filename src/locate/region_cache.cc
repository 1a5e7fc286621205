#include "locate/region_cache.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

#include "locate/region_cache_ranges.h"
#include "util/absl_view.h"

namespace tikv::locate {

using util::AbslView;

namespace {

// client-go isOverloaded (pd grpcutil): the errors that count against the breaker.
bool IsOverloaded(const absl::Status& s) {
  return s.code() == absl::StatusCode::kDeadlineExceeded ||
         s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kResourceExhausted;
}

// Errors that end a load at once instead of backing off.
bool IsTerminal(const absl::Status& s, const Backoffer& bo) {
  return s.code() == absl::StatusCode::kCancelled || bo.cancel_token().IsCancelled();
}

// client-go: 16 * defaultRegionsPerBatch ranges per BatchScanRegions request.
constexpr int kMaxRangesPerBatchFactor = 16;
// client-go UpdateBucketsIfNeeded: a 20 s budget for the background reload.
constexpr int64_t kUpdateBucketsBackoffMs = 20000;

}  // namespace

RegionCache::RegionCache(Env& env, pd::PdClient& pd, RegionCacheOptions options)
    : env_(env),
      pd_(pd),
      options_(std::move(options)),
      breaker_("region-meta", env.clock(), options_.pd_breaker),
      ttl_random_(env.NewRandom("region-cache")),
      bg_(env.executor()) {}

RegionCache::~RegionCache() { Close(); }

void RegionCache::StartBackground() {
  // Spawning under mu_ orders it with Close(): nothing joins the group before the spawn.
  absl::MutexLock lock(&mu_);
  if (background_started_ || closed_.load()) return;
  background_started_ = true;
  bg_.Spawn(SpawnOptions{.name = "region-cache-gc"}, [this] { GcLoop(); });
}

void RegionCache::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closed_.exchange(true)) return;
  }
  bg_.Cancel();
  bg_.Wait();
}

absl::Status RegionCache::ClosedError() const {
  return absl::CancelledError("region cache is closed");
}

// ---------------------------------------------------------------------------------------------
// Entries: TTL, validity, construction.

MonoTime RegionCache::NextExpiry() const {
  int64_t jitter = 0;
  if (options_.ttl_jitter.count() > 0) {
    absl::MutexLock lock(&rand_mu_);
    jitter = static_cast<int64_t>(
        ttl_random_->Uniform(static_cast<uint64_t>(options_.ttl_jitter.count())));
  }
  return env_.clock().Now() + options_.ttl + Duration(jitter);
}

// Port of client-go Region.checkRegionCacheTTL().
bool RegionCache::CheckTtl(const Region& r, MonoTime now) const {
  RegionEntryState& st = *r.state;
  int64_t next = 0;
  for (;;) {
    const int64_t ttl = st.ttl_nanos();
    if (now.nanos() > ttl) return false;
    // Still within the jitter part of the TTL, or frozen: nothing to extend.
    if (st.HasAnyFlag(kNeedExpireAfterTtl) || ttl > (now + options_.ttl).nanos()) return true;
    if (next == 0) next = NextExpiry().nanos();
    if (st.CasExpiry(ttl, next)) return true;
  }
}

bool RegionCache::IsValid(const Region& r, MonoTime now) const {
  return !r.state->HasAnyFlag(kNeedReloadOnAccess) && CheckTtl(r, now);
}

// Port of client-go newRegion(): the leader guess is PD's leader; regions with down peers
// expire after their TTL however often they are used.
std::shared_ptr<Region> RegionCache::MakeRegion(const pd::RegionInfo& info) {
  auto r = std::make_shared<Region>();
  r->meta = info.meta;
  // client-go drops peers PD reports down from the candidates; we keep them listed but never
  // pick one as the initial leader guess.
  r->down_peers = info.down_peers;
  if (info.buckets.has_value()) r->buckets = std::make_shared<metapb::Buckets>(*info.buckets);
  if (info.leader.has_value()) {
    for (int i = 0; i < r->meta.peers_size(); ++i) {
      if (r->meta.peers(i).store_id() == info.leader->store_id()) r->leader_index = i;
    }
  }
  r->state = std::make_shared<RegionEntryState>(NextExpiry());
  if (!info.down_peers.empty()) r->state->SetFlags(kNeedExpireAfterTtl);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Index.

RegionCache::RegionPtr RegionCache::SearchLocked(std::string_view key, bool is_end) const {
  // The last entry starting at or before `key`; by end key, one starting exactly at `key`
  // is skipped.
  auto it = is_end ? by_start_key_.lower_bound(AbslView(key))
                    : by_start_key_.upper_bound(AbslView(key));
  if (it == by_start_key_.begin()) return nullptr;
  const RegionPtr& r = std::prev(it)->second;
  return (is_end ? r->ContainsByEnd(key) : r->Contains(key)) ? r : nullptr;
}

RegionCache::RegionPtr RegionCache::Search(std::string_view key, bool is_end) const {
  absl::ReaderMutexLock lock(&mu_);
  return SearchLocked(key, is_end);
}

RegionCache::RegionPtr RegionCache::SearchById(uint64_t id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

RegionCache::RegionPtr RegionCache::TryFind(std::string_view key, bool is_end) const {
  RegionPtr r = Search(key, is_end);
  if (r == nullptr || !CheckTtl(*r, env_.clock().Now()) ||
      r->state->HasAnyFlag(kNeedReloadOnAccess | kNeedDelayedReloadReady)) {
    return nullptr;
  }
  return r;
}

RegionCache::RegionPtr RegionCache::FindExactLocked(const RegionVerId& id) const {
  auto it = by_id_.find(id.id);
  if (it == by_id_.end() || it->second->VerId() != id) return nullptr;
  return it->second;
}

std::vector<RegionCache::RegionPtr> RegionCache::ScanFromCache(std::string_view start,
                                                               std::string_view end,
                                                               int limit) const {
  std::vector<RegionPtr> out;
  if (limit <= 0) return out;
  const MonoTime now = env_.clock().Now();
  absl::ReaderMutexLock lock(&mu_);
  std::string last_start(start);
  for (auto it = by_start_key_.lower_bound(AbslView(start)); it != by_start_key_.end(); ++it) {
    const RegionPtr& r = it->second;
    if (!end.empty() && r->meta.start_key() >= end) break;
    if (!CheckTtl(*r, now) || !r->Contains(last_start)) break;  // expired or a hole
    last_start = r->meta.end_key();
    out.push_back(r);
    if (static_cast<int>(out.size()) >= limit) break;
  }
  std::erase_if(out, [](const RegionPtr& r) {
    return r->state->HasAnyFlag(kNeedReloadOnAccess | kNeedDelayedReloadReady);
  });
  return out;
}

void RegionCache::EraseLocked(const RegionPtr& r) {
  if (auto s = by_start_key_.find(r->meta.start_key());
      s != by_start_key_.end() && s->second == r) {
    by_start_key_.erase(s);
  }
  if (auto i = by_id_.find(r->meta.id()); i != by_id_.end() && i->second == r) by_id_.erase(i);
}

void RegionCache::ReplaceLocked(const RegionPtr& old, RegionPtr updated) {
  if (auto s = by_start_key_.find(old->meta.start_key());
      s != by_start_key_.end() && s->second == old) {
    s->second = updated;
  }
  if (auto i = by_id_.find(old->meta.id()); i != by_id_.end() && i->second == old) {
    i->second = std::move(updated);
  }
}

bool RegionCache::InsertLocked(std::shared_ptr<Region> region, bool invalidate_old) {
  const RegionVerId ver = region->VerId();
  if (auto it = by_id_.find(ver.id); it != by_id_.end()) {
    const RegionVerId old = it->second->VerId();
    if (old.ver > ver.ver || old.conf_ver > ver.conf_ver) return false;  // stale answer
  }
  const std::string& start = region->meta.start_key();
  const std::string& end = region->meta.end_key();
  // Entries starting inside the new range; a newer version among them makes the new one stale.
  std::vector<RegionPtr> overlapped;
  for (auto it = by_start_key_.lower_bound(start);
       it != by_start_key_.end() && (end.empty() || it->first < end); ++it) {
    if (it->second->meta.region_epoch().version() > ver.ver) return false;
    overlapped.push_back(it->second);
  }
  // Divergence: client-go leaves an entry that starts before the new one and reaches into it;
  // we drop it too, so no lookup can reach its stale tail.
  if (auto it = by_start_key_.lower_bound(start); it != by_start_key_.begin()) {
    const RegionPtr& prev = std::prev(it)->second;
    if (prev->meta.end_key().empty() || prev->meta.end_key() > start) {
      overlapped.insert(overlapped.begin(), prev);
    }
  }
  if (auto it = by_id_.find(ver.id);
      it != by_id_.end() &&
      std::find(overlapped.begin(), overlapped.end(), it->second) == overlapped.end()) {
    overlapped.push_back(it->second);  // the same region cached with another range
  }
  // Inherit from the old entry of the same region (else the first overlapped one).
  RegionPtr inherit_from;
  for (const RegionPtr& o : overlapped) {
    if (o->meta.id() == ver.id) inherit_from = o;
  }
  if (inherit_from == nullptr && !overlapped.empty()) inherit_from = overlapped.front();
  if (inherit_from != nullptr) {
    const int n = region->meta.peers_size();
    // A region dropped for "no leader" may have a stale leader in PD as well: try the next
    // peer (client-go, for hibernated regions after a leader stepped down).
    if (inherit_from->invalid_reason() == InvalidReason::kNoLeader && n > 0 &&
        inherit_from->meta.id() == ver.id) {
      region->leader_index = (std::max(inherit_from->leader_index, 0) + 1) % n;
    }
    // Keep the newer of the two bucket sets.
    if (inherit_from->buckets != nullptr &&
        (region->buckets == nullptr ||
         region->buckets->version() < inherit_from->buckets->version())) {
      region->buckets = inherit_from->buckets;
    }
  }
  for (const RegionPtr& o : overlapped) {
    EraseLocked(o);
    // A still-valid entry may be in use; batch loads leave it valid to avoid needless retries.
    if (invalidate_old) o->state->Invalidate(InvalidReason::kOther);
  }
  by_start_key_[start] = region;
  by_id_[ver.id] = std::move(region);
  return true;
}

bool RegionCache::Insert(std::shared_ptr<Region> region, bool invalidate_old) {
  absl::MutexLock lock(&mu_);
  return InsertLocked(std::move(region), invalidate_old);
}

// ---------------------------------------------------------------------------------------------
// PD loads.

template <typename T>
absl::StatusOr<T> RegionCache::CallPd(absl::FunctionRef<absl::StatusOr<T>()> call) {
  if (!breaker_.IsEnabled()) return call();
  absl::StatusOr<util::CircuitBreaker::Ticket> ticket = breaker_.Admit();
  if (!ticket.ok()) return ticket.status();
  absl::StatusOr<T> result = call();
  breaker_.Report(*ticket, !result.ok() && IsOverloaded(result.status()));
  return result;
}

// Port of client-go loadRegion(): PD may not know the key's region yet (right after a split);
// that and PD errors back off pdRPC until the budget is spent.
absl::StatusOr<std::shared_ptr<Region>> RegionCache::LoadRegion(Backoffer& bo,
                                                                std::string_view key,
                                                                bool is_end) {
  bool search_prev = false;
  absl::Status backoff_error;
  for (;;) {
    if (!backoff_error.ok()) {
      if (absl::Status s = bo.Backoff(BackoffKind::kPdRpc, backoff_error); !s.ok()) return s;
    }
    if (closed_.load()) return ClosedError();
    absl::StatusOr<std::optional<pd::RegionInfo>> info =
        CallPd<std::optional<pd::RegionInfo>>([&] {
          return search_prev ? pd_.GetPrevRegion(key, true, &bo.cancel_token())
                             : pd_.GetRegion(key, true, &bo.cancel_token());
        });
    if (!info.ok()) {
      if (IsTerminal(info.status(), bo)) return info.status();
      backoff_error = info.status();
      continue;
    }
    if (!info->has_value()) {
      backoff_error =
          absl::UnavailableError(absl::StrCat("region not found for key \"", AbslView(key), "\""));
      continue;
    }
    const pd::RegionInfo& region = **info;
    if (region.meta.peers_size() == 0) {
      return absl::UnavailableError("receive Region with no available peer");
    }
    if (is_end && !search_prev && !key.empty() && region.meta.start_key() == key) {
      // The region starting at `key` is the wrong one; its predecessor ends there.
      search_prev = true;
      backoff_error = absl::OkStatus();
      continue;
    }
    return MakeRegion(region);
  }
}

// Port of client-go loadRegionByID(): an unknown id fails at once.
absl::StatusOr<std::shared_ptr<Region>> RegionCache::LoadRegionById(Backoffer& bo, uint64_t id) {
  absl::Status backoff_error;
  for (;;) {
    if (!backoff_error.ok()) {
      if (absl::Status s = bo.Backoff(BackoffKind::kPdRpc, backoff_error); !s.ok()) return s;
    }
    if (closed_.load()) return ClosedError();
    absl::StatusOr<std::optional<pd::RegionInfo>> info = CallPd<std::optional<pd::RegionInfo>>(
        [&] { return pd_.GetRegionById(id, true, &bo.cancel_token()); });
    if (!info.ok()) {
      if (IsTerminal(info.status(), bo)) return info.status();
      backoff_error = info.status();
      continue;
    }
    if (!info->has_value()) {
      return absl::NotFoundError(absl::StrCat("region not found for regionID ", id));
    }
    if ((*info)->meta.peers_size() == 0) {
      return absl::UnavailableError("receive Region with no available peer");
    }
    return MakeRegion(**info);
  }
}

// Port of client-go handleRegionInfos(): "no leader" is a missing leader or leader id 0.
std::vector<std::shared_ptr<Region>> RegionCache::HandleRegionInfos(
    std::vector<pd::RegionInfo> infos, bool need_leader) {
  std::vector<std::shared_ptr<Region>> out;
  out.reserve(infos.size());
  for (const pd::RegionInfo& info : infos) {
    if (need_leader && (!info.leader.has_value() || info.leader->id() == 0)) {
      env_.Log(LogSeverity::kWarning, "region-cache",
               absl::StrCat("filter out region ", info.meta.id(), " without leader"));
      continue;
    }
    out.push_back(MakeRegion(info));
  }
  return out;
}

// The checks client-go's scanRegions and batchScanRegions both make on one answer from PD: no
// region, a gap in the requested ranges, or (when leaders are needed) no region with a leader
// is kUnavailable, which the caller backs off on and asks again.  `what` describes the request
// in the error.
absl::StatusOr<std::vector<std::shared_ptr<Region>>> RegionCache::RegionsFromScanPage(
    std::vector<pd::RegionInfo> page, const std::vector<pd::KeyRange>& ranges, int limit,
    bool need_leader, const std::string& what) {
  if (page.empty()) {
    return absl::UnavailableError(absl::StrCat("PD returned no region, ", what));
  }
  if (RegionsHaveGapInRanges(ranges, page, limit)) {
    return absl::UnavailableError(absl::StrCat("PD returned regions have gaps, ", what));
  }
  std::vector<std::shared_ptr<Region>> valid = HandleRegionInfos(std::move(page), need_leader);
  if (valid.empty()) {
    return absl::UnavailableError(absl::StrCat("All returned regions have no leaders, ", what));
  }
  return valid;
}

// Port of client-go scanRegions().
absl::StatusOr<std::vector<std::shared_ptr<Region>>> RegionCache::ScanRegions(
    Backoffer& bo, std::string_view start, std::string_view end, int limit) {
  if (limit == 0) return std::vector<std::shared_ptr<Region>>{};
  absl::Status backoff_error;
  for (;;) {
    if (!backoff_error.ok()) {
      if (absl::Status s = bo.Backoff(BackoffKind::kPdRpc, backoff_error); !s.ok()) return s;
    }
    if (closed_.load()) return ClosedError();
    absl::StatusOr<std::vector<pd::RegionInfo>> page = CallPd<std::vector<pd::RegionInfo>>(
        [&] { return pd_.ScanRegions(start, end, limit, &bo.cancel_token()); });
    if (!page.ok()) {
      if (IsTerminal(page.status(), bo)) return page.status();
      backoff_error = page.status();
      continue;
    }
    absl::StatusOr<std::vector<std::shared_ptr<Region>>> valid = RegionsFromScanPage(
        *std::move(page), {pd::KeyRange{std::string(start), std::string(end)}}, limit,
        /*need_leader=*/true, absl::StrCat("limit: ", limit));
    if (!valid.ok()) {
      backoff_error = valid.status();
      continue;
    }
    return valid;
  }
}

// Port of client-go batchScanRegions().
absl::StatusOr<std::vector<std::shared_ptr<Region>>> RegionCache::BatchScanRegions(
    Backoffer& bo, const std::vector<pd::KeyRange>& ranges, int limit,
    const BatchLocateOptions& options) {
  if (limit == 0 || ranges.empty()) return std::vector<std::shared_ptr<Region>>{};
  absl::Status backoff_error;
  for (;;) {
    if (!backoff_error.ok()) {
      if (absl::Status s = bo.Backoff(BackoffKind::kPdRpc, backoff_error); !s.ok()) return s;
    }
    if (closed_.load()) return ClosedError();
    absl::StatusOr<std::vector<pd::RegionInfo>> page = CallPd<std::vector<pd::RegionInfo>>(
        [&] { return pd_.BatchScanRegions(ranges, limit, &bo.cancel_token()); });
    if (!page.ok()) {
      if (page.status().code() == absl::StatusCode::kUnimplemented) {
        return BatchScanRegionsFallback(bo, ranges, limit);
      }
      if (IsTerminal(page.status(), bo)) return page.status();
      backoff_error = page.status();
      continue;
    }
    absl::StatusOr<std::vector<std::shared_ptr<Region>>> valid =
        RegionsFromScanPage(*std::move(page), ranges, limit, options.need_leader,
                            absl::StrCat("range num: ", ranges.size(), ", limit: ", limit));
    if (!valid.ok()) {
      backoff_error = valid.status();
      continue;
    }
    return valid;
  }
}

// Port of client-go batchScanRegionsFallback(): one ScanRegions per range, skipping ranges the
// previous answer already covered.
absl::StatusOr<std::vector<std::shared_ptr<Region>>> RegionCache::BatchScanRegionsFallback(
    Backoffer& bo, const std::vector<pd::KeyRange>& ranges, int limit) {
  std::vector<std::shared_ptr<Region>> out;
  std::shared_ptr<Region> last;
  for (pd::KeyRange range : ranges) {
    if (last != nullptr) {
      const std::string& last_end = last->meta.end_key();
      if (last_end.empty()) break;
      if (!range.end_key.empty() && last_end >= range.end_key) continue;
      if (last_end > range.start_key) range.start_key = last_end;
    }
    absl::StatusOr<std::vector<std::shared_ptr<Region>>> page =
        ScanRegions(bo, range.start_key, range.end_key, limit);
    if (!page.ok()) return page.status();
    if (!page->empty()) last = page->back();
    const int got = static_cast<int>(page->size());
    for (std::shared_ptr<Region>& r : *page) out.push_back(std::move(r));
    if (got >= limit) return out;
    limit -= got;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Lookups.

// Port of client-go findRegionByKey().
absl::StatusOr<RegionCache::RegionPtr> RegionCache::FindRegionByKey(Backoffer& bo,
                                                                    std::string_view key,
                                                                    bool is_end) {
  if (closed_.load()) return ClosedError();
  RegionPtr r = Search(key, is_end);
  if (r == nullptr || !CheckTtl(*r, env_.clock().Now())) {
    absl::StatusOr<std::shared_ptr<Region>> loaded = LoadRegion(bo, key, is_end);
    if (!loaded.ok()) return loaded.status();
    RegionPtr result = *loaded;
    if (!Insert(*std::move(loaded), true)) {
      // Older than what the cache saw (a lagging PD answer): ask once more.
      loaded = LoadRegion(bo, key, is_end);
      if (!loaded.ok()) return loaded.status();
      result = *loaded;
      (void)Insert(*std::move(loaded), true);
    }
    return result;
  }
  if (const uint32_t flags = r->state->ResetFlags(kNeedReloadOnAccess | kNeedDelayedReloadReady);
      flags != 0) {
    // Reload by key, not id: the region may have split away from `key`.
    absl::StatusOr<std::shared_ptr<Region>> loaded = LoadRegion(bo, key, is_end);
    if (!loaded.ok()) {
      env_.Log(LogSeverity::kError, "region-cache",
               absl::StrCat("load region failure for key \"", AbslView(key),
                            "\": ", loaded.status().ToString()));
      r->state->SetFlags(kNeedReloadOnAccess);  // keep the old entry, try again next time
      return r;
    }
    const bool on_access = (flags & kNeedReloadOnAccess) != 0;
    RegionPtr result = *loaded;
    (void)Insert(*std::move(loaded), on_access);
    return result;
  }
  return r;
}

absl::StatusOr<KeyLocation> RegionCache::LocateKey(Backoffer& bo, std::string_view key) {
  absl::StatusOr<RegionPtr> r = FindRegionByKey(bo, key, false);
  if (!r.ok()) return r.status();
  return (*r)->Location();
}

std::optional<KeyLocation> RegionCache::TryLocateKey(std::string_view key) {
  if (closed_.load()) return std::nullopt;
  RegionPtr r = TryFind(key, false);
  if (r == nullptr) return std::nullopt;
  return r->Location();
}

absl::StatusOr<KeyLocation> RegionCache::LocateEndKey(Backoffer& bo, std::string_view key) {
  absl::StatusOr<RegionPtr> r = FindRegionByKey(bo, key, true);
  if (!r.ok()) return r.status();
  return (*r)->Location();
}

// Port of client-go LocateRegionByID().
absl::StatusOr<KeyLocation> RegionCache::LocateRegionById(Backoffer& bo, uint64_t region_id) {
  if (closed_.load()) return ClosedError();
  RegionPtr r = SearchById(region_id);
  if (r != nullptr && CheckTtl(*r, env_.clock().Now())) {
    const uint32_t flags = r->state->ResetFlags(kNeedReloadOnAccess | kNeedDelayedReloadReady);
    if (flags == 0) return r->Location();
    absl::StatusOr<std::shared_ptr<Region>> loaded = LoadRegionById(bo, region_id);
    if (!loaded.ok()) {
      env_.Log(LogSeverity::kError, "region-cache",
               absl::StrCat("load region ", region_id,
                            " failure: ", loaded.status().ToString()));
      r->state->SetFlags(kNeedReloadOnAccess);
      return r->Location();
    }
    KeyLocation loc = (*loaded)->Location();
    const bool on_access = (flags & kNeedReloadOnAccess) != 0;
    (void)Insert(*std::move(loaded), on_access);
    return loc;
  }
  absl::StatusOr<std::shared_ptr<Region>> loaded = LoadRegionById(bo, region_id);
  if (!loaded.ok()) return loaded.status();
  KeyLocation loc = (*loaded)->Location();
  (void)Insert(*std::move(loaded), true);
  return loc;
}

absl::StatusOr<KeyLocation> RegionCache::LocateRegionByIdFromPd(Backoffer& bo,
                                                                uint64_t region_id) {
  if (closed_.load()) return ClosedError();
  absl::StatusOr<std::shared_ptr<Region>> loaded = LoadRegionById(bo, region_id);
  if (!loaded.ok()) return loaded.status();
  return (*loaded)->Location();
}

// Port of client-go GroupKeysByRegion(): keys inside the last located region reuse it, so k
// sorted keys in r regions cost r lookups.
absl::StatusOr<std::map<RegionVerId, std::vector<std::string>>> RegionCache::GroupKeysByRegion(
    Backoffer& bo, const std::vector<std::string>& keys, RegionVerId* first,
    const GroupFilter& filter) {
  std::map<RegionVerId, std::vector<std::string>> out;
  std::optional<KeyLocation> last;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!last.has_value() || !last->Contains(keys[i])) {
      absl::StatusOr<KeyLocation> loc = LocateKey(bo, keys[i]);
      if (!loc.ok()) return loc.status();
      last = *std::move(loc);
      if (filter != nullptr && filter(keys[i], last->start_key)) continue;
    }
    if (i == 0 && first != nullptr) *first = last->region;
    out[last->region].push_back(keys[i]);
  }
  return out;
}

absl::StatusOr<std::vector<uint64_t>> RegionCache::ListRegionIdsInKeyRange(
    Backoffer& bo, std::string_view start, std::string_view end) {
  std::vector<uint64_t> ids;
  std::string cursor(start);
  for (;;) {
    absl::StatusOr<KeyLocation> loc = LocateKey(bo, cursor);
    if (!loc.ok()) return loc.status();
    ids.push_back(loc->region.id);
    // Divergence: stop at +infinity too (client-go would loop on an end before the start).
    if (loc->Contains(end) || loc->end_key.empty()) return ids;
    cursor = loc->end_key;
  }
}

// ---------------------------------------------------------------------------------------------
// Range loads.

absl::StatusOr<std::vector<KeyLocation>> RegionCache::BatchLoadRegionsWithKeyRange(
    Backoffer& bo, std::string_view start, std::string_view end, int count) {
  if (closed_.load()) return ClosedError();
  absl::StatusOr<std::vector<std::shared_ptr<Region>>> regions =
      ScanRegions(bo, start, end, count);
  if (!regions.ok()) return regions.status();
  if (regions->empty()) {
    return absl::UnavailableError(absl::StrCat("PD returned no region, start_key: \"",
                                               AbslView(start), "\", end_key: \"",
                                               AbslView(end), "\""));
  }
  std::vector<KeyLocation> out;
  absl::MutexLock lock(&mu_);
  for (std::shared_ptr<Region>& r : *regions) {
    out.push_back(r->Location());
    (void)InsertLocked(std::move(r), false);
  }
  return out;
}

absl::StatusOr<std::string> RegionCache::BatchLoadRegionsFromKey(Backoffer& bo,
                                                                 std::string_view start,
                                                                 int count) {
  absl::StatusOr<std::vector<KeyLocation>> regions =
      BatchLoadRegionsWithKeyRange(bo, start, "", count);
  if (!regions.ok()) return regions.status();
  return regions->back().end_key;
}

absl::StatusOr<std::vector<KeyLocation>> RegionCache::BatchLoadRegionsWithKeyRanges(
    Backoffer& bo, const std::vector<pd::KeyRange>& ranges, int count,
    BatchLocateOptions options) {
  if (closed_.load()) return ClosedError();
  if (absl::Status s = ValidateKeyRanges(ranges); !s.ok()) return s;
  if (ranges.empty()) return std::vector<KeyLocation>{};
  absl::StatusOr<std::vector<std::shared_ptr<Region>>> regions =
      BatchScanRegions(bo, ranges, count, options);
  if (!regions.ok()) return regions.status();
  if (regions->empty()) {
    return absl::UnavailableError(absl::StrCat("PD returned no region, range num: ",
                                               ranges.size(), ", count: ", count));
  }
  std::vector<KeyLocation> out;
  absl::MutexLock lock(&mu_);
  for (std::shared_ptr<Region>& r : *regions) {
    out.push_back(r->Location());
    (void)InsertLocked(std::move(r), false);
  }
  return out;
}

// Port of client-go LoadRegionsInKeyRange(), paged by options_.scan_batch.
absl::StatusOr<std::vector<KeyLocation>> RegionCache::LoadRegionsInKeyRange(
    Backoffer& bo, std::string_view start, std::string_view end) {
  std::vector<KeyLocation> out;
  std::string cursor(start);
  for (;;) {
    absl::StatusOr<std::vector<KeyLocation>> page =
        BatchLoadRegionsWithKeyRange(bo, cursor, end, options_.scan_batch);
    if (!page.ok()) return page.status();
    for (KeyLocation& loc : *page) out.push_back(std::move(loc));
    const KeyLocation& last = out.back();
    if (last.end_key.empty() || CoversEnd(last, end)) return out;
    cursor = last.end_key;
  }
}

// Port of client-go LocateKeyRange().
absl::StatusOr<std::vector<KeyLocation>> RegionCache::LocateKeyRange(Backoffer& bo,
                                                                     std::string_view start,
                                                                     std::string_view end) {
  if (closed_.load()) return ClosedError();
  std::vector<KeyLocation> out;
  std::string cursor(start);
  for (;;) {
    // Cached regions first, as long as they chain.
    while (RegionPtr r = TryFind(cursor, false)) {
      out.push_back(r->Location());
      if (r->meta.end_key().empty() || CoversEnd(out.back(), end)) return out;
      cursor = r->meta.end_key();
    }
    absl::StatusOr<std::vector<KeyLocation>> loaded = BatchLoadRegionsWithKeyRanges(
        bo, {pd::KeyRange{cursor, std::string(end)}}, options_.scan_batch,
        BatchLocateOptions{.need_leader = true});
    if (!loaded.ok()) return loaded.status();
    for (KeyLocation& loc : *loaded) out.push_back(std::move(loc));
    const KeyLocation& last = out.back();
    if (last.end_key.empty() || CoversEnd(last, end)) return out;
    cursor = last.end_key;
  }
}

// Port of client-go BatchLocateKeyRanges(): cached prefixes of each range are used, the rest
// is loaded from PD in batches and merged back in key order.
absl::StatusOr<std::vector<KeyLocation>> RegionCache::BatchLocateKeyRanges(
    Backoffer& bo, const std::vector<pd::KeyRange>& ranges, BatchLocateOptions options) {
  if (closed_.load()) return ClosedError();
  if (absl::Status s = ValidateKeyRanges(ranges); !s.ok()) return s;
  std::vector<pd::KeyRange> uncached;
  std::vector<KeyLocation> cached;
  std::optional<KeyLocation> last;
  const int batch = std::max(options_.scan_batch, 1);
  for (pd::KeyRange range : ranges) {
    if (last.has_value()) {
      if (CoversEnd(*last, range.end_key)) continue;
      if (last->Contains(range.start_key)) range.start_key = last->end_key;
    }
    // Only the cached prefix of the range is used; a hole sends the rest to PD.
    RegionPtr r = TryFind(range.start_key, false);
    if (r == nullptr) {
      last.reset();
      uncached.push_back(std::move(range));
      continue;
    }
    last = r->Location();
    cached.push_back(*last);
    if (CoversEnd(*last, range.end_key)) continue;
    range.start_key = last->end_key;
    bool covered = false;
    for (bool more = true; more && !covered;) {
      std::vector<RegionPtr> page = ScanFromCache(range.start_key, range.end_key, batch);
      more = static_cast<int>(page.size()) >= batch;
      for (const RegionPtr& p : page) {
        if (!p->Contains(range.start_key)) {
          more = false;
          break;
        }
        last = p->Location();
        cached.push_back(*last);
        if (CoversEnd(*last, range.end_key)) {
          covered = true;
          break;
        }
        range.start_key = last->end_key;
      }
    }
    if (!covered) uncached.push_back(std::move(range));
  }

  BatchLocateMerger merger(std::move(cached));
  const size_t max_ranges = static_cast<size_t>(kMaxRangesPerBatchFactor) * batch;
  while (!uncached.empty()) {
    std::vector<pd::KeyRange> send(
        uncached.begin(), uncached.begin() + std::min(uncached.size(), max_ranges));
    absl::StatusOr<std::vector<KeyLocation>> loaded =
        BatchLoadRegionsWithKeyRanges(bo, send, batch, options);
    if (!loaded.ok()) return loaded.status();
    const std::string last_end = loaded->back().end_key;
    for (KeyLocation& loc : *loaded) merger.AppendLoaded(std::move(loc));
    uncached = RangesAfterKey(std::move(uncached), last_end);
  }
  return std::move(merger).Build();
}

// ---------------------------------------------------------------------------------------------
// Feedback.

std::shared_ptr<const Region> RegionCache::GetCachedRegion(const RegionVerId& id) const {
  RegionPtr r;
  {
    absl::ReaderMutexLock lock(&mu_);
    r = FindExactLocked(id);
  }
  if (r == nullptr || !IsValid(*r, env_.clock().Now())) return nullptr;
  return r;
}

// Port of client-go OnRegionEpochNotMatch() (the "TiKV behind" backoff is the sender's).
bool RegionCache::OnEpochNotMatch(const RegionVerId& region, uint64_t store_id,
                                  const errorpb::EpochNotMatch& error) {
  if (closed_.load()) return false;
  if (error.current_regions_size() == 0) {
    InvalidateRegion(region, InvalidReason::kEpochNotMatch);
    return false;
  }
  absl::MutexLock lock(&mu_);
  RegionPtr old = FindExactLocked(region);
  bool old_is_current = false;
  std::vector<std::shared_ptr<Region>> fresh;
  for (const metapb::Region& meta : error.current_regions()) {
    pd::RegionInfo info;
    info.meta = meta;
    // The store that answered holds a peer of each current region; guess it leads.
    for (const metapb::Peer& p : meta.peers()) {
      if (p.store_id() == store_id) info.leader = p;
    }
    std::shared_ptr<Region> r = MakeRegion(info);
    // The error carries no buckets: the new regions start from the old region's.
    if (old != nullptr) r->buckets = old->buckets;
    if (r->VerId() == region) old_is_current = true;
    fresh.push_back(std::move(r));
  }
  if (old != nullptr && !old_is_current) old->state->Invalidate(InvalidReason::kEpochNotMatch);
  for (std::shared_ptr<Region>& r : fresh) (void)InsertLocked(std::move(r), true);
  return true;
}

// Port of client-go UpdateLeader(): the entry's metadata is copied with the new leader; the
// copy shares the entry state, so TTL and flags carry over.
void RegionCache::UpdateLeader(const RegionVerId& region, uint64_t leader_store_id) {
  absl::MutexLock lock(&mu_);
  RegionPtr old = FindExactLocked(region);
  if (old == nullptr) return;
  auto updated = std::make_shared<Region>(*old);
  const int n = updated->meta.peers_size();
  if (leader_store_id == 0) {
    updated->leader_index = n == 0 ? -1 : (updated->leader_index + 1) % n;
  } else {
    int found = -1;
    for (int i = 0; i < n; ++i) {
      if (updated->meta.peers(i).store_id() == leader_store_id) found = i;
    }
    if (found < 0) {
      old->state->Invalidate(InvalidReason::kStoreNotFound);
      return;
    }
    updated->leader_index = found;
  }
  ReplaceLocked(old, std::move(updated));
}

void RegionCache::InvalidateLeader(const RegionVerId& region) {
  absl::MutexLock lock(&mu_);
  RegionPtr old = FindExactLocked(region);
  if (old == nullptr) return;
  auto updated = std::make_shared<Region>(*old);
  updated->leader_index = -1;
  ReplaceLocked(old, std::move(updated));
}

void RegionCache::InvalidateRegion(const RegionVerId& region, InvalidReason reason) {
  absl::ReaderMutexLock lock(&mu_);
  if (RegionPtr r = FindExactLocked(region); r != nullptr) r->state->Invalidate(reason);
}

InvalidReason RegionCache::LastInvalidReason(uint64_t id) const {
  RegionPtr r = SearchById(id);
  return r == nullptr ? InvalidReason::kOk : r->invalid_reason();
}

void RegionCache::ReloadOnNextAccess(const RegionVerId& region) {
  absl::ReaderMutexLock lock(&mu_);
  if (RegionPtr r = FindExactLocked(region); r != nullptr) r->state->SetFlags(kNeedReloadOnAccess);
}

void RegionCache::ScheduleDelayedReload(const RegionVerId& region) {
  absl::ReaderMutexLock lock(&mu_);
  if (RegionPtr r = FindExactLocked(region); r != nullptr) {
    r->state->SetFlags(kNeedDelayedReloadPending);
  }
}

// Port of client-go OnBucketVersionNotMatch().
void RegionCache::OnBucketVersionNotMatch(const RegionVerId& region, uint64_t version,
                                          const std::vector<std::string>& keys) {
  absl::MutexLock lock(&mu_);
  RegionPtr old = FindExactLocked(region);
  if (old == nullptr || (old->buckets != nullptr && old->buckets->version() >= version)) return;
  auto buckets = std::make_shared<metapb::Buckets>();
  buckets->set_region_id(region.id);
  buckets->set_version(version);
  for (const std::string& k : keys) buckets->add_keys(k);
  auto updated = std::make_shared<Region>(*old);
  updated->buckets = std::move(buckets);
  ReplaceLocked(old, std::move(updated));
}

// Port of client-go UpdateBucketsIfNeeded().
void RegionCache::UpdateBucketsIfNeeded(const RegionVerId& region, uint64_t request_version,
                                        uint64_t latest) {
  absl::MutexLock lock(&mu_);
  if (closed_.load()) return;
  {
    RegionPtr r = FindExactLocked(region);
    if (r == nullptr) return;
    const uint64_t cached = r->BucketVersion();
    // The request used older buckets than the cache already has: nothing new to learn.
    if (request_version != 0 && request_version < cached) return;
    if (cached >= latest) return;
    if (!bucket_reloads_.insert(region.id).second) return;  // one reload per region
  }
  bg_.Spawn(SpawnOptions{.name = "region-cache-buckets"}, [this, region] {
    Backoffer bo(env_, kUpdateBucketsBackoffMs, CancelToken::ChildOf(bg_.cancel_token()));
    absl::StatusOr<std::shared_ptr<Region>> loaded = LoadRegionById(bo, region.id);
    absl::MutexLock lock(&mu_);
    bucket_reloads_.erase(region.id);
    if (!loaded.ok()) {
      env_.Log(LogSeverity::kError, "region-cache",
               absl::StrCat("failed to update buckets of region ", region.id, ": ",
                            loaded.status().ToString()));
      return;
    }
    (void)InsertLocked(*std::move(loaded), true);
  });
}

size_t RegionCache::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return by_id_.size();
}

// ---------------------------------------------------------------------------------------------
// Background maintenance.

void RegionCache::GcLoop() {
  const CancelToken& cancel = bg_.cancel_token();
  while (!cancel.IsCancelled()) {
    if (env_.executor().SleepFor(env_.clock(), options_.gc_interval, &cancel) ==
        WakeReason::kCancelled) {
      return;
    }
    if (cancel.IsCancelled()) return;
    GcRound();
  }
}

// Port of client-go gcRoundFunc(): a window of entries per round from a cursor that wraps
// around, so every entry is visited every (size / window) rounds.
void RegionCache::GcRound() {
  const int limit = std::max(options_.gc_regions_per_round, 1);
  const MonoTime now = env_.clock().Now();
  std::vector<RegionPtr> expired;
  std::vector<RegionPtr> alive;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = by_start_key_.lower_bound(gc_cursor_);
    int count = 0;
    for (; it != by_start_key_.end() && count < limit; ++it, ++count) {
      const RegionPtr& r = it->second;
      if (gc_scan_hook_) gc_scan_hook_(r->meta.id());
      if (!r->state->Alive(now)) {
        expired.push_back(r);
      } else {
        alive.push_back(r);
      }
    }
    gc_cursor_ = it == by_start_key_.end() ? std::string() : it->first;
  }
  if (!expired.empty()) {
    absl::MutexLock lock(&mu_);
    for (const RegionPtr& r : expired) EraseLocked(r);
  }
  for (const RegionPtr& r : alive) {
    const uint32_t flags = r->state->flags();
    if ((flags & kNeedDelayedReloadReady) != 0) continue;  // reloads on next access
    if ((flags & kNeedDelayedReloadPending) != 0) {
      r->state->SetFlags(kNeedDelayedReloadReady);
      continue;
    }
    if ((flags & kNeedExpireAfterTtl) == 0 && options_.store_needs_refresh) {
      for (const metapb::Peer& p : r->meta.peers()) {
        if (options_.store_needs_refresh(p.store_id())) {
          r->state->SetFlags(kNeedExpireAfterTtl);
          break;
        }
      }
    }
  }
}

}  // namespace tikv::locate
