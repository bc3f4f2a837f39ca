// The fault timeline in whole simulations (docs/faults.md): latency added to a link shows in the measured
// latency exactly; a cut link carries no message; a request sent while a link of its route is cut fails with
// `partitioned`, a reply lost on it with `lost`; when the cut ends, traffic resumes; a zone's crash is a crash of
// each of its hosts. Each test runs one simulation in its own process.
#include "queueing.hpp"
#include "sim_support.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace scalelab;
using scalelab::testing::errors_of;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;
using scalelab::testing::service;

namespace
{

// An M/M/1 server (one worker, exponential service of mean 1 / mu, Poisson arrivals of rate lambda) behind one
// link of 100 us; the users attach to the switch with a link of 1 us. Messages carry no bytes.
std::string mm1(double lambda, double mu, const std::string& faults)
{
  return "name: mm1\nseed: " + seed_or("5") +
         "\nduration: 2010s\nwarmup: 10s\n"
         "hardware:\n  hosts: [{name: web, cores: 1}]\n  switches: [{name: sw}]\n"
         "  links: [{between: [web, sw], latency: 100us}]\n  users: {attach: sw, latency: 1us}\n"
         "services:\n  app: {kind: api_server, host: web, workers: 1, queue_limit: 100000}\n"
         "requests:\n  get: {steps: [cpu: {exponential: " +
         std::to_string(1000.0 / mu) +
         "ms}], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: app\n  arrival: {process: poisson, rate: " +
         std::to_string(lambda) + "/s}\n" + faults;
}

// Users in eu, an api server in eu, its database in us, 40 ms away.
std::string across_the_wan(const std::string& faults, const std::string& duration = "30s")
{
  return "name: wan\nseed: " + seed_or("9") + "\nduration: " + duration +
         "\nwarmup: 1s\n"
         "hardware:\n"
         "  hosts: [{name: web, cores: 8, zone: eu}, {name: db, cores: 8, zone: us}]\n"
         "  network: {shape: datacenters, datacenters: [eu, us], wan_latency: [[0, 40ms], [40ms, 0]]}\n"
         "  users: {zone: eu}\n"
         "services:\n"
         "  app: {kind: api_server, host: web, workers: 64}\n"
         "  store: {kind: database, host: db, connections: 64, read: {cpu: {exponential: 1ms}}}\n"
         "requests:\n  get: [cpu: {exponential: 1ms}, db_read: store]\n"
         "workload:\n  entry: app\n  arrival: {process: poisson, rate: 200/s}\n" +
         faults;
}

const models::LinkResult* link(const models::Results& r, const std::string& name, const std::string& from)
{
  for (const auto& l : r.links)
    if (l.name == name && l.from == from)
      return &l;
  return nullptr;
}

} // namespace

TEST(Faults, AddedLatencyShowsExactlyInTheMeasuredLatency)
{
  // lambda = 50/s, mu = 100/s: the M/M/1 response time 1 / (mu - lambda) = 20 ms, plus 2 x 101 us of links.
  // A delay of 5 ms on the server's link for the whole run adds 5 ms each way to every request, and nothing else
  // changes (the same arrivals and service times, shifted): the mean grows by exactly 10 ms.
  const auto plain = run_yaml(mm1(50, 100, ""));
  const double base = plain.results.total.latency.mean;
  EXPECT_NEAR(base, test::mm1_response(50, 100) + 202e-6, 0.04 * test::mm1_response(50, 100));
  const auto delayed = run_yaml(mm1(50, 100, "faults: [{at: 0s, delay_link: web--sw, add: 5ms}]\n"));
  EXPECT_EQ(delayed.results.total.completed, plain.results.total.completed);
  EXPECT_NEAR(delayed.results.total.latency.mean - base, 0.010, 1e-9);
}

TEST(Faults, ADelayHoldsOnlyForMessagesThatReachTheLinkInItsWindow)
{
  // The delay holds from 1000 s to 1500 s of a 2000 s measured window: a quarter of the requests (both of their
  // messages) take 10 ms more, so the mean grows by 2.5 ms, up to the requests at the window's edges.
  const auto plain = run_yaml(mm1(50, 100, ""));
  const auto delayed = run_yaml(mm1(50, 100, "faults: [{at: 1010s, delay_link: web--sw, add: 5ms, for: 500s}]\n"));
  EXPECT_NEAR(delayed.results.total.latency.mean - plain.results.total.latency.mean, 0.0025, 0.0001);
}

