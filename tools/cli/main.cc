// tikv-cli: a command-line client for TiKV's raw key-value API.
//
//   tikv-cli [--pd ADDRS | --sim] [--keyspace NAME] [--api-version v1|v1ttl|v2] [--json]
//            [--timeout SECONDS] raw SUBCOMMAND [ARGS] [FLAGS]
//
// See Help() below and docs/raw.md.  The client runs in atomic mode (every write carries
// for_cas), so `raw cas` is linearizable against the CLI's own writes.

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sim/testing/sim_world.h"
#include "tikv/prod_env.h"
#include "tikv/raw_client.h"
#include "tools/cli/cli.h"

namespace tikv::cli {
namespace {

constexpr char kMainHelp[] =
    "usage: tikv-cli [--pd ADDRS | --sim] [--keyspace NAME] [--api-version v1|v1ttl|v2]\n"
    "                [--json] [--timeout SECONDS] raw SUBCOMMAND [ARGS]\n"
    "\n"
    "  --pd ADDRS          comma-separated PD addresses (host:port)\n"
    "  --sim               use a fresh in-process simulated cluster instead of --pd\n"
    "  --keyspace NAME     API V2 keyspace (implies --api-version v2)\n"
    "  --api-version V     the cluster's storage API version: v1 (default), v1ttl or v2\n"
    "  --json              machine-readable output\n"
    "  --timeout SECONDS   deadline of each call (default 20)\n"
    "\n"
    "Subcommands (tikv-cli raw SUBCOMMAND --help for details):\n"
    "  raw get KEY                       print the value; exit 3 if the key is missing\n"
    "  raw put KEY VALUE [--ttl SECONDS]\n"
    "  raw delete KEY\n"
    "  raw scan START [END] [--limit N] [--reverse] [--keys-only]\n"
    "  raw cas KEY OLD NEW | raw cas KEY NEW --not-exist\n"
    "  raw ttl KEY                       remaining TTL in seconds (0: none); exit 3 if missing\n"
    "  raw delete-range START END\n"
    "  raw checksum START END\n"
    "\n"
    "Exit codes: 0 ok, 1 cluster/client error, 2 bad usage or input, 3 key not found.\n";

const char* SubcommandHelp(const std::string& name) {
  if (name == "get") {
    return "usage: tikv-cli [GLOBAL FLAGS] raw get KEY\n"
           "Prints the value alone on stdout (an empty value prints an empty line) and exits 0;\n"
           "a missing key prints a message on stderr and exits 3.\n";
  }
  if (name == "put") {
    return "usage: tikv-cli [GLOBAL FLAGS] raw put KEY VALUE [--ttl SECONDS]\n"
           "Stores VALUE; with --ttl the key expires after SECONDS (needs API v1ttl or v2).\n";
  }
  if (name == "delete") return "usage: tikv-cli [GLOBAL FLAGS] raw delete KEY\n";
  if (name == "scan") {
    return "usage: tikv-cli [GLOBAL FLAGS] raw scan START [END] [--limit N] [--reverse] "
           "[--keys-only]\n"
           "Forward: keys in [START, END) ascending (no END: to the last key).\n"
           "--reverse: keys below START down to END inclusive, descending.\n"
           "--limit N: at most N pairs (default 100, max 10240).\n";
  }
  if (name == "cas") {
    return "usage: tikv-cli [GLOBAL FLAGS] raw cas KEY OLD NEW\n"
           "       tikv-cli [GLOBAL FLAGS] raw cas KEY NEW --not-exist\n"
           "Atomically sets KEY to NEW if its value is OLD (or, with --not-exist, if it is\n"
           "absent). Prints whether it swapped and the previous value.\n";
  }
  if (name == "ttl") return "usage: tikv-cli [GLOBAL FLAGS] raw ttl KEY\n";
  if (name == "delete-range") {
    return "usage: tikv-cli [GLOBAL FLAGS] raw delete-range START END\n"
           "Deletes every key in [START, END).\n";
  }
  if (name == "checksum") {
    return "usage: tikv-cli [GLOBAL FLAGS] raw checksum START END\n"
           "CRC64-XOR checksum, key count and byte total of [START, END).\n";
  }
  return nullptr;
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "tikv-cli: %s\n(tikv-cli --help for usage)\n", message.c_str());
  return kExitUsage;
}

// Reads the value of flag `argv[*i]` ("--flag value" or "--flag=value").
bool FlagValue(int argc, char** argv, int* i, const std::string& arg, std::string* value) {
  const size_t eq = arg.find('=');
  if (eq != std::string::npos) {
    *value = arg.substr(eq + 1);
    return true;
  }
  if (*i + 1 >= argc) return false;
  *value = argv[++*i];
  return true;
}

std::string FlagName(const std::string& arg) { return arg.substr(0, arg.find('=')); }

int Run(int argc, char** argv) {
  GlobalFlags flags;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    const std::string name = FlagName(arg);
    std::string value;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kMainHelp, stdout);
      return kExitOk;
    } else if (arg == "--sim") {
      flags.sim = true;
    } else if (arg == "--json") {
      flags.json = true;
    } else if (name == "--pd" || name == "--keyspace" || name == "--api-version" ||
               name == "--timeout") {
      if (!FlagValue(argc, argv, &i, arg, &value)) return UsageError(name + " needs a value");
      if (name == "--pd") {
        flags.pd = absl::StrSplit(value, ',', absl::SkipEmpty());
      } else if (name == "--keyspace") {
        flags.keyspace = value;
      } else if (name == "--api-version") {
        absl::StatusOr<ApiVersion> v = ParseApiVersion(value);
        if (!v.ok()) return UsageError(std::string(v.status().message()));
        flags.api_version = *v;
      } else if (!absl::SimpleAtoi(value, &flags.timeout_seconds) || flags.timeout_seconds <= 0) {
        return UsageError("--timeout must be a positive number of seconds");
      }
    } else if (arg.rfind("--", 0) == 0) {
      return UsageError(absl::StrCat("unknown flag ", arg));
    } else {
      break;
    }
  }
  if (i >= argc) return UsageError("missing command (raw)");
  if (std::string(argv[i]) != "raw") return UsageError(absl::StrCat("unknown command ", argv[i]));
  ++i;
  if (i >= argc) return UsageError("missing raw subcommand");
  RawCommand cmd;
  cmd.name = argv[i];
  if (cmd.name == "--help" || cmd.name == "-h") {
    std::fputs(kMainHelp, stdout);
    return kExitOk;
  }
  const char* help = SubcommandHelp(cmd.name);
  if (help == nullptr) return UsageError(absl::StrCat("unknown raw subcommand ", cmd.name));
  bool options_done = false;
  for (++i; i < argc; ++i) {
    const std::string arg = argv[i];
    const std::string name = FlagName(arg);
    std::string value;
    if (options_done || arg.rfind("--", 0) != 0) {
      cmd.args.push_back(arg);
    } else if (arg == "--") {
      options_done = true;  // everything after is positional (keys starting with "--")
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(help, stdout);
      return kExitOk;
    } else if (arg == "--reverse" && cmd.name == "scan") {
      cmd.reverse = true;
    } else if (arg == "--keys-only" && cmd.name == "scan") {
      cmd.keys_only = true;
    } else if (arg == "--not-exist" && cmd.name == "cas") {
      cmd.not_exist = true;
    } else if (name == "--limit" && cmd.name == "scan") {
      if (!FlagValue(argc, argv, &i, arg, &value) || !absl::SimpleAtoi(value, &cmd.limit) ||
          cmd.limit < 0) {
        return UsageError("--limit needs a non-negative number");
      }
    } else if (name == "--ttl" && cmd.name == "put") {
      if (!FlagValue(argc, argv, &i, arg, &value) || !absl::SimpleAtoi(value, &cmd.ttl)) {
        return UsageError("--ttl needs a number of seconds");
      }
    } else {
      return UsageError(absl::StrCat("unknown flag ", arg, " for raw ", cmd.name));
    }
  }

  if (flags.sim == !flags.pd.empty()) return UsageError("give exactly one of --pd ADDRS or --sim");
  RawClientOptions options;
  options.api_version = flags.api_version.value_or(flags.keyspace.empty() ? ApiVersion::kV1
                                                                          : ApiVersion::kV2);
  options.keyspace = flags.keyspace;
  options.atomic_for_cas = true;

  if (flags.sim) {
    // A fresh cluster in this process on virtual time; the whole session runs on one fiber.
    sim::SimWorldOptions world_options;
    world_options.sim.stack_bytes = 512 * 1024;
    world_options.cluster.api_version = options.api_version == ApiVersion::kV1     ? kvrpcpb::V1
                                        : options.api_version == ApiVersion::kV1Ttl ? kvrpcpb::V1TTL
                                                                                   : kvrpcpb::V2;
    sim::SimWorld world(world_options);
    if (options.api_version == ApiVersion::kV2) {
      // The simulated PD starts without keyspaces: create the one asked for (DEFAULT is id 0).
      keyspacepb::KeyspaceMeta meta;
      meta.set_name(options.keyspace.empty() ? "DEFAULT" : options.keyspace);
      meta.set_id(meta.name() == "DEFAULT" ? 0 : 1);
      meta.set_state(keyspacepb::ENABLED);
      world.cluster.pd().PutKeyspace(meta);
    }
    options.pd_endpoints = world.PdEndpoints();
    int code = kExitError;
    absl::Status run = world.RunOnFiber([&] {
      absl::StatusOr<std::unique_ptr<RawClient>> client = RawClient::Create(world.env, options);
      if (!client.ok()) {
        std::fprintf(stderr, "tikv-cli: %s\n", client.status().ToString().c_str());
        code = client.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage
                                                                             : kExitError;
        return;
      }
      code = RunRaw(**client, flags, cmd);
    });
    if (!run.ok()) {
      std::fprintf(stderr, "tikv-cli: simulation: %s\n", run.ToString().c_str());
      return kExitError;
    }
    return code;
  }

  options.pd_endpoints = flags.pd;
  std::unique_ptr<Env> env = NewProdEnv(ProdEnvOptions{.threads = 2});
  absl::StatusOr<std::unique_ptr<RawClient>> client = RawClient::Create(*env, options);
  if (!client.ok()) {
    std::fprintf(stderr, "tikv-cli: %s\n", client.status().ToString().c_str());
    return client.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage
                                                                         : kExitError;
  }
  const int code = RunRaw(**client, flags, cmd);
  client->reset();
  return code;
}

}  // namespace
}  // namespace tikv::cli

int main(int argc, char** argv) { return tikv::cli::Run(argc, argv); }
