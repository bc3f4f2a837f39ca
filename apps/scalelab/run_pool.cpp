#include "run_pool.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <map>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fs = std::filesystem;

namespace scalelab::app
{
namespace
{

using Clock = std::chrono::steady_clock;

std::string host_name()
{
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0)
    return "host";
  std::string name(buffer);
  for (char& c : name)
    if (c == '/' || c == '-')
      c = '_';
  return name;
}

std::string partial_suffix()
{
  return ".partial-" + host_name() + "-" + std::to_string(getpid());
}

// The last lines a failed run printed, which say why (the loader's file:line:col, the run's error).
std::string log_tail(const fs::path& log)
{
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos)
      lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > 3 ? lines.size() - 3 : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

std::string describe_status(int status)
{
  if (WIFEXITED(status))
    return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = strsignal(WTERMSIG(status));
    return "killed by signal " + std::to_string(WTERMSIG(status)) + (name ? std::string(" (") + name + ")" : "");
  }
  return "status " + std::to_string(status);
}

std::string clock_text(double seconds)
{
  const long s = static_cast<long>(seconds + 0.5);
  char buffer[32];
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60)
    std::snprintf(buffer, sizeof buffer, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%lds", s);
  return buffer;
}

class Pool
{
public:
  Pool(const std::vector<RunTask>& tasks, const PoolOptions& options) : tasks_(tasks), options_(options) {}

  PoolReport run()
  {
    start_ = Clock::now();
    sigset_t watched, previous;
    sigemptyset(&watched);
    for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP})
      sigaddset(&watched, s);
    sigprocmask(SIG_BLOCK, &watched, &previous);
    const unsigned jobs = std::max(1u, options_.jobs);
    std::size_t next = 0;
    auto last_draw = Clock::now() - std::chrono::seconds(1);
    bool changed = true;
    while (next < tasks_.size() || !running_.empty()) {
      while (!stopping_ && running_.size() < jobs && next < tasks_.size())
        start(tasks_[next++]);
      if (stopping_)
        next = tasks_.size();
      if (running_.empty())
        break;
      if (options_.progress && (changed || Clock::now() - last_draw > std::chrono::milliseconds(500))) {
        draw();
        last_draw = Clock::now();
      }
      changed = false;
      for (;;) {
        int status = 0;
        const pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
          break;
        finish(pid, status);
        changed = true;
      }
      if (changed)
        continue;
      timespec wait{0, 250'000'000};
      siginfo_t info;
      const int signal = sigtimedwait(&watched, &info, &wait);
      if (signal == SIGINT || signal == SIGTERM || signal == SIGHUP)
        stop();
      if (stopping_ && Clock::now() > kill_deadline_)
        for (const auto& [pid, run] : running_)
          kill(pid, SIGKILL);
    }
    if (options_.progress) {
      draw();
      std::cerr << '\n';
    }
    // Signals that came while stopping were for this pool; none must kill the program once unblocked.
    timespec none{0, 0};
    while (sigtimedwait(&watched, nullptr, &none) > 0) {
    }
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    report_.interrupted = stopping_;
    report_.wall_seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    return report_;
  }

