// The hardware graph: shapes expanded into switches and links, routes by latency, explicit routes, zones,
// the checks the loader reports, and the DOT picture.
#include "scalelab/models/hardware.hpp"
#include "scalelab/models/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

using namespace scalelab::models;

namespace
{

// A topology with the given hardware section, one api_server on `app_host` and one on `db_host` called by it.
std::string topology(const std::string& hardware, const std::string& app_host = "a", const std::string& db_host = "b")
{
  return "name: t\nhardware:\n" + hardware + R"(
services:
  app: {kind: api_server, host: )" +
         app_host + R"(}
  db: {kind: database, host: )" +
         db_host + R"(}
requests:
  get:
    - db_read: db
workload:
  entry: app
  arrival: {process: poisson, rate: 10/s}
)";
}

TopologySpec load_ok(const std::string& yaml)
{
  const auto loaded = load_topology_text(yaml, "t.yaml");
  for (const auto& e : loaded.errors)
    ADD_FAILURE() << e.format();
  if (!loaded.spec)
    throw std::runtime_error("does not load");
  return *loaded.spec;
}

std::vector<std::string> load_errors(const std::string& yaml)
{
  std::vector<std::string> out;
  for (const auto& e : load_topology_text(yaml, "t.yaml").errors)
    out.push_back(e.format());
  return out;
}

HardwareGraph graph_of(const TopologySpec& spec)
{
  std::vector<HardwareIssue> issues;
  auto g = HardwareGraph::build(spec, issues);
  EXPECT_TRUE(issues.empty());
  return g;
}

int element(const HardwareGraph& g, const std::string& name)
{
  const auto e = g.find_element(name);
  EXPECT_TRUE(e.has_value()) << name;
  return e.value_or(-1);
}

std::vector<std::string> link_names(const HardwareGraph& g, const std::vector<Hop>& hops)
{
  std::vector<std::string> names;
  for (const auto& h : hops)
    names.push_back(g.links()[static_cast<std::size_t>(h.link)].name);
  return names;
}

} // namespace

TEST(HardwareGraph, LanIsAStarWithHalfTheLatencyOnEachLink)
{
  const auto spec =
      load_ok(topology("  hosts: [{name: a}, {name: b}]\n  network: {bandwidth: 1Gbps, latency: 100us}\n"));
  const auto g = graph_of(spec);
  EXPECT_EQ(g.elements().size(), 4u); // a, b, the switch, the users
  EXPECT_EQ(g.links().size(), 3u);
  const auto route = g.route(element(g, "a"), element(g, "b"));
  ASSERT_TRUE(route);
  EXPECT_EQ(route->size(), 2u);
  EXPECT_DOUBLE_EQ(g.latency(*route), 100e-6);
  EXPECT_EQ(g.zones(), std::vector<std::string>{""});
}

