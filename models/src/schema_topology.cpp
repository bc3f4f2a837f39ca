// The topology file format, declared once. Each Record below is a table of fields; reading, the error
// messages and docs/yaml-reference.md all come from these tables.
//
// To add a key: add one field(...) line to the record it belongs to, with its type, default (or required()
// or optional()), checks and help. If it needs a new member in spec.hpp, add that first. Conditions across
// several keys go in the record's rules, with the sentence the docs show; references to other sections
// (host, switch, link, data centre, service and request names) are resolved in loader.cpp.
#include "schema_topology.hpp"
#include "scalelab/models/cache.hpp"
#include "schema_protection.hpp"
#include "service_kinds.hpp"

#include "scalelab/models/limits.hpp"
#include "scalelab/models/population.hpp"
#include "scalelab/models/units.hpp"

#include <array>
#include <cmath>
#include <set>
#include <sstream>

namespace scalelab::models::schema
{
namespace
{

// A rate's or a number of users' points (shape steps or piecewise) must come in increasing time.
Rule<RateShape> points_in_increasing_time()
{
  return {"The points are in increasing time.", [](Context& ctx, const Entries& entries, RateShape& r) {
            const Entry* list = entries.find("points");
            for (std::size_t i = 1; list && list->value.IsSequence() && i < r.points.size(); ++i)
              if (r.points[i].at <= r.points[i - 1].at && i < list->value.size()) {
                ctx.error(list->value[i].Mark(), "the points must be in increasing time: this point is at " +
                                                     format_duration(to_seconds(r.points[i].at)) +
                                                     ", the one before at " +
                                                     format_duration(to_seconds(r.points[i - 1].at)));
                return;
              }
          }};
}

struct LognormalRaw {
  double mean = 0;
  double sigma = 0;
};

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

std::shared_ptr<const Shape> named_map_shape(std::string noun, std::shared_ptr<const Shape> element)
{
  auto shape = std::make_shared<Shape>();
  shape->kind = Shape::Kind::named_map;
  shape->noun = std::move(noun);
  shape->element = std::move(element);
  return shape;
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

// A step kind: its form, which sets the step's kind and rules on what its read gives.
Form<StepRaw> step_form(std::string key, std::string example, std::string help, StepRules rules,
                        std::function<std::optional<StepRaw>(Context&, const Site&)> read)
{
  auto read_step = [key, rules = std::move(rules), read = std::move(read)](Context& ctx,
                                                                           const Site& site) -> std::optional<StepRaw> {
    auto raw = read(ctx, site);
    if (raw) {
      raw->kind = key;
      raw->rules = rules;
    }
    return raw;
  };
  return {std::move(key), std::move(example), std::move(help), std::move(read_step)};
}

// A cache_get whose on_miss steps never store into the same cache will miss for ever (a warning).
void check_miss_steps(Context& ctx, const std::vector<StepRaw>& steps, std::size_t at)
{
  const auto& cache = std::get<CacheStep>(steps[at].step);
  for (std::size_t i = at + 1; i <= at + cache.miss_steps && i < steps.size(); ++i)
    if (const auto* inner = std::get_if<CacheStep>(&steps[i].step))
      if (inner->op == CacheStep::Op::set && inner->service == cache.service)
        return;
  if (cache.miss_steps > 0)
    ctx.warning(steps[at].mark,
                "the on_miss steps never cache_set " + quote(cache.service) + ", so its lookups keep missing");
}

// A list of records such as hardware.hosts, read item by item so that one bad item does not hide the others.
// Messages name an item by its name when it has one ("in host \"web\""), else by its index. keep() says
// whether an item is worth resolving (it has the name or the ends that others refer to).
template <class R, class Keep>
Type<RawList<R>> record_list(const Record<R>* record, std::string plural, std::string noun, std::string section,
                             Keep keep)
{
  Type<RawList<R>> type;
  type.name = "list of " + plural;
  type.read = [record, plural, noun, section, keep](Context& ctx, const Site& site) -> std::optional<RawList<R>> {
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a list of " + plural);
      return std::nullopt;
    }
    RawList<R> out;
    out.ok = true;
    std::size_t index = 0;
    for (const auto& node : site.value) {
      const auto name = peek_name(node);
      const std::string where =
          name ? "in " + noun + " " + quote(*name) : "in " + section + "[" + std::to_string(index) + "]";
      const std::size_t before = ctx.error_count();
      R raw;
      raw.entries =
          read_record(ctx, Site{node, node.IsNull() ? site.mark : node.Mark(), site.label}, *record, raw, where);
      out.ok = out.ok && ctx.error_count() == before;
      if (keep(raw))
        out.items.push_back(std::move(raw));
      ++index;
    }
    return out;
  };
  auto shape = std::make_shared<Shape>();
  shape->kind = Shape::Kind::list;
  shape->noun = noun;
  shape->element = record_shape(*record);
  type.shape = std::move(shape);
  return type;
}

// wan_latency against datacenters: square, zero on the diagonal, positive and symmetric elsewhere.
void check_wan_latency(Context& ctx, const Entries& entries, NetworkRaw& n)
{
  const Entry* e = entries.find("wan_latency");
  if (!e || !n.wan_latency_ok)
    return;
  const auto& m = n.spec.wan_latency;
  const std::size_t size = n.datacenters_ok ? n.datacenters.size() : m.size();
  const auto name = [&n](std::size_t i) {
    return n.datacenters_ok ? n.datacenters[i].name : "data centre " + std::to_string(i + 1);
  };
  if (m.size() != size) {
    ctx.error(e->value.Mark(), "wan_latency has " + std::to_string(m.size()) + (m.size() == 1 ? " row" : " rows") +
                                   "; expected " + std::to_string(size) + ", one per data centre (" +
                                   join(n.spec.datacenters) + ")");
    return;
  }
  bool square = true;
  for (std::size_t i = 0; i < size; ++i)
    if (m[i].size() != size) {
      ctx.error(e->value[i].Mark(), "wan_latency row " + std::to_string(i + 1) + " (from " + name(i) + ") has " +
                                        std::to_string(m[i].size()) + " entries; expected " + std::to_string(size) +
                                        ", one per data centre");
      square = false;
    }
  if (!square)
    return;
  const Check<double> positive = at_least_one_nanosecond();
  for (std::size_t i = 0; i < size; ++i)
    for (std::size_t j = 0; j < size; ++j) {
      const YAML::Node cell = e->value[i][j];
      if (i == j && m[i][j] != 0)
        ctx.error(cell.Mark(), "wan_latency from " + name(i) + " to itself must be 0, got " + written(cell));
      else if (i != j && !positive.ok(m[i][j]))
        ctx.error(cell.Mark(), "wan_latency from " + name(i) + " to " + name(j) + " must be " + positive.description +
                                   ", got " + written(cell));
      else if (j < i && positive.ok(m[j][i]) && m[i][j] != m[j][i]) // m[j][i] was checked before
        ctx.error(cell.Mark(), "wan_latency from " + name(i) + " to " + name(j) + " (" + written(cell) +
                                   ") differs from " + name(j) + " to " + name(i) + " (" + written(e->value[j][i]) +
                                   "); the matrix must be symmetric");
    }
}

// A list of two or more data centre names, each once.
Type<std::vector<NameRef>> datacenter_names_type()
{
  Type<std::vector<NameRef>> names;
  names.name = "list of names";
  names.read = [](Context& ctx, const Site& site) -> std::optional<std::vector<NameRef>> {
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a list of data centre names");
      return std::nullopt;
    }
    std::vector<NameRef> out;
    bool ok = true;
    for (const auto& node : site.value) {
      const Site item{node, node.IsNull() ? site.mark : node.Mark(), site.label};
      const auto name = name_type().read(ctx, item);
      if (!name) {
        ok = false;
        continue;
      }
      for (const NameRef& earlier : out)
        if (earlier.name == *name) {
          ctx.error(item.mark, "data centre " + quote(*name) + " is listed twice in " + site.label);
          ok = false;
        }
      out.push_back(NameRef{*name, item.mark});
    }
    if (ok && out.size() < 2) {
      ctx.error(site.mark, site.label + " must name at least 2 data centres, got " + std::to_string(out.size()));
      ok = false;
    }
    if (!ok)
      return std::nullopt;
    return out;
  };
  return names;
}

// A list of rows, each a list of durations (a matrix, its shape checked by the record's rule).
Type<std::vector<std::vector<double>>> duration_matrix_type(const Type<double>& duration)
{
  Type<std::vector<std::vector<double>>> matrix;
  matrix.name = "list of lists of durations";
  matrix.unit = "s";
  matrix.read = [duration](Context& ctx, const Site& site) -> std::optional<std::vector<std::vector<double>>> {
    const auto row_type = list_type(duration);
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a list of rows, each a list of durations");
      return std::nullopt;
    }
    std::vector<std::vector<double>> out;
    bool ok = true;
    for (const auto& row : site.value) {
      auto values = row_type.read(ctx, Site{row, row.IsNull() ? site.mark : row.Mark(), site.label});
      if (values)
        out.push_back(std::move(*values));
      ok = ok && values;
    }
    if (!ok)
      return std::nullopt;
    return out;
  };
  return matrix;
}

