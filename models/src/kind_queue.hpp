#pragma once
// The queue's (a message broker's) part of the topology format and of the loader's checks; kind_api.hpp says what
// each overload answers.
#include "kind_api.hpp"

namespace scalelab::models::schema
{

const char* name_of(const QueueSpec&);
std::vector<std::string> hosts_of(const QueueSpec& spec);
std::vector<std::string> services_called(const QueueSpec& spec, const std::string& name);
bool reads_users(const QueueSpec&);
KindSchema kind_schema(const QueueSpec&, const KindTypes& types);
KindSize kind_size(const QueueSpec& spec, const ServiceRaw& raw, const KindResolver& resolver);
bool resolved_last(const QueueSpec&);
void resolve_kind(QueueSpec& spec, ServiceRaw& raw, KindResolver& resolver);
void check_use(const QueueSpec& spec, const ServiceRaw& raw, KindResolver& resolver);

} // namespace scalelab::models::schema
