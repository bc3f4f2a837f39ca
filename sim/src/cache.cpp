#include "cache.hpp"

namespace scalelab::sim
{

namespace
{
models::CacheConfig config_of(const models::CacheSpec& spec)
{
  models::CacheConfig c;
  c.max_entries = static_cast<std::uint64_t>(spec.capacity);
  if (spec.memory)
    c.max_bytes = static_cast<std::uint64_t>(*spec.memory);
  c.eviction = spec.eviction;
  c.ttl = spec.ttl;
  c.ttl_mode = spec.ttl == 0                                 ? models::CacheTtlMode::none
               : spec.ttl_mode == models::CacheTtlMode::none ? models::CacheTtlMode::fixed
                                                             : spec.ttl_mode;
  return c;
}

// The version a set stores: its database and the version there.
std::uint64_t packed_version(const Request& r)
{
  return (static_cast<std::uint64_t>(r.version_source) << 32) | r.version;
}
} // namespace

Cache::Cache(std::uint32_t service, const models::CacheSpec& spec, double core_speed, std::uint64_t seed,
             const Clock& clock)
    : Station(service, spec.connections, spec.queue_limit, seed), spec_(spec), core_speed_(core_speed),
      cache_(config_of(spec), models::Rng::derive(seed, 1)), clock_(clock), intervals_(clock.interval_count())
{
}

void Cache::on_request(SimTime ts, std::uint32_t rid)
{
  admit(ts, rid, world->pool[rid].call_op, Cause::cache_overloaded, spec_.key_size);
}

void Cache::start(SimTime ts, std::uint32_t rid)
{
  world->service_stats[service_].in_service.change(ts, 1);
  const SimTime cpu = spec_.cpu_flops  ? models::from_seconds(*spec_.cpu_flops / core_speed_)
                      : spec_.cpu_time ? models::sample_duration(*spec_.cpu_time, rng_)
                                       : 0;
  if (cpu > 0)
    node->push_local(node->cores.use(ts, cpu), EventKind::step_done, id, rid, 0);
  else
    on_step_done(ts, rid, 0);
}

// The operation takes effect when its CPU work ends.
void Cache::on_step_done(SimTime ts, std::uint32_t rid, std::uint32_t)
{
  World& w = *world;
  Request& r = w.pool[rid];
  if (stale(*this, r.top(), ts)) {
    w.drop_orphan(rid);
    return;
  }
  const bool measured = clock_.measured(ts);
  double bytes = spec_.key_size;
  switch (static_cast<models::CacheStep::Op>(r.top().aux)) {
  case models::CacheStep::Op::get: {
    const auto found = cache_.get(r.key, ts);
    r.call_op = found.hit ? kCacheHit : kCacheMiss;
    if (found.hit) {
      bytes = spec_.value_size;
      // What the cache gives becomes what the request last read.
      r.version_source = static_cast<std::uint16_t>(found.version >> 32);
      r.version = static_cast<std::uint32_t>(found.version);
    }
    if (ts < clock_.end) {
      auto& in = intervals_[clock_.interval_of(ts)];
      (found.hit ? in.hits : in.misses)++;
    }
    if (measured)
      (found.hit ? window_.hits : window_.misses)++;
    if (found.hit && ts < clock_.end && w.keep_versions && r.version_source > 0)
      hits_.push_back({ts, r.key, r.version, r.version_source});
    break;
  }
  case models::CacheStep::Op::set:
    cache_.set(r.key, packed_version(r), static_cast<std::uint32_t>(spec_.value_size), ts);
    window_.sets += measured ? 1 : 0;
    break;
  case models::CacheStep::Op::erase:
    cache_.erase(r.key);
    window_.deletes += measured ? 1 : 0;
    break;
  }
  count_policy_changes(ts);
  reply(ts, rid, Cause::ok, bytes);
  free_slot(ts);
}

void Cache::count_policy_changes(SimTime ts)
{
  const auto& c = cache_.counters();
  if (clock_.measured(ts)) {
    window_.evictions += c.evictions - evictions_seen_;
    window_.expirations += c.expirations - expirations_seen_;
  }
  evictions_seen_ = c.evictions;
  expirations_seen_ = c.expirations;
}

void Cache::on_fault(SimTime ts, std::uint32_t what)
{
  Station::on_fault(ts, what);
  cache_.clear();
  count_policy_changes(ts);
}

const std::vector<std::uint64_t>& Cache::stale_by_interval() const
{
  if (stale_counted_)
    return stale_;
  stale_counted_ = true;
  stale_.assign(intervals_.size(), 0);
  for (const Hit& hit : hits_) {
    const auto& commits = world->commits[hit.source - 1u];
    const auto it = commits.find(hit.key);
    // Version v was read after v commits; the (v+1)-th commit replaced it.
    if (it != commits.end() && hit.version < it->second.size() && it->second[hit.version] < hit.at) {
      ++stale_[clock_.interval_of(hit.at)];
      stale_in_window_ += clock_.measured(hit.at) ? 1 : 0;
    }
  }
  return stale_;
}

models::CacheResult Cache::result() const
{
  models::CacheResult r = window_;
  const std::uint64_t lookups = r.hits + r.misses;
  r.hit_ratio = lookups > 0 ? static_cast<double>(r.hits) / static_cast<double>(lookups) : 0;
  stale_by_interval();
  r.stale_reads = stale_in_window_;
  return r;
}

void Cache::add_to_series(std::size_t interval, models::TimeseriesRow& row) const
{
  row.cache_hits = intervals_[interval].hits;
  row.cache_misses = intervals_[interval].misses;
  row.cache_stale_reads = stale_by_interval()[interval];
}

} // namespace scalelab::sim
