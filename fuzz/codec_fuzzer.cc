// libFuzzer target for the key codecs (src/kv/codec.h, src/kv/api_codec.h).  The first input
// byte picks a keyspace id and mode; the rest is both decoded as untrusted bytes (every
// decoder must return a status, never crash) and round-tripped (encode → decode must give the
// input back, and order must be preserved against the input's halves).  Then it is parsed as
// a few kvrpcpb responses and run through the V1 and V2 response decoders.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "errorpb.pb.h"
#include "kv/api_codec.h"
#include "kv/codec.h"
#include "kvrpcpb.pb.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "codec fuzzer: %s\n", what);
    std::abort();
  }
}

void DecodeEverything(std::string_view in) {
  (void)tikv::kv::DecodeBytes(in);
  (void)tikv::kv::DecodeBytesDesc(in);
  (void)tikv::kv::DecodeInt(in);
  (void)tikv::kv::DecodeUintDesc(in);
  (void)tikv::kv::DecodeVarint(in);
  (void)tikv::kv::DecodeUvarint(in);
  (void)tikv::kv::DecodeComparableVarint(in);
  (void)tikv::kv::DecodeComparableUvarint(in);
  (void)tikv::kv::ParseKeyspaceId(in);
  (void)tikv::kv::SplitKeyspacePrefix(in, kvrpcpb::V2);
}

template <typename Response>
void DecodeAsResponse(const tikv::kv::Codec& codec, std::string_view in) {
  Response r;
  if (r.ParseFromArray(in.data(), static_cast<int>(in.size()))) (void)codec.DecodeResponse(&r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);

  DecodeEverything(in);

  // Round trips of the bytes codec, with order checked against the two halves.
  std::string_view a = in.substr(0, in.size() / 2), b = in.substr(in.size() / 2);
  std::string ea = tikv::kv::EncodeBytes(a), eb = tikv::kv::EncodeBytes(b);
  absl::StatusOr<std::string> da = tikv::kv::DecodeBytes(ea);
  Check(da.ok() && *da == a, "bytes round trip");
  Check((a < b) == (ea < eb), "bytes order");

  keyspacepb::KeyspaceMeta meta;
  meta.set_id((static_cast<uint32_t>(selector) * 65599u) & tikv::kv::kMaxKeyspaceId);
  tikv::kv::Mode mode = (selector & 1) != 0 ? tikv::kv::Mode::kTxn : tikv::kv::Mode::kRaw;
  auto v2 = tikv::kv::NewCodecV2(mode, &meta);
  auto v1 = tikv::kv::NewCodecV1(mode);
  Check(v2.ok() && v1.ok(), "codec construction");
  for (const tikv::kv::Codec* codec : {v1->get(), v2->get()}) {
    Check(*codec->DecodeKey(codec->EncodeKey(a)) == a, "key round trip");
    Check(*codec->DecodeRegionKey(codec->EncodeRegionKey(a)) == a, "region key round trip");
    (void)codec->DecodeRegionKey(in);
    (void)codec->DecodeKey(in);
    (void)codec->DecodeRegionRange(a, b);
    DecodeAsResponse<kvrpcpb::GetResponse>(*codec, in);
    DecodeAsResponse<kvrpcpb::ScanResponse>(*codec, in);
    DecodeAsResponse<kvrpcpb::PrewriteResponse>(*codec, in);
    DecodeAsResponse<kvrpcpb::CheckTxnStatusResponse>(*codec, in);
    DecodeAsResponse<kvrpcpb::SplitRegionResponse>(*codec, in);
  }
  return 0;
}
