#include "scalelab/models/spec.hpp"

namespace scalelab::models
{

// Linear scans: topologies have tens of entries and lookups happen while setting up, not per event.

const ServiceSpec* TopologySpec::find_service(const std::string& wanted) const
{
  for (const auto& s : services)
    if (s.name == wanted)
      return &s;
  return nullptr;
}

const RequestTypeSpec* TopologySpec::find_request(const std::string& wanted) const
{
  for (const auto& r : requests)
    if (r.name == wanted)
      return &r;
  return nullptr;
}

const HostSpec* TopologySpec::find_host(const std::string& wanted) const
{
  for (const auto& h : hardware.hosts)
    if (h.name == wanted)
      return &h;
  return nullptr;
}

} // namespace scalelab::models
