// A history of client-visible operations for checkers (Jepsen/Knossos style): each operation is
// an invoke event followed by exactly one completion (ok, fail, or unknown for undetermined
// outcomes such as a lost commit reply), with explicit timestamps. Linearizability and
// snapshot-isolation checkers read it; scenarios record into it. Fiber-confined.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace tikv::sim {

// The kind of a history event.
enum class HistoryEventType { kInvoke, kOk, kFail, kUnknown };

// One event.
struct HistoryEvent {
  uint64_t op_id = 0;
  uint64_t process = 0;       // the client/fiber that issued the operation
  HistoryEventType type = HistoryEventType::kInvoke;
  std::string op;             // "get", "put", "txn", "cas", ...
  std::string key;
  std::string value;          // argument on invoke, result on completion
  int64_t time_ms = 0;        // virtual time of the event
  uint64_t ts = 0;            // optional TSO (start or commit TS) the client observed
};

// An append-only history.
class History {
 public:
  // Records an invocation; returns the operation id to complete later.
  uint64_t Invoke(uint64_t process, std::string op, std::string key, std::string value,
                  int64_t time_ms, uint64_t ts = 0);
  // Records the completion of `op_id`. Errors: kNotFound for an unknown id,
  // kFailedPrecondition when it was already completed or `type` is kInvoke.
  absl::Status Complete(uint64_t op_id, HistoryEventType type, std::string value,
                        int64_t time_ms, uint64_t ts = 0);

  const std::vector<HistoryEvent>& events() const { return events_; }
  // Operations invoked but not completed yet (ids, ascending).
  std::vector<uint64_t> Pending() const;
  // One line per event, for logs and replay comparison.
  std::string ToText() const;

 private:
  uint64_t next_id_ = 0;
  std::vector<HistoryEvent> events_;
  std::map<uint64_t, size_t> open_;  // op id -> index of its invoke event
};

}  // namespace tikv::sim
