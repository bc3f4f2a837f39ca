// The api_server's part of the topology format and of the loader's checks.
#include "kind_api_server.hpp"

namespace scalelab::models::schema
{

KindSize kind_size(const ApiServerSpec& spec, const ServiceRaw& raw, const KindResolver& resolver)
{
  std::int64_t instances = 1; // on one host
  if (raw.hosts) {
    instances = 0;
    for (const NameRef& ref : *raw.hosts)
      instances += resolver.host_count(ref);
  }
  return {instances, spec.workers, "workers"};
}

bool resolved_last(const ApiServerSpec&)
{
  return false;
}

void resolve_kind(ApiServerSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  std::optional<std::vector<std::string>> hosts;
  if (raw.hosts)
    hosts = resolver.resolve_host_list(*raw.hosts, raw.name);
  else if (raw.host && raw.entries.find("hosts") == nullptr)
    hosts = resolver.resolve_host_list({*raw.host}, raw.name);
  if (hosts) {
    spec.hosts = *hosts;
    resolver.set_instances(raw.name, hosts->size());
  }
}

void check_use(const ApiServerSpec&, const ServiceRaw&, KindResolver&) {}

} // namespace scalelab::models::schema
