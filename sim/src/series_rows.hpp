#pragma once
// The rows of the time series (timeseries.csv, `scalelab run --stream`), one interval at a time in increasing
// order: streamed during the run as each interval ends, and the whole series after it, by the same code.
#include "stats.hpp"
#include "world.hpp"

#include "scalelab/models/results.hpp"
#include "scalelab/models/spec.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace scalelab::sim
{

// The users as a whole, in timeseries.csv and as a random stream: not a valid service name, so no clash.
inline constexpr const char* kUsersSeries = "(users)";

class SeriesRows
{
public:
  // population: a closed population whose users change (null: none).
  SeriesRows(World& world, const LevelIntegral* population);
  // Interval i's rows: the users', then each service's in the file's order. Final once every event before the
  // interval's end has been handled; asking for an earlier interval than the last reads from the start again.
  std::vector<models::TimeseriesRow> rows_of(std::size_t i);
  // Every interval's, in time order.
  std::vector<models::TimeseriesRow> all();

private:
  models::TimeseriesRow row(std::size_t i, const std::string& name, const OutcomeStats& outcome) const;

  World& world_; // the users' latencies of a watched run are closed as their rows are read
  LevelCursor in_system_, population_;
  bool has_population_;
  std::vector<LevelCursor> in_service_, queued_; // by service
};

} // namespace scalelab::sim
