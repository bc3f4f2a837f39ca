// The experiment file format, declared once: reading, the error messages and docs/experiment-reference.md
// all come from these tables (the same machinery as the topology's, schema.hpp). What refers to the
// topology (the paths of vary and set, the metrics' names) is checked by experiment_loader.cpp.
#include "schema_experiment.hpp"
#include "schema_topology.hpp"

#include "scalelab/models/limits.hpp"
#include "scalelab/models/sweep_results.hpp"

namespace scalelab::models::schema
{
namespace
{

Type<Written> written_type(const std::string& what)
{
  Type<Written> type;
  type.name = "text";
  type.read = [what](Context& ctx, const Site& site) -> std::optional<Written> {
    auto text = read_scalar(ctx, site, what);
    if (!text)
      return std::nullopt;
    if (text->empty()) {
      report_expected(ctx, site, what);
      return std::nullopt;
    }
    return Written{*text, site.mark};
  };
  return type;
}

Type<std::vector<Written>> written_list(const std::string& what)
{
  Type<std::vector<Written>> type;
  type.name = "list of texts";
  type.read = [what](Context& ctx, const Site& site) -> std::optional<std::vector<Written>> {
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a list of " + what + "s");
      return std::nullopt;
    }
    std::vector<Written> out;
    bool ok = true;
    for (const auto& node : site.value) {
      auto item = written_type(what).read(ctx, Site{node, node.IsNull() ? site.mark : node.Mark(), site.label});
      if (item)
        out.push_back(std::move(*item));
      ok = ok && item;
    }
    if (!ok)
      return std::nullopt;
    return out;
  };
  return type;
}

class Tables
{
public:
  Tables();
  Tables(const Tables&) = delete;
  Tables& operator=(const Tables&) = delete;

