#pragma once
// What `scalelab real validate` writes from its figures (docs/validation.md): the figures of a results.json (live or
// simulated), the rows of validation.json, the table of the errors and the data and script of their plot. Plain
// functions of JSON and text, without the live stack.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace scalelab::app
{

struct ValidationFigures {
  double throughput = 0, mean = 0, p50 = 0, p95 = 0, p99 = 0, errors = 0;
  // The replicas' mean lag, seconds: a live run's real.replication_lag, else the mean of services[].replication's
  // replicas' lag weighted by the writes each applied. Nothing without replicas (or, live, without a sample).
  std::optional<double> lag;
};
ValidationFigures validation_figures(const nlohmann::ordered_json& results);

// simulated / live - 1; 0 when the live figure is not positive.
double relative_error(double simulated, double live);

// One row of validation.json: a level, its rate, a repetition, the simulated and the live figures (of the live
// results `live_results`).
nlohmann::ordered_json validation_row(double level, double rate, int repetition, const ValidationFigures& simulated,
                                      const ValidationFigures& live, const nlohmann::ordered_json& live_results);

// The rows as a Markdown table: simulated/live and the error of each figure (and of the lag when a row has one).
std::string validation_table(const nlohmann::ordered_json& rows);

// The plot of the errors by load level: validation-error.dat (a row per row of validation.json: the level, then the
// error in percent of the throughput, p50, p95, p99 and lag, NaN where there is none) and the gnuplot script that
// draws it into `png` (in the same directory).
std::string validation_plot_dat(const nlohmann::ordered_json& rows);
std::string validation_plot_script(const std::string& dat, const std::string& png, bool with_lag);

} // namespace scalelab::app
