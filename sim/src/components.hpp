#pragma once
// The service instances and the users' source, as components run by executors. A component reacts to
// events in time order and never blocks: waiting requests sit in its own queue, not in the engine.
#include "autoscaler.hpp"
#include "call_guard.hpp"
#include "world.hpp"

#include "scalelab/models/connection_pool.hpp"
#include "scalelab/models/limits.hpp"
#include "scalelab/models/replication.hpp"
#include "scalelab/models/sessions.hpp"

#include <functional>
#include <optional>
#include <queue>
#include <tuple>

namespace scalelab::sim
{

// Pushes the fault schedule's events: each crash to every component of the host, and the health checks that
// see it to the balancers in front of it.
void schedule_faults(World& world);

// A cache's answer to a get, in Request::call_op.
inline constexpr std::uint16_t kCacheHit = 1;
inline constexpr std::uint16_t kCacheMiss = 0;
// Beside a cache operation in Request::call_op: it acts on the session of the request's user
// (models::SessionCookies::key_of), not on the request's key.
inline constexpr std::uint16_t kSessionOperation = 0x8000;

// A reply or a step's end reaching a frame pushed before its host crashed: the request is an orphan.
bool stale(const Component& c, const Frame& f, SimTime ts);
// The frame of component c on request r, arrived at ts.
Frame& push_frame(Request& r, SimTime ts, const Component& c, std::uint32_t aux);
// A request reaching a host that is down: refused at once with host_down (true), or not (false).
bool refused_when_down(Component& c, SimTime ts, std::uint32_t rid, OutcomeStats& outcome);
// At a crash, for a request component c holds: its frame there fails, and its callers are answered.
void fail_held(Component& c, SimTime ts, std::uint32_t rid, ServiceStats& stats);

// Chooses one instance when a service with several instances is called directly (without a balancer).
// The instance of `service` a request for `key` goes to: the shard that holds the key when the service is
// partitioned (World::partitioners), otherwise one at random.
std::uint32_t pick_instance(World& world, std::uint32_t service, models::Rng& rng, std::uint64_t key);

// The users: an open arrival process, or a closed population of users who think between requests.
class Source : public Component
{
public:
  Source(const models::TopologySpec& spec, std::uint64_t seed);
  void start(); // schedules the first arrivals
  void on_tick(SimTime ts, std::uint32_t aux) override;
  void on_reply(SimTime ts, std::uint32_t request, Cause cause) override;
  // An open-loop source only counts replies; merged thinking users note when the user starts thinking.
  bool passive_replies() const override { return open_ || merged_think_; }
  // Users in zones and GeoDNS (geodns.hpp): where each request comes from and which entry it goes to.
  void set_geo_routing(class GeoRouting* geo) { geo_ = geo; }
  // A closed population whose users change (workload.arrival.users with a shape): its users over time; null
  // otherwise.
  const LevelIntegral* population() const { return population_ ? &population_level_ : nullptr; }

private:
  // user: 1.. (the request's first frame keeps it), 0 for none. type and key: drawn when negative.
  void send_request(SimTime ts, std::uint32_t user, std::int32_t type = -1, std::int64_t key = -1);
  // Open arrivals: the next arrival of the process after ts (a constant rate, a shape, a trace), or kNever.
  SimTime next_open_arrival(SimTime ts);
  void on_open_tick(SimTime ts, std::uint32_t aux);
  void schedule_candidate(SimTime ts);
  SimTime next_gap();
  std::uint32_t open_user();
  // Sends a request whose record and frame are ready, from the users or, with zones, from its zone's users.
  void send_to_entry(SimTime ts, std::uint32_t rid, std::uint32_t user);
  void carry_session(SimTime ts, Request& r, std::uint32_t user);
  class GeoRouting* geo_ = nullptr;

