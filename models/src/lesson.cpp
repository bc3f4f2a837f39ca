// Lesson files, answers files and their grading (lesson.hpp). The lesson's keys are declared once, as the
// topology's and the experiment's are (schema.hpp): reading, messages and docs/lesson-reference.md come from
// the same tables. What refers to the experiment (a question's point and metrics) is checked against it.
#include "scalelab/models/lesson.hpp"

#include "scalelab/models/limits.hpp"
#include "scalelab/models/sweep.hpp"
#include "schema.hpp"
#include "yaml_document.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

namespace scalelab::models
{
namespace
{

namespace fs = std::filesystem;
using namespace schema;

const YamlBounds kBounds{limits::kFileBytes, limits::kYamlDepth, limits::kYamlValues};

// --- the declaration -----------------------------------------------------------------------------------

// A map of names to scalars, in file order, with the places of keys and values.
struct NamedScalar {
  std::string name, text;
  YAML::Mark key_mark, value_mark;
};

Type<std::vector<NamedScalar>> scalar_map_type(const std::string& noun, const std::string& what)
{
  Type<std::vector<NamedScalar>> type;
  type.name = "map of " + noun + " to " + what;
  type.read = [noun, what](Context& ctx, const Site& site) -> std::optional<std::vector<NamedScalar>> {
    if (!site.value.IsMap() || site.value.size() == 0) {
      report_expected(ctx, site, "a map of " + noun + " to " + what);
      return std::nullopt;
    }
    std::vector<NamedScalar> out;
    const Entries entries = Entries::read(ctx, site.value, noun, "in " + site.label);
    for (const Entry& e : entries.all()) {
      const Site value = site_of(e.key, e.value, e.name);
      if (const auto text = read_scalar(ctx, value, what))
        out.push_back(NamedScalar{e.name, *text, e.key.Mark(), value.mark});
    }
    return out;
  };
  return type;
}

// A list of faults in the topology's format, kept as one line of YAML (flow style) with its place, to be
// written over the student's topology's own `faults`.
struct FaultsRaw {
  std::string text;
  YAML::Mark mark;
};

Type<FaultsRaw> faults_type()
{
  Type<FaultsRaw> type;
  type.name = "list of faults";
  type.read = [](Context& ctx, const Site& site) -> std::optional<FaultsRaw> {
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a list of faults, as the topology's `faults` ([] for none)");
      return std::nullopt;
    }
    YAML::Emitter out;
    out.SetMapFormat(YAML::Flow);
    out.SetSeqFormat(YAML::Flow);
    out << site.value;
    std::string text = out.c_str();
    std::replace(text.begin(), text.end(), '\n', ' ');
    return FaultsRaw{text, site.mark};
  };
  return type;
}

struct QuestionRaw {
  std::string name, ask;
  std::vector<NamedScalar> point, choices;
  std::optional<std::string> metric, within;
  YAML::Mark mark, metric_mark, within_mark;
  Entries entries;
};

struct RequirementRaw {
  std::string metric;
  YAML::Mark mark;
  std::vector<NamedScalar> bound; // one entry: below, at_most, above or at_least -> value
};

struct ChallengeRaw {
  std::string ask;
  std::optional<double> price_per_core;
  std::vector<NamedScalar> set;
  std::optional<FaultsRaw> faults;
  int repetitions = 3;
  std::vector<RequirementRaw> require;
  Entries entries;
};

struct LessonRaw {
  std::string title;
  std::vector<std::string> objectives;
  std::string experiment;
  YAML::Mark experiment_mark;
  std::vector<QuestionRaw> questions;
  std::optional<ChallengeRaw> challenge;
  YAML::Mark challenge_mark;
  Entries entries;
};

struct Tables {
  Record<QuestionRaw> question;
  Record<ChallengeRaw> challenge;
  Record<LessonRaw> top;
  Tables();
};

const Tables& tables()
{
  static const Tables instance;
  return instance;
}

Type<std::vector<RequirementRaw>> require_type()
{
  Type<std::vector<RequirementRaw>> type;
  type.name = "map of metric to bound";
  type.read = [](Context& ctx, const Site& site) -> std::optional<std::vector<RequirementRaw>> {
    if (!site.value.IsMap() || site.value.size() == 0) {
      report_expected(ctx, site, "a map of metrics to bounds such as {below: 50ms}");
      return std::nullopt;
    }
    std::vector<RequirementRaw> out;
    const Entries entries = Entries::read(ctx, site.value, "metric", "in require");
    for (const Entry& e : entries.all()) {
      RequirementRaw r{e.name, e.key.Mark(), {}};
      const Site value = site_of(e.key, e.value, e.name);
      auto bound = scalar_map_type("bound", "a number").read(ctx, value);
      if (!bound)
        continue;
      if (bound->size() != 1) {
        ctx.error(value.mark, e.name + ": expected one bound (below, at_most, above or at_least), got " +
                                  std::to_string(bound->size()));
        continue;
      }
      r.bound = std::move(*bound);
      out.push_back(std::move(r));
    }
    return out;
  };
  return type;
}

Type<std::vector<QuestionRaw>> questions_type(const Record<QuestionRaw>* record)
{
  Type<std::vector<QuestionRaw>> type;
  type.name = "list of questions";
  type.read = [record](Context& ctx, const Site& site) -> std::optional<std::vector<QuestionRaw>> {
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a list of questions");
      return std::nullopt;
    }
    std::vector<QuestionRaw> out;
    std::size_t index = 0;
    for (const auto& node : site.value) {
      QuestionRaw q;
      q.mark = node.IsNull() ? site.mark : node.Mark();
      q.entries = read_record(ctx, Site{node, q.mark, "questions"}, *record, q,
                              "in questions[" + std::to_string(index++) + "]");
      for (auto [key, mark] : {std::pair{"metric", &q.metric_mark}, std::pair{"within", &q.within_mark}})
        if (const Entry* e = q.entries.find(key))
          *mark = site_of(e->key, e->value, key).mark;
      out.push_back(std::move(q));
    }
    return out;
  };
  return type;
}

