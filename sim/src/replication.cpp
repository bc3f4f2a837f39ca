#include "replication.hpp"

#include "scalelab/models/hardware.hpp"
#include "scalelab/models/replication.hpp"

#include <algorithm>

namespace scalelab::sim
{

using models::ReplicationMode;

namespace
{
// A step_done of an apply: the bit, the crash generation, the phase (CPU or disk done).
constexpr std::uint32_t kApplyBit = 0x80000000U;
constexpr std::uint32_t kApplyDisk = 1;
std::uint32_t apply_aux(std::uint32_t generation, std::uint32_t phase)
{
  return kApplyBit | ((generation & 0x3fffffffU) << 1) | phase;
}

// Ticks: the kind in the top 4 bits, a value (an incarnation, an epoch) below.
enum TickKind : std::uint32_t { kTickAck = 1, kTickDetect = 2, kTickPromote = 3 };
std::uint32_t tick_aux(TickKind kind, std::uint32_t value)
{
  return (static_cast<std::uint32_t>(kind) << 28) | (value & 0x0fffffffU);
}

// What a notice record says, in its call_op.
constexpr std::uint16_t kVote = 1;
constexpr std::uint16_t kAnnounce = 2;

constexpr auto kWrite = static_cast<std::uint32_t>(models::CallStep::Op::db_write);

// A caller's route to one shard's group (the database's only group when unsharded).
World::ReplicaRoute& route_of(World& w, const Component& caller, std::uint32_t service, std::uint32_t shard)
{
  auto [it, fresh] = w.replica_routes.try_emplace(World::replica_route_key(caller.id, service, shard));
  if (fresh) {
    const auto& db = std::get<models::DatabaseSpec>(w.spec.services[service].kind);
    const auto& r = db.replication;
    it->second.reads =
        std::make_unique<models::ReadRouter>(r.read_from, r.read_policy, static_cast<int>(db.replicas_per_shard()));
  }
  return it->second;
}

const models::DatabaseSpec* replicated(const World& w, std::uint32_t service)
{
  const auto* db = std::get_if<models::DatabaseSpec>(&w.spec.services[service].kind);
  return db && !db->replication.replicas.empty() ? db : nullptr;
}
} // namespace

// --- callers ---------------------------------------------------------------------------------------------

std::uint32_t call_target(Component& caller, const ResolvedStep& step, Frame& frame, models::Rng& rng,
                          std::uint64_t key, std::uint32_t user)
{
  World& w = *caller.world;
  const models::DatabaseSpec* db = nullptr;
  if (step.op == models::CallStep::Op::request || !(db = replicated(w, step.service)))
    return pick_instance(w, step.service, rng, key);
  // The key's shard, then that shard's group: its primary and its replicas.
  const auto& partitioner = w.partitioners[step.service];
  const std::uint32_t shard = partitioner ? partitioner->shard_of(key) : 0;
  const std::size_t base = shard * (db->replicas_per_shard() + 1);
  auto& route = route_of(w, caller, step.service, shard);
  const auto& instances = w.service_instances[step.service];
  if (step.op == models::CallStep::Op::db_write)
    return instances[base + route.primary];
  const int replica = route.reads->pick_read(rng, user);
  if (replica == models::ReadRouter::kPrimary)
    return instances[base + route.primary];
  const std::size_t instance = base + static_cast<std::size_t>(replica) + 1;
  if (route.reads->completions_matter())
    frame.aux = static_cast<std::uint32_t>(instance) + 1;
  return instances[instance];
}

void replica_read_done(Component& caller, Frame& frame)
{
  World& w = *caller.world;
  const ResolvedStep& step = w.programs[frame.program][frame.pc];
  // frame.aux is the instance + 1: its group is its shard, its place in the group the replica + 1.
  const auto group = static_cast<std::uint32_t>(replicated(w, step.service)->replicas_per_shard() + 1);
  const std::uint32_t instance = frame.aux - 1;
  route_of(w, caller, step.service, instance / group).reads->read_done(static_cast<int>(instance % group) - 1);
  frame.aux = 0;
}

void replica_write_done(Component& caller, Request& r, const ResolvedStep& step)
{
  if (step.op != models::CallStep::Op::db_write)
    return;
  const auto* db = replicated(*caller.world, step.service);
  if (!db || db->replication.read_from != models::ReadFrom::read_your_writes)
    return;
  const auto position = (static_cast<std::uint32_t>(r.call_program) << 16) | r.call_pc;
  r.frames()[0].held = std::max(r.frames()[0].held, position); // the user's session token
}

void on_replication_notice(Component& caller, SimTime, std::uint32_t rid)
{
  World& w = *caller.world;
  const Request& r = w.pool[rid];
  const std::uint32_t service = r.version_source - 1u;
  auto& route = route_of(w, caller, service, static_cast<std::uint32_t>(r.key)); // an announcement's key: its shard
  if (r.call_op == kAnnounce && r.call_program > route.epoch) {
    route.epoch = r.call_program;
    route.primary = r.version;
    route.reads->promoted(static_cast<int>(r.version) - 1); // instance i >= 1 of the group is replica i - 1
  }
  w.pool.release(rid);
  --w.internal_records;
}

// --- the instances ----------------------------------------------------------------------------------------

ReplicatedDatabase::ReplicatedDatabase(std::uint32_t service, const models::DatabaseSpec& spec, double core_speed,
                                       std::uint64_t seed, std::uint32_t instance)
    : Database(service, spec, core_speed, seed), index_(instance),
      read_your_writes_(spec.replication.read_from == models::ReadFrom::read_your_writes)
{
}

void ReplicatedDatabase::set_peers(std::vector<std::uint32_t> peers, std::uint32_t shard, std::uint32_t base)
{
  peers_ = std::move(peers);
  shard_ = shard;
  base_ = base;
  out_.assign(peers_.size(), false);
}

// A replica watches the primary: heartbeats missed for the detection timeout after each of its crashes.
void ReplicatedDatabase::schedule_detection(SimTime from)
{
  if (is_primary())
    return;
  const Component& primary = *world->components[peers_[primary_]];
  for (const Outage& o : primary.outages())
    if (o.from >= from)
      node->push_local(models::later(o.from, spec_.replication.detection), EventKind::tick, id, 0,
                       tick_aux(kTickDetect, epoch_));
}

std::uint32_t ReplicatedDatabase::new_record(SimTime ts, std::uint16_t type)
{
  World& w = *world;
  const std::uint32_t rid = w.pool.acquire();
  ++w.internal_records;
  Request& r = w.pool[rid];
  r.created = ts;
  r.key = 0;
  r.type = type;
  r.depth = 1;
  r.call_program = static_cast<std::uint16_t>(epoch_);
  r.call_pc = 0;
  r.call_op = 0;
  r.version = 0;
  r.version_source = static_cast<std::uint16_t>(service_ + 1);
  r.frames()[0] = Frame{ts, id, index_, 0, 0, 0, incarnation_at(ts), 0};
  return rid;
}

void ReplicatedDatabase::release_record(std::uint32_t rid)
{
  world->pool.release(rid);
  --world->internal_records;
}

void ReplicatedDatabase::refuse(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  auto& stats = w.service_stats[service_];
  stats.outcome.arrived(ts);
  stats.outcome.finished(ts, 0, Cause::host_down);
  refused_at_.push_back(ts);
  w.send(*node, ts, EventKind::reply, w.pool[rid].top().component, rid, 0, Cause::host_down);
}

void ReplicatedDatabase::on_request(SimTime ts, std::uint32_t rid)
{
  const Request& r = world->pool[rid];
  if (r.type == kShipmentRecord) {
    receive(ts, rid);
    return;
  }
  if (r.type == kNoticeRecord) {
    on_notice(ts, rid);
    return;
  }
  const bool down = node->can_crash() && down_at(ts);
  if (down) {
    refused_at_.push_back(ts); // Station::admit refuses it
  } else if (fenced_ || (r.call_op == kWrite && !is_primary())) {
    refuse(ts, rid);
    return;
  }
  Database::on_request(ts, rid);
}

void ReplicatedDatabase::on_step_done(SimTime ts, std::uint32_t rid, std::uint32_t aux)
{
  if ((aux & kApplyBit) != 0)
    apply_step(ts, rid, aux);
  else
    Database::on_step_done(ts, rid, aux);
}

// --- primary: commit, ship, wait for acknowledgements ------------------------------------------------------

void ReplicatedDatabase::complete(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  Request& r = w.pool[rid];
  r.version_source = static_cast<std::uint16_t>(service_ + 1);
  if (r.top().aux != kWrite) {
    const std::uint32_t token = r.frames()[0].held; // the user's session token (read_your_writes)
    if (read_your_writes_ && !is_primary() && !models::covers(applied_position_, token)) {
      // The user's last write has not been applied here yet: the read holds its connection until it is.
      waiting_.emplace(token, waiting_order_++, rid);
      waited_ += w.clock.measured(ts) ? 1 : 0;
      return;
    }
    serve_read(ts, rid);
    return;
  }
  // The service's history of the key: a new primary continues it (the old one is down, and writes nothing).
  auto& times = w.commits[service_][r.key];
  times.push_back(ts);
  r.version = static_cast<std::uint32_t>(times.size());
  versions_[r.key] = r.version;
  const std::uint32_t seq = ++seq_;
  const std::uint32_t position = ++position_;
  // The reply takes the position back to the caller (replica_write_done()): in the call's fields, which its
  // caller sets anew for its next call. Not into the user's frame, which a crash of the caller may copy meanwhile.
  r.call_program = static_cast<std::uint16_t>(position >> 16);
  r.call_pc = static_cast<std::uint16_t>(position & 0xffffU);
  std::size_t shipped = 0;
  for (std::uint32_t i = 0; i < peers_.size(); ++i)
    if (i != index_ && !out_[i]) {
      ship(ts, i, r.key, r.version, seq, position);
      ++shipped;
    }
  const std::size_t needed = models::acks_needed(spec_.replication, shipped);
  if (needed == 0) {
    acknowledge(ts, rid, seq);
    return;
  }
  if (semi_sync_off_) { // fallen back: acknowledged at its commit, as under async
    async_writes_ += world->clock.measured(ts) ? 1 : 0;
    acknowledge(ts, rid, seq);
    return;
  }
  pending_.emplace(seq, Pending{rid, needed, shipped});
  if (spec_.replication.mode == ReplicationMode::semi_sync) {
    timeouts_.push_back(seq);
    node->push_local(models::later(ts, spec_.replication.ack_timeout), EventKind::tick, id, 0,
                     tick_aux(kTickAck, incarnation_at(ts)));
  }
}

void ReplicatedDatabase::ship(SimTime ts, std::uint32_t to, std::uint64_t key, std::uint32_t version, std::uint32_t seq,
                              std::uint32_t position)
{
  const std::uint32_t sid = new_record(ts, kShipmentRecord);
  Request& s = world->pool[sid];
  s.key = key;
  s.version = version;
  s.frames()[0].aux = seq;
  s.frames()[0].held = position; // a shipment is never held by a station
  world->send(*node, ts, EventKind::request, peers_[to], sid, spec_.query_size);
}

void ReplicatedDatabase::acknowledge(SimTime ts, std::uint32_t rid, std::uint32_t seq)
{
  acknowledged_.push_back(seq);
  const Request& r = world->pool[rid];
  if (const std::uint32_t user = r.frames()[0].aux; user != 0)
    world->session_logs[service_]->record({r.created, ts, models::kNever, r.key, user, r.version,
                                           static_cast<std::uint16_t>(base_ + index_), true, false, false});
  reply(ts, rid, Cause::ok, spec_.result_size);
  in_service_change(ts, -1);
  free_slot(ts);
}

void ReplicatedDatabase::on_reply(SimTime ts, std::uint32_t rid, Cause cause)
{
  if (world->pool[rid].type == kShipmentRecord)
    on_ack(ts, rid, cause);
}

void ReplicatedDatabase::on_ack(SimTime ts, std::uint32_t sid, Cause cause)
{
  const Request& s = world->pool[sid];
  const Frame sent = s.frames()[0];
  const bool same_life = sent.incarnation == incarnation_at(ts) && s.call_program == epoch_;
  release_record(sid);
  if (!same_life || (node->can_crash() && down_at(ts)))
    return;
  if (semi_sync_off_ && cause == Cause::ok && sent.aux >= seq_)
    switch_on(ts); // this replica has applied the latest commit: it has caught up
  const auto it = pending_.find(sent.aux);
  if (it == pending_.end())
    return; // acknowledged already (semi_sync), or failed
  Pending& p = it->second;
  (cause == Cause::ok ? p.acks : p.refusals)++;
  if (p.acks >= p.needed) {
    const std::uint32_t request = p.request;
    pending_.erase(it);
    acknowledge(ts, request, sent.aux);
  } else if (p.shipped - p.refusals < p.needed) {
    // Too many replicas are down to ever acknowledge: semi_sync falls back to asynchronous, sync fails the write
    // (committed at the primary, never acknowledged).
    if (spec_.replication.mode == ReplicationMode::semi_sync) {
      time_out(ts, sent.aux);
    } else {
      const std::uint32_t request = p.request;
      pending_.erase(it);
      reply(ts, request, Cause::host_down, spec_.result_size);
      in_service_change(ts, -1);
      free_slot(ts);
    }
  }
}

// A pending semi_sync write (seq) that will not get its k acknowledgements in time: acknowledged without them. As
// MySQL does (fallback until_caught_up), the primary then turns asynchronous: every other write waiting is
// released too, and later writes are acknowledged at their commit until a replica has caught up (switch_on()).
void ReplicatedDatabase::time_out(SimTime ts, std::uint32_t seq)
{
  const bool measured = world->clock.measured(ts);
  std::vector<std::uint32_t> released{seq};
  if (spec_.replication.fallback == models::SemiSyncFallback::until_caught_up) {
    for (const auto& [waiting, p] : pending_)
      if (waiting != seq)
        released.push_back(waiting);
    std::sort(released.begin() + 1, released.end()); // commit order: the same bytes whatever the hash map's
    semi_sync_off_ = true;
    off_since_ = ts;
    fallbacks_ += measured ? 1 : 0;
  }
  for (const std::uint32_t s : released) {
    const auto it = pending_.find(s);
    const std::uint32_t request = it->second.request;
    pending_.erase(it);
    ack_timeouts_ += measured ? 1 : 0;
    acknowledge(ts, request, s);
  }
}

void ReplicatedDatabase::switch_on(SimTime ts)
{
  semi_sync_off_ = false;
  async_time_ += world->clock.overlap(off_since_, ts);
}

SimTime ReplicatedDatabase::async_time() const
{
  return async_time_ + (semi_sync_off_ ? world->clock.overlap(off_since_, world->clock.end) : 0);
}

// --- replica: receive, apply in commit order, acknowledge ---------------------------------------------------

void ReplicatedDatabase::receive(SimTime ts, std::uint32_t sid)
{
  World& w = *world;
  const Request& s = w.pool[sid];
  const Frame& from = s.frames()[0];
  const Node& sender = *w.placement[from.component].node;
  // A write still in the sender's buffers or on the wire when the sender crashed never arrives.
  const bool lost_in_crash = sender.can_crash() && sender.incarnation_at(ts) != from.incarnation;
  if (lost_in_crash) {
    release_record(sid);
    return;
  }
  if (node->can_crash() && down_at(ts)) {
    answer_shipment(ts, sid, Cause::host_down); // as a connection reset: the primary does not wait for it
    return;
  }
  if (s.call_program > epoch_ && !is_primary() && !fenced_) {
    // A replica that missed the announcement (it was down) learns the new primary from its first write.
    const auto sender_index = std::find(peers_.begin(), peers_.end(), from.component) - peers_.begin();
    out_[primary_] = true;
    epoch_ = s.call_program;
    primary_ = static_cast<std::uint32_t>(sender_index);
    electing_ = false;
    received_ = applied_seq_ = 0;
    schedule_detection(ts + 1);
  }
  if (s.call_program != epoch_ || is_primary() || fenced_) {
    answer_shipment(ts, sid, Cause::host_down); // a write from a primary this one no longer follows
    return;
  }
  received_ = from.aux;
  apply_queue_.push_back(sid);
  if (!applying_)
    start_apply(ts);
}

void ReplicatedDatabase::answer_shipment(SimTime ts, std::uint32_t sid, Cause cause)
{
  if (acks_wanted())
    world->send(*node, ts, EventKind::reply, world->pool[sid].frames()[0].component, sid, 0, cause);
  else
    release_record(sid);
}

void ReplicatedDatabase::start_apply(SimTime ts)
{
  const std::uint32_t sid = apply_queue_.front();
  apply_queue_.pop_front();
  applying_ = sid;
  const SimTime cpu = cpu_time(spec_.replication.apply);
  if (cpu > 0)
    node->push_local(node->cores.use(ts, cpu), EventKind::step_done, id, sid, apply_aux(generation_, 0));
  else
    apply_step(ts, sid, apply_aux(generation_, 0));
}

void ReplicatedDatabase::apply_step(SimTime ts, std::uint32_t sid, std::uint32_t aux)
{
  if (aux != apply_aux(generation_, aux & kApplyDisk))
    return; // begun before a crash, which released the record
  if ((aux & kApplyDisk) == 0 && spec_.replication.apply.disk_time) {
    node->push_local(node->disk.use(ts, models::sample_duration(*spec_.replication.apply.disk_time, rng_)),
                     EventKind::step_done, id, sid, apply_aux(generation_, kApplyDisk));
    return;
  }
  finish_apply(ts, sid);
}

void ReplicatedDatabase::finish_apply(SimTime ts, std::uint32_t sid)
{
  const Request& s = world->pool[sid];
  auto& held = versions_[s.key];
  held = std::max(held, s.version);
  applied_seq_ = s.frames()[0].aux;
  applied_position_ = std::max(applied_position_, s.frames()[0].held);
  if (world->clock.measured(ts)) {
    lag_.record(ts - s.created);
    ++applied_measured_;
  }
  if (ts < world->clock.end) {
    if (lag_by_interval_.empty())
      lag_by_interval_.resize(world->clock.interval_count());
    auto& in = lag_by_interval_[world->clock.interval_of(ts)];
    ++in.applied;
    in.sum += ts - s.created;
    in.max = std::max(in.max, ts - s.created);
  }
  applying_.reset();
  answer_shipment(ts, sid, Cause::ok);
  serve_covered(ts);
  if (!apply_queue_.empty())
    start_apply(ts);
  else if (promote_when_drained_)
    become_primary(ts);
}

// A read returns the version of the key held here.
void ReplicatedDatabase::serve_read(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  Request& r = w.pool[rid];
  const auto it = versions_.find(r.key);
  r.version = it == versions_.end() ? 0 : it->second;
  if (const std::uint32_t user = r.frames()[0].aux; user != 0)
    w.session_logs[service_]->record({r.created, ts, models::kNever, r.key, user, r.version,
                                      static_cast<std::uint16_t>(base_ + index_), false, w.clock.measured(ts),
                                      !is_primary()});
  else if (!is_primary() && w.clock.measured(ts)) // only those are counted (a user's read is in the session log)
    reads_.push_back({ts, r.key, r.version});
  reply(ts, rid, Cause::ok, spec_.result_size);
  in_service_change(ts, -1);
  free_slot(ts);
}

// The reads waiting for their user's last write that this instance has now applied (all of them when it is the
// primary), in the order of their tokens, then of their arrival.
void ReplicatedDatabase::serve_covered(SimTime ts)
{
  while (!waiting_.empty() && (is_primary() || models::covers(applied_position_, std::get<0>(waiting_.top())))) {
    const std::uint32_t rid = std::get<2>(waiting_.top());
    waiting_.pop();
    serve_read(ts, rid);
  }
}

// --- crashes and failover ----------------------------------------------------------------------------------

// The replicas elect a new primary when the primary's host is still down after the detection timeout and one
// of them is up then.
bool ReplicatedDatabase::failover_follows(SimTime crash) const
{
  const SimTime detected = models::later(crash, spec_.replication.detection);
  if (!down_at(detected))
    return false;
  for (std::uint32_t i = 0; i < peers_.size(); ++i)
    if (i != index_ && !out_[i] && !world->components[peers_[i]]->down_at(detected))
      return true;
  return false;
}

void ReplicatedDatabase::on_fault(SimTime ts, const Fault& fault)
{
  World& w = *world;
  if (fault.kind != Fault::Kind::crash)
    return;
  // What the crash fails is counted in its interval's errors (ts is before the end: later events never run).
  const auto& row = w.service_stats[service_].outcome.per_interval_[w.clock.interval_of(ts)];
  const std::uint64_t before = row.errors;
  Database::on_fault(ts, fault); // fails what waits and what runs here, the writes awaiting acks among them
  const std::uint64_t failed = row.errors - before;
  for (const auto& [seq, p] : pending_)
    if (w.pool[p.request].orphan)
      w.drop_orphan(p.request); // nothing else will reach it: its acknowledgements are ignored from now on
  pending_.clear();
  while (!timeouts_.empty())
    timeouts_.pop_front();
  if (semi_sync_off_)
    switch_on(ts); // a restarted primary starts semi-synchronous again
  // The applier's queue is lost; the sender is told, as a connection reset.
  if (applying_)
    answer_shipment(ts, *applying_, Cause::host_down);
  applying_.reset();
  for (; !apply_queue_.empty(); apply_queue_.pop_front())
    answer_shipment(ts, apply_queue_.front(), Cause::host_down);
  ++generation_;
  received_ = applied_seq_;
  while (!waiting_.empty()) // failed with the other requests held here
    waiting_.pop();
  promote_when_drained_ = false;
  electing_ = false;
  if (is_primary()) {
    crashes_.push_back({ts, failed});
    fenced_ = failover_follows(ts);
  }
}

void ReplicatedDatabase::on_tick(SimTime ts, std::uint32_t aux)
{
  const auto kind = static_cast<TickKind>(aux >> 28);
  const std::uint32_t value = aux & 0x0fffffffU;
  switch (kind) {
  case kTickAck: {
    if (value != (incarnation_at(ts) & 0x0fffffffU) || timeouts_.empty())
      return; // set before a crash
    const std::uint32_t seq = timeouts_.front();
    timeouts_.pop_front();
    if (pending_.count(seq) != 0) // else acknowledged in time, or released by a fallback
      time_out(ts, seq);
    return;
  }
  case kTickDetect:
    if (value == (epoch_ & 0x0fffffffU) && !is_primary() && !(node->can_crash() && down_at(ts)) &&
        world->components[peers_[primary_]]->down_at(ts))
      start_election(ts);
    return;
  case kTickPromote:
    if (value != (epoch_ & 0x0fffffffU) || (node->can_crash() && down_at(ts)))
      return;
    if (applying_ || !apply_queue_.empty())
      promote_when_drained_ = true; // what it received is applied first
    else
      become_primary(ts);
    return;
  }
}

// Every replica that is up votes with its position; each counts the same votes and so elects the same one.
void ReplicatedDatabase::start_election(SimTime ts)
{
  electing_ = true;
  votes_.assign(peers_.size(), std::nullopt);
  votes_in_ = 1;
  votes_expected_ = 0;
  votes_[index_] = received_;
  for (std::uint32_t i = 0; i < peers_.size(); ++i) {
    if (i == primary_ || out_[i] || world->components[peers_[i]]->down_at(ts))
      continue;
    ++votes_expected_;
    if (i == index_)
      continue;
    const std::uint32_t vid = new_record(ts, kNoticeRecord);
    Request& v = world->pool[vid];
    v.call_op = kVote;
    v.version = received_;
    world->send(*node, ts, EventKind::request, peers_[i], vid, 0);
  }
  if (votes_in_ == votes_expected_)
    decide(ts);
}

void ReplicatedDatabase::decide(SimTime ts)
{
  electing_ = false;
  const auto winner = models::choose_promoted(votes_);
  if (winner && *winner == index_)
    node->push_local(models::later(ts, spec_.replication.promotion), EventKind::tick, id, 0,
                     tick_aux(kTickPromote, epoch_));
}

void ReplicatedDatabase::on_notice(SimTime ts, std::uint32_t rid)
{
  World& w = *world;
  const Request& r = w.pool[rid];
  const bool up = !(node->can_crash() && down_at(ts));
  if (up && r.call_op == kVote && electing_ && r.call_program == epoch_) {
    const std::uint32_t from = r.frames()[0].aux;
    if (!votes_[from]) {
      votes_[from] = r.version;
      if (++votes_in_ == votes_expected_)
        decide(ts);
    }
  } else if (up && r.call_op == kAnnounce && r.call_program > epoch_ && !fenced_) {
    out_[primary_] = true;
    epoch_ = r.call_program;
    primary_ = r.version;
    electing_ = false;
    received_ = applied_seq_ = 0;
    schedule_detection(ts + 1);
  }
  release_record(rid);
}

void ReplicatedDatabase::become_primary(SimTime ts)
{
  World& w = *world;
  promote_when_drained_ = false;
  const Node& old_node = *w.placement[peers_[primary_]].node;
  SimTime crashed_at = 0;
  for (const Outage& o : old_node.outages())
    if (o.from <= ts)
      crashed_at = o.from;
  failovers_.push_back({base_ + primary_, base_ + index_, crashed_at, ts, received_});
  out_[primary_] = true;
  primary_ = index_;
  ++epoch_;
  seq_ = 0;
  position_ = applied_position_; // its log continues from what it applied
  serve_covered(ts);             // a primary serves what it has
  // The announcement: to the other replicas, then to every caller of the database.
  std::vector<std::uint32_t> to;
  for (std::uint32_t i = 0; i < peers_.size(); ++i)
    if (i != index_ && !out_[i])
      to.push_back(peers_[i]);
  const auto traffic = models::service_traffic(w.spec);
  for (const int s : traffic.requesters[service_])
    if (s >= 0 && static_cast<std::uint32_t>(s) != service_)
      for (const std::uint32_t c : w.service_instances[static_cast<std::size_t>(s)])
        to.push_back(c);
  for (const std::uint32_t c : to) {
    const std::uint32_t aid = new_record(ts, kNoticeRecord);
    Request& a = w.pool[aid];
    a.call_op = kAnnounce;
    a.version = index_;
    a.key = shard_;
    w.send(*node, ts, EventKind::request, c, aid, 0);
  }
}

// --- after the run ------------------------------------------------------------------------------------------

void ReplicatedDatabase::add_to_series(std::size_t interval, models::TimeseriesRow& row) const
{
  if (index_ == 0)
    return; // the first primary applies nothing
  models::TimeseriesRow::ReplicaLag lag;
  lag.replica = world->spec.services[service_].name + "/" + node->host()->get_name();
  if (interval < lag_by_interval_.size() && lag_by_interval_[interval].applied > 0) {
    const IntervalLag& in = lag_by_interval_[interval];
    lag.applied = in.applied;
    lag.mean = models::to_seconds(in.sum) / static_cast<double>(in.applied);
    lag.max = models::to_seconds(in.max);
  }
  row.replica_lags.push_back(std::move(lag));
}

std::uint64_t ReplicatedDatabase::failed_between(SimTime from, SimTime to) const
{
  std::uint64_t n = 0;
  for (const SimTime t : refused_at_)
    n += t >= from && t <= to ? 1 : 0;
  for (const Crash& c : crashes_)
    n += c.at >= from && c.at <= to ? c.failed : 0;
  return n;
}

namespace
{
// Version v was read after v commits; the (v+1)-th commit replaced it: the read is stale when that commit came
// before it.
bool stale(const std::unordered_map<std::uint64_t, std::vector<SimTime>>& commits, SimTime at, std::uint64_t key,
           std::uint32_t version)
{
  const auto it = commits.find(key);
  return it != commits.end() && version < it->second.size() && it->second[version] < at;
}
} // namespace

models::ReplicaResult ReplicatedDatabase::replica_result(const World& w) const
{
  models::ReplicaResult r;
  r.host = node->host()->get_name();
  const auto& db = std::get<models::DatabaseSpec>(w.spec.services[service_].kind);
  r.shard = db.shards ? static_cast<int>(shard_) + 1 : 0;
  r.applied = applied_measured_;
  const auto lag = models::summarize(lag_);
  r.lag.count = lag.count;
  r.lag.mean = lag.mean;
  r.lag.p99 = lag.p99;
  r.lag.max = lag.max;
  const auto& commits = w.commits[service_];
  for (const Read& read : reads_) { // the reads of no user: those of users are in the session log
    ++r.reads;
    r.stale_reads += stale(commits, read.at, read.key, read.version) ? 1 : 0;
  }
  return r;
}

void build_replicated(const models::DatabaseSpec& spec, ServiceBuilder& b)
{
  const std::string& name = b.world.spec.services[b.service].name;
  // Shard after shard (one shard when unsharded): its primary, then its replicas.
  const std::vector<std::string> hosts = models::instance_hosts(b.world.spec.services[b.service].kind);
  const auto group = static_cast<std::uint32_t>(spec.replicas_per_shard() + 1);
  const auto shards = static_cast<std::uint32_t>(spec.shard_count());
  for (std::uint32_t i = 0; i < hosts.size(); ++i) {
    const std::uint32_t host = b.host(hosts[i]);
    b.add(std::make_unique<ReplicatedDatabase>(b.service, spec, b.core_speed(host),
                                               b.seed(i == 0 ? name : name + "#" + std::to_string(i)), i % group),
          host);
  }
  const auto& instances = b.world.service_instances[b.service];
  for (std::uint32_t s = 0; s < shards; ++s) {
    const auto first = instances.begin() + static_cast<std::ptrdiff_t>(s * group);
    const std::vector<std::uint32_t> peers(first, first + group);
    for (const std::uint32_t c : peers)
      static_cast<ReplicatedDatabase&>(*b.world.components[c]).set_peers(peers, s, s * group);
  }
  if (spec.shards)
    b.world.partitioners[b.service] = models::make_partitioner(*spec.shards, shards);
  b.world.keep_versions = true; // stale reads are counted against the primary's commits
  if (b.world.session_logs.size() < b.world.spec.services.size())
    b.world.session_logs.resize(b.world.spec.services.size());
  b.world.session_logs[b.service] = std::make_unique<models::SessionLog>(); // and session guarantees
}

void report_replication(const World& world, std::uint32_t service, models::ServiceResult& r)
{
  const auto& spec = std::get<models::DatabaseSpec>(world.spec.services[service].kind);
  const auto& instances = world.service_instances[service];
  auto instance = [&](std::size_t i) -> const ReplicatedDatabase& {
    return static_cast<const ReplicatedDatabase&>(*world.components[instances[i]]);
  };
  models::ReplicationResult out;
  out.mode = models::to_string(spec.replication.mode);
  out.read_from = models::to_string(spec.replication.read_from);
  const models::SessionLog& log = *world.session_logs[service];
  const auto violations = log.count(instances.size());
  // The users' reads at replicas, for the stale-read counts (the reads of no user are kept by each replica).
  std::vector<std::uint64_t> user_reads(instances.size(), 0), user_stale_reads(instances.size(), 0);
  const auto& commits = world.commits[service];
  log.for_each([&](const models::SessionOp& op) {
    if (op.write || !op.at_replica || !op.measured || op.instance >= instances.size())
      return;
    ++user_reads[op.instance];
    user_stale_reads[op.instance] += stale(commits, op.done, op.key, op.version) ? 1 : 0;
  });
  const std::size_t group = spec.replicas_per_shard() + 1;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    out.ack_timeouts += instance(i).ack_timeouts();
    out.fallbacks += instance(i).fallbacks();
    out.async_writes += instance(i).async_writes();
    out.async_seconds += models::to_seconds(instance(i).async_time());
    out.read_your_writes_violations += violations.read_your_writes[i];
    out.monotonic_read_violations += violations.monotonic[i];
    if (i % group == 0) // a shard's first primary
      continue;
    out.replicas.push_back(instance(i).replica_result(world));
    auto& replica = out.replicas.back();
    replica.reads += user_reads[i];
    replica.stale_reads += user_stale_reads[i];
    replica.read_your_writes_violations = violations.read_your_writes[i];
    replica.monotonic_read_violations = violations.monotonic[i];
    replica.waited_reads = instance(i).waited_reads();
    out.stale_reads += replica.stale_reads;
  }
  std::vector<ReplicatedDatabase::Failover> failovers;
  for (std::size_t i = 0; i < instances.size(); ++i)
    for (const auto& f : instance(i).failovers())
      failovers.push_back(f);
  std::sort(failovers.begin(), failovers.end(),
            [](const auto& a, const auto& b) { return a.promoted_at < b.promoted_at; });
  for (const auto& f : failovers) {
    const ReplicatedDatabase& old = instance(f.old_primary);
    models::FailoverResult x;
    x.shard = spec.shards ? static_cast<int>(f.old_primary / group) + 1 : 0;
    x.old_primary = old.node->host()->get_name();
    x.new_primary = instance(f.new_primary).node->host()->get_name();
    x.crashed_at = models::to_seconds(f.crashed_at);
    x.promoted_at = models::to_seconds(f.promoted_at);
    x.failover_time = models::to_seconds(f.promoted_at - f.crashed_at);
    x.lost_writes = models::lost_writes(old.acknowledged(), f.position);
    x.failed_in_gap = old.failed_between(f.crashed_at, f.promoted_at);
    out.lost_writes += x.lost_writes;
    out.failovers.push_back(std::move(x));
  }
  r.replication = std::move(out);
}

} // namespace scalelab::sim
