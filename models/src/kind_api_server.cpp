// The api_server's part of the topology format and of the loader's checks.
#include "kind_api_server.hpp"
#include "schema_protection.hpp"

#include "scalelab/models/limits.hpp"
#include "scalelab/models/sessions.hpp"

namespace scalelab::models::schema
{

namespace
{
// `connection_pool`: an API server's pool of connections to each database it calls.
const Record<ConnectionPoolSpec>& connection_pool(const KindTypes& types)
{
  static const Record<ConnectionPoolSpec> pool = [&types] {
    Record<ConnectionPoolSpec> record;
    record.title = "`connection_pool` of an api_server";
    record.help = "Each instance keeps one pool per database it calls (SQLAlchemy's QueuePool). A db_read or "
                  "db_write checks a connection out, holds it until the database answers, and gives it back. "
                  "Connections are opened on demand; `size` of them stay open when idle.";
    record.fields = {
        field<ConnectionPoolSpec>("size", integer_type<int>(), [](ConnectionPoolSpec& p, int&& n) { p.size = n; })
            .defaults("5")
            .check(at_least(1))
            .check(at_most(static_cast<int>(limits::kWorkersAndConnections)))
            .unit("connections")
            .help("Connections kept open when idle (pool_size)."),
        field<ConnectionPoolSpec>("max_overflow", integer_type<int>(),
                                  [](ConnectionPoolSpec& p, int&& n) { p.max_overflow = n; })
            .defaults("10")
            .check(at_least(0))
            .check(at_most(static_cast<int>(limits::kWorkersAndConnections)))
            .unit("connections")
            .help("Connections opened beyond `size` while every open one is in use. A connection given back "
                  "when `size` are idle is closed, so bursts open connections again and again, each paying "
                  "`connect_time`."),
        field<ConnectionPoolSpec>("timeout", types.duration,
                                  [](ConnectionPoolSpec& p, double&& d) { p.timeout = from_seconds(d); })
            .defaults("30s")
            .check(at_least(0.0))
            .help("How long a checkout waits, in arrival order, when `size + max_overflow` connections are in "
                  "use (pool_timeout); then the request fails with pool_timeout. 0: it fails at once."),
        field<ConnectionPoolSpec>("connect_time", types.duration,
                                  [](ConnectionPoolSpec& p, double&& d) { p.connect_time = from_seconds(d); })
            .defaults("3ms")
            .check(at_least(0.0))
            .help("The time to open one connection (TCP and authentication), paid by the request that opens it. "
                  "The default is an assumed order of magnitude for PostgreSQL on a LAN; measure your own."),
    };
    return record;
  }();
  return pool;
}
} // namespace

const char* name_of(const ApiServerSpec&)
{
  return "api_server";
}

std::vector<std::string> hosts_of(const ApiServerSpec& spec)
{
  return spec.hosts;
}

std::vector<std::string> services_called(const ApiServerSpec& spec, const std::string&)
{
  if (spec.sessions == SessionMode::store)
    return {spec.session_store};
  return {};
}

// Local and stored sessions and a per-user rate limit keep a table by user.
bool reads_users(const ApiServerSpec& spec)
{
  return uses_session_cookies(spec.sessions) || limits_per_user(spec.rate_limit);
}

const Record<AutoscaleSpec>& autoscale_record(const KindTypes& types)
{
  static const Record<AutoscaleSpec> record = [&types] {
    Record<AutoscaleSpec> r;
    r.title = "`autoscale` of an api_server";
    r.help = "Starts and stops instances to keep a metric near its target, by Kubernetes' HPA rule: every "
             "`interval`, desired = ceil(running x metric / target), unchanged while metric / target is within 0.1 "
             "of 1, clamped to [min, max]; no action for `cooldown` after one; a started instance serves after "
             "`boot`. The hosts are the slots: the first `initial` run from the start, the next are started in "
             "order, the last started are stopped first. The load balancer in front of an api_server measures the "
             "metric; for a worker pool, the broker of the queue it consumes.";
    r.fields = {
        field<AutoscaleSpec>("metric",
                             enum_type<AutoscaleSpec::Metric>(
                                 "autoscaling metric",
                                 {
                                     {"utilisation", AutoscaleSpec::Metric::utilisation,
                                      "the share of the running instances' workers busy, time-averaged over the "
                                      "interval (requests the balancer sent and has no answer for, up to the workers; "
                                      "for a worker pool, jobs out at its consumers)"},
                                     {"queue_length", AutoscaleSpec::Metric::queue_length,
                                      "requests waiting beyond the workers, per running instance, time-averaged over "
                                      "the interval (for a worker pool, the jobs waiting at the broker)"},
                                 }),
                             &AutoscaleSpec::metric)
            .defaults("utilisation")
            .help("What the scaler measures."),
        field<AutoscaleSpec>("target", number_type(), &AutoscaleSpec::target)
            .required()
            .check(greater_than(0.0))
            .help("The metric's value the scaler aims at (0.6: workers 60 % busy)."),
        field<AutoscaleSpec>("interval", types.duration,
                             [](AutoscaleSpec& a, double&& s) { a.interval = from_seconds(s); })
            .defaults("10s")
            .check(at_least_one_nanosecond())
            .help("Time between evaluations, from the start of the run."),
        field<AutoscaleSpec>("cooldown", types.duration,
                             [](AutoscaleSpec& a, double&& s) { a.cooldown = from_seconds(s); })
            .defaults("60s")
            .check(at_least(0.0))
            .help("After starting or stopping instances, no other action for this long (AWS Auto Scaling's "
                  "cooldown)."),
        field<AutoscaleSpec>("boot", types.duration, [](AutoscaleSpec& a, double&& s) { a.boot = from_seconds(s); })
            .defaults("30s")
            .check(at_least(0.0))
            .help("Time from the decision to start an instance to its first request."),
        field<AutoscaleSpec>("min", integer_type<int>(), &AutoscaleSpec::min)
            .defaults("1")
            .check(at_least(1))
            .unit("instances")
            .help("Never fewer running or booting."),
        field<AutoscaleSpec>("max", integer_type<int>(), &AutoscaleSpec::max)
            .optional("the number of hosts")
            .check(at_least(1))
            .unit("instances")
            .help("Never more; at most the number of hosts."),
        field<AutoscaleSpec>("initial", integer_type<int>(), &AutoscaleSpec::initial)
            .optional("min")
            .check(at_least(1))
            .unit("instances")
            .help("Instances running at the start."),
    };
    r.rules = {
        {"`min` is at most `max`, and `initial` between them.",
         [](Context& ctx, const Entries& entries, AutoscaleSpec& a) {
           if (!entries.find("max"))
             a.max = 0; // resolved to the number of hosts
           if (!entries.find("initial"))
             a.initial = 0; // resolved to min
           if (a.max > 0 && entries.find("min") && a.min > a.max)
             ctx.error(entries.find("min")->value.Mark(), "min must be at most max (" + std::to_string(a.max) +
                                                              "), got " + written(entries.find("min")->value));
           else if (a.initial > 0 && (a.initial < a.min || (a.max > 0 && a.initial > a.max)))
             ctx.error(entries.find("initial")->value.Mark(),
                       "initial must be between min (" + std::to_string(a.min) + ") and max" +
                           (a.max > 0 ? " (" + std::to_string(a.max) + ")" : std::string()) + ", got " +
                           written(entries.find("initial")->value));
         }},
    };
    return r;
  }();
  return record;
}

namespace
{

// Where the users' login state lives.
Field<ServiceRaw> sessions_field()
{
  return field<ServiceRaw>(
             "sessions",
             enum_type<SessionMode>(
                 "session mode",
                 {
                     {"none", SessionMode::none, "no login state"},
                     {"local", SessionMode::local,
                      "in the memory of the instance where the user logged in: a request reaching another instance, "
                      "or one restarted since, finds none and fails with session_lost (the user logs in again there)"},
                     {"token", SessionMode::token,
                      "carried by each request and verified with `token_check` of CPU before its steps"},
                     {"store", SessionMode::store,
                      "in the cache service `session_store`, which the worker reads before the request's steps: a "
                      "user whose session was evicted or lost with the store's host logs in again (session_lost)"},
                 }),
             [](ServiceRaw& s, SessionMode&& m) { s.as<ApiServerSpec>().sessions = m; })
      .defaults("none")
      .help("Where the users' login state lives. `local` needs requests that carry users (`workload.users`, "
            "or a closed arrival); the session is checked on arrival, before a worker is taken, and a lost one "
            "is answered at once. `store` needs users too, and a `session_store`.");
}

// The keys of an api_server.
std::vector<Field<ServiceRaw>> api_server_fields(const KindTypes& types)
{
  return {
      host_field(types)
          .optional("use `hosts`")
          .help("A single host name: one instance. Give either `host` or `hosts`."),
      field<ServiceRaw>("hosts", types.host_names,
                        [](ServiceRaw& s, std::vector<NameRef>&& h) { s.hosts = std::move(h); })
          .optional("use `host`")
          .help("A group name (`web`: web-1, web-2, ... in order) or a list of host names; one instance per host."),
      field<ServiceRaw>("workers", integer_type<int>(),
                        [](ServiceRaw& s, int&& w) { s.as<ApiServerSpec>().workers = w; })
          .defaults("8")
          .check(at_least(1))
          .check(at_most(static_cast<int>(limits::kWorkersAndConnections)))
          .unit("workers")
          .help("Requests an instance runs at once."),
      field<ServiceRaw>("queue_limit", integer_type<int>(),
                        [](ServiceRaw& s, int&& q) { s.as<ApiServerSpec>().queue_limit = q; })
          .defaults("1000")
          .check(at_least(0))
          .unit("requests")
          .help("Requests that may wait for a worker; one more is refused with 503."),
      sessions_field(),
      field<ServiceRaw>("token_check", types.cpu,
                        [](ServiceRaw& s, CpuStep&& c) { s.as<ApiServerSpec>().token_check = std::move(c); })
          .defaults("20us")
          .help("With `sessions: token` only: the CPU work of verifying one request's token (flops or a time), "
                "on the worker that runs it, before its steps. The default is of the order of an HMAC-signed "
                "token's check."),
      field<ServiceRaw>("session_store", types.service_ref, [](ServiceRaw& s, NameRef&& r) { s.session_store = r; })
          .optional("none")
          .help("With `sessions: store` only: the cache service that holds the sessions. Each request's worker gets "
                "the user's session from it (a key of its own per user, beside the workload's keys) before the "
                "steps; a user's first request logs in and sets it there."),
      field<ServiceRaw>("connection_pool", record_type(&connection_pool(types), "in connection_pool"),
                        [](ServiceRaw& s, ConnectionPoolSpec&& p) { s.as<ApiServerSpec>().connection_pool = p; })
          .optional("no pool: each database call opens its own connection, at no cost")
          .help("A pool of connections to each database the service calls, per instance: see `connection_pool` "
                "of an api_server."),
      field<ServiceRaw>("rate_limit", record_type(&rate_limit_record(types.duration, types.rate), "in rate_limit"),
                        [](ServiceRaw& s, RateLimitSpec&& r) { s.as<ApiServerSpec>().rate_limit = r; })
          .optional("no limit")
          .help("Admits requests up to a rate (token bucket, fixed or sliding window, global or per user) and "
                "answers the others with 429 (`rate_limited`): see `rate_limit`. Each instance has a limiter of its "
                "own."),
      field<ServiceRaw>("autoscale", record_type(&autoscale_record(types), "in autoscale"),
                        [](ServiceRaw& s, AutoscaleSpec&& a) { s.as<ApiServerSpec>().autoscale = a; })
          .optional("a fixed number of instances, one per host")
          .help("Start and stop instances with the load: see `autoscale` of an api_server. Needs one load_balancer "
                "in front; reach the service through it (a step that calls the service itself may reach a stopped "
                "instance)."),
  };
}

std::vector<Rule<ServiceRaw>> api_server_rules()
{
  return {
      {"Exactly one of `host` and `hosts` is given.",
       [](Context& ctx, const Entries& entries, ServiceRaw& s) {
         const Entry* one = entries.find("host");
         const Entry* many = entries.find("hosts");
         if (one && many) {
           const bool one_later = std::pair(one->key.Mark().line, one->key.Mark().column) >
                                  std::pair(many->key.Mark().line, many->key.Mark().column);
           ctx.error((one_later ? one : many)->key.Mark(),
                     "give either host or hosts " + service_where(s.name) + ", not both");
         } else if (!one && !many) {
           ctx.error(entries.map().Mark(), "missing key \"hosts\" " + service_where(s.name));
         }
       }},
      {"`token_check` is given with `sessions: token` only.",
       [](Context& ctx, const Entries& entries, ServiceRaw& s) {
         if (s.as<ApiServerSpec>().sessions != SessionMode::token && entries.find("token_check"))
           ctx.error(entries.key_mark("token_check"), "token_check is only used with sessions token");
       }},
      {"`session_store` is given with `sessions: store`, and only then.",
       [](Context& ctx, const Entries& entries, ServiceRaw& s) {
         const bool store = s.as<ApiServerSpec>().sessions == SessionMode::store;
         if (!store && entries.find("session_store"))
           ctx.error(entries.key_mark("session_store"), "session_store is only used with sessions store");
         else if (store && !entries.find("session_store"))
           ctx.error(entries.key_mark("sessions"), "sessions store " + service_where(s.name) +
                                                       " needs session_store: the cache service that holds them");
       }},
  };
}

} // namespace

KindSchema kind_schema(const ApiServerSpec&, const KindTypes& types)
{
  KindSchema kind;
  kind.meaning = "runs request types with a pool of workers on each of its hosts";
  kind.record.title = "`services.NAME` with `kind: api_server`";
  kind.record.help = "Runs request types. Each of its hosts holds one instance with its own workers and queue.";
  kind.record.fields = api_server_fields(types);
  kind.record.rules = api_server_rules();
  kind.records_markdown = markdown_record(connection_pool(types)) +
                          markdown_record(rate_limit_record(types.duration, types.rate)) +
                          markdown_record(autoscale_record(types));
  for (const auto& f : connection_pool(types).fields)
    kind.words.push_back(f.key);
  for (const auto& f : autoscale_record(types).fields) {
    kind.words.push_back(f.key);
    for (const auto& choice : f.choices)
      kind.words.push_back(choice.first);
  }
  return kind;
}

KindSize kind_size(const ApiServerSpec& spec, const ServiceRaw& raw, const KindResolver& resolver)
{
  std::int64_t instances = 1; // on one host
  if (raw.hosts) {
    instances = 0;
    for (const NameRef& ref : *raw.hosts)
      instances += resolver.host_count(ref);
  }
  return {instances, spec.workers, "workers"};
}

// max defaults to the hosts, initial to min; max beyond the hosts is an error at max.
void resolve_autoscale(AutoscaleSpec& a, const ServiceRaw& raw, int hosts, KindResolver& resolver)
{
  const Entry* entry = raw.entries.find("autoscale");
  YAML::Mark max_mark = entry ? entry->key.Mark() : raw.entries.map().Mark();
  if (entry && entry->value.IsMap())
    for (auto it = entry->value.begin(); it != entry->value.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == "max")
        max_mark = it->second.Mark();
  if (a.max > hosts)
    resolver.ctx().error(max_mark, "max must be at most the number of hosts of service " + quote(raw.name) + " (" +
                                       std::to_string(hosts) + "), got " + std::to_string(a.max));
  if (a.max == 0) {
    a.max = hosts;
    if (a.min > hosts || a.initial > hosts)
      resolver.ctx().error(
          entry ? entry->key.Mark() : raw.entries.map().Mark(),
          "autoscale " + service_where(raw.name) + ": " +
              (a.min > hosts ? "min (" + std::to_string(a.min) + ")" : "initial (" + std::to_string(a.initial) + ")") +
              " is more than its " + std::to_string(hosts) + " hosts, the most it can run");
  }
  if (a.initial == 0)
    a.initial = a.min;
}

bool resolved_last(const ApiServerSpec&)
{
  return false;
}

void resolve_kind(ApiServerSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  if (limits_per_user(spec.rate_limit))
    check_rate_limit_users(raw, resolver);
  std::optional<std::vector<std::string>> hosts;
  if (raw.hosts)
    hosts = resolver.resolve_host_list(*raw.hosts, raw.name);
  else if (raw.host && raw.entries.find("hosts") == nullptr)
    hosts = resolver.resolve_host_list({*raw.host}, raw.name);
  if (hosts) {
    spec.hosts = *hosts;
    resolver.set_instances(raw.name, hosts->size());
    if (spec.autoscale)
      resolve_autoscale(*spec.autoscale, raw, static_cast<int>(hosts->size()), resolver);
  }
  if (uses_session_cookies(spec.sessions)) {
    require_users(raw, "sessions", resolver);
    if (const auto first = resolver.claim_once("session cookie", raw.name))
      resolver.ctx().error(raw.entries.find("sessions")->value.Mark(),
                           "sessions: " + std::string(to_string(spec.sessions)) + " " + service_where(raw.name) +
                               " and in service " + quote(*first) +
                               ": a user's cookie names one login, so one service per topology keeps sessions "
                               "local or in a store");
  }
  if (raw.session_store) {
    ServiceRaw* store = resolver.find_service(*raw.session_store);
    if (store && resolver.has_kind(*store, *raw.session_store, "session_store", kind_tags<CacheSpec>()))
      spec.session_store = raw.session_store->name;
  }
}

// An autoscaled service is reached through the one load balancer in front of it (which claims it, see
// kind_load_balancer.cpp): the balancer measures the metric and skips the stopped instances.
void check_use(const ApiServerSpec& spec, const ServiceRaw& raw, KindResolver& resolver)
{
  if (!spec.autoscale)
    return;
  const YAML::Mark mark = raw.entries.key_mark("autoscale");
  if (!resolver.claim_once("load balancer of " + raw.name, raw.name))
    resolver.ctx().error(mark, "autoscale " + service_where(raw.name) +
                                   " needs a load_balancer in front of it (backends: " + raw.name +
                                   "): the balancer measures the load and skips stopped instances");
}

} // namespace scalelab::models::schema
