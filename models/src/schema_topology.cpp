// The topology file format, declared once. Each Record below is a table of fields; reading, the error
// messages and docs/yaml-reference.md all come from these tables.
//
// To add a key: add one field(...) line to the record it belongs to, with its type, default (or required()
// or optional()), checks and help. If it needs a new member in spec.hpp, add that first. Conditions across
// several keys go in the record's rules, with the sentence the docs show; references to other sections
// (host, service and request names) are resolved in loader.cpp.
#include "schema_topology.hpp"

#include "scalelab/models/units.hpp"

namespace scalelab::models::schema
{
namespace
{

struct LognormalRaw {
  double mean = 0;
  double sigma = 0;
};

// Results of list readers that keep going past a bad item.
struct HostList {
  std::vector<HostRaw> hosts;
  bool ok = true;
};

std::string service_where(const std::string& name)
{
  return "in service " + quote(name);
}

// The name a map declares in its "name" key, without reporting anything: messages about the map's other
// keys can then say which host they are about.
std::optional<std::string> peek_name(const YAML::Node& map)
{
  if (!map.IsMap())
    return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == "name" && it->second.IsScalar())
      return it->second.Scalar();
  return std::nullopt;
}

Type<NameRef> reference_type(const std::string& noun)
{
  Type<NameRef> type;
  type.name = noun;
  type.read = [noun](Context& ctx, const Site& site) -> std::optional<NameRef> {
    auto text = read_scalar(ctx, site, "a " + noun);
    if (!text)
      return std::nullopt;
    return NameRef{*text, site.mark};
  };
  return type;
}

// Everything the format is made of. Built once; records refer to each other by address, so it never moves.
class Tables
{
public:
  Tables();
  Tables(const Tables&) = delete;
  Tables& operator=(const Tables&) = delete;

