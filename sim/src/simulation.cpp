#include "scalelab/sim/simulation.hpp"

#include "components.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

namespace sg4 = simgrid::s4u;

namespace scalelab::sim
{

using models::SimTime;

namespace
{

// The users as a whole, in timeseries.csv and as a random stream: not a valid service name, so no clash.
constexpr const char* kUsersSeries = "(users)";

// A stable stream id from a name, so adding a service does not change the random numbers of the others.
std::uint64_t stream_id(const std::string& name)
{
  std::uint64_t h = 1469598103934665603ULL; // FNV-1a
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::uint32_t service_of(const models::TopologySpec& spec, const std::string& name)
{
  return static_cast<std::uint32_t>(spec.index_of_service(name));
}
std::uint16_t request_of(const models::TopologySpec& spec, const std::string& name)
{
  return static_cast<std::uint16_t>(spec.index_of_request(name));
}
std::uint32_t host_of(const models::TopologySpec& spec, const std::string& name)
{
  return static_cast<std::uint32_t>(spec.index_of_host(name));
}

std::vector<std::vector<ResolvedStep>> resolve_programs(const models::TopologySpec& spec)
{
  std::vector<std::vector<ResolvedStep>> programs;
  for (const auto& type : spec.requests) {
    std::vector<ResolvedStep> steps;
    for (const auto& s : type.steps) {
      ResolvedStep r{};
      if (const auto* cpu = std::get_if<models::CpuStep>(&s.step)) {
        r.kind = ResolvedStep::Kind::cpu;
        r.flops = cpu->flops;
        r.time = cpu->time;
      } else if (const auto* delay = std::get_if<models::DelayStep>(&s.step)) {
        r.kind = ResolvedStep::Kind::delay;
        r.time = delay->time;
      } else if (const auto* call = std::get_if<models::CallStep>(&s.step)) {
        r.kind = ResolvedStep::Kind::call;
        r.service = service_of(spec, call->service);
        r.op = call->op;
        if (call->op == models::CallStep::Op::request)
          r.program = request_of(spec, call->request);
      } else {
        r.kind = ResolvedStep::Kind::forward;
        r.service = service_of(spec, std::get<models::ForwardStep>(s.step).service);
      }
      steps.push_back(r);
    }
    programs.push_back(std::move(steps));
  }
  return programs;
}

// The deepest stack of frames a request can need: the users, then every service it is inside at once.
// Calls cannot form cycles (the loader refuses them), so this terminates; results are memoised per
// (service, request type, first step), so wide call graphs cost their size, not their number of paths.
class NestingDepth
{
public:
  NestingDepth(const models::TopologySpec& spec, const std::vector<std::vector<ResolvedStep>>& programs)
      : spec_(spec), programs_(programs)
  {
  }
  int operator()(std::uint32_t service, std::uint16_t program, std::size_t from_step)
  {
    const auto key = std::make_tuple(service, program, from_step);
    if (const auto it = memo_.find(key); it != memo_.end())
      return it->second;
    const int depth = compute(service, program, from_step);
    memo_.emplace(key, depth);
    return depth;
  }

private:
  int compute(std::uint32_t service, std::uint16_t program, std::size_t from_step)
  {
    const auto& kind = spec_.services[service].kind;
    if (std::holds_alternative<models::DatabaseSpec>(kind))
      return 1;
    if (const auto* lb = std::get_if<models::LoadBalancerSpec>(&kind))
      return 1 + (*this)(service_of(spec_, lb->backends), program, from_step);
    int deepest = 1;
    for (std::size_t i = from_step; i < programs_[program].size(); ++i) {
      const ResolvedStep& step = programs_[program][i];
      if (step.kind == ResolvedStep::Kind::call)
        deepest = std::max(deepest, 1 + (*this)(step.service, step.program, 0));
      else if (step.kind == ResolvedStep::Kind::forward) // the next stage takes this frame's place
        return std::max(deepest, (*this)(step.service, program, i + 1));
    }
    return deepest;
  }

  const models::TopologySpec& spec_;
  const std::vector<std::vector<ResolvedStep>>& programs_;
  std::map<std::tuple<std::uint32_t, std::uint16_t, std::size_t>, int> memo_;
};

void check_nesting(const models::TopologySpec& spec, const std::vector<std::vector<ResolvedStep>>& programs)
{
  NestingDepth nesting(spec, programs);
  const std::uint32_t entry = service_of(spec, spec.workload.entry);
  for (const auto& [name, weight] : spec.workload.mix) {
    const int depth = 1 + nesting(entry, request_of(spec, name), 0);
    if (depth > kMaxDepth)
      throw std::runtime_error("request type \"" + name + "\" nests " + std::to_string(depth - 1) +
                               " services inside each other; the engine supports " + std::to_string(kMaxDepth - 1));
  }
}

struct Platform {
  std::vector<sg4::Host*> hosts; // spec hosts in order, then the users' host
  std::uint32_t clients = 0;
};

// Hosts in a star: each host has its own link of half the host-to-host latency, so a route between two
// hosts crosses two links and takes the configured latency. Bandwidth sharing between messages is not
// modelled: a message takes latency + size / bandwidth.
Platform build_platform(const models::TopologySpec& spec)
{
  Platform p;
  auto* zone = sg4::create_star_zone("scalelab");
  const auto& net = spec.hardware.network;
  auto add_host = [&](const std::string& name, double speed, int cores) {
    sg4::Host* h = zone->create_host(name, speed);
    h->set_core_count(cores);
    sg4::Link* link = zone->create_link(name + "_link", net.bandwidth)->set_latency(net.latency / 2);
    zone->add_route(h->get_netpoint(), nullptr, nullptr, nullptr, {sg4::LinkInRoute(link)}, true);
    p.hosts.push_back(h);
  };
  for (const auto& h : spec.hardware.hosts)
    add_host(h.name, h.speed, h.cores);
  std::string clients = "clients";
  while (spec.find_host(clients))
    clients += "_";
  p.clients = static_cast<std::uint32_t>(p.hosts.size());
  add_host(clients, 1e9, 1);
  zone->seal();
  return p;
}

// Which hosts can send events to which, with a lower bound of the delay, and from it W: the smallest
// delay of any channel. Services called by several kinds of callers are over-approximated (every api_server
// instance counts as a caller of every service some program calls), which only makes horizons shorter.
SimTime connect_hosts(World& world, std::uint32_t source_component)
{
  const auto& spec = world.spec;
  const std::size_t n = spec.services.size();
  std::vector<std::vector<std::uint32_t>> requesters(n), reply_targets(n);
  const std::uint32_t entry = service_of(spec, spec.workload.entry);
  requesters[entry].push_back(source_component);
  reply_targets[entry].push_back(source_component);
  std::vector<std::uint32_t> api_components;
  for (std::size_t s = 0; s < n; ++s)
    if (std::holds_alternative<models::ApiServerSpec>(spec.services[s].kind))
      api_components.insert(api_components.end(), world.service_instances[s].begin(), world.service_instances[s].end());
  std::vector<std::uint32_t> forwarded_to;
  for (std::size_t s = 0; s < n; ++s)
    if (const auto* lb = std::get_if<models::LoadBalancerSpec>(&spec.services[s].kind)) {
      const auto b = service_of(spec, lb->backends);
      requesters[b].insert(requesters[b].end(), world.service_instances[s].begin(), world.service_instances[s].end());
      reply_targets[b].insert(reply_targets[b].end(), world.service_instances[s].begin(),
                              world.service_instances[s].end());
    }
  for (const auto& program : world.programs)
    for (const auto& step : program) {
      if (step.kind == ResolvedStep::Kind::call) {
        requesters[step.service].insert(requesters[step.service].end(), api_components.begin(), api_components.end());
        reply_targets[step.service].insert(reply_targets[step.service].end(), api_components.begin(),
                                           api_components.end());
      } else if (step.kind == ResolvedStep::Kind::forward) {
        requesters[step.service].insert(requesters[step.service].end(), api_components.begin(), api_components.end());
        forwarded_to.push_back(step.service);
      }
    }
  // A forwarded request is answered to whoever called any api_server: every api_server's reply targets.
  for (auto t : forwarded_to)
    for (std::size_t s = 0; s < n; ++s)
      if (std::holds_alternative<models::ApiServerSpec>(spec.services[s].kind))
        reply_targets[t].insert(reply_targets[t].end(), reply_targets[s].begin(), reply_targets[s].end());
  std::vector<std::int32_t> service_of(world.components.size(), -1);
  for (std::size_t s = 0; s < n; ++s)
    for (auto c : world.service_instances[s])
      service_of[c] = static_cast<std::int32_t>(s);

  std::map<std::pair<std::uint32_t, std::uint32_t>, SimTime> channels;
  auto add_channel = [&](std::uint32_t from_node, std::uint32_t to_node, SimTime delay) {
    if (from_node == to_node)
      return;
    auto [it, inserted] = channels.emplace(std::make_pair(from_node, to_node), delay);
    if (!inserted)
      it->second = std::min(it->second, delay);
  };
  auto node_of = [&](std::uint32_t c) { return world.components[c]->node->id(); };
  // A reply to a passive component is handled on the sender's host and goes on to that component's own
  // reply targets: the channel runs from the original sender, with the delays of the hops added.
  std::function<void(std::uint32_t, std::uint32_t, SimTime, int)> add_reply =
      [&](std::uint32_t from_node, std::uint32_t to, SimTime delay, int depth) {
        const Component& target = *world.components[to];
        if (!target.passive_replies() || depth > kMaxDepth) {
          add_channel(from_node, node_of(to), delay);
          return;
        }
        if (service_of[to] < 0)
          return; // the open-loop source: replies end there
        std::set<std::uint32_t> seen;
        for (auto next : reply_targets[static_cast<std::size_t>(service_of[to])])
          if (seen.insert(next).second)
            add_reply(from_node, next,
                      delay + (node_of(to) == node_of(next) ? 0 : world.network.latency(node_of(to), node_of(next))),
                      depth + 1);
      };
  for (std::size_t s = 0; s < n; ++s) {
    std::set<std::uint32_t> unique_requesters(requesters[s].begin(), requesters[s].end());
    std::set<std::uint32_t> unique_targets(reply_targets[s].begin(), reply_targets[s].end());
    for (auto b : world.service_instances[s]) {
      for (auto a : unique_requesters)
        add_channel(node_of(a), node_of(b), world.network.latency(node_of(a), node_of(b)));
      for (auto a : unique_targets)
        add_reply(node_of(b), a, world.network.latency(node_of(b), node_of(a)), 0);
    }
  }
  SimTime window = models::kNever;
  for (const auto& [pair, delay] : channels) {
    world.nodes[pair.second]->add_input(world.nodes[pair.first].get(), delay);
    window = std::min(window, delay);
  }
  // All on one host (no message crosses the network): any window is exact; 1 ms keeps the host actor in
  // step with SimGrid's clock.
  constexpr SimTime kMaxWindow = 1'000'000;
  return std::max<SimTime>(1, std::min(window, kMaxWindow));
}

std::map<std::string, std::uint64_t> error_map(const OutcomeStats& o)
{
  std::map<std::string, std::uint64_t> m;
  for (std::size_t c = 1; c < o.errors_.size(); ++c)
    if (o.errors_[c] > 0)
      m[cause_name(static_cast<Cause>(c))] = o.errors_[c];
  return m;
}

models::RequestTypeResult request_result(const std::string& name, const OutcomeStats& o, std::uint64_t sent,
                                         double seconds)
{
  models::RequestTypeResult r;
  r.name = name;
  r.sent = sent;
  r.completed = o.latency_.count();
  r.errors = error_map(o);
  r.throughput = seconds > 0 ? static_cast<double>(r.completed) / seconds : 0;
  r.latency = models::summarize(o.latency_);
  return r;
}

} // namespace

RunOutput run_simulation(const models::TopologySpec& spec, const RunOptions& options)
{
  std::vector<std::string> args{"scalelab", "--log=root.thres:critical"};
  args.insert(args.end(), options.simgrid_args.begin(), options.simgrid_args.end());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  sg4::Engine engine(&argc, argv.data());

  auto programs = resolve_programs(spec);
  check_nesting(spec, programs);
  const Platform platform = build_platform(spec);
  World world(spec, 1);
  world.network.init(platform.hosts);
  world.programs = std::move(programs);
  for (std::uint32_t i = 0; i < platform.hosts.size(); ++i) {
    auto node = std::make_unique<Node>(world, i, platform.hosts[i]);
    node->cores_busy.init(world.clock);
    node->disk_busy.init(world.clock);
    node->cores.init(platform.hosts[i]->get_core_count(), &node->cores_busy);
    node->disk.init(1, &node->disk_busy);
    world.nodes.push_back(std::move(node));
  }
  auto add_component = [&](std::unique_ptr<Component> c, std::uint32_t host) {
    c->id = static_cast<std::uint32_t>(world.components.size());
    c->node = world.nodes[host].get();
    c->world = &world;
    world.components.push_back(std::move(c));
    return world.components.back()->id;
  };

  // Balancers need their backends' component ids: create them last.
  world.service_instances.resize(spec.services.size());
  for (int pass = 0; pass < 2; ++pass) {
    for (std::uint32_t s = 0; s < spec.services.size(); ++s) {
      const auto& svc = spec.services[s];
      const auto* lb = std::get_if<models::LoadBalancerSpec>(&svc.kind);
      if ((pass == 0) == (lb != nullptr))
        continue;
      if (lb) {
        const std::uint32_t host = host_of(spec, lb->host);
        const auto& backends = world.service_instances[service_of(spec, lb->backends)];
        world.service_instances[s].push_back(
            add_component(std::make_unique<LoadBalancer>(
                              s, *lb, backends, models::Rng::derive(spec.seed, stream_id(svc.name)).next_u64()),
                          host));
      } else if (const auto* api = std::get_if<models::ApiServerSpec>(&svc.kind)) {
        for (std::size_t i = 0; i < api->hosts.size(); ++i) {
          const std::uint32_t host = host_of(spec, api->hosts[i]);
          const std::uint64_t seed =
              models::Rng::derive(spec.seed, stream_id(svc.name + "#" + std::to_string(i))).next_u64();
          world.service_instances[s].push_back(
              add_component(std::make_unique<ApiServer>(s, *api, spec.hardware.hosts[host].speed, seed), host));
        }
      } else {
        const auto& db = std::get<models::DatabaseSpec>(svc.kind);
        const std::uint32_t host = host_of(spec, db.host);
        world.service_instances[s].push_back(
            add_component(std::make_unique<Database>(s, db, spec.hardware.hosts[host].speed,
                                                     models::Rng::derive(spec.seed, stream_id(svc.name)).next_u64()),
                          host));
      }
    }
  }
  // "(users)" cannot be a service name, so the users' random stream is never a service's.
  auto source_owner =
      std::make_unique<Source>(spec, models::Rng::derive(spec.seed, stream_id(kUsersSeries)).next_u64());
  Source* source = source_owner.get();
  add_component(std::move(source_owner), platform.clients);

  const SimTime lookahead = connect_hosts(world, source->id);
  if (options.mode == EngineMode::plain)
    world.set_synchronisation(1, 0);
  else
    world.set_synchronisation(lookahead, options.max_ahead > 0 ? models::from_seconds(options.max_ahead) : 0);

  source->start();
  std::uint64_t host_actors = 0;
  std::vector<bool> has_components(world.nodes.size(), false);
  for (const auto& c : world.components)
    has_components[c->node->id()] = true;
  for (auto& node : world.nodes) {
    if (!has_components[node->id()])
      continue;
    Node* n = node.get();
    sg4::Actor::create(n->host()->get_name(), n->host(), [n] { n->run(); })->daemonize();
    ++host_actors;
  }
  // The run ends when the scheduler, the only non-daemon actor, ends.
  sg4::Actor::create("scheduler", platform.hosts[platform.clients], [&world] { world.scheduler.run(); });
  engine.run();

  // --- results -------------------------------------------------------------------------------------------
  RunOutput out;
  auto& res = out.results;
  const double seconds = models::to_seconds(spec.duration - spec.warmup);
  res.scenario = spec.name;
  res.seed = spec.seed;
  res.duration = models::to_seconds(spec.duration);
  res.warmup = models::to_seconds(spec.warmup);
  res.configuration = models::to_json(spec);
  std::uint64_t total_sent = 0;
  for (std::size_t t = 0; t < spec.requests.size(); ++t) {
    res.requests.push_back(request_result(spec.requests[t].name, world.request_stats[t].outcome,
                                          world.request_stats[t].sent_measured, seconds));
    total_sent += world.request_stats[t].sent_measured;
  }
  res.total = request_result("all", world.all_requests, total_sent, seconds);
  for (std::size_t s = 0; s < spec.services.size(); ++s) {
    const auto& svc = spec.services[s];
    const auto& st = world.service_stats[s];
    models::ServiceResult r;
    r.name = svc.name;
    r.kind = models::kind_name(svc.kind);
    r.instances = static_cast<int>(world.service_instances[s].size());
    if (const auto* api = std::get_if<models::ApiServerSpec>(&svc.kind))
      r.capacity = api->workers * r.instances;
    else if (const auto* db = std::get_if<models::DatabaseSpec>(&svc.kind))
      r.capacity = db->connections;
    r.arrived = st.outcome.arrived_;
    r.completed = st.outcome.latency_.count();
    r.errors = error_map(st.outcome);
    r.throughput = seconds > 0 ? static_cast<double>(r.completed) / seconds : 0;
    r.latency = models::summarize(st.outcome.latency_);
    r.mean_in_service = st.in_service.window_mean();
    r.utilisation = r.capacity > 0 ? r.mean_in_service / r.capacity : 0;
    r.mean_queue_length = st.queued.window_mean();
    res.services.push_back(std::move(r));
  }
  for (std::size_t h = 0; h < spec.hardware.hosts.size(); ++h) {
    const Node& n = *world.nodes[h];
    res.hosts.push_back({spec.hardware.hosts[h].name, spec.hardware.hosts[h].cores,
                         n.cores_busy.window_mean() / spec.hardware.hosts[h].cores, n.disk_busy.window_mean()});
  }
  auto& c = res.checks;
  c.sent = world.sent;
  c.completed = world.completed;
  c.failed = world.failed;
  c.in_flight = world.pool.live();
  c.conserved = c.sent == c.completed + c.failed + c.in_flight;
  const auto& all = world.all_requests;
  std::uint64_t finished = all.latency_.count();
  for (std::size_t e = 1; e < all.errors_.size(); ++e)
    finished += all.errors_[e];
  c.little_l = world.in_system.window_mean();
  c.little_x = seconds > 0 ? static_cast<double>(finished) / seconds : 0;
  c.little_w = finished > 0 ? static_cast<double>(all.finished_latency_sum_) * 1e-9 / static_cast<double>(finished) : 0;
  const double xw = c.little_x * c.little_w;
  c.little_relative_error = xw > 0 ? (c.little_l - xw) / xw : 0;

  // --- timeseries ----------------------------------------------------------------------------------------
  const auto& clock = world.clock;
  const std::size_t intervals = clock.interval_count();
  auto add_series = [&](const std::string& name, const OutcomeStats& o, const std::vector<double>& in_service,
                        const std::vector<double>& queued) {
    for (std::size_t i = 0; i < intervals; ++i) {
      const SimTime start = static_cast<SimTime>(i) * clock.interval;
      const double width = models::to_seconds(std::min(start + clock.interval, clock.end) - start);
      const auto& row = o.per_interval_[i];
      models::TimeseriesRow r;
      r.time = models::to_seconds(start);
      r.series = name;
      r.completed = row.completed;
      r.errors = row.errors;
      r.throughput = width > 0 ? static_cast<double>(row.completed) / width : 0;
      r.latency_mean = row.completed ? static_cast<double>(row.latency_sum) * 1e-9 / row.completed : 0;
      r.mean_in_service = in_service[i];
      r.mean_queue_length = queued.empty() ? 0 : queued[i];
      out.timeseries.push_back(std::move(r));
    }
  };
  add_series(kUsersSeries, world.all_requests, world.in_system.interval_means(), {});
  for (std::size_t s = 0; s < spec.services.size(); ++s)
    add_series(spec.services[s].name, world.service_stats[s].outcome,
               world.service_stats[s].in_service.interval_means(), world.service_stats[s].queued.interval_means());
  std::stable_sort(out.timeseries.begin(), out.timeseries.end(),
                   [](const auto& a, const auto& b) { return a.time < b.time; });

  auto& eng = out.engine;
  eng.lookahead = models::to_seconds(lookahead);
  eng.host_actors = host_actors;
  for (const auto& n : world.nodes) {
    eng.wakeups += n->wakeups;
    eng.events += n->events;
  }
  eng.peak_requests_in_flight = world.pool.capacity();
  return out;
}

} // namespace scalelab::sim
