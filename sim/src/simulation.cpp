#include "scalelab/sim/simulation.hpp"

#include "components.hpp"
#include "geodns.hpp"
#include "platform.hpp"
#include "scalelab/models/faults.hpp"
#include "series_rows.hpp"
#include "service_kinds.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <tuple>

namespace sg4 = simgrid::s4u;

namespace scalelab::sim
{

using models::SimTime;

namespace
{

std::uint32_t service_of(const models::TopologySpec& spec, const std::string& name)
{
  return static_cast<std::uint32_t>(spec.index_of_service(name));
}
std::uint16_t request_of(const models::TopologySpec& spec, const std::string& name)
{
  return static_cast<std::uint16_t>(spec.index_of_request(name));
}
std::vector<std::vector<ResolvedStep>> resolve_programs(const models::TopologySpec& spec)
{
  std::vector<std::vector<ResolvedStep>> programs;
  std::uint16_t guards = 0;
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
        if (call->protect) {
          r.protect = &*call->protect;
          r.guard = guards++;
        }
      } else if (const auto* cache = std::get_if<models::CacheStep>(&s.step)) {
        r.kind = ResolvedStep::Kind::cache;
        r.service = service_of(spec, cache->service);
        r.cache_op = cache->op;
        r.miss_steps = cache->miss_steps;
      } else if (const auto* publish = std::get_if<models::PublishStep>(&s.step)) {
        r.kind = ResolvedStep::Kind::publish;
        r.service = service_of(spec, publish->queue);
        r.program = request_of(spec, publish->job);
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

// Where a request that runs `program` from `from_step` at `service` goes next: visit(service, program, first
// step, nested) for each stop, nested when it is inside this one (a balancer's backend, a call), not when it
// takes this one's place (a forward). A database goes nowhere.
template <class Visit>
void next_stops(const models::TopologySpec& spec, const std::vector<std::vector<ResolvedStep>>& programs,
                std::uint32_t service, std::uint16_t program, std::size_t from_step, Visit&& visit)
{
  const auto& kind = spec.services[service].kind;
  if (const auto* lb = std::get_if<models::LoadBalancerSpec>(&kind)) {
    visit(service_of(spec, lb->backends), program, from_step, true);
    return;
  }
  if (const auto* cdn = std::get_if<models::CdnSpec>(&kind)) { // misses go to the origin
    visit(service_of(spec, cdn->origin), program, from_step, true);
    return;
  }
  if (!std::holds_alternative<models::ApiServerSpec>(kind) && !std::holds_alternative<models::WorkerSpec>(kind))
    return; // a worker runs its jobs' steps as an api_server does
  for (std::size_t i = from_step; i < programs[program].size(); ++i) {
    const ResolvedStep& step = programs[program][i];
    if (step.kind == ResolvedStep::Kind::call || step.kind == ResolvedStep::Kind::cache)
      visit(step.service, step.program, std::size_t{0}, true);
    if (step.kind == ResolvedStep::Kind::forward) {
      visit(step.service, program, i + 1, false);
      return;
    }
  }
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
    int deepest = 1;
    const auto* api = std::get_if<models::ApiServerSpec>(&spec_.services[service].kind);
    if (api && api->sessions == models::SessionMode::store)
      deepest = 2; // the session store's frame above this one, before the steps
    next_stops(spec_, programs_, service, program, from_step,
               [&](std::uint32_t next, std::uint16_t next_program, std::size_t next_step, bool nested) {
                 // A forward's next stage takes this frame's place.
                 deepest = std::max(deepest, (nested ? 1 : 0) + (*this)(next, next_program, next_step));
               });
    return deepest;
  }

  const models::TopologySpec& spec_;
  const std::vector<std::vector<ResolvedStep>>& programs_;
  std::map<std::tuple<std::uint32_t, std::uint16_t, std::size_t>, int> memo_;
};

// Returns the deepest stack of frames any request of the run needs.
int check_nesting(const models::TopologySpec& spec, const std::vector<std::vector<ResolvedStep>>& programs)
{
  NestingDepth nesting(spec, programs);
  const std::uint32_t entry = service_of(spec, spec.workload.entry);
  int deepest = 1;
  for (const auto& [name, weight] : spec.workload.mix) {
    const int depth = 1 + nesting(entry, request_of(spec, name), 0);
    if (depth > kMaxDepth)
      throw std::runtime_error("request type \"" + name + "\" nests " + std::to_string(depth - 1) +
                               " services inside each other; the engine supports " + std::to_string(kMaxDepth - 1));
    deepest = std::max(deepest, depth);
  }
  // A job (docs/queues.md): the queue's frame, then the worker's and what it calls; any request type may be one.
  for (std::uint32_t s = 0; s < spec.services.size(); ++s)
    if (std::holds_alternative<models::WorkerSpec>(spec.services[s].kind))
      for (std::uint16_t p = 0; p < spec.requests.size(); ++p) {
        const int depth = 1 + nesting(s, p, 0);
        if (depth > kMaxDepth)
          throw std::runtime_error("request type \"" + spec.requests[p].name + "\" as a job nests " +
                                   std::to_string(depth - 1) + " services inside each other; the engine supports " +
                                   std::to_string(kMaxDepth - 1));
        deepest = std::max(deepest, depth);
      }
  return deepest;
}

// The (request type, first step) pairs that can arrive at each service.
std::vector<std::set<std::pair<std::uint16_t, std::size_t>>>
arrivals_by_service(const models::TopologySpec& spec, const std::vector<std::vector<ResolvedStep>>& programs)
{
  std::vector<std::set<std::pair<std::uint16_t, std::size_t>>> arrivals(spec.services.size());
  std::vector<std::tuple<std::uint32_t, std::uint16_t, std::size_t>> todo;
  const std::uint32_t entry = service_of(spec, spec.workload.entry);
  for (const auto& [name, weight] : spec.workload.mix)
    todo.emplace_back(entry, request_of(spec, name), 0);
  while (!todo.empty()) {
    const auto [service, program, from_step] = todo.back();
    todo.pop_back();
    if (arrivals[service].emplace(program, from_step).second)
      next_stops(spec, programs, service, program, from_step,
                 [&](std::uint32_t next, std::uint16_t next_program, std::size_t next_step, bool) {
                   todo.emplace_back(next, next_program, next_step);
                 });
  }
  return arrivals;
}

// Whether the steps from `from_step` on are a CPU claim at the start then delays, or delays only: what an api
// server can compute at a request's arrival (ApiServer::serve_at_arrival).
bool ends_at_arrival(const std::vector<ResolvedStep>& program, std::size_t from_step)
{
  for (std::size_t i = from_step; i < program.size(); ++i) {
    const auto kind = program[i].kind;
    if (kind != ResolvedStep::Kind::delay && !(kind == ResolvedStep::Kind::cpu && i == from_step))
      return false;
  }
  return true;
}

// Sets each api server that can to compute departures at arrival, where that gives exactly the step-by-step
// path's results: its host never crashes and runs nothing else (its cores are then claimed in time order),
// every request that reaches it ends_at_arrival(), and its replies go on routes that never queue (a route
// that can queue must be crossed in time order). Returns how many it set.
std::uint64_t serve_at_arrival_where_exact(World& world, const std::vector<std::vector<std::uint32_t>>& reply_targets)
{
  std::uint64_t set = 0;
  const auto arrivals = arrivals_by_service(world.spec, world.programs);
  std::vector<int> components_on(world.nodes.size(), 0);
  for (const auto& c : world.components)
    ++components_on[c->node->id()];
  for (std::uint32_t s = 0; s < world.spec.services.size(); ++s) {
    const auto* api = std::get_if<models::ApiServerSpec>(&world.spec.services[s].kind);
    // A store's lookup is a call before the steps; a token check is a CPU claim before them, whose end the
    // step-by-step path draws the steps' times at: a request arriving meanwhile draws its own first.
    if (!api || api->sessions == models::SessionMode::store || api->sessions == models::SessionMode::token)
      continue;
    const bool programs_end = std::all_of(arrivals[s].begin(), arrivals[s].end(), [&](const auto& arrival) {
      return ends_at_arrival(world.programs[arrival.first], arrival.second);
    });
    if (!programs_end)
      continue;
    for (const std::uint32_t c : world.service_instances[s]) {
      const Node& node = *world.components[c]->node;
      const bool quiet_replies = std::all_of(reply_targets[s].begin(), reply_targets[s].end(), [&](std::uint32_t t) {
        const std::uint32_t to = world.components[t]->node->id();
        return to != node.id() && world.network.route(world.network.route_id(node.id(), to)).quiet;
      });
      if (!node.can_crash() && components_on[node.id()] == 1 && quiet_replies) {
        static_cast<ApiServer&>(*world.components[c]).serve_at_arrival_from_now(world.clock);
        ++set;
      }
    }
  }
  return set;
}

// Every component that sends requests to, or replies to, each service's instances.
struct ComponentTraffic {
  std::vector<std::vector<std::uint32_t>> requesters, reply_targets; // by service index
};

// users: the components the users' requests come from (the source, and each zone's users).
ComponentTraffic component_traffic(const World& world, const std::vector<std::uint32_t>& users)
{
  const auto services = models::service_traffic(world.spec);
  auto components_of = [&](const std::vector<int>& list) {
    std::vector<std::uint32_t> out;
    for (int s : list) {
      if (s == models::ServiceTraffic::kUsers)
        out.insert(out.end(), users.begin(), users.end());
      else
        for (auto c : world.service_instances[static_cast<std::size_t>(s)])
          out.push_back(c);
    }
    return out;
  };
  ComponentTraffic t;
  for (std::size_t s = 0; s < world.spec.services.size(); ++s) {
    t.requesters.push_back(components_of(services.requesters[s]));
    t.reply_targets.push_back(components_of(services.reply_targets[s]));
  }
  return t;
}

// The host pairs between which messages travel, each once, in a reproducible order.
std::vector<std::pair<std::uint32_t, std::uint32_t>> talking_pairs(const World& world, const ComponentTraffic& traffic)
{
  std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;
  auto node_of = [&](std::uint32_t c) { return world.components[c]->node->id(); };
  for (std::size_t s = 0; s < world.spec.services.size(); ++s)
    for (auto b : world.service_instances[s]) {
      for (auto a : traffic.requesters[s])
        if (node_of(a) != node_of(b))
          pairs.insert({node_of(a), node_of(b)});
      for (auto a : traffic.reply_targets[s])
        if (node_of(a) != node_of(b))
          pairs.insert({node_of(b), node_of(a)});
    }
  return {pairs.begin(), pairs.end()};
}

// The service of each component (-1 for the users' source).
std::vector<std::int32_t> service_of_components(const World& world)
{
  std::vector<std::int32_t> service_of(world.components.size(), -1);
  for (std::size_t s = 0; s < world.spec.services.size(); ++s)
    for (auto c : world.service_instances[s])
      service_of[c] = static_cast<std::int32_t>(s);
  return service_of;
}

void settle_quiet_replies(World& world, const ComponentTraffic& traffic, const std::vector<std::int32_t>& service_of)
{
  const std::size_t n = world.spec.services.size();
  auto node_of = [&](std::uint32_t c) { return world.components[c]->node->id(); };
  // A passive component handles a reply on the sender's host only if the reply can cross its whole route
  // there and then, and what the component sends on never queues: no link's order depends on where it runs.
  for (std::size_t s = 0; s < n; ++s)
    for (auto b : world.service_instances[s])
      for (auto a : traffic.reply_targets[s]) {
        Component& target = *world.components[a];
        if (target.wants_replies_at_send() && node_of(a) != node_of(b) &&
            !world.network.crossable_at_send(world.network.route_id(node_of(b), node_of(a)), node_of(b)))
          target.replies_quietly = false;
      }
  for (std::size_t c = 0; c < world.components.size(); ++c) {
    Component& comp = *world.components[c];
    if (!comp.wants_replies_at_send() || service_of[c] < 0)
      continue;
    for (auto t : traffic.reply_targets[static_cast<std::size_t>(service_of[c])])
      if (node_of(t) != node_of(static_cast<std::uint32_t>(c)) &&
          !world.network.route(world.network.route_id(node_of(static_cast<std::uint32_t>(c)), node_of(t))).quiet)
        comp.replies_quietly = false;
  }
}

// Tells each executor which others send to it, with the smallest delay: W is the smallest of all.
SimTime wire_executors(World& world, const std::map<std::pair<std::uint32_t, std::uint32_t>, SimTime>& channels)
{
  SimTime window = models::kNever;
  for (const auto& [pair, delay] : channels) {
    Executor* from = world.nodes[pair.first]->executor;
    Executor* to = world.nodes[pair.second]->executor;
    if (from == to)
      continue;
    to->add_input(from, delay);
    window = std::min(window, delay);
  }
  // One executor (or no message between executors): any window is exact; 1 ms keeps the executors in step
  // with SimGrid's clock.
  constexpr SimTime kMaxWindow = 1'000'000;
  return std::max<SimTime>(1, std::min(window, kMaxWindow));
}

// Which nodes can send events to which, with a lower bound of the delay, and from it W: the smallest
// delay of any channel. A message may stop at the link nodes on its way (network.hpp), so a route gives a
// chain of channels as well as the direct one.
SimTime connect_nodes(World& world, const ComponentTraffic& traffic)
{
  const auto& spec = world.spec;
  const std::size_t n = spec.services.size();
  const std::vector<std::int32_t> service_of = service_of_components(world);
  auto node_of = [&](std::uint32_t c) { return world.components[c]->node->id(); };

  settle_quiet_replies(world, traffic, service_of);
  auto handled_at_send = [&](std::uint32_t c) { return world.components[c]->replies_at_send(); };

  std::map<std::pair<std::uint32_t, std::uint32_t>, SimTime> channels;
  auto add_channel = [&](std::uint32_t from_node, std::uint32_t to_node, SimTime delay) {
    if (from_node == to_node)
      return;
    auto [it, inserted] = channels.emplace(std::make_pair(from_node, to_node), delay);
    if (!inserted)
      it->second = std::min(it->second, delay);
  };
  auto add_route = [&](std::uint32_t from_node, std::uint32_t to_node) {
    if (from_node != to_node)
      world.network.for_each_channel(from_node, to_node, add_channel);
  };
  // A reply to a component that handles it on the sender's host goes on from there to that component's
  // own reply targets: the channel runs from the original sender, with the delays of the hops added. The users
  // depend on their replies when they are closed, or when replies bring back read_your_writes session tokens or
  // session cookies, which the users' next requests carry.
  const bool users_await_replies = !std::holds_alternative<models::OpenArrival>(spec.workload.arrival) ||
                                   models::uses_read_your_writes(spec) || models::uses_session_cookies(spec);
  std::function<void(std::uint32_t, std::uint32_t, SimTime, int)> add_passive =
      [&](std::uint32_t from_node, std::uint32_t to, SimTime delay, int depth) {
        if (!handled_at_send(to) || depth > kMaxDepth) {
          add_channel(from_node, node_of(to), delay);
          return;
        }
        if (world.components[to]->completions_apart()) // its completion event comes from the sender
          add_channel(from_node, node_of(to), delay);
        if (service_of[to] < 0) { // the users: replies end there
          // Closed users' replies change when users think, which the source's next arrivals depend on.
          if (users_await_replies)
            add_channel(from_node, node_of(to), delay);
          return;
        }
        std::set<std::uint32_t> seen;
        for (auto next : traffic.reply_targets[static_cast<std::size_t>(service_of[to])])
          if (seen.insert(next).second)
            add_passive(from_node, next,
                        delay + (node_of(to) == node_of(next) ? 0 : world.network.latency(node_of(to), node_of(next))),
                        depth + 1);
      };
  for (std::size_t s = 0; s < n; ++s) {
    std::set<std::uint32_t> requesters(traffic.requesters[s].begin(), traffic.requesters[s].end());
    std::set<std::uint32_t> targets(traffic.reply_targets[s].begin(), traffic.reply_targets[s].end());
    for (auto b : world.service_instances[s]) {
      for (auto a : requesters)
        add_route(node_of(a), node_of(b));
      for (auto a : targets) {
        if (node_of(a) != node_of(b) && handled_at_send(a))
          add_passive(node_of(b), a, world.network.latency(node_of(b), node_of(a)), 0);
        else
          add_route(node_of(b), node_of(a));
      }
    }
  }
  return wire_executors(world, channels);
}

// Whether any message of the run has a size: if none has, no link ever queues.
bool carries_bytes(const models::TopologySpec& spec)
{
  for (const auto& r : spec.requests)
    if (r.request_size > 0 || r.response_size > 0)
      return true;
  for (const auto& s : spec.services) {
    if (const auto* db = std::get_if<models::DatabaseSpec>(&s.kind))
      if (db->query_size > 0 || db->result_size > 0)
        return true;
    if (const auto* cache = std::get_if<models::CacheSpec>(&s.kind))
      if (cache->key_size > 0 || cache->value_size > 0)
        return true;
  }
  return false;
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

// One run, phase by phase: the world's nodes and components, the fault schedule, the network and the
// executors, the synchronisation, the actors; then what it measured.
class Run
{
public:
  Run(const models::TopologySpec& spec, const RunOptions& options, const models::HardwareGraph& graph)
      : spec_(spec), options_(options), graph_(graph), platform_(spec, graph), world_(spec, 1), host_index_(spec)
  {
  }

  RunOutput operator()(simgrid::s4u::Engine& engine)
  {
    world_.programs = resolve_programs(spec_);
    world_.pool.set_frames(check_nesting(spec_, world_.programs));
    for (auto* host : platform_.hosts())
      add_node(host, host->get_core_count());
    build_components();
    set_fault_schedule();
    const auto traffic = component_traffic(world_, users_components());
    build_network(traffic);
    make_executors();
    synchronise(traffic);
    if (options_.follow.on())
      world_.follow = std::make_unique<FollowRecorder>(options_.follow);
    start_actors();
    if (options_.on_interval) {
      count_edges();
      world_.users_latencies = std::make_unique<IntervalLatencies>(world_.clock);
      stream_rows_.emplace(world_, population());
      world_.scheduler.on_passed([this](SimTime t) { stream_to(t); });
    }
    const auto loop_start = std::chrono::steady_clock::now();
    const std::clock_t loop_cpu_start = std::clock();
    engine.run();
    const std::chrono::duration<double> loop_wall = std::chrono::steady_clock::now() - loop_start;
    const std::clock_t loop_cpu_end = std::clock();
    const double loop_cpu = loop_cpu_start == std::clock_t(-1) || loop_cpu_end == std::clock_t(-1)
                                ? 0
                                : static_cast<double>(loop_cpu_end - loop_cpu_start) / CLOCKS_PER_SEC;
    RunOutput out;
    out.results = results(out.has_cache);
    for (const auto& s : out.results.services)
      out.has_queue |= s.queue.has_value();
    out.timeseries = SeriesRows(world_, population()).all();
    out.engine = engine_stats();
    out.engine.loop_wall_seconds = loop_wall.count();
    out.engine.loop_cpu_seconds = loop_cpu;
    if (world_.follow)
      out.followed = followed_requests();
    return out;
  }

  // The followed requests' paths, with names for the components and seconds for the times.
  std::vector<FollowedRequest> followed_requests() const
  {
    // Each component's service and its index there; the users' components are in no service.
    std::vector<std::pair<std::uint32_t, int>> where(world_.components.size(),
                                                     {static_cast<std::uint32_t>(spec_.services.size()), 0});
    for (std::size_t s = 0; s < world_.service_instances.size(); ++s)
      for (std::size_t i = 0; i < world_.service_instances[s].size(); ++i)
        where[world_.service_instances[s][i]] = {static_cast<std::uint32_t>(s), static_cast<int>(i)};
    std::vector<FollowedRequest> out;
    for (const auto& t : world_.follow->traces()) {
      FollowedRequest f;
      f.index = t.index;
      f.type = spec_.requests[t.type].name;
      f.sent = models::to_seconds(t.sent);
      f.measured = t.measured;
      f.answered = t.answered != models::kNever;
      f.answered_at = f.answered ? models::to_seconds(t.answered) : 0;
      f.response_time = f.answered ? models::to_seconds(t.answered - t.sent) : 0;
      f.outcome = f.answered ? cause_name(t.cause) : "in_flight";
      for (const auto& h : t.hops) {
        if (h.finished == models::kNever)
          break; // still there at the end of the run
        FollowedHop hop;
        const auto [service, instance] = where[h.component];
        const bool users = service >= spec_.services.size();
        hop.service = users ? std::string(kUsersSeries) : spec_.services[service].name;
        hop.kind = users ? "users" : models::kind_name(spec_.services[service].kind);
        hop.instance = instance;
        hop.host = world_.components[h.component]->node->host()->get_name();
        hop.reply = h.reply;
        hop.left = models::to_seconds(h.left);
        hop.arrived = models::to_seconds(h.arrived);
        hop.began = models::to_seconds(h.began);
        hop.finished = models::to_seconds(h.finished);
        hop.travel = models::to_seconds(h.arrived - h.left);
        hop.wait = models::to_seconds(h.began - h.arrived);
        hop.served = models::to_seconds(h.finished - h.began);
        f.hops.push_back(std::move(hop));
      }
      out.push_back(std::move(f));
    }
    return out;
  }

private:
  std::int32_t add_node(sg4::Host* host, int cores)
  {
    if (world_.nodes.size() >= Node::kMaxNodes)
      throw std::runtime_error("more than " + std::to_string(Node::kMaxNodes) + " hosts and shared links");
    auto node = std::make_unique<Node>(static_cast<std::uint32_t>(world_.nodes.size()), host);
    node->cores.init(cores, world_.clock);
    node->disk.init(1, world_.clock);
    world_.nodes.push_back(std::move(node));
    return static_cast<std::int32_t>(world_.nodes.size() - 1);
  }

  std::uint32_t add_component(std::unique_ptr<Component> c, std::uint32_t host)
  {
    c->id = static_cast<std::uint32_t>(world_.components.size());
    c->node = world_.nodes[host].get();
    c->world = &world_;
    world_.placement.push_back({c->node, c->node->id(), nullptr});
    world_.components.push_back(std::move(c));
    return world_.components.back()->id;
  }

  // Every service's instances (each kind's build()), then the users.
  void build_components()
  {
    // Balancers need their backends' component ids: create them last.
    world_.service_instances.resize(spec_.services.size());
    world_.partitioners.resize(spec_.services.size());
    world_.reshardings.resize(spec_.services.size());
    for (const bool last : {false, true})
      for (std::uint32_t s = 0; s < spec_.services.size(); ++s)
        std::visit(
            [&](const auto& kind) {
              if (built_last(kind) != last)
                return;
              ServiceBuilder builder(world_, s, host_index_, [this](std::unique_ptr<Component> c, std::uint32_t host) {
                return add_component(std::move(c), host);
              });
              build(kind, builder);
            },
            spec_.services[s].kind);
    world_.commits.resize(spec_.services.size());
    // "(users)" cannot be a service name, so the users' random stream is never a service's.
    auto source = std::make_unique<Source>(spec_, models::Rng::derive(spec_.seed, stream_id(kUsersSeries)).next_u64());
    source_ = source.get();
    add_component(std::move(source), platform_.users());
    build_geo_routing();
  }

  // workload.zones and workload.geodns (geodns.hpp): each zone's users on their own node, and the routing.
  void build_geo_routing()
  {
    const auto& w = spec_.workload;
    if (w.zones.empty() && !w.geodns)
      return;
    std::vector<Component*> users;
    std::vector<std::string> zone_names;
    for (std::size_t z = 0; z < w.zones.size(); ++z) {
      const auto id = add_component(std::make_unique<ZoneUsers>(*source_), platform_.zone_users()[z]);
      zone_users_.push_back(id);
      users.push_back(world_.components[id].get());
      zone_names.push_back(w.zones[z].zone);
    }
    if (w.zones.empty()) {
      users.push_back(source_);
      zone_names.push_back(graph_.elements()[static_cast<std::size_t>(graph_.users_element())].zone);
    }
    std::vector<std::size_t> entries;
    for (const auto& e : w.geodns ? w.geodns->entries : std::vector<std::string>{w.entry})
      entries.push_back(static_cast<std::size_t>(spec_.index_of_service(e)));
    std::vector<models::DataCentreOutages> outages;
    for (const std::size_t e : entries)
      outages.push_back(models::entry_outages(spec_, e));
    // "(geodns)" cannot be a service name: the stream is the run's own.
    geo_ = std::make_unique<GeoRouting>(spec_, models::zone_latencies(spec_, graph_, zone_names, entries),
                                        std::move(outages),
                                        models::Rng::derive(spec_.seed, stream_id("(geodns)")).next_u64());
    geo_->set_zone_users(std::move(users));
    source_->set_geo_routing(geo_.get());
  }

  bool is_zone_users_node(std::uint32_t node) const
  {
    const auto& z = platform_.zone_users();
    return std::find(z.begin(), z.end(), node) != z.end();
  }

  std::vector<std::uint32_t> users_components() const
  {
    std::vector<std::uint32_t> out{source_->id};
    out.insert(out.end(), zone_users_.begin(), zone_users_.end());
    return out;
  }

  // The fault schedule, before anything asks which components can crash: each host's crashes (its own, and
  // those of its zone).
  void set_fault_schedule()
  {
    std::vector<std::vector<Outage>> outages(world_.nodes.size());
    for (const auto& [host, windows] : models::host_crashes(spec_))
      for (const auto& w : windows)
        outages[host].push_back({w.from, w.until});
    for (std::size_t n = 0; n < outages.size(); ++n)
      world_.nodes[n]->set_outages(std::move(outages[n]));
    set_service_crashes();
    for (const auto& fault : spec_.faults) {
      if (fault.kind == models::FaultSpec::Kind::slow)
        world_.nodes[host_index_.at(fault.host)]->slow_periods.push_back({fault.at, fault.until(), fault.slow_factor});
      else if (fault.kind == models::FaultSpec::Kind::fill_disk)
        world_.nodes[host_index_.at(fault.host)]->disk_slow_periods.push_back(
            {fault.at, fault.until(), fault.slow_factor});
    }
    const auto by_start = [](const models::SlowPeriod& a, const models::SlowPeriod& b) { return a.from < b.from; };
    for (auto& node : world_.nodes) {
      if (!node->slow_periods.empty()) {
        std::sort(node->slow_periods.begin(), node->slow_periods.end(), by_start);
        node->cores.slow_down(&node->slow_periods);
      }
      if (!node->disk_slow_periods.empty()) {
        std::sort(node->disk_slow_periods.begin(), node->disk_slow_periods.end(), by_start);
        node->disk.slow_down(&node->disk_slow_periods);
      }
    }
  }

  // Instances that crash on their own (crash_service): their own schedule, merged with their host's; their
  // host then tracks what its components hold, as a host that crashes does.
  void set_service_crashes()
  {
    for (const auto& [instance, windows] : models::service_crashes(spec_)) {
      const auto& instances = world_.service_instances[instance.first];
      if (instance.second >= instances.size())
        continue; // not built (none is, but a kind may build fewer instances than it has hosts)
      Component& c = *world_.components[instances[instance.second]];
      std::vector<Outage> outages = c.node->outages();
      for (const auto& w : windows)
        outages.push_back({w.from, w.until});
      std::sort(outages.begin(), outages.end(), [](const Outage& a, const Outage& b) { return a.from < b.from; });
      c.own_outages = std::make_unique<const OutageSchedule>(std::move(outages));
      c.node->may_crash();
    }
  }

  // The faults on links (delays, cuts, partitions), once the network knows its links.
  void set_link_faults()
  {
    for (const auto& [link, faults] : models::link_faults(spec_, graph_)) {
      Network::LinkFaultTimes times;
      for (const auto& w : faults.cuts)
        times.cuts.emplace_back(w.from, w.until);
      for (std::size_t i = 0; i < faults.delays.size(); ++i)
        times.delays.emplace_back(faults.delays[i].from, faults.delays[i].until, faults.added[i]);
      world_.network.set_faults(graph_.links()[static_cast<std::size_t>(link)].name, times);
    }
  }

  void build_network(const ComponentTraffic& traffic)
  {
    const auto pairs = talking_pairs(world_, traffic);
    platform_.add_routes(pairs);
    // A link several hosts send through is processed by a node of its own, whose actor lives on the users'
    // host (where it runs makes no difference: it only orders messages).
    host_nodes_ = world_.nodes.size();
    world_.network.build(
        platform_.hosts(), pairs, carries_bytes(spec_),
        [&](const LinkResource& link) {
          link_node_names_.push_back("link " + link.name + (link.from.empty() ? "" : " " + link.from + "->" + link.to));
          return add_node(platform_.hosts()[platform_.users()], 1);
        },
        [&](LinkResource& r, const sg4::Link& link) { platform_.describe(r, link); }, world_.clock);
    set_link_faults();
  }

  // Executors, before the channels between them: one for the world, or one per node.
  void make_executors()
  {
    const Grouping grouping = options_.mode == EngineMode::plain ? Grouping::host : options_.grouping;
    std::vector<bool> has_components(world_.nodes.size(), false);
    for (const auto& c : world_.components)
      has_components[c->node->id()] = true;
    for (auto& node : world_.nodes) {
      if (grouping == Grouping::world && !world_.executors.empty()) {
        node->executor = world_.executors.front().get();
        continue;
      }
      if (is_zone_users_node(node->id())) {
        // The source sends each zone's requests from that zone's node: one executor for all the users.
        node->executor = world_.nodes[platform_.users()]->executor;
        continue;
      }
      world_.executors.push_back(
          std::make_unique<Executor>(world_, static_cast<std::uint32_t>(world_.executors.size())));
      node->executor = world_.executors.back().get();
      const bool link_node = node->id() >= host_nodes_;
      if (grouping == Grouping::world)
        actors_.emplace_back("world", platform_.hosts()[platform_.users()]);
      else if (link_node)
        actors_.emplace_back(link_node_names_[node->id() - host_nodes_], node->host());
      else if (has_components[node->id()])
        actors_.emplace_back(node->host()->get_name(), node->host());
      else
        actors_.emplace_back("", nullptr); // a host with nothing on it: never has an event
    }
    for (World::Placement& place : world_.placement)
      place.executor = place.node->executor;
  }

  // The channels and the window; the windowed engine's shortcuts where they are exact.
  void synchronise(const ComponentTraffic& traffic)
  {
    lookahead_ = connect_nodes(world_, traffic);
    if (options_.mode != EngineMode::plain) // the plain engine takes no shortcut: every step is an event
      servers_at_arrival_ = serve_at_arrival_where_exact(world_, traffic.reply_targets);
    if (options_.mode == EngineMode::plain) {
      world_.set_synchronisation(1, 0);
      world_.set_replies_at_send(false);
    } else
      world_.set_synchronisation(lookahead_, options_.max_ahead > 0 ? models::from_seconds(options_.max_ahead) : 0);
  }

  void start_actors()
  {
    source_->start();
    schedule_faults(world_);
    for (std::size_t e = 0; e < actors_.size(); ++e) {
      if (!actors_[e].second)
        continue;
      Executor* executor = world_.executors[e].get();
      sg4::Actor::create(actors_[e].first, actors_[e].second, [executor] { executor->run(); })->daemonize();
      ++actor_count_;
    }
    // The run ends when the scheduler, the only non-daemon actor, ends.
    sg4::Actor::create("scheduler", platform_.hosts()[platform_.users()], [this] { world_.scheduler.run(); });
  }

  // Not const: the network adds its routes' counts up into its links' (Network::report()).
  models::Results results(bool& has_cache)
  {
    const auto& spec = spec_;
    auto& world = world_;
    models::Results res;
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
    res.cost = models::cost_of(spec, res.total);
    if (geo_)
      res.geodns = geo_->result();
    for (std::size_t s = 0; s < spec.services.size(); ++s) {
      const auto& svc = spec.services[s];
      const auto& st = world.service_stats[s];
      models::ServiceResult r;
      r.name = svc.name;
      r.kind = models::kind_name(svc.kind);
      r.instances = static_cast<int>(world.service_instances[s].size());
      std::visit([&](const auto& kind) { report(kind, world, static_cast<std::uint32_t>(s), r); }, svc.kind);
      has_cache |= r.cache.has_value();
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
                           n.cores.window_mean() / spec.hardware.hosts[h].cores, n.disk.window_mean()});
    }
    // In name order; sorted by reference, not by moving the results' strings around (a thousand hosts have
    // two thousand link directions).
    const auto& links = world.network.report();
    std::vector<const LinkResource*> by_name;
    for (const auto& link : links)
      by_name.push_back(&link);
    std::sort(by_name.begin(), by_name.end(), [](const LinkResource* a, const LinkResource* b) {
      return std::tie(a->name, a->from, a->to) < std::tie(b->name, b->from, b->to);
    });
    res.links.reserve(by_name.size());
    for (const LinkResource* link : by_name) {
      models::LinkResult l;
      l.name = link->name;
      l.from = link->from;
      l.to = link->to;
      l.sharing = link->sharing;
      l.bandwidth = link->bandwidth;
      l.latency = models::to_seconds(link->latency);
      l.messages = link->messages;
      l.bytes = link->bytes;
      l.utilisation = link->utilisation;
      res.links.push_back(std::move(l));
    }
    auto& c = res.checks;
    c.sent = world.sent;
    c.completed = world.completed;
    c.failed = world.failed;
    c.in_flight = world.pool.live() - world.orphans - world.internal_records;
    c.conserved = c.sent == c.completed + c.failed + c.in_flight;
    const auto& all = world.all_requests;
    std::uint64_t finished = all.latency_.count();
    for (std::size_t e = 1; e < all.errors_.size(); ++e)
      finished += all.errors_[e];
    c.little_l = world.in_system.window_mean();
    c.little_x = seconds > 0 ? static_cast<double>(finished) / seconds : 0;
    c.little_w =
        finished > 0 ? static_cast<double>(all.finished_latency_sum_) * 1e-9 / static_cast<double>(finished) : 0;
    const double xw = c.little_x * c.little_w;
    c.little_relative_error = xw > 0 ? (c.little_l - xw) / xw : 0;
    return res;
  }