  Type<double> duration, flops, bandwidth, bytes, rate;
  Record<LognormalRaw> lognormal;
  std::vector<Form<DistributionSpec>> distribution_forms;
  Type<DistributionSpec> distribution;
  Type<CpuStep> cpu;
  Record<DbOperationCost> db_cost;
  Record<CallTarget> call;
  std::vector<Form<StepRaw>> steps;
  Type<std::vector<StepRaw>> step_list;
  Record<HostRaw> host;
  Record<NetworkSpec> network;
  Record<HardwareRaw> hardware;
  Variant<ServiceRaw, ServiceKindTag> service;
  Record<RequestRaw> request;
  Variant<ArrivalRaw, ArrivalProcess> arrival;
  Record<KeySpaceSpec> keys;
  Record<WorkloadRaw> workload;
  Record<TopologyRaw> top;

private:
  void declare_quantities();
  void declare_distributions();
  void declare_steps();
  void declare_hardware();
  void declare_services();
  void declare_requests();
  void declare_workload();
  void declare_top();
};

const Tables& tables()
{
  static const Tables instance;
  return instance;
}

Tables::Tables()
{
  declare_quantities();
  declare_distributions();
  declare_steps();
  declare_hardware();
  declare_services();
  declare_requests();
  declare_workload();
  declare_top();
}

void Tables::declare_quantities()
{
  duration = quantity_type("duration", "s",
                           "A number followed by s, ms, us or ns: `10ms`, `1.5s`, `500us`. A bare number is seconds.",
                           "a duration such as 10ms, 2s or 500us", parse_duration);
  flops = quantity_type("flops", "flops",
                        "A number followed by f, kf, Mf, Gf or Tf (powers of 1000): `2Mf`, `1.5Gf`. A bare number "
                        "is flops.",
                        "an amount of flops such as 2Gf, 500Mf or 1e9", parse_flops);
  bandwidth = quantity_type("bandwidth", "bytes/s",
                            "A number followed by bps, kbps, Mbps, Gbps (bits per second) or Bps, kBps, MBps, GBps "
                            "(bytes per second): `1Gbps`, `125MBps`. A unit is required.",
                            "a bandwidth such as 1Gbps, 100Mbps or 125MBps", parse_bandwidth);
  bytes = quantity_type("size", "bytes",
                        "A number followed by B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024): "
                        "`200B`, `4KB`, `1MiB`. A bare number is bytes.",
                        "a size such as 1000, 64KB or 1MiB", parse_bytes);
  rate = quantity_type("rate", "1/s",
                       "A number followed by /s, /min or /ms: `800/s`, `48000/min`. A bare number is per second.",
                       "a rate such as 800/s, 48000/min or 10/ms", parse_rate);
}

void Tables::declare_distributions()
{
  lognormal.title = "`lognormal` parameters";
  lognormal.help = "The parameters of `{lognormal: {mean: 10ms, sigma: 0.5}}`.";
  lognormal.fields = {
      field<LognormalRaw>("mean", duration, &LognormalRaw::mean)
          .required()
          .check(greater_than(0.0))
          .help("The mean of the distribution itself (not of the underlying normal)."),
      field<LognormalRaw>("sigma", number_type(), &LognormalRaw::sigma)
          .required()
          .check(at_least(0.0))
          .help("The standard deviation of the underlying normal; 0 makes every value equal to the mean."),
  };

  // A checked duration; messages name it by label, or by the site's own label (the key) when label is empty.
  const auto checked_duration = [this](const std::string& label, std::vector<Check<double>> checks) {
    return [this, label, checks](Context& ctx, const Site& site) -> std::optional<double> {
      const Site named{site.value, site.mark, label.empty() ? site.label : label};
      auto value = duration.read(ctx, named);
      if (!value || !passes(ctx, named, *value, checks))
        return std::nullopt;
      return value;
    };
  };
  const auto plain_mean = checked_duration("", {at_least(0.0)});
  const auto deterministic_mean = checked_duration("deterministic", {at_least(0.0)});
  const auto exponential_mean = checked_duration("exponential mean", {greater_than(0.0)});
  const auto bound = checked_duration("uniform bound", {at_least(0.0)});

  distribution_forms = {
      {"deterministic", "deterministic: 10ms", "Always the same value; the same as writing the duration alone.",
       [deterministic_mean](Context& ctx, const Site& site) -> std::optional<DistributionSpec> {
         const auto mean = deterministic_mean(ctx, site);
         if (!mean)
           return std::nullopt;
         DistributionSpec d;
         d.mean = *mean;
         return d;
       }},
      {"exponential", "exponential: 10ms", "Exponential with this mean (memoryless: a Poisson process).",
       [exponential_mean](Context& ctx, const Site& site) -> std::optional<DistributionSpec> {
         const auto mean = exponential_mean(ctx, site);
         if (!mean)
           return std::nullopt;
         DistributionSpec d;
         d.kind = DistributionSpec::Kind::exponential;
         d.mean = *mean;
         return d;
       }},
      {"uniform", "uniform: [5ms, 15ms]", "Uniform between low and high; low < high. Its mean is (low + high) / 2.",
       [bound](Context& ctx, const Site& site) -> std::optional<DistributionSpec> {
         if (!site.value.IsSequence() || site.value.size() != 2) {
           report_expected(ctx, site, "a list of two durations [low, high]");
           return std::nullopt;
         }
         const auto low = bound(ctx, Site{site.value[0], site.value[0].Mark(), ""});
         const auto high = bound(ctx, Site{site.value[1], site.value[1].Mark(), ""});
         if (!low || !high)
           return std::nullopt;
         if (!(*low < *high)) {
           ctx.error(site.mark, "uniform: low must be less than high, got " + written(site.value[0]) + " and " +
                                    written(site.value[1]));
           return std::nullopt;
         }
         DistributionSpec d;
         d.kind = DistributionSpec::Kind::uniform;
         d.low = *low;
         d.high = *high;
         d.mean = (*low + *high) / 2;
         return d;
       }},
      {"lognormal", "lognormal: {mean: 10ms, sigma: 0.5}",
       "Lognormal with this mean; sigma is the standard deviation of the underlying normal (a long right tail).",
       [this](Context& ctx, const Site& site) -> std::optional<DistributionSpec> {
         if (!site.value.IsMap()) {
           report_expected(ctx, site, "a map {mean: ..., sigma: ...}");
           return std::nullopt;
         }
         LognormalRaw raw;
         const std::size_t before = ctx.error_count();
         read_record(ctx, site, lognormal, raw, "in lognormal");
         if (ctx.error_count() != before)
           return std::nullopt;
         DistributionSpec d;
         d.kind = DistributionSpec::Kind::lognormal;
         d.mean = raw.mean;
         d.sigma = raw.sigma;
         return d;
       }},
  };

  distribution.name = "distribution";
  distribution.unit = "s";
  distribution.help = "A duration (always that value) or a map with one key naming the distribution: see "
                      "Distributions.";
  distribution.read = [this, plain_mean](Context& ctx, const Site& site) -> std::optional<DistributionSpec> {
    if (site.value.IsScalar()) {
      const auto mean = plain_mean(ctx, site);
      if (!mean)
        return std::nullopt;
      DistributionSpec d;
      d.mean = *mean;
      return d;
    }
    if (site.value.IsMap())
      return read_one_of(ctx, site, "distribution", distribution_forms);
    report_expected(ctx, site, "a duration or a distribution such as {exponential: 10ms}");
    return std::nullopt;
  };

  // Flops end in "f"; durations never do. A bare number could be either, so it is refused.
  cpu.name = "flops or distribution";
  cpu.unit = "flops or s";
  cpu.help = "An amount of flops (`2Mf`: the time is flops / core speed) or a distribution of time (`3ms`, "
             "`{exponential: 3ms}`). A bare number is refused: it could be either.";
  cpu.read = [this](Context& ctx, const Site& site) -> std::optional<CpuStep> {
    CpuStep step;
    if (site.value.IsScalar()) {
      const std::string& text = site.value.Scalar();
      if (is_plain_number(text)) {
        ctx.error(site.mark, site.label +
                                 ": a bare number is ambiguous; write flops (2Mf) or a duration (3ms), "
                                 "got " +
                                 quote(text));
        return std::nullopt;
      }
      if (!text.empty() && text.back() == 'f') {
        const auto amount = flops.read(ctx, site);
        if (!amount || !passes(ctx, site, *amount, {at_least(0.0)}))
          return std::nullopt;
        step.flops = *amount;
        return step;
      }
    }
    const auto time = distribution.read(ctx, site);
    if (!time)
      return std::nullopt;
    step.time = *time;
    return step;
  };
}

void Tables::declare_steps()
{
  const auto service_ref = reference_type("service name");
  call.title = "`call` step";
  call.help = "The value of a `call` step: `call: {service: auth, request: check}`.";
  call.fields = {
      field<CallTarget>("service", service_ref, [](CallTarget& c, NameRef&& r) { c.service = r; })
          .required()
          .help("The service called: an api_server or a load_balancer."),
      field<CallTarget>("request", reference_type("request type name"),
                        [](CallTarget& c, NameRef&& r) { c.request = r; })
          .required()
          .help("The request type it runs there. A request type must not reach itself through calls."),
  };

  const auto database_op = [service_ref](CallStep::Op op, const std::string& kind) {
    return [service_ref, op, kind](Context& ctx, const Site& site) -> std::optional<StepRaw> {
      auto ref = service_ref.read(ctx, site);
      if (!ref)
        return std::nullopt;
      StepRaw raw;
      raw.kind = kind;
      raw.step = CallStep{op, ref->name, ""};
      raw.service = ref;
      return raw;
    };
  };
  steps = {
      {"cpu", "cpu: 2Mf",
       "Computes on one core of the host, holding the worker: flops (time = flops / speed) or a "
       "time distribution (`cpu: {exponential: 3ms}`).",
       [this](Context& ctx, const Site& site) -> std::optional<StepRaw> {
         auto work = cpu.read(ctx, site);
         if (!work)
           return std::nullopt;
         StepRaw raw;
         raw.kind = "cpu";
         raw.step = *work;
         return raw;
       }},
      {"delay", "delay: 1ms", "Waits holding the worker but no core (a distribution).",
       [this](Context& ctx, const Site& site) -> std::optional<StepRaw> {
         auto time = distribution.read(ctx, site);
         if (!time)
           return std::nullopt;
         StepRaw raw;
         raw.kind = "delay";
         raw.step = DelayStep{*time};
         return raw;
       }},
      {"db_read", "db_read: users", "Reads from a database service and waits for the result.",
       database_op(CallStep::Op::db_read, "db_read")},
      {"db_write", "db_write: users", "Writes to a database service and waits for the acknowledgement.",
       database_op(CallStep::Op::db_write, "db_write")},
      {"call", "call: {service: auth, request: check}",
       "Runs a request type on another api_server or load_balancer and waits for the reply.",
       [this](Context& ctx, const Site& site) -> std::optional<StepRaw> {
         if (!site.value.IsMap()) {
           report_expected(ctx, site, "a map {service: ..., request: ...}");
           return std::nullopt;
         }
         CallTarget target;
         read_record(ctx, site, call, target, "in call");
         if (!target.service || !target.request)
           return std::nullopt;
         StepRaw raw;
         raw.kind = "call";
         raw.step = CallStep{CallStep::Op::request, target.service->name, target.request->name};
         raw.service = target.service;
         raw.request = target.request;
         return raw;
       }},
      {"forward", "forward: stage2",
       "Hands the rest of the steps to an api_server and frees this worker; the reply goes to the original caller.",
       [service_ref](Context& ctx, const Site& site) -> std::optional<StepRaw> {
         auto ref = service_ref.read(ctx, site);
         if (!ref)
           return std::nullopt;
         StepRaw raw;
         raw.kind = "forward";
         raw.step = ForwardStep{ref->name};
         raw.service = ref;
         return raw;
       }},
  };

  step_list.name = "list of steps";
  step_list.read = [this](Context& ctx, const Site& site) -> std::optional<std::vector<StepRaw>> {
    if (!site.value.IsSequence() || site.value.size() == 0) {
      report_expected(ctx, site, site.value.IsSequence() ? "at least one step" : "a list of steps");
      return std::nullopt;
    }
    std::vector<StepRaw> out;
    for (const auto& node : site.value) {
      auto step = read_one_of(ctx, Site{node, node.IsNull() ? site.mark : node.Mark(), "step"}, "step", steps);
      if (!step)
        continue;
      step->mark = node.Mark();
      out.push_back(std::move(*step));
    }
    return out;
  };
}

void Tables::declare_hardware()
{
  host.title = "`hardware.hosts[]`";
  host.help = "One machine, or `count` identical machines named NAME-1 ... NAME-count.";
  host.fields = {
      field<HostRaw>("name", name_type(),
                     [](HostRaw& h, std::string&& n) {
                       h.spec.name = n;
                       h.spec.group = n;
                     })
          .required()
          .help("The host's name; with count > 1, the group's name (`hosts: web` in an api_server takes them all)."),
      field<HostRaw>("count", integer_type<int>(), &HostRaw::count)
          .defaults("1")
          .check(at_least(1))
          .unit("hosts")
          .help("How many identical machines. Above 1 they are named NAME-1 to NAME-count; a service that runs "
                "on a single host names one of them."),
      field<HostRaw>("cores", integer_type<int>(), [](HostRaw& h, int&& c) { h.spec.cores = c; })
          .defaults("1")
          .check(at_least(1))
          .unit("cores")
          .help("CPU cores per machine; each runs one cpu step at a time."),
      field<HostRaw>("speed", flops, [](HostRaw& h, double&& s) { h.spec.speed = s; })
          .defaults("1Gf")
          .check(greater_than(0.0))
          .unit("flops/s per core")
          .help("Computing speed of one core, in flops per second."),
  };

  network.title = "`hardware.network`";
  network.help = "One flat network joining every pair of hosts.";
  network.fields = {
      field<NetworkSpec>("bandwidth", bandwidth, &NetworkSpec::bandwidth)
          .defaults("1Gbps")
          .check(greater_than(0.0))
          .help("Bandwidth of each host's link."),
      field<NetworkSpec>("latency", duration, &NetworkSpec::latency)
          .defaults("100us")
          .check(at_least_one_nanosecond())
          .help("One-way latency from host to host."),
  };

  Type<HostList> host_list;
  host_list.name = "list of hosts";
  host_list.read = [this](Context& ctx, const Site& site) -> std::optional<HostList> {
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a list of hosts");
      return std::nullopt;
    }
    HostList out;
    std::size_t index = 0;
    for (const auto& node : site.value) {
      const auto name = peek_name(node);
      const std::string where = name ? "in host " + quote(*name) : "in hardware.hosts[" + std::to_string(index) + "]";
      const std::size_t before = ctx.error_count();
      HostRaw raw;
      raw.entries = read_record(ctx, Site{node, node.IsNull() ? site.mark : node.Mark(), "hosts"}, host, raw, where);
      out.ok = out.ok && ctx.error_count() == before;
      if (!raw.spec.name.empty())
        out.hosts.push_back(std::move(raw));
      ++index;
    }
    return out;
  };