  models::Rng rng_;
  models::WeightedPicker mix_;
  std::optional<models::ZipfSampler> zipf_;
  std::uint32_t entry_service_ = 0;
  bool open_ = true;
  bool poisson_ = true;
  double mean_gap_ = 0;       // open: seconds between arrivals
  std::int64_t arrivals_ = 0; // open, constant: the k-th arrival is at k gaps exactly, never drifting
  bool merged_think_ = false; // closed with exponential think time: thinking users merged into one process
  std::int64_t thinking_ = 0;
  std::int64_t users_ = 0;
  std::int64_t open_users_ = 0;              // open arrivals: the users requests are drawn from (0: none)
  const models::RateShape* shape_ = nullptr; // open, poisson: a rate that changes
  const std::vector<models::TraceArrival>* trace_ = nullptr; // open: the arrivals of a trace file
  std::size_t trace_next_ = 0;                               // the next of them to send
  // Herd events carry this bit and their index in workload.herds in the tick's aux.
  static constexpr std::uint32_t kHerdTag = 0x80000000U;
  // Merged thinking: when users whose replies were handled at send time start thinking (earliest first), and
  // who. With users told apart (track_users_), thinking_users_ lists the thinking ones, thinking_ of them.
  std::priority_queue<std::pair<SimTime, std::uint32_t>, std::vector<std::pair<SimTime, std::uint32_t>>, std::greater<>>
      returning_;
  bool track_users_ = false;
  std::vector<std::uint32_t> thinking_users_;
  // read_from read_your_writes: each user's session token (the position of their last write), which their
  // requests carry (in the source's frame), and the tokens replies handled at send time bring back, by arrival.
  std::optional<models::SessionTokens> tokens_;
  // sessions local or store: each user's session cookie (models::session_cookie), carried the same way; the
  // last answer's sets it.
  std::vector<std::uint32_t> cookies_;
  // (arrival, user, token, cookie) of the answers handled at send time, by arrival.
  std::priority_queue<std::tuple<SimTime, std::uint32_t, std::uint32_t, std::uint32_t>,
                      std::vector<std::tuple<SimTime, std::uint32_t, std::uint32_t, std::uint32_t>>, std::greater<>>
      token_returns_;
  // A user's answer brought back their token and cookie.
  void take_back(std::uint32_t user, std::uint32_t token, std::uint32_t cookie);

  // A closed population whose users change (models/population.hpp). Users added send a request at once; users
  // removed are thinking ones first (they stop at once), then busy ones, who leave when their reply comes back.
  // Change events carry kPopulationTag in the tick's aux.
  // Herds of a closed population carry kHerdTag and their index, as an open one's do; closed users are
  // numbered below 2^30, so neither tag is a user.
  static constexpr std::uint32_t kPopulationTag = 0xC0000000U;
  const models::RateShape* population_ = nullptr;
  LevelIntegral population_level_;
  std::int64_t population_now_ = 0;       // the shape's users now
  std::int64_t leaving_ = 0;              // busy users who leave when their reply comes back
  std::vector<std::uint32_t> free_users_; // ids of users who left, taken again by users added
  // Users apart (think times not exponential) in a changing population: each user's state; the thinking ones
  // (thinking_users_) and the retired ones (removed while thinking, their think's tick still pending) in lists,
  // where_ their place there.
  enum class UserState : std::uint8_t { free, thinking, busy, retired };
  std::vector<UserState> state_;
  std::vector<std::uint32_t> where_;
  std::vector<std::uint32_t> retired_users_;
  void start_population();
  // A herd of a closed population: up to `users` thinking users stop thinking and send at once.
  void closed_herd(SimTime ts, std::int64_t users);
  void on_population_change(SimTime ts);
  void add_users(SimTime ts, std::int64_t n);
  void remove_users(SimTime ts, std::int64_t n);
  // Merged thinking: the users whose replies came back strictly before ts start thinking, or leave.
  void fold_returns(SimTime ts);
  // Users apart: list operations that keep where_ right.
  void list_add(std::vector<std::uint32_t>& list, std::uint32_t user);
  void list_remove(std::vector<std::uint32_t>& list, std::uint32_t user);
  // A user apart ends thinking (true: it sends) or was retired (false: it leaves now).
  bool think_ends(std::uint32_t user);
  // A reply came back to a user of a changing population: true if the user leaves instead of thinking.
  bool leaves_on_reply(std::uint32_t user);
};

class LoadBalancer : public Component
{
public:
  LoadBalancer(std::uint32_t service, const models::LoadBalancerSpec& spec, std::vector<std::uint32_t> backends,
               std::uint64_t seed);
  void on_request(SimTime ts, std::uint32_t request) override;
  void on_reply(SimTime ts, std::uint32_t request, Cause cause) override;
  void on_fault(SimTime ts, const Fault& fault) override;
  // A policy that ignores completions (round robin, random, weighted) makes the reply path pure bookkeeping,
  // unless the host can crash: then the replies it awaits must be known in time order.
  bool passive_replies() const override { return !scaler_ && !balancer_->observes_completions() && !node->can_crash(); }
  // A policy that counts each backend's requests, or an autoscaler that measures them, needs only the backend,
  // in time order.
  bool completions_apart() const override
  {
    return (scaler_ || balancer_->observes_completions()) && !node->can_crash();
  }
  void on_tick(SimTime ts, std::uint32_t aux) override; // the autoscaler's evaluations and boots
  std::uint32_t reply_apart(SimTime ts, std::uint32_t request, Cause cause) override;
  void on_completion(SimTime ts, std::uint32_t backend) override;
  // Health-check events for backends whose hosts crash, and the autoscaler's first evaluation, pushed before
  // the run.
  void schedule_health_checks();
  // The backend service is autoscaled: this balancer runs its scaler (autoscaler.hpp).
  void autoscale(const models::AutoscaleSpec& spec, int workers, std::uint32_t backend_service);