private:
  struct Running {
    const RunTask* task;
    fs::path partial;
  };

  void start(const RunTask& task)
  {
    const fs::path partial = task.final_dir.string() + suffix_;
    std::error_code ec;
    fs::remove_all(partial, ec);
    fs::create_directories(partial, ec);
    if (ec) {
      fail(task, "cannot create " + partial.string() + ": " + ec.message(), partial);
      return;
    }
    const fs::path log = partial / "log.txt";
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      fail(task, "cannot create " + log.string() + ": " + std::strerror(errno), partial);
      return;
    }
    const std::vector<std::string> args = {options_.program.string(), "run",   task.topology.string(), "--seed",
                                           std::to_string(task.seed), "--out", partial.string(),       "--quiet"};
    std::vector<char*> argv;
    for (const auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fd, 1);
    posix_spawn_file_actions_adddup2(&actions, fd, 2);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGPIPE})
      sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    const int error = posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    close(fd);
    if (error != 0) {
      fail(task, "cannot start " + options_.program.string() + ": " + std::strerror(error), partial);
      return;
    }
    running_[pid] = Running{&task, partial};
  }

  void finish(pid_t pid, int status)
  {
    const auto it = running_.find(pid);
    if (it == running_.end())
      return;
    const Running run = it->second;
    running_.erase(it);
    std::error_code ec;
    // A child stopped by Ctrl-C may be reaped before the pool takes its own SIGINT: take it now.
    if (!stopping_ && WIFSIGNALED(status)) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM) || sigismember(&pending, SIGHUP))
        stop();
    }
    if (stopping_ && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      fs::remove_all(run.partial, ec); // stopped by us: not a failure, and it runs again next time
      return;
    }
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      const std::string tail = log_tail(run.partial / "log.txt");
      fail(*run.task, describe_status(status) + (tail.empty() ? "" : ": " + tail), run.partial);
      return;
    }
    if (!fs::exists(run.partial / "results.json")) {
      fail(*run.task, "it wrote no results.json", run.partial);
      return;
    }
    if (fs::file_size(run.partial / "log.txt", ec) == 0)
      fs::remove(run.partial / "log.txt", ec);
    fs::rename(run.partial, run.task->final_dir, ec);
    if (ec) // the same run finished elsewhere first (two cluster tasks): keep that one
      fs::remove_all(run.partial, ec);
    ++report_.done;
  }

  void fail(const RunTask& task, const std::string& cause, const fs::path& partial)
  {
    std::error_code ec;
    const fs::path kept = task.final_dir.string() + ".failed";
    fs::remove_all(kept, ec);
    fs::rename(partial, kept, ec);
    report_.failures.push_back(RunFailure{task.label, cause});
    if (options_.progress)
      std::cerr << "\r\033[K";
    std::cerr << "scalelab: run " << task.label << " failed: " << cause << '\n';
  }

  void stop()
  {
    if (stopping_)
      return;
    stopping_ = true;
    kill_deadline_ = Clock::now() + std::chrono::seconds(5);
    for (const auto& [pid, run] : running_)
      kill(pid, SIGTERM);
  }

  void draw() const
  {
    const std::size_t finished = report_.done + report_.failures.size();
    const std::size_t done = options_.already_done + report_.done;
    const std::size_t total = std::max(options_.total, options_.already_done + tasks_.size());
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    constexpr int width = 30;
    const int filled = total ? static_cast<int>(width * (done + report_.failures.size()) / total) : width;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '-');
    std::string line = "\r\033[K[" + bar + "] " + std::to_string(done) + "/" + std::to_string(total) + " runs done";
    if (!report_.failures.empty())
      line += ", " + std::to_string(report_.failures.size()) + " failed";
    line += ", " + std::to_string(running_.size()) + " running, " + clock_text(elapsed);
    const std::size_t left = tasks_.size() - finished;
    if (stopping_)
      line += ", stopping";
    else if (finished > 0 && left > 0)
      line += ", about " + clock_text(elapsed / static_cast<double>(finished) * static_cast<double>(left)) + " left";
    std::cerr << line << std::flush;
  }

  const std::vector<RunTask>& tasks_;
  const PoolOptions& options_;
  const std::string suffix_ = partial_suffix();
  std::map<pid_t, Running> running_;
  PoolReport report_;
  bool stopping_ = false;
  Clock::time_point start_, kill_deadline_;
};

} // namespace

bool run_is_done(const fs::path& final_dir)
{
  std::error_code ec;
  return fs::is_regular_file(final_dir / "results.json", ec);
}

PoolReport run_pool(const std::vector<RunTask>& tasks, const PoolOptions& options)
{
  return Pool(tasks, options).run();
}

void remove_stale_partials(const fs::path& dir)
{
  const std::string mine = ".partial-" + host_name() + "-";
  std::error_code ec;
  std::vector<fs::path> stale;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto at = name.find(mine);
    if (at == std::string::npos || !it->is_directory())
      continue;
    it.disable_recursion_pending();
    const long pid = std::strtol(name.c_str() + at + mine.size(), nullptr, 10);
    if (pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      stale.push_back(it->path());
  }
  for (const auto& p : stale)
    fs::remove_all(p, ec);
}

} // namespace scalelab::app
