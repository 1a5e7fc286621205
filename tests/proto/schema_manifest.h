// Compares the project's compiled wire schema with the pinned kvproto manifest
// (proto/kvproto-manifest.tsv, protocol.md section 2.3). Both sides are reduced to the same
// normalized facts: one row per field, enum value and RPC.
//
// Immutable once loaded; thread-compatible.

#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "google/protobuf/descriptor.h"

namespace tikv::testing {

// (kind, owner, name) -> the rest of the row, e.g.
// ("field", "kvrpcpb.GetRequest", "key") -> "2|optional|bytes||".
using SchemaFacts = std::map<std::tuple<std::string, std::string, std::string>, std::string>;

// Parses the manifest at `path`. Returns false (with `error` set) if it cannot be read.
bool LoadManifest(const std::string& path, SchemaFacts* facts, std::string* error);

// The facts of one compiled file: every field of every message (nested ones included), every
// enum value, every RPC.
SchemaFacts FactsOf(const google::protobuf::FileDescriptor& file);

// Every discrepancy between `ours` (one or more compiled files) and `manifest`, as readable lines:
//  - a fact of ours that the manifest lacks or states differently (renumbered, retyped, invented);
//  - a manifest fact missing from ours for a message, enum or service we define (a dropped field
//    or value). RPCs may be dropped (services are trimmed); fields and values may not.
std::vector<std::string> Compare(const SchemaFacts& ours, const SchemaFacts& manifest);

}  // namespace tikv::testing
