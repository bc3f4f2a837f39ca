// GeoDNS and the fault timeline as plain functions (models/geodns.hpp, models/faults.hpp): the nearest healthy
// data centre; clients' cached answers after a data centre fails, whose misdirected requests average
// lambda TTL / 2; the links a partition cuts and the hosts a zone's crash takes down.
#include "scalelab/models/faults.hpp"
#include "scalelab/models/geodns.hpp"
#include "scalelab/models/loader.hpp"
#include "scalelab/models/random.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace scalelab::models;

namespace
{
constexpr SimTime kSecond = kNanosPerSecond;
}

TEST(GeoDns, AnswersTheNearestHealthyDataCentre)
{
  const std::vector<SimTime> latency{40 * kSecond / 1000, 5 * kSecond / 1000, 5 * kSecond / 1000};
  std::vector<DataCentreHealth> health(3);
  EXPECT_EQ(nearest_healthy(latency, health, 0), 1u); // the first of two equals
  health[1] = {10 * kSecond, 20 * kSecond};
  EXPECT_EQ(nearest_healthy(latency, health, 10 * kSecond), 2u);
  EXPECT_EQ(nearest_healthy(latency, health, 20 * kSecond), 1u); // healthy again
  health[2] = {0, kNever};
  EXPECT_EQ(nearest_healthy(latency, health, 15 * kSecond), 0u);
  health[0] = {0, kNever};
  EXPECT_FALSE(nearest_healthy(latency, health, 15 * kSecond).has_value());
}

TEST(GeoDns, ACachedAnswerLastsToTheClientsNextExpiry)
{
  DnsCache cache(30 * kSecond, 7 * kSecond); // expiries at 7 s, 37 s, 67 s, ...
  int asked = 0;
  auto resolve = [&](SimTime) {
    ++asked;
    return std::optional<std::size_t>(static_cast<std::size_t>(asked));
  };
  EXPECT_EQ(cache.route(kSecond, resolve), 1u); // fetched at 1 s, fresh until 7 s
  EXPECT_EQ(cache.route(7 * kSecond - 1, resolve), 1u);
  EXPECT_EQ(cache.route(7 * kSecond, resolve), 2u); // expired: fetched again, fresh until 37 s
  EXPECT_EQ(cache.route(36 * kSecond, resolve), 2u);
  EXPECT_EQ(cache.route(100 * kSecond, resolve), 3u);
  EXPECT_EQ(cache.next_expiry(100 * kSecond), 127 * kSecond);
}

TEST(GeoDns, MisdirectedRequestsAfterAFailureAverageLambdaTtlOverTwo)
{
  // 2000 clients of 10 requests a second each (lambda = 20000/s), their caches' expiries spread uniformly over a
  // TTL of D = 10 s; the nearest data centre fails at F = 100 s. A request after F that still goes there is
  // misdirected: lambda D / 2 = 100,000 expected. Each client sends about 100 requests per TTL, so it has
  // almost always refreshed its entry in the TTL before F (the shortfall, about 1 %, is below the tolerance).
  // Standard deviation of the count: the clients' phases (sqrt(2000 x 100^2 / 12) = 1290) and Poisson (316).
  const int clients = 2000;
  const double per_client = 10;
  const SimTime ttl = 10 * kSecond, failure = 100 * kSecond;
  const std::vector<SimTime> latency{kSecond / 100, kSecond / 20};
  const std::vector<DataCentreHealth> health{{failure, kNever}, {}};
  Rng rng(2026);
  std::vector<DnsCache> caches;
  std::vector<SimTime> next;
  for (int c = 0; c < clients; ++c) {
    caches.emplace_back(ttl, static_cast<SimTime>(rng.uniform01() * static_cast<double>(ttl)));
    next.push_back(failure - 2 * ttl + from_seconds(rng.exponential(1 / per_client)));
  }
  std::uint64_t misdirected = 0;
  for (int c = 0; c < clients; ++c)
    for (SimTime t = next[static_cast<std::size_t>(c)]; t < failure + 2 * ttl;
         t += from_seconds(rng.exponential(1 / per_client))) {
      const auto dc = caches[static_cast<std::size_t>(c)].route(
          t, [&](SimTime now) { return nearest_healthy(latency, health, now); });
      if (t >= failure && dc == 0u)
        ++misdirected;
    }
  const double expected = clients * per_client * to_seconds(ttl) / 2;
  RecordProperty("misdirected", static_cast<int>(misdirected));
  EXPECT_NEAR(static_cast<double>(misdirected), expected, 0.05 * expected);
}