  void count_edges()
  {
    const std::size_t services = spec_.services.size();
    if (!EdgeCounts::affordable(world_.clock, services))
      return;
    world_.component_service.assign(world_.components.size(), static_cast<std::uint32_t>(services));
    for (std::size_t s = 0; s < services; ++s)
      for (const std::uint32_t c : world_.service_instances[s])
        world_.component_service[c] = static_cast<std::uint32_t>(s);
    world_.edge_counts = std::make_unique<EdgeCounts>(world_.clock, services);
  }

  // A closed population whose users change (null: none).
  const LevelIntegral* population() const { return source_ ? source_->population() : nullptr; }

  IntervalReport interval_report(std::size_t i)
  {
    IntervalReport out;
    out.rows = stream_rows_->rows_of(i);
    if (world_.edge_counts) {
      const auto name = [this](std::uint32_t s) {
        return s < spec_.services.size() ? spec_.services[s].name : std::string(kUsersSeries);
      };
      for (const auto& e : world_.edge_counts->in_interval(i))
        out.edges.push_back({name(e.from), name(e.to), e.requests});
    }
    return out;
  }

  // The figures of the intervals that have ended by t, to the watcher, each once.
  void stream_to(SimTime t)
  {
    const Clock& clock = world_.clock;
    while (streamed_ < clock.interval_count() &&
           std::min(static_cast<SimTime>(streamed_ + 1) * clock.interval, clock.end) <= t)
      options_.on_interval(interval_report(streamed_++));
  }

