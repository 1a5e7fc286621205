// Tests of the error model in tikv/status.h and tikv/status_proto.h.

#include "tikv/status.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kvrpcpb.pb.h"

#include "tikv/status_proto.h"

namespace tikv {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RedactKeyTest, HexWhenOffAndQuestionMarkWhenOn) {
  EXPECT_EQ(RedactKey(std::string("\x01\xab" "z", 3), RedactMode::kOff), "01AB7A");
  EXPECT_EQ(RedactKey("secret", RedactMode::kOn), "?");
  EXPECT_EQ(RedactKey("", RedactMode::kOff), "");
}

TEST(StatusTest, OkStatusMatchesNoPredicate) {
  absl::Status ok = absl::OkStatus();
  EXPECT_FALSE(IsKeyError(ok));
  EXPECT_FALSE(IsWriteConflict(ok));
  EXPECT_FALSE(IsUndeterminedResult(ok));
  EXPECT_FALSE(IsRegionError(ok));
  EXPECT_FALSE(GetKeyErrorKind(ok).has_value());
  EXPECT_FALSE(GetWriteConflict(ok).has_value());
}

TEST(StatusTest, PlainStatusesAreNotTyped) {
  absl::Status s = absl::AbortedError("write conflict");  // text alone means nothing
  EXPECT_FALSE(IsWriteConflict(s));
  EXPECT_FALSE(IsKeyError(s));
}

