#pragma once
// The cache service kind: a key-level cache (cache-aside) on one host. Its operations queue for its
// connections like a database's, cost CPU on the host's cores, and act on the cache's content when they end,
// in time order on the cache's own host. Which entries stay is decided by models::KeyCache (the same code a
// real-mode adapter calls).
#include "components.hpp"
#include "scalelab/models/cache.hpp"
#include "scalelab/models/results.hpp"

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
  void on_fault(SimTime ts, std::uint32_t what) override;

  // After the run: the cache's counts over the measured window, and per timeseries interval.
  models::CacheResult result() const;
  void add_to_series(std::size_t interval, models::TimeseriesRow& row) const;

private:
  void start(SimTime ts, std::uint32_t request) override;
  void count_policy_changes(SimTime ts);
  // Hits whose version a newer committed write had replaced, by interval (computed once, after the run).
  const std::vector<std::uint64_t>& stale_by_interval() const;

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
  mutable std::vector<std::uint64_t> stale_;
  mutable std::uint64_t stale_in_window_ = 0;
  mutable bool stale_counted_ = false;
};

} // namespace scalelab::sim
