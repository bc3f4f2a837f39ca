// The canvas's edits of scalelab-gui without widgets (model/canvas_edits.hpp): a node moved keeps its place in
// `diagram:` and only that line changes; a kind dropped from the palette adds a service the loader reads, on
// every shipped topology; connecting two nodes writes the reference the YAML uses for that pair and refuses the
// others; copy, paste and delete; and the automatic layout's grid for nodes with no edge.
#include "canvas_edits.hpp"
#include "large_topology.hpp"
#include "text_support.hpp"
#include "topology_graph.hpp"

#include "scalelab/models/loader.hpp"
#include "scalelab/models/schema_catalog.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace
{

using namespace scalelab::gui::testing;

using namespace scalelab::gui;
namespace fs = std::filesystem;

std::vector<std::string> shipped_topologies()
{
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(SCALELAB_SOURCE_DIR) + "/topologies"))
    if (e.path().extension() == ".yaml")
      out.push_back("topologies/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CanvasEdits, AMovedNodeKeepsItsPlaceInDiagramAndTheRestOfTheFileItsBytes)
{
  const std::string original = read_source("topologies/three-tier.yaml");
  const auto first = move_node(original, "app", 612.4, -30.6);
  ASSERT_EQ(first.error, "");
  // The first position adds the key at the end: every line before is the same.
  ASSERT_EQ(first.text.substr(0, original.size()), original);
  EXPECT_EQ(first.text.substr(original.size()),
            "\ndiagram:   # where scalelab-gui draws the nodes moved on its canvas; the simulation ignores it\n"
            "  app: [612, -31]\n");
  const auto g = graph_of(first.text);
  const GraphNode* app = g.find("app");
  ASSERT_NE(app, nullptr);
  EXPECT_TRUE(app->pinned);
  EXPECT_EQ(app->x, 612);
  EXPECT_EQ(app->y, -31);
  // The others stay where the automatic layout puts them.
  const TopologyGraph automatic = graph_of(original);
  EXPECT_FALSE(g.find("lb")->pinned);
  EXPECT_EQ(g.find("lb")->x, automatic.find("lb")->x);
  EXPECT_EQ(g.find("users")->y, automatic.find("users")->y);

  // A second node goes into the same map; moving the first again changes its one line.
  const auto second = move_node(first.text, "(users)", 10, 20);
  ASSERT_EQ(second.error, "");
  const auto third = move_node(second.text, "app", 700, 40);
  ASSERT_EQ(third.error, "");
  EXPECT_EQ(lines_changed(second.text, third.text), 1);
  const auto positions = read_positions(third.text);
  ASSERT_EQ(positions.size(), 2u);
  EXPECT_EQ(positions.at("app"), std::make_pair(700.0, 40.0));
  EXPECT_EQ(positions.at("(users)"), std::make_pair(10.0, 20.0));
  EXPECT_TRUE(graph_of(third.text).find("(users)")->pinned);
  // A replica node has a position too.
  const auto replicas = move_node(read_source("topologies/primary-replicas.yaml"), "users/replicas", 100, 100);
  ASSERT_EQ(replicas.error, "");
  EXPECT_TRUE(graph_of(replicas.text).find("users/replicas")->pinned);
}

TEST(CanvasEdits, NodesMovedTogetherAreOneEdit)
{
  const std::string original = read_source("topologies/three-tier.yaml");
  const auto moved = move_nodes(original, {{"lb", {1, 2}}, {"app", {3, 4}}});
  ASSERT_EQ(moved.error, "");
  EXPECT_EQ(moved.what, "move app, lb");
  const auto positions = read_positions(moved.text);
  EXPECT_EQ(positions.at("lb"), std::make_pair(1.0, 2.0));
  EXPECT_EQ(positions.at("app"), std::make_pair(3.0, 4.0));
}

TEST(CanvasEdits, TheSimulationIgnoresDiagramAndTheLoaderChecksItsShape)
{
  const std::string original = read_source("topologies/three-tier.yaml");
  const auto moved = move_node(original, "lb", 1, 2);
  const auto a = load(original), b = load(moved.text);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->services.size(), b->services.size());
  EXPECT_EQ(a->seed, b->seed);
  // A name that is no node is ignored; a position that is not two numbers is the loader's message.
  EXPECT_TRUE(load(original + "diagram: {nobody: [1, 2]}\n"));
  const auto bad = scalelab::models::load_topology_text(original + "diagram:\n  lb: [1]\n", "bad.yaml");
  ASSERT_FALSE(bad.spec);
  EXPECT_EQ(bad.errors.front().format(), "bad.yaml:37:7: lb: expected [x, y], two numbers, got a list");
}

