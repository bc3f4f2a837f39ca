#include "cache.hpp"
#include "service_kinds.hpp"

#include "scalelab/models/decisions.hpp"

#include <algorithm>

namespace scalelab::sim
{

namespace
{
// The version a set stores: its database and the version there.
std::uint64_t packed_version(const Request& r)
{
  return (static_cast<std::uint64_t>(r.version_source) << 32) | r.version;
}
} // namespace

Cache::Cache(std::uint32_t service, const models::CacheSpec& spec, double core_speed, std::uint64_t seed,
             const Clock& clock)
    : Station(service, spec.connections, spec.queue_limit, seed), spec_(spec), core_speed_(core_speed),
      cache_(models::cache_config(spec), models::Rng::derive(seed, 1)), clock_(clock),
      intervals_(clock.interval_count())
{
}

// The key an operation acts on: the request's, or its user's session (the cache is a session store).
std::uint64_t Cache::key_of(const Request& r) const
{
  return (r.top().aux & kSessionOperation) ? models::session_key(r.frames()[0].aux) : r.key;
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
  const std::uint64_t key = key_of(r);
  switch (static_cast<models::CacheStep::Op>(r.top().aux & ~std::uint32_t{kSessionOperation})) {
  case models::CacheStep::Op::get: {
    const auto found = cache_.get(key, ts);
    count_policy_changes(ts);
    if (!found.hit && spec_.coalesce && wait_for_recomputation(ts, rid))
      return;
    answer_get(ts, rid, found.hit, found.version);
    free_slot(ts);
    return;
  }
  case models::CacheStep::Op::set: {
    const std::uint64_t version = packed_version(r);
    cache_.set(key, version, static_cast<std::uint32_t>(spec_.value_size), ts);
    window_.sets += measured ? 1 : 0;
    count_policy_changes(ts);
    if (spec_.coalesce)
      release_waiters(ts, key, version);
    break;
  }
  case models::CacheStep::Op::erase:
    cache_.erase(key);
    window_.deletes += measured ? 1 : 0;
    count_policy_changes(ts);
    break;
  }
  reply(ts, rid, Cause::ok, spec_.key_size);
  free_slot(ts);
}

void Cache::answer_get(SimTime ts, std::uint32_t rid, bool hit, std::uint64_t version)
{
  Request& r = world->pool[rid];
  r.call_op = hit ? kCacheHit : kCacheMiss;
  if (hit) {
    // What the cache gives becomes what the request last read.
    r.version_source = static_cast<std::uint16_t>(version >> 32);
    r.version = static_cast<std::uint32_t>(version);
  }
  count_lookup(ts, r, hit);
  reply(ts, rid, Cause::ok, hit ? spec_.value_size : spec_.key_size);
}

void Cache::count_lookup(SimTime ts, const Request& r, bool hit)
{
  if (ts >= clock_.end)
    return;
  auto& in = intervals_[clock_.interval_of(ts)];
  (hit ? in.hits : in.misses)++;
  if (clock_.measured(ts))
    (hit ? window_.hits : window_.misses)++;
  if (hit && world->keep_versions && r.version_source > 0) {
    hits_in_order_ &= hits_.empty() || hits_.back().at <= ts;
    hits_.push_back({ts, key_of(r), r.version, r.version_source});
  }
}

bool Cache::wait_for_recomputation(SimTime ts, std::uint32_t rid)
{
  const std::uint64_t key = key_of(world->pool[rid]);
  auto [lease, first] = leases_.try_emplace(key);
  if (first) { // this request recomputes the key; the others wait for it, at most coalesce_wait
    lease->second.id = next_lease_++;
    lease_keys_.emplace(lease->second.id, key);
    node->push_local(models::later(ts, spec_.coalesce_wait), EventKind::tick, id, 0, lease->second.id);
    return false;
  }
  lease->second.waiters.push_back(rid);
  window_.coalesced += clock_.measured(ts) ? 1 : 0;
  // The connection is free while it waits; the request stays here (in service, and held for a crash).
  free_slot(ts);
  world->service_stats[service_].in_service.change(ts, 1);
  return true;
}

void Cache::release_waiters(SimTime ts, std::uint64_t key, std::uint64_t version)
{
  const auto lease = leases_.find(key);
  if (lease == leases_.end())
    return;
  const std::vector<std::uint32_t> waiters = std::move(lease->second.waiters);
  lease_keys_.erase(lease->second.id);
  leases_.erase(lease);
  for (const std::uint32_t rid : waiters) {
    world->service_stats[service_].in_service.change(ts, -1);
    answer_get(ts, rid, true, version);
  }
}

void Cache::on_tick(SimTime ts, std::uint32_t lease_id)
{
  const auto key = lease_keys_.find(lease_id);
  if (key == lease_keys_.end())
    return; // the set came first, or a crash ended it
  const auto lease = leases_.find(key->second);
  const std::vector<std::uint32_t> waiters = std::move(lease->second.waiters);
  leases_.erase(lease);
  lease_keys_.erase(key);
  for (const std::uint32_t rid : waiters) {
    world->service_stats[service_].in_service.change(ts, -1);
    answer_get(ts, rid, false, 0);
  }
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

void Cache::on_fault(SimTime ts, const Fault& fault)
{
  Station::on_fault(ts, fault); // fails the waiting gets too: they are held
  leases_.clear();
  lease_keys_.clear();
  cache_.clear();
  count_policy_changes(ts);
}

bool Cache::replaced(const Hit& hit) const
{
  const auto& commits = world->commits[hit.source - 1u];
  const auto it = commits.find(hit.key);
  // Version v was read after v commits; the (v+1)-th commit replaced it.
  return it != commits.end() && hit.version < it->second.size() && it->second[hit.version] < hit.at;
}

std::uint64_t Cache::stale_in_window() const
{
  std::uint64_t n = 0;
  for (const Hit& hit : hits_)
    n += clock_.measured(hit.at) && replaced(hit) ? 1 : 0;
  return n;
}

// Final once the interval has ended: a commit that makes a hit stale comes before it. The hits are in time
// order when this instance handled its events in time order, as executors do, and an interval's are a range.
std::uint64_t Cache::stale_in_interval(std::size_t interval) const
{
  const SimTime from = static_cast<SimTime>(interval) * clock_.interval, to = from + clock_.interval;
  std::uint64_t n = 0;
  if (!hits_in_order_) {
    for (const Hit& hit : hits_)
      n += hit.at >= from && hit.at < to && replaced(hit) ? 1 : 0;
    return n;
  }
  auto it = std::partition_point(hits_.begin(), hits_.end(), [&](const Hit& h) { return h.at < from; });
  for (; it != hits_.end() && it->at < to; ++it)
    n += replaced(*it) ? 1 : 0;
  return n;
}

models::CacheResult Cache::result() const
{
  models::CacheResult r = window_;
  const std::uint64_t lookups = r.hits + r.misses;
  r.hit_ratio = lookups > 0 ? static_cast<double>(r.hits) / static_cast<double>(lookups) : 0;
  r.stale_reads = stale_in_window();
  return r;
}

void Cache::add_to_series(std::size_t interval, models::TimeseriesRow& row) const
{
  row.cache_hits = intervals_[interval].hits;
  row.cache_misses = intervals_[interval].misses;
  row.cache_stale_reads = stale_in_interval(interval);
}

void build(const models::CacheSpec& spec, ServiceBuilder& b)
{
  const std::uint32_t host = b.host(spec.host);
  const std::string& name = b.world.spec.services[b.service].name;
  b.add(std::make_unique<Cache>(b.service, spec, b.core_speed(host), b.seed(name), b.world.clock), host);
  b.world.keep_versions = true; // its hits are checked against the databases' versions
}

void report(const models::CacheSpec& spec, const World& world, std::uint32_t service, models::ServiceResult& r)
{
  r.capacity = spec.connections;
  r.cache = static_cast<const Cache&>(*world.components[world.service_instances[service].front()]).result();
}

} // namespace scalelab::sim
