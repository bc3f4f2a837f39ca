#include "network.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

namespace sg4 = simgrid::s4u;

namespace scalelab::sim
{

models::LinkSharing sharing_of(const sg4::Link& link)
{
  switch (link.get_sharing_policy()) {
  case sg4::Link::SharingPolicy::FATPIPE:
    return models::LinkSharing::fatpipe;
  case sg4::Link::SharingPolicy::SHARED:
    return models::LinkSharing::shared;
  default:
    return models::LinkSharing::full_duplex;
  }
}

void Network::build(const std::vector<sg4::Host*>& hosts,
                    const std::vector<std::pair<std::uint32_t, std::uint32_t>>& pairs, bool carries_bytes,
                    const std::function<std::int32_t(const LinkResource&)>& new_link_node,
                    const std::function<void(LinkResource&, const sg4::Link&)>& describe, const Clock& clock)
{
  clock_ = &clock;
  std::map<const sg4::Link*, std::uint32_t> resource_of;
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  for (const auto& [from, to] : pairs) {
    if (from == to || !seen.emplace(from, to).second)
      continue;
    std::vector<sg4::Link*> links;
    double ignored = 0;
    hosts[from]->route_to(hosts[to], links, &ignored);
    if (links.empty())
      throw std::runtime_error("no route from " + hosts[from]->get_name() + " to " + hosts[to]->get_name() +
                               " in the platform");
    NetRoute route;
    route.from = from;
    route.to = to;
    route.first_hop = static_cast<std::uint32_t>(hops_.size());
    for (const sg4::Link* link : links) {
      auto [it, added] = resource_of.emplace(link, static_cast<std::uint32_t>(resources_.size()));
      if (added) {
        LinkResource r;
        r.name = link->get_name();
        r.bandwidth = link->get_bandwidth();
        // A link of no latency would let an event cause another at the same instant on another node, which
        // conservative synchronisation cannot order: one nanosecond is the least (SimGrid files may say 0).
        r.latency = std::max<SimTime>(1, models::from_seconds(link->get_latency()));
        const models::LinkSharing sharing = sharing_of(*link);
        r.sharing = models::sharing_name(sharing);
        r.contended = carries_bytes && sharing != models::LinkSharing::fatpipe;
        describe(r, *link);
        state_.push_back(LinkState{r.latency, 0, r.bandwidth, -1, r.contended});
        resources_.push_back(std::move(r));
      }
      hops_.push_back(it->second);
      ++route.hop_count;
      route.latency += resources_[it->second].latency;
      route.min_bandwidth = route.hop_count == 1 ? resources_[it->second].bandwidth
                                                 : std::min(route.min_bandwidth, resources_[it->second].bandwidth);
    }
    routes_.push_back(std::move(route));
  }
  std::vector<std::uint32_t> destinations; // per sending node
  for (const auto& route : routes_) {
    if (route.from >= route_rows_.size()) {
      route_rows_.resize(route.from + 1);
      destinations.resize(route.from + 1);
    }
    auto& row = route_rows_[route.from];
    const std::uint32_t last = row.size ? std::max(row.first_to + row.size - 1, route.to) : route.to;
    row.first_to = row.size ? std::min(row.first_to, route.to) : route.to;
    row.size = last - row.first_to + 1;
    ++destinations[route.from];
  }
  for (std::size_t from = 0; from < route_rows_.size(); ++from) {
    auto& row = route_rows_[from];
    if (row.size == 1)
      continue;
    if (row.size > 4 * destinations[from] + 16) { // mostly holes
      row.offset = static_cast<std::uint32_t>(sparse_routes_.size());
      row.sparse = destinations[from];
      sparse_routes_.resize(sparse_routes_.size() + row.sparse, {kNoRoute, kNoRoute});
      continue;
    }
    row.offset = static_cast<std::uint32_t>(route_table_.size());
    route_table_.resize(route_table_.size() + row.size, kNoRoute);
  }
  std::vector<std::uint32_t> filled(route_rows_.size(), 0);
  for (std::uint32_t id = 0; id < routes_.size(); ++id) {
    const std::uint32_t from = routes_[id].from;
    auto& row = route_rows_[from];
    if (row.sparse != 0)
      sparse_routes_[row.offset + filled[from]++] = {routes_[id].to, id};
    else if (row.size == 1)
      row.offset = id;
    else
      route_table_[row.offset + routes_[id].to - row.first_to] = id;
  }
  for (const auto& row : route_rows_)
    if (row.sparse != 0)
      std::sort(sparse_routes_.begin() + row.offset, sparse_routes_.begin() + row.offset + row.sparse);

  // Who processes each link that can queue. A link that one sender reaches always along the same links, each
  // crossed at send time (its first link, and so on), is crossed by that sender when it sends: the messages
  // reach it in the sender's send order (FIFO links keep their order, and they all took the same path). That
  // is every host's own first link, and a server's link from a balancer that is its only sender. Otherwise:
  // the only receiver, for its own last link (a host's shared link too); else a link node of its own.
  struct Use {
    std::set<std::uint32_t> first_of, last_of; // senders / receivers of the routes where it is first / last
    bool elsewhere = false;
    std::int64_t sender = -1;         // the only sender whose routes cross it, or -1
    const NetRoute* sample = nullptr; // one of those routes
    std::uint16_t position = 0;       // where it is on them
    bool one_path = true;             // every route reaches it along the same links
  };
  std::vector<Use> uses(resources_.size());
  for (const auto& route : routes_) {
    const std::uint32_t* route_hops = hops(route);
    const auto from = route.from, to = route.to;
    for (std::uint16_t k = 0; k < route.hop_count; ++k) {
      auto& u = uses[route_hops[k]];
      if (k == 0) // a single-hop route counts as its sender's first hop
        u.first_of.insert(from);
      else if (k + 1 == route.hop_count)
        u.last_of.insert(to);
      else
        u.elsewhere = true;
      if (!u.sample) {
        u.sender = from;
        u.sample = &route;
        u.position = k;
      } else if (u.sender != from || u.position != k || !std::equal(route_hops, route_hops + k, hops(*u.sample))) {
        u.one_path = false;
      }
    }
  }
  // By position on the routes, so that the links before one are decided before it.
  std::vector<std::uint32_t> by_position;
  for (std::uint32_t i = 0; i < resources_.size(); ++i)
    if (state_[i].contended && uses[i].sample && uses[i].one_path)
      by_position.push_back(i);
  std::stable_sort(by_position.begin(), by_position.end(),
                   [&](auto a, auto b) { return uses[a].position < uses[b].position; });
  for (const std::uint32_t i : by_position) {
    const std::uint32_t* before = hops(*uses[i].sample);
    if (std::all_of(before, before + uses[i].position,
                    [&](auto h) { return !state_[h].contended || state_[h].owner == kSender; }))
      state_[i].owner = kSender;
  }
  // Link nodes get their ids in resource order.
  for (std::size_t i = 0; i < resources_.size(); ++i) {
    auto& r = state_[i];
    if (!r.contended || r.owner == kSender)
      continue;
    const auto& u = uses[i];
    std::set<std::uint32_t> ends(u.first_of);
    ends.insert(u.last_of.begin(), u.last_of.end());
    if (!u.elsewhere && ends.size() == 1)
      r.owner = static_cast<std::int32_t>(*ends.begin()); // the receiver's last link, or a host's shared link
    else
      r.owner = new_link_node(resources_[i]);
  }
  for (auto& route : routes_)
    route.quiet = std::none_of(hops(route), hops(route) + route.hop_count, [&](auto h) { return state_[h].contended; });
}

void Network::no_route()
{
  throw std::logic_error("no route was prepared between these nodes");
}

void Network::cross(std::uint32_t id, InFlight& m, double bytes)
{
  LinkState& link = state_[id];
  const SimTime latency = link.latency + added_at(id, m.head); // a delay holds for a head that reaches it in time
  SimTime start = m.head;
  SimTime transmission = 0;
  if (bytes > 0) {
    transmission = models::from_seconds(bytes / link.bandwidth);
    if (link.contended) {
      start = std::max(start, link.free_at);
      link.free_at = models::later(start, transmission);
      link.busy_in_window += clock_->overlap(start, link.free_at); // integers: the order does not matter
    }
  }
  m.tail = models::later(std::max(models::later(start, transmission), m.tail), latency);
  m.head = models::later(start, latency);
  ++m.hop;
}

bool Network::carry(InFlight& m, double bytes, std::int32_t sender)
{
  const NetRoute& route = routes_[m.route];
  if (m.hop == 0 && (bytes <= 0 || route.quiet) && !route.faulty) {
    // Nothing on the way can queue: the head takes the latencies, the tail the slowest transmission too.
    const SimTime transmission = bytes > 0 ? models::from_seconds(bytes / route.min_bandwidth) : 0;
    m.tail = models::later(models::later(m.tail, transmission), route.latency);
    m.head = models::later(m.head, route.latency);
    m.hop = route.hop_count;
    return true;
  }
  const std::uint32_t* route_hops = hops(route);
  while (m.hop < route.hop_count) {
    const LinkState& link = state_[route_hops[m.hop]];
    const bool free_to_cross = bytes <= 0 || !link.contended ||
                               (sender >= 0 && (link.owner == kSender || (m.hop == 0 && link.owner == sender)));
    if (!free_to_cross)
      return false;
    cross(route_hops[m.hop], m, bytes);
  }
  return true;
}

bool Network::crossable_at_send(std::uint32_t route, std::uint32_t sender) const
{
  const NetRoute& r = routes_[route];
  for (std::size_t k = 0; k < r.hop_count; ++k) {
    const LinkState& link = state_[hops(r)[k]];
    if (link.contended && !(link.owner == kSender || (k == 0 && link.owner == static_cast<std::int32_t>(sender))))
      return false;
  }
  return true;
}

void Network::set_faults(const std::string& link_name, const LinkFaultTimes& faults)
{
  if (faults_.size() < state_.size())
    faults_.resize(state_.size());
  for (std::size_t i = 0; i < resources_.size(); ++i) {
    if (resources_[i].name != link_name)
      continue;
    auto& mine = faults_[i];
    mine.cuts.insert(mine.cuts.end(), faults.cuts.begin(), faults.cuts.end());
    mine.delays.insert(mine.delays.end(), faults.delays.begin(), faults.delays.end());
    state_[i].faulty = !mine.cuts.empty() || !mine.delays.empty();
    has_faults_ = has_faults_ || state_[i].faulty;
  }
  for (auto& route : routes_)
    route.faulty = std::any_of(hops(route), hops(route) + route.hop_count, [&](auto h) { return state_[h].faulty; });
}

bool Network::cut_at(std::uint32_t id, SimTime t) const
{
  if (!state_[id].faulty)
    return false;
  for (const auto& [from, until] : faults_[id].cuts)
    if (t >= from && t < until)
      return true;
  return false;
}

bool Network::lost_on(std::uint32_t route_id, SimTime now) const
{
  const NetRoute& route = routes_[route_id];
  if (!route.faulty)
    return false;
  SimTime t = now;
  for (std::size_t k = 0; k < route.hop_count; ++k) {
    const std::uint32_t h = hops(route)[k];
    if (cut_at(h, t))
      return true;
    t = models::later(t, state_[h].latency + added_at(h, t));
  }
  return false;
}

std::vector<std::pair<SimTime, SimTime>> Network::cut_windows(std::uint32_t route_id) const
{
  std::vector<std::pair<SimTime, SimTime>> out;
  const NetRoute& route = routes_[route_id];
  if (!route.faulty)
    return out;
  SimTime before = 0;
  for (std::size_t k = 0; k < route.hop_count; ++k) {
    const std::uint32_t h = hops(route)[k];
    if (state_[h].faulty)
      for (const auto& [from, until] : faults_[h].cuts)
        out.emplace_back(std::max<SimTime>(0, from - before),
                         until == models::kNever ? until : std::max<SimTime>(0, until - before));
    before += state_[h].latency;
  }
  return out;
}

void Network::cross_owned(InFlight& m, double bytes)
{
  cross(hop(m), m, bytes);
}

void Network::for_each_channel(std::uint32_t from, std::uint32_t to,
                               const std::function<void(std::uint32_t, std::uint32_t, SimTime)>& add) const
{
  const NetRoute& route = routes_[route_id(from, to)];
  add(from, to, route.latency); // a message that queues nowhere (no bytes)
  std::uint32_t last = from;
  SimTime since = 0;
  for (std::size_t k = 0; k < route.hop_count; ++k) {
    const LinkState& link = state_[hops(route)[k]];
    since += link.latency;
    if (!link.contended || link.owner == kSender || (k == 0 && link.owner == static_cast<std::int32_t>(from)))
      continue;
    const auto owner = static_cast<std::uint32_t>(link.owner);
    add(last, owner, since);
    last = owner;
    since = 0;
  }
  if (last != to && since == 0)
    throw std::runtime_error("the platform's route from " + std::to_string(from) + " to " + std::to_string(to) +
                             " ends with link " + resources_[hops(route)[route.hop_count - 1]].name +
                             ", which leads to several hosts; scalelab needs the last link of a route to lead to "
                             "one host only");
  add(last, to, since);
}

const std::vector<LinkResource>& Network::report()
{
  for (auto& r : resources_)
    r.messages = r.bytes = 0;
  for (const auto& route : routes_)
    for (std::size_t k = 0; k < route.hop_count; ++k) {
      resources_[hops(route)[k]].messages += route.messages;
      resources_[hops(route)[k]].bytes += route.bytes;
    }
  const SimTime width = clock_->end - clock_->warmup;
  const double window = models::to_seconds(width);
  for (std::size_t i = 0; i < resources_.size(); ++i) {
    auto& r = resources_[i];
    if (width <= 0)
      r.utilisation = 0;
    else if (r.contended)
      r.utilisation = static_cast<double>(state_[i].busy_in_window) / static_cast<double>(width);
    else
      r.utilisation = static_cast<double>(r.bytes) / r.bandwidth / window;
  }
  return resources_;
}

} // namespace scalelab::sim
