// The public tikv::RawClient: validates input on the caller's thread (so bad input never
// reaches the runtime), then enters the runtime — RunBlocking for the blocking forms, a spawned
// fiber for the async forms — and hands over to RawEngine.

#include "tikv/raw_client.h"

#include <utility>

#include "env/run_blocking.h"
#include "raw/raw_engine.h"
#include "raw/validate.h"

namespace tikv {
namespace {

// The checks every call shares: a usable column family.
absl::Status CheckCall(const RawClientOptions& client, const RawCallOptions& call) {
  if (absl::Status s = raw::CheckColumnFamily(client, call.column_family); !s.ok()) return s;
  if (call.timeout < Duration::zero()) return absl::InvalidArgumentError("raw: negative timeout");
  return absl::OkStatus();
}

}  // namespace

RawClient::RawClient(std::unique_ptr<Env> owned_env, std::unique_ptr<raw::RawEngine> engine)
    : owned_env_(std::move(owned_env)), engine_(std::move(engine)) {}

absl::StatusOr<std::unique_ptr<RawClient>> RawClient::Create(Env& env, RawClientOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<raw::RawStack>> stack =
      env::RunBlocking(env.executor(), [&] { return raw::BuildRawStack(env, options); });
  if (!stack.ok()) return stack.status();
  auto engine = std::make_unique<raw::RawEngine>(env, std::move(options), std::move(*stack));
  return std::unique_ptr<RawClient>(new RawClient(nullptr, std::move(engine)));
}

RawClient::~RawClient() {
  if (engine_ == nullptr) return;
  Env& env = engine_->env();
  // The stack's RPC and PD clients join fibers when they go away, so they are destroyed on
  // the runtime.
  env::RunBlocking(env.executor(), [&] {
    engine_->Close();
    engine_.reset();
  });
}

uint64_t RawClient::cluster_id() const { return engine_->cluster_id(); }
const RawClientOptions& RawClient::options() const { return engine_->options(); }

void RawClient::Close() {
  env::RunBlocking(engine_->env().executor(), [&] { engine_->Close(); });
}

// ---- blocking forms ----

absl::StatusOr<std::optional<std::string>> RawClient::Get(std::string_view key,
                                                          const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckKey(c, key); !s.ok()) return s;
  return env::RunBlocking(engine_->env().executor(), [&] { return engine_->Get(key, o); });
}

absl::StatusOr<std::vector<std::optional<std::string>>> RawClient::BatchGet(
    const std::vector<std::string>& keys, const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckKeys(c, keys); !s.ok()) return s;
  return env::RunBlocking(engine_->env().executor(), [&] { return engine_->BatchGet(keys, o); });
}

absl::StatusOr<std::optional<uint64_t>> RawClient::GetKeyTtl(std::string_view key,
                                                             const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckKey(c, key); !s.ok()) return s;
  return env::RunBlocking(engine_->env().executor(), [&] { return engine_->GetKeyTtl(key, o); });
}

absl::StatusOr<std::vector<KvPair>> RawClient::Scan(std::string_view start, std::string_view end,
                                                    int limit, const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckLimit(limit); !s.ok()) return s;
  if (absl::Status s = raw::CheckForwardRange(c, start, end); !s.ok()) return s;
  return env::RunBlocking(engine_->env().executor(),
                          [&] { return engine_->Scan(std::string(start), end, limit, o); });
}

absl::StatusOr<std::vector<KvPair>> RawClient::ReverseScan(std::string_view start,
                                                           std::string_view end, int limit,
                                                           const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckLimit(limit); !s.ok()) return s;
  if (absl::Status s = raw::CheckReverseRange(c, start, end); !s.ok()) return s;
  return env::RunBlocking(engine_->env().executor(),
                          [&] { return engine_->ReverseScan(std::string(start), end, limit, o); });
}

