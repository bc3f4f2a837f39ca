// The fault timeline in whole simulations (docs/faults.md): latency added to a link shows in the measured
// latency exactly; a cut link carries no message; a request sent while a link of its route is cut fails with
// `partitioned`, a reply lost on it with `lost`; when the cut ends, traffic resumes; a zone's crash is a crash of
// each of its hosts. Each test runs one simulation in its own process.
#include "queueing.hpp"
#include "sim_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
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

// A round-robin balancer over two api servers (web-1, web-2) of 4 workers, exponential service of 5 ms, each
// request then reading a database on `db_host` (web-1: the same host as the first api server, or db: a host of
// its own); Poisson arrivals at 400/s.
std::string two_servers(const std::string& health_check, const std::string& db_host, const std::string& faults)
{
  return "name: service-crash\nseed: " + seed_or("31") +
         "\nduration: 30s\nwarmup: 1s\n"
         "hardware:\n  hosts:\n    - {name: lb}\n    - {name: web, count: 2, cores: 4}\n    - {name: db, cores: 4}\n"
         "  network: {bandwidth: 1Gbps, latency: 100us}\n"
         "services:\n  lb: {kind: load_balancer, host: lb, policy: round_robin, backends: app, health_check: " +
         health_check +
         "}\n  app: {kind: api_server, hosts: web, workers: 4}\n"
         "  store: {kind: database, host: " +
         db_host +
         ", connections: 16, read: {cpu: {exponential: 1ms}}}\n"
         "requests:\n  r:\n    steps: [cpu: {exponential: 5ms}, db_read: store]\n    request_size: 0B\n"
         "    response_size: 0B\n"
         "workload:\n  entry: lb\n  arrival: {process: poisson, rate: 400/s}\n" +
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

TEST(Faults, AServiceCrashIsAHostCrashForWhatRunsThere)
{
  // app's first instance alone on web-1: its crash is the crash of web-1, request for request. Round robin
  // sends every second request to it: half of 5 s of arrivals at 400/s fail with host_down (1000, standard
  // deviation 32), and the throughput falls by half while it is down.
  const std::string window = "faults: [{at: 10.5s, crash_service: app, instance: 1, for: 5s}]\n";
  const auto service_crash = run_yaml(two_servers("0s", "db", window));
  const auto host_crash = run_yaml(two_servers("0s", "db", "faults: [{at: 10.5s, crash: web-1, for: 5s}]\n"));
  const auto& errors = service_crash.results.total.errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NEAR(static_cast<double>(errors.at("host_down")), 1000.0, 4 * std::sqrt(1000.0));
  EXPECT_EQ(errors, host_crash.results.total.errors);
  EXPECT_EQ(service_crash.results.total.completed, host_crash.results.total.completed);
  EXPECT_EQ(service_crash.results.total.latency.mean, host_crash.results.total.latency.mean);
  for (const auto& row : service_crash.timeseries)
    if (row.series == "(users)" && row.time >= 11 && row.time < 15) {
      EXPECT_NEAR(static_cast<double>(row.completed), 200.0, 5 * std::sqrt(200.0)) << row.time;
      EXPECT_NEAR(static_cast<double>(row.errors), 200.0, 5 * std::sqrt(200.0)) << row.time;
    }
  EXPECT_TRUE(service_crash.results.checks.conserved);
}

TEST(Faults, TheOtherServicesOfTheHostKeepServingWhileOneCrashes)
{
  // The database runs on web-1 beside app's first instance, which crashes from 10.5 s to 15.5 s; checks every
  // second. The balancer sees the crash at 11 s: about half of half a second of arrivals (100) fail, plus the
  // few inside at the crash. The database never fails: it serves every request that app's second instance
  // sends it, and from 12 s to 15 s the users get their full 400/s through web-2.
  const auto out =
      run_yaml(two_servers("1s", "web-1", "faults: [{at: 10.5s, crash_service: app, instance: 1, for: 5s}]\n"));
  const auto& r = out.results;
  ASSERT_EQ(r.total.errors.size(), 1u);
  EXPECT_NEAR(static_cast<double>(r.total.errors.at("host_down")), 100.0, 4 * std::sqrt(100.0) + 4);
  EXPECT_TRUE(service(r, "store").errors.empty());
  // Every answered request read it (the edges of the measured window aside).
  EXPECT_NEAR(static_cast<double>(service(r, "store").completed), static_cast<double>(r.total.completed), 5.0);
  for (const auto& row : out.timeseries) {
    if (row.time < 12 || row.time >= 15)
      continue;
    if (row.series == "(users)") {
      EXPECT_EQ(row.errors, 0u) << row.time;
      EXPECT_NEAR(static_cast<double>(row.completed), 400.0, 5 * std::sqrt(400.0)) << row.time;
    } else if (row.series == "store") {
      EXPECT_EQ(row.errors, 0u) << row.time;
      EXPECT_NEAR(static_cast<double>(row.completed), 400.0, 5 * std::sqrt(400.0)) << row.time;
    }
  }
  EXPECT_TRUE(r.checks.conserved);
}

namespace
{

// An M/M/1 disk: a database whose reads take exponential disk time of mean 5 ms on the host's one FIFO disk
// (and 1 ms of CPU on one of 64 cores: no queue there), behind an api server that only calls it; Poisson
// arrivals at 40/s. Messages carry no bytes.
std::string disk_bound(const std::string& faults)
{
  return "name: disk\nseed: " + seed_or("41") +
         "\nduration: 2010s\nwarmup: 10s\n"
         "hardware:\n  hosts: [{name: web, cores: 64}, {name: db, cores: 64}]\n"
         "  network: {bandwidth: 1Gbps, latency: 10us}\n"
         "services:\n  app: {kind: api_server, host: web, workers: 10000, queue_limit: 0}\n"
         "  store: {kind: database, host: db, connections: 10000, queue_limit: 0, query_size: 0B, "
         "result_size: 0B,\n         read: {cpu: 1Mf, disk: {exponential: 5ms}}}\n"
         "requests:\n  get: {steps: [db_read: store], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: app\n  arrival: {process: poisson, rate: 40/s}\n" +
         faults;
}

double host_disk(const models::Results& r, const std::string& name)
{
  for (const auto& h : r.hosts)
    if (h.name == name)
      return h.disk_utilisation;
  throw std::runtime_error("no host " + name);
}

} // namespace

TEST(Faults, AFullDiskIsAnMM1DiskWithTheLongerServiceTime)
{
  // Outside the fault: S = 5 ms, rho = 0.2, R = S / (1 - rho) = 6.25 ms. A disk nearly full for the whole run
  // with factor 3: S = 15 ms, rho = 0.6, R = 37.5 ms: the mean response time grows by 31.25 ms (the CPU and
  // the links are the same in both runs).
  const auto plain = run_yaml(disk_bound(""));
  const auto full = run_yaml(disk_bound("faults: [{at: 0s, fill_disk: db, factor: 3}]\n"));
  EXPECT_NEAR(host_disk(plain.results, "db"), 0.2, 0.01);
  EXPECT_NEAR(host_disk(full.results, "db"), 0.6, 0.02);
  EXPECT_NEAR(full.results.total.latency.mean - plain.results.total.latency.mean, 0.03125, 0.03125 * 0.06);
  EXPECT_NEAR(plain.results.total.latency.mean - 0.001, 0.00625, 0.00625 * 0.06);
  EXPECT_TRUE(full.results.total.errors.empty()); // a slow disk is no crash: nothing fails
  // Over half of the measured window: the utilisation law with the mean of the two service times.
  const auto half = run_yaml(disk_bound("faults: [{at: 1010s, fill_disk: db, factor: 3}]\n"));
  EXPECT_NEAR(host_disk(half.results, "db"), 40 * (0.5 * 0.005 + 0.5 * 0.015), 0.02);
  // The cores are not slowed: the same CPU utilisation with and without the fault.
  for (const auto& h : full.results.hosts) {
    if (h.name == "db") {
      EXPECT_NEAR(h.cpu_utilisation, 40 * 0.001 / 64, 1e-4);
    }
  }
}
