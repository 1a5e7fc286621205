#include "sim/checkers/linearizability.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tikv::sim {
namespace {

using Value = std::optional<std::string>;

std::string Show(const Value& v) { return v.has_value() ? absl::StrCat("\"", *v, "\"") : "nil"; }

// One event of the time-ordered list: a call or a return of operation `op`.
struct Entry {
  int op = 0;
  bool is_call = true;
  int64_t time = 0;
  Entry* prev = nullptr;
  Entry* next = nullptr;
  Entry* match = nullptr;  // a call's return entry (nullptr for unknown outcomes)
};

// The model step: whether `op` may take effect on `value`, and the value after it.
bool Step(const RegisterOp& op, const Value& value, Value* next) {
  switch (op.kind) {
    case RegisterOpKind::kGet:
      *next = value;
      return op.read == value;
    case RegisterOpKind::kPut:
      *next = op.value;
      return true;
    case RegisterOpKind::kDelete:
      *next = std::nullopt;
      return true;
    case RegisterOpKind::kCas: {
      const bool matches = value == op.expected;
      if (op.outcome == OpOutcome::kUnknown) {
        // An unknown CAS that does not match is a no-op: indistinguishable from "did not take
        // effect", so it is never worth linearizing.
        *next = op.value;
        return matches;
      }
      *next = matches ? Value(op.value) : value;
      return op.read == value && op.swapped == matches;
    }
  }
  return false;
}

// Memo key: the set of linearized operations and the register value.
struct StateKey {
  std::vector<uint64_t> bits;
  Value value;
  bool operator==(const StateKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const StateKey& k) {
    return H::combine(std::move(h), k.bits, k.value);
  }
};

}  // namespace

std::string DescribeOp(const RegisterOp& op) {
  std::string what;
  switch (op.kind) {
    case RegisterOpKind::kGet:
      what = "get";
      break;
    case RegisterOpKind::kPut:
      what = absl::StrCat("put(", Show(op.value), ")");
      break;
    case RegisterOpKind::kDelete:
      what = "delete";
      break;
    case RegisterOpKind::kCas:
      what = absl::StrCat("cas(", Show(op.expected), "->", Show(op.value), ")");
      break;
  }
  std::string result;
  switch (op.outcome) {
    case OpOutcome::kOk:
      result = "ok";
      if (op.kind == RegisterOpKind::kGet) absl::StrAppend(&result, " read=", Show(op.read));
      if (op.kind == RegisterOpKind::kCas) {
        absl::StrAppend(&result, " prev=", Show(op.read), op.swapped ? " swapped" : " kept");
      }
      break;
    case OpOutcome::kFailed:
      result = "failed";
      break;
    case OpOutcome::kUnknown:
      result = "unknown";
      break;
  }
  return absl::StrCat("#", op.id, " p", op.process, " ", what, " ", result, " [", op.invoke_time,
                      ",",
                      op.outcome == OpOutcome::kUnknown ? std::string("?")
                                                        : absl::StrCat(op.complete_time),
                      "]");
}