// A map from names to entries, where each name must be a valid name; noun: what an entry is.
std::function<std::optional<Entries>(Context&, const Site&)> named_collection(std::string noun)
{
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
  Type<NameRef> service_ref; // a service name
  Record<CallTarget> call;
  std::vector<Form<StepRaw>> steps;
  Record<CacheGetRaw> cache_get;
  Record<CallTarget> publish; // service: the queue, request: the job
  Type<std::vector<StepRaw>> step_list;
  Type<LinkSharing> sharing;
  std::vector<std::string> sharing_names; // sharing's choices, which its type does not list
  Record<HostRaw> host;
  Record<LinkParams> host_link, uplink, datacenter_lan;
  Variant<NetworkRaw, NetworkSpec::Shape> network;
  Type<NetworkRaw> network_map; // hardware.network, read by network
  Record<SwitchRaw> switch_;
  Record<LinkRaw> link;
  Record<RouteRaw> route;
  Record<UsersRaw> users;
  Record<HardwareRaw> hardware;
  Variant<ServiceRaw, ServiceKindTag> service;
  std::string kind_records_markdown;   // records of the kinds' own, for the reference
  std::vector<std::string> kind_words; // and their words
  Record<RequestRaw> request;
  Variant<ArrivalRaw, ArrivalProcess> arrival;
  Record<RatePoint> rate_point;
  Variant<RateShape, RateShape::Kind> rate_shape;
  Type<RateShape> shaped_rate; // a rate, or a map with a shape
  // A closed population's users: a count, or a map with a shape (population.hpp); values are whole users.
  Record<RatePoint> users_point;
  Variant<RateShape, RateShape::Kind> users_shape;
  Type<RateShape> shaped_users;
  Record<HerdSpec> herd;
  Record<KeySpaceSpec> keys;
  Record<GeoDnsRaw> geodns;
  Record<WorkloadRaw> workload;
  Record<FaultRaw> fault;
  Record<TopologyRaw> top;

private:
  void declare_quantities();
  std::function<std::optional<double>(Context&, const Site&)> checked_duration(std::string label,
                                                                               std::vector<Check<double>> checks) const;
  void declare_distributions();
  std::vector<Form<DistributionSpec>> distribution_form_list() const;
  void declare_cpu();
  void declare_steps();
  void declare_step_records();
  std::vector<Form<StepRaw>> step_forms() const;
  std::optional<StepRaw> read_call(Context& ctx, const Site& site) const;
  std::optional<StepRaw> read_cache_get(Context& ctx, const Site& site) const;
  std::optional<StepRaw> read_publish(Context& ctx, const Site& site) const;
  void declare_step_list();
  void declare_hardware();
  void declare_sharing();
  void declare_hosts();
  void declare_network();
  Record<NetworkRaw> lan_record() const;
  Record<NetworkRaw> racks_record() const;
  Record<NetworkRaw> datacenters_record() const;
  void declare_graph();
  void declare_users();
  std::vector<Rule<HardwareRaw>> hardware_rules();
  void declare_services();
  void declare_requests();
  void declare_arrival();
  void declare_rate_shapes();
  void declare_user_shapes();
  void declare_herd();
  Record<ArrivalRaw> open_arrival_record() const;
  static Record<ArrivalRaw> trace_arrival_record();
  Record<ArrivalRaw> closed_arrival_record() const;
  void declare_keys();
  void declare_workload();
  Type<ArrivalRaw> arrival_type() const;
  static Type<std::vector<MixItem>> mix_type();
  static std::vector<Rule<WorkloadRaw>> workload_rules();
  void declare_geodns();
  Type<std::vector<ZoneShareRaw>> zones_type() const;
  std::vector<Rule<WorkloadRaw>> geodns_rules() const;
  void declare_faults();
  Type<std::vector<ServiceRaw>> services_type() const;
  Type<std::vector<RequestRaw>> requests_type() const;
  Type<std::vector<HerdSpec>> herd_list() const;
  void declare_top();
  std::vector<Rule<TopologyRaw>> top_rules();
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
  declare_cpu();
  declare_steps();
  declare_hardware();
  declare_services();
  declare_requests();
  declare_workload();
  declare_faults();
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

// A duration that passes checks; messages name it by label, or by the site's own label (the key) when label is
// empty.
std::function<std::optional<double>(Context&, const Site&)>
Tables::checked_duration(std::string label, std::vector<Check<double>> checks) const
{
  return [this, label, checks](Context& ctx, const Site& site) -> std::optional<double> {
    const Site named{site.value, site.mark, label.empty() ? site.label : label};
    auto value = duration.read(ctx, named);
    if (!value || !passes(ctx, named, *value, checks))
      return std::nullopt;
    return value;
  };
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

  distribution_forms = distribution_form_list();

  const auto plain_mean = checked_duration("", {at_least(0.0)});
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
}

std::vector<Form<DistributionSpec>> Tables::distribution_form_list() const
{
  const auto deterministic_mean = checked_duration("deterministic", {at_least(0.0)});
  const auto exponential_mean = checked_duration("exponential mean", {greater_than(0.0)});
  const auto bound = checked_duration("uniform bound", {at_least(0.0)});
  return {
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
}

void Tables::declare_cpu()
{
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
  service_ref = reference_type("service name");
  declare_step_records();
  steps = step_forms();
  declare_step_list();
}

void Tables::declare_step_records()
{
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
  for (auto& f : call_protection_fields(duration)) // timeout, retries, retry_budget, breaker (docs/protection.md)
    call.fields.push_back(std::move(f));

  publish.title = "`publish` step";
  publish.help = "The value of a `publish` step: `publish: {queue: emails, job: send_email}`.";
  publish.fields = {
      field<CallTarget>("queue", service_ref, [](CallTarget& c, NameRef&& r) { c.service = r; })
          .required()
          .help("The queue service the job is sent to."),
      field<CallTarget>("job", reference_type("request type name"), [](CallTarget& c, NameRef&& r) { c.request = r; })
          .required()
          .help("The request type the job runs at a worker that consumes the queue."),
  };

  // on_miss is a step list inside a step: read by step_list, declared below.
  Type<std::vector<StepRaw>> step_list_ref;
  step_list_ref.name = "list of steps";
  step_list_ref.read = [this](Context& ctx, const Site& site) { return step_list.read(ctx, site); };
  cache_get.title = "`cache_get` step";
  cache_get.help = "The value of a `cache_get` step written as a map: `cache_get: {cache: c, on_miss: [...]}`.";
  cache_get.fields = {
      field<CacheGetRaw>("cache", service_ref, [](CacheGetRaw& g, NameRef&& r) { g.cache = r; })
          .required()
          .help("The cache service asked for the request's key."),
      field<CacheGetRaw>("on_miss", step_list_ref, [](CacheGetRaw& g, std::vector<StepRaw>&& s) { g.on_miss = s; })
          .optional("nothing runs on a miss")
          .help("The steps run on a miss (cache-aside: `[db_read: users, cache_set: c]`); a hit skips them."),
  };
}

std::vector<Form<StepRaw>> Tables::step_forms() const
{
  // A step that names a service and nothing else.
  const auto service_step = [this](auto make_step) {
    return [this, make_step](Context& ctx, const Site& site) -> std::optional<StepRaw> {
      auto ref = service_ref.read(ctx, site);
      if (!ref)
        return std::nullopt;
      StepRaw raw;
      raw.step = make_step(ref->name);
      raw.service = ref;
      return raw;
    };
  };
  const auto database_op = [service_step](CallStep::Op op) {
    return service_step([op](const std::string& name) { return CallStep{op, name, "", std::nullopt}; });
  };
  const auto cache_op = [service_step](CacheStep::Op op) {
    return service_step([op](const std::string& name) { return CacheStep{op, name, 0}; });
  };
  // The service kinds each step may name: its rules, checked by the loader.
  const StepRules none;
  const StepRules database{kind_tags<DatabaseSpec>()};
  const StepRules callee{kind_tags<ApiServerSpec, LoadBalancerSpec>()};
  const StepRules stage{kind_tags<ApiServerSpec>(), false, false};
  const StepRules cache{kind_tags<CacheSpec>(), true};
  const StepRules cache_lookup{kind_tags<CacheSpec>(), true, true, check_miss_steps};
  StepRules queue{kind_tags<QueueSpec>()};
  queue.waits_for_request = false;
  return {
      step_form("cpu", "cpu: 2Mf",
                "Computes on one core of the host, holding the worker: flops (time = flops / speed) or a "
                "time distribution (`cpu: {exponential: 3ms}`).",
                none,
                [this](Context& ctx, const Site& site) -> std::optional<StepRaw> {
                  auto work = cpu.read(ctx, site);
                  if (!work)
                    return std::nullopt;
                  StepRaw raw;
                  raw.step = *work;
                  return raw;
                }),
      step_form("delay", "delay: 1ms", "Waits holding the worker but no core (a distribution).", none,
                [this](Context& ctx, const Site& site) -> std::optional<StepRaw> {
                  auto time = distribution.read(ctx, site);
                  if (!time)
                    return std::nullopt;
                  StepRaw raw;
                  raw.step = DelayStep{*time};
                  return raw;
                }),
      step_form("db_read", "db_read: users", "Reads from a database service and waits for the result.", database,
                database_op(CallStep::Op::db_read)),
      step_form("db_write", "db_write: users", "Writes to a database service and waits for the acknowledgement.",
                database, database_op(CallStep::Op::db_write)),
      step_form("call", "call: {service: auth, request: check}",
                "Runs a request type on another api_server or load_balancer and waits for the reply.", callee,
                [this](Context& ctx, const Site& site) { return read_call(ctx, site); }),
      step_form("cache_get", "cache_get: {cache: sessions, on_miss: [db_read: users, cache_set: sessions]}",
                "Looks the request's key up in a cache service and waits for the answer; on a miss, runs the "
                "`on_miss` steps (skipped on a hit). `cache_get: sessions` alone has no on_miss steps.",
                cache_lookup, [this](Context& ctx, const Site& site) { return read_cache_get(ctx, site); }),
      step_form("cache_set", "cache_set: sessions",
                "Stores the request's key in a cache service, with the version the request last read or wrote at a "
                "database (after a db_write: write-through), and waits for the acknowledgement.",
                cache, cache_op(CacheStep::Op::set)),
      step_form("cache_delete", "cache_delete: sessions",
                "Removes the request's key from a cache service (invalidation on write) and waits for the "
                "acknowledgement.",
                cache, cache_op(CacheStep::Op::erase)),
      step_form("forward", "forward: stage2",
                "Hands the rest of the steps to an api_server and frees this worker; the reply goes to the original "
                "caller.",
                stage, service_step([](const std::string& name) { return ForwardStep{name}; })),
      step_form("publish", "publish: {queue: emails, job: send_email}",
                "Sends a job to a queue service and goes on at once: a worker that consumes the queue runs the "
                "job's request type later (docs/queues.md).",
                queue, [this](Context& ctx, const Site& site) { return read_publish(ctx, site); }),
  };
}

std::optional<StepRaw> Tables::read_publish(Context& ctx, const Site& site) const
{
  if (!site.value.IsMap()) {
    report_expected(ctx, site, "a map {queue: ..., job: ...}");
    return std::nullopt;
  }
  CallTarget target;
  read_record(ctx, site, publish, target, "in publish");
  if (!target.service || !target.request)
    return std::nullopt;
  StepRaw raw;
  raw.step = PublishStep{target.service->name, target.request->name};
  raw.service = target.service;
  raw.request = target.request;
  return raw;
}

std::optional<StepRaw> Tables::read_call(Context& ctx, const Site& site) const
{
  if (!site.value.IsMap()) {
    report_expected(ctx, site, "a map {service: ..., request: ...}");
    return std::nullopt;
  }
  CallTarget target;
  const Entries entries = read_record(ctx, site, call, target, "in call");
  if (!target.service || !target.request)
    return std::nullopt;
  StepRaw raw;
  CallStep step{CallStep::Op::request, target.service->name, target.request->name, std::nullopt};
  for (const char* key : {"timeout", "retries", "backoff", "max_backoff", "jitter", "retry_budget", "breaker"})
    if (entries.find(key))
      step.protect = target.protect;
  raw.step = std::move(step);
  raw.service = target.service;
  raw.request = target.request;
  return raw;
}

// A cache_get, as a service name or as a map with its on_miss steps, which follow it once flattened.
std::optional<StepRaw> Tables::read_cache_get(Context& ctx, const Site& site) const
{
  CacheGetRaw get;
  if (site.value.IsMap()) {
    read_record(ctx, site, cache_get, get, "in cache_get");
  } else if (auto ref = service_ref.read(ctx, site)) {
    get.cache = ref;
  }
  if (!get.cache)
    return std::nullopt;
  StepRaw raw;
  raw.service = get.cache;
  std::vector<StepRaw> miss = get.on_miss ? std::move(*get.on_miss) : std::vector<StepRaw>{};
  // Flattened: the get, then its on_miss steps, which a hit skips.
  raw.step = CacheStep{CacheStep::Op::get, get.cache->name, static_cast<std::uint16_t>(miss.size())};
  raw.nested = std::move(miss);
  return raw;
}

void Tables::declare_step_list()
{
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
      // A cache_get's on_miss steps follow it, already flattened.
      std::vector<StepRaw> nested = std::move(step->nested);
      step->nested.clear();
      out.push_back(std::move(*step));
      for (StepRaw& inner : nested) {
        ++inner.inside_miss;
        out.push_back(std::move(inner));
      }
    }
    return out;
  };
  auto shape = std::make_shared<Shape>();
  shape->kind = Shape::Kind::list;
  shape->noun = "step";
  shape->element = one_of_shape(steps, "step");
  step_list.shape = std::move(shape);
}

void Tables::declare_hardware()
{
  declare_sharing();
  declare_hosts();
  declare_network();
  declare_graph();
  declare_users();
  hardware.title = "`hardware`";
  hardware.help = "The machines and the network between them. The network is one of: a shape (`network`, the "
                  "default being a lan), a graph given link by link (`switches`, `links`, `routes`), or a SimGrid "
                  "platform file (`simgrid_platform`), which then declares the hosts too.";
  hardware.fields = {
      field<HardwareRaw>(
          "hosts",
          record_list(&host, "hosts", "host", "hardware.hosts", [](const HostRaw& h) { return !h.spec.name.empty(); }),
          &HardwareRaw::hosts)
          .optional("required unless `simgrid_platform` is given")
          .check({"a non-empty list", [](const RawList<HostRaw>& l) { return !l.items.empty() || !l.ok; }})
          .help("The machines, see `hardware.hosts[]`. Host names must be unique once counts are expanded."),
      field<HardwareRaw>("network", network_map, &HardwareRaw::network)
          .defaults("{}")
          .help("The network as a shape; see `hardware.network`."),
      field<HardwareRaw>("switches",
                         record_list(&switch_, "switches", "switch", "hardware.switches",
                                     [](const SwitchRaw& s) { return !s.spec.name.empty(); }),
                         &HardwareRaw::switches)
          .optional("none")
          .help("Switches joined by `links`; see `hardware.switches[]`."),
      field<HardwareRaw>(
          "links",
          record_list(&link, "links", "link", "hardware.links", [](const LinkRaw& l) { return l.between.size() == 2; }),
          &HardwareRaw::links)
          .optional("the network is `network`")
          .check({"a non-empty list", [](const RawList<LinkRaw>& l) { return !l.items.empty() || !l.ok; }})
          .help("The network link by link; see `hardware.links[]`."),
      field<HardwareRaw>(
          "routes",
          record_list(&route, "routes", "route", "hardware.routes", [](const RouteRaw& r) { return r.from && r.to; }),
          &HardwareRaw::routes)
          .optional("paths of least latency")
          .help("Routes given by hand, with `links`; see `hardware.routes[]`."),
      field<HardwareRaw>("users",
                         record_type<UsersRaw>(&users, "in hardware.users",
                                               [](UsersRaw& u, Entries&& e) { u.entries = std::move(e); }),
                         [](HardwareRaw& h, UsersRaw&& u) { h.users = std::move(u); })
          .optional("next to the entry service's host")
          .help("See `hardware.users`."),
      field<HardwareRaw>("simgrid_platform", text_type(),
                         [](HardwareRaw& h, std::string&& p) { h.simgrid_platform = std::move(p); })
          .optional("none")
          .help("A SimGrid platform file (XML), relative to the topology file's directory. It declares the hosts "
                "and the network, so `hosts`, `network`, `switches`, `links` and `routes` are not given; "
                "`users.attach` names the host the users' traffic comes from."),
  };
  hardware.rules = hardware_rules();
}

