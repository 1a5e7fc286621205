#!/usr/bin/env bash
# The determinism lint must fail on the fixture, name both banned calls, and honour the opt-out.
# Usage: lint_catches_banned_calls.sh <lint> <fixture-root>
set -u
out=$("$1" "$2" 2>&1)
rc=$?
echo "$out"
[ $rc -ne 0 ] || { echo "expected the lint to fail"; exit 1; }
grep -q 'banned.cc:7:.*sleep_for' <<<"$out" || { echo "sleep_for not reported"; exit 1; }
grep -q 'banned.cc:8:.*steady_clock::now' <<<"$out" || { echo "steady_clock not reported"; exit 1; }
if grep -q 'thread_local' <<<"$out"; then echo "the opt-out was not honoured"; exit 1; fi
echo "lint check ok"
