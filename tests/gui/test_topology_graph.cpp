// The diagram model of scalelab-gui, without widgets: the nodes and edges of shipped topologies, read from the
// files by hand, and the layout's promises (left to right along every edge, no two boxes overlap, frames hold
// their zone's nodes and nothing else) on every shipped topology and scenario.
#include "break_it.hpp"
#include "topology_graph.hpp"

#include "scalelab/models/loader.hpp"
#include "scalelab/models/yaml_edit.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace
{

using scalelab::gui::GraphEdge;
using scalelab::gui::GraphNode;
using scalelab::gui::TopologyGraph;
using Ops = std::vector<std::string>;

TopologyGraph graph_of_file(const std::string& relative)
{
  const auto loaded = scalelab::models::load_topology_file(std::string(SCALELAB_SOURCE_DIR) + "/" + relative);
  EXPECT_TRUE(loaded.spec.has_value()) << relative << ": "
                                       << (loaded.errors.empty() ? "" : loaded.errors.front().format());
  return loaded.spec ? TopologyGraph::from_spec(*loaded.spec) : TopologyGraph();
}

TopologyGraph graph_of_text(const std::string& yaml)
{
  const auto loaded = scalelab::models::load_topology_text(yaml, "inline.yaml");
  EXPECT_TRUE(loaded.spec.has_value()) << (loaded.errors.empty() ? "" : loaded.errors.front().format());
  return loaded.spec ? TopologyGraph::from_spec(*loaded.spec) : TopologyGraph();
}

std::vector<std::string> ids(const TopologyGraph& g)
{
  std::vector<std::string> out;
  for (const auto& n : g.nodes())
    out.push_back(n.id);
  return out;
}

Ops operations(const TopologyGraph& g, const std::string& from, const std::string& to, GraphEdge::Type type)
{
  const auto* e = g.find_edge(from, to, type);
  EXPECT_NE(e, nullptr) << "no " << scalelab::gui::edge_type_name(type) << " edge " << from << " -> " << to;
  return e ? e->operations : Ops{"(missing)"};
}

int layer(const TopologyGraph& g, const std::string& id)
{
  const auto* n = g.find(id);
  EXPECT_NE(n, nullptr) << id;
  return n ? n->layer : -1;
}

TEST(TopologyGraph, ThreeTierIsUsersBalancerServersDatabase)
{
  const auto g = graph_of_file("topologies/three-tier.yaml");
  EXPECT_EQ(ids(g), (std::vector<std::string>{"(users)", "lb", "app", "users"}));
  EXPECT_EQ(g.edges().size(), 3u);
  EXPECT_EQ(operations(g, "(users)", "lb", GraphEdge::Type::call), (Ops{"get_user", "update_user"}));
  EXPECT_EQ(operations(g, "lb", "app", GraphEdge::Type::backend), Ops{});
  EXPECT_EQ(operations(g, "app", "users", GraphEdge::Type::call), (Ops{"read", "write"}));
  EXPECT_EQ(layer(g, "(users)"), 0);
  EXPECT_EQ(layer(g, "lb"), 1);
  EXPECT_EQ(layer(g, "app"), 2);
  EXPECT_EQ(layer(g, "users"), 3);
  // Three hosts of 16 workers, one database of 32 connections: the capacities results.json divides by.
  EXPECT_EQ(g.find("app")->kind, "api_server");
  EXPECT_EQ(g.find("app")->hosts, (std::vector<std::string>{"web-1", "web-2", "web-3"}));
  EXPECT_DOUBLE_EQ(g.find("app")->capacity, 48);
  EXPECT_DOUBLE_EQ(g.find("users")->capacity, 32);
  EXPECT_DOUBLE_EQ(g.find("lb")->capacity, 0);
  EXPECT_TRUE(g.frames().empty());
}

TEST(TopologyGraph, CacheAsideCallsTheCacheThenTheDatabase)
{
  const auto g = graph_of_file("topologies/cache-aside.yaml");
  EXPECT_EQ(ids(g), (std::vector<std::string>{"(users)", "lb", "app", "user_cache", "users"}));
  // get_user: get, then on a miss read and set; update_user: write, then delete.
  EXPECT_EQ(operations(g, "app", "user_cache", GraphEdge::Type::call), (Ops{"get", "set", "delete"}));
  EXPECT_EQ(operations(g, "app", "users", GraphEdge::Type::call), (Ops{"read", "write"}));
  EXPECT_EQ(g.find("user_cache")->kind, "cache");
  EXPECT_EQ(layer(g, "user_cache"), 3);
  EXPECT_EQ(layer(g, "users"), 3);
  EXPECT_EQ(g.edges().size(), 4u);
}

TEST(TopologyGraph, EmailQueuePublishesJobsThatWorkersConsume)
{
  const auto g = graph_of_file("topologies/email-queue.yaml");
  EXPECT_EQ(ids(g), (std::vector<std::string>{"(users)", "lb", "app", "mq", "mailers", "users"}));
  EXPECT_EQ(operations(g, "(users)", "lb", GraphEdge::Type::call), (Ops{"signup", "login"}));
  EXPECT_EQ(operations(g, "app", "mq", GraphEdge::Type::publish), (Ops{"welcome_email"}));
  EXPECT_EQ(operations(g, "mq", "mailers", GraphEdge::Type::consume), Ops{});
  EXPECT_EQ(operations(g, "app", "users", GraphEdge::Type::call), (Ops{"write", "read"}));
  // The welcome_email job only waits (cpu and delay): the mailers call nothing.
  EXPECT_EQ(g.edges().size(), 5u);
  EXPECT_EQ(layer(g, "mq"), 3);
  EXPECT_EQ(layer(g, "mailers"), 4);
  EXPECT_DOUBLE_EQ(g.find("mailers")->capacity, 32); // two hosts of 16 workers
}

TEST(TopologyGraph, PrimaryReplicasHasAReplicationEdgeToItsReplicas)
{
  const auto g = graph_of_file("topologies/primary-replicas.yaml");
  EXPECT_EQ(ids(g), (std::vector<std::string>{"(users)", "lb", "app", "users", "users/replicas"}));
  EXPECT_EQ(g.find("users")->hosts, (std::vector<std::string>{"db-1"}));
  EXPECT_EQ(g.find("users/replicas")->hosts, (std::vector<std::string>{"db-2", "db-3"}));
  EXPECT_EQ(g.find("users/replicas")->kind, "replica");
  EXPECT_EQ(operations(g, "users", "users/replicas", GraphEdge::Type::replication), Ops{});
  // Every instance has its connections: the primary and the two replicas.
  EXPECT_DOUBLE_EQ(g.find("users")->capacity, 96);
  EXPECT_EQ(layer(g, "users/replicas"), 4);
}

TEST(TopologyGraph, TwoDatacentresFrameOnlyTheNodesWhollyInAZone)
{
  const auto g = graph_of_file("topologies/two-datacenters.yaml");
  ASSERT_EQ(g.frames().size(), 2u);
  EXPECT_TRUE(g.frames()[1].nodes.empty()); // no node lies wholly in us (its hosts only): app has hosts in both
  EXPECT_EQ(g.frames()[0].zone, "eu");
  std::vector<std::string> in_eu;
  for (const auto n : g.frames()[0].nodes)
    in_eu.push_back(g.nodes()[n].id);
  EXPECT_EQ(in_eu, (std::vector<std::string>{"lb", "accounts"}));
  EXPECT_EQ(g.find("app")->zone, "");
  EXPECT_EQ(g.find("app")->zones, (std::vector<std::string>{"eu", "us"}));
}

TEST(TopologyGraph, CallsToAnotherServerRunItsRequestTypeThere)
{
  // A request type reached through `call` runs at the called server; a forward hands the rest over.
  const auto g = graph_of_text(R"(name: pipeline
hardware:
  hosts: [{name: a}, {name: b}, {name: c}, {name: d}]
services:
  front: {kind: api_server, host: a}
  auth:  {kind: api_server, host: b}
  back:  {kind: api_server, host: c}
  db:    {kind: database, host: d}
requests:
  page: [cpu: 1ms, call: {service: auth, request: check}, forward: back, db_read: db]
  check: [cpu: 1ms, db_read: db]
workload: {entry: front, arrival: {process: poisson, rate: 10/s}, mix: {page: 1}}
)");
  EXPECT_EQ(operations(g, "front", "auth", GraphEdge::Type::call), (Ops{"check"}));
  EXPECT_EQ(operations(g, "auth", "db", GraphEdge::Type::call), (Ops{"read"}));
  EXPECT_EQ(operations(g, "front", "back", GraphEdge::Type::forward), (Ops{"page"}));
  EXPECT_EQ(operations(g, "back", "db", GraphEdge::Type::call), (Ops{"read"}));
  EXPECT_EQ(g.find_edge("front", "db", GraphEdge::Type::call), nullptr); // the read after the forward is back's
  EXPECT_EQ(layer(g, "db"), 3);
}

bool overlap(double a0, double a1, double b0, double b1)
{
  return a0 < b1 && b0 < a1;
}

void expect_layout_promises(const TopologyGraph& g, const std::string& file)
{
  const auto& nodes = g.nodes();
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (std::size_t j = i + 1; j < nodes.size(); ++j) {
      const bool apart =
          !overlap(nodes[i].x - TopologyGraph::kNodeWidth / 2, nodes[i].x + TopologyGraph::kNodeWidth / 2,
                   nodes[j].x - TopologyGraph::kNodeWidth / 2, nodes[j].x + TopologyGraph::kNodeWidth / 2) ||
          !overlap(nodes[i].y - TopologyGraph::kNodeHeight / 2, nodes[i].y + TopologyGraph::kNodeHeight / 2,
                   nodes[j].y - TopologyGraph::kNodeHeight / 2, nodes[j].y + TopologyGraph::kNodeHeight / 2);
      EXPECT_TRUE(apart) << file << ": " << nodes[i].id << " and " << nodes[j].id << " overlap";
    }
  // No shipped topology has a cycle: every edge goes left to right.
  for (const auto& e : g.edges())
    EXPECT_GT(nodes[e.to].layer, nodes[e.from].layer)
        << file << ": " << nodes[e.from].id << " -> " << nodes[e.to].id << " goes backwards";
  EXPECT_EQ(nodes.front().layer, 0) << file;
  // A frame holds its zone's nodes, no other node lies in it, and frames do not overlap.
  for (std::size_t f = 0; f < g.frames().size(); ++f) {
    const auto& frame = g.frames()[f];
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const bool member = std::find(frame.nodes.begin(), frame.nodes.end(), i) != frame.nodes.end();
      const bool inside = overlap(nodes[i].x - TopologyGraph::kNodeWidth / 2,
                                  nodes[i].x + TopologyGraph::kNodeWidth / 2, frame.left, frame.right) &&
                          overlap(nodes[i].y - TopologyGraph::kNodeHeight / 2,
                                  nodes[i].y + TopologyGraph::kNodeHeight / 2, frame.top, frame.bottom);
      EXPECT_EQ(member, inside) << file << ": " << nodes[i].id << " and the frame of " << frame.zone;
      EXPECT_EQ(member, nodes[i].zone == frame.zone) << file << ": " << nodes[i].id;
    }
    for (std::size_t o = f + 1; o < g.frames().size(); ++o)
      EXPECT_FALSE(overlap(frame.left, frame.right, g.frames()[o].left, g.frames()[o].right) &&
                   overlap(frame.top, frame.bottom, g.frames()[o].top, g.frames()[o].bottom))
          << file << ": frames " << frame.zone << " and " << g.frames()[o].zone << " overlap";
  }
}

