// Loading an experiment file: yaml-cpp parses, schema_experiment.cpp reads it by its declaration, and the
// checks below tie it to its topology: the topology must load; every path of `set` and `vary` must be a key
// of the topology's schema in that document (topology_path.cpp); the values expand into points (a grid,
// zipped groups, the constraint); every point's topology is loaded by the topology loader, its errors
// pointed back at the values that caused them; metrics and plots must name what results.json will have.
#include "scalelab/models/constraint.hpp"
#include "scalelab/models/experiment.hpp"
#include "scalelab/models/limits.hpp"
#include "scalelab/models/sweep.hpp"
#include "scalelab/models/sweep_results.hpp"
#include "schema_experiment.hpp"
#include "topology_path.hpp"
#include "yaml_document.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace scalelab::models
{

const Parameter* ExperimentSpec::find_parameter(const std::string& path) const
{
  for (const auto& p : parameters)
    if (p.path == path)
      return &p;
  return nullptr;
}

std::size_t ExperimentSpec::index_of_metric(const std::string& path) const
{
  for (std::size_t m = 0; m < metrics.size(); ++m)
    if (metrics[m].path == path)
      return m;
  return metrics.size();
}

// --- a point's topology --------------------------------------------------------------------------------

struct TopologyWriter::State {
  YAML::Node base;                                // the topology with `set` written in
  std::vector<std::vector<std::string>> segments; // of each parameter's path
  std::vector<std::vector<YAML::Node>> values;    // each parameter's values, parsed
};

namespace
{

using namespace schema;

YAML::Node parse_value(const std::string& text)
{
  return YAML::Load(text);
}

// A relative simgrid_platform names a file beside the topology; the point's topology is written elsewhere.
void anchor_platform(YAML::Node document, const std::string& topology_file)
{
  if (!document.IsMap() || !document["hardware"].IsMap())
    return;
  YAML::Node hardware = document["hardware"];
  const YAML::Node platform = hardware["simgrid_platform"];
  if (!platform.IsScalar() || platform.Scalar().empty())
    return;
  const std::filesystem::path path(platform.Scalar());
  if (path.is_relative())
    hardware["simgrid_platform"] = std::filesystem::absolute(std::filesystem::path(topology_file).parent_path() / path)
                                       .lexically_normal()
                                       .string();
}

std::string emit(const YAML::Node& document)
{
  YAML::Emitter out;
  out << document;
  return std::string(out.c_str()) + "\n";
}

} // namespace

TopologyWriter::TopologyWriter(const ExperimentSpec& spec) : state_(std::make_unique<State>())
{
  YAML::Node document = YAML::Load(spec.topology_text);
  for (const Override& o : spec.set) {
    const PathCheck check = check_topology_path(document, o.path);
    if (!check.error.empty())
      throw std::logic_error("TopologyWriter: " + o.path + ": " + check.error);
    set_topology_path(document, check.segments, parse_value(o.text));
  }
  anchor_platform(document, spec.topology_file);
  for (const Parameter& p : spec.parameters) {
    const PathCheck check = check_topology_path(document, p.path);
    if (!check.error.empty())
      throw std::logic_error("TopologyWriter: " + p.path + ": " + check.error);
    state_->segments.push_back(check.segments);
    std::vector<YAML::Node> values;
    for (const SweepValue& v : p.values)
      values.push_back(parse_value(v.text));
    state_->values.push_back(std::move(values));
  }
  state_->base = document;
}

TopologyWriter::~TopologyWriter() = default;

std::string TopologyWriter::text(const Point& point) const
{
  YAML::Node document = YAML::Clone(state_->base);
  for (std::size_t k = 0; k < state_->segments.size(); ++k)
    set_topology_path(document, state_->segments[k], state_->values[k].at(point.values.at(k)));
  // A varied simgrid_platform is anchored like a fixed one.
  return emit(document);
}

std::string resolved_topology_text(const ExperimentSpec& spec, const Point& point)
{
  return TopologyWriter(spec).text(point);
}

std::vector<SweepRun> plan_runs(const ExperimentSpec& spec)
{
  std::vector<SweepRun> runs;
  runs.reserve(spec.points.size() * static_cast<std::size_t>(spec.repetitions));
  for (int r = 1; r <= spec.repetitions; ++r)
    for (std::size_t p = 0; p < spec.points.size(); ++p)
      runs.push_back(SweepRun{p, r, run_seed(spec.seed, spec.points[p].key, r)});
  return runs;
}

// --- the loader ----------------------------------------------------------------------------------------

namespace
{

class Checker
{
public:
  Checker(Context& ctx, const std::string& text, ExperimentRaw& raw, ExperimentSpec& spec, const FileReader& read,
          const ExperimentLimits& limits)
      : ctx_(ctx), text_(text), raw_(raw), spec_(spec), read_(read), limits_(limits)
  {
  }

  std::vector<Diagnostic> topology_errors;
  std::vector<Diagnostic> topology_warnings;

  void run()
  {
    spec_.name = raw_.name ? *raw_.name : std::filesystem::path(ctx_.file()).stem().string();
    spec_.description = raw_.description.value_or("");
    spec_.seed = raw_.seed;
    spec_.repetitions = raw_.repetitions;
    spec_.combine = raw_.combine;
    if (spec_.repetitions > limits_.max_repetitions)
      ctx_.error(raw_.entries.key_mark("repetitions"),
                 "repetitions must be at most " + std::to_string(limits_.max_repetitions));
    const bool topology_ok = load_topology();
    if (topology_ok)
      read_set();
    read_parameters(topology_ok);
    read_combination();
    if (ctx_.error_count() == 0)
      expand();
    if (ctx_.error_count() == 0 && limits_.load_every_point)
      load_points();
    if (topology_ok) {
      read_metrics();
      read_plots();
    }
  }

private:
  SourceLocation where(const YAML::Mark& mark) const { return ctx_.location(mark); }

  // --- the topology ------------------------------------------------------------------------------------

  bool load_topology()
  {
    if (!raw_.topology)
      return false;
    std::filesystem::path path(raw_.topology->text);
    if (path.is_relative())
      path = std::filesystem::path(ctx_.file()).parent_path() / path;
    spec_.topology_file = path.lexically_normal().string();
    std::string error;
    const auto text = read_(spec_.topology_file, error);
    if (!text) {
      ctx_.error(raw_.topology->mark, "cannot read the topology " + quote(spec_.topology_file) + ": " + error);
      return false;
    }
    spec_.topology_text = *text;
    LoadResult loaded = load_topology_text(*text, spec_.topology_file);
    topology_warnings = loaded.warnings;
    if (!loaded.spec) {
      topology_errors = loaded.errors;
      ctx_.error(raw_.topology->mark, "the topology " + quote(spec_.topology_file) + " does not load (" +
                                          std::to_string(loaded.errors.size()) +
                                          (loaded.errors.size() == 1 ? " error" : " errors") + ", listed first)");
      return false;
    }
    names_.priced = false;
    names_.geodns = false;
    add_names(*loaded.spec);
    document_ = YAML::Load(*text);
    return true;
  }

  void add_names(const TopologySpec& t)
  {
    const auto add = [](std::vector<std::string>& list, const std::string& name) {
      if (std::find(list.begin(), list.end(), name) == list.end())
        list.push_back(name);
    };
    for (const auto& s : t.services) {
      add(names_.services, s.name);
      if (std::holds_alternative<CacheSpec>(s.kind) || std::holds_alternative<CdnSpec>(s.kind))
        add(names_.caches, s.name); // a CDN edge has the cache's figures (services.NAME.cache)
      if (const auto* db = std::get_if<DatabaseSpec>(&s.kind); db && db->shards)
        add(names_.sharded, s.name);
      if (const auto* db = std::get_if<DatabaseSpec>(&s.kind); db && !db->replication.replicas.empty())
        add(names_.replicated, s.name);
      if (const auto* api = std::get_if<ApiServerSpec>(&s.kind); api && api->connection_pool)
        add(names_.pooled, s.name);
      if (std::holds_alternative<QueueSpec>(s.kind))
        add(names_.queues, s.name);
    }
    names_.geodns = names_.geodns || !t.workload.zones.empty() || t.workload.geodns.has_value();
    for (const auto& r : t.requests)
      add(names_.requests, r.name);
    for (const auto& h : t.hardware.hosts) {
      add(names_.hosts, h.name);
      names_.priced = names_.priced || h.price.has_value();
    }
  }

  // --- set and vary ------------------------------------------------------------------------------------

  bool refuse_seed(const Written& path, const char* section)
  {
    if (path.text != "seed")
      return false;
    ctx_.error(path.mark, std::string(section) +
                              ": seed is not a key to change: each run's seed comes from the experiment's seed, the "
                              "point and the repetition; set the experiment's seed or its repetitions");
    return true;
  }

  void read_set()
  {
    for (const OverrideRaw& o : raw_.set) {
      if (refuse_seed(o.path, "set"))
        continue;
      const PathCheck check = check_topology_path(document_, o.path.text);
      if (!check.error.empty()) {
        ctx_.error(o.path.mark, "set: " + check.error);
        continue;
      }
      set_topology_path(document_, check.segments, o.value);
      spec_.set.push_back(Override{o.path.text, flow_text(o.value), where(o.path.mark)});
    }
  }

  static SweepValue make_value(const std::string& text, SourceLocation at)
  {
    SweepValue v;
    v.text = text;
    if (const auto n = read_written_number(text))
      v.number = n->value;
    v.where = std::move(at);
    return v;
  }

  std::vector<SweepValue> range_values(const ParameterRaw& p)
  {
    const RangeRaw& r = *p.range;
    if (!r.from || !r.to)
      return {};
    const auto from = read_written_number(r.from->text);
    const auto to = read_written_number(r.to->text);
    const char* expected = "a number, or a number with a unit of the topology files (500/s, 10ms, 4KB, 2Gf)";
    if (!from)
      ctx_.error(r.from->mark, "from: expected " + std::string(expected) + ", got " + quote(r.from->text));
    if (!to)
      ctx_.error(r.to->mark, "to: expected " + std::string(expected) + ", got " + quote(r.to->text));
    if (!from || !to)
      return {};
    if (from->unit != to->unit) {
      ctx_.error(r.to->mark, "to: " + quote(r.to->text) + " is not the same kind of quantity as from (" +
                                 quote(r.from->text) + ")");
      return {};
    }
    if (r.steps < 2)
      return {}; // reported
    if (r.log && !(from->value > 0 && to->value > 0)) {
      ctx_.error(p.value_mark, p.path.text + ": a log scale needs from and to above 0");
      return {};
    }
    // In the unit of from: to converted by the ratio of the base values.
    const double scale =
        from->in_unit != 0 ? from->value / from->in_unit : (to->in_unit != 0 ? to->value / to->in_unit : 1);
    const double first = from->in_unit;
    const double last = to->value / scale;
    std::vector<SweepValue> out;
    for (int i = 0; i < r.steps; ++i) {
      const double f = static_cast<double>(i) / (r.steps - 1);
      const double x = r.log ? first * std::pow(last / first, f) : first + (last - first) * f;
      out.push_back(make_value(write_number(i == r.steps - 1 ? last : x, from->suffix), where(p.value_mark)));
    }
    return out;
  }

  void read_parameters(bool topology_ok)
  {
    for (const ParameterRaw& p : raw_.vary) {
      if (refuse_seed(p.path, "vary"))
        continue;
      for (const Override& o : spec_.set)
        if (o.path == p.path.text)
          ctx_.error(p.path.mark, "vary: " + p.path.text + " is also under set (line " + std::to_string(o.where.line) +
                                      "); a key is varied or set, not both");
      if (topology_ok) {
        const PathCheck check = check_topology_path(document_, p.path.text);
        if (!check.error.empty()) {
          ctx_.error(p.path.mark, "vary: " + check.error);
          continue;
        }
      }
      if (!p.ok && !p.range)
        continue;
      Parameter parameter;
      parameter.path = p.path.text;
      parameter.where = where(p.path.mark);
      if (p.range) {
        parameter.values = range_values(p);
      } else {
        for (const auto& item : p.items)
          parameter.values.push_back(make_value(flow_text(item), where(item.Mark())));
      }
      if (parameter.values.empty() || !p.ok)
        continue;
      std::set<std::string> seen;
      for (const SweepValue& v : parameter.values)
        if (!seen.insert(v.text).second)
          ctx_.error(v.where, "vary: " + p.path.text + " lists " + quote(v.text) + " twice");
      spec_.parameters.push_back(std::move(parameter));
    }
    std::vector<std::string> paths;
    for (const auto& p : spec_.parameters)
      paths.push_back(p.path);
    const auto names = short_names(paths);
    for (std::size_t k = 0; k < spec_.parameters.size(); ++k)
      spec_.parameters[k].short_name = names[k];
  }

  // The position of a parameter given by path in spec_.parameters; none, silently, for a path of vary that
  // had errors of its own; none, reported, for a path that is not varied.
  std::optional<std::size_t> varied(const Written& w, const std::string& section)
  {
    for (std::size_t k = 0; k < spec_.parameters.size(); ++k)
      if (spec_.parameters[k].path == w.text)
        return k;
    std::vector<std::string> paths;
    for (const ParameterRaw& p : raw_.vary) {
      if (p.path.text == w.text)
        return std::nullopt;
      paths.push_back(p.path.text);
    }
    ctx_.error(w.mark,
               section + ": " + quote(w.text) + " is not varied" + suggestion(w.text, paths, "the varied paths are"));
    return std::nullopt;
  }

  static std::string lengths_text(const std::vector<const Parameter*>& list)
  {
    std::vector<std::string> parts;
    for (const Parameter* p : list)
      parts.push_back(p->path + " has " + std::to_string(p->values.size()));
    return join(parts);
  }

  void read_combination()
  {
    if (spec_.combine == Combine::zip && !raw_.zip.empty())
      ctx_.error(raw_.entries.key_mark("zip"), "zip groups are for combine grid; with combine zip every list moves "
                                               "together already");
    std::vector<int> group_of(spec_.parameters.size(), -1);
    for (const auto& group : raw_.zip) {
      std::vector<std::size_t> indices;
      bool ok = true;
      for (const Written& w : group) {
        const auto k = varied(w, "zip");
        if (!k) {
          ok = false;
          continue;
        }
        if (group_of[*k] >= 0) {
          ctx_.error(w.mark, "zip: " + w.text + " is in two groups");
          ok = false;
          continue;
        }
        group_of[*k] = static_cast<int>(spec_.zip_groups.size());
        indices.push_back(*k);
      }
      if (!ok)
        continue;
      std::vector<const Parameter*> members;
      for (std::size_t k : indices)
        members.push_back(&spec_.parameters[k]);
      for (const Parameter* m : members)
        if (m->values.size() != members.front()->values.size()) {
          ctx_.error(group.front().mark, "zip: the lists of a group have the same length; " + lengths_text(members));
          ok = false;
          break;
        }
      if (ok)
        spec_.zip_groups.push_back(indices);
    }
    if (spec_.combine == Combine::zip && raw_.vary_ok) {
      std::vector<const Parameter*> all;
      for (const auto& p : spec_.parameters)
        all.push_back(&p);
      for (const Parameter* p : all)
        if (p->values.size() != all.front()->values.size()) {
          ctx_.error(raw_.entries.key_mark("combine"),
                     "combine zip takes the i-th value of every list, so the lists have the same length; " +
                         lengths_text(all));
          break;
        }
    }
  }

  // The column of offset in a scalar starting at mark (one further when the scalar is quoted).
  YAML::Mark mark_at(const YAML::Mark& mark, std::size_t offset) const
  {
    YAML::Mark at = mark;
    const bool quoted =
        mark.pos >= 0 && static_cast<std::size_t>(mark.pos) < text_.size() &&
        (text_[static_cast<std::size_t>(mark.pos)] == '"' || text_[static_cast<std::size_t>(mark.pos)] == '\'');
    at.column += static_cast<int>(offset) + (quoted ? 1 : 0);
    return at;
  }

  std::string describe_point(const std::vector<std::size_t>& values) const
  {
    std::vector<std::string> parts;
    for (std::size_t k = 0; k < spec_.parameters.size(); ++k)
      parts.push_back(spec_.parameters[k].path + " = " + spec_.parameters[k].values[values[k]].text);
    return parts.empty() ? "the topology" : join(parts);
  }

  void expand()
  {
    std::vector<std::size_t> sizes;
    for (const auto& p : spec_.parameters)
      sizes.push_back(p.values.size());
    for (std::size_t k = 0; k < spec_.parameters.size(); ++k) {
      Parameter& p = spec_.parameters[k];
      std::optional<std::string> unit;
      for (const SweepValue& v : p.values) {
        const auto n = read_written_number(v.text);
        const std::string u = n ? n->unit : "?";
        unit = !unit || *unit == u ? u : "?";
      }
      p.unit = unit && *unit != "?" ? *unit : "";
    }
    std::vector<std::vector<std::size_t>> groups;
    if (spec_.combine == Combine::zip && !spec_.parameters.empty()) {
      groups.emplace_back();
      for (std::size_t k = 0; k < spec_.parameters.size(); ++k)
        groups.back().push_back(k);
    } else {
      std::vector<bool> grouped(spec_.parameters.size(), false);
      for (const auto& g : spec_.zip_groups)
        for (std::size_t k : g)
          grouped[k] = true;
      groups = spec_.zip_groups;
      for (std::size_t k = 0; k < spec_.parameters.size(); ++k)
        if (!grouped[k])
          groups.push_back({k});
      std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
        return *std::min_element(a.begin(), a.end()) < *std::min_element(b.begin(), b.end());
      });
    }
    double count = 1;
    for (const auto& g : groups)
      count *= static_cast<double>(spec_.parameters[g.front()].values.size());
    if (count > static_cast<double>(limits_.max_points)) {
      ctx_.error(raw_.entries.key_mark("vary"), "vary gives " + number_text(count) + " points; at most " +
                                                    std::to_string(limits_.max_points) +
                                                    " (split the experiment, or zip lists together)");
      return;
    }
    std::optional<Constraint> constraint;
    if (raw_.constraint) {
      std::vector<std::pair<std::string, std::size_t>> names_of;
      for (std::size_t k = 0; k < spec_.parameters.size(); ++k) {
        names_of.emplace_back(spec_.parameters[k].path, k);
        if (spec_.parameters[k].short_name != spec_.parameters[k].path)
          names_of.emplace_back(spec_.parameters[k].short_name, k);
      }
      std::optional<Constraint::Error> error;
      constraint = Constraint::parse(raw_.constraint->text, names_of, error);
      if (error) {
        ctx_.error(mark_at(raw_.constraint->mark, error->offset), "constraint: " + error->message);
        return;
      }
      spec_.constraint = raw_.constraint->text;
    }
    for (auto& values : combinations(sizes, groups)) {
      std::vector<std::pair<std::string, std::string>> keyed, named;
      std::vector<ConstraintValue> variables;
      for (std::size_t k = 0; k < spec_.parameters.size(); ++k) {
        const Parameter& p = spec_.parameters[k];
        const SweepValue& v = p.values[values[k]];
        keyed.emplace_back(p.path, v.text);
        named.emplace_back(p.short_name, v.text);
        variables.push_back(ConstraintValue{v.number, v.text});
      }
      if (constraint) {
        std::string error;
        const auto keep = constraint->holds(variables, error);
        if (!keep) {
          ctx_.error(raw_.constraint->mark, "constraint: with " + describe_point(values) + ": " + error);
          return;
        }
        if (!*keep)
          continue;
      }
      Point point;
      point.key = point_key(keyed);
      point.name = point_name(named);
      point.values = std::move(values);
      spec_.points.push_back(std::move(point));
    }
    if (spec_.points.empty())
      ctx_.error(raw_.constraint->mark, "constraint: no point is kept; every combination fails the condition");
  }

  // --- every point's topology ----------------------------------------------------------------------------

  void load_points()
  {
    std::vector<std::vector<std::string>> set_segments, parameter_segments;
    for (const Override& o : spec_.set)
      set_segments.push_back(check_topology_path(document_, o.path).segments);
    for (const Parameter& p : spec_.parameters)
      parameter_segments.push_back(check_topology_path(document_, p.path).segments);
    const TopologyWriter writer(spec_);
    std::set<std::string> reported;
    for (const Point& point : spec_.points) {
      const std::string text = writer.text(point);
      LoadResult loaded = load_topology_text(text, spec_.topology_file);
      if (loaded.spec) {
        add_names(*loaded.spec);
        continue;
      }
      // Each error at the line of a value written in goes to that value; the others to the point.
      std::map<int, std::pair<SourceLocation, std::string>> by_line;
      const YAML::Node written = YAML::Load(text);
      for (std::size_t i = 0; i < spec_.set.size(); ++i) {
        const YAML::Node node = find_topology_path(written, set_segments[i]);
        if (node.IsDefined())
          by_line[node.Mark().line + 1] = {spec_.set[i].where, "set " + spec_.set[i].path + " = " + spec_.set[i].text};
      }
      for (std::size_t k = 0; k < spec_.parameters.size(); ++k) {
        const YAML::Node node = find_topology_path(written, parameter_segments[k]);
        const SweepValue& v = spec_.parameters[k].values[point.values[k]];
        if (node.IsDefined())
          by_line[node.Mark().line + 1] = {v.where, spec_.parameters[k].path + " = " + v.text};
      }
      for (const Diagnostic& e : loaded.errors) {
        const auto it = by_line.find(e.where.line);
        SourceLocation at;
        std::string message;
        if (it != by_line.end()) {
          at = it->second.first;
          message = it->second.second + ": " + e.message;
        } else {
          // Said once, at the first point it happens to: the next points would repeat it.
          if (!reported.insert(e.message).second)
            continue;
          at = where(raw_.entries.key_mark(spec_.parameters.empty() ? "set" : "vary"));
          message = "with " + describe_point(point.values) + ", the topology does not load: " + e.message;
        }
        const std::string id = std::to_string(at.line) + ":" + std::to_string(at.column) + ":" + message;
        if (reported.insert(id).second)
          ctx_.error(at, message);
      }
    }
  }

  // --- metrics and plots -------------------------------------------------------------------------------

  void read_metrics()
  {
    std::set<std::string> seen;
    for (const Written& m : raw_.metrics) {
      const std::string problem = check_metric_path(m.text, names_);
      if (!problem.empty()) {
        ctx_.error(m.mark, "metrics: " + problem);
        continue;
      }
      if (!seen.insert(m.text).second) {
        ctx_.error(m.mark, "metrics: " + m.text + " is listed twice");
        continue;
      }
      spec_.metrics.push_back(MetricSpec{m.text, where(m.mark)});
    }
  }

  static std::string slug(const std::string& path)
  {
    std::string out = path;
    std::replace(out.begin(), out.end(), '.', '-');
    return out;
  }

  std::optional<std::size_t> parameter_named(const std::string& name) const
  {
    for (std::size_t k = 0; k < spec_.parameters.size(); ++k)
      if (spec_.parameters[k].path == name || spec_.parameters[k].short_name == name)
        return k;
    return std::nullopt;
  }

  void read_plots()
  {
    std::vector<std::string> metric_paths;
    for (const auto& m : spec_.metrics)
      metric_paths.push_back(m.path);
    std::vector<std::string> parameter_paths;
    for (const auto& p : spec_.parameters)
      parameter_paths.push_back(p.path);
    if (!raw_.plots) {
      if (spec_.parameters.empty())
        return;
      for (const auto& m : spec_.metrics) {
        PlotSpec plot;
        plot.x = spec_.parameters.front().path;
        plot.y = m.path;
        plot.name = slug(m.path) + "-by-" + spec_.parameters.front().short_name;
        plot.where = m.where;
        spec_.plots.push_back(std::move(plot));
      }
      return;
    }
    std::set<std::string> names;
    for (const PlotRaw& raw : *raw_.plots) {
      if (!raw.x || !raw.y)
        continue;
      PlotSpec plot;
      plot.where = where(raw.mark);
      plot.log_x = raw.log_x;
      plot.log_y = raw.log_y;
      bool ok = true;
      if (const auto k = parameter_named(raw.x->text)) {
        plot.x = spec_.parameters[*k].path;
      } else if (std::find(metric_paths.begin(), metric_paths.end(), raw.x->text) != metric_paths.end()) {
        plot.x = raw.x->text;
        plot.x_is_metric = true;
      } else {
        std::vector<std::string> both = parameter_paths;
        both.insert(both.end(), metric_paths.begin(), metric_paths.end());
        ctx_.error(raw.x->mark, "x: " + quote(raw.x->text) + " is neither a varied path nor one of the metrics" +
                                    suggestion(raw.x->text, both, "expected one of"));
        ok = false;
      }
      if (std::find(metric_paths.begin(), metric_paths.end(), raw.y->text) != metric_paths.end()) {
        plot.y = raw.y->text;
      } else {
        const bool valid = check_metric_path(raw.y->text, names_).empty();
        ctx_.error(raw.y->mark, "y: " + quote(raw.y->text) + " is not one of the metrics" +
                                    (valid ? "; add it to metrics" : suggestion(raw.y->text, metric_paths)));
        ok = false;
      }
      if (raw.series) {
        const auto k = parameter_named(raw.series->text);
        if (!k) {
          ctx_.error(raw.series->mark, "series: " + quote(raw.series->text) + " is not varied" +
                                           suggestion(raw.series->text, parameter_paths, "the varied paths are"));
          ok = false;
        } else if (ok && !plot.x_is_metric) {
          ctx_.error(raw.series->mark, "series is for x a metric; with x a varied path, each combination of the "
                                       "other varied values draws its own line");
          ok = false;
        } else {
          plot.series = spec_.parameters[*k].path;
        }
      }
      if (!ok)
        continue;
      plot.title = raw.title ? raw.title->text : "";
      if (raw.name) {
        if (!is_valid_name(raw.name->text)) {
          ctx_.error(raw.name->mark,
                     std::string("name: expected a file name made of ") + kNameRule + ", got " + quote(raw.name->text));
          continue;
        }
        plot.name = raw.name->text;
      } else {
        const auto k = parameter_named(plot.x);
        plot.name = slug(plot.y) + "-by-" + (k ? spec_.parameters[*k].short_name : slug(plot.x));
      }
      if (!names.insert(plot.name).second) {
        ctx_.error(raw.name ? raw.name->mark : raw.mark,
                   "plots: two plots are named " + quote(plot.name) + "; give one of them another name");
        continue;
      }
      spec_.plots.push_back(std::move(plot));
    }
  }

  Context& ctx_;
  const std::string& text_;
  ExperimentRaw& raw_;
  ExperimentSpec& spec_;
  const FileReader& read_;
  const ExperimentLimits& limits_;
  YAML::Node document_;
  ResultNames names_;
};

