// The database's part of the topology format and of the loader's checks.
#include "kind_database.hpp"

namespace scalelab::models::schema
{

KindSize kind_size(const DatabaseSpec& spec, const ServiceRaw&, const KindResolver&)
{
  return {1, spec.connections, "connections"};
}

bool resolved_last(const DatabaseSpec&)
{
  return false;
}

void resolve_kind(DatabaseSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  resolve_single_host(spec.host, raw, resolver);
}

void check_use(const DatabaseSpec&, const ServiceRaw& raw, KindResolver& resolver)
{
  warn_unless_used_by_steps(raw, resolver);
}

} // namespace scalelab::models::schema
