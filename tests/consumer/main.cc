// A program that uses the installed TiKV client as an application would: public headers only,
// linked through find_package(TiKVClient) and TiKV::client.

#include <cstdio>
#include <string>

#include "tikv/status.h"
#include "tikv/status_proto.h"

int main() {
  absl::Status conflict = tikv::WriteConflictError({.start_ts = 1, .conflict_ts = 2, .key = "k"});
  kvrpcpb::KeyError raw;
  raw.mutable_already_exist()->set_key("k");
  if (!tikv::IsWriteConflict(conflict) || !tikv::IsKeyExists(tikv::KeyErrorStatus(raw))) {
    std::printf("consumer failed: %s\n", std::string(conflict.message()).c_str());
    return 1;
  }
  std::printf("consumer ok\n");
  return 0;
}
