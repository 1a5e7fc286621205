// MemPdClient: an in-memory pd::PdClient for region cache unit tests.  Keeps a region table
// (meta, leader, buckets, down peers) with split / merge helpers like mocktikv's Cluster,
// counts calls per API, injects errors, hides regions from scans (a split not yet reported)
// and can answer from a frozen snapshot (a lagging PD).  Calls answer at once unless `latency`
// is set (then they sleep on the Env's clock: call them on a fiber).  Only the region calls are
// implemented; the others fail kUnimplemented.  Fiber-confined to the simulation thread.

#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pd/pd_client.h"
#include "tests/util/unimplemented_pd_client.h"
#include "tikv/env.h"

namespace tikv::testing {

class MemPdClient : public UnimplementedPdClient {
 public:
  enum class Api { kGetRegion, kGetPrevRegion, kGetRegionById, kScanRegions, kBatchScanRegions };

  explicit MemPdClient(Env& env) : env_(env) {}

  // --- the cluster ---
  // Regions at `splits` (ids 1.., one peer per store with id region*10 + i, leader on the
  // first store, epoch 1/1).
  void SplitAt(const std::vector<std::string>& splits, const std::vector<uint64_t>& stores);
  void PutRegion(const metapb::Region& meta, uint64_t leader_store_id);
  // Splits region `id` at `key`: the left part keeps `id`, the right becomes `new_id` (same
  // stores); both versions go up by one.
  void Split(uint64_t id, uint64_t new_id, const std::string& key);
  // Merges region `right` into `left` (adjacent); left's version goes up.
  void Merge(uint64_t left, uint64_t right);
  // Leader 0 = PD knows no leader.
  void SetLeader(uint64_t id, uint64_t store_id);
  void SetBuckets(uint64_t id, const std::vector<std::string>& keys, uint64_t version);
  void MarkPeerDown(uint64_t id, uint64_t store_id);
  void RemoveRegion(uint64_t id);
  // Bumps conf_ver (a membership change).
  void BumpConfVer(uint64_t id);
  std::optional<metapb::Region> Region(uint64_t id) const;

  // --- faults ---
  // The next `n` calls of `api` fail with `status` (counted as calls).
  void FailNext(Api api, int n, absl::Status status);
  void ClearFailures() { failures_.clear(); }
  // Scans skip region `id` while > 0 scans remain (each scan decrements).
  void HideFromScans(uint64_t id, int scans) { hidden_[id] = scans; }
  // Answer every region call from the table as it is now, until Thaw().
  void Freeze() { frozen_ = regions_; }
  void Thaw() { frozen_.reset(); }
  bool batch_scan_unimplemented = false;
  // Largest number of ranges one BatchScanRegions call carried.
  size_t max_batch_ranges = 0;
  Duration latency = Duration::zero();

  int calls(Api api) const;
  int total_region_calls() const;

  // --- pd::PdClient ---
  absl::StatusOr<std::optional<pd::RegionInfo>> GetRegion(std::string_view key, bool need_buckets,
                                                          const CancelToken* cancel) override;
  absl::StatusOr<std::optional<pd::RegionInfo>> GetPrevRegion(std::string_view key,
                                                              bool need_buckets,
                                                              const CancelToken* cancel) override;
  absl::StatusOr<std::optional<pd::RegionInfo>> GetRegionById(uint64_t region_id,
                                                              bool need_buckets,
                                                              const CancelToken* cancel) override;
  absl::StatusOr<std::vector<pd::RegionInfo>> ScanRegions(std::string_view start_key,
                                                          std::string_view end_key, int limit,
                                                          const CancelToken* cancel) override;
  absl::StatusOr<std::vector<pd::RegionInfo>> BatchScanRegions(
      const std::vector<pd::KeyRange>& ranges, int limit, const CancelToken* cancel) override;
  uint64_t cluster_id() const override { return 1; }

 private:
  struct Rec {
    metapb::Region meta;
    uint64_t leader_store = 0;
    std::optional<metapb::Buckets> buckets;
    std::set<uint64_t> down_stores;
  };
  // Counts the call, sleeps `latency`, and returns an injected failure if any.
  absl::Status Enter(Api api, const CancelToken* cancel);
  const std::map<std::string, Rec>& View() const { return frozen_ ? *frozen_ : regions_; }
  pd::RegionInfo Info(const Rec& r, bool need_buckets) const;
  const Rec* FindByKey(std::string_view key) const;
  Rec* FindById(uint64_t id);
  bool Hidden(uint64_t id) const;

  Env& env_;
  std::map<std::string, Rec> regions_;  // by start key
  std::optional<std::map<std::string, Rec>> frozen_;
  std::map<Api, int> calls_;
  std::map<Api, std::deque<absl::Status>> failures_;
  std::map<uint64_t, int> hidden_;
};

}  // namespace tikv::testing
