// RawClient: the raw key-value API of a TiKV cluster — single-key and batch reads and writes,
// TTLs, compare-and-swap, range scans and deletes, checksums — over any Env (production gRPC or
// the simulator).  Keys are routed by region; batches are split per region and by size and run
// in parallel; scans and range operations walk region by region.  Port of client-go
// rawkv/rawkv.go (Client, NewClientWithOpts, Get ... Checksum) and internal/kvrpc/batch.go.
//
// Every operation has a blocking form (usable from any user thread, or inline from a runtime
// fiber) and an asynchronous form (`...Async`) that returns at once and later runs a callback
// with the result on a runtime fiber; the callback must not block the thread.
//
// "Not found" and "empty value" stay distinct: a missing key reads as std::nullopt, a stored
// empty value as an empty string.
//
// Thread-safe: one RawClient may be shared by any number of threads and fibers.

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tikv/cancel.h"
#include "tikv/env.h"
#include "tikv/mono_time.h"

namespace tikv {

// The storage API version the cluster runs (client-go kvrpcpb.APIVersion for raw clients).
//  - kV1: plain keys, no TTL;
//  - kV1Ttl: plain keys, values may carry a TTL;
//  - kV2: every key lives in a keyspace (4-byte prefix added and stripped by the client), TTL
//    allowed.
enum class ApiVersion { kV1, kV1Ttl, kV2 };

// Parses "v1", "v1ttl" or "v2" (case-insensitive).  kInvalidArgument otherwise.
// Never suspends.
absl::StatusOr<ApiVersion> ParseApiVersion(std::string_view text);
// "v1", "v1ttl" or "v2".  Never suspends.
std::string_view ApiVersionName(ApiVersion version);

// The largest `limit` a scan accepts (client-go MaxRawKVScanLimit).
inline constexpr int kMaxRawScanLimit = 10240;

// Construction-time options, with client-go's defaults.  Validate() is run by Create().
struct RawClientOptions {
  // PD addresses ("host:port"; in simulation, PD node names).  At least one.
  std::vector<std::string> pd_endpoints;
  ApiVersion api_version = ApiVersion::kV1;
  // API V2 only: the keyspace to load from PD by name; empty means the default keyspace.
  // Must be empty for V1 / V1TTL.
  std::string keyspace;
  // The column family of every call that does not name one ("" = TiKV's default CF).
  std::string column_family;
  // Atomic mode (client-go SetAtomicForCAS): every write carries for_cas, which makes
  // CompareAndSwap linearizable; CompareAndSwap is refused without it.
  bool atomic_for_cas = false;
  // Backoff budget of one operation in ms (client-go rawkvMaxBackoff = 20000).
  int64_t max_backoff_ms = 20000;
  // When a region's leader cannot be reached, send its requests through a reachable follower
  // that relays them (client-go TiKVClient.EnableForwarding, default off).
  bool enable_forwarding = false;
  // Timeout of one RPC attempt (client-go ReadTimeoutShort = 30 s).
  Duration rpc_timeout = std::chrono::seconds(30);
  // Context.max_execution_duration_ms of writes (client-go MaxWriteExecutionTime = 20 s).
  Duration max_write_execution = std::chrono::seconds(20);
  // PD call timeout (client-go PDServerTimeout = 3 s).
  Duration pd_timeout = std::chrono::seconds(3);
  // Batch get / delete: a region's keys are cut into batches of about this many keys
  // (client-go rawBatchPairCount = 512; like client-go a batch may carry one more).
  int batch_pair_count = 512;
  // Batch put: a region's pairs are cut once a batch holds this many key+value bytes
  // (client-go rawBatchPutSize = 16 KiB).
  int batch_put_size = 16 * 1024;
  // Input limits checked before anything is sent (TiKV's max-key-size and raft entry limit).
  size_t max_key_bytes = 8 * 1024;
  size_t max_value_bytes = 8 * 1024 * 1024;

