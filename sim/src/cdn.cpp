#include "cdn.hpp"

#include "service_kinds.hpp"

namespace scalelab::sim
{

namespace
{

models::CacheConfig config_of(const models::CdnSpec& spec)
{
  models::CacheConfig c;
  c.max_entries = static_cast<std::uint64_t>(spec.capacity);
  c.eviction = spec.eviction;
  c.ttl_mode = spec.ttl > 0 ? models::CacheTtlMode::fixed : models::CacheTtlMode::none;
  c.ttl = spec.ttl;
  return c;
}

constexpr std::uint32_t kCacheable = 1; // a frame's aux: the response is stored on the way back

} // namespace

CdnEdge::CdnEdge(std::uint32_t service, const models::CdnSpec& spec, std::uint32_t origin, std::uint64_t seed,
                 const models::TopologySpec& topology, const Clock& clock)
    : service_(service), origin_(origin), spec_(spec), cacheable_(topology.requests.size(), false),
      cache_(config_of(spec), models::Rng::derive(seed, 1)), rng_(models::Rng::derive(seed, 2)), clock_(clock),
      intervals_(clock.interval_count())
{
  for (const auto& name : spec.cacheable)
    cacheable_[topology.index_of_request(name)] = true;
}

void CdnEdge::count(SimTime ts, bool hit)
{
  if (ts >= clock_.end)
    return;
  auto& counts = intervals_[static_cast<std::size_t>(ts / clock_.interval)];
  (hit ? counts.hits : counts.misses) += 1;
  if (clock_.measured(ts))
    (hit ? window_.hits : window_.misses) += 1;
}

void CdnEdge::on_request(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  Request& r = w.pool[rid];
  auto& stats = w.service_stats[service_];
  if (refused_when_down(*this, ts, rid, stats.outcome))
    return;
  stats.outcome.arrived(ts);
  const std::uint16_t type = r.call_program;
  const bool cacheable = cacheable_[type];
  if (cacheable) {
    const bool hit = cache_.get(response_key(r.key, type), ts).hit;
    count(ts, hit);
    if (hit) { // answered from the edge
      stats.outcome.finished(ts, 0, Cause::ok);
      w.send(*node, ts, EventKind::reply, r.top().component, rid, w.spec.requests[type].response_size);
      return;
    }
  }
  Frame& f = push_frame(r, ts, *this, cacheable ? kCacheable : 0);
  if (node->can_crash())
    f.held = held_.add(rid);
  stats.in_service.change(ts, 1);
  w.send(*node, ts, EventKind::request, pick_instance(w, origin_, rng_, r.key), rid,
         w.spec.requests[type].request_size);
}

void CdnEdge::on_reply(SimTime ts, std::uint32_t rid, Cause cause)
{
  World& w = *world;
  Request& r = w.pool[rid];
  if (stale(*this, r.top(), ts)) {
    w.drop_orphan(rid);
    return;
  }
  const Frame f = r.top();
  --r.depth;
  if (node->can_crash())
    held_.remove(f.held);
  const double bytes = w.spec.requests[f.program].response_size;
  if (cause == Cause::ok && f.aux == kCacheable) {
    cache_.set(response_key(r.key, f.program), 0, static_cast<std::uint32_t>(bytes), ts);
    if (clock_.measured(ts))
      ++window_.sets;
  }
  auto& stats = w.service_stats[service_];
  stats.in_service.change(ts, -1);
  stats.outcome.finished(ts, ts - f.arrived, cause);
  w.send(*node, ts, EventKind::reply, r.top().component, rid, bytes, cause);
}

void CdnEdge::on_fault(SimTime ts, const Fault& fault)
{
  if (fault.kind != Fault::Kind::crash)
    return;
  for (const std::uint32_t rid : held_.take_all())
    fail_held(*this, ts, rid, world->service_stats[service_]);
  cache_.clear();
}

models::CacheResult CdnEdge::result() const
{
  models::CacheResult r = window_;
  const std::uint64_t lookups = r.hits + r.misses;
  r.hit_ratio = lookups > 0 ? static_cast<double>(r.hits) / static_cast<double>(lookups) : 0;
  r.evictions = cache_.counters().evictions;
  r.expirations = cache_.counters().expirations;
  return r;
}

void CdnEdge::add_to_series(std::size_t interval, models::TimeseriesRow& row) const
{
  row.cache_hits = intervals_[interval].hits;
  row.cache_misses = intervals_[interval].misses;
}

void build(const models::CdnSpec& spec, ServiceBuilder& b)
{
  const std::uint32_t host = b.host(spec.host);
  const std::string& name = b.world.spec.services[b.service].name;
  b.add(std::make_unique<CdnEdge>(b.service, spec,
                                  static_cast<std::uint32_t>(b.world.spec.index_of_service(spec.origin)), b.seed(name),
                                  b.world.spec, b.world.clock),
        host);
}

void report(const models::CdnSpec&, const World& world, std::uint32_t service, models::ServiceResult& r)
{
  r.cache = static_cast<const CdnEdge&>(*world.components[world.service_instances[service].front()]).result();
}

} // namespace scalelab::sim
