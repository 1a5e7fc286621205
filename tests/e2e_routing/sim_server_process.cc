#include "tests/e2e_routing/sim_server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace tikv::e2e {
namespace {

using Clock = std::chrono::steady_clock;

// Parses "ready pd=ADDR stores=A,B,..." into its parts.
bool ParseReady(const std::string& line, std::string* pd, std::vector<std::string>* stores) {
  constexpr std::string_view kPd = "ready pd=";
  if (line.rfind(kPd, 0) != 0) return false;
  const size_t space = line.find(' ', kPd.size());
  if (space == std::string::npos) return false;
  *pd = line.substr(kPd.size(), space - kPd.size());
  constexpr std::string_view kStores = "stores=";
  const size_t s = line.find(kStores, space);
  if (s == std::string::npos) return false;
  std::string list = line.substr(s + kStores.size());
  while (!list.empty() && (list.back() == '\n' || list.back() == '\r')) list.pop_back();
  *stores = absl::StrSplit(list, ',', absl::SkipEmpty());
  return !pd->empty() && !stores->empty();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SimServerProcess>> SimServerProcess::Start(
    const std::string& binary, const SimServerFlags& flags, std::chrono::milliseconds ready_timeout) {
  if (flags.stores < 1 || flags.stores > 64) {
    return absl::InvalidArgumentError("stores must be 1..64");
  }
  if (flags.lifetime.count() <= 0) return absl::InvalidArgumentError("lifetime must be positive");
  // Every string the child needs is built before fork: between fork and exec the child may
  // only make async-signal-safe calls (the test process has gRPC and runtime threads).
  std::vector<std::string> args = {binary,      "--pd-addr", "127.0.0.1:0",
                                   "--stores",  std::to_string(flags.stores),
                                   "--seed",    std::to_string(flags.seed),
                                   "--api-version", flags.api_version};
  if (!flags.split_keys.empty()) {
    args.push_back("--split-keys");
    args.push_back(absl::StrJoin(flags.split_keys, ","));
  }
  if (!flags.raw_split_keys.empty()) {
    args.push_back("--raw-split-keys");
    args.push_back(absl::StrJoin(flags.raw_split_keys, ","));
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const unsigned lifetime = static_cast<unsigned>(flags.lifetime.count());

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    // Die with the test process, and in any case after `lifetime` (SIGALRM's default action
    // terminates; the pending alarm survives exec and the server does not block it).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    alarm(lifetime);
    dup2(out[1], STDOUT_FILENO);  // dup2 clears O_CLOEXEC on the copy
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  std::unique_ptr<SimServerProcess> p(new SimServerProcess(pid, out[0]));

  std::string line;
  const Clock::time_point deadline = Clock::now() + ready_timeout;
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return absl::DeadlineExceededError(absl::StrCat("tikv-sim-server not ready after ",
                                                      ready_timeout.count(), " ms"));
    }
    pollfd fd{.fd = p->stdout_fd_, .events = POLLIN, .revents = 0};
    const int n = poll(&fd, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[512];
    const ssize_t got = read(p->stdout_fd_, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      return absl::UnavailableError(
          absl::StrCat("tikv-sim-server exited before it was ready (exit status ", p->Stop(), ")"));
    }
    line.append(buf, static_cast<size_t>(got));
  }
  if (!ParseReady(line, &p->pd_address_, &p->store_addresses_)) {
    return absl::InternalError(absl::StrCat("unexpected ready line: ", line));
  }
  return p;
}

int SimServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  int status = 0;
  kill(pid_, SIGTERM);
  const Clock::time_point give_up = Clock::now() + std::chrono::seconds(5);
  for (;;) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) break;
    if (Clock::now() >= give_up) {
      kill(pid_, SIGKILL);
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    // Test-side code on the real clock: poll the child every 10 ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
  return status;
}

SimServerProcess::~SimServerProcess() { Stop(); }

absl::StatusOr<std::unique_ptr<DeadAddress>> DeadAddress::Open(Kind kind) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      (kind == Kind::kSilent && listen(fd, 64) != 0) ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string error = strerror(errno);
    close(fd);
    return absl::InternalError(absl::StrCat("bind/listen: ", error));
  }
  return std::unique_ptr<DeadAddress>(
      new DeadAddress(fd, absl::StrCat("127.0.0.1:", ntohs(addr.sin_port))));
}

DeadAddress::~DeadAddress() { close(fd_); }

}  // namespace tikv::e2e
