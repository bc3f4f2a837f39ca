#include "validate_report.hpp"

#include <cstdio>
#include <sstream>

namespace scalelab::app
{

namespace
{

// The replicas' lag of a simulation's results: the mean over every replica of every database, weighted by the
// writes each applied in the measured window.
std::optional<double> simulated_lag(const nlohmann::ordered_json& results)
{
  if (!results.contains("services"))
    return std::nullopt;
  double weighted = 0, applied = 0;
  bool any = false;
  for (const auto& service : results.at("services")) {
    if (!service.is_object() || !service.contains("replication") || !service["replication"].is_object())
      continue;
    for (const auto& replica : service["replication"].value("replicas", nlohmann::ordered_json::array())) {
      const double n = replica.value("applied", 0.0);
      if (n <= 0 || !replica.contains("lag"))
        continue;
      any = true;
      weighted += n * replica["lag"].value("mean", 0.0);
      applied += n;
    }
  }
  return any ? std::optional<double>(weighted / applied) : std::nullopt;
}

std::string error_percent(double simulated, double live)
{
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f%%", relative_error(simulated, live) * 100);
  return text;
}

nlohmann::ordered_json figures_json(const ValidationFigures& f)
{
  nlohmann::ordered_json j{
      {"throughput", f.throughput}, {"mean", f.mean}, {"p50", f.p50}, {"p95", f.p95}, {"p99", f.p99}};
  if (f.lag)
    j["lag"] = *f.lag;
  return j;
}

} // namespace

ValidationFigures validation_figures(const nlohmann::ordered_json& results)
{
  ValidationFigures f;
  const auto& t = results.at("total");
  f.throughput = t.value("throughput", 0.0);
  const auto& l = t.at("latency");
  f.mean = l.value("mean", 0.0);
  f.p50 = l.value("p50", 0.0);
  f.p95 = l.value("p95", 0.0);
  f.p99 = l.value("p99", 0.0);
  for (const auto& [cause, n] : t.at("errors").items())
    f.errors += n.get<double>();
  const auto real = results.find("real");
  if (real != results.end() && real->contains("replication_lag")) {
    const auto& lag = (*real)["replication_lag"];
    if (lag.value("samples", 0) > 0)
      f.lag = lag.value("mean", 0.0);
  } else {
    f.lag = simulated_lag(results);
  }
  return f;
}

double relative_error(double simulated, double live)
{
  return live > 0 ? simulated / live - 1 : 0.0;
}

nlohmann::ordered_json validation_row(double level, double rate, int repetition, const ValidationFigures& simulated,
                                      const ValidationFigures& live, const nlohmann::ordered_json& live_results)
{
  auto live_json = figures_json(live);
  live_json["errors"] = live.errors;
  nlohmann::ordered_json row{{"level", level},
                             {"rate", rate},
                             {"repetition", repetition},
                             {"simulated", figures_json(simulated)},
                             {"live", live_json}};
  nlohmann::ordered_json error{{"throughput", relative_error(simulated.throughput, live.throughput)},
                               {"mean", relative_error(simulated.mean, live.mean)},
                               {"p50", relative_error(simulated.p50, live.p50)},
                               {"p95", relative_error(simulated.p95, live.p95)},
                               {"p99", relative_error(simulated.p99, live.p99)}};
  if (simulated.lag && live.lag)
    error["lag"] = relative_error(*simulated.lag, *live.lag);
  row["error"] = error;
  const auto real = live_results.find("real");
  const bool has_real = real != live_results.end() && real->is_object();
  row["send_lag_flagged"] = has_real && real->value("send_lag_flagged", false);
  row["loadavg_1m"] = has_real && real->contains("machine") ? (*real)["machine"].value("loadavg_1m", 0.0) : 0.0;
  return row;
}

std::string validation_table(const nlohmann::ordered_json& rows)
{
  bool with_lag = false;
  for (const auto& r : rows)
    with_lag = with_lag || r["simulated"].contains("lag") || r["live"].contains("lag");
  std::ostringstream table;
  char line[400];
  std::snprintf(line, sizeof line, "| %5s | %8s | %21s | %21s | %21s | %21s | %21s |", "load", "rate/s",
                "throughput sim/live", "mean ms sim/live", "p50 ms sim/live", "p95 ms sim/live", "p99 ms sim/live");
  table << line
        << (with_lag ? "     lag ms sim/live |\n|---|---|---|---|---|---|---|---|\n"
                     : "\n|---|---|---|---|---|---|---|\n");
  for (const auto& r : rows) {
    const auto& s = r["simulated"];
    const auto& l = r["live"];
    auto cell = [&](const char* key, double scale) -> std::string {
      if (!s.contains(key) || !l.contains(key))
        return "-";
      char c[96];
      std::snprintf(c, sizeof c, "%.2f/%.2f %s", s.value(key, 0.0) * scale, l.value(key, 0.0) * scale,
                    error_percent(s.value(key, 0.0), l.value(key, 0.0)).c_str());
      return c;
    };
    std::snprintf(line, sizeof line, "| %4.0f%% | %8.1f | %21s | %21s | %21s | %21s | %21s |", r.value("level", 0.0),
                  r.value("rate", 0.0), cell("throughput", 1).c_str(), cell("mean", 1e3).c_str(),
                  cell("p50", 1e3).c_str(), cell("p95", 1e3).c_str(), cell("p99", 1e3).c_str());
    table << line;
    if (with_lag) {
      std::snprintf(line, sizeof line, " %20s |", cell("lag", 1e3).c_str());
      table << line;
    }
    table << (r.value("send_lag_flagged", false) ? " send lag flagged\n" : "\n");
  }
  return table.str();
}

std::string validation_plot_dat(const nlohmann::ordered_json& rows)
{
  std::string s = "# level(%) error(%): throughput p50 p95 p99 lag (simulated / live - 1; NaN: none)\n";
  for (const auto& r : rows) {
    const auto& e = r["error"];
    char line[200];
    std::snprintf(line, sizeof line, "%g", r.value("level", 0.0));
    s += line;
    for (const char* key : {"throughput", "p50", "p95", "p99", "lag"}) {
      if (e.contains(key))
        std::snprintf(line, sizeof line, " %.3f", e[key].get<double>() * 100);
      s += e.contains(key) ? line : " NaN";
    }
    s += "\n";
  }
  return s;
}

std::string validation_plot_script(const std::string& dat, const std::string& png, bool with_lag)
{
  std::string s = "# The error of the simulation by load level: drawn by scalelab real validate from " + dat + "\n";
  s += "set terminal pngcairo size 900,560 font \"sans,11\" noenhanced\n";
  s += "set output '" + png + "'\n";
  s += "set title \"Error of the simulation (simulated / live - 1)\"\n";
  s += "set xlabel \"load (% of the calibrated simulation's saturation)\"\n";
  s += "set ylabel \"error (%)\"\n";
  s += "set grid\nset key outside right top\nset xrange [0:100]\nset offsets 0, 0, graph 0.05, graph 0.05\n";
  s += "set xzeroaxis lt -1\nset datafile missing \"NaN\"\n";
  const char* names[] = {"throughput", "p50", "p95", "p99", "replication lag"};
  const int count = with_lag ? 5 : 4;
  std::string plot = "plot ";
  for (int i = 0; i < count; ++i)
    plot += (i ? ", \\\n     " : "") + std::string("'") + dat + "' using 1:" + std::to_string(i + 2) +
            " with linespoints pt 7 ps 0.8 lw 2 title \"" + names[i] + "\"";
  return s + plot + "\n";
}

} // namespace scalelab::app
