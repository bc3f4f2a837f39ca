// The load balancer's part of the topology format and of the loader's checks.
#include "kind_load_balancer.hpp"

namespace scalelab::models::schema
{

KindSize kind_size(const LoadBalancerSpec&, const ServiceRaw&, const KindResolver&)
{
  return {1, 0, "host"};
}

bool resolved_last(const LoadBalancerSpec&)
{
  return true;
}

void resolve_kind(LoadBalancerSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  resolve_single_host(spec.host, raw, resolver);
  if (!raw.backends)
    return;
  spec.backends = raw.backends->name;
  if (raw.backends->name == raw.name) {
    resolver.ctx().error(raw.backends->mark, "backends: service " + quote(raw.name) +
                                                 " is this load_balancer itself; expected an api_server");
    return;
  }
  ServiceRaw* backend = resolver.find_service(*raw.backends);
  if (!backend || !resolver.has_kind(*backend, *raw.backends, "backends", kind_tags<ApiServerSpec>()))
    return;
  const auto count = resolver.instances(backend->name);
  const Entry* weights = raw.entries.find("weights");
  if (spec.policy == BalancingPolicy::weighted && weights && count && !spec.weights.empty() &&
      spec.weights.size() != *count)
    resolver.ctx().error(weights->value.Mark(), "weights has " + std::to_string(spec.weights.size()) +
                                                    " entries but backend " + quote(backend->name) + " has " +
                                                    std::to_string(*count) +
                                                    (*count == 1 ? " instance" : " instances"));
}

void check_use(const LoadBalancerSpec&, const ServiceRaw&, KindResolver&) {}

} // namespace scalelab::models::schema