  hardware.title = "`hardware`";
  hardware.help = "The machines and the network between them.";
  hardware.fields = {
      field<HardwareRaw>("hosts", host_list,
                         [](HardwareRaw& h, HostList&& l) {
                           h.hosts = std::move(l.hosts);
                           h.hosts_ok = l.ok;
                         })
          .required()
          .check({"a non-empty list", [](const HostList& l) { return !l.hosts.empty() || !l.ok; }})
          .help("The machines, see `hardware.hosts[]`. Host names must be unique once counts are expanded."),
      field<HardwareRaw>("network", record_type(&network, "in hardware.network"), &HardwareRaw::network)
          .defaults("{}")
          .help("See `hardware.network`."),
  };
}

void Tables::declare_services()
{
  const auto host_ref = reference_type("host name");
  const auto service_ref = reference_type("service name");
  Type<std::vector<NameRef>> host_names;
  host_names.name = "host name or list of host names";
  host_names.read = [host_ref](Context& ctx, const Site& site) -> std::optional<std::vector<NameRef>> {
    if (site.value.IsScalar())
      return std::vector<NameRef>{NameRef{site.value.Scalar(), site.mark}};
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a host name or a list of host names");
      return std::nullopt;
    }
    return list_type(host_ref).read(ctx, site);
  };

  service.selector = "kind";
  service.noun = "service kind";
  service.selector_help = "What the service is; it decides which other keys apply.";
  service.choices = {
      {"load_balancer", ServiceKindTag::load_balancer, "spreads requests over the instances of an api_server"},
      {"api_server", ServiceKindTag::api_server, "runs request types with a pool of workers on each of its hosts"},
      {"database", ServiceKindTag::database, "serves db_read and db_write steps with a pool of connections"},
  };
  service.select = [](ServiceRaw& s, ServiceKindTag k) { s.kind = k; };

  Record<ServiceRaw> balancer;
  balancer.title = "`services.NAME` with `kind: load_balancer`";
  balancer.help = "Receives requests and forwards each to one instance of its backend api_server.";
  balancer.fields = {
      field<ServiceRaw>("host", host_ref, [](ServiceRaw& s, NameRef&& r) { s.host = r; })
          .required()
          .help("The host it runs on: a host name (one instance of a group with count > 1, such as web-1)."),
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
          [](ServiceRaw& s, BalancingPolicy&& p) { s.load_balancer.policy = p; })
          .defaults("round_robin")
          .help("How the instance is chosen."),
      field<ServiceRaw>("backends", service_ref, [](ServiceRaw& s, NameRef&& r) { s.backends = r; })
          .required()
          .help("The api_server whose instances receive the requests."),
      field<ServiceRaw>("weights", list_type(number_type(), {greater_than(0.0)}),
                        [](ServiceRaw& s, std::vector<double>&& w) { s.load_balancer.weights = std::move(w); })
          .optional("required with policy weighted")
          .help("With policy weighted only: one weight per backend instance, in instance order."),
  };
  balancer.rules = {
      {"`weights` is given with `policy: weighted` only, and then has one weight per backend instance.",
       [](Context& ctx, const Entries& entries, ServiceRaw& s) {
         const bool weighted = s.load_balancer.policy == BalancingPolicy::weighted;
         if (!weighted && entries.find("weights"))
           ctx.error(entries.key_mark("weights"), "weights are only used with policy weighted");
         if (weighted && !entries.find("weights"))
           ctx.error(entries.map().Mark(), "missing key \"weights\" " + service_where(s.name) +
                                               ": policy weighted needs one weight per backend instance");
       }},
  };

  Record<ServiceRaw> api;
  api.title = "`services.NAME` with `kind: api_server`";
  api.help = "Runs request types. Each of its hosts holds one instance with its own workers and queue.";
  api.fields = {
      field<ServiceRaw>("host", host_ref, [](ServiceRaw& s, NameRef&& r) { s.host = r; })
          .optional("use `hosts`")
          .help("A single host name: one instance. Give either `host` or `hosts`."),
      field<ServiceRaw>("hosts", host_names, [](ServiceRaw& s, std::vector<NameRef>&& h) { s.hosts = std::move(h); })
          .optional("use `host`")
          .help("A group name (`web`: web-1, web-2, ... in order) or a list of host names; one instance per host."),
      field<ServiceRaw>("workers", integer_type<int>(), [](ServiceRaw& s, int&& w) { s.api_server.workers = w; })
          .defaults("8")
          .check(at_least(1))
          .unit("workers")
          .help("Requests an instance runs at once."),
      field<ServiceRaw>("queue_limit", integer_type<int>(),
                        [](ServiceRaw& s, int&& q) { s.api_server.queue_limit = q; })
          .defaults("1000")
          .check(at_least(0))
          .unit("requests")
          .help("Requests that may wait for a worker; one more is refused with 503."),
  };
  api.rules = {
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

  db_cost.title = "`read` and `write` of a database";
  db_cost.help = "The cost of one operation, paid while it holds a connection. A key left out costs nothing.";
  db_cost.fields = {
      field<DbOperationCost>("cpu", cpu,
                             [](DbOperationCost& c, CpuStep&& s) {
                               c.cpu_flops = s.flops;
                               if (!s.flops)
                                 c.cpu_time = s.time;
                             })
          .optional("no CPU work")
          .help("CPU work on one core of the database host: flops or a time distribution."),
      field<DbOperationCost>("disk", distribution, [](DbOperationCost& c, DistributionSpec&& d) { c.disk_time = d; })
          .optional("no disk access")
          .help("Time on the host's single disk; operations use it one at a time, in arrival order."),
  };

  Record<ServiceRaw> database;
  database.title = "`services.NAME` with `kind: database`";
  database.help = "Serves db_read and db_write steps. Operations beyond the connections wait in a queue.";
  database.fields = {
      field<ServiceRaw>("host", host_ref, [](ServiceRaw& s, NameRef&& r) { s.host = r; })
          .required()
          .help("The host it runs on: a host name (one instance of a group with count > 1, such as db-1)."),
      field<ServiceRaw>("connections", integer_type<int>(), [](ServiceRaw& s, int&& c) { s.database.connections = c; })
          .defaults("100")
          .check(at_least(1))
          .unit("operations")
          .help("Operations that run at once."),
      field<ServiceRaw>("queue_limit", integer_type<int>(), [](ServiceRaw& s, int&& q) { s.database.queue_limit = q; })
          .defaults("10000")
          .check(at_least(0))
          .unit("operations")
          .help("Operations that may wait for a connection; one more fails with db_overloaded."),
      field<ServiceRaw>("read", record_type(&db_cost, "in read"),
                        [](ServiceRaw& s, DbOperationCost&& c) { s.database.read = c; })
          .defaults("{cpu: 1Mf}")
          .help("Cost of one db_read, see `read` and `write` of a database. The default is an indexed lookup "
                "served from memory."),
      field<ServiceRaw>("write", record_type(&db_cost, "in write"),
                        [](ServiceRaw& s, DbOperationCost&& c) { s.database.write = c; })
          .defaults("{cpu: 2Mf, disk: 1ms}")
          .help("Cost of one db_write. The default adds a 1ms flush to disk."),
      field<ServiceRaw>("query_size", bytes, [](ServiceRaw& s, double&& b) { s.database.query_size = b; })
          .defaults("200B")
          .check(at_least(0.0))
          .help("Bytes sent to the database per operation."),
      field<ServiceRaw>("result_size", bytes, [](ServiceRaw& s, double&& b) { s.database.result_size = b; })
          .defaults("1KB")
          .check(at_least(0.0))
          .help("Bytes sent back per operation."),
  };

  service.alternatives = {
      {{ServiceKindTag::load_balancer}, balancer},
      {{ServiceKindTag::api_server}, api},
      {{ServiceKindTag::database}, database},
  };
}

