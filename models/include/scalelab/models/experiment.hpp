#pragma once
// An experiment file: a topology, the keys to vary in it (paths such as services.app.workers), how the
// varied values combine, how many repetitions, what to measure (paths into results.json) and what to plot.
// It is declared and checked like a topology (schema_experiment.cpp): every problem with file:line:col, a
// misspelt path with the names that would have been right, and every point's topology loaded through the
// topology loader before anything runs. No spec is returned when there is any error.
#include "scalelab/models/loader.hpp"
#include "scalelab/models/spec.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::models
{

// One value a varied key takes.
struct SweepValue {
  std::string text;             // YAML on one line, as it goes into the topology: 4, 500/s, {exponential: 10ms}
  std::optional<double> number; // in base units (seconds, per second, bytes, flops) when it is a number
  SourceLocation where;         // the item in the list, or the range
};

struct Parameter {
  std::string path;       // services.app.workers
  std::string short_name; // the shortest tail of the path no other parameter ends with: workers
  std::string unit;       // of the numbers, for labels: "s", "1/s", "B", "B/s", "flops" or ""
  std::vector<SweepValue> values;
  SourceLocation where; // the key
};

struct Point {
  std::vector<std::size_t> values; // for each parameter, the index of its value
  std::string key;                 // "path=value" lines sorted by path: the point's identity, the seeds' source
  std::string name;                // its directory: short_name=value,... (percent-encoded); "base" for none
};

struct MetricSpec {
  std::string path; // into results.json: total.latency.p99, services.app.utilisation, cost.per_hour
  SourceLocation where;
};

struct PlotSpec {
  std::string name;  // file name: p99-by-rate (plots/p99-by-rate.png and .svg)
  std::string title; // empty: made from y and x
  std::string x;     // a parameter's path, or a metric's
  bool x_is_metric = false;
  std::string y;      // a metric's path
  std::string series; // x a metric: the parameter that draws a line per value; empty: one line
  bool log_x = false, log_y = false;
  SourceLocation where;
};

struct Override {
  std::string path;
  std::string text; // YAML on one line
  SourceLocation where;
};

enum class Combine { grid, zip };

struct ExperimentSpec {
  std::string name;
  std::string description;
  std::string file;          // the experiment file as given
  std::string topology_file; // the topology's path (a relative one is resolved against the experiment's directory)
  std::string topology_text; // its content
  std::uint64_t seed = 1;
  int repetitions = 1;
  Combine combine = Combine::grid;
  std::vector<std::vector<std::size_t>> zip_groups; // grid: parameters whose values move together
  std::vector<Parameter> parameters;                // in file order
  std::vector<Override> set;                        // fixed values, written before the varied ones
  std::string constraint;                           // as written; empty: every combination
  std::vector<MetricSpec> metrics;
  std::vector<PlotSpec> plots;
  std::vector<Point> points; // the combinations the constraint keeps, in order (the first parameter slowest)

  const Parameter* find_parameter(const std::string& path) const;
  std::size_t index_of_metric(const std::string& path) const; // metrics.size() when absent
};

struct ExperimentLoad {
  std::optional<ExperimentSpec> spec; // empty when errors is not empty
  std::vector<Diagnostic> errors;     // the topology's own errors first (in its file), then the experiment's
  std::vector<Diagnostic> warnings;
};

// Reads the file at path into text (read_text_file, loader.hpp), or returns nothing and sets error.
using FileReader = std::function<std::optional<std::string>(const std::string& path, std::string& error)>;

struct ExperimentLimits {
  std::size_t max_points = 100000;
  int max_repetitions = 100000;
  bool load_every_point = true; // load each point's topology (off: only the paths are checked)
};

// Reads an experiment from text; file_name names it in messages and locates a relative topology path.
// The topology is read with read.
ExperimentLoad load_experiment_text(const std::string& text, const std::string& file_name,
                                    const FileReader& read = read_text_file, const ExperimentLimits& limits = {});
ExperimentLoad load_experiment_file(const std::string& path);

// The keys at the top level of text, a YAML map: what tells the kinds of files apart (an experiment has
// `topology`, a lesson `experiment`, a topology `hardware`). Empty for text that is no map or does not read as
// YAML (the loaders say why).
std::vector<std::string> top_level_keys(const std::string& text);

// The topology of a point: the experiment's topology with `set` and the point's values written in (a
// relative simgrid_platform made absolute), as YAML text; for a loaded spec, it loads without error.
class TopologyWriter
{
public:
  explicit TopologyWriter(const ExperimentSpec& spec); // parses the topology once
  ~TopologyWriter();
  TopologyWriter(const TopologyWriter&) = delete;
  TopologyWriter& operator=(const TopologyWriter&) = delete;
  std::string text(const Point& point) const;

  struct State;

private:
  std::unique_ptr<State> state_;
};
std::string resolved_topology_text(const ExperimentSpec& spec, const Point& point);

// The runs of an experiment: every point once per repetition, repetition-major (every point's first run,
// then every point's second, ...), so that a sweep stopped half-way has the points evenly covered.
struct SweepRun {
  std::size_t point = 0;
  int repetition = 1; // from 1
  std::uint64_t seed = 0;
};
std::vector<SweepRun> plan_runs(const ExperimentSpec& spec);

// The Markdown reference of experiment files, from the declaration the loader reads with.
std::string experiment_reference_markdown();

// Every key and choice of experiment files, the metrics' keys and the topology's words (paths name them),
// once each: the dictionary of the experiment files' fuzzer.
std::vector<std::string> experiment_words();

} // namespace scalelab::models
