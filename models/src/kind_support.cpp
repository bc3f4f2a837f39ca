// The helpers kind_api.hpp declares for the service kinds' files.
#include "kind_api.hpp"

#include "scalelab/models/limits.hpp"

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

void require_users(const ServiceRaw& raw, const std::string& key, KindResolver& resolver)
{
  const Entry* entry = raw.entries.find(key);
  if (!entry)
    return;
  const std::string what = key + ": " + written(entry->value) + " " + service_where(raw.name);
  const std::int64_t users = resolver.workload_users();
  if (users == 0)
    resolver.ctx().error(entry->value.Mark(), what + " needs requests that carry users: give workload.users (an "
                                                     "open arrival) or use a closed arrival");
  else if (users > limits::kUsersTracked)
    resolver.ctx().error(entry->value.Mark(), what + " tells at most " + std::to_string(limits::kUsersTracked) +
                                                  " users apart; the workload has " + std::to_string(users));
}

} // namespace scalelab::models::schema
