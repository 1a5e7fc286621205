#include "sim/kv/raw_commands.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/util/codec.h"

namespace tikv::sim {
namespace {

// The API version gate. Returns the error string, or "" when the request may run.
std::string CheckApi(const RawScope& s, const kvrpcpb::Context& ctx,
                     const std::vector<const std::string*>& keys, const std::string& cf) {
  const kvrpcpb::APIVersion req_v = ctx.api_version();
  bool ok = false;
  switch (s.server_api_version) {
    case kvrpcpb::V1:
    case kvrpcpb::V1TTL:
      ok = req_v == kvrpcpb::V1;
      break;
    case kvrpcpb::V2:
      ok = req_v == kvrpcpb::V2;
      break;
    default:
      ok = false;
  }
  if (!ok) {
    return absl::StrCat("ApiVersionNotMatched { cmd: raw, storage_api_version: ",
                        kvrpcpb::APIVersion_Name(s.server_api_version),
                        ", req_api_version: ", kvrpcpb::APIVersion_Name(req_v), " }");
  }
  if (s.server_api_version == kvrpcpb::V2) {
    for (const std::string* k : keys) {
      if (k->empty() || (*k)[0] != 'r') return absl::StrCat("InvalidKeyMode { key: ", KeyText(*k), " }");
    }
    if (!cf.empty() && cf != "default") return absl::StrCat("invalid cf name: ", cf);
  }
  if (!cf.empty() && cf != "default" && cf != "lock" && cf != "write") {
    return absl::StrCat("invalid cf name: ", cf);
  }
  return "";
}

std::string CfName(const std::string& cf) { return cf.empty() ? "default" : cf; }

bool TtlEnabled(const RawScope& s) { return s.server_api_version != kvrpcpb::V1; }

int64_t NowSeconds(const RawScope& s) { return s.now_ms / 1000; }

bool Expired(const RawScope& s, const RawEntry& e) {
  return e.expire_at_s != 0 && static_cast<int64_t>(e.expire_at_s) <= NowSeconds(s);
}

const RawEntry* Find(RawScope& s, const std::string& cf, const std::string& key) {
  auto& m = (*s.store)[CfName(cf)];
  auto it = m.find(key);
  if (it == m.end() || Expired(s, it->second)) return nullptr;
  return &it->second;
}

void Put(RawScope& s, const std::string& cf, const std::string& key, const std::string& value,
         uint64_t ttl) {
  RawEntry e;
  e.value = value;
  e.expire_at_s = ttl == 0 ? 0 : static_cast<uint64_t>(NowSeconds(s)) + ttl;
  (*s.store)[CfName(cf)][key] = std::move(e);
}

// The stored bytes of an entry under the server's value codec (used by checksum).
std::string StoredValue(const RawScope& s, const RawEntry& e) {
  std::string out = e.value;
  auto append_be64 = [&](uint64_t v) {
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  if (s.server_api_version == kvrpcpb::V1TTL) {
    append_be64(e.expire_at_s);
  } else if (s.server_api_version == kvrpcpb::V2) {
    if (e.expire_at_s != 0) append_be64(e.expire_at_s);
    out.push_back(static_cast<char>(e.expire_at_s != 0 ? 1 : 0));
  }
  return out;
}

// Entries in [lo, hi) (hi empty = region end), clipped to the region, skipping expired ones.
std::vector<std::pair<std::string, const RawEntry*>> Range(RawScope& s, const std::string& cf,
                                                           std::string lo, std::string hi) {
  lo = std::max(lo, s.start_key);
  if (hi.empty() || (!s.end_key.empty() && s.end_key < hi)) hi = s.end_key;
  std::vector<std::pair<std::string, const RawEntry*>> out;
  auto& m = (*s.store)[CfName(cf)];
  for (auto it = m.lower_bound(lo); it != m.end(); ++it) {
    if (!hi.empty() && it->first >= hi) break;
    if (Expired(s, it->second)) continue;
    out.emplace_back(it->first, &it->second);
  }
  return out;
}

}  // namespace

void RawGet(RawScope& s, const kvrpcpb::RawGetRequest& req, kvrpcpb::RawGetResponse* resp) {
  if (auto e = CheckApi(s, req.context(), {&req.key()}, req.cf()); !e.empty()) {
    resp->set_error(e);
    return;
  }
  if (const RawEntry* entry = Find(s, req.cf(), req.key())) {
    resp->set_value(entry->value);
  } else {
    resp->set_not_found(true);
  }
}

void RawBatchGet(RawScope& s, const kvrpcpb::RawBatchGetRequest& req,
                 kvrpcpb::RawBatchGetResponse* resp) {
  std::vector<const std::string*> keys;
  for (const auto& k : req.keys()) keys.push_back(&k);
  if (auto e = CheckApi(s, req.context(), keys, req.cf()); !e.empty()) {
    resp->add_pairs()->mutable_error()->set_abort(e);
    return;
  }
  for (const auto& k : req.keys()) {
    if (const RawEntry* entry = Find(s, req.cf(), k)) {
      auto* p = resp->add_pairs();
      p->set_key(k);
      p->set_value(entry->value);
    }
  }
}

void RawPut(RawScope& s, const kvrpcpb::RawPutRequest& req, kvrpcpb::RawPutResponse* resp) {
  if (auto e = CheckApi(s, req.context(), {&req.key()}, req.cf()); !e.empty()) {
    resp->set_error(e);
    return;
  }
  if (req.ttl() != 0 && !TtlEnabled(s)) {
    resp->set_error("TTL not enabled");
    return;
  }
  Put(s, req.cf(), req.key(), req.value(), req.ttl());
}

void RawBatchPut(RawScope& s, const kvrpcpb::RawBatchPutRequest& req,
                 kvrpcpb::RawBatchPutResponse* resp) {
  std::vector<const std::string*> keys;
  for (const auto& p : req.pairs()) keys.push_back(&p.key());
  if (auto e = CheckApi(s, req.context(), keys, req.cf()); !e.empty()) {
    resp->set_error(e);
    return;
  }
  const bool any_ttl = req.ttl() != 0 ||
                       std::any_of(req.ttls().begin(), req.ttls().end(),
                                   [](uint64_t t) { return t != 0; });
  if (any_ttl && !TtlEnabled(s)) {
    resp->set_error("TTL not enabled");
    return;
  }
  if (TtlEnabled(s) && req.ttls_size() != 0 && req.ttls_size() != req.pairs_size()) {
    resp->set_error("ttls length does not match pairs length");
    return;
  }
  for (int i = 0; i < req.pairs_size(); ++i) {
    const uint64_t ttl = req.ttls_size() != 0 ? req.ttls(i) : req.ttl();
    Put(s, req.cf(), req.pairs(i).key(), req.pairs(i).value(), ttl);
  }
}

void RawDelete(RawScope& s, const kvrpcpb::RawDeleteRequest& req,
               kvrpcpb::RawDeleteResponse* resp) {
  if (auto e = CheckApi(s, req.context(), {&req.key()}, req.cf()); !e.empty()) {
    resp->set_error(e);
    return;
  }
  (*s.store)[CfName(req.cf())].erase(req.key());
}

void RawBatchDelete(RawScope& s, const kvrpcpb::RawBatchDeleteRequest& req,
                    kvrpcpb::RawBatchDeleteResponse* resp) {
  std::vector<const std::string*> keys;
  for (const auto& k : req.keys()) keys.push_back(&k);
  if (auto e = CheckApi(s, req.context(), keys, req.cf()); !e.empty()) {
    resp->set_error(e);
    return;
  }
  for (const auto& k : req.keys()) (*s.store)[CfName(req.cf())].erase(k);
}

void RawDeleteRange(RawScope& s, const kvrpcpb::RawDeleteRangeRequest& req,
                    kvrpcpb::RawDeleteRangeResponse* resp) {
  if (auto e = CheckApi(s, req.context(), {&req.start_key()}, req.cf()); !e.empty()) {
    resp->set_error(e);
    return;
  }
  std::vector<std::string> victims;
  for (const auto& [k, e] : Range(s, req.cf(), req.start_key(), req.end_key())) {
    victims.push_back(k);
  }
  for (const auto& k : victims) (*s.store)[CfName(req.cf())].erase(k);
}

void RawScan(RawScope& s, const kvrpcpb::RawScanRequest& req, kvrpcpb::RawScanResponse* resp) {
  if (auto e = CheckApi(s, req.context(), {&req.start_key()}, req.cf()); !e.empty()) {
    resp->add_kvs()->mutable_error()->set_abort(e);
    return;
  }
  // Forward: [start, end). Reverse: [end, start) downwards.
  auto entries = req.reverse() ? Range(s, req.cf(), req.end_key(), req.start_key())
                               : Range(s, req.cf(), req.start_key(), req.end_key());
  if (req.reverse()) std::reverse(entries.begin(), entries.end());
  for (const auto& [k, e] : entries) {
    if (req.limit() != 0 && static_cast<uint32_t>(resp->kvs_size()) >= req.limit()) break;
    auto* p = resp->add_kvs();
    p->set_key(k);
    if (!req.key_only()) p->set_value(e->value);
  }
}

void RawBatchScan(RawScope& s, const kvrpcpb::RawBatchScanRequest& req,
                  kvrpcpb::RawBatchScanResponse* resp) {
  for (const auto& range : req.ranges()) {
    kvrpcpb::RawScanRequest one;
    *one.mutable_context() = req.context();
    one.set_start_key(range.start_key());
    one.set_end_key(range.end_key());
    one.set_limit(req.each_limit());
    one.set_key_only(req.key_only());
    one.set_cf(req.cf());
    one.set_reverse(req.reverse());
    kvrpcpb::RawScanResponse part;
    RawScan(s, one, &part);
    for (auto& kv : *part.mutable_kvs()) *resp->add_kvs() = std::move(kv);
  }
}

void RawGetKeyTtl(RawScope& s, const kvrpcpb::RawGetKeyTTLRequest& req,
                  kvrpcpb::RawGetKeyTTLResponse* resp) {
  if (auto e = CheckApi(s, req.context(), {&req.key()}, req.cf()); !e.empty()) {
    resp->set_error(e);
    return;
  }
  if (!TtlEnabled(s)) {
    resp->set_error("TTL not enabled");
    return;
  }
  const RawEntry* entry = Find(s, req.cf(), req.key());
  if (entry == nullptr) {
    resp->set_not_found(true);
    return;
  }
  if (entry->expire_at_s != 0) {
    resp->set_ttl(entry->expire_at_s - static_cast<uint64_t>(NowSeconds(s)));
  }
}

void RawCompareAndSwap(RawScope& s, const kvrpcpb::RawCASRequest& req,
                       kvrpcpb::RawCASResponse* resp) {
  if (auto e = CheckApi(s, req.context(), {&req.key()}, req.cf()); !e.empty()) {
    resp->set_error(e);
    return;
  }
  if (req.ttl() != 0 && !TtlEnabled(s)) {
    resp->set_error("TTL not enabled");
    return;
  }
  const RawEntry* current = Find(s, req.cf(), req.key());
  const bool matches = current == nullptr
                           ? req.previous_not_exist()
                           : (!req.previous_not_exist() && current->value == req.previous_value());
  resp->set_previous_not_exist(current == nullptr);
  if (current != nullptr) resp->set_previous_value(current->value);
  resp->set_succeed(matches);
  if (!matches) return;
  if (req.delete_()) {
    (*s.store)[CfName(req.cf())].erase(req.key());
  } else {
    Put(s, req.cf(), req.key(), req.value(), req.ttl());
  }
}

void RawChecksum(RawScope& s, const kvrpcpb::RawChecksumRequest& req,
                 kvrpcpb::RawChecksumResponse* resp) {
  if (req.algorithm() != kvrpcpb::Crc64_Xor) {
    resp->set_error("unknown checksum algorithm");
    return;
  }
  uint64_t checksum = 0, kvs = 0, bytes = 0;
  for (const auto& range : req.ranges()) {
    for (const auto& [k, e] : Range(s, "default", range.start_key(), range.end_key())) {
      const std::string stored = StoredValue(s, *e);
      checksum ^= Crc64Xz(stored, Crc64Xz(k));
      kvs += 1;
      bytes += k.size() + stored.size();
    }
  }
  resp->set_checksum(checksum);
  resp->set_total_kvs(kvs);
  resp->set_total_bytes(bytes);
}

}  // namespace tikv::sim