TEST(TopologyGraph, LayoutKeepsItsPromisesOnEveryShippedTopology)
{
  namespace fs = std::filesystem;
  int checked = 0;
  for (const char* dir : {"topologies", "experiments"})
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(SCALELAB_SOURCE_DIR) / dir)) {
      if (entry.path().extension() != ".yaml")
        continue;
      const auto loaded = scalelab::models::load_topology_file(entry.path().string());
      if (!loaded.spec) // an experiment or lesson file, or a topology that needs a platform reader
        continue;
      SCOPED_TRACE(entry.path().string());
      const auto g = TopologyGraph::from_spec(*loaded.spec);
      EXPECT_EQ(g.nodes().size() >= loaded.spec->services.size() + 1, true);
      expect_layout_promises(g, entry.path().string());
      ++checked;
    }
  EXPECT_GE(checked, 20);
}

TEST(TopologyGraph, TheSameFileGivesTheSameLayout)
{
  const auto a = graph_of_file("topologies/sharded-replicated.yaml");
  const auto b = graph_of_file("topologies/sharded-replicated.yaml");
  ASSERT_EQ(a.nodes().size(), b.nodes().size());
  for (std::size_t i = 0; i < a.nodes().size(); ++i) {
    EXPECT_EQ(a.nodes()[i].x, b.nodes()[i].x);
    EXPECT_EQ(a.nodes()[i].y, b.nodes()[i].y);
  }
}

} // namespace

