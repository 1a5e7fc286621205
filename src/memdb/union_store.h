// UnionStore: a transaction's view of the database, its MemBuffer laid over a snapshot reader.
//
// Port of client-go internal/unionstore/union_store.go (`KVUnionStore`) and union_iter.go
// (`UnionIter`). Reads consult the buffer first; a tombstone in the buffer hides the snapshot's
// value. Iteration merges the buffer's and the snapshot's ordered streams, preferring the buffer
// on equal keys and dropping tombstones.
//
// Fiber-confined. Snapshot reads may suspend (a real snapshot sends RPCs).

#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "memdb/mem_buffer.h"

namespace tikv::memdb {

// An ordered key-value stream (client-go's unionstore.Iterator).
class KvIterator {
 public:
  virtual ~KvIterator() = default;
  // True iff positioned on an entry.
  virtual bool Valid() const = 0;
  // The current key and value. REQUIRES: Valid(). Views stay valid until the next `Next`.
  virtual std::string_view Key() const = 0;
  virtual std::string_view Value() const = 0;
  // Moves to the next entry. May suspend.
  virtual absl::Status Next() = 0;
};

// What the union store needs from the committed data below the buffer (client-go's uSnapshot).
class SnapshotReader {
 public:
  virtual ~SnapshotReader() = default;
  // The committed value of `key`. Errors: kNotFound if there is none. May suspend.
  virtual absl::StatusOr<std::string> Get(std::string_view key) = 0;
  // Keys in [lower, upper) ascending; empty bounds are unbounded. May suspend.
  virtual absl::StatusOr<std::unique_ptr<KvIterator>> Iter(std::string_view lower,
                                                           std::string_view upper) = 0;
  // Keys in [lower, upper) descending, starting below `upper`. May suspend.
  virtual absl::StatusOr<std::unique_ptr<KvIterator>> IterReverse(std::string_view upper,
                                                                  std::string_view lower) = 0;
};

class UnionStore {
 public:
  // `snapshot` must outlive the store; the store owns its MemBuffer.
  explicit UnionStore(SnapshotReader* snapshot);
  UnionStore(const UnionStore&) = delete;
  UnionStore& operator=(const UnionStore&) = delete;

  MemBuffer& mem_buffer() { return buffer_; }
  const MemBuffer& mem_buffer() const { return buffer_; }

  // The value of `key` seen by the transaction. Errors: kNotFound if the buffer deleted it or
  // neither layer has it; the snapshot's errors otherwise. May suspend.
  absl::StatusOr<std::string> Get(std::string_view key);
  // Merged ascending iteration over [lower, upper), tombstones removed. The iterator is
  // invalidated by any write to the buffer. May suspend.
  absl::StatusOr<std::unique_ptr<KvIterator>> Iter(std::string_view lower, std::string_view upper);
  // Merged descending iteration over [lower, upper). May suspend.
  absl::StatusOr<std::unique_ptr<KvIterator>> IterReverse(std::string_view upper,
                                                          std::string_view lower);

  // True iff `key`'s existence check was postponed (presume-not-exists flags).
  bool HasPresumeKeyNotExists(std::string_view key) const;
  // Clears the postponed existence check of `key`.
  absl::Status UnmarkPresumeKeyNotExists(std::string_view key);
  // Sets the buffer's limits; 0 means unlimited (client-go's convention at this layer).
  void SetEntrySizeLimit(uint64_t entry_limit, uint64_t buffer_limit);

 private:
  MemBuffer buffer_;
  SnapshotReader* snapshot_;
};

// Adapts a MemBufferIterator to the KvIterator interface.
std::unique_ptr<KvIterator> WrapMemBufferIterator(MemBufferIterator it);

// Merges a buffer stream `dirty` over a snapshot stream; `reverse` says both run descending.
absl::StatusOr<std::unique_ptr<KvIterator>> NewUnionIterator(std::unique_ptr<KvIterator> dirty,
                                                             std::unique_ptr<KvIterator> snapshot,
                                                             bool reverse);

}  // namespace tikv::memdb
