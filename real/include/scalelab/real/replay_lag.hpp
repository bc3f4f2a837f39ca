#pragma once
// The replicas' lag on the live stack (docs/validation.md#replication-lag): PostgreSQL's own figure, sampled on each
// primary with replicas. pg_stat_replication.replay_lag is, for the most recent WAL position a replica reported as
// applied, the time from its flush on the primary to the primary's receipt of that report: a commit's lag to the
// replica's apply, plus the report's way back (a loopback round trip here).
#include "scalelab/real/postgres.hpp"
#include "scalelab/real/stack.hpp"

#include <string>
#include <vector>

namespace scalelab::real
{

// Mean, 99th percentile (nearest rank: the value at rank ceil(0.99 n), as models::Histogram's) and largest of the
// samples taken, seconds; samples = 0 when none was (no write, or no replica answered).
struct LagSummary {
  double mean = 0;
  double p99 = 0;
  double max = 0;
  std::size_t samples = 0;
};
LagSummary summarise_lags(std::vector<double> samples);
// The value at rank ceil(q n) of the sorted samples (nearest rank); 0 when there is none.
double nearest_rank(const std::vector<double>& sorted, double q);

class ReplayLagSampler
{
public:
  explicit ReplayLagSampler(const Stack& stack); // the primaries with replicas of the stack; connects on first sample
  ReplayLagSampler(const ReplayLagSampler&) = delete;
  ReplayLagSampler& operator=(const ReplayLagSampler&) = delete;
  bool empty() const { return primaries_.empty(); }
  // One sample per replica that has a lag (PostgreSQL shows none once a replica has caught up and stayed idle).
  void sample();
  void clear() { samples_.clear(); }
  LagSummary summary() const { return summarise_lags(samples_); }
  const std::string& error() const { return error_; } // the first failure to connect or query; empty: none

private:
  std::vector<Endpoint> primaries_;
  PgSessions sessions_;
  std::vector<double> samples_;
  std::string error_;
};

} // namespace scalelab::real