  Record<RangeRaw> range;
  Record<PlotRaw> plot;
  Record<ExperimentRaw> top;

private:
  void declare_range();
  void declare_plot();
  void declare_top();
  Type<std::vector<ParameterRaw>> vary_type() const;
  static Type<std::vector<OverrideRaw>> set_type();
  static Type<std::vector<std::vector<Written>>> zip_type();
  Type<std::vector<PlotRaw>> plots_type() const;
};

const Tables& tables()
{
  static const Tables instance;
  return instance;
}

Tables::Tables()
{
  declare_range();
  declare_plot();
  declare_top();
}

// `vary.PATH` as a range: {from, to, steps, scale}.
void Tables::declare_range()
{
  range.title = "`vary.PATH` as a range";
  range.help = "Evenly spaced values from `from` to `to`, both included: `{from: 500/s, to: 5000/s, steps: 10}`. "
               "The values are written in the unit of `from` (1000/s, 1500/s, ...).";
  range.fields = {
      field<RangeRaw>("from", written_type("a number, with or without a unit"),
                      [](RangeRaw& r, Written&& w) { r.from = std::move(w); })
          .required()
          .help("The first value: a number, or a number with a unit of the topology files (500/s, 10ms, 4KB)."),
      field<RangeRaw>("to", written_type("a number, with or without a unit"),
                      [](RangeRaw& r, Written&& w) { r.to = std::move(w); })
          .required()
          .help("The last value, of the same kind as `from`."),
      field<RangeRaw>("steps", integer_type<int>(), &RangeRaw::steps)
          .required()
          .check(at_least(2))
          .check({"at most 10000", [](const int& n) { return n <= 10000; }})
          .unit("values")
          .help("How many values, `from` and `to` included."),
      field<RangeRaw>("scale",
                      enum_type<bool>("scale", {{"linear", false, "equal differences"},
                                                {"log", true, "equal ratios (from and to above 0)"}}),
                      &RangeRaw::log)
          .defaults("linear")
          .help("How the values are spaced."),
  };
}

// `vary`: each path with a list of values or a range (read with `range`).
Type<std::vector<ParameterRaw>> Tables::vary_type() const
{
  Type<std::vector<ParameterRaw>> vary;
  vary.name = "map of path to values";
  vary.read = [this](Context& ctx, const Site& site) -> std::optional<std::vector<ParameterRaw>> {
    if (!site.value.IsMap() || site.value.size() == 0) {
      report_expected(ctx, site, "a map of paths into the topology to their values");
      return std::nullopt;
    }
    std::vector<ParameterRaw> out;
    const Entries entries = Entries::read(ctx, site.value, "path", "in vary");
    for (const auto& e : entries.all()) {
      ParameterRaw p;
      p.path = Written{e.name, e.key.Mark()};
      const Site value = site_of(e.key, e.value, e.name);
      p.value_mark = value.mark;
      const std::size_t before = ctx.error_count();
      if (e.value.IsSequence() && e.value.size() > 0) {
        for (const auto& item : e.value)
          if (item.IsNull())
            ctx.error(item.Mark(), e.name + ": a value is empty");
          else
            p.items.push_back(item);
      } else if (e.value.IsMap()) {
        RangeRaw r;
        read_record(ctx, value, range, r, "in the range of " + e.name);
        p.range = r;
      } else {
        ctx.error(value.mark, e.name +
                                  ": expected a list of values or a range such as {from: 1, to: 8, steps: 8}, "
                                  "got " +
                                  describe(e.value) + (e.value.IsScalar() ? " (a single value goes under set)" : ""));
      }
      p.ok = ctx.error_count() == before;
      out.push_back(std::move(p));
    }
    return out;
  };
  return vary;
}

// `set`: each path with one value.
Type<std::vector<OverrideRaw>> Tables::set_type()
{
  Type<std::vector<OverrideRaw>> set;
  set.name = "map of path to value";
  set.read = [](Context& ctx, const Site& site) -> std::optional<std::vector<OverrideRaw>> {
    if (!site.value.IsMap() || site.value.size() == 0) {
      report_expected(ctx, site, "a map of paths into the topology to values");
      return std::nullopt;
    }
    std::vector<OverrideRaw> out;
    const Entries entries = Entries::read(ctx, site.value, "path", "in set");
    for (const auto& e : entries.all()) {
      if (e.value.IsNull()) {
        ctx.error(e.key.Mark(), e.name + ": the value is empty");
        continue;
      }
      out.push_back(OverrideRaw{Written{e.name, e.key.Mark()}, e.value});
    }
    return out;
  };
  return set;
}

// `zip`: groups of varied paths whose values move together.
Type<std::vector<std::vector<Written>>> Tables::zip_type()
{
  Type<std::vector<std::vector<Written>>> zip;
  zip.name = "list of lists of paths";
  zip.read = [](Context& ctx, const Site& site) -> std::optional<std::vector<std::vector<Written>>> {
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a list of groups, each a list of varied paths");
      return std::nullopt;
    }
    std::vector<std::vector<Written>> out;
    for (const auto& group : site.value) {
      const Site item{group, group.IsNull() ? site.mark : group.Mark(), "zip"};
      auto paths = written_list("varied path").read(ctx, item);
      if (!paths)
        continue;
      if (paths->size() < 2) {
        ctx.error(item.mark, "zip: a group names at least 2 varied paths, got " + std::to_string(paths->size()));
        continue;
      }
      out.push_back(std::move(*paths));
    }
    return out;
  };
  return zip;
}

