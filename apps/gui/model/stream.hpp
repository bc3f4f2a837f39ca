#pragma once
// The lines `scalelab run --stream` prints, one JSON object per report interval, read back in plain values.
// {"time": 3, "end": 4, "series": {"(users)": {"completed": 1480, "errors": 0, "throughput": 1480,
//  "latency_mean": 0.0071, "in_service": 10.4, "queue": 0.0}, "lb": {...}, ...}}
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::gui
{

struct SeriesSample {
  double completed = 0, errors = 0, throughput = 0; // in the interval; throughput per second
  double latency_mean = 0;                          // seconds
  double latency_p50 = -1, latency_p99 = -1;        // the users' only: seconds (-1: not streamed)
  std::map<std::string, double> errors_by_cause;    // the users' only: failed answers in the interval
  double in_service = 0, queue = 0;                 // time-averaged requests in service and waiting
  double backlog = 0;                               // a queue service's jobs waiting
  double cache_hits = 0, cache_misses = 0;          // a cache's
  std::map<std::string, double> replica_lag;        // a replicated database's: seconds, by SERVICE/HOST
};

// Requests sent from one service to another in the interval ("(users)" for the users).
struct EdgeSample {
  std::string from, to;
  double requests = 0;
};

struct IntervalSample {
  double time = 0, end = 0; // seconds
  std::map<std::string, SeriesSample> series;
  std::vector<EdgeSample> edges;
};

// What results.json says of each service at the end of a run, and under "(users)" of all requests (its total).
struct ServiceSummary {
  double throughput = 0, errors = 0; // per second; errors: the count in the measured window
  double latency_mean = 0, latency_p99 = 0;
  double utilisation = 0; // 0 when the service has no capacity (a balancer)
  double queue = 0;       // time-average waiting
  bool has_utilisation = false;
};

// Nothing when the text is not a results.json (error says why).
std::optional<std::map<std::string, ServiceSummary>> read_results_summary(const std::string& json_text,
                                                                          std::string& error);

// Nothing when the line is not such an object (error says why).
std::optional<IntervalSample> parse_stream_line(const std::string& line, std::string& error);

} // namespace scalelab::gui
