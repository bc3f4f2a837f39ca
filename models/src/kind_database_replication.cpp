// A database's replicas: their keys in the topology format, the rules across those keys, and the resolution
// of the replicas' hosts (docs/replication.md has the model).
#include "kind_database.hpp"

#include <algorithm>

namespace scalelab::models::schema
{

namespace
{
bool nanoseconds_or_more(const double& seconds)
{
  return from_seconds(seconds) >= 1;
}
} // namespace

std::vector<Field<ServiceRaw>> replication_fields(const KindTypes& types)
{
  const auto repl = [](ServiceRaw& s) -> ReplicationSpec& { return s.as<DatabaseSpec>().replication; };
  return {
      field<ServiceRaw>("replicas", types.host_names,
                        [](ServiceRaw& s, std::vector<NameRef>&& h) { s.replicas = std::move(h); })
          .optional("no replicas")
          .help("Hosts that each hold a replica (a group name or a list of host names), none of them the primary's "
                "host. Every write committed at the primary is shipped to each replica and applied there."),
      field<ServiceRaw>(
          "replication",
          enum_type<ReplicationMode>(
              "replication",
              {
                  {"async", ReplicationMode::async, "a write is acknowledged when it commits"},
                  {"semi_sync", ReplicationMode::semi_sync,
                   "a write is acknowledged when `k` replicas have applied it, or after `ack_timeout`"},
                  {"sync", ReplicationMode::sync, "a write is acknowledged when every replica applied it"},
              }),
          [repl](ServiceRaw& s, ReplicationMode&& m) { repl(s).mode = m; })
          .defaults("async")
          .help("When a write is acknowledged to its caller, with `replicas`."),
      field<ServiceRaw>("k", integer_type<int>(), [repl](ServiceRaw& s, int&& k) { repl(s).k = k; })
          .defaults("1")
          .check(at_least(1))
          .unit("replicas")
          .help("With replication semi_sync: the acknowledgements a write waits for, the first k of the replicas "
                "(MySQL's rpl_semi_sync_source_wait_for_replica_count)."),
      field<ServiceRaw>("ack_timeout", types.duration,
                        [repl](ServiceRaw& s, double&& d) { repl(s).ack_timeout = from_seconds(d); })
          .defaults("10s")
          .check({"at least 1ns (the simulated clock counts nanoseconds)", nanoseconds_or_more})
          .help("With replication semi_sync: a write still short of k acknowledgements this long after it "
                "committed is acknowledged anyway, asynchronously (MySQL's rpl_semi_sync_source_timeout)."),
      field<ServiceRaw>(
          "read_from",
          enum_type<ReadFrom>(
              "read_from",
              {
                  {"primary", ReadFrom::primary, "every db_read goes to the primary"},
                  {"replicas", ReadFrom::replicas, "db_read goes to a replica chosen with `read_policy`"},
                  {"read_your_writes", ReadFrom::read_your_writes,
                   "db_read goes to a replica chosen with `read_policy`, which serves it once it has "
                   "applied the user's last write (a session token carries its position)"},
                  {"monotonic", ReadFrom::monotonic,
                   "every db_read of a user goes to the same replica, a hash of the user over the replicas"},
              }),
          [repl](ServiceRaw& s, ReadFrom&& r) { repl(s).read_from = r; })
          .defaults("primary")
          .help("Where reads go, with `replicas`; writes always go to the primary. read_your_writes and monotonic "
                "need requests that carry users (`workload.users`, or a closed arrival)."),
      field<ServiceRaw>(
          "read_policy",
          enum_type<BalancingPolicy>(
              "read_policy",
              {
                  {"round_robin", BalancingPolicy::round_robin, "each replica in turn"},
                  {"random", BalancingPolicy::random, "a replica drawn uniformly"},
                  {"least_connections", BalancingPolicy::least_connections,
                   "the replica with the fewest reads in progress from this caller"},
                  {"power_of_two", BalancingPolicy::power_of_two, "the less busy of two replicas drawn at random"},
              }),
          [repl](ServiceRaw& s, BalancingPolicy&& p) { repl(s).read_policy = p; })
          .defaults("round_robin")
          .help("With read_from replicas or read_your_writes: how each caller (an api_server instance) picks the "
                "replica."),
      field<ServiceRaw>("apply", record_type(&db_cost(types), "in apply"),
                        [repl](ServiceRaw& s, DbOperationCost&& c) { repl(s).apply = c; })
          .defaults("{cpu: 2Mf, disk: 1ms}")
          .help("Cost of applying one write at a replica, on the replica's host, one write at a time in commit "
                "order (a single applier thread): see `read` and `write` of a database. The default is that of a "
                "write."),
      field<ServiceRaw>("detection_timeout", types.duration,
                        [repl](ServiceRaw& s, double&& d) { repl(s).detection = from_seconds(d); })
          .defaults("5s")
          .check({"at least 1ns (the simulated clock counts nanoseconds)", nanoseconds_or_more})
          .help("Failover: how long the primary's host must have been down (missed heartbeats) before the "
                "replicas elect a new primary: the one with the most recent position."),
      field<ServiceRaw>("promotion_time", types.duration,
                        [repl](ServiceRaw& s, double&& d) { repl(s).promotion = from_seconds(d); })
          .defaults("2s")
          .check({"0s or at least 1ns", [](const double& s) { return s == 0 || nanoseconds_or_more(s); }})
          .help("Failover: how long the elected replica takes to become the primary once it knows it won."),
  };
}

std::vector<Rule<ServiceRaw>> replication_rules()
{
  return {
      {"The replication keys are given with `replicas` only; `k` and `ack_timeout` with `replication: semi_sync` "
       "only; `read_policy` with `read_from: replicas` or `read_your_writes` only.",
       [](Context& ctx, const Entries& entries, ServiceRaw& s) {
         if (!entries.find("replicas"))
           for (const char* key : {"replication", "k", "ack_timeout", "read_from", "read_policy", "apply",
                                   "detection_timeout", "promotion_time"})
             if (entries.find(key))
               ctx.error(entries.key_mark(key),
                         std::string(key) + " is only used with replicas " + service_where(s.name));
         if (s.replicas && s.replicas->empty())
           ctx.error(entries.find("replicas")->value.Mark(),
                     "replicas is an empty list " + service_where(s.name) + "; name a host, or leave the key out");
         const auto& r = s.as<DatabaseSpec>().replication;
         if (entries.find("replicas") && r.mode != ReplicationMode::semi_sync)
           for (const char* key : {"k", "ack_timeout"})
             if (entries.find(key))
               ctx.error(entries.key_mark(key),
                         std::string(key) + " is only used with replication semi_sync " + service_where(s.name));
         if (entries.find("replicas") && r.read_from != ReadFrom::replicas &&
             r.read_from != ReadFrom::read_your_writes && entries.find("read_policy"))
           ctx.error(entries.key_mark("read_policy"),
                     "read_policy is only used with read_from replicas or read_your_writes " + service_where(s.name) +
                         (r.read_from == ReadFrom::monotonic ? "; monotonic reads go to the replica of each user's hash"
                                                             : ""));
       }},
  };
}

void resolve_replicas(DatabaseSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  if (!raw.replicas)
    return;
  const auto hosts = resolver.resolve_host_list(*raw.replicas, raw.name);
  if (!hosts)
    return;
  bool ok = true;
  if (!spec.host.empty())
    for (std::size_t i = 0; i < hosts->size(); ++i)
      if ((*hosts)[i] == spec.host) {
        // The item that named it (a group name stands for several hosts).
        std::size_t item = 0;
        for (std::size_t seen = 0; item < raw.replicas->size(); ++item) {
          seen += static_cast<std::size_t>(std::max<std::int64_t>(1, resolver.host_count((*raw.replicas)[item])));
          if (seen > i)
            break;
        }
        const NameRef& ref = (*raw.replicas)[std::min(item, raw.replicas->size() - 1)];
        resolver.ctx().error(ref.mark, "replica host " + quote(spec.host) + " is the primary's host " +
                                           service_where(raw.name) + "; a replica needs a host of its own");
        ok = false;
      }
  if (!ok)
    return;
  spec.replication.replicas = *hosts;
  if (spec.replication.read_from == ReadFrom::read_your_writes || spec.replication.read_from == ReadFrom::monotonic)
    require_users(raw, "read_from", resolver);
  if (spec.replication.read_from == ReadFrom::read_your_writes)
    if (const auto first = resolver.claim_once("read_your_writes", raw.name))
      resolver.ctx().error(raw.entries.find("read_from")->value.Mark(),
                           "read_from: read_your_writes " + service_where(raw.name) + " and in service " +
                               quote(*first) +
                               ": a user's session carries the position of their writes to one database only");
  auto& r = spec.replication;
  if (r.mode == ReplicationMode::semi_sync && r.k > static_cast<int>(hosts->size())) {
    const Entry* k = raw.entries.find("k");
    resolver.ctx().error(k ? k->value.Mark() : raw.mark, "k is " + std::to_string(r.k) + " but service " +
                                                             quote(raw.name) + " has " + std::to_string(hosts->size()) +
                                                             (hosts->size() == 1 ? " replica" : " replicas") +
                                                             "; semi_sync waits for at most every replica");
  }
}

} // namespace scalelab::models::schema