TEST(CanvasEdits, EveryKindDroppedOnEveryShippedTopologyLoadsOrIsRefusedWithTheLoadersMessage)
{
  int added = 0, refused = 0;
  for (const auto& file : shipped_topologies()) {
    const std::string text = read_source(file);
    for (const auto& kind : scalelab::models::service_kind_names()) {
      const auto edit = drop_service(text, kind, 100, 200);
      if (!edit.error.empty()) {
        ++refused;
        std::printf("[ report ] %s: %s %s\n", file.c_str(), kind.c_str(), edit.error.c_str());
        EXPECT_EQ(edit.text, text);
        EXPECT_NE(edit.error.find("would not load"), std::string::npos) << file << " " << kind << ": " << edit.error;
        continue;
      }
      ++added;
      const auto spec = load(edit.text);
      ASSERT_TRUE(spec) << file << " " << kind;
      EXPECT_EQ(spec->services.back().name, edit.added);
      EXPECT_EQ(scalelab::models::kind_name(spec->services.back().kind), kind) << file;
      EXPECT_EQ(read_positions(edit.text).at(edit.added), std::make_pair(100.0, 200.0));
    }
  }
  std::printf("[ report ] palette drops on %zu topologies: %d added, %d refused\n", shipped_topologies().size(), added,
              refused);
  EXPECT_GT(added, refused);
  // On three-tier.yaml every kind is added, with unique names.
  std::string text = read_source("topologies/three-tier.yaml");
  for (const auto& kind : scalelab::models::service_kind_names()) {
    auto edit = drop_service(text, kind, 0, 0);
    EXPECT_EQ(edit.error, "") << kind;
    text = edit.text;
  }
  auto second_db = drop_service(text, "database", 0, 0);
  EXPECT_EQ(second_db.added, "db-2");
}

TEST(CanvasEdits, ConnectingWritesTheReferenceTheYamlUsesForThePair)
{
  const std::string original = read_source("topologies/three-tier.yaml");
  // A second API server and a cache from the palette, then wired.
  auto api = drop_service(original, "api_server", 500, 500);
  ASSERT_EQ(api.error, "");
  auto cache = drop_service(api.text, "cache", 800, 500);
  ASSERT_EQ(cache.error, "");
  std::string text = cache.text;
  auto backends = connect_nodes(text, graph_of(text), "lb", "api");
  ASSERT_EQ(backends.error, "");
  EXPECT_EQ(lines_changed(text, backends.text), 1);
  EXPECT_NE(backends.text.find("lb:    {kind: load_balancer, host: lb, policy: least_connections, backends: api}"),
            std::string::npos);
  auto g = graph_of(backends.text);
  EXPECT_NE(g.find_edge("lb", "api", GraphEdge::Type::backend), nullptr);
  EXPECT_EQ(g.find("api")->runs, (std::vector<std::string>{"get_user", "update_user"}));
  // The API server to the cache: a cache_get step in the first request type it runs.
  auto get = connect_nodes(backends.text, g, "api", "cache");
  ASSERT_EQ(get.error, "") << get.error;
  EXPECT_EQ(get.what, "connect api to cache: `cache_get: cache` added to get_user");
  EXPECT_NE(get.text.find("      - db_read: users\n      - cache_get: cache\n"), std::string::npos);
  EXPECT_NE(graph_of(get.text).find_edge("api", "cache", GraphEdge::Type::call), nullptr);
  // To a database: db_read, in a request type written as a list.
  auto rewired = connect_nodes(text, graph_of(text), "app", "users");
  EXPECT_EQ(rewired.what, "connect app to users: `db_read: users` added to get_user");
  // The users to a service: the workload's entry.
  auto entry = connect_nodes(backends.text, g, "(users)", "api");
  ASSERT_EQ(entry.error, "");
  EXPECT_EQ(graph_of(entry.text).edges().front().to, *graph_of(entry.text).index_of("api"));
  // Already so, and pairs that make no sense, are refused with why, the text left alone.
  auto again = connect_nodes(backends.text, g, "lb", "api");
  EXPECT_EQ(again.error, "lb is already connected to api");
  auto nonsense = connect_nodes(backends.text, g, "users", "lb");
  EXPECT_EQ(nonsense.text, backends.text);
  EXPECT_EQ(nonsense.error.rfind("a database node cannot be connected to a load_balancer node", 0), 0u)
      << nonsense.error;
  auto self = connect_nodes(backends.text, g, "lb", "lb");
  EXPECT_EQ(self.error, "a node cannot be connected to itself");
  // A new API server that nothing sends to yet has no request type to put a step in.
  auto lonely = drop_service(original, "api_server", 0, 0);
  auto no_runs = connect_nodes(lonely.text, graph_of(lonely.text), "api", "users");
  EXPECT_EQ(no_runs.error.rfind("api runs no request type yet", 0), 0u) << no_runs.error;
}

