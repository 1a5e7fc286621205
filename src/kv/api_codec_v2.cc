// The API V2 (keyspace) codec.  Port of client-go internal/apicodec/codec_v2.go.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "coprocessor.pb.h"
#include "deadlock.pb.h"
#include "errorpb.pb.h"
#include "kv/api_codec.h"
#include "kv/api_codec_internal.h"
#include "kv/codec.h"
#include "kvrpcpb.pb.h"
#include "metapb.pb.h"

namespace tikv::kv {
namespace {

using google::protobuf::Message;
using google::protobuf::RepeatedPtrField;

// The typed message behind `m` when it is exactly a T, else nullptr.
template <typename T>
T* As(Message* m) {
  return m->GetDescriptor() == T::descriptor() ? static_cast<T*>(m) : nullptr;
}

class CodecV2 final : public Codec {
 public:
  CodecV2(std::string prefix, std::string end_key, keyspacepb::KeyspaceMeta meta)
      : prefix_(std::move(prefix)), end_key_(std::move(end_key)), meta_(std::move(meta)) {}

  kvrpcpb::APIVersion api_version() const override { return kvrpcpb::V2; }
  std::string_view keyspace_prefix() const override { return prefix_; }
  KeyspaceId keyspace_id() const override { return meta_.id(); }
  const keyspacepb::KeyspaceMeta* keyspace_meta() const override { return &meta_; }

  absl::Status EncodeRequest(Message* request) const override;
  absl::Status DecodeResponse(Message* response) const override;

  std::string EncodeRegionKey(std::string_view key) const override {
    return EncodeBytes(EncodeKey(key));
  }

  absl::StatusOr<std::string> DecodeRegionKey(std::string_view encoded) const override {
    TIKV_ASSIGN_OR_RETURN(std::string decoded, DecodeBytes(encoded));
    return DecodeKey(decoded);
  }

  absl::StatusOr<std::vector<std::string>> DecodeBucketKeys(
      const std::vector<std::string>& keys) const override;

  KeyRange EncodeRegionRange(std::string_view start, std::string_view end) const override {
    KeyRange r = EncodeRangeImpl(start, end, /*reverse=*/false);
    return KeyRange{EncodeBytes(r.start_key), EncodeBytes(r.end_key)};
  }

  // Empty encoded boundaries are unbounded and skip the memcomparable step.
  absl::StatusOr<KeyRange> DecodeRegionRange(std::string_view encoded_start,
                                             std::string_view encoded_end) const override {
    std::string start, end;
    if (!encoded_start.empty()) {
      TIKV_ASSIGN_OR_RETURN(start, DecodeBytes(encoded_start));
    }
    if (!encoded_end.empty()) {
      TIKV_ASSIGN_OR_RETURN(end, DecodeBytes(encoded_end));
    }
    return DecodeRange(start, end);
  }

  KeyRange EncodeRange(std::string_view start, std::string_view end) const override {
    return EncodeRangeImpl(start, end, /*reverse=*/false);
  }

  // Clamps to the keyspace: a boundary that does not carry the prefix lies outside it and
  // becomes empty (the keyspace's own edge).
  absl::StatusOr<KeyRange> DecodeRange(std::string_view encoded_start,
                                       std::string_view encoded_end) const override {
    if (encoded_start >= std::string_view(end_key_) ||
        (!encoded_end.empty() && encoded_end <= std::string_view(prefix_))) {
      return internal::OutOfKeyspace();
    }
    KeyRange out;
    if (HasPrefix(encoded_start, prefix_)) out.start_key = encoded_start.substr(prefix_.size());
    if (HasPrefix(encoded_end, prefix_)) out.end_key = encoded_end.substr(prefix_.size());
    return out;
  }

  std::string EncodeKey(std::string_view key) const override {
    std::string out;
    out.reserve(prefix_.size() + key.size());
    out.append(prefix_).append(key);
    return out;
  }

  absl::StatusOr<std::string> DecodeKey(std::string_view encoded) const override {
    // client-go logs a warning for an empty key outside tests; an empty key decodes to empty.
    if (encoded.empty()) return std::string();
    if (!HasPrefix(encoded, prefix_)) return internal::OutOfKeyspace();
    return std::string(encoded.substr(prefix_.size()));
  }

