#pragma once
// `scalelab run --stream`: the time series as JSON lines, one per report interval, for a program that watches
// the run (scalelab-gui).
#include "scalelab/sim/simulation.hpp"

#include <string>
#include <vector>

namespace scalelab::cli
{

// The line of one interval's rows: {"time": START, "end": END, "series": {NAME: {...}, ...}} with, per series,
// the columns of timeseries.csv (completed, errors, throughput, latency_mean, in_service, queue, and cache_hits,
// cache_misses, backlog, users, instances where the series has them, and replica_lag: {SERVICE/HOST: mean
// seconds} for the replicas that applied writes in the interval), then "edges": [[FROM, TO, REQUESTS], ...], the
// requests sent from service to service in the interval ("(users)" for the users). end_time closes the last
// interval.
std::string stream_line(const sim::IntervalReport& report, double interval, double end_time);

} // namespace scalelab::cli
