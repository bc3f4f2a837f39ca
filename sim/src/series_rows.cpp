#include "series_rows.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>

namespace scalelab::sim
{

SeriesRows::SeriesRows(World& world, const LevelIntegral* population)
    : world_(world), in_system_(&world.in_system), population_(population), has_population_(population != nullptr)
{
  for (const auto& s : world.service_stats) {
    in_service_.emplace_back(&s.in_service);
    queued_.emplace_back(&s.queued);
  }
}

models::TimeseriesRow SeriesRows::row(std::size_t i, const std::string& name, const OutcomeStats& outcome) const
{
  const Clock& clock = world_.clock;
  const SimTime start = static_cast<SimTime>(i) * clock.interval;
  const double width = models::to_seconds(std::min(start + clock.interval, clock.end) - start);
  const auto& counts = outcome.per_interval_[i];
  models::TimeseriesRow r;
  r.time = models::to_seconds(start);
  r.series = name;
  r.completed = counts.completed;
  r.errors = counts.errors;
  r.throughput = width > 0 ? static_cast<double>(counts.completed) / width : 0;
  r.latency_mean = counts.completed ? static_cast<double>(counts.latency_sum) * 1e-9 / counts.completed : 0;
  return r;
}

std::vector<models::TimeseriesRow> SeriesRows::rows_of(std::size_t i)
{
  std::vector<models::TimeseriesRow> rows;
  rows.reserve(1 + world_.spec.services.size());
  auto& users = rows.emplace_back(row(i, kUsersSeries, world_.all_requests));
  users.mean_in_service = in_system_.mean(i);
  if (world_.users_latencies) {
    std::tie(users.latency_p50, users.latency_p99) = world_.users_latencies->quantiles(i);
    const auto& failures = world_.users_latencies->failures(i);
    for (std::size_t c = 0; c < failures.size(); ++c)
      if (failures[c] > 0)
        users.errors_by_cause[cause_name(static_cast<Cause>(c))] = failures[c];
  }
  if (has_population_)
    users.users = population_.mean(i);
  for (std::size_t s = 0; s < world_.spec.services.size(); ++s) {
    auto& r = rows.emplace_back(row(i, world_.spec.services[s].name, world_.service_stats[s].outcome));
    r.mean_in_service = in_service_[s].mean(i);
    r.mean_queue_length = queued_[s].mean(i);
    for (const std::uint32_t instance : world_.service_instances[s])
      world_.components[instance]->add_to_series(i, r);
  }
  return rows;
}

std::vector<models::TimeseriesRow> SeriesRows::all()
{
  std::vector<models::TimeseriesRow> rows;
  for (std::size_t i = 0; i < world_.clock.interval_count(); ++i) {
    auto interval = rows_of(i);
    std::move(interval.begin(), interval.end(), std::back_inserter(rows));
  }
  return rows;
}

} // namespace scalelab::sim
