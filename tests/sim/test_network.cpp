// The network model against arithmetic and against SimGrid's own network model, and the host and request
// structures the engine is built from. Each test runs at most one simulation (one SimGrid engine per process:
// ctest runs every test in its own process).
#include "platform.hpp"
#include "scalelab/models/hardware.hpp"
#include "scalelab/models/loader.hpp"
#include "scalelab/sim/simulation.hpp"
#include "world.hpp"

#include <gtest/gtest.h>

#include <simgrid/s4u.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace scalelab;
namespace sg4 = simgrid::s4u;

namespace
{

models::TopologySpec load(const std::string& yaml)
{
  const auto loaded = models::load_topology_text(yaml, "test.yaml");
  for (const auto& e : loaded.errors)
    ADD_FAILURE() << e.format();
  if (!loaded.spec)
    throw std::runtime_error("test topology does not load");
  return *loaded.spec;
}

// One server behind one switch; the users' link is a fat pipe of 1 ms. 1 MB goes up to the server over a
// 100 Mbps link of 200 us: 80 ms of transmission.
std::string one_link(const std::string& arrival, const std::string& workers = "1")
{
  return R"(
name: one-link
seed: 1
duration: 15s
hardware:
  hosts: [{name: server}]
  switches: [{name: sw}]
  links:
    - {between: [server, sw], bandwidth: 100Mbps, latency: 200us}
  users: {attach: sw, latency: 1ms}
services:
  app: {kind: api_server, host: server, workers: )" +
         workers + R"(}
requests:
  upload:
    steps: [{delay: 1ms}]
    request_size: 1MB
    response_size: 0B
workload:
  entry: app
  arrival: )" +
         arrival + "\n";
}

constexpr double kTransfer = 1e6 / 12.5e6; // 1 MB at 100 Mbps: 80 ms
constexpr double kOneWay = 1e-3 + 200e-6;  // users' link + server's link
constexpr double kService = 1e-3;

const models::LinkResult* find_link(const models::Results& r, const std::string& name, const std::string& to)
{
  for (const auto& l : r.links)
    if (l.name == name && l.to == to)
      return &l;
  return nullptr;
}

} // namespace

TEST(Network, SingleTransferTakesLatencyPlusSizeOverBandwidth)
{
  const auto out = sim::run_simulation(load(one_link("{process: constant, rate: 1/s}")));
  const auto& r = out.results;
  ASSERT_EQ(r.total.completed, 14u);
  // Request: latency + size / bandwidth; reply (no bytes): latency; plus the server's 1 ms.
  const double expected = kOneWay + kTransfer + kService + kOneWay;
  EXPECT_NEAR(r.total.latency.mean, expected, 0.01 * expected);
  EXPECT_NEAR(r.total.latency.mean, expected, 1e-6) << "the model is exact to the nanosecond here";
  const auto* down = find_link(r, "server--sw", "server");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->bytes, 14'000'000u);
  EXPECT_NEAR(down->utilisation, 14 * kTransfer / 15.0, 1e-9);
  const auto* up = find_link(r, "server--sw", "sw");
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->bytes, 0u);
}

TEST(Network, TwoFlowsOnOneLinkShareIt)
{
  // Two users send at the same instant (t = 10 s, constant think time) over the same link: together they
  // take twice the transmission time; the link is FIFO, so one finishes after 80 ms and the other after 160.
  const auto out = sim::run_simulation(load(one_link("{process: closed, users: 2, think_time: 10s}", "2")));
  const auto& r = out.results;
  ASSERT_EQ(r.total.completed, 2u);
  const double first = kOneWay + kTransfer + kService + kOneWay;
  const double second = first + kTransfer;
  EXPECT_NEAR(r.total.latency.max, second, 0.01 * second);
  EXPECT_NEAR(r.total.latency.mean, (first + second) / 2, 0.01 * first);
  const auto* down = find_link(r, "server--sw", "server");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->bytes, 2'000'000u);
  EXPECT_NEAR(down->utilisation, 2 * kTransfer / 15.0, 1e-9) << "busy 160 ms of 15 s";
}

// The same platform in SimGrid, with its CM02 model (latency + size / bandwidth, fair sharing): one
// transfer alone, then two at once. scalelab's figures must agree within 1% (the makespan for two).
TEST(Network, SimGridAgreesOnTheSamePlatform)
{
  const auto spec = load(one_link("{process: constant, rate: 1/s}"));
  const auto engine = sim::create_engine({"--cfg=network/model:CM02"});
  std::vector<models::HardwareIssue> issues;
  const auto graph = models::HardwareGraph::build(spec, issues);
  ASSERT_TRUE(issues.empty());
  sim::Platform platform(spec, graph);
  platform.add_routes({{1, 0}, {0, 1}});
  sg4::Host* users = platform.hosts()[platform.users()];
  sg4::Host* server = platform.hosts()[0];
  double single = 0, both = 0;
  sg4::Actor::create("single", users, [&] {
    sg4::Comm::sendto(users, server, 1e6);
    single = sg4::Engine::get_clock();
  });
  for (int i = 0; i < 2; ++i)
    sg4::Actor::create("pair", users, [&] {
      sg4::this_actor::sleep_until(10);
      sg4::Comm::sendto(users, server, 1e6);
      both = std::max(both, sg4::Engine::get_clock() - 10);
    });
  engine->run();
  EXPECT_NEAR(single, kOneWay + kTransfer, 0.01 * (kOneWay + kTransfer));
  EXPECT_NEAR(both, kOneWay + 2 * kTransfer, 0.01 * (kOneWay + 2 * kTransfer));
}

