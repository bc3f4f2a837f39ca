// Users in several zones and GeoDNS in whole simulations (workload.zones, workload.geodns; docs/cdn.md). Each
// request draws its user's zone and the data centre its client's cached DNS answer names; after a data centre
// fails, its users keep going there until their answers expire. Checked against theory: with no failure every
// user goes to the nearest data centre (the zones' shares, binomial spread); after a crash with a DNS TTL D and
// users sending lambda requests per second, the misdirected requests are a thinned Poisson process whose count
// has mean lambda D / 2 (a request s after the crash is misdirected with probability (D - s) / D) and variance
// the same; none goes to the failed data centre once D has passed. Each test runs one simulation in its own
// process.
#include "sim_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

using namespace scalelab;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;
using scalelab::testing::service;

namespace
{

// Two data centres 40 ms apart (eu, us), each an api_server of 10 us requests with room for all; users in the
// given zones; a crash of zone us at `crash` for the rest of the run (none when empty).
std::string two_data_centres(const std::string& zones, double lambda, const std::string& ttl, const std::string& crash,
                             const std::string& duration)
{
  std::string yaml = "name: geodns\nseed: " + seed_or("11") + "\nduration: " + duration +
                     "\nwarmup: 0s\n"
                     "hardware:\n"
                     "  hosts: [{name: web-eu, cores: 8, zone: eu}, {name: web-us, cores: 8, zone: us}]\n"
                     "  network:\n"
                     "    shape: datacenters\n"
                     "    datacenters: [eu, us]\n"
                     "    lan: {bandwidth: 10Gbps, latency: 100us}\n"
                     "    wan_bandwidth: 10Gbps\n"
                     "    wan_latency: [[0, 40ms], [40ms, 0]]\n"
                     "services:\n"
                     "  app-eu: {kind: api_server, host: web-eu, workers: 64}\n"
                     "  app-us: {kind: api_server, host: web-us, workers: 64}\n"
                     "requests:\n"
                     "  page: {steps: [cpu: 10us], request_size: 0B, response_size: 0B}\n"
                     "workload:\n"
                     "  geodns: {entries: [app-eu, app-us], ttl: " +
                     ttl + "}\n  zones: " + zones + "\n  arrival: {process: poisson, rate: " + std::to_string(lambda) +
                     "/s}\n";
  if (!crash.empty())
    yaml += "faults:\n  - {at: " + crash + ", crash_zone: us}\n";
  return yaml;
}

// A topology of lesson 09 (experiments/lessons/09-data-centres), its text with `from` replaced by `to`.
std::string lesson09(const std::string& file, const std::string& from = "", const std::string& to = "")
{
  std::ifstream in(std::string(SCALELAB_SOURCE_DIR) + "/experiments/lessons/09-data-centres/" + file);
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  if (!from.empty()) {
    EXPECT_NE(yaml.find(from), std::string::npos) << from;
    yaml.replace(yaml.find(from), from.size(), to);
  }
  return yaml;
}

} // namespace