TEST(GeoDns, AStatelessClientDrawAgreesWithTheClientsCache)
{
  // A client sending every 100 ms: its cache's answer is the per-request draw's with since_fetch = (t - phase)
  // mod ttl, before, during and after an outage of the nearest data centre (30 s to 50 s).
  const SimTime ttl = 10 * kSecond;
  const std::vector<SimTime> latency{kSecond / 100, kSecond / 20};
  const std::vector<DataCentreHealth> health{{30 * kSecond, 50 * kSecond}, {}};
  for (const SimTime phase : {SimTime{0}, 3 * kSecond + kSecond / 20, 7 * kSecond + kSecond / 20}) {
    DnsCache cache(ttl, phase);
    int misdirected = 0;
    for (SimTime t = 0; t < 80 * kSecond; t += kSecond / 10) {
      const auto cached = cache.route(t, [&](SimTime now) { return nearest_healthy(latency, health, now); });
      const auto drawn = route_by_cached_answer(latency, health, t, (t - phase + ttl) % ttl);
      ASSERT_EQ(drawn.dc, cached) << "phase " << phase << " at " << t;
      misdirected += drawn.misdirected ? 1 : 0;
    }
    // From 30 s to the client's first expiry at or after it, (phase - 30 s) mod ttl, at 10 requests per second
    // (none when an expiry falls on the failure itself).
    const SimTime left = ((phase - 30 * kSecond) % ttl + ttl) % ttl;
    EXPECT_EQ(misdirected, static_cast<int>((left + kSecond / 10 - 1) / (kSecond / 10))) << "phase " << phase;
  }
}

TEST(GeoDns, PerRequestDrawsMisdirectLambdaTtlOverTwo)
{
  // Poisson requests at lambda = 20,000/s, each from a client whose answer was fetched uniformly within the last
  // TTL (D = 10 s); the nearest data centre fails at F = 100 s. Each request at F + s (s < D) is misdirected
  // with probability (D - s) / D, independently: the count is Poisson of mean lambda D / 2 = 100,000 (standard
  // deviation 316); tolerance 5 standard deviations. None before F, none from F + D on, none without a failure.
  const double lambda = 20000;
  const SimTime ttl = 10 * kSecond, failure = 100 * kSecond;
  const std::vector<SimTime> latency{kSecond / 100, kSecond / 20};
  const std::vector<DataCentreHealth> failing{{failure, kNever}, {}}, healthy(2);
  Rng rng(2026);
  std::uint64_t misdirected = 0, late = 0, without_failure = 0, requests = 0;
  for (SimTime t = failure - 2 * ttl; t < failure + 3 * ttl; t += from_seconds(rng.exponential(1 / lambda))) {
    const auto since = static_cast<SimTime>(rng.uniform01() * static_cast<double>(ttl));
    const auto r = route_by_cached_answer(latency, failing, t, since);
    ++requests;
    if (r.misdirected) {
      ++misdirected;
      EXPECT_GE(t, failure);
      late += t >= failure + ttl ? 1 : 0;
    }
    without_failure += route_by_cached_answer(latency, healthy, t, since).misdirected ? 1 : 0;
  }
  const double expected = lambda * to_seconds(ttl) / 2;
  RecordProperty("misdirected", static_cast<int>(misdirected));
  EXPECT_NEAR(static_cast<double>(misdirected), expected, 5 * std::sqrt(expected));
  EXPECT_EQ(late, 0u);
  EXPECT_EQ(without_failure, 0u);
  EXPECT_GT(requests, 900000u);
}

