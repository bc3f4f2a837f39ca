#pragma once
// GeoDNS as plain functions (docs/cdn.md): which data centre a user's name resolves to, and what a client that
// cached the answer does after that data centre fails. No SimGrid type: the simulation and a real resolver ask
// the same code.
//
// The resolver answers with the nearest healthy data centre (least latency from the user's zone; ties to the
// first in the list). Its health view is the fault schedule seen by its checks: a data centre is unhealthy
// from its failure on. A client caches an answer for the record's TTL, so after a data centre fails at time F,
// a client whose cached entry expires at E > F keeps sending to the failed data centre until E: those requests
// are misdirected. With entries cached at uniformly spread times, the expiry after F is uniform on
// [F, F + TTL), and a user population sending lambda requests per second misdirects lambda TTL / 2 on average.
#include "scalelab/models/hardware.hpp"
#include "scalelab/models/spec.hpp"
#include "scalelab/models/time.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace scalelab::models
{

struct DataCentreHealth {
  SimTime down_from = kNever, down_until = kNever; // [from, until): unhealthy
  bool healthy_at(SimTime t) const { return t < down_from || t >= down_until; }
};

// The data centre a resolver answers with at `now`: the healthy one with the least latency from the user's
// zone (latency[dc]), the first of equals; nullopt when none is healthy.
std::optional<std::size_t> nearest_healthy(const std::vector<SimTime>& latency,
                                           const std::vector<DataCentreHealth>& health, SimTime now);

// One client's cached answer: a user's resolver cache. The entry is fetched at the first request and again
// whenever it has expired; `phase` (in [0, ttl)) spreads the clients' fetch times, as real resolvers' caches
// are filled at different moments: a client's entries expire at phase + k ttl.
class DnsCache
{
public:
  DnsCache(SimTime ttl, SimTime phase) : ttl_(ttl), phase_(phase) {}
  // Where a request at `now` goes: the cached answer while it is fresh, else a new answer from `resolve`.
  template <class Resolve> std::optional<std::size_t> route(SimTime now, Resolve&& resolve)
  {
    if (!cached_ || now >= expires_) {
      cached_ = resolve(now);
      expires_ = next_expiry(now);
    }
    return cached_;
  }
  // The first expiry after `now` on this client's grid phase + k ttl.
  SimTime next_expiry(SimTime now) const;

private:
  SimTime ttl_, phase_;
  std::optional<std::size_t> cached_;
  SimTime expires_ = 0;
};

// One request of a large client population, with no state per client (what a run uses: O(1) per request).
// The request comes from a client drawn at random; the clients' entries expire uniformly, so the time since that
// client last fetched its answer, `since_fetch`, is uniform on [0, ttl) (the caller draws it). The client sends
// to what nearest_healthy answered at now - since_fetch; the request is misdirected when that data centre is
// unhealthy at `now`. For a client that sends at least once per TTL this is DnsCache's answer with
// since_fetch = (now - phase) mod ttl. After a failure at F, a request at F + s is misdirected with probability
// (ttl - s) / ttl for s < ttl: lambda ttl / 2 on average.
struct GeoDnsRoute {
  std::optional<std::size_t> dc; // none when no data centre was healthy at the fetch
  bool misdirected = false;      // dc is down at `now`: the cached answer outlived the data centre
};
GeoDnsRoute route_by_cached_answer(const std::vector<SimTime>& latency, const std::vector<DataCentreHealth>& health,
                                   SimTime now, SimTime since_fetch);

// A data centre's outages over a run: the windows [down_from, down_until) during which it is unhealthy, sorted
// by start, apart. The functions above, for data centres that may fail and recover several times.
using DataCentreOutages = std::vector<DataCentreHealth>;
bool healthy_at(const DataCentreOutages& outages, SimTime t);
std::optional<std::size_t> nearest_healthy(const std::vector<SimTime>& latency,
                                           const std::vector<DataCentreOutages>& outages, SimTime now);
GeoDnsRoute route_by_cached_answer(const std::vector<SimTime>& latency, const std::vector<DataCentreOutages>& outages,
                                   SimTime now, SimTime since_fetch);

// The outages of the data centre whose entry is spec.services[service], from the fault schedule known before the
// run (as the balancers' health checks know it): the windows when every host the service runs on is crashed, by
// a crash of the host or of its zone.
DataCentreOutages entry_outages(const TopologySpec& spec, std::size_t service);

// The latency from each users' zone to each data centre's entry, latency[zone][dc]: along the route from the
// zone's first switch (gw-ZONE in the datacenters shape; the zone's first element when it has no switch) to the
// entry service's first host. kNever where there is no route or the zone has no element.
std::vector<std::vector<SimTime>> zone_latencies(const TopologySpec& spec, const HardwareGraph& graph,
                                                 const std::vector<std::string>& zones,
                                                 const std::vector<std::size_t>& entries);

} // namespace scalelab::models
