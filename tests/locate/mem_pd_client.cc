#include "tests/locate/mem_pd_client.h"

#include <algorithm>
#include <utility>

namespace tikv::testing {

void MemPdClient::SplitAt(const std::vector<std::string>& splits,
                          const std::vector<uint64_t>& stores) {
  regions_.clear();
  std::vector<std::string> starts = {""};
  starts.insert(starts.end(), splits.begin(), splits.end());
  for (size_t i = 0; i < starts.size(); ++i) {
    metapb::Region m;
    m.set_id(i + 1);
    m.set_start_key(starts[i]);
    m.set_end_key(i + 1 < starts.size() ? starts[i + 1] : "");
    m.mutable_region_epoch()->set_version(1);
    m.mutable_region_epoch()->set_conf_ver(1);
    for (size_t s = 0; s < stores.size(); ++s) {
      metapb::Peer* p = m.add_peers();
      p->set_id((i + 1) * 10 + s + 1);
      p->set_store_id(stores[s]);
    }
    PutRegion(m, stores.empty() ? 0 : stores.front());
  }
}

void MemPdClient::PutRegion(const metapb::Region& meta, uint64_t leader_store_id) {
  for (auto it = regions_.begin(); it != regions_.end();) {
    it = it->second.meta.id() == meta.id() ? regions_.erase(it) : std::next(it);
  }
  Rec r;
  r.meta = meta;
  r.leader_store = leader_store_id;
  regions_[meta.start_key()] = std::move(r);
}

MemPdClient::Rec* MemPdClient::FindById(uint64_t id) {
  for (auto& [start, rec] : regions_) {
    if (rec.meta.id() == id) return &rec;
  }
  return nullptr;
}

std::optional<metapb::Region> MemPdClient::Region(uint64_t id) const {
  for (const auto& [start, rec] : regions_) {
    if (rec.meta.id() == id) return rec.meta;
  }
  return std::nullopt;
}

void MemPdClient::Split(uint64_t id, uint64_t new_id, const std::string& key) {
  Rec* left = FindById(id);
  if (left == nullptr) return;
  Rec right = *left;
  right.meta.set_id(new_id);
  right.meta.set_start_key(key);
  for (int i = 0; i < right.meta.peers_size(); ++i) {
    right.meta.mutable_peers(i)->set_id(new_id * 10 + i + 1);
  }
  right.buckets.reset();
  left->meta.set_end_key(key);
  const uint64_t ver = left->meta.region_epoch().version() + 1;
  left->meta.mutable_region_epoch()->set_version(ver);
  right.meta.mutable_region_epoch()->set_version(ver);
  regions_[key] = std::move(right);
}

void MemPdClient::Merge(uint64_t left_id, uint64_t right_id) {
  Rec* left = FindById(left_id);
  Rec* right = FindById(right_id);
  if (left == nullptr || right == nullptr) return;
  const std::string end = right->meta.end_key();
  const uint64_t ver =
      std::max(left->meta.region_epoch().version(), right->meta.region_epoch().version()) + 1;
  regions_.erase(right->meta.start_key());
  left = FindById(left_id);
  left->meta.set_end_key(end);
  left->meta.mutable_region_epoch()->set_version(ver);
}

void MemPdClient::SetLeader(uint64_t id, uint64_t store_id) {
  if (Rec* r = FindById(id); r != nullptr) r->leader_store = store_id;
}

void MemPdClient::SetBuckets(uint64_t id, const std::vector<std::string>& keys,
                             uint64_t version) {
  Rec* r = FindById(id);
  if (r == nullptr) return;
  metapb::Buckets b;
  b.set_region_id(id);
  b.set_version(version);
  for (const std::string& k : keys) b.add_keys(k);
  r->buckets = std::move(b);
}

void MemPdClient::MarkPeerDown(uint64_t id, uint64_t store_id) {
  if (Rec* r = FindById(id); r != nullptr) r->down_stores.insert(store_id);
}

void MemPdClient::RemoveRegion(uint64_t id) {
  if (Rec* r = FindById(id); r != nullptr) regions_.erase(r->meta.start_key());
}

void MemPdClient::BumpConfVer(uint64_t id) {
  if (Rec* r = FindById(id); r != nullptr) {
    r->meta.mutable_region_epoch()->set_conf_ver(r->meta.region_epoch().conf_ver() + 1);
  }
}

void MemPdClient::FailNext(Api api, int n, absl::Status status) {
  for (int i = 0; i < n; ++i) failures_[api].push_back(status);
}

int MemPdClient::calls(Api api) const {
  auto it = calls_.find(api);
  return it == calls_.end() ? 0 : it->second;
}

int MemPdClient::total_region_calls() const {
  int n = 0;
  for (const auto& [api, c] : calls_) n += c;
  return n;
}

absl::Status MemPdClient::Enter(Api api, const CancelToken* cancel) {
  ++calls_[api];
  if (latency > Duration::zero()) env_.executor().SleepFor(env_.clock(), latency, cancel);
  if (cancel != nullptr && cancel->IsCancelled()) return absl::CancelledError("cancelled");
  std::deque<absl::Status>& q = failures_[api];
  if (!q.empty()) {
    absl::Status s = q.front();
    q.pop_front();
    return s;
  }
  return absl::OkStatus();
}

pd::RegionInfo MemPdClient::Info(const Rec& r, bool need_buckets) const {
  pd::RegionInfo info;
  info.meta = r.meta;
  for (const metapb::Peer& p : r.meta.peers()) {
    if (p.store_id() == r.leader_store) info.leader = p;
    if (r.down_stores.count(p.store_id()) != 0) info.down_peers.push_back(p);
  }
  if (need_buckets && r.buckets.has_value()) info.buckets = r.buckets;
  return info;
}

const MemPdClient::Rec* MemPdClient::FindByKey(std::string_view key) const {
  const auto& view = View();
  auto it = view.upper_bound(std::string(key));
  if (it == view.begin()) return nullptr;
  --it;
  const std::string& end = it->second.meta.end_key();
  return end.empty() || key < end ? &it->second : nullptr;
}

bool MemPdClient::Hidden(uint64_t id) const {
  auto it = hidden_.find(id);
  return it != hidden_.end() && it->second > 0;
}

absl::StatusOr<std::optional<pd::RegionInfo>> MemPdClient::GetRegion(std::string_view key,
                                                                     bool need_buckets,
                                                                     const CancelToken* cancel) {
  if (absl::Status s = Enter(Api::kGetRegion, cancel); !s.ok()) return s;
  const Rec* r = FindByKey(key);
  if (r == nullptr) return std::optional<pd::RegionInfo>();
  return std::optional<pd::RegionInfo>(Info(*r, need_buckets));
}

absl::StatusOr<std::optional<pd::RegionInfo>> MemPdClient::GetPrevRegion(
    std::string_view key, bool need_buckets, const CancelToken* cancel) {
  if (absl::Status s = Enter(Api::kGetPrevRegion, cancel); !s.ok()) return s;
  const auto& view = View();
  auto it = view.upper_bound(std::string(key));
  if (it == view.begin()) return std::optional<pd::RegionInfo>();
  --it;  // the region containing key
  if (it == view.begin()) return std::optional<pd::RegionInfo>();
  --it;
  return std::optional<pd::RegionInfo>(Info(it->second, need_buckets));
}

absl::StatusOr<std::optional<pd::RegionInfo>> MemPdClient::GetRegionById(
    uint64_t region_id, bool need_buckets, const CancelToken* cancel) {
  if (absl::Status s = Enter(Api::kGetRegionById, cancel); !s.ok()) return s;
  for (const auto& [start, rec] : View()) {
    if (rec.meta.id() == region_id) return std::optional<pd::RegionInfo>(Info(rec, need_buckets));
  }
  return std::optional<pd::RegionInfo>();
}

absl::StatusOr<std::vector<pd::RegionInfo>> MemPdClient::ScanRegions(std::string_view start_key,
                                                                     std::string_view end_key,
                                                                     int limit,
                                                                     const CancelToken* cancel) {
  if (absl::Status s = Enter(Api::kScanRegions, cancel); !s.ok()) return s;
  std::vector<pd::RegionInfo> out;
  const auto& view = View();
  auto it = view.upper_bound(std::string(start_key));
  if (it != view.begin()) --it;
  for (; it != view.end(); ++it) {
    const Rec& r = it->second;
    if (!r.meta.end_key().empty() && r.meta.end_key() <= start_key) continue;
    if (!end_key.empty() && r.meta.start_key() >= end_key) break;
    if (limit > 0 && static_cast<int>(out.size()) >= limit) break;
    if (Hidden(r.meta.id())) continue;
    out.push_back(Info(r, false));
  }
  for (auto& [id, n] : hidden_) {
    if (n > 0) --n;
  }
  return out;
}

absl::StatusOr<std::vector<pd::RegionInfo>> MemPdClient::BatchScanRegions(
    const std::vector<pd::KeyRange>& ranges, int limit, const CancelToken* cancel) {
  max_batch_ranges = std::max(max_batch_ranges, ranges.size());
  if (absl::Status s = Enter(Api::kBatchScanRegions, cancel); !s.ok()) return s;
  if (batch_scan_unimplemented) return absl::UnimplementedError("BatchScanRegions");
  std::vector<pd::RegionInfo> out;
  std::set<uint64_t> seen;
  const auto& view = View();
  for (const pd::KeyRange& range : ranges) {
    auto it = view.upper_bound(range.start_key);
    if (it != view.begin()) --it;
    for (; it != view.end(); ++it) {
      const Rec& r = it->second;
      if (!r.meta.end_key().empty() && r.meta.end_key() <= range.start_key) continue;
      if (!range.end_key.empty() && r.meta.start_key() >= range.end_key) break;
      if (limit > 0 && static_cast<int>(out.size()) >= limit) return out;
      if (Hidden(r.meta.id()) || !seen.insert(r.meta.id()).second) continue;
      out.push_back(Info(r, false));
    }
  }
  for (auto& [id, n] : hidden_) {
    if (n > 0) --n;
  }
  return out;
}

}  // namespace tikv::testing