void Tables::declare_sharing()
{
  sharing = enum_type<LinkSharing>(
      "link sharing",
      {
          {"full_duplex", LinkSharing::full_duplex, "each direction has the whole bandwidth (Ethernet)"},
          {"shared", LinkSharing::shared, "both directions share the bandwidth"},
          {"fatpipe", LinkSharing::fatpipe,
           "every message has the whole bandwidth, whatever else crosses the link: no contention (a provider's "
           "backbone)"},
      });
  std::vector<std::string> meanings;
  for (const auto& [name, meaning] : sharing.choices)
    meanings.push_back("`" + name + "`: " + meaning);
  sharing.help = "How a link's two directions share its bandwidth. " + join(meanings, "; ") + ".";
  sharing.name = "sharing";
  for (const auto& [name, meaning] : sharing.choices)
    sharing_names.push_back(name);
  sharing.choices.clear(); // listed once, under Value forms, rather than under every table that uses it
}

void Tables::declare_hosts()
{
  const auto name_of_host = [](HostRaw& h, std::string&& n) {
    h.spec.name = n;
    h.spec.group = n;
  };
  host.title = "`hardware.hosts[]`";
  host.help = "One machine, or `count` identical machines named NAME-1 ... NAME-count.";
  host.fields = {
      field<HostRaw>("name", name_type(), name_of_host)
          .required()
          .help("The host's name; with count > 1, the group's name (`hosts: web` in an api_server takes them all)."),
      field<HostRaw>("count", integer_type<int>(), &HostRaw::count)
          .defaults("1")
          .check(at_least(1))
          .check(at_most(static_cast<int>(limits::kHosts)))
          .unit("hosts")
          .help("How many identical machines. Above 1 they are named NAME-1 to NAME-count; a service that runs "
                "on a single host names one of them."),
      field<HostRaw>("cores", integer_type<int>(), [](HostRaw& h, int&& c) { h.spec.cores = c; })
          .defaults("1")
          .check(at_least(1))
          .check(at_most(static_cast<int>(limits::kCores)))
          .unit("cores")
          .help("CPU cores per machine; each runs one cpu step at a time."),
      field<HostRaw>("speed", flops, [](HostRaw& h, double&& s) { h.spec.speed = s; })
          .defaults("1Gf")
          .check(greater_than(0.0))
          .unit("flops/s per core")
          .help("Computing speed of one core, in flops per second."),
      field<HostRaw>("price", number_type(), [](HostRaw& h, double&& p) { h.spec.price = p; })
          .optional("no price (results.json then has no cost)")
          .check(at_least(0.0))
          .unit("per hour")
          .help("What one machine costs per hour, in any currency: results.json adds up the hosts' prices into "
                "the topology's cost per hour and per million requests (in the same currency)."),
      field<HostRaw>("zone", name_type(), [](HostRaw& h, std::string&& z) { h.spec.zone = z; })
          .optional("none")
          .help("The data centre the host is in: required with network shape datacenters (one of its "
                "`datacenters`), any name with `links` (a zone groups hosts and switches, such as a data centre), "
                "refused with shapes lan and racks."),
  };
}

void Tables::declare_network()
{
  // A link's parameters inside a network shape; each use has its own defaults.
  const auto link_params = [this](std::string title, std::string help, const std::string& bandwidth_default,
                                  const std::string& latency_default, const std::string& latency_help) {
    Record<LinkParams> r;
    r.title = std::move(title);
    r.help = std::move(help);
    r.fields = {
        field<LinkParams>("bandwidth", bandwidth, &LinkParams::bandwidth)
            .defaults(bandwidth_default)
            .check(greater_than(0.0))
            .help("Bandwidth of the link."),
        field<LinkParams>("latency", duration, &LinkParams::latency)
            .defaults(latency_default)
            .check(at_least_one_nanosecond())
            .help(latency_help),
        field<LinkParams>("sharing", sharing, &LinkParams::sharing)
            .defaults("full_duplex")
            .help("How the two directions share the bandwidth."),
    };
    return r;
  };
  host_link = link_params("`hardware.network.host_link` (shape racks)",
                          "The link from each host to its rack's top-of-rack switch.", "1Gbps", "5us",
                          "One-way latency of the link.");
  uplink = link_params("`hardware.network.uplink` (shape racks)",
                       "The link from each top-of-rack switch to the spine switch.", "10Gbps", "10us",
                       "One-way latency of the link.");
  datacenter_lan = link_params("`hardware.network.lan` (shape datacenters)",
                               "The network inside each data centre, built like shape lan.", "10Gbps", "100us",
                               "One-way latency from host to host inside a data centre.");

  network.selector = "shape";
  network.noun = "network shape";
  network.selector_help = "How the hosts are joined; it decides which other keys apply.";
  network.default_choice = NetworkSpec::Shape::lan;
  network.choices = {
      {"lan", NetworkSpec::Shape::lan, "every host on one switch; `latency` is from host to host"},
      {"racks", NetworkSpec::Shape::racks,
       "hosts in racks of `rack_size` (in file order), each rack's switch joined to a spine switch by an uplink; "
       "the racks are named rack-1, rack-2, ..."},
      {"datacenters", NetworkSpec::Shape::datacenters,
       "one LAN per data centre (a host's `zone`), the data centres joined by WAN links"},
  };
  network.select = [](NetworkRaw& n, NetworkSpec::Shape s) {
    n.spec.shape = s;
    n.shape_ok = true;
  };

  network.alternatives = {
      {{NetworkSpec::Shape::lan}, lan_record()},
      {{NetworkSpec::Shape::racks}, racks_record()},
      {{NetworkSpec::Shape::datacenters}, datacenters_record()},
  };

  network_map.name = "map";
  // Kept even with errors (they are reported): the shape decides which zones are right.
  network_map.read = [this](Context& ctx, const Site& site) -> std::optional<NetworkRaw> {
    NetworkRaw out;
    out.entries = read_variant(ctx, site, network, out, "in hardware.network");
    return out;
  };
  network_map.shape = variant_shape(network);
}

Record<NetworkRaw> Tables::lan_record() const
{
  Record<NetworkRaw> lan;
  lan.title = "`hardware.network` with `shape: lan`";
  lan.help = "One flat network joining every pair of hosts: each host has a link to one switch.";
  lan.fields = {
      field<NetworkRaw>("bandwidth", bandwidth, [](NetworkRaw& n, double&& b) { n.spec.bandwidth = b; })
          .defaults("1Gbps")
          .check(greater_than(0.0))
          .help("Bandwidth of each host's link."),
      field<NetworkRaw>("latency", duration, [](NetworkRaw& n, double&& l) { n.spec.latency = l; })
          .defaults("100us")
          .check(at_least_one_nanosecond())
          .help("One-way latency from host to host."),
      field<NetworkRaw>("sharing", sharing, [](NetworkRaw& n, LinkSharing&& s) { n.spec.sharing = s; })
          .defaults("full_duplex")
          .help("How the two directions of each host's link share its bandwidth."),
  };
  return lan;
}

Record<NetworkRaw> Tables::racks_record() const
{
  Record<NetworkRaw> racks;
  racks.title = "`hardware.network` with `shape: racks`";
  racks.help = "Hosts in racks: the first `rack_size` hosts (in file order, groups expanded) in rack-1, the next "
               "in rack-2, and so on. Each host has a link to its rack's switch, each rack's switch an uplink to "
               "a spine switch.";
  racks.fields = {
      field<NetworkRaw>("rack_size", integer_type<int>(), [](NetworkRaw& n, int&& r) { n.spec.rack_size = r; })
          .required()
          .check(at_least(1))
          .unit("hosts")
          .help("Hosts per rack; the last rack may have fewer."),
      field<NetworkRaw>("host_link", record_type(&host_link, "in hardware.network.host_link"),
                        [](NetworkRaw& n, LinkParams&& p) { n.spec.host_link = p; })
          .defaults("{}")
          .help("See `hardware.network.host_link`."),
      field<NetworkRaw>("uplink", record_type(&uplink, "in hardware.network.uplink"),
                        [](NetworkRaw& n, LinkParams&& p) { n.spec.uplink = p; })
          .defaults("{}")
          .help("See `hardware.network.uplink`."),
  };
  return racks;
}

Record<NetworkRaw> Tables::datacenters_record() const
{
  Record<NetworkRaw> datacenters;
  datacenters.title = "`hardware.network` with `shape: datacenters`";
  datacenters.help = "Data centres far apart: inside each, a LAN as with shape lan; between them, one WAN link per "
                     "pair, from gateway to gateway. Every host names its data centre in `zone`.";
  datacenters.fields = {
      field<NetworkRaw>("datacenters", datacenter_names_type(),
                        [](NetworkRaw& n, std::vector<NameRef>&& names) {
                          n.datacenters = std::move(names);
                          n.datacenters_ok = true;
                          for (const NameRef& r : n.datacenters)
                            n.spec.datacenters.push_back(r.name);
                        })
          .required()
          .help("The data centres' names, at least two, each once; the order of `wan_latency`'s rows and "
                "columns."),
      field<NetworkRaw>("lan", record_type(&datacenter_lan, "in hardware.network.lan"),
                        [](NetworkRaw& n, LinkParams&& p) { n.spec.lan = p; })
          .defaults("{}")
          .help("The network inside each data centre; see `hardware.network.lan`."),
      field<NetworkRaw>("wan_bandwidth", bandwidth, [](NetworkRaw& n, double&& b) { n.spec.wan_bandwidth = b; })
          .defaults("1Gbps")
          .check(greater_than(0.0))
          .help("Bandwidth of each WAN link."),
      field<NetworkRaw>("wan_latency", duration_matrix_type(duration),
                        [](NetworkRaw& n, std::vector<std::vector<double>>&& m) {
                          n.spec.wan_latency = std::move(m);
                          n.wan_latency_ok = true;
                        })
          .required()
          .help("One-way latency between data centres: `wan_latency[i][j]` from the i-th data centre of "
                "`datacenters` to the j-th, such as `[[0, 40ms], [40ms, 0]]`."),
  };
  datacenters.rules = {
      {"`wan_latency` has a row and a column per data centre, 0 on its diagonal, at least 1ns elsewhere, and is "
       "symmetric (the same latency both ways).",
       check_wan_latency},
  };
  return datacenters;
}

