#include "sim/checkers/history.h"

#include "absl/strings/str_cat.h"
#include "sim/util/codec.h"

namespace tikv::sim {

uint64_t History::Invoke(uint64_t process, std::string op, std::string key, std::string value,
                         int64_t time_ms, uint64_t ts) {
  HistoryEvent e;
  e.op_id = ++next_id_;
  e.process = process;
  e.op = std::move(op);
  e.key = std::move(key);
  e.value = std::move(value);
  e.time_ms = time_ms;
  e.ts = ts;
  open_[e.op_id] = events_.size();
  events_.push_back(std::move(e));
  return next_id_;
}

absl::Status History::Complete(uint64_t op_id, HistoryEventType type, std::string value,
                               int64_t time_ms, uint64_t ts) {
  if (type == HistoryEventType::kInvoke) {
    return absl::FailedPreconditionError("a completion cannot be an invoke");
  }
  auto it = open_.find(op_id);
  if (it == open_.end()) {
    return op_id == 0 || op_id > next_id_
               ? absl::NotFoundError(absl::StrCat("unknown op ", op_id))
               : absl::FailedPreconditionError(absl::StrCat("op ", op_id, " already completed"));
  }
  HistoryEvent e = events_[it->second];
  e.type = type;
  e.value = std::move(value);
  e.time_ms = time_ms;
  if (ts != 0) e.ts = ts;
  open_.erase(it);
  events_.push_back(std::move(e));
  return absl::OkStatus();
}

std::vector<uint64_t> History::Pending() const {
  std::vector<uint64_t> out;
  for (const auto& [id, idx] : open_) out.push_back(id);
  return out;
}

std::string History::ToText() const {
  static constexpr const char* kNames[] = {"invoke", "ok", "fail", "info"};
  std::string out;
  for (const HistoryEvent& e : events_) {
    absl::StrAppend(&out, e.time_ms, " p", e.process, " #", e.op_id, " ",
                    kNames[static_cast<int>(e.type)], " ", e.op, " ", KeyText(e.key), " ",
                    KeyText(e.value), " ts=", e.ts, "\n");
  }
  return out;
}

}  // namespace tikv::sim
