// The CDN edge's part of the topology format and of the loader's checks.
#include "kind_cdn.hpp"

#include "kind_cache.hpp"
#include "scalelab/models/cache.hpp"

namespace scalelab::models::schema
{

const char* name_of(const CdnSpec&)
{
  return "cdn";
}

std::vector<std::string> hosts_of(const CdnSpec& spec)
{
  return {spec.host};
}

std::vector<std::string> services_called(const CdnSpec& spec, const std::string&)
{
  return {spec.origin};
}

bool reads_users(const CdnSpec&)
{
  return false; // by (type, key)
}

KindSchema kind_schema(const CdnSpec&, const KindTypes& types)
{
  Type<NameRef> request_ref = types.service_ref; // a name, read the same way
  request_ref.name = "request type name";
  KindSchema kind;
  kind.meaning = "a CDN edge near the users: serves the responses of cacheable request types, pulling from an origin "
                 "on a miss";
  kind.record.title = "`services.NAME` with `kind: cdn`";
  kind.record.help =
      "A CDN edge (docs/cdn.md): it keeps whole responses of the `cacheable` request types, one per request type and "
      "key, and answers a request from them when it holds a fresh one; otherwise (and for every other request "
      "type) it sends the request to its `origin` and stores the response on the way back. The hit ratio follows "
      "from the keys' popularity, the capacity and the TTL, as for a cache. It is usually the workload's `entry`, "
      "on a host in the users' zone.";
  kind.record.fields = {
      host_field(types).required().help("The host it runs on, in the users' zone; a crash of that host empties it."),
      field<ServiceRaw>("origin", types.service_ref, [](ServiceRaw& s, NameRef&& r) { s.origin = r; })
          .required()
          .help("Where misses and uncacheable requests go: a load_balancer or an api_server."),
      field<ServiceRaw>("cacheable", list_type(request_ref),
                        [](ServiceRaw& s, std::vector<NameRef>&& r) { s.cacheable = std::move(r); })
          .required()
          .help("The request types whose responses the edge keeps (static pages, images, public API answers)."),
      field<ServiceRaw>("capacity", integer_type<std::int64_t>(),
                        [](ServiceRaw& s, std::int64_t&& c) { s.as<CdnSpec>().capacity = c; })
          .defaults("100000")
          .check(at_least<std::int64_t>(1))
          .unit("responses")
          .help("Responses it holds at most; storing one more evicts one."),
      field<ServiceRaw>("eviction", eviction_type(),
                        [](ServiceRaw& s, CacheEviction&& e) { s.as<CdnSpec>().eviction = e; })
          .defaults("lru")
          .help("Which response is evicted when the edge is full."),
      field<ServiceRaw>("ttl", types.duration, [](ServiceRaw& s, double&& d) { s.as<CdnSpec>().ttl = from_seconds(d); })
          .defaults("60s")
          .check({"0s (never) or at least 1ns (the simulated clock counts nanoseconds)",
                  [](const double& seconds) { return seconds == 0 || from_seconds(seconds) >= 1; }})
          .help("How long a stored response stays fresh (Cache-Control max-age), from when it is stored; 0s: until "
                "evicted."),
  };
  return kind;
}

KindSize kind_size(const CdnSpec&, const ServiceRaw&, const KindResolver&)
{
  return {1, 0, "host"};
}

bool resolved_last(const CdnSpec&)
{
  return false;
}

void resolve_kind(CdnSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  resolve_single_host(spec.host, raw, resolver);
  if (raw.origin) {
    spec.origin = raw.origin->name;
    if (raw.origin->name == raw.name)
      resolver.ctx().error(raw.origin->mark, "origin: service " + quote(raw.name) +
                                                 " is this cdn itself; expected a load_balancer or an api_server");
    else if (ServiceRaw* origin = resolver.find_service(*raw.origin))
      resolver.has_kind(*origin, *raw.origin, "origin", kind_tags<LoadBalancerSpec, ApiServerSpec>());
  }
  if (raw.cacheable)
    for (const NameRef& r : *raw.cacheable)
      if (resolver.find_request(r))
        spec.cacheable.push_back(r.name);
}

void check_use(const CdnSpec&, const ServiceRaw&, KindResolver&) {}

} // namespace scalelab::models::schema
