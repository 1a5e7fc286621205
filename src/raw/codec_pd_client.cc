#include "raw/codec_pd_client.h"

#include <utility>

namespace tikv::raw {

absl::StatusOr<keyspacepb::KeyspaceMeta> LoadKeyspaceMeta(pd::PdClient& pd, std::string_view name,
                                                          const CancelToken* cancel) {
  absl::StatusOr<keyspacepb::KeyspaceMeta> meta =
      pd.LoadKeyspace(kv::BuildKeyspaceName(name), cancel);
  if (!meta.ok()) return meta.status();
  if (absl::StatusOr<kv::KeyspaceId> id = kv::KeyspaceIdFromMeta(*meta); !id.ok()) {
    return id.status();
  }
  return meta;
}

absl::Status CodecPdClient::DecodeInPlace(pd::RegionInfo& region) const {
  absl::StatusOr<kv::KeyRange> range =
      codec_.DecodeRegionRange(region.meta.start_key(), region.meta.end_key());
  if (!range.ok()) return range.status();
  region.meta.set_start_key(range->start_key);
  region.meta.set_end_key(range->end_key);
  if (region.buckets.has_value()) {
    std::vector<std::string> keys(region.buckets->keys().begin(), region.buckets->keys().end());
    absl::StatusOr<std::vector<std::string>> decoded = codec_.DecodeBucketKeys(keys);
    if (!decoded.ok()) return decoded.status();
    region.buckets->clear_keys();
    for (std::string& k : *decoded) region.buckets->add_keys(std::move(k));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<pd::RegionInfo>> CodecPdClient::Process(
    absl::StatusOr<std::optional<pd::RegionInfo>> region) const {
  if (!region.ok() || !region->has_value()) return region;
  if (absl::Status s = DecodeInPlace(**region); !s.ok()) return s;
  return region;
}

absl::StatusOr<std::optional<pd::RegionInfo>> CodecPdClient::GetRegion(std::string_view key,
                                                                       bool need_buckets,
                                                                       const CancelToken* cancel) {
  return Process(inner_.GetRegion(codec_.EncodeRegionKey(key), need_buckets, cancel));
}

absl::StatusOr<std::optional<pd::RegionInfo>> CodecPdClient::GetPrevRegion(
    std::string_view key, bool need_buckets, const CancelToken* cancel) {
  return Process(inner_.GetPrevRegion(codec_.EncodeRegionKey(key), need_buckets, cancel));
}

absl::StatusOr<std::optional<pd::RegionInfo>> CodecPdClient::GetRegionById(
    uint64_t region_id, bool need_buckets, const CancelToken* cancel) {
  return Process(inner_.GetRegionById(region_id, need_buckets, cancel));
}

absl::StatusOr<std::vector<pd::RegionInfo>> CodecPdClient::ScanRegions(std::string_view start_key,
                                                                       std::string_view end_key,
                                                                       int limit,
                                                                       const CancelToken* cancel) {
  kv::KeyRange encoded = codec_.EncodeRegionRange(start_key, end_key);
  absl::StatusOr<std::vector<pd::RegionInfo>> regions =
      inner_.ScanRegions(encoded.start_key, encoded.end_key, limit, cancel);
  if (!regions.ok()) return regions.status();
  for (pd::RegionInfo& r : *regions) {
    if (absl::Status s = DecodeInPlace(r); !s.ok()) return s;
  }
  return regions;
}

absl::StatusOr<std::vector<pd::RegionInfo>> CodecPdClient::BatchScanRegions(
    const std::vector<pd::KeyRange>& ranges, int limit, const CancelToken* cancel) {
  std::vector<pd::KeyRange> encoded;
  encoded.reserve(ranges.size());
  for (const pd::KeyRange& r : ranges) {
    kv::KeyRange e = codec_.EncodeRegionRange(r.start_key, r.end_key);
    encoded.push_back(pd::KeyRange{e.start_key, e.end_key});
  }
  absl::StatusOr<std::vector<pd::RegionInfo>> regions =
      inner_.BatchScanRegions(encoded, limit, cancel);
  if (!regions.ok()) return regions.status();
  for (pd::RegionInfo& r : *regions) {
    if (absl::Status s = DecodeInPlace(r); !s.ok()) return s;
  }
  return regions;
}

}  // namespace tikv::raw
