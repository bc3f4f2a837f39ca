// The cache's part of the topology format and of the loader's checks.
#include "kind_cache.hpp"

namespace scalelab::models::schema
{

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
