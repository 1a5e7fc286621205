#include "oracle/oracle.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_format.h"

namespace tikv::oracle {
namespace {
constexpr char kFutureTsReadUrl[] = "type.googleapis.com/tikv.oracle.FutureTsRead";
}  // namespace

absl::Status FutureTsReadError(uint64_t read_ts, uint64_t current_ts) {
  absl::Status s = absl::FailedPreconditionError(absl::StrFormat(
      "cannot set read timestamp to a future time, readTS: %d, currentTS: %d", read_ts,
      current_ts));
  s.SetPayload(kFutureTsReadUrl, absl::Cord());
  return s;
}

bool IsFutureTsRead(const absl::Status& s) { return s.GetPayload(kFutureTsReadUrl).has_value(); }

absl::Status LatestStaleReadError() {
  return absl::InvalidArgumentError("cannot set read ts to max uint64 for stale read");
}

}  // namespace tikv::oracle
