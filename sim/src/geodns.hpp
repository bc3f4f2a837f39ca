#pragma once
// Users in several zones and GeoDNS inside a run (docs/cdn.md). Each open arrival draws its user's zone (by the
// zones' shares) and, with GeoDNS, the data centre its client's cached answer names: models::route_by_cached_answer
// with the time since the client fetched it drawn uniform on [0, ttl). O(1) per request, no actor per request and
// nothing kept per client. The request enters the network at its zone's users element (gw-ZONE's side) and goes
// to an instance of the chosen data centre's entry; one sent to a data centre that is down is misdirected and
// fails there as every request reaching a crashed host does (host_down).
#include "component.hpp"
#include "scalelab/models/geodns.hpp"
#include "scalelab/models/random.hpp"
#include "scalelab/models/results.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace scalelab::sim
{

class Source;

// The users of one zone: the bottom frame of that zone's requests, so that their replies come back to the
// zone's own network element. It hands every reply to the users' source.
class ZoneUsers : public Component
{
public:
  explicit ZoneUsers(Source& source) : source_(source) {}
  void on_reply(SimTime ts, std::uint32_t request, Cause cause) override;
  bool passive_replies() const override;

private:
  Source& source_;
};

class GeoRouting
{
public:
  // latency[zone][dc] and each data centre's outages, from models::zone_latencies and models::entry_outages.
  GeoRouting(const models::TopologySpec& spec, std::vector<std::vector<SimTime>> latency,
             std::vector<models::DataCentreOutages> outages, std::uint64_t seed);
  // The users' component of each zone (ZoneUsers, or the source itself when the workload has no zones).
  void set_zone_users(std::vector<Component*> users) { users_ = std::move(users); }

  struct Choice {
    Component* users = nullptr;         // the request's bottom frame, on its zone's node
    std::optional<std::uint32_t> entry; // the entry service; none when no data centre was healthy to resolve to
  };
  // One arrival at `now`; measured: inside the measured window (counted).
  Choice choose(SimTime now, bool measured);
  std::optional<models::GeoDnsResult> result() const;

private:
  const models::TopologySpec& spec_;
  models::Rng rng_;
  std::optional<models::WeightedPicker> zones_;
  std::vector<std::vector<SimTime>> latency_;
  std::vector<models::DataCentreOutages> outages_;
  std::vector<std::uint32_t> entries_; // service index of each data centre's entry
  std::vector<Component*> users_;
  SimTime ttl_ = 0;
  std::vector<std::uint64_t> zone_requests_, dc_requests_, dc_misdirected_;
  std::uint64_t unresolved_ = 0;
};

} // namespace scalelab::sim
