// Input checks of the raw client, run before anything is sent so that bad input fails with a
// clear kInvalidArgument / kFailedPrecondition and nothing is partially applied.  client-go
// leaves most of these to TiKV (which answers with an error string, possibly after some
// batches were applied); checking up front is an intended divergence.
//
// Thread-safety: stateless.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "kvrpcpb.pb.h"
#include "tikv/raw_client.h"

namespace tikv::raw {

// A key that is sent on its own or in a batch: non-empty, at most max_key_bytes.
absl::Status CheckKey(const RawClientOptions& options, std::string_view key);
// A value: at most max_value_bytes (empty values are legal).
absl::Status CheckValue(const RawClientOptions& options, std::string_view value);
// A TTL: non-zero TTLs need API V1TTL or V2 (kFailedPrecondition "TTL not enabled").
absl::Status CheckTtl(const RawClientOptions& options, uint64_t ttl_seconds);
// Every key of a batch.
absl::Status CheckKeys(const RawClientOptions& options, const std::vector<std::string>& keys);
// A batch put: lengths agree (ttls empty or one per key), every key, value and TTL is valid.
absl::Status CheckPairs(const RawClientOptions& options, const std::vector<std::string>& keys,
                        const std::vector<std::string>& values,
                        const std::vector<uint64_t>& ttls);
// A scan limit: 0..kMaxRawScanLimit (client-go ErrMaxScanLimitExceeded above it).
absl::Status CheckLimit(int limit);
// A bound of a range (may be empty = unbounded): at most max_key_bytes.
absl::Status CheckBound(const RawClientOptions& options, std::string_view bound);
// A forward range [start, end): start <= end unless end is empty.
absl::Status CheckForwardRange(const RawClientOptions& options, std::string_view start,
                               std::string_view end);
// A reverse range [end, start): end <= start unless start is empty (which scans nothing).
absl::Status CheckReverseRange(const RawClientOptions& options, std::string_view start,
                               std::string_view end);
// A column family name: "", "default", "lock", "write"; API V2 allows only the default.
absl::Status CheckColumnFamily(const RawClientOptions& options, std::string_view cf);

// Turns the `error` string of a raw response into a status (protocol.md 4.4: a plain error,
// not retried).  "TTL not enabled" and API-version mismatches are kFailedPrecondition, an
// invalid column family kInvalidArgument, anything else kUnknown; the text is kept.
absl::Status RawServerError(std::string_view error);
// The error a raw scan or batch get reports inside a pair (TiKV puts API-version and key-mode
// errors there, as a KeyError's abort text).
absl::Status PairError(const kvrpcpb::KvPair& pair);

}  // namespace tikv::raw
