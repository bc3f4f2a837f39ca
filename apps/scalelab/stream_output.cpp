#include "stream_output.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace scalelab::cli
{

std::vector<std::string> stream_lines(const std::vector<models::TimeseriesRow>& rows, double interval, double end_time)
{
  std::vector<std::string> lines;
  std::size_t i = 0;
  while (i < rows.size()) {
    const double time = rows[i].time;
    nlohmann::ordered_json series = nlohmann::ordered_json::object();
    for (; i < rows.size() && rows[i].time == time; ++i) {
      const auto& r = rows[i];
      nlohmann::ordered_json s{{"completed", r.completed},        {"errors", r.errors},
                               {"throughput", r.throughput},      {"latency_mean", r.latency_mean},
                               {"in_service", r.mean_in_service}, {"queue", r.mean_queue_length}};
      if (r.cache_hits > 0 || r.cache_misses > 0) {
        s["cache_hits"] = r.cache_hits;
        s["cache_misses"] = r.cache_misses;
      }
      if (r.queue_backlog > 0)
        s["backlog"] = r.queue_backlog;
      if (r.users >= 0) // a closed population with a shape: its users
        s["users"] = r.users;
      series[r.series] = std::move(s);
    }
    const nlohmann::ordered_json line{
        {"time", time}, {"end", std::min(time + interval, end_time)}, {"series", std::move(series)}};
    lines.push_back(line.dump());
  }
  return lines;
}

} // namespace scalelab::cli
