#include "queue.hpp"

#include "service_kinds.hpp"

#include <algorithm>
#include <limits>

namespace scalelab::sim
{

using models::from_seconds;
using models::sample_duration;

void publish_job(Component& from, SimTime ts, const Request& request, const ResolvedStep& step, models::Rng& rng)
{
  World& w = *from.world;
  const std::uint32_t job = w.pool.acquire();
  Request& j = w.pool[job];
  j.created = ts;
  j.key = request.key;
  j.type = step.program;
  j.depth = 0;
  j.call_program = step.program;
  j.call_pc = 0;
  j.call_op = 0;
  j.version = 0;
  j.version_source = 0;
  ++w.internal_records; // a job is not a request of the users
  const std::uint32_t to = pick_instance(w, step.service, rng, j.key);
  if (w.edge_counts) // the job's record holds no frame of its publisher for World::send to read
    w.edge_counts->count(ts, w.component_service[from.id], w.component_service[to]);
  w.send(*from.node, ts, EventKind::request, to, job, w.spec.requests[step.program].request_size);
}

// --- broker --------------------------------------------------------------------------------------------------

Broker::Broker(std::uint32_t service, const models::QueueSpec& spec, double core_speed, std::uint64_t seed,
               std::vector<std::uint32_t> consumers, std::vector<int> workers)
    : service_(service), spec_(spec), core_speed_(core_speed), rng_(seed), consumers_(std::move(consumers)),
      ring_(std::move(workers)), host_down_(consumers_.size(), false)
{
}

void Broker::autoscale(const models::AutoscaleSpec& spec, int workers)
{
  scaler_ = std::make_unique<BalancerScaler>(spec, static_cast<int>(consumers_.size()), workers, world->clock);
  for (std::size_t i = 0; i < consumers_.size(); ++i)
    if (!scaler_->serving(static_cast<int>(i)))
      ring_.set_down(static_cast<int>(i));
}

void Broker::schedule_consumer_faults()
{
  if (scaler_)
    node->push_local(scaler_->spec().interval, EventKind::tick, id, 0, kEvaluateTag);
  for (std::size_t i = 0; i < consumers_.size(); ++i)
    for (const Outage& o : world->components[consumers_[i]]->node->outages()) {
      node->push_local(o.from, EventKind::fault, id, 0,
                       Fault{Fault::Kind::backend_down, static_cast<std::uint32_t>(i)}.pack());
      if (o.until != models::kNever)
        node->push_local(o.until, EventKind::fault, id, 0,
                         Fault{Fault::Kind::backend_up, static_cast<std::uint32_t>(i)}.pack());
    }
}

void Broker::release(std::uint32_t rid)
{
  world->pool.release(rid);
  --world->internal_records;
}

void Broker::on_request(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  if (down(ts)) { // nobody waits for the answer: the job is dropped
    counts_.refused += w.clock.measured(ts);
    release(rid);
    return;
  }
  Request& r = w.pool[rid];
  Frame& f = r.frames()[r.depth++];
  f = Frame{ts, id, 0, 0, r.call_program, 0, incarnation_at(ts), 0};
  SimTime cpu = 0;
  if (spec_.cpu_flops)
    cpu = from_seconds(*spec_.cpu_flops / core_speed_);
  else if (spec_.cpu_time)
    cpu = sample_duration(*spec_.cpu_time, rng_);
  if (cpu > 0)
    node->push_local(node->cores.use(ts, cpu), EventKind::step_done, id, rid, 0);
  else
    accept(ts, rid);
}

void Broker::on_step_done(SimTime ts, std::uint32_t rid, std::uint32_t)
{
  if (stale(*this, world->pool[rid].top(), ts)) { // the host crashed while it took the job in
    counts_.refused += world->clock.measured(ts);
    release(rid);
    return;
  }
  accept(ts, rid);
}

void Broker::accept(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  auto& stats = w.service_stats[service_];
  stats.outcome.arrived(ts);
  if (static_cast<std::int64_t>(waiting_.size()) >= spec_.capacity) {
    counts_.rejected += w.clock.measured(ts);
    stats.outcome.finished(ts, 0, Cause::queue_full);
    release(rid);
    return;
  }
  counts_.published += w.clock.measured(ts);
  w.pool[rid].top().arrived = ts;
  waiting_.push_back(rid);
  stats.queued.change(ts, 1);
  deliver(ts);
}

void Broker::requeue(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  Request& r = w.pool[rid];
  r.call_program = r.type;
  r.call_pc = 0;
  r.version = 0;
  r.version_source = 0;
  r.top().arrived = ts;
  counts_.redelivered += w.clock.measured(ts);
  waiting_.push_front(rid);
  w.service_stats[service_].queued.change(ts, 1);
}

// FIFO: the job at the head goes to the consumer the ring picks, as long as one is free.
void Broker::deliver(SimTime ts)
{
  deliver_waiting(ts);
  note_backlog(ts);
}

void Broker::deliver_waiting(SimTime ts)
{
  if (down(ts))
    return;
  World& w = *world;
  auto& stats = w.service_stats[service_];
  while (!waiting_.empty()) {
    const models::ConsumerRing::Delivery d = ring_.take();
    if (d.instance < 0)
      return;
    const std::uint32_t rid = waiting_.front();
    waiting_.pop_front();
    Request& r = w.pool[rid];
    Frame& f = r.top();
    if (w.clock.measured(ts)) {
      ++counts_.delivered;
      counts_.waited += ts > f.arrived;
      wait_.record(ts - f.arrived);
    }
    f.aux = static_cast<std::uint32_t>(d.instance);
    f.pc = static_cast<std::uint16_t>(d.generation);
    f.incarnation = incarnation_at(ts);
    if (node->can_crash())
      f.held = unacknowledged_.add(rid);
    r.call_program = r.type;
    r.call_pc = 0;
    ++out_;
    if (scaler_)
      scaler_->dispatched(ts, d.instance);
    stats.queued.change(ts, -1);
    stats.in_service.change(ts, 1);
    w.send(*node, ts, EventKind::request, consumers_[d.instance], rid, w.spec.requests[r.type].request_size);
  }
}

void Broker::on_reply(SimTime ts, std::uint32_t rid, Cause cause)
{
  World& w = *world;
  Request& r = w.pool[rid];
  const Frame f = r.top();
  if (stale(*this, f, ts)) { // delivered before the broker's host crashed: the acknowledgement finds no channel
    release(rid);
    return;
  }
  if (node->can_crash())
    unacknowledged_.remove(f.held);
  --out_;
  if (scaler_)
    scaler_->completed(ts, static_cast<int>(f.aux));
  auto& stats = w.service_stats[service_];
  stats.in_service.change(ts, -1);
  const auto instance = static_cast<int>(f.aux);
  // The consumer's generation when it took the job, from the 16 bits the frame keeps.
  const std::uint32_t now = ring_.generation(instance);
  const bool same_consumer = static_cast<std::uint16_t>(now) == f.pc;
  const models::ConsumerRing::Delivery d{instance, same_consumer ? now : now + 1};
  if (cause == Cause::host_down && !same_consumer) {
    // Its worker's host went down with the job unacknowledged: the connection closed, the job is requeued.
    requeue(ts, rid);
    deliver(ts);
    return;
  }
  const bool measured = w.clock.measured(ts);
  counts_.acknowledged += measured;
  counts_.failed += measured && cause != Cause::ok;
  stats.outcome.finished(ts, ts - r.created, cause);
  release(rid);
  ring_.give_back(d);
  deliver(ts);
}

// The host restarted (its consumers are connected again); or the scaler evaluates every interval from the first,
// or an instance booted: it consumes from then on unless its host is down.
void Broker::on_tick(SimTime ts, std::uint32_t aux)
{
  if ((aux & kBootTag) != 0) {
    const auto instance = static_cast<int>(aux & ~kBootTag);
    scaler_->booted(ts, instance);
    if (!host_down_[static_cast<std::size_t>(instance)])
      ring_.set_up(instance);
  } else if (aux == kEvaluateTag) {
    note_backlog(ts);
    const BalancerScaler::Decision d = scaler_->evaluate(ts);
    for (const int b : d.stop) // it takes no new job and finishes those it holds
      ring_.set_down(b);
    for (const int b : d.boot)
      node->push_local(ts + scaler_->spec().boot, EventKind::tick, id, 0, kBootTag | static_cast<std::uint32_t>(b));
    node->push_local(ts + scaler_->spec().interval, EventKind::tick, id, 0, kEvaluateTag);
    return;
  }
  deliver(ts);
}

void Broker::on_fault(SimTime ts, const Fault& fault)
{
  if (fault.kind != Fault::Kind::crash) {
    const auto instance = static_cast<int>(fault.backend);
    host_down_[fault.backend] = fault.kind == Fault::Kind::backend_down;
    if (fault.kind == Fault::Kind::backend_down) {
      ring_.set_down(instance);
    } else if (!scaler_ || scaler_->serving(instance)) { // a stopped or booting instance stays out
      ring_.set_up(instance);
      deliver(ts);
    }
    return;
  }
  World& w = *world;
  auto& stats = w.service_stats[service_];
  const bool measured = w.clock.measured(ts);
  stats.in_service.change(ts, -out_);
  out_ = 0;
  if (scaler_)
    scaler_->forget_in_flight(ts);
  std::vector<std::uint32_t> out = unacknowledged_.take_all();
  if (spec_.durable) {
    // The waiting jobs are kept; those out at consumers come back at the head, to be delivered again. The
    // records at the workers run on; their acknowledgements find a stale frame.
    for (auto it = out.rbegin(); it != out.rend(); ++it) {
      const Request& old = w.pool[*it];
      const std::uint32_t copy = w.pool.acquire();
      Request& r = w.pool[copy];
      r.created = old.created;
      r.key = old.key;
      r.type = old.type;
      r.depth = 1;
      r.frames()[0] = Frame{ts, id, 0, 0, old.type, 0, incarnation_at(ts), 0};
      ++w.internal_records;
      requeue(ts, copy);
    }
  } else {
    counts_.lost += measured ? waiting_.size() : 0;
    stats.queued.change(ts, -static_cast<std::int64_t>(waiting_.size()));
    for (const std::uint32_t rid : waiting_)
      release(rid);
    waiting_.clear();
  }
  note_backlog(ts);
  ring_.reset();
  if (host_crashes_at(ts)) // alone, its claims on the host's cores run to their end
    node->cores.crash(ts);
  for (const Outage& o : outages())
    if (o.from == ts && o.until != models::kNever)
      node->push_local(o.until, EventKind::tick, id, 0);
}

models::QueueResult Broker::result() const
{
  models::QueueResult q = counts_;
  q.wait = models::summarize(wait_);
  q.wait_probability = q.delivered ? static_cast<double>(q.waited) / static_cast<double>(q.delivered) : 0.0;
  q.backlog_at_end = waiting_.size();
  return q;
}

// --- worker: an api_server whose requests come from the broker -------------------------------------------------

namespace
{
// The api_server spec a worker instance runs with (base-from-member: it exists before the ApiServer that reads it).
struct WorkerServerSpec {
  explicit WorkerServerSpec(const models::WorkerSpec& spec)
  {
    server.hosts = spec.hosts;
    server.workers = spec.workers;
    // The broker delivers at most `workers` jobs at once; more wait only after a broker restart.
    server.queue_limit = std::numeric_limits<int>::max();
  }
  models::ApiServerSpec server;
};

class Worker : private WorkerServerSpec, public ApiServer
{
public:
  Worker(std::uint32_t service, const models::WorkerSpec& spec, double core_speed, std::uint64_t seed,
         std::uint32_t instance)
      : WorkerServerSpec(spec), ApiServer(service, server, core_speed, seed, 0, instance)
  {
  }
};
} // namespace

void build(const models::WorkerSpec& spec, ServiceBuilder& b)
{
  const std::string& name = b.world.spec.services[b.service].name;
  for (std::size_t i = 0; i < spec.hosts.size(); ++i) {
    const std::uint32_t host = b.host(spec.hosts[i]);
    b.add(std::make_unique<Worker>(b.service, spec, b.core_speed(host), b.seed(name + "#" + std::to_string(i)),
                                   static_cast<std::uint32_t>(i)),
          host);
  }
}

namespace
{
// An autoscaled worker pool (the only one consuming the queue, as the loader checks) is scaled by the broker.
void autoscale_consumers(Broker& broker, const std::string& queue, World& world)
{
  const auto& services = world.spec.services;
  for (std::size_t s = 0; s < services.size(); ++s)
    if (const auto* worker = std::get_if<models::WorkerSpec>(&services[s].kind);
        worker && worker->consumes == queue && worker->autoscale) {
      broker.autoscale(*worker->autoscale, worker->workers);
      world.scalers[static_cast<std::uint32_t>(s)] = broker.scaler();
    }
}
} // namespace

void build(const models::QueueSpec& spec, ServiceBuilder& b)
{
  const auto& spec_all = b.world.spec;
  const std::string& name = spec_all.services[b.service].name;
  // Its consumers: the instances of every worker pool that consumes it, in service then instance order, each with
  // its pool's workers.
  std::vector<std::uint32_t> consumers;
  std::vector<int> workers;
  for (std::size_t s = 0; s < spec_all.services.size(); ++s)
    if (const auto* worker = std::get_if<models::WorkerSpec>(&spec_all.services[s].kind);
        worker && worker->consumes == name) {
      const auto& instances = b.world.service_instances[s];
      consumers.insert(consumers.end(), instances.begin(), instances.end());
      workers.insert(workers.end(), instances.size(), worker->workers);
    }
  const std::uint32_t host = b.host(spec.host);
  auto broker = std::make_unique<Broker>(b.service, spec, b.core_speed(host), b.seed(name), std::move(consumers),
                                         std::move(workers));
  Broker& added = *broker;
  b.add(std::move(broker), host);
  autoscale_consumers(added, name, b.world);
}

void report(const models::QueueSpec&, const World& world, std::uint32_t service, models::ServiceResult& r)
{
  const auto& broker = static_cast<const Broker&>(*world.components[world.service_instances[service][0]]);
  models::QueueResult q = broker.result();
  q.mean_backlog = world.service_stats[service].queued.window_mean();
  q.mean_unacknowledged = world.service_stats[service].in_service.window_mean();
  r.queue = q;
}

void report(const models::WorkerSpec& spec, const World& world, std::uint32_t service, models::ServiceResult& r)
{
  r.capacity = spec.workers * r.instances;
  report_calls(world, service, r);
  if (const auto it = world.scalers.find(service); it != world.scalers.end())
    r.autoscale = it->second->log().result(world.clock);
}

} // namespace scalelab::sim