TEST(GeoDns, AnEntrysOutagesComeFromTheFaultSchedule)
{
  // The eu entry's one host crashes alone and with its zone; the us entry runs on two hosts and is down only
  // while both are.
  const char* yaml = R"(name: t
hardware:
  hosts:
    - {name: front, zone: eu}
    - {name: web, count: 2, zone: us}
  network: {shape: datacenters, datacenters: [eu, us], wan_latency: [[0, 40ms], [40ms, 0]]}
  users: {zone: eu}
services:
  lb: {kind: load_balancer, host: front, backends: app}
  app: {kind: api_server, hosts: web}
requests:
  get: [cpu: 1Mf]
workload: {entry: lb, arrival: {process: poisson, rate: 10/s}}
faults:
  - {at: 10s, crash: front, for: 5s}
  - {at: 30s, crash_zone: eu, for: 10s}
  - {at: 5s, crash: web-1, for: 20s}
  - {at: 15s, crash: web-2, for: 20s}
  - {at: 50s, crash: web-1}
  - {at: 50s, crash: web-2}
)";
  const auto loaded = load_topology_text(yaml, "t.yaml");
  ASSERT_TRUE(loaded.spec.has_value()) << (loaded.errors.empty() ? "" : loaded.errors.front().format());
  const auto& spec = *loaded.spec;
  const auto eu = entry_outages(spec, static_cast<std::size_t>(spec.index_of_service("lb")));
  ASSERT_EQ(eu.size(), 2u);
  EXPECT_EQ(eu[0].down_from, 10 * kSecond);
  EXPECT_EQ(eu[0].down_until, 15 * kSecond);
  EXPECT_EQ(eu[1].down_from, 30 * kSecond);
  EXPECT_EQ(eu[1].down_until, 40 * kSecond);
  const auto us = entry_outages(spec, static_cast<std::size_t>(spec.index_of_service("app")));
  ASSERT_EQ(us.size(), 2u);
  EXPECT_EQ(us[0].down_from, 15 * kSecond);
  EXPECT_EQ(us[0].down_until, 25 * kSecond);
  EXPECT_EQ(us[1].down_from, 50 * kSecond);
  EXPECT_EQ(us[1].down_until, kNever);

  // Users near eu: sent to eu but while it is down; a client that fetched before a failure is misdirected.
  const std::vector<SimTime> latency{kSecond / 1000, 40 * kSecond / 1000};
  const std::vector<DataCentreOutages> outages{eu, us};
  EXPECT_EQ(nearest_healthy(latency, outages, 5 * kSecond), 0u);
  EXPECT_EQ(nearest_healthy(latency, outages, 12 * kSecond), 1u);
  EXPECT_EQ(nearest_healthy(latency, outages, 20 * kSecond), 0u);
  EXPECT_EQ(nearest_healthy(latency, outages, 35 * kSecond), 1u);
  EXPECT_EQ(nearest_healthy(latency, outages, 55 * kSecond), 0u); // eu again
  // The latencies from the hardware: eu's gateway is 0.05 ms (half the default LAN) from front and 40 ms more
  // from web-1 across the WAN; us's the other way round.
  std::vector<HardwareIssue> issues;
  const auto graph = HardwareGraph::build(spec, issues);
  ASSERT_TRUE(issues.empty());
  const std::vector<std::size_t> entries{static_cast<std::size_t>(spec.index_of_service("lb")),
                                         static_cast<std::size_t>(spec.index_of_service("app"))};
  const auto from_zones = zone_latencies(spec, graph, {"eu", "us"}, entries);
  ASSERT_EQ(from_zones.size(), 2u);
  EXPECT_LT(from_zones[0][0], from_zones[0][1]);
  EXPECT_LT(from_zones[1][1], from_zones[1][0]);
  EXPECT_EQ(from_zones[0][1] - from_zones[0][0], 40 * kSecond / 1000);
  EXPECT_EQ(from_zones[1][0] - from_zones[1][1], 40 * kSecond / 1000);
  EXPECT_EQ(zone_latencies(spec, graph, {"ap"}, entries)[0][0], kNever); // no such zone
  const auto stale = route_by_cached_answer(latency, outages, 31 * kSecond, 2 * kSecond);
  EXPECT_EQ(stale.dc, 0u);
  EXPECT_TRUE(stale.misdirected);
  const auto fresh = route_by_cached_answer(latency, outages, 31 * kSecond, 0);
  EXPECT_EQ(fresh.dc, 1u);
  EXPECT_FALSE(fresh.misdirected);
}

