// The worker pool's part of the topology format and of the loader's checks.
#include "kind_worker.hpp"

#include "scalelab/models/limits.hpp"

namespace scalelab::models::schema
{

const char* name_of(const WorkerSpec&)
{
  return "worker";
}

std::vector<std::string> hosts_of(const WorkerSpec& spec)
{
  return spec.hosts;
}

// Its instances and the queue exchange jobs and acknowledgements.
std::vector<std::string> services_called(const WorkerSpec& spec, const std::string&)
{
  return {spec.consumes};
}

KindSchema kind_schema(const WorkerSpec&, const KindTypes& types)
{
  KindSchema kind;
  kind.meaning = "runs the jobs of a queue service with a pool of workers on each of its hosts";
  kind.record.title = "`services.NAME` with `kind: worker`";
  kind.record.help = "A pool of workers (such as Celery workers) that consume a queue service: each worker takes "
                     "one job at a time from it, runs the job's request type (its steps as an api_server would), "
                     "and acknowledges it when done. One instance per host.";
  kind.record.fields = {
      field<ServiceRaw>("hosts", types.host_names,
                        [](ServiceRaw& s, std::vector<NameRef>&& h) { s.hosts = std::move(h); })
          .required()
          .help("A host or group name (`workers`: workers-1, workers-2, ... in order) or a list of host names; one "
                "instance per host."),
      field<ServiceRaw>("workers", integer_type<int>(), [](ServiceRaw& s, int&& w) { s.as<WorkerSpec>().workers = w; })
          .defaults("4")
          .check(at_least(1))
          .check(at_most(static_cast<int>(limits::kWorkersAndConnections)))
          .unit("workers")
          .help("Jobs an instance runs at once: its consumers, each with at most one unacknowledged job "
                "(prefetch 1)."),
      field<ServiceRaw>("consumes", types.service_ref, [](ServiceRaw& s, NameRef&& r) { s.consumes = r; })
          .required()
          .help("The queue service whose jobs it runs."),
  };
  return kind;
}

KindSize kind_size(const WorkerSpec& spec, const ServiceRaw& raw, const KindResolver& resolver)
{
  std::int64_t instances = 0;
  if (raw.hosts)
    for (const NameRef& ref : *raw.hosts)
      instances += resolver.host_count(ref);
  return {instances, spec.workers, "workers"};
}

bool resolved_last(const WorkerSpec&)
{
  return false;
}

void resolve_kind(WorkerSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  if (raw.hosts)
    if (const auto hosts = resolver.resolve_host_list(*raw.hosts, raw.name)) {
      spec.hosts = *hosts;
      resolver.set_instances(raw.name, hosts->size());
    }
  if (raw.consumes) {
    ServiceRaw* queue = resolver.find_service(*raw.consumes);
    if (queue && resolver.has_kind(*queue, *raw.consumes, "consumes", kind_tags<QueueSpec>()))
      spec.consumes = raw.consumes->name;
  }
}

void check_use(const WorkerSpec&, const ServiceRaw&, KindResolver&) {}

} // namespace scalelab::models::schema