  EngineStats engine_stats() const
  {
    EngineStats eng;
    eng.lookahead = models::to_seconds(lookahead_);
    eng.actors = actor_count_;
    for (const auto& e : world_.executors) {
      eng.wakeups += e->wakeups;
      eng.events += e->events;
    }
    eng.peak_requests_in_flight = world_.pool.capacity();
    eng.servers_at_arrival = servers_at_arrival_;
    eng.late_to_stream = world_.users_latencies ? world_.users_latencies->late() : 0;
    if (options_.mode != EngineMode::plain)
      for (const auto& component : world_.components) {
        eng.completions_apart += component->completions_apart() && component->replies_quietly ? 1 : 0;
        eng.passive_replies += component->passive_replies() && component->replies_quietly ? 1 : 0;
      }
    return eng;
  }

  const models::TopologySpec& spec_;
  const RunOptions& options_;
  const models::HardwareGraph& graph_;
  Platform platform_;
  World world_;
  const models::HostIndex host_index_;
  Source* source_ = nullptr;
  std::optional<SeriesRows> stream_rows_; // with options_.on_interval
  std::size_t streamed_ = 0;              // intervals streamed
  std::vector<std::uint32_t> zone_users_; // components: each zone's users
  std::unique_ptr<GeoRouting> geo_;
  std::size_t host_nodes_ = 0;                             // nodes of hosts; link nodes come after
  std::vector<std::string> link_node_names_;               // by link node
  std::vector<std::pair<std::string, sg4::Host*>> actors_; // name and host, by executor
  SimTime lookahead_ = 0;
  std::uint64_t servers_at_arrival_ = 0;
  std::uint64_t actor_count_ = 0;
};

} // namespace

RunOutput run_simulation(const models::TopologySpec& spec, const RunOptions& options)
{
  const auto engine = create_engine(options.simgrid_args);
  std::vector<models::HardwareIssue> issues;
  const auto graph = models::HardwareGraph::build(spec, issues);
  if (!issues.empty())
    throw std::runtime_error(issues.front().message);
  if (options.follow.on()) {
    // A request's records can be on several executors at once (a guarded call's attempt given up, the two sides
    // of a crash); the recorder would note them in the order the executors run, which differs between engines.
    // One executor handles every event in one order, and every engine's results are these same bytes.
    RunOptions one_executor = options;
    one_executor.mode = EngineMode::windowed;
    one_executor.grouping = Grouping::world;
    return Run(spec, one_executor, graph)(*engine);
  }
  return Run(spec, options, graph)(*engine);
}

void register_platform_reader()
{
  models::set_platform_reader(read_platform_file);
}

} // namespace scalelab::sim