Tables::Tables()
{
  question.title = "`questions[]`";
  question.help = "A question the lesson's experiment answers: a number (`metric` and `within`) or a choice "
                  "(`choices`), at one of the experiment's points.";
  question.fields = {
      field<QuestionRaw>("name", name_type(), &QuestionRaw::name)
          .required()
          .help("The question's name, the key of its answer in an answers file."),
      field<QuestionRaw>("ask", text_type(), &QuestionRaw::ask).required().help("The question, as students read it."),
      field<QuestionRaw>("point", scalar_map_type("parameter", "a value"), &QuestionRaw::point)
          .optional("the experiment's only point")
          .help("The experiment's point the answer is read at: each varied parameter (its short name, as in "
                "plots and constraints, or its path) and one of its values: `{rate: 900/s, count: 2}`."),
      field<QuestionRaw>("metric", text_type(), [](QuestionRaw& q, std::string&& m) { q.metric = std::move(m); })
          .optional("a choice question")
          .help("A number question: one of the experiment's metrics; the answer is its mean at the point."),
      field<QuestionRaw>("within", text_type(), [](QuestionRaw& q, std::string&& w) { q.within = std::move(w); })
          .optional("10%")
          .help("A number question: how far from the simulated mean an answer counts as right, in percent."),
      field<QuestionRaw>("choices", scalar_map_type("choice", "a metric"), &QuestionRaw::choices)
          .optional("a number question")
          .help("A choice question: choice -> one of the experiment's metrics; the right choice is the one whose "
                "metric has the highest mean at the point (`{cpu: hosts.web.cpu_utilisation, disk: "
                "hosts.db.disk_utilisation}`)."),
  };

  challenge.title = "`challenge`";
  challenge.help = "A design problem: `scalelab grade LESSON SOLUTION.yaml` runs the student's topology with `set` "
                   "written in, `repetitions` times, and checks every requirement on the mean over the runs.";
  challenge.fields = {
      field<ChallengeRaw>("ask", text_type(), &ChallengeRaw::ask)
          .required()
          .help("The challenge, as students read it."),
      field<ChallengeRaw>("set", scalar_map_type("path", "a value"), &ChallengeRaw::set)
          .optional("nothing")
          .help("Path into the topology -> value, written into the student's topology (the load it must carry, "
                "the run's length): as an experiment's `set`."),
      field<ChallengeRaw>("faults", faults_type(), [](ChallengeRaw& c, FaultsRaw&& f) { c.faults = std::move(f); })
          .optional("the student's topology's own faults")
          .help("A fault timeline, in the topology's format (`faults[]`), written over the student's topology's "
                "own `faults`, so that a solution must come through it and cannot remove it: `[{at: 35s, crash: "
                "db-1, for: 25s}]`; `[]` runs the solution without faults."),
      field<ChallengeRaw>("price_per_core", number_type(), [](ChallengeRaw& c, double&& p) { c.price_per_core = p; })
          .optional("the prices written in the student's topology")
          .check(at_least(0.0))
          .unit("per core and hour")
          .help("The price of every machine of the student's topology, per core and hour: written over the "
                "topology's own `price`, so that a solution cannot make its machines cheap."),
      field<ChallengeRaw>("repetitions", integer_type<int>(), &ChallengeRaw::repetitions)
          .defaults("3")
          .check(at_least(1))
          .check(at_most(100))
          .unit("runs")
          .help("Runs of the student's topology, each with its own seed."),
      field<ChallengeRaw>("require", require_type(), &ChallengeRaw::require)
          .required()
          .help("Metric -> one bound, `below`, `at_most`, `above` or `at_least` a number (units allowed): "
                "`{total.latency.p99: {below: 50ms}, total.errors: {at_most: 0}}`."),
  };

  top.title = "Top level";
  top.help = "A lesson file (experiments/lessons/NN-name/lesson.yaml) is a YAML map with these keys.";
  top.fields = {
      field<LessonRaw>("title", text_type(), &LessonRaw::title).required().help("The lesson's title."),
      field<LessonRaw>("objectives", list_type(text_type()), &LessonRaw::objectives)
          .optional("none")
          .help("What students can do after the lesson, one item each."),
      field<LessonRaw>("experiment", text_type(), &LessonRaw::experiment)
          .required()
          .help("The experiment file whose summary answers the questions, relative to the lesson file."),
      field<LessonRaw>("questions", questions_type(&question), &LessonRaw::questions)
          .optional("none")
          .help("The questions, see `questions[]`."),
      field<LessonRaw>("challenge",
                       record_type<ChallengeRaw>(&challenge, "in challenge",
                                                 [](ChallengeRaw& c, Entries&& e) { c.entries = std::move(e); }),
                       [](LessonRaw& l, ChallengeRaw&& c) { l.challenge = std::move(c); })
          .optional("none")
          .help("The challenge, see `challenge`."),
  };
}

