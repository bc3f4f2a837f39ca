#pragma once
// The declaration of the experiment file format (schema_experiment.cpp) and what reading it yields: values
// as written, with their positions, for the experiment loader (experiment_loader.cpp) to check against the
// topology and expand into points.
#include "schema.hpp"

#include "scalelab/models/experiment.hpp"

#include <optional>
#include <string>
#include <vector>

namespace scalelab::models::schema
{

// A text written in the file, with where it was.
struct Written {
  std::string text;
  YAML::Mark mark;
};

// vary.PATH as a range: {from: 500/s, to: 5000/s, steps: 10, scale: linear}.
struct RangeRaw {
  std::optional<Written> from, to;
  int steps = 0;
  bool log = false;
};

struct ParameterRaw {
  Written path;                  // the key
  std::vector<YAML::Node> items; // the values as written (a list), or
  std::optional<RangeRaw> range; // a range
  YAML::Mark value_mark;
  bool ok = false; // read without error
};

struct OverrideRaw {
  Written path;
  YAML::Node value;
};

struct PlotRaw {
  std::optional<Written> name, title, x, y, series;
  bool log_x = false, log_y = false;
  YAML::Mark mark;
  Entries entries;
};

struct ExperimentRaw {
  std::optional<std::string> name, description;
  std::optional<Written> topology;
  std::uint64_t seed = 1;
  int repetitions = 1;
  Combine combine = Combine::grid;
  std::vector<ParameterRaw> vary;
  bool vary_ok = true;
  std::vector<std::vector<Written>> zip;
  std::optional<Written> constraint;
  std::vector<OverrideRaw> set;
  std::vector<Written> metrics;
  std::optional<std::vector<PlotRaw>> plots; // none: the default plots
  bool plots_ok = true;
  Entries entries;
};

// Reads a whole document; the paths are checked against the topology by the loader.
ExperimentRaw read_experiment(Context& ctx, const YAML::Node& root);

std::string describe_experiment_top_level();

} // namespace scalelab::models::schema
