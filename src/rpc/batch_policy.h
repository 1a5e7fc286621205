// The batch-wait policy of the batch-commands send loop: after draining what is queued,
// decide whether to wait a little for more requests and how many to wait for.  Port of
// client-go internal/client/client_batch.go, turboBatchTrigger and the presets of
// config/client.go (basic, standard, positive).  The "custom" JSON policy is not ported.
//
// Thread-safety: fiber-confined (owned by one send loop).

#pragma once

#include <cstddef>
#include <cstdint>

#include "tikv/mono_time.h"

namespace tikv::rpc {

enum class BatchPolicy {
  kBasic,     // never wait beyond what is already queued
  kStandard,  // wait ~100 µs when batch heads arrive densely (client-go default)
  kPositive,  // always wait ~100 µs for batch_wait_size requests
};

class BatchWaitTrigger {
 public:
  explicit BatchWaitTrigger(BatchPolicy policy) : policy_(policy) {}

  // Feeds the gap between this batch head and the previous one; true when the loop should
  // wait for more.  Port of turboBatchTrigger.needFetchMore().  Never suspends.
  bool NeedFetchMore(Duration arrival_interval);

  // How long to wait (100 µs for the turbo policies).  Never suspends.
  Duration WaitTime() const;

  // The number of requests to wait for given the smoothed recent batch size.
  // Port of turboBatchTrigger.preferredBatchWaitSize().  Never suspends.
  size_t PreferredBatchWaitSize(double avg_batch_wait_size, size_t default_size) const;

  BatchPolicy policy() const { return policy_; }

 private:
  BatchPolicy policy_;
  double est_arrival_interval_s_ = 0;
};

}  // namespace tikv::rpc
