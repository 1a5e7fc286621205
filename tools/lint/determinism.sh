#!/usr/bin/env bash
# Determinism lint (docs/design.md, "The Env rule"): engine and simulator code must take time,
# scheduling, randomness and I/O from tikv::Env only. Fails on banned calls anywhere in src/ and
# sim/ outside the production Env (src/env/prod/).
#
# A line may opt out with a trailing comment `// lint: allow(<reason>)`; the reason is mandatory.
# Usage: tools/lint/determinism.sh [root]   (default: the repository root)
set -euo pipefail
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$root"

# pattern<TAB>why
rules=$(cat <<'RULES'
std::thread\b|std::jthread\b|pthread_create	threads belong to the production Env
std::async\b	threads belong to the production Env
sleep_for|sleep_until|\busleep\(|\bnanosleep\(|\bsleep\(	sleep through Env::executor()
(steady_clock|system_clock|high_resolution_clock)::now	time comes from Env::clock()
absl::Now\(|absl::GetCurrentTimeNanos|\btime\(nullptr\)|gettimeofday|clock_gettime	time comes from Env::clock()
\brand\(|\bsrand\(|random_device|\bmt19937|absl::BitGen|absl::InsecureBitGen	randomness comes from Env::NewRandom()
_distribution<	standard distributions differ between library versions; use tikv::Random helpers
\bthread_local\b	fibers share threads; keep per-fiber state in the fiber
#include\s*[<"]grpcpp/|#include\s*[<"]grpc/(grpc[a-z_]*\.h|impl/|support/|byte_buffer|slice|status\.h)	gRPC is reached only through tikv::Transport (the health-check proto is fine)
\bgetenv\(	configuration is explicit, never read from the environment
RULES
)

files=$(git ls-files -co --exclude-standard -- 'src/*.h' 'src/*.cc' 'sim/*.h' 'sim/*.cc' 2>/dev/null \
        | grep -v '^src/env/prod/' || true)
status=0
while IFS=$'\t' read -r pattern why; do
  [ -n "$pattern" ] || continue
  [ -n "$files" ] || break
  # One grep per rule over every file; drop comment-only lines and reasoned opt-outs.
  hits=$(echo "$files" | xargs grep -nHE "$pattern" 2>/dev/null | grep -vE '^[^:]+:[0-9]+:\s*//' \
         | grep -vE '// lint: allow\([^)]+\)' || true)
  if [ -n "$hits" ]; then
    while IFS= read -r h; do
      echo "$h"
      echo "    -> $why"
    done <<<"$hits"
    status=1
  fi
done <<<"$rules"

if [ $status -ne 0 ]; then
  echo "determinism lint: FAILED (see docs/design.md, 'The Env rule')" >&2
else
  echo "determinism lint: ok ($(echo "$files" | grep -c . || true) files)"
fi
exit $status
