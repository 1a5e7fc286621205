#!/usr/bin/env bash
# Public headers (include/tikv/) may include the standard library, Abseil, protobuf's Message
# base class and each other — never src/ internals, sim/, gRPC, or generated schema headers.
# The one exception is tikv/status_proto.h, the opt-in door to the raw kvrpcpb/errorpb errors.
set -u
dir=$1
bad=$(grep -nE '^#include' "$dir"/*.h | grep -v '/status_proto.h:' \
      | grep -vE '#include <[a-z_/]+(\.h)?>|#include "absl/|#include "tikv/|#include "google/protobuf/message.h"' || true)
if [ -n "$bad" ]; then
  echo "public headers include what they must not:"
  echo "$bad"
  exit 1
fi
echo "public headers: ok ($(ls "$dir"/*.h | wc -l) headers)"
