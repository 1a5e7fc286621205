// A reference model of the MemBuffer (std::map plus a stack of stage-start copies) and a harness
// that applies the same byte-coded operation to both and reports the first disagreement.
//
// Shared by the rapidcheck property test (tests/memdb/memdb_property_test.cc, the port of
// client-go memdb_norace_test.go) and the libFuzzer target (fuzz/memdb_fuzzer.cc).
//
// Model semantics, mirroring client-go: values are revertible, flags are not. Cleaning up a level
// restores every key whose value changed since the level opened; a key that had no value then
// keeps only its persistent flags and disappears if none are left.
//
// Fiber-confined (test code).

#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"

#include "memdb/mem_buffer.h"

namespace tikv::memdb::testing {

class MemdbHarness {
 public:
  static constexpr int kNumKeys = 64;
  static constexpr int kMaxDepth = 8;

  MemdbHarness() {
    static const char kChars[4] = {'\0', 'a', 'b', '\xff'};
    const std::string prefixes[4] = {"", "t", std::string(21, 't'), std::string(21, 't') + "u"};
    for (int i = 0; i < kNumKeys; ++i) {
      // Keys that are prefixes of one another and share paths longer than the 20 inline bytes.
      keys_.push_back(prefixes[i & 3] +
                      std::string(static_cast<size_t>(1 + ((i >> 4) & 3)), kChars[(i >> 2) & 3]));
    }
  }

  // Applies operation `kind` with arguments `a`, `b`, `c` to both sides. Returns "" when they
  // agree, otherwise a description of the mismatch.
  std::string Apply(uint8_t kind, uint8_t a, uint8_t b, uint8_t c) {
    const std::string& key = keys_[a % kNumKeys];
    switch (kind % 16) {
      case 0:
      case 1:
      case 2: {
        std::string value(static_cast<size_t>(1 + b % 6), static_cast<char>('A' + c % 26));
        absl::Status s = c % 3 == 0 ? db_.SetWithFlags(key, value, {FlagOp(c)}) : db_.Set(key, value);
        if (!s.ok()) return absl::StrCat("Set failed: ", s.ToString());
        ModelWrite(key, value, c % 3 == 0, c);
        return CheckKey(key);
      }
      case 3: {
        absl::Status s = b % 2 == 0 ? db_.DeleteWithFlags(key, {FlagOp(c)}) : db_.Delete(key);
        if (!s.ok()) return absl::StrCat("Delete failed: ", s.ToString());
        ModelWrite(key, std::string(), b % 2 == 0, c);
        return CheckKey(key);
      }
      case 4: {
        if (absl::Status s = db_.UpdateFlags(key, {FlagOp(c)}); !s.ok()) {
          return absl::StrCat("UpdateFlags failed: ", s.ToString());
        }
        Entry& e = cur_[key];
        e.flags = ApplyFlagsOp(e.flags, FlagOp(c));
        if (stages_.empty()) snapshot_valid_ = false;
        return CheckKey(key);
      }
      case 5: {
        if (static_cast<int>(stages_.size()) >= kMaxDepth) return "";
        const int h = db_.Staging();
        stages_.push_back(Values());
        if (h != static_cast<int>(stages_.size())) return absl::StrCat("Staging returned ", h);
        return "";
      }
      case 6:
        return Release(b);
      case 7:
        return Cleanup(b);
      case 8:
        return CheckKey(key);
      case 9:
      case 10:
        return CheckIter(kind % 16 == 10, keys_[a % kNumKeys], keys_[b % kNumKeys], c);
      case 11:
        return OpenSnapshot(a, b);
      case 12:
        return StepSnapshot();
      case 13:
        return CheckAll();
      case 14: {
        // Misuse must be a clean error, never a crash.
        if (stages_.size() >= 2 && db_.Release(1).ok()) return "Release of a non-top level succeeded";
        if (db_.Set("", "x").ok()) return "empty key accepted";
        return "";
      }
      default:
        return CheckSnapshotGet(key);
    }
  }

