// Renders a protobuf message as JSON the way Go's encoding/json renders the gogoproto-generated
// struct of the same message, so logs match client-go byte for byte: fields in declaration order
// under their proto names, zero values omitted (`omitempty`), enums and 64-bit integers as bare
// numbers, bytes as standard base64. protobuf's own JSON printer differs on all of the last three.
// Used for the MVCC debug info of key errors (client-go error.ExtractDebugInfoStrFromKeyErr).
//
// Immutable: a pure function; thread-safe.

#pragma once

#include <string>

#include "google/protobuf/message.h"

namespace tikv::util {

// Returns `message` as Go-style JSON (see the file comment). Map fields and oneofs are rendered
// like plain fields. Never fails.
std::string GoStyleJson(const google::protobuf::Message& message);

}  // namespace tikv::util
