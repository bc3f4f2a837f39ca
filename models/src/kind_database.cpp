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
  std::vector<std::string> hosts{spec.host};
  hosts.insert(hosts.end(), spec.replication.replicas.begin(), spec.replication.replicas.end());
  return hosts;
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

KindSchema kind_schema(const DatabaseSpec&, const KindTypes& types)
{
  KindSchema kind;
  kind.meaning = "serves db_read and db_write steps with a pool of connections";
  kind.record.title = "`services.NAME` with `kind: database`";
  kind.record.help = "Serves db_read and db_write steps. Operations beyond the connections wait in a queue.";
  kind.record.fields = {
      host_field(types).required().help(
          "The host it runs on: a host name (one instance of a group with count > 1, such as db-1)."),
      field<ServiceRaw>("connections", integer_type<int>(),
                        [](ServiceRaw& s, int&& c) { s.as<DatabaseSpec>().connections = c; })
          .defaults("100")
          .check(at_least(1))
          .check(at_most(static_cast<int>(limits::kWorkersAndConnections)))
          .unit("operations")
          .help("Operations that run at once."),
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
  const auto replication = replication_fields(types);
  kind.record.fields.insert(kind.record.fields.end(), replication.begin(), replication.end());
  kind.record.rules = replication_rules();
  kind.records_markdown = markdown_record(db_cost(types));
  for (const auto& f : db_cost(types).fields) {
    kind.words.push_back(f.key);
    for (const auto& choice : f.choices)
      kind.words.push_back(choice.first);
  }
  return kind;
}

KindSize kind_size(const DatabaseSpec& spec, const ServiceRaw& raw, const KindResolver& resolver)
{
  std::int64_t instances = 1;
  if (raw.replicas)
    for (const NameRef& ref : *raw.replicas)
      instances += resolver.host_count(ref);
  return {instances, spec.connections, "connections"};
}

bool resolved_last(const DatabaseSpec&)
{
  return false;
}

void resolve_kind(DatabaseSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  resolve_single_host(spec.host, raw, resolver);
  resolve_replicas(spec, raw, resolver);
}

void check_use(const DatabaseSpec&, const ServiceRaw& raw, KindResolver& resolver)
{
  warn_unless_used_by_steps(raw, resolver);
}

} // namespace scalelab::models::schema
