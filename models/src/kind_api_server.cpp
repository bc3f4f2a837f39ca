// The api_server's part of the topology format and of the loader's checks.
#include "kind_api_server.hpp"

#include "scalelab/models/limits.hpp"

namespace scalelab::models::schema
{

const char* name_of(const ApiServerSpec&)
{
  return "api_server";
}

std::vector<std::string> hosts_of(const ApiServerSpec& spec)
{
  return spec.hosts;
}

KindSchema kind_schema(const ApiServerSpec&, const KindTypes& types)
{
  KindSchema kind;
  kind.meaning = "runs request types with a pool of workers on each of its hosts";
  kind.record.title = "`services.NAME` with `kind: api_server`";
  kind.record.help = "Runs request types. Each of its hosts holds one instance with its own workers and queue.";
  kind.record.fields = {
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
  };
  kind.record.rules = {
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
  };
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

bool resolved_last(const ApiServerSpec&)
{
  return false;
}

void resolve_kind(ApiServerSpec& spec, ServiceRaw& raw, KindResolver& resolver)
{
  std::optional<std::vector<std::string>> hosts;
  if (raw.hosts)
    hosts = resolver.resolve_host_list(*raw.hosts, raw.name);
  else if (raw.host && raw.entries.find("hosts") == nullptr)
    hosts = resolver.resolve_host_list({*raw.host}, raw.name);
  if (hosts) {
    spec.hosts = *hosts;
    resolver.set_instances(raw.name, hosts->size());
  }
}

void check_use(const ApiServerSpec&, const ServiceRaw&, KindResolver&) {}

} // namespace scalelab::models::schema
