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

// `replicas`: a host or a group, or a list whose items are each a host, a group or (a sharded database's
// shard) a list of hosts. Kept by item as written; the database's resolution gives the items their meaning.
Type<std::vector<std::vector<NameRef>>> replica_hosts(const KindTypes& types)
{
  Type<std::vector<std::vector<NameRef>>> type;
  type.name = "host name or list of host names (sharded: one item per shard)";
  const auto item = list_type(types.host_ref);
  type.read = [ref = types.host_ref, item](Context& ctx,
                                           const Site& site) -> std::optional<std::vector<std::vector<NameRef>>> {
    if (site.value.IsScalar())
      return std::vector<std::vector<NameRef>>{{NameRef{site.value.Scalar(), site.mark}}};
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a host name or a list of host names");
      return std::nullopt;
    }
    std::vector<std::vector<NameRef>> out;
    bool ok = true;
    for (const auto& node : site.value) {
      const Site item_site{node, node.IsNull() ? site.mark : node.Mark(), site.label};
      if (node.IsSequence()) {
        if (auto names = item.read(ctx, item_site))
          out.push_back(std::move(*names));
        else
          ok = false;
      } else if (auto name = ref.read(ctx, item_site)) {
        out.push_back({std::move(*name)});
      } else {
        ok = false;
      }
    }
    if (!ok)
      return std::nullopt;
    return out;
  };
  return type;
}

// The item of `refs` that named the i-th host of their expansion (a group name stands for several hosts).
const NameRef& naming(const std::vector<NameRef>& refs, std::size_t i, const KindResolver& resolver)
{
  std::size_t item = 0;
  for (std::size_t seen = 0; item < refs.size(); ++item) {
    seen += static_cast<std::size_t>(std::max<std::int64_t>(1, resolver.host_count(refs[item])));
    if (seen > i)
      break;
  }
  return refs[std::min(item, refs.size() - 1)];
}

// When a write is acknowledged.
Type<ReplicationMode> replication_mode_type()
{
  return enum_type<ReplicationMode>(
      "replication", {
                         {"async", ReplicationMode::async, "a write is acknowledged when it commits"},
                         {"semi_sync", ReplicationMode::semi_sync,
                          "a write is acknowledged when `k` replicas have applied it, or after `ack_timeout`"},
                         {"sync", ReplicationMode::sync, "a write is acknowledged when every replica applied it"},
                     });
}

// What a semi_sync ack timeout does to the writes after it.
Type<SemiSyncFallback> fallback_type()
{
  return enum_type<SemiSyncFallback>(
      "fallback",
      {
          {"until_caught_up", SemiSyncFallback::until_caught_up,
           "after an ack timeout the primary acknowledges every write at its commit, the waiting ones "
           "too, until a replica acknowledges the primary's latest write (MySQL)"},
          {"per_write", SemiSyncFallback::per_write,
           "every write waits for its k acknowledgements up to ack_timeout, whatever the writes before it did"},
      });
}

// Where reads go.
Type<ReadFrom> read_from_type()
{
  return enum_type<ReadFrom>(
      "read_from", {
                       {"primary", ReadFrom::primary, "every db_read goes to the primary"},
                       {"replicas", ReadFrom::replicas, "db_read goes to a replica chosen with `read_policy`"},
                       {"read_your_writes", ReadFrom::read_your_writes,
                        "db_read goes to a replica chosen with `read_policy`, which serves it once it has "
                        "applied the user's last write (a session token carries its position)"},
                       {"monotonic", ReadFrom::monotonic,
                        "every db_read of a user goes to the same replica, a hash of the user over the replicas"},
                   });
}

// How a caller picks the replica of a read.
Type<BalancingPolicy> read_policy_type()
{
  return enum_type<BalancingPolicy>(
      "read_policy",
      {
          {"round_robin", BalancingPolicy::round_robin, "each replica in turn"},
          {"random", BalancingPolicy::random, "a replica drawn uniformly"},
          {"least_connections", BalancingPolicy::least_connections,
           "the replica with the fewest reads in progress from this caller"},
          {"power_of_two", BalancingPolicy::power_of_two, "the less busy of two replicas drawn at random"},
      });
}

} // namespace

