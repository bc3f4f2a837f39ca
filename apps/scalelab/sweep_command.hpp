#pragma once
// scalelab sweep: runs an experiment file, here or on a cluster.
#include "scalelab/models/experiment.hpp"
#include "scalelab/models/sweep_results.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace scalelab::app
{

int cmd_sweep(const std::vector<std::string>& args);

struct ExperimentRunOptions {
  unsigned jobs = 1;
  bool quiet = false;
  std::string command; // the command line the report shows for running the experiment again
};

struct ExperimentRun {
  int status = 0;                              // kOk, kRunError (some run failed), kBadInput, kInterrupted
  std::vector<models::PointSummary> summaries; // of the runs that have finished
};

// What `scalelab sweep` does with a loaded experiment: writes the plan and every point's topology into out,
// runs what is not done yet (child processes, up to jobs at once), then writes the tables, plots and report.
ExperimentRun run_experiment(const models::ExperimentSpec& spec, const std::filesystem::path& out,
                             const ExperimentRunOptions& options);

} // namespace scalelab::app