  // Compares every key, Len and Size, and both full iterations.
  std::string CheckAll() {
    for (const std::string& k : keys_) {
      if (std::string e = CheckKey(k); !e.empty()) return e;
    }
    size_t size = 0;
    for (const auto& [k, e] : cur_) size += k.size() + (e.value ? e.value->size() : 0);
    if (db_.Len() != cur_.size()) return absl::StrCat("Len ", db_.Len(), " vs ", cur_.size());
    if (db_.Size() != size) return absl::StrCat("Size ", db_.Size(), " vs ", size);
    if (std::string e = CheckIter(false, "", "", 0); !e.empty()) return e;
    return CheckIter(true, "", "", 0);
  }

 private:
  struct Entry {
    std::optional<std::string> value;
    KeyFlags flags;
  };
  using ValueMap = std::map<std::string, std::string>;

  static FlagsOp FlagOp(uint8_t c) {
    return static_cast<FlagsOp>(c % (static_cast<int>(FlagsOp::kSetKeyLockedInExclusiveMode) + 1));
  }

  ValueMap Values() const {
    ValueMap m;
    for (const auto& [k, e] : cur_) {
      if (e.value) m.emplace(k, *e.value);
    }
    return m;
  }

  void ModelWrite(const std::string& key, const std::string& value, bool with_op, uint8_t c) {
    Entry& e = cur_[key];
    e.flags = ApplyFlagsOp(e.flags, FlagsOp::kDelNeedConstraintCheckInPrewrite);
    if (with_op) e.flags = ApplyFlagsOp(e.flags, FlagOp(c));
    e.value = value;
    if (stages_.empty()) snapshot_valid_ = false;
  }

  std::string Release(uint8_t b) {
    if (stages_.empty()) {
      return db_.Release(1 + b % 2).ok() ? "Release without staging succeeded" : "";
    }
    if (absl::Status s = db_.Release(static_cast<int>(stages_.size())); !s.ok()) {
      return absl::StrCat("Release failed: ", s.ToString());
    }
    stages_.pop_back();
    if (stages_.empty()) snapshot_valid_ = false;
    return "";
  }

  std::string Cleanup(uint8_t b) {
    if (stages_.empty()) return db_.Cleanup(1 + b % 2).ok() ? "" : "Cleanup above top failed";
    if (absl::Status s = db_.Cleanup(static_cast<int>(stages_.size())); !s.ok()) {
      return absl::StrCat("Cleanup failed: ", s.ToString());
    }
    const ValueMap& start = stages_.back();
    for (auto it = cur_.begin(); it != cur_.end();) {
      auto old = start.find(it->first);
      std::optional<std::string> before;
      if (old != start.end()) before = old->second;
      if (before != it->second.value) {
        it->second.value = before;
        if (!before) {
          it->second.flags = it->second.flags.AndPersistent();
          if (it->second.flags.bits() == 0) {
            it = cur_.erase(it);
            continue;
          }
        }
      }
      ++it;
    }
    stages_.pop_back();
    if (stages_.empty()) snapshot_valid_ = false;
    return "";
  }

  std::string CheckKey(const std::string& key) {
    auto it = cur_.find(key);
    absl::StatusOr<std::string_view> v = db_.Get(key);
    absl::StatusOr<KeyFlags> f = db_.GetFlags(key);
    const std::string k = absl::CEscape(std::string(key));
    if (it == cur_.end()) {
      if (!absl::IsNotFound(v.status())) return absl::StrCat("Get(", k, ") should be NotFound");
      if (!absl::IsNotFound(f.status())) return absl::StrCat("GetFlags(", k, ") should be NotFound");
      return "";
    }
    if (!f.ok() || *f != it->second.flags) {
      return absl::StrCat("GetFlags(", k, ") = ", f.ok() ? f->bits() : -1, " want ",
                          it->second.flags.bits());
    }
    if (!it->second.value) {
      return absl::IsNotFound(v.status()) ? "" : absl::StrCat("Get(", k, ") should be NotFound");
    }
    if (!v.ok() || *v != *it->second.value) {
      return absl::StrCat("Get(", k, ") = ", v.ok() ? absl::CEscape(std::string(*v)) : v.status().ToString(),
                          " want ", absl::CEscape(std::string(*it->second.value)));
    }
    return "";
  }

