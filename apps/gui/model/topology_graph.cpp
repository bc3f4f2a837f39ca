#include "topology_graph.hpp"

#include "scalelab/models/sessions.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>
#include <utility>

namespace scalelab::gui
{

const char* edge_type_name(GraphEdge::Type type)
{
  switch (type) {
  case GraphEdge::Type::call:
    return "call";
  case GraphEdge::Type::forward:
    return "forward";
  case GraphEdge::Type::backend:
    return "backend";
  case GraphEdge::Type::publish:
    return "publish";
  case GraphEdge::Type::consume:
    return "consume";
  case GraphEdge::Type::replication:
    return "replication";
  case GraphEdge::Type::session:
    return "session";
  }
  return "";
}

namespace
{

const std::string kUsers = "(users)";

std::string plural(std::size_t n, const char* one, const char* many)
{
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string instances_text(std::size_t n)
{
  return n == 1 ? std::string() : "x" + std::to_string(n) + ", ";
}

// What the diagram needs from each kind of service: one overload per kind, so that a new kind fails to compile
// here until it says how it is drawn.
struct KindFacts {
  std::string detail;
  double capacity = 0;
  std::string backends;              // a balancer's
  std::string consumes;              // a worker pool's queue
  std::string session_store;         // an api_server's
  std::vector<std::string> replicas; // a database's replica hosts
  bool runs_request_types = false;   // a request sent to it runs its steps there
};

struct Facts {
  KindFacts operator()(const models::LoadBalancerSpec& lb) const
  {
    KindFacts f;
    f.detail = std::string("policy ") + policy_name(lb.policy) + (lb.sticky ? ", sticky" : "");
    f.backends = lb.backends;
    return f;
  }
  KindFacts operator()(const models::ApiServerSpec& api) const
  {
    KindFacts f;
    f.detail = instances_text(api.hosts.size()) + plural(static_cast<std::size_t>(api.workers), "worker", "workers");
    f.capacity = static_cast<double>(api.workers) * static_cast<double>(api.hosts.size());
    f.runs_request_types = true;
    if (api.sessions == models::SessionMode::store)
      f.session_store = api.session_store;
    return f;
  }
  KindFacts operator()(const models::DatabaseSpec& db) const
  {
    KindFacts f;
    const std::size_t shards = db.shard_count();
    f.detail = (db.shards ? plural(shards, "shard", "shards") + ", " : std::string()) +
               plural(static_cast<std::size_t>(db.connections), "connection", "connections");
    // Every instance (each shard's primary, each replica) has its own connections.
    f.capacity = static_cast<double>(db.connections) * static_cast<double>(shards + db.replication.replicas.size());
    f.replicas = db.replication.replicas;
    return f;
  }
  KindFacts operator()(const models::CacheSpec& cache) const
  {
    KindFacts f;
    f.detail = std::to_string(cache.capacity) + " entries";
    f.capacity = cache.connections;
    return f;
  }
  KindFacts operator()(const models::QueueSpec& queue) const
  {
    KindFacts f;
    f.detail = std::string(queue.durable ? "durable" : "transient") + ", holds " + std::to_string(queue.capacity);
    return f;
  }
  KindFacts operator()(const models::WorkerSpec& worker) const
  {
    KindFacts f;
    f.detail =
        instances_text(worker.hosts.size()) + plural(static_cast<std::size_t>(worker.workers), "worker", "workers");
    f.capacity = static_cast<double>(worker.workers) * static_cast<double>(worker.hosts.size());
    f.consumes = worker.consumes;
    f.runs_request_types = true;
    return f;
  }

  KindFacts operator()(const models::CdnSpec& cdn) const
  {
    KindFacts f;
    f.detail =
        "holds " + std::to_string(cdn.capacity) + ", " + plural(cdn.cacheable.size(), "type", "types") + " cacheable";
    f.backends = cdn.origin; // a miss, or a request type it does not keep, is run by the origin
    return f;
  }

  static const char* policy_name(models::BalancingPolicy p)
  {
    switch (p) {
    case models::BalancingPolicy::round_robin:
      return "round_robin";
    case models::BalancingPolicy::random:
      return "random";
    case models::BalancingPolicy::least_connections:
      return "least_connections";
    case models::BalancingPolicy::power_of_two:
      return "power_of_two";
    case models::BalancingPolicy::weighted:
      return "weighted";
    }
    return "";
  }
};

const char* cache_op_name(models::CacheStep::Op op)
{
  switch (op) {
  case models::CacheStep::Op::get:
    return "get";
  case models::CacheStep::Op::set:
    return "set";
  case models::CacheStep::Op::erase:
    return "delete";
  }
  return "";
}

// Host name -> its zone: the file's `zone`, or with shape racks the rack its place in the file puts it in (the
// first rack_size hosts in rack-1, ...), as the hardware graph builds them.
using HostZones = std::map<std::string, std::string>;

HostZones host_zones(const models::TopologySpec& spec)
{
  HostZones zones;
  const auto& hw = spec.hardware;
  const bool racks =
      !hw.explicit_graph() && hw.network.shape == models::NetworkSpec::Shape::racks && hw.network.rack_size > 0;
  for (std::size_t i = 0; i < hw.hosts.size(); ++i)
    zones[hw.hosts[i].name] =
        racks ? "rack-" + std::to_string(i / static_cast<std::size_t>(hw.network.rack_size) + 1) : hw.hosts[i].zone;
  return zones;
}

std::string zone_in(const HostZones& zones, const std::string& host)
{
  const auto it = zones.find(host);
  return it == zones.end() ? std::string() : it->second;
}

std::string zone_of(const HostZones& zones, const std::vector<std::string>& hosts)
{
  std::string zone;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const std::string z = zone_in(zones, hosts[i]);
    if (i == 0)
      zone = z;
    else if (z != zone)
      return {};
  }
  return zone;
}

std::vector<std::string> zones_of(const HostZones& host_zones, const std::vector<std::string>& hosts)
{
  std::vector<std::string> zones;
  for (const auto& name : hosts)
    if (const std::string z = zone_in(host_zones, name);
        !z.empty() && std::find(zones.begin(), zones.end(), z) == zones.end())
      zones.push_back(z);
  return zones;
}

} // namespace

std::size_t TopologyGraph::add_node(GraphNode node)
{
  nodes_.push_back(std::move(node));
  return nodes_.size() - 1;
}

void TopologyGraph::add_edge(std::size_t from, std::size_t to, GraphEdge::Type type, const std::string& operation)
{
  auto it = std::find_if(edges_.begin(), edges_.end(),
                         [&](const GraphEdge& e) { return e.from == from && e.to == to && e.type == type; });
  if (it == edges_.end()) {
    edges_.push_back(GraphEdge{type, from, to, {}});
    it = edges_.end() - 1;
  }
  if (!operation.empty() && std::find(it->operations.begin(), it->operations.end(), operation) == it->operations.end())
    it->operations.push_back(operation);
}

namespace
{

GraphNode users_node(const models::WorkloadSpec& workload)
{
  GraphNode users;
  users.id = kUsers;
  users.kind = "users";
  users.label = "users";
  if (const auto* open = std::get_if<models::OpenArrival>(&workload.arrival)) {
    char rate[96];
    if (open->process == models::OpenArrival::Process::trace)
      std::snprintf(rate, sizeof rate, "a trace of %zu arrivals", open->trace.size());
    else if (open->shape)
      std::snprintf(rate, sizeof rate, "%s, up to %g/s", models::to_string(open->shape->kind), open->rate);
    else
      std::snprintf(rate, sizeof rate, "%g/s %s", open->rate,
                    open->process == models::OpenArrival::Process::poisson ? "poisson" : "constant");
    users.detail = rate;
  } else {
    users.detail = std::to_string(std::get<models::ClosedArrival>(workload.arrival).users) + " closed users";
  }
  return users;
}

GraphNode service_graph_node(const HostZones& zones, const models::ServiceSpec& s, const KindFacts& f)
{
  GraphNode n;
  n.id = s.name;
  n.kind = models::kind_name(s.kind);
  n.label = s.name;
  n.hosts = models::instance_hosts(s.kind);
  n.detail = f.detail;
  n.capacity = f.capacity;
  if (!f.replicas.empty()) {
    // The primaries only: the replicas get a node of their own.
    n.hosts.resize(n.hosts.size() - f.replicas.size());
    n.detail += ", " + plural(f.replicas.size(), "replica", "replicas");
  }
  n.zone = zone_of(zones, n.hosts);
  n.zones = zones_of(zones, n.hosts);
  return n;
}

GraphNode replicas_node(const HostZones& zones, const std::string& database, const std::vector<std::string>& hosts)
{
  GraphNode r;
  r.id = database + "/replicas";
  r.kind = "replica";
  r.label = database + " replicas";
  r.hosts = hosts;
  r.detail = instances_text(r.hosts.size()) + "on " + r.hosts.front() + (r.hosts.size() > 1 ? ", ..." : "");
  r.zone = zone_of(zones, r.hosts);
  r.zones = zones_of(zones, r.hosts);
  return r;
}

} // namespace

// from_spec's pieces: the nodes, the links each kind declares, the calls the request types make, the frames.
struct TopologyGraph::Builder {
  using Item = std::pair<std::size_t, std::size_t>; // (node, request type)

