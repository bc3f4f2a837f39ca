#pragma once
// A lesson of the course (experiments/lessons/NN-name/lesson.yaml): its objectives, an experiment whose
// summary answers its questions, and a challenge that grades a student's topology. Declared and checked like
// the other files (lesson.cpp): every problem with file:line:col, the experiment loaded and every question's
// point and metric found in it. Answers files ({question: answer}) and the grading are here too, as plain
// functions of the experiments' summaries; `scalelab grade` runs the experiments (docs/lessons.md).
#include "scalelab/models/experiment.hpp"
#include "scalelab/models/statistics.hpp"
#include "scalelab/models/sweep_results.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scalelab::models
{

struct LessonQuestion {
  std::string name; // letters, digits, '_'
  std::string ask;
  std::size_t point = 0; // in the experiment's points
  // A number: the mean of metric at the point, right within `within` (a fraction: 0.1 for 10 %).
  std::size_t metric = 0; // in the experiment's metrics
  double within = 0;
  // A choice, when choices is not empty: the right one is the choice whose metric has the highest mean.
  std::vector<std::pair<std::string, std::size_t>> choices; // choice -> metric
  SourceLocation where;

  bool is_choice() const { return !choices.empty(); }
};

enum class Bound { below, at_most, above, at_least };

struct Requirement {
  std::string metric; // a path into results.json
  Bound bound = Bound::below;
  double value = 0;    // in base units
  std::string written; // as written: 50ms
  SourceLocation where;
};

struct LessonChallenge {
  std::string ask;
  std::vector<Override> set;            // written into the student's topology
  std::optional<double> price_per_core; // every machine's price per hour, from its cores; none: the topology's
  int repetitions = 3;
  std::vector<Requirement> require;
  SourceLocation where;
};

struct LessonSpec {
  std::string file; // lesson.yaml as given
  std::string name; // the lesson's directory name: 01-single-server
  std::string title;
  std::vector<std::string> objectives;
  ExperimentSpec experiment;
  std::vector<LessonQuestion> questions;
  std::optional<LessonChallenge> challenge;
};

struct LessonLoad {
  std::optional<LessonSpec> spec; // empty when errors is not empty
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
};

// file_name names the lesson in messages and locates its experiment (relative to its directory).
LessonLoad load_lesson_text(const std::string& text, const std::string& file_name,
                            const FileReader& read = read_text_file);
// path: a lesson.yaml, or the lesson's directory holding one.
LessonLoad load_lesson_file(const std::string& path);

// The experiment of the challenge for the student's topology solution_file: one point, the challenge's `set`
// written in, its repetitions, the requirements' metrics. Problems with `set` or a metric are reported at their
// place in the lesson file; the solution's own problems in its file.
ExperimentLoad load_challenge(const LessonSpec& lesson, const std::string& solution_file,
                              const FileReader& read = read_text_file);

struct Answer {
  std::string question;
  std::string written;          // as written: 950/s, cpu
  std::optional<double> number; // in base units, when it reads as a number
  SourceLocation where;
};

struct AnswersLoad {
  std::optional<std::vector<Answer>> answers; // in the lesson's order of questions
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings; // questions left unanswered
};

// {question: answer}: the questions the lesson has (a misspelt one with the right names), a number for a number
// question (a unit allowed: 950/s, 12ms; a bare number is in base units, seconds for latencies), one of the
// choices for a choice question.
AnswersLoad load_answers_text(const std::string& text, const std::string& file_name, const LessonSpec& lesson);

struct QuestionVerdict {
  std::string question;
  bool answered = false;
  bool right = false;
  std::string answer;   // as written
  std::string expected; // the simulated value and the range that counts, or the right choice
};

// Each question's verdict, from the summaries of the lesson's experiment (summarize_runs).
std::vector<QuestionVerdict> grade_answers(const LessonSpec& lesson, const std::vector<Answer>& answers,
                                           const std::vector<PointSummary>& summaries);

struct RequirementVerdict {
  Requirement requirement;
  bool met = false;
  SampleSummary sample; // of the metric over the repetitions
};

// Each requirement's verdict on the mean of its metric over the challenge's runs (load_challenge's experiment).
std::vector<RequirementVerdict> grade_challenge(const LessonChallenge& challenge, const ExperimentSpec& experiment,
                                                const std::vector<PointSummary>& summaries);

// The Markdown reference of lesson files, from the declaration the loader reads with.
std::string lesson_reference_markdown();

// Every key of lesson files and of the experiments they name, once each: the lesson fuzzer's dictionary.
std::vector<std::string> lesson_words();

// A metric's value for people, to 4 digits: latencies (unit "s") in ms, throughputs with "/s".
std::string metric_text(double value, const std::string& unit);

// "total.latency.p99 below 50ms".
std::string describe(const Requirement& requirement);

} // namespace scalelab::models