absl::StatusOr<std::vector<std::vector<KvPair>>> RawClient::BatchScan(
    const std::vector<KeyRange>& ranges, int each_limit, const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckLimit(each_limit); !s.ok()) return s;
  for (const KeyRange& r : ranges) {
    if (absl::Status s = raw::CheckForwardRange(c, r.start_key, r.end_key); !s.ok()) return s;
  }
  // client-go no longer has a batch scan (TiKV's RawBatchScan is not used by it); each range is
  // a Scan of its own, so results cross region boundaries like Scan's.
  return env::RunBlocking(
      engine_->env().executor(), [&]() -> absl::StatusOr<std::vector<std::vector<KvPair>>> {
        std::vector<std::vector<KvPair>> out;
        for (const KeyRange& r : ranges) {
          auto pairs = engine_->Scan(r.start_key, r.end_key, each_limit, o);
          if (!pairs.ok()) return pairs.status();
          out.push_back(std::move(*pairs));
        }
        return out;
      });
}

absl::StatusOr<RawChecksum> RawClient::Checksum(std::string_view start, std::string_view end,
                                                const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckForwardRange(c, start, end); !s.ok()) return s;
  return env::RunBlocking(engine_->env().executor(),
                          [&] { return engine_->Checksum(std::string(start), end, o); });
}

absl::Status RawClient::Put(std::string_view key, std::string_view value,
                            const RawCallOptions& o) {
  return PutWithTtl(key, value, 0, o);
}

absl::Status RawClient::PutWithTtl(std::string_view key, std::string_view value,
                                   uint64_t ttl_seconds, const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckKey(c, key); !s.ok()) return s;
  if (absl::Status s = raw::CheckValue(c, value); !s.ok()) return s;
  if (absl::Status s = raw::CheckTtl(c, ttl_seconds); !s.ok()) return s;
  return env::RunBlocking(engine_->env().executor(),
                          [&] { return engine_->Put(key, value, ttl_seconds, o); });
}

absl::Status RawClient::BatchPut(const std::vector<std::string>& keys,
                                 const std::vector<std::string>& values,
                                 const RawCallOptions& o) {
  return BatchPutWithTtl(keys, values, {}, o);
}

absl::Status RawClient::BatchPutWithTtl(const std::vector<std::string>& keys,
                                        const std::vector<std::string>& values,
                                        const std::vector<uint64_t>& ttls,
                                        const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckPairs(c, keys, values, ttls); !s.ok()) return s;
  return env::RunBlocking(engine_->env().executor(),
                          [&] { return engine_->BatchPut(keys, values, ttls, o); });
}

absl::Status RawClient::Delete(std::string_view key, const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckKey(c, key); !s.ok()) return s;
  return env::RunBlocking(engine_->env().executor(), [&] { return engine_->Delete(key, o); });
}

absl::Status RawClient::BatchDelete(const std::vector<std::string>& keys,
                                    const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckKeys(c, keys); !s.ok()) return s;
  return env::RunBlocking(engine_->env().executor(),
                          [&] { return engine_->BatchDelete(keys, o); });
}

absl::Status RawClient::DeleteRange(std::string_view start, std::string_view end,
                                    const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckForwardRange(c, start, end); !s.ok()) return s;
  return env::RunBlocking(engine_->env().executor(),
                          [&] { return engine_->DeleteRange(std::string(start), end, o); });
}

absl::StatusOr<CasResult> RawClient::CompareAndSwap(std::string_view key,
                                                    std::optional<std::string_view> expected,
                                                    std::string_view new_value,
                                                    const RawCallOptions& o) {
  const RawClientOptions& c = engine_->options();
  if (!c.atomic_for_cas) {
    return absl::FailedPreconditionError(
        "raw: using CompareAndSwap without enabling atomic mode (RawClientOptions::atomic_for_cas)");
  }
  if (absl::Status s = CheckCall(c, o); !s.ok()) return s;
  if (absl::Status s = raw::CheckKey(c, key); !s.ok()) return s;
  if (expected.has_value()) {
    if (absl::Status s = raw::CheckValue(c, *expected); !s.ok()) return s;
  }
  if (absl::Status s = raw::CheckValue(c, new_value); !s.ok()) return s;
  return env::RunBlocking(engine_->env().executor(), [&] {
    return engine_->CompareAndSwap(key, expected, new_value, o);
  });
}

// ---- asynchronous forms ----
// Each validates on the caller's thread, then runs the engine call on a fresh fiber with its
// own copies of the arguments; `done` runs on that fiber.