  const models::TopologySpec& spec;
  TopologyGraph& g;
  std::vector<KindFacts> facts; // by node: the users', then each service's
  HostZones zones = host_zones(spec);

  std::size_t service_node(const std::string& name) const { return *g.index_of(name); }

  void add_nodes()
  {
    // The users stand outside every data centre, even when they enter at one.
    g.add_node(users_node(spec.workload));
    facts.emplace_back();
    for (const auto& s : spec.services) {
      auto f = std::visit(Facts{}, s.kind);
      g.add_node(service_graph_node(zones, s, f));
      facts.push_back(std::move(f));
    }
  }

  // Replicas, balancer backends, consumers, session stores.
  void add_links()
  {
    for (std::size_t i = 0; i < spec.services.size(); ++i) {
      const std::size_t node = i + 1;
      const auto& f = facts[node];
      if (!f.replicas.empty()) {
        const std::size_t at = g.add_node(replicas_node(zones, spec.services[i].name, f.replicas));
        g.add_edge(node, at, GraphEdge::Type::replication, "");
      }
      if (!f.backends.empty())
        g.add_edge(node, service_node(f.backends), GraphEdge::Type::backend, "");
      if (!f.consumes.empty())
        g.add_edge(service_node(f.consumes), node, GraphEdge::Type::consume, "");
      if (!f.session_store.empty())
        g.add_edge(node, service_node(f.session_store), GraphEdge::Type::session, "session");
    }
  }

