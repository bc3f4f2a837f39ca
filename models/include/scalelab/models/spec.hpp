#pragma once
// The validated content of a topology file, in plain values. The loader (loader.hpp) fills it from YAML
// and guarantees every invariant stated in the comments below; the simulator and the real mode read it
// and never see YAML.
#include "scalelab/models/autoscaling.hpp"
#include "scalelab/models/load_shape.hpp"
#include "scalelab/models/protection.hpp"
#include "scalelab/models/sharding.hpp"
#include "scalelab/models/time.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace scalelab::models
{

// Where a value came from in the user's file, for messages after loading (file:line:col).
struct SourceLocation {
  std::string file;
  int line = 0;   // 1-based; 0 when unknown
  int column = 0; // 1-based
};

// A positive random quantity (a duration, in nanoseconds once sampled).
struct DistributionSpec {
  enum class Kind { deterministic, exponential, uniform, lognormal };
  Kind kind = Kind::deterministic;
  double mean = 0;  // seconds; for uniform: (low + high) / 2
  double low = 0;   // seconds, uniform only
  double high = 0;  // seconds, uniform only
  double sigma = 0; // lognormal only: standard deviation of the underlying normal
};

struct HostSpec {
  std::string name;  // the instance name: "web-1" when the group "web" has count 3
  std::string group; // the name written in the file ("web")
  int cores = 1;
  double speed = 1e9;          // flops per second per core
  std::string zone;            // a data centre or rack; empty: none
  std::optional<double> price; // per machine and hour, in the user's currency; none: not given
  SourceLocation where;
};

// How the two directions of a link share its bandwidth (SimGrid's SPLITDUPLEX, SHARED and FATPIPE).
enum class LinkSharing {
  full_duplex, // each direction has the whole bandwidth (Ethernet)
  shared,      // both directions share it
  fatpipe      // every message has the whole bandwidth: no contention (a provider's backbone, "the internet")
};
const char* sharing_name(LinkSharing sharing); // as written in files

struct LinkParams {
  double bandwidth = 125e6; // bytes per second (1 Gbps)
  double latency = 50e-6;   // seconds, one way
  LinkSharing sharing = LinkSharing::full_duplex;
};

// A switch (a router in SimGrid's terms): forwards messages, runs nothing.
struct SwitchSpec {
  std::string name;
  std::string zone;
  SourceLocation where;
};

// A cable between two network elements (hosts or switches).
struct LinkSpec {
  std::string name; // given, or "a--b"
  std::string a, b; // host or switch names
  LinkParams params;
  SourceLocation where;
};

// A route given by hand, from host to host, as the links it crosses in order.
struct RouteSpec {
  std::string from, to;
  std::vector<std::string> links;
  bool symmetric = true; // the reverse route crosses the same links backwards
  SourceLocation where;
};

// A network described by its shape rather than link by link; the hardware graph (hardware.hpp) expands it.
struct NetworkSpec {
  enum class Shape {
    lan,        // one switch, one link per host; `latency` is host to host
    racks,      // rack_size hosts per top-of-rack switch, each rack one uplink to a spine switch
    datacenters // one LAN per data centre (zone), their gateways joined by WAN links
  };
  Shape shape = Shape::lan;
  // lan
  double bandwidth = 125e6; // bytes per second (1 Gbps)
  double latency = 100e-6;  // seconds, one way, host to host
  LinkSharing sharing = LinkSharing::full_duplex;
  // racks
  int rack_size = 0;
  LinkParams host_link;
  LinkParams uplink;
  // datacenters
  std::vector<std::string> datacenters; // zone names, the order of the matrix's rows
  LinkParams lan;                       // inside a data centre, latency host to host
  double wan_bandwidth = 125e6;
  std::vector<std::vector<double>> wan_latency; // seconds, one way; square, zero diagonal, symmetric
  SourceLocation where;
};

// Where the users' traffic enters the network.
struct UsersSpec {
  std::string attach; // a switch or host; empty: beside the entry service's host
  double latency = 0; // of the users' link (a fatpipe); 0: that of a host's link
  std::string zone;   // datacenters shape: the data centre the users are near; empty: the entry's
  SourceLocation where;
};

struct HardwareSpec {
  std::vector<HostSpec> hosts; // expanded: one entry per machine
  // Either a shape (network), or explicit switches and links, or a SimGrid platform file.
  NetworkSpec network;
  std::vector<SwitchSpec> switches; // expanded
  std::vector<LinkSpec> links;      // expanded: one per pair
  std::vector<RouteSpec> routes;
  std::string simgrid_platform; // a SimGrid platform XML file, resolved against the topology's directory
  UsersSpec users;
  bool explicit_graph() const { return !links.empty(); }
};

// --- request steps -------------------------------------------------------------------------------------

// CPU work: either a fixed amount of flops (time = flops / core speed) or a time distribution. Occupies one
// core of the host and the worker that runs the request.
struct CpuStep {
  std::optional<double> flops;
  DistributionSpec time; // used when flops is empty
};
// A wait that holds the worker but no core (a sleep, an external call that is not modelled).
struct DelayStep {
  DistributionSpec time;
};
// A synchronous call to another service; the worker is held until the reply. For a database the
// operation is read or write; for an api_server or load_balancer it names a request type to run there.
struct CallStep {
  enum class Op { request, db_read, db_write };
  Op op = Op::request;
  std::string service;
  std::string request; // op == request only
  // Timeout, retries, retry budget, circuit breaker (protection.hpp); op == request only.
  std::optional<CallProtection> protect;
};
// Hands the rest of the step list to another service and frees this worker (a pipeline stage). The reply
// goes to whoever called this service.
struct ForwardStep {
  std::string service;
};
// An operation on a cache service for the request's key; the worker waits for the answer. A get is followed
// in the step list by its on_miss steps (`miss_steps` of them, nested ones included), which run on a miss and
// are skipped on a hit. A set stores the version of the key the request last read or wrote at a database.
struct CacheStep {
  enum class Op { get, set, erase };
  Op op = Op::get;
  std::string service;
  std::uint16_t miss_steps = 0; // get only
};

// Sends a job (a new record that runs request type `job` at a worker pool consuming `queue`) to a queue service
// and goes on at once, without waiting for the broker or the job (docs/queues.md).
struct PublishStep {
  std::string queue;
  std::string job;
};

using Step = std::variant<CpuStep, DelayStep, CallStep, ForwardStep, CacheStep, PublishStep>;
// The service a step calls and waits for (call, db_read, db_write, the cache steps), or sends to (publish);
// nullptr for the others.
const std::string* called_service(const Step& step);

struct StepSpec {
  Step step;
  SourceLocation where;
};

struct RequestTypeSpec {
  std::string name;
  std::vector<StepSpec> steps;
  double request_size = 1000;  // bytes on the wire, towards the server
  double response_size = 1000; // bytes on the wire, back to the caller
  SourceLocation where;
};

// --- services ------------------------------------------------------------------------------------------

enum class BalancingPolicy { round_robin, random, least_connections, power_of_two, weighted };

struct LoadBalancerSpec {
  std::string host;
  BalancingPolicy policy = BalancingPolicy::round_robin;
  std::string backends;        // a service with one or more instances
  std::vector<double> weights; // weighted only: one per backend instance, in instance order
  // Active health checks every `health_check` (0: none): a backend whose host is down is skipped from the
  // first check at or after its crash until the first check at or after its restart.
  SimTime health_check = 2 * kNanosPerSecond;
  // Each user's requests go to the backend their first one went to, while it is up (sessions.hpp).
  bool sticky = false;
  std::optional<RateLimitSpec> rate_limit; // answered with 429 (rate_limited) beyond it
};

// Declared with the session policies (sessions.hpp): none first, then local and token.
enum class SessionMode;

// An API server's pool of connections to each database it calls (connection_pool.hpp), with SQLAlchemy's
// names and defaults.
struct ConnectionPoolSpec {
  int size = 5;                                      // connections kept open when idle (pool_size)
  int max_overflow = 10;                             // more opened while all are in use, closed when given back
  SimTime timeout = 30 * kNanosPerSecond;            // a checkout waits at most this long (pool_timeout); 0: never
  SimTime connect_time = 3 * kNanosPerSecond / 1000; // opening one connection, paid by the request that opens it
};

struct ApiServerSpec {
  std::vector<std::string> hosts; // one instance per host, in this order
  int workers = 8;
  int queue_limit = 1000;    // waiting requests beyond the busy workers; an arrival beyond that gets 503
  SessionMode sessions{};    // none; local and sticky need users (WorkloadSpec::user_count() > 0)
  CpuStep token_check;       // sessions token: the CPU work of verifying a request's token, before its steps
  std::string session_store; // sessions store: the cache service that holds the sessions
  // None: each db_read and db_write uses a connection of its own, opened at no cost (the database's
  // `connections` alone bound them).
  std::optional<ConnectionPoolSpec> connection_pool;
  std::optional<RateLimitSpec> rate_limit; // per instance; answered with 429 (rate_limited) beyond it
  // Instances started and stopped by an autoscaler (autoscaling.hpp) at the load balancer in front: hosts gives
  // the slots, max of them at most; the others are stopped (a balancer skips them as it skips a down backend).
  std::optional<AutoscaleSpec> autoscale;
};

// Cost of one database operation, executed by a connection.
struct DbOperationCost {
  std::optional<double> cpu_flops;
  std::optional<DistributionSpec> cpu_time;
  std::optional<DistributionSpec> disk_time; // on the host's single disk, FIFO
};

// Replicas of a database on hosts of their own, and how writes reach them (docs/replication.md). The
// decisions (which replica a read goes to, which replica is promoted) are plain functions in replication.hpp.
enum class ReplicationMode { async, semi_sync, sync };
// semi_sync after an ack timeout: MySQL's (the primary turns asynchronous until a replica has caught up with its
// latest commit), or each write on its own (every write waits up to ack_timeout).
enum class SemiSyncFallback { until_caught_up, per_write };
// Where a db_read goes (replication.hpp has the routing): the primary; a replica by `read_policy`; a replica by
// `read_policy` that serves a user's read once it has applied the user's last write (read_your_writes); the
// replica of the user's hash (monotonic).
enum class ReadFrom { primary, replicas, read_your_writes, monotonic };
struct ReplicationSpec {
  // One replica per host, in this order; empty: none. A sharded database's are shard after shard, the same
  // number for each (DatabaseSpec::replicas_per_shard()).
  std::vector<std::string> replicas;
  ReplicationMode mode = ReplicationMode::async;
  int k = 1;                                  // semi_sync: the acknowledgements a write waits for (the first k of n)
  SimTime ack_timeout = 10 * kNanosPerSecond; // semi_sync: then the write is acknowledged without them
  SemiSyncFallback fallback = SemiSyncFallback::until_caught_up;
  ReadFrom read_from = ReadFrom::primary;
  BalancingPolicy read_policy = BalancingPolicy::round_robin; // read_from replicas, read_your_writes: which replica
  DbOperationCost apply;                                      // applying one write at a replica
  // Failover: the primary's host down for `detection` is declared dead; the replica with the most recent
  // position becomes the primary `promotion` later.
  SimTime detection = 5 * kNanosPerSecond;
  SimTime promotion = 2 * kNanosPerSecond;
};

struct DatabaseSpec {
  std::string host; // empty when sharded
  // A sharded database: one shard (an instance with the connections and costs below) per host, in this
  // order; a db_read or db_write goes to the shard `shards` picks for the request's key.
  std::vector<std::string> shard_hosts;
  std::optional<ShardingSpec> shards;
  int connections = 100;   // operations that run at once; the rest wait
  int queue_limit = 10000; // waiting operations beyond that are refused (error "db_overloaded")
  DbOperationCost read;
  DbOperationCost write;
  double query_size = 200;   // bytes
  double result_size = 1000; // bytes
  ReplicationSpec replication;
  // Resharding during the run: a shard added on reshard->host (shard index shard_hosts.size()).
  std::optional<ReshardSpec> reshard;

  // The shards the run starts with (a shard added by resharding is not counted).
  std::size_t shard_count() const { return shards ? shard_hosts.size() : 1; }
  // The replicas of each shard (of the database when unsharded): shard s has replication.replicas[s * R ..
  // (s + 1) * R), and its instances are s * (R + 1) (its first primary) to s * (R + 1) + R.
  std::size_t replicas_per_shard() const
  {
    return shard_count() == 0 ? 0 : replication.replicas.size() / shard_count();
  }
};

// Declared with the cache policy (cache.hpp): lru first, and none, fixed, refreshed_on_hit.
enum class CacheEviction;
enum class CacheTtlMode;

// A key-level cache (cache-aside): entries are the requests' keys, each holding the version of the value a
// database gave. The hit ratio emerges from the keys' popularity, the capacity, the eviction and the TTL.
struct CacheSpec {
  std::string host;
  std::int64_t capacity = 10000;   // entries
  std::optional<double> memory;    // bytes; when given, entries are also limited by their size in bytes
  CacheEviction eviction{};        // lru
  SimTime ttl = 0;                 // 0: entries never expire
  CacheTtlMode ttl_mode{};         // with ttl > 0: fixed (also when left none) or refreshed_on_hit
  std::optional<double> cpu_flops; // CPU work per operation on one core of the host
  std::optional<DistributionSpec> cpu_time;
  int connections = 64;     // operations at once; the rest wait
  int queue_limit = 10000;  // waiting operations beyond that are refused (error "cache_overloaded")
  double key_size = 100;    // bytes of a get, a delete, and of a miss's answer
  double value_size = 1000; // bytes of a hit's answer and of a set; an entry's size in `memory`
  // Request coalescing: a get that misses while another request's recomputation of the key is in flight
  // waits for that request's set (then hits) instead of going to the database too; after `coalesce_wait`
  // without a set it misses after all.
  bool coalesce = false;
  SimTime coalesce_wait = kNanosPerSecond;
};

// A message broker (RabbitMQ-like, docs/queues.md): a FIFO of jobs that publish steps send, delivered to the
// consumers of the worker pools that consume it, at most one unacknowledged job per consumer (prefetch 1).
struct QueueSpec {
  std::string host;
  std::int64_t capacity = 100000;  // jobs waiting; a publish beyond is rejected (counted)
  bool durable = true;             // a crash keeps the waiting jobs (false: they are lost, counted)
  std::optional<double> cpu_flops; // CPU work per published job on one core of the host
  std::optional<DistributionSpec> cpu_time;
};

// A pool of workers that take jobs from a queue service and run the job's request type, one job per worker.
struct WorkerSpec {
  std::vector<std::string> hosts; // one instance per host, in this order
  int workers = 4;                // consumers per instance: jobs it runs at once
  std::string consumes;           // the queue service
  // Instances started and stopped with the load by the queue's broker (docs/autoscaling.md); the hosts are slots.
  std::optional<AutoscaleSpec> autoscale;
};

// A CDN edge (docs/cdn.md): a cache of whole responses near the users, in front of an origin (a load_balancer or
// an api_server). A request of a cacheable type is answered from the edge when it holds the response for the
// request's (type, key), and goes to the origin otherwise, its response then stored; the other types always go
// to the origin. The hit ratio emerges from the keys, the capacity and the TTL (the cache policy's KeyCache).
struct CdnSpec {
  std::string host;
  std::string origin;                 // a load_balancer or an api_server
  std::vector<std::string> cacheable; // request types whose responses the edge keeps
  std::int64_t capacity = 100000;     // responses held at most
  CacheEviction eviction{};           // lru
  SimTime ttl = 60 * kNanosPerSecond; // 0: responses never expire
};

using ServiceKind =
    std::variant<LoadBalancerSpec, ApiServerSpec, DatabaseSpec, CacheSpec, QueueSpec, WorkerSpec, CdnSpec>;
const char* kind_name(const ServiceKind& kind); // as written in files: load_balancer, api_server, database, cache
// The hosts a service's instances run on, in instance order.
std::vector<std::string> instance_hosts(const ServiceKind& kind);
// The services the instances of service `name` send requests of their own to, outside the request types'
// steps: a balancer its backends, an api_server its session store, a replicated database itself (shipments,
// votes).
std::vector<std::string> services_called(const ServiceKind& kind, const std::string& name);
// Whether the instances of a service ask which user sent a request (sticky balancing, sessions, a per-user rate
// limit, a replicated database's session guarantees). When no service does, a closed population's users need
// not be told apart (the source then keeps no table of its thinking users).
bool reads_users(const ServiceKind& kind);

struct ServiceSpec {
  std::string name;
  ServiceKind kind;
  SourceLocation where;
};

// --- workload ------------------------------------------------------------------------------------------

struct OpenArrival {
  enum class Process { poisson, constant, trace };
  Process process = Process::poisson;
  double rate = 0; // requests per second; with a shape, its largest rate
  // poisson: a rate that changes over time (load_shape.hpp); absent for a constant rate.
  std::optional<RateShape> shape;
  // trace: the file as written and the arrivals read from it, in time order.
  std::string trace_file;
  std::vector<TraceArrival> trace;
};
struct ClosedArrival {
  std::int64_t users = 0; // with a shape, its largest count (population.hpp)
  DistributionSpec think_time;
  std::optional<RateShape> shape; // a number of users that changes over the run; values are whole users
};

struct KeySpaceSpec {
  enum class Popularity { uniform, zipf };
  std::int64_t count = 0; // 0: requests carry no key
  Popularity popularity = Popularity::uniform;
  double exponent = 1.0; // zipf only
  double hot_key = 0;    // the probability that a request's key is key 1, before the draw by popularity
};

// Users in several zones (workload.zones): each arrival's user is in `zone` with probability `share`.
struct UsersZoneSpec {
  std::string zone;
  double share = 0;
};
// GeoDNS in front of several data centres (workload.geodns, docs/cdn.md): each request goes to the entry that the
// user's cached DNS answer names, fetched up to `ttl` ago (models/geodns.hpp).
struct GeoDnsSpec {
  std::vector<std::string> entries; // one entry service per data centre
  SimTime ttl = 0;
  SourceLocation where;
};

struct WorkloadSpec {
  std::string entry; // the service that receives the users' requests (with geodns: its first entry)
  std::variant<OpenArrival, ClosedArrival> arrival;
  std::vector<std::pair<std::string, double>> mix; // request type -> weight, in file order
  KeySpaceSpec keys;
  // Open arrivals: the distinct users requests are drawn from, uniformly (0: requests carry no user).
  std::int64_t users = 0;
  std::vector<HerdSpec> herds;      // open arrivals: requests that all come at one instant, in time order
  std::vector<UsersZoneSpec> zones; // empty: the users come in at hardware.users
  std::optional<GeoDnsSpec> geodns;
  SourceLocation where;
  // The users requests carry, numbered from 1: `users` of an open workload, those of a closed one.
  std::int64_t user_count() const;
};

// --- the whole file ------------------------------------------------------------------------------------

// One fault of the timeline (faults[]): it starts at `at` and lasts `down_for` (to the end of the run when
// absent). Each kind names what it strikes (docs/faults.md):
//   crash: every service instance on `host` loses the requests it holds (their callers get host_down at once,
//     as when the kernel resets the connections of a dead process) and refuses new ones until it restarts,
//     empty; crash_zone: every host whose zone is `zone` crashes so;
//   delay_link: every message whose head enters `link` (both directions) in the window takes `add` longer on it;
//   cut_link: a message whose head would reach `link` in the window is lost; partition_zone: every link between
//     an element of `zone` and one outside it (the users' own link aside) is cut;
//   slow: the cores of `host` take `slow_factor` times longer;
//   crash_service: one instance of `service` (`instance`, from 1; 0: every instance) crashes as a host does,
//     its host and the host's other services staying up;
//   fill_disk: the disk of `host`, nearly full, takes `slow_factor` times longer.
struct FaultSpec {
  enum class Kind : std::uint8_t {
    crash,
    crash_zone,
    delay_link,
    cut_link,
    partition_zone,
    slow,
    crash_service,
    fill_disk
  };
  Kind kind = Kind::crash;
  SimTime at = 0;
  std::string host; // crash, slow, fill_disk
  std::string zone; // crash_zone, partition_zone
  std::string link; // delay_link, cut_link: the link's name (as results.json's links[] give it)
  SimTime add = 0;  // delay_link: the latency added
  std::optional<SimTime> down_for;
  double slow_factor = 0; // slow, fill_disk
  std::string service;    // crash_service
  int instance = 0;       // crash_service: the instance, from 1 (0: every instance of the service)
  // The end of the fault: kNever when it lasts to the end of the run.
  SimTime until() const;
};
// The YAML key of a fault's kind (`crash`, `delay_link`, ...).
const char* fault_kind_name(FaultSpec::Kind kind);

struct TopologySpec {
  std::string name;
  std::string file; // the path it was loaded from
  std::uint64_t seed = 1;
  SimTime duration = 60 * kNanosPerSecond;
  SimTime warmup = 0;
  SimTime report_interval = kNanosPerSecond; // timeseries.csv row width
  HardwareSpec hardware;
  std::vector<ServiceSpec> services;     // file order
  std::vector<RequestTypeSpec> requests; // file order
  WorkloadSpec workload;
  std::vector<FaultSpec> faults; // in file order

  const ServiceSpec* find_service(const std::string& name) const;
  const RequestTypeSpec* find_request(const std::string& name) const;
  const HostSpec* find_host(const std::string& name) const;
  // Positions in services / requests / hardware.hosts; throw std::out_of_range for a name that is not there
  // (a loaded spec has every name it refers to).
  std::size_t index_of_service(const std::string& name) const;
  std::size_t index_of_request(const std::string& name) const;
  std::size_t index_of_host(const std::string& name) const;
};

// Host positions by name, for looking up many names (index_of_host searches the list: a thousand instances
// would compare a million names). The spec must outlive it and keep its hosts.
class HostIndex
{
public:
  explicit HostIndex(const TopologySpec& spec);
  // Throws std::out_of_range for a name that is not there, as index_of_host does.
  std::size_t at(const std::string& name) const;

private:
  const TopologySpec& spec_;
  std::unordered_map<std::string_view, std::size_t> index_;
};

} // namespace scalelab::models
