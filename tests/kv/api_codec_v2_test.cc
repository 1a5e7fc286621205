// Tests of the API V2 (keyspace) codec in src/kv/api_codec_v2.cc.

#include <string>
#include <vector>

#include "coprocessor.pb.h"
#include "deadlock.pb.h"
#include "errorpb.pb.h"
#include "gtest/gtest.h"
#include "kv/api_codec.h"
#include "kv/codec.h"
#include "kvrpcpb.pb.h"
#include "metapb.pb.h"
#include "rapidcheck/gtest.h"

namespace tikv::kv {
namespace {

std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

// Keyspace 4242 = 0x001092.  In order: before, prev prefix, prefix, inside, end, after.
constexpr KeyspaceId kTestKeyspaceId = 4242;
const std::string kPrevKeyspacePrefix = B({'r', 0, 16, 145});
const std::string kKeyspacePrefix = B({'r', 0, 16, 146});
const std::string kKeyspaceEndKey = B({'r', 0, 16, 147});
const std::string kBeforePrefix = B({'r', 0, 0, 1});
const std::string kAfterEndKey = B({'r', 1, 0, 0});
const std::string kInsideLeft = B({'r', 0, 16, 146, 100});
const std::string kInsideRight = B({'r', 0, 16, 146, 200});

std::string P(std::string_view key) { return kKeyspacePrefix + std::string(key); }

class CodecV2Test : public ::testing::Test {
 protected:
  // Ports client-go internal/apicodec/codec_v2_test.go SetupSuite.
  void SetUp() override {
    keyspacepb::KeyspaceMeta meta;
    meta.set_id(kTestKeyspaceId);
    meta.set_name("ks");
    auto codec = NewCodecV2(Mode::kRaw, &meta);
    ASSERT_TRUE(codec.ok()) << codec.status();
    codec_ = std::move(*codec);
    ASSERT_EQ(codec_->keyspace_prefix(), kKeyspacePrefix);
  }

