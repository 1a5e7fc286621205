// Conversions shared by the PD client's parts: PD answers to RegionInfo, response headers to
// statuses, member URLs to transport addresses.  Pure functions.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/repeated_ptr_field.h"

#include "metapb.pb.h"
#include "pd/pd_client.h"
#include "pdpb.pb.h"

namespace tikv::pd {

// "http://host:port" -> "host:port": PD advertises URLs, the transport dials addresses.
std::string AddressFromUrl(std::string_view url);

// A PD header as a status: a cluster id other than `cluster_id` (when both are known) is
// kFailedPrecondition ("mismatch cluster id"); REGION_NOT_FOUND is kNotFound;
// NOT_BOOTSTRAPPED kFailedPrecondition; other errors kUnknown with PD's type and message.
absl::Status HeaderStatus(const pdpb::ResponseHeader& header, uint64_t cluster_id);

// A region from its parts; an empty leader peer (id 0) means "unknown".
RegionInfo RegionFromParts(const metapb::Region& region, const metapb::Peer* leader,
                           const google::protobuf::RepeatedPtrField<pdpb::PeerStats>& down,
                           const google::protobuf::RepeatedPtrField<metapb::Peer>& pending,
                           const metapb::Buckets* buckets);
RegionInfo RegionFromPd(const pdpb::Region& r);
RegionInfo RegionFromPd(const pdpb::RegionResponse& r);

}  // namespace tikv::pd
