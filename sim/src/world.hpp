#pragma once
// The simulated world: nodes (hosts, and link nodes), the executors (SimGrid actors) that process their
// events, the components they run, the pooled request records and the messages between them.
//
// Time discipline (conservative synchronisation). Nodes are grouped into executors: one per host, or one for
// the whole world (the default, and the fastest: SimGrid runs actors one at a time, so more of them only
// costs context switches). Every message between nodes of two executors takes at least `lookahead` (the
// smallest delay between them), so an event at time t can only cause events in another executor at t +
// lookahead or later. Time is cut into windows [kW, (k+1)W) with W <= lookahead; an executor wakes once at
// SimGrid time kW and processes all of its events in that window, in (time, order) order. Nothing another
// executor does in window k can land in window k, so the result does not depend on the order in which
// executors run nor on how nodes are grouped, and is the same as processing one event at a time, one
// executor per host (the plain engine, W = 1 ns).
#include "component.hpp"
#include "event_queue.hpp"
#include "follow.hpp"
#include "network.hpp"
#include "ring_queue.hpp"
#include "scalelab/models/balancing.hpp"
#include "scalelab/models/protection.hpp"
#include "scalelab/models/random.hpp"
#include "scalelab/models/replication.hpp"
#include "scalelab/models/results.hpp"
#include "scalelab/models/session_log.hpp"
#include "scalelab/models/sharding.hpp"
#include "scalelab/models/spec.hpp"
#include "stats.hpp"