// `plots[]`: one figure.
void Tables::declare_plot()
{
  plot.title = "`plots[]`";
  plot.help = "One figure, written as plots/NAME.png and plots/NAME.svg: the mean of `y` at each point with its "
              "95 % confidence interval as a bar. With `x` a varied path, one line per combination of the other "
              "varied values (those zipped with `x` excepted); with `x` a metric, the points as they are, one line "
              "per value of `series`.";
  plot.fields = {
      field<PlotRaw>("name", written_type("a file name"), [](PlotRaw& p, Written&& w) { p.name = std::move(w); })
          .optional("Y-by-X, from the last segments of the paths")
          .help("The file name, without extension: letters, digits, '-', '_' and '.'."),
      field<PlotRaw>("title", written_type("a title"), [](PlotRaw& p, Written&& w) { p.title = std::move(w); })
          .optional("made from y and x")
          .help("The figure's title."),
      field<PlotRaw>("x", written_type("a varied path or a metric"),
                     [](PlotRaw& p, Written&& w) { p.x = std::move(w); })
          .required()
          .help("The horizontal axis: a path of `vary`, or one of `metrics` (cost against p99)."),
      field<PlotRaw>("y", written_type("a metric"), [](PlotRaw& p, Written&& w) { p.y = std::move(w); })
          .required()
          .help("The vertical axis: one of `metrics`. Latencies are drawn in milliseconds."),
      field<PlotRaw>("series", written_type("a varied path"), [](PlotRaw& p, Written&& w) { p.series = std::move(w); })
          .optional("one line")
          .help("With `x` a metric only: the varied path that draws one line per value."),
      field<PlotRaw>("log_x", bool_type(), &PlotRaw::log_x).defaults("false").help("A logarithmic x axis."),
      field<PlotRaw>("log_y", bool_type(), &PlotRaw::log_y).defaults("false").help("A logarithmic y axis."),
  };
}

// `plots`: a list of figures (each read with `plot`).
Type<std::vector<PlotRaw>> Tables::plots_type() const
{
  Type<std::vector<PlotRaw>> plots;
  plots.name = "list of plots";
  plots.read = [this](Context& ctx, const Site& site) -> std::optional<std::vector<PlotRaw>> {
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a list of plots");
      return std::nullopt;
    }
    std::vector<PlotRaw> out;
    std::size_t index = 0;
    for (const auto& node : site.value) {
      PlotRaw p;
      p.mark = node.IsNull() ? site.mark : node.Mark();
      p.entries = read_record(ctx, Site{node, p.mark, "plots"}, plot, p, "in plots[" + std::to_string(index++) + "]");
      out.push_back(std::move(p));
    }
    return out;
  };
  return plots;
}

