#include "world.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <utility>

namespace sg4 = simgrid::s4u;

namespace scalelab::sim
{

const char* cause_name(Cause c)
{
  switch (c) {
  case Cause::ok:
    return "ok";
  case Cause::queue_full:
    return "queue_full";
  case Cause::db_overloaded:
    return "db_overloaded";
  case Cause::cache_overloaded:
    return "cache_overloaded";
  case Cause::no_backend:
    return "no_backend";
  case Cause::host_down:
    return "host_down";
  case Cause::session_lost:
    return "session_lost";
  case Cause::pool_timeout:
    return "pool_timeout";
  case Cause::timeout:
    return "timeout";
  case Cause::breaker_open:
    return "breaker_open";
  case Cause::rate_limited:
    return "rate_limited";
  case Cause::partitioned:
    return "partitioned";
  case Cause::lost:
    return "lost";
  case Cause::count_:
    break;
  }
  return "?";
}

// --- executors -------------------------------------------------------------------------------------------

void Executor::add_input(Executor* from, SimTime min_delay)
{
  if (from == this)
    return;
  for (auto& c : inputs_)
    if (c.executor == from) {
      c.min_delay = std::min(c.min_delay, min_delay);
      return;
    }
  inputs_.push_back({from, min_delay});
}

// How far this executor may process now. Always safe: the end of the current window, since every message
// still to come is caused by an event at or after the window start and takes at least W. Further when every
// input has promised nothing earlier (its processed horizon plus the channel's delay), up to max_ahead past
// the clock.
SimTime Executor::horizon(SimTime now) const
{
  const SimTime floor = world_.window_start(now) + world_.window();
  SimTime h = world_.max_ahead() > 0 ? now + world_.max_ahead() : floor;
  for (const auto& in : inputs_) {
    if (h <= floor)
      break;
    h = std::min(h, in.executor->processed_to_ + in.min_delay);
  }
  return std::min(std::max(h, floor), world_.clock.end);
}

void Executor::run()
{
  actor_ = sg4::Actor::self();
  for (;;) {
    sg4::this_actor::suspend(); // cheaper than a semaphore: no activity is created per wake-up
    const SimTime now = world_.scheduler.now();
    const SimTime h = horizon(now);
    if (!events_.empty() && events_.top().ts < h) {
      ++wakeups;
      process_until(h);
    }
    processed_to_ = std::max(processed_to_, h);
    schedule_next();
    waiting_ = true;
    world_.scheduler.blocked(*this);
  }
}

void Executor::schedule_next()
{
  if (!events_.empty())
    world_.scheduler.schedule(*this, world_.window_start(events_.top().ts));
}

// Releases the actor now (at the current SimGrid time), once.
void Executor::wake()
{
  if (waiting_) {
    waiting_ = false;
    world_.scheduler.released(*this);
    actor_->resume();
  }
}

void Executor::process_until(SimTime h)
{
  while (!events_.empty() && events_.top().ts < h) {
    const Event e = events_.top();
    events_.pop();
    ++events;
    if (!events_.empty())
      prefetch(events_.top());
    dispatch(e);
  }
}

// What the next event will touch, asked for while this one is handled: at a thousand servers its component,
// host and request record are rarely in the cache, and waiting for them one after the other is most of the
// cost of an event.
void Executor::prefetch(const Event& e)
{
  const Component* c = world_.components[e.component].get();
  __builtin_prefetch(c);
  __builtin_prefetch(reinterpret_cast<const char*>(c) + 64);
  const Node* n = world_.placement[e.component].node;
  __builtin_prefetch(n);
  __builtin_prefetch(reinterpret_cast<const char*>(n) + 64);
  if (const std::byte* r = world_.pool.address(e.request)) {
    __builtin_prefetch(r);
    __builtin_prefetch(r + 64);
  }
}

void Executor::dispatch(const Event& e)
{
  Component& c = *world_.components[e.component];
  switch (e.kind) {
  case EventKind::request:
    world_.note_arrival(e.ts, e.component, e.request, false);
    c.on_request(e.ts, e.request);
    break;
  case EventKind::reply:
    world_.note_arrival(e.ts, e.component, e.request, true);
    world_.deliver_reply(c, e);
    break;
  case EventKind::step_done:
    c.on_step_done(e.ts, e.request, e.aux);
    break;
  case EventKind::tick:
    c.on_tick(e.ts, e.aux);
    break;
  case EventKind::hop:
    world_.advance(e);
    break;
  case EventKind::fault:
    c.on_fault(e.ts, Fault::unpack(e.aux));
    break;
  case EventKind::completion:
    c.on_completion(e.ts, e.aux);
    break;
  }
}

void Executor::push(const Event& e)
{
  if (e.ts >= world_.clock.end)
    return; // would never be processed
  events_.push(e);
  if (waiting_) // an event from another executor, or from before the run; a running one schedules itself
    world_.scheduler.schedule(*this, world_.window_start(e.ts));
}

// --- scheduler -----------------------------------------------------------------------------------------------

void Scheduler::schedule(Executor& executor, SimTime window_start)
{
  if (window_start >= executor.scheduled_ || window_start >= world_.clock.end)
    return;
  executor.scheduled_ = window_start;
  agenda_.emplace(window_start, executor.id());
}

void Scheduler::run()
{
  // Executors are created first and suspend at once; a resume sent before that would be lost.
  sg4::this_actor::yield();
  for (;;) {
    // Let every released executor finish before reading the agenda: they add to it.
    while (running_ > 0)
      sg4::this_actor::yield();
    while (!agenda_.empty() && agenda_.top().first != world_.executors[agenda_.top().second]->scheduled_)
      agenda_.pop(); // superseded by an earlier entry of the same executor
    const SimTime next = agenda_.empty() ? world_.clock.end : agenda_.top().first;
    if (passed_)
      passed_(std::min(next, world_.clock.end));
    if (next >= world_.clock.end)
      break;
    if (next > now_)
      sg4::this_actor::sleep_until(models::to_seconds(next));
    now_ = next;
    while (!agenda_.empty() && agenda_.top().first == next) {
      Executor& executor = *world_.executors[agenda_.top().second];
      agenda_.pop();
      if (executor.scheduled_ != next)
        continue;
      executor.scheduled_ = models::kNever;
      executor.wake();
    }
  }
  sg4::this_actor::sleep_until(models::to_seconds(world_.clock.end));
}

// --- nodes -----------------------------------------------------------------------------------------------

void Node::push_local(SimTime ts, EventKind kind, std::uint32_t component, std::uint32_t request, std::uint32_t aux,
                      Cause cause)
{
  const std::uint64_t order = kind == EventKind::step_done ? next_completion_order() : next_order();
  push(Event{ts, order, component, request, aux, kind, cause}); // the executor drops what is past the end
}

void Node::push(const Event& e)
{
  executor->push(e);
}

void Node::set_outages(std::vector<Outage> outages)
{
  std::sort(outages.begin(), outages.end(), [](const Outage& a, const Outage& b) { return a.from < b.from; });
  outages_ = std::move(outages);
  can_crash_ = !outages_.empty();
}

// --- host resources --------------------------------------------------------------------------------------

SimTime HostResource::use(SimTime now, SimTime duration)
{
  const SimTime start = std::max(now, next_free());
  const SimTime end = end_of(start, duration);
  claim_next(start, end);
  return end;
}

void HostResource::claim_next(SimTime start, SimTime end)
{
  std::pop_heap(free_at_, free_at_ + count_, std::greater<>());
  free_at_[count_ - 1] = end;
  std::push_heap(free_at_, free_at_ + count_, std::greater<>());
  busy_area_ += clock_->overlap(start, end);
}

void HostResource::crash(SimTime now)
{
  // Every claim was made at or before `now`, so after `now` each unit is busy without a break until its free
  // time: that stretch is what the crash takes off the busy gauge. min(., now) keeps the heap ordered.
  for (std::size_t u = 0; u < count_; ++u)
    if (free_at_[u] > now) {
      busy_area_ -= clock_->overlap(now, free_at_[u]);
      free_at_[u] = now;
    }
}

// --- world -----------------------------------------------------------------------------------------------

World::World(const models::TopologySpec& s, SimTime window) : spec(s), window_(window)
{
  clock.warmup = s.warmup;
  clock.end = s.duration;
  clock.interval = s.report_interval;
  service_stats.resize(s.services.size());
  for (auto& st : service_stats) {
    st.outcome.init(clock);
    st.in_service.init(clock);
    st.queued.init(clock);
  }
  request_stats.resize(s.requests.size());
  for (auto& st : request_stats)
    st.outcome.init(clock);
  all_requests.init(clock);
  in_system.init(clock);
}

void World::send(Node& from, SimTime now, EventKind kind, std::uint32_t to_component, std::uint32_t request,
                 double bytes, Cause cause)
{
  Component& target = *components[to_component]; // not read unless the message is a reply
  const Placement& place = placement[to_component];
  if (follow && pool[request].followed)
    follow->sent(request, now);
  if (edge_counts && kind == EventKind::request && pool[request].depth > 0)
    edge_counts->count(now, component_service[pool[request].top().component], component_service[to_component]);
  Node& to = *place.node;
  const std::uint64_t order = inherited_order_ ? std::exchange(inherited_order_, 0) : from.next_order();
  SimTime ts = now;
  // Set up by the simulation: a reply handled at send time crosses its whole route here and now.
  const bool at_send =
      kind == EventKind::reply && target.wants_replies_at_send() && (&to == &from || target.replies_quietly);
  const bool passive = at_send && replies_at_send_;
  if (&to != &from) {
    InFlight m{now, now, network.route_id(from.id(), place.node_id), 0};
    if (network.has_faults() && network.lost_on(m.route, now)) {
      lose(from, now, kind, to_component, request, m.route, order);
      return;
    }
    network.count(m.route, now, bytes);
    if (!network.carry(m, bytes, static_cast<std::int32_t>(from.id()))) {
      assert(!passive);
      // Queues at a link another node processes: the message goes there first.
      pool.message(request) = WaitingMessage{m, bytes, kind};
      const auto at = static_cast<std::uint32_t>(network.processor(m));
      nodes[at]->push(Event{network.head_at_end(m), order, to_component, request, 0, EventKind::hop, cause});
      return;
    }
    ts = m.tail;
  }
  if (passive) {
    if (ts >= clock.end)
      return; // arrives after the end: the request is still in flight
    note_arrival(ts, to_component, request, true);
    inherited_order_ = order;
    if (target.completions_apart())
      place.executor->push(Event{ts, order, to_component, kNoRequest, target.reply_apart(ts, request, cause),
                                 EventKind::completion, cause});
    else
      target.on_reply(ts, request, cause);
    inherited_order_ = 0;
    return;
  }
  place.executor->push(Event{ts, order, to_component, request, at_send ? kAsIfAtSend : 0, kind, cause});
}

// A message lost on a cut link (faults[]). A reply never arrives: its caller learns of it when it was due, on an
// idle network, and fails with `lost`. A request never arrives: the component that sent it and waits for the
// reply (the request's top frame, on the sending host) fails with `partitioned` at once, as when no route is
// left to the host. A message nobody waits for there (a published job; a request forwarded on, whose caller is
// elsewhere) is dropped: its request stays in flight.
void World::lose(Node& from, SimTime now, EventKind kind, std::uint32_t to_component, std::uint32_t request,
                 std::uint32_t route, std::uint64_t order)
{
  ++lost_messages;
  if (kind == EventKind::reply) {
    placement[to_component].node->push(Event{models::later(now, network.route(route).latency), order, to_component,
                                             request, 0, EventKind::reply, Cause::lost});
    return;
  }
  const Request& r = pool[request];
  if (kind != EventKind::request || r.depth == 0 || placement[r.top().component].node != &from)
    return;
  from.push(Event{now, order, r.top().component, request, 0, EventKind::reply, Cause::partitioned});
}

void World::deliver_reply(Component& c, const Event& e)
{
  if (e.aux != kAsIfAtSend) {
    c.on_reply(e.ts, e.request, e.cause);
    return;
  }
  // What the fast path does at send time, done here: what the component sends takes the reply's order key.
  inherited_order_ = e.order;
  c.on_reply(e.ts, e.request, e.cause);
  inherited_order_ = 0;
}

void World::advance(const Event& e)
{
  WaitingMessage& m = pool.message(e.request);
  network.cross_owned(m.at, m.bytes);
  if (!network.carry(m.at, m.bytes, -1)) {
    const auto next = static_cast<std::uint32_t>(network.processor(m.at));
    nodes[next]->push(Event{network.head_at_end(m.at), e.order, e.component, e.request, 0, EventKind::hop, e.cause});
    return;
  }
  placement[e.component].node->push(Event{m.at.tail, e.order, e.component, e.request, 0, m.kind, e.cause});
}

} // namespace scalelab::sim

namespace scalelab::sim
{

void World::split_at_crash(Node& from, SimTime now, std::uint32_t rid, std::uint8_t at)
{
  if (pool[rid].orphan)
    return; // its callers were answered at an earlier crash further up: nobody waits for this answer
  const std::uint32_t caller_side = pool.acquire();
  Request& orphan = pool[rid];
  Request& r = pool[caller_side];
  // Only the frames below `at` and the fields set at creation: whoever runs the orphan changes neither.
  r.created = orphan.created;
  r.key = orphan.key;
  r.type = orphan.type;
  r.depth = at;
  std::copy(orphan.frames(), orphan.frames() + at, r.frames());
  orphan.orphan = true;
  r.cut_off = true;
  note_copy(rid, caller_side);
  orphan.followed = false; // what the orphan still does is not the request's path
  ++orphans;
  send(from, now, EventKind::reply, r.top().component, caller_side, 0, Cause::host_down);
}

void World::drop_orphan(std::uint32_t rid)
{
  assert(pool[rid].orphan && "only a request cut off by a crash reaches a stale frame");
  pool.release(rid);
  --orphans;
}

} // namespace scalelab::sim
