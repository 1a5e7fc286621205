// Key flags: per-key metadata kept in the transaction membuffer next to (or without) a value.
//
// Port of client-go kv/keyflags.go (`KeyFlags`, `FlagsOp`, `ApplyFlagsOps`). Fourteen flags share
// a 16-bit word; the top bit is reserved for the membuffer's own "deleted leaf" marker and is never
// visible through this type. Flags are not part of the staging value log: a cleanup keeps only the
// persistent ones (see `KeyFlags::AndPersistent`).
//
// Immutable value type (KeyFlags) and pure functions: safe to use from any fiber.

#pragma once

#include <cstdint>
#include <initializer_list>

#include "absl/types/span.h"

namespace tikv::memdb {

// One edit to a key's flags, applied in order by `ApplyFlagsOps`.
enum class FlagsOp : uint8_t {
  kSetPresumeKeyNotExists,   // sets presume-not-exists and need-check-exists
  kDelPresumeKeyNotExists,   // clears both of the above
  kSetKeyLocked,             // the key holds a pessimistic lock
  kDelKeyLocked,
  kSetNeedLocked,            // the key must be locked before commit
  kDelNeedLocked,
  kSetKeyLockedValueExists,  // the locked key had a value; clears constraint-check-in-prewrite
  kSetKeyLockedValueNotExists,  // clears locked-value-exists and constraint-check-in-prewrite
  kDelNeedCheckExists,
  kSetPrewriteOnly,           // written in prewrite but not committed
  kSetIgnoredIn2PC,           // skipped by two-phase commit
  kSetReadable,               // visible to in-transaction reads
  kSetNewlyInserted,          // produced by an INSERT with a non-empty value
  kSetAssertExist,            // replaces any assertion with "exists"
  kSetAssertNotExist,         // replaces any assertion with "does not exist"
  kSetAssertUnknown,          // both assertion bits: no assertion can be made
  kSetAssertNone,             // clears both assertion bits
  kSetNeedConstraintCheckInPrewrite,
  kDelNeedConstraintCheckInPrewrite,
  kSetPreviousPresumeKNE,     // a presume-not-exists from an earlier statement
  kSetKeyLockedInShareMode,
  kSetKeyLockedInExclusiveMode,  // clears the share-mode bit
};

// The flags of one key. A thin value wrapper over the 16-bit word client-go stores.
class KeyFlags {
 public:
  // Individual bits, in client-go's order (the order is part of the in-memory layout only).
  static constexpr uint16_t kPresumeKeyNotExists = 1u << 0;
  static constexpr uint16_t kKeyLocked = 1u << 1;
  static constexpr uint16_t kNeedLocked = 1u << 2;
  static constexpr uint16_t kKeyLockedValueExists = 1u << 3;
  static constexpr uint16_t kNeedCheckExists = 1u << 4;
  static constexpr uint16_t kPrewriteOnly = 1u << 5;
  static constexpr uint16_t kIgnoredIn2PC = 1u << 6;
  static constexpr uint16_t kReadable = 1u << 7;
  static constexpr uint16_t kNewlyInserted = 1u << 8;
  static constexpr uint16_t kAssertExist = 1u << 9;
  static constexpr uint16_t kAssertNotExist = 1u << 10;
  static constexpr uint16_t kNeedConstraintCheckInPrewrite = 1u << 11;
  static constexpr uint16_t kPreviousPresumeKNE = 1u << 12;
  static constexpr uint16_t kKeyLockedInShareMode = 1u << 13;
  // Flags that survive a staging cleanup which removes the key's value: they record facts about
  // locks already acquired on the server, which a statement rollback cannot undo.
  static constexpr uint16_t kPersistent =
      kKeyLocked | kKeyLockedValueExists | kNeedConstraintCheckInPrewrite | kKeyLockedInShareMode;
  // Every bit a flag may use; bit 15 belongs to the membuffer.
  static constexpr uint16_t kAllFlags = 0x7fff;

  constexpr KeyFlags() = default;
  // Wraps `bits`; bits outside `kAllFlags` are dropped.
  constexpr explicit KeyFlags(uint16_t bits) : bits_(bits & kAllFlags) {}

  // The raw 16-bit word.
  constexpr uint16_t bits() const { return bits_; }

  // True iff the assertion is exactly "the key exists".
  constexpr bool HasAssertExist() const {
    return (bits_ & kAssertExist) != 0 && (bits_ & kAssertNotExist) == 0;
  }
  // True iff the assertion is exactly "the key does not exist".
  constexpr bool HasAssertNotExist() const {
    return (bits_ & kAssertNotExist) != 0 && (bits_ & kAssertExist) == 0;
  }
  // True iff both assertion bits are set: no assertion can be made on the key.
  constexpr bool HasAssertUnknown() const {
    return (bits_ & kAssertExist) != 0 && (bits_ & kAssertNotExist) != 0;
  }
  // True iff any assertion has been decided (it should not change within the transaction).
  constexpr bool HasAssertionFlags() const {
    return (bits_ & (kAssertExist | kAssertNotExist)) != 0;
  }
  // True iff the key's existence is checked lazily (this or an earlier statement presumed it
  // absent).
  constexpr bool HasPresumeKeyNotExists() const {
    return (bits_ & (kPresumeKeyNotExists | kPreviousPresumeKNE)) != 0;
  }
  // True iff the key holds a pessimistic lock (shared or exclusive).
  constexpr bool HasLocked() const { return (bits_ & kKeyLocked) != 0; }
  // True iff the lock on the key is a shared one.
  constexpr bool HasLockedInShareMode() const { return (bits_ & kKeyLockedInShareMode) != 0; }
  // True iff the key still has to be locked.
  constexpr bool HasNeedLocked() const { return (bits_ & kNeedLocked) != 0; }
  // True iff the key had a value when it was locked.
  constexpr bool HasLockedValueExists() const { return (bits_ & kKeyLockedValueExists) != 0; }
  // True iff the key's existence must be checked when it is locked.
  constexpr bool HasNeedCheckExists() const { return (bits_ & kNeedCheckExists) != 0; }
  // True iff the key is written in prewrite only and skipped at commit.
  constexpr bool HasPrewriteOnly() const { return (bits_ & kPrewriteOnly) != 0; }
  // True iff two-phase commit ignores the key.
  constexpr bool HasIgnoredIn2PC() const { return (bits_ & kIgnoredIn2PC) != 0; }
  // True iff in-transaction reads may see the key.
  constexpr bool HasReadable() const { return (bits_ & kReadable) != 0; }
  // True iff the conflict/constraint check of the key is postponed to prewrite.
  constexpr bool HasNeedConstraintCheckInPrewrite() const {
    return (bits_ & kNeedConstraintCheckInPrewrite) != 0;
  }
  // True iff the key was produced by an INSERT.
  constexpr bool HasNewlyInserted() const { return (bits_ & kNewlyInserted) != 0; }
  // The subset of flags that a staging cleanup keeps.
  constexpr KeyFlags AndPersistent() const { return KeyFlags(bits_ & kPersistent); }

  friend constexpr bool operator==(KeyFlags a, KeyFlags b) = default;

 private:
  uint16_t bits_ = 0;
};

// Returns `origin` with `ops` applied left to right.
KeyFlags ApplyFlagsOps(KeyFlags origin, absl::Span<const FlagsOp> ops);

// Single-op convenience form of `ApplyFlagsOps`.
KeyFlags ApplyFlagsOp(KeyFlags origin, FlagsOp op);

}  // namespace tikv::memdb
