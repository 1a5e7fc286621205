// The raw subcommands of tikv-cli: each calls one RawClient operation and prints the result as
// plain text (values alone, readable tables for scans) or as JSON with --json.

#include <cstdio>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/cli/cli.h"

namespace tikv::cli {
namespace {

void Out(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "tikv-cli: %s\n", s.ToString().c_str());
  const bool bad_input = s.code() == absl::StatusCode::kInvalidArgument ||
                         s.code() == absl::StatusCode::kFailedPrecondition;
  return bad_input ? kExitUsage : kExitError;
}

int NotFound(const std::string& key) {
  std::fprintf(stderr, "tikv-cli: key %s not found\n", JsonString(key).c_str());
  return kExitNotFound;
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "tikv-cli: %s (see tikv-cli raw --help)\n", message.c_str());
  return kExitUsage;
}

std::string OkLine(const GlobalFlags& flags) { return flags.json ? "{\"ok\":true}\n" : "OK\n"; }

int PrintScan(const GlobalFlags& flags, const RawCommand& cmd, const std::vector<KvPair>& pairs) {
  if (flags.json) {
    std::string out = "[";
    for (size_t i = 0; i < pairs.size(); ++i) {
      if (i > 0) out += ",";
      absl::StrAppend(&out, "{\"key\":", JsonString(pairs[i].key));
      if (!cmd.keys_only) absl::StrAppend(&out, ",\"value\":", JsonString(pairs[i].value));
      out += "}";
    }
    Out(out + "]\n");
    return kExitOk;
  }
  size_t width = 3;
  for (const KvPair& p : pairs) width = std::max(width, Printable(p.key).size());
  std::string out;
  if (cmd.keys_only) {
    out = "KEY\n";
    for (const KvPair& p : pairs) absl::StrAppend(&out, Printable(p.key), "\n");
  } else {
    absl::StrAppend(&out, absl::StrFormat("%-*s  %s\n", static_cast<int>(width), "KEY", "VALUE"));
    for (const KvPair& p : pairs) {
      absl::StrAppend(&out, absl::StrFormat("%-*s  %s\n", static_cast<int>(width),
                                            Printable(p.key), Printable(p.value)));
    }
  }
  absl::StrAppend(&out, "(", pairs.size(), pairs.size() == 1 ? " pair)\n" : " pairs)\n");
  Out(out);
  return kExitOk;
}

}  // namespace

std::string JsonString(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", c));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string Printable(std::string_view bytes) {
  return absl::CHexEscape(absl::string_view(bytes.data(), bytes.size()));
}

int RunRaw(RawClient& client, const GlobalFlags& flags, const RawCommand& cmd) {
  RawCallOptions call;
  call.timeout = std::chrono::seconds(flags.timeout_seconds);
  call.key_only = cmd.keys_only;
  const auto& a = cmd.args;
  auto need = [&](size_t lo, size_t hi) {
    return a.size() >= lo && a.size() <= hi;
  };

  if (cmd.name == "get") {
    if (!need(1, 1)) return Usage("raw get takes KEY");
    auto v = client.Get(a[0], call);
    if (!v.ok()) return Fail(v.status());
    if (!v->has_value()) return NotFound(a[0]);
    Out(flags.json ? absl::StrCat("{\"key\":", JsonString(a[0]), ",\"value\":",
                                  JsonString(**v), "}\n")
                   : absl::StrCat(**v, "\n"));
    return kExitOk;
  }
  if (cmd.name == "put") {
    if (!need(2, 2)) return Usage("raw put takes KEY VALUE");
    absl::Status s = client.PutWithTtl(a[0], a[1], cmd.ttl, call);
    if (!s.ok()) return Fail(s);
    Out(OkLine(flags));
    return kExitOk;
  }
  if (cmd.name == "delete") {
    if (!need(1, 1)) return Usage("raw delete takes KEY");
    absl::Status s = client.Delete(a[0], call);
    if (!s.ok()) return Fail(s);
    Out(OkLine(flags));
    return kExitOk;
  }
  if (cmd.name == "scan") {
    if (!need(1, 2)) return Usage("raw scan takes START [END]");
    const std::string end = a.size() > 1 ? a[1] : "";
    auto pairs = cmd.reverse ? client.ReverseScan(a[0], end, cmd.limit, call)
                             : client.Scan(a[0], end, cmd.limit, call);
    if (!pairs.ok()) return Fail(pairs.status());
    return PrintScan(flags, cmd, *pairs);
  }
  if (cmd.name == "cas") {
    if (cmd.not_exist ? !need(2, 2) : !need(3, 3)) {
      return Usage("raw cas takes KEY OLD NEW, or KEY NEW with --not-exist");
    }
    std::optional<std::string_view> expected;
    if (!cmd.not_exist) expected = a[1];
    auto r = client.CompareAndSwap(a[0], expected, a.back(), call);
    if (!r.ok()) return Fail(r.status());
    if (flags.json) {
      Out(absl::StrCat("{\"swapped\":", r->swapped ? "true" : "false", ",\"previous\":",
                       r->previous.has_value() ? JsonString(*r->previous) : "null", "}\n"));
    } else {
      Out(absl::StrCat("swapped: ", r->swapped ? "true" : "false", "\nprevious: ",
                       r->previous.has_value() ? Printable(*r->previous) : "(none)", "\n"));
    }
    return kExitOk;
  }
  if (cmd.name == "ttl") {
    if (!need(1, 1)) return Usage("raw ttl takes KEY");
    auto ttl = client.GetKeyTtl(a[0], call);
    if (!ttl.ok()) return Fail(ttl.status());
    if (!ttl->has_value()) return NotFound(a[0]);
    Out(flags.json ? absl::StrCat("{\"key\":", JsonString(a[0]), ",\"ttl\":", **ttl, "}\n")
                   : absl::StrCat(**ttl, "\n"));
    return kExitOk;
  }
  if (cmd.name == "delete-range") {
    if (!need(2, 2)) return Usage("raw delete-range takes START END");
    absl::Status s = client.DeleteRange(a[0], a[1], call);
    if (!s.ok()) return Fail(s);
    Out(OkLine(flags));
    return kExitOk;
  }
  if (cmd.name == "checksum") {
    if (!need(2, 2)) return Usage("raw checksum takes START END");
    auto sum = client.Checksum(a[0], a[1], call);
    if (!sum.ok()) return Fail(sum.status());
    if (flags.json) {
      Out(absl::StrCat("{\"crc64_xor\":", sum->crc64_xor, ",\"total_kvs\":", sum->total_kvs,
                       ",\"total_bytes\":", sum->total_bytes, "}\n"));
    } else {
      Out(absl::StrFormat("crc64_xor: 0x%016x\ntotal_kvs: %d\ntotal_bytes: %d\n", sum->crc64_xor,
                          sum->total_kvs, sum->total_bytes));
    }
    return kExitOk;
  }
  return Usage(absl::StrCat("unknown raw subcommand \"", cmd.name, "\""));
}

}  // namespace tikv::cli
