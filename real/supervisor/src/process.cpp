#include "scalelab/real/process.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace scalelab::real
{

namespace
{

using Clock = std::chrono::steady_clock;

std::string read_small_file(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses): state is [0].
std::vector<std::string> stat_fields(pid_t pid)
{
  const std::string stat = read_small_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos)
    return fields;
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  while (rest >> field)
    fields.push_back(field);
  return fields;
}

void set_cloexec_except(const std::vector<int>& keep)
{
  DIR* dir = opendir("/proc/self/fd");
  if (!dir)
    return;
  const int own = dirfd(dir);
  std::vector<int> fds;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (*end == '\0' && fd > 2 && fd != own)
      fds.push_back(static_cast<int>(fd));
  }
  closedir(dir);
  for (int fd : fds) {
    bool kept = false;
    for (int k : keep)
      kept = kept || k == fd;
    const int flags = fcntl(fd, F_GETFD);
    if (flags >= 0)
      fcntl(fd, F_SETFD, kept ? (flags & ~FD_CLOEXEC) : (flags | FD_CLOEXEC));
  }
}

// Only async-signal-safe calls between fork and exec where it matters; the environment is built before fork.
[[noreturn]] void child_exec(const SpawnOptions& o, const std::vector<char*>& argv, const std::vector<char*>& envp,
                             int report_fd)
{
  auto fail = [report_fd](const char* what) {
    const int e = errno;
    char message[256];
    const int n = std::snprintf(message, sizeof message, "%s: %s", what, std::strerror(e));
    if (n > 0 && write(report_fd, message, static_cast<std::size_t>(n)) < 0) {
    }
    _exit(127);
  };
  if (o.new_session) {
    if (setsid() < 0)
      fail("setsid");
  } else if (setpgid(0, 0) < 0) {
    fail("setpgid");
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD})
    signal(s, SIG_DFL);
  const int in = open("/dev/null", O_RDONLY);
  const int out = open(o.output.empty() ? "/dev/null" : o.output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (in < 0 || out < 0)
    fail(o.output.empty() ? "/dev/null" : o.output.c_str());
  if (o.user && fchown(out, o.user->uid, o.user->gid) < 0 && !o.output.empty()) {
  }
  dup2(in, 0);
  dup2(out, 1);
  dup2(out, 2);
  if (in > 2)
    close(in);
  if (out > 2)
    close(out);
  if (!o.cwd.empty() && chdir(o.cwd.c_str()) < 0)
    fail(o.cwd.c_str());
  if (o.user) {
    if (setgroups(0, nullptr) < 0 || setgid(o.user->gid) < 0 || setuid(o.user->uid) < 0)
      fail("switching user");
  }
  // After the user switch: a change of credentials clears the parent-death signal.
  if (o.parent_death_signal != 0 && prctl(PR_SET_PDEATHSIG, o.parent_death_signal) < 0)
    fail("prctl");
  execvpe(argv[0], argv.data(), envp.data());
  fail(argv[0]);
  _exit(127);
}

} // namespace

std::optional<RunAs> lookup_user(const std::string& name)
{
  const passwd* pw = getpwnam(name.c_str());
  if (!pw)
    return std::nullopt;
  return RunAs{pw->pw_uid, pw->pw_gid, name};
}