void Tables::declare_graph()
{
  switch_.title = "`hardware.switches[]`";
  switch_.help = "A switch (a router): it forwards messages and runs nothing. Used with `links` only.";
  switch_.fields = {
      field<SwitchRaw>("name", name_type(), [](SwitchRaw& s, std::string&& n) { s.spec.name = n; })
          .required()
          .help("The switch's name; with count > 1, the group's name. Hosts and switches share one set of names."),
      field<SwitchRaw>("count", integer_type<int>(), &SwitchRaw::count)
          .defaults("1")
          .check(at_least(1))
          .check(at_most(static_cast<int>(limits::kSwitches)))
          .unit("switches")
          .help("How many identical switches; above 1 they are named NAME-1 to NAME-count."),
      field<SwitchRaw>("zone", name_type(), [](SwitchRaw& s, std::string&& z) { s.spec.zone = z; })
          .optional("none")
          .help("The zone (data centre) it belongs to, drawn with that zone's hosts."),
  };

  Type<std::vector<NameRef>> ends;
  ends.name = "list of two names";
  ends.read = [](Context& ctx, const Site& site) -> std::optional<std::vector<NameRef>> {
    const std::string what = "a list of two host or switch names";
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, what);
      return std::nullopt;
    }
    if (site.value.size() != 2) {
      ctx.error(site.mark,
                site.label + " must name exactly two hosts or switches, got " + std::to_string(site.value.size()));
      return std::nullopt;
    }
    return list_type(reference_type("host or switch name")).read(ctx, site);
  };

  link.title = "`hardware.links[]`";
  link.help = "A link between two hosts or switches. Naming a group of N at one end gives N links, one to each "
              "member (`between: [web, tor-1]` joins each web host to tor-1).";
  link.fields = {
      field<LinkRaw>("name", name_type(), [](LinkRaw& l, std::string&& n) { l.spec.name = n; })
          .optional("A--B, from the names of its ends")
          .help("The link's name, for `routes`; a link to a group of N is N links named NAME-1 to NAME-N (A--B "
                "each without a name). Link names are unique."),
      field<LinkRaw>("between", ends, [](LinkRaw& l, std::vector<NameRef>&& e) { l.between = std::move(e); })
          .required()
          .help("Its two ends: hosts, switches or groups of either, at most one of them a group of several."),
      field<LinkRaw>("bandwidth", bandwidth, [](LinkRaw& l, double&& b) { l.spec.params.bandwidth = b; })
          .defaults("1Gbps")
          .check(greater_than(0.0))
          .help("Bandwidth of the link."),
      field<LinkRaw>("latency", duration, [](LinkRaw& l, double&& d) { l.spec.params.latency = d; })
          .defaults("50us")
          .check(at_least_one_nanosecond())
          .help("One-way latency of the link."),
      field<LinkRaw>("sharing", sharing, [](LinkRaw& l, LinkSharing&& s) { l.spec.params.sharing = s; })
          .defaults("full_duplex")
          .help("How the two directions share the bandwidth."),
  };

  route.title = "`hardware.routes[]`";
  route.help = "A route given by hand. Without one, messages between two hosts take the path of least latency; "
               "hosts never forward messages, only switches do.";
  route.fields = {
      field<RouteRaw>("from", reference_type("host name"), [](RouteRaw& r, NameRef&& n) { r.from = n; })
          .required()
          .help("The host the route starts at."),
      field<RouteRaw>("to", reference_type("host name"), [](RouteRaw& r, NameRef&& n) { r.to = n; })
          .required()
          .help("The host it ends at."),
      field<RouteRaw>("links", list_type(reference_type("link name")),
                      [](RouteRaw& r, std::vector<NameRef>&& l) { r.links = std::move(l); })
          .required()
          .check(non_empty<NameRef>())
          .help("The links it crosses, in order, by name (after groups are expanded: up-1, web-1--tor)."),
      field<RouteRaw>("symmetric", bool_type(), [](RouteRaw& r, bool&& s) { r.spec.symmetric = s; })
          .defaults("true")
          .help("Whether the way back crosses the same links in reverse."),
  };
}

void Tables::declare_users()
{
  users.title = "`hardware.users`";
  users.help = "Where the users' requests come from.";
  users.fields = {
      field<UsersRaw>("attach", reference_type("host or switch name"), [](UsersRaw& u, NameRef&& n) { u.attach = n; })
          .optional("next to the entry service's host")
          .help("The host or switch their link joins (a single one, not a group). Required with "
                "`simgrid_platform`, where it names one of the platform's hosts."),
      field<UsersRaw>("latency", duration, [](UsersRaw& u, double&& l) { u.spec.latency = l; })
          .optional("that of a host's link")
          .check(at_least_one_nanosecond())
          .help("One-way latency of the users' link."),
      field<UsersRaw>("zone", reference_type("data centre name"), [](UsersRaw& u, NameRef&& n) { u.zone = n; })
          .optional("the entry service's data centre")
          .help("With network shape datacenters only: the data centre the users are near."),
  };
}

std::vector<Rule<HardwareRaw>> Tables::hardware_rules()
{
  return {
      {"`simgrid_platform` is given without `hosts`, `network`, `switches`, `links` and `routes`; `hosts` is "
       "required without it.",
       [this](Context& ctx, const Entries& entries, HardwareRaw& h) {
         if (entries.find("simgrid_platform")) {
           for (const char* key : {"hosts", "network", "switches", "links", "routes"})
             if (entries.find(key)) {
               ctx.error(entries.key_mark(key), std::string(key) + " cannot be given with simgrid_platform: " +
                                                    "the platform file declares the " +
                                                    (std::string(key) == "hosts" ? "hosts" : "network"));
               h.conflict = true;
             }
           return;
         }
         if (entries.find("hosts"))
           return;
         // A misspelt "hosts" already has its "did you mean".
         for (const auto& e : entries.all())
           if (!hardware.find(e.name) && !close_names(e.name, {"hosts"}).empty())
             return;
         ctx.error(entries.map().Mark(), "missing key \"hosts\" in hardware");
       }},
      {"`network` (a shape) is not given with `switches`, `links` and `routes` (a graph); `switches` and `routes` "
       "need `links`.",
       [](Context& ctx, const Entries& entries, HardwareRaw& h) {
         if (entries.find("simgrid_platform"))
           return;
         std::vector<const Entry*> graph;
         for (const char* key : {"switches", "links", "routes"})
           if (const Entry* e = entries.find(key))
             graph.push_back(e);
         const Entry* shape = entries.find("network");
         if (shape && !graph.empty()) {
           std::vector<std::string> names;
           const Entry* later = shape;
           for (const Entry* e : graph) {
             names.push_back(e->name);
             if (std::pair(e->key.Mark().line, e->key.Mark().column) >
                 std::pair(later->key.Mark().line, later->key.Mark().column))
               later = e;
           }
           const std::string last = names.back();
           names.pop_back();
           ctx.error(later->key.Mark(), "give either network or " + (names.empty() ? "" : join(names) + " and ") +
                                            last +
                                            " in hardware, not both: the network is described by its shape or "
                                            "link by link");
           h.conflict = true;
           return;
         }
         if (!entries.find("links")) {
           if (entries.find("switches"))
             ctx.error(entries.key_mark("switches"), "switches are only used with links; give the links that join "
                                                     "them to the hosts");
           if (entries.find("routes"))
             ctx.error(entries.key_mark("routes"), "routes are only used with links: they list links by name");
         }
       }},
  };
}

void Tables::declare_services()
{
  Type<std::vector<NameRef>> host_names;
  host_names.name = "host name or list of host names";
  host_names.read = [](Context& ctx, const Site& site) -> std::optional<std::vector<NameRef>> {
    if (site.value.IsScalar())
      return std::vector<NameRef>{NameRef{site.value.Scalar(), site.mark}};
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a host name or a list of host names");
      return std::nullopt;
    }
    return list_type(reference_type("host name")).read(ctx, site);
  };
  const KindTypes types{duration,
                        bytes,
                        bandwidth,
                        cpu,
                        distribution,
                        reference_type("host name"),
                        reference_type("service name"),
                        std::move(host_names),
                        rate};

  service.selector = "kind";
  service.noun = "service kind";
  service.selector_help = "What the service is; it decides which other keys apply.";
  service.select = [](ServiceRaw& s, ServiceKindTag k) {
    s.kind = k;
    s.spec = default_spec(k);
  };
  // Each kind's record, from its own file (service_kinds.hpp), in the order of ServiceKind.
  for (std::size_t i = 0; i < std::variant_size_v<ServiceKind>; ++i) {
    const auto tag = static_cast<ServiceKindTag>(i);
    std::visit(
        [&](const auto& spec) {
          KindSchema kind = kind_schema(spec, types);
          service.choices.push_back({models::kind_name(spec), tag, kind.meaning});
          service.alternatives.push_back({{tag}, std::move(kind.record)});
          kind_records_markdown += kind.records_markdown;
          kind_words.insert(kind_words.end(), kind.words.begin(), kind.words.end());
        },
        default_spec(tag));
  }
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

// A rate for messages: 200/s.
std::string format_rate(double per_second)
{
  std::ostringstream out;
  out.precision(6);
  out << per_second << "/s";
  return out.str();
}

// A quantity that follows a shape over the run: an open arrival's rate, or a closed population's number of
// users (population.hpp, whole users). Both have the same shapes; their key, how one value reads (its unit
// included), how a message writes one, and their words differ.
struct ShapedQuantity {
  std::string key;                           // "rate" or "users": a point's key, and the records' headings
  Type<double> value;                        // one value
  std::function<std::string(double)> format; // one value in a message
  bool users = false;                        // which of the words below

  // The words for a rate, or those for a number of users.
  const char* say(const char* for_rate, const char* for_users) const { return users ? for_users : for_rate; }
};

ShapedQuantity rate_quantity(const Type<double>& rate)
{
  return {"rate", rate, format_rate, false};
}

// Whole users, read as a count; at most 2^63 - 1 (a double holds them all to within its precision).
ShapedQuantity users_quantity()
{
  const Type<std::int64_t> count = integer_type<std::int64_t>();
  Type<double> users;
  users.name = count.name;
  users.unit = "users";
  users.help = count.help;
  users.read = [count](Context& ctx, const Site& site) -> std::optional<double> {
    auto n = count.read(ctx, site);
    if (!n)
      return std::nullopt;
    return static_cast<double>(*n);
  };
  return {"users", users, [](double n) { return std::to_string(static_cast<std::int64_t>(n)); }, true};
}

std::function<void(RateShape&, double&&)> set_time(SimTime RateShape::*member)
{
  return [member](RateShape& r, double&& s) { r.*member = from_seconds(s); };
}

// A point of `shape: steps` or `shape: piecewise`: {at, rate} or {at, users}; the list of them.
Type<std::vector<RatePoint>> declare_shape_point(const ShapedQuantity& q, const Type<double>& duration,
                                                 Record<RatePoint>& point)
{
  point.title = q.say("a point of `shape: steps` or `shape: piecewise`",
                      "a point of `users` with `shape: steps` or `shape: piecewise`");
  point.help = q.say("The rate from a time on.", "The number of users from a time on.");
  point.fields = {
      field<RatePoint>("at", duration, [](RatePoint& p, double&& s) { p.at = from_seconds(s); })
          .required()
          .check(at_least(0.0))
          .help("From when."),
      field<RatePoint>(q.key, q.value, &RatePoint::rate)
          .required()
          .check(at_least(0.0))
          .help(q.say("The rate then.", "The number of users then.")),
  };
  return list_type(record_type(&point, "in a point of the " + q.key));
}

// The selector `shape` and its choices.
void declare_shape_choices(const ShapedQuantity& q, Variant<RateShape, RateShape::Kind>& shape)
{
  shape.selector = "shape";
  shape.noun = q.key + " shape";
  shape.selector_help = q.say("How the rate changes over the run.", "How the number of users changes over the run.");
  shape.choices = {
      {"steps", RateShape::Kind::steps,
       q.say("the rate jumps at given times and stays until the next",
             "the number jumps at given times and stays until the next")},
      {"ramp", RateShape::Kind::ramp,
       q.say("the rate goes linearly from one value to another",
             "the number goes linearly from one value to another, a user at a time")},
      {"spike", RateShape::Kind::spike,
       q.say("a burst: the rate jumps to a peak for a while, then back",
             "a crowd: the number jumps to a peak for a while, then back")},
      {"daily", RateShape::Kind::daily,
       q.say("a sinusoid between mean - (peak - mean) and peak, with a period",
             "a sinusoid between mean - (peak - mean) and peak, a user at a time")},
      {"piecewise", RateShape::Kind::piecewise,
       q.say("the rate goes linearly from each point to the next",
             "the number goes linearly from each point to the next")},
  };
  shape.select = [](RateShape& r, RateShape::Kind k) { r.kind = k; };
}

// `shape: steps` or `shape: piecewise`.
Record<RateShape> shape_points_record(const ShapedQuantity& q, const Type<std::vector<RatePoint>>& points)
{
  Record<RateShape> by_points;
  by_points.title = "`" + q.key + "` with `shape: steps` or `shape: piecewise`";
  by_points.help = q.say("Before the first point the rate is the first point's; after the last, the last point's.",
                         "Before the first point the number is the first point's; after the last, the last point's.");
  by_points.fields = {
      field<RateShape>("points", points, &RateShape::points)
          .required()
          .check(non_empty<RatePoint>())
          .help(q.say("`{at: TIME, rate: RATE}` items in increasing time.",
                      "`{at: TIME, users: N}` items in increasing time.")),
  };
  by_points.rules = {
      points_in_increasing_time(),
  };
  return by_points;
}

