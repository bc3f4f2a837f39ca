// The cache's part of the topology format and of the loader's checks.
#include "kind_cache.hpp"

#include "scalelab/models/cache.hpp"
#include "scalelab/models/limits.hpp"

namespace scalelab::models::schema
{

const char* name_of(const CacheSpec&)
{
  return "cache";
}

std::vector<std::string> hosts_of(const CacheSpec& spec)
{
  return {spec.host};
}

std::vector<std::string> services_called(const CacheSpec&, const std::string&)
{
  return {};
}

bool reads_users(const CacheSpec&)
{
  return false; // a session store is read by the user the api_server names
}

Type<CacheEviction> eviction_type()
{
  return enum_type<CacheEviction>("eviction",
                                  {
                                      {"lru", CacheEviction::lru, "the least recently used entry"},
                                      {"lfu", CacheEviction::lfu,
                                       "the least frequently used entry, counting uses since it was stored (in-cache "
                                       "LFU; ties: the least recently used)"},
                                      {"fifo", CacheEviction::fifo, "the entry stored first"},
                                      {"random", CacheEviction::random, "an entry drawn uniformly"},
                                  });
}

KindSchema kind_schema(const CacheSpec&, const KindTypes& types)
{
  KindSchema kind;
  kind.meaning = "keeps the values of the requests' keys for cache_get and cache_set steps";
  kind.record.title = "`services.NAME` with `kind: cache`";
  kind.record.help = "A key-level cache (such as Redis or Memcached) for cache_get, cache_set and cache_delete steps. "
                     "Each entry is a key of the workload holding the version a database gave; the hit ratio follows "
                     "from the keys' popularity, the capacity, the eviction policy and the TTL.";
  kind.record.fields = {
      host_field(types).required().help("The host it runs on; a crash of that host empties the cache."),
      field<ServiceRaw>("capacity", integer_type<std::int64_t>(),
                        [](ServiceRaw& s, std::int64_t&& c) { s.as<CacheSpec>().capacity = c; })
          .defaults("10000")
          .check(at_least<std::int64_t>(1))
          .unit("entries")
          .help("Entries it holds at most; storing one more evicts one."),
      field<ServiceRaw>("memory", types.bytes, [](ServiceRaw& s, double&& b) { s.as<CacheSpec>().memory = b; })
          .optional("entries are limited by capacity only")
          .check(greater_than(0.0))
          .help("Bytes of values it holds at most, each entry counting `value_size` (Redis's maxmemory)."),
      field<ServiceRaw>("eviction", eviction_type(),
                        [](ServiceRaw& s, CacheEviction&& e) { s.as<CacheSpec>().eviction = e; })
          .defaults("lru")
          .help("Which entry is evicted when the cache is full."),
      field<ServiceRaw>("ttl", types.duration,
                        [](ServiceRaw& s, double&& d) { s.as<CacheSpec>().ttl = from_seconds(d); })
          .defaults("0s")
          .check({"0s (never) or at least 1ns (the simulated clock counts nanoseconds)",
                  [](const double& seconds) { return seconds == 0 || from_seconds(seconds) >= 1; }})
          .help("How long an entry stays valid; 0s: until evicted or deleted. An expired entry is a miss."),
      field<ServiceRaw>("ttl_mode",
                        enum_type<CacheTtlMode>(
                            "ttl_mode",
                            {
                                {"fixed", CacheTtlMode::fixed, "the TTL counts from the set"},
                                {"refreshed_on_hit", CacheTtlMode::refreshed_on_hit, "every hit starts the TTL again"},
                            }),
                        [](ServiceRaw& s, CacheTtlMode&& m) { s.as<CacheSpec>().ttl_mode = m; })
          .defaults("fixed")
          .help("When the TTL starts."),
      field<ServiceRaw>("cpu", types.cpu,
                        [](ServiceRaw& s, CpuStep&& c) {
                          s.as<CacheSpec>().cpu_flops = c.flops;
                          if (!c.flops)
                            s.as<CacheSpec>().cpu_time = c.time;
                        })
          .defaults("20kf")
          .help("CPU work of one operation on one core of the host: flops or a time distribution."),
      field<ServiceRaw>("connections", integer_type<int>(),
                        [](ServiceRaw& s, int&& c) { s.as<CacheSpec>().connections = c; })
          .defaults("64")
          .check(at_least(1))
          .check(at_most(static_cast<int>(limits::kWorkersAndConnections)))
          .unit("operations")
          .help("Operations that run at once (use 1 for a single-threaded server such as Redis)."),
      field<ServiceRaw>("queue_limit", integer_type<int>(),
                        [](ServiceRaw& s, int&& q) { s.as<CacheSpec>().queue_limit = q; })
          .defaults("10000")
          .check(at_least(0))
          .unit("operations")
          .help("Operations that may wait; one more fails with cache_overloaded."),
      field<ServiceRaw>("coalesce", bool_type(), [](ServiceRaw& s, bool&& c) { s.as<CacheSpec>().coalesce = c; })
          .defaults("false")
          .help("Request coalescing: a get that misses while another request recomputes the same key waits for "
                "its cache_set and hits, so a hot key's expiry costs one recomputation instead of one per "
                "request that arrives meanwhile."),
      field<ServiceRaw>("coalesce_wait", types.duration,
                        [](ServiceRaw& s, double&& d) { s.as<CacheSpec>().coalesce_wait = from_seconds(d); })
          .defaults("1s")
          .check(at_least_one_nanosecond())
          .help("With coalesce: how long a get waits for the recomputation before it misses after all."),
      field<ServiceRaw>("key_size", types.bytes, [](ServiceRaw& s, double&& b) { s.as<CacheSpec>().key_size = b; })
          .defaults("100B")
          .check(at_least(0.0))
          .help("Bytes of a get or a delete, and of the answer to a miss or a delete."),
      field<ServiceRaw>("value_size", types.bytes, [](ServiceRaw& s, double&& b) { s.as<CacheSpec>().value_size = b; })
          .defaults("1KB")
          .check(at_least(0.0))
          .check({"less than 4GB", [](const double& b) { return b < 4294967296.0; }})
          .help("Bytes of a value: the answer to a hit, a set, and an entry's share of `memory`."),
  };
  return kind;
}

KindSize kind_size(const CacheSpec& spec, const ServiceRaw&, const KindResolver&)
{
  return {1, spec.connections, "connections"};
}

bool resolved_last(const CacheSpec&)
{
  return false;
}

void resolve_kind(CacheSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  resolve_single_host(spec.host, raw, resolver);
}

void check_use(const CacheSpec&, const ServiceRaw& raw, KindResolver& resolver)
{
  warn_unless_used_by_steps(raw, resolver);
}

} // namespace scalelab::models::schema
