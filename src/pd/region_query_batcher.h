// RegionQueryBatcher: PD's router stream.  Region lookups (by key, by previous key, by id)
// queued by concurrent callers are folded by one dispatcher fiber into a single
// QueryRegionRequest on a long-lived QueryRegion stream to the PD leader; the answer maps each
// key to a region id and carries each region once.  Failures are handed back to the caller,
// which falls back to the unary RPCs; an UNIMPLEMENTED answer marks the stream unsupported so
// later lookups go straight to the unary RPCs.  Port of tikv/pd client/clients/router/
// client.go (dispatcher, processRequestsInner, requestFinisher) and request.go.
//
// Thread-safe.  No OS lock is held across a suspension point.

#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tikv/env.h"

#include "env/event.h"
#include "env/fiber_group.h"
#include "env/future.h"
#include "pd/pd_client.h"
#include "pdpb.pb.h"

namespace tikv::pd {

struct RegionQueryBatcherOptions {
  // Most lookups in one QueryRegionRequest.
  int max_batch = 10000;
  // How long one answer may take.
  Duration timeout = std::chrono::seconds(3);
};

// What the batcher needs from the PD client that owns it.
struct RegionQueryBatcherHooks {
  std::function<std::string()> leader;                               // Never suspends.
  std::function<void(pdpb::RequestHeader*)> fill_header;             // Never suspends.
  std::function<absl::Status(const pdpb::ResponseHeader&)> check_header;  // Never suspends.
  std::function<void(const CancelToken*)> on_stream_failure;         // May suspend.
};

class RegionQueryBatcher {
 public:
  enum class Kind { kKey, kPrevKey, kId };

  struct Stats {
    uint64_t messages = 0;  // QueryRegionRequests written
    uint64_t lookups = 0;   // lookups answered over the stream
    uint64_t failures = 0;  // batches failed (stream errors)
  };

  // `env` must outlive the batcher.  Never suspends.
  RegionQueryBatcher(Env& env, RegionQueryBatcherOptions options, RegionQueryBatcherHooks hooks);
  // Closes.  May suspend.
  ~RegionQueryBatcher();
  RegionQueryBatcher(const RegionQueryBatcher&) = delete;
  RegionQueryBatcher& operator=(const RegionQueryBatcher&) = delete;

  // Starts the dispatcher fiber.  Call once.  Never suspends.
  void Start();
  // Looks up one region: the one containing `key` (kKey), the one before it (kPrevKey) or the
  // one with `id` (kId); nullopt when PD knows none.  Errors: kUnimplemented when PD does not
  // serve the stream, the stream's error (kUnavailable, kDeadlineExceeded, ...) when it
  // failed, kCancelled on `cancel` or Close().  Callers fall back to the unary RPCs on error.
  // May suspend.
  absl::StatusOr<std::optional<RegionInfo>> Lookup(Kind kind, std::string_view key, uint64_t id,
                                                   bool need_buckets, const CancelToken* cancel)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Whether PD answered UNIMPLEMENTED (then Lookup fails at once).  Never suspends.
  bool unsupported() const ABSL_LOCKS_EXCLUDED(mu_);
  Stats stats() const ABSL_LOCKS_EXCLUDED(mu_);
  // Stops the fiber, fails pending lookups with kCancelled.  Idempotent.  May suspend.
  void Close() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Result = absl::StatusOr<std::optional<RegionInfo>>;
  struct Pending {
    Kind kind;
    std::string key;
    uint64_t id = 0;
    bool need_buckets = false;
    env::Promise<Result> promise;
  };

  void DispatchLoop();
  // Sends one batch and answers it; returns the error that failed the whole batch.
  absl::Status Process(std::vector<Pending>& batch, const CancelToken& cancel);
  void DropStream();

  Env& env_;
  const RegionQueryBatcherOptions options_;
  const RegionQueryBatcherHooks hooks_;
  env::FiberGroup group_;
  env::Event queued_;
  bool started_ = false;
  std::unique_ptr<ClientStream> stream_;  // owned by the dispatcher fiber; guarded for Close

  mutable absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool unsupported_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tikv::pd
