#pragma once
// The live stack's lifecycle (docs/real-mode.md): `up` starts a supervisor process that starts every service
// as its direct child (own process group, parent-death signal), waits for each until ready, writes stack.json and
// stays with them; `down` stops them. The lock file RUN/stack.lock lists every process started (PID, group, start
// time, port, how to stop it), so that `down` and the next `up` clean up after a supervisor that was killed.
#include <filesystem>
#include <ostream>
#include <string>

namespace scalelab::real
{

struct UpOptions {
  std::string topology;               // the topology file
  std::filesystem::path run_dir;      // where everything lives: data, logs, configuration, stack.json
  std::filesystem::path programs_dir; // where scalelab-api and scalelab-worker are looked for
  std::filesystem::path self;         // this program, run again as the supervisor
};

// Exit statuses as the command line's: 0 up, 1 failed (everything started was stopped), 2 bad input,
// 130 interrupted (everything started was stopped).
int stack_up(const UpOptions& options, std::ostream& out, std::ostream& err);
// The supervisor (run by stack_up as `scalelab real __supervise ...`); reports on ready_fd.
int stack_supervise(const UpOptions& options, int ready_fd);
// Stops the stack of run_dir and every leftover; 0 when nothing of it is left.
int stack_down(const std::filesystem::path& run_dir, std::ostream& out, std::ostream& err);

// The environment variable every process of a stack carries (its value: the run directory's absolute path):
// how `down` finds the processes the services started themselves (PostgreSQL's backends, Erlang's helpers).
constexpr const char* kRunMarker = "SCALELAB_REAL_RUN";

} // namespace scalelab::real
