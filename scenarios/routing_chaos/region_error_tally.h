// RegionErrorTally: counts, by kind, the region errors TiKV answered and the sends that failed
// at the transport, as seen by an RpcClient through an interceptor (src/rpc/interceptor.h).
// The routing-chaos scenario uses it to show (and assert) that its fault schedule provoked
// errors; the e2e tests use it to check which error a runtime fault produced.
//
// Kinds are client-go's region-error metric labels (locate::RegionErrorLabel: "not_leader",
// "epoch_not_match", ..., "unknown" for an error with just a message) and
// "send_failed:<CODE>" (absl::StatusCodeToString) for transport failures.  Header-only so both
// the scenario runner and test binaries can use it without a library.
//
// Thread-safe (the production Env runs interceptors on several threads).  Never suspends.

#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "errorpb.pb.h"
#include "locate/region_request_sender.h"
#include "rpc/interceptor.h"

namespace tikv::scenarios {

class RegionErrorTally {
 public:
  // Counts one send's outcome: a transport failure, a region error, or nothing.
  void Record(const absl::StatusOr<rpc::Response>& outcome) ABSL_LOCKS_EXCLUDED(mu_) {
    std::string kind;
    if (!outcome.ok()) {
      kind = absl::StrCat("send_failed:", absl::StatusCodeToString(outcome.status().code()));
    } else if (const errorpb::Error* e = outcome->region_error(); e != nullptr) {
      kind = std::string(locate::RegionErrorLabel(*e));  // client-go's metric labels
    } else {
      return;
    }
    absl::MutexLock lock(&mu_);
    ++counts_[kind];
  }

  // An interceptor that records every send's outcome here.  The tally must outlive every
  // client using it.
  std::shared_ptr<const rpc::RpcInterceptor> Interceptor() {
    return rpc::NewRpcInterceptor("region-error-tally", [this](rpc::RpcInterceptorFunc next) {
      return rpc::RpcInterceptorFunc(
          [this, next](std::string_view target, rpc::Request& request) {
            absl::StatusOr<rpc::Response> outcome = next(target, request);
            Record(outcome);
            return outcome;
          });
    });
  }

  // Counts by kind, in name order (deterministic).
  std::map<std::string, int64_t> counts() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return counts_;
  }
  // The count of one kind (0 when never seen).
  int64_t count(std::string_view kind) const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = counts_.find(std::string(kind));
    return it == counts_.end() ? 0 : it->second;
  }
  // Region errors of every kind (send failures excluded).
  int64_t region_errors() const ABSL_LOCKS_EXCLUDED(mu_) { return Sum(false); }
  // Transport failures of every code.
  int64_t send_failures() const ABSL_LOCKS_EXCLUDED(mu_) { return Sum(true); }
  // "kind=n kind=n ..." in name order; "none" when empty.
  std::string ToString() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (counts_.empty()) return "none";
    std::string out;
    for (const auto& [kind, n] : counts_) {
      absl::StrAppend(&out, out.empty() ? "" : " ", kind, "=", n);
    }
    return out;
  }

 private:
  int64_t Sum(bool send_failures) const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    int64_t n = 0;
    for (const auto& [kind, c] : counts_) {
      if (kind.rfind("send_failed:", 0) == 0 ? send_failures : !send_failures) n += c;
    }
    return n;
  }

  mutable absl::Mutex mu_;
  std::map<std::string, int64_t> counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tikv::scenarios
