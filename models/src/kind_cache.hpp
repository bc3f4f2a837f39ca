#pragma once
// The cache's part of the topology format and of the loader's checks; kind_api.hpp says what each overload answers.
#include "kind_api.hpp"

namespace scalelab::models::schema
{

const char* name_of(const CacheSpec&);
std::vector<std::string> hosts_of(const CacheSpec& spec);
std::vector<std::string> services_called(const CacheSpec& spec, const std::string& name);
bool reads_users(const CacheSpec&);
KindSchema kind_schema(const CacheSpec&, const KindTypes& types);
KindSize kind_size(const CacheSpec& spec, const ServiceRaw& raw, const KindResolver& resolver);
bool resolved_last(const CacheSpec&);
void resolve_kind(CacheSpec& spec, ServiceRaw& raw, KindResolver& resolver);
void check_use(const CacheSpec& spec, const ServiceRaw& raw, KindResolver& resolver);
// The eviction policies, as a cache and a CDN edge name them.
Type<CacheEviction> eviction_type();

} // namespace scalelab::models::schema
