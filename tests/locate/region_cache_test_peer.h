// Test access to RegionCache internals (the entries behind the public API), shared by the
// region cache test files.  Fiber-confined like the tests.

#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "locate/region_cache.h"

namespace tikv::locate {

class RegionCacheTestPeer {
 public:
  explicit RegionCacheTestPeer(RegionCache& cache) : c_(cache) {}

  // The entry holding `key` (by end key with `is_end`), valid or not.
  std::shared_ptr<const Region> Search(std::string_view key, bool is_end = false) {
    return c_.Search(key, is_end);
  }
  std::shared_ptr<const Region> ById(uint64_t id) { return c_.SearchById(id); }
  // Entries that are neither invalidated nor expired (client-go checkCache).
  int ValidCount() {
    const MonoTime now = c_.env_.clock().Now();
    absl::ReaderMutexLock lock(&c_.mu_);
    int n = 0;
    for (const auto& [start, r] : c_.by_start_key_) {
      if (r->state->Alive(now)) ++n;
    }
    return n;
  }
  std::vector<std::shared_ptr<const Region>> All() {
    absl::ReaderMutexLock lock(&c_.mu_);
    std::vector<std::shared_ptr<const Region>> out;
    for (const auto& [start, r] : c_.by_start_key_) out.push_back(r);
    return out;
  }
  void Clear() {
    absl::MutexLock lock(&c_.mu_);
    c_.by_start_key_.clear();
    c_.by_id_.clear();
  }
  // Inserts a copy of `r` with a fresh entry state (client-go insertRegionToCache on a
  // hand-built Region).
  bool Insert(const Region& r, bool invalidate_old = true) {
    auto copy = std::make_shared<Region>(r);
    copy->state = std::make_shared<RegionEntryState>(c_.NextExpiry());
    return c_.Insert(std::move(copy), invalidate_old);
  }
  absl::StatusOr<std::shared_ptr<Region>> LoadRegion(Backoffer& bo, std::string_view key,
                                                     bool is_end = false) {
    return c_.LoadRegion(bo, key, is_end);
  }
  absl::StatusOr<std::vector<std::shared_ptr<Region>>> ScanRegions(Backoffer& bo,
                                                                   std::string_view start,
                                                                   std::string_view end,
                                                                   int limit) {
    return c_.ScanRegions(bo, start, end, limit);
  }
  std::vector<std::shared_ptr<const Region>> ScanFromCache(std::string_view start,
                                                           std::string_view end, int limit) {
    return c_.ScanFromCache(start, end, limit);
  }
  void SetGcScanHook(std::function<void(uint64_t)> hook) { c_.gc_scan_hook_ = std::move(hook); }
  void GcRound() { c_.GcRound(); }

 private:
  RegionCache& c_;
};

}  // namespace tikv::locate