  // With `sticky`: the table of each user's backend, for `users` users.
  void init_sticky(std::int64_t users);

private:
  std::unique_ptr<models::Balancer> new_balancer() const; // all backends up, no connections counted

  std::uint32_t service_;
  models::LoadBalancerSpec spec_;
  std::vector<std::uint32_t> backends_;
  std::unique_ptr<models::Balancer> balancer_;
  std::vector<bool> backend_down_; // as the health checks last found it
  std::unique_ptr<BalancerScaler> scaler_;
  // The policy may pick backend b: up at the last health check, and running if autoscaled.
  bool may_pick(std::size_t b) const
  {
    return !backend_down_[b] && (!scaler_ || scaler_->serving(static_cast<int>(b)));
  }
  void set_up(std::size_t b);
  static constexpr std::uint32_t kBootTag = 0x80000000U; // a tick's aux: backend (aux & ~kBootTag) has booted
  std::optional<models::StickyRoutes> sticky_;
  std::optional<models::RateLimiter> limiter_; // rate_limit
  HeldSet held_;
  models::Rng rng_;
};

// An api_server's (or worker pool's) guarded calls in its results, when it made any.
void report_calls(const World& world, std::uint32_t service, models::ServiceResult& r);

// A request beyond `limiter` (by its user, the bottom frame's aux): answered at once with 429 (rate_limited),
// counted in `outcome`. False when it is admitted.
bool refused_by_limit(Component& c, SimTime ts, std::uint32_t request, models::RateLimiter& limiter,
                      OutcomeStats& outcome, double bytes);

// A pool of identical slots (workers, connections) with a bounded FIFO queue in front.
class SlotPool
{
public:
  SlotPool(int slots, int queue_limit) : slots_(slots), queue_limit_(queue_limit) {}
  enum class Admit { start, queued, rejected };
  Admit admit(std::uint32_t request);
  // Frees a slot; returns the next queued request to start in it, if any.
  std::optional<std::uint32_t> release();
  bool queue_full() const { return static_cast<int>(queue_.size()) >= queue_limit_; }
  int slots() const { return slots_; }
  int queue_limit() const { return queue_limit_; }
  int busy() const { return busy_; }
  // Empties the pool; returns the requests that were queued, in queue order.
  std::vector<std::uint32_t> clear();

private:
  int slots_, queue_limit_, busy_ = 0;
  RingQueue<std::uint32_t> queue_;
};

// What an API server and a database share: slots (workers, connections) in front of which requests queue,
// and a reply to the caller when a request is refused or done.
class Station : public Component
{
protected:
  Station(std::uint32_t service, int slots, int queue_limit, std::uint64_t seed)
      : service_(service), rng_(seed), slots_(slots, queue_limit)
  {
  }
  // Starts the request in a free slot, queues it, or answers it at once with `refusal` (`refusal_bytes`).
  void admit(SimTime ts, std::uint32_t request, std::uint32_t frame_aux, Cause refusal, double refusal_bytes);
  // The request on top of the frame stack leaves this station: answer its caller with `bytes`.
  void reply(SimTime ts, std::uint32_t request, Cause cause, double bytes);
  // Frees the slot and starts the next queued request in it.
  void free_slot(SimTime ts);
  // The request takes a slot / its frame leaves this station.
  void begin(SimTime ts, std::uint32_t request);
  void leave(const Frame& frame);
  virtual void start(SimTime ts, std::uint32_t request) = 0;
  // The host crashed: every request here fails with host_down; the station restarts empty.
  void on_fault(SimTime ts, const Fault& fault) override;

