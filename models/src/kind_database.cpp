// The database's part of the topology format and of the loader's checks.
#include "kind_database.hpp"

#include "scalelab/models/limits.hpp"

namespace scalelab::models::schema
{

const char* name_of(const DatabaseSpec&)
{
  return "database";
}

std::vector<std::string> hosts_of(const DatabaseSpec& spec)
{
  // Shard after shard (one shard when unsharded): its primary, then its replicas.
  const std::vector<std::string> primaries = spec.shards ? spec.shard_hosts : std::vector<std::string>{spec.host};
  const std::size_t per_shard = spec.replicas_per_shard();
  std::vector<std::string> hosts;
  for (std::size_t s = 0; s < primaries.size(); ++s) {
    hosts.push_back(primaries[s]);
    for (std::size_t j = 0; j < per_shard; ++j)
      hosts.push_back(spec.replication.replicas[s * per_shard + j]);
  }
  if (spec.reshard)
    hosts.push_back(spec.reshard->host); // the shard added during the run
  return hosts;
}

std::vector<std::string> services_called(const DatabaseSpec& spec, const std::string& name)
{
  // The primary ships writes to the replicas, a failover's votes and announcement go between them, and a
  // resharding's copy goes from shard to shard.
  if (spec.replication.replicas.empty() && !spec.reshard)
    return {};
  return {name};
}

// A replicated database's session guarantees are counted per user, and its reads may be routed by user.
bool reads_users(const DatabaseSpec& spec)
{
  return !spec.replication.replicas.empty();
}

// The cost of a read or a write: a record of the database's own, built once (its fields refer to it).
const Record<DbOperationCost>& db_cost(const KindTypes& types)
{
  static const Record<DbOperationCost> cost = [&types] {
    Record<DbOperationCost> record;
    record.title = "`read` and `write` of a database";
    record.help = "The cost of one operation, paid while it holds a connection. A key left out costs nothing.";
    record.fields = {
        field<DbOperationCost>("cpu", types.cpu,
                               [](DbOperationCost& c, CpuStep&& s) {
                                 c.cpu_flops = s.flops;
                                 if (!s.flops)
                                   c.cpu_time = s.time;
                               })
            .optional("no CPU work")
            .help("CPU work on one core of the database host: flops or a time distribution."),
        field<DbOperationCost>("disk", types.distribution,
                               [](DbOperationCost& c, DistributionSpec&& d) { c.disk_time = d; })
            .optional("no disk access")
            .help("Time on the host's single disk; operations use it one at a time, in arrival order."),
    };
    return record;
  }();
  return cost;
}

namespace
{
// `shards`: how keys are spread over the shards.
const Record<ShardingSpec>& sharding()
{
  static const Record<ShardingSpec> record = [] {
    Record<KeyRange> range;
    range.title = "an item of `ranges`";
    range.fields = {
        field<KeyRange>("from", integer_type<std::int64_t>(),
                        [](KeyRange& r, std::int64_t&& k) { r.from = static_cast<std::uint64_t>(k); })
            .required()
            .check(at_least<std::int64_t>(1))
            .unit("key")
            .help("The first key of the shard."),
        field<KeyRange>("to", integer_type<std::int64_t>(),
                        [](KeyRange& r, std::int64_t&& k) { r.to = static_cast<std::uint64_t>(k); })
            .required()
            .check(at_least<std::int64_t>(1))
            .unit("key")
            .help("The last key of the shard (included)."),
    };
    static const Record<KeyRange> range_record = range;
    Record<ShardingSpec> r;
    r.title = "`shards` of a database";
    r.help = "How a sharded database spreads the workload's keys (1 .. `workload.keys.count`) over its shards, one "
             "per host of `hosts`. A db_read or db_write goes to the shard of the request's key.";
    r.fields = {
        field<ShardingSpec>(
            "by",
            enum_type<Partitioning>(
                "partitioning",
                {
                    {"hash_mod", Partitioning::hash_mod,
                     "hash(key) mod shards: even, but one more shard moves n/(n+1) of the keys"},
                    {"consistent_hash", Partitioning::consistent_hash,
                     "a hash ring with `virtual_nodes` points per shard: one more shard moves about 1/(n+1)"},
                    {"range", Partitioning::range, "the key ranges listed in `ranges`, one per shard"},
                }),
            &ShardingSpec::by)
            .required()
            .help("The partitioning. The hash is SplitMix64's finaliser, the same on every machine (see "
                  "docs/sharding.md)."),
        field<ShardingSpec>("virtual_nodes", integer_type<int>(), &ShardingSpec::virtual_nodes)
            .defaults("100")
            .check(at_least(1))
            .check(at_most(10000))
            .unit("points per shard")
            .help("consistent_hash only: points on the ring per shard; more points spread the keys more evenly."),
        field<ShardingSpec>("ranges", list_type(record_type(&range_record, "in a range of shards")),
                            &ShardingSpec::ranges)
            .optional("required with `by: range`")
            .help("range only: one `{from: KEY, to: KEY}` per shard, in the order of `hosts`; together they cover "
                  "the keys 1 .. workload.keys.count, with no gap and no overlap."),
    };
    r.rules = {
        {"`virtual_nodes` is given with `by: consistent_hash` only, `ranges` with `by: range` only and always.",
         [](Context& ctx, const Entries& entries, ShardingSpec& spec) {
           const Entry* by = entries.find("by");
           if (!by || !by->value.IsScalar() || by->value.Scalar() != to_string(spec.by))
             return; // `by` is missing or wrong, reported already
           if (spec.by != Partitioning::consistent_hash && entries.find("virtual_nodes"))
             ctx.error(entries.key_mark("virtual_nodes"), "virtual_nodes is only used with by: consistent_hash");
           if (spec.by != Partitioning::range && entries.find("ranges"))
             ctx.error(entries.key_mark("ranges"), "ranges is only used with by: range");
           if (spec.by == Partitioning::range && !entries.find("ranges"))
             ctx.error(by->value.Mark(), "by: range needs ranges, one {from: KEY, to: KEY} per shard");
         }},
    };
    return r;
  }();
  return record;
}
// `reshard`: a shard added during the run (docs/sharding.md).
const Record<ReshardSpec>& resharding(const KindTypes& types)
{
  static const Record<ReshardSpec> record = [&types] {
    Record<ReshardSpec> r;
    r.title = "`reshard` of a database";
    r.help = "A shard added during the run, on a host of its own: the keys whose shard changes (from n to n + 1 "
             "shards) are copied to their new shard at `rate`, batch after batch, and each key's requests go to its "
             "new shard once its batch is copied.";
    r.fields = {
        field<ReshardSpec>("at", types.duration, [](ReshardSpec& x, double&& d) { x.at = from_seconds(d); })
            .required()
            .check(at_least(0.0))
            .help("When the shard is added and the copy starts (simulated time)."),
        field<ReshardSpec>("add", types.host_ref, [](ReshardSpec& x, NameRef&& h) { x.host = h.name; })
            .required()
            .help("The new shard's host: one host, not one of `hosts`. It is the last shard."),
        field<ReshardSpec>("rate", types.bandwidth, &ReshardSpec::rate)
            .defaults("100Mbps")
            .check(greater_than(0.0))
            .help("The copy's rate over all shards: the bytes of the moving keys are sent at this rate."),
        field<ReshardSpec>("key_size", types.bytes, &ReshardSpec::key_size)
            .defaults("1KB")
            .check(greater_than(0.0))
            .help("Bytes copied per moving key."),
        field<ReshardSpec>("batch_size", types.bytes, &ReshardSpec::batch_size)
            .defaults("1MB")
            .check(greater_than(0.0))
            .help("Bytes per message of the copy (whole keys, at least one); a batch's keys move together when "
                  "it is copied."),
    };
    return r;
  }();
  return record;
}
// The keys of a database of its own (replication's are added after them).
std::vector<Field<ServiceRaw>> database_fields(const KindTypes& types)
{
  return {
      host_field(types)
          .optional("use `hosts` (sharded)")
          .help("The host it runs on: a host name (one instance of a group with count > 1, such as db-1). An "
                "unsharded database gives `host`, a sharded one `hosts`."),
      field<ServiceRaw>("hosts", types.host_names,
                        [](ServiceRaw& s, std::vector<NameRef>&& h) { s.hosts = std::move(h); })
          .optional("use `host`")
          .help("Sharded only: a group name or a list of host names, one shard per host, in shard order."),
      field<ServiceRaw>("shards", record_type(&sharding(), "in shards"),
                        [](ServiceRaw& s, ShardingSpec&& spec) { s.as<DatabaseSpec>().shards = std::move(spec); })
          .optional("not sharded")
          .help("Shards the database over `hosts` by the request's key, see `shards` of a database."),
      field<ServiceRaw>("reshard", record_type(&resharding(types), "in reshard"),
                        [](ServiceRaw& s, ReshardSpec&& spec) { s.as<DatabaseSpec>().reshard = std::move(spec); })
          .optional("no resharding")
          .help("A sharded database: a shard added during the run, see `reshard` of a database."),
      field<ServiceRaw>("connections", integer_type<int>(),
                        [](ServiceRaw& s, int&& c) { s.as<DatabaseSpec>().connections = c; })
          .defaults("100")
          .check(at_least(1))
          .check(at_most(static_cast<int>(limits::kWorkersAndConnections)))
          .unit("operations")
          .help("Operations that run at once (on each shard)."),
      field<ServiceRaw>("queue_limit", integer_type<int>(),
                        [](ServiceRaw& s, int&& q) { s.as<DatabaseSpec>().queue_limit = q; })
          .defaults("10000")
          .check(at_least(0))
          .unit("operations")
          .help("Operations that may wait for a connection; one more fails with db_overloaded."),
      field<ServiceRaw>("read", record_type(&db_cost(types), "in read"),
                        [](ServiceRaw& s, DbOperationCost&& c) { s.as<DatabaseSpec>().read = c; })
          .defaults("{cpu: 1Mf}")
          .help("Cost of one db_read, see `read` and `write` of a database. The default is an indexed lookup "
                "served from memory."),
      field<ServiceRaw>("write", record_type(&db_cost(types), "in write"),
                        [](ServiceRaw& s, DbOperationCost&& c) { s.as<DatabaseSpec>().write = c; })
          .defaults("{cpu: 2Mf, disk: 1ms}")
          .help("Cost of one db_write. The default adds a 1ms flush to disk."),
      field<ServiceRaw>("query_size", types.bytes,
                        [](ServiceRaw& s, double&& b) { s.as<DatabaseSpec>().query_size = b; })
          .defaults("200B")
          .check(at_least(0.0))
          .help("Bytes sent to the database per operation."),
      field<ServiceRaw>("result_size", types.bytes,
                        [](ServiceRaw& s, double&& b) { s.as<DatabaseSpec>().result_size = b; })
          .defaults("1KB")
          .check(at_least(0.0))
          .help("Bytes sent back per operation."),
  };
}

Rule<ServiceRaw> host_or_hosts_rule()
{
  return {"Exactly one of `host` and `hosts` is given; `hosts` and `shards` go together.",
          [](Context& ctx, const Entries& entries, ServiceRaw& s) {
            const Entry* one = entries.find("host");
            const Entry* many = entries.find("hosts");
            const Entry* shards = entries.find("shards");
            if (one && many) {
              const bool one_later = std::pair(one->key.Mark().line, one->key.Mark().column) >
                                     std::pair(many->key.Mark().line, many->key.Mark().column);
              ctx.error((one_later ? one : many)->key.Mark(),
                        "give either host or hosts " + service_where(s.name) + ", not both");
            } else if (!one && !many) {
              ctx.error(entries.map().Mark(),
                        "missing key " + quote(shards ? "hosts" : "host") + " " + service_where(s.name));
            } else if (many && !shards) {
              ctx.error(many->key.Mark(), "hosts " + service_where(s.name) +
                                              " needs shards (one shard per host), such as shards: {by: hash_mod}; an "
                                              "unsharded database runs on one host");
            } else if (one && shards) {
              ctx.error(shards->key.Mark(), "a sharded database " + service_where(s.name) +
                                                " names one host per shard with hosts, not host");
            } else if (many && s.hosts && s.hosts->empty()) {
              ctx.error(many->value.Mark(),
                        "a shard count of 0 " + service_where(s.name) + ": hosts must name at least one host");
            }
          }};
}

Rule<ServiceRaw> reshard_rule()
{
  return {"`reshard` is given with `shards` by hash_mod or consistent_hash, and without `replicas`.",
          [](Context& ctx, const Entries& entries, ServiceRaw& s) {
            if (!entries.find("reshard"))
              return;
            const auto& db = s.as<DatabaseSpec>();
            if (!entries.find("shards"))
              ctx.error(entries.key_mark("reshard"), "reshard " + service_where(s.name) +
                                                         " adds a shard to a sharded database; give hosts and shards");
            else if (db.shards && db.shards->by == Partitioning::range)
              ctx.error(entries.key_mark("reshard"), "reshard " + service_where(s.name) +
                                                         ": adding a shard to a range map is not modelled yet; "
                                                         "use by: hash_mod or by: consistent_hash");
            if (entries.find("replicas"))
              ctx.error(entries.key_mark("reshard"), "reshard " + service_where(s.name) +
                                                         ": resharding a database whose shards have replicas is not "
                                                         "modelled yet");
          }};
}

} // namespace

KindSchema kind_schema(const DatabaseSpec&, const KindTypes& types)
{
  KindSchema kind;
  kind.meaning = "serves db_read and db_write steps with a pool of connections";
  kind.record.title = "`services.NAME` with `kind: database`";
  kind.record.help = "Serves db_read and db_write steps. Operations beyond the connections wait in a queue.";
  kind.record.fields = database_fields(types);
  const auto replication = replication_fields(types);
  kind.record.fields.insert(kind.record.fields.end(), replication.begin(), replication.end());
  kind.record.rules = {host_or_hosts_rule()};
  for (auto& rule : replication_rules())
    kind.record.rules.push_back(std::move(rule));
  kind.record.rules.push_back(reshard_rule());
  kind.records_markdown =
      markdown_record(db_cost(types)) + markdown_record(sharding()) + markdown_record(resharding(types));
  const auto add_words = [&kind](const auto& record) {
    for (const auto& f : record.fields) {
      kind.words.push_back(f.key);
      for (const auto& choice : f.choices)
        kind.words.push_back(choice.first);
    }
  };
  add_words(db_cost(types));
  add_words(sharding());
  add_words(resharding(types));
  kind.words.push_back("from");
  kind.words.push_back("to");
  return kind;
}

KindSize kind_size(const DatabaseSpec& spec, const ServiceRaw& raw, const KindResolver& resolver)
{
  std::int64_t instances = 1; // on one host
  if (raw.hosts) {
    instances = 0;
    for (const NameRef& ref : *raw.hosts)
      instances += resolver.host_count(ref);
  }
  if (raw.entries.find("reshard"))
    ++instances; // the shard it adds
  if (raw.replicas)
    for (const auto& item : *raw.replicas)
      for (const NameRef& ref : item)
        instances += resolver.host_count(ref);
  return {instances, spec.connections, "connections"};
}

bool resolved_last(const DatabaseSpec&)
{
  return false;
}

namespace
{
// The added shard's host: one of its own. False when the database cannot be resolved further.
bool resolve_reshard(DatabaseSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  if (!spec.reshard)
    return true;
  if (spec.reshard->host.empty())
    return false; // `add` is missing or wrong, reported already
  const Entry* entry = raw.entries.find("reshard");
  const YAML::Node add = entry->value["add"];
  const NameRef ref{spec.reshard->host, add.IsDefined() ? add.Mark() : entry->key.Mark()};
  const auto host = resolver.resolve_host(ref);
  if (!host)
    return false;
  for (std::size_t s = 0; s < spec.shard_hosts.size(); ++s)
    if (spec.shard_hosts[s] == *host) {
      resolver.ctx().error(ref.mark, "reshard adds a shard on " + quote(*host) + ", which holds shard " +
                                         std::to_string(s + 1) + " " + service_where(raw.name) +
                                         "; the new shard needs a host of its own");
      return false;
    }
  spec.reshard->host = *host;
  if (resolver.key_count() > limits::kReshardKeys) {
    resolver.ctx().error(entry->key.Mark(),
                         "reshard " + service_where(raw.name) + " follows each key's move: at most " +
                             std::to_string(limits::kReshardKeys) + " keys (workload.keys.count is " +
                             std::to_string(resolver.key_count()) + ")");
    return false;
  }
  return true;
}
} // namespace

void resolve_kind(DatabaseSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  if (!spec.shards || !raw.hosts) {
    resolve_single_host(spec.host, raw, resolver);
    resolve_replicas(spec, raw, resolver);
    return;
  }
  const auto hosts = resolver.resolve_host_list(*raw.hosts, raw.name);
  if (!hosts)
    return;
  spec.shard_hosts = *hosts;
  resolve_replicas(spec, raw, resolver);
  if (!resolve_reshard(spec, raw, resolver))
    return;
  resolver.set_instances(raw.name, hosts->size() + spec.replication.replicas.size() + (spec.reshard ? 1 : 0));
  const Entry* shards = raw.entries.find("shards");
  const std::int64_t keys = resolver.key_count();
  if (keys == 0) {
    resolver.ctx().error(shards->key.Mark(), "a sharded database " + service_where(raw.name) +
                                                 " needs keys to shard by; give workload.keys a count");
    return;
  }
  const std::int64_t ring_shards = static_cast<std::int64_t>(hosts->size()) + (spec.reshard ? 1 : 0);
  if (spec.shards->by == Partitioning::consistent_hash &&
      ring_shards * spec.shards->virtual_nodes > limits::kRingPoints) {
    YAML::Mark where = shards->key.Mark();
    for (auto it = shards->value.begin(); it != shards->value.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == "virtual_nodes")
        where = it->first.Mark();
    resolver.ctx().error(where, "the hash ring " + service_where(raw.name) + " would have " +
                                    std::to_string(ring_shards * spec.shards->virtual_nodes) +
                                    " points (shards x virtual_nodes); at most " + std::to_string(limits::kRingPoints));
    return;
  }
  if (spec.shards->by != Partitioning::range)
    return;
  const YAML::Node ranges = shards->value["ranges"];
  if (!ranges.IsDefined() || !ranges.IsSequence())
    return; // reported when the shards were read
  if (spec.shards->ranges.size() != hosts->size()) {
    resolver.ctx().error(ranges.Mark(), "ranges " + service_where(raw.name) + " lists " +
                                            std::to_string(spec.shards->ranges.size()) + " ranges for " +
                                            std::to_string(hosts->size()) + " shards (one per host of hosts)");
    return;
  }
  if (const auto problem = range_map_problem(spec.shards->ranges, static_cast<std::uint64_t>(keys)))
    resolver.ctx().error(ranges[problem->shard].Mark(), "range of shard " + std::to_string(problem->shard + 1) + " " +
                                                            service_where(raw.name) + ": " + problem->message);
}

void check_use(const DatabaseSpec&, const ServiceRaw& raw, KindResolver& resolver)
{
  warn_unless_used_by_steps(raw, resolver);
}

} // namespace scalelab::models::schema
