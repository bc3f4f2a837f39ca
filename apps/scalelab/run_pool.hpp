#pragma once
// Runs simulations as child processes of this program (`scalelab run`, one SimGrid engine per process), up to
// N at once. A run writes into a directory of its own beside its final one, which is renamed into place only
// when the run succeeded: a run is done when its final directory holds results.json, and nothing else says so.
// A failed run is reported with its cause (exit status and the last lines it printed) and its directory kept
// as NAME.failed; the others go on. SIGINT, SIGTERM or SIGHUP stop the pool: the children are asked to stop
// (SIGTERM, then SIGKILL after 5 s), their directories removed, and the pool returns.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace scalelab::app
{

struct RunTask {
  std::string label;               // for messages: "workers=4,rate=500%2Fs repetition 2"
  std::filesystem::path topology;  // the point's topology file
  std::filesystem::path final_dir; // points/NAME/rep-R
  std::uint64_t seed = 0;
};

struct PoolOptions {
  std::filesystem::path program; // this program
  unsigned jobs = 1;
  bool progress = false; // a progress bar on standard error (a terminal)
  std::size_t total = 0; // runs in the whole sweep, for the bar (those done before count as done)
  std::size_t already_done = 0;
};

struct RunFailure {
  std::string label;
  std::string cause;
};

struct PoolReport {
  std::size_t done = 0; // succeeded in this pool
  std::vector<RunFailure> failures;
  bool interrupted = false;
  double wall_seconds = 0;
};

// A run is done when its directory holds results.json.
bool run_is_done(const std::filesystem::path& final_dir);

PoolReport run_pool(const std::vector<RunTask>& tasks, const PoolOptions& options);

// Removes the directories a pool of this machine left behind when it was killed outright (NAME.partial-HOST-PID
// whose process is gone), below dir.
void remove_stale_partials(const std::filesystem::path& dir);

} // namespace scalelab::app