  // OK, or kInvalidArgument naming the first bad field.  Never suspends.
  absl::Status Validate() const;
};

// Per-call options (client-go RawOption plus the context's deadline and cancellation).
struct RawCallOptions {
  // Overrides the client's column family when non-empty (client-go SetColumnFamily).
  std::string column_family;
  // Scans only: return keys without values (client-go ScanKeyOnly).
  bool key_only = false;
  // Relative deadline of the whole call; zero means none beyond the backoff budget.
  Duration timeout = Duration::zero();
  // Cancels the call; its deadline, if any, also applies.
  CancelToken cancel;
};

// One key-value pair.  With key-only scans the value is empty.
struct KvPair {
  std::string key;
  std::string value;
  bool operator==(const KvPair&) const = default;
};

// A key range [start_key, end_key); an empty end key means "to the end of the key space".
struct KeyRange {
  std::string start_key;
  std::string end_key;
};

// Result of CompareAndSwap: whether the swap happened and the value seen before it
// (std::nullopt when the key did not exist).
struct CasResult {
  bool swapped = false;
  std::optional<std::string> previous;
};

// Result of Checksum (client-go RawChecksum): CRC64-XOR over stored entries, entry count and
// byte total, combined across regions.
struct RawChecksum {
  uint64_t crc64_xor = 0;
  uint64_t total_kvs = 0;
  uint64_t total_bytes = 0;
  bool operator==(const RawChecksum&) const = default;
};

template <typename T>
using RawCallback = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;
using RawDoneCallback = absl::AnyInvocable<void(absl::Status) &&>;

namespace raw {
class RawEngine;
}  // namespace raw

class RawClient {
 public:
  // Connects to PD, loads the keyspace (API V2) and builds the routing stack.  `env` must
  // outlive the client.
  // Errors: kInvalidArgument for bad options; kNotFound / kFailedPrecondition when the keyspace
  // does not exist or is not enabled; kUnavailable when PD cannot be reached.
  // Blocking form: from a user thread it waits; on a runtime fiber it runs inline (may suspend).
  static absl::StatusOr<std::unique_ptr<RawClient>> Create(Env& env, RawClientOptions options);
  // Same over a production Env the client creates and owns (Env::Default()).
  static absl::StatusOr<std::unique_ptr<RawClient>> Create(RawClientOptions options);

  // Closes the client (Close()) and waits for its background work.
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // ---- reads ----

