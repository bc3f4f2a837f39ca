#pragma once
// A SimGrid network zone that keeps only the routes declared in it, in a hash map. SimGrid's full zone keeps a
// table of every pair of its points, which is 800 MB for a zone of 10,000 hosts even when each host talks to
// three others; the platform declares exactly the pairs that talk (Platform::add_routes), so this zone's memory
// and set-up grow with the routes, not with the square of the hosts. A route is looked up in O(1); its latency
// is summed from the links at each lookup, so a link whose latency changes during the run is seen at once.
#include <simgrid/kernel/routing/NetZoneImpl.hpp>
#include <simgrid/s4u/NetZone.hpp>

#include <string>

namespace scalelab::sim
{

// A new zone of this kind (its parent set by the caller, as with SimGrid's create_*_zone).
simgrid::s4u::NetZone* create_sparse_zone(const std::string& name);

} // namespace scalelab::sim
