#include "scalelab/models/geodns.hpp"

#include "scalelab/models/faults.hpp"
#include "scalelab/models/hardware.hpp"

#include <algorithm>
#include <utility>

namespace scalelab::models
{

namespace
{
// The nearest data centre for which healthy(dc) holds; the first of equals.
template <class Healthy> std::optional<std::size_t> nearest_if(const std::vector<SimTime>& latency, Healthy&& healthy)
{
  std::optional<std::size_t> best;
  for (std::size_t dc = 0; dc < latency.size(); ++dc)
    if (healthy(dc) && (!best || latency[dc] < latency[*best]))
      best = dc;
  return best;
}
} // namespace

std::optional<std::size_t> nearest_healthy(const std::vector<SimTime>& latency,
                                           const std::vector<DataCentreHealth>& health, SimTime now)
{
  return nearest_if(latency, [&](std::size_t dc) { return health[dc].healthy_at(now); });
}

SimTime DnsCache::next_expiry(SimTime now) const
{
  if (ttl_ <= 0)
    return now + 1; // no caching: every request resolves
  const SimTime since = now >= phase_ ? (now - phase_) % ttl_ : ttl_ - (phase_ - now) % ttl_;
  return later(now, ttl_ - since);
}

GeoDnsRoute route_by_cached_answer(const std::vector<SimTime>& latency, const std::vector<DataCentreHealth>& health,
                                   SimTime now, SimTime since_fetch)
{
  GeoDnsRoute out;
  out.dc = nearest_healthy(latency, health, now - since_fetch);
  out.misdirected = out.dc && !health[*out.dc].healthy_at(now);
  return out;
}

bool healthy_at(const DataCentreOutages& outages, SimTime t)
{
  return std::all_of(outages.begin(), outages.end(), [t](const DataCentreHealth& o) { return o.healthy_at(t); });
}

std::optional<std::size_t> nearest_healthy(const std::vector<SimTime>& latency,
                                           const std::vector<DataCentreOutages>& outages, SimTime now)
{
  return nearest_if(latency, [&](std::size_t dc) { return healthy_at(outages[dc], now); });
}

GeoDnsRoute route_by_cached_answer(const std::vector<SimTime>& latency, const std::vector<DataCentreOutages>& outages,
                                   SimTime now, SimTime since_fetch)
{
  GeoDnsRoute out;
  out.dc = nearest_healthy(latency, outages, now - since_fetch);
  out.misdirected = out.dc && !healthy_at(outages[*out.dc], now);
  return out;
}

DataCentreOutages entry_outages(const TopologySpec& spec, std::size_t service)
{
  std::vector<std::size_t> hosts = hosts_of_services(spec)[service];
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  const auto crashes = host_crashes(spec);
  std::vector<std::pair<SimTime, int>> changes; // (time, +1 a host goes down / -1 it comes back)
  for (const std::size_t h : hosts) {
    const auto it = crashes.find(h);
    if (it == crashes.end())
      return {}; // a host that never crashes keeps the data centre up
    for (const FaultWindow& w : it->second) {
      changes.emplace_back(w.from, 1);
      if (w.until != kNever)
        changes.emplace_back(w.until, -1);
    }
  }
  std::sort(changes.begin(), changes.end());
  DataCentreOutages out;
  int down = 0;
  const int all = static_cast<int>(hosts.size());
  for (std::size_t i = 0; i < changes.size();) {
    const SimTime t = changes[i].first;
    const bool was_down = down == all;
    for (; i < changes.size() && changes[i].first == t; ++i) // every change at one instant, then the state
      down += changes[i].second;
    if (!was_down && down == all)
      out.push_back({t, kNever});
    else if (was_down && down != all)
      out.back().down_until = t;
  }
  return out;
}

std::vector<std::vector<SimTime>> zone_latencies(const TopologySpec& spec, const HardwareGraph& graph,
                                                 const std::vector<std::string>& zones,
                                                 const std::vector<std::size_t>& entries)
{
  const auto hosts = hosts_of_services(spec);
  std::vector<std::vector<SimTime>> out;
  for (const auto& zone : zones) {
    int from = -1;
    const auto& elements = graph.elements();
    for (std::size_t e = 0; e < elements.size(); ++e)
      if (elements[e].zone == zone && elements[e].kind != NetElement::Kind::users &&
          (from < 0 || (elements[e].kind == NetElement::Kind::switch_ &&
                        elements[static_cast<std::size_t>(from)].kind != NetElement::Kind::switch_)))
        from = static_cast<int>(e);
    std::vector<SimTime> row;
    for (const std::size_t service : entries) {
      SimTime latency = kNever;
      if (from >= 0 && !hosts[service].empty())
        if (const auto hops = graph.route(from, graph.element_of_host(hosts[service].front())))
          latency = from_seconds(graph.latency(*hops));
      row.push_back(latency);
    }
    out.push_back(std::move(row));
  }
  return out;
}

} // namespace scalelab::models
