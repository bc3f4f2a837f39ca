#include "sparse_zone.hpp"

#include <simgrid/kernel/routing/NetPoint.hpp>
#include <simgrid/s4u/Link.hpp>

#include <cstdint>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace scalelab::sim
{
namespace
{

namespace routing = simgrid::kernel::routing;

class SparseZone final : public routing::NetZoneImpl
{
public:
  explicit SparseZone(const std::string& name) : NetZoneImpl(name) {}

  void get_local_route(const routing::NetPoint* src, const routing::NetPoint* dst, routing::Route* into,
                       double* latency) override
  {
    const auto it = routes_.find(key(src->id(), dst->id()));
    if (it == routes_.end())
      return; // SimGrid reports a missing route itself, with both names
    const Entry& e = it->second;
    into->gw_src_ = e.gw_src;
    into->gw_dst_ = e.gw_dst;
    for (const simgrid::s4u::Link* link : e.links) {
      into->link_list_.push_back(link->get_impl());
      if (latency)
        *latency += link->get_latency();
    }
  }

  void add_route(routing::NetPoint* src, routing::NetPoint* dst, routing::NetPoint* gw_src, routing::NetPoint* gw_dst,
                 const std::vector<simgrid::s4u::LinkInRoute>& link_list, bool symmetrical) override
  {
    if (symmetrical)
      throw std::logic_error("a sparse zone takes each direction of a route on its own");
    Entry e;
    e.gw_src = gw_src;
    e.gw_dst = gw_dst;
    for (const auto& hop : link_list) {
      const simgrid::s4u::Link* link = hop.get_link();
      if (hop.get_direction() != simgrid::s4u::LinkInRoute::Direction::NONE) {
        const auto* duplex = static_cast<const simgrid::s4u::SplitDuplexLink*>(link);
        link = hop.get_direction() == simgrid::s4u::LinkInRoute::Direction::UP ? duplex->get_link_up()
                                                                               : duplex->get_link_down();
      }
      e.links.push_back(link);
    }
    routes_[key(src->id(), dst->id())] = std::move(e);
  }

private:
  struct Entry {
    routing::NetPoint* gw_src = nullptr;
    routing::NetPoint* gw_dst = nullptr;
    std::vector<const simgrid::s4u::Link*> links; // each direction of a split-duplex link as its own link
  };
  static std::uint64_t key(unsigned long src, unsigned long dst) { return (std::uint64_t{src} << 32) | dst; }
  std::unordered_map<std::uint64_t, Entry> routes_;
};

} // namespace

simgrid::s4u::NetZone* create_sparse_zone(const std::string& name)
{
  return (new SparseZone(name))->get_iface();
}

} // namespace scalelab::sim
