// The helpers kind_api.hpp declares for the service kinds' files.
#include "kind_api.hpp"

namespace scalelab::models::schema
{

std::string service_where(const std::string& name)
{
  return "in service " + quote(name);
}

FieldBuilder<ServiceRaw, NameRef> host_field(const KindTypes& types)
{
  return field<ServiceRaw>("host", types.host_ref, [](ServiceRaw& s, NameRef&& r) { s.host = r; });
}

void resolve_single_host(std::string& host, const ServiceRaw& raw, KindResolver& resolver)
{
  if (raw.host)
    if (const auto name = resolver.resolve_host(*raw.host))
      host = *name;
}

void warn_unless_used_by_steps(const ServiceRaw& raw, KindResolver& resolver)
{
  if (!resolver.used_by_steps(raw.name))
    resolver.ctx().warning(raw.mark,
                           std::string(kind_name(raw.spec)) + " " + quote(raw.name) + " is not used by any request");
}

} // namespace scalelab::models::schema
