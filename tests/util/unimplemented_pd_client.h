// UnimplementedPdClient: a pd::PdClient whose every call answers kUnimplemented (GetTsAsync an
// empty future, cluster id 0, Close does nothing).  Test doubles derive from it and override
// only the calls they serve, so a new PdClient method touches this file instead of every fake.
// Header-only: the benchmarks use it without the test utility library.

#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pd/pd_client.h"

namespace tikv::testing {

class UnimplementedPdClient : public pd::PdClient {
 public:
  absl::StatusOr<uint64_t> GetTs(const CancelToken*) override { return Unimpl(); }
  oracle::TsFuture GetTsAsync() override { return {}; }
  absl::StatusOr<uint64_t> GetMinTs(const CancelToken*) override { return Unimpl(); }
  absl::StatusOr<std::optional<pd::RegionInfo>> GetRegion(std::string_view, bool,
                                                          const CancelToken*) override {
    return Unimpl();
  }
  absl::StatusOr<std::optional<pd::RegionInfo>> GetPrevRegion(std::string_view, bool,
                                                              const CancelToken*) override {
    return Unimpl();
  }
  absl::StatusOr<std::optional<pd::RegionInfo>> GetRegionById(uint64_t, bool,
                                                              const CancelToken*) override {
    return Unimpl();
  }
  absl::StatusOr<std::vector<pd::RegionInfo>> ScanRegions(std::string_view, std::string_view, int,
                                                          const CancelToken*) override {
    return Unimpl();
  }
  absl::StatusOr<std::vector<pd::RegionInfo>> BatchScanRegions(const std::vector<pd::KeyRange>&,
                                                               int, const CancelToken*) override {
    return Unimpl();
  }
  absl::StatusOr<std::optional<metapb::Store>> GetStore(uint64_t, const CancelToken*) override {
    return Unimpl();
  }
  absl::StatusOr<std::vector<metapb::Store>> GetAllStores(bool, const CancelToken*) override {
    return Unimpl();
  }
  absl::StatusOr<keyspacepb::KeyspaceMeta> LoadKeyspace(std::string_view,
                                                        const CancelToken*) override {
    return Unimpl();
  }
  absl::StatusOr<pd::GcState> GetGcState(uint32_t, const CancelToken*) override { return Unimpl(); }
  absl::StatusOr<pd::AdvanceTxnSafePointResult> AdvanceTxnSafePoint(uint32_t, uint64_t,
                                                                    const CancelToken*) override {
    return Unimpl();
  }
  absl::StatusOr<uint64_t> UpdateGcSafePoint(uint64_t, const CancelToken*) override {
    return Unimpl();
  }
  absl::StatusOr<uint64_t> UpdateServiceGcSafePoint(std::string_view, int64_t, uint64_t,
                                                    const CancelToken*) override {
    return Unimpl();
  }
  absl::StatusOr<pdpb::GetClusterInfoResponse> GetClusterInfo(const CancelToken*) override {
    return Unimpl();
  }
  uint64_t cluster_id() const override { return 0; }
  void Close() override {}

 protected:
  static absl::Status Unimpl() { return absl::UnimplementedError("not served by this test PD"); }
};

}  // namespace tikv::testing
