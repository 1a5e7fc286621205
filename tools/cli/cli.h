// tikv-cli internals: the parsed command line and the raw subcommands.  The CLI is a thin
// shell over the public tikv::RawClient; it works against a real cluster (--pd) or an
// in-process simulated one (--sim).
//
// Exit codes: 0 success; 1 the cluster or client reported an error; 2 bad usage or input;
// 3 the key was not found (raw get, raw ttl).
//
// Thread-safety: single-threaded tool code.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tikv/raw_client.h"

namespace tikv::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotFound = 3;

struct GlobalFlags {
  std::vector<std::string> pd;  // --pd a,b
  bool sim = false;             // --sim
  std::string keyspace;         // --keyspace (implies API V2)
  std::optional<ApiVersion> api_version;  // --api-version
  bool json = false;            // --json
  int64_t timeout_seconds = 20; // --timeout
};

// One raw subcommand with its positional arguments and flags.
struct RawCommand {
  std::string name;               // get, put, delete, scan, cas, ttl, delete-range, checksum
  std::vector<std::string> args;  // positional
  uint64_t ttl = 0;               // put --ttl
  int limit = 100;                // scan --limit
  bool reverse = false;           // scan --reverse
  bool keys_only = false;         // scan --keys-only
  bool not_exist = false;         // cas --not-exist (OLD omitted: the key must be absent)
};

// Runs `cmd` through `client`, printing results to stdout and errors to stderr.  Returns the
// exit code.  Blocking (calls the client's blocking forms).
int RunRaw(RawClient& client, const GlobalFlags& flags, const RawCommand& cmd);

// JSON string literal of arbitrary bytes (control bytes and bytes >= 0x7f as \u00XX).
std::string JsonString(std::string_view bytes);
// A printable rendering of arbitrary bytes for tables (C escapes for non-printables).
std::string Printable(std::string_view bytes);

}  // namespace tikv::cli
