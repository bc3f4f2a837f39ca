#include "geodns.hpp"

#include "components.hpp"

namespace scalelab::sim
{

void ZoneUsers::on_reply(SimTime ts, std::uint32_t request, Cause cause)
{
  source_.on_reply(ts, request, cause);
}

bool ZoneUsers::passive_replies() const
{
  return source_.passive_replies();
}

namespace
{
std::vector<double> zone_shares(const models::WorkloadSpec& w)
{
  std::vector<double> out;
  for (const auto& z : w.zones)
    out.push_back(z.share);
  return out;
}
} // namespace

GeoRouting::GeoRouting(const models::TopologySpec& spec, std::vector<std::vector<SimTime>> latency,
                       std::vector<models::DataCentreOutages> outages, std::uint64_t seed)
    : spec_(spec), rng_(seed), latency_(std::move(latency)), outages_(std::move(outages))
{
  const auto& w = spec.workload;
  if (w.zones.size() > 1)
    zones_.emplace(zone_shares(w));
  if (w.geodns) {
    ttl_ = w.geodns->ttl;
    for (const auto& e : w.geodns->entries)
      entries_.push_back(static_cast<std::uint32_t>(spec.index_of_service(e)));
  } else {
    entries_.push_back(static_cast<std::uint32_t>(spec.index_of_service(w.entry)));
  }
  zone_requests_.assign(std::max<std::size_t>(1, w.zones.size()), 0);
  dc_requests_.assign(entries_.size(), 0);
  dc_misdirected_.assign(entries_.size(), 0);
}

GeoRouting::Choice GeoRouting::choose(SimTime now, bool measured)
{
  const std::size_t zone = zones_ ? zones_->pick(rng_) : 0;
  Choice out;
  out.users = users_[zone];
  std::size_t dc = 0;
  bool misdirected = false;
  if (spec_.workload.geodns) {
    const SimTime since_fetch = static_cast<SimTime>(rng_.below(static_cast<std::uint64_t>(ttl_)));
    const auto route = models::route_by_cached_answer(latency_[zone], outages_, now, since_fetch);
    if (!route.dc) {
      unresolved_ += measured ? 1 : 0;
      zone_requests_[zone] += measured ? 1 : 0;
      return out;
    }
    dc = *route.dc;
    misdirected = route.misdirected;
  }
  out.entry = entries_[dc];
  if (measured) {
    ++zone_requests_[zone];
    ++dc_requests_[dc];
    dc_misdirected_[dc] += misdirected ? 1 : 0;
  }
  return out;
}

std::optional<models::GeoDnsResult> GeoRouting::result() const
{
  const auto& w = spec_.workload;
  if (!w.geodns && w.zones.empty())
    return std::nullopt;
  models::GeoDnsResult r;
  r.ttl = models::to_seconds(ttl_);
  for (std::size_t dc = 0; dc < entries_.size(); ++dc) {
    r.data_centres.push_back({spec_.services[entries_[dc]].name, dc_requests_[dc], dc_misdirected_[dc]});
    r.misdirected += dc_misdirected_[dc];
  }
  for (std::size_t z = 0; z < w.zones.size(); ++z)
    r.zones.push_back({w.zones[z].zone, zone_requests_[z]});
  r.unresolved = unresolved_;
  return r;
}

} // namespace scalelab::sim
