#!/usr/bin/env bash
# tools/dev demo: builds tikv-cli and tikv-sim-server (build/dev), starts the simulated cluster
# on loopback with a region split at "m" and API V1TTL, and runs a short raw session with the
# CLI: put, get, a scan across the split, compare-and-swap, TTL.  Each step is printed with its
# output and checked; exits 0 only if every step printed what it should.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true

build=build/dev
if [ ! -f "$build/build.ninja" ]; then
  echo "demo: configuring $build (tools/dev build)"
  tools/dev build
fi
echo "demo: building tikv-cli and tikv-sim-server"
cmake --build "$build" --target tikv-cli tikv-sim-server -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
cli="$build/tools/tikv-cli"
server="$build/tools/tikv-sim-server"

log=$(mktemp -t tikv-demo-server.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap cleanup EXIT INT TERM

echo "demo: starting tikv-sim-server (3 stores, split at \"m\", API v1ttl)"
"$server" --pd-addr 127.0.0.1:0 --stores 3 --raw-split-keys m --api-version v1ttl --seed 1 >"$log" 2>&1 &
server_pid=$!
ready=
for _ in $(seq 1 300); do
  ready=$(grep -m1 '^ready pd=' "$log" || true)
  [ -n "$ready" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "demo: the server did not become ready:" >&2
  cat "$log" >&2
  exit 1
fi
pd=$(sed -E 's/^ready pd=([^ ]+).*/\1/' <<<"$ready")
echo "demo: $ready"
echo

failures=0
# step EXPECTED_EXIT EXPECTED_REGEX ARGS...: runs the CLI, prints the command and its output,
# checks the exit code and that stdout matches the (extended) regex.
step() {
  local want_code=$1 want_out=$2
  shift 2
  echo "\$ tikv-cli --pd $pd --api-version v1ttl $*"
  local out code=0
  out=$("$cli" --pd "$pd" --api-version v1ttl "$@" 2>&1) || code=$?
  [ -n "$out" ] && sed 's/^/  /' <<<"$out"
  # A line must match, or the whole output with newlines as spaces (for multi-line patterns).
  if [ "$code" -ne "$want_code" ] || ! { grep -Eq -- "$want_out" <<<"$out" ||
      grep -Eq -- "$want_out" <<<"$(tr '\n' ' ' <<<"$out" | sed 's/ $//')"; }; then
    echo "  ^ FAILED: wanted exit $want_code and output matching /$want_out/, got exit $code"
    failures=$((failures + 1))
  fi
  echo
}

echo "== put and get =="
step 0 '^OK$' raw put greeting "hello, tikv"
step 0 '^hello, tikv$' raw get greeting
step 3 'not found' raw get no-such-key

echo "== a scan that crosses the region split at \"m\" =="
step 0 '^OK$' raw put apple red
step 0 '^OK$' raw put banana yellow
step 0 '^OK$' raw put yam orange
step 0 '^OK$' raw put zucchini green
step 0 'apple +red(.|\n)*banana +yellow(.|\n)*greeting(.|\n)*yam +orange(.|\n)*zucchini +green(.|\n)*\(5 pairs\)' \
  raw scan a --limit 10
step 0 'zucchini(.|\n)*yam(.|\n)*greeting' raw scan zz --reverse --limit 3 --keys-only

echo "== compare-and-swap =="
step 0 'swapped: true(.|\n)*previous: \(none\)' raw cas counter 1 --not-exist
step 0 'swapped: true(.|\n)*previous: 1' raw cas counter 1 2
step 0 'swapped: false(.|\n)*previous: 2' raw cas counter 1 3
step 0 '^2$' raw get counter

echo "== TTL =="
step 0 '^OK$' raw put session token --ttl 60
step 0 '^(60|59|58|57|56|55)$' raw ttl session
step 0 '^0$' raw ttl greeting

echo "== delete =="
step 0 '^OK$' raw delete greeting
step 3 'not found' raw get greeting

if [ "$failures" -ne 0 ]; then
  echo "demo: $failures step(s) failed"
  exit 1
fi
echo "demo: every step printed what it should; stopping the server"
