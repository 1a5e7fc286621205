// Port of client-go kv/keyflags.go, ApplyFlagsOps().

#include "memdb/key_flags.h"

namespace tikv::memdb {

KeyFlags ApplyFlagsOp(KeyFlags origin, FlagsOp op) {
  using F = KeyFlags;
  uint16_t b = origin.bits();
  switch (op) {
    case FlagsOp::kSetPresumeKeyNotExists:
      b |= F::kPresumeKeyNotExists | F::kNeedCheckExists;
      break;
    case FlagsOp::kDelPresumeKeyNotExists:
      b &= static_cast<uint16_t>(~(F::kPresumeKeyNotExists | F::kNeedCheckExists));
      break;
    case FlagsOp::kSetKeyLocked:
      b |= F::kKeyLocked;
      break;
    case FlagsOp::kDelKeyLocked:
      b &= static_cast<uint16_t>(~F::kKeyLocked);
      break;
    case FlagsOp::kSetNeedLocked:
      b |= F::kNeedLocked;
      break;
    case FlagsOp::kDelNeedLocked:
      b &= static_cast<uint16_t>(~F::kNeedLocked);
      break;
    case FlagsOp::kSetKeyLockedValueExists:
      // Knowing whether the value exists settles the postponed constraint check.
      b |= F::kKeyLockedValueExists;
      b &= static_cast<uint16_t>(~F::kNeedConstraintCheckInPrewrite);
      break;
    case FlagsOp::kSetKeyLockedValueNotExists:
      b &= static_cast<uint16_t>(~(F::kKeyLockedValueExists | F::kNeedConstraintCheckInPrewrite));
      break;
    case FlagsOp::kDelNeedCheckExists:
      b &= static_cast<uint16_t>(~F::kNeedCheckExists);
      break;
    case FlagsOp::kSetPrewriteOnly:
      b |= F::kPrewriteOnly;
      break;
    case FlagsOp::kSetIgnoredIn2PC:
      b |= F::kIgnoredIn2PC;
      break;
    case FlagsOp::kSetReadable:
      b |= F::kReadable;
      break;
    case FlagsOp::kSetNewlyInserted:
      b |= F::kNewlyInserted;
      break;
    case FlagsOp::kSetAssertExist:
      b &= static_cast<uint16_t>(~F::kAssertNotExist);
      b |= F::kAssertExist;
      break;
    case FlagsOp::kSetAssertNotExist:
      b &= static_cast<uint16_t>(~F::kAssertExist);
      b |= F::kAssertNotExist;
      break;
    case FlagsOp::kSetAssertUnknown:
      b |= F::kAssertExist | F::kAssertNotExist;
      break;
    case FlagsOp::kSetAssertNone:
      b &= static_cast<uint16_t>(~(F::kAssertExist | F::kAssertNotExist));
      break;
    case FlagsOp::kSetNeedConstraintCheckInPrewrite:
      b |= F::kNeedConstraintCheckInPrewrite;
      break;
    case FlagsOp::kDelNeedConstraintCheckInPrewrite:
      b &= static_cast<uint16_t>(~F::kNeedConstraintCheckInPrewrite);
      break;
    case FlagsOp::kSetPreviousPresumeKNE:
      b |= F::kPreviousPresumeKNE;
      break;
    case FlagsOp::kSetKeyLockedInShareMode:
      b |= F::kKeyLockedInShareMode;
      break;
    case FlagsOp::kSetKeyLockedInExclusiveMode:
      b &= static_cast<uint16_t>(~F::kKeyLockedInShareMode);
      break;
  }
  return KeyFlags(b);
}

KeyFlags ApplyFlagsOps(KeyFlags origin, absl::Span<const FlagsOp> ops) {
  for (FlagsOp op : ops) origin = ApplyFlagsOp(origin, op);
  return origin;
}

}  // namespace tikv::memdb