namespace scalelab::gui
{
namespace
{

// Break it: every service of these topologies, broken each way at 40 % of the run, gives faults the loader takes,
// as many as the items, at that time (or refuses a crash while one of the file's own faults holds); the users
// and a database's replicas cannot be broken.
TEST(BreakIt, EveryWayOfBreakingEveryServiceIsAFaultTheLoaderTakes)
{
  int broken = 0, refused = 0;
  for (const char* file :
       {"topologies/three-tier.yaml", "topologies/cache-aside.yaml", "topologies/primary-replicas.yaml",
        "topologies/email-queue.yaml", "topologies/cdn-geodns.yaml"}) {
    const std::string path = std::string(SCALELAB_SOURCE_DIR) + "/" + file;
    const auto original = scalelab::models::load_topology_file(path);
    ASSERT_TRUE(original.spec) << file;
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const TopologyGraph graph = TopologyGraph::from_spec(*original.spec);
    for (const auto& node : graph.nodes()) {
      if (!breakable(node)) {
        EXPECT_TRUE(node.kind == "users" || node.kind == "replica") << node.id;
        continue;
      }
      for (const BreakKind kind : {BreakKind::crash, BreakKind::crash_for, BreakKind::slow_for}) {
        const double at = std::round(scalelab::models::to_seconds(original.spec->duration) * 0.4);
        const auto items = break_faults(node, kind, at);
        ASSERT_FALSE(items.empty());
        std::string edited = text;
        for (const auto& item : items) {
          auto edit = scalelab::models::append_yaml_item(edited, {"faults"}, item);
          ASSERT_EQ(edit.error, "") << item;
          edited = edit.text;
        }
        const auto loaded = scalelab::models::load_topology_text(edited, file);
        if (!loaded.spec && !loaded.errors.empty() &&
            loaded.errors.front().format().find("is already down") != std::string::npos) {
          ++refused; // a crash for the rest of the run before one of the file's own: the window shows why
          continue;
        }
        ASSERT_TRUE(loaded.spec) << file << " " << break_label(node, kind) << ": "
                                 << (loaded.errors.empty() ? "" : loaded.errors.front().format());
        ASSERT_EQ(loaded.spec->faults.size(), original.spec->faults.size() + items.size());
        EXPECT_EQ(loaded.spec->faults.back().at, scalelab::models::from_seconds(at)) << items.back();
        ++broken;
      }
    }
  }
  EXPECT_GE(broken, 30);
  EXPECT_LE(refused, broken / 4);
  GraphNode app;
  app.id = "app";
  app.kind = "api_server";
  app.hosts = {"web-2", "web-1", "web-2"};
  EXPECT_EQ(break_faults(app, BreakKind::crash, 30), std::vector<std::string>{"{at: 30s, crash_service: app}"});
  EXPECT_EQ(break_faults(app, BreakKind::slow_for, 7.25),
            (std::vector<std::string>{"{at: 7.25s, slow: web-1, factor: 10, for: 10s}",
                                      "{at: 7.25s, slow: web-2, factor: 10, for: 10s}"}));
}

} // namespace
} // namespace scalelab::gui
