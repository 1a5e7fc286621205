#include "locate/region_cache.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

#include "util/absl_view.h"

namespace tikv::locate {

using util::AbslView;

RegionCache::RegionCache(Env& env, pd::PdClient& pd, RegionCacheOptions options)
    : env_(env), pd_(pd), options_(options), ttl_random_(env.NewRandom("region-cache")) {}

MonoTime RegionCache::NextExpiryLocked() {
  const int64_t jitter = options_.ttl_jitter.count() > 0
                             ? static_cast<int64_t>(ttl_random_->Uniform(
                                   static_cast<uint64_t>(options_.ttl_jitter.count())))
                             : 0;
  return env_.clock().Now() + options_.ttl + Duration(jitter);
}

std::shared_ptr<const Region> RegionCache::MakeRegion(const pd::RegionInfo& info) {
  auto r = std::make_shared<Region>();
  r->meta = info.meta;
  // client-go drops peers PD reports down from the candidates; we keep them listed but never
  // pick one as the initial leader guess.
  r->down_peers = info.down_peers;
  r->buckets = info.buckets;
  if (info.leader.has_value()) {
    for (int i = 0; i < r->meta.peers_size(); ++i) {
      if (r->meta.peers(i).store_id() == info.leader->store_id()) r->leader_index = i;
    }
  }
  r->expires_at = NextExpiryLocked();
  return r;
}

std::shared_ptr<const Region> RegionCache::FindLocked(std::string_view key) const {
  auto it = by_start_key_.upper_bound(std::string(key));
  if (it == by_start_key_.begin()) return nullptr;
  --it;
  return it->second->Contains(key) ? it->second : nullptr;
}

void RegionCache::RemoveLocked(uint64_t id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  auto s = by_start_key_.find(it->second->meta.start_key());
  if (s != by_start_key_.end() && s->second == it->second) by_start_key_.erase(s);
  by_id_.erase(it);
}

// Port of client-go internal/locate/region_cache.go, insertRegionToCache(): an entry older
// than the cached version of the same id is stale (PD lagging behind a store's answer) and
// rejected; otherwise every overlapping entry goes.
bool RegionCache::InsertLocked(std::shared_ptr<const Region> region) {
  const RegionVerId ver = region->VerId();
  if (auto it = by_id_.find(ver.id); it != by_id_.end()) {
    const RegionVerId old = it->second->VerId();
    if (ver.ver < old.ver || ver.conf_ver < old.conf_ver) return false;
  }
  RemoveLocked(ver.id);
  // Drop overlaps: the entry before the new start (if it reaches past it) and those after.
  const std::string& start = region->meta.start_key();
  const std::string& end = region->meta.end_key();
  auto it = by_start_key_.lower_bound(start);
  if (it != by_start_key_.begin()) {
    auto prev = std::prev(it);
    const std::string& pend = prev->second->meta.end_key();
    if (pend.empty() || pend > start) {
      by_id_.erase(prev->second->meta.id());
      by_start_key_.erase(prev);
    }
  }
  it = by_start_key_.lower_bound(start);
  while (it != by_start_key_.end() && (end.empty() || it->first < end)) {
    by_id_.erase(it->second->meta.id());
    it = by_start_key_.erase(it);
  }
  by_start_key_[start] = region;
  by_id_[ver.id] = region;
  invalid_reasons_.erase(ver.id);
  return true;
}

absl::StatusOr<KeyLocation> RegionCache::Install(const pd::RegionInfo& info) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<const Region> r = MakeRegion(info);
  KeyLocation loc = r->Location();
  (void)InsertLocked(std::move(r));
  return loc;
}

