// Conversions between std::string_view and Debian's absl::string_view, which is a distinct type
// in the Abseil build this project uses.  Used by locate/, oracle/ and pd/.  Immutable.

#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace tikv::locate {

// Never suspends.
inline absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }
// Never suspends.
inline std::string_view StdView(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace tikv::locate