TEST(CanvasEdits, QueuesWorkersAndCallsAreConnectedByTheirKeysAndSteps)
{
  const std::string original = read_source("topologies/email-queue.yaml");
  auto queue = drop_service(original, "queue", 0, 0);
  ASSERT_EQ(queue.error, "") << queue.error;
  auto worker = drop_service(queue.text, "worker", 0, 0);
  ASSERT_EQ(worker.error, "") << worker.error;
  const auto g = graph_of(worker.text);
  // The queue to the new worker pool: its consumes.
  auto consumes = connect_nodes(worker.text, g, queue.added, worker.added);
  ASSERT_EQ(consumes.error, "") << consumes.error;
  EXPECT_EQ(consumes.what, "connect " + queue.added + " to " + worker.added + ": consumes: " + queue.added);
  // An API server to the new queue: a publish of another request type.
  auto publish = connect_nodes(consumes.text, graph_of(consumes.text), "app", queue.added);
  ASSERT_EQ(publish.error, "") << publish.error;
  EXPECT_NE(publish.what.find("publish: {queue: " + queue.added + ", job: "), std::string::npos) << publish.what;
  EXPECT_NE(graph_of(publish.text).find_edge("app", queue.added, GraphEdge::Type::publish), nullptr);
}

// Replication dragged from a database to a host: the host appended to its replicas, a line changed, the loader's
// model one replica more; from the replicas' node the same; a host that has one of its instances, a switch, or a
// node of another kind refused with why and the text left alone.
TEST(CanvasEdits, ADatabaseConnectedToAHostGetsAReplicaThere)
{
  std::string original = read_source("topologies/primary-replicas.yaml");
  const std::string group = "- {name: db,  count: 3,";
  ASSERT_NE(original.find(group), std::string::npos);
  original.replace(original.find(group), group.size(), "- {name: db,  count: 5,"); // db-4 and db-5 spare
  const auto g = graph_of(original);
  auto added = add_replica(original, g, "users", "db-4");
  ASSERT_EQ(added.error, "") << added.error;
  EXPECT_EQ(added.what, "connect users to a replica on db-4");
  EXPECT_EQ(lines_changed(original, added.text), 1);
  EXPECT_NE(added.text.find("replicas: [db-2, db-3, db-4]"), std::string::npos);
  const auto after = graph_of(added.text);
  ASSERT_NE(after.find("users/replicas"), nullptr);
  EXPECT_EQ(after.find("users/replicas")->hosts, (std::vector<std::string>{"db-2", "db-3", "db-4"}));
  auto from_replicas = add_replica(added.text, after, "users/replicas", "db-5");
  ASSERT_EQ(from_replicas.error, "") << from_replicas.error;
  EXPECT_NE(from_replicas.text.find("replicas: [db-2, db-3, db-4, db-5]"), std::string::npos);

  for (const auto& [from, host, why] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"users", "db-1", "users already has an instance on db-1"},
           {"users", "db-2", "users already has an instance on db-2"},
           {"users", "nowhere", "no host nowhere"},
           {"lb", "db-4", "only a database is connected to a host (its replica there); lb is a load_balancer node"}}) {
    const auto refused = add_replica(original, g, from, host);
    EXPECT_EQ(refused.error, why);
    EXPECT_EQ(refused.text, original);
  }
}

