#pragma once
// Child processes of the live stack: started in a process group of their own, optionally as another user and
// with a parent-death signal; found again later by PID and start time (a PID alone may have been reused); stopped
// by process group. Plain POSIX and /proc, no SimGrid.
#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace scalelab::real
{

// A user to run a child as (root only): PostgreSQL refuses to run as root.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;
};
// The user `name`, or nothing when it does not exist.
std::optional<RunAs> lookup_user(const std::string& name);

struct SpawnOptions {
  std::vector<std::string> argv;          // argv[0] is looked up in PATH (of env when set there)
  std::map<std::string, std::string> env; // added to (or replacing in) this process's environment
  std::string cwd;                        // empty: this process's
  std::string output;                     // stdout and stderr appended to this file; empty: /dev/null
  std::optional<RunAs> user;              // switch to this user (this process must be root)
  int parent_death_signal = 0;            // PR_SET_PDEATHSIG in the child (0: none)
  bool new_session = false;               // setsid() instead of a process group of its own
  std::vector<int> keep_fds;              // descriptors the child keeps (others are close-on-exec or closed)
};

// A process as found in /proc: its PID and its start time (field 22 of /proc/PID/stat, clock ticks since boot).
struct ProcessId {
  pid_t pid = 0;
  pid_t pgid = 0;
  unsigned long long start = 0;
};

// Starts the child; throws std::runtime_error when fork fails or the program cannot be executed (the child
// reports a failed exec through a pipe, so an error is never mistaken for a start).
ProcessId spawn(const SpawnOptions& options);

// The start time of pid, or nothing when there is no such process or it is a zombie (state Z or X): PID 1 on
// some machines reaps slowly, so kill(pid, 0) can call a dead process alive.
std::optional<unsigned long long> process_start_time(pid_t pid);
bool is_alive(const ProcessId& process);

// Reaps every child of this process that has exited (WNOHANG); returns their PIDs.
std::vector<pid_t> reap_children();

// Signals the process group (falls back on the PID when the group is gone); ignores ESRCH.
void signal_group(const ProcessId& process, int signal);
// SIGTERM to the group, waits up to `grace` for the process to end (reaping it when it is a child), then SIGKILL
// to the group. Returns true when the process is gone.
bool stop_group(const ProcessId& process, std::chrono::milliseconds grace);
// Waits up to `timeout` for the process to end (reaping children meanwhile).
bool wait_gone(const ProcessId& process, std::chrono::milliseconds timeout);

struct CommandResult {
  int status = -1; // exit status; -1 when killed or timed out
  bool timed_out = false;
  std::string output; // stdout and stderr, merged (at most 64 KB kept)
};
// Runs a command to its end, with a time limit (the group is killed after it). `stop` is checked while it runs:
// when it turns true the command is killed too.
CommandResult run_command(SpawnOptions options, std::chrono::milliseconds timeout,
                          const volatile std::sig_atomic_t* stop = nullptr);

// PIDs (other than this process) whose environment holds exactly `variable=value` (readable ones only).
std::vector<ProcessId> processes_with_environment(const std::string& variable, const std::string& value);

// Reserves `count` distinct free TCP ports on 127.0.0.1 (bound together, then released).
std::vector<int> free_loopback_ports(int count);
// True when a TCP connection to 127.0.0.1:port succeeds within `timeout`.
bool port_open(int port, std::chrono::milliseconds timeout);
// Sends `request` to 127.0.0.1:port and returns what comes back until the peer closes, `expect_prefix` has been
// received, or `timeout` passes; empty when the connection fails.
std::string tcp_exchange(int port, const std::string& request, std::chrono::milliseconds timeout);
// GET path over HTTP/1.0 to 127.0.0.1:port; the status code, 0 when no answer.
int http_get_status(int port, const std::string& path, std::chrono::milliseconds timeout);

} // namespace scalelab::real
