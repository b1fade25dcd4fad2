#include "conformance/subprocess.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <mutex>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bpfcert::conformance {

namespace {

struct Pipe {
  int read = -1, write = -1;
  bool open() {
    int fds[2];
    // Close-on-exec: a plugin started by another worker thread must not inherit our ends, or
    // it would hold this plugin's stdin open and we would never see EOF.
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read = fds[0];
    write = fds[1];
    return true;
  }
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ~Pipe() {
    close_fd(read);
    close_fd(write);
  }
};

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input, const ProcessLimits& limits) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  // A plugin that exits without reading its stdin makes our next write fail with EPIPE; the
  // SIGPIPE that comes with it must not end the runner. (Children get the default back.)
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
  ProcessResult res;
  Pipe in, out, err;
  if (!in.open() || !out.open() || !err.open()) {
    res.start_error = std::string("pipe: ") + std::strerror(errno);
    return res;
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, in.read, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO);
  // A process group of its own (pgid = its pid), so the timeout kills its children too.
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    res.start_error = std::strerror(rc);
    return res;
  }
  res.started = true;
  Pipe::close_fd(in.read);
  Pipe::close_fd(out.write);
  Pipe::close_fd(err.write);
  ::fcntl(in.write, F_SETFL, O_NONBLOCK);

  size_t written = 0;
  if (input.empty()) Pipe::close_fd(in.write);
  const auto deadline = t0 + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(limits.timeout_seconds));
  bool killed = false;
  auto kill_group = [&] {
    if (!killed) ::kill(-pid, SIGKILL);
    killed = true;
  };
  char buf[65536];
  while (out.read >= 0 || err.read >= 0) {
    const auto now = clock::now();
    if (now >= deadline) {
      res.timed_out = true;
      kill_group();
      break;
    }
    pollfd fds[3];
    int n = 0;
    int idx_out = -1, idx_err = -1, idx_in = -1;
    if (out.read >= 0) fds[idx_out = n++] = {out.read, POLLIN, 0};
    if (err.read >= 0) fds[idx_err = n++] = {err.read, POLLIN, 0};
    if (in.write >= 0) fds[idx_in = n++] = {in.write, POLLOUT, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    const int ready = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(std::max<long long>(1, left)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    auto drain = [&](int idx, int& fd, std::string& sink) {
      if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      const ssize_t got = ::read(fd, buf, sizeof buf);
      if (got <= 0) {
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) return;
        Pipe::close_fd(fd);
        return;
      }
      sink.append(buf, static_cast<size_t>(got));
      if (sink.size() > limits.max_output) {
        res.output_overflow = true;
        sink.resize(limits.max_output);
      }
    };
    drain(idx_out, out.read, res.out);
    drain(idx_err, err.read, res.err);
    if (res.output_overflow) {
      kill_group();
      break;
    }
    if (idx_in >= 0 && (fds[idx_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
      if (fds[idx_in].revents & (POLLERR | POLLHUP)) {
        Pipe::close_fd(in.write);  // the plugin closed its stdin: it does not want the rest
      } else {
        const ssize_t put = ::write(in.write, input.data() + written, input.size() - written);
        if (put > 0) written += static_cast<size_t>(put);
        if ((put < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) Pipe::close_fd(in.write);
      }
    }
  }
  Pipe::close_fd(in.write);
  // Both outputs are closed (or we gave up): reap, still under the deadline. A pidfd becomes
  // readable when the process exits, so we sleep exactly as long as needed.
  int status = 0;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  while (true) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    const auto now = clock::now();
    if (now >= deadline) {
      res.timed_out = res.timed_out || !killed;
      kill_group();
      ::waitpid(pid, &status, 0);
      break;
    }
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
      ::poll(&p, 1, static_cast<int>(std::max<long long>(1, left)));
    } else {
      ::usleep(200);
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status) && !killed) res.signal = WTERMSIG(status);
  res.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return res;
}

}  // namespace bpfcert::conformance