// Port of client-go internal/locate/region_cache.go, loadRegion(): PD may not know the region
// yet (right after a split), or return one that does not contain the key; both back off
// regionMiss/pdRPC and retry until the budget is spent.
absl::StatusOr<KeyLocation> RegionCache::LoadFromPd(Backoffer& bo, std::string_view key,
                                                    bool prev) {
  for (;;) {
    absl::StatusOr<std::optional<pd::RegionInfo>> info =
        prev ? pd_.GetPrevRegion(key, true, &bo.cancel_token())
             : pd_.GetRegion(key, true, &bo.cancel_token());
    absl::Status err;
    if (!info.ok()) {
      err = info.status();
    } else if (!info->has_value()) {
      err = absl::UnavailableError(absl::StrCat("region not found for key ", AbslView(key)));
    } else if ((*info)->meta.peers_size() == 0) {
      err = absl::UnavailableError("receive Region with no available peer");
    } else {
      return Install(**info);
    }
    if (err.code() == absl::StatusCode::kCancelled) return err;
    if (absl::Status s = bo.Backoff(BackoffKind::kPdRpc, err); !s.ok()) return s;
  }
}

absl::StatusOr<KeyLocation> RegionCache::LocateKey(Backoffer& bo, std::string_view key) {
  {
    absl::ReaderMutexLock lock(&mu_);
    if (std::shared_ptr<const Region> r = FindLocked(key);
        r != nullptr && r->expires_at > env_.clock().Now()) {
      return r->Location();
    }
  }
  return LoadFromPd(bo, key, false);
}

// Port of client-go internal/locate/region_cache.go, LocateEndKey(): a region starting exactly
// at `key` is the wrong one; the previous region ends there.
absl::StatusOr<KeyLocation> RegionCache::LocateEndKey(Backoffer& bo, std::string_view key) {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = by_start_key_.lower_bound(std::string(key));
    if (it != by_start_key_.begin()) {
      const std::shared_ptr<const Region>& r = std::prev(it)->second;
      if (r->Location().ContainsByEnd(key) && r->expires_at > env_.clock().Now()) {
        return r->Location();
      }
    }
  }
  absl::StatusOr<KeyLocation> loc = LoadFromPd(bo, key, false);
  if (!loc.ok()) return loc;
  if (loc->start_key == key && !key.empty()) return LoadFromPd(bo, key, true);
  return loc;
}

absl::StatusOr<KeyLocation> RegionCache::LocateRegionById(Backoffer& bo, uint64_t region_id) {
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = by_id_.find(region_id); it != by_id_.end()) return it->second->Location();
  }
  for (;;) {
    absl::StatusOr<std::optional<pd::RegionInfo>> info =
        pd_.GetRegionById(region_id, true, &bo.cancel_token());
    absl::Status err;
    if (!info.ok()) {
      err = info.status();
    } else if (!info->has_value()) {
      err = absl::UnavailableError(absl::StrCat("region ", region_id, " not found"));
    } else {
      return Install(**info);
    }
    if (absl::Status s = bo.Backoff(BackoffKind::kPdRpc, err); !s.ok()) return s;
  }
}

// Port of client-go internal/locate/region_cache.go, GroupKeysByRegion(): keys inside the last
// located region reuse it, so k sorted keys in r regions cost r lookups.
absl::StatusOr<std::map<RegionVerId, std::vector<std::string>>> RegionCache::GroupKeysByRegion(
    Backoffer& bo, const std::vector<std::string>& keys, RegionVerId* first) {
  std::map<RegionVerId, std::vector<std::string>> out;
  std::optional<KeyLocation> last;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!last.has_value() || !last->Contains(keys[i])) {
      absl::StatusOr<KeyLocation> loc = LocateKey(bo, keys[i]);
      if (!loc.ok()) return loc.status();
      last = *std::move(loc);
    }
    if (i == 0 && first != nullptr) *first = last->region;
    out[last->region].push_back(keys[i]);
  }
  return out;
}