// --- checks against the experiment ---------------------------------------------------------------------

std::vector<std::string> metric_paths(const ExperimentSpec& experiment)
{
  std::vector<std::string> out;
  for (const auto& m : experiment.metrics)
    out.push_back(m.path);
  return out;
}

bool same_value(const SweepValue& value, const std::string& text)
{
  const auto number = read_written_number(text);
  if (number && value.number)
    return std::fabs(number->value - *value.number) <= 1e-9 * std::max(1.0, std::fabs(*value.number));
  return value.text == text;
}

class Checker
{
public:
  Checker(Context& ctx, const ExperimentSpec& experiment) : ctx_(ctx), experiment_(experiment) {}

  std::optional<LessonQuestion> question(const QuestionRaw& raw)
  {
    const std::size_t before = ctx_.error_count();
    LessonQuestion q;
    q.name = raw.name;
    q.ask = raw.ask;
    q.where = ctx_.location(raw.mark);
    const auto point = point_of(raw);
    if (!raw.choices.empty()) {
      if (raw.metric || raw.within)
        ctx_.error(raw.metric ? raw.metric_mark : raw.within_mark,
                   "question " + quote(raw.name) + ": choices and metric/within exclude each other");
      if (raw.choices.size() < 2)
        ctx_.error(raw.entries.key_mark("choices"), "question " + quote(raw.name) + ": give at least 2 choices");
      for (const auto& c : raw.choices)
        if (const auto m = metric(c.text, c.value_mark))
          q.choices.emplace_back(c.name, *m);
    } else if (!raw.metric) {
      ctx_.error(raw.mark, "question " + quote(raw.name) + ": give a metric (a number question) or choices");
    } else {
      if (const auto m = metric(*raw.metric, raw.metric_mark))
        q.metric = *m;
      q.within = within(raw);
    }
    if (point)
      q.point = *point;
    if (ctx_.error_count() != before)
      return std::nullopt;
    return q;
  }

private:
  std::optional<std::size_t> metric(const std::string& path, const YAML::Mark& mark)
  {
    const std::size_t index = experiment_.index_of_metric(path);
    if (index < experiment_.metrics.size())
      return index;
    ctx_.error(mark, quote(path) + " is not one of the experiment's metrics" +
                         suggestion(path, metric_paths(experiment_), "they are"));
    return std::nullopt;
  }