  // The services that run a request sent to `name`: a balancer's backends, a server itself.
  std::vector<std::size_t> runners(const std::string& name) const
  {
    std::vector<std::size_t> out;
    std::set<std::size_t> seen;
    std::vector<std::size_t> todo{service_node(name)};
    while (!todo.empty()) {
      const std::size_t n = todo.back();
      todo.pop_back();
      if (!seen.insert(n).second)
        continue;
      if (facts[n].runs_request_types)
        out.push_back(n);
      if (!facts[n].backends.empty())
        todo.push_back(service_node(facts[n].backends));
    }
    return out;
  }

  // Follow the request types from the users: each (service, request type) once.
  void follow_requests()
  {
    std::set<Item> done;
    std::vector<Item> todo;
    const std::size_t entry = service_node(spec.workload.entry);
    for (const auto& [request, weight] : spec.workload.mix) {
      (void)weight;
      g.add_edge(0, entry, GraphEdge::Type::call, request);
      for (const std::size_t r : runners(spec.workload.entry))
        todo.emplace_back(r, spec.index_of_request(request));
    }
    while (!todo.empty()) {
      const auto item = todo.front();
      todo.erase(todo.begin());
      if (!done.insert(item).second)
        continue;
      auto& runs = g.nodes_[item.first].runs;
      const std::string& request = spec.requests[item.second].name;
      if (std::find(runs.begin(), runs.end(), request) == runs.end())
        runs.push_back(request);
      follow_steps(item, todo);
    }
  }