  // The value of `key`, or std::nullopt when absent (an empty string is a stored empty value).
  // Errors: kInvalidArgument for an empty or oversized key; kUnavailable when the backoff
  // budget is spent; kDeadlineExceeded / kCancelled per `options`; the server's error string
  // (e.g. an invalid column family).  Blocking.
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key,
                                                 const RawCallOptions& options = {});
  // Values of `keys`, aligned with the input; std::nullopt for missing keys.  Keys are grouped
  // by region, cut into batches and sent in parallel; the first failure cancels the rest.
  // Errors as Get.  Blocking.
  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const std::vector<std::string>& keys, const RawCallOptions& options = {});
  // Remaining TTL of `key` in seconds (0 = no TTL), or std::nullopt when absent.
  // Errors as Get.  Blocking.
  absl::StatusOr<std::optional<uint64_t>> GetKeyTtl(std::string_view key,
                                                    const RawCallOptions& options = {});
  // Up to `limit` pairs of [start, end) in ascending key order, crossing regions; an empty
  // `end` means unbounded.  Errors: kInvalidArgument when limit > kMaxRawScanLimit or < 0, or
  // start > end (non-empty end).  Blocking.
  absl::StatusOr<std::vector<KvPair>> Scan(std::string_view start, std::string_view end,
                                           int limit, const RawCallOptions& options = {});
  // Up to `limit` pairs of [end, start) in descending key order (`start` exclusive, `end`
  // inclusive); an empty `start` yields nothing, as in client-go.  Errors: as Scan, with
  // end > start rejected.  Blocking.
  absl::StatusOr<std::vector<KvPair>> ReverseScan(std::string_view start, std::string_view end,
                                                  int limit, const RawCallOptions& options = {});
  // Scan of each range (up to `each_limit` pairs per range), one result list per range in
  // input order.  Errors as Scan.  Blocking.
  absl::StatusOr<std::vector<std::vector<KvPair>>> BatchScan(const std::vector<KeyRange>& ranges,
                                                             int each_limit,
                                                             const RawCallOptions& options = {});
  // CRC64-XOR checksum of [start, end), region by region.  Errors as Scan.  Blocking.
  absl::StatusOr<RawChecksum> Checksum(std::string_view start, std::string_view end,
                                       const RawCallOptions& options = {});

  // ---- writes ----

  // Stores `value` under `key`; with ttl_seconds > 0 it expires after that many seconds.
  // Errors: kInvalidArgument for an empty or oversized key or value; kFailedPrecondition for a
  // TTL on an API V1 client ("TTL not enabled"); others as Get.  Blocking.
  absl::Status Put(std::string_view key, std::string_view value,
                   const RawCallOptions& options = {});
  absl::Status PutWithTtl(std::string_view key, std::string_view value, uint64_t ttl_seconds,
                          const RawCallOptions& options = {});
  // Stores every pair; `ttls` is empty or has one entry per key.  Pairs are grouped by region
  // and cut at batch_put_size bytes; batches run in parallel.  Input is checked completely
  // before anything is sent.  Not atomic across regions.  Errors: kInvalidArgument when the
  // lengths differ or any key/value is bad; as PutWithTtl otherwise.  Blocking.
  absl::Status BatchPut(const std::vector<std::string>& keys,
                        const std::vector<std::string>& values,
                        const RawCallOptions& options = {});
  absl::Status BatchPutWithTtl(const std::vector<std::string>& keys,
                               const std::vector<std::string>& values,
                               const std::vector<uint64_t>& ttls,
                               const RawCallOptions& options = {});
  // Deletes `key` (deleting a missing key succeeds).  Errors as Get.  Blocking.
  absl::Status Delete(std::string_view key, const RawCallOptions& options = {});
  // Deletes every key, batched like BatchGet.  Errors as Get.  Blocking.
  absl::Status BatchDelete(const std::vector<std::string>& keys,
                           const RawCallOptions& options = {});
  // Deletes [start, end) region by region; an empty `end` means to the end of the key space.
  // Errors: kInvalidArgument when start > end (non-empty end).  Blocking.
  absl::Status DeleteRange(std::string_view start, std::string_view end,
                           const RawCallOptions& options = {});
  // Atomically: if the current value equals `expected` (std::nullopt: "must not exist"),
  // stores `new_value`.  Returns whether it swapped and the value seen before.
  // Errors: kFailedPrecondition unless the client is in atomic mode; otherwise as Put.
  // Blocking.
  absl::StatusOr<CasResult> CompareAndSwap(std::string_view key,
                                           std::optional<std::string_view> expected,
                                           std::string_view new_value,
                                           const RawCallOptions& options = {});

  // ---- asynchronous forms: same semantics; `done` runs once on a runtime fiber ----
  // Never suspend.  Arguments are copied before returning.

  void GetAsync(std::string_view key, const RawCallOptions& options,
                RawCallback<std::optional<std::string>> done);
  void BatchGetAsync(std::vector<std::string> keys, const RawCallOptions& options,
                     RawCallback<std::vector<std::optional<std::string>>> done);
  void GetKeyTtlAsync(std::string_view key, const RawCallOptions& options,
                      RawCallback<std::optional<uint64_t>> done);
  void ScanAsync(std::string_view start, std::string_view end, int limit,
                 const RawCallOptions& options, RawCallback<std::vector<KvPair>> done);
  void ReverseScanAsync(std::string_view start, std::string_view end, int limit,
                        const RawCallOptions& options, RawCallback<std::vector<KvPair>> done);
  void ChecksumAsync(std::string_view start, std::string_view end, const RawCallOptions& options,
                     RawCallback<RawChecksum> done);
  void PutAsync(std::string_view key, std::string_view value, uint64_t ttl_seconds,
                const RawCallOptions& options, RawDoneCallback done);
  void BatchPutAsync(std::vector<std::string> keys, std::vector<std::string> values,
                     std::vector<uint64_t> ttls, const RawCallOptions& options,
                     RawDoneCallback done);
  void DeleteAsync(std::string_view key, const RawCallOptions& options, RawDoneCallback done);
  void BatchDeleteAsync(std::vector<std::string> keys, const RawCallOptions& options,
                        RawDoneCallback done);
  void DeleteRangeAsync(std::string_view start, std::string_view end,
                        const RawCallOptions& options, RawDoneCallback done);
  void CompareAndSwapAsync(std::string_view key, std::optional<std::string_view> expected,
                           std::string_view new_value, const RawCallOptions& options,
                           RawCallback<CasResult> done);

  // ---- accessors ----

  // The cluster id learned from PD at construction.  Never suspends.
  uint64_t cluster_id() const;
  // The options the client was built with.  Never suspends.
  const RawClientOptions& options() const;
  // Stops accepting calls (later calls fail with kFailedPrecondition) and releases PD and RPC
  // connections.  Idempotent.  Blocking.
  void Close();

 private:
  RawClient(std::unique_ptr<Env> owned_env, std::unique_ptr<raw::RawEngine> engine);

  std::unique_ptr<Env> owned_env_;  // set only by Create(options); destroyed last
  std::unique_ptr<raw::RawEngine> engine_;
};

}  // namespace tikv