  double within(const QuestionRaw& raw)
  {
    if (!raw.within)
      return 0.1;
    const std::string& text = *raw.within;
    char* end = nullptr;
    const double percent = std::strtod(text.c_str(), &end);
    if (text.empty() || end == text.c_str() || std::string(end) != "%" || !(percent > 0) || percent > 100) {
      ctx_.error(raw.within_mark,
                 "within: expected a percentage above 0 and at most 100, such as 10%, got " + quote(text));
      return 0;
    }
    return percent / 100;
  }

  // The point the question names: every parameter with more than one value named once, with one of its values.
  std::optional<std::size_t> point_of(const QuestionRaw& raw)
  {
    const auto& params = experiment_.parameters;
    std::vector<std::optional<std::size_t>> chosen(params.size());
    std::vector<std::string> names;
    for (const auto& p : params)
      names.push_back(p.short_name);
    bool ok = true;
    for (const NamedScalar& entry : raw.point) {
      std::size_t i = 0;
      while (i < params.size() && params[i].short_name != entry.name && params[i].path != entry.name)
        ++i;
      if (i == params.size()) {
        ctx_.error(entry.key_mark, "point: " + quote(entry.name) + " is not a varied parameter" +
                                       suggestion(entry.name, names, "the experiment varies"));
        ok = false;
        continue;
      }
      std::size_t v = 0;
      while (v < params[i].values.size() && !same_value(params[i].values[v], entry.text))
        ++v;
      if (v == params[i].values.size()) {
        std::vector<std::string> values;
        for (const auto& value : params[i].values)
          values.push_back(value.text);
        ctx_.error(entry.value_mark,
                   "point: " + entry.name + " = " + entry.text + " is not one of its values: " + join_listing(values));
        ok = false;
        continue;
      }
      chosen[i] = v;
    }
    for (std::size_t i = 0; i < params.size() && ok; ++i)
      if (!chosen[i]) {
        if (params[i].values.size() == 1) {
          chosen[i] = 0;
          continue;
        }
        ctx_.error(raw.point.empty() ? raw.mark : raw.entries.key_mark("point"),
                   "question " + quote(raw.name) + ": the point must give a value of " + params[i].short_name);
        ok = false;
      }
    if (!ok)
      return std::nullopt;
    for (std::size_t p = 0; p < experiment_.points.size(); ++p) {
      bool match = true;
      for (std::size_t i = 0; i < params.size(); ++i)
        match = match && experiment_.points[p].values[i] == *chosen[i];
      if (match)
        return p;
    }
    ctx_.error(raw.entries.key_mark("point"),
               "question " + quote(raw.name) + ": the experiment's constraint leaves this point out");
    return std::nullopt;
  }