  // The edges of one request type's steps run at one node; what they send on joins `todo`.
  void follow_steps(const Item& item, std::vector<Item>& todo)
  {
    std::size_t at = item.first;
    for (const auto& step : spec.requests[item.second].steps) {
      if (const auto* call = std::get_if<models::CallStep>(&step.step)) {
        const std::size_t to = service_node(call->service);
        const char* op = call->op == models::CallStep::Op::db_read    ? "read"
                         : call->op == models::CallStep::Op::db_write ? "write"
                                                                      : nullptr;
        g.add_edge(at, to, GraphEdge::Type::call, op ? op : call->request);
        if (!op)
          for (const std::size_t r : runners(call->service))
            todo.emplace_back(r, spec.index_of_request(call->request));
      } else if (const auto* cache = std::get_if<models::CacheStep>(&step.step)) {
        g.add_edge(at, service_node(cache->service), GraphEdge::Type::call, cache_op_name(cache->op));
      } else if (const auto* publish = std::get_if<models::PublishStep>(&step.step)) {
        const std::size_t queue = service_node(publish->queue);
        g.add_edge(at, queue, GraphEdge::Type::publish, publish->job);
        for (std::size_t n = 1; n <= spec.services.size(); ++n)
          if (facts[n].consumes == publish->queue)
            todo.emplace_back(n, spec.index_of_request(publish->job));
      } else if (const auto* forward = std::get_if<models::ForwardStep>(&step.step)) {
        const std::size_t to = service_node(forward->service);
        g.add_edge(at, to, GraphEdge::Type::forward, spec.requests[item.second].name);
        at = to;
      }
    }
  }

  // The machines, then the switches, each with its zone.
  void add_hosts()
  {
    for (const auto& h : spec.hardware.hosts)
      g.hosts_.push_back(GraphHost{h.name, h.group, false, h.cores, zone_in(zones, h.name), 0, 0});
    for (const auto& sw : spec.hardware.switches)
      g.hosts_.push_back(GraphHost{sw.name, sw.name, true, 0, sw.zone, 0, 0});
  }

  // Frames: each zone with the nodes all of whose hosts are in it (in the nodes' order, as before there were
  // chips), then the zones that only hosts are in, then the data centres no host is in yet; each with its chips.
  void add_frames()
  {
    const auto& network = spec.hardware.network;
    const bool shaped = !spec.hardware.explicit_graph() && spec.hardware.simgrid_platform.empty();
    const bool racks = shaped && network.shape == models::NetworkSpec::Shape::racks;
    const bool datacenters = shaped && network.shape == models::NetworkSpec::Shape::datacenters;
    std::map<std::string, std::size_t> frame_of;
    const auto frame = [&](const std::string& zone) -> GraphFrame& {
      auto [it, added] = frame_of.emplace(zone, g.frames_.size());
      if (added) {
        GraphFrame f;
        f.zone = zone;
        f.title = racks ? zone : (datacenters ? "data centre " : "zone ") + zone;
        f.rack = racks;
        g.frames_.push_back(std::move(f));
      }
      return g.frames_[it->second];
    };
    for (std::size_t n = 0; n < g.nodes_.size(); ++n)
      if (!g.nodes_[n].zone.empty())
        frame(g.nodes_[n].zone).nodes.push_back(n);
    g.hosts_area_ = GraphFrame{};
    for (std::size_t h = 0; h < g.hosts_.size(); ++h)
      (g.hosts_[h].zone.empty() ? g.hosts_area_ : frame(g.hosts_[h].zone)).hosts.push_back(h);
    if (datacenters)
      for (const auto& zone : network.datacenters)
        frame(zone);
    g.hosts_area_.title = g.frames_.empty() ? "hosts" : "hosts in no zone";
  }
};

TopologyGraph TopologyGraph::from_spec(const models::TopologySpec& spec, const NodePositions& positions)
{
  TopologyGraph g;
  Builder builder{spec, g, {}};
  builder.add_nodes();
  builder.add_links();
  builder.follow_requests();
  builder.add_hosts();
  builder.add_frames();
  g.layout();
  g.pin(positions);
  return g;
}

void TopologyGraph::pin(const NodePositions& positions)
{
  if (positions.empty())
    return;
  for (auto& node : nodes_)
    if (const auto it = positions.find(node.id); it != positions.end()) {
      node.x = it->second.first;
      node.y = it->second.second;
      node.pinned = true;
    }
  place_frames();
}

const GraphNode* TopologyGraph::find(const std::string& id) const
{
  const auto i = index_of(id);
  return i ? &nodes_[*i] : nullptr;
}

const GraphFrame* TopologyGraph::frame_at(double x, double y) const
{
  for (const auto& f : frames_)
    if (f.contains(x, y))
      return &f;
  if (!hosts_area_.hosts.empty() && hosts_area_.contains(x, y))
    return &hosts_area_;
  return nullptr;
}

std::optional<std::size_t> TopologyGraph::index_of(const std::string& id) const
{
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].id == id)
      return i;
  return std::nullopt;
}

