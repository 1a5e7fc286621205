// Pessimistic lock waiting without suspension (protocol.md 3.10 step 6 and 5.5; TiKV
// src/server/lock_manager/): a request that meets a foreign lock becomes a parked waiter, a
// deferred reply that the owner completes later when the lock is released (wake-up) or when
// its deadline passes at a given `now` (timeout). Also the cluster-wide wait-for graph used for
// deadlock detection (TiKV's deadlock detector runs on one store; the model keeps one).
// Fiber-confined: not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "deadlock.pb.h"
#include "kvrpcpb.pb.h"
#include "sim/kv/mvcc_types.h"

namespace tikv::sim {

// One parked pessimistic lock request.
struct LockWaiter {
  uint64_t ticket = 0;          // identifies the deferred reply
  uint64_t store_id = 0;        // the store that received it
  uint64_t batch_request_id = 0;  // BatchCommands request id (0 for a unary call)
  kvrpcpb::PessimisticLockRequest request;
  std::string key;              // the key waited on (user form)
  Lock holder;                  // the lock met
  int64_t start_ms = 0;
  int64_t deadline_ms = 0;
  uint64_t seq = 0;             // arrival order, breaks start_ts ties
};

// Per-key wait queues ordered by (start_ts, arrival).
class LockWaitTable {
 public:
  // Parks `waiter`; assigns its arrival sequence.
  void Add(LockWaiter waiter);
  // Removes and returns the head waiter of `key` (smallest start_ts), if any.
  std::optional<LockWaiter> PopHead(const std::string& key);
  // Removes and returns every waiter whose deadline is <= now_ms, ordered by (deadline, seq).
  std::vector<LockWaiter> PopExpired(int64_t now_ms);
  // Removes and returns every waiter parked on `store_id` (the store crashed).
  std::vector<LockWaiter> PopStore(uint64_t store_id);
  // The earliest deadline among parked waiters.
  std::optional<int64_t> NextDeadline() const;
  size_t size() const { return by_ticket_.size(); }

 private:
  using QueueKey = std::tuple<uint64_t, uint64_t>;  // (start_ts, seq)
  std::map<std::string, std::map<QueueKey, uint64_t>> queues_;  // key -> order -> ticket
  std::map<uint64_t, LockWaiter> by_ticket_;
  uint64_t next_seq_ = 0;

  void Erase(uint64_t ticket);
};

// The wait-for graph between transactions.
class DeadlockDetector {
 public:
  // Checks whether `waiter_ts` waiting for `holder_ts` on `key` closes a cycle. If so returns
  // the cycle as wait-for entries (starting with the new edge) and does not add the edge;
  // otherwise records the edge and returns nullopt.
  std::optional<std::vector<deadlock::WaitForEntry>> Detect(uint64_t waiter_ts,
                                                            uint64_t holder_ts,
                                                            const std::string& key);
  // Forgets every edge from `waiter_ts` (its wait ended).
  void RemoveWaiter(uint64_t waiter_ts);

 private:
  struct Edge {
    uint64_t holder_ts;
    std::string key;
  };
  std::map<uint64_t, std::vector<Edge>> edges_;  // waiter -> holders
};

// The key hash TiKV reports in Deadlock errors (FNV-1a 64 here; only equality matters).
uint64_t DeadlockKeyHash(const std::string& key);

}  // namespace tikv::sim