TEST(Network, CrossZoneCallPaysTheWanLatencyBothWays)
{
  // The app in eu calls a database in us: 40 ms of WAN each way. Messages carry no bytes, so every
  // figure is a sum of latencies: users -> app 100 us (users' link 50 us + host link 50 us), app -> db
  // 50 + 40,000 + 50 us, the 1 ms disk read, and the same back.
  const auto out = sim::run_simulation(load(R"(
name: two-dcs
seed: 1
duration: 10s
hardware:
  hosts:
    - {name: web, zone: eu}
    - {name: db, zone: us}
  network: {shape: datacenters, datacenters: [eu, us], lan: {latency: 100us},
            wan_latency: [[0, 40ms], [40ms, 0]]}
services:
  app: {kind: api_server, host: web}
  store: {kind: database, host: db, read: {disk: 1ms}, query_size: 0B, result_size: 0B}
requests:
  get:
    steps: [{db_read: store}]
    request_size: 0B
    response_size: 0B
workload:
  entry: app
  arrival: {process: constant, rate: 2/s}
)"));
  const auto& r = out.results;
  ASSERT_GT(r.total.completed, 10u);
  const double local = 100e-6 + 100e-6;       // users to app and back
  const double to_db = 50e-6 + 40e-3 + 50e-6; // app to db, one way
  EXPECT_NEAR(r.total.latency.mean, local + 2 * to_db + 1e-3, 1e-6);
}

TEST(Network, RouteAvoidsTheLongerPath)
{
  // The server is 10 ms from the users' switch on a direct link, or 2 ms through a second switch.
  const auto out = sim::run_simulation(load(R"(
name: detour
seed: 1
duration: 10s
hardware:
  hosts: [{name: server}]
  switches: [{name: a}, {name: b}]
  links:
    - {name: direct, between: [a, server], latency: 10ms}
    - {between: [a, b], latency: 1ms}
    - {between: [b, server], latency: 1ms}
  users: {attach: a, latency: 100us}
services:
  app: {kind: api_server, host: server}
requests:
  ping:
    steps: [{delay: 1ms}]
    request_size: 0B
    response_size: 0B
workload:
  entry: app
  arrival: {process: constant, rate: 2/s}
)"));
  const auto& r = out.results;
  ASSERT_GT(r.total.completed, 10u);
  EXPECT_NEAR(r.total.latency.mean, 2 * (100e-6 + 2e-3) + 1e-3, 1e-6);
  bool direct_listed = false;
  for (const auto& l : r.links) {
    if (l.name == "direct") {
      direct_listed = true;
      EXPECT_EQ(l.messages, 0u) << "the longer path carries nothing";
    }
  }
  EXPECT_FALSE(direct_listed) << "no route crosses it, so it is not in the results";
}

// The SimGrid platform built from the graph (net zones with gateways, through the API) routes exactly as
// the graph does: the same links, in the same order and direction, for every pair of hosts.
TEST(Network, SimGridZonesRouteAsTheGraph)
{
  const auto spec = load(R"(
name: zones
hardware:
  hosts:
    - {name: a, count: 3, zone: eu}
    - {name: b, count: 2, zone: us}
    - {name: c, zone: ap}
  network: {shape: datacenters, datacenters: [eu, us, ap], lan: {latency: 100us},
            wan_latency: [[0, 40ms, 200ms], [40ms, 0, 70ms], [200ms, 70ms, 0]]}
services:
  app: {kind: api_server, hosts: [a-1, a-2, a-3, b-1, b-2, c]}
requests:
  get: [{delay: 1ms}]
workload:
  entry: app
  arrival: {process: poisson, rate: 1/s}
)");
  const auto engine = sim::create_engine();
  std::vector<models::HardwareIssue> issues;
  const auto graph = models::HardwareGraph::build(spec, issues);
  ASSERT_TRUE(issues.empty());
  sim::Platform platform(spec, graph);
  const auto n = static_cast<std::uint32_t>(platform.hosts().size()); // the hosts and the users
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t j = 0; j < n; ++j)
      if (i != j)
        pairs.emplace_back(i, j);
  platform.add_routes(pairs);
  auto element = [&](std::uint32_t host) {
    return host == platform.users() ? graph.users_element() : graph.element_of_host(host);
  };
  for (const auto& [i, j] : pairs) {
    std::vector<sg4::Link*> links;
    double latency = 0;
    platform.hosts()[i]->route_to(platform.hosts()[j], links, &latency);
    const auto hops = graph.route(element(i), element(j));
    ASSERT_TRUE(hops);
    std::vector<std::string> simgrid, ours;
    for (const auto* l : links)
      simgrid.push_back(l->get_name());
    for (const auto& h : *hops) {
      const auto& link = graph.links()[static_cast<std::size_t>(h.link)];
      ours.push_back(link.params.sharing == models::LinkSharing::full_duplex ? link.name + (h.forward ? "_UP" : "_DOWN")
                                                                             : link.name);
    }
    EXPECT_EQ(simgrid, ours) << platform.hosts()[i]->get_name() << " -> " << platform.hosts()[j]->get_name();
    EXPECT_NEAR(latency, graph.latency(*hops), 1e-12);
  }
  // a to c goes through us: 40 + 70 ms beats the direct 200 ms.
  std::vector<sg4::Link*> links;
  double latency = 0;
  platform.hosts()[0]->route_to(platform.hosts()[5], links, &latency);
  EXPECT_NEAR(latency, 50e-6 + 40e-3 + 70e-3 + 50e-6, 1e-9);
}

// The host's cores as a FIFO pool computed by Lindley's recursion: each claim starts when it is made or
// when the earliest unit frees, in the order the claims are made.
TEST(HostResource, ClaimsStartInOrderWhenAUnitFrees)
{
  sim::Clock clock;
  clock.end = 100;
  clock.interval = 100;
  sim::HostResource cores;
  cores.init(2, clock);
  EXPECT_EQ(cores.use(0, 5), 5);   // unit A: 0-5
  EXPECT_EQ(cores.use(0, 3), 3);   // unit B: 0-3
  EXPECT_EQ(cores.use(1, 4), 7);   // waits for B: 3-7
  EXPECT_EQ(cores.use(2, 1), 6);   // waits for A: 5-6
  EXPECT_EQ(cores.use(20, 2), 22); // both free again
  // Busy unit-time: 5 + 3 + 4 + 1 + 2 = 15 over 100 ns.
  EXPECT_DOUBLE_EQ(cores.window_mean(), 0.15);
}

// A crash takes back the work given to the units after it: each unit is busy without a break from the
// crash to its free time, and free from the crash on.
TEST(HostResource, ACrashFreesTheUnitsAndTakesBackTheirBusyTime)
{
  sim::Clock clock;
  clock.warmup = 10;
  clock.end = 110;
  clock.interval = 100;
  sim::HostResource cores;
  cores.init(2, clock);
  EXPECT_EQ(cores.use(0, 30), 30);  // unit A: 0-30, 20 of it in the window
  EXPECT_EQ(cores.use(5, 10), 15);  // unit B: 5-15, 5 in the window
  EXPECT_EQ(cores.use(12, 20), 35); // B again: 15-35
  cores.crash(20);                  // A loses 20-30, B 20-35
  // Kept: A 10-20 and B 10-20: 20 unit-ns over a 100 ns window.
  EXPECT_DOUBLE_EQ(cores.window_mean(), 0.2);
  EXPECT_EQ(cores.use(20, 5), 25); // free at once after the crash
  EXPECT_EQ(cores.use(20, 5), 25);
}

// Request records: each with room for the run's deepest stack of frames and nothing more, in records that
// never move and do not overlap, two cache lines each for three frames, ids reused last-freed first.
TEST(RequestPool, RecordsFillWholeCacheLinesNeverMoveAndDoNotOverlap)
{
  sim::RequestPool pool;
  pool.set_frames(3);
  EXPECT_EQ(pool.address(0), nullptr); // nothing yet: prefetching any id is safe
  std::vector<std::uint32_t> ids;
  for (int i = 0; i < 1500; ++i) // more than one chunk
    ids.push_back(pool.acquire());
  const std::byte* first = pool.address(ids[0]);
  for (std::uint32_t id : ids) {
    ASSERT_NE(pool.address(id), nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(pool.address(id)) % 64, 0U) << "record " << id;
    sim::Request& r = pool[id];
    r.depth = 3;
    for (int f = 0; f < 3; ++f)
      r.frames()[f].component = id * 10 + static_cast<std::uint32_t>(f);
    pool.message(id).bytes = id;
  }
  for (std::uint32_t id : ids) {
    EXPECT_EQ(pool[id].depth, 3);
    EXPECT_EQ(pool[id].top().component, id * 10 + 2);
    EXPECT_EQ(pool.message(id).bytes, id);
  }
  EXPECT_EQ(pool.address(ids.back() + 1), nullptr);
  EXPECT_EQ(pool.address(ids[1]) - pool.address(ids[0]), 128);
  pool.release(ids[7]);
  pool.release(ids[3]);
  EXPECT_EQ(pool.acquire(), ids[3]);
  EXPECT_EQ(pool.acquire(), ids[7]);
  EXPECT_EQ(pool.address(ids[0]), first);
  EXPECT_EQ(pool.live(), ids.size());
}
