#pragma once
// What `scalelab sweep collect` writes from the runs that have finished: runs.csv (a row per run and
// metric), summary.csv (mean, sd, n and a 95 % confidence interval per point and metric), plots as PNG and
// SVG drawn by gnuplot, and report.md and report.html (the SVGs inline).
#include "scalelab/models/experiment.hpp"
#include "scalelab/models/sweep_results.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace scalelab::app
{

// Where the sweep keeps a point and a run, below its output directory.
std::filesystem::path point_dir(const std::filesystem::path& out, const models::Point& point);
std::filesystem::path run_dir(const std::filesystem::path& out, const models::Point& point, int repetition);

struct CollectSummary {
  std::size_t runs = 0;                        // with results
  std::size_t expected = 0;                    // in the plan
  std::size_t failed = 0;                      // without results, with a failed attempt kept
  std::size_t plots = 0;                       // drawn
  std::vector<std::string> notes;              // what could not be done (gnuplot missing, a plot failed)
  std::vector<models::PointSummary> summaries; // per point and metric, as in summary.csv
};

// gnuplot's quoting of text; gnuplot run on `script` in `dir`: an empty string when it worked, otherwise why not
// (its output in dir/SCRIPT.log then).
std::string gnuplot_text(const std::string& text);
std::string run_gnuplot(const std::filesystem::path& dir, const std::string& script);

// command is the command line the report shows for running the experiment again.
CollectSummary collect(const models::ExperimentSpec& spec, const std::filesystem::path& out,
                       const std::string& command);

} // namespace scalelab::app