  std::string CheckIter(bool reverse, std::string lower, std::string upper, uint8_t c) {
    if (c % 4 == 1) lower.clear();
    if (c % 4 == 2) upper.clear();
    std::vector<std::pair<std::string, std::string>> want;
    for (const auto& [k, e] : cur_) {
      if (!e.value) continue;
      if (!lower.empty() && k < lower) continue;
      if (!upper.empty() && k >= upper) continue;
      want.emplace_back(k, *e.value);
    }
    if (reverse) want = std::vector(want.rbegin(), want.rend());
    MemBufferIterator it = reverse ? db_.IterReverse(upper, lower) : db_.Iter(lower, upper);
    size_t i = 0;
    for (; it.Valid(); ++i) {
      if (i >= want.size() || it.Key() != want[i].first || it.Value() != want[i].second) {
        return absl::StrCat(reverse ? "reverse " : "", "iteration mismatch at ", i, ": got ",
                            absl::CEscape(std::string(it.Key())));
      }
      if (absl::Status s = it.Next(); !s.ok()) return s.ToString();
    }
    if (i != want.size()) return absl::StrCat("iteration ended after ", i, " of ", want.size());
    return "";
  }

  const ValueMap& SnapshotModel() {
    if (stages_.empty()) {
      now_values_ = Values();
      return now_values_;
    }
    return stages_[0];
  }

  std::string CheckSnapshotGet(const std::string& key) {
    if (stages_.empty()) return "";
    MemBufferSnapshot snap = db_.GetSnapshot();
    const ValueMap& m = stages_[0];
    auto it = m.find(key);
    absl::StatusOr<std::string_view> v = snap.Get(key);
    if (it == m.end()) {
      return absl::IsNotFound(v.status()) ? "" : "snapshot Get should be NotFound";
    }
    if (!v.ok() || *v != it->second) return absl::StrCat("snapshot Get(", absl::CEscape(std::string(key)), ") wrong");
    return "";
  }

  std::string OpenSnapshot(uint8_t a, uint8_t b) {
    snap_.emplace(db_.GetSnapshot());
    snapshot_valid_ = true;
    reverse_snap_ = (b & 1) != 0;
    const std::string bound = keys_[a % kNumKeys];
    snap_want_.clear();
    snap_pos_ = 0;
    for (const auto& [k, v] : SnapshotModel()) {
      if (reverse_snap_ ? k < bound : k >= bound) snap_want_.emplace_back(k, v);
    }
    if (reverse_snap_) snap_want_ = std::vector(snap_want_.rbegin(), snap_want_.rend());
    auto it = reverse_snap_ ? snap_->IterReverse(bound, "") : snap_->Iter(bound, "");
    if (!it.ok()) return absl::StrCat("snapshot Iter failed: ", it.status().ToString());
    snap_it_.emplace(*std::move(it));
    return CheckSnapPosition();
  }

  std::string CheckSnapPosition() {
    if (!snap_it_) return "";
    if (!snapshot_valid_) {
      if (snap_it_->Valid()) return "invalidated snapshot iterator still valid";
      return absl::IsFailedPrecondition(snap_it_->Next()) ? "" : "stale snapshot Next not refused";
    }
    if (snap_pos_ == snap_want_.size()) {
      return snap_it_->Valid() ? "snapshot iterator past its end" : "";
    }
    if (!snap_it_->Valid()) return absl::StrCat("snapshot iterator ended early at ", snap_pos_);
    if (snap_it_->Key() != snap_want_[snap_pos_].first ||
        snap_it_->Value() != snap_want_[snap_pos_].second) {
      return absl::StrCat("snapshot iterator at ", absl::CEscape(std::string(snap_it_->Key())), " want ",
                          absl::CEscape(std::string(snap_want_[snap_pos_].first)));
    }
    return "";
  }

  std::string StepSnapshot() {
    if (!snap_it_) return "";
    if (snapshot_valid_ && snap_pos_ < snap_want_.size()) {
      if (absl::Status s = snap_it_->Next(); !s.ok()) return s.ToString();
      ++snap_pos_;
    }
    return CheckSnapPosition();
  }

  MemBuffer db_;
  std::vector<std::string> keys_;
  std::map<std::string, Entry> cur_;
  std::vector<ValueMap> stages_;  // values at the start of each open level
  ValueMap now_values_;

  std::optional<MemBufferSnapshot> snap_;
  std::optional<SnapshotIterator> snap_it_;
  std::vector<std::pair<std::string, std::string>> snap_want_;
  size_t snap_pos_ = 0;
  bool reverse_snap_ = false;
  bool snapshot_valid_ = false;
};

}  // namespace tikv::memdb::testing