// `shape: ramp`.
Record<RateShape> shape_ramp_record(const ShapedQuantity& q, const Type<double>& duration)
{
  Record<RateShape> ramp;
  ramp.title = "`" + q.key + "` with `shape: ramp`";
  ramp.help = q.say("`from` until `at`, then linearly to `to` over `over`, then `to`.",
                    "`from` until `at`, then linearly to `to` over `over` (a user at a time), then `to`.");
  ramp.fields = {
      field<RateShape>("from", q.value, &RateShape::base)
          .required()
          .check(at_least(0.0))
          .help(q.say("The rate at the start.", "The users at the start.")),
      field<RateShape>("to", q.value, &RateShape::peak)
          .required()
          .check(at_least(0.0))
          .help(q.say("The rate at the end.", "The users at the end.")),
      field<RateShape>("over", duration, set_time(&RateShape::length))
          .required()
          .check(at_least_one_nanosecond())
          .help("How long the ramp takes."),
      field<RateShape>("at", duration, set_time(&RateShape::at))
          .defaults("0s")
          .check(at_least(0.0))
          .help("When the ramp starts."),
  };
  return ramp;
}

// `shape: spike`.
Record<RateShape> shape_spike_record(const ShapedQuantity& q, const Type<double>& duration)
{
  Record<RateShape> spike;
  spike.title = "`" + q.key + "` with `shape: spike`";
  spike.help = q.say("`base`, except `peak` from `at` for `for`.", "`base` users, except `peak` from `at` for `for`.");
  spike.fields = {
      field<RateShape>("base", q.value, &RateShape::base)
          .required()
          .check(at_least(0.0))
          .help(q.say("The rate outside the burst.", "The users outside the crowd.")),
      field<RateShape>("peak", q.value, &RateShape::peak)
          .required()
          .check(at_least(0.0))
          .help(q.say("The rate during the burst.", "The users during the crowd.")),
      field<RateShape>("at", duration, set_time(&RateShape::at))
          .required()
          .check(at_least(0.0))
          .help(q.say("When the burst starts.", "When the crowd comes.")),
      field<RateShape>("for", duration, set_time(&RateShape::length))
          .required()
          .check(at_least_one_nanosecond())
          .help(q.say("How long the burst lasts.", "How long it stays.")),
  };
  return spike;
}

// `shape: daily`: a sinusoid, which never goes below 0.
Record<RateShape> shape_daily_record(const ShapedQuantity& q, const Type<double>& duration)
{
  Record<RateShape> daily;
  daily.title = "`" + q.key + "` with `shape: daily`";
  daily.help =
      q.say("mean + (peak - mean) cos(2 pi (t - peak_at) / period): a day's traffic, at its highest at `peak_at`.",
            "mean + (peak - mean) cos(2 pi (t - peak_at) / period) users, moving a user at a time.");
  daily.fields = {
      field<RateShape>("mean", q.value, &RateShape::base)
          .required()
          .check(at_least(0.0))
          .help(q.say("The average rate.", "The average number of users.")),
      field<RateShape>("peak", q.value, &RateShape::peak)
          .required()
          .check(at_least(0.0))
          .help(q.say("The highest rate.", "The largest number of users.")),
      field<RateShape>("period", duration, set_time(&RateShape::length))
          .defaults("86400s")
          .check(at_least_one_nanosecond())
          .help("The length of one cycle (a day by default)."),
      field<RateShape>("peak_at", duration, set_time(&RateShape::at))
          .defaults("0s")
          .check(at_least(0.0))
          .help(q.say("A time at which the rate is at its peak.", "A time at which the number is at its peak.")),
  };
  const std::string it = q.say("the rate", "the number");
  daily.rules = {
      {"`peak` is at least `mean` and at most twice `mean` (" + it + " never goes below 0).",
       [format = q.format, it](Context& ctx, const Entries& entries, RateShape& r) {
         if (!entries.find("peak") || !entries.find("mean"))
           return;
         const YAML::Node& peak = entries.find("peak")->value;
         if (r.peak < r.base)
           ctx.error(peak.Mark(), "peak must be at least mean (" + format(r.base) + "), got " + written(peak));
         else if (r.peak > 2 * r.base)
           ctx.error(peak.Mark(), "peak must be at most twice mean (" + format(2 * r.base) + "): " + it +
                                      " would go below 0 in the trough, got " + written(peak));
       }},
  };
  return daily;
}

// A value written alone (constant), or a map with a `shape`.
Type<RateShape> shaped_type(const ShapedQuantity& q, const Variant<RateShape, RateShape::Kind>& shape)
{
  Type<RateShape> shaped;
  shaped.name = q.key + " or map";
  shaped.unit = q.value.unit;
  shaped.help =
      q.say(q.value.help.c_str(), "A number of users, or a map with a `shape` whose number changes over the run.");
  shaped.read = [q, &shape](Context& ctx, const Site& site) -> std::optional<RateShape> {
    if (!site.value.IsMap()) {
      auto v = q.value.read(ctx, site);
      if (!v)
        return std::nullopt;
      RateShape constant;
      constant.base = *v;
      return constant;
    }
    RateShape out;
    const std::size_t before = ctx.error_count();
    read_variant(ctx, site, shape, out, "in the " + q.key);
    if (ctx.error_count() != before)
      return std::nullopt;
    return out;
  };
  shaped.shape = variant_shape(shape);
  return shaped;
}

// A quantity's point, shapes and shaped type, into the members given.
void declare_shapes(const ShapedQuantity& q, const Type<double>& duration, Record<RatePoint>& point,
                    Variant<RateShape, RateShape::Kind>& shape, Type<RateShape>& shaped)
{
  const Type<std::vector<RatePoint>> points = declare_shape_point(q, duration, point);
  declare_shape_choices(q, shape);
  shape.alternatives = {
      {{RateShape::Kind::steps, RateShape::Kind::piecewise}, shape_points_record(q, points)},
      {{RateShape::Kind::ramp}, shape_ramp_record(q, duration)},
      {{RateShape::Kind::spike}, shape_spike_record(q, duration)},
      {{RateShape::Kind::daily}, shape_daily_record(q, duration)},
  };
  shaped = shaped_type(q, shape);
}

void Tables::declare_rate_shapes()
{
  declare_shapes(rate_quantity(rate), duration, rate_point, rate_shape, shaped_rate);
}

// The same shapes as a rate's, for a closed population's number of users (population.hpp): whole users.
void Tables::declare_user_shapes()
{
  declare_shapes(users_quantity(), duration, users_point, users_shape, shaped_users);
}

void Tables::declare_herd()
{
  herd.title = "`workload.herd`";
  herd.help = "Users who all send a request at one instant (a cache expiry, a reconnect after an outage).";
  herd.fields = {
      field<HerdSpec>("at", duration, [](HerdSpec& h, double&& s) { h.at = from_seconds(s); })
          .required()
          .check(at_least(0.0))
          .help("The instant."),
      field<HerdSpec>("users", integer_type<std::int64_t>(), &HerdSpec::users)
          .required()
          .check(at_least<std::int64_t>(1))
          .check(at_most(limits::kUsers))
          .unit("users")
          .help("How many requests arrive at that instant, each drawn from the mix and the keys."),
  };
}

void Tables::declare_arrival()
{
  declare_rate_shapes();
  declare_herd();
  declare_user_shapes();
  arrival.selector = "process";
  arrival.noun = "arrival process";
  arrival.selector_help = "How users' requests arrive.";
  arrival.choices = {
      {"poisson", ArrivalProcess::poisson, "open: independent arrivals at an average rate"},
      {"constant", ArrivalProcess::constant, "open: arrivals evenly spaced at the rate"},
      {"closed", ArrivalProcess::closed, "closed: each user sends a request, waits for the reply, thinks, again"},
      {"trace", ArrivalProcess::trace, "open: the arrivals of a CSV file, replayed exactly"},
  };
  arrival.select = [](ArrivalRaw& a, ArrivalProcess p) {
    a.process = p;
    if (p == ArrivalProcess::constant)
      a.open.process = OpenArrival::Process::constant;
    if (p == ArrivalProcess::trace)
      a.open.process = OpenArrival::Process::trace;
  };
  arrival.alternatives = {
      {{ArrivalProcess::poisson, ArrivalProcess::constant}, open_arrival_record()},
      {{ArrivalProcess::closed}, closed_arrival_record()},
      {{ArrivalProcess::trace}, trace_arrival_record()},
  };
}

// `process: poisson` or `constant`: a rate, or a shaped rate.
Record<ArrivalRaw> Tables::open_arrival_record() const
{
  Record<ArrivalRaw> open;
  open.title = "`workload.arrival` with `process: poisson` or `constant`";
  open.help = "An open workload: requests arrive whatever the response times.";
  open.fields = {
      field<ArrivalRaw>("rate", shaped_rate,
                        [](ArrivalRaw& a, RateShape&& r) {
                          a.open.rate = r.max_rate();
                          if (r.kind != RateShape::Kind::constant)
                            a.open.shape = std::move(r);
                        })
          .required()
          .check(Check<RateShape>{"greater than 0", [](const RateShape& r) { return r.max_rate() > 0; }})
          .check(Check<RateShape>{at_most_one_per_nanosecond().description,
                                  [](const RateShape& r) { return r.max_rate() <= 1e9; }})
          .help("Average arrivals per second: a rate (`800/s`), or a map with a `shape` for a rate that changes "
                "over time (Poisson only); see `rate` with `shape: ...`. A changing rate is drawn exactly, by "
                "thinning."),
  };
  open.rules = {
      {"A rate with a `shape` needs `process: poisson`.",
       [](Context& ctx, const Entries& entries, ArrivalRaw& a) {
         if (a.open.shape && a.open.process == OpenArrival::Process::constant)
           ctx.error(entries.find("rate")->value.Mark(),
                     "rate: a rate with a shape needs process poisson (a constant process has one rate)");
       }},
  };
  return open;
}

// `process: trace`: a CSV file.
Record<ArrivalRaw> Tables::trace_arrival_record()
{
  Record<ArrivalRaw> trace;
  trace.title = "`workload.arrival` with `process: trace`";
  trace.help = "An open workload replayed from a CSV file: one arrival a line, `time[,type[,key]]`, time as a "
               "duration (`12.5ms`) or bare seconds, in time order; an optional header line `time,type,key`; "
               "lines starting with `#` and blank lines are skipped. A line without a type draws it from the "
               "mix, one without a key draws it from `workload.keys`.";
  trace.fields = {
      field<ArrivalRaw>("file", text_type(), [](ArrivalRaw& a, std::string&& f) { a.open.trace_file = f; })
          .required()
          .help("The CSV file, relative to the topology file."),
  };
  return trace;
}

// `process: closed`: a population of users, fixed or shaped, and their think time.
Record<ArrivalRaw> Tables::closed_arrival_record() const
{
  Record<ArrivalRaw> closed;
  closed.title = "`workload.arrival` with `process: closed`";
  closed.help = "A closed workload: a population of users, fixed or following a shape, each with at most one request "
                "in flight.";
  closed.fields = {
      field<ArrivalRaw>("users", shaped_users,
                        [](ArrivalRaw& a, RateShape&& r) {
                          a.closed.users = max_users(r);
                          if (r.kind != RateShape::Kind::constant)
                            a.closed.shape = std::move(r);
                        })
          .required()
          .check(Check<RateShape>{
              "at least 1",
              [](const RateShape& r) { return r.kind != RateShape::Kind::constant || max_users(r) >= 1; }})
          .check(Check<RateShape>{"at most " + std::to_string(limits::kUsers),
                                  [](const RateShape& r) { return max_users(r) <= limits::kUsers; }})
          .unit("users")
          .help("How many users: a count (`100`), or a map with a `shape` for a population that grows or shrinks "
                "over the run; see `users` with `shape: ...`. Users added send a request at once; users removed "
                "stop thinking at once, or leave when the reply to their request in flight comes back."),
      field<ArrivalRaw>("think_time", distribution,
                        [](ArrivalRaw& a, DistributionSpec&& d) { a.closed.think_time = d; })
          .defaults("0s")
          .help("Time between a reply and the user's next request."),
  };
  closed.rules = {
      {"A `users` shape has at least one user at some time.",
       [](Context& ctx, const Entries& entries, ArrivalRaw& a) {
         const Entry* count = entries.find("users");
         if (count && a.closed.shape && a.closed.users < 1)
           ctx.error(count->value.Mark(), "users: the shape never has a user (its largest number of users is 0)");
       }},
      {"With a `think_time` that is not exponential, `users` is at most " +
           std::to_string(limits::kUsersThinkingApart) +
           ": each thinking user is then an event of its own (exponential think times make one process of all).",
       [](Context& ctx, const Entries& entries, ArrivalRaw& a) {
         const Entry* count = entries.find("users");
         if (count && a.closed.think_time.kind != DistributionSpec::Kind::exponential &&
             a.closed.users > limits::kUsersThinkingApart)
           ctx.error(count->value.Mark(),
                     "users must be at most " + std::to_string(limits::kUsersThinkingApart) +
                         " when think_time is not exponential (each thinking user is then an event of its own), got " +
                         written(count->value));
       }},
  };
  return closed;
}