#include <simgrid/s4u.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace scalelab::sim
{

using models::SimTime;

// hop: a message reaches a link this node processes (see network.hpp); it is delivered after.
// fault: the host crashes, or a balancer's health check finds a backend down or up again.
// completion: what must happen in time order when a reply arrives at a component that takes the rest of the
// reply when it is sent (Component::completions_apart()).
enum class EventKind : std::uint8_t { request, reply, step_done, tick, hop, fault, completion };

struct Event {
  SimTime ts;
  std::uint64_t order; // Node::next_order(): a total, engine-independent order
  std::uint32_t component;
  std::uint32_t request;
  std::uint32_t aux;
  EventKind kind;
  Cause cause;
};
struct EventLater {
  bool operator()(const Event& a, const Event& b) const { return a.ts != b.ts ? a.ts > b.ts : a.order > b.order; }
};

// Where a request is, one frame per service it is inside (the bottom frame is the users' source).
struct Frame {
  SimTime arrived;
  std::uint32_t component;
  std::uint32_t aux;         // balancer: backend index; database: operation
  std::uint32_t held;        // its place in the component's HeldSet, on a host that can crash
  std::uint16_t program;     // request type whose steps run here
  std::uint16_t pc;          // next step
  std::uint16_t incarnation; // of the component's host when the frame was pushed: a crash makes it stale
  std::uint32_t cookie;      // the users' frame: the user's session cookie (models::session_cookie)
};
inline constexpr int kMaxDepth = 12;

struct Request {
  SimTime created;
  std::uint64_t key;
  std::uint16_t type;
  std::uint8_t depth;
  // Cut off by a crash: what remains of it runs on (a database finishes a query nobody waits for) until it
  // reaches a frame of the crashed host, where it is dropped; its callers were answered by a new record.
  bool orphan : 1;
  bool cut_off : 1;  // that new record: the request's orphan may still run on after its answer
  bool followed : 1; // its path is written down (World::follow)
  // What the next request message asks the callee to run; a cache answers a get in call_op (1: a hit).
  std::uint16_t call_program;
  std::uint16_t call_pc;
  std::uint16_t call_op;
  // The version of the key the request last read or wrote at a database (0: the initial value), and that
  // database's service index + 1 (0: none yet): what a cache_set stores.
  std::uint16_t version_source;
  std::uint32_t version;

  // The frames follow the record in the pool, as many as the run's deepest request needs (RequestPool).
  Frame* frames() { return reinterpret_cast<Frame*>(this + 1); }
  const Frame* frames() const { return reinterpret_cast<const Frame*>(this + 1); }
  Frame& top() { return frames()[depth - 1]; }
  const Frame& top() const { return frames()[depth - 1]; }
};
static_assert(sizeof(Request) == 32 && sizeof(Frame) == 32, "a record with its frames fills whole half cache lines");

// A request's message while it waits for a link another node processes (a request is in at most one place at
// a time). Kept beside the records, not in them: most messages never wait, and the records stay small.
struct WaitingMessage {
  InFlight at;
  double bytes;
  EventKind kind;
};

// Records are reused through a free list: no allocation per request once the pool has grown to the
// largest number in flight. They live in chunks that never move, so growing never copies the records nor
// holds two copies at once (a vector's doubling did: the peak memory of a run was up to twice its records).
// Each record is followed by room for the frames of the run's deepest request only (3 for a balancer in
// front of servers: 128 bytes a record, two cache lines, instead of 456 with room for 12 and the message).
class RequestPool
{
public:
  // Before the first acquire().
  void set_frames(int frames)
  {
    frames_ = frames;
    stride_ = sizeof(Request) + static_cast<std::size_t>(frames) * sizeof(Frame);
  }
  int frames() const { return frames_; }
  std::uint32_t acquire()
  {
    if (free_.empty()) {
      if (size_ % kChunk == 0)
        add_chunk();
      const std::uint32_t id = size_++;
      (*this)[id].orphan = false;
      (*this)[id].cut_off = false;
      (*this)[id].followed = false;
      return id;
    }
    const std::uint32_t id = free_.back();
    free_.pop_back();
    (*this)[id].orphan = false;
    (*this)[id].cut_off = false;
    (*this)[id].followed = false;
    return id;
  }
  void release(std::uint32_t id) { free_.push_back(id); }
  Request& operator[](std::uint32_t id)
  {
    return *std::launder(reinterpret_cast<Request*>(chunks_[id / kChunk].records.get() + (id % kChunk) * stride_));
  }
  WaitingMessage& message(std::uint32_t id) { return chunks_[id / kChunk].messages[id % kChunk]; }
  // Where record `id` is, or nullptr if there is none yet (for prefetching: any id may be asked).
  const std::byte* address(std::uint32_t id) const
  {
    return id < size_ ? chunks_[id / kChunk].records.get() + (id % kChunk) * stride_ : nullptr;
  }
  std::size_t live() const { return size_ - free_.size(); }
  std::size_t capacity() const { return size_; }

private:
  static constexpr std::uint32_t kChunk = 1024;
  struct FreeAligned {
    void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  struct Chunk {
    std::unique_ptr<std::byte[], FreeAligned> records; // cache-line aligned: a record starts on a line or half
    std::unique_ptr<WaitingMessage[]> messages;
  };
  void add_chunk()
  {
    Chunk c{std::unique_ptr<std::byte[], FreeAligned>(new (std::align_val_t{64}) std::byte[stride_ * kChunk]),
            std::make_unique<WaitingMessage[]>(kChunk)};
    for (std::uint32_t i = 0; i < kChunk; ++i) {
      Request* r = new (c.records.get() + i * stride_) Request{};
      new (r->frames()) Frame[static_cast<std::size_t>(frames_)]{};
    }
    chunks_.push_back(std::move(c));
  }
  std::vector<Chunk> chunks_;
  int frames_ = kMaxDepth;
  std::size_t stride_ = sizeof(Request) + kMaxDepth * sizeof(Frame); // bytes
  std::uint32_t size_ = 0;
  std::vector<std::uint32_t> free_;
};

class World;
class Node;
class Executor;

// The requests a component holds (in its slots, or sent on and awaited), kept only on hosts that can crash,
// so that the crash can fail them: a slab of request ids whose free places are reused; a request's frame
// knows its place, so leaving costs O(1) and touches no other request. The order of the slab depends only on
// the component's own events, so it is the same under every engine.
class HeldSet
{
public:
  std::uint32_t add(std::uint32_t request)
  {
    if (free_.empty()) {
      ids_.push_back(request);
      return static_cast<std::uint32_t>(ids_.size() - 1);
    }
    const std::uint32_t place = free_.back();
    free_.pop_back();
    ids_[place] = request;
    return place;
  }
  void remove(std::uint32_t place)
  {
    ids_[place] = kNone;
    free_.push_back(place);
  }
  // The requests held, in slab order; clears the set.
  std::vector<std::uint32_t> take_all()
  {
    std::vector<std::uint32_t> out;
    for (auto id : ids_)
      if (id != kNone)
        out.push_back(id);
    ids_.clear();
    free_.clear();
    return out;
  }

private:
  static constexpr std::uint32_t kNone = 0xffffffffU;
  std::vector<std::uint32_t> ids_;
  std::vector<std::uint32_t> free_;
};

// A FIFO pool of identical servers (cores, a disk) shared by the components of one host. Claims come in time
// order (each is made while the host processes an event), so a claim's start is known when it is made: the
// earliest time a unit is free (Lindley's recursion over the units' free times). No event is needed when a
// unit frees, and a claim that has to wait costs nothing until it ends.
class HostResource
{
public:
  HostResource() = default;
  HostResource(const HostResource&) = delete; // free_at_ may point into the object itself
  HostResource& operator=(const HostResource&) = delete;
  void init(int capacity, const Clock& clock)
  {
    count_ = static_cast<std::uint32_t>(capacity);
    if (count_ > inline_.size()) {
      spill_.assign(count_, 0);
      free_at_ = spill_.data();
    } else {
      inline_.fill(0);
      free_at_ = inline_.data();
    }
    clock_ = &clock;
  }
  // Claims a unit for `duration`, from `now` or from when one frees; returns when the claim ends.
  SimTime use(SimTime now, SimTime duration);
  // use() in two steps, for a claim whose length depends on when it starts: when the first unit frees, then
  // that unit claimed from `start` (not before it frees) until `end`.
  SimTime next_free() const { return free_at_[0]; }
  void claim_next(SimTime start, SimTime end);
  // use() where a unit is known to be free at `now` (each claimer holds at most one unit at a time, and there
  // are no more claimers than units): the claim starts at `now`, and the units' free times, which no claim
  // would then wait for, are left as they are. Reads only the first 32 bytes.
  SimTime use_free(SimTime now, SimTime duration)
  {
    const SimTime end = end_of(now, duration);
    busy_area_ += clock_->overlap(now, end);
    return end;
  }
  int capacity() const { return static_cast<int>(count_); }
  // Slow faults: claims take longer inside these periods (sorted, disjoint; owned by the node).
  void slow_down(const std::vector<models::SlowPeriod>* periods) { slow_ = periods; }
  // The host crashed at `now`: the work given to the units is lost, they are free from now on.
  void crash(SimTime now);
  // Busy units, time-averaged over the measured window.
  double window_mean() const
  {
    const SimTime width = clock_->end - clock_->warmup;
    return width > 0 ? static_cast<double>(busy_area_) / static_cast<double>(width) : 0.0;
  }

private:
  // When a claim of `duration` that starts at `start` ends, slow periods included.
  SimTime end_of(SimTime start, SimTime duration) const
  {
    return slow_ ? models::slowed_end(start, duration, *slow_) : models::later(start, duration);
  }
  // What a claim touches comes first and together (at ten thousand hosts every claim misses the cache): the
  // min-heap of when each unit has finished what it was given, kept in the object for hosts of up to 8
  // cores, in spill_ beyond; the scalars a claim reads in the first 48 bytes (use_free() reads only the first
  // 32), the heap's first entries right after them, so that a host of up to 4 units touches two cache lines.
  Int128 busy_area_ = 0; // unit x nanoseconds of claims inside the measured window
  const std::vector<models::SlowPeriod>* slow_ = nullptr;
  const Clock* clock_ = nullptr;
  SimTime* free_at_ = nullptr;
  std::uint32_t count_ = 0;
  std::array<SimTime, 8> inline_{};
  std::vector<SimTime> spill_;
};

// A host (or a link node, network.hpp): its cores and disk, and the order keys of the events it causes. Its
// events are processed by the executor it belongs to.
class alignas(64) Node
{
public:
  Node(std::uint32_t id, simgrid::s4u::Host* host) : id_(id), host_(host) {}

  void push_local(SimTime ts, EventKind kind, std::uint32_t component, std::uint32_t request, std::uint32_t aux = 0,
                  Cause cause = Cause::ok);
  void push(const Event& e); // an event for this node, from any node
  // Order keys: (node << 40) | sequence, a total order that does not depend on the engine. At one instant, the
  // completions (step_done events) come before every other event, whichever node caused it: a worker that
  // finishes at t is free for a request that arrives at t. That is what lets a station compute a request's
  // departure when it arrives (ApiServer) with the same results as when its completion is an event.
  std::uint64_t next_order() { return kNotCompletion | (static_cast<std::uint64_t>(id_) << 40) | sequence_++; }
  std::uint64_t next_completion_order() { return (static_cast<std::uint64_t>(id_) << 40) | completions_++; }
  static constexpr std::uint32_t kMaxNodes = 1U << 23; // the node fits below the top bit

  std::uint32_t id() const { return id_; }
  simgrid::s4u::Host* host() const { return host_; }

  // The fault schedule of this host (sorted, disjoint), set before the run.
  void set_outages(std::vector<Outage> outages);
  // A service instance on the host crashes on its own (faults: crash_service): what the host's components hold
  // is tracked as on a host that crashes.
  void may_crash() { can_crash_ = true; }
  const std::vector<Outage>& outages() const { return outages_; }
  bool can_crash() const { return can_crash_; }
  bool down_at(SimTime t) const
  {
    for (const auto& o : outages_)
      if (t >= o.from && t < o.until)
        return true;
    return false;
  }
  // How many times the host has crashed by time t: frames pushed before a crash are stale after it.
  std::uint16_t incarnation_at(SimTime t) const
  {
    if (!can_crash_)
      return 0; // without reading the schedule, which is not on the host's hot lines
    std::uint16_t n = 0;
    for (const auto& o : outages_)
      n = static_cast<std::uint16_t>(n + (o.from <= t ? 1 : 0));
    return n;
  }

  // What every event of a host touches comes first: with the cores, two cache lines (at a thousand hosts a
  // request finds each of its hosts' lines evicted).
  Executor* executor = nullptr;

private:
  static constexpr std::uint64_t kNotCompletion = std::uint64_t{1} << 63;
  std::uint64_t sequence_ = 0;
  std::uint32_t id_;
  bool can_crash_ = false;
  std::uint64_t completions_ = 0;

public:
  HostResource cores, disk;

private:
  simgrid::s4u::Host* host_;
  std::vector<Outage> outages_;

public:
  std::vector<models::SlowPeriod> slow_periods;      // slow faults of the host (its cores follow them)
  std::vector<models::SlowPeriod> disk_slow_periods; // fill_disk faults of the host (its disk follows them)
};

inline bool Component::can_crash() const
{
  return node->can_crash();
}
inline bool Component::down_at(SimTime t) const
{
  return own_outages ? own_outages->down_at(t) : node->down_at(t);
}
inline std::uint16_t Component::incarnation_at(SimTime t) const
{
  return own_outages ? own_outages->incarnation_at(t) : node->incarnation_at(t);
}
inline const std::vector<Outage>& Component::outages() const
{
  return own_outages ? own_outages->outages() : node->outages();
}
inline bool Component::host_crashes_at(SimTime ts) const
{
  for (const auto& o : node->outages())
    if (o.from == ts)
      return true;
  return false;
}

// A SimGrid actor that processes the events of one or more nodes, in (time, order) order, one window per
// wake-up. Nodes of one executor exchange events directly; between executors, conservative synchronisation
// (see the top of this file) keeps the result independent of how nodes are grouped.
class Executor
{
public:
  Executor(World& world, std::uint32_t id) : world_(world), id_(id) {}
  void run(); // the actor's body

  void push(const Event& e);
  // An executor whose nodes may send this one's nodes events, and a lower bound of their delay.
  void add_input(Executor* from, SimTime min_delay);

  std::uint32_t id() const { return id_; }
  std::uint64_t wakeups = 0, events = 0;

private:
  struct Channel {
    Executor* executor;
    SimTime min_delay;
  };
  SimTime horizon(SimTime now) const;
  void process_until(SimTime horizon);
  void dispatch(const Event& e);
  void prefetch(const Event& e);
  void wake();
  void schedule_next();

  World& world_;
  std::uint32_t id_;
  EventQueue<Event, EventLater> events_;
  // Every event before this time is processed, and every later one will come after it: no message from this
  // executor will arrive anywhere earlier than processed_to_ + the channel's delay.
  SimTime processed_to_ = 0;
  std::vector<Channel> inputs_;
  SimTime scheduled_ = models::kNever; // the window this executor is on the clock's agenda for
  bool waiting_ = true;                // blocked (or not started), and not yet released
  simgrid::s4u::ActorPtr actor_;       // suspended while waiting; the scheduler resumes it
  friend class Scheduler;
};

// The only timer of the run. Executors suspend themselves with no timeout; the scheduler keeps an agenda of
// the windows in which executors have events, sleeps to the next one and releases exactly those executors.
// An event for an executor only updates the agenda: nobody is woken to move a timer.
class Scheduler
{
public:
  explicit Scheduler(World& world) : world_(world) {}
  void run(); // the actor's body; returns at the end of the run, which ends the simulation
  void schedule(Executor& executor, SimTime window_start);
  void released(Executor&) { ++running_; }
  void blocked(Executor&) { --running_; }
  SimTime now() const { return now_; } // SimGrid's clock in nanoseconds, without asking the engine
  // Called with t whenever the run moves to t, when every event before t has been handled (and with the end
  // of the run last): what was measured before t is then final, and can be shown while the run goes on.
  void on_passed(std::function<void(SimTime)> f) { passed_ = std::move(f); }

private:
  World& world_;
  std::function<void(SimTime)> passed_;
  std::priority_queue<std::pair<SimTime, std::uint32_t>, std::vector<std::pair<SimTime, std::uint32_t>>, std::greater<>>
      agenda_;
  int running_ = 0; // executors released and not yet blocked again
  SimTime now_ = 0;
};

struct ServiceStats {
  OutcomeStats outcome;
  LevelIntegral in_service, queued;
};
struct RequestTypeStats {
  OutcomeStats outcome;
  std::uint64_t sent_measured = 0;
};

// A request-type step with its names resolved to indices.
struct ResolvedStep {
  enum class Kind : std::uint8_t { cpu, delay, call, forward, cache, publish };
  Kind kind;
  models::CacheStep::Op cache_op = models::CacheStep::Op::get; // cache
  std::uint16_t miss_steps = 0;                                // cache get: the on_miss steps a hit skips
  std::optional<double> flops;                                 // cpu: flops, else `time`
  models::DistributionSpec time;
  std::uint32_t service = 0; // call, forward, publish: target service index
  std::uint16_t program = 0; // call to an api_server or balancer: the request type to run there; publish: the job
  models::CallStep::Op op = models::CallStep::Op::request;
  // call: its timeout, retries, budget and breaker (null: none), and its index among the run's guarded calls
  // (each caller instance keeps a budget and a breaker per guarded call: sim/src/call_guard.hpp).
  const models::CallProtection* protect = nullptr;
  std::uint16_t guard = 0;
};

class World
{
public:
  World(const models::TopologySpec& spec, SimTime window);

  // Sends a request or reply message from a component to another; local when both are on one host.
  void send(Node& from, SimTime now, EventKind kind, std::uint32_t to_component, std::uint32_t request, double bytes,
            Cause cause = Cause::ok);
  // Asks for the route a send from `from` to `to_component` will read, ahead of the send (at ten thousand
  // servers a server's route back to its balancer is never in the cache).
  void prefetch_route(const Node& from, std::uint32_t to_component) const
  {
    const Placement& place = placement[to_component];
    if (place.node != &from)
      __builtin_prefetch(&network.route(network.route_id(from.id(), place.node_id)));
  }
  // A hop event: the message crosses the link that the event's node owns and goes on.
  void advance(const Event& e);
  // The start of the window that contains t.
  SimTime window_start(SimTime t) const { return t - t % window_; }
  SimTime window() const { return window_; }
  // window: W, the smallest delay between hosts (1 ns for the plain engine); max_ahead: how far past
  // SimGrid's clock a host may process when its inputs allow it (0: never past its window).
  void set_synchronisation(SimTime window, SimTime max_ahead)
  {
    window_ = window;
    max_ahead_ = max_ahead;
  }
  SimTime max_ahead() const { return max_ahead_; }
  // false (the plain engine): replies that the fast path handles when they are sent are events like the
  // others, delivered at their arrival with the same order keys.
  void set_replies_at_send(bool on) { replies_at_send_ = on; }
  void deliver_reply(Component& c, const Event& e);

  const models::TopologySpec& spec;
  Clock clock;
  RequestPool pool;
  Network network;
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::unique_ptr<Executor>> executors;
  Scheduler scheduler{*this};
  std::vector<std::unique_ptr<Component>> components;
  // components[c]->node and its id, without reading the component: sending to a component then needs
  // neither its cache line nor its host's before the route is known.
  // Read on every send: the target's executor is here so that a message is queued without reading the target's
  // node (at ten thousand servers, a cache miss that the send would wait for).
  struct Placement {
    Node* node;
    std::uint32_t node_id;
    Executor* executor = nullptr; // node->executor, set with the executors
  };
  std::vector<Placement> placement;                          // by component
  std::vector<std::vector<std::uint32_t>> service_instances; // component ids, by service index
  // When the run is watched: the requests sent between services per interval (World::send counts them), and
  // each component's service (spec.services.size() for the users).
  std::unique_ptr<EdgeCounts> edge_counts;
  std::unique_ptr<IntervalLatencies> users_latencies; // the users' answers' latencies per interval, when watched
  std::vector<std::uint32_t> component_service;
  // Autoscaled services (by index) and the scaler the balancer in front of each runs (autoscaler.hpp).
  std::unordered_map<std::uint32_t, const class BalancerScaler*> scalers;
  // By service index: the instance that holds a request's key (a sharded database's partitioning, set by its
  // kind's build()); null: any instance, drawn at random.
  std::vector<std::unique_ptr<models::Partitioner>> partitioners;
  // By service index: a sharded database resharded during the run (resharding.hpp); null for the others.
  std::vector<std::unique_ptr<models::ReshardingRouter>> reshardings;
  std::vector<std::vector<ResolvedStep>> programs; // by request type index
  std::vector<ServiceStats> service_stats;         // by service index in spec.services
  std::vector<RequestTypeStats> request_stats;     // by request type index
  OutcomeStats all_requests;
  LevelIntegral in_system; // requests the users have sent and not yet got an answer for
  std::uint64_t sent = 0, completed = 0, failed = 0;
  std::uint64_t orphans = 0; // live records cut off by a crash (Request::orphan), not requests in flight
  // When a cache may hold a database's values, each database counts the versions of every key it writes and
  // keeps when each was committed (by service index; empty when versions are not kept): after the run, a
  // cache hit is stale if a newer version was committed before it.
  bool keep_versions = false;
  // By service index: a replicated database's log of its users' operations, for the session guarantees counted
  // after the run (null for the other services; empty when there is none).
  std::vector<std::unique_ptr<models::SessionLog>> session_logs;
  models::SessionLog* session_log(std::uint32_t service) const
  {
    return service < session_logs.size() ? session_logs[service].get() : nullptr;
  }
  std::vector<std::unordered_map<std::uint64_t, std::vector<SimTime>>> commits;
  // A caller's view of a replicated database (sim/src/replication.hpp), per shard: the primary it sends writes
  // to (an instance index in the shard's group) and where its reads go. Keyed by replica_route_key(); each entry
  // is read and written by its caller only.
  struct ReplicaRoute {
    std::uint32_t primary = 0;
    std::uint32_t epoch = 0; // failovers the caller has heard of
    std::unique_ptr<models::ReadRouter> reads;
  };
  std::unordered_map<std::uint64_t, ReplicaRoute> replica_routes;
  static std::uint64_t replica_route_key(std::uint32_t caller, std::uint32_t service, std::uint32_t shard)
  {
    return (static_cast<std::uint64_t>(caller) << 40) ^ (static_cast<std::uint64_t>(shard) << 20) ^ service;
  }
  // Live records that carry no request (a write shipped to a replica, a failover's vote): not in flight.
  std::uint64_t internal_records = 0;

  // A crash cuts request `rid` at its frame `at` (on the crashed host, the outermost there): the callers get
  // a new record with the frames below, answered with host_down from `from`; the old one runs on as an
  // orphan.
  void split_at_crash(Node& from, SimTime now, std::uint32_t rid, std::uint8_t at);
  // An orphan reached a frame of the crashed host: dropped.
  void drop_orphan(std::uint32_t rid);
  // Requests followed hop by hop (null: none, and no request record is read for it). Each note_* is a branch on
  // that pointer when nothing is followed.
  std::unique_ptr<FollowRecorder> follow;
  // The users sent the sent-th request, record `rid`, at ts.
  void note_sent_by_users(SimTime ts, std::uint32_t rid)
  {
    if (follow && follow->picks(sent)) {
      pool[rid].followed = true;
      follow->start(rid, sent, ts, pool[rid].type, clock.measured(ts));
    }
  }
  void note_arrival(SimTime ts, std::uint32_t component, std::uint32_t rid, bool reply)
  {
    if (follow && pool[rid].followed)
      follow->arrived(rid, ts, component, reply);
  }
  void note_begin(SimTime ts, std::uint32_t component, std::uint32_t rid)
  {
    if (follow && pool[rid].followed)
      follow->began(rid, ts, component);
  }
  // Record `to` carries on the request of record `from` (a guarded call's attempt, the callers' side of a crash).
  void note_copy(std::uint32_t from, std::uint32_t to)
  {
    if (follow && pool[from].followed) {
      pool[to].followed = true;
      follow->copied(from, to);
    }
  }

  // Messages lost on cut links (faults[]), over the whole run.
  std::uint64_t lost_messages = 0;

private:
  void lose(Node& from, SimTime now, EventKind kind, std::uint32_t to_component, std::uint32_t request,
            std::uint32_t route, std::uint64_t order);
  SimTime window_;
  SimTime max_ahead_ = 0;
  // While a passive component handles a reply at send time, the message it forwards takes the order key
  // of the reply it handles, so the order of events never depends on when that happened.
  std::uint64_t inherited_order_ = 0;
  bool replies_at_send_ = true;
  static constexpr std::uint32_t kAsIfAtSend = 1;          // a reply event's aux: the fast path handles it at send time
  static constexpr std::uint32_t kNoRequest = 0xffffffffU; // a completion event's request: none is read
};

} // namespace scalelab::sim