// The top level of an experiment file.
void Tables::declare_top()
{
  top.title = "Top level";
  top.help = "An experiment file is a YAML map with these keys.";
  top.fields = {
      field<ExperimentRaw>("name", name_type(), [](ExperimentRaw& e, std::string&& n) { e.name = n; })
          .optional("the file's name without .yaml")
          .help("The experiment's name: the default output directory is out/NAME."),
      field<ExperimentRaw>("description", text_type(),
                           [](ExperimentRaw& e, std::string&& d) { e.description = std::move(d); })
          .optional("none")
          .help("The question the experiment answers, in a paragraph or more; it opens the report."),
      field<ExperimentRaw>("topology", written_type("a topology file's path"),
                           [](ExperimentRaw& e, Written&& w) { e.topology = std::move(w); })
          .required()
          .help("The topology file, relative to the experiment file's directory."),
      field<ExperimentRaw>("seed", unsigned_type(), &ExperimentRaw::seed)
          .defaults("1")
          .help("The experiment's seed. Each run's seed comes from it, the point's values and the repetition, so "
                "runs already done keep their seeds when points or repetitions are added."),
      field<ExperimentRaw>("repetitions", integer_type<int>(), &ExperimentRaw::repetitions)
          .defaults("1")
          .check(at_least(1))
          .unit("runs per point")
          .help("Runs of each point, each with its own seed; the summary gives their mean and a 95 % confidence "
                "interval (Student's t)."),
      field<ExperimentRaw>("vary", vary_type(),
                           [](ExperimentRaw& e, std::vector<ParameterRaw>&& v) {
                             e.vary = std::move(v);
                             for (const auto& p : e.vary)
                               e.vary_ok = e.vary_ok && p.ok;
                           })
          .optional("nothing varies: one point, repeated")
          .help("Path into the topology -> its values: a list (`[1, 2, 4, 8]`, `[round_robin, random]`, "
                "`[{exponential: 10ms}, 10ms]`) or a range (`{from: 500/s, to: 5000/s, steps: 10}`, see "
                "`vary.PATH` as a range). A list item of the topology is named by its `name` or its index: "
                "`hardware.hosts.web.count`, `faults.0.at`."),
      field<ExperimentRaw>("combine",
                           enum_type<Combine>("combination", {{"grid", Combine::grid, "every combination"},
                                                              {"zip", Combine::zip,
                                                               "the i-th values of every list together (the "
                                                               "lists have the same length)"}}),
                           &ExperimentRaw::combine)
          .defaults("grid")
          .help("How the varied values combine into points."),
      field<ExperimentRaw>("zip", zip_type(),
                           [](ExperimentRaw& e, std::vector<std::vector<Written>>&& z) { e.zip = std::move(z); })
          .optional("none")
          .help("With combine grid: groups of varied paths whose values move together (lists of the same "
                "length), such as a machine's cores and its price; the groups and the other paths are crossed."),
      field<ExperimentRaw>("constraint", written_type("a condition"),
                           [](ExperimentRaw& e, Written&& w) { e.constraint = std::move(w); })
          .optional("every combination")
          .help("A condition on the varied values that keeps a point: `workload.arrival.rate <= "
                "hardware.hosts.web.count * 1500/s`. Names are varied paths or their last segments; numbers may "
                "carry units; operators `and or not < <= > >= == != + - * /` and parentheses; text in quotes "
                "(`policy != 'random'`). Write subtraction with spaces (`a - b`): '-' belongs to names."),
      field<ExperimentRaw>("set", set_type(),
                           [](ExperimentRaw& e, std::vector<OverrideRaw>&& s) { e.set = std::move(s); })
          .optional("nothing")
          .help("Path into the topology -> one value, the same at every point (`duration: 30s`)."),
      field<ExperimentRaw>("metrics", written_list("metric"),
                           [](ExperimentRaw& e, std::vector<Written>&& m) { e.metrics = std::move(m); })
          .defaults("[total.throughput, total.latency.mean, total.latency.p99, total.errors]")
          .check({"a non-empty list", [](const std::vector<Written>& m) { return !m.empty(); }})
          .help("Paths into results.json, measured at every run: `total.latency.p99`, "
                "`requests.NAME.throughput`, `services.NAME.utilisation`, `hosts.NAME.cpu_utilisation`, "
                "`cost.per_million_requests`; see Metrics."),
      field<ExperimentRaw>("plots", plots_type(),
                           [](ExperimentRaw& e, std::vector<PlotRaw>&& list) {
                             e.plots = std::move(list);
                             for (const auto& p : *e.plots)
                               e.plots_ok = e.plots_ok && p.x && p.y;
                           })
          .optional("each metric against the first varied path")
          .help("The figures of the report, see `plots[]`; `[]` for none."),
  };
}

} // namespace

ExperimentRaw read_experiment(Context& ctx, const YAML::Node& root)
{
  ExperimentRaw raw;
  raw.entries = read_record(ctx, Site{root, root.Mark(), ""}, tables().top, raw, "at the top level");
  return raw;
}

std::string describe_experiment_top_level()
{
  return "a map with the key topology and the keys vary, repetitions, metrics, ...";
}

} // namespace scalelab::models::schema

