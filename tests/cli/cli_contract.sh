#!/usr/bin/env bash
# The tikv-cli contract: exit codes (0 ok, 1 error, 2 usage/bad input, 3 not found), `raw get`
# printing the value alone, readable scans, --json, --help everywhere.
#   cli_contract.sh TIKV_CLI sim                     against --sim (fresh cluster per call)
#   cli_contract.sh TIKV_CLI server TIKV_SIM_SERVER  against tikv-sim-server on loopback
set -uo pipefail

cli=$1
mode=$2
failures=0

# matches REGEX TEXT: a line of TEXT matches, or TEXT with newlines as spaces does (so a regex
# may span lines with (.|\n)*).
matches() {
  grep -Eq -- "$1" <<<"$2" || grep -Eq -- "$1" <<<"$(tr '\n' ' ' <<<"$2" | sed 's/ $//')"
}

# expect CODE STDOUT_REGEX STDERR_REGEX ARGS...  ('' skips a regex; '^$' wants it empty)
expect() {
  local want_code=$1 want_out=$2 want_err=$3
  shift 3
  local out err code=0
  out=$("$cli" "${base[@]}" "$@" 2>/tmp/tikv-cli-err.$$) || code=$?
  # Sanitizer builds print banners (e.g. ASan's makecontext warning) that are not the CLI's.
  err=$(grep -vE '^==[0-9]+==WARNING' /tmp/tikv-cli-err.$$ || true)
  local ok=1
  [ "$code" -eq "$want_code" ] || ok=0
  if [ -n "$want_out" ]; then
    if [ "$want_out" = '^$' ]; then [ -z "$out" ] || ok=0; else matches "$want_out" "$out" || ok=0; fi
  fi
  if [ -n "$want_err" ]; then
    if [ "$want_err" = '^$' ]; then [ -z "$err" ] || ok=0; else grep -Eq -- "$want_err" <<<"$err" || ok=0; fi
  fi
  if [ "$ok" -eq 0 ]; then
    echo "FAIL: tikv-cli ${base[*]} $* -> exit $code (want $want_code)"
    echo "  stdout: $out"
    echo "  stderr: $err"
    failures=$((failures + 1))
  fi
}

# Usage and help, independent of any cluster.
base=()
expect 0 'usage: tikv-cli' '' --help
expect 0 'usage: tikv-cli' '' --sim raw --help
expect 0 'raw get KEY' '' --sim raw get --help
expect 0 'raw scan START' '' --sim raw scan --help
expect 0 'raw cas KEY OLD NEW' '' --sim raw cas --help
expect 2 '^$' 'missing command' --sim
expect 2 '^$' 'unknown raw subcommand' --sim raw frobnicate
expect 2 '^$' 'exactly one of' raw get k
expect 2 '^$' 'unknown flag' --sim raw get k --bogus
expect 2 '^$' 'takes KEY' --sim raw get
expect 2 '^$' 'unknown API version' --sim --api-version v9 raw get k

if [ "$mode" = sim ]; then
  base=(--sim)
  expect 0 '^OK$' '^$' raw put k v
  expect 3 '^$' 'not found' raw get k           # a fresh cluster per invocation
  expect 2 '' 'limit' raw scan a --limit 99999
  expect 2 '' 'inverted' raw scan b a
  expect 2 '' 'TTL not enabled' raw put k v --ttl 5
  expect 0 '^OK$' '' --api-version v1ttl raw put k v --ttl 5
  expect 0 '^\(0 pairs\)$' '' raw scan a
  expect 0 '^\[\]$' '' --json raw scan a
  expect 0 'swapped: true' '' raw cas k v --not-exist
  expect 0 '"ok":true' '' --json --keyspace DEFAULT raw put k v
else
  server=$3
  log=$(mktemp)
  "$server" --pd-addr 127.0.0.1:0 --stores 3 --raw-split-keys k5,m --api-version v1ttl >"$log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log" /tmp/tikv-cli-err.$$' EXIT
  for _ in $(seq 1 300); do grep -q '^ready pd=' "$log" && break; sleep 0.1; done
  pd=$(sed -nE 's/^ready pd=([^ ]+).*/\1/p' "$log")
  [ -n "$pd" ] || { echo "server not ready"; cat "$log"; exit 1; }
  base=(--pd "$pd" --api-version v1ttl)

  expect 3 '^$' 'not found' raw get k1
  expect 0 '^OK$' '^$' raw put k1 v1
  expect 0 '^v1$' '^$' raw get k1
  expect 0 '^OK$' '' raw put empty ''
  out=$("$cli" "${base[@]}" raw get empty); code=$?
  if [ "$code" -ne 0 ] || [ -n "$out" ]; then echo "FAIL: empty value must print an empty line and exit 0"; failures=$((failures + 1)); fi
  expect 0 '"value":""' '' --json raw get empty
  for k in k3 k5 k7 z1; do expect 0 '^OK$' '' raw put $k "v-$k"; done
  # k1 k3 | k5 k7 | (m) z1: three regions
  expect 0 'k1 +v1(.|\n)*k3 +v-k3(.|\n)*k5 +v-k5(.|\n)*k7 +v-k7(.|\n)*\(4 pairs\)' '' raw scan k k8
  expect 0 '^\[\{"key":"k1","value":"v1"\},\{"key":"k3","value":"v-k3"\}\]$' '' --json raw scan k1 --limit 2
  expect 0 'z1(.|\n)*k7(.|\n)*k5(.|\n)*\(3 pairs\)' '' raw scan zz --reverse --limit 3
  expect 0 '^KEY$' '' raw scan k --keys-only --limit 1
  expect 2 '' 'limit' raw scan a --limit 10241
  expect 2 '' 'inverted' raw scan k9 k1
  expect 0 'swapped: false(.|\n)*previous: v1' '' raw cas k1 nope x
  expect 0 'swapped: true(.|\n)*previous: v1' '' raw cas k1 v1 v2
  expect 0 '^\{"swapped":true,"previous":null\}$' '' --json raw cas fresh one --not-exist
  expect 0 '^v2$' '' raw get k1
  expect 0 '^OK$' '' raw put t tv --ttl 100
  expect 0 '^(100|99|98|97)$' '' raw ttl t
  expect 0 '^0$' '' raw ttl k1
  expect 3 '' 'not found' raw ttl nope
  expect 0 'total_kvs: 2' '' raw checksum k5 m
  expect 0 '"total_kvs":2' '' --json raw checksum k5 m
  expect 0 '^OK$' '' raw delete-range k2 z
  expect 0 'k1(.|\n)*\(1 pair\)' '' raw scan k z
  expect 0 '^OK$' '' raw delete k1
  expect 3 '^$' 'not found' raw get k1
  expect 1 '' '' --timeout 2 --pd 127.0.0.1:1 raw get k1
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "cli contract ($mode): all checks passed"
