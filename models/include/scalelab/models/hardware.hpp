#pragma once
// The hardware as a graph (Boost.Graph): hosts and switches are vertices, links are edges. A network shape
// (lan, racks, datacenters) is expanded here into switches and links, so everything downstream sees one
// kind of description. Routes are shortest paths by latency, or given by hand; hosts never forward other
// hosts' traffic, only switches do.
#include "scalelab/models/spec.hpp"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace scalelab::models
{

// One problem found in the hardware, with the place in the file it is about.
struct HardwareIssue {
  SourceLocation where;
  std::string message;
};

struct NetElement {
  enum class Kind { host, switch_, users };
  Kind kind = Kind::host;
  std::string name;
  std::string zone; // empty: none
  int host = -1;    // index in spec.hardware.hosts, for a host
  SourceLocation where;
};

struct NetLink {
  std::string name;
  int a = 0, b = 0; // element indices
  LinkParams params;
  SourceLocation where;
};

// One link crossed by a route, in the direction of travel.
struct Hop {
  int link = 0;
  bool forward = true; // from the link's a to its b
};

class HardwareGraph
{
public:
  // Builds the graph of a topology whose names are resolved (the loader calls it last). Problems are
  // appended to `issues`; the graph is then incomplete and must not be used.
  static HardwareGraph build(const TopologySpec& spec, std::vector<HardwareIssue>& issues);

  const std::vector<NetElement>& elements() const { return elements_; }
  const std::vector<NetLink>& links() const { return links_; }
  int element_of_host(std::size_t host_index) const { return host_elements_.at(host_index); }
  int users_element() const { return users_; }
  // workload.zones: the users of each zone, in the workload's order, attached at the zone's first switch.
  const std::vector<int>& zone_users_elements() const { return zone_users_; }
  std::optional<int> find_element(const std::string& name) const;
  std::optional<int> find_link(const std::string& name) const;

  // The hops from one element to another: the explicit route when there is one, else the shortest by
  // latency (ties broken by fewer hops, then by link order). Empty when from == to; nullopt when there is
  // no path.
  std::optional<std::vector<Hop>> route(int from, int to) const;
  double latency(const std::vector<Hop>& hops) const;

  // Zones and the switch through which each one reaches the others (the SimGrid gateway); empty zone
  // name: the elements outside every zone.
  std::vector<std::string> zones() const;
  std::optional<int> gateway(const std::string& zone) const;

  // Graphviz DOT of hosts, switches, links and the services placed on the hosts; zones are clusters.
  std::string to_dot(const TopologySpec& spec) const;

private:
  // The pieces of to_dot: one element (a host with its services, a switch, the users), and the links, as the
  // platform file's routes cross them or as the topology declares them.
  std::string element_dot(std::size_t i, const TopologySpec& spec,
                          const std::vector<std::vector<std::string>>& services_on) const;
  void route_links_dot(std::ostream& out) const;
  void declared_links_dot(std::ostream& out) const;
  int add_element(NetElement e);
  void add_link(NetLink l);
  void expand_shape(const TopologySpec& spec, std::vector<HardwareIssue>& issues);
  void add_explicit(const TopologySpec& spec, std::vector<HardwareIssue>& issues);
  void attach_users(const TopologySpec& spec, std::vector<HardwareIssue>& issues);
  void attach_zone_users(const TopologySpec& spec, std::vector<HardwareIssue>& issues);
  void add_routes(const TopologySpec& spec, std::vector<HardwareIssue>& issues);
  void check(const TopologySpec& spec, std::vector<HardwareIssue>& issues) const;
  std::map<std::string, std::set<int>> zone_exits() const;
  std::optional<std::vector<Hop>> shortest(int from, int to) const;
  const std::vector<std::int32_t>& shortest_tree(int from) const;

  std::vector<NetElement> elements_;
  std::vector<NetLink> links_;
  std::vector<int> host_elements_;
  int users_ = -1;
  std::vector<int> zone_users_;
  bool from_file_ = false;                 // a SimGrid platform file: routes are all explicit, links have no ends
  std::vector<std::vector<int>> incident_; // links at each element
  struct ExplicitRoute {
    int from, to;
    std::vector<Hop> hops;
  };
  std::vector<ExplicitRoute> explicit_routes_;
  void add_explicit_route(ExplicitRoute route);
  // Lookups by name and by (from, to), for topologies of a hundred thousand hosts: the first of equal keys.
  std::unordered_map<std::string, int> element_index_, link_index_;
  std::map<std::pair<int, int>, std::size_t> route_index_; // into explicit_routes_
  struct RoutingCache;
  mutable std::shared_ptr<RoutingCache> routing_; // built on the first route asked for
};

// A SimGrid platform file as the loader needs it: its hosts (to check the services' placement), its links
// and the routes between its hosts (for `scalelab graph`). Reading one needs SimGrid, which models/ does not
// link: the program registers a reader (sim/platform.hpp), and a file naming a platform is refused without.
struct ExternalPlatform {
  std::vector<HostSpec> hosts;
  std::vector<LinkSpec> links;   // a and b empty: SimGrid links have no ends, only places in routes
  std::vector<RouteSpec> routes; // for every ordered pair of hosts that has one
};
// Throws std::runtime_error with a message fit for the user when the file cannot be read.
using PlatformReader = std::function<ExternalPlatform(const std::string& path)>;
void set_platform_reader(PlatformReader reader);
const PlatformReader& platform_reader(); // empty when none is registered

// Who sends messages to each service, by service index (kUsers: the users): requests come from its
// requesters, its replies go to its reply targets. Over-approximated where the steps do not say (every
// api_server counts as a caller of every service some request type calls), never under.
struct ServiceTraffic {
  static constexpr int kUsers = -1;
  std::vector<std::vector<int>> requesters;    // sorted, unique
  std::vector<std::vector<int>> reply_targets; // sorted, unique
};
ServiceTraffic service_traffic(const TopologySpec& spec);

// The hosts each service's instances run on, in instance order, by service index.
std::vector<std::vector<std::size_t>> hosts_of_services(const TopologySpec& spec);

} // namespace scalelab::models