// Port of client-go internal/locate/region_cache.go, BatchLoadRegionsWithKeyRange(), paged by
// options_.scan_batch; a gap in PD's answer backs off and retries.
absl::StatusOr<std::vector<KeyLocation>> RegionCache::LoadRegionsInKeyRange(
    Backoffer& bo, std::string_view start, std::string_view end) {
  std::vector<KeyLocation> out;
  std::string cursor(start);
  for (;;) {
    absl::StatusOr<std::vector<pd::RegionInfo>> page =
        pd_.ScanRegions(cursor, end, options_.scan_batch, &bo.cancel_token());
    absl::Status err;
    if (!page.ok()) {
      err = page.status();
    } else if (page->empty()) {
      err = absl::UnavailableError("PD returned no region");
    } else if (page->front().meta.start_key() > cursor) {
      err = absl::UnavailableError("PD returned regions with a gap");
    }
    if (!err.ok()) {
      if (absl::Status s = bo.Backoff(BackoffKind::kPdRpc, err); !s.ok()) return s;
      continue;
    }
    for (const pd::RegionInfo& info : *page) {
      absl::StatusOr<KeyLocation> loc = Install(info);
      out.push_back(*loc);
    }
    const std::string& last_end = out.back().end_key;
    if (last_end.empty() || (!end.empty() && last_end >= end)) return out;
    cursor = last_end;
  }
}

std::shared_ptr<const Region> RegionCache::GetCachedRegion(const RegionVerId& id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = by_id_.find(id.id);
  if (it == by_id_.end() || it->second->VerId() != id) return nullptr;
  return it->second;
}

// Port of client-go internal/locate/region_cache.go, OnRegionEpochNotMatch().
bool RegionCache::OnEpochNotMatch(const RegionVerId& region, uint64_t store_id,
                                  const errorpb::EpochNotMatch& error) {
  if (error.current_regions_size() == 0) {
    InvalidateRegion(region, InvalidReason::kEpochNotMatch);
    return false;
  }
  absl::MutexLock lock(&mu_);
  for (const metapb::Region& meta : error.current_regions()) {
    pd::RegionInfo info;
    info.meta = meta;
    // The store that answered holds a peer of each current region; guess it leads.
    for (const metapb::Peer& p : meta.peers()) {
      if (p.store_id() == store_id) info.leader = p;
    }
    if (auto it = by_id_.find(meta.id()); it != by_id_.end() && it->second->buckets.has_value()) {
      info.buckets = it->second->buckets;  // keep the buckets we had
    }
    (void)InsertLocked(MakeRegion(info));
  }
  if (auto it = by_id_.find(region.id); it != by_id_.end() && it->second->VerId() == region) {
    RemoveLocked(region.id);
    invalid_reasons_[region.id] = InvalidReason::kEpochNotMatch;
  }
  return true;
}

// Port of client-go internal/locate/region_cache.go, UpdateLeader().
void RegionCache::UpdateLeader(const RegionVerId& region, uint64_t leader_store_id) {
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(region.id);
  if (it == by_id_.end() || it->second->VerId() != region) return;
  auto updated = std::make_shared<Region>(*it->second);
  const int n = updated->meta.peers_size();
  if (leader_store_id == 0) {
    updated->leader_index = n == 0 ? -1 : (updated->leader_index + 1) % n;
  } else {
    int found = -1;
    for (int i = 0; i < n; ++i) {
      if (updated->meta.peers(i).store_id() == leader_store_id) found = i;
    }
    if (found < 0) {
      RemoveLocked(region.id);
      invalid_reasons_[region.id] = InvalidReason::kStoreNotFound;
      return;
    }
    updated->leader_index = found;
  }
  by_id_[region.id] = updated;
  by_start_key_[updated->meta.start_key()] = updated;
}

void RegionCache::InvalidateLeader(const RegionVerId& region) {
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(region.id);
  if (it == by_id_.end() || it->second->VerId() != region) return;
  auto updated = std::make_shared<Region>(*it->second);
  updated->leader_index = -1;
  by_id_[region.id] = updated;
  by_start_key_[updated->meta.start_key()] = updated;
}

void RegionCache::InvalidateRegion(const RegionVerId& region, InvalidReason reason) {
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(region.id);
  if (it == by_id_.end() || it->second->VerId() != region) return;
  RemoveLocked(region.id);
  invalid_reasons_[region.id] = reason;
}

InvalidReason RegionCache::LastInvalidReason(uint64_t id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = invalid_reasons_.find(id);
  return it == invalid_reasons_.end() ? InvalidReason::kOk : it->second;
}

size_t RegionCache::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return by_id_.size();
}

}  // namespace tikv::locate
