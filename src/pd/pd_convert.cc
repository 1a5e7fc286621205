#include "pd/pd_convert.h"

#include "absl/strings/str_cat.h"

namespace tikv::pd {

std::string AddressFromUrl(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.substr(0, scheme.size()) == scheme) return std::string(url.substr(scheme.size()));
  }
  return std::string(url);
}

absl::Status HeaderStatus(const pdpb::ResponseHeader& header, uint64_t cluster_id) {
  if (cluster_id != 0 && header.cluster_id() != 0 && header.cluster_id() != cluster_id) {
    return absl::FailedPreconditionError(absl::StrCat("mismatch cluster id, need ", cluster_id,
                                                      " but got ", header.cluster_id()));
  }
  if (!header.has_error() || header.error().type() == pdpb::OK) return absl::OkStatus();
  const std::string text =
      absl::StrCat(pdpb::ErrorType_Name(header.error().type()), ": ", header.error().message());
  switch (header.error().type()) {
    case pdpb::REGION_NOT_FOUND:
      return absl::NotFoundError(text);
    case pdpb::NOT_BOOTSTRAPPED:
      return absl::FailedPreconditionError(text);
    default:
      return absl::UnknownError(text);
  }
}

RegionInfo RegionFromParts(const metapb::Region& region, const metapb::Peer* leader,
                           const google::protobuf::RepeatedPtrField<pdpb::PeerStats>& down,
                           const google::protobuf::RepeatedPtrField<metapb::Peer>& pending,
                           const metapb::Buckets* buckets) {
  RegionInfo info;
  info.meta = region;
  if (leader != nullptr && leader->id() != 0) info.leader = *leader;
  for (const pdpb::PeerStats& p : down) info.down_peers.push_back(p.peer());
  for (const metapb::Peer& p : pending) info.pending_peers.push_back(p);
  if (buckets != nullptr) info.buckets = *buckets;
  return info;
}

RegionInfo RegionFromPd(const pdpb::Region& r) {
  return RegionFromParts(r.region(), r.has_leader() ? &r.leader() : nullptr, r.down_peers(),
                         r.pending_peers(), r.has_buckets() ? &r.buckets() : nullptr);
}

RegionInfo RegionFromPd(const pdpb::RegionResponse& r) {
  return RegionFromParts(r.region(), r.has_leader() ? &r.leader() : nullptr, r.down_peers(),
                         r.pending_peers(), r.has_buckets() ? &r.buckets() : nullptr);
}

}  // namespace tikv::pd
