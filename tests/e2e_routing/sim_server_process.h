// SimServerProcess: the tikv-sim-server binary as a child process on loopback, for tests that
// drive the production Env over real gRPC.  The server binds free ports itself (port 0) and
// reports them on its ready line, so tests never guess ports.  The child is always reaped:
// the destructor sends SIGTERM, then SIGKILL if it has not exited within a few seconds; the
// child also dies with the test process (PR_SET_PDEATHSIG) and after a hard lifetime limit
// (an alarm that survives exec), so a crashed or hung test cannot leave a server behind.
//
// Thread-compatible: use one instance from one thread.

#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tikv::e2e {

// The tikv-sim-server flags a test may set (tools/sim_server/main.cc documents them).
struct SimServerFlags {
  int stores = 3;
  std::vector<std::string> split_keys;      // --split-keys (transactional layout)
  std::vector<std::string> raw_split_keys;  // --raw-split-keys (raw layout)
  std::string api_version = "v1";           // v1, v1ttl or v2
  uint64_t seed = 1;
  // The child is killed by SIGALRM after this long whatever happens.
  std::chrono::seconds lifetime{120};
};

class SimServerProcess {
 public:
  // Starts the binary at `binary` and waits up to `ready_timeout` for its ready line.
  // Errors: kInvalidArgument for bad flags; kInternal when fork/exec fails; kDeadlineExceeded
  // when no ready line came in time; kUnavailable when the child exited first (its stderr is
  // inherited, so the reason shows in the test log).
  static absl::StatusOr<std::unique_ptr<SimServerProcess>> Start(
      const std::string& binary, const SimServerFlags& flags,
      std::chrono::milliseconds ready_timeout = std::chrono::seconds(10));

  // Stops the child (SIGTERM, then SIGKILL after 5 s) and reaps it.
  ~SimServerProcess();
  SimServerProcess(const SimServerProcess&) = delete;
  SimServerProcess& operator=(const SimServerProcess&) = delete;

  // "127.0.0.1:PORT" of PD and of every store, from the ready line.
  const std::string& pd_address() const { return pd_address_; }
  const std::vector<std::string>& store_addresses() const { return store_addresses_; }

  // Stops the child now (as the destructor does).  Returns its exit status as waitpid
  // reports it, or -1 when it was already reaped.
  int Stop();

 private:
  SimServerProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_;
  int stdout_fd_;
  std::string pd_address_;
  std::vector<std::string> store_addresses_;
};

// A TCP socket bound to a free loopback port that is never served, for "unreachable" and
// "silent peer" addresses.  kRefusing binds without listening (connects are refused at once);
// kSilent listens but never accepts (connects complete in the kernel backlog, and the gRPC
// handshake then waits forever).  Closed by the destructor.
class DeadAddress {
 public:
  enum class Kind { kRefusing, kSilent };
  // Errors: kInternal when no socket can be bound.
  static absl::StatusOr<std::unique_ptr<DeadAddress>> Open(Kind kind);
  ~DeadAddress();
  DeadAddress(const DeadAddress&) = delete;
  DeadAddress& operator=(const DeadAddress&) = delete;
  // "127.0.0.1:PORT".
  const std::string& address() const { return address_; }

 private:
  DeadAddress(int fd, std::string address) : fd_(fd), address_(std::move(address)) {}
  int fd_;
  std::string address_;
};

}  // namespace tikv::e2e
