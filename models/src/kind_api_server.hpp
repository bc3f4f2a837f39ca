#pragma once
// The api_server's part of the topology format and of the loader's checks; kind_api.hpp says what each overload
// answers.
#include "kind_api.hpp"

namespace scalelab::models::schema
{

const char* name_of(const ApiServerSpec&);
std::vector<std::string> hosts_of(const ApiServerSpec& spec);
std::vector<std::string> services_called(const ApiServerSpec& spec, const std::string& name);
bool reads_users(const ApiServerSpec& spec);
KindSchema kind_schema(const ApiServerSpec&, const KindTypes& types);
KindSize kind_size(const ApiServerSpec& spec, const ServiceRaw& raw, const KindResolver& resolver);
bool resolved_last(const ApiServerSpec&);
void resolve_kind(ApiServerSpec& spec, ServiceRaw& raw, KindResolver& resolver);
void check_use(const ApiServerSpec& spec, const ServiceRaw& raw, KindResolver& resolver);

// `autoscale`, shared by the api_server and the worker pool (docs/autoscaling.md): its record, and its max and
// initial resolved against the service's `hosts` slots (max beyond them is an error).
const Record<AutoscaleSpec>& autoscale_record(const KindTypes& types);
void resolve_autoscale(AutoscaleSpec& a, const ServiceRaw& raw, int hosts, KindResolver& resolver);

} // namespace scalelab::models::schema
