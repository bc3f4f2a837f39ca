// The load balancer's part of the topology format and of the loader's checks.
#include "kind_load_balancer.hpp"
#include "schema_protection.hpp"

namespace scalelab::models::schema
{

const char* name_of(const LoadBalancerSpec&)
{
  return "load_balancer";
}

std::vector<std::string> hosts_of(const LoadBalancerSpec& spec)
{
  return {spec.host};
}

std::vector<std::string> services_called(const LoadBalancerSpec& spec, const std::string&)
{
  return {spec.backends};
}

// Sticky balancing and a per-user rate limit keep a table by user.
bool reads_users(const LoadBalancerSpec& spec)
{
  return spec.sticky || limits_per_user(spec.rate_limit);
}

KindSchema kind_schema(const LoadBalancerSpec&, const KindTypes& types)
{
  KindSchema kind;
  kind.meaning = "spreads requests over the instances of an api_server";
  kind.record.title = "`services.NAME` with `kind: load_balancer`";
  kind.record.help = "Receives requests and forwards each to one instance of its backend api_server.";
  kind.record.fields = {
      host_field(types).required().help(
          "The host it runs on: a host name (one instance of a group with count > 1, such as web-1)."),
      field<ServiceRaw>(
          "policy",
          enum_type<BalancingPolicy>(
              "policy",
              {
                  {"round_robin", BalancingPolicy::round_robin, "each instance in turn"},
                  {"random", BalancingPolicy::random, "an instance drawn uniformly"},
                  {"least_connections", BalancingPolicy::least_connections,
                   "the instance with the fewest requests in progress"},
                  {"power_of_two", BalancingPolicy::power_of_two, "the less busy of two instances drawn at random"},
                  {"weighted", BalancingPolicy::weighted, "drawn in proportion to `weights`"},
              }),
          [](ServiceRaw& s, BalancingPolicy&& p) { s.as<LoadBalancerSpec>().policy = p; })
          .defaults("round_robin")
          .help("How the instance is chosen."),
      field<ServiceRaw>("backends", types.service_ref, [](ServiceRaw& s, NameRef&& r) { s.backends = r; })
          .required()
          .help("The api_server whose instances receive the requests."),
      field<ServiceRaw>("weights", list_type(number_type(), {greater_than(0.0)}),
                        [](ServiceRaw& s, std::vector<double>&& w) { s.as<LoadBalancerSpec>().weights = std::move(w); })
          .optional("required with policy weighted")
          .help("With policy weighted only: one weight per backend instance, in instance order."),
      field<ServiceRaw>("health_check", types.duration,
                        [](ServiceRaw& s, double&& d) { s.as<LoadBalancerSpec>().health_check = from_seconds(d); })
          .defaults("2s")
          .check({"0s (none) or at least 1ns (the simulated clock counts nanoseconds)",
                  [](const double& seconds) { return seconds == 0 || from_seconds(seconds) >= 1; }})
          .help("Interval of the balancer's active health checks (haproxy's default `inter` is 2 s); 0s: none. "
                "Checks happen at multiples of the interval from time 0."),
      field<ServiceRaw>("sticky", bool_type(), [](ServiceRaw& s, bool&& b) { s.as<LoadBalancerSpec>().sticky = b; })
          .defaults("false")
          .help("Sticky sessions by user, as with a cookie naming the backend: a user's first request goes where "
                "`policy` says, the later ones to the same instance while it is up (then `policy` picks a new "
                "one, which they keep). The affinity is the client's: a restarted balancer keeps it. Needs "
                "requests that carry users (`workload.users`, or a closed arrival)."),
      field<ServiceRaw>("rate_limit", record_type(&rate_limit_record(types.duration, types.rate), "in rate_limit"),
                        [](ServiceRaw& s, RateLimitSpec&& r) { s.as<LoadBalancerSpec>().rate_limit = r; })
          .optional("no limit")
          .help("Admits requests up to a rate (token bucket, fixed or sliding window, global or per user) and "
                "answers the others with 429 (`rate_limited`): see `rate_limit`."),
  };
  kind.record.rules = {
      {"`weights` is given with `policy: weighted` only, and then has one weight per backend instance.",
       [](Context& ctx, const Entries& entries, ServiceRaw& s) {
         const bool weighted = s.as<LoadBalancerSpec>().policy == BalancingPolicy::weighted;
         if (!weighted && entries.find("weights"))
           ctx.error(entries.key_mark("weights"), "weights are only used with policy weighted");
         if (weighted && !entries.find("weights"))
           ctx.error(entries.map().Mark(), "missing key \"weights\" " + service_where(s.name) +
                                               ": policy weighted needs one weight per backend instance");
       }},
  };
  return kind;
}

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
  if (spec.sticky)
    require_users(raw, "sticky", resolver);
  if (limits_per_user(spec.rate_limit))
    check_rate_limit_users(raw, resolver);
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
  if (const auto* api = std::get_if<ApiServerSpec>(&backend->spec); api && api->autoscale)
    if (const auto first = resolver.claim_once("load balancer of " + backend->name, raw.name))
      resolver.ctx().error(raw.backends->mark, "backends: service " + quote(backend->name) +
                                                   " is autoscaled and already behind load_balancer " + quote(*first) +
                                                   "; an autoscaled service has one balancer in front");
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
