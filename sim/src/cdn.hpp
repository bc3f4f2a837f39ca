#pragma once
// A CDN edge (kind: cdn, docs/cdn.md): whole responses of the cacheable request types, kept by the cache
// policy (models::KeyCache) under the request's (type, key); a miss or an uncacheable request goes to the origin
// and its response is stored on the way back. Requests are relayed as a balancer relays them; replies are events
// in time order (a stored response changes what later requests find).
#include "components.hpp"

#include "scalelab/models/cache.hpp"

namespace scalelab::sim
{

class CdnEdge : public Component
{
public:
  CdnEdge(std::uint32_t service, const models::CdnSpec& spec, std::uint32_t origin, std::uint64_t seed,
          const models::TopologySpec& topology, const Clock& clock);
  void on_request(SimTime ts, std::uint32_t request) override;
  void on_reply(SimTime ts, std::uint32_t request, Cause cause) override;
  // The host crashed: what it relays fails, and it restarts empty.
  void on_fault(SimTime ts, const Fault& fault) override;
  void add_to_series(std::size_t interval, models::TimeseriesRow& row) const override;
  models::CacheResult result() const;
  // The key a response is kept under: the request's key and its type, mixed (64 bits; distinct pairs collide
  // with probability about 2^-64).
  static std::uint64_t response_key(std::uint64_t key, std::uint16_t type)
  {
    return (key + 1) * 0x9E3779B97F4A7C15ULL ^ (static_cast<std::uint64_t>(type) << 48);
  }

private:
  void count(SimTime ts, bool hit);

  std::uint32_t service_, origin_;
  models::CdnSpec spec_;
  std::vector<bool> cacheable_; // by request type
  models::KeyCache cache_;
  models::Rng rng_;
  HeldSet held_;
  const Clock& clock_;
  models::CacheResult window_;
  struct Counts {
    std::uint64_t hits = 0, misses = 0;
  };
  std::vector<Counts> intervals_;
};

} // namespace scalelab::sim
