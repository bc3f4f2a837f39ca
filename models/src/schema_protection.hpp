#pragma once
// The parts of the topology format that protect against overload (protection.hpp): `rate_limit` of a
// load_balancer or an api_server, and the keys of a `call` step for timeouts, retries, a retry budget and a
// circuit breaker. Declared once here, used by the kinds and by the call step.
#include "scalelab/models/protection.hpp"
#include "schema.hpp"
#include "schema_topology.hpp"

namespace scalelab::models::schema
{

// `rate_limit`: its record (the reference shows it once, under the api_server).
const Record<RateLimitSpec>& rate_limit_record(const Type<double>& duration, const Type<double>& rate);
// `rate_limit: {per: user}` of service `raw` needs requests that carry users.
class KindResolver;
void check_rate_limit_users(const ServiceRaw& raw, KindResolver& resolver);

// The keys a `call` step adds for protection, read into CallTarget::protect.
std::vector<Field<CallTarget>> call_protection_fields(const Type<double>& duration);
const Record<RetryBudgetSpec>& retry_budget_record();
const Record<BreakerSpec>& breaker_record(const Type<double>& duration);

} // namespace scalelab::models::schema