  Context& ctx_;
  const ExperimentSpec& experiment_;
};

std::optional<LessonChallenge> challenge_of(Context& ctx, const ChallengeRaw& raw, const YAML::Mark& mark)
{
  LessonChallenge c;
  c.ask = raw.ask;
  c.repetitions = raw.repetitions;
  c.price_per_core = raw.price_per_core;
  c.where = ctx.location(mark);
  for (const NamedScalar& s : raw.set)
    c.set.push_back(Override{s.name, s.text, ctx.location(s.key_mark)});
  if (raw.faults) // the timeline replaces the topology's own, as a value of `set` would
    c.set.push_back(Override{"faults", raw.faults->text, ctx.location(raw.faults->mark)});
  const std::size_t before = ctx.error_count();
  for (const RequirementRaw& r : raw.require) {
    const NamedScalar& bound = r.bound.front();
    static const std::map<std::string, Bound> kBoundNames = {
        {"below", Bound::below}, {"at_most", Bound::at_most}, {"above", Bound::above}, {"at_least", Bound::at_least}};
    const auto kind = kBoundNames.find(bound.name);
    const auto number = read_written_number(bound.text);
    if (kind == kBoundNames.end()) {
      ctx.error(bound.key_mark, r.metric + ": unknown bound " + quote(bound.name) +
                                    suggestion(bound.name, {"below", "at_most", "above", "at_least"}));
    } else if (!number) {
      ctx.error(bound.value_mark,
                r.metric + ": expected a number (units allowed: 50ms, 2950/s), got " + quote(bound.text));
    } else {
      c.require.push_back(Requirement{r.metric, kind->second, number->value, bound.text, ctx.location(r.mark)});
    }
  }
  if (ctx.error_count() != before)
    return std::nullopt;
  return c;
}

std::string lesson_name(const std::string& file)
{
  const fs::path path(file);
  const std::string dir = path.parent_path().filename().string();
  return dir.empty() ? path.stem().string() : dir;
}

// --- numbers for people --------------------------------------------------------------------------------

const PointSummary* find_summary(const std::vector<PointSummary>& all, std::size_t point, std::size_t metric)
{
  for (const auto& s : all)
    if (s.point == point && s.metric == metric && s.sample.n > 0)
      return &s;
  return nullptr;
}

} // namespace

// --- loading -------------------------------------------------------------------------------------------

