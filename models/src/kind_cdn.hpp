#pragma once
// The CDN edge's part of the topology format and of the loader's checks; kind_api.hpp says what each overload
// answers.
#include "kind_api.hpp"

namespace scalelab::models::schema
{

const char* name_of(const CdnSpec&);
std::vector<std::string> hosts_of(const CdnSpec& spec);
std::vector<std::string> services_called(const CdnSpec& spec, const std::string& name);
bool reads_users(const CdnSpec&);
KindSchema kind_schema(const CdnSpec&, const KindTypes& types);
KindSize kind_size(const CdnSpec& spec, const ServiceRaw& raw, const KindResolver& resolver);
bool resolved_last(const CdnSpec&);
void resolve_kind(CdnSpec& spec, ServiceRaw& raw, KindResolver& resolver);
void check_use(const CdnSpec& spec, const ServiceRaw& raw, KindResolver& resolver);

} // namespace scalelab::models::schema