namespace {

template <typename Result, typename Fn, typename Done>
void SpawnCall(raw::RawEngine& engine, Fn fn, Done done) {
  engine.env().executor().Spawn({.name = "raw-async"},
                                [fn = std::move(fn), done = std::move(done)]() mutable {
                                  Result r = fn();
                                  std::move(done)(std::move(r));
                                });
}

}  // namespace

void RawClient::GetAsync(std::string_view key, const RawCallOptions& o,
                         RawCallback<std::optional<std::string>> done) {
  const RawClientOptions& c = engine_->options();
  absl::Status s = CheckCall(c, o);
  if (s.ok()) s = raw::CheckKey(c, key);
  using R = absl::StatusOr<std::optional<std::string>>;
  SpawnCall<R>(*engine_, [e = engine_.get(), s, k = std::string(key), o]() -> R {
    if (!s.ok()) return s;
    return e->Get(k, o);
  }, std::move(done));
}

void RawClient::BatchGetAsync(std::vector<std::string> keys, const RawCallOptions& o,
                              RawCallback<std::vector<std::optional<std::string>>> done) {
  const RawClientOptions& c = engine_->options();
  absl::Status s = CheckCall(c, o);
  if (s.ok()) s = raw::CheckKeys(c, keys);
  using R = absl::StatusOr<std::vector<std::optional<std::string>>>;
  SpawnCall<R>(*engine_, [e = engine_.get(), s, keys = std::move(keys), o]() -> R {
    if (!s.ok()) return s;
    return e->BatchGet(keys, o);
  }, std::move(done));
}

void RawClient::GetKeyTtlAsync(std::string_view key, const RawCallOptions& o,
                               RawCallback<std::optional<uint64_t>> done) {
  const RawClientOptions& c = engine_->options();
  absl::Status s = CheckCall(c, o);
  if (s.ok()) s = raw::CheckKey(c, key);
  using R = absl::StatusOr<std::optional<uint64_t>>;
  SpawnCall<R>(*engine_, [e = engine_.get(), s, k = std::string(key), o]() -> R {
    if (!s.ok()) return s;
    return e->GetKeyTtl(k, o);
  }, std::move(done));
}

void RawClient::ScanAsync(std::string_view start, std::string_view end, int limit,
                          const RawCallOptions& o, RawCallback<std::vector<KvPair>> done) {
  const RawClientOptions& c = engine_->options();
  absl::Status s = CheckCall(c, o);
  if (s.ok()) s = raw::CheckLimit(limit);
  if (s.ok()) s = raw::CheckForwardRange(c, start, end);
  using R = absl::StatusOr<std::vector<KvPair>>;
  SpawnCall<R>(*engine_, [e = engine_.get(), s, a = std::string(start), b = std::string(end),
                          limit, o]() -> R {
    if (!s.ok()) return s;
    return e->Scan(a, b, limit, o);
  }, std::move(done));
}

void RawClient::ReverseScanAsync(std::string_view start, std::string_view end, int limit,
                                 const RawCallOptions& o, RawCallback<std::vector<KvPair>> done) {
  const RawClientOptions& c = engine_->options();
  absl::Status s = CheckCall(c, o);
  if (s.ok()) s = raw::CheckLimit(limit);
  if (s.ok()) s = raw::CheckReverseRange(c, start, end);
  using R = absl::StatusOr<std::vector<KvPair>>;
  SpawnCall<R>(*engine_, [e = engine_.get(), s, a = std::string(start), b = std::string(end),
                          limit, o]() -> R {
    if (!s.ok()) return s;
    return e->ReverseScan(a, b, limit, o);
  }, std::move(done));
}

void RawClient::ChecksumAsync(std::string_view start, std::string_view end,
                              const RawCallOptions& o, RawCallback<RawChecksum> done) {
  const RawClientOptions& c = engine_->options();
  absl::Status s = CheckCall(c, o);
  if (s.ok()) s = raw::CheckForwardRange(c, start, end);
  using R = absl::StatusOr<RawChecksum>;
  SpawnCall<R>(*engine_, [e = engine_.get(), s, a = std::string(start), b = std::string(end),
                          o]() -> R {
    if (!s.ok()) return s;
    return e->Checksum(a, b, o);
  }, std::move(done));
}