const GraphEdge* TopologyGraph::find_edge(const std::string& from, const std::string& to, GraphEdge::Type type) const
{
  const auto f = index_of(from), t = index_of(to);
  if (!f || !t)
    return nullptr;
  for (const auto& e : edges_)
    if (e.from == *f && e.to == *t && e.type == type)
      return &e;
  return nullptr;
}

void TopologyGraph::layout()
{
  const std::size_t n = nodes_.size();
  std::vector<std::vector<std::size_t>> out(n), in(n);
  for (const auto& e : edges_)
    if (e.from != e.to) {
      out[e.from].push_back(e.to);
      in[e.to].push_back(e.from);
    }
  in_grid_.assign(n, false);
  for (std::size_t v = 1; v < n; ++v) // the users (node 0) always lead
    in_grid_[v] = out[v].empty() && in[v].empty() && nodes_[v].zone.empty();
  assign_layers(out);
  place_nodes(in);
  place_grid();
  place_frames();
}

void TopologyGraph::assign_layers(const std::vector<std::vector<std::size_t>>& out)
{
  const std::size_t n = nodes_.size();
  // Depth-first from the users (then from any node not reached) to find the edges that close cycles.
  std::vector<int> state(n, 0); // 0 new, 1 on the stack, 2 done
  std::set<std::pair<std::size_t, std::size_t>> back;
  std::vector<std::size_t> order; // reverse post-order: a topological order of the graph without back edges
  auto visit = [&](std::size_t root) {
    std::vector<std::pair<std::size_t, std::size_t>> stack{{root, 0}};
    state[root] = 1;
    while (!stack.empty()) {
      auto& [v, next] = stack.back();
      if (next < out[v].size()) {
        const std::size_t w = out[v][next++];
        if (state[w] == 1)
          back.emplace(v, w);
        else if (state[w] == 0) {
          state[w] = 1;
          stack.emplace_back(w, 0);
        }
      } else {
        state[v] = 2;
        order.push_back(v);
        stack.pop_back();
      }
    }
  };
  for (std::size_t v = 0; v < n; ++v)
    if (state[v] == 0)
      visit(v);
  std::reverse(order.begin(), order.end());
  for (auto& node : nodes_)
    node.layer = 0;
  for (const std::size_t v : order)
    for (const std::size_t w : out[v])
      if (!back.count({v, w}))
        nodes_[w].layer = std::max(nodes_[w].layer, nodes_[v].layer + 1);
}

// A column "under a frame" lies between the first and the last column of some frame's nodes.
std::vector<bool> TopologyGraph::zoned_columns(int max_layer) const
{
  std::vector<bool> zoned_column(static_cast<std::size_t>(max_layer) + 1, false);
  for (const auto& f : frames_) {
    const auto [first, last] = frame_columns(f, max_layer);
    for (int layer = first; layer <= std::min(last, max_layer); ++layer) // a frame of chips may reach further
      zoned_column[static_cast<std::size_t>(layer)] = true;
  }
  return zoned_column;
}

std::pair<int, int> TopologyGraph::frame_columns(const GraphFrame& frame, int max_layer) const
{
  int first = max_layer, last = 0;
  bool any = false;
  for (const auto& f : frames_)
    if (&f == &frame || (frame.nodes.empty() && !f.nodes.empty()))
      for (const std::size_t v : f.nodes) {
        first = std::min(first, nodes_[v].layer);
        last = std::max(last, nodes_[v].layer);
        any = true;
      }
  if (any)
    return {first, std::max(last, first + (frame.nodes.empty() ? kEmptyFrameColumns - 1 : 0))};
  // No frame has nodes: the columns after the users'.
  first = std::min(1, max_layer);
  return {first, std::max(first + kEmptyFrameColumns - 1, max_layer - 1)};
}

