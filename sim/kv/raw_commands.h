// The RawKV commands of the simulated TiKV (protocol.md 3.14; TiKV src/storage/mod.rs raw_*,
// src/storage/raw/): get / batch get / put with TTL / delete / delete range / scan / reverse
// scan / batch scan / compare-and-swap / TTL / checksum, with the API version gate (V1, V1TTL,
// V2) and TTL expiry by explicit time. Raw data lives in its own column families, apart from the
// MVCC dataset. Fiber-confined: not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "kvrpcpb.pb.h"

namespace tikv::sim {

// One raw entry.
struct RawEntry {
  std::string value;
  uint64_t expire_at_s = 0;  // Unix seconds; 0 = never
};

// Raw column families: cf name ("default", "lock", "write") -> key -> entry.
using RawStore = std::map<std::string, std::map<std::string, RawEntry>>;

// What a raw command may touch.
struct RawScope {
  RawStore* store = nullptr;
  kvrpcpb::APIVersion server_api_version = kvrpcpb::V1;
  int64_t now_ms = 0;       // store time (Unix ms) for TTL expiry
  std::string start_key;    // region range in user form (end empty = +infinity)
  std::string end_key;
};

void RawGet(RawScope& s, const kvrpcpb::RawGetRequest& req, kvrpcpb::RawGetResponse* resp);
void RawBatchGet(RawScope& s, const kvrpcpb::RawBatchGetRequest& req,
                 kvrpcpb::RawBatchGetResponse* resp);
void RawPut(RawScope& s, const kvrpcpb::RawPutRequest& req, kvrpcpb::RawPutResponse* resp);
void RawBatchPut(RawScope& s, const kvrpcpb::RawBatchPutRequest& req,
                 kvrpcpb::RawBatchPutResponse* resp);
void RawDelete(RawScope& s, const kvrpcpb::RawDeleteRequest& req,
               kvrpcpb::RawDeleteResponse* resp);
void RawBatchDelete(RawScope& s, const kvrpcpb::RawBatchDeleteRequest& req,
                    kvrpcpb::RawBatchDeleteResponse* resp);
void RawDeleteRange(RawScope& s, const kvrpcpb::RawDeleteRangeRequest& req,
                    kvrpcpb::RawDeleteRangeResponse* resp);
void RawScan(RawScope& s, const kvrpcpb::RawScanRequest& req, kvrpcpb::RawScanResponse* resp);
void RawBatchScan(RawScope& s, const kvrpcpb::RawBatchScanRequest& req,
                  kvrpcpb::RawBatchScanResponse* resp);
void RawGetKeyTtl(RawScope& s, const kvrpcpb::RawGetKeyTTLRequest& req,
                  kvrpcpb::RawGetKeyTTLResponse* resp);
void RawCompareAndSwap(RawScope& s, const kvrpcpb::RawCASRequest& req,
                       kvrpcpb::RawCASResponse* resp);
void RawChecksum(RawScope& s, const kvrpcpb::RawChecksumRequest& req,
                 kvrpcpb::RawChecksumResponse* resp);

}  // namespace tikv::sim