void Tables::declare_keys()
{
  keys.title = "`workload.keys`";
  keys.help = "The keys requests carry (for caches and sharding); without this section requests carry none.";
  keys.fields = {
      field<KeySpaceSpec>("count", integer_type<std::int64_t>(), &KeySpaceSpec::count)
          .required()
          .check(at_least<std::int64_t>(1))
          .check(at_most(limits::kKeys))
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
      field<KeySpaceSpec>("hot_key", number_type(), &KeySpaceSpec::hot_key)
          .defaults("0")
          .check(at_least(0.0))
          .check(Check<double>{"less than 1", [](const double& p) { return p < 1; }})
          .help("The probability that a request's key is key 1, a hot key (a celebrity's profile, a flash sale's "
                "item); the other requests draw their key by `distribution`."),
  };
  keys.rules = {
      {"`exponent` is given with `distribution: zipf` only.",
       [](Context& ctx, const Entries& entries, KeySpaceSpec& k) {
         if (k.popularity != KeySpaceSpec::Popularity::zipf && entries.find("exponent"))
           ctx.error(entries.key_mark("exponent"), "exponent is only used with distribution zipf");
       }},
  };
}

// A herd, or a list of them.
Type<std::vector<HerdSpec>> Tables::herd_list() const
{
  Type<std::vector<HerdSpec>> type;
  type.name = "map or list of maps";
  const Type<HerdSpec> one = record_type(&herd, "in workload.herd");
  type.read = [one](Context& ctx, const Site& site) -> std::optional<std::vector<HerdSpec>> {
    std::vector<HerdSpec> out;
    if (site.value.IsMap()) {
      auto h = one.read(ctx, site);
      if (!h)
        return std::nullopt;
      out.push_back(*h);
      return out;
    }
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a map {at: TIME, users: N} or a list of them");
      return std::nullopt;
    }
    bool ok = true;
    for (const auto& node : site.value) {
      auto h = one.read(ctx, Site{node, node.Mark(), site.label});
      if (h)
        out.push_back(*h);
      else
        ok = false;
    }
    if (!ok)
      return std::nullopt;
    return out;
  };
  type.shape = one.shape;
  return type;
}

void Tables::declare_workload()
{
  declare_arrival();
  declare_keys();
  workload.title = "`workload`";
  workload.help = "What the users do.";
  workload.fields = {
      field<WorkloadRaw>("entry", reference_type("service name"), [](WorkloadRaw& w, NameRef&& r) { w.entry = r; })
          .optional("required unless `geodns` is given")
          .help("The service that receives the users' requests: a load_balancer, an api_server or a cdn."),
      field<WorkloadRaw>("arrival", arrival_type(), [](WorkloadRaw& w, ArrivalRaw&& a) { w.arrival = a; })
          .required()
          .help("When requests arrive; see `workload.arrival`."),
      field<WorkloadRaw>("mix", mix_type(), [](WorkloadRaw& w, std::vector<MixItem>&& m) { w.mix = std::move(m); })
          .optional("the only request type, when there is one")
          .help("Request type -> weight (> 0); each request is drawn in proportion. The weights need not sum to 1. "
                "Required when there is more than one request type."),
      field<WorkloadRaw>("keys", record_type(&keys, "in workload.keys"),
                         [](WorkloadRaw& w, KeySpaceSpec&& k) { w.spec.keys = k; })
          .optional("requests carry no key")
          .help("See `workload.keys`."),
      field<WorkloadRaw>("users", integer_type<std::int64_t>(),
                         [](WorkloadRaw& w, std::int64_t&& u) { w.spec.users = u; })
          .optional("requests carry no user")
          .check(at_least<std::int64_t>(1))
          .check(at_most(limits::kUsers))
          .unit("users")
          .help("With an open arrival: the distinct users the requests come from, each request from one drawn "
                "uniformly (sticky balancing and local sessions tell them apart). A closed arrival's users are "
                "its own `users`."),
  };
  workload.fields.push_back(
      field<WorkloadRaw>("herd", herd_list(),
                         [](WorkloadRaw& w, std::vector<HerdSpec>&& h) {
                           std::stable_sort(h.begin(), h.end(),
                                            [](const HerdSpec& a, const HerdSpec& b) { return a.at < b.at; });
                           w.spec.herds = std::move(h);
                         })
          .optional("no herd")
          .help("A thundering herd: `{at: 30s, users: 5000}`, or a list of them; with an open arrival, that many "
                "requests come at that one instant, besides the arrival process's; with a closed one, that many of "
                "its thinking users (all of them, if fewer are thinking) stop thinking and send at that instant."));
  declare_geodns();
  workload.rules = workload_rules();
  for (auto& rule : geodns_rules())
    workload.rules.push_back(std::move(rule));
}

// `workload.arrival`: the variant, with the position of a trace's file kept.
Type<ArrivalRaw> Tables::arrival_type() const
{
  Type<ArrivalRaw> type;
  type.name = "map";
  type.read = [this](Context& ctx, const Site& site) -> std::optional<ArrivalRaw> {
    ArrivalRaw out;
    const std::size_t before = ctx.error_count();
    const Entries entries = read_variant(ctx, site, arrival, out, "in workload.arrival");
    if (const Entry* file = entries.find("file"))
      out.trace_mark = file->value.Mark();
    if (ctx.error_count() != before)
      return std::nullopt;
    return out;
  };
  type.shape = variant_shape(arrival);
  return type;
}

// `workload.mix`: request type -> weight.
Type<std::vector<MixItem>> Tables::mix_type()
{
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
  mix.shape = named_map_shape("request type", leaf_shape("number"));
  return mix;
}

// The rules of `workload` across its keys (geodns_rules() adds those of zones and geodns).
std::vector<Rule<WorkloadRaw>> Tables::workload_rules()
{
  return {
      {"`herd` with a closed arrival needs exponential think times.",
       [](Context& ctx, const Entries& entries, WorkloadRaw& w) {
         if (entries.find("herd") && w.arrival && w.arrival->process == ArrivalProcess::closed &&
             w.arrival->closed.think_time.kind != DistributionSpec::Kind::exponential)
           ctx.error(entries.key_mark("herd"),
                     "herd: a herd of a closed population needs exponential think times (its thinking users are then "
                     "one process, which a herd can stop at once); use think_time: {exponential: ...}");
       }},
      {"`users` is given with an open arrival only.",
       [](Context& ctx, const Entries& entries, WorkloadRaw& w) {
         if (entries.find("users") && w.arrival && w.arrival->process == ArrivalProcess::closed)
           ctx.error(entries.key_mark("users"),
                     "users: a closed arrival has its own users (workload.arrival.users); give them there only");
       }},
  };
}

// workload.zones: zone -> share of the users, as the mix is request type -> weight.
Type<std::vector<ZoneShareRaw>> Tables::zones_type() const
{
  Type<std::vector<ZoneShareRaw>> type;
  type.name = "map of zone to share";
  type.read = [](Context& ctx, const Site& site) -> std::optional<std::vector<ZoneShareRaw>> {
    if (!site.value.IsMap() || site.value.size() == 0) {
      report_expected(ctx, site, "a map of zones to shares of the users, e.g. {eu: 0.6, us: 0.4}");
      return std::nullopt;
    }
    std::vector<ZoneShareRaw> out;
    bool ok = true;
    const Entries entries = Entries::read(ctx, site.value, "zone", "in zones");
    for (const auto& e : entries.all()) {
      const Site share_site = site_of(e.key, e.value, "share of " + e.name);
      const auto share = number_type().read(ctx, share_site);
      if (share && passes(ctx, share_site, *share,
                          {greater_than(0.0), Check<double>{"at most 1", [](const double& v) { return v <= 1; }}}))
        out.push_back(ZoneShareRaw{NameRef{e.name, e.key.Mark()}, *share});
      else
        ok = false;
    }
    if (!ok)
      return std::nullopt;
    return out;
  };
  type.shape = named_map_shape("zone", leaf_shape("number"));
  return type;
}

void Tables::declare_geodns()
{
  geodns.title = "`workload.geodns`";
  geodns.help = "GeoDNS in front of several data centres (docs/cdn.md): a user's name resolves to the entry of the "
                "healthy data centre nearest the user's zone, and clients keep the answer for `ttl`, so after a data "
                "centre fails its users keep going there (misdirected, failing) until their cached answer expires.";
  geodns.fields = {
      field<GeoDnsRaw>("entries", list_type(reference_type("service name")),
                       [](GeoDnsRaw& g, std::vector<NameRef>&& e) { g.entries = std::move(e); })
          .required()
          .help("One entry service per data centre (a load_balancer, an api_server or a cdn), at least two."),
      field<GeoDnsRaw>("ttl", duration, [](GeoDnsRaw& g, double&& s) { g.spec.ttl = from_seconds(s); })
          .required()
          .check(greater_than(0.0))
          .unit("s")
          .help("How long a client keeps the answer (the record's TTL)."),
  };
  geodns.rules = {
      {"`entries` names at least two services, each once.",
       [](Context& ctx, const Entries& entries, GeoDnsRaw& g) {
         if (!g.entries)
           return;
         if (g.entries->size() < 2) {
           ctx.error(entries.find("entries")->value.Mark(),
                     "entries: GeoDNS needs at least two data centres' entries, got " +
                         std::to_string(g.entries->size()) + "; with one, give workload.entry instead");
           return;
         }
         std::set<std::string> seen;
         for (const NameRef& e : *g.entries)
           if (!seen.insert(e.name).second)
             ctx.error(e.mark, "entries: " + quote(e.name) + " is listed twice");
       }},
  };
  workload.fields.push_back(
      field<WorkloadRaw>("zones", zones_type(),
                         [](WorkloadRaw& w, std::vector<ZoneShareRaw>&& z) { w.zones = std::move(z); })
          .optional("the users come in at `hardware.users`")
          .help("Users in several zones: zone -> share of the requests (> 0, summing to 1), e.g. `{eu: 0.6, us: "
                "0.4}`. Each arrival draws its user's zone; its request enters the network at that zone's switch "
                "(`gw-ZONE` in the datacenters shape). Open arrivals only."));
  workload.fields.push_back(
      field<WorkloadRaw>("geodns",
                         record_type<GeoDnsRaw>(&geodns, "in workload.geodns",
                                                [](GeoDnsRaw& g, Entries&& e) { g.map = std::move(e); }),
                         [](WorkloadRaw& w, GeoDnsRaw&& g) { w.geodns = std::move(g); })
          .optional("no GeoDNS: every request goes to `entry`")
          .help("See `workload.geodns`; instead of `entry`. Open arrivals only."));
}

namespace
{
std::string share_sum_text(double sum)
{
  std::ostringstream out;
  out << sum;
  return out.str();
}
} // namespace

std::vector<Rule<WorkloadRaw>> Tables::geodns_rules() const
{
  return {
      {"Exactly one of `entry` and `geodns` is given.",
       [](Context& ctx, const Entries& entries, WorkloadRaw&) {
         if (!entries.find("entry") && !entries.find("geodns"))
           ctx.error(entries.map().Mark(), "missing key \"entry\" in the workload");
         else if (entries.find("entry") && entries.find("geodns"))
           ctx.error(entries.key_mark("geodns"),
                     "geodns: give either entry (one data centre) or geodns (its entries), not both");
       }},
      {"The shares of `zones` sum to 1.",
       [](Context& ctx, const Entries& entries, WorkloadRaw& w) {
         if (!w.zones)
           return;
         double sum = 0;
         for (const auto& z : *w.zones)
           sum += z.share;
         if (std::abs(sum - 1) > 1e-9)
           ctx.error(entries.find("zones")->value.Mark(),
                     "zones: the shares must sum to 1, got " + share_sum_text(sum));
       }},
      {"`zones` and `geodns` are given with an open arrival only.",
       [](Context& ctx, const Entries& entries, WorkloadRaw& w) {
         if (!w.arrival || w.arrival->process != ArrivalProcess::closed)
           return;
         for (const char* key : {"zones", "geodns"})
           if (entries.find(key))
             ctx.error(entries.key_mark(key), std::string(key) + ": users in zones and GeoDNS need an open arrival "
                                                                 "(poisson, constant or trace); not yet closed ones");
       }},
  };
}