std::vector<Field<ServiceRaw>> replication_fields(const KindTypes& types)
{
  const auto repl = [](ServiceRaw& s) -> ReplicationSpec& { return s.as<DatabaseSpec>().replication; };
  return {
      field<ServiceRaw>("replicas", replica_hosts(types),
                        [](ServiceRaw& s, std::vector<std::vector<NameRef>>&& h) { s.replicas = std::move(h); })
          .optional("no replicas")
          .help("Hosts that each hold a replica (a group name or a list of host names), none of them the primary's "
                "host. Every write committed at the primary is shipped to each replica and applied there. A sharded "
                "database lists one item per shard, in the order of `hosts`: that shard's replicas (a host, a group "
                "or a list of hosts), the same number for every shard."),
      field<ServiceRaw>("replication", replication_mode_type(),
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
                "committed is acknowledged anyway, asynchronously (MySQL's rpl_semi_sync_source_timeout); "
                "`fallback` says what the writes after it do."),
      field<ServiceRaw>("fallback", fallback_type(),
                        [repl](ServiceRaw& s, SemiSyncFallback&& f) { repl(s).fallback = f; })
          .defaults("until_caught_up")
          .help("With replication semi_sync: what an ack timeout does to the writes after it."),
      field<ServiceRaw>("read_from", read_from_type(), [repl](ServiceRaw& s, ReadFrom&& r) { repl(s).read_from = r; })
          .defaults("primary")
          .help("Where reads go, with `replicas`; writes always go to the primary. read_your_writes and monotonic "
                "need requests that carry users (`workload.users`, or a closed arrival)."),
      field<ServiceRaw>("read_policy", read_policy_type(),
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
      {"The replication keys are given with `replicas` only; `k`, `ack_timeout` and `fallback` with `replication: "
       "semi_sync` "
       "only; `read_policy` with `read_from: replicas` or `read_your_writes` only.",
       [](Context& ctx, const Entries& entries, ServiceRaw& s) {
         if (!entries.find("replicas"))
           for (const char* key : {"replication", "k", "ack_timeout", "fallback", "read_from", "read_policy", "apply",
                                   "detection_timeout", "promotion_time"})
             if (entries.find(key))
               ctx.error(entries.key_mark(key),
                         std::string(key) + " is only used with replicas " + service_where(s.name));
         if (s.replicas && s.replicas->empty())
           ctx.error(entries.find("replicas")->value.Mark(),
                     "replicas is an empty list " + service_where(s.name) + "; name a host, or leave the key out");
         const auto& r = s.as<DatabaseSpec>().replication;
         if (entries.find("replicas") && r.mode != ReplicationMode::semi_sync)
           for (const char* key : {"k", "ack_timeout", "fallback"})
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

namespace
{

// The items each shard's replicas come from: one per shard when sharded, all of them in one otherwise; nothing
// (reported) when they do not fit the shards.
std::optional<std::vector<std::vector<NameRef>>> replica_groups(const ServiceRaw& raw, const Entry* entry, bool sharded,
                                                                std::size_t shards, KindResolver& resolver)
{
  if (sharded) {
    if (raw.replicas->size() != shards) {
      resolver.ctx().error(entry->value.Mark(),
                           "replicas " + service_where(raw.name) + " lists " + std::to_string(raw.replicas->size()) +
                               (raw.replicas->size() == 1 ? " item" : " items") + " for " + std::to_string(shards) +
                               " shards; give one per shard, in the order of hosts: its replicas (a host, a group or "
                               "a list of hosts)");
      return std::nullopt;
    }
    return *raw.replicas;
  }
  std::vector<std::vector<NameRef>> groups(1);
  for (std::size_t i = 0; i < raw.replicas->size(); ++i) {
    if (entry->value.IsSequence() && entry->value[i].IsSequence()) {
      resolver.ctx().error(entry->value[i].Mark(), "a list inside replicas gives one shard's replicas, but service " +
                                                       quote(raw.name) +
                                                       " is not sharded; list its replica hosts in one list");
      return std::nullopt;
    }
    groups[0].insert(groups[0].end(), (*raw.replicas)[i].begin(), (*raw.replicas)[i].end());
  }
  return groups;
}

struct ReplicaHosts {
  std::vector<std::string> all; // shard by shard
  std::size_t per_shard = 0;
};

// Each group's hosts: none the primary's of its shard, as many for every shard; nothing (reported) otherwise.
std::optional<ReplicaHosts> resolve_replica_hosts(const std::vector<std::vector<NameRef>>& groups,
                                                  const std::vector<std::string>& primaries, bool sharded,
                                                  const ServiceRaw& raw, const Entry* entry, KindResolver& resolver)
{
  const auto item_mark = [entry](std::size_t s) {
    return entry->value.IsSequence() ? entry->value[s].Mark() : entry->value.Mark();
  };
  std::vector<std::string> all;
  std::optional<std::size_t> per_shard;
  std::size_t first_shard = 0;
  bool ok = true;
  for (std::size_t s = 0; s < groups.size(); ++s) {
    if (groups[s].empty()) {
      resolver.ctx().error(item_mark(s), "shard " + std::to_string(s + 1) + " has an empty list of replicas " +
                                             service_where(raw.name) + "; name at least one host");
      ok = false;
      continue;
    }
    const auto hosts = resolver.resolve_host_list(groups[s], raw.name);
    if (!hosts) {
      ok = false;
      continue;
    }
    const std::string& primary = primaries[s];
    for (std::size_t i = 0; i < hosts->size(); ++i)
      if (!primary.empty() && (*hosts)[i] == primary) {
        resolver.ctx().error(naming(groups[s], i, resolver).mark,
                             "replica host " + quote(primary) + " is the primary's host " +
                                 (sharded ? "of shard " + std::to_string(s + 1) + " " : std::string()) +
                                 service_where(raw.name) + "; a replica needs a host of its own");
        ok = false;
      }
    if (per_shard && *per_shard != hosts->size()) {
      const auto count = [](std::size_t n) { return std::to_string(n) + (n == 1 ? " replica" : " replicas"); };
      resolver.ctx().error(item_mark(s), "shard " + std::to_string(s + 1) + " has " + count(hosts->size()) + " " +
                                             service_where(raw.name) + " but shard " + std::to_string(first_shard + 1) +
                                             " has " + count(*per_shard) +
                                             "; every shard has the same number of replicas");
      ok = false;
    } else if (!per_shard) {
      per_shard = hosts->size();
      first_shard = s;
    }
    all.insert(all.end(), hosts->begin(), hosts->end());
  }
  if (!ok || !per_shard)
    return std::nullopt;
  return ReplicaHosts{std::move(all), *per_shard};
}

// What reads from replicas and semi_sync's k need, once the replicas are known.
void check_replicated(const DatabaseSpec& spec, const ServiceRaw& raw, bool sharded, std::size_t per_shard,
                      KindResolver& resolver)
{
  if (spec.replication.read_from == ReadFrom::read_your_writes || spec.replication.read_from == ReadFrom::monotonic)
    require_users(raw, "read_from", resolver);
  if (spec.replication.read_from == ReadFrom::read_your_writes && sharded)
    resolver.ctx().error(raw.entries.find("read_from")->value.Mark(),
                         "read_from: read_your_writes " + service_where(raw.name) +
                             " is not modelled for a sharded database yet: each shard has a log of its own, and a "
                             "session token carries one position");
  else if (spec.replication.read_from == ReadFrom::read_your_writes)
    if (const auto first = resolver.claim_once("read_your_writes", raw.name))
      resolver.ctx().error(raw.entries.find("read_from")->value.Mark(),
                           "read_from: read_your_writes " + service_where(raw.name) + " and in service " +
                               quote(*first) +
                               ": a user's session carries the position of their writes to one database only");
  const auto& r = spec.replication;
  if (r.mode == ReplicationMode::semi_sync && r.k > static_cast<int>(per_shard)) {
    const Entry* k = raw.entries.find("k");
    resolver.ctx().error(k ? k->value.Mark() : raw.mark,
                         "k is " + std::to_string(r.k) + " but service " + quote(raw.name) + " has " +
                             std::to_string(per_shard) + (per_shard == 1 ? " replica" : " replicas") +
                             (sharded ? " per shard" : "") + "; semi_sync waits for at most every replica");
  }
}

} // namespace

void resolve_replicas(DatabaseSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  if (!raw.replicas || raw.replicas->empty())
    return;
  const Entry* entry = raw.entries.find("replicas");
  const bool sharded = spec.shards.has_value();
  if (sharded && spec.shard_hosts.empty())
    return; // its hosts are missing or wrong, reported already
  const std::vector<std::string> primaries = sharded ? spec.shard_hosts : std::vector<std::string>{spec.host};
  const auto groups = replica_groups(raw, entry, sharded, primaries.size(), resolver);
  if (!groups)
    return;
  auto hosts = resolve_replica_hosts(*groups, primaries, sharded, raw, entry, resolver);
  if (!hosts)
    return;
  spec.replication.replicas = std::move(hosts->all);
  check_replicated(spec, raw, sharded, hosts->per_shard, resolver);
}

} // namespace scalelab::models::schema
