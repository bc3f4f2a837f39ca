// The rows streamed during a run (RunOptions::on_interval, `scalelab run --stream`) are the run's final time
// series, bit for bit: each interval is handed over once every event before its end has been handled, and
// nothing that comes later changes it. Checked on every shipped topology and engine case, with the engines
// that run furthest ahead of the stream (one executor per host, up to 100 ms past the clock) and the plain one.
#include "scalelab/models/loader.hpp"
#include "scalelab/sim/simulation.hpp"

#include <gtest/gtest.h>

#include <simgrid/s4u/Engine.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace
{

namespace fs = std::filesystem;
using namespace scalelab;

struct StreamCase {
  std::string file; // relative to the source tree
  bool plain = false;
};

std::vector<StreamCase> stream_cases()
{
  std::vector<std::string> files;
  for (const char* folder : {"topologies", "tests/sim/cases"})
    for (const auto& entry : fs::directory_iterator(fs::path(SCALELAB_SOURCE_DIR) / folder))
      if (entry.is_regular_file() && entry.path().extension() == ".yaml")
        files.push_back(fs::relative(entry.path(), SCALELAB_SOURCE_DIR).string());
  std::sort(files.begin(), files.end());
  std::vector<StreamCase> cases;
  for (const auto& f : files) {
    cases.push_back({f, false});
    cases.push_back({f, true});
  }
  return cases;
}

void PrintTo(const StreamCase& c, std::ostream* os)
{
  *os << c.file << (c.plain ? " (plain)" : " (windowed, per host)");
}

void expect_same_row(const models::TimeseriesRow& a, const models::TimeseriesRow& b)
{
  const std::string at = b.series + " at " + std::to_string(b.time) + " s";
  EXPECT_EQ(a.time, b.time) << at;
  EXPECT_EQ(a.series, b.series) << at;
  EXPECT_EQ(a.completed, b.completed) << at;
  EXPECT_EQ(a.errors, b.errors) << at;
  EXPECT_EQ(a.throughput, b.throughput) << at;
  EXPECT_EQ(a.latency_mean, b.latency_mean) << at;
  EXPECT_EQ(a.latency_p50, b.latency_p50) << at;
  EXPECT_EQ(a.latency_p99, b.latency_p99) << at;
  EXPECT_EQ(a.errors_by_cause, b.errors_by_cause) << at;
  std::uint64_t by_cause = 0;
  for (const auto& [cause, n] : a.errors_by_cause)
    by_cause += n;
  if (a.series == "(users)") {
    EXPECT_EQ(by_cause, a.errors) << at << ": the causes add up to the errors";
  }
  EXPECT_EQ(a.mean_in_service, b.mean_in_service) << at;
  EXPECT_EQ(a.mean_queue_length, b.mean_queue_length) << at;
  EXPECT_EQ(a.cache_hits, b.cache_hits) << at;
  EXPECT_EQ(a.cache_misses, b.cache_misses) << at;
  EXPECT_EQ(a.cache_stale_reads, b.cache_stale_reads) << at;
  EXPECT_EQ(a.queue_backlog, b.queue_backlog) << at;
  EXPECT_EQ(a.instances, b.instances) << at;
  EXPECT_EQ(a.instances_booting, b.instances_booting) << at;
  EXPECT_EQ(a.users, b.users) << at;
  ASSERT_EQ(a.replica_lags.size(), b.replica_lags.size()) << at;
  for (std::size_t r = 0; r < a.replica_lags.size(); ++r) {
    EXPECT_EQ(a.replica_lags[r].replica, b.replica_lags[r].replica) << at;
    EXPECT_EQ(a.replica_lags[r].applied, b.replica_lags[r].applied) << at;
    EXPECT_EQ(a.replica_lags[r].mean, b.replica_lags[r].mean) << at;
    EXPECT_EQ(a.replica_lags[r].max, b.replica_lags[r].max) << at;
  }
}

class EveryTopologyStreams : public testing::TestWithParam<StreamCase>
{
};

TEST_P(EveryTopologyStreams, TheRowsStreamedDuringTheRunAreTheFinalTimeSeries)
{
  const auto& c = GetParam();
  sim::register_platform_reader();
  auto loaded = models::load_topology_file(std::string(SCALELAB_SOURCE_DIR) + "/" + c.file);
  ASSERT_TRUE(loaded.spec) << c.file;
  auto spec = std::move(*loaded.spec);
  // A few report intervals are enough; the engine cases are short already.
  spec.duration = std::min(spec.duration, models::from_seconds(3));
  spec.warmup = std::min(spec.warmup, spec.duration / 4);
  sim::RunOptions options;
  options.mode = c.plain ? sim::EngineMode::plain : sim::EngineMode::windowed;
  options.grouping = sim::Grouping::host;
  std::vector<models::TimeseriesRow> streamed;
  std::vector<double> interval_starts;
  double first_streamed_at = -1; // simulated time
  options.on_interval = [&](const sim::IntervalReport& report) {
    const auto& rows = report.rows;
    ASSERT_FALSE(rows.empty());
    if (first_streamed_at < 0)
      first_streamed_at = simgrid::s4u::Engine::get_clock();
    for (const auto& r : rows)
      EXPECT_EQ(r.time, rows.front().time) << "one interval per call";
    interval_starts.push_back(rows.front().time);
    streamed.insert(streamed.end(), rows.begin(), rows.end());
  };
  const auto out = sim::run_simulation(spec, options);
  EXPECT_TRUE(std::is_sorted(interval_starts.begin(), interval_starts.end()));
  EXPECT_EQ(std::adjacent_find(interval_starts.begin(), interval_starts.end()), interval_starts.end())
      << "each interval once";
  const double end = models::to_seconds(spec.duration), interval = models::to_seconds(spec.report_interval);
  if (end > 2 * interval) { // during the run, not all at its end
    EXPECT_LT(first_streamed_at, end - interval) << "the first interval came at " << first_streamed_at << " s";
  }
  EXPECT_EQ(out.engine.late_to_stream, 0u) << "answers recorded for an interval already streamed";
  ASSERT_EQ(streamed.size(), out.timeseries.size());
  for (std::size_t i = 0; i < streamed.size(); ++i)
    expect_same_row(streamed[i], out.timeseries[i]);
}

// The edges of a watched run: every request the users sent goes to the entry, every request the balancer takes
// goes on to an API server, every one of those makes one database operation; nothing else is counted.
TEST(Streaming, EdgesCountTheRequestsSentFromServiceToService)
{
  auto loaded = models::load_topology_file(std::string(SCALELAB_SOURCE_DIR) + "/topologies/three-tier.yaml");
  ASSERT_TRUE(loaded.spec);
  auto spec = std::move(*loaded.spec);
  spec.duration = models::from_seconds(10);
  spec.warmup = models::from_seconds(1);
  sim::RunOptions options;
  std::map<std::pair<std::string, std::string>, std::uint64_t> total;
  options.on_interval = [&](const sim::IntervalReport& report) {
    for (const auto& e : report.edges)
      total[{e.from, e.to}] += e.requests;
  };
  const auto out = sim::run_simulation(spec, options);
  ASSERT_EQ(total.size(), 3u);
  const std::uint64_t users = total[{"(users)", "lb"}], lb = total[{"lb", "app"}], app = total[{"app", "users"}];
  EXPECT_EQ(users, out.results.checks.sent) << "every request the users sent, at its sending";
  EXPECT_GT(users, 14000u);
  EXPECT_LE(users - lb, 5u) << "the balancer sends each on at once (but those still on the wire at the end)";
  EXPECT_LE(lb - app, 50u) << "one database operation per request (but those still in an API server at the end)";
}

TEST(Streaming, EdgesCountTheJobsPublishedToAQueue)
{
  auto loaded = models::load_topology_file(std::string(SCALELAB_SOURCE_DIR) + "/topologies/email-queue.yaml");
  ASSERT_TRUE(loaded.spec);
  auto spec = std::move(*loaded.spec);
  spec.duration = models::from_seconds(10);
  spec.warmup = models::from_seconds(1);
  sim::RunOptions options;
  std::map<std::pair<std::string, std::string>, std::uint64_t> total;
  options.on_interval = [&](const sim::IntervalReport& report) {
    for (const auto& e : report.edges)
      total[{e.from, e.to}] += e.requests;
  };
  sim::run_simulation(spec, options);
  const std::uint64_t published = total[{"app", "mq"}], delivered = total[{"mq", "mailers"}];
  EXPECT_GT(delivered, 100u);
  EXPECT_GE(published, delivered) << "a job is delivered after it was published";
  EXPECT_LE(published - delivered, 20u) << "the broker keeps up: few jobs wait at the end";
}

// The users' median and 99th percentile per interval of a watched run, on an M/M/1 queue (Poisson arrivals at
// 80/s, one worker, exponential service of 5 ms): the response time is exponential at rate mu - lambda = 120/s,
// so its median is ln 2 / 120 and its 99th percentile ln 100 / 120 (plus the network's 100 us).
TEST(Streaming, EachIntervalsPercentilesAreThoseOfAnMM1Queue)
{
  sim::register_platform_reader();
  const auto loaded = models::load_topology_text(
      "name: mm1\nseed: 5\nduration: 2000s\nwarmup: 0s\nreport_interval: 100s\n"
      "hardware:\n  hosts:\n    - {name: server}\n  network: {bandwidth: 1Gbps, latency: 50us}\n"
      "services:\n  app: {kind: api_server, host: server, workers: 1, queue_limit: 100000000}\n"
      "requests:\n  r: {steps: [cpu: {exponential: 5ms}], request_size: 0B, response_size: 0B}\n"
      "workload:\n  entry: app\n  arrival: {process: poisson, rate: 80/s}\n",
      "mm1.yaml");
  ASSERT_TRUE(loaded.spec) << (loaded.errors.empty() ? "" : loaded.errors[0].format());
  sim::RunOptions options;
  std::vector<double> p50, p99;
  options.on_interval = [&](const sim::IntervalReport& report) {
    ASSERT_EQ(report.rows.front().series, "(users)");
    p50.push_back(report.rows.front().latency_p50);
    p99.push_back(report.rows.front().latency_p99);
  };
  const auto out = sim::run_simulation(*loaded.spec, options);
  EXPECT_EQ(out.engine.late_to_stream, 0u);
  ASSERT_EQ(p50.size(), 20u);
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  const double network = 100e-6, rate = 200.0 - 80.0;
  EXPECT_NEAR(median(p50), std::log(2.0) / rate + network, 0.03 * std::log(2.0) / rate);
  EXPECT_NEAR(median(p99), std::log(100.0) / rate + network, 0.08 * std::log(100.0) / rate);
  for (std::size_t i = 0; i < p50.size(); ++i)
    EXPECT_LT(p50[i], p99[i]) << "interval " << i;
}

INSTANTIATE_TEST_SUITE_P(Streaming, EveryTopologyStreams, testing::ValuesIn(stream_cases()),
                         [](const testing::TestParamInfo<StreamCase>& param) {
                           std::string name = param.param.file.substr(0, param.param.file.size() - 5);
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch)))
                               ch = '_';
                           return name + (param.param.plain ? "_plain" : "_windowed");
                         });

} // namespace