namespace
{

// The keys that say what a fault is, one per kind: exactly one of them is given.
constexpr std::array<const char*, 8> kFaultKindKeys{"crash",          "crash_zone", "delay_link",    "cut_link",
                                                    "partition_zone", "slow",       "crash_service", "fill_disk"};

// A field naming what a fault of kind `kind` strikes; reading it sets the fault's kind.
auto fault_target(const char* key, FaultSpec::Kind kind, std::optional<NameRef> FaultRaw::*member, std::string type)
{
  return field<FaultRaw>(key, reference_type(std::move(type)), [kind, member](FaultRaw& f, NameRef&& r) {
    f.*member = r;
    f.spec.kind = kind;
  });
}

// `at`, and the faults that strike a host, a zone or a link.
std::vector<Field<FaultRaw>> crash_and_link_fault_fields(const Type<double>& duration)
{
  return {
      field<FaultRaw>("at", duration,
                      [](FaultRaw& f, double&& seconds) {
                        f.spec.at = from_seconds(seconds);
                        f.at_read = true;
                      })
          .required()
          .help("When the fault starts, from the start of the run; before `duration`."),
      fault_target("crash", FaultSpec::Kind::crash, &FaultRaw::crash, "host name")
          .optional("another kind of fault")
          .help("The host that crashes: a host name (one instance of a group with count > 1, such as web-2)."),
      fault_target("crash_zone", FaultSpec::Kind::crash_zone, &FaultRaw::crash_zone, "zone name")
          .optional("another kind of fault")
          .help("A zone (a data centre of shape datacenters, or a `zone` of hosts given with `links`) whose hosts "
                "all crash, as with `crash`."),
      fault_target("delay_link", FaultSpec::Kind::delay_link, &FaultRaw::delay_link, "link name")
          .optional("another kind of fault")
          .help("A link (by its name in results.json's links[]: `wan-eu-us`, `web-1--sw`, a named link) on which "
                "every message whose head enters it during the fault takes `add` longer, in both directions."),
      field<FaultRaw>("add", duration, [](FaultRaw& f, double&& seconds) { f.spec.add = from_seconds(seconds); })
          .optional("required with delay_link")
          .check(at_least_one_nanosecond())
          .help("With `delay_link` only: the latency added to the link."),
      fault_target("cut_link", FaultSpec::Kind::cut_link, &FaultRaw::cut_link, "link name")
          .optional("another kind of fault")
          .help("A link that loses, in both directions, every message whose head would reach it during the fault "
                "(on an idle network): a request fails at once with `partitioned`, a reply is lost and its caller "
                "fails with `lost` when the reply was due."),
      fault_target("partition_zone", FaultSpec::Kind::partition_zone, &FaultRaw::partition_zone, "zone name")
          .optional("another kind of fault")
          .help("A zone cut off from the others: every link between one of its hosts or switches and an element "
                "outside it is cut, as with `cut_link` (the users' own link is not: users near the zone still "
                "reach it)."),
  };
}

// The faults that slow a host's cores or disk and that crash one service, and `for`.
std::vector<Field<FaultRaw>> slow_and_service_fault_fields(const Type<double>& duration)
{
  return {
      fault_target("slow", FaultSpec::Kind::slow, &FaultRaw::slow, "host name")
          .optional("another kind of fault")
          .help("A slow host: its cores run `factor` times slower during the fault. Every CPU claim on the host, "
                "whoever makes it, takes longer for the part of it inside the fault; delays and the disk are not "
                "slowed (docs/protection.md)."),
      fault_target("fill_disk", FaultSpec::Kind::fill_disk, &FaultRaw::fill_disk, "host name")
          .optional("another kind of fault")
          .help("A host whose disk is nearly full: every disk claim on it takes `factor` times longer for the part "
                "of it inside the fault (a file system near full searches longer for free blocks and fragments "
                "what it writes); its cores are not slowed (docs/faults.md)."),
      field<FaultRaw>("factor", number_type(), [](FaultRaw& f, double&& x) { f.spec.slow_factor = x; })
          .optional("required with slow and fill_disk")
          .check(at_least(1.0))
          .check(at_most(1e6))
          .help("With `slow` and `fill_disk` only: how many times longer CPU work (slow) or disk work (fill_disk) "
                "takes (10: a tenth of the speed)."),
      fault_target("crash_service", FaultSpec::Kind::crash_service, &FaultRaw::crash_service, "service name")
          .optional("another kind of fault")
          .help("A service whose instance (`instance`, or every instance without it) crashes as a host does: it "
                "loses the requests it holds (`host_down`), refuses new ones while down and restarts empty, while "
                "its host and the host's other services stay up."),
      field<FaultRaw>("instance", integer_type<int>(), [](FaultRaw& f, int&& i) { f.spec.instance = i; })
          .optional("every instance of the service")
          .check(at_least(1))
          .help("With `crash_service` only: which instance crashes, from 1, in the order of the service's hosts "
                "(`hosts: web` of count 3: instance 2 runs on web-2)."),
      field<FaultRaw>("for", duration, [](FaultRaw& f, double&& seconds) { f.spec.down_for = from_seconds(seconds); })
          .optional("the fault lasts to the end of the run")
          .check(at_least_one_nanosecond())
          .help("How long the fault lasts; a crashed host restarts empty after it. A host's next crash comes at or "
                "after its restart, a link's next cut after the end of the one before."),
  };
}

// Exactly one kind of fault, and the keys that go with it.
Rule<FaultRaw> one_fault_kind_rule()
{
  return {"Exactly one of `crash`, `crash_zone`, `delay_link`, `cut_link`, `partition_zone`, `slow`, `crash_service` "
          "and `fill_disk` is given; `add` with `delay_link` only, and always with it; `factor` with `slow` and "
          "`fill_disk` only, and always with them; `instance` with `crash_service` only.",
          [](Context& ctx, const Entries& entries, FaultRaw& f) {
            std::vector<const Entry*> given;
            for (const char* key : kFaultKindKeys)
              if (const Entry* e = entries.find(key))
                given.push_back(e);
            if (given.empty()) {
              ctx.error(entries.map().Mark(), "a fault needs one of crash, crash_zone, delay_link, cut_link, "
                                              "partition_zone, slow, crash_service and fill_disk");
              return;
            }
            for (std::size_t i = 1; i < given.size(); ++i)
              ctx.error(given[i]->key.Mark(), "a fault strikes one thing: give " + given[0]->key.Scalar() + " or " +
                                                  given[i]->key.Scalar() + ", not both (write two faults)");
            if (given.size() > 1) // nothing more is said about it: which one was meant is not known
              f.crash = f.crash_zone = f.delay_link = f.cut_link = f.partition_zone = f.slow = f.crash_service =
                  f.fill_disk = std::nullopt;
            const bool delay = entries.find("delay_link") != nullptr;
            if (const Entry* add = entries.find("add"); add && !delay)
              ctx.error(add->key.Mark(), "add is for delay_link only: it is the latency added to the link");
            else if (delay && !add && given.size() == 1)
              ctx.error(entries.map().Mark(), "missing key \"add\": the latency delay_link adds, such as add: 50ms");
            const bool slow = entries.find("slow") != nullptr;
            const bool fill = entries.find("fill_disk") != nullptr;
            if (const Entry* factor = entries.find("factor"); factor && !slow && !fill)
              ctx.error(factor->key.Mark(), "factor is only used with slow and fill_disk");
            else if (slow && !factor && given.size() == 1)
              ctx.error(entries.key_mark("slow"), "slow needs factor: how many times slower the host's cores run");
            else if (fill && !factor && given.size() == 1)
              ctx.error(entries.key_mark("fill_disk"), "fill_disk needs factor: how many times slower the host's disk "
                                                       "runs while it is nearly full");
            if (const Entry* instance = entries.find("instance"); instance && !entries.find("crash_service"))
              ctx.error(instance->key.Mark(), "instance is only used with crash_service: the instance that crashes");
          }};
}

} // namespace

void Tables::declare_faults()
{
  fault.title = "`faults[]`";
  fault.help =
      "One fault of the timeline: it starts `at` and lasts `for` (to the end of the run without it); exactly one of "
      "`crash`, `crash_zone`, `delay_link`, `cut_link`, `partition_zone`, `slow`, `crash_service` and `fill_disk` "
      "says what it strikes "
      "(docs/faults.md). A crash (`{at: 60s, crash: web-2, for: 10s}`) makes every service instance on the host "
      "lose the requests it holds (their callers get a `host_down` error at once, as when the kernel resets a "
      "dead process's connections); while down the host refuses new requests with `host_down`; after `for` it "
      "restarts empty. Balancers skip a down backend from their first health check at or after the crash until "
      "the first check at or after the restart. A cut link loses the messages whose head would reach it while it "
      "is cut: a request fails at once with `partitioned`, a lost reply fails its caller with `lost` when it was "
      "due.";
  fault.fields = crash_and_link_fault_fields(duration);
  const auto more = slow_and_service_fault_fields(duration);
  fault.fields.insert(fault.fields.end(), more.begin(), more.end());
  fault.rules = {one_fault_kind_rule()};
}

Type<std::vector<ServiceRaw>> Tables::services_type() const
{
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
  services.shape = named_map_shape("service", variant_shape(service));
  return services;
}

Type<std::vector<RequestRaw>> Tables::requests_type() const
{
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
  requests.shape = named_map_shape("request type", record_shape(request));
  return requests;
}

// `diagram`: where scalelab-gui draws each node, as `NODE: [x, y]`. The simulation reads nothing from it; the
// loader checks its shape only, and a name that is no node of the diagram is ignored (the node it meant is
// placed by the automatic layout).
Type<bool> diagram_type()
{
  Type<bool> type;
  type.name = "map of node to [x, y]";
  type.help = "A node (a service's name, `(users)`, `DATABASE/replicas`) and its centre on the canvas: `lb: "
              "[420, 130]`.";
  type.read = [](Context& ctx, const Site& site) -> std::optional<bool> {
    if (site.value.IsNull()) // `diagram:` and nothing: no node placed
      return true;
    if (!site.value.IsMap()) {
      report_expected(ctx, site, "a map of node names to [x, y]");
      return std::nullopt;
    }
    bool ok = true;
    for (auto it = site.value.begin(); it != site.value.end(); ++it) {
      const std::string name = it->first.IsScalar() ? it->first.Scalar() : std::string("the key");
      const Site place = site_of(it->first, it->second, name);
      const YAML::Node xy = it->second; // a copy: the iterator's pair is a temporary
      if (!it->first.IsScalar() || !xy.IsSequence() || xy.size() != 2 || !xy[0].IsScalar() || !xy[1].IsScalar() ||
          !is_plain_number(xy[0].Scalar()) || !is_plain_number(xy[1].Scalar())) {
        report_expected(ctx, place, "[x, y], two numbers");
        ok = false;
      }
    }
    if (!ok)
      return std::nullopt;
    return true;
  };
  type.shape = leaf_shape(type.name);
  return type;
}

void Tables::declare_top()
{
  const auto services = services_type();
  const auto requests = requests_type();
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
      field<TopologyRaw>("hardware",
                         record_type<HardwareRaw>(&hardware, "in hardware",
                                                  [](HardwareRaw& h, Entries&& e) { h.entries = std::move(e); }),
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
      field<TopologyRaw>("faults",
                         record_list(&fault, "faults", "fault", "faults", [](const FaultRaw&) { return true; }),
                         &TopologyRaw::faults)
          .optional("no faults")
          .help("The fault timeline (crashes, slow or cut links, partitions), in any order; see `faults[]`."),
      field<TopologyRaw>("diagram", diagram_type(), [](TopologyRaw&, bool&&) {})
          .optional("the automatic layout")
          .help("Where scalelab-gui draws the nodes it was told to keep in place (a node moved on its canvas); "
                "the simulation ignores it (docs/gui.md)."),
  };
  top.rules = top_rules();
}