  // In the order a request touches them, so that it finds them in two cache lines (Component is aligned).
  std::uint32_t service_;
  models::Rng rng_;
  SlotPool slots_;
  HeldSet held_;
};

class ApiServer : public Station
{
public:
  // session_store: with `sessions: store`, the cache service's index; instance: this one's index among the
  // service's instances.
  ApiServer(std::uint32_t service, const models::ApiServerSpec& spec, double core_speed, std::uint64_t seed,
            std::uint32_t session_store, std::uint32_t instance);
  void on_request(SimTime ts, std::uint32_t request) override;
  void on_reply(SimTime ts, std::uint32_t request, Cause cause) override;
  void on_step_done(SimTime ts, std::uint32_t request, std::uint32_t aux) override;
  void on_tick(SimTime ts, std::uint32_t aux) override;
  void on_fault(SimTime ts, const Fault& fault) override;
  // Instance 0 of an autoscaled service writes its instances over time in its service's rows.
  void add_to_series(std::size_t interval, models::TimeseriesRow& row) const override;
  // From now on, each request's departure is computed when it arrives (serve_at_arrival()). The simulation
  // calls this only where that gives exactly the results of the step-by-step path.
  void serve_at_arrival_from_now(const Clock& clock);

  // With `connection_pool`: this instance's pools, one per database it calls, in the measured window.
  struct PoolCounts {
    std::uint64_t checkouts = 0, opened = 0, waited = 0, timeouts = 0;
    models::Histogram wait;
    WindowArea open;
  };
  const PoolCounts& pool_counts() const { return pool_counts_; }
  // Guarded calls' state and counts (null when it made none).
  const CallGuard* guard() const { return guard_.get(); }

private:
  void start(SimTime ts, std::uint32_t request) override;
  void run_steps(SimTime ts, std::uint32_t request);
  void finish(SimTime ts, std::uint32_t request, Cause cause);
  void serve_at_arrival(SimTime ts, std::uint32_t request);
  SimTime cpu_time(const ResolvedStep& step);
  // Local sessions: false when the request's session is not here (it was answered with session_lost).
  bool session_found(SimTime ts, std::uint32_t request);
  SimTime token_check_time();
  // Sessions in a store: the worker reads the user's session, and logs the user in when it is not there.
  void read_session(SimTime ts, std::uint32_t request);
  void on_session_reply(SimTime ts, std::uint32_t request, Cause cause);
  void session_operation(SimTime ts, std::uint32_t request, models::CacheStep::Op op);
  // The call step on top of the request's frame goes out: to the database through its pool when there is one.
  void call(SimTime ts, std::uint32_t request);
  void send_call(SimTime ts, std::uint32_t request);
  // The pool of database `service`, or nullptr when calls to it are not pooled.
  struct Pool;
  Pool* pool_of(std::uint32_t service);
  void give_back(SimTime ts, Pool& pool);
  void expire_waiters(SimTime ts, Pool& pool);

