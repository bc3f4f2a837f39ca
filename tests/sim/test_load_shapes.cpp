// Load that changes, in whole simulations: a ramp's arrivals per second follow the integral of its rate
// (chi-square), a trace is replayed exactly (each request type's count, and each second's), and a herd of N
// requests at one instant in front of one worker of deterministic service time S waits as a batch does:
// mean latency S (N + 1) / 2, the last one N S. Each test runs one simulation in its own process.
#include "sim_support.hpp"

#include "scalelab/models/random.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <unistd.h>

using namespace scalelab;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;

namespace
{

// One server with room for everything (64 workers on 64 cores), each request 100 us of CPU, and no bytes.
std::string wide_server(const std::string& seed, const std::string& duration, const std::string& arrival,
                        const std::string& extra = "")
{
  return "name: shapes\nseed: " + seed_or(seed) + "\nduration: " + duration +
         "\nhardware:\n  hosts: [{name: web, cores: 64, speed: 1Gf}]\n"
         "  network: {bandwidth: 10Gbps, latency: 1us}\n"
         "services:\n  app: {kind: api_server, host: web, workers: 64}\n"
         "requests:\n  get: {steps: [cpu: 100kf], request_size: 0B, response_size: 0B}\n"
         "  put: {steps: [cpu: 100kf], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: app\n  arrival: " +
         arrival + "\n  mix: {get: 1, put: 1}\n" + extra;
}

const models::TimeseriesRow* users_row(const sim::RunOutput& out, double time)
{
  for (const auto& row : out.timeseries)
    if (row.series == "(users)" && std::abs(row.time - time) < 1e-9)
      return &row;
  return nullptr;
}

} // namespace

TEST(LoadShapes, ARampsArrivalsPerSecondFollowTheIntegralOfItsRate)
{
  // 100/s for 10 s, then linearly to 1000/s over 60 s, then 1000/s: 64,000 requests in 100 s.
  const auto out = run_yaml(wide_server("61", "100s",
                                        "{process: poisson, rate: {shape: ramp, from: 100/s, to: 1000/s, over: 60s, "
                                        "at: 10s}}"));
  models::RateShape ramp;
  ramp.kind = models::RateShape::Kind::ramp;
  ramp.base = 100;
  ramp.peak = 1000;
  ramp.at = 10 * models::kNanosPerSecond;
  ramp.length = 60 * models::kNanosPerSecond;
  const double total = ramp.integral(0, 100 * models::kNanosPerSecond);
  EXPECT_NEAR(total, 64000, 1e-6);
  EXPECT_NEAR(static_cast<double>(out.results.total.sent), total, 4 * std::sqrt(total));
  // Each second's completions (the service takes 100 us, so nearly all in the second they arrived): Poisson
  // with mean the integral over the second. Chi-square over 99 seconds (the last is cut short), 99.9 %: 139.
  double chi = 0;
  for (int s = 0; s < 99; ++s) {
    const auto* row = users_row(out, s);
    ASSERT_NE(row, nullptr) << s;
    const double expected = ramp.integral(s * models::kNanosPerSecond, (s + 1) * models::kNanosPerSecond);
    const double got = static_cast<double>(row->completed);
    chi += (got - expected) * (got - expected) / expected;
  }
  EXPECT_LT(chi, 139.0);
}

TEST(LoadShapes, ATraceIsReplayedExactly)
{
  // Arrivals on whole milliseconds, so none is within 100 us of the end of a second.
  const auto dir = std::filesystem::temp_directory_path() / ("scalelab-trace-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "arrivals.csv";
  std::map<int, int> per_second;
  int gets = 0, puts = 0;
  {
    std::ofstream csv(path);
    csv << "time,type\n";
    models::Rng rng(7);
    for (int ms = 0; ms < 9000; ms += 1 + static_cast<int>(rng.below(20))) {
      const bool get = rng.below(3) != 0;
      const int copies = rng.below(10) == 0 ? 3 : 1; // some instants get several arrivals
      for (int c = 0; c < copies; ++c) {
        csv << ms << "ms," << (get ? "get" : "put") << "\n";
        ++per_second[ms / 1000];
        (get ? gets : puts)++;
      }
    }
  }
  const auto out = run_yaml(wide_server("62", "10s", "{process: trace, file: " + path.string() + "}"));
  std::filesystem::remove_all(dir);
  EXPECT_EQ(out.results.total.sent, static_cast<std::uint64_t>(gets + puts));
  for (const auto& r : out.results.requests)
    EXPECT_EQ(r.sent, static_cast<std::uint64_t>(r.name == "get" ? gets : puts)) << r.name;
  for (const auto& [second, count] : per_second) {
    const auto* row = users_row(out, second);
    ASSERT_NE(row, nullptr) << second;
    EXPECT_EQ(row->completed, static_cast<std::uint64_t>(count)) << "second " << second;
  }
}

TEST(LoadShapes, AHerdArrivesAtOneInstantAndWaitsAsABatch)
{
  // One arrival at 0.5 s (the trace), then 200 at 2 s, in front of one worker of exactly 1 ms.
  const auto dir = std::filesystem::temp_directory_path() / ("scalelab-herd-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "one.csv";
  std::ofstream(path) << "0.5s\n";
  const std::string yaml = "name: herd\nseed: 1\nduration: 5s\n"
                           "hardware:\n  hosts: [{name: web, cores: 1, speed: 1Gf}]\n"
                           "  network: {bandwidth: 10Gbps, latency: 1us}\n"
                           "services:\n  app: {kind: api_server, host: web, workers: 1, queue_limit: 1000}\n"
                           "requests:\n  get: {steps: [cpu: 1Mf], request_size: 0B, response_size: 0B}\n"
                           "workload:\n  entry: app\n  arrival: {process: trace, file: " +
                           path.string() + "}\n  herd: {at: 2s, users: 200}\n";
  const auto out = run_yaml(yaml);
  std::filesystem::remove_all(dir);
  const auto& total = out.results.total;
  ASSERT_EQ(total.sent, 201u);
  ASSERT_EQ(total.completed, 201u);
  // The lone request's latency is S plus the network; the herd's k-th waits (k - 1) S more.
  const double s = 1e-3;
  const double herd_mean = s * (200 + 1) / 2.0;
  const double expected_mean = (200 * herd_mean + s) / 201.0;
  EXPECT_NEAR(total.latency.mean, expected_mean, 1e-4);
  EXPECT_NEAR(total.latency.max, 200 * s, 200 * s / 64); // the histogram's relative error is below 1/128
  // All 200 arrive within the second that starts at 2 s and are done by 2.2 s.
  EXPECT_EQ(users_row(out, 2)->completed, 200u);
}