void Tables::declare_requests()
{
  request.title = "`requests.NAME` as a map";
  request.help = "A request type written as a map, to give its sizes: `{steps: [...], request_size: 1KB}`. "
                 "Written as a list, it is the steps and the sizes take their defaults.";
  request.fields = {
      field<RequestRaw>("steps", step_list,
                        [](RequestRaw& r, std::vector<StepRaw>&& s) {
                          r.steps = std::move(s);
                          r.steps_read = true;
                        })
          .required()
          .help("What serving one request does, in order; see Steps."),
      field<RequestRaw>("request_size", bytes, [](RequestRaw& r, double&& b) { r.spec.request_size = b; })
          .defaults("1KB")
          .check(at_least(0.0))
          .help("Bytes sent to the server."),
      field<RequestRaw>("response_size", bytes, [](RequestRaw& r, double&& b) { r.spec.response_size = b; })
          .defaults("1KB")
          .check(at_least(0.0))
          .help("Bytes sent back to the caller."),
  };
}

void Tables::declare_workload()
{
  arrival.selector = "process";
  arrival.noun = "arrival process";
  arrival.selector_help = "How users' requests arrive.";
  arrival.choices = {
      {"poisson", ArrivalProcess::poisson, "open: independent arrivals at an average rate"},
      {"constant", ArrivalProcess::constant, "open: arrivals evenly spaced at the rate"},
      {"closed", ArrivalProcess::closed, "closed: each user sends a request, waits for the reply, thinks, again"},
  };
  arrival.select = [](ArrivalRaw& a, ArrivalProcess p) {
    a.process = p;
    if (p == ArrivalProcess::constant)
      a.open.process = OpenArrival::Process::constant;
  };
  Record<ArrivalRaw> open;
  open.title = "`workload.arrival` with `process: poisson` or `constant`";
  open.help = "An open workload: requests arrive whatever the response times.";
  open.fields = {
      field<ArrivalRaw>("rate", rate, [](ArrivalRaw& a, double&& r) { a.open.rate = r; })
          .required()
          .check(greater_than(0.0))
          .check(at_most_one_per_nanosecond())
          .help("Average arrivals per second."),
  };
  Record<ArrivalRaw> closed;
  closed.title = "`workload.arrival` with `process: closed`";
  closed.help = "A closed workload: a fixed population of users, each with at most one request in flight.";
  closed.fields = {
      field<ArrivalRaw>("users", integer_type<std::int64_t>(),
                        [](ArrivalRaw& a, std::int64_t&& u) { a.closed.users = u; })
          .required()
          .check(at_least<std::int64_t>(1))
          .unit("users")
          .help("How many users."),
      field<ArrivalRaw>("think_time", distribution,
                        [](ArrivalRaw& a, DistributionSpec&& d) { a.closed.think_time = d; })
          .defaults("0s")
          .help("Time between a reply and the user's next request."),
  };
  arrival.alternatives = {
      {{ArrivalProcess::poisson, ArrivalProcess::constant}, open},
      {{ArrivalProcess::closed}, closed},
  };

  keys.title = "`workload.keys`";
  keys.help = "The keys requests carry (for caches and sharding); without this section requests carry none.";
  keys.fields = {
      field<KeySpaceSpec>("count", integer_type<std::int64_t>(), &KeySpaceSpec::count)
          .required()
          .check(at_least<std::int64_t>(1))
          .unit("keys")
          .help("Number of distinct keys."),
      field<KeySpaceSpec>(
          "distribution",
          enum_type<KeySpaceSpec::Popularity>(
              "key distribution",
              {
                  {"uniform", KeySpaceSpec::Popularity::uniform, "every key equally likely"},
                  {"zipf", KeySpaceSpec::Popularity::zipf, "key k has probability proportional to 1 / k^exponent"},
              }),
          &KeySpaceSpec::popularity)
          .defaults("uniform")
          .help("How often each key is picked."),
      field<KeySpaceSpec>("exponent", number_type(), &KeySpaceSpec::exponent)
          .defaults("1")
          .check(greater_than(0.0))
          .help("The zipf exponent; larger is more skewed."),
  };
  keys.rules = {
      {"`exponent` is given with `distribution: zipf` only.",
       [](Context& ctx, const Entries& entries, KeySpaceSpec& k) {
         if (k.popularity != KeySpaceSpec::Popularity::zipf && entries.find("exponent"))
           ctx.error(entries.key_mark("exponent"), "exponent is only used with distribution zipf");
       }},
  };

  Type<ArrivalRaw> arrival_type;
  arrival_type.name = "map";
  arrival_type.read = [this](Context& ctx, const Site& site) -> std::optional<ArrivalRaw> {
    ArrivalRaw out;
    const std::size_t before = ctx.error_count();
    read_variant(ctx, site, arrival, out, "in workload.arrival");
    if (ctx.error_count() != before)
      return std::nullopt;
    return out;
  };

  Type<std::vector<MixItem>> mix;
  mix.name = "map of request type to weight";
  mix.read = [](Context& ctx, const Site& site) -> std::optional<std::vector<MixItem>> {
    if (!site.value.IsMap() || site.value.size() == 0) {
      report_expected(ctx, site, "a map of request types to weights");
      return std::nullopt;
    }
    std::vector<MixItem> out;
    const Entries entries = Entries::read(ctx, site.value, "request type", "in mix");
    for (const auto& e : entries.all()) {
      const Site weight_site = site_of(e.key, e.value, "weight of " + e.name);
      const auto weight = number_type().read(ctx, weight_site);
      if (weight && passes(ctx, weight_site, *weight, {greater_than(0.0)}))
        out.push_back(MixItem{NameRef{e.name, e.key.Mark()}, *weight});
    }
    return out;
  };

  workload.title = "`workload`";
  workload.help = "What the users do.";
  workload.fields = {
      field<WorkloadRaw>("entry", reference_type("service name"), [](WorkloadRaw& w, NameRef&& r) { w.entry = r; })
          .required()
          .help("The service that receives the users' requests: a load_balancer or an api_server."),
      field<WorkloadRaw>("arrival", arrival_type, [](WorkloadRaw& w, ArrivalRaw&& a) { w.arrival = a; })
          .required()
          .help("When requests arrive; see `workload.arrival`."),
      field<WorkloadRaw>("mix", mix, [](WorkloadRaw& w, std::vector<MixItem>&& m) { w.mix = std::move(m); })
          .optional("the only request type, when there is one")
          .help("Request type -> weight (> 0); each request is drawn in proportion. The weights need not sum to 1. "
                "Required when there is more than one request type."),
      field<WorkloadRaw>("keys", record_type(&keys, "in workload.keys"),
                         [](WorkloadRaw& w, KeySpaceSpec&& k) { w.spec.keys = k; })
          .optional("requests carry no key")
          .help("See `workload.keys`."),
  };
}

