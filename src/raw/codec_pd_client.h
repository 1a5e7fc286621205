// CodecPdClient: a PdClient seen through an API codec, so the region cache works in the
// client's user key space.  Keys going to PD are encoded (EncodeRegionKey / EncodeRegionRange:
// the keyspace prefix under API V2, memcomparable where the mode needs it) and the region
// boundaries and bucket keys coming back are decoded and clamped to the keyspace.  Also the
// keyspace lookup by name.  Port of client-go internal/locate/pd_codec.go (CodecPDClient,
// NewCodecPDClientWithKeyspace, GetKeyspaceMeta, processRegionResult, decodeRegionKeyInPlace).
// It lives in src/raw because the raw client is its first user; the transactional client may
// share it.
//
// Thread-safe, like the wrapped client.

#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "kv/api_codec.h"
#include "pd/pd_client.h"

namespace tikv::raw {

// Loads keyspace `name` ("" = the default keyspace) from PD and checks it is usable (ENABLED,
// a numeric id that fits 3 bytes).  Errors: PD's kNotFound for an unknown keyspace;
// kFailedPrecondition / kInvalidArgument from kv::KeyspaceIdFromMeta.  May suspend.
absl::StatusOr<keyspacepb::KeyspaceMeta> LoadKeyspaceMeta(pd::PdClient& pd, std::string_view name,
                                                          const CancelToken* cancel);

class CodecPdClient : public pd::PdClient {
 public:
  // `inner` and `codec` must outlive this wrapper.  Never suspends.
  CodecPdClient(pd::PdClient& inner, const kv::Codec& codec) : inner_(inner), codec_(codec) {}

  absl::StatusOr<uint64_t> GetTs(const CancelToken* cancel) override {
    return inner_.GetTs(cancel);
  }
  oracle::TsFuture GetTsAsync() override { return inner_.GetTsAsync(); }
  absl::StatusOr<uint64_t> GetMinTs(const CancelToken* cancel) override {
    return inner_.GetMinTs(cancel);
  }
  // Region lookups: `key` / ranges are user keys; regions come back in user key space.
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
  absl::StatusOr<std::optional<metapb::Store>> GetStore(uint64_t store_id,
                                                        const CancelToken* cancel) override {
    return inner_.GetStore(store_id, cancel);
  }
  absl::StatusOr<std::vector<metapb::Store>> GetAllStores(bool exclude_tombstone,
                                                          const CancelToken* cancel) override {
    return inner_.GetAllStores(exclude_tombstone, cancel);
  }
  absl::StatusOr<keyspacepb::KeyspaceMeta> LoadKeyspace(std::string_view name,
                                                        const CancelToken* cancel) override {
    return inner_.LoadKeyspace(name, cancel);
  }
  absl::StatusOr<pd::GcState> GetGcState(uint32_t keyspace_id,
                                         const CancelToken* cancel) override {
    return inner_.GetGcState(keyspace_id, cancel);
  }
  absl::StatusOr<pd::AdvanceTxnSafePointResult> AdvanceTxnSafePoint(
      uint32_t keyspace_id, uint64_t target, const CancelToken* cancel) override {
    return inner_.AdvanceTxnSafePoint(keyspace_id, target, cancel);
  }
  absl::StatusOr<uint64_t> UpdateGcSafePoint(uint64_t safe_point,
                                             const CancelToken* cancel) override {
    return inner_.UpdateGcSafePoint(safe_point, cancel);
  }
  absl::StatusOr<uint64_t> UpdateServiceGcSafePoint(std::string_view service_id,
                                                    int64_t ttl_seconds, uint64_t safe_point,
                                                    const CancelToken* cancel) override {
    return inner_.UpdateServiceGcSafePoint(service_id, ttl_seconds, safe_point, cancel);
  }
  // GC barriers and members carry no keys: forwarded as they are (without these overrides the
  // interface defaults would answer kUnimplemented behind the codec).
  absl::StatusOr<pd::GcState> GetGcStateWithBarriers(uint32_t keyspace_id,
                                                     const CancelToken* cancel) override {
    return inner_.GetGcStateWithBarriers(keyspace_id, cancel);
  }
  absl::StatusOr<pd::GcBarrierInfo> SetGcBarrier(uint32_t keyspace_id,
                                                 std::string_view barrier_id, uint64_t barrier_ts,
                                                 Duration ttl,
                                                 const CancelToken* cancel) override {
    return inner_.SetGcBarrier(keyspace_id, barrier_id, barrier_ts, ttl, cancel);
  }
  absl::StatusOr<std::optional<pd::GcBarrierInfo>> DeleteGcBarrier(
      uint32_t keyspace_id, std::string_view barrier_id, const CancelToken* cancel) override {
    return inner_.DeleteGcBarrier(keyspace_id, barrier_id, cancel);
  }
  absl::StatusOr<pd::AdvanceGcSafePointResult> AdvanceGcSafePoint(
      uint32_t keyspace_id, uint64_t target, const CancelToken* cancel) override {
    return inner_.AdvanceGcSafePoint(keyspace_id, target, cancel);
  }
  absl::StatusOr<std::vector<pdpb::Member>> GetAllMembers(const CancelToken* cancel) override {
    return inner_.GetAllMembers(cancel);
  }
  std::string GetLeaderUrl() const override { return inner_.GetLeaderUrl(); }
  absl::StatusOr<pdpb::GetClusterInfoResponse> GetClusterInfo(const CancelToken* cancel) override {
    return inner_.GetClusterInfo(cancel);
  }
  uint64_t cluster_id() const override { return inner_.cluster_id(); }
  // Does not close the wrapped client (its owner does).  Never suspends.
  void Close() override {}

  const kv::Codec& codec() const { return codec_; }

 private:
  // Decodes the region's boundaries (and bucket keys) in place.  Errors as
  // Codec::DecodeRegionRange.
  absl::Status DecodeInPlace(pd::RegionInfo& region) const;
  absl::StatusOr<std::optional<pd::RegionInfo>> Process(
      absl::StatusOr<std::optional<pd::RegionInfo>> region) const;

  pd::PdClient& inner_;
  const kv::Codec& codec_;
};

}  // namespace tikv::raw
