// The worker pool's part of the topology format and of the loader's checks.
#include "kind_worker.hpp"

#include "kind_api_server.hpp"

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

bool reads_users(const WorkerSpec&)
{
  return false;
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
      field<ServiceRaw>("autoscale", record_type(&autoscale_record(types), "in autoscale"),
                        [](ServiceRaw& s, AutoscaleSpec&& a) { s.as<WorkerSpec>().autoscale = a; })
          .optional("a fixed number of instances, one per host")
          .help("Start and stop instances with the load: see `autoscale` of an api_server. The queue's broker "
                "measures the metric and starts and stops the consumers; the pool must be the queue's only "
                "consumer. A stopped instance takes no new job and finishes those it holds."),
  };
  for (const auto& f : autoscale_record(types).fields) {
    kind.words.push_back(f.key);
    for (const auto& choice : f.choices)
      kind.words.push_back(choice.first);
  }
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

namespace
{
// The broker of an autoscaled pool's queue runs its scaler on the queue's backlog and its consumers: the pool is
// the queue's only consumer. Every pool claims its queue; the second of two reports the conflict.
void check_sole_consumer(const WorkerSpec& spec, const ServiceRaw& raw, KindResolver& resolver)
{
  const auto first = resolver.claim_once("consumers of " + spec.consumes, raw.name);
  if (!first)
    return;
  const ServiceRaw* other = resolver.find_service(NameRef{*first, raw.consumes->mark});
  const bool other_scaled = other && std::holds_alternative<WorkerSpec>(other->spec) &&
                            std::get<WorkerSpec>(other->spec).autoscale.has_value();
  if (spec.autoscale)
    resolver.ctx().error(raw.entries.key_mark("autoscale"),
                         "autoscale " + service_where(raw.name) + ": its queue " + quote(spec.consumes) +
                             " is also consumed by worker pool " + quote(*first) +
                             "; an autoscaled pool must be the only consumer of its queue");
  else if (other_scaled)
    resolver.ctx().error(raw.consumes->mark,
                         "worker pool " + quote(raw.name) + " consumes queue " + quote(spec.consumes) +
                             ", which autoscaled worker pool " + quote(*first) +
                             " consumes; an autoscaled pool must be the only consumer of its queue");
}
} // namespace

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
      if (spec.autoscale)
        resolve_autoscale(*spec.autoscale, raw, static_cast<int>(hosts->size()), resolver);
    }
  if (raw.consumes) {
    ServiceRaw* queue = resolver.find_service(*raw.consumes);
    if (queue && resolver.has_kind(*queue, *raw.consumes, "consumes", kind_tags<QueueSpec>())) {
      spec.consumes = raw.consumes->name;
      check_sole_consumer(spec, raw, resolver);
    }
  }
}

void check_use(const WorkerSpec&, const ServiceRaw&, KindResolver&) {}

} // namespace scalelab::models::schema