namespace scalelab::models
{

std::vector<std::string> experiment_words()
{
  const auto& t = schema::tables();
  schema::WordList words;
  words.add_record(t.top);
  words.add_record(t.range);
  words.add_record(t.plot);
  for (const std::string& word : metric_words())
    words.add(word);
  for (const std::string& word : schema::topology_words())
    words.add(word);
  return words.take();
}

std::string experiment_reference_markdown()
{
  using namespace schema;
  const auto& t = tables();
  std::string out;
  out += "# Experiment file reference\n\n";
  out += "<!-- Generated from models/src/schema_experiment.cpp by experiment_reference_markdown(); do not edit. "
         "-->\n";
  out += "<!-- Regenerate: SCALELAB_UPDATE_GOLDEN=1 scalelab_unit_tests --gtest_filter='ExperimentReference.*' "
         "-->\n\n";
  out += "An experiment file names a topology, the keys to vary in it, how the values combine, how many "
         "repetitions, and what to measure and plot; `scalelab sweep FILE` runs it ([experiments.md](experiments.md)). "
         "It is checked like a topology file: every problem as `file:line:col: message`, a misspelt path with the "
         "names that would have been right, and the topology of every point loaded before the first run.\n\n";
  out += markdown_record(t.top);
  out += markdown_record(t.range);
  out += markdown_record(t.plot);
  std::string causes;
  for (const auto& cause : error_cause_names())
    causes += (causes.empty() ? "`" : ", `") + cause + "`";
  out += "## Metrics\n\nA metric is a path to a number in results.json:\n\n"
         "- `total.X` (every request type together) and `requests.NAME.X`, X one of `sent`, `completed`, "
         "`throughput`, `errors` (all causes), `errors.CAUSE` (" +
         causes +
         "; 0 when none), `latency.Q` with Q one of `count`, `mean`, `p50`, `p90`, `p95`, `p99`, "
         "`p999`, `max` (seconds);\n"
         "- `services.NAME.X`, X one of `instances`, `capacity`, `arrived`, `completed`, `errors`, "
         "`errors.CAUSE`, `throughput`, `latency.Q`, `mean_in_service`, `utilisation`, `mean_queue_length`; "
         "for a cache also `cache.Y`, Y one of `hits`, `misses`, `hit_ratio`, `sets`, `deletes`, `evictions`, "
         "`expirations`, `stale_reads`, `coalesced`; for a sharded database also `busiest_shard_over_mean`; for a "
         "database with replicas also `replication.Y`, Y one of `stale_reads`, `read_your_writes_violations`, "
         "`monotonic_read_violations`, `ack_timeouts`, `fallbacks`, `async_writes`, `async_seconds`, `lost_writes`; "
         "for an "
         "api_server with a connection pool also `connection_pool.Y`, Y one of `checkouts`, `opened`, `waited`, "
         "`timeouts`, `wait_probability`, `mean_open`; for a queue also `queue.Y`, Y one of `published`, `rejected`, "
         "`refused`, `delivered`, `acknowledged`, `failed`, `lost`, `redelivered`, `waited`, `wait_probability`, "
         "`mean_backlog`, `backlog_at_end`, `mean_unacknowledged`;\n"
         "- `hosts.NAME.X`, X one of `cores`, `cpu_utilisation`, `disk_utilisation`;\n"
         "- `cost.per_hour` and `cost.per_million_requests` (when some host has a `price`);\n"
         "- `geodns.misdirected` and `geodns.unresolved` (with `workload.zones` or `workload.geodns`);\n"
         "- `checks.littles_law.relative_error`, `checks.conservation.in_flight`, `measured_seconds`.\n\n"
         "NAME is a service, request type or host of the topology (of some point, when the hosts vary).\n";
  const ExperimentLimits bounds;
  out += "\n## Limits\n\nNo experiment file can exceed these; one beyond is refused at the place where it crosses it "
         "(`file:line:col`), before any point is run. The YAML text has the bounds of topology files "
         "([yaml-reference.md](yaml-reference.md#limits)).\n\n"
         "| Limit | Value | Note |\n|---|---|---|\n";
  out += "| Size of the file | " + std::to_string(limits::kFileBytes) + " bytes (8 MiB) | Read no further. |\n";
  out += "| Lists and maps inside each other | " + std::to_string(limits::kYamlDepth) + " | Aliases expanded. |\n";
  out += "| Values (scalars, lists, maps, empty values) | " + std::to_string(limits::kYamlValues) +
         " | Aliases expanded. |\n";
  out += "| Points, the combinations of `vary` before the constraint | " + std::to_string(bounds.max_points) +
         " | Every point's topology is loaded by `check` and before a sweep's first run: about 0.5 ms each, 47 s at "
         "the limit "
         "(docs/performance.md). |\n";
  out += "| `repetitions` | " + std::to_string(bounds.max_repetitions) + " |  |\n";
  return out;
}

} // namespace scalelab::models