TEST(Faults, NoMessageCrossesACutLink)
{
  // The WAN link is cut for the whole measured window: no message crosses it either way, every request that
  // reaches the database's link fails (partitioned when its query is lost, lost when its result is), and the
  // run's conservation holds.
  const auto out = run_yaml(across_the_wan("faults: [{at: 1s, cut_link: wan-eu-us}]\n", "10s"));
  const auto& r = out.results;
  for (const char* from : {"gw-eu", "gw-us"}) {
    const auto* wan = link(r, "wan-eu-us", from);
    ASSERT_NE(wan, nullptr) << from;
    EXPECT_EQ(wan->messages, 0u) << from;
  }
  EXPECT_GT(errors_of(service(r, "app"), "partitioned"), 1500u);
  EXPECT_TRUE(r.checks.conserved);
  // After the results in flight at the cut have come back, nothing completes.
  for (const auto& row : out.timeseries) {
    if (row.series == "(users)" && row.time >= 2) {
      EXPECT_EQ(row.completed, 0u) << row.time; // answered successfully
      EXPECT_GT(row.errors, 150u) << row.time;
    }
  }
}

TEST(Faults, ARequestDuringACutFailsWithItsCauseAndTrafficResumesAfter)
{
  // The WAN is cut from 10 s to 15 s. Requests whose query would reach it then fail at once with partitioned;
  // results sent back onto it are lost, and their callers fail with lost when the result was due. Before 10 s
  // and from 15.1 s on, every request succeeds.
  const auto out = run_yaml(across_the_wan("faults: [{at: 10s, cut_link: wan-eu-us, for: 5s}]\n"));
  const auto& r = out.results;
  const auto& total = r.total;
  EXPECT_NEAR(static_cast<double>(errors_of(service(r, "app"), "partitioned")), 1000, 150);
  EXPECT_GT(total.errors.at("lost"), 0u); // the results on their way back at 10 s: about 200/s x 40 ms
  EXPECT_LT(total.errors.at("lost"), 30u);
  EXPECT_EQ(total.errors.size(), 2u); // partitioned and lost only
  for (const auto& row : out.timeseries) {
    if (row.series != "(users)")
      continue;
    if (row.time < 10 || row.time >= 16) {
      EXPECT_EQ(row.errors, 0u) << row.time;
      EXPECT_GT(row.completed, 150u) << row.time; // traffic resumes once the cut ends
    } else if (row.time >= 11 && row.time < 15) {
      EXPECT_EQ(row.completed, 0u) << row.time; // all of them failed
      EXPECT_GT(row.errors, 150u) << row.time;
    }
  }
  EXPECT_TRUE(r.checks.conserved);
}

TEST(Faults, APartitionedZoneIsCutOffFromTheOthers)
{
  // A partition of us is a cut of its WAN link: the same failures as the cut above.
  const auto cut = run_yaml(across_the_wan("faults: [{at: 10s, cut_link: wan-eu-us, for: 5s}]\n"));
  const auto partition = run_yaml(across_the_wan("faults: [{at: 10s, partition_zone: us, for: 5s}]\n"));
  EXPECT_EQ(partition.results.total.errors, cut.results.total.errors);
  EXPECT_EQ(partition.results.total.completed, cut.results.total.completed);
}

TEST(Faults, AZoneCrashIsACrashOfEachOfItsHosts)
{
  const auto zone = run_yaml(across_the_wan("faults: [{at: 10s, crash_zone: us, for: 5s}]\n"));
  const auto host = run_yaml(across_the_wan("faults: [{at: 10s, crash: db, for: 5s}]\n"));
  EXPECT_GT(zone.results.total.errors.at("host_down"), 900u);
  EXPECT_EQ(zone.results.total.errors, host.results.total.errors);
  EXPECT_EQ(zone.results.total.latency.mean, host.results.total.latency.mean);
}
