#pragma once
// What a run produces, in plain values. The simulator and the real mode fill the same structures, so a
// prediction and a measurement can be compared line by line. Everything here is deterministic: no wall
// clock, no addresses, maps ordered by name.
#include "scalelab/models/histogram.hpp"
#include "scalelab/models/spec.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::models
{

inline constexpr int kResultsSchemaVersion = 1;

struct LatencySummary {
  std::uint64_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0; // seconds
};
LatencySummary summarize(const Histogram& h);

// A cache's operations in the measured window. Stale reads are hits whose version a database had already
// replaced by a newer committed write when the hit happened.
struct CacheResult {
  std::uint64_t hits = 0, misses = 0, sets = 0, deletes = 0;
  std::uint64_t evictions = 0, expirations = 0, stale_reads = 0;
  std::uint64_t coalesced = 0; // gets that waited for another request's recomputation instead of missing
  double hit_ratio = 0;        // hits / (hits + misses)
};

// One shard of a sharded database over the measured window.
struct ShardResult {
  std::string host;
  std::uint64_t operations = 0; // db_read and db_write that reached the shard
  double share = 0;             // operations / the database's operations
  double utilisation = 0;       // time-average of connections in use / connections
};

// A database's replication (docs/replication.md): per replica, the lag of the writes it applied in the
// measured window (commit at the primary to apply at the replica) and the reads it served; stale reads are
// reads from a replica that returned an older version than the primary had committed by then.
struct ReplicaResult {
  std::string host;
  int shard = 0;             // a sharded database's: the replica's shard, from 1; 0 when unsharded
  std::uint64_t applied = 0; // writes applied in the measured window
  LatencySummary lag;        // of those writes
  std::uint64_t reads = 0;   // db_read answered in the measured window
  std::uint64_t stale_reads = 0;
  // Of those reads, the session guarantees they broke (session_log.hpp), and those
  // that waited for the user's last write (read_from read_your_writes).
  std::uint64_t read_your_writes_violations = 0, monotonic_read_violations = 0;
  std::uint64_t waited_reads = 0;
};
// A failover: the primary's host crashed at `crashed_at` and `new_primary` took writes from `promoted_at`.
// Lost writes: writes acknowledged by the failed primary that the new one never received, one by one.
struct FailoverResult {
  std::string old_primary, new_primary;                      // hosts
  int shard = 0;                                             // a sharded database's: the shard, from 1; 0 otherwise
  double crashed_at = 0, promoted_at = 0, failover_time = 0; // seconds
  std::uint64_t lost_writes = 0;
  std::uint64_t failed_in_gap = 0; // operations the failed primary refused or lost from the crash to the promotion
};
struct ReplicationResult {
  std::string mode; // async, semi_sync, sync
  std::vector<ReplicaResult> replicas;
  std::uint64_t stale_reads = 0; // over every replica
  std::string read_from;         // primary, replicas, read_your_writes, monotonic
  // Over every instance, the primary's reads included (they break monotonic reads after a failover).
  std::uint64_t read_your_writes_violations = 0, monotonic_read_violations = 0;
  std::uint64_t ack_timeouts = 0; // semi_sync writes acknowledged without their k acknowledgements
  // semi_sync with fallback until_caught_up: switches to asynchronous, writes acknowledged at their commit while
  // switched, and the time switched (over every primary, in the measured window).
  std::uint64_t fallbacks = 0, async_writes = 0;
  double async_seconds = 0;
  std::uint64_t lost_writes = 0; // over every failover
  std::vector<FailoverResult> failovers;
};

// An api_server's connection pools (connection_pool.hpp), over its instances and the databases it calls, in the
// measured window. A checkout that waited and got a connection counts in `wait`; one that gave up counts in
// `timeouts` (and fails its request with pool_timeout).
struct ConnectionPoolResult {
  std::uint64_t checkouts = 0; // db_read and db_write that asked for a connection
  std::uint64_t opened = 0;    // connections opened (each paid connect_time)
  std::uint64_t waited = 0;    // checkouts that found every connection in use
  std::uint64_t timeouts = 0;  // of those, the ones that gave up after `timeout`
  double wait_probability = 0; // waited / checkouts
  LatencySummary wait;         // of the waits that got a connection
  double mean_open = 0;        // time-average of open connections, over every instance and pool
};

// An api_server's guarded calls (call steps with a timeout, retries, a retry budget or a breaker:
// docs/protection.md), over its instances, in the measured window. A late reply is one that came after its
// caller gave up: the callee's work was done for nothing.
struct CallsResult {
  std::uint64_t calls = 0;          // guarded call steps started
  std::uint64_t attempts = 0;       // requests sent to the callee, retries included
  std::uint64_t retries = 0;        // attempts after a failed one
  std::uint64_t timeouts = 0;       // attempts given up after `timeout`
  std::uint64_t late_replies = 0;   // replies to attempts given up
  std::uint64_t breaker_open = 0;   // attempts refused by the caller's breaker
  std::uint64_t budget_refused = 0; // retries the retry budget did not allow
};

// A queue service's jobs (docs/queues.md), in the measured window. A job's wait runs from when it joins the queue
// (or rejoins it, redelivered) to its delivery to a consumer.
struct QueueResult {
  std::uint64_t published = 0;    // jobs accepted into the queue
  std::uint64_t rejected = 0;     // published while `capacity` jobs waited: dropped
  std::uint64_t refused = 0;      // published while the broker's host was down: dropped
  std::uint64_t delivered = 0;    // deliveries to a consumer, redeliveries included
  std::uint64_t acknowledged = 0; // jobs a worker finished (failed ones included: they are not retried)
  std::uint64_t failed = 0;       // of those, the ones whose steps failed
  std::uint64_t lost = 0;         // waiting in a non-durable queue when its host crashed
  std::uint64_t redelivered = 0;  // unacknowledged when their worker's or a durable broker's host crashed: requeued
  std::uint64_t waited = 0;       // deliveries that found no free consumer when the job joined the queue
  double wait_probability = 0;    // waited / delivered
  LatencySummary wait;            // time in the queue, per delivery
  double mean_backlog = 0;        // time-average of jobs waiting in the queue
  std::uint64_t backlog_at_end = 0;
  double mean_unacknowledged = 0; // time-average of jobs delivered and not yet acknowledged
};

// A shard added during the run (a sharded database's `reshard`): the keys whose shard changed and the copy of
// their bytes between shards, as scheduled and as sent and received by the end of the run.
struct ReshardingShard {
  std::string host;
  std::uint64_t keys_out = 0, keys_in = 0; // keys of the batches it sent and received
  double bytes_out = 0, bytes_in = 0;
};
struct ReshardingResult {
  std::string host; // the added shard's
  int shards_before = 0, shards_after = 0;
  double at = 0, copied_at = 0;  // seconds: the shard added and the copy started; the last batch copied
  std::uint64_t keys = 0;        // the workload's key count
  std::uint64_t keys_moving = 0; // keys whose shard changed
  double moved_fraction = 0;     // keys_moving / keys
  std::uint64_t keys_moved = 0;  // those whose batch was copied by the end of the run (routed to the new shard)
  std::uint64_t batches = 0;
  double bytes = 0;                          // of the whole copy
  double bytes_sent = 0, bytes_received = 0; // by the end of the run
  std::vector<ReshardingShard> shards;       // in shard order, the added one last
};

// An autoscaled service's instances over the measured window (autoscaling.hpp).
struct AutoscaleResult {
  double mean_running = 0, mean_booting = 0; // time-averages
  int fewest_running = 0, most_running = 0;
  std::uint64_t started = 0, stopped = 0, evaluations = 0;
};

struct ServiceResult {
  std::string name;
  std::string kind; // load_balancer, api_server, database
  int instances = 1;
  int capacity = 0;            // workers or connections over all instances; 0 when unbounded (a balancer)
  std::uint64_t arrived = 0;   // requests that reached the service in the measured window
  std::uint64_t completed = 0; // successful replies sent in the measured window
  std::map<std::string, std::uint64_t> errors; // error replies sent in the window, by cause
  double throughput = 0;                       // completed per second of measured window
  LatencySummary latency;                      // arrival to reply at this service, successful requests
  double mean_in_service = 0;         // time-average of requests holding a worker/connection (or in flight, balancer)
  double utilisation = 0;             // mean_in_service / capacity; 0 for a balancer
  double mean_queue_length = 0;       // time-average of requests waiting for a worker/connection
  std::optional<CacheResult> cache;   // kind cache only
  std::vector<ShardResult> shards;    // a sharded database only, in shard order
  double busiest_shard_over_mean = 0; // the most operations on one shard over the mean per shard; sharded only
  std::optional<ReplicationResult> replication;        // a database with replicas only
  std::optional<ConnectionPoolResult> connection_pool; // an api_server with a connection_pool only
  std::optional<CallsResult> calls;                    // an api_server that made guarded calls only
  std::optional<QueueResult> queue;                    // kind queue only
  std::optional<ReshardingResult> resharding;          // a database with `reshard` only
  std::optional<AutoscaleResult> autoscale;            // an api_server with `autoscale` only
};

struct RequestTypeResult {
  std::string name;
  std::uint64_t sent = 0;      // created in the measured window
  std::uint64_t completed = 0; // completed in the measured window
  std::map<std::string, std::uint64_t> errors;
  double throughput = 0;
  LatencySummary latency; // end to end, as the users see it
};

struct HostResult {
  std::string name;
  int cores = 0;
  double cpu_utilisation = 0; // time-average busy cores / cores
  double disk_utilisation = 0;
};

// One direction of a full-duplex link (from -> to), or a shared link or fat pipe (from and to empty), over
// the measured window. Only links some route crosses are listed.
struct LinkResult {
  std::string name, from, to;
  std::string sharing;  // full_duplex, shared, fatpipe
  double bandwidth = 0; // bytes per second
  double latency = 0;   // seconds
  std::uint64_t messages = 0, bytes = 0;
  double utilisation = 0; // time-average of the fraction of the bandwidth in use
};

// Invariants checked on every run; the numbers are reported so a reader can see how close they are.
struct RunChecks {
  // Whole run: every request the users sent is completed, failed or still in flight at the end.
  std::uint64_t sent = 0, completed = 0, failed = 0, in_flight = 0;
  bool conserved = false;
  // Measured window: L (time-average requests in the system) against X * W (throughput x mean latency
  // of requests finished, successful or not).
  double little_l = 0, little_x = 0, little_w = 0, little_relative_error = 0;
};

// What the topology's hosts cost (their `price` per hour; a host without one counts as free), and what
// that makes per million requests answered successfully in the measured window.
struct CostResult {
  double per_hour = 0;
  std::optional<double> per_million_requests; // none when nothing was answered
};
// None when no host has a price.
std::optional<CostResult> cost_of(const TopologySpec& spec, const RequestTypeResult& total);

// GeoDNS over the measured window (docs/cdn.md): the requests each data centre's entry received, those sent to
// a data centre that was down (misdirected: the client's cached answer outlived it), and those whose client
// found no healthy data centre when it resolved (they fail with no_backend).
struct GeoDnsResult {
  double ttl = 0; // seconds
  struct DataCentre {
    std::string entry;
    std::uint64_t requests = 0, misdirected = 0;
  };
  std::vector<DataCentre> data_centres;
  struct Zone {
    std::string zone;
    std::uint64_t requests = 0;
  };
  std::vector<Zone> zones; // the users' zones, the requests each sent
  std::uint64_t misdirected = 0, unresolved = 0;
};
nlohmann::ordered_json geodns_json(const GeoDnsResult& g);
std::string geodns_table(const GeoDnsResult& g);

struct Results {
  std::string scenario;
  std::uint64_t seed = 0;
  double duration = 0, warmup = 0;      // seconds
  nlohmann::ordered_json configuration; // the resolved topology, defaults filled in
  RequestTypeResult total;              // all request types together ("name" is "all")
  std::vector<RequestTypeResult> requests;
  std::vector<ServiceResult> services;
  std::vector<HostResult> hosts;
  std::vector<LinkResult> links;
  RunChecks checks;
  std::optional<CostResult> cost;
  std::optional<GeoDnsResult> geodns;
};

// One row of timeseries.csv: one series (the workload, or a service) in one interval.
struct TimeseriesRow {
  double time = 0; // start of the interval, seconds
  std::string series;
  std::uint64_t completed = 0, errors = 0;
  double throughput = 0, latency_mean = 0; // per second; seconds
  // The users' row of a watched run only (scalelab run --stream): the answers' median and 99th percentile in the
  // interval, seconds; -1 otherwise (not in timeseries.csv).
  double latency_p50 = -1, latency_p99 = -1;
  // The users' row of a watched run only: the interval's failed answers by cause ("queue_full", "timeout", ...).
  std::map<std::string, std::uint64_t> errors_by_cause;
  double mean_in_service = 0, mean_queue_length = 0;
  // A cache's series only (columns written when the run has a cache).
  std::uint64_t cache_hits = 0, cache_misses = 0, cache_stale_reads = 0;
  // A queue's series only (the column written when the run has a queue): jobs waiting, time-average.
  double queue_backlog = 0;
  // An autoscaled service's series only (the columns written when the run has one): instances running and
  // booting, time-averages; -1 on the other rows.
  double instances = -1, instances_booting = 0;
  // The users' series of a closed population whose number changes (workload.arrival.users with a shape): the
  // users, time-average (the column `users`, written when the run has one); -1 on the other rows.
  double users = -1;
  // A replicated database's series only: each replica's lag, over the writes it applied in the interval (two
  // columns per replica of the run, `lag_mean_ms[SERVICE/HOST]` and `lag_max_ms[SERVICE/HOST]`, empty where it
  // applied none).
  struct ReplicaLag {
    std::string replica; // SERVICE/HOST
    std::uint64_t applied = 0;
    double mean = 0, max = 0; // seconds
  };
  std::vector<ReplicaLag> replica_lags;
};

nlohmann::ordered_json to_json(const Results& r);
nlohmann::ordered_json to_json(const TopologySpec& spec); // the resolved configuration
// with_cache: the cache columns (hits, misses, hit ratio, stale reads) are written; with_queue: the queue_backlog
// column. The replicas' lag columns are written when some row has them, in the order they first appear.
std::string timeseries_csv(const std::vector<TimeseriesRow>& rows, bool with_cache = false, bool with_queue = false);
std::string summary_table(const Results& r); // the terminal table

} // namespace scalelab::models
