#pragma once
// The diagram of a topology, in plain values: what scalelab-gui draws, built from a loaded TopologySpec with no
// Qt type, so that it is tested without widgets. Nodes are the users and the services (a replicated database
// adds one node for its replicas), edges what sends to what (calls from the request types' steps, a balancer's
// backends, replication, a queue's publishers and consumers), frames the zones (data centres, racks) with the
// nodes all of whose hosts are in them and every host of the zone as a chip; the hosts of no zone stand in an
// area of their own. layout() places it left to right in layers, the users first.
#include "scalelab/models/spec.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scalelab::gui
{

struct GraphNode {
  std::string id;     // the service name; "(users)" for the users; "SERVICE/replicas" for a database's replicas
  std::string kind;   // load_balancer, api_server, ... as written in files; "users"; "replica"
  std::string label;  // the name shown
  std::string detail; // one line under the name: "x3 hosts, 16 workers"
  std::vector<std::string> hosts; // the hosts of its instances, in instance order
  std::string zone;               // the zone of all its hosts; empty when none or mixed
  std::vector<std::string> zones; // the zones of its hosts, in host order, each once
  // Requests it can hold at once over all its instances (workers, connections), from which the canvas
  // computes a utilisation out of the streamed in-service means; 0: none (a balancer, the users, a queue).
  double capacity = 0;
  // The request types it runs (sent to it, to a balancer in front of it, or published to the queue it consumes),
  // in first-seen order: where a step added by connecting it to another node goes.
  std::vector<std::string> runs;
  // Placement (layout()): the column, and the node's centre in scene units.
  int layer = 0;
  double x = 0, y = 0;
  bool pinned = false; // placed where the file's `diagram:` says, not by the automatic layout
};

// Node id -> its centre (x, y) on the canvas, as the file's `diagram:` keeps them.
using NodePositions = std::map<std::string, std::pair<double, double>>;

struct GraphEdge {
  enum class Type {
    call,        // a request type's step waits for the target (call, db_read, db_write, cache get/set/delete)
    forward,     // a forward step hands the rest of the request over
    backend,     // a balancer's backends
    publish,     // a publish step sends a job to a queue
    consume,     // a queue delivers jobs to a worker pool
    replication, // a primary ships its writes to a replica
    session      // an api_server's session store
  };
  Type type = Type::call;
  std::size_t from = 0, to = 0;        // node positions
  std::vector<std::string> operations; // what goes along it, in first-seen order: "get_user", "read", "get", ...
};
const char* edge_type_name(GraphEdge::Type type);

// A machine, or a switch, drawn as a chip (its name and cores) in its zone's frame, or in the hosts area when it
// has no zone.
struct GraphHost {
  std::string name;  // the machine: "web-2"
  std::string entry; // the name of its item in the file's list ("web" for a group): what a drag edits
  bool is_switch = false;
  int cores = 0;
  std::string zone;    // its data centre or rack (shape racks: rack-N, by its place in the file); empty: none
  double x = 0, y = 0; // the chip's centre (layout())
};

struct GraphFrame {
  std::string zone;  // empty: the hosts area, the hosts of no zone
  std::string title; // what the frame is called: "data centre eu", "rack-2", "zone a", "hosts"
  bool rack = false; // a rack of shape racks: its hosts are those in its places in the file, not named in it
  std::vector<std::size_t> nodes; // the services all of whose hosts are in it
  std::vector<std::size_t> hosts; // the chips (positions in hosts()), in file order
  // Placement (layout()): the rectangle around its nodes and its chips, in scene units.
  double left = 0, top = 0, right = 0, bottom = 0;
  bool contains(double x, double y) const { return x >= left && x <= right && y >= top && y <= bottom; }
};

class TopologyGraph
{
public:
  // Laid out, then the nodes that have a position placed there (pinned), the frames around them.
  static TopologyGraph from_spec(const models::TopologySpec& spec, const NodePositions& positions = {});

  // Layers by the longest path from the users (an edge that closes a cycle is left out), columns left to right;
  // in each column, nodes by zone, then by the mean row of their predecessors. Deterministic.
  void layout();
  // The nodes named in positions put there (and pinned); the frames drawn around their nodes again.
  void pin(const NodePositions& positions);

  const std::vector<GraphNode>& nodes() const { return nodes_; }
  const std::vector<GraphEdge>& edges() const { return edges_; }
  const std::vector<GraphFrame>& frames() const { return frames_; } // the zones
  const std::vector<GraphHost>& hosts() const { return hosts_; }    // the machines, then the switches
  // The hosts of no zone, under the rest of the diagram; its hosts are empty when every host has a zone.
  const GraphFrame& hosts_area() const { return hosts_area_; }
  // The zone frame at a scene point (chips and nodes included), or the hosts area there, or none.
  const GraphFrame* frame_at(double x, double y) const;
  const GraphNode* find(const std::string& id) const;
  std::optional<std::size_t> index_of(const std::string& id) const;
  const GraphEdge* find_edge(const std::string& from, const std::string& to, GraphEdge::Type type) const;

  // Layout constants, in scene units (the canvas draws nodes this size).
  // A node's box holds its name and kind above, its counters during a run below (kHeaderHeight splits them).
  // Nodes with no edge at all (services nothing reaches yet) go in a grid under the diagram, kGridColumns wide
  // at most, instead of one long column.
  static constexpr std::size_t kGridColumns = 10;
  static constexpr double kNodeWidth = 180, kNodeHeight = 112, kHeaderHeight = 62, kColumnGap = 120, kRowGap = 30,
                          kFrameMargin = 18, kBandGap = 50;
  // A host's chip, in rows under the nodes of its frame; a frame with no node is kEmptyFrameColumns columns wide.
  static constexpr double kChipWidth = 86, kChipHeight = 34, kChipGap = 6;
  static constexpr int kEmptyFrameColumns = 2;

private:
  struct Builder; // from_spec's pieces (topology_graph.cpp)

  std::size_t add_node(GraphNode node);
  void add_edge(std::size_t from, std::size_t to, GraphEdge::Type type, const std::string& operation);
  // layout()'s pieces: the layers, the nodes' places in bands and columns, the frames around them.
  void assign_layers(const std::vector<std::vector<std::size_t>>& out);
  std::vector<bool> zoned_columns(int max_layer) const;
  std::vector<std::size_t> column_of(const std::string& zone, int layer) const;
  void place_column(std::vector<std::size_t> column, int layer, double top,
                    const std::vector<std::vector<std::size_t>>& in, std::vector<double>& row);
  void place_nodes(const std::vector<std::vector<std::size_t>>& in);
  void place_grid();
  void place_frames();
  void place_chips(GraphFrame& frame, double top);
  // The columns a frame spans: its nodes', or (a frame of chips only) those of the frames with nodes.
  std::pair<int, int> frame_columns(const GraphFrame& frame, int max_layer) const;

  std::vector<GraphNode> nodes_;
  std::vector<GraphEdge> edges_;
  std::vector<GraphFrame> frames_;
  std::vector<GraphHost> hosts_;
  GraphFrame hosts_area_;
  std::vector<bool> in_grid_; // by node: no edge and no zone (layout())
};

} // namespace scalelab::gui
