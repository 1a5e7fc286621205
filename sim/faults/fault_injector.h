// Rule-based fault injection for the simulated TiKV (protocol.md 4.5 and 5.8): a rule matches
// requests by store, RPC name, region and user-key range, for the next N matches and/or with a
// probability drawn from a seeded stream, and then returns a chosen region error or key error
// before execution, answers ServerIsBusy with an estimated wait, fails the call at the transport
// level, or executes the request and reports that its reply must be dropped (an undetermined
// outcome), execute it twice (a duplicated delivery), or execute it and delay the reply. Every
// decision is appended to a trace for deterministic replay.
// Fiber-confined: not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "errorpb.pb.h"
#include "kvrpcpb.pb.h"
#include "sim/util/random.h"

namespace tikv::sim {

// What an injected fault does.
enum class FaultAction {
  kRegionError,        // answer `region_error` without executing (must not change state)
  kKeyError,           // answer `key_error` in the response's error field(s), no execution
  kServerBusy,         // answer ServerIsBusy{estimated_wait_ms} without executing
  kTransportError,     // fail the call with `transport_code` (no response at all)
  kApplyThenDropReply,  // execute, then tell the caller to drop the reply (undetermined)
  kDuplicate,           // execute twice, as a request the network delivered twice; the first
                        // execution's answer is the reply
  kApplyThenDelayReply  // execute, then send the reply `delay_ms` later (past a caller's
                        // deadline: the caller gives up although the request applied)
};

// Which service a rule applies to.
enum class FaultTarget {
  kTikv,  // tikvpb.Tikv calls (unary and BatchCommands arms)
  kPd,    // pdpb.PD / keyspacepb.Keyspace calls; only kTransportError and kRegionError-free
          // actions make sense: kTransportError fails the call (e.g. UNAVAILABLE "not leader",
          // UNIMPLEMENTED for BatchScanRegions)
};

// One injection rule.
struct FaultRule {
  FaultTarget target = FaultTarget::kTikv;
  // Matching; zero / empty fields match anything.
  uint64_t store_id = 0;
  std::string method;       // short RPC name, e.g. "KvPrewrite"
  uint64_t region_id = 0;
  std::string start_key;    // user-key range [start_key, end_key) the request's first key must
  std::string end_key;      // fall in (end empty = +infinity)
  int64_t remaining = 1;    // matches left; < 0 = unlimited
  double probability = 1.0; // chance to fire on a match, drawn from the injector's stream

  FaultAction action = FaultAction::kRegionError;
  errorpb::Error region_error;
  kvrpcpb::KeyError key_error;
  uint32_t estimated_wait_ms = 0;
  absl::StatusCode transport_code = absl::StatusCode::kUnavailable;
  // kTransportError on a BatchCommands arm: when true the whole stream fails with
  // transport_code (as a broken connection does); when false only that arm goes unanswered.
  bool fail_stream = false;
  int64_t delay_ms = 0;  // kApplyThenDelayReply
};

// One fault decision, for traces and replay checks.
struct FaultDecision {
  uint64_t rule_id = 0;
  uint64_t store_id = 0;
  std::string method;
  std::string key;
  FaultAction action = FaultAction::kRegionError;
};

// The rule set.
class FaultInjector {
 public:
  explicit FaultInjector(uint64_t seed) : random_(SimRandom(seed).Fork("fault_rules")) {}

  // Installs a rule; returns its id.
  uint64_t AddRule(FaultRule rule);
  // Removes a rule (no-op when absent).
  void RemoveRule(uint64_t rule_id);
  // Removes every rule ("quiet period").
  void Clear() { rules_.clear(); }

  // Finds the first rule (in id order) matching the request and consumes one of its matches.
  // Returns the rule to apply, or nullopt.
  std::optional<FaultRule> Match(uint64_t store_id, const std::string& method,
                                 uint64_t region_id, const std::string& first_key,
                                 FaultTarget target = FaultTarget::kTikv);

  const std::vector<FaultDecision>& trace() const { return trace_; }
  size_t rule_count() const { return rules_.size(); }

 private:
  SimRandom random_;
  uint64_t next_id_ = 0;
  std::map<uint64_t, FaultRule> rules_;
  std::vector<FaultDecision> trace_;
};

}  // namespace tikv::sim
