#include "components.hpp"
#include "geodns.hpp"

#include "queue.hpp"
#include "replication.hpp"
#include "resharding.hpp"
#include "scalelab/models/population.hpp"
#include "service_kinds.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace scalelab::sim
{

using models::from_seconds;
using models::sample_duration;

namespace
{

std::vector<double> mix_weights(const models::TopologySpec& spec)
{
  std::vector<double> weights(spec.requests.size(), 0.0);
  for (const auto& [name, weight] : spec.workload.mix)
    for (std::size_t i = 0; i < spec.requests.size(); ++i)
      if (spec.requests[i].name == name)
        weights[i] = weight;
  return weights;
}

// The union of stretches of time, sorted and disjoint.
std::vector<Outage> merge_outages(std::vector<Outage> outages)
{
  std::sort(outages.begin(), outages.end(), [](const Outage& a, const Outage& b) { return a.from < b.from; });
  std::vector<Outage> merged;
  for (const Outage& o : outages) {
    if (!merged.empty() && o.from <= merged.back().until)
      merged.back().until = std::max(merged.back().until, o.until);
    else
      merged.push_back(o);
  }
  return merged;
}

} // namespace

Frame& push_frame(Request& r, SimTime ts, const Component& c, std::uint32_t aux)
{
  // The records have room for the deepest stack check_nesting() found: a deeper one would be a bug there.
  if (r.depth >= c.world->pool.frames())
    throw std::logic_error("a request nests deeper than the run's records have room for");
  Frame& f = r.frames()[r.depth++];
  f = Frame{ts, c.id, aux, 0, r.call_program, r.call_pc, c.incarnation_at(ts), 0};
  return f;
}

// A request reaching a host that is down: refused at once.
bool refused_when_down(Component& c, SimTime ts, std::uint32_t rid, OutcomeStats& outcome)
{
  if (!c.can_crash() || !c.down_at(ts))
    return false;
  outcome.arrived(ts);
  outcome.finished(ts, 0, Cause::host_down);
  c.world->send(*c.node, ts, EventKind::reply, c.world->pool[rid].top().component, rid, 0, Cause::host_down);
  return true;
}

// Whether `other` crashes at `ts` with `c`, which crashes then: every instance of c's host when the host
// crashes, `other` alone when it is c, or another instance of the host that crashes on its own at ts too.
bool crashes_with(const Component& other, const Component& c, SimTime ts)
{
  if (other.node != c.node)
    return false;
  return &other == &c || c.host_crashes_at(ts) || other.incarnation_at(ts) != other.incarnation_at(ts - 1);
}

// At a crash, for a request component `c` holds: its frame there fails; if that is the request's outermost
// frame on the crashed host, its callers are answered (World::split_at_crash). Only the frames up to c's
// are read: whoever runs the request further up changes none of them.
void fail_held(Component& c, SimTime ts, std::uint32_t rid, ServiceStats& stats)
{
  World& w = *c.world;
  const Request& r = w.pool[rid];
  std::uint8_t here = 0;
  while (r.frames()[here].component != c.id)
    ++here;
  stats.in_service.change(ts, -1);
  stats.outcome.finished(ts, ts - r.frames()[here].arrived, Cause::host_down);
  std::uint8_t outermost = 0;
  while (!crashes_with(*w.components[r.frames()[outermost].component], c, ts))
    ++outermost;
  if (outermost == here)
    w.split_at_crash(*c.node, ts, rid, here);
}

bool refused_by_limit(Component& c, SimTime ts, std::uint32_t rid, models::RateLimiter& limiter, OutcomeStats& outcome,
                      double bytes)
{
  Request& r = c.world->pool[rid];
  if (limiter.admit(ts, r.frames()[0].aux))
    return false;
  outcome.arrived(ts);
  outcome.finished(ts, 0, Cause::rate_limited);
  c.world->send(*c.node, ts, EventKind::reply, r.top().component, rid, bytes, Cause::rate_limited);
  return true;
}

bool stale(const Component& c, const Frame& f, SimTime ts)
{
  return c.can_crash() && f.incarnation != c.incarnation_at(ts);
}

std::uint32_t pick_instance(World& world, std::uint32_t service, models::Rng& rng, std::uint64_t key)
{
  const auto& instances = world.service_instances[service];
  if (const auto& partitioner = world.partitioners[service])
    return instances[partitioner->shard_of(key)];
  return instances.size() == 1 ? instances[0] : instances[rng.below(instances.size())];
}

void schedule_faults(World& world)
{
  for (const auto& c : world.components) {
    for (const Outage& o : c->outages())
      c->node->push_local(o.from, EventKind::fault, c->id, 0, Fault{Fault::Kind::crash}.pack());
    if (auto* balancer = dynamic_cast<LoadBalancer*>(c.get()))
      balancer->schedule_health_checks();
    if (auto* db = dynamic_cast<ReplicatedDatabase*>(c.get()))
      db->schedule_detection(0);
    else if (auto* shard = dynamic_cast<Database*>(c.get()))
      schedule_migration(*shard);
    if (auto* broker = dynamic_cast<Broker*>(c.get()))
      broker->schedule_consumer_faults();
  }
}

// --- source ----------------------------------------------------------------------------------------------

Source::Source(const models::TopologySpec& spec, std::uint64_t seed) : rng_(seed), mix_(mix_weights(spec))
{
  const auto& w = spec.workload;
  entry_service_ = static_cast<std::uint32_t>(spec.index_of_service(w.entry));
  if (w.keys.count > 0 && w.keys.popularity == models::KeySpaceSpec::Popularity::zipf)
    zipf_.emplace(static_cast<std::uint64_t>(w.keys.count), w.keys.exponent);
  if (const auto* open = std::get_if<models::OpenArrival>(&w.arrival)) {
    open_ = true;
    poisson_ = open->process == models::OpenArrival::Process::poisson;
    mean_gap_ = 1.0 / open->rate;
    if (open->shape)
      shape_ = &*open->shape;
    if (open->process == models::OpenArrival::Process::trace)
      trace_ = &open->trace;
    open_users_ = w.users;
  } else {
    const auto& closed = std::get<models::ClosedArrival>(w.arrival);
    open_ = false;
    thinking_ = closed.users;
    users_ = closed.users;
    merged_think_ = closed.think_time.kind == models::DistributionSpec::Kind::exponential;
    // Beyond the users a run tells apart, nothing may ask who sends a request (the loader sees to it); when
    // nothing asks, the users need no names (a table of a million thinking users is a cache miss per request).
    track_users_ = merged_think_ && users_ <= models::limits::kUsersTracked &&
                   std::any_of(spec.services.begin(), spec.services.end(),
                               [](const models::ServiceSpec& s) { return models::reads_users(s.kind); });
    if (closed.shape) {
      population_ = &*closed.shape;
      population_now_ = models::users_at(*population_, 0);
      thinking_ = population_now_;
    }
    if (track_users_)
      for (std::int64_t u = 1; u <= thinking_; ++u)
        thinking_users_.push_back(static_cast<std::uint32_t>(u));
  }
  if (models::uses_read_your_writes(spec))
    tokens_.emplace(w.user_count());
  if (models::uses_session_cookies(spec))
    cookies_.assign(static_cast<std::size_t>(w.user_count()) + 1, models::session_cookie::kNone);
}

void Source::take_back(std::uint32_t user, std::uint32_t token, std::uint32_t cookie)
{
  if (tokens_)
    tokens_->advance(user, token);
  if (!cookies_.empty())
    cookies_[user] = cookie;
}

void Source::start()
{
  if (open_) {
    const auto& herds = world->spec.workload.herds;
    for (std::size_t h = 0; h < herds.size(); ++h)
      node->push_local(herds[h].at, EventKind::tick, id, 0, kHerdTag | static_cast<std::uint32_t>(h));
    if (trace_ || shape_) {
      const SimTime first = trace_ ? trace_->front().at : models::next_shaped_arrival(*shape_, 0, rng_);
      if (first != models::kNever)
        node->push_local(first, EventKind::tick, id, 0);
      return;
    }
    node->push_local(next_gap(), EventKind::tick, id, 0);
  } else if (merged_think_) {
    // With exponential think times the thinking users form one Poisson process of rate thinking / Z
    // (memoryless), so a million users cost one pending event, not a million.
    start_population();
    const auto& herds = world->spec.workload.herds;
    for (std::size_t h = 0; h < herds.size(); ++h)
      node->push_local(herds[h].at, EventKind::tick, id, 0, kHerdTag | static_cast<std::uint32_t>(h));
    schedule_candidate(0);
  } else if (population_) {
    start_population();
    const auto& think = std::get<models::ClosedArrival>(world->spec.workload.arrival).think_time;
    for (std::int64_t u = 1; u <= thinking_; ++u)
      node->push_local(sample_duration(think, rng_), EventKind::tick, id, 0, static_cast<std::uint32_t>(u));
  } else {
    const auto& think = std::get<models::ClosedArrival>(world->spec.workload.arrival).think_time;
    for (std::int64_t u = 1; u <= thinking_; ++u)
      node->push_local(sample_duration(think, rng_), EventKind::tick, id, 0, static_cast<std::uint32_t>(u));
  }
}

std::uint32_t Source::open_user()
{
  return open_users_ == 0 ? 0 : static_cast<std::uint32_t>(1 + rng_.below(static_cast<std::uint64_t>(open_users_)));
}

SimTime Source::next_gap()
{
  return poisson_ ? from_seconds(rng_.exponential(mean_gap_)) : from_seconds(mean_gap_);
}

// The thinking users' requests are a Poisson process whose rate, thinking / Z, changes whenever a user
// starts or stops thinking. It is drawn by thinning (Lewis and Shedler): candidates at the largest rate,
// users / Z, each accepted with probability thinking / users at its time. Exact, and no event is redrawn when
// the rate changes (redrawing cost one stale event per request).
void Source::schedule_candidate(SimTime ts)
{
  const auto& think = std::get<models::ClosedArrival>(world->spec.workload.arrival).think_time;
  node->push_local(ts + from_seconds(rng_.exponential(think.mean / static_cast<double>(users_))), EventKind::tick, id,
                   0);
}

// A herd's requests all at once; a trace's arrivals of this instant; a shaped rate's next arrival by thinning.
void Source::on_open_tick(SimTime ts, std::uint32_t aux)
{
  if ((aux & kHerdTag) != 0) {
    const models::HerdSpec& herd = world->spec.workload.herds[aux & ~kHerdTag];
    for (std::int64_t u = 0; u < herd.users; ++u)
      send_request(ts, 0);
    return;
  }
  if (trace_) {
    for (; trace_next_ < trace_->size() && (*trace_)[trace_next_].at == ts; ++trace_next_)
      send_request(ts, 0, (*trace_)[trace_next_].type, (*trace_)[trace_next_].key);
    if (trace_next_ < trace_->size())
      node->push_local((*trace_)[trace_next_].at, EventKind::tick, id, 0);
    return;
  }
  send_request(ts, 0);
  const SimTime next = models::next_shaped_arrival(*shape_, ts, rng_);
  if (next != models::kNever)
    node->push_local(next, EventKind::tick, id, 0);
}

void Source::on_tick(SimTime ts, std::uint32_t user)
{
  if (open_ && (trace_ || shape_ || (user & kHerdTag) != 0)) {
    on_open_tick(ts, user);
    return;
  }
  if (open_) {
    send_request(ts, 0);
    ++arrivals_;
    node->push_local(poisson_ ? ts + next_gap() : from_seconds(static_cast<double>(arrivals_ + 1) * mean_gap_),
                     EventKind::tick, id, 0);
    return;
  }
  if (population_ && (user & kPopulationTag) == kPopulationTag) {
    on_population_change(ts);
    return;
  }
  if ((user & kHerdTag) != 0) {
    closed_herd(ts, world->spec.workload.herds[user & ~kHerdTag].users);
    return;
  }
  if (merged_think_) {
    // Strictly before: a return at this very instant counts from the next candidate on, whether its reply
    // was handled when sent (fast path) or as an event before or after this one (plain engine).
    fold_returns(ts);
    schedule_candidate(ts);
    const std::uint64_t drawn = rng_.below(static_cast<std::uint64_t>(users_));
    if (drawn >= static_cast<std::uint64_t>(thinking_))
      return; // rejected: drawn for a user who is not thinking
    // Accepted: the draw is uniform over the thinking users, so it names one of them.
    user = 0;
    if (track_users_) {
      user = thinking_users_[drawn];
      thinking_users_[drawn] = thinking_users_.back();
      thinking_users_.pop_back();
    }
  } else if (population_ && !think_ends(user)) {
    return;
  }
  --thinking_;
  send_request(ts, user);
}

void Source::send_request(SimTime ts, std::uint32_t user, std::int32_t type, std::int64_t key)
{
  World& w = *world;
  const std::uint32_t rid = w.pool.acquire();
  Request& r = w.pool[rid];
  r.created = ts;
  r.type = static_cast<std::uint16_t>(type >= 0 ? static_cast<std::size_t>(type) : mix_.pick(rng_));
  const auto& keys = w.spec.workload.keys;
  if (key >= 0)
    r.key = static_cast<std::uint64_t>(key);
  else if (keys.count == 0)
    r.key = 0;
  else if (keys.hot_key > 0 && rng_.uniform01() < keys.hot_key)
    r.key = 1;
  else
    r.key = zipf_ ? zipf_->sample(rng_) : 1 + rng_.below(static_cast<std::uint64_t>(keys.count));
  if (open_)
    user = open_user();
  r.depth = 0;
  r.call_program = r.type;
  r.call_pc = 0;
  r.version = 0;
  r.version_source = 0;
  if (geo_) {
    send_to_entry(ts, rid, user);
    return;
  }
  push_frame(r, ts, *this, user);
  carry_session(ts, r, user);
  ++w.sent;
  w.note_sent_by_users(ts, rid);
  w.in_system.change(ts, 1);
  if (w.clock.measured(ts)) {
    ++w.request_stats[r.type].sent_measured;
  }
  w.send(*node, ts, EventKind::request, pick_instance(w, entry_service_, rng_, r.key), rid,
         w.spec.requests[r.type].request_size);
}

// The user's session token and cookie, in the request's first frame.
void Source::carry_session(SimTime ts, Request& r, std::uint32_t user)
{
  if (!tokens_ && cookies_.empty())
    return;
  // What answers brought back strictly before now (as for the returning users above), then the user's.
  for (; !token_returns_.empty() && std::get<0>(token_returns_.top()) < ts; token_returns_.pop()) {
    const auto& [at, who, token, cookie] = token_returns_.top();
    take_back(who, token, cookie);
  }
  if (tokens_)
    r.frames()[0].held = tokens_->token(user); // the source's frame is never held by a station
  if (!cookies_.empty())
    r.frames()[0].cookie = cookies_[user];
}

void Source::send_to_entry(SimTime ts, std::uint32_t rid, std::uint32_t user)
{
  World& w = *world;
  Request& r = w.pool[rid];
  const GeoRouting::Choice choice = geo_->choose(ts, w.clock.measured(ts));
  push_frame(r, ts, *choice.users, user);
  carry_session(ts, r, user);
  ++w.sent;
  w.note_sent_by_users(ts, rid);
  w.in_system.change(ts, 1);
  if (w.clock.measured(ts))
    ++w.request_stats[r.type].sent_measured;
  if (!choice.entry) { // no healthy data centre to resolve to: the client cannot connect
    on_reply(ts, rid, Cause::no_backend);
    return;
  }
  w.send(*choice.users->node, ts, EventKind::request, pick_instance(w, *choice.entry, rng_, r.key), rid,
         w.spec.requests[r.type].request_size);
}

void Source::on_reply(SimTime ts, std::uint32_t rid, Cause cause)
{
  World& w = *world;
  Request& r = w.pool[rid];
  const SimTime latency = ts - r.created;
  const std::uint32_t user = r.frames()[0].aux;
  if (w.follow && r.followed)
    w.follow->answered(rid, ts, cause);
  if (user != 0)
    for (const auto& log : w.session_logs)
      if (log)
        log->answered(user, r.created, ts, r.cut_off);
  if ((tokens_ || !cookies_.empty()) && user != 0) {
    // The session token and cookie come back with the reply: handled when sent (passive), they count from its
    // arrival on.
    if (passive_replies())
      token_returns_.emplace(ts, user, r.frames()[0].held, r.frames()[0].cookie);
    else
      take_back(user, r.frames()[0].held, r.frames()[0].cookie);
  }
  w.request_stats[r.type].outcome.finished(ts, latency, cause);
  w.all_requests.finished(ts, latency, cause);
  if (w.users_latencies)
    cause == Cause::ok ? w.users_latencies->record(ts, latency) : w.users_latencies->failed(ts, cause);
  (cause == Cause::ok ? w.completed : w.failed)++;
  w.in_system.change(ts, -1);
  w.pool.release(rid);
  if (open_)
    return;
  if (merged_think_) {
    // Handled when the reply is sent (passive): the user starts thinking at the reply's arrival, which the
    // next candidates take into account when their time comes.
    returning_.emplace(ts, user);
    return;
  }
  if (population_ && leaves_on_reply(user))
    return;
  ++thinking_;
  node->push_local(ts + sample_duration(std::get<models::ClosedArrival>(w.spec.workload.arrival).think_time, rng_),
                   EventKind::tick, id, 0, user);
}

void Source::fold_returns(SimTime ts)
{
  for (; !returning_.empty() && returning_.top().first < ts; returning_.pop()) {
    const std::uint32_t user = returning_.top().second;
    if (leaving_ > 0) { // a user told to leave while busy: gone with its reply
      --leaving_;
      if (track_users_)
        free_users_.push_back(user);
      continue;
    }
    ++thinking_;
    if (track_users_)
      thinking_users_.push_back(user);
  }
}

// Thinking users drawn uniformly among the thinking ones (exponential think times are memoryless, so the
// others' thinking is what it would have been): each stops and sends a request at this instant.
void Source::closed_herd(SimTime ts, std::int64_t users)
{
  fold_returns(ts);
  const std::int64_t n = std::min(users, thinking_);
  for (std::int64_t k = 0; k < n; ++k) {
    std::uint32_t user = 0;
    // Drawn whether or not the users have names (thinking_users_ holds thinking_ of them when they do).
    const std::size_t i = rng_.below(static_cast<std::uint64_t>(thinking_));
    if (track_users_) {
      user = thinking_users_[i];
      thinking_users_[i] = thinking_users_.back();
      thinking_users_.pop_back();
    }
    --thinking_;
    send_request(ts, user);
  }
}

// --- a changing closed population -------------------------------------------------------------------------

void Source::start_population()
{
  if (!population_)
    return;
  population_level_.init(world->clock);
  population_level_.change(0, population_now_);
  // Ids of the users not there at the start, the smallest taken first.
  if (track_users_ || !merged_think_)
    for (std::int64_t u = users_; u > population_now_; --u)
      free_users_.push_back(static_cast<std::uint32_t>(u));
  if (!merged_think_) {
    state_.assign(static_cast<std::size_t>(users_) + 1, UserState::free);
    where_.assign(static_cast<std::size_t>(users_) + 1, 0);
    for (std::int64_t u = 1; u <= population_now_; ++u) {
      state_[static_cast<std::size_t>(u)] = UserState::thinking;
      list_add(thinking_users_, static_cast<std::uint32_t>(u));
    }
  }
  const SimTime next = models::next_users_change(*population_, 0);
  if (next != models::kNever)
    node->push_local(next, EventKind::tick, id, 0, kPopulationTag);
}

void Source::on_population_change(SimTime ts)
{
  const std::int64_t target = models::users_at(*population_, ts);
  population_level_.change(ts, target - population_now_);
  if (merged_think_)
    fold_returns(ts); // who is thinking at ts, by the rule of the candidates
  if (target > population_now_)
    add_users(ts, target - population_now_);
  else if (target < population_now_)
    remove_users(ts, population_now_ - target);
  population_now_ = target;
  const SimTime next = models::next_users_change(*population_, ts);
  if (next != models::kNever)
    node->push_local(next, EventKind::tick, id, 0, kPopulationTag);
}

// Busy users on their way out stay first; the others are new users, who send a request at once (as k6's
// ramping-vus and Locust start a user's first task at once). A user apart who was removed while thinking and
// whose think has not ended is taken back when no id is free: it goes on thinking.
void Source::add_users(SimTime ts, std::int64_t n)
{
  const std::int64_t stay = std::min(n, leaving_);
  leaving_ -= stay;
  for (n -= stay; n > 0; --n) {
    std::uint32_t user = 0;
    if (!merged_think_ && free_users_.empty()) {
      user = retired_users_.back();
      list_remove(retired_users_, user);
      state_[user] = UserState::thinking;
      list_add(thinking_users_, user);
      ++thinking_;
      continue;
    }
    if (!free_users_.empty() && (track_users_ || !merged_think_)) {
      user = free_users_.back();
      free_users_.pop_back();
    }
    if (!merged_think_)
      state_[user] = UserState::busy;
    send_request(ts, user);
  }
}

// Thinking users leave at once, drawn uniformly among the thinking ones; if fewer are thinking than must leave,
// the others leave when their reply comes back (k6's gracefulRampDown: the request in flight completes).
void Source::remove_users(SimTime /*ts*/, std::int64_t n)
{
  const std::int64_t now = std::min(n, thinking_);
  for (std::int64_t k = 0; k < now; ++k) {
    if (!merged_think_) {
      const std::uint32_t user = thinking_users_[rng_.below(thinking_users_.size())];
      list_remove(thinking_users_, user);
      state_[user] = UserState::retired; // its think's tick is still pending
      list_add(retired_users_, user);
    } else {
      // Drawn whether or not the users have names, so that naming them changes nothing else in the run.
      const std::size_t i = rng_.below(static_cast<std::uint64_t>(thinking_ - k));
      if (!track_users_)
        continue;
      free_users_.push_back(thinking_users_[i]);
      thinking_users_[i] = thinking_users_.back();
      thinking_users_.pop_back();
    }
  }
  thinking_ -= now;
  leaving_ += n - now;
}

void Source::list_add(std::vector<std::uint32_t>& list, std::uint32_t user)
{
  where_[user] = static_cast<std::uint32_t>(list.size());
  list.push_back(user);
}

void Source::list_remove(std::vector<std::uint32_t>& list, std::uint32_t user)
{
  const std::uint32_t i = where_[user];
  list[i] = list.back();
  where_[list[i]] = i;
  list.pop_back();
}

bool Source::think_ends(std::uint32_t user)
{
  if (state_[user] == UserState::retired) {
    list_remove(retired_users_, user);
    state_[user] = UserState::free;
    free_users_.push_back(user);
    return false;
  }
  list_remove(thinking_users_, user);
  state_[user] = UserState::busy;
  return true;
}

bool Source::leaves_on_reply(std::uint32_t user)
{
  if (leaving_ == 0) {
    state_[user] = UserState::thinking;
    list_add(thinking_users_, user);
    return false;
  }
  --leaving_;
  state_[user] = UserState::free;
  free_users_.push_back(user);
  return true;
}

// --- load balancer ---------------------------------------------------------------------------------------

LoadBalancer::LoadBalancer(std::uint32_t service, const models::LoadBalancerSpec& spec,
                           std::vector<std::uint32_t> backends, std::uint64_t seed)
    : service_(service), spec_(spec), backends_(std::move(backends)), balancer_(new_balancer()),
      backend_down_(backends_.size(), false), rng_(seed)
{
  if (spec_.rate_limit)
    limiter_.emplace(*spec_.rate_limit);
}

void LoadBalancer::init_sticky(std::int64_t users)
{
  if (spec_.sticky)
    sticky_.emplace(users, static_cast<int>(backends_.size()));
}

std::unique_ptr<models::Balancer> LoadBalancer::new_balancer() const
{
  return models::make_balancer(spec_.policy, static_cast<int>(backends_.size()), spec_.weights);
}

void LoadBalancer::autoscale(const models::AutoscaleSpec& spec, int workers, std::uint32_t backend_service)
{
  scaler_ = std::make_unique<BalancerScaler>(spec, static_cast<int>(backends_.size()), workers, world->clock);
  world->scalers[backend_service] = scaler_.get();
  for (std::size_t b = 0; b < backends_.size(); ++b)
    set_up(b);
}

void LoadBalancer::set_up(std::size_t b)
{
  balancer_->set_up(static_cast<int>(b), may_pick(b));
  if (sticky_)
    sticky_->set_up(static_cast<int>(b), may_pick(b));
}

// Evaluations every interval from the first; a booted backend takes requests from its tick on.
void LoadBalancer::on_tick(SimTime ts, std::uint32_t aux)
{
  if ((aux & kBootTag) != 0) {
    const std::size_t b = aux & ~kBootTag;
    scaler_->booted(ts, static_cast<int>(b));
    set_up(b);
    return;
  }
  const BalancerScaler::Decision d = scaler_->evaluate(ts);
  for (const int b : d.stop)
    set_up(static_cast<std::size_t>(b));
  for (const int b : d.boot)
    node->push_local(ts + scaler_->spec().boot, EventKind::tick, id, 0, kBootTag | static_cast<std::uint32_t>(b));
  node->push_local(ts + scaler_->spec().interval, EventKind::tick, id, 0, 0);
}

void LoadBalancer::schedule_health_checks()
{
  if (scaler_)
    node->push_local(scaler_->spec().interval, EventKind::tick, id, 0, 0);
  const SimTime interval = spec_.health_check;
  if (interval <= 0)
    return;
  // Checks at multiples of the interval: a backend is seen down from the first check at or after its crash
  // to the first at or after its restart (not at all if both are the same check).
  // A backend cut off from the balancer by a cut link (faults[]) fails its checks as a crashed one does.
  auto first_check_from = [interval](SimTime t) { return (t + interval - 1) / interval * interval; };
  for (std::size_t b = 0; b < backends_.size(); ++b) {
    const Node& backend = *world->placement[backends_[b]].node;
    std::vector<Outage> unreachable = world->components[backends_[b]]->outages();
    if (&backend != node)
      for (const auto& [from, until] : world->network.cut_windows(world->network.route_id(node->id(), backend.id())))
        unreachable.push_back({from, until});
    for (const Outage& o : merge_outages(std::move(unreachable))) {
      const SimTime down = first_check_from(o.from);
      const SimTime up = o.until == models::kNever ? models::kNever : first_check_from(o.until);
      if (down == up)
        continue;
      node->push_local(down, EventKind::fault, id, 0,
                       Fault{Fault::Kind::backend_down, static_cast<std::uint32_t>(b)}.pack());
      if (up != models::kNever)
        node->push_local(up, EventKind::fault, id, 0,
                         Fault{Fault::Kind::backend_up, static_cast<std::uint32_t>(b)}.pack());
    }
  }
}

void LoadBalancer::on_request(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  Request& r = w.pool[rid];
  auto& stats = w.service_stats[service_];
  if (refused_when_down(*this, ts, rid, stats.outcome))
    return;
  if (limiter_ && refused_by_limit(*this, ts, rid, *limiter_, stats.outcome, 0))
    return;
  stats.outcome.arrived(ts);
  const int backend = sticky_ ? sticky_->route(r.frames()[0].aux, *balancer_, rng_) : balancer_->pick(rng_);
  if (backend < 0) {
    stats.outcome.finished(ts, 0, Cause::no_backend);
    w.send(*node, ts, EventKind::reply, r.top().component, rid, 0, Cause::no_backend);
    return;
  }
  Frame& f = push_frame(r, ts, *this, static_cast<std::uint32_t>(backend));
  if (node->can_crash())
    f.held = held_.add(rid);
  balancer_->on_dispatch(backend);
  if (scaler_)
    scaler_->dispatched(ts, backend);
  stats.in_service.change(ts, 1);
  w.send(*node, ts, EventKind::request, backends_[static_cast<std::size_t>(backend)], rid,
         w.spec.requests[r.call_program].request_size);
}

void LoadBalancer::on_reply(SimTime ts, std::uint32_t rid, Cause cause)
{
  World& w = *world;
  if (stale(*this, w.pool[rid].top(), ts)) {
    w.drop_orphan(rid);
    return;
  }
  on_completion(ts, reply_apart(ts, rid, cause));
}

// Everything a reply does but tell the policy: returns the backend that answered.
std::uint32_t LoadBalancer::reply_apart(SimTime ts, std::uint32_t rid, Cause cause)
{
  World& w = *world;
  Request& r = w.pool[rid];
  const Frame f = r.top();
  --r.depth;
  if (node->can_crash())
    held_.remove(f.held);
  auto& stats = w.service_stats[service_];
  stats.in_service.change(ts, -1);
  stats.outcome.finished(ts, ts - f.arrived, cause);
  w.send(*node, ts, EventKind::reply, r.top().component, rid, w.spec.requests[f.program].response_size, cause);
  return f.aux;
}

void LoadBalancer::on_completion(SimTime ts, std::uint32_t backend)
{
  balancer_->on_complete(static_cast<int>(backend));
  if (scaler_)
    scaler_->completed(ts, static_cast<int>(backend));
}

void LoadBalancer::on_fault(SimTime ts, const Fault& fault)
{
  if (fault.kind != Fault::Kind::crash) {
    backend_down_[fault.backend] = fault.kind == Fault::Kind::backend_down;
    set_up(fault.backend);
    return;
  }
  for (const std::uint32_t rid : held_.take_all())
    fail_held(*this, ts, rid, world->service_stats[service_]);
  if (limiter_)
    limiter_->reset();
  // It restarts with no connections counted, knowing what its last health checks found.
  balancer_ = new_balancer();
  if (scaler_)
    scaler_->forget_in_flight(ts);
  for (std::size_t b = 0; b < backends_.size(); ++b)
    if (!may_pick(b))
      balancer_->set_up(static_cast<int>(b), false);
}

void ApiServer::add_to_series(std::size_t interval, models::TimeseriesRow& row) const
{
  if (instance_ != 0)
    return;
  if (const auto it = world->scalers.find(service_); it != world->scalers.end())
    it->second->log().add_to_series(interval, row);
}

// --- slot pool -------------------------------------------------------------------------------------------

SlotPool::Admit SlotPool::admit(std::uint32_t request)
{
  if (busy_ < slots_) {
    ++busy_;
    return Admit::start;
  }
  if (queue_full())
    return Admit::rejected;
  queue_.push_back(request);
  return Admit::queued;
}

std::vector<std::uint32_t> SlotPool::clear()
{
  std::vector<std::uint32_t> queued;
  for (; !queue_.empty(); queue_.pop_front())
    queued.push_back(queue_.front());
  busy_ = 0;
  return queued;
}

std::optional<std::uint32_t> SlotPool::release()
{
  if (queue_.empty()) {
    --busy_;
    return std::nullopt;
  }
  const std::uint32_t next = queue_.front();
  queue_.pop_front();
  return next; // the slot passes straight to it
}

// --- stations ------------------------------------------------------------------------------------------

namespace
{
// What a step_done event ends: an api_server's step (with the delays folded into it), or a database
// operation's CPU or disk part.
constexpr std::uint32_t kStepDone = 0;
constexpr std::uint32_t kCpuDone = 1;
constexpr std::uint32_t kDiskDone = 2;
constexpr std::uint32_t kTokenChecked = 3;
constexpr std::uint32_t kConnected = 4; // a new pooled connection is open: the call goes out

// A pool's tick: its index in the low bits, the pools' generation (crashes) above.
constexpr std::uint32_t kPoolIndexBits = 16;
constexpr std::uint32_t kPoolGenerationMask = (1u << 15) - 1; // the top bit is the deadlines' (call_guard.cpp)
} // namespace

void Station::admit(SimTime ts, std::uint32_t rid, std::uint32_t frame_aux, Cause refusal, double refusal_bytes)
{
  World& w = *world;
  Request& r = w.pool[rid];
  auto& stats = w.service_stats[service_];
  if (refused_when_down(*this, ts, rid, stats.outcome))
    return;
  stats.outcome.arrived(ts);
  switch (slots_.admit(rid)) {
  case SlotPool::Admit::start:
    push_frame(r, ts, *this, frame_aux);
    begin(ts, rid);
    break;
  case SlotPool::Admit::queued:
    push_frame(r, ts, *this, frame_aux);
    stats.queued.change(ts, 1);
    break;
  case SlotPool::Admit::rejected: // the queue is full: refused at once, never on this station's stack
    stats.outcome.finished(ts, 0, refusal);
    w.send(*node, ts, EventKind::reply, r.top().component, rid, refusal_bytes, refusal);
    break;
  }
}

void Station::reply(SimTime ts, std::uint32_t rid, Cause cause, double bytes)
{
  World& w = *world;
  Request& r = w.pool[rid];
  const Frame f = r.top();
  --r.depth;
  leave(f);
  w.service_stats[service_].outcome.finished(ts, ts - f.arrived, cause);
  w.send(*node, ts, EventKind::reply, r.top().component, rid, bytes, cause);
}

void Station::begin(SimTime ts, std::uint32_t rid)
{
  world->note_begin(ts, id, rid);
  if (node->can_crash())
    world->pool[rid].top().held = held_.add(rid);
  start(ts, rid);
}

void Station::leave(const Frame& frame)
{
  if (node->can_crash())
    held_.remove(frame.held);
}

void Station::on_fault(SimTime ts, const Fault&)
{
  World& w = *world;
  auto& stats = w.service_stats[service_];
  // Waiting in the queue: wholly here, answered at once (its record is referenced nowhere else).
  for (const std::uint32_t rid : slots_.clear()) {
    Request& r = w.pool[rid];
    const Frame f = r.top();
    --r.depth;
    stats.queued.change(ts, -1);
    stats.outcome.finished(ts, ts - f.arrived, Cause::host_down);
    w.send(*node, ts, EventKind::reply, r.top().component, rid, 0, Cause::host_down);
  }
  for (const std::uint32_t rid : held_.take_all())
    fail_held(*this, ts, rid, stats);
  // An instance that crashes alone leaves its claims on the host's cores and disk to their end: the units
  // do not tell whose work they hold (docs/faults.md).
  if (host_crashes_at(ts)) {
    node->cores.crash(ts);
    node->disk.crash(ts);
  }
}

void Station::free_slot(SimTime ts)
{
  auto& stats = world->service_stats[service_];
  stats.in_service.change(ts, -1);
  if (const auto next = slots_.release()) {
    stats.queued.change(ts, -1);
    begin(ts, *next);
  }
}

// --- api server ------------------------------------------------------------------------------------------

ApiServer::ApiServer(std::uint32_t service, const models::ApiServerSpec& spec, double core_speed, std::uint64_t seed,
                     std::uint32_t session_store, std::uint32_t instance)
    : Station(service, spec.workers, spec.queue_limit, seed), spec_(spec), core_speed_(core_speed),
      session_store_(session_store), instance_(instance)
{
  if (spec_.rate_limit)
    limiter_ = std::make_unique<models::RateLimiter>(*spec_.rate_limit);
}

namespace
{
// The frame's pc while a request's session is read or written in the store, before its steps.
constexpr std::uint16_t kReadingSession = 0xffff;
constexpr std::uint16_t kLoggingIn = 0xfffe;      // the user's first login
constexpr std::uint16_t kLoggingInAgain = 0xfffd; // their session was lost: answered with session_lost
} // namespace

void ApiServer::read_session(SimTime ts, std::uint32_t rid)
{
  world->pool[rid].top().pc = kReadingSession;
  session_operation(ts, rid, models::CacheStep::Op::get);
}

void ApiServer::session_operation(SimTime ts, std::uint32_t rid, models::CacheStep::Op op)
{
  World& w = *world;
  Request& r = w.pool[rid];
  r.call_op = static_cast<std::uint16_t>(static_cast<std::uint16_t>(op) | kSessionOperation);
  const auto& cache = std::get<models::CacheSpec>(w.spec.services[session_store_].kind);
  w.send(*node, ts, EventKind::request, pick_instance(w, session_store_, rng_, models::session_key(r.frames()[0].aux)),
         rid, op == models::CacheStep::Op::set ? cache.value_size : cache.key_size);
}

// The store answered: a session found lets the steps run; none found logs the user in (a set of a new
// session), after which the steps run for a first login, and the request is answered with session_lost (a
// redirect to the login page) for a user whose session was lost.
void ApiServer::on_session_reply(SimTime ts, std::uint32_t rid, Cause cause)
{
  Request& r = world->pool[rid];
  Frame& f = r.top();
  if (cause != Cause::ok) { // the store is down or overloaded: so is the request
    finish(ts, rid, cause);
    return;
  }
  switch (f.pc) {
  case kReadingSession:
    if (r.call_op == kCacheHit) {
      f.pc = 0;
      run_steps(ts, rid);
      return;
    }
    f.pc = r.frames()[0].cookie != models::session_cookie::kNone ? kLoggingInAgain : kLoggingIn;
    session_operation(ts, rid, models::CacheStep::Op::set);
    return;
  case kLoggingInAgain:
    r.frames()[0].cookie = models::session_cookie::kStored;
    finish(ts, rid, Cause::session_lost);
    return;
  default: // kLoggingIn
    r.frames()[0].cookie = models::session_cookie::kStored;
    f.pc = 0;
    run_steps(ts, rid);
    return;
  }
}

// The session is looked up as the request arrives, before it takes a worker: a lost one is answered at once
// (a redirect to the login page), and the user's next login is here.
bool ApiServer::session_found(SimTime ts, std::uint32_t rid)
{
  if (node->can_crash() && down_at(ts))
    return true; // refused as any request to a host that is down
  World& w = *world;
  Request& r = w.pool[rid];
  std::uint32_t& cookie = r.frames()[0].cookie;
  const std::uint16_t incarnation = incarnation_at(ts);
  const auto check = models::check_local_session(cookie, instance_, incarnation);
  if (check == models::LocalCheck::valid)
    return true;
  cookie = models::session_cookie::local(instance_, incarnation); // a login here, whether first or again
  if (check == models::LocalCheck::first_login)
    return true;
  auto& outcome = w.service_stats[service_].outcome;
  outcome.arrived(ts);
  outcome.finished(ts, 0, Cause::session_lost);
  w.send(*node, ts, EventKind::reply, r.top().component, rid, w.spec.requests[r.call_program].response_size,
         Cause::session_lost);
  return false;
}

SimTime ApiServer::token_check_time()
{
  const models::CpuStep& check = spec_.token_check;
  return check.flops ? from_seconds(*check.flops / core_speed_) : sample_duration(check.time, rng_);
}

void ApiServer::on_request(SimTime ts, std::uint32_t rid)
{
  if (spec_.sessions == models::SessionMode::local && !session_found(ts, rid))
    return;
  if (limiter_ && !(node->can_crash() && down_at(ts)) &&
      refused_by_limit(*this, ts, rid, *limiter_, world->service_stats[service_].outcome,
                       world->spec.requests[world->pool[rid].call_program].response_size))
    return;
  if (at_arrival_) {
    serve_at_arrival(ts, rid);
    return;
  }
  const Request& r = world->pool[rid];
  if (r.type == kNoticeRecord) { // a replicated database's new primary
    on_replication_notice(*this, ts, rid);
    return;
  }
  admit(ts, rid, 0, Cause::queue_full, world->spec.requests[r.call_program].response_size);
}

void ApiServer::serve_at_arrival_from_now(const Clock& clock)
{
  at_arrival_ = true;
  workers_.init(slots_.slots(), clock);
  // Alone on its host, each worker holds at most one core at a time: with no more workers than cores, a core
  // is free whenever a worker starts a step.
  cores_always_free_ = slots_.slots() <= node->cores.capacity();
}

// Lindley's recursion: in arrival order, a request takes the first worker to free (FIFO), and its steps, a
// CPU claim at its start then delays, end at a time known at once. The reply is sent now, to arrive when it
// would; the departure itself costs no event, and the record is not read again. The simulation sets this up
// only where the step-by-step path gives the same results: no crash, no call, no other component on the host
// (the cores are claimed in time order), replies on routes that never queue; the random draws are the same
// and in the same order (at each start, in FIFO order), and a departure at t frees its worker for an arrival
// at t on both paths (completions come first in the order of events).
void ApiServer::serve_at_arrival(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  const Request& r = w.pool[rid];
  w.prefetch_route(*node, r.top().component);
  auto& stats = w.service_stats[service_];
  stats.outcome.arrived(ts);
  // Started by now: every queued start is at most the first worker's free time (each took the smallest free
  // time, which only grows), so when a worker is free the queue is empty without reading its array. Otherwise
  // the starts by now are taken off only when the queue might be full, or long enough to be worth it: until
  // then its length is at most the array's, below the limit, and the array (a cache miss of its own at
  // thousands of servers) is written to but not read.
  if (workers_.next_free() <= ts)
    queued_starts_.clear();
  else if (static_cast<int>(queued_starts_.size()) >= std::min(slots_.queue_limit(), kStartsKeptUntried))
    while (!queued_starts_.empty() && queued_starts_.front() <= ts)
      queued_starts_.pop_front();
  const double response_bytes = w.spec.requests[r.call_program].response_size;
  const SimTime start = std::max(ts, workers_.next_free());
  if (start > ts) {
    if (static_cast<int>(queued_starts_.size()) >= slots_.queue_limit()) {
      stats.outcome.finished(ts, 0, Cause::queue_full);
      w.send(*node, ts, EventKind::reply, r.top().component, rid, response_bytes, Cause::queue_full);
      return;
    }
    queued_starts_.push_back(start);
    stats.queued.change(ts, 1);
    stats.queued.change(start, -1);
  }
  stats.in_service.change(start, 1);
  const auto& program = w.programs[r.call_program];
  SimTime done = start;
  for (std::size_t pc = r.call_pc; pc < program.size(); ++pc) {
    const ResolvedStep& step = program[pc];
    if (step.kind != ResolvedStep::Kind::cpu)
      done = models::later(done, sample_duration(step.time, rng_));
    else if (cores_always_free_)
      done = node->cores.use_free(done, cpu_time(step));
    else
      done = node->cores.use(done, cpu_time(step));
  }
  w.note_begin(start, id, rid);
  workers_.claim_next(start, done);
  stats.in_service.change(done, -1);
  stats.outcome.finished(done, done - ts, Cause::ok);
  if (done < w.clock.end) // else still in service at the end, as on the step-by-step path
    w.send(*node, done, EventKind::reply, r.top().component, rid, response_bytes, Cause::ok);
}

SimTime ApiServer::cpu_time(const ResolvedStep& step)
{
  return step.flops ? from_seconds(*step.flops / core_speed_) : sample_duration(step.time, rng_);
}

void ApiServer::start(SimTime ts, std::uint32_t rid)
{
  world->service_stats[service_].in_service.change(ts, 1);
  if (spec_.sessions == models::SessionMode::store) {
    read_session(ts, rid);
    return;
  }
  if (spec_.sessions == models::SessionMode::token) {
    node->push_local(node->cores.use(ts, token_check_time()), EventKind::step_done, id, rid, kTokenChecked);
    return;
  }
  run_steps(ts, rid);
}

void ApiServer::run_steps(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  Request& r = w.pool[rid];
  Frame& f = r.top();
  const auto& program = w.programs[f.program];
  if (f.pc >= program.size()) {
    finish(ts, rid, Cause::ok);
    return;
  }
  const ResolvedStep& step = program[f.pc];
  switch (step.kind) {
  case ResolvedStep::Kind::cpu:
  case ResolvedStep::Kind::delay: {
    SimTime done = 0;
    if (step.kind == ResolvedStep::Kind::cpu)
      done = node->cores.use(ts, cpu_time(step));
    else
      done = models::later(ts, sample_duration(step.time, rng_));
    // Delays that follow need nothing in time order (no resource, no message): the same event ends them too.
    while (f.pc + 1u < program.size() && program[f.pc + 1u].kind == ResolvedStep::Kind::delay) {
      ++f.pc;
      done = models::later(done, sample_duration(program[f.pc].time, rng_));
    }
    node->push_local(done, EventKind::step_done, id, rid, kStepDone);
    return;
  }
  case ResolvedStep::Kind::call:
    call(ts, rid);
    return;
  case ResolvedStep::Kind::cache: {
    r.call_op = static_cast<std::uint16_t>(step.cache_op);
    const auto& cache = std::get<models::CacheSpec>(w.spec.services[step.service].kind);
    w.send(*node, ts, EventKind::request, pick_instance(w, step.service, rng_, r.key), rid,
           step.cache_op == models::CacheStep::Op::set ? cache.value_size : cache.key_size);
    return;
  }
  case ResolvedStep::Kind::publish: // the job goes to the queue; the request goes on at once
    publish_job(*this, ts, r, step, rng_);
    ++f.pc;
    run_steps(ts, rid);
    return;
  case ResolvedStep::Kind::forward: {
    // The rest of the steps run at the next stage; this worker is free now.
    const Frame here = f;
    --r.depth;
    leave(here);
    w.service_stats[service_].outcome.finished(ts, ts - here.arrived, Cause::ok);
    r.call_program = here.program;
    r.call_pc = static_cast<std::uint16_t>(here.pc + 1);
    w.send(*node, ts, EventKind::request, pick_instance(w, step.service, rng_, r.key), rid,
           w.spec.requests[here.program].request_size);
    free_slot(ts);
    return;
  }
  }
}

void ApiServer::call(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  const Frame& f = w.pool[rid].top();
  const ResolvedStep& step = w.programs[f.program][f.pc];
  if (step.protect) {
    guarded_call(ts, rid, 0);
    return;
  }
  Pool* pool = step.op == models::CallStep::Op::request ? nullptr : pool_of(step.service);
  if (!pool) {
    send_call(ts, rid);
    return;
  }
  const models::ConnectionPoolSpec& spec = *spec_.connection_pool;
  const bool measured = w.clock.measured(ts);
  pool_counts_.checkouts += measured;
  switch (pool->pool.checkout()) {
  case models::ConnectionPool::Checkout::reused:
    send_call(ts, rid);
    return;
  case models::ConnectionPool::Checkout::opened:
    pool_counts_.opened += measured;
    pool_counts_.open.change(w.clock, ts, 1);
    if (spec.connect_time > 0)
      node->push_local(models::later(ts, spec.connect_time), EventKind::step_done, id, rid, kConnected);
    else
      send_call(ts, rid);
    return;
  case models::ConnectionPool::Checkout::wait:
    pool_counts_.waited += measured;
    if (spec.timeout == 0) { // waits for nothing
      pool_counts_.timeouts += measured;
      finish(ts, rid, Cause::pool_timeout);
      return;
    }
    pool->waiters.push_back({rid, ts});
    if (!pool->armed) {
      pool->armed = true;
      const auto index = static_cast<std::uint32_t>(pool - pools_.data());
      node->push_local(models::later(ts, spec.timeout), EventKind::tick, id, 0,
                       ((pool_generation_ & kPoolGenerationMask) << kPoolIndexBits) | index);
    }
    return;
  }
}

void ApiServer::send_call(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  Request& r = w.pool[rid];
  Frame& f = r.top();
  const ResolvedStep& step = w.programs[f.program][f.pc];
  r.call_program = step.program;
  r.call_pc = 0;
  r.call_op = static_cast<std::uint16_t>(step.op);
  double bytes = 0;
  if (step.op == models::CallStep::Op::request)
    bytes = w.spec.requests[step.program].request_size;
  else
    bytes = std::get<models::DatabaseSpec>(w.spec.services[step.service].kind).query_size;
  if (models::SessionLog* log = w.session_log(step.service); log && r.frames()[0].aux != 0)
    log->call_sent(r.frames()[0].aux, r.created);
  const auto resharded = resharded_target(w, step.service, r.key, ts);
  w.send(*node, ts, EventKind::request,
         resharded ? *resharded : call_target(*this, step, f, rng_, r.key, r.frames()[0].aux), rid, bytes);
}

ApiServer::Pool* ApiServer::pool_of(std::uint32_t service)
{
  if (!spec_.connection_pool)
    return nullptr;
  if (pool_index_.empty()) { // every database's pool at once: pools_ never moves afterwards
    const auto& services = world->spec.services;
    pool_index_.assign(services.size(), 0);
    for (std::size_t s = 0; s < services.size(); ++s)
      if (std::holds_alternative<models::DatabaseSpec>(services[s].kind)) {
        pools_.emplace_back(*spec_.connection_pool);
        pool_index_[s] = static_cast<std::uint32_t>(pools_.size());
      }
  }
  const std::uint32_t index = pool_index_[service];
  return index ? &pools_[index - 1] : nullptr;
}

// A connection comes back: the first waiter still within its timeout takes it, else it stays open or closes.
void ApiServer::give_back(SimTime ts, Pool& pool)
{
  expire_waiters(ts, pool);
  switch (pool.pool.checkin(!pool.waiters.empty())) {
  case models::ConnectionPool::Checkin::handed: {
    const Pool::Waiter next = pool.waiters.front();
    pool.waiters.pop_front();
    if (world->clock.measured(ts))
      pool_counts_.wait.record(ts - next.since);
    send_call(ts, next.request);
    return;
  }
  case models::ConnectionPool::Checkin::kept:
    return;
  case models::ConnectionPool::Checkin::closed:
    pool_counts_.open.change(world->clock, ts, -1);
    return;
  }
}

// The waiters whose timeout has run out by ts give up, in queue order (a deadline reached at ts counts as run
// out, whether the tick or a connection coming back is handled first at that instant).
void ApiServer::expire_waiters(SimTime ts, Pool& pool)
{
  const SimTime timeout = spec_.connection_pool->timeout;
  while (!pool.waiters.empty() && models::later(pool.waiters.front().since, timeout) <= ts) {
    const std::uint32_t rid = pool.waiters.front().request;
    pool.waiters.pop_front();
    pool_counts_.timeouts += world->clock.measured(ts);
    finish(ts, rid, Cause::pool_timeout); // may start a queued request, which may join the waiters
  }
}

void ApiServer::on_tick(SimTime ts, std::uint32_t aux)
{
  if (deadline_tick(ts, aux))
    return;
  if ((aux >> kPoolIndexBits) != (pool_generation_ & kPoolGenerationMask))
    return; // pushed before a crash emptied the pools
  Pool& pool = pools_[aux & ((1u << kPoolIndexBits) - 1)];
  pool.armed = false;
  expire_waiters(ts, pool);
  if (!pool.waiters.empty()) {
    pool.armed = true;
    node->push_local(models::later(pool.waiters.front().since, spec_.connection_pool->timeout), EventKind::tick, id, 0,
                     aux);
  }
}

void ApiServer::on_fault(SimTime ts, const Fault& fault)
{
  Station::on_fault(ts, fault); // fails the requests here, those waiting for a connection among them
  guard_crash();
  if (limiter_)
    limiter_->reset();
  if (pools_.empty())
    return;
  for (Pool& pool : pools_) {
    pool_counts_.open.change(world->clock, ts, -pool.pool.open());
    pool.pool.reset();
    pool.waiters = {};
    pool.armed = false;
  }
  ++pool_generation_;
}

void ApiServer::on_step_done(SimTime ts, std::uint32_t rid, std::uint32_t aux)
{
  if (stale(*this, world->pool[rid].top(), ts)) {
    world->drop_orphan(rid);
    return;
  }
  if (aux >= kRetryStep) {
    guarded_call(ts, rid, static_cast<std::uint16_t>(aux - kRetryStep));
    return;
  }
  if (aux == kConnected) {
    send_call(ts, rid);
    return;
  }
  if (aux != kTokenChecked) // the check comes before the first step
    ++world->pool[rid].top().pc;
  run_steps(ts, rid);
}

void ApiServer::on_reply(SimTime ts, std::uint32_t rid, Cause cause)
{
  if (guard_ && world->pool[rid].top().cookie != 0) { // an attempt of a guarded call, on its own record
    guarded_reply(ts, rid, cause);
    return;
  }
  if (stale(*this, world->pool[rid].top(), ts)) {
    world->drop_orphan(rid);
    return;
  }
  if (spec_.sessions == models::SessionMode::store && world->pool[rid].top().pc >= kLoggingInAgain) {
    on_session_reply(ts, rid, cause);
    return;
  }
  if (world->pool[rid].top().aux != 0) // a read a replicated database's router counts
    replica_read_done(*this, world->pool[rid].top());
  if (!pools_.empty()) { // the call's connection, if pooled, comes back
    const Frame& f = world->pool[rid].top();
    const ResolvedStep& step = world->programs[f.program][f.pc];
    if (step.kind == ResolvedStep::Kind::call && step.op != models::CallStep::Op::request)
      if (Pool* pool = pool_of(step.service))
        give_back(ts, *pool);
  }
  if (cause != Cause::ok) {
    finish(ts, rid, cause); // a failed call fails the request
    return;
  }
  Request& r = world->pool[rid];
  Frame& f = r.top();
  const ResolvedStep& step = world->programs[f.program][f.pc];
  if (step.kind == ResolvedStep::Kind::call)
    replica_write_done(*this, r, step);
  // A cache hit skips the get's on_miss steps.
  const bool hit =
      step.kind == ResolvedStep::Kind::cache && step.cache_op == models::CacheStep::Op::get && r.call_op == kCacheHit;
  f.pc = static_cast<std::uint16_t>(f.pc + 1 + (hit ? step.miss_steps : 0));
  run_steps(ts, rid);
}

void ApiServer::finish(SimTime ts, std::uint32_t rid, Cause cause)
{
  reply(ts, rid, cause, world->spec.requests[world->pool[rid].top().program].response_size);
  free_slot(ts);
}

// --- database --------------------------------------------------------------------------------------------

Database::Database(std::uint32_t service, const models::DatabaseSpec& spec, double core_speed, std::uint64_t seed)
    : Station(service, spec.connections, spec.queue_limit, seed), spec_(spec), core_speed_(core_speed)
{
}

SimTime Database::cpu_time(const models::DbOperationCost& cost)
{
  if (cost.cpu_flops)
    return from_seconds(*cost.cpu_flops / core_speed_);
  if (cost.cpu_time)
    return sample_duration(*cost.cpu_time, rng_);
  return 0;
}

const models::DbOperationCost& Database::cost_of(std::uint32_t rid)
{
  const bool write = world->pool[rid].top().aux == static_cast<std::uint32_t>(models::CallStep::Op::db_write);
  return write ? spec_.write : spec_.read;
}

void Database::on_request(SimTime ts, std::uint32_t rid)
{
  if (world->pool[rid].type == kMigrationRecord) {
    receive_batch(*this, ts, rid);
    return;
  }
  if (world->clock.measured(ts))
    ++operations_;
  admit(ts, rid, world->pool[rid].call_op, Cause::db_overloaded, spec_.result_size);
}

// An operation: its CPU cost on a core, then its disk time on the host's disk.
void Database::start(SimTime ts, std::uint32_t rid)
{
  world->service_stats[service_].in_service.change(ts, 1);
  in_service_change(ts, 1);
  const SimTime cpu = cpu_time(cost_of(rid));
  if (cpu > 0)
    node->push_local(node->cores.use(ts, cpu), EventKind::step_done, id, rid, kCpuDone);
  else
    on_step_done(ts, rid, kCpuDone);
}

void Database::on_step_done(SimTime ts, std::uint32_t rid, std::uint32_t aux)
{
  if (stale(*this, world->pool[rid].top(), ts)) {
    world->drop_orphan(rid);
    return;
  }
  const auto& cost = cost_of(rid);
  if (aux == kCpuDone && cost.disk_time) {
    node->push_local(node->disk.use(ts, sample_duration(*cost.disk_time, rng_)), EventKind::step_done, id, rid,
                     kDiskDone);
    return;
  }
  complete(ts, rid);
}

void Database::complete(SimTime ts, std::uint32_t rid)
{
  if (world->keep_versions)
    note_version(ts, world->pool[rid]);
  reply(ts, rid, Cause::ok, spec_.result_size);
  in_service_change(ts, -1);
  free_slot(ts);
}

void Database::on_tick(SimTime ts, std::uint32_t aux)
{
  send_batch(*this, ts, aux);
}

void Database::on_fault(SimTime ts, const Fault& fault)
{
  in_service_change(ts, -slots_.busy()); // every connection in use fails now
  Station::on_fault(ts, fault);
}

void Database::in_service_change(SimTime ts, std::int64_t dv)
{
  in_service_.change(world->clock, ts, dv);
}

double Database::mean_in_service() const
{
  return in_service_.mean(world->clock);
}

// A write commits the key's next version; a read gives the request the version committed by now.
void Database::note_version(SimTime ts, Request& r)
{
  auto& commits = world->commits[service_];
  if (r.top().aux == static_cast<std::uint32_t>(models::CallStep::Op::db_write)) {
    auto& times = commits[r.key];
    times.push_back(ts);
    r.version = static_cast<std::uint32_t>(times.size());
  } else {
    const auto it = commits.find(r.key); // keys never written keep no entry
    r.version = it == commits.end() ? 0 : static_cast<std::uint32_t>(it->second.size());
  }
  r.version_source = static_cast<std::uint16_t>(service_ + 1);
}

// --- the service kinds' builders and results (service_kinds.hpp) ------------------------------------------

std::uint64_t stream_id(const std::string& name)
{
  std::uint64_t h = 1469598103934665603ULL; // FNV-1a
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::uint64_t ServiceBuilder::seed(const std::string& stream) const
{
  return models::Rng::derive(world.spec.seed, stream_id(stream)).next_u64();
}

void ServiceBuilder::add(std::unique_ptr<Component> component, std::uint32_t host)
{
  world.service_instances[service].push_back(add_(std::move(component), host));
}

void build(const models::LoadBalancerSpec& spec, ServiceBuilder& b)
{
  const auto& backends = b.world.service_instances[b.world.spec.index_of_service(spec.backends)];
  auto balancer =
      std::make_unique<LoadBalancer>(b.service, spec, backends, b.seed(b.world.spec.services[b.service].name));
  balancer->init_sticky(b.world.spec.workload.user_count());
  LoadBalancer& added = *balancer;
  b.add(std::move(balancer), b.host(spec.host));
  const auto backend_service = static_cast<std::uint32_t>(b.world.spec.index_of_service(spec.backends));
  const auto& api = std::get<models::ApiServerSpec>(b.world.spec.services[backend_service].kind);
  if (api.autoscale)
    added.autoscale(*api.autoscale, api.workers, backend_service);
}

void build(const models::ApiServerSpec& spec, ServiceBuilder& b)
{
  const std::string& name = b.world.spec.services[b.service].name;
  const std::uint32_t store = spec.sessions == models::SessionMode::store
                                  ? static_cast<std::uint32_t>(b.world.spec.index_of_service(spec.session_store))
                                  : 0;
  for (std::size_t i = 0; i < spec.hosts.size(); ++i) {
    const std::uint32_t host = b.host(spec.hosts[i]);
    b.add(std::make_unique<ApiServer>(b.service, spec, b.core_speed(host), b.seed(name + "#" + std::to_string(i)),
                                      store, static_cast<std::uint32_t>(i)),
          host);
  }
}

void build(const models::DatabaseSpec& spec, ServiceBuilder& b)
{
  const std::string& name = b.world.spec.services[b.service].name;
  if (!spec.replication.replicas.empty()) {
    build_replicated(spec, b);
    return;
  }
  if (spec.reshard) {
    build_resharded(spec, b);
    return;
  }
  if (!spec.shards) {
    const std::uint32_t host = b.host(spec.host);
    b.add(std::make_unique<Database>(b.service, spec, b.core_speed(host), b.seed(name)), host);
    return;
  }
  // One instance per shard; requests reach the one that holds their key.
  for (std::size_t i = 0; i < spec.shard_hosts.size(); ++i) {
    const std::uint32_t host = b.host(spec.shard_hosts[i]);
    b.add(std::make_unique<Database>(b.service, spec, b.core_speed(host), b.seed(name + "#" + std::to_string(i))),
          host);
  }
  b.world.partitioners[b.service] =
      models::make_partitioner(*spec.shards, static_cast<std::uint32_t>(spec.shard_hosts.size()));
}

void report(const models::LoadBalancerSpec&, const World&, std::uint32_t, models::ServiceResult&) {}

// An api_server's guarded calls, over its instances (a worker pool's too).
void report_calls(const World& world, std::uint32_t service, models::ServiceResult& r)
{
  models::CallsResult calls;
  bool any = false;
  for (const std::uint32_t c : world.service_instances[service]) {
    const auto* guard = static_cast<const ApiServer&>(*world.components[c]).guard();
    if (!guard)
      continue;
    any = true;
    const auto& n = guard->counts;
    calls.calls += n.calls;
    calls.attempts += n.attempts;
    calls.retries += n.retries;
    calls.timeouts += n.timeouts;
    calls.late_replies += n.late_replies;
    calls.breaker_open += n.breaker_refused;
    calls.budget_refused += n.budget_refused;
  }
  if (any)
    r.calls = calls;
}

void report(const models::ApiServerSpec& spec, const World& world, std::uint32_t service, models::ServiceResult& r)
{
  r.capacity = spec.workers * r.instances;
  report_calls(world, service, r);
  if (const auto it = world.scalers.find(service); it != world.scalers.end())
    r.autoscale = it->second->log().result(world.clock);
  if (!spec.connection_pool)
    return;
  models::ConnectionPoolResult p;
  models::Histogram wait;
  for (const std::uint32_t c : world.service_instances[service]) {
    const auto& counts = static_cast<const ApiServer&>(*world.components[c]).pool_counts();
    p.checkouts += counts.checkouts;
    p.opened += counts.opened;
    p.waited += counts.waited;
    p.timeouts += counts.timeouts;
    wait.merge(counts.wait);
    p.mean_open += counts.open.mean(world.clock);
  }
  p.wait_probability = p.checkouts ? static_cast<double>(p.waited) / static_cast<double>(p.checkouts) : 0.0;
  p.wait = models::summarize(wait);
  r.connection_pool = p;
}

void report(const models::DatabaseSpec& spec, const World& world, std::uint32_t service, models::ServiceResult& r)
{
  r.capacity = spec.connections * r.instances;
  if (!spec.replication.replicas.empty())
    report_replication(world, service, r);
  if (!spec.shards)
    return;
  if (spec.reshard)
    report_resharding(world, service, r);
  // A shard is its group of instances (its primary and replicas, when it has replicas): its operations are
  // theirs, its utilisation their mean.
  const auto& instances = world.service_instances[service];
  const std::size_t group = spec.replicas_per_shard() + 1;
  const std::size_t shards = spec.shard_hosts.size() + (spec.reshard ? 1 : 0);
  std::vector<std::uint64_t> operations(shards, 0);
  std::vector<double> in_service(shards, 0.0);
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const auto& db = static_cast<const Database&>(*world.components[instances[i]]);
    operations[i / group] += db.operations();
    in_service[i / group] += db.mean_in_service();
  }
  std::uint64_t total = 0, busiest = 0;
  for (const std::uint64_t n : operations) {
    total += n;
    busiest = std::max(busiest, n);
  }
  for (std::size_t s = 0; s < operations.size(); ++s)
    r.shards.push_back({s < spec.shard_hosts.size() ? spec.shard_hosts[s] : spec.reshard->host, operations[s],
                        total > 0 ? static_cast<double>(operations[s]) / static_cast<double>(total) : 0.0,
                        in_service[s] / static_cast<double>(group) / spec.connections});
  r.busiest_shard_over_mean =
      total > 0 ? static_cast<double>(busiest) * static_cast<double>(operations.size()) / static_cast<double>(total)
                : 0.0;
}

} // namespace scalelab::sim
