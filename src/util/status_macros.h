// Status-propagation macros (Abseil 20220623 ships none).
//
//   TIKV_RETURN_IF_ERROR(expr);              returns early with expr's status if it is not OK
//   TIKV_ASSIGN_OR_RETURN(lhs, expr);        declares/assigns lhs from a StatusOr, or returns
//
// Both evaluate `expr` exactly once. Immutable: macros only.

#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TIKV_STATUS_CONCAT_INNER(a, b) a##b
#define TIKV_STATUS_CONCAT(a, b) TIKV_STATUS_CONCAT_INNER(a, b)

// Returns early from the enclosing function with the status of `expr` if it is not OK.
#define TIKV_RETURN_IF_ERROR(expr)                                        \
  do {                                                                    \
    ::absl::Status tikv_status_macro_status = (expr);                     \
    if (!tikv_status_macro_status.ok()) return tikv_status_macro_status;  \
  } while (false)

// `lhs` may be a declaration (`TIKV_ASSIGN_OR_RETURN(KeyLocation loc, ...)`) or an lvalue.
#define TIKV_ASSIGN_OR_RETURN(lhs, expr) \
  TIKV_ASSIGN_OR_RETURN_IMPL(TIKV_STATUS_CONCAT(tikv_statusor_, __LINE__), lhs, expr)

#define TIKV_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()