LessonLoad load_lesson_text(const std::string& text, const std::string& file_name, const FileReader& read)
{
  Context ctx(file_name);
  // What the loader found, with the spec only when nothing is wrong.
  const auto finish = [&ctx](std::optional<LessonSpec>&& spec) {
    LessonLoad result;
    result.errors = ctx.take_errors();
    result.warnings = ctx.take_warnings();
    if (result.errors.empty())
      result.spec = std::move(spec);
    return result;
  };
  try {
    const auto document = read_single_document(ctx, text, kBounds, "a lesson file");
    if (!document)
      return finish({});
    if (!document->IsMap()) {
      YAML::Mark start;
      ctx.error(document->IsNull() ? start : document->Mark(), "expected a map with the keys title, experiment, "
                                                               "questions, ...; got " +
                                                                   describe(*document));
      return finish({});
    }
    LessonRaw raw;
    raw.entries = read_record(ctx, Site{*document, document->Mark(), ""}, tables().top, raw, "at the top level");
    raw.experiment_mark = raw.entries.key_mark("experiment");
    raw.challenge_mark = raw.entries.key_mark("challenge");
    if (ctx.error_count() > 0)
      return finish({});
    LessonSpec spec;
    spec.file = file_name;
    spec.name = lesson_name(file_name);
    spec.title = raw.title;
    spec.objectives = raw.objectives;
    const std::string experiment_file = (fs::path(file_name).parent_path() / raw.experiment).string();
    std::string error;
    const auto experiment_text = read(experiment_file, error);
    if (!experiment_text) {
      ctx.error(raw.experiment_mark, "cannot read the experiment " + quote(experiment_file) + ": " + error);
      return finish({});
    }
    ExperimentLoad experiment = load_experiment_text(*experiment_text, experiment_file, read);
    if (!experiment.spec) {
      ctx.error(raw.experiment_mark, "the experiment " + quote(experiment_file) + " does not load (" +
                                         std::to_string(experiment.errors.size()) + " errors, listed after this one)");
      LessonLoad out = finish({});
      out.errors.insert(out.errors.end(), experiment.errors.begin(), experiment.errors.end());
      return out;
    }
    spec.experiment = std::move(*experiment.spec);
    Checker checker(ctx, spec.experiment);
    std::vector<std::string> seen;
    for (const QuestionRaw& q : raw.questions) {
      if (std::find(seen.begin(), seen.end(), q.name) != seen.end())
        ctx.error(q.entries.key_mark("name"), "question " + quote(q.name) + " is asked twice");
      seen.push_back(q.name);
      if (auto question = checker.question(q))
        spec.questions.push_back(std::move(*question));
    }
    if (raw.questions.empty() && !raw.challenge)
      ctx.warning(document->Mark(), "the lesson has no questions and no challenge: nothing to grade");
    if (raw.challenge)
      spec.challenge = challenge_of(ctx, *raw.challenge, raw.challenge_mark);
    return finish(std::move(spec));
  } catch (const TooManyErrors&) {
    return finish({});
  }
}

LessonLoad load_lesson_file(const std::string& path)
{
  std::error_code ec;
  const std::string file = fs::is_directory(path, ec) ? (fs::path(path) / "lesson.yaml").string() : path;
  return load_file<LessonLoad>(
      file, [](const std::string& text, const std::string& name) { return load_lesson_text(text, name); });
}

ExperimentLoad load_challenge(const LessonSpec& lesson, const std::string& solution_file, const FileReader& read)
{
  ExperimentLoad result;
  std::string error;
  const auto solution = read(solution_file, error);
  if (!solution) {
    result.errors.push_back(Diagnostic{SourceLocation{solution_file, 0, 0}, "cannot open the file: " + error});
    return result;
  }
  LoadResult own = load_topology_text(*solution, solution_file);
  if (!own.spec) {
    result.errors = std::move(own.errors);
    result.warnings = std::move(own.warnings);
    return result;
  }
  const LessonChallenge& c = *lesson.challenge;
  // The experiment, a line per metric and per value of `set`, so that a problem found in a line is reported
  // at the place in the lesson file that line came from.
  std::map<int, SourceLocation> origin;
  std::string path = fs::absolute(solution_file).string();
  std::string quoted_path;
  for (char ch : path)
    quoted_path += ch == '\'' ? std::string("''") : std::string(1, ch);
  std::string text = "name: '" + lesson.name + "-challenge'\ntopology: '" + quoted_path +
                     "'\nseed: " + std::to_string(lesson.experiment.seed) +
                     "\nrepetitions: " + std::to_string(c.repetitions) + "\nplots: []\nmetrics:\n";
  int line = 7;
  for (const Requirement& r : c.require) {
    text += "  - '" + r.metric + "'\n";
    origin[line++] = r.where;
  }
  std::vector<Override> set = c.set;
  if (c.price_per_core) {
    // Every machine at the course's price: one value per group of hosts, from its cores.
    std::vector<std::string> groups;
    for (const HostSpec& h : own.spec->hardware.hosts)
      if (std::find(groups.begin(), groups.end(), h.group) == groups.end()) {
        groups.push_back(h.group);
        set.push_back(
            Override{"hardware.hosts." + h.group + ".price", number_text(h.cores * *c.price_per_core), c.where});
      }
  }
  if (!set.empty()) {
    text += "set:\n";
    ++line;
    for (const Override& o : set) {
      text += "  '" + o.path + "': " + o.text + "\n";
      origin[line++] = o.where;
    }
  }
  ExperimentLoad loaded = load_experiment_text(text, lesson.file, [&](const std::string& file, std::string& why) {
    return file == path ? std::optional<std::string>(*solution) : read(file, why);
  });
  for (auto* list : {&loaded.errors, &loaded.warnings})
    for (Diagnostic& d : *list)
      if (d.where.file == lesson.file) {
        const auto found = origin.find(d.where.line);
        d.where = found != origin.end() ? found->second : c.where;
        d.message = "challenge: " + d.message;
      }
  return loaded;
}