ExperimentLoad finish(Context& ctx, std::vector<Diagnostic> topology_errors, std::vector<Diagnostic> warnings,
                      std::optional<ExperimentSpec> spec)
{
  ExperimentLoad result;
  result.errors = std::move(topology_errors);
  for (Diagnostic& d : ctx.take_errors())
    result.errors.push_back(std::move(d));
  result.warnings = std::move(warnings);
  for (Diagnostic& d : ctx.take_warnings())
    result.warnings.push_back(std::move(d));
  if (result.errors.empty())
    result.spec = std::move(spec);
  return result;
}

} // namespace

ExperimentLoad load_experiment_text(const std::string& text, const std::string& file_name, const FileReader& read,
                                    const ExperimentLimits& limits)
{
  Context ctx(file_name);
  const auto document = read_single_document(
      ctx, text, YamlBounds{limits::kFileBytes, limits::kYamlDepth, limits::kYamlValues}, "an experiment file");
  if (!document)
    return finish(ctx, {}, {}, std::nullopt);
  if (document->IsNull()) {
    YAML::Mark start;
    start.line = 0;
    start.column = 0;
    ctx.error(start, "the file is empty; expected " + describe_experiment_top_level());
    return finish(ctx, {}, {}, std::nullopt);
  }
  if (!document->IsMap()) {
    ctx.error(document->Mark(), "expected " + describe_experiment_top_level() + ", got " + describe(*document));
    return finish(ctx, {}, {}, std::nullopt);
  }
  try {
    ExperimentRaw raw = read_experiment(ctx, *document);
    ExperimentSpec spec;
    spec.file = file_name;
    Checker checker(ctx, text, raw, spec, read, limits);
    try {
      checker.run();
    } catch (const YAML::Exception& e) {
      // A value that does not survive being written into the topology and read back.
      ctx.error(e.mark, "cannot write a value into the topology: " + e.msg);
    }
    return finish(ctx, checker.topology_errors, checker.topology_warnings, std::move(spec));
  } catch (const TooManyErrors&) {
    return finish(ctx, {}, {}, std::nullopt);
  }
}

std::vector<std::string> top_level_keys(const std::string& text)
{
  Context quiet("");
  const auto document = read_single_document(
      quiet, text, YamlBounds{limits::kFileBytes, limits::kYamlDepth, limits::kYamlValues}, "a file");
  std::vector<std::string> keys;
  if (document && document->IsMap())
    for (const auto& entry : *document)
      if (entry.first.IsScalar())
        keys.push_back(entry.first.Scalar());
  return keys;
}

ExperimentLoad load_experiment_file(const std::string& path)
{
  return load_file<ExperimentLoad>(
      path, [](const std::string& text, const std::string& file) { return load_experiment_text(text, file); });
}

} // namespace scalelab::models
