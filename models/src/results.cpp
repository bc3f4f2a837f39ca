#include "scalelab/models/results.hpp"
#include "scalelab/models/cache.hpp"
#include "scalelab/models/replication.hpp"
#include "scalelab/models/units.hpp"

#include "scalelab/models/balancing.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace scalelab::models
{

using nlohmann::ordered_json;

LatencySummary summarize(const Histogram& h)
{
  LatencySummary s;
  s.count = h.count();
  if (s.count == 0)
    return s;
  s.mean = h.mean() / 1e9;
  s.p50 = to_seconds(h.quantile(0.5));
  s.p90 = to_seconds(h.quantile(0.9));
  s.p95 = to_seconds(h.quantile(0.95));
  s.p99 = to_seconds(h.quantile(0.99));
  s.p999 = to_seconds(h.quantile(0.999));
  s.max = to_seconds(h.max());
  return s;
}

namespace
{

ordered_json latency_json(const LatencySummary& l)
{
  return ordered_json{{"count", l.count}, {"mean", l.mean}, {"p50", l.p50},   {"p90", l.p90},
                      {"p95", l.p95},     {"p99", l.p99},   {"p999", l.p999}, {"max", l.max}};
}

ordered_json errors_json(const std::map<std::string, std::uint64_t>& errors)
{
  ordered_json j = ordered_json::object();
  for (const auto& [cause, n] : errors)
    j[cause] = n;
  return j;
}

ordered_json replication_json(const ReplicationResult& r)
{
  ordered_json replicas = ordered_json::array();
  for (const auto& x : r.replicas) {
    ordered_json j{{"host", x.host}};
    if (x.shard > 0)
      j["shard"] = x.shard;
    j.update(ordered_json{{"applied", x.applied},
                          {"lag", {{"mean", x.lag.mean}, {"p99", x.lag.p99}, {"max", x.lag.max}}},
                          {"reads", x.reads},
                          {"stale_reads", x.stale_reads},
                          {"read_your_writes_violations", x.read_your_writes_violations},
                          {"monotonic_read_violations", x.monotonic_read_violations},
                          {"waited_reads", x.waited_reads}});
    replicas.push_back(std::move(j));
  }
  ordered_json failovers = ordered_json::array();
  for (const auto& f : r.failovers) {
    ordered_json j;
    if (f.shard > 0)
      j["shard"] = f.shard;
    j.update(ordered_json{{"old_primary", f.old_primary},
                          {"new_primary", f.new_primary},
                          {"crashed_at", f.crashed_at},
                          {"promoted_at", f.promoted_at},
                          {"failover_time", f.failover_time},
                          {"lost_writes", f.lost_writes},
                          {"failed_in_gap", f.failed_in_gap}});
    failovers.push_back(std::move(j));
  }
  return {{"mode", r.mode},
          {"replicas", replicas},
          {"read_from", r.read_from},
          {"stale_reads", r.stale_reads},
          {"read_your_writes_violations", r.read_your_writes_violations},
          {"monotonic_read_violations", r.monotonic_read_violations},
          {"ack_timeouts", r.ack_timeouts},
          {"fallbacks", r.fallbacks},
          {"async_writes", r.async_writes},
          {"async_seconds", r.async_seconds},
          {"lost_writes", r.lost_writes},
          {"failovers", failovers}};
}

ordered_json resharding_json(const ReshardingResult& r)
{
  ordered_json shards = ordered_json::array();
  for (const auto& x : r.shards)
    shards.push_back({{"host", x.host},
                      {"keys_out", x.keys_out},
                      {"keys_in", x.keys_in},
                      {"bytes_out", x.bytes_out},
                      {"bytes_in", x.bytes_in}});
  return {{"host", r.host},
          {"shards_before", r.shards_before},
          {"shards_after", r.shards_after},
          {"at", r.at},
          {"copied_at", r.copied_at},
          {"keys", r.keys},
          {"keys_moving", r.keys_moving},
          {"moved_fraction", r.moved_fraction},
          {"keys_moved", r.keys_moved},
          {"batches", r.batches},
          {"bytes", r.bytes},
          {"bytes_sent", r.bytes_sent},
          {"bytes_received", r.bytes_received},
          {"shards", shards}};
}

ordered_json request_json(const RequestTypeResult& r)
{
  return ordered_json{{"name", r.name},
                      {"sent", r.sent},
                      {"completed", r.completed},
                      {"errors", errors_json(r.errors)},
                      {"throughput", r.throughput},
                      {"latency", latency_json(r.latency)}};
}

ordered_json distribution_json(const DistributionSpec& d)
{
  switch (d.kind) {
  case DistributionSpec::Kind::deterministic:
    return {{"deterministic", d.mean}};
  case DistributionSpec::Kind::exponential:
    return {{"exponential", d.mean}};
  case DistributionSpec::Kind::uniform:
    return {{"uniform", {d.low, d.high}}};
  case DistributionSpec::Kind::lognormal:
    return {{"lognormal", {{"mean", d.mean}, {"sigma", d.sigma}}}};
  }
  return nullptr;
}

const char* call_op_name(CallStep::Op op)
{
  switch (op) {
  case CallStep::Op::request:
    return "call";
  case CallStep::Op::db_read:
    return "db_read";
  case CallStep::Op::db_write:
    return "db_write";
  }
  return "?";
}

// A call step's protection and a rate limit as the resolved configuration gives them (docs/protection.md).
void add_protection(ordered_json& j, const CallProtection& p)
{
  if (p.timeout)
    j["timeout"] = to_seconds(*p.timeout);
  j["retries"] = p.retries;
  j["backoff"] = to_seconds(p.backoff);
  j["max_backoff"] = to_seconds(p.max_backoff);
  j["jitter"] = p.jitter == Jitter::none ? "none" : p.jitter == Jitter::full ? "full" : "equal";
  if (p.budget)
    j["retry_budget"] = {{"max_tokens", p.budget->max_tokens}, {"token_ratio", p.budget->token_ratio}};
  if (const auto& b = p.breaker)
    j["breaker"] = {{"failure_rate", b->failure_rate},
                    {"window", b->window},
                    {"minimum_calls", b->minimum_calls},
                    {"wait", to_seconds(b->wait)},
                    {"half_open_calls", b->half_open_calls}};
}

void add_rate_limit(ordered_json& j, const std::optional<RateLimitSpec>& limit)
{
  if (!limit)
    return;
  ordered_json r;
  switch (limit->algorithm) {
  case RateLimitSpec::Algorithm::token_bucket:
    r = {{"algorithm", "token_bucket"}, {"rate", limit->rate}, {"burst", limit->burst}};
    break;
  case RateLimitSpec::Algorithm::fixed_window:
  case RateLimitSpec::Algorithm::sliding_window:
    r = {{"algorithm", limit->algorithm == RateLimitSpec::Algorithm::fixed_window ? "fixed_window" : "sliding_window"},
         {"limit", limit->limit},
         {"window", to_seconds(limit->window)}};
    break;
  }
  r["per"] = limit->per_user ? "user" : "global";
  j["rate_limit"] = r;
}

// An autoscaled api_server's or worker pool's `autoscale` as resolved.
void add_autoscale(ordered_json& j, const std::optional<AutoscaleSpec>& s)
{
  if (!s)
    return;
  j["autoscale"] = {{"metric", s->metric == AutoscaleSpec::Metric::utilisation ? "utilisation" : "queue_length"},
                    {"target", s->target},
                    {"interval", to_seconds(s->interval)},
                    {"cooldown", to_seconds(s->cooldown)},
                    {"boot", to_seconds(s->boot)},
                    {"min", s->min},
                    {"max", s->max},
                    {"initial", s->initial}};
}

// An open arrival as written: a constant rate as before; a shape's own keys; a trace's file and length.
ordered_json open_arrival_json(const OpenArrival& open)
{
  if (open.process == OpenArrival::Process::trace)
    return {{"process", "trace"}, {"file", open.trace_file}, {"arrivals", open.trace.size()}};
  ordered_json arrival{{"process", open.process == OpenArrival::Process::poisson ? "poisson" : "constant"},
                       {"rate", open.rate}};
  if (!open.shape)
    return arrival;
  const RateShape& r = *open.shape;
  ordered_json shape{{"shape", to_string(r.kind)}};
  switch (r.kind) {
  case RateShape::Kind::steps:
  case RateShape::Kind::piecewise: {
    ordered_json points = ordered_json::array();
    for (const RatePoint& p : r.points)
      points.push_back({{"at", to_seconds(p.at)}, {"rate", p.rate}});
    shape["points"] = points;
    break;
  }
  case RateShape::Kind::ramp:
    shape.update(
        ordered_json{{"from", r.base}, {"to", r.peak}, {"over", to_seconds(r.length)}, {"at", to_seconds(r.at)}});
    break;
  case RateShape::Kind::spike:
    shape.update(
        ordered_json{{"base", r.base}, {"peak", r.peak}, {"at", to_seconds(r.at)}, {"for", to_seconds(r.length)}});
    break;
  case RateShape::Kind::daily:
    shape.update(ordered_json{
        {"mean", r.base}, {"peak", r.peak}, {"period", to_seconds(r.length)}, {"peak_at", to_seconds(r.at)}});
    break;
  case RateShape::Kind::constant:
    break;
  }
  arrival["rate"] = shape;
  arrival["max_rate"] = open.rate;
  return arrival;
}

// A closed population whose users change: `users` is the shape's map (whole users), `max_users` its largest.
void add_users_shape(ordered_json& arrival, const RateShape& r, std::int64_t max)
{
  ordered_json shape{{"shape", to_string(r.kind)}};
  auto n = [](double users) { return static_cast<std::int64_t>(users); };
  switch (r.kind) {
  case RateShape::Kind::steps:
  case RateShape::Kind::piecewise: {
    ordered_json points = ordered_json::array();
    for (const RatePoint& p : r.points)
      points.push_back({{"at", to_seconds(p.at)}, {"users", n(p.rate)}});
    shape["points"] = points;
    break;
  }
  case RateShape::Kind::ramp:
    shape.update(
        ordered_json{{"from", n(r.base)}, {"to", n(r.peak)}, {"over", to_seconds(r.length)}, {"at", to_seconds(r.at)}});
    break;
  case RateShape::Kind::spike:
    shape.update(ordered_json{
        {"base", n(r.base)}, {"peak", n(r.peak)}, {"at", to_seconds(r.at)}, {"for", to_seconds(r.length)}});
    break;
  case RateShape::Kind::daily:
    shape.update(ordered_json{
        {"mean", n(r.base)}, {"peak", n(r.peak)}, {"period", to_seconds(r.length)}, {"peak_at", to_seconds(r.at)}});
    break;
  case RateShape::Kind::constant:
    break;
  }
  arrival["users"] = shape;
  arrival["max_users"] = max;
}

ordered_json step_json(const Step& step)
{
  struct Visitor {
    ordered_json operator()(const CpuStep& s) const
    {
      if (s.flops)
        return {{"cpu", {{"flops", *s.flops}}}};
      return {{"cpu", distribution_json(s.time)}};
    }
    ordered_json operator()(const DelayStep& s) const { return {{"delay", distribution_json(s.time)}}; }
    ordered_json operator()(const CallStep& s) const
    {
      if (s.op == CallStep::Op::request) {
        ordered_json call{{"service", s.service}, {"request", s.request}};
        if (s.protect)
          add_protection(call, *s.protect);
        return {{"call", call}};
      }
      return {{call_op_name(s.op), s.service}};
    }
    ordered_json operator()(const ForwardStep& s) const { return {{"forward", s.service}}; }
    ordered_json operator()(const PublishStep& s) const { return {{"publish", {{"queue", s.queue}, {"job", s.job}}}}; }
    ordered_json operator()(const CacheStep& s) const
    {
      switch (s.op) {
      case CacheStep::Op::get:
        return {{"cache_get", {{"cache", s.service}, {"miss_steps", s.miss_steps}}}};
      case CacheStep::Op::set:
        return {{"cache_set", s.service}};
      case CacheStep::Op::erase:
        return {{"cache_delete", s.service}};
      }
      return nullptr;
    }
  };
  return std::visit(Visitor{}, step);
}

ordered_json db_cost_json(const DbOperationCost& c)
{
  ordered_json j = ordered_json::object();
  if (c.cpu_flops)
    j["cpu"] = {{"flops", *c.cpu_flops}};
  else if (c.cpu_time)
    j["cpu"] = distribution_json(*c.cpu_time);
  if (c.disk_time)
    j["disk"] = distribution_json(*c.disk_time);
  return j;
}

void add_replication_json(ordered_json& j, const DatabaseSpec& d)
{
  const ReplicationSpec& r = d.replication;
  if (d.shards) { // one list per shard
    const std::size_t per_shard = d.replicas_per_shard();
    ordered_json lists = ordered_json::array();
    for (std::size_t s = 0; s < d.shard_count(); ++s)
      lists.push_back(std::vector<std::string>(r.replicas.begin() + static_cast<std::ptrdiff_t>(s * per_shard),
                                               r.replicas.begin() + static_cast<std::ptrdiff_t>((s + 1) * per_shard)));
    j["replicas"] = std::move(lists);
  } else {
    j["replicas"] = r.replicas;
  }
  j["replication"] = to_string(r.mode);
  if (r.mode == ReplicationMode::semi_sync) {
    j["k"] = r.k;
    j["ack_timeout"] = to_seconds(r.ack_timeout);
  }
  j["read_from"] = to_string(r.read_from);
  if (r.read_from == ReadFrom::replicas || r.read_from == ReadFrom::read_your_writes)
    j["read_policy"] = to_string(r.read_policy);
  j["apply"] = db_cost_json(r.apply);
  j["detection_timeout"] = to_seconds(r.detection);
  j["promotion_time"] = to_seconds(r.promotion);
}

// Each kind's own keys in results.json's topology, after `kind`.
ordered_json kind_json(const LoadBalancerSpec& lb)
{
  ordered_json j{{"host", lb.host}, {"policy", to_string(lb.policy)}, {"backends", lb.backends}};
  if (!lb.weights.empty())
    j["weights"] = lb.weights;
  j["health_check"] = to_seconds(lb.health_check);
  add_rate_limit(j, lb.rate_limit);
  return j;
}

ordered_json kind_json(const ApiServerSpec& a)
{
  ordered_json j{{"hosts", a.hosts}, {"workers", a.workers}, {"queue_limit", a.queue_limit}};
  if (const auto& p = a.connection_pool)
    j["connection_pool"] = {{"size", p->size},
                            {"max_overflow", p->max_overflow},
                            {"timeout", to_seconds(p->timeout)},
                            {"connect_time", to_seconds(p->connect_time)}};
  add_rate_limit(j, a.rate_limit);
  add_autoscale(j, a.autoscale);
  return j;
}

ordered_json sharding_json(const ShardingSpec& s)
{
  ordered_json shards{{"by", to_string(s.by)}};
  if (s.by == Partitioning::consistent_hash)
    shards["virtual_nodes"] = s.virtual_nodes;
  if (s.by == Partitioning::range) {
    shards["ranges"] = ordered_json::array();
    for (const KeyRange& r : s.ranges)
      shards["ranges"].push_back({{"from", r.from}, {"to", r.to}});
  }
  return shards;
}

ordered_json kind_json(const DatabaseSpec& d)
{
  ordered_json j;
  if (d.shards) {
    j = {{"hosts", d.shard_hosts}, {"shards", sharding_json(*d.shards)}};
  } else {
    j = {{"host", d.host}};
  }
  j.update(ordered_json{{"connections", d.connections},
                        {"queue_limit", d.queue_limit},
                        {"read", db_cost_json(d.read)},
                        {"write", db_cost_json(d.write)},
                        {"query_size", d.query_size},
                        {"result_size", d.result_size}});
  if (!d.replication.replicas.empty())
    add_replication_json(j, d);
  if (d.reshard)
    j["reshard"] = {{"at", to_seconds(d.reshard->at)},
                    {"add", d.reshard->host},
                    {"rate", d.reshard->rate},
                    {"key_size", d.reshard->key_size},
                    {"batch_size", d.reshard->batch_size}};
  return j;
}

ordered_json kind_json(const QueueSpec& q)
{
  ordered_json j{{"host", q.host}, {"capacity", q.capacity}, {"durable", q.durable}};
  if (q.cpu_flops)
    j["cpu"] = {{"flops", *q.cpu_flops}};
  else if (q.cpu_time)
    j["cpu"] = distribution_json(*q.cpu_time);
  return j;
}

ordered_json kind_json(const WorkerSpec& w)
{
  ordered_json j{{"hosts", w.hosts}, {"workers", w.workers}, {"consumes", w.consumes}};
  add_autoscale(j, w.autoscale);
  return j;
}

ordered_json kind_json(const CacheSpec& c)
{
  ordered_json j{{"host", c.host}, {"capacity", c.capacity}};
  if (c.memory)
    j["memory"] = *c.memory;
  j["eviction"] = to_string(c.eviction);
  j["ttl"] = to_seconds(c.ttl);
  j["ttl_mode"] = to_string(c.ttl_mode);
  if (c.cpu_flops)
    j["cpu"] = {{"flops", *c.cpu_flops}};
  else if (c.cpu_time)
    j["cpu"] = distribution_json(*c.cpu_time);
  j["connections"] = c.connections;
  j["queue_limit"] = c.queue_limit;
  j["coalesce"] = c.coalesce;
  if (c.coalesce)
    j["coalesce_wait"] = to_seconds(c.coalesce_wait);
  j["key_size"] = c.key_size;
  j["value_size"] = c.value_size;
  return j;
}

ordered_json kind_json(const CdnSpec& c)
{
  return {{"host", c.host},
          {"origin", c.origin},
          {"cacheable", c.cacheable},
          {"capacity", c.capacity},
          {"eviction", to_string(c.eviction)},
          {"ttl", to_seconds(c.ttl)}};
}

ordered_json service_json(const ServiceSpec& s)
{
  ordered_json j{{"kind", kind_name(s.kind)}};
  j.update(std::visit([](const auto& kind) { return kind_json(kind); }, s.kind));
  return j;
}

ordered_json link_params_json(const LinkParams& p)
{
  return {{"bandwidth", p.bandwidth}, {"latency", p.latency}, {"sharing", sharing_name(p.sharing)}};
}

// The network shape with the keys of that shape only.
ordered_json network_json(const NetworkSpec& n)
{
  switch (n.shape) {
  case NetworkSpec::Shape::lan:
    return {{"shape", "lan"}, {"bandwidth", n.bandwidth}, {"latency", n.latency}, {"sharing", sharing_name(n.sharing)}};
  case NetworkSpec::Shape::racks:
    return {{"shape", "racks"},
            {"rack_size", n.rack_size},
            {"host_link", link_params_json(n.host_link)},
            {"uplink", link_params_json(n.uplink)}};
  case NetworkSpec::Shape::datacenters:
    return {{"shape", "datacenters"},
            {"datacenters", n.datacenters},
            {"lan", link_params_json(n.lan)},
            {"wan_bandwidth", n.wan_bandwidth},
            {"wan_latency", n.wan_latency}};
  }
  return nullptr;
}

// What the file said, resolved; a SimGrid platform is named rather than copied (its file is the reference).
ordered_json hardware_json(const HardwareSpec& hw)
{
  ordered_json hosts = ordered_json::array();
  for (const auto& h : hw.hosts) {
    ordered_json host{{"name", h.name}, {"group", h.group}, {"cores", h.cores}, {"speed", h.speed}};
    if (!h.zone.empty())
      host["zone"] = h.zone;
    if (h.price)
      host["price"] = *h.price;
    hosts.push_back(host);
  }
  ordered_json j{{"hosts", hosts}};
  if (!hw.simgrid_platform.empty())
    j["simgrid_platform"] = hw.simgrid_platform;
  else if (!hw.explicit_graph())
    j["network"] = network_json(hw.network);
  if (!hw.switches.empty()) {
    ordered_json switches = ordered_json::array();
    for (const auto& s : hw.switches) {
      ordered_json sw{{"name", s.name}};
      if (!s.zone.empty())
        sw["zone"] = s.zone;
      switches.push_back(sw);
    }
    j["switches"] = switches;
  }
  if (hw.simgrid_platform.empty() && !hw.links.empty()) {
    ordered_json links = ordered_json::array();
    for (const auto& l : hw.links) {
      ordered_json link{{"name", l.name}, {"between", {l.a, l.b}}};
      link.update(link_params_json(l.params));
      links.push_back(link);
    }
    j["links"] = links;
  }
  if (hw.simgrid_platform.empty() && !hw.routes.empty()) {
    ordered_json routes = ordered_json::array();
    for (const auto& r : hw.routes)
      routes.push_back({{"from", r.from}, {"to", r.to}, {"links", r.links}, {"symmetric", r.symmetric}});
    j["routes"] = routes;
  }
  const UsersSpec& u = hw.users;
  if (!u.attach.empty() || u.latency > 0 || !u.zone.empty()) {
    ordered_json users = ordered_json::object();
    if (!u.attach.empty())
      users["attach"] = u.attach;
    if (u.latency > 0)
      users["latency"] = u.latency;
    if (!u.zone.empty())
      users["zone"] = u.zone;
    j["users"] = users;
  }
  return j;
}

} // namespace

std::optional<CostResult> cost_of(const TopologySpec& spec, const RequestTypeResult& total)
{
  std::optional<CostResult> cost;
  for (const auto& h : spec.hardware.hosts)
    if (h.price) {
      cost = cost.value_or(CostResult{});
      cost->per_hour += *h.price;
    }
  if (cost && total.throughput > 0)
    cost->per_million_requests = cost->per_hour / (total.throughput * 3600) * 1e6;
  return cost;
}

namespace
{

// A fault of the timeline as the file gives it: `at`, then its kind's key and what it strikes.
ordered_json fault_json(const FaultSpec& f)
{
  ordered_json fault{{"at", to_seconds(f.at)}};
  switch (f.kind) {
  case FaultSpec::Kind::crash:
    fault["crash"] = f.host;
    break;
  case FaultSpec::Kind::crash_zone:
  case FaultSpec::Kind::partition_zone:
    fault[fault_kind_name(f.kind)] = f.zone;
    break;
  case FaultSpec::Kind::delay_link:
    fault["delay_link"] = f.link;
    fault["add"] = to_seconds(f.add);
    break;
  case FaultSpec::Kind::cut_link:
    fault["cut_link"] = f.link;
    break;
  case FaultSpec::Kind::slow:
  case FaultSpec::Kind::fill_disk:
    fault[fault_kind_name(f.kind)] = f.host;
    fault["factor"] = f.slow_factor;
    break;
  case FaultSpec::Kind::crash_service:
    fault["crash_service"] = f.service;
    if (f.instance > 0)
      fault["instance"] = f.instance;
    break;
  }
  return fault;
}

} // namespace

ordered_json to_json(const TopologySpec& spec)
{
  ordered_json j;
  j["units"] = "seconds, bytes, bytes per second, flops, flops per second, requests per second";
  j["name"] = spec.name;
  j["seed"] = spec.seed;
  j["duration"] = to_seconds(spec.duration);
  j["warmup"] = to_seconds(spec.warmup);
  j["report_interval"] = to_seconds(spec.report_interval);
  j["hardware"] = hardware_json(spec.hardware);
  ordered_json services = ordered_json::object();
  for (const auto& s : spec.services)
    services[s.name] = service_json(s);
  j["services"] = services;
  ordered_json requests = ordered_json::object();
  for (const auto& r : spec.requests) {
    ordered_json steps = ordered_json::array();
    for (const auto& st : r.steps)
      steps.push_back(step_json(st.step));
    requests[r.name] = {{"steps", steps}, {"request_size", r.request_size}, {"response_size", r.response_size}};
  }
  j["requests"] = requests;
  const auto& w = spec.workload;
  ordered_json arrival;
  if (const auto* open = std::get_if<OpenArrival>(&w.arrival))
    arrival = open_arrival_json(*open);
  else {
    const auto& closed = std::get<ClosedArrival>(w.arrival);
    arrival = {{"process", "closed"}, {"users", closed.users}, {"think_time", distribution_json(closed.think_time)}};
    if (closed.shape)
      add_users_shape(arrival, *closed.shape, closed.users);
  }
  ordered_json mix = ordered_json::object();
  for (const auto& [name, weight] : w.mix)
    mix[name] = weight;
  ordered_json workload{{"entry", w.entry}, {"arrival", arrival}, {"mix", mix}};
  if (w.keys.count > 0)
    workload["keys"] = {{"count", w.keys.count},
                        {"distribution", w.keys.popularity == KeySpaceSpec::Popularity::zipf ? "zipf" : "uniform"},
                        {"exponent", w.keys.exponent}};
  if (w.keys.count > 0 && w.keys.hot_key > 0)
    workload["keys"]["hot_key"] = w.keys.hot_key;
  if (!w.herds.empty()) {
    ordered_json herds = ordered_json::array();
    for (const HerdSpec& h : w.herds)
      herds.push_back({{"at", to_seconds(h.at)}, {"users", h.users}});
    workload["herd"] = herds;
  }
  if (!w.zones.empty()) {
    ordered_json zones = ordered_json::object();
    for (const UsersZoneSpec& z : w.zones)
      zones[z.zone] = z.share;
    workload["zones"] = zones;
  }
  if (w.geodns)
    workload["geodns"] = {{"entries", w.geodns->entries}, {"ttl", to_seconds(w.geodns->ttl)}};
  j["workload"] = workload;
  if (!spec.faults.empty()) {
    ordered_json faults = ordered_json::array();
    for (const auto& f : spec.faults) {
      ordered_json fault = fault_json(f);
      if (f.down_for)
        fault["for"] = to_seconds(*f.down_for);
      faults.push_back(fault);
    }
    j["faults"] = faults;
  }
  return j;
}

namespace
{

ordered_json cache_result_json(const CacheResult& c)
{
  return {{"hits", c.hits},
          {"misses", c.misses},
          {"hit_ratio", c.hit_ratio},
          {"sets", c.sets},
          {"deletes", c.deletes},
          {"evictions", c.evictions},
          {"expirations", c.expirations},
          {"stale_reads", c.stale_reads},
          {"coalesced", c.coalesced}};
}

ordered_json connection_pool_json(const ConnectionPoolResult& p)
{
  return {{"checkouts", p.checkouts},
          {"opened", p.opened},
          {"waited", p.waited},
          {"timeouts", p.timeouts},
          {"wait_probability", p.wait_probability},
          {"wait", {{"mean", p.wait.mean}, {"p99", p.wait.p99}, {"max", p.wait.max}}},
          {"mean_open", p.mean_open}};
}

ordered_json calls_json(const CallsResult& c)
{
  return {{"calls", c.calls},
          {"attempts", c.attempts},
          {"retries", c.retries},
          {"timeouts", c.timeouts},
          {"late_replies", c.late_replies},
          {"breaker_open", c.breaker_open},
          {"budget_refused", c.budget_refused}};
}

ordered_json autoscale_json(const AutoscaleResult& a)
{
  return {{"mean_running", a.mean_running}, {"mean_booting", a.mean_booting}, {"fewest_running", a.fewest_running},
          {"most_running", a.most_running}, {"started", a.started},           {"stopped", a.stopped},
          {"evaluations", a.evaluations}};
}

ordered_json queue_result_json(const QueueResult& q)
{
  return {{"published", q.published},
          {"rejected", q.rejected},
          {"refused", q.refused},
          {"delivered", q.delivered},
          {"acknowledged", q.acknowledged},
          {"failed", q.failed},
          {"lost", q.lost},
          {"redelivered", q.redelivered},
          {"waited", q.waited},
          {"wait_probability", q.wait_probability},
          {"wait", {{"mean", q.wait.mean}, {"p99", q.wait.p99}, {"max", q.wait.max}}},
          {"mean_backlog", q.mean_backlog},
          {"backlog_at_end", q.backlog_at_end},
          {"mean_unacknowledged", q.mean_unacknowledged}};
}

ordered_json service_result_json(const ServiceResult& s)
{
  ordered_json service{{"name", s.name},
                       {"kind", s.kind},
                       {"instances", s.instances},
                       {"capacity", s.capacity},
                       {"arrived", s.arrived},
                       {"completed", s.completed},
                       {"errors", errors_json(s.errors)},
                       {"throughput", s.throughput},
                       {"latency", latency_json(s.latency)},
                       {"mean_in_service", s.mean_in_service},
                       {"utilisation", s.utilisation},
                       {"mean_queue_length", s.mean_queue_length}};
  if (s.cache)
    service["cache"] = cache_result_json(*s.cache);
  if (!s.shards.empty()) {
    ordered_json shards = ordered_json::array();
    for (const auto& shard : s.shards)
      shards.push_back({{"host", shard.host},
                        {"operations", shard.operations},
                        {"share", shard.share},
                        {"utilisation", shard.utilisation}});
    service["shards"] = std::move(shards);
    service["busiest_shard_over_mean"] = s.busiest_shard_over_mean;
  }
  if (s.replication)
    service["replication"] = replication_json(*s.replication);
  if (s.connection_pool)
    service["connection_pool"] = connection_pool_json(*s.connection_pool);
  if (s.calls)
    service["calls"] = calls_json(*s.calls);
  if (s.autoscale)
    service["autoscale"] = autoscale_json(*s.autoscale);
  if (s.queue)
    service["queue"] = queue_result_json(*s.queue);
  if (s.resharding)
    service["resharding"] = resharding_json(*s.resharding);
  return service;
}

ordered_json link_result_json(const LinkResult& l)
{
  ordered_json link{{"name", l.name}};
  if (!l.from.empty()) {
    link["from"] = l.from;
    link["to"] = l.to;
  }
  link["sharing"] = l.sharing;
  link["bandwidth"] = l.bandwidth;
  link["latency"] = l.latency;
  link["messages"] = l.messages;
  link["bytes"] = l.bytes;
  link["utilisation"] = l.utilisation;
  return link;
}

ordered_json checks_json(const RunChecks& c)
{
  return {{"conservation",
           {{"sent", c.sent},
            {"completed", c.completed},
            {"failed", c.failed},
            {"in_flight", c.in_flight},
            {"holds", c.conserved}}},
          {"littles_law",
           {{"L", c.little_l}, {"X", c.little_x}, {"W", c.little_w}, {"relative_error", c.little_relative_error}}}};
}

} // namespace

ordered_json to_json(const Results& r)
{
  ordered_json j;
  j["schema_version"] = kResultsSchemaVersion;
  j["scenario"] = r.scenario;
  j["seed"] = r.seed;
  j["duration"] = r.duration;
  j["warmup"] = r.warmup;
  j["measured_seconds"] = r.duration - r.warmup;
  j["total"] = request_json(r.total);
  ordered_json requests = ordered_json::array();
  for (const auto& q : r.requests)
    requests.push_back(request_json(q));
  j["requests"] = requests;
  ordered_json services = ordered_json::array();
  for (const auto& s : r.services)
    services.push_back(service_result_json(s));
  j["services"] = services;
  ordered_json hosts = ordered_json::array();
  for (const auto& h : r.hosts)
    hosts.push_back({{"name", h.name},
                     {"cores", h.cores},
                     {"cpu_utilisation", h.cpu_utilisation},
                     {"disk_utilisation", h.disk_utilisation}});
  j["hosts"] = hosts;
  ordered_json links = ordered_json::array();
  for (const auto& l : r.links)
    links.push_back(link_result_json(l));
  j["links"] = links;
  if (r.cost) {
    ordered_json cost{{"per_hour", r.cost->per_hour}};
    if (r.cost->per_million_requests)
      cost["per_million_requests"] = *r.cost->per_million_requests;
    j["cost"] = cost;
  }
  if (r.geodns)
    j["geodns"] = geodns_json(*r.geodns);
  j["checks"] = checks_json(r.checks);
  j["configuration"] = r.configuration;
  return j;
}

namespace
{
std::string fmt(const char* format, double v)
{
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}
} // namespace

std::string timeseries_csv(const std::vector<TimeseriesRow>& rows, bool with_cache, bool with_queue)
{
  std::vector<std::string> replicas;
  for (const auto& r : rows)
    for (const auto& lag : r.replica_lags)
      if (std::find(replicas.begin(), replicas.end(), lag.replica) == replicas.end())
        replicas.push_back(lag.replica);
  std::ostringstream out;
  // An autoscaled service's running and booting instances, in columns of their own when a run has one.
  const bool with_instances =
      std::any_of(rows.begin(), rows.end(), [](const TimeseriesRow& r) { return r.instances >= 0; });
  // A closed population whose users change: its users, time-average, in a column of its own.
  const bool with_users = std::any_of(rows.begin(), rows.end(), [](const TimeseriesRow& r) { return r.users >= 0; });
  out << "time_s,series,completed,errors,throughput_per_s,latency_mean_ms,mean_in_service,mean_queue_length"
      << (with_cache ? ",cache_hits,cache_misses,cache_hit_ratio,cache_stale_reads" : "")
      << (with_queue ? ",queue_backlog" : "") << (with_instances ? ",instances,instances_booting" : "")
      << (with_users ? ",users" : "");
  for (const auto& replica : replicas)
    out << ",lag_mean_ms[" << replica << "],lag_max_ms[" << replica << ']';
  out << '\n';
  for (const auto& r : rows) {
    out << fmt("%.6g", r.time) << ',' << r.series << ',' << r.completed << ',' << r.errors << ','
        << fmt("%.6g", r.throughput) << ',' << fmt("%.6g", r.latency_mean * 1e3) << ','
        << fmt("%.6g", r.mean_in_service) << ',' << fmt("%.6g", r.mean_queue_length);
    if (with_cache) {
      const std::uint64_t lookups = r.cache_hits + r.cache_misses;
      out << ',' << r.cache_hits << ',' << r.cache_misses << ','
          << fmt("%.6g", lookups > 0 ? static_cast<double>(r.cache_hits) / static_cast<double>(lookups) : 0.0) << ','
          << r.cache_stale_reads;
    }
    if (with_queue)
      out << ',' << fmt("%.6g", r.queue_backlog);
    if (with_instances && r.instances >= 0)
      out << ',' << fmt("%.6g", r.instances) << ',' << fmt("%.6g", r.instances_booting);
    else if (with_instances)
      out << ",,";
    if (with_users)
      out << ',' << (r.users >= 0 ? fmt("%.6g", r.users) : std::string());
    for (const auto& replica : replicas) {
      const auto it = std::find_if(r.replica_lags.begin(), r.replica_lags.end(),
                                   [&](const TimeseriesRow::ReplicaLag& lag) { return lag.replica == replica; });
      if (it == r.replica_lags.end() || it->applied == 0)
        out << ",,";
      else
        out << ',' << fmt("%.6g", it->mean * 1e3) << ',' << fmt("%.6g", it->max * 1e3);
    }
    out << '\n';
  }
  return out.str();
}

namespace
{

// One line of the terminal table, printf-formatted (every row of a table fits in 256 characters).
template <typename... Args> std::string row(const char* format, Args... args)
{
  char line[256];
  std::snprintf(line, sizeof line, format, args...);
  return line;
}

std::string ms(double seconds)
{
  return fmt("%9.3f", seconds * 1e3);
}

unsigned long long count(std::uint64_t n)
{
  return static_cast<unsigned long long>(n);
}

std::uint64_t errors_total(const std::map<std::string, std::uint64_t>& errors)
{
  std::uint64_t n = 0;
  for (const auto& [cause, c] : errors)
    n += c;
  return n;
}

void print_requests(std::ostream& out, const Results& r)
{
  out << row("%-18s %10s %10s %8s %9s %9s %9s %9s\n", "request", "completed", "req/s", "errors", "mean ms", "p50 ms",
             "p99 ms", "p99.9 ms");
  auto request_row = [&](const RequestTypeResult& q) {
    out << row("%-18s %10llu %10.1f %8llu %s %s %s %s\n", q.name.c_str(), count(q.completed), q.throughput,
               count(errors_total(q.errors)), ms(q.latency.mean).c_str(), ms(q.latency.p50).c_str(),
               ms(q.latency.p99).c_str(), ms(q.latency.p999).c_str());
  };
  int rows = 0;
  for (const auto& q : r.requests)
    if (q.sent > 0 || q.completed > 0 || !q.errors.empty()) { // types only called from inside are left out
      request_row(q);
      ++rows;
    }
  if (rows > 1)
    request_row(r.total);
}

void print_services(std::ostream& out, const Results& r)
{
  out << row("%-18s %-14s %10s %8s %9s %9s %7s %9s\n", "service", "kind", "req/s", "errors", "mean ms", "p99 ms",
             "util", "queue");
  for (const auto& s : r.services) {
    std::string kind = s.kind + (s.instances > 1 ? " x" + std::to_string(s.instances) : "");
    std::string util = s.capacity > 0 ? fmt("%6.1f%%", s.utilisation * 100) : "      -";
    out << row("%-18s %-14s %10.1f %8llu %s %s %s %9.2f\n", s.name.c_str(), kind.c_str(), s.throughput,
               count(errors_total(s.errors)), ms(s.latency.mean).c_str(), ms(s.latency.p99).c_str(), util.c_str(),
               s.mean_queue_length);
  }
}

void print_caches(std::ostream& out, const Results& r)
{
  bool header = false;
  for (const auto& s : r.services) {
    if (!s.cache)
      continue;
    if (!header)
      out << row("\n%-18s %10s %10s %9s %10s %10s %10s\n", "cache", "hits", "misses", "hit ratio", "evictions",
                 "expired", "stale");
    header = true;
    const CacheResult& c = *s.cache;
    out << row("%-18s %10llu %10llu %8.1f%% %10llu %10llu %10llu\n", s.name.c_str(), count(c.hits), count(c.misses),
               c.hit_ratio * 100, count(c.evictions), count(c.expirations), count(c.stale_reads));
  }
}

void print_resharding(std::ostream& out, const std::string& name, const ReshardingResult& x)
{
  out << "resharding of " << name << ": shard " << x.shards_after << " on " << x.host << " added at "
      << fmt("%.3f", x.at) << " s; " << x.keys_moving << " of " << x.keys << " keys move ("
      << fmt("%.1f", x.moved_fraction * 100) << "%), " << fmt("%.1f", x.bytes / 1e6) << " MB in " << x.batches
      << " batches, copied by " << fmt("%.3f", x.copied_at) << " s; by the end " << x.keys_moved << " keys moved, "
      << fmt("%.1f", x.bytes_sent / 1e6) << " MB sent, " << fmt("%.1f", x.bytes_received / 1e6) << " MB received\n";
}

void print_shards(std::ostream& out, const Results& r)
{
  for (const auto& s : r.services) {
    if (s.shards.empty())
      continue;
    out << row("\n%-18s %-14s %12s %8s %7s\n", ("shards of " + s.name).c_str(), "host", "operations", "share", "util");
    for (std::size_t i = 0; i < s.shards.size(); ++i) {
      const ShardResult& shard = s.shards[i];
      out << row("%-18s %-14s %12llu %7.1f%% %6.1f%%\n", ("  shard " + std::to_string(i + 1)).c_str(),
                 shard.host.c_str(), count(shard.operations), shard.share * 100, shard.utilisation * 100);
    }
    out << row("%-18s busiest shard / mean %.2f\n", "", s.busiest_shard_over_mean);
    if (s.resharding)
      print_resharding(out, s.name, *s.resharding);
  }
}

void print_replication_events(std::ostream& out, const std::string& name, const ReplicationResult& x)
{
  for (const auto& f : x.failovers)
    out << "failover of " << name << (f.shard > 0 ? " shard " + std::to_string(f.shard) : std::string()) << ": "
        << f.old_primary << " crashed at " << fmt("%.3f", f.crashed_at) << " s, " << f.new_primary << " primary at "
        << fmt("%.3f", f.promoted_at) << " s (" << fmt("%.3f", f.failover_time) << " s); " << f.lost_writes
        << " acknowledged writes lost, " << f.failed_in_gap << " operations failed in the gap\n";
  if (x.ack_timeouts > 0)
    out << name << ": " << x.ack_timeouts
        << " semi_sync writes acknowledged after ack_timeout without their k acknowledgements\n";
  if (x.fallbacks > 0)
    out << name << ": semi_sync fell back to asynchronous (fallbacks: " << x.fallbacks << ") for "
        << fmt("%.3f", x.async_seconds) << " s in all; " << x.async_writes
        << " writes acknowledged at their commit meanwhile\n";
}

void print_replication(std::ostream& out, const Results& r)
{
  bool header = false;
  for (const auto& s : r.services) {
    if (!s.replication)
      continue;
    if (!header)
      out << row("\n%-18s %-14s %10s %9s %9s %9s %10s %8s %8s %8s\n", "replica", "host", "applied", "lag ms", "p99 ms",
                 "max ms", "reads", "stale", "ryw", "mono");
    header = true;
    for (const auto& x : s.replication->replicas) {
      const std::string who = x.shard > 0 ? s.name + " shard " + std::to_string(x.shard) : s.name;
      out << row("%-18s %-14s %10llu %s %s %s %10llu %8llu %8llu %8llu\n", who.c_str(), x.host.c_str(),
                 count(x.applied), ms(x.lag.mean).c_str(), ms(x.lag.p99).c_str(), ms(x.lag.max).c_str(), count(x.reads),
                 count(x.stale_reads), count(x.read_your_writes_violations), count(x.monotonic_read_violations));
    }
    print_replication_events(out, s.name, *s.replication);
  }
}

void print_connection_pools(std::ostream& out, const Results& r)
{
  bool header = false;
  for (const auto& s : r.services) {
    if (!s.connection_pool)
      continue;
    if (!header)
      out << row("\n%-18s %10s %8s %9s %9s %9s %9s %9s\n", "connection pool", "checkouts", "waited", "wait ms",
                 "p99 ms", "timeouts", "opened", "mean open");
    header = true;
    const ConnectionPoolResult& p = *s.connection_pool;
    out << row("%-18s %10llu %7.1f%% %s %s %9llu %9llu %9.1f\n", s.name.c_str(), count(p.checkouts),
               p.wait_probability * 100, ms(p.wait.mean).c_str(), ms(p.wait.p99).c_str(), count(p.timeouts),
               count(p.opened), p.mean_open);
  }
}

void print_queues(std::ostream& out, const Results& r)
{
  bool header = false;
  for (const auto& s : r.services) {
    if (!s.queue)
      continue;
    if (!header)
      out << row("\n%-18s %10s %10s %8s %9s %9s %9s %9s %8s %8s\n", "queue", "published", "acked", "waited", "wait ms",
                 "p99 ms", "backlog", "at end", "lost", "redeliv");
    header = true;
    const QueueResult& q = *s.queue;
    out << row("%-18s %10llu %10llu %7.1f%% %s %s %9.1f %9llu %8llu %8llu\n", s.name.c_str(), count(q.published),
               count(q.acknowledged), q.wait_probability * 100, ms(q.wait.mean).c_str(), ms(q.wait.p99).c_str(),
               q.mean_backlog, count(q.backlog_at_end), count(q.lost), count(q.redelivered));
    if (q.rejected + q.refused > 0)
      out << s.name << ": " << q.rejected << " jobs rejected (queue full), " << q.refused << " refused (broker down)\n";
  }
}

// The busiest link directions, where the network matters: a saturated link slows what crosses it.
void print_busiest_links(std::ostream& out, const Results& r)
{
  std::vector<const LinkResult*> busiest;
  for (const auto& l : r.links)
    if (l.bytes > 0 && l.sharing != "fatpipe")
      busiest.push_back(&l);
  std::stable_sort(busiest.begin(), busiest.end(),
                   [](const LinkResult* a, const LinkResult* b) { return a->utilisation > b->utilisation; });
  if (busiest.empty())
    return;
  out << row("\n%-34s %12s %12s %7s\n", "busiest links", "MB", "Mbps", "util");
  const double seconds = r.duration - r.warmup;
  for (std::size_t i = 0; i < busiest.size() && i < 3; ++i) {
    const LinkResult& l = *busiest[i];
    const std::string name = l.from.empty() ? l.name : l.from + " -> " + l.to;
    out << row("%-34s %12.1f %12.1f %6.1f%%\n", name.c_str(), static_cast<double>(l.bytes) / 1e6,
               seconds > 0 ? static_cast<double>(l.bytes) * 8 / seconds / 1e6 : 0.0, l.utilisation * 100);
  }
}

void print_checks_and_cost(std::ostream& out, const Results& r)
{
  const auto& c = r.checks;
  out << "\nchecks: conservation " << (c.conserved ? "holds" : "VIOLATED") << " (sent " << c.sent << " = completed "
      << c.completed << " + failed " << c.failed << " + in flight " << c.in_flight
      << "); Little's law L=" << fmt("%.4g", c.little_l) << " vs X*W=" << fmt("%.4g", c.little_x * c.little_w) << " ("
      << fmt("%+.2f%%", c.little_relative_error * 100) << ")\n";
  if (r.cost)
    out << "cost: " << fmt("%.4g", r.cost->per_hour) << " per hour"
        << (r.cost->per_million_requests ? ", " + fmt("%.4g", *r.cost->per_million_requests) + " per million requests"
                                         : std::string())
        << " (the hosts' prices)\n";
}

} // namespace

std::string summary_table(const Results& r)
{
  std::ostringstream out;
  out << "scenario " << r.scenario << "  seed " << r.seed << "  simulated " << fmt("%g", r.duration) << " s (warm-up "
      << fmt("%g", r.warmup) << " s excluded)\n\n";
  print_requests(out, r);
  out << '\n';
  print_services(out, r);
  print_caches(out, r);
  print_shards(out, r);
  print_replication(out, r);
  print_connection_pools(out, r);
  print_queues(out, r);
  print_busiest_links(out, r);
  if (r.geodns)
    out << geodns_table(*r.geodns);
  print_checks_and_cost(out, r);
  return out.str();
}

ordered_json geodns_json(const GeoDnsResult& g)
{
  ordered_json dcs = ordered_json::array();
  for (const auto& dc : g.data_centres)
    dcs.push_back({{"entry", dc.entry}, {"requests", dc.requests}, {"misdirected", dc.misdirected}});
  ordered_json zones = ordered_json::array();
  for (const auto& z : g.zones)
    zones.push_back({{"zone", z.zone}, {"requests", z.requests}});
  return {{"ttl", g.ttl},
          {"data_centres", std::move(dcs)},
          {"zones", std::move(zones)},
          {"misdirected", g.misdirected},
          {"unresolved", g.unresolved}};
}

std::string geodns_table(const GeoDnsResult& g)
{
  std::ostringstream out;
  char line[160];
  std::snprintf(line, sizeof line, "\n%-18s %10s %12s\n", "geodns entry", "requests", "misdirected");
  out << line;
  for (const auto& dc : g.data_centres) {
    std::snprintf(line, sizeof line, "%-18s %10llu %12llu\n", dc.entry.c_str(),
                  static_cast<unsigned long long>(dc.requests), static_cast<unsigned long long>(dc.misdirected));
    out << line;
  }
  std::string sep;
  if (!g.zones.empty()) {
    out << "users' zones:";
    for (const auto& z : g.zones)
      out << " " << z.zone << " " << z.requests;
    sep = "; ";
  }
  if (g.ttl > 0)
    out << sep << "DNS TTL " << format_duration(g.ttl) << "; misdirected " << g.misdirected;
  if (g.unresolved > 0)
    out << ", unresolved " << g.unresolved;
  out << "\n";
  return out.str();
}

} // namespace scalelab::models
