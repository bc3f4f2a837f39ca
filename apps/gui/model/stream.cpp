#include "stream.hpp"

#include <nlohmann/json.hpp>

namespace scalelab::gui
{

std::optional<IntervalSample> parse_stream_line(const std::string& line, std::string& error)
{
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("time") || !j.contains("series") || !j["series"].is_object()) {
    error = "not a stream line: " + line.substr(0, 80);
    return std::nullopt;
  }
  IntervalSample out;
  out.time = j.value("time", 0.0);
  out.end = j.value("end", out.time);
  for (const auto& [name, s] : j["series"].items()) {
    SeriesSample v;
    v.completed = s.value("completed", 0.0);
    v.errors = s.value("errors", 0.0);
    v.throughput = s.value("throughput", 0.0);
    v.latency_mean = s.value("latency_mean", 0.0);
    v.latency_p50 = s.value("latency_p50", -1.0);
    v.latency_p99 = s.value("latency_p99", -1.0);
    if (s.contains("errors_by_cause") && s["errors_by_cause"].is_object())
      for (const auto& [cause, n] : s["errors_by_cause"].items())
        if (n.is_number())
          v.errors_by_cause[cause] = n.get<double>();
    v.in_service = s.value("in_service", 0.0);
    v.queue = s.value("queue", 0.0);
    v.backlog = s.value("backlog", 0.0);
    v.cache_hits = s.value("cache_hits", 0.0);
    v.cache_misses = s.value("cache_misses", 0.0);
    if (s.contains("replica_lag") && s["replica_lag"].is_object())
      for (const auto& [replica, lag] : s["replica_lag"].items())
        if (lag.is_number())
          v.replica_lag[replica] = lag.get<double>();
    out.series[name] = v;
  }
  if (j.contains("edges") && j["edges"].is_array())
    for (const auto& e : j["edges"])
      if (e.is_array() && e.size() == 3 && e[0].is_string() && e[1].is_string() && e[2].is_number())
        out.edges.push_back({e[0].get<std::string>(), e[1].get<std::string>(), e[2].get<double>()});
  return out;
}

namespace
{
double error_count(const nlohmann::json& errors)
{
  double n = 0;
  if (errors.is_object())
    for (const auto& [cause, count] : errors.items()) {
      (void)cause;
      if (count.is_number())
        n += count.get<double>();
    }
  return n;
}
} // namespace

std::optional<std::map<std::string, ServiceSummary>> read_results_summary(const std::string& json_text,
                                                                          std::string& error)
{
  const auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("services") || !j["services"].is_array()) {
    error = "not a results.json";
    return std::nullopt;
  }
  std::map<std::string, ServiceSummary> out;
  auto summary = [](const nlohmann::json& s) {
    ServiceSummary v;
    v.throughput = s.value("throughput", 0.0);
    v.errors = error_count(s.value("errors", nlohmann::json::object()));
    if (s.contains("latency") && s["latency"].is_object()) {
      v.latency_mean = s["latency"].value("mean", 0.0);
      v.latency_p99 = s["latency"].value("p99", 0.0);
    }
    v.has_utilisation = s.value("capacity", 0) > 0;
    v.utilisation = s.value("utilisation", 0.0);
    v.queue = s.value("mean_queue_length", 0.0);
    return v;
  };
  for (const auto& s : j["services"])
    if (s.is_object())
      out[s.value("name", "")] = summary(s);
  if (j.contains("total") && j["total"].is_object())
    out["(users)"] = summary(j["total"]);
  return out;
}

} // namespace scalelab::gui