void RawClient::PutAsync(std::string_view key, std::string_view value, uint64_t ttl_seconds,
                         const RawCallOptions& o, RawDoneCallback done) {
  const RawClientOptions& c = engine_->options();
  absl::Status s = CheckCall(c, o);
  if (s.ok()) s = raw::CheckKey(c, key);
  if (s.ok()) s = raw::CheckValue(c, value);
  if (s.ok()) s = raw::CheckTtl(c, ttl_seconds);
  SpawnCall<absl::Status>(*engine_, [e = engine_.get(), s, k = std::string(key),
                                     v = std::string(value), ttl_seconds, o]() -> absl::Status {
    if (!s.ok()) return s;
    return e->Put(k, v, ttl_seconds, o);
  }, std::move(done));
}

void RawClient::BatchPutAsync(std::vector<std::string> keys, std::vector<std::string> values,
                              std::vector<uint64_t> ttls, const RawCallOptions& o,
                              RawDoneCallback done) {
  const RawClientOptions& c = engine_->options();
  absl::Status s = CheckCall(c, o);
  if (s.ok()) s = raw::CheckPairs(c, keys, values, ttls);
  SpawnCall<absl::Status>(*engine_, [e = engine_.get(), s, keys = std::move(keys),
                                     values = std::move(values), ttls = std::move(ttls),
                                     o]() -> absl::Status {
    if (!s.ok()) return s;
    return e->BatchPut(keys, values, ttls, o);
  }, std::move(done));
}

void RawClient::DeleteAsync(std::string_view key, const RawCallOptions& o, RawDoneCallback done) {
  const RawClientOptions& c = engine_->options();
  absl::Status s = CheckCall(c, o);
  if (s.ok()) s = raw::CheckKey(c, key);
  SpawnCall<absl::Status>(*engine_, [e = engine_.get(), s, k = std::string(key),
                                     o]() -> absl::Status {
    if (!s.ok()) return s;
    return e->Delete(k, o);
  }, std::move(done));
}

void RawClient::BatchDeleteAsync(std::vector<std::string> keys, const RawCallOptions& o,
                                 RawDoneCallback done) {
  const RawClientOptions& c = engine_->options();
  absl::Status s = CheckCall(c, o);
  if (s.ok()) s = raw::CheckKeys(c, keys);
  SpawnCall<absl::Status>(*engine_, [e = engine_.get(), s, keys = std::move(keys),
                                     o]() -> absl::Status {
    if (!s.ok()) return s;
    return e->BatchDelete(keys, o);
  }, std::move(done));
}

void RawClient::DeleteRangeAsync(std::string_view start, std::string_view end,
                                 const RawCallOptions& o, RawDoneCallback done) {
  const RawClientOptions& c = engine_->options();
  absl::Status s = CheckCall(c, o);
  if (s.ok()) s = raw::CheckForwardRange(c, start, end);
  SpawnCall<absl::Status>(*engine_, [e = engine_.get(), s, a = std::string(start),
                                     b = std::string(end), o]() -> absl::Status {
    if (!s.ok()) return s;
    return e->DeleteRange(a, b, o);
  }, std::move(done));
}

void RawClient::CompareAndSwapAsync(std::string_view key, std::optional<std::string_view> expected,
                                    std::string_view new_value, const RawCallOptions& o,
                                    RawCallback<CasResult> done) {
  const RawClientOptions& c = engine_->options();
  absl::Status s = CheckCall(c, o);
  if (s.ok()) s = raw::CheckKey(c, key);
  if (s.ok()) s = raw::CheckValue(c, new_value);
  std::optional<std::string> exp;
  if (expected.has_value()) exp = std::string(*expected);
  using R = absl::StatusOr<CasResult>;
  SpawnCall<R>(*engine_, [e = engine_.get(), s, k = std::string(key), exp = std::move(exp),
                          v = std::string(new_value), o]() -> R {
    if (!s.ok()) return s;
    std::optional<std::string_view> ev;
    if (exp.has_value()) ev = *exp;
    return e->CompareAndSwap(k, ev, v, o);
  }, std::move(done));
}

}  // namespace tikv