 private:
  // Port of codec_v2.go, encodeRange(): an empty end becomes the keyspace's end key; a
  // reverse range (scan from `start` down to `end`) swaps which side gets that treatment.
  KeyRange EncodeRangeImpl(std::string_view start, std::string_view end, bool reverse) const {
    if (reverse) {
      KeyRange swapped = EncodeRangeImpl(end, start, false);
      return KeyRange{std::move(swapped.end_key), std::move(swapped.start_key)};
    }
    return KeyRange{EncodeKey(start), end.empty() ? end_key_ : EncodeKey(end)};
  }

  void EncodeInPlace(std::string* key) const { *key = EncodeKey(*key); }
  void EncodeKeys(RepeatedPtrField<std::string>* keys) const {
    for (std::string& k : *keys) EncodeInPlace(&k);
  }
  template <typename M>
  void EncodeMutations(RepeatedPtrField<M>* mutations) const {
    for (M& m : *mutations) EncodeInPlace(m.mutable_key());
  }
  // Rewrites a (start, end) pair of string fields in place.
  void EncodeRangeFields(std::string* start, std::string* end, bool reverse) const {
    KeyRange r = EncodeRangeImpl(*start, *end, reverse);
    *start = std::move(r.start_key);
    *end = std::move(r.end_key);
  }
  void EncodeKeyRanges(RepeatedPtrField<kvrpcpb::KeyRange>* ranges) const {
    for (kvrpcpb::KeyRange& r : *ranges) {
      EncodeRangeFields(r.mutable_start_key(), r.mutable_end_key(), false);
    }
  }
  void EncodeCopRanges(RepeatedPtrField<coprocessor::KeyRange>* ranges) const {
    for (coprocessor::KeyRange& r : *ranges) EncodeRangeFields(r.mutable_start(), r.mutable_end(), false);
  }

  absl::Status DecodeInPlace(std::string* key) const {
    TIKV_ASSIGN_OR_RETURN(*key, DecodeKey(*key));
    return absl::OkStatus();
  }
  absl::Status DecodeRegionError(errorpb::Error* e) const;
  absl::Status DecodeKeyError(kvrpcpb::KeyError* e) const;
  absl::Status DecodeLockInfo(kvrpcpb::LockInfo* info) const;
  absl::Status DecodeMvccInfo(kvrpcpb::MvccInfo* info) const;
  absl::Status DecodePairs(RepeatedPtrField<kvrpcpb::KvPair>* pairs) const;
  absl::Status DecodeKeyErrors(RepeatedPtrField<kvrpcpb::KeyError>* errors) const {
    for (kvrpcpb::KeyError& e : *errors) TIKV_RETURN_IF_ERROR(DecodeKeyError(&e));
    return absl::OkStatus();
  }
  absl::Status DecodeLockInfos(RepeatedPtrField<kvrpcpb::LockInfo>* locks) const {
    for (kvrpcpb::LockInfo& l : *locks) TIKV_RETURN_IF_ERROR(DecodeLockInfo(&l));
    return absl::OkStatus();
  }
  absl::Status DecodeRegions(RepeatedPtrField<metapb::Region>* regions) const {
    for (metapb::Region& region : *regions) {
      TIKV_ASSIGN_OR_RETURN(KeyRange r, DecodeRegionRange(region.start_key(), region.end_key()));
      region.set_start_key(std::move(r.start_key));
      region.set_end_key(std::move(r.end_key));
    }
    return absl::OkStatus();
  }