TEST(GeoDnsRun, MisdirectedRequestsAfterACrashAverageLambdaTtlOverTwo)
{
  // Every user in us, 5000 requests per second, a TTL of 10 s, us crashing at 5 s: lambda D / 2 = 25,000. The
  // count is Poisson (a thinned Poisson process): standard deviation sqrt(25,000) = 158; tolerance 4 of them.
  const double lambda = 5000, ttl = 10, crash = 5;
  const auto out = run_yaml(two_data_centres("{us: 1}", lambda, "10s", "5s", "20s"));
  ASSERT_TRUE(out.results.geodns.has_value());
  const auto& g = *out.results.geodns;
  const double expected = lambda * ttl / 2;
  EXPECT_NEAR(static_cast<double>(g.misdirected), expected, 4 * std::sqrt(expected))
      << g.misdirected << " misdirected, lambda D / 2 = " << expected;
  ASSERT_EQ(g.data_centres.size(), 2U);
  EXPECT_EQ(g.data_centres[0].misdirected, 0U); // eu never failed
  EXPECT_EQ(g.data_centres[1].misdirected, g.misdirected);
  EXPECT_EQ(g.unresolved, 0U);
  // Each misdirected request fails at the crashed data centre with host_down, and nothing else fails.
  const auto& errors = out.results.total.errors;
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors.at("host_down"), g.misdirected);
  // Before the crash every request went to us; us's requests after it are the misdirected ones: us received
  // lambda (crash + D / 2) in all, eu the rest.
  EXPECT_NEAR(static_cast<double>(g.data_centres[1].requests), lambda * crash + expected,
              4 * std::sqrt(lambda * crash + expected));
  // Once the TTL has passed after the crash, no request reaches us: its series is empty from crash + D on.
  bool seen_after = false;
  for (const auto& row : out.timeseries)
    if (row.series == "app-us" && row.time >= crash + ttl) {
      seen_after = true;
      EXPECT_EQ(row.completed + row.errors, 0U) << "at " << row.time << " s";
    }
  EXPECT_TRUE(seen_after);
  // And during the TTL the misdirected requests fall off linearly: in the first half of the TTL, (3/4) of them.
  std::uint64_t first_half = 0;
  for (const auto& row : out.timeseries)
    if (row.series == "app-us" && row.time >= crash && row.time < crash + ttl / 2)
      first_half += row.errors;
  EXPECT_NEAR(static_cast<double>(first_half), 0.75 * expected, 4 * std::sqrt(0.75 * expected));
  std::printf("misdirected %llu (lambda D / 2 = %.0f), %llu in the first half of the TTL (%.0f)\n",
              static_cast<unsigned long long>(g.misdirected), expected, static_cast<unsigned long long>(first_half),
              0.75 * expected);
  EXPECT_TRUE(out.results.checks.conserved);
}

TEST(GeoDnsRun, WithoutAFailureEveryUserGoesToItsNearestDataCentre)
{
  // 70 % of the users in eu, 30 % in us, 200,000 requests: each data centre receives exactly its zone's requests,
  // whose share is binomial (standard deviation sqrt(0.7 x 0.3 / n) = 0.001; tolerance 4 of them).
  const auto out = run_yaml(two_data_centres("{eu: 0.7, us: 0.3}", 10000, "30s", "", "20s"));
  const auto& g = *out.results.geodns;
  ASSERT_EQ(g.zones.size(), 2U);
  EXPECT_EQ(g.data_centres[0].requests, g.zones[0].requests);
  EXPECT_EQ(g.data_centres[1].requests, g.zones[1].requests);
  EXPECT_EQ(g.misdirected, 0U);
  const double n = static_cast<double>(g.zones[0].requests + g.zones[1].requests);
  EXPECT_NEAR(static_cast<double>(g.zones[0].requests) / n, 0.7, 4 * std::sqrt(0.7 * 0.3 / n));
  // Each service sees those requests, to the few still on their way at the end.
  EXPECT_NEAR(static_cast<double>(service(out.results, "app-eu").arrived), static_cast<double>(g.zones[0].requests), 5);
  EXPECT_NEAR(static_cast<double>(service(out.results, "app-us").arrived), static_cast<double>(g.zones[1].requests), 5);
  std::printf("eu share %.5f of %.0f requests\n", static_cast<double>(g.zones[0].requests) / n, n);
  // The requests enter from their own zone: none crosses the 40 ms WAN (a request takes two LAN hops each way and
  // its 10 us of CPU).
  EXPECT_LT(out.results.total.latency.max, 0.005);
  EXPECT_TRUE(out.results.total.errors.empty());
}

TEST(GeoDnsRun, AfterTheTtlTheUsersOfAFailedDataCentreGoToTheOtherAcrossTheWan)
{
  // us crashes at 2 s with a TTL of 1 s: from 3 s on, every us user goes to eu, 40 ms away each way.
  const auto out = run_yaml(two_data_centres("{eu: 0.5, us: 0.5}", 2000, "1s", "2s", "10s"));
  const auto& g = *out.results.geodns;
  // eu gets its own users all run, and us's from the crash on.
  EXPECT_GT(g.data_centres[0].requests, g.zones[0].requests + 7 * 1000 * 9 / 10);
  EXPECT_GT(out.results.total.latency.max, 0.080);
  EXPECT_NEAR(static_cast<double>(g.misdirected), 1000 * 1.0 / 2, 4 * std::sqrt(500.0));
  std::printf("misdirected %llu (lambda D / 2 = 500), slowest request %.1f ms\n",
              static_cast<unsigned long long>(g.misdirected), out.results.total.latency.max * 1e3);
}

