#include "sim/kv/mvcc_store.h"

#include "absl/strings/str_cat.h"
#include "sim/util/codec.h"

namespace tikv::sim {

bool KeyInRange(std::string_view key, std::string_view start, std::string_view end) {
  return key >= start && (end.empty() || key < end);
}

const Lock* MvccStore::GetLock(std::string_view key) const {
  auto it = locks_.find(key);
  return it == locks_.end() ? nullptr : &it->second;
}

void MvccStore::PutLock(std::string_view key, Lock lock) {
  SaveLock(key);
  locks_.insert_or_assign(std::string(key), std::move(lock));
}

void MvccStore::DeleteLock(std::string_view key) {
  auto it = locks_.find(key);
  if (it == locks_.end()) return;
  SaveLock(key);
  released_.push_back(ReleasedLock{it->first, it->second.ts});
  locks_.erase(it);
}

const MvccStore::WriteMap* MvccStore::GetWrites(std::string_view key) const {
  auto it = writes_.find(key);
  return it == writes_.end() ? nullptr : &it->second;
}

std::optional<std::pair<uint64_t, Write>> MvccStore::SeekWrite(std::string_view key,
                                                               uint64_t ts) const {
  const WriteMap* writes = GetWrites(key);
  if (writes == nullptr) return std::nullopt;
  // The map is ordered newest first, so lower_bound(ts) is the newest commit_ts <= ts.
  auto it = writes->lower_bound(ts);
  if (it == writes->end()) return std::nullopt;
  return *it;
}

void MvccStore::PutWrite(std::string_view key, uint64_t commit_ts, Write write) {
  SaveWrite(key, commit_ts);
  writes_[std::string(key)].insert_or_assign(commit_ts, std::move(write));
}

void MvccStore::DeleteWrite(std::string_view key, uint64_t commit_ts) {
  auto it = writes_.find(key);
  if (it == writes_.end()) return;
  SaveWrite(key, commit_ts);
  it->second.erase(commit_ts);
  if (it->second.empty()) writes_.erase(it);
}

std::optional<std::pair<uint64_t, Write>> MvccStore::LatestData(std::string_view key,
                                                                uint64_t ts) const {
  const WriteMap* writes = GetWrites(key);
  if (writes == nullptr) return std::nullopt;
  for (auto it = writes->lower_bound(ts); it != writes->end(); ++it) {
    if (it->second.type == WriteType::kPut || it->second.type == WriteType::kDelete) return *it;
  }
  return std::nullopt;
}

TxnCommitRecord MvccStore::GetTxnCommitRecord(std::string_view key, uint64_t start_ts) const {
  TxnCommitRecord result;
  const WriteMap* writes = GetWrites(key);
  if (writes == nullptr) return result;
  for (const auto& [commit_ts, write] : *writes) {
    if (commit_ts < start_ts) break;
    if (write.start_ts == start_ts) {
      if (write.type == WriteType::kRollback) {
        result.kind = TxnCommitRecord::Kind::kRolledBack;
      } else {
        result.kind = TxnCommitRecord::Kind::kCommitted;
        result.commit_ts = commit_ts;
      }
      result.write = write;
      return result;
    }
    if (commit_ts == start_ts) {
      if (write.has_overlapped_rollback) {
        result.kind = TxnCommitRecord::Kind::kOverlappedRollback;
        return result;
      }
      result.has_overlapped_write = true;
    }
  }
  return result;
}

std::vector<std::string> MvccStore::KeysInRange(std::string_view start,
                                                std::string_view end) const {
  std::vector<std::string> keys;
  auto li = locks_.lower_bound(start);
  auto wi = writes_.lower_bound(start);
  auto in_end = [&](const std::string& k) { return end.empty() || k < end; };
  while (true) {
    const bool l_ok = li != locks_.end() && in_end(li->first);
    const bool w_ok = wi != writes_.end() && in_end(wi->first);
    if (!l_ok && !w_ok) break;
    if (l_ok && (!w_ok || li->first < wi->first)) {
      keys.push_back(li->first);
      ++li;
    } else if (w_ok && (!l_ok || wi->first < li->first)) {
      keys.push_back(wi->first);
      ++wi;
    } else {
      keys.push_back(li->first);
      ++li;
      ++wi;
    }
  }
  return keys;
}

std::vector<std::pair<std::string, Lock>> MvccStore::ScanLocks(
    std::string_view start, std::string_view end, size_t limit,
    const std::function<bool(const Lock&)>& pred) const {
  std::vector<std::pair<std::string, Lock>> out;
  for (auto it = locks_.lower_bound(start); it != locks_.end(); ++it) {
    if (!end.empty() && it->first >= end) break;
    if (!pred(it->second)) continue;
    out.emplace_back(it->first, it->second);
    if (limit != 0 && out.size() >= limit) break;
  }
  return out;
}

void MvccStore::DeleteRange(std::string_view start, std::string_view end) {
  for (const std::string& key : KeysInRange(start, end)) {
    DeleteLock(key);
    if (const WriteMap* writes = GetWrites(key)) {
      std::vector<uint64_t> stamps;
      for (const auto& entry : *writes) stamps.push_back(entry.first);
      for (uint64_t ts : stamps) DeleteWrite(key, ts);
    }
  }
}

void MvccStore::SaveLock(std::string_view key) {
  if (!recording_ || lock_undo_.count(key) != 0) return;
  auto it = locks_.find(key);
  lock_undo_.emplace(std::string(key),
                     it == locks_.end() ? std::nullopt : std::optional<Lock>(it->second));
}

void MvccStore::SaveWrite(std::string_view key, uint64_t commit_ts) {
  if (!recording_) return;
  auto id = std::make_pair(std::string(key), commit_ts);
  if (write_undo_.count(id) != 0) return;
  std::optional<Write> before;
  if (const WriteMap* writes = GetWrites(key)) {
    if (auto it = writes->find(commit_ts); it != writes->end()) before = it->second;
  }
  write_undo_.emplace(std::move(id), std::move(before));
}

void MvccStore::BeginUndo() {
  recording_ = true;
  released_mark_ = released_.size();
  lock_undo_.clear();
  write_undo_.clear();
}

void MvccStore::Undo() {
  recording_ = false;
  for (auto& [key, before] : lock_undo_) {
    if (before) {
      locks_.insert_or_assign(key, std::move(*before));
    } else {
      locks_.erase(key);
    }
  }
  for (auto& [id, before] : write_undo_) {
    if (before) {
      writes_[id.first].insert_or_assign(id.second, std::move(*before));
    } else if (auto it = writes_.find(id.first); it != writes_.end()) {
      it->second.erase(id.second);
      if (it->second.empty()) writes_.erase(it);
    }
  }
  released_.resize(released_mark_);
  lock_undo_.clear();
  write_undo_.clear();
}

void MvccStore::CommitUndo() {
  recording_ = false;
  lock_undo_.clear();
  write_undo_.clear();
}

void MvccStore::Gc(uint64_t safe_point, std::string_view start, std::string_view end) {
  for (const std::string& key : KeysInRange(start, end)) {
    auto it = writes_.find(key);
    if (it == writes_.end()) continue;
    WriteMap& writes = it->second;
    bool kept_newest_data = false;
    for (auto w = writes.lower_bound(safe_point); w != writes.end();) {
      const bool is_data = w->second.type == WriteType::kPut || w->second.type == WriteType::kDelete;
      if (is_data && !kept_newest_data) {
        kept_newest_data = true;
        // The newest version at or below the safe point survives only if it is a Put.
        if (w->second.type == WriteType::kPut) {
          ++w;
          continue;
        }
      }
      w = writes.erase(w);
    }
    if (writes.empty()) writes_.erase(it);
  }
}

std::vector<ReleasedLock> MvccStore::TakeReleasedLocks() {
  std::vector<ReleasedLock> out;
  out.swap(released_);
  return out;
}

absl::Status MvccStore::CheckInvariants() const {
  for (const auto& [key, lock] : locks_) {
    if (lock.ts == 0) return absl::InternalError(absl::StrCat("lock with ts 0 on key ", KeyText(key)));
  }
  for (const auto& [key, writes] : writes_) {
    if (writes.empty()) return absl::InternalError(absl::StrCat("empty write list for ", KeyText(key)));
    for (const auto& [commit_ts, write] : writes) {
      if (write.type == WriteType::kRollback) {
        if (write.start_ts != commit_ts) {
          return absl::InternalError(absl::StrCat("rollback of ", write.start_ts,
                                                  " stored at ", commit_ts, " on ", KeyText(key)));
        }
      } else if (commit_ts <= write.start_ts) {
        return absl::InternalError(absl::StrCat("commit ts ", commit_ts, " not above start ts ",
                                                write.start_ts, " on ", KeyText(key)));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace tikv::sim