AnswersLoad load_answers_text(const std::string& text, const std::string& file_name, const LessonSpec& lesson)
{
  Context ctx(file_name);
  AnswersLoad result;
  std::vector<Answer> answers;
  try {
    const auto document = read_single_document(ctx, text, kBounds, "an answers file");
    if (document && !document->IsMap()) {
      YAML::Mark start;
      ctx.error(document->IsNull() ? start : document->Mark(),
                "expected a map of questions to answers ({name: 950/s}), got " + describe(*document));
    } else if (document) {
      std::vector<std::string> names;
      for (const auto& q : lesson.questions)
        names.push_back(q.name);
      const Entries entries = Entries::read(ctx, *document, "question", "in the answers");
      for (const Entry& e : entries.all()) {
        auto q = std::find_if(lesson.questions.begin(), lesson.questions.end(),
                              [&](const LessonQuestion& x) { return x.name == e.name; });
        if (q == lesson.questions.end()) {
          ctx.error(e.key.Mark(), "unknown question " + quote(e.name) + suggestion(e.name, names, "the lesson asks"));
          continue;
        }
        const Site value = site_of(e.key, e.value, e.name);
        const auto written = read_scalar(ctx, value, "an answer");
        if (!written)
          continue;
        Answer a{e.name, *written, std::nullopt, ctx.location(value.mark)};
        if (q->is_choice()) {
          std::vector<std::string> choices;
          for (const auto& c : q->choices)
            choices.push_back(c.first);
          if (std::find(choices.begin(), choices.end(), *written) == choices.end())
            ctx.error(value.mark, e.name + ": " + quote(*written) + " is not one of the choices" +
                                      suggestion(*written, choices, "they are"));
        } else if (const auto number = read_written_number(*written)) {
          a.number = number->value;
        } else {
          ctx.error(value.mark, e.name + ": expected a number (units allowed: 950/s, 12ms), got " + quote(*written));
        }
        answers.push_back(std::move(a));
      }
      for (const auto& q : lesson.questions)
        if (std::none_of(answers.begin(), answers.end(), [&](const Answer& a) { return a.question == q.name; }))
          ctx.warning(document->Mark(), "question " + quote(q.name) + " is not answered");
    }
  } catch (const TooManyErrors&) {
  }
  result.errors = ctx.take_errors();
  result.warnings = ctx.take_warnings();
  if (result.errors.empty())
    result.answers = std::move(answers);
  return result;
}

// --- grading -------------------------------------------------------------------------------------------