TEST(CanvasEdits, CopyPasteAndDeleteAService)
{
  const std::string original = read_source("topologies/three-tier.yaml");
  const std::string app = copy_service(original, "app");
  EXPECT_EQ(app, "{kind: api_server, hosts: web, workers: 16, queue_limit: 200}");
  auto pasted = paste_service(original, "app", app, std::make_pair(400.0, 300.0));
  ASSERT_EQ(pasted.error, "") << pasted.error;
  EXPECT_EQ(pasted.added, "app-2");
  const auto g = graph_of(pasted.text);
  ASSERT_NE(g.find("app-2"), nullptr);
  EXPECT_EQ(g.find("app-2")->x, 400);
  auto twice = paste_service(pasted.text, "app", app);
  EXPECT_EQ(twice.added, "app-3");
  // Deleting the copy takes its line and its position (the last: the key too): the file's bytes come back.
  auto deleted = delete_service(pasted.text, "app-2");
  ASSERT_EQ(deleted.error, "");
  EXPECT_EQ(deleted.text, original);
  EXPECT_EQ(read_positions(deleted.text).size(), 0u);
  EXPECT_TRUE(load(deleted.text));
  // A paste that would not load is refused: a balancer's copy is fine, a copy of nothing is not.
  EXPECT_EQ(paste_service(original, "x", "").error, "nothing to paste");
}

} // namespace

namespace
{

// A 1000-host file with 100 services nothing sends to: those stand in a grid of at most ten columns under the
// rest, none over another; the time to read it, build the graph and lay it out is reported, not asserted.
TEST(CanvasLayout, UnconnectedServicesOfALargeTopologyStandInAGrid)
{
  using Clock = std::chrono::steady_clock;
  const std::string text = scalelab::test::large_topology();
  const auto t0 = Clock::now();
  const auto loaded = scalelab::models::load_topology_text(text, "large.yaml");
  const auto t1 = Clock::now();
  ASSERT_TRUE(loaded.spec) << (loaded.errors.empty() ? "" : loaded.errors.front().format());
  const TopologyGraph g = TopologyGraph::from_spec(*loaded.spec, read_positions(text));
  const auto t2 = Clock::now();
  const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("[ report ] 1000 hosts, 103 services: read %.1f ms, graph and layout %.1f ms\n", ms(t1 - t0),
              ms(t2 - t1));
  ASSERT_EQ(g.nodes().size(), 1u + 3 + 100);
  std::set<double> columns;
  double main_bottom = 0, grid_top = 1e300;
  for (const auto& n : g.nodes()) {
    const bool unconnected = n.id.size() == 4 && n.id[0] == 's';
    if (unconnected) {
      columns.insert(n.x);
      grid_top = std::min(grid_top, n.y - TopologyGraph::kNodeHeight / 2);
    } else {
      main_bottom = std::max(main_bottom, n.y + TopologyGraph::kNodeHeight / 2);
    }
  }
  EXPECT_EQ(columns.size(), TopologyGraph::kGridColumns);
  EXPECT_GT(grid_top, main_bottom);
  for (std::size_t a = 0; a < g.nodes().size(); ++a)
    for (std::size_t b = a + 1; b < g.nodes().size(); ++b)
      EXPECT_TRUE(std::abs(g.nodes()[a].x - g.nodes()[b].x) >= TopologyGraph::kNodeWidth ||
                  std::abs(g.nodes()[a].y - g.nodes()[b].y) >= TopologyGraph::kNodeHeight)
          << g.nodes()[a].id << " over " << g.nodes()[b].id;
  // The connected part keeps its columns: users, balancer, API server, database.
  EXPECT_EQ(g.find("db")->layer, 3);
}

} // namespace