namespace
{

// Chips in rows as wide as the frame's inside.
std::size_t chips_per_row(double frame_width)
{
  const double inside = frame_width - 2 * TopologyGraph::kFrameMargin;
  return std::max<std::size_t>(1, static_cast<std::size_t>((inside + TopologyGraph::kChipGap) /
                                                           (TopologyGraph::kChipWidth + TopologyGraph::kChipGap)));
}

double column_span_width(int first, int last)
{
  return (last - first) * (TopologyGraph::kNodeWidth + TopologyGraph::kColumnGap) + TopologyGraph::kNodeWidth +
         2 * TopologyGraph::kFrameMargin;
}

// The height of a frame's chips (with the gap above them when nodes stand there), or the room left for a drop in
// a frame with neither.
double chips_height(std::size_t chips, double frame_width, bool under_nodes)
{
  if (chips == 0)
    return under_nodes ? 0 : TopologyGraph::kChipHeight;
  const std::size_t rows = (chips + chips_per_row(frame_width) - 1) / chips_per_row(frame_width);
  return (under_nodes ? 2 * TopologyGraph::kChipGap : 0) +
         static_cast<double>(rows) * (TopologyGraph::kChipHeight + TopologyGraph::kChipGap) - TopologyGraph::kChipGap;
}

} // namespace

std::vector<std::size_t> TopologyGraph::column_of(const std::string& zone, int layer) const
{
  std::vector<std::size_t> column;
  for (std::size_t v = 0; v < nodes_.size(); ++v)
    if (nodes_[v].zone == zone && nodes_[v].layer == layer && !in_grid_[v])
      column.push_back(v);
  return column;
}

// The nodes with no edge and no zone, in file order, in rows of at most kGridColumns under the rest.
void TopologyGraph::place_grid()
{
  double top = 0;
  bool any_other = false;
  for (std::size_t v = 0; v < nodes_.size(); ++v)
    if (!in_grid_[v]) {
      top = std::max(top, nodes_[v].y + kNodeHeight / 2);
      any_other = true;
    }
  if (any_other)
    top += kBandGap;
  std::size_t i = 0;
  for (std::size_t v = 0; v < nodes_.size(); ++v) {
    if (!in_grid_[v])
      continue;
    const auto column = static_cast<double>(i % kGridColumns), row = static_cast<double>(i / kGridColumns);
    nodes_[v].layer = 0;
    nodes_[v].x = column * (kNodeWidth + kColumnGap) + kNodeWidth / 2;
    nodes_[v].y = top + row * (kNodeHeight + kRowGap) + kNodeHeight / 2;
    ++i;
  }
}

// One column of nodes from `top` down, by the mean row of their predecessors (`row`, which it updates).
void TopologyGraph::place_column(std::vector<std::size_t> column, int layer, double top,
                                 const std::vector<std::vector<std::size_t>>& in, std::vector<double>& row)
{
  auto key = [&](std::size_t v) {
    double sum = 0;
    int count = 0;
    for (const std::size_t u : in[v])
      if (nodes_[u].layer < layer) {
        sum += row[u];
        ++count;
      }
    return count ? sum / count : 0.0;
  };
  std::stable_sort(column.begin(), column.end(), [&](std::size_t a, std::size_t c) { return key(a) < key(c); });
  for (std::size_t r = 0; r < column.size(); ++r) {
    row[column[r]] = static_cast<double>(r);
    nodes_[column[r]].x = layer * (kNodeWidth + kColumnGap) + kNodeWidth / 2;
    nodes_[column[r]].y = top + static_cast<double>(r) * (kNodeHeight + kRowGap) + kNodeHeight / 2;
  }
}