TEST(GeoDns, ZonesAndGeoDnsAreReadFromTheWorkloadAndGiveEachZoneItsUsers)
{
  const char* yaml = R"(name: t
hardware:
  hosts:
    - {name: front, zone: eu}
    - {name: web, count: 2, zone: us}
  network: {shape: datacenters, datacenters: [eu, us], wan_latency: [[0, 40ms], [40ms, 0]]}
services:
  lb: {kind: load_balancer, host: front, backends: app}
  app: {kind: api_server, hosts: web}
requests:
  get: [cpu: 1Mf]
workload:
  geodns: {entries: [lb, app], ttl: 30s}
  zones: {us: 0.25, eu: 0.75}
  arrival: {process: poisson, rate: 10/s}
)";
  const auto loaded = load_topology_text(yaml, "t.yaml");
  ASSERT_TRUE(loaded.spec.has_value()) << (loaded.errors.empty() ? "" : loaded.errors.front().format());
  const auto& w = loaded.spec->workload;
  EXPECT_EQ(w.entry, "lb"); // the first entry stands for `entry` where one is needed
  ASSERT_TRUE(w.geodns.has_value());
  EXPECT_EQ(w.geodns->entries, (std::vector<std::string>{"lb", "app"}));
  EXPECT_EQ(w.geodns->ttl, 30 * kSecond);
  ASSERT_EQ(w.zones.size(), 2u); // in file order
  EXPECT_EQ(w.zones[0].zone, "us");
  EXPECT_EQ(w.zones[0].share, 0.25);
  EXPECT_EQ(w.zones[1].zone, "eu");
  // Each zone's users hang off its gateway, in the workload's order, and both entries hear from the users.
  std::vector<HardwareIssue> issues;
  const auto graph = HardwareGraph::build(*loaded.spec, issues);
  ASSERT_TRUE(issues.empty()) << issues.front().message;
  const auto& users = graph.zone_users_elements();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(graph.elements()[static_cast<std::size_t>(users[0])].name, "users-us");
  EXPECT_EQ(graph.elements()[static_cast<std::size_t>(users[0])].zone, "us");
  EXPECT_EQ(graph.elements()[static_cast<std::size_t>(users[1])].name, "users-eu");
  const auto traffic = service_traffic(*loaded.spec);
  for (const char* entry : {"lb", "app"})
    EXPECT_EQ(traffic.requesters[static_cast<std::size_t>(loaded.spec->index_of_service(entry))].front(),
              ServiceTraffic::kUsers)
        << entry;
}

