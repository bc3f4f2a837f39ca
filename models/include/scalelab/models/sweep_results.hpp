#pragma once
// What a sweep makes of its runs' results.json: metrics (paths to numbers in them), the tidy CSV (a row per
// run and metric, every varied key a column) and the summary (mean, standard deviation, n and a 95 %
// confidence interval per point and metric). Plain functions of plain values, deterministic to the byte.
#include "scalelab/models/experiment.hpp"
#include "scalelab/models/statistics.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace scalelab::models
{

// The causes of errors in results.json (errors.CAUSE), as the simulator names them.
const std::vector<std::string>& error_cause_names();

// The names a topology gives its results (of every point: the hosts may vary).
struct ResultNames {
  std::vector<std::string> services, requests, hosts;
  bool priced = false;                 // some host has a price: results.json has a cost
  std::vector<std::string> caches;     // the services of kind cache: services.NAME.cache.X
  std::vector<std::string> sharded;    // the sharded databases: services.NAME.busiest_shard_over_mean
  std::vector<std::string> replicated; // the databases with replicas: services.NAME.replication.X
  std::vector<std::string> pooled;     // the api_servers with a connection pool: services.NAME.connection_pool.X
  std::vector<std::string> queues;     // the services of kind queue: services.NAME.queue.X
  bool geodns = false;                 // users in zones or GeoDNS: results.json has a geodns section
};

// Why path is not a metric of results.json for these names ("unknown key ...; did you mean ..."); empty
// when it is one.
std::string check_metric_path(const std::string& path, const ResultNames& names);

// Every key a metric path may name below its names (total, latency, p99, hit_ratio, queue_full, ...).
std::vector<std::string> metric_words();

// The metric's value in one results.json: errors.CAUSE is 0 when the cause did not happen, errors the sum
// of the causes; none when the path is absent (a host this point does not have, no cost per million
// requests when nothing was answered).
std::optional<double> metric_value(const nlohmann::json& results, const std::string& path);

// The unit of a metric's values: "s" for latencies, "1/s" for throughputs, "" for counts and ratios.
std::string metric_unit(const std::string& path);

// One run's metrics, in the order of the experiment's metrics.
struct RunRecord {
  std::size_t point = 0;
  int repetition = 1;
  std::uint64_t seed = 0;
  std::vector<std::optional<double>> values;
};

struct PointSummary {
  std::size_t point = 0;
  std::size_t metric = 0;
  SampleSummary sample; // of the runs that have the metric
};

// Per point and metric, in point then metric order; runs in any order (they are sorted by repetition).
std::vector<PointSummary> summarize_runs(const ExperimentSpec& spec, const std::vector<RunRecord>& runs);

// point,repetition,seed,<varied paths>,metric,value: numbers in base units, text values as written.
std::string runs_csv(const ExperimentSpec& spec, const std::vector<RunRecord>& runs);
// point,<varied paths>,metric,n,mean,sd,ci95_low,ci95_high; empty cells where a figure needs more runs.
std::string summary_csv(const ExperimentSpec& spec, const std::vector<PointSummary>& summaries);

// The shortest decimal text that reads back as the same double: 0.1, 2, 1e-07.
std::string shortest_number(double value);
// A CSV field: quoted (with doubled quotes) when it holds a comma, a quote, a line break or edge spaces.
std::string csv_field(const std::string& text);
// A varied value for a table: its number in base units, or its text.
std::string value_cell(const SweepValue& value);

} // namespace scalelab::models
