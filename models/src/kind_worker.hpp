#pragma once
// The worker pool's part of the topology format and of the loader's checks; kind_api.hpp says what each overload
// answers.
#include "kind_api.hpp"

namespace scalelab::models::schema
{

const char* name_of(const WorkerSpec&);
std::vector<std::string> hosts_of(const WorkerSpec& spec);
std::vector<std::string> services_called(const WorkerSpec& spec, const std::string& name);
bool reads_users(const WorkerSpec&);
KindSchema kind_schema(const WorkerSpec&, const KindTypes& types);
KindSize kind_size(const WorkerSpec& spec, const ServiceRaw& raw, const KindResolver& resolver);
bool resolved_last(const WorkerSpec&);
void resolve_kind(WorkerSpec& spec, ServiceRaw& raw, KindResolver& resolver);
void check_use(const WorkerSpec& spec, const ServiceRaw& raw, KindResolver& resolver);

} // namespace scalelab::models::schema