std::vector<QuestionVerdict> grade_answers(const LessonSpec& lesson, const std::vector<Answer>& answers,
                                           const std::vector<PointSummary>& summaries)
{
  std::vector<QuestionVerdict> out;
  for (const LessonQuestion& q : lesson.questions) {
    QuestionVerdict v;
    v.question = q.name;
    const auto answer =
        std::find_if(answers.begin(), answers.end(), [&](const Answer& a) { return a.question == q.name; });
    v.answered = answer != answers.end();
    if (v.answered)
      v.answer = answer->written;
    if (q.is_choice()) {
      const std::pair<std::string, std::size_t>* best = nullptr;
      double best_mean = 0;
      for (const auto& choice : q.choices)
        if (const PointSummary* s = find_summary(summaries, q.point, choice.second))
          if (!best || s->sample.mean > best_mean) {
            best = &choice;
            best_mean = s->sample.mean;
          }
      v.expected = best ? best->first : "(no run finished)";
      v.right = v.answered && best && answer->written == best->first;
    } else {
      const std::string& path = lesson.experiment.metrics[q.metric].path;
      const std::string unit = metric_unit(path);
      if (const PointSummary* s = find_summary(summaries, q.point, q.metric)) {
        const double mean = s->sample.mean;
        const double low = mean - std::fabs(mean) * q.within;
        const double high = mean + std::fabs(mean) * q.within;
        v.expected =
            metric_text(mean, unit) + " (right from " + metric_text(low, unit) + " to " + metric_text(high, unit) + ")";
        v.right = v.answered && answer->number && *answer->number >= low && *answer->number <= high;
      } else {
        v.expected = "(no run finished)";
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<RequirementVerdict> grade_challenge(const LessonChallenge& challenge, const ExperimentSpec& experiment,
                                                const std::vector<PointSummary>& summaries)
{
  std::vector<RequirementVerdict> out;
  for (const Requirement& r : challenge.require) {
    RequirementVerdict v{r, false, {}};
    if (const PointSummary* s = find_summary(summaries, 0, experiment.index_of_metric(r.metric))) {
      v.sample = s->sample;
      const double m = s->sample.mean;
      switch (r.bound) {
      case Bound::below:
        v.met = m < r.value;
        break;
      case Bound::at_most:
        v.met = m <= r.value;
        break;
      case Bound::above:
        v.met = m > r.value;
        break;
      case Bound::at_least:
        v.met = m >= r.value;
        break;
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::string lesson_reference_markdown()
{
  const auto& t = tables();
  std::string out = "# Lesson file reference\n\n";
  out += "<!-- Generated from models/src/lesson.cpp by lesson_reference_markdown(); do not edit. -->\n";
  out += "<!-- Regenerate: SCALELAB_UPDATE_GOLDEN=1 scalelab_unit_tests --gtest_filter='LessonReference.*' -->\n\n";
  out += "A lesson of the course ([lessons.md](lessons.md)) is a folder with a `lesson.yaml`: its objectives, an "
         "experiment file whose summary answers its questions, and a challenge. `scalelab check lesson.yaml` checks "
         "it like the other files: every problem as `file:line:col: message`, the experiment loaded, each "
         "question's point and metrics found in it.\n\n";
  out += markdown_record(t.top);
  out += markdown_record(t.question);
  out += markdown_record(t.challenge);
  out += "## Answers files\n\nA map of question names to answers: `{max_throughput: 950/s, bottleneck: workers}`. "
         "A number may carry a unit of the topology files (950/s, 12ms); a bare number is in the metric's base "
         "unit (seconds for latencies, a fraction for utilisations and hit ratios). A choice is one of the "
         "question's choices. A question left out is reported as unanswered.\n";
  return out;
}

std::vector<std::string> lesson_words()
{
  const auto& t = tables();
  WordList words;
  words.add_record(t.top);
  words.add_record(t.question);
  words.add_record(t.challenge);
  for (const char* bound : {"below", "at_most", "above", "at_least"})
    words.add(bound);
  for (const std::string& word : experiment_words())
    words.add(word);
  return words.take();
}

std::string metric_text(double value, const std::string& unit)
{
  char buffer[64];
  if (unit == "s")
    std::snprintf(buffer, sizeof buffer, "%.4g ms", value * 1000);
  else if (unit == "1/s")
    std::snprintf(buffer, sizeof buffer, "%.4g/s", value);
  else
    std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

std::string describe(const Requirement& requirement)
{
  static const char* const kWords[] = {"below", "at most", "above", "at least"};
  return requirement.metric + " " + kWords[static_cast<int>(requirement.bound)] + " " + requirement.written;
}

} // namespace scalelab::models