void Tables::declare_top()
{
  const auto named_collection = [](std::string noun) {
    // A map from names to entries, where each name must be a valid name.
    return [noun](Context& ctx, const Site& site) -> std::optional<Entries> {
      if (!site.value.IsMap() || site.value.size() == 0) {
        report_expected(ctx, site, "a map of " + noun + " names to " + noun + "s");
        return std::nullopt;
      }
      Entries entries = Entries::read(ctx, site.value, noun, "in " + site.label);
      for (const auto& e : entries.all())
        if (!is_valid_name(e.name))
          ctx.error(e.key.Mark(), "invalid " + noun + " name " + quote(e.name) + "; use " + kNameRule);
      return entries;
    };
  };

  Type<std::vector<ServiceRaw>> services;
  services.name = "map of name to service";
  services.read = [this, entries_of = named_collection("service")](
                      Context& ctx, const Site& site) -> std::optional<std::vector<ServiceRaw>> {
    const auto entries = entries_of(ctx, site);
    if (!entries)
      return std::nullopt;
    std::vector<ServiceRaw> out;
    for (const auto& e : entries->all()) {
      ServiceRaw raw;
      raw.name = e.name;
      raw.mark = e.key.Mark();
      raw.entries = read_variant(ctx, site_of(e.key, e.value, e.name), service, raw, service_where(e.name));
      out.push_back(std::move(raw));
    }
    return out;
  };

  Type<std::vector<RequestRaw>> requests;
  requests.name = "map of name to request type";
  requests.read = [this, entries_of = named_collection("request type")](
                      Context& ctx, const Site& site) -> std::optional<std::vector<RequestRaw>> {
    const auto entries = entries_of(ctx, site);
    if (!entries)
      return std::nullopt;
    std::vector<RequestRaw> out;
    for (const auto& e : entries->all()) {
      RequestRaw raw;
      raw.spec.name = e.name;
      raw.mark = e.key.Mark();
      const Site value = site_of(e.key, e.value, e.name);
      if (e.value.IsSequence()) {
        if (auto list = step_list.read(ctx, value)) {
          raw.steps = std::move(*list);
          raw.steps_read = true;
        }
      } else if (e.value.IsMap()) {
        read_record(ctx, value, request, raw, "in request " + quote(e.name));
      } else {
        report_expected(ctx, value, "a list of steps or a map with steps");
      }
      out.push_back(std::move(raw));
    }
    return out;
  };

  Type<bool> faults;
  faults.name = "list";
  faults.read = [](Context& ctx, const Site& site) -> std::optional<bool> {
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a list");
      return std::nullopt;
    }
    if (site.value.size() > 0) {
      ctx.error(site.mark, "faults are not supported yet");
      return std::nullopt;
    }
    return true;
  };

  const auto to_time = [](SimTime TopologySpec::*member) {
    return [member](TopologyRaw& t, double&& seconds) { t.spec.*member = from_seconds(seconds); };
  };
  top.title = "Top level";
  top.help = "A topology file is a YAML map with these keys.";
  top.fields = {
      field<TopologyRaw>("name", text_type(), [](TopologyRaw& t, std::string&& n) { t.spec.name = n; })
          .required()
          .help("The experiment's name, shown in reports."),
      field<TopologyRaw>("seed", unsigned_type(), [](TopologyRaw& t, std::uint64_t&& s) { t.spec.seed = s; })
          .defaults("1")
          .help("Seed of every random draw; the same file and seed give the same run."),
      field<TopologyRaw>("duration", duration, to_time(&TopologySpec::duration))
          .defaults("60s")
          .check(at_least_one_nanosecond())
          .help("Simulated time during which users send requests."),
      field<TopologyRaw>("warmup", duration, to_time(&TopologySpec::warmup))
          .defaults("0s")
          .help("Leading part of the run left out of the summary statistics."),
      field<TopologyRaw>("report_interval", duration, to_time(&TopologySpec::report_interval))
          .defaults("1s")
          .check(at_least_one_nanosecond())
          .help("Width of one row of timeseries.csv."),
      field<TopologyRaw>("hardware", record_type(&hardware, "in hardware"),
                         [](TopologyRaw& t, HardwareRaw&& h) { t.hardware = std::move(h); })
          .required()
          .help("Hosts and network; see `hardware`."),
      field<TopologyRaw>("services", services,
                         [](TopologyRaw& t, std::vector<ServiceRaw>&& s) { t.services = std::move(s); })
          .required()
          .help("Service name -> service, in file order; see the `services.NAME` sections."),
      field<TopologyRaw>("requests", requests,
                         [](TopologyRaw& t, std::vector<RequestRaw>&& r) { t.requests = std::move(r); })
          .required()
          .help("Request type name -> its steps (a list), or a map with `steps` and sizes; see `requests.NAME`."),
      field<TopologyRaw>("workload",
                         record_type<WorkloadRaw>(&workload, "in the workload",
                                                  [](WorkloadRaw& w, Entries&& e) { w.entries = std::move(e); }),
                         [](TopologyRaw& t, WorkloadRaw&& w) { t.workload = std::move(w); })
          .required()
          .help("See `workload`."),
      field<TopologyRaw>("faults", faults, [](TopologyRaw&, bool&&) {})
          .optional("no faults")
          .help("Reserved: only an empty list is accepted for now."),
  };
  top.rules = {
      {"`warmup` is less than `duration`.",
       [](Context& ctx, const Entries& entries, TopologyRaw& t) {
         const Entry* warmup = entries.find("warmup");
         const Entry* length = entries.find("duration");
         // A duration that did not read has its own error; comparing with the default would mislead.
         if (!warmup || (length && !(length->value.IsScalar() && parse_duration(length->value.Scalar()).value)))
           return;
         if (t.spec.warmup >= t.spec.duration)
           ctx.error(site_of(warmup->key, warmup->value, "warmup").mark,
                     "warmup must be less than duration (" +
                         (length ? written(length->value)
                                 : format_duration(static_cast<double>(t.spec.duration) / kNanosPerSecond)) +
                         "), got " + written(warmup->value));
       }},
  };
}

} // namespace

