#include "sweep_outputs.hpp"

#include "common.hpp"

#include "scalelab/models/sweep_results.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fs = std::filesystem;

namespace scalelab::app
{

using models::ExperimentSpec;
using models::PlotSpec;
using models::Point;
using models::PointSummary;

fs::path point_dir(const fs::path& out, const Point& point)
{
  return out / "points" / point.name;
}

fs::path run_dir(const fs::path& out, const Point& point, int repetition)
{
  return point_dir(out, point) / ("rep-" + std::to_string(repetition));
}

std::string gnuplot_text(const std::string& text)
{
  std::string out = "\"";
  for (char c : text)
    out += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

// Runs gnuplot on script in dir; an empty string when it worked, otherwise why not.
std::string run_gnuplot(const fs::path& dir, const std::string& script)
{
  const fs::path log = dir / (script + ".log");
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return "cannot write " + log.string() + ": " + std::strerror(errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fd, 1);
  posix_spawn_file_actions_adddup2(&actions, fd, 2);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  std::vector<std::string> args = {"gnuplot", script};
  std::vector<char*> argv = {args[0].data(), args[1].data(), nullptr};
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fd);
  if (error != 0) {
    fs::remove(log);
    return error == ENOENT ? "gnuplot is not installed (Debian: apt-get install gnuplot-nox)"
                           : std::string("cannot start gnuplot: ") + std::strerror(error);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::error_code ec;
  const bool quiet = fs::file_size(log, ec) == 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && quiet) {
    fs::remove(log, ec);
    return "";
  }
  return "gnuplot failed on " + (dir / script).string() + "; see " + log.string();
}

namespace
{

// --- reading the runs ----------------------------------------------------------------------------------

std::vector<models::RunRecord> read_runs(const ExperimentSpec& spec, const fs::path& out, CollectSummary& summary)
{
  std::vector<models::RunRecord> runs;
  for (const models::SweepRun& run : models::plan_runs(spec)) {
    ++summary.expected;
    const Point& point = spec.points[run.point];
    const fs::path dir = run_dir(out, point, run.repetition);
    const fs::path file = dir / "results.json";
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      summary.failed += fs::exists(dir.string() + ".failed", ec) ? 1 : 0;
      continue;
    }
    nlohmann::json results;
    try {
      results = nlohmann::json::parse(read_file(file));
    } catch (const std::exception& e) {
      summary.notes.push_back(file.string() + " does not read: " + e.what());
      continue;
    }
    models::RunRecord record;
    record.point = run.point;
    record.repetition = run.repetition;
    record.seed = run.seed;
    for (const auto& m : spec.metrics)
      record.values.push_back(models::metric_value(results, m.path));
    runs.push_back(std::move(record));
  }
  summary.runs = runs.size();
  return runs;
}

// --- numbers for people --------------------------------------------------------------------------------

// Latencies are shown in milliseconds; everything else in its own unit.
struct Display {
  double scale = 1;
  std::string unit;
};

Display display_of_metric(const std::string& path)
{
  const std::string unit = models::metric_unit(path);
  if (unit == "s" && path.find(".latency.") != std::string::npos)
    return {1000, "ms"};
  return {1, unit};
}

std::string label_of(const std::string& path, const std::string& unit)
{
  return unit.empty() ? path : path + " (" + unit + ")";
}

std::string short_number(double value)
{
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

// --- plots ---------------------------------------------------------------------------------------------

struct Line {
  std::string title;
  // x, x low, x high, y, y low, y high (low = high = the mean without an interval)
  std::vector<std::array<double, 6>> rows;
};

const PointSummary* find_summary(const std::vector<PointSummary>& all, std::size_t point, std::size_t metric,
                                 std::size_t metrics)
{
  const std::size_t at = point * metrics + metric;
  return at < all.size() && all[at].point == point && all[at].metric == metric ? &all[at] : nullptr;
}

std::array<double, 3> mean_and_interval(const models::SampleSummary& s, double scale)
{
  return {s.mean * scale, s.low.value_or(s.mean) * scale, s.high.value_or(s.mean) * scale};
}

struct PlotData {
  std::vector<Line> lines;
  std::vector<std::string> categories; // x a parameter with text values: one tic per value
  std::vector<double> ticks;           // x a parameter with a few numbers: a tic at each
};

PlotData plot_data(const ExperimentSpec& spec, const PlotSpec& plot, const std::vector<PointSummary>& summaries)
{
  PlotData data;
  const std::size_t metrics = spec.metrics.size();
  const std::size_t y = spec.index_of_metric(plot.y);
  const double y_scale = display_of_metric(plot.y).scale;
  std::map<std::vector<std::size_t>, std::size_t> line_of; // the values that tell lines apart -> line
  const auto line_for = [&](const std::vector<std::size_t>& key, const std::string& title) -> Line& {
    const auto it = line_of.find(key);
    if (it != line_of.end())
      return data.lines[it->second];
    line_of[key] = data.lines.size();
    data.lines.push_back(Line{title, {}});
    return data.lines.back();
  };
  const auto value_label = [&spec](std::size_t k, std::size_t v) {
    return spec.parameters[k].short_name + "=" + spec.parameters[k].values[v].text;
  };
  if (!plot.x_is_metric) {
    std::size_t kx = 0;
    while (spec.parameters[kx].path != plot.x)
      ++kx;
    const auto& x_values = spec.parameters[kx].values;
    bool numeric = true;
    for (const auto& v : x_values)
      numeric = numeric && v.number;
    if (!numeric)
      for (const auto& v : x_values)
        data.categories.push_back(v.text);
    else if (x_values.size() <= 12 && !plot.log_x)
      for (const auto& v : x_values)
        data.ticks.push_back(*v.number);
    // The parameters that move with x draw no lines of their own.
    std::vector<bool> with_x(spec.parameters.size(), spec.combine == models::Combine::zip);
    with_x[kx] = true;
    for (const auto& group : spec.zip_groups)
      if (std::find(group.begin(), group.end(), kx) != group.end())
        for (std::size_t k : group)
          with_x[k] = true;
    std::vector<std::pair<double, std::pair<std::size_t, std::array<double, 6>>>> rows; // x, (line, row)
    for (std::size_t p = 0; p < spec.points.size(); ++p) {
      const Point& point = spec.points[p];
      const PointSummary* s = find_summary(summaries, p, y, metrics);
      if (!s || s->sample.n == 0)
        continue;
      std::vector<std::size_t> key;
      std::string title;
      for (std::size_t k = 0; k < spec.parameters.size(); ++k)
        if (!with_x[k]) {
          key.push_back(point.values[k]);
          title += (title.empty() ? "" : ", ") + value_label(k, point.values[k]);
        }
      Line& line = line_for(key, title);
      const double x = numeric ? *x_values[point.values[kx]].number : static_cast<double>(point.values[kx]);
      const auto m = mean_and_interval(s->sample, y_scale);
      line.rows.push_back({x, x, x, m[0], m[1], m[2]});
    }
    for (Line& line : data.lines)
      std::stable_sort(line.rows.begin(), line.rows.end(), [](const auto& a, const auto& b) { return a[0] < b[0]; });
    return data;
  }
  const std::size_t xm = spec.index_of_metric(plot.x);
  const double x_scale = display_of_metric(plot.x).scale;
  std::optional<std::size_t> series;
  for (std::size_t k = 0; k < spec.parameters.size(); ++k)
    if (spec.parameters[k].path == plot.series)
      series = k;
  for (std::size_t p = 0; p < spec.points.size(); ++p) {
    const PointSummary* sx = find_summary(summaries, p, xm, metrics);
    const PointSummary* sy = find_summary(summaries, p, y, metrics);
    if (!sx || !sy || sx->sample.n == 0 || sy->sample.n == 0)
      continue;
    const std::size_t v = series ? spec.points[p].values[*series] : 0;
    Line& line = line_for({v}, series ? value_label(*series, v) : "");
    const auto mx = mean_and_interval(sx->sample, x_scale);
    const auto my = mean_and_interval(sy->sample, y_scale);
    line.rows.push_back({mx[0], mx[1], mx[2], my[0], my[1], my[2]});
  }
  return data;
}

std::string plot_title(const ExperimentSpec& spec, const PlotSpec& plot)
{
  if (!plot.title.empty())
    return plot.title;
  const auto name = [&spec](const std::string& path) {
    const auto* p = spec.find_parameter(path);
    return p ? p->short_name : path;
  };
  return name(plot.y) + " by " + name(plot.x);
}

std::string x_label(const ExperimentSpec& spec, const PlotSpec& plot)
{
  if (plot.x_is_metric)
    return label_of(plot.x, display_of_metric(plot.x).unit);
  return label_of(plot.x, spec.find_parameter(plot.x)->unit);
}

std::string gnuplot_script(const ExperimentSpec& spec, const PlotSpec& plot, const PlotData& data)
{
  std::string s;
  s += "# " + plot_title(spec, plot) + ": drawn by scalelab sweep collect from " + plot.name + ".dat\n";
  s += "set terminal pngcairo size 900,560 font \"sans,11\" noenhanced\n";
  s += "set output '" + plot.name + ".png'\n";
  s += "set title " + gnuplot_text(plot_title(spec, plot)) + "\n";
  s += "set xlabel " + gnuplot_text(x_label(spec, plot)) + "\n";
  s += "set ylabel " + gnuplot_text(label_of(plot.y, display_of_metric(plot.y).unit)) + "\n";
  s += "set grid\nset key outside right top\n";
  // Some room around the points, but on a logarithmic axis, which autoscales to whole decades already.
  s += std::string("set offsets ") + (plot.log_x ? "0, 0, " : "graph 0.03, graph 0.03, ") +
       (plot.log_y ? "0, 0\n" : "graph 0.05, 0\n");
  s += "set style line 1 lw 2\n";
  if (plot.log_x)
    s += "set logscale x\n";
  if (plot.log_y)
    s += "set logscale y\n";
  else
    s += "set yrange [0:*]\n";
  if (!data.ticks.empty()) {
    s += "set xtics (";
    for (std::size_t i = 0; i < data.ticks.size(); ++i)
      s += (i ? ", " : "") + models::shortest_number(data.ticks[i]);
    s += ")\n";
  }
  if (!data.categories.empty()) {
    s += "set xtics (";
    for (std::size_t i = 0; i < data.categories.size(); ++i)
      s += (i ? ", " : "") + gnuplot_text(data.categories[i]) + " " + std::to_string(i);
    s += ")\nset xrange [-0.5:" + std::to_string(data.categories.size()) + "-0.5]\n";
  }
  std::string plot_command = "plot ";
  for (std::size_t i = 0; i < data.lines.size(); ++i) {
    const std::string title = data.lines[i].title.empty() ? "notitle" : "title " + gnuplot_text(data.lines[i].title);
    plot_command += (i ? ", \\\n     " : "") + std::string("'" + plot.name + ".dat' index ") + std::to_string(i) +
                    (plot.x_is_metric ? " using 1:4:2:3:5:6 with xyerrorlines pt 7 ps 0.8 lw 2 "
                                      : " using 1:4:5:6 with yerrorlines pt 7 ps 0.8 lw 2 ") +
                    title;
  }
  if (data.lines.empty())
    plot_command += "NaN notitle";
  s += plot_command + "\n";
  s += "set terminal svg size 900,560 font \"sans,11\" noenhanced\n";
  s += "set output '" + plot.name + ".svg'\nreplot\n";
  return s;
}

std::string plot_dat(const PlotData& data)
{
  std::string s = "# x x_low x_high y y_low y_high (95 % confidence interval; low = high = mean with one run)\n";
  for (std::size_t i = 0; i < data.lines.size(); ++i) {
    if (i)
      s += "\n\n";
    s += "# " + (data.lines[i].title.empty() ? "all points" : data.lines[i].title) + "\n";
    for (const auto& r : data.lines[i].rows) {
      for (std::size_t c = 0; c < r.size(); ++c)
        s += (c ? " " : "") + models::shortest_number(r[c]);
      s += "\n";
    }
  }
  return s;
}

// --- the report ----------------------------------------------------------------------------------------

std::string html_escape(const std::string& text)
{
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string markdown_cell(const std::string& text)
{
  std::string out;
  for (char c : text)
    out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// The table of the report: a row per point, a column per varied key and per metric (mean +- half-width).
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

Table summary_table(const ExperimentSpec& spec, const std::vector<PointSummary>& summaries)
{
  Table t;
  for (const auto& p : spec.parameters)
    t.header.push_back(p.short_name);
  for (const auto& m : spec.metrics)
    t.header.push_back(label_of(m.path, display_of_metric(m.path).unit));
  t.header.push_back("runs");
  for (std::size_t p = 0; p < spec.points.size(); ++p) {
    std::vector<std::string> row;
    for (std::size_t k = 0; k < spec.parameters.size(); ++k)
      row.push_back(spec.parameters[k].values[spec.points[p].values[k]].text);
    std::size_t runs = 0;
    for (std::size_t m = 0; m < spec.metrics.size(); ++m) {
      const PointSummary* s = find_summary(summaries, p, m, spec.metrics.size());
      if (!s || s->sample.n == 0) {
        row.push_back("-");
        continue;
      }
      runs = std::max(runs, s->sample.n);
      const double scale = display_of_metric(spec.metrics[m].path).scale;
      std::string cell = short_number(s->sample.mean * scale);
      if (s->sample.half_width)
        cell += " ± " + short_number(*s->sample.half_width * scale);
      row.push_back(cell);
    }
    row.push_back(std::to_string(runs));
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string varied_text(const ExperimentSpec& spec)
{
  std::string out;
  for (const auto& p : spec.parameters) {
    std::vector<std::string> values;
    for (const auto& v : p.values)
      values.push_back(v.text);
    std::string list;
    for (std::size_t i = 0; i < values.size(); ++i)
      list += (i ? ", " : "") + values[i];
    out += "- `" + p.path + "`: " + list + "\n";
  }
  return out;
}

std::string design_text(const ExperimentSpec& spec)
{
  std::string s = std::to_string(spec.points.size()) + (spec.points.size() == 1 ? " point" : " points");
  if (spec.parameters.size() > 1)
    s += spec.combine == models::Combine::zip ? " (the lists zipped)" : " (every combination";
  if (spec.parameters.size() > 1 && spec.combine == models::Combine::grid) {
    for (const auto& g : spec.zip_groups) {
      std::string names;
      for (std::size_t k : g)
        names += (names.empty() ? "" : " and ") + spec.parameters[k].short_name;
      s += "; " + names + " together";
    }
    s += ")";
  }
  if (!spec.constraint.empty())
    s += " where `" + spec.constraint + "`";
  s += ", " + std::to_string(spec.repetitions) + (spec.repetitions == 1 ? " run" : " runs") + " of each";
  return s;
}

std::string report_markdown(const ExperimentSpec& spec, const Table& table, const CollectSummary& summary,
                            const std::string& command, const std::vector<std::string>& failures)
{
  std::string s = "# " + spec.name + "\n\n";
  if (!spec.description.empty())
    s += spec.description + (spec.description.back() == '\n' ? "" : "\n") + "\n";
  s += "```sh\n" + command + "\n```\n\n";
  s += "Topology: `" + spec.topology_file + "`; " + design_text(spec) +
       ". Runs with results: " + std::to_string(summary.runs) + " of " + std::to_string(summary.expected) + ".\n\n";
  if (!spec.parameters.empty())
    s += "Varied:\n\n" + varied_text(spec) + "\n";
  if (!spec.set.empty()) {
    s += "Set at every point:\n\n";
    for (const auto& o : spec.set)
      s += "- `" + o.path + "`: " + o.text + "\n";
    s += "\n";
  }
  s += "## Results\n\nMean ± half-width of the 95 % confidence interval (Student's t) over the runs of each point; "
       "every figure is in summary.csv, every run in runs.csv.\n\n|";
  for (const auto& h : table.header)
    s += " " + markdown_cell(h) + " |";
  s += "\n|";
  for (std::size_t i = 0; i < table.header.size(); ++i)
    s += "---|";
  s += "\n";
  for (const auto& row : table.rows) {
    s += "|";
    for (const auto& c : row)
      s += " " + markdown_cell(c) + " |";
    s += "\n";
  }
  if (!spec.plots.empty()) {
    s += "\n## Plots\n\n";
    for (const auto& p : spec.plots)
      s += "![" + plot_title(spec, p) + "](plots/" + p.name + ".png)\n\n";
  }
  if (!failures.empty()) {
    s += "\n## Failed runs\n\n";
    for (const auto& f : failures)
      s += "- " + f + "\n";
  }
  return s;
}

std::string report_html(const ExperimentSpec& spec, const Table& table, const CollectSummary& summary,
                        const std::string& command, const std::vector<std::string>& failures, const fs::path& plots)
{
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                  html_escape(spec.name) +
                  "</title>\n<style>\n"
                  "body { font-family: sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em; }\n"
                  "table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; "
                  "text-align: right; }\n"
                  "pre { background: #f4f4f4; padding: 0.5em; } svg { max-width: 100%; height: auto; }\n"
                  "</style>\n</head>\n<body>\n<h1>" +
                  html_escape(spec.name) + "</h1>\n";
  std::istringstream description(spec.description);
  std::string paragraph, line;
  const auto flush = [&]() {
    if (!paragraph.empty())
      s += "<p>" + html_escape(paragraph) + "</p>\n";
    paragraph.clear();
  };
  while (std::getline(description, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos)
      flush();
    else
      paragraph += (paragraph.empty() ? "" : " ") + line;
  }
  flush();
  s += "<pre>" + html_escape(command) + "</pre>\n";
  s += "<p>Topology: <code>" + html_escape(spec.topology_file) + "</code>; " + html_escape(design_text(spec)) +
       ". Runs with results: " + std::to_string(summary.runs) + " of " + std::to_string(summary.expected) + ".</p>\n";
  s += "<h2>Results</h2>\n<p>Mean ± half-width of the 95 % confidence interval (Student's t) over the runs of each "
       "point.</p>\n<table>\n<tr>";
  for (const auto& h : table.header)
    s += "<th>" + html_escape(h) + "</th>";
  s += "</tr>\n";
  for (const auto& row : table.rows) {
    s += "<tr>";
    for (const auto& c : row)
      s += "<td>" + html_escape(c) + "</td>";
    s += "</tr>\n";
  }
  s += "</table>\n";
  if (!spec.plots.empty()) {
    s += "<h2>Plots</h2>\n";
    for (const auto& p : spec.plots) {
      std::error_code ec;
      const fs::path svg = plots / (p.name + ".svg");
      if (!fs::exists(svg, ec))
        continue;
      std::string text = read_file(svg);
      const auto start = text.find("<svg");
      s += "<figure>\n" + (start == std::string::npos ? text : text.substr(start)) + "</figure>\n";
    }
  }
  if (!failures.empty()) {
    s += "<h2>Failed runs</h2>\n<ul>\n";
    for (const auto& f : failures)
      s += "<li>" + html_escape(f) + "</li>\n";
    s += "</ul>\n";
  }
  return s + "</body>\n</html>\n";
}

std::vector<std::string> failed_runs(const ExperimentSpec& spec, const fs::path& out)
{
  std::vector<std::string> list;
  for (const models::SweepRun& run : models::plan_runs(spec)) {
    const fs::path dir = run_dir(out, spec.points[run.point], run.repetition);
    std::error_code ec;
    const fs::path failed = dir.string() + ".failed";
    if (fs::is_regular_file(dir / "results.json", ec) || !fs::exists(failed, ec))
      continue;
    std::ifstream log(failed / "log.txt");
    std::string last, line;
    while (std::getline(log, line))
      if (line.find_first_not_of(" \t\r") != std::string::npos)
        last = line;
    list.push_back(spec.points[run.point].name + " repetition " + std::to_string(run.repetition) +
                   (last.empty() ? "" : ": " + last));
  }
  return list;
}

} // namespace

CollectSummary collect(const ExperimentSpec& spec, const fs::path& out, const std::string& command)
{
  CollectSummary summary;
  const auto runs = read_runs(spec, out, summary);
  const auto summaries = models::summarize_runs(spec, runs);
  write_file_atomically(out / "runs.csv", models::runs_csv(spec, runs));
  write_file_atomically(out / "summary.csv", models::summary_csv(spec, summaries));
  const fs::path plots = out / "plots";
  if (!spec.plots.empty())
    fs::create_directories(plots);
  bool gnuplot_missing = false;
  for (const PlotSpec& plot : spec.plots) {
    const PlotData data = plot_data(spec, plot, summaries);
    write_file_atomically(plots / (plot.name + ".dat"), plot_dat(data));
    write_file_atomically(plots / (plot.name + ".gp"), gnuplot_script(spec, plot, data));
    if (gnuplot_missing)
      continue;
    const std::string problem = run_gnuplot(plots, plot.name + ".gp");
    if (problem.empty()) {
      ++summary.plots;
      continue;
    }
    gnuplot_missing = problem.find("not installed") != std::string::npos;
    summary.notes.push_back(problem);
  }
  const Table table = summary_table(spec, summaries);
  const auto failures = failed_runs(spec, out);
  write_file_atomically(out / "report.md", report_markdown(spec, table, summary, command, failures));
  write_file_atomically(out / "report.html", report_html(spec, table, summary, command, failures, plots));
  summary.summaries = summaries;
  return summary;
}

} // namespace scalelab::app
