#include "scalelab/models/hardware.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/filtered_graph.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

namespace scalelab::models
{

namespace
{

PlatformReader& reader_slot()
{
  static PlatformReader reader;
  return reader;
}

void sort_unique(std::vector<int>& v)
{
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// A link's latency in whole nanoseconds (at least one): the unit of every time in a run.
SimTime link_latency(const LinkParams& p)
{
  return std::max<SimTime>(1, from_seconds(p.latency));
}

std::string human_bandwidth(double bytes_per_second)
{
  const double bits = bytes_per_second * 8;
  std::ostringstream out;
  out << std::setprecision(3);
  if (bits >= 1e9)
    out << bits / 1e9 << " Gbps";
  else if (bits >= 1e6)
    out << bits / 1e6 << " Mbps";
  else
    out << bits / 1e3 << " kbps";
  return out.str();
}

std::string human_duration(double seconds)
{
  std::ostringstream out;
  out << std::setprecision(3);
  if (seconds >= 1)
    out << seconds << " s";
  else if (seconds >= 1e-3)
    out << seconds * 1e3 << " ms";
  else if (seconds >= 1e-6)
    out << seconds * 1e6 << " us";
  else
    out << seconds * 1e9 << " ns";
  return out.str();
}

std::string dot_quote(const std::string& s)
{
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

} // namespace

void set_platform_reader(PlatformReader reader)
{
  reader_slot() = std::move(reader);
}

const PlatformReader& platform_reader()
{
  return reader_slot();
}

// --- who talks to whom -------------------------------------------------------------------------------------

std::vector<std::vector<std::size_t>> hosts_of_services(const TopologySpec& spec)
{
  const HostIndex index(spec);
  std::vector<std::vector<std::size_t>> out;
  for (const auto& service : spec.services) {
    std::vector<std::size_t> hosts;
    for (const auto& h : instance_hosts(service.kind))
      hosts.push_back(index.at(h));
    out.push_back(std::move(hosts));
  }
  return out;
}

ServiceTraffic service_traffic(const TopologySpec& spec)
{
  const std::size_t n = spec.services.size();
  ServiceTraffic t;
  t.requesters.resize(n);
  t.reply_targets.resize(n);
  std::vector<std::string> entries{spec.workload.entry};
  if (spec.workload.geodns)
    entries = spec.workload.geodns->entries;
  for (const auto& name : entries) {
    const auto entry = static_cast<std::size_t>(spec.index_of_service(name));
    t.requesters[entry].push_back(ServiceTraffic::kUsers);
    t.reply_targets[entry].push_back(ServiceTraffic::kUsers);
  }
  std::vector<int> api_servers;
  for (std::size_t s = 0; s < n; ++s)
    if (std::holds_alternative<ApiServerSpec>(spec.services[s].kind) ||
        std::holds_alternative<WorkerSpec>(spec.services[s].kind)) // both run steps
      api_servers.push_back(static_cast<int>(s));
  for (std::size_t s = 0; s < n; ++s)
    for (const std::string& called : services_called(spec.services[s].kind, spec.services[s].name)) {
      const auto target = static_cast<std::size_t>(spec.index_of_service(called));
      t.requesters[target].push_back(static_cast<int>(s));
      t.reply_targets[target].push_back(static_cast<int>(s));
    }
  std::vector<std::size_t> forwarded_to;
  for (const auto& type : spec.requests)
    for (const auto& step : type.steps) {
      if (const std::string* called = called_service(step.step)) {
        const auto target = spec.index_of_service(*called);
        t.requesters[target].insert(t.requesters[target].end(), api_servers.begin(), api_servers.end());
        t.reply_targets[target].insert(t.reply_targets[target].end(), api_servers.begin(), api_servers.end());
      } else if (const auto* forward = std::get_if<ForwardStep>(&step.step)) {
        const auto target = spec.index_of_service(forward->service);
        t.requesters[target].insert(t.requesters[target].end(), api_servers.begin(), api_servers.end());
        forwarded_to.push_back(target);
      }
    }
  // A forwarded request is answered to whoever called any api_server.
  for (auto target : forwarded_to)
    for (int api : api_servers) {
      const auto& callers = t.reply_targets[static_cast<std::size_t>(api)];
      t.reply_targets[target].insert(t.reply_targets[target].end(), callers.begin(), callers.end());
    }
  for (auto& v : t.requesters)
    sort_unique(v);
  for (auto& v : t.reply_targets)
    sort_unique(v);
  return t;
}

// --- building the graph ------------------------------------------------------------------------------------

int HardwareGraph::add_element(NetElement e)
{
  routing_.reset();
  element_index_.emplace(e.name, static_cast<int>(elements_.size()));
  elements_.push_back(std::move(e));
  incident_.emplace_back();
  return static_cast<int>(elements_.size() - 1);
}

void HardwareGraph::add_link(NetLink l)
{
  routing_.reset();
  incident_[static_cast<std::size_t>(l.a)].push_back(static_cast<int>(links_.size()));
  incident_[static_cast<std::size_t>(l.b)].push_back(static_cast<int>(links_.size()));
  link_index_.emplace(l.name, static_cast<int>(links_.size()));
  links_.push_back(std::move(l));
}

void HardwareGraph::add_explicit_route(ExplicitRoute route)
{
  route_index_.emplace(std::pair(route.from, route.to), explicit_routes_.size());
  explicit_routes_.push_back(std::move(route));
}

std::optional<int> HardwareGraph::find_element(const std::string& name) const
{
  const auto found = element_index_.find(name);
  return found != element_index_.end() ? std::optional<int>(found->second) : std::nullopt;
}

std::optional<int> HardwareGraph::find_link(const std::string& name) const
{
  const auto found = link_index_.find(name);
  return found != link_index_.end() ? std::optional<int>(found->second) : std::nullopt;
}

HardwareGraph HardwareGraph::build(const TopologySpec& spec, std::vector<HardwareIssue>& issues)
{
  HardwareGraph g;
  const auto& hw = spec.hardware;
  for (std::size_t h = 0; h < hw.hosts.size(); ++h) {
    NetElement e;
    e.kind = NetElement::Kind::host;
    e.name = hw.hosts[h].name;
    e.zone = hw.hosts[h].zone;
    e.host = static_cast<int>(h);
    e.where = hw.hosts[h].where;
    g.host_elements_.push_back(g.add_element(std::move(e)));
  }
  if (!hw.simgrid_platform.empty()) {
    // A platform file's links have no ends, only places in its routes, which SimGrid computed.
    g.from_file_ = true;
    std::map<std::string, int> link_index;
    for (const auto& l : hw.links) {
      link_index.emplace(l.name, static_cast<int>(g.links_.size()));
      g.link_index_.emplace(l.name, static_cast<int>(g.links_.size()));
      g.links_.push_back(NetLink{l.name, -1, -1, l.params, l.where});
    }
    for (const auto& r : hw.routes) {
      ExplicitRoute route{g.find_element(r.from).value_or(-1), g.find_element(r.to).value_or(-1), {}};
      for (const auto& name : r.links)
        route.hops.push_back({link_index.at(name), true});
      g.add_explicit_route(std::move(route));
    }
    g.users_ = g.find_element(hw.users.attach).value_or(-1);
    if (!spec.workload.zones.empty())
      issues.push_back(
          {spec.workload.where, "workload.zones needs the hardware's own network, not a simgrid_platform"});
    else if (g.users_ < 0)
      issues.push_back(
          {hw.users.where, "with simgrid_platform, users.attach names the host the users' traffic comes from"});
    else
      g.check(spec, issues);
    return g;
  }
  if (hw.explicit_graph())
    g.add_explicit(spec, issues);
  else
    g.expand_shape(spec, issues);
  g.attach_users(spec, issues);
  g.attach_zone_users(spec, issues);
  g.add_routes(spec, issues);
  if (issues.empty())
    g.check(spec, issues);
  return g;
}

// A generated switch takes the wanted name unless a host has it.
static std::string free_name(const TopologySpec& spec, std::string name)
{
  while (spec.find_host(name))
    name += "_";
  return name;
}

void HardwareGraph::expand_shape(const TopologySpec& spec, std::vector<HardwareIssue>& issues)
{
  const auto& net = spec.hardware.network;
  auto add_switch = [&](const std::string& name, const std::string& zone) {
    NetElement e;
    e.kind = NetElement::Kind::switch_;
    e.name = free_name(spec, name);
    e.zone = zone;
    e.where = net.where;
    return add_element(std::move(e));
  };
  auto connect = [&](int a, int b, const LinkParams& p, std::string name = {}) {
    NetLink l;
    l.name = name.empty()
                 ? elements_[static_cast<std::size_t>(a)].name + "--" + elements_[static_cast<std::size_t>(b)].name
                 : std::move(name);
    l.a = a;
    l.b = b;
    l.params = p;
    l.where = net.where;
    add_link(std::move(l));
  };
  switch (net.shape) {
  case NetworkSpec::Shape::lan: {
    const int sw = add_switch("switch", "");
    const LinkParams half{net.bandwidth, net.latency / 2, net.sharing};
    for (int h : host_elements_)
      connect(h, sw, half);
    break;
  }
  case NetworkSpec::Shape::racks: {
    const int spine = add_switch("spine", "");
    const int size = std::max(1, net.rack_size);
    int tor = -1;
    for (std::size_t i = 0; i < host_elements_.size(); ++i) {
      const std::string rack = std::to_string(i / static_cast<std::size_t>(size) + 1);
      if (i % static_cast<std::size_t>(size) == 0) {
        tor = add_switch("tor-" + rack, "rack-" + rack);
        connect(tor, spine, net.uplink, "uplink-" + rack);
      }
      elements_[static_cast<std::size_t>(host_elements_[i])].zone = "rack-" + rack;
      connect(host_elements_[i], tor, net.host_link);
    }
    break;
  }
  case NetworkSpec::Shape::datacenters: {
    std::vector<int> gateways;
    for (const auto& dc : net.datacenters)
      gateways.push_back(add_switch("gw-" + dc, dc));
    const LinkParams half{net.lan.bandwidth, net.lan.latency / 2, net.lan.sharing};
    for (int h : host_elements_) {
      const auto& zone = elements_[static_cast<std::size_t>(h)].zone;
      const auto it = std::find(net.datacenters.begin(), net.datacenters.end(), zone);
      if (it == net.datacenters.end()) {
        issues.push_back({elements_[static_cast<std::size_t>(h)].where,
                          "host " + elements_[static_cast<std::size_t>(h)].name + " is in no data centre"});
        continue;
      }
      connect(h, gateways[static_cast<std::size_t>(it - net.datacenters.begin())], half);
    }
    for (std::size_t a = 0; a < gateways.size(); ++a)
      for (std::size_t b = a + 1; b < gateways.size(); ++b)
        connect(gateways[a], gateways[b],
                LinkParams{net.wan_bandwidth, net.wan_latency[a][b], LinkSharing::full_duplex},
                "wan-" + net.datacenters[a] + "-" + net.datacenters[b]);
    break;
  }
  }
}

void HardwareGraph::add_explicit(const TopologySpec& spec, std::vector<HardwareIssue>& issues)
{
  for (const auto& s : spec.hardware.switches) {
    NetElement e;
    e.kind = NetElement::Kind::switch_;
    e.name = s.name;
    e.zone = s.zone;
    e.where = s.where;
    add_element(std::move(e));
  }
  for (const auto& l : spec.hardware.links) {
    const auto a = find_element(l.a), b = find_element(l.b);
    if (!a || !b) {
      issues.push_back(
          {l.where, "link " + l.name + " joins " + (a ? l.b : l.a) + ", which is neither a host nor a switch"});
      continue;
    }
    add_link(NetLink{l.name, *a, *b, l.params, l.where});
  }
}

void HardwareGraph::attach_users(const TopologySpec& spec, std::vector<HardwareIssue>& issues)
{
  const auto& hw = spec.hardware;
  const auto& users = hw.users;
  const auto entry_hosts = hosts_of_services(spec)[spec.index_of_service(spec.workload.entry)];
  const int entry = host_elements_.at(entry_hosts.front());
  int attach = -1;
  double latency = 0;
  if (!users.attach.empty()) {
    const auto found = find_element(users.attach);
    if (!found) {
      issues.push_back({users.where, "the users attach to " + users.attach + ", which is neither a host nor a switch"});
      return;
    }
    attach = *found;
  } else if (!hw.explicit_graph() && hw.network.shape == NetworkSpec::Shape::datacenters) {
    const std::string zone = users.zone.empty() ? elements_[static_cast<std::size_t>(entry)].zone : users.zone;
    attach = find_element(free_name(spec, "gw-" + zone)).value_or(-1);
    latency = hw.network.lan.latency / 2;
  } else if (!hw.explicit_graph() && hw.network.shape == NetworkSpec::Shape::racks) {
    attach = find_element(free_name(spec, "spine")).value_or(-1);
    latency = hw.network.host_link.latency;
  }
  // By default the users come in through the entry host's first switch, one host link away like a host.
  if (attach < 0) {
    attach = entry;
    for (int l : incident_[static_cast<std::size_t>(entry)]) {
      const auto& link = links_[static_cast<std::size_t>(l)];
      const int other = link.a == entry ? link.b : link.a;
      if (elements_[static_cast<std::size_t>(other)].kind == NetElement::Kind::switch_) {
        attach = other;
        latency = link.params.latency;
        break;
      }
    }
    if (attach == entry)
      latency = hw.network.latency / 2;
  }
  if (users.latency > 0)
    latency = users.latency;
  std::string name = "users";
  while (find_element(name))
    name += "_";
  NetElement e;
  e.kind = NetElement::Kind::users;
  e.name = name;
  e.zone = elements_[static_cast<std::size_t>(attach)].zone;
  e.where = users.where;
  users_ = add_element(std::move(e));
  // The users are many machines on many networks: their link never queues (a fat pipe).
  add_link(NetLink{name + "--" + elements_[static_cast<std::size_t>(attach)].name, users_, attach,
                   LinkParams{1e12, latency, LinkSharing::fatpipe}, users.where});
}

// The users of each of workload.zones come in at the zone's first switch (gw-ZONE in the datacenters shape), or
// its first element when it has none, through a fat pipe of half a LAN's latency in the datacenters shape
// (like the users of hardware.users), else of hardware.users' latency or a host link's.
void HardwareGraph::attach_zone_users(const TopologySpec& spec, std::vector<HardwareIssue>& issues)
{
  const auto& hw = spec.hardware;
  for (const UsersZoneSpec& z : spec.workload.zones) {
    int attach = -1;
    for (std::size_t e = 0; e < elements_.size(); ++e)
      if (elements_[e].zone == z.zone && elements_[e].kind != NetElement::Kind::users &&
          (attach < 0 || (elements_[e].kind == NetElement::Kind::switch_ &&
                          elements_[static_cast<std::size_t>(attach)].kind != NetElement::Kind::switch_)))
        attach = static_cast<int>(e);
    if (attach < 0) {
      issues.push_back({spec.workload.where, "the users' zone " + z.zone + " has no host nor switch"});
      continue;
    }
    double latency = hw.users.latency;
    if (latency <= 0)
      latency = !hw.explicit_graph() && hw.network.shape == NetworkSpec::Shape::datacenters ? hw.network.lan.latency / 2
                                                                                            : hw.network.latency / 2;
    std::string name = "users-" + z.zone;
    while (find_element(name))
      name += "_";
    NetElement e;
    e.kind = NetElement::Kind::users;
    e.name = name;
    e.zone = z.zone;
    e.where = spec.workload.where;
    const int users = add_element(std::move(e));
    zone_users_.push_back(users);
    add_link(NetLink{name + "--" + elements_[static_cast<std::size_t>(attach)].name, users, attach,
                     LinkParams{1e12, latency, LinkSharing::fatpipe}, spec.workload.where});
  }
}

void HardwareGraph::add_routes(const TopologySpec& spec, std::vector<HardwareIssue>& issues)
{
  for (const auto& r : spec.hardware.routes) {
    const auto from = find_element(r.from), to = find_element(r.to);
    if (!from || !to) {
      issues.push_back({r.where, "a route must go from a host to a host"});
      continue;
    }
    std::vector<Hop> hops;
    int at = *from;
    bool ok = true;
    for (const auto& name : r.links) {
      const auto l = find_link(name);
      if (!l) {
        issues.push_back({r.where, "the route from " + r.from + " to " + r.to + " names an unknown link " + name});
        ok = false;
        break;
      }
      const auto& link = links_[static_cast<std::size_t>(*l)];
      if (link.a != at && link.b != at) {
        issues.push_back({r.where, "the route from " + r.from + " to " + r.to + " cannot take link " + name + " at " +
                                       elements_[static_cast<std::size_t>(at)].name + ": it joins " +
                                       elements_[static_cast<std::size_t>(link.a)].name + " and " +
                                       elements_[static_cast<std::size_t>(link.b)].name});
        ok = false;
        break;
      }
      hops.push_back({*l, link.a == at});
      at = link.a == at ? link.b : link.a;
    }
    if (!ok)
      continue;
    if (at != *to) {
      issues.push_back({r.where, "the route from " + r.from + " to " + r.to + " ends at " +
                                     elements_[static_cast<std::size_t>(at)].name + ", not at " + r.to});
      continue;
    }
    auto declared = [&](int a, int b) { return route_index_.count({a, b}) > 0; };
    if (declared(*from, *to) || (r.symmetric && declared(*to, *from))) {
      issues.push_back({r.where, "a route from " +
                                     (declared(*from, *to) ? r.from + " to " + r.to : r.to + " to " + r.from) +
                                     " is given twice (a symmetric route also gives the way back)"});
      continue;
    }
    add_explicit_route({*from, *to, hops});
    if (r.symmetric) {
      std::vector<Hop> back(hops.rbegin(), hops.rend());
      for (auto& h : back)
        h.forward = !h.forward;
      add_explicit_route({*to, *from, std::move(back)});
    }
  }
}

// --- routes --------------------------------------------------------------------------------------------------

namespace
{
struct EdgeData {
  int link;
  bool forward;
  std::int64_t weight;
};
using RoutingGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, EdgeData>;
using RoutingEdge = boost::graph_traits<RoutingGraph>::edge_descriptor;

// Only switches forward: a path may leave a host or the users only where it starts.
struct ForwardingOnly {
  const RoutingGraph* graph = nullptr;
  const std::vector<NetElement>* elements = nullptr;
  std::size_t source = 0;
  bool operator()(const RoutingEdge& e) const
  {
    const auto from = boost::source(e, *graph);
    return from == source || (*elements)[from].kind == NetElement::Kind::switch_;
  }
};
// Remembers the edge by which Dijkstra reached each element, to read the route back.
struct RecordEdge : boost::base_visitor<RecordEdge> {
  using event_filter = boost::on_edge_relaxed;
  std::vector<RoutingEdge>* via;
  std::vector<bool>* has_via;
  const RoutingGraph* graph;
  template <class Graph> void operator()(const RoutingEdge& e, const Graph&)
  {
    const auto target = boost::target(e, *graph);
    (*via)[target] = e;
    (*has_via)[target] = true;
  }
};
} // namespace

// The graph Boost runs Dijkstra on, built once, and the shortest-path tree from each source asked for so far:
// for each element, the hop by which the tree reaches it (link * 2 + forward), or -1.
struct HardwareGraph::RoutingCache {
  explicit RoutingCache(std::size_t elements) : graph(elements) {}
  RoutingGraph graph;
  std::map<int, std::vector<std::int32_t>> trees;
};

const std::vector<std::int32_t>& HardwareGraph::shortest_tree(int from) const
{
  if (!routing_) {
    routing_ = std::make_shared<RoutingCache>(elements_.size());
    for (std::size_t l = 0; l < links_.size(); ++l) {
      // Latency first, then fewer hops: integer weights, so ties are exact and the result is reproducible.
      const std::int64_t weight = link_latency(links_[l].params) * 4096 + 1;
      const auto a = static_cast<std::size_t>(links_[l].a), b = static_cast<std::size_t>(links_[l].b);
      boost::add_edge(a, b, EdgeData{static_cast<int>(l), true, weight}, routing_->graph);
      boost::add_edge(b, a, EdgeData{static_cast<int>(l), false, weight}, routing_->graph);
    }
  }
  if (const auto it = routing_->trees.find(from); it != routing_->trees.end())
    return it->second;
  const RoutingGraph& graph = routing_->graph;
  const ForwardingOnly keep{&graph, &elements_, static_cast<std::size_t>(from)};
  boost::filtered_graph<RoutingGraph, ForwardingOnly> view(graph, keep);
  const std::size_t n = elements_.size();
  std::vector<std::int64_t> distance(n);
  std::vector<std::size_t> predecessor(n);
  std::vector<RoutingEdge> via(n);
  std::vector<bool> has_via(n, false);
  boost::dijkstra_shortest_paths(
      view, static_cast<std::size_t>(from),
      boost::weight_map(boost::get(&EdgeData::weight, graph))
          .distance_map(boost::make_iterator_property_map(distance.begin(), boost::get(boost::vertex_index, graph)))
          .predecessor_map(
              boost::make_iterator_property_map(predecessor.begin(), boost::get(boost::vertex_index, graph)))
          .visitor(boost::make_dijkstra_visitor(RecordEdge{{}, &via, &has_via, &graph})));
  std::vector<std::int32_t> tree(n, -1);
  for (std::size_t v = 0; v < n; ++v)
    if (has_via[v]) {
      const EdgeData& d = graph[via[v]];
      tree[v] = d.link * 2 + (d.forward ? 1 : 0);
    }
  return routing_->trees.emplace(from, std::move(tree)).first->second;
}

std::optional<std::vector<Hop>> HardwareGraph::shortest(int from, int to) const
{
  // Links have one latency both ways, so the way back along a shortest path is a shortest path too: when
  // the tree from `to` is known and the one from `from` is not, walk it instead of running Dijkstra (a
  // thousand servers answering one balancer cost one tree, not a thousand).
  if (routing_ && !routing_->trees.count(from) && routing_->trees.count(to)) {
    const auto& back = routing_->trees.at(to);
    std::vector<Hop> hops;
    for (int v = from; v != to;) {
      const std::int32_t code = back[static_cast<std::size_t>(v)];
      if (code < 0)
        return std::nullopt;
      const Hop into{code / 2, code % 2 == 1}; // the tree's hop into v; we cross it the other way
      hops.push_back(Hop{into.link, !into.forward});
      const auto& link = links_[static_cast<std::size_t>(into.link)];
      v = into.forward ? link.a : link.b;
    }
    return hops;
  }
  const auto& tree = shortest_tree(from);
  std::vector<Hop> hops;
  for (int v = to; v != from;) {
    const std::int32_t code = tree[static_cast<std::size_t>(v)];
    if (code < 0)
      return std::nullopt;
    const Hop hop{code / 2, code % 2 == 1};
    hops.push_back(hop);
    const auto& link = links_[static_cast<std::size_t>(hop.link)];
    v = hop.forward ? link.a : link.b; // where the hop starts
  }
  std::reverse(hops.begin(), hops.end());
  return hops;
}

std::optional<std::vector<Hop>> HardwareGraph::route(int from, int to) const
{
  if (from == to)
    return std::vector<Hop>{};
  if (const auto found = route_index_.find({from, to}); found != route_index_.end())
    return explicit_routes_[found->second].hops;
  if (from_file_)
    return std::nullopt;
  return shortest(from, to);
}

double HardwareGraph::latency(const std::vector<Hop>& hops) const
{
  SimTime total = 0;
  for (const auto& h : hops)
    total += link_latency(links_[static_cast<std::size_t>(h.link)].params);
  return to_seconds(total);
}

// --- zones -----------------------------------------------------------------------------------------------------

std::vector<std::string> HardwareGraph::zones() const
{
  std::set<std::string> names;
  for (const auto& e : elements_)
    names.insert(e.zone);
  return {names.begin(), names.end()};
}

// The elements of each zone that have a link to another zone (the users' own link does not count).
std::map<std::string, std::set<int>> HardwareGraph::zone_exits() const
{
  std::map<std::string, std::set<int>> exits;
  for (const auto& l : links_) {
    if (l.a < 0)
      continue;
    const auto& a = elements_[static_cast<std::size_t>(l.a)];
    const auto& b = elements_[static_cast<std::size_t>(l.b)];
    if (a.zone == b.zone)
      continue;
    if (a.kind != NetElement::Kind::users)
      exits[a.zone].insert(l.a);
    if (b.kind != NetElement::Kind::users)
      exits[b.zone].insert(l.b);
  }
  return exits;
}

std::optional<int> HardwareGraph::gateway(const std::string& zone) const
{
  const auto exits = zone_exits();
  const auto it = exits.find(zone);
  if (it == exits.end() || it->second.empty())
    return std::nullopt;
  return *it->second.begin();
}

// --- checks ----------------------------------------------------------------------------------------------------

void HardwareGraph::check(const TopologySpec& spec, std::vector<HardwareIssue>& issues) const
{
  // A zone reaches the others through one gateway, as in SimGrid's hierarchical routing; that also makes
  // the shortest route between two zones the same whichever zone computes it.
  const auto exits = zone_exits();
  for (const auto& [zone, elements] : exits)
    if (elements.size() > 1) {
      std::string names;
      for (int e : elements)
        names += (names.empty() ? "" : ", ") + elements_[static_cast<std::size_t>(e)].name;
      const auto& first = elements_[static_cast<std::size_t>(*elements.begin())];
      issues.push_back({first.where, (zone.empty() ? std::string("the elements outside every zone") : "zone " + zone) +
                                         " reach other zones through several elements (" + names +
                                         "); a zone has one gateway switch, joined to the other zones' gateways"});
    }
  // Every pair of services that talk has a route, both ways (replies come back).
  const auto traffic = service_traffic(spec);
  const auto service_hosts = hosts_of_services(spec);
  auto elements_of = [&](int service) {
    if (service == ServiceTraffic::kUsers) {
      std::vector<int> users{users_};
      users.insert(users.end(), zone_users_.begin(), zone_users_.end());
      return users;
    }
    std::vector<int> out;
    for (auto h : service_hosts[static_cast<std::size_t>(service)])
      out.push_back(host_elements_[h]);
    return out;
  };
  auto name_of = [&](int service) {
    return service == ServiceTraffic::kUsers ? std::string("the users")
                                             : "service " + spec.services[static_cast<std::size_t>(service)].name;
  };
  std::set<std::pair<int, int>> reported;
  for (std::size_t s = 0; s < spec.services.size(); ++s) {
    const auto callee = elements_of(static_cast<int>(s));
    auto check_pair = [&](int caller) {
      // A route is read from the shortest-path tree of one end, and the way back from the same tree: trees
      // grow from the side with fewer elements (a thousand servers calling one database cost one tree).
      const auto callers = elements_of(caller);
      const bool callee_first = callee.size() < callers.size();
      for (int a : callers)
        for (int b : callee)
          for (auto [from, to] : callee_first ? std::array{std::pair{b, a}, std::pair{a, b}}
                                              : std::array{std::pair{a, b}, std::pair{b, a}}) {
            if (route(from, to) || !reported.insert({from, to}).second)
              continue;
            issues.push_back(
                {spec.services[s].where, "no route from " + elements_[static_cast<std::size_t>(from)].name + " to " +
                                             elements_[static_cast<std::size_t>(to)].name + ", though " +
                                             name_of(caller) + " talks to service " + spec.services[s].name});
          }
    };
    for (int caller : traffic.requesters[s])
      check_pair(caller);
  }
}

// --- picture -----------------------------------------------------------------------------------------------------

std::string HardwareGraph::element_dot(std::size_t i, const TopologySpec& spec,
                                       const std::vector<std::vector<std::string>>& services_on) const
{
  const auto& e = elements_[i];
  std::ostringstream n;
  n << "  " << dot_quote(e.name) << " [";
  switch (e.kind) {
  case NetElement::Kind::host: {
    const auto& h = spec.hardware.hosts[static_cast<std::size_t>(e.host)];
    std::string label = e.name + "\\n" + std::to_string(h.cores) + " cores";
    for (const auto& s : services_on[i])
      label += "\\n[" + s + "]";
    n << "shape=box, style=\"rounded,filled\", fillcolor=\"" << (services_on[i].empty() ? "#eeeeee" : "#cfe2f3")
      << "\", label=\"" << label << "\"";
    break;
  }
  case NetElement::Kind::switch_:
    n << "shape=diamond, style=filled, fillcolor=\"#fce5cd\", label=" << dot_quote(e.name);
    break;
  case NetElement::Kind::users:
    n << "shape=ellipse, style=\"dashed,filled\", fillcolor=\"#d9ead3\", label=" << dot_quote(e.name);
    break;
  }
  n << "];\n";
  return n.str();
}

// Links as small nodes, joined in the order routes cross them; links no route crosses (SimGrid's loopback) are
// left out.
void HardwareGraph::route_links_dot(std::ostream& out) const
{
  std::set<std::pair<std::string, std::string>> edges;
  std::set<int> crossed;
  for (const auto& r : explicit_routes_) {
    std::string previous = elements_[static_cast<std::size_t>(r.from)].name;
    for (const auto& hop : r.hops) {
      crossed.insert(hop.link);
      const std::string here = "link:" + links_[static_cast<std::size_t>(hop.link)].name;
      edges.insert(std::minmax(previous, here));
      previous = here;
    }
    edges.insert(std::minmax(previous, elements_[static_cast<std::size_t>(r.to)].name));
  }
  for (int i : crossed) {
    const auto& l = links_[static_cast<std::size_t>(i)];
    out << "  " << dot_quote("link:" + l.name) << " [shape=box, style=filled, fillcolor=\"#fce5cd\", fontsize=8, "
        << "label=\"" << l.name << "\\n"
        << human_bandwidth(l.params.bandwidth) << ", " << human_duration(l.params.latency)
        << (l.params.sharing == LinkSharing::fatpipe ? std::string(", fatpipe") : std::string()) << "\"];\n";
  }
  for (const auto& [a, b] : edges)
    out << "  " << dot_quote(a) << " -- " << dot_quote(b) << ";\n";
  if (users_ >= 0)
    out << "  \"(users)\" [shape=ellipse, style=\"dashed,filled\", fillcolor=\"#d9ead3\", label=\"users\"];\n"
        << "  \"(users)\" -- " << dot_quote(elements_[static_cast<std::size_t>(users_)].name) << " [style=dashed];\n";
}

// Links as edges labelled with their bandwidth and latency; links between zones' switches drawn wide.
void HardwareGraph::declared_links_dot(std::ostream& out) const
{
  for (const auto& l : links_) {
    std::string label =
        l.params.sharing == LinkSharing::fatpipe ? std::string("") : human_bandwidth(l.params.bandwidth) + "\\n";
    label += human_duration(l.params.latency);
    if (l.params.sharing != LinkSharing::full_duplex)
      label += "\\n" + std::string(sharing_name(l.params.sharing));
    const bool wide = elements_[static_cast<std::size_t>(l.a)].zone != elements_[static_cast<std::size_t>(l.b)].zone &&
                      elements_[static_cast<std::size_t>(l.a)].kind == NetElement::Kind::switch_ &&
                      elements_[static_cast<std::size_t>(l.b)].kind == NetElement::Kind::switch_;
    out << "  " << dot_quote(elements_[static_cast<std::size_t>(l.a)].name) << " -- "
        << dot_quote(elements_[static_cast<std::size_t>(l.b)].name) << " [label=\"" << label << "\""
        << (wide ? ", penwidth=2.5, color=\"#cc4125\"" : "")
        << (l.params.sharing == LinkSharing::fatpipe ? ", style=dashed" : "") << "];\n";
  }
}

std::string HardwareGraph::to_dot(const TopologySpec& spec) const
{
  std::vector<std::vector<std::string>> services_on(elements_.size());
  const auto service_hosts = hosts_of_services(spec);
  for (std::size_t s = 0; s < spec.services.size(); ++s)
    for (auto h : service_hosts[s]) {
      auto& list = services_on[static_cast<std::size_t>(host_elements_[h])];
      if (std::find(list.begin(), list.end(), spec.services[s].name) == list.end())
        list.push_back(spec.services[s].name);
    }
  std::ostringstream out;
  out << "graph " << dot_quote(spec.name) << " {\n"
      << "  graph [fontname=\"Helvetica\", fontsize=11, overlap=false, splines=true];\n"
      << "  node [fontname=\"Helvetica\", fontsize=10];\n"
      << "  edge [fontname=\"Helvetica\", fontsize=8, color=\"#555555\"];\n";
  for (const auto& zone : zones()) {
    const bool cluster = !zone.empty();
    if (cluster)
      out << "  subgraph " << dot_quote("cluster_" + zone) << " {\n    label=" << dot_quote(zone)
          << "; style=\"rounded,dashed\"; color=\"#888888\";\n";
    for (std::size_t i = 0; i < elements_.size(); ++i)
      if (elements_[i].zone == zone)
        out << (cluster ? "  " : "") << element_dot(i, spec, services_on);
    if (cluster)
      out << "  }\n";
  }
  if (from_file_)
    route_links_dot(out);
  else
    declared_links_dot(out);
  out << "}\n";
  return out.str();
}

} // namespace scalelab::models