TEST(HardwareGraph, RacksHaveTopOfRackSwitchesAndUplinksToASpine)
{
  const auto spec = load_ok(topology(R"(  hosts: [{name: a}, {name: h, count: 3}, {name: b}]
  network: {shape: racks, rack_size: 2, host_link: {latency: 5us}, uplink: {bandwidth: 10Gbps, latency: 20us}}
)"));
  const auto g = graph_of(spec);
  // a, h-1 | h-2, h-3 | b: three racks.
  for (const char* name : {"tor-1", "tor-2", "tor-3", "spine"})
    EXPECT_EQ(g.elements()[static_cast<std::size_t>(element(g, name))].kind, NetElement::Kind::switch_);
  EXPECT_EQ(g.elements()[static_cast<std::size_t>(element(g, "b"))].zone, "rack-3");
  const auto route = g.route(element(g, "a"), element(g, "b"));
  ASSERT_TRUE(route);
  EXPECT_EQ(link_names(g, *route), (std::vector<std::string>{"a--tor-1", "uplink-1", "uplink-3", "b--tor-3"}));
  EXPECT_DOUBLE_EQ(g.latency(*route), 5e-6 + 20e-6 + 20e-6 + 5e-6);
  EXPECT_EQ(g.gateway("rack-2"), g.find_element("tor-2"));
  // Inside a rack the route stays under its switch.
  EXPECT_EQ(g.route(element(g, "h-2"), element(g, "h-3"))->size(), 2u);
}

namespace
{
// Three data centres whose direct eu-ap link (90 ms) is shorter than the way through us (40 + 70 ms).
TopologySpec three_datacentres()
{
  return load_ok(topology(R"(  hosts: [{name: a, zone: eu}, {name: b, zone: ap}, {name: c, zone: us}]
  network: {shape: datacenters, datacenters: [eu, us, ap], lan: {latency: 100us},
            wan_latency: [[0, 40ms, 90ms], [40ms, 0, 70ms], [90ms, 70ms, 0]]}
)"));
}
} // namespace

TEST(HardwareGraph, DataCentresAreJoinedByTheirWanLatencies)
{
  const auto spec = three_datacentres();
  const auto g = graph_of(spec);
  EXPECT_EQ(
      std::count_if(g.links().begin(), g.links().end(), [](const NetLink& l) { return l.name.rfind("wan-", 0) == 0; }),
      3);
  const auto route = g.route(element(g, "a"), element(g, "b"));
  ASSERT_TRUE(route);
  // The direct eu-ap link (90 ms) is shorter than through us (40 + 70 ms).
  EXPECT_EQ(link_names(g, *route), (std::vector<std::string>{"a--gw-eu", "wan-eu-ap", "b--gw-ap"}));
  EXPECT_DOUBLE_EQ(g.latency(*route), 50e-6 + 90e-3 + 50e-6);
  EXPECT_EQ(g.zones(), (std::vector<std::string>{"ap", "eu", "us"}));
  EXPECT_EQ(g.gateway("us"), g.find_element("gw-us"));
}

TEST(HardwareGraph, ShortestRouteByLatencyThenFewestHops)
{
  const auto spec = load_ok(topology(R"(  hosts: [{name: a}, {name: b}]
  switches: [{name: s}, {name: t}, {name: u}]
  links:
    - {name: long, between: [a, b], latency: 3ms}
    - {name: a-s, between: [a, s], latency: 1ms}
    - {name: s-b, between: [s, b], latency: 1ms}
    - {name: a-t, between: [a, t], latency: 500us}
    - {name: t-u, between: [t, u], latency: 500us}
    - {name: u-b, between: [u, b], latency: 1ms}
)"));
  const auto g = graph_of(spec);
  // 2 ms through s, and 2 ms through t and u: the same latency, fewer hops wins; the 3 ms link loses.
  EXPECT_EQ(link_names(g, *g.route(element(g, "a"), element(g, "b"))), (std::vector<std::string>{"a-s", "s-b"}));
  EXPECT_EQ(link_names(g, *g.route(element(g, "b"), element(g, "a"))), (std::vector<std::string>{"s-b", "a-s"}));
}

TEST(HardwareGraph, TheWayBackWalksTheTreeOfTheOtherEnd)
{
  const auto spec = three_datacentres();
  const auto reused = graph_of(spec);
  const auto there = *reused.route(element(reused, "a"), element(reused, "b"));
  const auto back = *reused.route(element(reused, "b"), element(reused, "a")); // from a's tree
  const auto fresh = graph_of(spec);
  const auto back_by_dijkstra = *fresh.route(element(fresh, "b"), element(fresh, "a")); // from b's own tree
  ASSERT_EQ(back.size(), there.size());
  for (std::size_t k = 0; k < back.size(); ++k) {
    EXPECT_EQ(back[k].link, there[there.size() - 1 - k].link);
    EXPECT_NE(back[k].forward, there[there.size() - 1 - k].forward); // crossed the other way
    EXPECT_EQ(back[k].link, back_by_dijkstra[k].link);
    EXPECT_EQ(back[k].forward, back_by_dijkstra[k].forward);
  }
  EXPECT_DOUBLE_EQ(reused.latency(back), reused.latency(there));
}

TEST(HardwareGraph, HostsDoNotForwardOtherHostsTraffic)
{
  // a reaches b only through host m: that is no route, and the loader says so.
  const auto errors = load_errors(topology(R"(  hosts: [{name: a}, {name: m}, {name: b}]
  links:
    - {between: [a, m]}
    - {between: [m, b]}
)"));
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.front().find("no route from a to b"), std::string::npos) << errors.front();
}

TEST(HardwareGraph, ExplicitRoutesOverrideTheShortestAndRunBackwards)
{
  const auto spec = load_ok(topology(R"(  hosts: [{name: a}, {name: b}]
  switches: [{name: s}, {name: t}]
  links:
    - {name: a-s, between: [a, s], latency: 1ms}
    - {name: s-b, between: [s, b], latency: 1ms}
    - {name: a-t, between: [a, t], latency: 5ms}
    - {name: t-b, between: [t, b], latency: 5ms}
  routes:
    - {from: a, to: b, links: [a-t, t-b]}
)"));
  const auto g = graph_of(spec);
  const auto there = g.route(element(g, "a"), element(g, "b"));
  const auto back = g.route(element(g, "b"), element(g, "a"));
  EXPECT_EQ(link_names(g, *there), (std::vector<std::string>{"a-t", "t-b"}));
  EXPECT_EQ(link_names(g, *back), (std::vector<std::string>{"t-b", "a-t"}));
  EXPECT_TRUE((*there)[0].forward);
  EXPECT_FALSE((*back)[1].forward) << "a-t is crossed from t to a on the way back";
}

TEST(HardwareGraph, ARouteThatDoesNotConnectIsReportedAtItsPlace)
{
  const auto errors = load_errors(topology(R"(  hosts: [{name: a}, {name: b}]
  switches: [{name: s}]
  links:
    - {name: a-s, between: [a, s]}
    - {name: s-b, between: [s, b]}
  routes:
    - {from: a, to: b, links: [s-b]}
)"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("t.yaml:9:"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("cannot take link s-b at a"), std::string::npos) << errors[0];
}

TEST(HardwareGraph, AZoneHasOneGateway)
{
  const auto errors = load_errors(topology(R"(  hosts: [{name: a, zone: x}, {name: b, zone: y}]
  switches: [{name: s, zone: x}, {name: t, zone: x}, {name: g, zone: y}]
  links:
    - {between: [a, s]}
    - {between: [a, t]}
    - {between: [s, g]}
    - {between: [t, g]}
    - {between: [g, b]}
)"));
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.front().find("zone x reach other zones through several elements (s, t)"), std::string::npos)
      << errors.front();
}

TEST(HardwareGraph, DotShowsZonesServicesAndLinks)
{
  const auto spec = load_ok(topology(R"(  hosts: [{name: a, zone: eu}, {name: b, zone: us}]
  network: {shape: datacenters, datacenters: [eu, us], wan_latency: [[0, 40ms], [40ms, 0]]}
)"));
  const auto dot = graph_of(spec).to_dot(spec);
  EXPECT_EQ(dot.rfind("graph \"t\" {", 0), 0u);
  EXPECT_NE(dot.find("subgraph \"cluster_eu\""), std::string::npos);
  EXPECT_NE(dot.find("[app]"), std::string::npos);
  EXPECT_NE(dot.find("\"gw-eu\" -- \"gw-us\" [label=\"1 Gbps\\n40 ms\""), std::string::npos) << dot;
  EXPECT_EQ(dot.back(), '\n');
}

TEST(ServiceTraffic, BalancersCallsAndUsers)
{
  const auto spec = load_ok(R"(
name: t
hardware:
  hosts: [{name: h}]
services:
  lb: {kind: load_balancer, host: h, backends: app}
  app: {kind: api_server, host: h}
  db: {kind: database, host: h}
requests:
  get:
    - db_read: db
workload:
  entry: lb
  arrival: {process: poisson, rate: 10/s}
)");
  const auto t = service_traffic(spec);
  EXPECT_EQ(t.requesters[0], std::vector<int>{ServiceTraffic::kUsers});
  EXPECT_EQ(t.requesters[1], std::vector<int>{0});
  EXPECT_EQ(t.requesters[2], std::vector<int>{1});
  EXPECT_EQ(t.reply_targets[2], std::vector<int>{1});
}

TEST(HardwareGraph, ARouteGivenTwiceIsReported)
{
  const auto errors = load_errors(topology(R"(  hosts: [{name: a}, {name: b}]
  links:
    - {name: ab, between: [a, b]}
  routes:
    - {from: a, to: b, links: [ab]}
    - {from: b, to: a, links: [ab]}
)"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("t.yaml:8:"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("a route from b to a is given twice"), std::string::npos) << errors[0];
}
