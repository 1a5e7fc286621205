// RawClientOptions validation and the API version names of include/tikv/raw_client.h.

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tikv/raw_client.h"

namespace tikv {

absl::StatusOr<ApiVersion> ParseApiVersion(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower == "v1") return ApiVersion::kV1;
  if (lower == "v1ttl") return ApiVersion::kV1Ttl;
  if (lower == "v2") return ApiVersion::kV2;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown API version \"", std::string(text), "\" (want v1, v1ttl or v2)"));
}

std::string_view ApiVersionName(ApiVersion version) {
  switch (version) {
    case ApiVersion::kV1:
      return "v1";
    case ApiVersion::kV1Ttl:
      return "v1ttl";
    case ApiVersion::kV2:
      return "v2";
  }
  return "unknown";
}

absl::Status RawClientOptions::Validate() const {
  if (pd_endpoints.empty()) return absl::InvalidArgumentError("raw: no PD endpoints");
  for (const std::string& e : pd_endpoints) {
    if (e.empty()) return absl::InvalidArgumentError("raw: empty PD endpoint");
  }
  if (api_version != ApiVersion::kV1 && api_version != ApiVersion::kV1Ttl &&
      api_version != ApiVersion::kV2) {
    return absl::InvalidArgumentError("raw: unknown API version");
  }
  if (!keyspace.empty() && api_version != ApiVersion::kV2) {
    return absl::InvalidArgumentError(
        absl::StrCat("raw: keyspace \"", keyspace, "\" needs API V2 (the client uses ",
                     std::string(ApiVersionName(api_version)), ")"));
  }
  if (max_backoff_ms < 0) return absl::InvalidArgumentError("raw: negative max_backoff_ms");
  if (rpc_timeout <= Duration::zero()) return absl::InvalidArgumentError("raw: rpc_timeout <= 0");
  if (pd_timeout <= Duration::zero()) return absl::InvalidArgumentError("raw: pd_timeout <= 0");
  if (max_write_execution < Duration::zero()) {
    return absl::InvalidArgumentError("raw: negative max_write_execution");
  }
  if (batch_pair_count <= 0) return absl::InvalidArgumentError("raw: batch_pair_count <= 0");
  if (batch_put_size <= 0) return absl::InvalidArgumentError("raw: batch_put_size <= 0");
  if (max_key_bytes == 0) return absl::InvalidArgumentError("raw: max_key_bytes == 0");
  if (column_family != "" && column_family != "default" && column_family != "lock" &&
      column_family != "write") {
    return absl::InvalidArgumentError(
        absl::StrCat("raw: unknown column family \"", column_family, "\""));
  }
  if (api_version == ApiVersion::kV2 && column_family != "" && column_family != "default") {
    return absl::InvalidArgumentError("raw: API V2 allows only the default column family");
  }
  return absl::OkStatus();
}

}  // namespace tikv
