#pragma once
// Messages on links. A route is a list of links (as SimGrid's routing gives it); each link is a FIFO that
// transmits one message at a time at its bandwidth, and a message goes through its route cut-through: its
// head moves on as soon as a link starts sending it, its tail leaves a link when that link has sent it all
// and the previous link has handed it over. On an idle route a message of S bytes therefore takes
// latency + S / (smallest bandwidth); two messages on one link take twice the transmission time together.
//
// Exactness under conservative synchronisation: a link's FIFO order must be decided in time order, so each
// link that can be contended is processed by one owner only — the sender, at send time, for its own first
// link and for any link only it reaches, always along the same links (a server's link from its only
// balancer); the receiver for its own last link (when the head arrives); and a link node (a host-less Node)
// for links shared by several senders and receivers. A host's shared (half-duplex) link is its own in both
// directions: the host takes its sends in send order and its receptions when their heads arrive, so a send
// may go before a reception whose head entered the link up to one link latency earlier. Fat pipes and messages of no
// bytes never queue and are crossed by whoever carries the message.
#include "scalelab/models/spec.hpp"
#include "stats.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace scalelab::sim
{

// One direction of a full-duplex link, or a shared link, or a fat pipe: what results say about it.
struct LinkResource {
  std::string name, from, to; // from/to: the direction, when the platform says it
  std::string sharing;
  double bandwidth = 0; // bytes per second
  SimTime latency = 1;
  bool contended = true;                 // false: a fat pipe, or no message of the run carries bytes
  std::uint64_t bytes = 0, messages = 0; // sent in the measured window (filled by report())
  double utilisation = 0;                // filled by report()
};

// How a SimGrid link shares its bandwidth, in the topology files' terms (each direction of a split-duplex
// link is reported by SimGrid as a shared link of its own).
models::LinkSharing sharing_of(const simgrid::s4u::Link& link);

// One cache line each: a message reads the latency and adds itself to the counters.
struct alignas(64) NetRoute {
  SimTime latency = 0;                   // the sum of the hops' latencies
  double min_bandwidth = 0;              // the smallest bandwidth of the hops
  std::uint64_t messages = 0, bytes = 0; // sent in the measured window
  std::uint32_t first_hop = 0;           // in the network's list of hops: resources, in the order crossed
  std::uint16_t hop_count = 0;
  bool quiet = true;              // no hop can queue
  bool faulty = false;            // some hop is cut or slowed at some time (faults[]): crossed hop by hop
  std::uint32_t from = 0, to = 0; // nodes
};

// Where a message is on its route between two places that must each see it in time order.
struct InFlight {
  SimTime head = 0, tail = 0; // when the message's first and last bytes reach the next hop's input
  std::uint32_t route = 0;
  std::uint16_t hop = 0; // the next hop to cross
};

class Network
{
public:
  static constexpr std::int32_t kSender = -2;

  // Routes between the nodes of `pairs` from SimGrid's routing (hosts[node]), the links they cross, and who
  // processes each link. new_link_node() creates a node for a link that several senders and receivers
  // share and returns its id. carries_bytes: some message of the run has a size (else nothing queues).
  void build(const std::vector<simgrid::s4u::Host*>& hosts,
             const std::vector<std::pair<std::uint32_t, std::uint32_t>>& pairs, bool carries_bytes,
             const std::function<std::int32_t(const LinkResource&)>& new_link_node,
             const std::function<void(LinkResource&, const simgrid::s4u::Link&)>& describe, const Clock& clock);

  std::uint32_t route_id(std::uint32_t from, std::uint32_t to) const
  {
    if (from < route_rows_.size()) {
      const RouteRow& row = route_rows_[from];
      if (row.sparse != 0) {
        const auto first = sparse_routes_.begin() + row.offset, last = first + row.sparse;
        const auto it = std::lower_bound(first, last, to, [](const auto& r, std::uint32_t t) { return r.first < t; });
        if (it != last && it->first == to)
          return it->second;
        no_route();
      }
      const std::uint32_t column = to - row.first_to; // wraps around when to < first_to
      if (column < row.size) {
        const std::uint32_t id = row.size == 1 ? row.offset : route_table_[row.offset + column];
        if (id != kNoRoute)
          return id;
      }
    }
    no_route();
  }
  const NetRoute& route(std::uint32_t id) const { return routes_[id]; }
  SimTime latency(std::uint32_t from, std::uint32_t to) const { return routes_[route_id(from, to)].latency; }

  // Crosses the hops from m.hop on that need no owner's time order (fat pipes, messages of no bytes, and
  // the first link when `sender` (the sending node, -1 once the message has left it) owns it); returns true
  // when the whole route is crossed (the message arrives at m.tail), false at a hop its owner must cross
  // (see processor()).
  bool carry(InFlight& m, double bytes, std::int32_t sender);
  // Crosses hop m.hop, which node `at` owns, now that the message's head has reached its end.
  void cross_owned(InFlight& m, double bytes);
  // Whether `sender` can cross the whole route at send time (no later hop can queue, the first is its own).
  bool crossable_at_send(std::uint32_t route, std::uint32_t sender) const;
  // The node that must process hop m.hop, and when (the time its head reaches the hop's end).
  std::int32_t processor(const InFlight& m) const { return state_[hop(m)].owner; }
  SimTime head_at_end(const InFlight& m) const
  {
    const std::uint32_t h = hop(m);
    return models::later(m.head, state_[h].latency + added_at(h, m.head));
  }

  // Faults on links (faults[]: delay_link, cut_link, partition_zone), by the name results give a link: each of
  // its directions gets them. Before the run, after build().
  struct LinkFaultTimes {
    std::vector<std::pair<SimTime, SimTime>> cuts;             // [from, until)
    std::vector<std::tuple<SimTime, SimTime, SimTime>> delays; // [from, until), latency added
  };
  void set_faults(const std::string& link_name, const LinkFaultTimes& faults);
  bool has_faults() const { return has_faults_; }
  // Whether a message sent at `now` on `route` is lost: its head would reach a link while it is cut, on an
  // idle network (the queues on the way are not counted: the decision is the sender's, when it sends).
  bool lost_on(std::uint32_t route, SimTime now) const;
  // The send times at which lost_on(route, .) holds when no delay applies: each cut on the route, moved
  // earlier by the latency before it. Unsorted, may overlap.
  std::vector<std::pair<SimTime, SimTime>> cut_windows(std::uint32_t route) const;

  // A message sent at `now` on `route` (per route, not per link: a message that queues nowhere then costs
  // no work per link; report() adds the routes up).
  void count(std::uint32_t route, SimTime now, double bytes)
  {
    if (clock_->measured(now)) {
      NetRoute& r = routes_[route];
      ++r.messages;
      r.bytes += static_cast<std::uint64_t>(bytes);
    }
  }

  // The chain of nodes a message from `from` to `to` may pass through when it queues somewhere, with the
  // least delay between consecutive ones: the channels conservative synchronisation needs.
  void for_each_channel(std::uint32_t from, std::uint32_t to,
                        const std::function<void(std::uint32_t, std::uint32_t, SimTime)>& add) const;

  // Every link direction some route crosses, with its messages, bytes and utilisation over the measured
  // window (a fat pipe's utilisation is its bytes over its bandwidth).
  const std::vector<LinkResource>& report();

private:
  // What crossing a link needs, apart from what results say about it (kept small for the cache).
  struct LinkState {
    SimTime latency = 1;
    SimTime free_at = 0;     // the FIFO has sent everything it accepted by then
    double bandwidth = 0;    // bytes per second
    std::int32_t owner = -1; // the node that processes it, kSender: each sender at send time
    bool contended = true;
    bool faulty = false;        // cut or slowed at some time: see faults_
    SimTime busy_in_window = 0; // contended links only: transmitting, within the measured window
  };
  void cross(std::uint32_t link, InFlight& m, double bytes);
  // The latency a delay_link fault adds to link `id` for a message whose head reaches it at t.
  SimTime added_at(std::uint32_t id, SimTime t) const
  {
    if (!state_[id].faulty)
      return 0;
    SimTime added = 0;
    for (const auto& [from, until, add] : faults_[id].delays)
      if (t >= from && t < until)
        added += add;
    return added;
  }
  bool cut_at(std::uint32_t id, SimTime t) const;
  // A route's hops (resources, in the order crossed), stored one route after the other.
  const std::uint32_t* hops(const NetRoute& r) const { return hops_.data() + r.first_hop; }
  std::uint32_t hop(const InFlight& m) const { return hops_[routes_[m.route].first_hop + m.hop]; }
  [[noreturn]] static void no_route();

  std::vector<LinkState> state_;
  std::vector<LinkResource> resources_; // by the same index
  std::vector<LinkFaultTimes> faults_;  // by the same index, once a fault is set
  bool has_faults_ = false;
  std::vector<NetRoute> routes_;
  std::vector<std::uint32_t> hops_;
  // Route ids by (from, to): a row per sending node, dense over the span of the nodes it sends to (a
  // balancer's row spans its backends, a server's its balancer), so finding a route is two array reads; one
  // when the node sends to one other only (offset is then the route itself: a thousand servers' replies). A row
  // whose destinations are few and far apart (a server of ten thousand that calls its database, node numbers
  // apart from its balancer's) is a sorted list of (to, route) pairs instead, searched in O(log n): a dense
  // row there would cost the span, and ten thousand of them the square of the fleet.
  struct RouteRow {
    std::uint32_t first_to = 0, offset = 0, size = 0;
    std::uint32_t sparse = 0; // pairs in sparse_routes_ from offset; 0: the row is dense
  };
  static constexpr std::uint32_t kNoRoute = 0xffffffffU;
  std::vector<RouteRow> route_rows_; // by sending node
  std::vector<std::uint32_t> route_table_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> sparse_routes_;
  const Clock* clock_ = nullptr;
};

} // namespace scalelab::sim
