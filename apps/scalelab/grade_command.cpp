#include "grade_command.hpp"

#include "common.hpp"
#include "sweep_command.hpp"

#include "scalelab/models/experiment.hpp"
#include "scalelab/models/lesson.hpp"
#include "scalelab/models/sweep.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

namespace fs = std::filesystem;

namespace scalelab::app
{
namespace
{

const char* const kGradeHelp = R"(usage: scalelab grade LESSON ANSWERS.yaml [--jobs N] [--out DIR] [--quiet]
       scalelab grade LESSON SOLUTION.yaml [--jobs N] [--out DIR] [--quiet]

LESSON is a lesson's directory (experiments/lessons/NN-name/) or its lesson.yaml.

With an answers file ({question: answer, ...}), runs the lesson's experiment (as scalelab sweep does:
resumed when run before) and says for each question whether the answer is right, with the simulated
value and the range that counts.

With a topology (a file with the key hardware), runs it for the lesson's challenge: the challenge's
values written in, its repetitions, each in its own process; then says for each requirement whether
the mean over the runs meets it, with the 95 % confidence interval, and the cost per hour when the
hosts have prices.

options:
  --out DIR   where the runs go (default: out/lesson-NAME, and out/lesson-NAME-challenge/HASH)
  --jobs N    runs at once (default: this machine's cores)
  --quiet     print only the verdicts

Exit status: 0 when every answer is right or every requirement met, 1 when not (or a run failed),
2 on bad input.
)";

struct Options {
  std::string lesson, file;
  std::optional<fs::path> out;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  bool quiet = false;
};

std::optional<Options> parse(const std::vector<std::string>& args, int& status)
{
  Options o;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (is_help(args[i])) {
      std::cout << kGradeHelp;
      status = kOk;
      return std::nullopt;
    }
    if ((args[i] == "--out" || args[i] == "--jobs") && i + 1 >= args.size()) {
      status = usage_error(args[i] + " needs a value", kGradeHelp);
      return std::nullopt;
    }
    if (args[i] == "--out") {
      o.out = args[++i];
    } else if (args[i] == "--jobs") {
      const std::string& n = args[++i];
      if (n.empty() || n.size() > 4 || n.find_first_not_of("0123456789") != std::string::npos || std::stoi(n) < 1) {
        status = usage_error("--jobs takes a whole number from 1, got \"" + n + "\"", kGradeHelp);
        return std::nullopt;
      }
      o.jobs = static_cast<unsigned>(std::stoi(n));
    } else if (args[i] == "--quiet") {
      o.quiet = true;
    } else if (!args[i].empty() && args[i][0] == '-') {
      status = usage_error("unknown option \"" + args[i] + "\"", kGradeHelp);
      return std::nullopt;
    } else {
      files.push_back(args[i]);
    }
  }
  if (files.size() != 2) {
    status = usage_error("grade takes a LESSON and an answers or solution file", kGradeHelp);
    return std::nullopt;
  }
  o.lesson = files[0];
  o.file = files[1];
  return o;
}

ExperimentRunOptions run_options(const Options& o)
{
  ExperimentRunOptions run;
  run.jobs = o.jobs;
  run.quiet = o.quiet;
  run.command = "scalelab grade " + o.lesson + " " + o.file;
  return run;
}

int grade_answers(const Options& o, const models::LessonSpec& lesson, const std::string& text)
{
  const models::AnswersLoad answers = models::load_answers_text(text, o.file, lesson);
  print_diagnostics(answers.errors, answers.warnings);
  if (!answers.answers)
    return kBadInput;
  const ExperimentRunOptions run = run_options(o);
  const fs::path out = o.out ? *o.out : fs::path("out") / ("lesson-" + lesson.name);
  const ExperimentRun result = run_experiment(lesson.experiment, out, run);
  if (result.status == kBadInput || result.status == kInterrupted)
    return result.status;
  const auto verdicts = models::grade_answers(lesson, *answers.answers, result.summaries);
  std::size_t right = 0;
  for (const auto& v : verdicts) {
    right += v.right ? 1 : 0;
    const std::string answer = v.answered ? v.answer : "(none)";
    std::cout << v.question << ": " << answer << " is " << (v.right ? "right" : "wrong") << "; the simulation gives "
              << v.expected << '\n';
  }
  std::cout << right << " of " << verdicts.size() << " right\n";
  return right == verdicts.size() && result.status == kOk ? kOk : kRunError;
}

int grade_solution(const Options& o, const models::LessonSpec& lesson, const std::string& text)
{
  if (!lesson.challenge) {
    std::cerr << o.lesson << ": the lesson has no challenge; grade an answers file instead\n";
    return kBadInput;
  }
  const models::ExperimentLoad loaded = models::load_challenge(lesson, o.file);
  print_diagnostics(loaded.errors, loaded.warnings);
  if (!loaded.spec)
    return kBadInput;
  const ExperimentRunOptions run = run_options(o);
  char hash[20];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(models::fnv1a64(text)));
  const fs::path out =
      (o.out ? *o.out : fs::path("out") / ("lesson-" + lesson.name + "-challenge")) / std::string(hash);
  const ExperimentRun result = run_experiment(*loaded.spec, out, run);
  if (result.status == kBadInput || result.status == kInterrupted)
    return result.status;
  std::cout << "challenge: " << lesson.challenge->ask << '\n';
  bool all = true;
  for (const auto& v : models::grade_challenge(*lesson.challenge, *loaded.spec, result.summaries)) {
    all = all && v.met;
    const std::string unit = models::metric_unit(v.requirement.metric);
    std::cout << "  " << (v.met ? "met:     " : "not met: ") << models::describe(v.requirement) << ": mean "
              << (v.sample.n ? models::metric_text(v.sample.mean, unit) : std::string("(no run finished)"));
    if (v.sample.low && v.sample.high)
      std::cout << " (95 % interval " << models::metric_text(*v.sample.low, unit) << " to "
                << models::metric_text(*v.sample.high, unit) << ")";
    std::cout << " over " << v.sample.n << " runs\n";
  }
  // The cost, when the hosts have prices: the same in every run.
  const fs::path first = out / "points" / loaded.spec->points.front().name / "rep-1" / "results.json";
  if (fs::exists(first)) {
    const auto results = nlohmann::json::parse(read_file(first));
    if (const auto cost = models::metric_value(results, "cost.per_hour"))
      std::printf("  cost: %.4g per hour\n", *cost);
  }
  std::cout << (all && result.status == kOk ? "PASS" : "FAIL") << '\n';
  return all && result.status == kOk ? kOk : kRunError;
}

} // namespace

int cmd_grade(const std::vector<std::string>& args)
{
  int status = kOk;
  const auto o = parse(args, status);
  if (!o)
    return status;
  const models::LessonLoad lesson = models::load_lesson_file(o->lesson);
  print_diagnostics(lesson.errors, lesson.warnings);
  if (!lesson.spec)
    return kBadInput;
  std::string error;
  const auto text = models::read_text_file(o->file, error);
  if (!text) {
    std::cerr << o->file << ": cannot open the file: " << error << '\n';
    return kBadInput;
  }
  const auto keys = models::top_level_keys(*text);
  return std::find(keys.begin(), keys.end(), "hardware") != keys.end() ? grade_solution(*o, *lesson.spec, *text)
                                                                       : grade_answers(*o, *lesson.spec, *text);
}

} // namespace scalelab::app