TEST(GeoDns, UsersCanBeInADataCentreWithNoHost)
{
  // One data centre of servers (eu) and users in both: the us users come in at gw-us, which the datacenters shape
  // builds for every data centre listed, and cross the WAN (lesson 09's starting point). A zone that is not a
  // data centre is still unknown.
  const std::string yaml = R"(name: t
hardware:
  hosts:
    - {name: web, zone: eu}
  network: {shape: datacenters, datacenters: [eu, us], wan_latency: [[0, 40ms], [40ms, 0]]}
services:
  app: {kind: api_server, host: web}
requests:
  get: [cpu: 1Mf]
workload:
  entry: app
  zones: {eu: 0.6, us: 0.4}
  arrival: {process: poisson, rate: 10/s}
)";
  const auto loaded = load_topology_text(yaml, "t.yaml");
  ASSERT_TRUE(loaded.spec.has_value()) << (loaded.errors.empty() ? "" : loaded.errors.front().format());
  ASSERT_EQ(loaded.spec->workload.zones.size(), 2u);
  EXPECT_EQ(loaded.spec->workload.zones[1].zone, "us");
  std::vector<HardwareIssue> issues;
  const auto graph = HardwareGraph::build(*loaded.spec, issues);
  ASSERT_TRUE(issues.empty()) << issues.front().message;
  const auto& users = graph.zone_users_elements();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(graph.elements()[static_cast<std::size_t>(users[1])].name, "users-us");
  std::string elsewhere = yaml;
  elsewhere.replace(elsewhere.find("us: 0.4}"), 2, "asia");
  const auto refused = load_topology_text(elsewhere, "t.yaml");
  EXPECT_FALSE(refused.spec.has_value());
  ASSERT_FALSE(refused.errors.empty());
  EXPECT_NE(refused.errors.front().format().find("unknown zone \"asia\""), std::string::npos)
      << refused.errors.front().format();
}

TEST(FaultPlan, APartitionCutsTheLinksBetweenItsZoneAndTheOthers)
{
  const char* yaml = R"(name: t
hardware:
  hosts:
    - {name: web, count: 2, zone: eu}
    - {name: db, zone: us}
    - {name: cache, zone: ap}
  network: {shape: datacenters, datacenters: [eu, us, ap], wan_latency: [[0, 40ms, 90ms], [40ms, 0, 70ms], [90ms, 70ms, 0]]}
  users: {zone: eu}
services:
  app: {kind: api_server, hosts: web}
  users: {kind: database, host: db}
  c: {kind: cache, host: cache}
requests:
  get: [db_read: users]
workload: {entry: app, arrival: {process: poisson, rate: 10/s}}
faults:
  - {at: 1s, partition_zone: eu, for: 1s}
  - {at: 3s, crash_zone: eu}
  - {at: 2s, cut_link: wan-us-ap, for: 2s}
  - {at: 2s, delay_link: wan-us-ap, add: 10ms}
)";
  const auto loaded = load_topology_text(yaml, "t.yaml");
  ASSERT_TRUE(loaded.spec.has_value()) << (loaded.errors.empty() ? "" : loaded.errors.front().format());
  std::vector<HardwareIssue> issues;
  const auto graph = HardwareGraph::build(*loaded.spec, issues);
  std::vector<std::string> cut;
  for (int l : partition_links(graph, "eu"))
    cut.push_back(graph.links()[static_cast<std::size_t>(l)].name);
  std::sort(cut.begin(), cut.end());
  EXPECT_EQ(cut, (std::vector<std::string>{"wan-eu-ap", "wan-eu-us"})); // not the users' link
  const auto crashes = host_crashes(*loaded.spec);
  ASSERT_EQ(crashes.size(), 2u); // web-1 and web-2
  EXPECT_EQ(crashes.begin()->second.front().from, 3 * kSecond);
  EXPECT_EQ(crashes.begin()->second.front().until, kNever);
  const auto links = link_faults(*loaded.spec, graph);
  const auto wan = graph.find_link("wan-us-ap");
  ASSERT_TRUE(wan.has_value());
  EXPECT_EQ(links.at(*wan).cuts.size(), 1u);
  EXPECT_EQ(links.at(*wan).added, (std::vector<SimTime>{10 * kSecond / 1000}));
}
