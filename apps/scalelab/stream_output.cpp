#include "stream_output.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace scalelab::cli
{

std::string stream_line(const sim::IntervalReport& report, double interval, double end_time)
{
  const auto& rows = report.rows;
  const double time = rows.empty() ? 0 : rows.front().time;
  nlohmann::ordered_json series = nlohmann::ordered_json::object();
  for (const auto& r : rows) {
    nlohmann::ordered_json s{{"completed", r.completed},        {"errors", r.errors},
                             {"throughput", r.throughput},      {"latency_mean", r.latency_mean},
                             {"in_service", r.mean_in_service}, {"queue", r.mean_queue_length}};
    if (r.cache_hits > 0 || r.cache_misses > 0) {
      s["cache_hits"] = r.cache_hits;
      s["cache_misses"] = r.cache_misses;
    }
    if (r.queue_backlog > 0)
      s["backlog"] = r.queue_backlog;
    if (r.latency_p50 >= 0) { // the users' answers in the interval
      s["latency_p50"] = r.latency_p50;
      s["latency_p99"] = r.latency_p99;
    }
    if (!r.errors_by_cause.empty())
      s["errors_by_cause"] = r.errors_by_cause;
    if (r.users >= 0) // a closed population with a shape: its users
      s["users"] = r.users;
    if (r.instances >= 0) // an autoscaled service: its instances running
      s["instances"] = r.instances;
    nlohmann::ordered_json lags = nlohmann::ordered_json::object();
    for (const auto& lag : r.replica_lags)
      if (lag.applied > 0)
        lags[lag.replica] = lag.mean;
    if (!lags.empty()) // a replicated database: each replica's mean lag over the writes it applied
      s["replica_lag"] = std::move(lags);
    series[r.series] = std::move(s);
  }
  nlohmann::ordered_json edges = nlohmann::ordered_json::array();
  for (const auto& e : report.edges)
    edges.push_back({e.from, e.to, e.requests});
  const nlohmann::ordered_json line{{"time", time},
                                    {"end", std::min(time + interval, end_time)},
                                    {"series", std::move(series)},
                                    {"edges", std::move(edges)}};
  return line.dump();
}

} // namespace scalelab::cli
