#include "scalelab/models/spec.hpp"

#include "service_kinds.hpp"

#include <stdexcept>

namespace scalelab::models
{

// Linear scans: topologies have tens of entries and lookups happen while setting up, not per event.

SimTime FaultSpec::until() const
{
  return down_for ? later(at, *down_for) : kNever;
}

const char* fault_kind_name(FaultSpec::Kind kind)
{
  switch (kind) {
  case FaultSpec::Kind::crash:
    return "crash";
  case FaultSpec::Kind::crash_zone:
    return "crash_zone";
  case FaultSpec::Kind::delay_link:
    return "delay_link";
  case FaultSpec::Kind::cut_link:
    return "cut_link";
  case FaultSpec::Kind::partition_zone:
    return "partition_zone";
  case FaultSpec::Kind::slow:
    return "slow";
  case FaultSpec::Kind::crash_service:
    return "crash_service";
  case FaultSpec::Kind::fill_disk:
    return "fill_disk";
  }
  return "?";
}

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

const std::string* called_service(const Step& step)
{
  if (const auto* call = std::get_if<CallStep>(&step))
    return &call->service;
  if (const auto* cache = std::get_if<CacheStep>(&step))
    return &cache->service;
  if (const auto* publish = std::get_if<PublishStep>(&step))
    return &publish->queue;
  return nullptr;
}

std::int64_t WorkloadSpec::user_count() const
{
  if (const auto* closed = std::get_if<ClosedArrival>(&arrival))
    return closed->users;
  return users;
}

const char* kind_name(const ServiceKind& kind)
{
  return std::visit([](const auto& k) { return schema::name_of(k); }, kind);
}

std::vector<std::string> instance_hosts(const ServiceKind& kind)
{
  return std::visit([](const auto& k) { return schema::hosts_of(k); }, kind);
}

std::vector<std::string> services_called(const ServiceKind& kind, const std::string& name)
{
  return std::visit([&name](const auto& k) { return schema::services_called(k, name); }, kind);
}

bool reads_users(const ServiceKind& kind)
{
  return std::visit([](const auto& k) { return schema::reads_users(k); }, kind);
}

const char* sharing_name(LinkSharing sharing)
{
  switch (sharing) {
  case LinkSharing::full_duplex:
    return "full_duplex";
  case LinkSharing::shared:
    return "shared";
  case LinkSharing::fatpipe:
    return "fatpipe";
  }
  return "";
}

namespace
{
template <class T> std::size_t index_in(const std::vector<T>& items, const T* found, const std::string& name)
{
  if (!found)
    throw std::out_of_range("no \"" + name + "\" in the topology");
  return static_cast<std::size_t>(found - items.data());
}
} // namespace

std::size_t TopologySpec::index_of_service(const std::string& wanted) const
{
  return index_in(services, find_service(wanted), wanted);
}

std::size_t TopologySpec::index_of_request(const std::string& wanted) const
{
  return index_in(requests, find_request(wanted), wanted);
}

std::size_t TopologySpec::index_of_host(const std::string& wanted) const
{
  return index_in(hardware.hosts, find_host(wanted), wanted);
}

HostIndex::HostIndex(const TopologySpec& spec) : spec_(spec)
{
  for (std::size_t h = 0; h < spec.hardware.hosts.size(); ++h)
    index_.emplace(spec.hardware.hosts[h].name, h); // the first of equal names, as find_host
}

std::size_t HostIndex::at(const std::string& name) const
{
  const auto found = index_.find(name);
  return found != index_.end() ? found->second : spec_.index_of_host(name); // which throws
}

} // namespace scalelab::models
