// The queue's (a message broker's) part of the topology format and of the loader's checks.
#include "kind_queue.hpp"

namespace scalelab::models::schema
{

const char* name_of(const QueueSpec&)
{
  return "queue";
}

std::vector<std::string> hosts_of(const QueueSpec& spec)
{
  return {spec.host};
}

// The broker sends jobs to the worker pools that consume it: the pools name it (services_called of a worker).
std::vector<std::string> services_called(const QueueSpec&, const std::string&)
{
  return {};
}

bool reads_users(const QueueSpec&)
{
  return false;
}

KindSchema kind_schema(const QueueSpec&, const KindTypes& types)
{
  KindSchema kind;
  kind.meaning = "a message broker: keeps the jobs of publish steps in a FIFO for the worker pools that consume it";
  kind.record.title = "`services.NAME` with `kind: queue`";
  kind.record.help = "A message broker (such as RabbitMQ) holding one queue. A `publish` step sends it a job; it "
                     "delivers jobs in FIFO order to the consumers of the worker pools that consume it, at most one "
                     "unacknowledged job per consumer (prefetch 1), round robin among those with a free consumer. "
                     "A worker acknowledges a job when its steps are done (docs/queues.md).";
  kind.record.fields = {
      host_field(types).required().help("The host it runs on."),
      field<ServiceRaw>("capacity", integer_type<std::int64_t>(),
                        [](ServiceRaw& s, std::int64_t&& c) { s.as<QueueSpec>().capacity = c; })
          .defaults("100000")
          .check(at_least<std::int64_t>(1))
          .unit("messages")
          .help("Jobs that may wait in the queue (RabbitMQ's max-length with reject-publish); a job published "
                "beyond is rejected and counted."),
      field<ServiceRaw>("durable", bool_type(), [](ServiceRaw& s, bool&& d) { s.as<QueueSpec>().durable = d; })
          .defaults("true")
          .help("Whether the waiting jobs survive a crash of the host (persistent messages in a durable queue). "
                "false: a crash loses them, counted in `lost`."),
      field<ServiceRaw>("cpu", types.cpu,
                        [](ServiceRaw& s, CpuStep&& c) {
                          s.as<QueueSpec>().cpu_flops = c.flops;
                          if (!c.flops)
                            s.as<QueueSpec>().cpu_time = c.time;
                        })
          .defaults("0f")
          .help("CPU work of accepting one published job on one core of the host: flops or a time distribution. "
                "The job joins the queue when it is done."),
  };
  return kind;
}

KindSize kind_size(const QueueSpec&, const ServiceRaw&, const KindResolver&)
{
  return {1, 1, "capacity"};
}

bool resolved_last(const QueueSpec&)
{
  return false;
}

void resolve_kind(QueueSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  resolve_single_host(spec.host, raw, resolver);
}

void check_use(const QueueSpec&, const ServiceRaw& raw, KindResolver& resolver)
{
  warn_unless_used_by_steps(raw, resolver);
}

} // namespace scalelab::models::schema