TEST(StatusTest, WriteConflictRoundTripsWithAbortedCode) {
  WriteConflict c{.start_ts = 10,
                  .conflict_ts = 11,
                  .conflict_commit_ts = 12,
                  .key = "k1",
                  .primary = "p",
                  .reason = WriteConflictReason::kOptimistic};
  absl::Status s = WriteConflictError(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(IsWriteConflict(s));
  EXPECT_TRUE(IsKeyError(s));
  EXPECT_FALSE(IsRetryable(s));
  EXPECT_FALSE(IsDeadlock(s));
  EXPECT_EQ(GetKeyErrorKind(s), KeyErrorKind::kWriteConflict);
  std::optional<WriteConflict> got = GetWriteConflict(s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->start_ts, 10u);
  EXPECT_EQ(got->conflict_ts, 11u);
  EXPECT_EQ(got->conflict_commit_ts, 12u);
  EXPECT_EQ(got->key, "k1");
  EXPECT_EQ(got->primary, "p");
  EXPECT_EQ(got->reason, WriteConflictReason::kOptimistic);
  EXPECT_THAT(std::string(s.message()), HasSubstr("write conflict"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("key=6B31"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("reason=Optimistic"));
}

TEST(StatusTest, RedactionHidesKeysInMessageButKeepsThemInPayload) {
  absl::Status s = WriteConflictError({.start_ts = 1, .key = "user-secret", .primary = "pk"},
                                      RedactMode::kOn);
  std::string msg(s.message());
  EXPECT_THAT(msg, Not(HasSubstr("user-secret")));
  EXPECT_THAT(msg, Not(HasSubstr(RedactKey("user-secret", RedactMode::kOff))));
  EXPECT_THAT(msg, HasSubstr("key=?"));
  EXPECT_EQ(GetWriteConflict(s)->key, "user-secret");

  absl::Status locked = KeyIsLockedError({.primary_lock = "pk", .key = "hidden"}, RedactMode::kOn);
  EXPECT_THAT(std::string(locked.message()), Not(HasSubstr("68696464656E")));
  absl::Status exists = AlreadyExistsError({"dup"}, RedactMode::kOn);
  EXPECT_THAT(std::string(exists.message()), HasSubstr("key=?"));
}

TEST(StatusTest, KeyIsLockedCarriesTheWholeLock) {
  LockInfo lock;
  lock.primary_lock = "p";
  lock.lock_version = 5;
  lock.key = "k";
  lock.lock_ttl = 3000;
  lock.txn_size = 2;
  lock.lock_type = LockType::kPessimisticLock;
  lock.lock_for_update_ts = 7;
  lock.use_async_commit = true;
  lock.min_commit_ts = 9;
  lock.secondaries = {"s1", "s2"};
  lock.duration_to_last_update_ms = 100;
  absl::Status s = KeyIsLockedError(lock);
  EXPECT_TRUE(IsKeyLocked(s));
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  std::optional<LockInfo> got = GetLockInfo(s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->primary_lock, "p");
  EXPECT_EQ(got->lock_version, 5u);
  EXPECT_EQ(got->lock_ttl, 3000u);
  EXPECT_EQ(got->txn_size, 2u);
  EXPECT_EQ(got->lock_type, LockType::kPessimisticLock);
  EXPECT_EQ(got->lock_for_update_ts, 7u);
  EXPECT_TRUE(got->use_async_commit);
  EXPECT_EQ(got->min_commit_ts, 9u);
  EXPECT_EQ(got->secondaries, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(got->duration_to_last_update_ms, 100u);
  EXPECT_THAT(std::string(s.message()), HasSubstr("type=PessimisticLock"));
}

TEST(StatusTest, EachKeyErrorHasItsCodePredicateAndAccessor) {
  absl::Status exists = AlreadyExistsError({"k"});
  EXPECT_EQ(exists.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(IsKeyExists(exists));
  EXPECT_EQ(GetAlreadyExists(exists)->key, "k");

  Deadlock d{.lock_ts = 3, .lock_key = "a", .deadlock_key_hash = 99, .deadlock_key = "b"};
  d.wait_chain.push_back({.txn = 1, .wait_for_txn = 2, .key_hash = 3, .key = "a"});
  d.wait_chain.push_back({.txn = 2, .wait_for_txn = 1, .key_hash = 4, .key = "b"});
  absl::Status dl = DeadlockError(d);
  EXPECT_EQ(dl.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(IsDeadlock(dl));
  ASSERT_TRUE(GetDeadlock(dl).has_value());
  EXPECT_EQ(GetDeadlock(dl)->deadlock_key_hash, 99u);
  ASSERT_EQ(GetDeadlock(dl)->wait_chain.size(), 2u);
  EXPECT_EQ(GetDeadlock(dl)->wait_chain[1].wait_for_txn, 1u);

  absl::Status expired = CommitTsExpiredError({.start_ts = 1, .attempted_commit_ts = 2,
                                               .key = "k", .min_commit_ts = 3});
  EXPECT_TRUE(IsCommitTsExpired(expired));
  EXPECT_EQ(GetCommitTsExpired(expired)->min_commit_ts, 3u);

  absl::Status not_found = TxnNotFoundError({.start_ts = 4, .primary_key = "p"});
  EXPECT_TRUE(IsTxnNotFound(not_found));
  EXPECT_EQ(GetTxnNotFound(not_found)->primary_key, "p");

  absl::Status too_large = CommitTsTooLargeError({.commit_ts = 77});
  EXPECT_TRUE(IsCommitTsTooLarge(too_large));
  EXPECT_EQ(GetCommitTsTooLarge(too_large)->commit_ts, 77u);

  absl::Status assertion = AssertionFailedError(
      {.start_ts = 5, .key = "k", .assertion = Assertion::kNotExist, .existing_start_ts = 1,
       .existing_commit_ts = 2});
  EXPECT_EQ(assertion.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(IsAssertionFailed(assertion));
  EXPECT_EQ(GetAssertionFailed(assertion)->assertion, Assertion::kNotExist);
  EXPECT_EQ(GetAssertionFailed(assertion)->existing_commit_ts, 2u);

  absl::Status mismatch = PrimaryMismatchError({LockInfo{.primary_lock = "other"}});
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(IsPrimaryMismatch(mismatch));
  EXPECT_EQ(GetPrimaryMismatch(mismatch)->lock.primary_lock, "other");

  absl::Status lost = TxnLockNotFoundError({"k"});
  EXPECT_EQ(lost.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(IsTxnLockNotFound(lost));
  EXPECT_TRUE(IsRetryable(lost));  // TiKV marks it retryable too
  EXPECT_EQ(GetTxnLockNotFound(lost)->key, "k");

  absl::Status retry = RetryableError("try again");
  EXPECT_TRUE(IsRetryable(retry));
  EXPECT_FALSE(IsTxnAborted(retry));
  EXPECT_THAT(std::string(retry.message()), HasSubstr("try again"));

  absl::Status aborted = TxnAbortedError("lock type mismatch");
  EXPECT_TRUE(IsTxnAborted(aborted));
  EXPECT_FALSE(IsRetryable(aborted));
  EXPECT_THAT(std::string(aborted.message()), HasSubstr("TiKV aborts txn: lock type mismatch"));
}

// client-go extractKeyErr checks the typed fields before the retryable text: a write conflict
// that also carries `retryable` is a write conflict.
TEST(StatusTest, KeyErrorFromProtoPrefersTypedFieldsOverText) {
  kvrpcpb::KeyError e;
  e.mutable_conflict()->set_start_ts(1);
  e.set_retryable("write conflict");
  absl::Status s = KeyErrorStatus(e);
  EXPECT_TRUE(IsWriteConflict(s));
  EXPECT_FALSE(IsRetryable(s));
  EXPECT_EQ(KeyErrorKindOf(e), KeyErrorKind::kWriteConflict);

  kvrpcpb::KeyError empty;
  EXPECT_FALSE(KeyErrorKindOf(empty).has_value());
  EXPECT_EQ(KeyErrorStatus(empty).code(), absl::StatusCode::kUnknown);
}

TEST(StatusTest, RawKeyErrorProtoIsKept) {
  kvrpcpb::KeyError e;
  e.mutable_locked()->set_key("k");
  e.mutable_locked()->set_lock_version(42);
  absl::Status s = KeyErrorStatus(e);
  std::optional<kvrpcpb::KeyError> back = GetKeyErrorProto(s);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->locked().lock_version(), 42u);
  EXPECT_FALSE(GetRegionErrorProto(s).has_value());
}

TEST(StatusTest, EveryRegionErrorKindIsRecognised) {
  struct Case {
    RegionErrorKind kind;
    void (*fill)(errorpb::Error&);
  };
  const Case cases[] = {
      {RegionErrorKind::kNotLeader, [](errorpb::Error& e) { e.mutable_not_leader(); }},
      {RegionErrorKind::kRegionNotFound, [](errorpb::Error& e) { e.mutable_region_not_found(); }},
      {RegionErrorKind::kKeyNotInRegion, [](errorpb::Error& e) { e.mutable_key_not_in_region(); }},
      {RegionErrorKind::kEpochNotMatch, [](errorpb::Error& e) { e.mutable_epoch_not_match(); }},
      {RegionErrorKind::kServerIsBusy, [](errorpb::Error& e) { e.mutable_server_is_busy(); }},
      {RegionErrorKind::kStaleCommand, [](errorpb::Error& e) { e.mutable_stale_command(); }},
      {RegionErrorKind::kStoreNotMatch, [](errorpb::Error& e) { e.mutable_store_not_match(); }},
      {RegionErrorKind::kRaftEntryTooLarge,
       [](errorpb::Error& e) { e.mutable_raft_entry_too_large(); }},
      {RegionErrorKind::kMaxTimestampNotSynced,
       [](errorpb::Error& e) { e.mutable_max_timestamp_not_synced(); }},
      {RegionErrorKind::kReadIndexNotReady,
       [](errorpb::Error& e) { e.mutable_read_index_not_ready(); }},
      {RegionErrorKind::kProposalInMergingMode,
       [](errorpb::Error& e) { e.mutable_proposal_in_merging_mode(); }},
      {RegionErrorKind::kDataIsNotReady, [](errorpb::Error& e) { e.mutable_data_is_not_ready(); }},
      {RegionErrorKind::kRegionNotInitialized,
       [](errorpb::Error& e) { e.mutable_region_not_initialized(); }},
      {RegionErrorKind::kDiskFull, [](errorpb::Error& e) { e.mutable_disk_full(); }},
      {RegionErrorKind::kRecoveryInProgress,
       [](errorpb::Error& e) { e.mutable_recoveryinprogress(); }},
      {RegionErrorKind::kFlashbackInProgress,
       [](errorpb::Error& e) { e.mutable_flashbackinprogress(); }},
      {RegionErrorKind::kFlashbackNotPrepared,
       [](errorpb::Error& e) { e.mutable_flashbacknotprepared(); }},
      {RegionErrorKind::kIsWitness, [](errorpb::Error& e) { e.mutable_is_witness(); }},
      {RegionErrorKind::kMismatchPeerId, [](errorpb::Error& e) { e.mutable_mismatch_peer_id(); }},
      {RegionErrorKind::kBucketVersionNotMatch,
       [](errorpb::Error& e) { e.mutable_bucket_version_not_match(); }},
      {RegionErrorKind::kUndeterminedResult,
       [](errorpb::Error& e) { e.mutable_undetermined_result(); }},
      {RegionErrorKind::kOther, [](errorpb::Error& e) { e.set_message("applying snapshot"); }},
  };
  for (const Case& c : cases) {
    errorpb::Error e;
    c.fill(e);
    absl::Status s = RegionErrorStatus(e);
    SCOPED_TRACE(std::string(RegionErrorKindName(c.kind)));
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
    EXPECT_TRUE(IsRegionError(s));
    EXPECT_FALSE(IsKeyError(s));
    ASSERT_TRUE(GetRegionError(s).has_value());
    EXPECT_EQ(GetRegionError(s)->kind, c.kind);
    EXPECT_THAT(std::string(s.message()), HasSubstr(std::string(RegionErrorKindName(c.kind))));
  }
}

TEST(StatusTest, RegionErrorPayloadFieldsAreDecoded) {
  errorpb::Error e;
  e.mutable_not_leader()->set_region_id(7);
  e.mutable_not_leader()->mutable_leader()->set_store_id(3);
  e.mutable_not_leader()->mutable_leader()->set_id(30);
  std::optional<RegionError> r = GetRegionError(RegionErrorStatus(e));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->region_id, 7u);
  EXPECT_EQ(r->leader_store_id, 3u);
  EXPECT_EQ(r->leader_peer_id, 30u);

  errorpb::Error busy;
  busy.mutable_server_is_busy()->set_reason("scheduler is busy");
  busy.mutable_server_is_busy()->set_estimated_wait_ms(250);
  r = GetRegionError(RegionErrorStatus(busy));
  EXPECT_EQ(r->reason, "scheduler is busy");
  EXPECT_EQ(r->estimated_wait_ms, 250u);

  errorpb::Error epoch;
  epoch.mutable_epoch_not_match()->add_current_regions()->set_id(1);
  epoch.mutable_epoch_not_match()->add_current_regions()->set_id(2);
  EXPECT_EQ(GetRegionError(RegionErrorStatus(epoch))->current_regions, 2u);

  errorpb::Error stale;
  stale.mutable_data_is_not_ready()->set_region_id(9);
  stale.mutable_data_is_not_ready()->set_safe_ts(1234);
  EXPECT_EQ(GetRegionError(RegionErrorStatus(stale))->safe_ts, 1234u);

  errorpb::Error key;
  key.mutable_key_not_in_region()->set_key("secret");
  EXPECT_THAT(std::string(RegionErrorStatus(key, RedactMode::kOn).message()),
              Not(HasSubstr(RedactKey("secret", RedactMode::kOff))));
}

TEST(StatusTest, UndeterminedKeepsTheCauseAndItsPayloads) {
  errorpb::Error e;
  e.mutable_undetermined_result()->set_message("lost");
  absl::Status cause = RegionErrorStatus(e);
  absl::Status s = UndeterminedError(cause);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnknown);
  EXPECT_TRUE(IsUndeterminedResult(s));
  EXPECT_TRUE(IsRegionError(s));  // the cause is still visible
  ASSERT_TRUE(GetUndetermined(s).has_value());
  EXPECT_EQ(GetUndetermined(s)->cause_code, absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.message()), HasSubstr("result undetermined"));
  EXPECT_FALSE(IsUndeterminedResult(cause));

  absl::Status deadline = UndeterminedError(absl::DeadlineExceededError("rpc timed out"));
  EXPECT_EQ(GetUndetermined(deadline)->cause_code, absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(GetUndetermined(deadline)->cause_message, "rpc timed out");
}

TEST(StatusTest, BackoffExhaustedSummarisesAndKeepsLastError) {
  BackoffSummary summary;
  summary.kinds.push_back({"regionMiss", 3, 14});
  summary.kinds.push_back({"tikvRPC", 2, 300});
  summary.total_sleep_ms = 314;
  summary.budget_ms = 20000;
  errorpb::Error e;
  e.mutable_server_is_busy()->set_reason("busy");
  absl::Status s = BackoffExhaustedError(summary, RegionErrorStatus(e));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsBackoffExhausted(s));
  EXPECT_TRUE(IsRegionError(s));
  EXPECT_EQ(GetRegionError(s)->kind, RegionErrorKind::kServerIsBusy);
  std::optional<BackoffSummary> got = GetBackoffSummary(s);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->kinds.size(), 2u);
  EXPECT_EQ(got->kinds[0].kind, "regionMiss");
  EXPECT_EQ(got->kinds[1].attempts, 2u);
  EXPECT_EQ(got->total_sleep_ms, 314);
  EXPECT_THAT(got->last_error, HasSubstr("ServerIsBusy"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("regionMiss x3"));
}

TEST(StatusTest, OtherPayloads) {
  absl::Status gc = GcTooEarlyError({.start_ts = 5, .safe_point = 10});
  EXPECT_EQ(gc.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(IsGcTooEarly(gc));
  EXPECT_EQ(GetGcTooEarly(gc)->safe_point, 10u);

  absl::Status key = SizeLimitError({"key", 9000, 8192}, /*caller_error=*/true);
  EXPECT_EQ(key.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsSizeLimit(key));
  EXPECT_EQ(GetSizeLimit(key)->limit, 8192u);
  EXPECT_THAT(std::string(key.message()), HasSubstr("key too large"));
  absl::Status txn = SizeLimitError({"txn", 200, 100}, /*caller_error=*/false);
  EXPECT_EQ(txn.code(), absl::StatusCode::kResourceExhausted);

  absl::Status t = TransportFailure(absl::StatusCode::kUnavailable, "connection refused",
                                    "127.0.0.1:20160");
  EXPECT_EQ(t.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsTransportError(t));
  EXPECT_EQ(GetTransportError(t)->address, "127.0.0.1:20160");
  EXPECT_FALSE(IsRegionError(t));

  absl::Status wait = LockWaitTimeoutError({.key = "k", .lock_ts = 8});
  EXPECT_EQ(wait.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(IsLockWaitTimeout(wait));
  EXPECT_EQ(GetLockWaitTimeout(wait)->lock_ts, 8u);
}

TEST(StatusTest, KindNamesAreStable) {
  EXPECT_EQ(KeyErrorKindName(KeyErrorKind::kWriteConflict), "WriteConflict");
  EXPECT_EQ(KeyErrorKindName(KeyErrorKind::kLocked), "KeyIsLocked");
  EXPECT_EQ(RegionErrorKindName(RegionErrorKind::kEpochNotMatch), "EpochNotMatch");
}

kvrpcpb::DebugInfo SampleDebugInfo() {
  kvrpcpb::DebugInfo debug;
  kvrpcpb::MvccDebugInfo* info = debug.add_mvcc_info();
  info->set_key("byte");
  kvrpcpb::MvccLock* lock = info->mutable_mvcc()->mutable_lock();
  lock->set_type(kvrpcpb::Op::Del);
  lock->set_start_ts(128);
  lock->set_primary("k1");
  lock->add_secondaries("k1");
  lock->add_secondaries("k2");
  lock->set_short_value("v1");
  kvrpcpb::MvccWrite* write = info->mutable_mvcc()->add_writes();
  write->set_type(kvrpcpb::Op::Insert);
  write->set_start_ts(64);
  write->set_commit_ts(86);
  write->set_short_value(std::string("\x01\x02\x03\x04\x05\x06", 6));
  kvrpcpb::MvccValue* value = info->mutable_mvcc()->add_values();
  value->set_start_ts(64);
  value->set_value("\x11\x12");
  return debug;
}

// Ports client-go error/error_test.go TestExtractDebugInfoStrFromKeyErr.
TEST(StatusTest, ExtractDebugInfoStrFromKeyErr) {
  kvrpcpb::KeyError no_debug;
  no_debug.mutable_txn_lock_not_found()->set_key("byte");
  EXPECT_EQ(ExtractDebugInfoStrFromKeyErr(no_debug, RedactMode::kOff), "");

  kvrpcpb::KeyError e = no_debug;
  *e.mutable_debug_info() = SampleDebugInfo();
  EXPECT_EQ(ExtractDebugInfoStrFromKeyErr(e, RedactMode::kOff),
            R"({"mvcc_info":[{"key":"Ynl0ZQ==","mvcc":{"lock":{"type":1,"start_ts":128,)"
            R"("primary":"azE=","short_value":"djE=","secondaries":["azE=","azI="]},"writes":)"
            R"([{"type":4,"start_ts":64,"commit_ts":86,"short_value":"AQIDBAUG"}],"values":)"
            R"([{"start_ts":64,"value":"ERI="}]}}]})");
  EXPECT_EQ(ExtractDebugInfoStrFromKeyErr(e, RedactMode::kOn),
            R"({"mvcc_info":[{"key":"Pw==","mvcc":{"lock":{"type":1,"start_ts":128,)"
            R"("primary":"Pw==","short_value":"Pw==","secondaries":["Pw==","Pw=="]},"writes":)"
            R"([{"type":4,"start_ts":64,"commit_ts":86,"short_value":"Pw=="}],"values":)"
            R"([{"start_ts":64,"value":"Pw=="}]}}]})");
  // Through a status, too.
  EXPECT_EQ(KeyErrorDebugInfoJson(KeyErrorStatus(e), RedactMode::kOff),
            ExtractDebugInfoStrFromKeyErr(e, RedactMode::kOff));
  EXPECT_EQ(KeyErrorDebugInfoJson(absl::InternalError("x"), RedactMode::kOff), "");
}

}  // namespace
}  // namespace tikv
