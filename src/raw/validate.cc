#include "raw/validate.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace tikv::raw {

absl::Status CheckKey(const RawClientOptions& options, std::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("raw: empty key");
  if (key.size() > options.max_key_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("raw: key of ", key.size(),
                                                   " bytes exceeds max_key_bytes ",
                                                   options.max_key_bytes));
  }
  return absl::OkStatus();
}

absl::Status CheckValue(const RawClientOptions& options, std::string_view value) {
  if (value.size() > options.max_value_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("raw: value of ", value.size(),
                                                   " bytes exceeds max_value_bytes ",
                                                   options.max_value_bytes));
  }
  return absl::OkStatus();
}

absl::Status CheckTtl(const RawClientOptions& options, uint64_t ttl_seconds) {
  if (ttl_seconds != 0 && options.api_version == ApiVersion::kV1) {
    return absl::FailedPreconditionError(
        "raw: TTL not enabled: the client uses API V1; TTLs need a cluster running API V1TTL or "
        "V2");
  }
  return absl::OkStatus();
}

absl::Status CheckKeys(const RawClientOptions& options, const std::vector<std::string>& keys) {
  for (size_t i = 0; i < keys.size(); ++i) {
    if (absl::Status s = CheckKey(options, keys[i]); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(s.message(), " (keys[", i, "])"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPairs(const RawClientOptions& options, const std::vector<std::string>& keys,
                        const std::vector<std::string>& values,
                        const std::vector<uint64_t>& ttls) {
  if (keys.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("raw: ", keys.size(), " keys but ",
                                                   values.size(), " values"));
  }
  if (!ttls.empty() && ttls.size() != keys.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("raw: ", keys.size(), " keys but ", ttls.size(), " TTLs"));
  }
  if (absl::Status s = CheckKeys(options, keys); !s.ok()) return s;
  for (size_t i = 0; i < values.size(); ++i) {
    if (absl::Status s = CheckValue(options, values[i]); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(s.message(), " (values[", i, "])"));
    }
  }
  for (uint64_t ttl : ttls) {
    if (absl::Status s = CheckTtl(options, ttl); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CheckLimit(int limit) {
  if (limit < 0) return absl::InvalidArgumentError(absl::StrCat("raw: negative limit ", limit));
  if (limit > kMaxRawScanLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "raw: limit should be less than MaxRawKVScanLimit (", limit, " > ", kMaxRawScanLimit, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckBound(const RawClientOptions& options, std::string_view bound) {
  if (bound.size() > options.max_key_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("raw: range bound of ", bound.size(),
                                                   " bytes exceeds max_key_bytes ",
                                                   options.max_key_bytes));
  }
  return absl::OkStatus();
}

absl::Status CheckForwardRange(const RawClientOptions& options, std::string_view start,
                               std::string_view end) {
  if (absl::Status s = CheckBound(options, start); !s.ok()) return s;
  if (absl::Status s = CheckBound(options, end); !s.ok()) return s;
  if (!end.empty() && start > end) {
    return absl::InvalidArgumentError("raw: inverted range: start key is after end key");
  }
  return absl::OkStatus();
}

absl::Status CheckReverseRange(const RawClientOptions& options, std::string_view start,
                               std::string_view end) {
  if (absl::Status s = CheckBound(options, start); !s.ok()) return s;
  if (absl::Status s = CheckBound(options, end); !s.ok()) return s;
  if (!start.empty() && end > start) {
    return absl::InvalidArgumentError(
        "raw: inverted range: a reverse scan's end key must not be after its start key");
  }
  return absl::OkStatus();
}

absl::Status CheckColumnFamily(const RawClientOptions& options, std::string_view cf) {
  if (cf.empty() || cf == "default") return absl::OkStatus();
  if (cf != "lock" && cf != "write") {
    return absl::InvalidArgumentError(absl::StrCat("raw: unknown column family \"", std::string(cf), "\""));
  }
  if (options.api_version == ApiVersion::kV2) {
    return absl::InvalidArgumentError(
        absl::StrCat("raw: API V2 allows only the default column family, not \"", std::string(cf), "\""));
  }
  return absl::OkStatus();
}

absl::Status RawServerError(std::string_view error) {
  const std::string lower = absl::AsciiStrToLower(std::string(error));
  if (absl::StrContains(lower, "ttl") || absl::StrContains(lower, "api version") ||
      absl::StrContains(lower, "apiversion") || absl::StrContains(lower, "keymode")) {
    return absl::FailedPreconditionError(std::string(error));
  }
  if (absl::StrContains(lower, "invalid cf") || absl::StrContains(lower, "column family")) {
    return absl::InvalidArgumentError(std::string(error));
  }
  return absl::UnknownError(std::string(error));
}

absl::Status PairError(const kvrpcpb::KvPair& pair) {
  const kvrpcpb::KeyError& e = pair.error();
  if (!e.abort().empty()) return RawServerError(e.abort());
  if (!e.retryable().empty()) return RawServerError(e.retryable());
  return absl::UnknownError(absl::StrCat("raw: key error on a pair: ", e.ShortDebugString()));
}

}  // namespace tikv::raw