// Lesson 09's claims on its own topologies (experiments/lessons/09-data-centres/README.md).
TEST(GeoDnsRun, Lesson09TwoDataCentresSurviveOneAfterLambdaTtlOverTwoMisdirected)
{
  // 1000 requests per second, 60 % from eu; eu fails at 40 s for good; a TTL of 10 s. The eu users send
  // lambda = 600 requests per second: lambda D / 2 = 3000 go to eu after it failed (a Poisson count, standard
  // deviation 55; tolerance 4 of them). From 50 s on, every request is served, by us for the eu users, across
  // the WAN (2 x 40 ms more than the 10 ms of CPU).
  const double lambda = 600, ttl = 10, failed = 40;
  const auto out = run_yaml(lesson09("two-data-centres.yaml", "ttl: 30s", "ttl: 10s"));
  ASSERT_TRUE(out.results.geodns.has_value());
  const auto& g = *out.results.geodns;
  const double expected = lambda * ttl / 2;
  EXPECT_NEAR(static_cast<double>(g.misdirected), expected, 4 * std::sqrt(expected));
  EXPECT_EQ(g.unresolved, 0U);
  // The failures are the misdirected requests and the few inside eu's 16 workers when it failed.
  const auto& errors = out.results.total.errors;
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_GE(errors.at("host_down"), g.misdirected);
  EXPECT_LE(errors.at("host_down"), g.misdirected + 20);
  std::uint64_t served_after = 0, failed_after = 0, us_after = 0;
  for (const auto& row : out.timeseries) {
    if (row.time < failed + ttl)
      continue;
    if (row.series == "(users)") {
      served_after += row.completed;
      failed_after += row.errors;
    } else if (row.series == "lb-us") {
      us_after += row.completed;
    }
  }
  EXPECT_EQ(failed_after, 0U);
  // 50 s of 1000 requests per second, all served by us (standard deviation 224; tolerance 4 of them).
  EXPECT_NEAR(static_cast<double>(served_after), 50 * 1000.0, 4 * std::sqrt(50 * 1000.0));
  EXPECT_NEAR(static_cast<double>(us_after), static_cast<double>(served_after), 40);
  // The eu users served from us wait the WAN's round trip: p90 is one of them (36,000 - 3000 of 77,000 served).
  EXPECT_NEAR(out.results.total.latency.p90, 0.080 + 0.0104, 0.001);
  EXPECT_NEAR(out.results.total.latency.p50, 0.0104, 0.001);
  std::printf("misdirected %llu (lambda D / 2 = %.0f), served from 50 s on %llu, p90 %.2f ms\n",
              static_cast<unsigned long long>(g.misdirected), expected, static_cast<unsigned long long>(served_after),
              out.results.total.latency.p90 * 1e3);
  EXPECT_TRUE(out.results.checks.conserved);
}

TEST(GeoDnsRun, Lesson09OneDataCentreFailsEveryRequestAfterItFails)
{
  // The same users with one data centre (eu): from 40 s to 100 s every request fails (60,000 expected, standard
  // deviation 245; tolerance 4 of them), and before it the us users wait 80 ms more than the eu users. (In the
  // second after the failure, replies already on their way across the WAN still arrive.)
  const auto out = run_yaml(lesson09("topology.yaml"));
  std::uint64_t served_after = 0;
  for (const auto& row : out.timeseries)
    if (row.series == "(users)" && row.time >= 41)
      served_after += row.completed;
  EXPECT_EQ(served_after, 0U);
  const auto& errors = out.results.total.errors;
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NEAR(static_cast<double>(errors.at("host_down")), 60000, 4 * std::sqrt(60000.0));
  EXPECT_NEAR(out.results.total.latency.p50, 0.0104, 0.001);
  EXPECT_NEAR(out.results.total.latency.p90, 0.080 + 0.0104, 0.001);
  std::printf("failed %llu after the data centre failed (60 s x 1000/s = 60000)\n",
              static_cast<unsigned long long>(errors.at("host_down")));
}
