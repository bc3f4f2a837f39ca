#pragma once
// The load balancer's part of the topology format and of the loader's checks; kind_api.hpp says what each overload
// answers.
#include "kind_api.hpp"

namespace scalelab::models::schema
{

const char* name_of(const LoadBalancerSpec&);
std::vector<std::string> hosts_of(const LoadBalancerSpec& spec);
std::vector<std::string> services_called(const LoadBalancerSpec& spec, const std::string& name);
bool reads_users(const LoadBalancerSpec& spec);
KindSchema kind_schema(const LoadBalancerSpec&, const KindTypes& types);
KindSize kind_size(const LoadBalancerSpec& spec, const ServiceRaw& raw, const KindResolver& resolver);
bool resolved_last(const LoadBalancerSpec&);
void resolve_kind(LoadBalancerSpec& spec, ServiceRaw& raw, KindResolver& resolver);
void check_use(const LoadBalancerSpec& spec, const ServiceRaw& raw, KindResolver& resolver);

} // namespace scalelab::models::schema
