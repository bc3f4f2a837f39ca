#pragma once
// The SimGrid platform of a run: built from the hardware graph through SimGrid's API (one net zone per
// zone of the graph, each reaching the others through its gateway), or loaded from a SimGrid platform file.
#include "network.hpp"
#include "scalelab/models/hardware.hpp"

#include <map>
#include <memory>
#include <set>

namespace scalelab::sim
{

class Platform
{
public:
  // Creates hosts, routers and links (not yet the routes: see add_routes).
  Platform(const models::TopologySpec& spec, const models::HardwareGraph& graph);

  // Declares the routes the run needs (host indices as in hosts()) and seals the zones. SimGrid zones
  // with full routing hold one route per pair, so only the pairs that talk are declared.
  void add_routes(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& pairs);

  const std::vector<simgrid::s4u::Host*>& hosts() const { return hosts_; } // spec hosts in order, then the users
  std::uint32_t users() const { return users_; }
  // workload.zones: the host index of each zone's users (after the users), in the workload's order.
  const std::vector<std::uint32_t>& zone_users() const { return zone_users_; }
  // Names a SimGrid link's direction for results: the graph's link name and its ends.
  void describe(LinkResource& r, const simgrid::s4u::Link& link) const;

private:
  struct Zone {
    simgrid::s4u::NetZone* zone = nullptr;
    simgrid::kernel::routing::NetPoint* gateway = nullptr;
  };
  simgrid::kernel::routing::NetPoint* netpoint(int element) const;
  simgrid::s4u::NetZone* zone_of(int element) const; // the net zone an element of the graph is in
  std::vector<simgrid::s4u::LinkInRoute> links_of(const std::vector<models::Hop>& hops) const;
  void add_local_route(int from, int to);

  const models::HardwareGraph& graph_;
  bool from_file_ = false;
  simgrid::s4u::NetZone* root_ = nullptr;
  std::map<std::string, Zone> zones_; // by zone name; empty when everything is in the root
  std::vector<simgrid::s4u::Host*> hosts_;
  std::vector<simgrid::s4u::Host*> element_hosts_; // by graph element; null for switches
  std::vector<simgrid::kernel::routing::NetPoint*> routers_;
  std::vector<simgrid::s4u::Link*> links_; // by graph link
  std::uint32_t users_ = 0;
  std::vector<std::uint32_t> zone_users_;
  std::vector<int> zone_users_elements_; // by host index - (users_ + 1)
  std::set<std::pair<int, int>> declared_;
  struct Label {
    std::string name, from, to;
  };
  std::map<std::string, Label> labels_; // SimGrid link name -> what results call it
};

// SimGrid's engine, quiet but for critical messages, with extra --cfg=... / --log=... arguments. One per
// process.
std::unique_ptr<simgrid::s4u::Engine> create_engine(const std::vector<std::string>& extra_args = {});

// Reads a SimGrid platform file for the loader, in a child process (SimGrid's engine is one per process and
// the run needs its own): hosts, links and routes. Registered with models::set_platform_reader().
models::ExternalPlatform read_platform_file(const std::string& path);

} // namespace scalelab::sim
