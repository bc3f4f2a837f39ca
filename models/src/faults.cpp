#include "scalelab/models/faults.hpp"

#include <algorithm>

namespace scalelab::models
{

namespace
{

void sort_windows(std::vector<FaultWindow>& w)
{
  std::stable_sort(w.begin(), w.end(), [](const FaultWindow& a, const FaultWindow& b) { return a.from < b.from; });
}

} // namespace

std::vector<std::size_t> zone_hosts(const TopologySpec& spec, const std::string& zone)
{
  std::vector<std::size_t> out;
  for (std::size_t h = 0; h < spec.hardware.hosts.size(); ++h)
    if (!zone.empty() && spec.hardware.hosts[h].zone == zone)
      out.push_back(h);
  return out;
}

std::vector<int> partition_links(const HardwareGraph& graph, const std::string& zone)
{
  std::vector<int> out;
  const auto& elements = graph.elements();
  for (std::size_t i = 0; i < graph.links().size(); ++i) {
    const NetLink& l = graph.links()[i];
    if (l.a < 0 || l.b < 0 || l.a == graph.users_element() || l.b == graph.users_element())
      continue;
    const bool a_in = elements[static_cast<std::size_t>(l.a)].zone == zone;
    const bool b_in = elements[static_cast<std::size_t>(l.b)].zone == zone;
    if (a_in != b_in)
      out.push_back(static_cast<int>(i));
  }
  return out;
}

std::map<std::size_t, std::vector<FaultWindow>> host_crashes(const TopologySpec& spec)
{
  std::map<std::size_t, std::vector<FaultWindow>> out;
  const HostIndex hosts(spec);
  for (std::size_t i = 0; i < spec.faults.size(); ++i) {
    const FaultSpec& f = spec.faults[i];
    const FaultWindow w{f.at, f.until(), i};
    if (f.kind == FaultSpec::Kind::crash)
      out[hosts.at(f.host)].push_back(w);
    else if (f.kind == FaultSpec::Kind::crash_zone)
      for (const std::size_t h : zone_hosts(spec, f.zone))
        out[h].push_back(w);
  }
  for (auto& [host, windows] : out)
    sort_windows(windows);
  return out;
}

std::map<std::pair<std::size_t, std::size_t>, std::vector<FaultWindow>> service_crashes(const TopologySpec& spec)
{
  std::map<std::pair<std::size_t, std::size_t>, std::vector<FaultWindow>> out;
  for (std::size_t i = 0; i < spec.faults.size(); ++i) {
    const FaultSpec& f = spec.faults[i];
    if (f.kind != FaultSpec::Kind::crash_service)
      continue;
    const std::size_t service = spec.index_of_service(f.service);
    const std::size_t instances = instance_hosts(spec.services[service].kind).size();
    for (std::size_t k = 0; k < instances; ++k)
      if (f.instance == 0 || static_cast<std::size_t>(f.instance) == k + 1)
        out[{service, k}].push_back({f.at, f.until(), i});
  }
  for (auto& [instance, windows] : out)
    sort_windows(windows);
  return out;
}

std::map<int, LinkFaults> link_faults(const TopologySpec& spec, const HardwareGraph& graph)
{
  std::map<int, LinkFaults> out;
  for (std::size_t i = 0; i < spec.faults.size(); ++i) {
    const FaultSpec& f = spec.faults[i];
    const FaultWindow w{f.at, f.until(), i};
    switch (f.kind) {
    case FaultSpec::Kind::cut_link:
      if (const auto l = graph.find_link(f.link))
        out[*l].cuts.push_back(w);
      break;
    case FaultSpec::Kind::partition_zone:
      for (const int l : partition_links(graph, f.zone))
        out[l].cuts.push_back(w);
      break;
    case FaultSpec::Kind::delay_link:
      if (const auto l = graph.find_link(f.link))
        out[*l].delays.push_back(w);
      break;
    case FaultSpec::Kind::crash:
    case FaultSpec::Kind::crash_zone:
    case FaultSpec::Kind::slow:
    case FaultSpec::Kind::crash_service:
    case FaultSpec::Kind::fill_disk:
      break; // on hosts or services, not links
    }
  }
  for (auto& [link, faults] : out) {
    sort_windows(faults.cuts);
    sort_windows(faults.delays);
    for (const FaultWindow& d : faults.delays)
      faults.added.push_back(spec.faults[d.fault].add);
  }
  return out;
}

std::vector<FaultClash> clashes(std::vector<FaultWindow> windows)
{
  sort_windows(windows);
  std::vector<FaultClash> out;
  std::size_t previous = 0;
  for (std::size_t i; (i = first_overlap(windows, &previous)) < windows.size();) {
    out.push_back({windows[i].fault, windows[previous].fault});
    windows.erase(windows.begin() + static_cast<std::ptrdiff_t>(i));
  }
  return out;
}

std::size_t first_overlap(const std::vector<FaultWindow>& windows, std::size_t* previous)
{
  // The window that ends last among those before: a later start before its end overlaps.
  std::size_t longest = 0;
  for (std::size_t i = 1; i < windows.size(); ++i) {
    if (windows[i].from < windows[longest].until) {
      if (previous)
        *previous = longest;
      return i;
    }
    if (windows[i].until > windows[longest].until)
      longest = i;
  }
  return windows.size();
}

} // namespace scalelab::models
