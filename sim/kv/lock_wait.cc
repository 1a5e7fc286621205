#include "sim/kv/lock_wait.h"

#include <algorithm>
#include <functional>

namespace tikv::sim {

void LockWaitTable::Add(LockWaiter waiter) {
  waiter.seq = next_seq_++;
  const uint64_t ticket = waiter.ticket;
  queues_[waiter.key][{waiter.request.start_version(), waiter.seq}] = ticket;
  by_ticket_[ticket] = std::move(waiter);
}

void LockWaitTable::Erase(uint64_t ticket) {
  auto it = by_ticket_.find(ticket);
  if (it == by_ticket_.end()) return;
  auto q = queues_.find(it->second.key);
  if (q != queues_.end()) {
    q->second.erase({it->second.request.start_version(), it->second.seq});
    if (q->second.empty()) queues_.erase(q);
  }
  by_ticket_.erase(it);
}

std::optional<LockWaiter> LockWaitTable::PopHead(const std::string& key) {
  auto q = queues_.find(key);
  if (q == queues_.end() || q->second.empty()) return std::nullopt;
  const uint64_t ticket = q->second.begin()->second;
  LockWaiter w = by_ticket_.at(ticket);
  Erase(ticket);
  return w;
}

std::vector<LockWaiter> LockWaitTable::PopExpired(int64_t now_ms) {
  std::vector<LockWaiter> out;
  for (const auto& [ticket, w] : by_ticket_) {
    if (w.deadline_ms <= now_ms) out.push_back(w);
  }
  std::sort(out.begin(), out.end(), [](const LockWaiter& a, const LockWaiter& b) {
    return std::tie(a.deadline_ms, a.seq) < std::tie(b.deadline_ms, b.seq);
  });
  for (const auto& w : out) Erase(w.ticket);
  return out;
}

std::vector<LockWaiter> LockWaitTable::PopStore(uint64_t store_id) {
  std::vector<LockWaiter> out;
  for (const auto& [ticket, w] : by_ticket_) {
    if (w.store_id == store_id) out.push_back(w);
  }
  for (const auto& w : out) Erase(w.ticket);
  return out;
}

std::optional<int64_t> LockWaitTable::NextDeadline() const {
  std::optional<int64_t> best;
  for (const auto& [ticket, w] : by_ticket_) {
    if (!best || w.deadline_ms < *best) best = w.deadline_ms;
  }
  return best;
}

uint64_t DeadlockKeyHash(const std::string& key) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::optional<std::vector<deadlock::WaitForEntry>> DeadlockDetector::Detect(
    uint64_t waiter_ts, uint64_t holder_ts, const std::string& key) {
  // Depth-first search from the holder: reaching the waiter closes a cycle.
  std::vector<deadlock::WaitForEntry> path;
  std::set<uint64_t> visited;
  std::function<bool(uint64_t)> dfs = [&](uint64_t txn) -> bool {
    if (txn == waiter_ts) return true;
    if (!visited.insert(txn).second) return false;
    auto it = edges_.find(txn);
    if (it == edges_.end()) return false;
    for (const Edge& e : it->second) {
      deadlock::WaitForEntry entry;
      entry.set_txn(txn);
      entry.set_wait_for_txn(e.holder_ts);
      entry.set_key(e.key);
      entry.set_key_hash(DeadlockKeyHash(e.key));
      path.push_back(entry);
      if (dfs(e.holder_ts)) return true;
      path.pop_back();
    }
    return false;
  };
  if (dfs(holder_ts)) {
    deadlock::WaitForEntry first;
    first.set_txn(waiter_ts);
    first.set_wait_for_txn(holder_ts);
    first.set_key(key);
    first.set_key_hash(DeadlockKeyHash(key));
    path.insert(path.begin(), first);
    return path;
  }
  edges_[waiter_ts].push_back(Edge{holder_ts, key});
  return std::nullopt;
}

void DeadlockDetector::RemoveWaiter(uint64_t waiter_ts) { edges_.erase(waiter_ts); }

}  // namespace tikv::sim
