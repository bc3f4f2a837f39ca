#pragma once
// The cache service kind: a key-level cache (cache-aside) on one host. Its operations queue for its
// connections like a database's, cost CPU on the host's cores, and act on the cache's content when they end,
// in time order on the cache's own host. Which entries stay is decided by models::KeyCache (the same code a
// real-mode adapter calls).
#include "components.hpp"
#include "scalelab/models/cache.hpp"
#include "scalelab/models/results.hpp"

#include <unordered_map>

namespace scalelab::sim
{

class Cache : public Station
{
public:
  Cache(std::uint32_t service, const models::CacheSpec& spec, double core_speed, std::uint64_t seed,
        const Clock& clock);
  void on_request(SimTime ts, std::uint32_t request) override;
  void on_step_done(SimTime ts, std::uint32_t request, std::uint32_t aux) override;
  // The host crashed: the requests fail as at any station, and the cache restarts empty.
  void on_fault(SimTime ts, const Fault& fault) override;
  // A coalescing wait ran out (aux: the lease).
  void on_tick(SimTime ts, std::uint32_t lease) override;

  // After the run: the cache's counts over the measured window, and per timeseries interval.
  models::CacheResult result() const;
  void add_to_series(std::size_t interval, models::TimeseriesRow& row) const override;

private:
  void start(SimTime ts, std::uint32_t request) override;
  std::uint64_t key_of(const Request& r) const;
  void count_policy_changes(SimTime ts);
  void count_lookup(SimTime ts, const Request& r, bool hit);
  // Answers a get: a hit with the value's version, or a miss.
  void answer_get(SimTime ts, std::uint32_t request, bool hit, std::uint64_t version);
  // Coalescing: true when the get of `request`, a miss, now waits for another request's recomputation.
  bool wait_for_recomputation(SimTime ts, std::uint32_t request);
  // The set of a key being recomputed: its waiters hit, with the version set.
  void release_waiters(SimTime ts, std::uint64_t key, std::uint64_t version);

  const models::CacheSpec& spec_;
  double core_speed_;
  models::KeyCache cache_;
  const Clock& clock_;
  struct Interval {
    std::uint64_t hits = 0, misses = 0;
  };
  std::vector<Interval> intervals_;
  models::CacheResult window_; // but hit_ratio and stale_reads, derived after the run
  std::uint64_t evictions_seen_ = 0, expirations_seen_ = 0;
  // Every hit before the end, for the stale-read count after the run (when versions are kept).
  struct Hit {
    SimTime at;
    std::uint64_t key;
    std::uint32_t version;
    std::uint16_t source;
  };
  std::vector<Hit> hits_;
  bool hits_in_order_ = true;
  // A hit whose version a newer committed write had replaced; counted over the window and per interval.
  bool replaced(const Hit& hit) const;
  std::uint64_t stale_in_window() const;
  std::uint64_t stale_in_interval(std::size_t interval) const;
  // Coalescing: the keys being recomputed (by the request that missed first), with the gets waiting for them.
  struct Lease {
    std::uint32_t id = 0;
    std::vector<std::uint32_t> waiters;
  };
  std::unordered_map<std::uint64_t, Lease> leases_;
  std::unordered_map<std::uint32_t, std::uint64_t> lease_keys_; // lease id -> key, while it lasts
  std::uint32_t next_lease_ = 0;
};

} // namespace scalelab::sim
