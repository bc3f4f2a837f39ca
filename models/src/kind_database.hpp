#pragma once
// The database's part of the topology format and of the loader's checks; kind_api.hpp says what each overload answers.
#include "kind_api.hpp"

namespace scalelab::models::schema
{

const char* name_of(const DatabaseSpec&);
std::vector<std::string> hosts_of(const DatabaseSpec& spec);
std::vector<std::string> services_called(const DatabaseSpec& spec, const std::string& name);
bool reads_users(const DatabaseSpec& spec);
KindSchema kind_schema(const DatabaseSpec&, const KindTypes& types);
KindSize kind_size(const DatabaseSpec& spec, const ServiceRaw& raw, const KindResolver& resolver);
bool resolved_last(const DatabaseSpec&);
void resolve_kind(DatabaseSpec& spec, ServiceRaw& raw, KindResolver& resolver);
void check_use(const DatabaseSpec& spec, const ServiceRaw& raw, KindResolver& resolver);

// The cost of one database operation (`read`, `write`, `apply`), declared once.
const Record<DbOperationCost>& db_cost(const KindTypes& types);
// The replication keys of a database, their rules, and the resolution of its replicas' hosts
// (kind_database_replication.cpp).
std::vector<Field<ServiceRaw>> replication_fields(const KindTypes& types);
std::vector<Rule<ServiceRaw>> replication_rules();
void resolve_replicas(DatabaseSpec& spec, ServiceRaw& raw, KindResolver& resolver);

} // namespace scalelab::models::schema
