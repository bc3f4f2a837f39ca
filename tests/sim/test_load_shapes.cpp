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

namespace
{

// One worker of exactly 10 ms (10 Mf at 1 Gf) behind a closed population, rows of 10 s.
std::string closed_server(const std::string& seed, const std::string& duration, const std::string& users,
                          const std::string& think)
{
  return "name: closed-shapes\nseed: " + seed_or(seed) + "\nduration: " + duration +
         "\nreport_interval: 10s\n"
         "hardware:\n  hosts: [{name: web, cores: 1, speed: 1Gf}]\n"
         "  network: {bandwidth: 10Gbps, latency: 1us}\n"
         "services:\n  app: {kind: api_server, host: web, workers: 1}\n"
         "requests:\n  get: {steps: [cpu: 10Mf], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: app\n  arrival: {process: closed, users: " +
         users + ", think_time: " + think + "}\n  mix: {get: 1}\n";
}

// Throughput and mean response time of the users' rows in [from, to) seconds.
struct Window {
  double throughput = 0, response = 0;
};
Window users_window(const sim::RunOutput& out, double from, double to)
{
  double completed = 0, latency = 0;
  for (const auto& row : out.timeseries)
    if (row.series == "(users)" && row.time >= from && row.time < to) {
      completed += static_cast<double>(row.completed);
      latency += row.latency_mean * static_cast<double>(row.completed);
    }
  return {completed / (to - from), latency / completed};
}

// The interactive response time law, X = N / (Z + R), in the steady part of each step (the first 50 s after a
// change left out): 10 users, 40 from 600 s, 10 again from 1200 s; each row's users exactly the step's.
void expect_response_time_law(const std::string& think, const std::string& seed)
{
  const auto out = run_yaml(closed_server(
      seed, "1800s", "{shape: steps, points: [{at: 0s, users: 10}, {at: 600s, users: 40}, {at: 1200s, users: 10}]}",
      think));
  const double z = 1.0;
  for (const auto& [from, n] : std::vector<std::pair<double, double>>{{50, 10}, {650, 40}, {1250, 10}}) {
    const Window w = users_window(out, from, from + 550);
    const double law = n / (z + w.response);
    // About 5,000 (10 users) to 22,000 (40) replies a step: the think times' mean alone is known to 1.5 %.
    EXPECT_NEAR(w.throughput, law, 0.05 * law) << "step of " << n << " users from " << from << " s";
    // And the server is busy X S of the time: a check of the throughput by the utilisation law's other side.
    EXPECT_GT(w.throughput, n / (z + 0.010) * 0.9);
  }
  for (const auto& row : out.timeseries) {
    if (row.series == "(users)") {
      EXPECT_EQ(row.users, row.time < 600 || row.time >= 1200 ? 10.0 : 40.0) << row.time;
    }
  }
}

} // namespace

TEST(ClosedShapes, AStepFrom10To40UsersAndBackFollowsTheResponseTimeLaw)
{
  // Exponential think times: the thinking users are one merged process.
  expect_response_time_law("{exponential: 1s}", "71");
}

TEST(ClosedShapes, AStepWithUsersThinkingApartFollowsTheResponseTimeLaw)
{
  // Uniform think times of mean 1 s: each user's think is an event of its own.
  expect_response_time_law("{uniform: [0.5s, 1.5s]}", "72");
}

TEST(ClosedShapes, TheUsersColumnFollowsARampAUserEachSecond)
{
  // 0 to 60 users over 60 s from 20 s, rows of 10 s: the k-th user comes at 20 + k s (k6's ramping-vus), so a
  // row from 20 + 10 j s holds 10 j + 4.5 users on average; 60 from 80 s. Users added send at once: a row's
  // completions are at least the users who came in it.
  const auto out =
      run_yaml(closed_server("73", "120s", "{shape: ramp, from: 0, to: 60, over: 60s, at: 20s}", "{exponential: 1s}"));
  for (const auto& row : out.timeseries) {
    if (row.series != "(users)")
      continue;
    const double expected = row.time < 20 ? 0 : row.time >= 80 ? 60 : (row.time - 20) + 4.5;
    EXPECT_DOUBLE_EQ(row.users, expected) << row.time;
    if (row.time < 20) {
      EXPECT_EQ(row.completed, 0U);
    } else if (row.time < 80) {
      EXPECT_GE(row.completed, 10U) << row.time;
    }
  }
}

TEST(ClosedShapes, AHerdOfAClosedPopulationSendsItsThinkingUsersAtOnce)
{
  // 300 users who think 10^6 s on average (none comes back by itself in 5 s: 0.0015 expected), in front of one
  // worker of exactly 1 ms. A herd of 200 at 2 s: 200 requests at once, a batch of mean S (N + 1) / 2; a herd of
  // 1000 at 3 s finds 300 thinking (the 100 left and the 200 back from the first), and sends those 300.
  const std::string yaml = "name: herd\nseed: 3\nduration: 5s\n"
                           "hardware:\n  hosts: [{name: web, cores: 1, speed: 1Gf}]\n"
                           "  network: {bandwidth: 10Gbps, latency: 1us}\n"
                           "services:\n  app: {kind: api_server, host: web, workers: 1, queue_limit: 1000}\n"
                           "requests:\n  get: {steps: [cpu: 1Mf], request_size: 0B, response_size: 0B}\n"
                           "workload:\n  entry: app\n"
                           "  arrival: {process: closed, users: 300, think_time: {exponential: 1000000s}}\n"
                           "  herd: [{at: 2s, users: 200}, {at: 3s, users: 1000}]\n";
  const auto out = run_yaml(yaml);
  const auto& total = out.results.total;
  ASSERT_EQ(total.sent, 500u);
  ASSERT_EQ(total.completed, 500u);
  const double s = 1e-3;
  const double expected_mean = (200 * s * 201 / 2.0 + 300 * s * 301 / 2.0) / 500.0; // 130.5 ms
  EXPECT_NEAR(total.latency.mean, expected_mean, 1e-4);
  EXPECT_NEAR(total.latency.max, 300 * s, 300 * s / 64);
  EXPECT_EQ(users_row(out, 2)->completed, 200u);
  EXPECT_EQ(users_row(out, 3)->completed, 300u);
}