std::vector<Rule<TopologyRaw>> Tables::top_rules()
{
  return {
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
      {"Every fault's `at` is less than `duration`.",
       [](Context& ctx, const Entries& entries, TopologyRaw& t) {
         // As above: a duration with an error of its own is not compared with.
         const Entry* length = entries.find("duration");
         if (length) {
           const auto seconds =
               length->value.IsScalar() ? parse_duration(length->value.Scalar()).value : std::optional<double>();
           if (!seconds || from_seconds(*seconds) < 1)
             return;
         }
         for (const FaultRaw& f : t.faults.items) {
           const Entry* at = f.entries.find("at");
           if (f.at_read && f.spec.at >= t.spec.duration)
             ctx.error(site_of(at->key, at->value, "at").mark,
                       "at must be less than duration (" +
                           (length ? written(length->value)
                                   : format_duration(static_cast<double>(t.spec.duration) / kNanosPerSecond)) +
                           "), got " + written(at->value) + ": the run is over by then");
         }
       }},
      {"`timeseries.csv` has at most " + std::to_string(limits::kTimeseriesRows) +
           " rows: `duration` / `report_interval` rows for the users and for each service.",
       [](Context& ctx, const Entries& entries, TopologyRaw& t) {
         // A duration or an interval with an error of its own is not compared with.
         const Entry* length = entries.find("duration");
         const Entry* interval = entries.find("report_interval");
         for (const Entry* e : {length, interval})
           if (e && !(e->value.IsScalar() && parse_duration(e->value.Scalar()).value &&
                      from_seconds(*parse_duration(e->value.Scalar()).value) >= 1))
             return;
         if (t.spec.report_interval < 1 || t.spec.duration < 1)
           return;
         const std::size_t service_count = t.services ? t.services->size() : 0;
         const std::int64_t rows = limits::timeseries_rows(t.spec.duration, t.spec.report_interval, service_count);
         if (rows <= limits::kTimeseriesRows)
           return;
         const Entry* at = interval ? interval : length;
         ctx.error(at ? site_of(at->key, at->value, at->name).mark : entries.map().Mark(),
                   "timeseries.csv would have more than " + std::to_string(limits::kTimeseriesRows) + " rows (" +
                       "duration / report_interval rows for the users and each of " + std::to_string(service_count) +
                       " services); make report_interval longer");
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

std::shared_ptr<const Shape> topology_shape()
{
  static const std::shared_ptr<const Shape> shape = record_shape(tables().top);
  return shape;
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

namespace
{

// The Limits section: what limits.hpp declares, with why.
std::string limits_markdown()
{
  using namespace limits;
  const auto n = [](auto value) { return std::to_string(value); };
  const std::vector<std::vector<std::string>> rows = {
      {"Size of the file", n(kFileBytes) + " bytes (" + n(kFileBytes >> 20) + " MiB)",
       "Read no further. A hundred thousand hosts written one by one take 5 MB; groups (`count`) take a line."},
      {"Lists and maps inside each other", n(kYamlDepth), "Aliases expanded."},
      {"Values (scalars, lists, maps, empty values)", n(kYamlValues),
       "Aliases expanded (an alias counts as the whole value it names); the YAML parser takes about 450 bytes "
       "per value."},
      {"An alias inside the value its anchor names", "none", "A value cannot contain itself."},
      {"Hosts, once counts are expanded", n(kHosts), "Checked before any is expanded; also bounds `count`."},
      {"Cores of all hosts together", n(kCores), "A run keeps 8 bytes per core; also bounds `cores`."},
      {"Switches, once counts are expanded", n(kSwitches), ""},
      {"Links, once groups are expanded", n(kLinks), ""},
      {"Service instances, all services together", n(kInstances), "Balancers count one each, databases one per shard."},
      {"Workers and connections of all instances together", n(kWorkersAndConnections),
       "A run keeps 8 bytes per worker and connection; also bounds `workers` and `connections`."},
      {"`workload.keys.count`", n(kKeys), "Keys are drawn, not stored; the Zipf sampler is exact up to 2^53."},
      {"Points of a consistent-hash ring", n(kRingPoints),
       "Shards x `virtual_nodes` of a sharded database; a run keeps 12 bytes per point."},
      {"Closed `users`", n(kUsers) + "; " + n(kUsersThinkingApart) + " when `think_time` is not exponential",
       "With exponential think times the users are one process; otherwise each thinking user is an event."},
      {"Users told apart (`sticky`, `sessions: local` or `store`, `read_from: read_your_writes` or `monotonic`)",
       n(kUsersTracked), "Each such table keeps up to 12 bytes per user (monotonic reads keep none)."},
      {"Rows of timeseries.csv", n(kTimeseriesRows),
       "`duration` / `report_interval` rows for the users and for each service."},
      {"Errors reported", n(kErrors), "A limit on the report, not on the topology: the file is read no further."},
  };
  std::string out = "\n## Limits\n\nNo topology can exceed these; a file beyond one is refused at the place "
                    "where it crosses it (`file:line:col`), before anything is expanded or run.\n\n"
                    "| Limit | Value | Note |\n|---|---|---|\n";
  for (const auto& row : rows)
    out += "| " + markdown_cell(row[0]) + " | " + markdown_cell(row[1]) + " | " + markdown_cell(row[2]) + " |\n";
  return out;
}

// The Cross-checks section: what the loader checks across sections.
std::string cross_checks_markdown()
{
  return "\n## Cross-checks\n\n"
         "- Host names are unique once groups are expanded (`web` with count 3 and a host `web-1` clash).\n"
         "- A host of a group with count > 1 is named by its group in `hosts:` or by its instance name "
         "(`web-2`) elsewhere.\n"
         "- Service names and request type names are unique.\n"
         "- `backends` names an api_server; `workload.entry` a load_balancer, an api_server or a cdn; a cdn's `origin` "
         "a load_balancer or an api_server; `mix` request "
         "types.\n"
         "- Switch names are unique once groups are expanded, and no switch has a host's name.\n"
         "- A link's ends are hosts, switches or groups of either, at most one end a group of several, never "
         "both ends the same; link names are unique once groups are expanded.\n"
         "- A route goes from a host to a host through links that exist.\n"
         "- With network shape datacenters, every host's `zone` and `users.zone` is one of `datacenters`; with "
         "shapes lan and racks, hosts have no zone; `users.zone` is for shape datacenters only.\n"
         "- `users.attach` names a host or a switch (a host of the platform with `simgrid_platform`).\n"
         "- A fault's `crash` names one host (an instance of a group with count > 1, such as `web-2`); the faults "
         "of one host do not overlap: each crash comes at or after the restart of the one before (a fault without "
         "`for` lasts to the end of the run), a zone's crash counting as a crash of each of its hosts.\n"
         "- `crash_service` names a service and `instance` one of its instances; the crashes of one instance do not "
         "overlap, nor do they overlap a crash of its host.\n"
         "- `crash_zone` and `partition_zone` name a zone some host is in; `delay_link` and `cut_link` a link of the "
         "network as results.json names it (after shapes and groups are expanded; not with `simgrid_platform`). "
         "The cuts of one link do not overlap, a partition counting as a cut of each link it cuts.\n"
         "- Warnings (the file still loads): a host no service runs on; a database no request uses.\n";
}

} // namespace

std::vector<std::string> topology_words()
{
  const Tables& t = tables();
  WordList words;
  const auto add = [&words](const std::string& word) { words.add(word); };
  const auto add_record = [&words](const auto& record) { words.add_record(record); };
  const auto add_variant = [&add, &add_record](const auto& variant) {
    add(variant.selector);
    for (const auto& choice : variant.choices)
      add(choice.name);
    for (const auto& alternative : variant.alternatives)
      add_record(alternative.record);
  };
  add_record(t.top);
  add_record(t.hardware);
  add_record(t.host);
  add_variant(t.network);
  add_record(t.host_link);
  add_record(t.uplink);
  add_record(t.datacenter_lan);
  add_record(t.switch_);
  add_record(t.link);
  add_record(t.route);
  add_record(t.users);
  add_variant(t.service);
  for (const auto& word : t.kind_words)
    add(word);
  add_record(t.request);
  for (const auto& form : t.steps)
    add(form.key);
  add_record(t.call);
  add_record(retry_budget_record());
  add_record(breaker_record(t.duration));
  add_record(rate_limit_record(t.duration, t.rate));
  add_record(t.publish);
  add_record(t.workload);
  add_variant(t.arrival);
  add_variant(t.rate_shape);
  add_record(t.rate_point);
  add_variant(t.users_shape);
  add_record(t.users_point);
  add_record(t.herd);
  add_record(t.keys);
  add_record(t.geodns);
  add_record(t.fault);
  for (const auto& form : t.distribution_forms)
    add(form.key);
  add_record(t.lognormal);
  for (const auto& name : t.sharing_names)
    add(name);
  for (const auto& unit : unit_names())
    add(unit);
  add("true");
  add("false");
  return words.take();
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
  out += "## `hardware.network`\n\nThe network as a shape, expanded into switches and links when the run starts. "
         "`shape` selects the other keys:\n\n";
  for (const auto& choice : t.network.choices)
    out += "- `" + choice.name + "`: " + choice.help + "\n";
  out += "\n" + markdown_variant(t.network);
  out += markdown_record(t.host_link);
  out += markdown_record(t.uplink);
  out += markdown_record(t.datacenter_lan);
  out += markdown_record(t.switch_);
  out += markdown_record(t.link);
  out += markdown_record(t.route);
  out += markdown_record(t.users);
  out += "## `services`\n\nA map from service name to service. `kind` selects the other keys:\n\n";
  for (const auto& choice : t.service.choices)
    out += "- `" + choice.name + "`: " + choice.help + "\n";
  out += "\n" + markdown_variant(t.service);
  out += t.kind_records_markdown;
  out += "## `requests`\n\nA map from request type name to its steps: either the list of steps, or a map as "
         "described next. Every request type has at least one step.\n\n";
  out += markdown_record(t.request);
  out += "## Steps\n\nEach step is a map with one key, its kind:\n\n" + markdown_forms("Step", t.steps) +
         "\nA request type reached through `call` must not call itself, directly or through other request types. "
         "`db_read` and `db_write` name a database; `forward` names an api_server.\n\n";
  out += markdown_record(t.call);
  out += markdown_record(retry_budget_record());
  out += markdown_record(breaker_record(t.duration));
  out += markdown_record(t.publish);
  out += markdown_record(t.workload);
  out += markdown_variant(t.arrival);
  out += markdown_variant(t.rate_shape);
  out += markdown_record(t.rate_point);
  out += markdown_variant(t.users_shape);
  out += markdown_record(t.users_point);
  out += markdown_record(t.herd);
  out += markdown_record(t.keys);
  out += markdown_record(t.geodns);
  out += markdown_record(t.fault);
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
      {t.shaped_rate.name, "A rate (`800/s`), or a map with a `shape` whose rate changes over the run: see `rate` with "
                           "`shape: ...`."},
      {t.shaped_users.name, "A number of users (`100`), or a map with a `shape` whose number changes over the run: see "
                            "`users` with `shape: ...`."},
      {t.sharing.name, t.sharing.help},
      {t.distribution.name, t.distribution.help},
      {name_type().name,
       name_type().help + " Hosts, switches, links, data centres, services and request types have such names."},
      {text_type().name, text_type().help},
      {integer_type<int>().name, integer_type<int>().help},
      {unsigned_type().name, unsigned_type().help},
      {number_type().name, number_type().help},
      {bool_type().name, bool_type().help},
  };
  out += markdown_choices(forms);
  out += cross_checks_markdown();
  out += limits_markdown();
  return out;
}

namespace
{
template <std::size_t... I> ServiceKind spec_at(std::size_t index, std::index_sequence<I...>)
{
  ServiceKind out;
  ((index == I ? (void)out.emplace<I>() : void()), ...);
  return out;
}
} // namespace

ServiceKind default_spec(ServiceKindTag kind)
{
  return spec_at(static_cast<std::size_t>(kind), std::make_index_sequence<std::variant_size_v<ServiceKind>>{});
}

const std::optional<NameRef>& FaultRaw::target() const
{
  switch (spec.kind) {
  case FaultSpec::Kind::crash:
    return crash;
  case FaultSpec::Kind::crash_zone:
    return crash_zone;
  case FaultSpec::Kind::delay_link:
    return delay_link;
  case FaultSpec::Kind::cut_link:
    return cut_link;
  case FaultSpec::Kind::partition_zone:
    return partition_zone;
  case FaultSpec::Kind::slow:
    return slow;
  case FaultSpec::Kind::crash_service:
    return crash_service;
  case FaultSpec::Kind::fill_disk:
    return fill_disk;
  }
  return crash;
}

} // namespace scalelab::models::schema
