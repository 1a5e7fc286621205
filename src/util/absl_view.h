// Conversions between std::string_view and Debian's absl::string_view, which is a distinct type
// in the Abseil build this project uses (toolchain.md P7): the one helper engine code calls at
// absl boundaries.  (sim/ keeps its own two-line copy: it may not include engine internals.)
// Immutable.

#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace tikv::util {

// Never suspends.
inline absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }
// Never suspends.
inline std::string_view StdView(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace tikv::util