  std::unique_ptr<Codec> codec_;
};

// Ports client-go internal/apicodec/codec_v2_test.go TestEncodeRequest.
TEST_F(CodecV2Test, EncodeRequest) {
  {
    kvrpcpb::RawGetRequest r;
    r.set_key("key");
    ASSERT_TRUE(codec_->EncodeRequest(&r).ok());
    EXPECT_EQ(r.key(), P("key"));
    EXPECT_EQ(r.context().api_version(), kvrpcpb::V2);
    EXPECT_EQ(r.context().keyspace_id(), kTestKeyspaceId);
    EXPECT_EQ(r.context().keyspace_name(), "ks");
  }
  {
    kvrpcpb::CommitRequest r;  // CmdCommitWithOutPrimaryKey
    r.add_keys("key1");
    r.add_keys("key2");
    ASSERT_TRUE(codec_->EncodeRequest(&r).ok());
    EXPECT_EQ(r.keys(0), P("key1"));
    EXPECT_EQ(r.keys(1), P("key2"));
    EXPECT_TRUE(r.primary_key().empty());
  }
  {
    kvrpcpb::CommitRequest r;  // CmdCommitWithPrimaryKey
    r.add_keys("key1");
    r.add_keys("key2");
    r.set_primary_key("key1");
    ASSERT_TRUE(codec_->EncodeRequest(&r).ok());
    EXPECT_EQ(r.primary_key(), P("key1"));
  }
  {
    kvrpcpb::FlushRequest r;
    r.add_mutations()->set_key("key1");
    r.add_mutations()->set_key("key2");
    r.set_primary_key("primary");
    ASSERT_TRUE(codec_->EncodeRequest(&r).ok());
    ASSERT_EQ(r.mutations_size(), 2);
    EXPECT_EQ(r.mutations(0).key(), P("key1"));
    EXPECT_EQ(r.mutations(1).key(), P("key2"));
    EXPECT_EQ(r.primary_key(), P("primary"));
  }
  {
    kvrpcpb::BufferBatchGetRequest r;
    r.add_keys("key1");
    r.add_keys("key2");
    ASSERT_TRUE(codec_->EncodeRequest(&r).ok());
    EXPECT_EQ(r.keys(0), P("key1"));
    EXPECT_EQ(r.keys(1), P("key2"));
  }
  {
    kvrpcpb::FlashbackToVersionRequest r;
    r.set_start_key("start");
    ASSERT_TRUE(codec_->EncodeRequest(&r).ok());
    EXPECT_EQ(r.start_key(), P("start"));
    EXPECT_EQ(r.end_key(), kKeyspaceEndKey);
  }
  {
    kvrpcpb::PrepareFlashbackToVersionRequest r;
    r.set_start_key("prepare-start");
    ASSERT_TRUE(codec_->EncodeRequest(&r).ok());
    EXPECT_EQ(r.start_key(), P("prepare-start"));
    EXPECT_EQ(r.end_key(), kKeyspaceEndKey);
  }
  // CmdCompact and CmdMPPTask (TiFlash) are not part of this client's schema.
}

// Every other key-bearing request: one key field each, so a forgotten field shows up here.
TEST_F(CodecV2Test, EncodeRequestCoversEveryKeyField) {
  kvrpcpb::PrewriteRequest pw;
  pw.add_mutations()->set_key("m");
  pw.set_primary_lock("p");
  pw.add_secondaries("s");
  ASSERT_TRUE(codec_->EncodeRequest(&pw).ok());
  EXPECT_EQ(pw.mutations(0).key(), P("m"));
  EXPECT_EQ(pw.primary_lock(), P("p"));
  EXPECT_EQ(pw.secondaries(0), P("s"));

  kvrpcpb::PessimisticLockRequest pl;
  pl.add_mutations()->set_key("m");
  pl.set_primary_lock("p");
  ASSERT_TRUE(codec_->EncodeRequest(&pl).ok());
  EXPECT_EQ(pl.mutations(0).key(), P("m"));
  EXPECT_EQ(pl.primary_lock(), P("p"));

  kvrpcpb::ScanRequest scan;
  scan.set_start_key("z");
  scan.set_reverse(true);  // scans from "z" downwards to the keyspace start
  ASSERT_TRUE(codec_->EncodeRequest(&scan).ok());
  EXPECT_EQ(scan.start_key(), P("z"));
  EXPECT_EQ(scan.end_key(), kKeyspacePrefix);

  kvrpcpb::RawScanRequest rs;
  rs.set_start_key("a");
  ASSERT_TRUE(codec_->EncodeRequest(&rs).ok());
  EXPECT_EQ(rs.start_key(), P("a"));
  EXPECT_EQ(rs.end_key(), kKeyspaceEndKey);

  kvrpcpb::RawBatchPutRequest bp;
  bp.add_pairs()->set_key("k");
  ASSERT_TRUE(codec_->EncodeRequest(&bp).ok());
  EXPECT_EQ(bp.pairs(0).key(), P("k"));

  kvrpcpb::RawChecksumRequest ck;
  ck.add_ranges()->set_start_key("a");
  ASSERT_TRUE(codec_->EncodeRequest(&ck).ok());
  EXPECT_EQ(ck.ranges(0).start_key(), P("a"));
  EXPECT_EQ(ck.ranges(0).end_key(), kKeyspaceEndKey);

  kvrpcpb::RawCASRequest cas;
  cas.set_key("k");
  ASSERT_TRUE(codec_->EncodeRequest(&cas).ok());
  EXPECT_EQ(cas.key(), P("k"));

  kvrpcpb::SplitRegionRequest split;
  split.add_split_keys("s1");
  ASSERT_TRUE(codec_->EncodeRequest(&split).ok());
  EXPECT_EQ(split.split_keys(0), P("s1"));

  kvrpcpb::UnsafeDestroyRangeRequest udr;
  udr.set_start_key("a");
  udr.set_end_key("b");
  ASSERT_TRUE(codec_->EncodeRequest(&udr).ok());
  EXPECT_EQ(udr.start_key(), P("a"));
  EXPECT_EQ(udr.end_key(), P("b"));

  kvrpcpb::CheckTxnStatusRequest cts;
  cts.set_primary_key("p");
  ASSERT_TRUE(codec_->EncodeRequest(&cts).ok());
  EXPECT_EQ(cts.primary_key(), P("p"));

  kvrpcpb::TxnHeartBeatRequest hb;
  hb.set_primary_lock("p");
  ASSERT_TRUE(codec_->EncodeRequest(&hb).ok());
  EXPECT_EQ(hb.primary_lock(), P("p"));

  kvrpcpb::StoreSafeTSRequest safe_ts;
  ASSERT_TRUE(codec_->EncodeRequest(&safe_ts).ok());
  EXPECT_EQ(safe_ts.key_range().start_key(), kKeyspacePrefix);
  EXPECT_EQ(safe_ts.key_range().end_key(), kKeyspaceEndKey);

  coprocessor::Request cop;
  cop.add_ranges()->set_start("a");
  cop.add_tasks()->add_ranges()->set_end("b");
  ASSERT_TRUE(codec_->EncodeRequest(&cop).ok());
  EXPECT_EQ(cop.ranges(0).start(), P("a"));
  EXPECT_EQ(cop.tasks(0).ranges(0).start(), kKeyspacePrefix);
  EXPECT_EQ(cop.tasks(0).ranges(0).end(), P("b"));
}

// Ports client-go internal/apicodec/codec_v2_test.go TestEncodeV2KeyRanges.
TEST_F(CodecV2Test, EncodeKeyRanges) {
  struct Case {
    std::string start, end, want_start, want_end;
  } cases[] = {
      {"", "", kKeyspacePrefix, kKeyspaceEndKey},
      {"", "z", kKeyspacePrefix, P("z")},
      {"a", "", P("a"), kKeyspaceEndKey},
      {"a", "z", P("a"), P("z")},
  };
  for (const Case& c : cases) {
    KeyRange r = codec_->EncodeRange(c.start, c.end);
    EXPECT_EQ(r.start_key, c.want_start);
    EXPECT_EQ(r.end_key, c.want_end);
  }
}

// Ports client-go internal/apicodec/codec_v2_test.go TestNewCodecV2.
TEST(CodecV2ConstructionTest, NewCodecV2) {
  struct Case {
    Mode mode;
    uint32_t id;
    bool should_err;
    std::string prefix, end;
  } cases[] = {
      {Mode::kRaw, 0xFFFFFFFF, true, "", ""},
      {static_cast<Mode>(99), kDefaultKeyspaceId, true, "", ""},
      {Mode::kRaw, (1u << 24) - 2, false, B({'r', 255, 255, 254}), B({'r', 255, 255, 255})},
      {Mode::kTxn, (1u << 8) - 1, false, B({'x', 0, 0, 255}), B({'x', 0, 1, 0})},
      {Mode::kTxn, (1u << 16) - 1, false, B({'x', 0, 255, 255}), B({'x', 1, 0, 0})},
      {Mode::kRaw, (1u << 24) - 1, false, B({'r', 255, 255, 255}), B({'s', 0, 0, 0})},
  };
  for (const Case& c : cases) {
    keyspacepb::KeyspaceMeta meta;
    meta.set_id(c.id);
    auto codec = NewCodecV2(c.mode, &meta);
    if (c.should_err) {
      EXPECT_FALSE(codec.ok());
      continue;
    }
    ASSERT_TRUE(codec.ok());
    EXPECT_EQ((*codec)->keyspace_meta()->id(), c.id);
    EXPECT_EQ((*codec)->keyspace_prefix(), c.prefix);
    // The end key is what an unbounded range end encodes to.
    EXPECT_EQ((*codec)->EncodeRange("", "").end_key, c.end);
  }
}

// Ports client-go internal/apicodec/codec_v2_test.go TestNewCodecV2RejectsKeyspaceIdentity.
TEST(CodecV2ConstructionTest, RejectsKeyspaceIdentity) {
  keyspacepb::KeyspaceMeta meta;
  meta.mutable_keyspace_identity()->set_namespace_id(1);
  meta.mutable_keyspace_identity()->set_keyspace_id(2);
  EXPECT_EQ(NewCodecV2(Mode::kTxn, &meta).status().code(), absl::StatusCode::kInvalidArgument);
}

// Ports client-go internal/apicodec/codec_v2_test.go TestNewCodecV2RejectsNilMeta.
TEST(CodecV2ConstructionTest, RejectsNullMeta) {
  EXPECT_FALSE(NewCodecV2(Mode::kTxn, nullptr).ok());
}

// Ports client-go internal/apicodec/codec_v2_test.go TestDecodeEpochNotMatch.
TEST_F(CodecV2Test, DecodeEpochNotMatch) {
  kvrpcpb::GetResponse resp;
  auto* regions = resp.mutable_region_error()->mutable_epoch_not_match()->mutable_current_regions();
  auto add = [&](uint64_t id, const std::string& start, const std::string& end) {
    metapb::Region* r = regions->Add();
    r->set_id(id);
    r->set_start_key(EncodeBytes(start));
    r->set_end_key(EncodeBytes(end));
  };
  add(1, kKeyspacePrefix, kKeyspaceEndKey);  // exactly the keyspace
  add(2, kBeforePrefix, kAfterEndKey);       // covers it
  add(3, kBeforePrefix, kInsideLeft);        // overlaps its left part
  add(4, kInsideLeft, kInsideRight);         // inside
  add(5, kBeforePrefix, kKeyspacePrefix);    // ends at its start: dropped
  add(6, kKeyspaceEndKey, kAfterEndKey);     // starts at its end: dropped
  ASSERT_TRUE(codec_->DecodeResponse(&resp).ok());
  const auto& got = resp.region_error().epoch_not_match().current_regions();
  ASSERT_EQ(got.size(), 4);
  std::string left = kInsideLeft.substr(4), right = kInsideRight.substr(4);
  struct Want {
    uint64_t id;
    std::string start, end;
  } want[] = {{1, "", ""}, {2, "", ""}, {3, "", left}, {4, left, right}};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(got[i].id(), want[i].id) << i;
    EXPECT_EQ(got[i].start_key(), want[i].start) << i;
    EXPECT_EQ(got[i].end_key(), want[i].end) << i;
  }
}

// Ports client-go internal/apicodec/codec_v2_test.go TestDecodeKeyError.
TEST_F(CodecV2Test, DecodeKeyError) {
  kvrpcpb::CommitResponse resp;
  kvrpcpb::KeyError* e = resp.mutable_error();
  e->mutable_txn_lock_not_found()->set_key(P("key1"));
  kvrpcpb::LockInfo* locked = e->mutable_locked();
  locked->set_key(P("outer-key"));
  locked->set_primary_lock(P("outer-primary"));
  locked->add_secondaries(P("outer-secondary"));
  locked->set_lock_type(kvrpcpb::SharedLock);
  kvrpcpb::LockInfo* inner = locked->add_shared_lock_infos();
  inner->set_key(P("inner-key"));
  inner->set_primary_lock(P("inner-primary"));
  inner->add_secondaries(P("inner-secondary"));
  e->mutable_conflict()->set_key(P("ck"));
  e->mutable_conflict()->set_primary(P("cp"));
  e->mutable_already_exist()->set_key(P("ae"));
  e->mutable_deadlock()->set_lock_key(P("dl"));
  e->mutable_deadlock()->set_deadlock_key(P("dk"));
  e->mutable_deadlock()->add_wait_chain()->set_key(P("wk"));
  e->mutable_commit_ts_expired()->set_key(P("ce"));
  e->mutable_txn_not_found()->set_primary_key(P("tn"));
  e->mutable_assertion_failed()->set_key(P("af"));
  e->mutable_primary_mismatch()->mutable_lock_info()->set_key(P("pm"));
  kvrpcpb::MvccDebugInfo* dbg = e->mutable_debug_info()->add_mvcc_info();
  dbg->set_key(P("dbg"));
  dbg->mutable_mvcc()->mutable_lock()->set_primary(P("dbgp"));
  ASSERT_TRUE(codec_->DecodeResponse(&resp).ok());
  const kvrpcpb::KeyError& d = resp.error();
  EXPECT_EQ(d.txn_lock_not_found().key(), "key1");
  EXPECT_EQ(d.locked().key(), "outer-key");
  EXPECT_EQ(d.locked().primary_lock(), "outer-primary");
  EXPECT_EQ(d.locked().secondaries(0), "outer-secondary");
  ASSERT_EQ(d.locked().shared_lock_infos_size(), 1);
  // Nested lock infos are decoded exactly once (not stripped twice).
  EXPECT_EQ(d.locked().shared_lock_infos(0).key(), "inner-key");
  EXPECT_EQ(d.locked().shared_lock_infos(0).primary_lock(), "inner-primary");
  EXPECT_EQ(d.locked().shared_lock_infos(0).secondaries(0), "inner-secondary");
  EXPECT_EQ(d.conflict().key(), "ck");
  EXPECT_EQ(d.conflict().primary(), "cp");
  EXPECT_EQ(d.already_exist().key(), "ae");
  EXPECT_EQ(d.deadlock().lock_key(), "dl");
  EXPECT_EQ(d.deadlock().deadlock_key(), "dk");
  EXPECT_EQ(d.deadlock().wait_chain(0).key(), "wk");
  EXPECT_EQ(d.commit_ts_expired().key(), "ce");
  EXPECT_EQ(d.txn_not_found().primary_key(), "tn");
  EXPECT_EQ(d.assertion_failed().key(), "af");
  EXPECT_EQ(d.primary_mismatch().lock_info().key(), "pm");
  EXPECT_EQ(d.debug_info().mvcc_info(0).key(), "dbg");
  EXPECT_EQ(d.debug_info().mvcc_info(0).mvcc().lock().primary(), "dbgp");

  // A key of another keyspace is reported, not silently kept.
  kvrpcpb::CommitResponse bad;
  bad.mutable_error()->mutable_already_exist()->set_key(kPrevKeyspacePrefix + "x");
  EXPECT_TRUE(IsKeyOutOfKeyspace(codec_->DecodeResponse(&bad)));
}

// Ports client-go internal/apicodec/codec_v2_test.go TestDecodeResponseHotPathCommands and
// TestDecodeResponseSecondWaveCommands: region errors, key errors, pairs and lock infos of
// each response type come back in user form.
TEST_F(CodecV2Test, DecodeResponsesOfEveryCommand) {
  auto set_region_error = [&](errorpb::Error* e) {
    KeyRange r = codec_->EncodeRegionRange("range-start", "range-end");
    e->mutable_key_not_in_region()->set_key(codec_->EncodeKey("region-key"));
    e->mutable_key_not_in_region()->set_start_key(r.start_key);
    e->mutable_key_not_in_region()->set_end_key(r.end_key);
  };
  auto check_region_error = [&](const errorpb::Error& e) {
    EXPECT_EQ(e.key_not_in_region().key(), "region-key");
    EXPECT_EQ(e.key_not_in_region().start_key(), "range-start");
    EXPECT_EQ(e.key_not_in_region().end_key(), "range-end");
  };
  {
    kvrpcpb::FlushResponse r;
    set_region_error(r.mutable_region_error());
    r.add_errors()->mutable_txn_lock_not_found()->set_key(P("lock-key"));
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    check_region_error(r.region_error());
    EXPECT_EQ(r.errors(0).txn_lock_not_found().key(), "lock-key");
  }
  {
    kvrpcpb::BufferBatchGetResponse r;
    set_region_error(r.mutable_region_error());
    r.add_pairs()->set_key(P("k"));
    r.mutable_pairs(0)->mutable_error()->mutable_locked()->set_key(P("lk"));
    r.mutable_error()->mutable_already_exist()->set_key(P("e"));
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    check_region_error(r.region_error());
    EXPECT_EQ(r.pairs(0).key(), "k");
    EXPECT_EQ(r.pairs(0).error().locked().key(), "lk");
    EXPECT_EQ(r.error().already_exist().key(), "e");
  }
  {
    kvrpcpb::ScanLockResponse r;
    r.add_locks()->set_key(P("l"));
    r.mutable_locks(0)->set_primary_lock(P("p"));
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    EXPECT_EQ(r.locks(0).key(), "l");
    EXPECT_EQ(r.locks(0).primary_lock(), "p");
  }
  {
    kvrpcpb::CheckTxnStatusResponse r;
    r.mutable_lock_info()->set_key(P("l"));
    r.mutable_lock_info()->set_primary_lock(P("p"));
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    EXPECT_EQ(r.lock_info().key(), "l");
  }
  {
    kvrpcpb::CheckSecondaryLocksResponse r;
    r.add_locks()->set_key(P("s"));
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    EXPECT_EQ(r.locks(0).key(), "s");
  }
  {
    kvrpcpb::PessimisticLockResponse r;
    r.add_errors()->mutable_deadlock()->set_lock_key(P("d"));
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    EXPECT_EQ(r.errors(0).deadlock().lock_key(), "d");
  }
  {
    kvrpcpb::RawScanResponse r;
    r.add_kvs()->set_key(P("a"));
    r.add_kvs()->set_key(P("b"));
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    EXPECT_EQ(r.kvs(0).key(), "a");
    EXPECT_EQ(r.kvs(1).key(), "b");
  }
  {
    kvrpcpb::RawBatchGetResponse r;
    set_region_error(r.mutable_region_error());
    r.add_pairs()->set_key(P("a"));
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    check_region_error(r.region_error());
    EXPECT_EQ(r.pairs(0).key(), "a");
  }
  {
    kvrpcpb::RawCASResponse r;
    set_region_error(r.mutable_region_error());
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    check_region_error(r.region_error());
  }
  {
    kvrpcpb::SplitRegionResponse r;
    metapb::Region* region = r.add_regions();
    KeyRange enc = codec_->EncodeRegionRange("a", "m");
    region->set_start_key(enc.start_key);
    region->set_end_key(enc.end_key);
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    EXPECT_EQ(r.regions(0).start_key(), "a");
    EXPECT_EQ(r.regions(0).end_key(), "m");
  }
  {
    kvrpcpb::MvccGetByStartTsResponse r;
    r.set_key(P("k"));
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    EXPECT_EQ(r.key(), "k");
  }
  {
    kvrpcpb::GetLockWaitInfoResponse r;
    r.add_entries()->set_key(P("w"));
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    EXPECT_EQ(r.entries(0).key(), "w");
  }
  {
    coprocessor::Response r;
    r.mutable_locked()->set_key(P("l"));
    r.mutable_range()->set_start(P("a"));
    r.mutable_range()->set_end(P("b"));
    ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
    EXPECT_EQ(r.locked().key(), "l");
    EXPECT_EQ(r.range().start(), "a");
    EXPECT_EQ(r.range().end(), "b");
  }
  {
    // A malformed memcomparable boundary is a decode error.
    kvrpcpb::RawGetResponse r;
    r.mutable_region_error()->mutable_key_not_in_region()->set_start_key("garbage");
    EXPECT_TRUE(IsDecodeError(codec_->DecodeResponse(&r)));
  }
}

// Ports client-go internal/apicodec/codec_v2_test.go TestDecodeMvccInfoPreservesEmptyLockKeys.
TEST_F(CodecV2Test, DecodeMvccInfoPreservesEmptyLockKeys) {
  kvrpcpb::MvccGetByKeyResponse r;
  kvrpcpb::MvccLock* lock = r.mutable_info()->mutable_lock();
  lock->set_primary("");
  lock->add_secondaries("");
  lock->add_secondaries(P("mvcc-secondary"));
  ASSERT_TRUE(codec_->DecodeResponse(&r).ok());
  EXPECT_TRUE(r.info().lock().primary().empty());
  ASSERT_EQ(r.info().lock().secondaries_size(), 2);
  EXPECT_TRUE(r.info().lock().secondaries(0).empty());
  EXPECT_EQ(r.info().lock().secondaries(1), "mvcc-secondary");
}

// Ports client-go internal/apicodec/codec_v2_test.go TestGetKeyspaceID.
TEST_F(CodecV2Test, KeyspaceId) { EXPECT_EQ(codec_->keyspace_id(), kTestKeyspaceId); }

// Ports client-go internal/apicodec/codec_v2_test.go TestDecodeBucketKeys.
TEST_F(CodecV2Test, DecodeBucketKeys) {
  auto enc = [](const std::string& prefix, const std::string& key) {
    return EncodeBytes(prefix + key);
  };
  const std::vector<std::string> want = {"", "a", "b", "c", ""};
  std::vector<std::string> keys = {
      enc(kPrevKeyspacePrefix, "a"), enc(kPrevKeyspacePrefix, "b"), enc(kPrevKeyspacePrefix, "c"),
      codec_->EncodeRegionKey("a"),  codec_->EncodeRegionKey("b"),  codec_->EncodeRegionKey("c"),
      enc(kKeyspaceEndKey, ""),      enc(kKeyspaceEndKey, "a"),     enc(kKeyspaceEndKey, "b"),
      enc(kKeyspaceEndKey, "c")};
  EXPECT_EQ(*codec_->DecodeBucketKeys(keys), want);

  keys = {enc(kPrevKeyspacePrefix, "a"), enc(kPrevKeyspacePrefix, "b"),
          enc(kPrevKeyspacePrefix, "c"), codec_->EncodeRegionKey(""),
          codec_->EncodeRegionKey("a"),  codec_->EncodeRegionKey("b"),
          codec_->EncodeRegionKey("c"),  ""};
  EXPECT_EQ(*codec_->DecodeBucketKeys(keys), want);

  keys.insert(keys.begin(), "");
  EXPECT_EQ(*codec_->DecodeBucketKeys(keys), want);
}

TEST_F(CodecV2Test, DecodeKeyRejectsOtherKeyspaces) {
  EXPECT_EQ(*codec_->DecodeKey(""), "");
  EXPECT_EQ(*codec_->DecodeKey(P("abc")), "abc");
  EXPECT_TRUE(IsKeyOutOfKeyspace(codec_->DecodeKey(kPrevKeyspacePrefix + "abc").status()));
  EXPECT_TRUE(IsKeyOutOfKeyspace(codec_->DecodeKey("r").status()));
  EXPECT_TRUE(IsDecodeError(codec_->DecodeRegionKey("xyz").status()));
}

// Round trip: keys and region ranges survive encode → decode for both modes and any id.
RC_GTEST_PROP(ApiCodecProperty, V2RoundTrip,
              (uint32_t raw_id, bool txn, const std::string& a, const std::string& b)) {
  keyspacepb::KeyspaceMeta meta;
  meta.set_id(raw_id & kMaxKeyspaceId);
  auto codec = NewCodecV2(txn ? Mode::kTxn : Mode::kRaw, &meta);
  RC_ASSERT(codec.ok());
  const Codec& c = **codec;
  RC_ASSERT(*c.DecodeKey(c.EncodeKey(a)) == a);
  RC_ASSERT(*c.DecodeRegionKey(c.EncodeRegionKey(a)) == a);
  KeyRange r = c.EncodeRegionRange(a, b);
  absl::StatusOr<KeyRange> back = c.DecodeRegionRange(r.start_key, r.end_key);
  if (b.empty() || a < b) {
    RC_ASSERT(back.ok());
    RC_ASSERT(back->start_key == a);
    RC_ASSERT(back->end_key == b);
  }
  // Encoding preserves order.
  RC_ASSERT((a < b) == (c.EncodeRegionKey(a) < c.EncodeRegionKey(b)));
  RC_ASSERT(ParseKeyspaceId(c.EncodeKey(a)).value() == (raw_id & kMaxKeyspaceId));
}

RC_GTEST_PROP(ApiCodecProperty, V1RoundTrip, (bool txn, const std::string& a)) {
  auto codec = NewCodecV1(txn ? Mode::kTxn : Mode::kRaw);
  RC_ASSERT(codec.ok());
  RC_ASSERT(*(*codec)->DecodeRegionKey((*codec)->EncodeRegionKey(a)) == a);
  RC_ASSERT(*(*codec)->DecodeKey((*codec)->EncodeKey(a)) == a);
}

}  // namespace
}  // namespace tikv::kv