absl::Status CheckRegisterLinearizable(const std::vector<RegisterOp>& all_ops,
                                       const LinearizabilityOptions& options) {
  // Keep what can constrain the order: failed operations took no effect, and an unknown get
  // observed nothing.
  std::vector<RegisterOp> ops;
  for (const RegisterOp& op : all_ops) {
    if (op.outcome == OpOutcome::kFailed) continue;
    if (op.outcome == OpOutcome::kUnknown && op.kind == RegisterOpKind::kGet) continue;
    if (op.outcome == OpOutcome::kOk && op.complete_time < op.invoke_time) {
      return absl::InvalidArgumentError(absl::StrCat("completes before it starts: ", DescribeOp(op)));
    }
    ops.push_back(op);
  }
  const int n = static_cast<int>(ops.size());
  int must_linearize = 0;
  for (const RegisterOp& op : ops) must_linearize += op.outcome == OpOutcome::kOk ? 1 : 0;
  if (must_linearize == 0) return absl::OkStatus();

  // The event list in time order.  At equal times calls come before returns, so operations
  // that touch at one instant count as concurrent (the permissive reading).
  std::vector<Entry> storage;
  storage.reserve(2 * ops.size());
  for (int i = 0; i < n; ++i) {
    storage.push_back(Entry{.op = i, .is_call = true, .time = ops[i].invoke_time});
    if (ops[i].outcome == OpOutcome::kOk) {
      storage.push_back(Entry{.op = i, .is_call = false, .time = ops[i].complete_time});
    }
  }
  std::vector<Entry*> order;
  for (Entry& e : storage) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    if (a->time != b->time) return a->time < b->time;
    return a->is_call && !b->is_call;
  });
  std::vector<Entry*> call_of(static_cast<size_t>(n), nullptr);
  for (Entry* e : order) {
    if (e->is_call) call_of[static_cast<size_t>(e->op)] = e;
  }
  for (Entry* e : order) {
    if (!e->is_call) call_of[static_cast<size_t>(e->op)]->match = e;
  }
  Entry head;  // sentinel
  Entry* tail = &head;
  for (Entry* e : order) {
    tail->next = e;
    e->prev = tail;
    tail = e;
  }

  auto unlink = [](Entry* e) {
    e->prev->next = e->next;
    if (e->next != nullptr) e->next->prev = e->prev;
  };
  auto relink = [](Entry* e) {
    e->prev->next = e;
    if (e->next != nullptr) e->next->prev = e;
  };
  // Lift a call (and its return) out of the list; unlifting restores them (dancing links: the
  // removed entries keep their neighbours, and are restored in reverse order).
  auto lift = [&](Entry* call) {
    unlink(call);
    if (call->match != nullptr) unlink(call->match);
  };
  auto unlift = [&](Entry* call) {
    if (call->match != nullptr) relink(call->match);
    relink(call);
  };

  struct Frame {
    Entry* call;
    Value before;
  };
  std::vector<Frame> stack;
  StateKey state{std::vector<uint64_t>((static_cast<size_t>(n) + 63) / 64, 0), options.initial};
  absl::flat_hash_set<StateKey> seen;
  int linearized_ok = 0;
  uint64_t steps = 0;
  size_t deepest = 0;
  Entry* entry = head.next;
  while (true) {
    if (linearized_ok == must_linearize) return absl::OkStatus();
    if (++steps > options.max_steps) {
      return absl::ResourceExhaustedError(
          absl::StrCat("linearizability search gave up after ", options.max_steps, " steps (",
                       n, " operations)"));
    }
    if (entry != nullptr && entry->is_call) {
      const RegisterOp& op = ops[static_cast<size_t>(entry->op)];
      Value next;
      if (Step(op, state.value, &next)) {
        StateKey candidate = state;
        candidate.bits[static_cast<size_t>(entry->op) / 64] |= uint64_t{1} << (entry->op % 64);
        candidate.value = next;
        if (!seen.contains(candidate)) {
          seen.insert(candidate);
          stack.push_back(Frame{entry, state.value});
          deepest = std::max(deepest, stack.size());
          state = std::move(candidate);
          if (op.outcome == OpOutcome::kOk) ++linearized_ok;
          lift(entry);
          entry = head.next;
          continue;
        }
      }
      entry = entry->next;
      continue;
    }
    // A return of an operation not linearized yet (or the end of the list): undo the last
    // choice and try the next candidate after it.
    if (stack.empty()) {
      std::vector<std::string> lines;
      for (const RegisterOp& op : ops) lines.push_back(DescribeOp(op));
      return absl::FailedPreconditionError(absl::StrCat(
          "not linearizable (", n, " operations, deepest partial order ", deepest,
          "): ", absl::StrJoin(lines, "; ")));
    }
    Frame frame = std::move(stack.back());
    stack.pop_back();
    const RegisterOp& op = ops[static_cast<size_t>(frame.call->op)];
    if (op.outcome == OpOutcome::kOk) --linearized_ok;
    state.bits[static_cast<size_t>(frame.call->op) / 64] &=
        ~(uint64_t{1} << (frame.call->op % 64));
    state.value = std::move(frame.before);
    unlift(frame.call);
    entry = frame.call->next;
  }
}

absl::Status CheckRegistersLinearizable(
    const std::map<std::string, std::vector<RegisterOp>>& by_key,
    const LinearizabilityOptions& options) {
  for (const auto& [key, ops] : by_key) {
    absl::Status s = CheckRegisterLinearizable(ops, options);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("key \"", key, "\": ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace tikv::sim
