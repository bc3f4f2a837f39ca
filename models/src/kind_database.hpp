#pragma once
// The database's part of the topology format and of the loader's checks; kind_api.hpp says what each overload answers.
#include "kind_api.hpp"

namespace scalelab::models::schema
{

const char* name_of(const DatabaseSpec&);
std::vector<std::string> hosts_of(const DatabaseSpec& spec);
KindSchema kind_schema(const DatabaseSpec&, const KindTypes& types);
KindSize kind_size(const DatabaseSpec& spec, const ServiceRaw& raw, const KindResolver& resolver);
bool resolved_last(const DatabaseSpec&);
void resolve_kind(DatabaseSpec& spec, ServiceRaw& raw, KindResolver& resolver);
void check_use(const DatabaseSpec& spec, const ServiceRaw& raw, KindResolver& resolver);

} // namespace scalelab::models::schema