TopologyRaw read_topology(Context& ctx, const YAML::Node& root)
{
  TopologyRaw raw;
  raw.entries = read_record(ctx, Site{root, root.Mark(), ""}, tables().top, raw, "at the top level");
  if (raw.workload)
    raw.workload->spec.where = ctx.location(raw.workload->entries.map().Mark());
  return raw;
}

std::string describe_top_level()
{
  std::vector<std::string> keys;
  for (const auto& f : tables().top.fields)
    if (f.required)
      keys.push_back(f.key);
  std::string last = keys.back();
  keys.pop_back();
  return "a map with the keys " + join(keys) + " and " + last;
}

std::string topology_reference_markdown()
{
  const Tables& t = tables();
  std::string out;
  out += "# Topology file reference\n\n";
  out += "<!-- Generated from models/src/schema_topology.cpp by schema_reference_markdown(); do not edit. -->\n";
  out += "<!-- Regenerate: SCALELAB_UPDATE_GOLDEN=1 scalelab_unit_tests --gtest_filter='LoaderReference.*' -->\n\n";
  out += "A topology file is one YAML document describing the machines, the services on them, the request "
         "types they serve and the users' workload. Every problem in a file is reported at once as "
         "`file:line:col: message`; a misspelt key or name comes with the names that would have been right.\n\n";
  out += "Columns: *Default* is the value used when the key is absent (written as in the file), `required`, or "
         "what absence means. *Unit* is the unit the value is counted in once read; the written forms are under "
         "Value forms.\n\n";
  out += markdown_record(t.top);
  out += markdown_record(t.hardware);
  out += markdown_record(t.host);
  out += markdown_record(t.network);
  out += "## `services`\n\nA map from service name to service. `kind` selects the other keys:\n\n";
  for (const auto& choice : t.service.choices)
    out += "- `" + choice.name + "`: " + choice.help + "\n";
  out += "\n" + markdown_variant(t.service);
  out += markdown_record(t.db_cost);
  out += "## `requests`\n\nA map from request type name to its steps: either the list of steps, or a map as "
         "described next. Every request type has at least one step.\n\n";
  out += markdown_record(t.request);
  out += "## Steps\n\nEach step is a map with one key, its kind:\n\n" + markdown_forms("Step", t.steps) +
         "\nA request type reached through `call` must not call itself, directly or through other request types. "
         "`db_read` and `db_write` name a database; `forward` names an api_server.\n\n";
  out += markdown_record(t.call);
  out += markdown_record(t.workload);
  out += markdown_variant(t.arrival);
  out += markdown_record(t.keys);
  out += "## Distributions\n\nA random duration is written as a plain duration (always that value) or as a map "
         "with one key:\n\n" +
         markdown_forms("Distribution", t.distribution_forms) + "\n";
  out += markdown_record(t.lognormal);
  out += "## Value forms\n\n";
  const std::vector<std::pair<std::string, std::string>> forms = {
      {t.duration.name, t.duration.help},
      {t.flops.name, t.flops.help},
      {t.cpu.name, t.cpu.help},
      {t.bandwidth.name, t.bandwidth.help},
      {t.bytes.name, t.bytes.help},
      {t.rate.name, t.rate.help},
      {t.distribution.name, t.distribution.help},
      {name_type().name, name_type().help + " Hosts, services and request types have such names."},
      {text_type().name, text_type().help},
      {integer_type<int>().name, integer_type<int>().help},
      {unsigned_type().name, unsigned_type().help},
      {number_type().name, number_type().help},
  };
  out += markdown_choices(forms);
  out += "\n## Cross-checks\n\n"
         "- Host names are unique once groups are expanded (`web` with count 3 and a host `web-1` clash).\n"
         "- A host of a group with count > 1 is named by its group in `hosts:` or by its instance name "
         "(`web-2`) elsewhere.\n"
         "- Service names and request type names are unique.\n"
         "- `backends` names an api_server; `workload.entry` a load_balancer or an api_server; `mix` request "
         "types.\n"
         "- Warnings (the file still loads): a host no service runs on; a database no request uses.\n";
  return out;
}

} // namespace scalelab::models::schema