ProcessId spawn(const SpawnOptions& o)
{
  if (o.argv.empty())
    throw std::runtime_error("spawn: no program");
  // Build argv and envp before fork.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos && o.env.count(entry.substr(0, eq)))
      continue;
    env_strings.push_back(entry);
  }
  for (const auto& [k, v] : o.env)
    env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = o.argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  // execvpe searches the caller's PATH: put the child's PATH in place for the search.
  std::string old_path = getenv("PATH") ? getenv("PATH") : "";
  const auto path_it = o.env.find("PATH");

  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  set_cloexec_except(o.keep_fds);
  if (path_it != o.env.end())
    setenv("PATH", path_it->second.c_str(), 1);
  const pid_t pid = fork();
  if (pid == 0) {
    close(report[0]);
    child_exec(o, argv, envp, report[1]);
  }
  if (path_it != o.env.end())
    setenv("PATH", old_path.c_str(), 1);
  close(report[1]);
  if (pid < 0) {
    close(report[0]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  // Also set the group from this side, so that it exists before the first signal to it.
  if (!o.new_session)
    setpgid(pid, pid);
  std::string error;
  char buffer[256];
  ssize_t n;
  while ((n = read(report[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      error.append(buffer, static_cast<std::size_t>(n));
  close(report[0]);
  if (!error.empty()) {
    waitpid(pid, nullptr, 0);
    throw std::runtime_error("cannot start " + o.argv[0] + ": " + error);
  }
  ProcessId id;
  id.pid = pid;
  id.pgid = pid;
  id.start = process_start_time(pid).value_or(0);
  return id;
}

std::optional<unsigned long long> process_start_time(pid_t pid)
{
  if (pid <= 0)
    return std::nullopt;
  const auto fields = stat_fields(pid);
  // state is field 3 of the file (index 0 here), starttime field 22 (index 19).
  if (fields.size() < 20 || fields[0] == "Z" || fields[0] == "X" || fields[0] == "x")
    return std::nullopt;
  return std::stoull(fields[19]);
}

bool is_alive(const ProcessId& process)
{
  const auto start = process_start_time(process.pid);
  return start && (process.start == 0 || *start == process.start);
}

std::vector<pid_t> reap_children()
{
  std::vector<pid_t> reaped;
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
    reaped.push_back(pid);
  return reaped;
}

void signal_group(const ProcessId& process, int signal)
{
  if (process.pgid > 1 && kill(-process.pgid, signal) == 0)
    return;
  if (process.pid > 1 && is_alive(process))
    kill(process.pid, signal);
}

bool wait_gone(const ProcessId& process, std::chrono::milliseconds timeout)
{
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    reap_children();
    if (!is_alive(process))
      return true;
    if (Clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool stop_group(const ProcessId& process, std::chrono::milliseconds grace)
{
  if (!is_alive(process))
    return true; // its group's number may belong to someone else by now: leftovers are found by environment
  signal_group(process, SIGTERM);
  if (wait_gone(process, grace)) {
    if (process.pgid > 1)
      kill(-process.pgid, SIGKILL);
    return true;
  }
  signal_group(process, SIGKILL);
  return wait_gone(process, std::chrono::milliseconds(3000));
}

CommandResult run_command(SpawnOptions options, std::chrono::milliseconds timeout,
                          const volatile std::sig_atomic_t* stop)
{
  CommandResult result;
  char path[] = "/tmp/scalelab-real-cmd-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0)
    throw std::runtime_error(std::string("mkstemp: ") + std::strerror(errno));
  close(fd);
  options.output = path;
  if (options.user && chown(path, options.user->uid, options.user->gid) < 0) {
  }
  ProcessId child;
  try {
    child = spawn(options);
  } catch (...) {
    unlink(path);
    throw;
  }
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(child.pid, &status, WNOHANG);
    if (done == child.pid) {
      result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    if (Clock::now() >= deadline || (stop && *stop)) {
      result.timed_out = true;
      kill(-child.pgid, SIGKILL);
      waitpid(child.pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  result.output = read_small_file(path);
  if (result.output.size() > 65536)
    result.output = result.output.substr(result.output.size() - 65536);
  unlink(path);
  return result;
}

std::vector<ProcessId> processes_with_environment(const std::string& variable, const std::string& value)
{
  const std::string wanted = variable + "=" + value;
  std::vector<ProcessId> found;
  DIR* dir = opendir("/proc");
  if (!dir)
    return found;
  const pid_t self = getpid();
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == self)
      continue;
    const std::string env = read_small_file("/proc/" + std::to_string(pid) + "/environ");
    std::size_t pos = 0;
    bool match = false;
    while (pos < env.size() && !match) {
      const auto zero = env.find('\0', pos);
      const auto item = env.substr(pos, zero == std::string::npos ? std::string::npos : zero - pos);
      match = item == wanted;
      if (zero == std::string::npos)
        break;
      pos = zero + 1;
    }
    if (!match)
      continue;
    const auto fields = stat_fields(static_cast<pid_t>(pid));
    if (fields.size() < 20 || fields[0] == "Z" || fields[0] == "X")
      continue;
    found.push_back(
        ProcessId{static_cast<pid_t>(pid), static_cast<pid_t>(std::stol(fields[2])), std::stoull(fields[19])});
  }
  closedir(dir);
  return found;
}

std::vector<int> free_loopback_ports(int count)
{
  std::vector<int> sockets, ports;
  for (int i = 0; i < count; ++i) {
    const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (s < 0 || bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 ||
        getsockname(s, reinterpret_cast<sockaddr*>(&address), &length) < 0) {
      for (int t : sockets)
        close(t);
      if (s >= 0)
        close(s);
      throw std::runtime_error(std::string("no free port on 127.0.0.1: ") + std::strerror(errno));
    }
    sockets.push_back(s);
    ports.push_back(ntohs(address.sin_port));
  }
  for (int s : sockets)
    close(s);
  return ports;
}

namespace
{
int connect_loopback(int port, std::chrono::milliseconds timeout)
{
  const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0)
    return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (connect(s, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 && errno != EINPROGRESS) {
    close(s);
    return -1;
  }
  pollfd p{s, POLLOUT, 0};
  int error = 0;
  socklen_t length = sizeof error;
  if (poll(&p, 1, static_cast<int>(timeout.count())) != 1 || getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &length) < 0 ||
      error != 0) {
    close(s);
    return -1;
  }
  return s;
}
} // namespace

bool port_open(int port, std::chrono::milliseconds timeout)
{
  const int s = connect_loopback(port, timeout);
  if (s < 0)
    return false;
  close(s);
  return true;
}

std::string tcp_exchange(int port, const std::string& request, std::chrono::milliseconds timeout)
{
  const auto deadline = Clock::now() + timeout;
  const int s = connect_loopback(port, timeout);
  if (s < 0)
    return {};
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(s, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      close(s);
      return {};
    }
    pollfd p{s, POLLOUT, 0};
    poll(&p, 1, 10);
    if (Clock::now() >= deadline) {
      close(s);
      return {};
    }
  }
  std::string answer;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0)
      break;
    pollfd p{s, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0)
      break;
    const ssize_t n = recv(s, buffer, sizeof buffer, 0);
    if (n <= 0)
      break;
    answer.append(buffer, static_cast<std::size_t>(n));
    // A Redis answer is one line: stop at its end.
    if (answer.size() >= 2 && answer[0] == '+' && answer.find("\r\n") != std::string::npos)
      break;
  }
  close(s);
  return answer;
}

int http_get_status(int port, const std::string& path, std::chrono::milliseconds timeout)
{
  const std::string answer =
      tcp_exchange(port, "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", timeout);
  // "HTTP/1.x NNN ..."
  if (answer.rfind("HTTP/", 0) != 0)
    return 0;
  const auto space = answer.find(' ');
  if (space == std::string::npos || space + 4 > answer.size())
    return 0;
  return std::atoi(answer.substr(space + 1, 3).c_str());
}

} // namespace scalelab::real