void TopologyGraph::place_nodes(const std::vector<std::vector<std::size_t>>& in)
{
  // Bands, top to bottom: each frame's nodes, then the nodes of no zone in the columns under a frame. The other
  // nodes of no zone (the users, a balancer before the data centres) are centred on the whole height.
  int max_layer = 0;
  for (const auto& node : nodes_)
    max_layer = std::max(max_layer, node.layer);
  const std::vector<bool> zoned_column = zoned_columns(max_layer);
  std::vector<std::string> bands;
  for (const auto& f : frames_)
    bands.push_back(f.zone);
  bands.push_back("");
  std::vector<double> row(nodes_.size(), 0); // row inside the band, for the predecessors' mean
  double band_top = 0;
  for (std::size_t b = 0; b < bands.size(); ++b) {
    const std::string& zone = bands[b];
    std::size_t band_rows = 0;
    const double margin = zone.empty() ? 0 : kFrameMargin;
    for (int layer = 0; layer <= max_layer; ++layer) {
      if (!frames_.empty() && zone.empty() && !zoned_column[static_cast<std::size_t>(layer)])
        continue;
      const auto column = column_of(zone, layer);
      place_column(column, layer, band_top + margin, in, row);
      band_rows = std::max(band_rows, column.size());
    }
    double height = band_rows > 0 ? static_cast<double>(band_rows) * (kNodeHeight + kRowGap) - kRowGap : 0;
    if (b < frames_.size()) {
      // The frame's chips under its nodes; a frame of chips only keeps the place its band gives it.
      GraphFrame& f = frames_[b];
      const auto [first, last] = frame_columns(f, max_layer);
      const double width = column_span_width(first, last);
      f.left = first * (kNodeWidth + kColumnGap) - kFrameMargin;
      f.right = f.left + width;
      f.top = band_top;
      height += chips_height(f.hosts.size(), width, band_rows > 0);
    }
    if (height > 0)
      band_top += height + 2 * margin + kBandGap;
  }
  const double height = std::max(0.0, band_top - kBandGap);
  if (!frames_.empty())
    for (int layer = 0; layer <= max_layer; ++layer) {
      if (zoned_column[static_cast<std::size_t>(layer)])
        continue;
      const auto column = column_of("", layer);
      const double used = static_cast<double>(column.size()) * (kNodeHeight + kRowGap) - kRowGap;
      place_column(column, layer, std::max(0.0, (height - used) / 2), in, row);
    }
}

// Frames around their nodes, with their chips under them. A band holds one zone's nodes only, so frames never
// overlap; a frame of chips only stays where its band put it. The hosts area goes under everything.
void TopologyGraph::place_frames()
{
  double bottom = 0, right = 0, left = 1e300;
  for (const auto& v : nodes_) {
    bottom = std::max(bottom, v.y + kNodeHeight / 2);
    right = std::max(right, v.x + kNodeWidth / 2);
    left = std::min(left, v.x - kNodeWidth / 2);
  }
  for (auto& f : frames_) {
    if (!f.nodes.empty()) {
      f.left = f.top = 1e300;
      f.right = -1e300;
      for (const std::size_t v : f.nodes) {
        f.left = std::min(f.left, nodes_[v].x - kNodeWidth / 2 - kFrameMargin);
        f.right = std::max(f.right, nodes_[v].x + kNodeWidth / 2 + kFrameMargin);
        f.top = std::min(f.top, nodes_[v].y - kNodeHeight / 2 - kFrameMargin);
      }
    }
    double chips_top = f.top + kFrameMargin;
    for (const std::size_t v : f.nodes)
      chips_top = std::max(chips_top, nodes_[v].y + kNodeHeight / 2 + 2 * kChipGap);
    place_chips(f, chips_top);
    f.bottom = chips_top + chips_height(f.hosts.size(), f.right - f.left, false) + kFrameMargin;
    bottom = std::max(bottom, f.bottom);
    right = std::max(right, f.right);
    left = std::min(left, f.left);
  }
  if (left > right)
    left = right = 0;
  hosts_area_.left = left;
  hosts_area_.right = std::max(right, left + column_span_width(0, kEmptyFrameColumns - 1));
  hosts_area_.top = bottom + kBandGap;
  place_chips(hosts_area_, hosts_area_.top + kFrameMargin);
  hosts_area_.bottom = hosts_area_.top + kFrameMargin +
                       chips_height(hosts_area_.hosts.size(), hosts_area_.right - hosts_area_.left, false) +
                       kFrameMargin;
}

// A frame's chips in rows from `top`, as many to a row as its width holds.
void TopologyGraph::place_chips(GraphFrame& frame, double top)
{
  const std::size_t per_row = chips_per_row(frame.right - frame.left);
  for (std::size_t i = 0; i < frame.hosts.size(); ++i) {
    auto& chip = hosts_[frame.hosts[i]];
    chip.x = frame.left + kFrameMargin + static_cast<double>(i % per_row) * (kChipWidth + kChipGap) + kChipWidth / 2;
    chip.y = top + static_cast<double>(i / per_row) * (kChipHeight + kChipGap) + kChipHeight / 2;
  }
}

} // namespace scalelab::gui
