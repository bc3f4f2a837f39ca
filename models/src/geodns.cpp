#include "scalelab/models/geodns.hpp"

namespace scalelab::models
{

std::optional<std::size_t> nearest_healthy(const std::vector<SimTime>& latency,
                                           const std::vector<DataCentreHealth>& health, SimTime now)
{
  std::optional<std::size_t> best;
  for (std::size_t dc = 0; dc < latency.size(); ++dc)
    if (health[dc].healthy_at(now) && (!best || latency[dc] < latency[*best]))
      best = dc;
  return best;
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

} // namespace scalelab::models