  // What every request reads first and together (at ten thousand servers each request finds its server's
  // lines evicted): three cache lines after the Station's, where the fields were spread over five.
  const models::ApiServerSpec& spec_;
  double core_speed_;
  bool at_arrival_ = false;
  bool cores_always_free_ = false;               // at_arrival_: a step never waits for a core (use_free)
  std::unique_ptr<models::RateLimiter> limiter_; // rate_limit, per instance
  // at_arrival_: when the requests waiting for a worker will start, in order, and maybe some that have started
  // (up to kStartsKeptUntried in all, or the queue's limit: serve_at_arrival()).
  RingQueue<SimTime> queued_starts_;
  static constexpr int kStartsKeptUntried = 16;
  HostResource workers_;            // at_arrival_: when each worker is free
  std::uint32_t session_store_ = 0; // sessions store: the cache service's index
  std::uint32_t instance_;

  // Connection pools: the checkouts waiting for a connection in arrival order, and one tick at a time, at the
  // first one's deadline (every wait has the same timeout, so deadlines come in queue order). A crash empties
  // the pools and makes the ticks already pushed stale (their generation is older).
  struct Pool {
    explicit Pool(const models::ConnectionPoolSpec& spec) : pool(spec.size, spec.max_overflow) {}
    models::ConnectionPool pool;
    struct Waiter {
      std::uint32_t request;
      SimTime since;
    };
    RingQueue<Waiter> waiters;
    bool armed = false;
  };
  std::vector<std::uint32_t> pool_index_; // by service: 1 + index in pools_, 0 for none
  std::vector<Pool> pools_;
  std::uint32_t pool_generation_ = 0;
  PoolCounts pool_counts_;

  // Guarded calls (call_guard.cpp): an attempt of the call step on top of `request`'s frame (0: the first).
  void guarded_call(SimTime ts, std::uint32_t request, std::uint16_t attempt);
  // A reply to an attempt, on its copy of the record: dropped if the attempt was given up, else the caller's
  // record takes its answer and goes on.
  void guarded_reply(SimTime ts, std::uint32_t record, Cause cause);
  // An attempt failed (an error reply or a timeout): retried, or the request fails with `cause`.
  void attempt_failed(SimTime ts, std::uint32_t request, std::uint16_t attempt, Cause cause);
  void on_deadline(SimTime ts, std::uint32_t generation);
  bool deadline_tick(SimTime ts, std::uint32_t aux); // true: the tick was the deadlines'
  static constexpr std::uint32_t kRetryStep = 0x100; // a step_done's aux: retry number aux - kRetryStep is due
  void arm_deadline(SimTime deadline);
  void guard_crash(); // after Station::on_fault
  std::unique_ptr<CallGuard> guard_;
};

class Database : public Station
{
public:
  Database(std::uint32_t service, const models::DatabaseSpec& spec, double core_speed, std::uint64_t seed);
  void on_request(SimTime ts, std::uint32_t request) override;
  void on_step_done(SimTime ts, std::uint32_t request, std::uint32_t aux) override;
  void on_fault(SimTime ts, const Fault& fault) override;
  void on_tick(SimTime ts, std::uint32_t aux) override; // a batch of a resharding's copy leaves (resharding.hpp)
  // This instance's part of the measured window: operations that reached it, and the time-average of its
  // connections in use (a shard's load).
  std::uint64_t operations() const { return operations_; }
  double mean_in_service() const;
  std::uint32_t service() const { return service_; }
  // A resharding's copy as this shard sent and received it (over the whole run).
  struct Migration {
    std::uint64_t keys_out = 0, keys_in = 0;
    double bytes_out = 0, bytes_in = 0;
  };
  Migration& migration() { return migration_; }
  const Migration& migration() const { return migration_; }

protected:
  // The operation's work is done: a write commits, a read reads; the caller is answered and the connection
  // freed (a replicated primary waits for its replicas first: replication.hpp).
  virtual void complete(SimTime ts, std::uint32_t request);
  void start(SimTime ts, std::uint32_t request) override;
  void in_service_change(SimTime ts, std::int64_t dv);
  const models::DbOperationCost& cost_of(std::uint32_t request);
  void note_version(SimTime ts, Request& request);
  SimTime cpu_time(const models::DbOperationCost& cost);

  const models::DatabaseSpec& spec_;
  double core_speed_;
  std::uint64_t operations_ = 0;
  WindowArea in_service_; // connections in use
  Migration migration_;
};

} // namespace scalelab::sim
