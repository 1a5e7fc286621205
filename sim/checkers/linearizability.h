// Linearizability checker for per-key registers (simulation.md section 5, invariant 4): each
// key's history of raw Get / Put / Delete / CompareAndSwap must have a linearization — a total
// order that respects real time (an operation that completed before another was invoked comes
// first) and in which every observed result is what a single register would return.
//
// The search is Wing & Gong's, in Lowe's iterative form with memoization ("Testing for
// linearizability", 2017; as in Knossos and Porcupine): walk the time-ordered call/return
// events, tentatively linearize any pending call whose result the model accepts, backtrack on
// reaching the return of an operation not yet linearized, and never revisit a (set of
// linearized operations, register value) state.  Operations with an unknown outcome have no
// return event: they may take effect at any point after their invocation, or not at all.
// Definitely failed operations took no effect and are dropped.  Linearizability is local, so
// keys are checked one at a time.
//
// Thread-safety: stateless functions over value types.

#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace tikv::sim {

enum class RegisterOpKind { kGet, kPut, kDelete, kCas };
enum class OpOutcome { kOk, kFailed, kUnknown };

// One operation on one register.  Times are on one clock (virtual ns or ms); invoke <= complete.
struct RegisterOp {
  uint64_t id = 0;        // for reports
  uint64_t process = 0;   // for reports
  RegisterOpKind kind = RegisterOpKind::kGet;
  OpOutcome outcome = OpOutcome::kOk;
  int64_t invoke_time = 0;
  int64_t complete_time = 0;  // ignored for kUnknown
  // Put: the value written.  Cas: the new value.
  std::string value;
  // Cas: the expected value (nullopt: "must not exist").
  std::optional<std::string> expected;
  // Results, for kOk only.  Get: the value read (nullopt: not found).  Cas: the previous value
  // (nullopt: did not exist) and whether it swapped.
  std::optional<std::string> read;
  bool swapped = false;
};

struct LinearizabilityOptions {
  // The register's value before the history (nullopt: absent).
  std::optional<std::string> initial;
  // Search steps before giving up with kResourceExhausted (neither pass nor fail).
  uint64_t max_steps = 20'000'000;
};

// OK when `ops` (one key's history) is linearizable.  kFailedPrecondition with a description
// of the operations that could not be ordered when it is not; kResourceExhausted when the
// search ran out of steps; kInvalidArgument for an op whose complete time precedes its invoke.
absl::Status CheckRegisterLinearizable(const std::vector<RegisterOp>& ops,
                                       const LinearizabilityOptions& options = {});

// Checks every key of `by_key` (each with the same options), returning the first failure with
// the key named.
absl::Status CheckRegistersLinearizable(const std::map<std::string, std::vector<RegisterOp>>& by_key,
                                        const LinearizabilityOptions& options = {});

// A one-line description of `op` for reports ("p3 cas(a->b) ok prev=a swapped [10,20]").
std::string DescribeOp(const RegisterOp& op);

}  // namespace tikv::sim