  std::string prefix_;
  std::string end_key_;
  keyspacepb::KeyspaceMeta meta_;
};

// Port of codec_v2.go, codecV2.EncodeRequest().  Every key-bearing field of every request
// the client sends: missing one is a correctness bug (the server would read another keyspace).
absl::Status CodecV2::EncodeRequest(Message* request) const {
  internal::FillRequestContext(*this, request);
  if (auto* r = As<kvrpcpb::GetRequest>(request)) {
    EncodeInPlace(r->mutable_key());
  } else if (auto* r = As<kvrpcpb::ScanRequest>(request)) {
    EncodeRangeFields(r->mutable_start_key(), r->mutable_end_key(), r->reverse());
  } else if (auto* r = As<kvrpcpb::PrewriteRequest>(request)) {
    EncodeMutations(r->mutable_mutations());
    EncodeInPlace(r->mutable_primary_lock());
    EncodeKeys(r->mutable_secondaries());
  } else if (auto* r = As<kvrpcpb::CommitRequest>(request)) {
    EncodeKeys(r->mutable_keys());
    // An empty primary key means "not set" on the wire and must stay empty.
    if (!r->primary_key().empty()) EncodeInPlace(r->mutable_primary_key());
  } else if (auto* r = As<kvrpcpb::CleanupRequest>(request)) {
    EncodeInPlace(r->mutable_key());
  } else if (auto* r = As<kvrpcpb::BatchGetRequest>(request)) {
    EncodeKeys(r->mutable_keys());
  } else if (auto* r = As<kvrpcpb::BatchRollbackRequest>(request)) {
    EncodeKeys(r->mutable_keys());
  } else if (auto* r = As<kvrpcpb::ScanLockRequest>(request)) {
    EncodeRangeFields(r->mutable_start_key(), r->mutable_end_key(), false);
  } else if (auto* r = As<kvrpcpb::ResolveLockRequest>(request)) {
    EncodeKeys(r->mutable_keys());
  } else if (auto* r = As<kvrpcpb::DeleteRangeRequest>(request)) {
    EncodeRangeFields(r->mutable_start_key(), r->mutable_end_key(), false);
  } else if (auto* r = As<kvrpcpb::PessimisticLockRequest>(request)) {
    EncodeMutations(r->mutable_mutations());
    EncodeInPlace(r->mutable_primary_lock());
  } else if (auto* r = As<kvrpcpb::PessimisticRollbackRequest>(request)) {
    EncodeKeys(r->mutable_keys());
  } else if (auto* r = As<kvrpcpb::TxnHeartBeatRequest>(request)) {
    EncodeInPlace(r->mutable_primary_lock());
  } else if (auto* r = As<kvrpcpb::CheckTxnStatusRequest>(request)) {
    EncodeInPlace(r->mutable_primary_key());
  } else if (auto* r = As<kvrpcpb::CheckSecondaryLocksRequest>(request)) {
    EncodeKeys(r->mutable_keys());
  } else if (auto* r = As<kvrpcpb::FlushRequest>(request)) {
    EncodeMutations(r->mutable_mutations());
    if (!r->primary_key().empty()) EncodeInPlace(r->mutable_primary_key());
  } else if (auto* r = As<kvrpcpb::BufferBatchGetRequest>(request)) {
    EncodeKeys(r->mutable_keys());
  } else if (auto* r = As<kvrpcpb::FlashbackToVersionRequest>(request)) {
    EncodeRangeFields(r->mutable_start_key(), r->mutable_end_key(), false);
  } else if (auto* r = As<kvrpcpb::PrepareFlashbackToVersionRequest>(request)) {
    EncodeRangeFields(r->mutable_start_key(), r->mutable_end_key(), false);
  } else if (auto* r = As<kvrpcpb::RawGetRequest>(request)) {
    EncodeInPlace(r->mutable_key());
  } else if (auto* r = As<kvrpcpb::RawBatchGetRequest>(request)) {
    EncodeKeys(r->mutable_keys());
  } else if (auto* r = As<kvrpcpb::RawPutRequest>(request)) {
    EncodeInPlace(r->mutable_key());
  } else if (auto* r = As<kvrpcpb::RawBatchPutRequest>(request)) {
    EncodeMutations(r->mutable_pairs());
  } else if (auto* r = As<kvrpcpb::RawDeleteRequest>(request)) {
    EncodeInPlace(r->mutable_key());
  } else if (auto* r = As<kvrpcpb::RawBatchDeleteRequest>(request)) {
    EncodeKeys(r->mutable_keys());
  } else if (auto* r = As<kvrpcpb::RawDeleteRangeRequest>(request)) {
    EncodeRangeFields(r->mutable_start_key(), r->mutable_end_key(), false);
  } else if (auto* r = As<kvrpcpb::RawScanRequest>(request)) {
    EncodeRangeFields(r->mutable_start_key(), r->mutable_end_key(), r->reverse());
  } else if (auto* r = As<kvrpcpb::RawBatchScanRequest>(request)) {
    // Divergence: client-go leaves RawBatchScan unencoded (it never sends it); we prefix its
    // ranges so a V2 server sees keys of this keyspace.
    for (kvrpcpb::KeyRange& range : *r->mutable_ranges()) {
      EncodeRangeFields(range.mutable_start_key(), range.mutable_end_key(), r->reverse());
    }
  } else if (auto* r = As<kvrpcpb::RawGetKeyTTLRequest>(request)) {
    EncodeInPlace(r->mutable_key());
  } else if (auto* r = As<kvrpcpb::RawCASRequest>(request)) {
    EncodeInPlace(r->mutable_key());
  } else if (auto* r = As<kvrpcpb::RawChecksumRequest>(request)) {
    EncodeKeyRanges(r->mutable_ranges());
  } else if (auto* r = As<kvrpcpb::UnsafeDestroyRangeRequest>(request)) {
    EncodeRangeFields(r->mutable_start_key(), r->mutable_end_key(), false);
  } else if (auto* r = As<kvrpcpb::StoreSafeTSRequest>(request)) {
    // An absent range means the whole keyspace once encoded.
    kvrpcpb::KeyRange* range = r->mutable_key_range();
    EncodeRangeFields(range->mutable_start_key(), range->mutable_end_key(), false);
  } else if (auto* r = As<coprocessor::Request>(request)) {
    EncodeCopRanges(r->mutable_ranges());
    for (coprocessor::StoreBatchTask& task : *r->mutable_tasks()) {
      EncodeCopRanges(task.mutable_ranges());
    }
  } else if (auto* r = As<kvrpcpb::MvccGetByKeyRequest>(request)) {
    EncodeInPlace(r->mutable_key());
  } else if (auto* r = As<kvrpcpb::SplitRegionRequest>(request)) {
    EncodeKeys(r->mutable_split_keys());
  }
  // GC, MvccGetByStartTs, GetLockWaitInfo, GetHealthFeedback, BroadcastTxnStatus and Empty
  // carry no keys.
  return absl::OkStatus();
}

// Port of codec_v2.go, codecV2.DecodeResponse().
absl::Status CodecV2::DecodeResponse(Message* response) const {
  // Divergence: client-go lists the response types whose region error it decodes; we decode
  // the region_error of any response that has one.
  if (errorpb::Error* region_error = internal::MutableRegionError(response)) {
    TIKV_RETURN_IF_ERROR(DecodeRegionError(region_error));
  }
  if (auto* r = As<kvrpcpb::GetResponse>(response)) {
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
  } else if (auto* r = As<kvrpcpb::ScanResponse>(response)) {
    TIKV_RETURN_IF_ERROR(DecodePairs(r->mutable_pairs()));
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
  } else if (auto* r = As<kvrpcpb::PrewriteResponse>(response)) {
    TIKV_RETURN_IF_ERROR(DecodeKeyErrors(r->mutable_errors()));
  } else if (auto* r = As<kvrpcpb::CommitResponse>(response)) {
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
  } else if (auto* r = As<kvrpcpb::CleanupResponse>(response)) {
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
  } else if (auto* r = As<kvrpcpb::BatchGetResponse>(response)) {
    TIKV_RETURN_IF_ERROR(DecodePairs(r->mutable_pairs()));
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
  } else if (auto* r = As<kvrpcpb::BatchRollbackResponse>(response)) {
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
  } else if (auto* r = As<kvrpcpb::ScanLockResponse>(response)) {
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
    TIKV_RETURN_IF_ERROR(DecodeLockInfos(r->mutable_locks()));
  } else if (auto* r = As<kvrpcpb::ResolveLockResponse>(response)) {
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
  } else if (auto* r = As<kvrpcpb::GCResponse>(response)) {
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
  } else if (auto* r = As<kvrpcpb::PessimisticLockResponse>(response)) {
    TIKV_RETURN_IF_ERROR(DecodeKeyErrors(r->mutable_errors()));
  } else if (auto* r = As<kvrpcpb::PessimisticRollbackResponse>(response)) {
    TIKV_RETURN_IF_ERROR(DecodeKeyErrors(r->mutable_errors()));
  } else if (auto* r = As<kvrpcpb::TxnHeartBeatResponse>(response)) {
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
  } else if (auto* r = As<kvrpcpb::CheckTxnStatusResponse>(response)) {
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
    if (r->has_lock_info()) TIKV_RETURN_IF_ERROR(DecodeLockInfo(r->mutable_lock_info()));
  } else if (auto* r = As<kvrpcpb::CheckSecondaryLocksResponse>(response)) {
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
    TIKV_RETURN_IF_ERROR(DecodeLockInfos(r->mutable_locks()));
  } else if (auto* r = As<kvrpcpb::FlushResponse>(response)) {
    TIKV_RETURN_IF_ERROR(DecodeKeyErrors(r->mutable_errors()));
  } else if (auto* r = As<kvrpcpb::BufferBatchGetResponse>(response)) {
    TIKV_RETURN_IF_ERROR(DecodePairs(r->mutable_pairs()));
    if (r->has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(r->mutable_error()));
  } else if (auto* r = As<kvrpcpb::RawBatchGetResponse>(response)) {
    TIKV_RETURN_IF_ERROR(DecodePairs(r->mutable_pairs()));
  } else if (auto* r = As<kvrpcpb::RawScanResponse>(response)) {
    TIKV_RETURN_IF_ERROR(DecodePairs(r->mutable_kvs()));
  } else if (auto* r = As<kvrpcpb::RawBatchScanResponse>(response)) {
    TIKV_RETURN_IF_ERROR(DecodePairs(r->mutable_kvs()));
  } else if (auto* r = As<coprocessor::Response>(response)) {
    if (r->has_locked()) TIKV_RETURN_IF_ERROR(DecodeLockInfo(r->mutable_locked()));
    if (r->has_range()) {
      coprocessor::KeyRange* range = r->mutable_range();
      TIKV_ASSIGN_OR_RETURN(KeyRange decoded, DecodeRange(range->start(), range->end()));
      range->set_start(std::move(decoded.start_key));
      range->set_end(std::move(decoded.end_key));
    }
  } else if (auto* r = As<kvrpcpb::MvccGetByKeyResponse>(response)) {
    if (r->has_info()) TIKV_RETURN_IF_ERROR(DecodeMvccInfo(r->mutable_info()));
  } else if (auto* r = As<kvrpcpb::MvccGetByStartTsResponse>(response)) {
    if (!r->key().empty()) TIKV_RETURN_IF_ERROR(DecodeInPlace(r->mutable_key()));
    if (r->has_info()) TIKV_RETURN_IF_ERROR(DecodeMvccInfo(r->mutable_info()));
  } else if (auto* r = As<kvrpcpb::GetLockWaitInfoResponse>(response)) {
    for (deadlock::WaitForEntry& entry : *r->mutable_entries()) {
      TIKV_RETURN_IF_ERROR(DecodeInPlace(entry.mutable_key()));
    }
  } else if (auto* r = As<kvrpcpb::SplitRegionResponse>(response)) {
    TIKV_RETURN_IF_ERROR(DecodeRegions(r->mutable_regions()));
  }
  return absl::OkStatus();
}

// Port of codec_v2.go, decodeRegionError(): regions of an EpochNotMatch that lie outside the
// keyspace are dropped (they are other tenants' business); any other failure is reported.
absl::Status CodecV2::DecodeRegionError(errorpb::Error* e) const {
  if (e->has_key_not_in_region()) {
    errorpb::KeyNotInRegion* k = e->mutable_key_not_in_region();
    TIKV_RETURN_IF_ERROR(DecodeInPlace(k->mutable_key()));
    TIKV_ASSIGN_OR_RETURN(KeyRange r, DecodeRegionRange(k->start_key(), k->end_key()));
    k->set_start_key(std::move(r.start_key));
    k->set_end_key(std::move(r.end_key));
  }
  if (e->has_epoch_not_match()) {
    RepeatedPtrField<metapb::Region>* regions = e->mutable_epoch_not_match()->mutable_current_regions();
    RepeatedPtrField<metapb::Region> kept;
    for (metapb::Region& region : *regions) {
      absl::StatusOr<KeyRange> r = DecodeRegionRange(region.start_key(), region.end_key());
      if (!r.ok()) {
        if (IsKeyOutOfKeyspace(r.status())) continue;
        return r.status();
      }
      region.set_start_key(std::move(r->start_key));
      region.set_end_key(std::move(r->end_key));
      *kept.Add() = std::move(region);
    }
    regions->Swap(&kept);
  }
  return absl::OkStatus();
}

absl::Status CodecV2::DecodeKeyError(kvrpcpb::KeyError* e) const {
  if (e->has_locked()) TIKV_RETURN_IF_ERROR(DecodeLockInfo(e->mutable_locked()));
  if (e->has_conflict()) {
    TIKV_RETURN_IF_ERROR(DecodeInPlace(e->mutable_conflict()->mutable_key()));
    TIKV_RETURN_IF_ERROR(DecodeInPlace(e->mutable_conflict()->mutable_primary()));
  }
  if (e->has_already_exist()) {
    TIKV_RETURN_IF_ERROR(DecodeInPlace(e->mutable_already_exist()->mutable_key()));
  }
  if (e->has_deadlock()) {
    kvrpcpb::Deadlock* d = e->mutable_deadlock();
    TIKV_RETURN_IF_ERROR(DecodeInPlace(d->mutable_lock_key()));
    TIKV_RETURN_IF_ERROR(DecodeInPlace(d->mutable_deadlock_key()));
    for (deadlock::WaitForEntry& wait : *d->mutable_wait_chain()) {
      TIKV_RETURN_IF_ERROR(DecodeInPlace(wait.mutable_key()));
    }
  }
  if (e->has_commit_ts_expired()) {
    TIKV_RETURN_IF_ERROR(DecodeInPlace(e->mutable_commit_ts_expired()->mutable_key()));
  }
  if (e->has_txn_not_found()) {
    TIKV_RETURN_IF_ERROR(DecodeInPlace(e->mutable_txn_not_found()->mutable_primary_key()));
  }
  if (e->has_assertion_failed()) {
    TIKV_RETURN_IF_ERROR(DecodeInPlace(e->mutable_assertion_failed()->mutable_key()));
  }
  if (e->has_primary_mismatch() && e->primary_mismatch().has_lock_info()) {
    TIKV_RETURN_IF_ERROR(DecodeLockInfo(e->mutable_primary_mismatch()->mutable_lock_info()));
  }
  if (e->has_txn_lock_not_found()) {
    TIKV_RETURN_IF_ERROR(DecodeInPlace(e->mutable_txn_lock_not_found()->mutable_key()));
  }
  if (e->has_debug_info()) {
    for (kvrpcpb::MvccDebugInfo& info : *e->mutable_debug_info()->mutable_mvcc_info()) {
      TIKV_RETURN_IF_ERROR(DecodeInPlace(info.mutable_key()));
      if (info.has_mvcc()) TIKV_RETURN_IF_ERROR(DecodeMvccInfo(info.mutable_mvcc()));
    }
  }
  return absl::OkStatus();
}

absl::Status CodecV2::DecodeLockInfo(kvrpcpb::LockInfo* info) const {
  TIKV_RETURN_IF_ERROR(DecodeInPlace(info->mutable_key()));
  TIKV_RETURN_IF_ERROR(DecodeInPlace(info->mutable_primary_lock()));
  for (std::string& s : *info->mutable_secondaries()) TIKV_RETURN_IF_ERROR(DecodeInPlace(&s));
  // Shared locks nest full lock infos; each is decoded exactly once.
  for (kvrpcpb::LockInfo& shared : *info->mutable_shared_lock_infos()) {
    TIKV_RETURN_IF_ERROR(DecodeLockInfo(&shared));
  }
  return absl::OkStatus();
}

// Empty lock keys in MVCC debug output mean "absent" and are left alone.
absl::Status CodecV2::DecodeMvccInfo(kvrpcpb::MvccInfo* info) const {
  if (!info->has_lock()) return absl::OkStatus();
  kvrpcpb::MvccLock* lock = info->mutable_lock();
  if (!lock->primary().empty()) TIKV_RETURN_IF_ERROR(DecodeInPlace(lock->mutable_primary()));
  for (std::string& s : *lock->mutable_secondaries()) {
    if (!s.empty()) TIKV_RETURN_IF_ERROR(DecodeInPlace(&s));
  }
  return absl::OkStatus();
}

absl::Status CodecV2::DecodePairs(RepeatedPtrField<kvrpcpb::KvPair>* pairs) const {
  for (kvrpcpb::KvPair& p : *pairs) {
    if (p.has_error()) TIKV_RETURN_IF_ERROR(DecodeKeyError(p.mutable_error()));
    if (!p.key().empty()) TIKV_RETURN_IF_ERROR(DecodeInPlace(p.mutable_key()));
  }
  return absl::OkStatus();
}

// Port of codec_v2.go, DecodeBucketKeys(): the first key below the keyspace and the last key
// at or past its end become "" (the keyspace edges); keys of other keyspaces are dropped, and
// a bare prefix right after an unbounded first key is not repeated.
absl::StatusOr<std::vector<std::string>> CodecV2::DecodeBucketKeys(
    const std::vector<std::string>& keys) const {
  std::vector<std::string> out;
  out.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string k;
    if (!keys[i].empty()) {
      TIKV_ASSIGN_OR_RETURN(k, DecodeBytes(keys[i]));
    }
    if (i == 0 && k < prefix_) {
      out.emplace_back();
    } else if (i + 1 == keys.size() && (k.empty() || k >= end_key_)) {
      out.emplace_back();
    } else if (HasPrefix(k, prefix_)) {
      std::string raw = k.substr(prefix_.size());
      if (raw.empty() && !out.empty() && out[0].empty()) continue;
      out.push_back(std::move(raw));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Codec>> NewCodecV2(Mode mode, const keyspacepb::KeyspaceMeta* meta) {
  if (meta == nullptr) return absl::InvalidArgumentError("keyspaceMeta is nil");
  if (meta->has_keyspace_identity()) {
    // API V3 names keyspaces by a namespace/keyspace identity in which id 0 is invalid; the V2
    // codec only understands numeric ids, so refuse instead of silently using keyspace 0.
    return absl::InvalidArgumentError(
        "unsupported keyspace identity: codec V2 only supports the numeric keyspace ID");
  }
  KeyspaceId id = meta->id();
  if (id > kMaxKeyspaceId) {
    return absl::InvalidArgumentError(
        absl::StrCat("keyspaceID ", id, " is out of range, maximum is ", kMaxKeyspaceId));
  }
  char mode_byte;
  switch (mode) {
    case Mode::kRaw:
      mode_byte = kRawModePrefix;
      break;
    case Mode::kTxn:
      mode_byte = kTxnModePrefix;
      break;
    default:
      return absl::InvalidArgumentError("unknown mode");
  }
  uint32_t value = (static_cast<uint32_t>(static_cast<uint8_t>(mode_byte)) << 24) | id;
  auto be = [](uint32_t v) {
    std::string s(4, '\0');
    for (int i = 3; i >= 0; --i) {
      s[i] = static_cast<char>(v & 0xFF);
      v >>= 8;
    }
    return s;
  };
  // The end key is the next keyspace's prefix; for the last id the carry reaches the mode
  // byte ('r' 0xFFFFFF -> 's' 0x000000).
  return std::unique_ptr<Codec>(new CodecV2(be(value), be(value + 1), *meta));
}

}  // namespace tikv::kv
