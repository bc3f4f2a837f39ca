// Tests of lesson files, answers files and their grading (models/src/lesson.cpp): what a lesson refers to in
// its experiment is found or refused at its place, a challenge's problems are reported in the lesson file, and
// the verdicts follow the summaries they are given.
#include "scalelab/models/lesson.hpp"
#include "scalelab/models/loader.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace scalelab::models
{
namespace
{

using scalelab::testing::joined;

const char* const kTopology = R"(name: shop
duration: 10s
hardware:
  hosts:
    - {name: web, cores: 4, price: 0.17}
    - {name: db, cores: 8, price: 0.34}
services:
  app: {kind: api_server, host: web, workers: 8}
  users: {kind: database, host: db}
requests:
  get_user: [cpu: 2Mf, db_read: users]
workload:
  entry: app
  arrival: {process: poisson, rate: 500/s}
)";

const char* const kExperiment = R"(name: shop-load
topology: topology.yaml
vary:
  workload.arrival.rate: [500/s, 1000/s]
  services.app.workers: [8, 16]
metrics: [total.throughput, total.latency.p99, hosts.web.cpu_utilisation, hosts.db.disk_utilisation]
)";

// Reads the files of a lesson folder from memory.
FileReader reader(std::map<std::string, std::string> files)
{
  return [files](const std::string& path, std::string& error) -> std::optional<std::string> {
    const auto found = files.find(std::filesystem::path(path).filename().string());
    if (found == files.end()) {
      error = "No such file or directory";
      return std::nullopt;
    }
    return found->second;
  };
}

const FileReader kReader = reader({{"topology.yaml", kTopology}, {"experiment.yaml", kExperiment}});

const char* const kLesson = R"(title: A shop
experiment: experiment.yaml
questions:
  - name: throughput
    ask: "How many per second at 1000/s with 16 workers?"
    point: {rate: 1000/s, workers: 16}
    metric: total.throughput
    within: 5%
  - name: busiest
    ask: "CPU or disk?"
    point: {rate: 500/s, workers: 8}
    choices: {cpu: hosts.web.cpu_utilisation, disk: hosts.db.disk_utilisation}
challenge:
  ask: "Serve 2000/s under 50 ms."
  set: {workload.arrival.rate: 2000/s}
  require:
    total.latency.p99: {below: 50ms}
    total.throughput: {at_least: 1950/s}
  repetitions: 2
)";

TEST(LessonLoader, QuestionsFindTheirPointAndMetricInTheExperiment)
{
  const LessonLoad loaded = load_lesson_text(kLesson, "lessons/shop/lesson.yaml", kReader);
  ASSERT_TRUE(loaded.spec) << joined(loaded.errors);
  const LessonSpec& lesson = *loaded.spec;
  EXPECT_EQ(lesson.name, "shop");
  ASSERT_EQ(lesson.questions.size(), 2u);
  const Point& point = lesson.experiment.points[lesson.questions[0].point];
  EXPECT_EQ(point.values, (std::vector<std::size_t>{1, 1})); // 1000/s, 16 workers
  EXPECT_EQ(lesson.questions[0].metric, 0u);
  EXPECT_DOUBLE_EQ(lesson.questions[0].within, 0.05);
  EXPECT_TRUE(lesson.questions[1].is_choice());
  ASSERT_TRUE(lesson.challenge);
  EXPECT_EQ(lesson.challenge->require[0].bound, Bound::below);
  EXPECT_DOUBLE_EQ(lesson.challenge->require[0].value, 0.05);
  EXPECT_DOUBLE_EQ(lesson.challenge->require[1].value, 1950);
}

TEST(LessonLoader, WhatTheExperimentDoesNotHaveIsRefusedAtItsPlace)
{
  const std::string text = R"(title: A shop
experiment: experiment.yaml
questions:
  - name: a
    ask: "?"
    point: {rate: 700/s, workers: 8}
    metric: total.latency.p95
  - name: b
    ask: "?"
    point: {rat: 500/s, workers: 8}
    metric: total.throughput
    within: 5
  - name: c
    ask: "?"
    point: {rate: 500/s}
    choices: {cpu: hosts.web.cpu_utilisation}
)";
  const LessonLoad loaded = load_lesson_text(text, "lesson.yaml", kReader);
  EXPECT_FALSE(loaded.spec);
  EXPECT_EQ(joined(loaded.errors),
            "lesson.yaml:6:19: point: rate = 700/s is not one of its values: 500/s, 1000/s\n"
            "lesson.yaml:7:13: \"total.latency.p95\" is not one of the experiment's metrics; did you mean "
            "\"total.latency.p99\"?\n"
            "lesson.yaml:10:13: point: \"rat\" is not a varied parameter; did you mean \"rate\"?\n"
            "lesson.yaml:12:13: within: expected a percentage above 0 and at most 100, such as 10%, got \"5\"\n"
            "lesson.yaml:15:5: question \"c\": the point must give a value of workers\n"
            "lesson.yaml:16:5: question \"c\": give at least 2 choices\n");
}

TEST(LessonChallenge, ProblemsWithItsValuesAreReportedInTheLessonFile)
{
  std::string text = kLesson;
  text.replace(text.find("workload.arrival.rate: 2000/s"), 29, "services.app.workrs: 4");
  const LessonLoad loaded = load_lesson_text(text, "lesson.yaml", kReader);
  ASSERT_TRUE(loaded.spec) << joined(loaded.errors);
  const ExperimentLoad challenge =
      load_challenge(*loaded.spec, "solution.yaml", reader({{"solution.yaml", kTopology}}));
  EXPECT_FALSE(challenge.spec);
  ASSERT_EQ(challenge.errors.size(), 1u) << joined(challenge.errors);
  EXPECT_EQ(challenge.errors[0].where.file, "lesson.yaml");
  EXPECT_EQ(challenge.errors[0].where.line, 15) << "the line of set in the lesson";
  EXPECT_NE(challenge.errors[0].message.find("did you mean \"workers\""), std::string::npos)
      << challenge.errors[0].message;
  // A solution that does not load is reported in its own file.
  const ExperimentLoad broken =
      load_challenge(*loaded.spec, "solution.yaml", reader({{"solution.yaml", "name: x\nduration: ten\n"}}));
  ASSERT_FALSE(broken.errors.empty());
  EXPECT_EQ(broken.errors[0].where.file, "solution.yaml");
}

TEST(LessonChallenge, APricePerCoreIsWrittenOverTheSolutionsOwnPrices)
{
  std::string text = kLesson;
  text.replace(text.find("  repetitions: 2"), 16, "  repetitions: 2\n  price_per_core: 0.05");
  const LessonLoad loaded = load_lesson_text(text, "lesson.yaml", kReader);
  ASSERT_TRUE(loaded.spec) << joined(loaded.errors);
  const ExperimentLoad challenge =
      load_challenge(*loaded.spec, "solution.yaml", reader({{"solution.yaml", kTopology}}));
  ASSERT_TRUE(challenge.spec) << joined(challenge.errors);
  std::map<std::string, std::string> set;
  for (const Override& o : challenge.spec->set)
    set[o.path] = o.text;
  EXPECT_EQ(set["hardware.hosts.web.price"], "0.2"); // 4 cores, written 0.17 in the topology
  EXPECT_EQ(set["hardware.hosts.db.price"], "0.4");  // 8 cores, written 0.34
  EXPECT_EQ(set["workload.arrival.rate"], "2000/s");
}

TEST(LessonChallenge, AFaultTimelineIsWrittenOverTheSolutionsOwnFaults)
{
  std::string text = kLesson;
  text.replace(text.find("  repetitions: 2"), 16,
               "  repetitions: 2\n  faults:\n    - {at: 4s, crash: db, for: 2s}\n    - {at: 7s, slow: web, factor: 3}");
  const LessonLoad loaded = load_lesson_text(text, "lesson.yaml", kReader);
  ASSERT_TRUE(loaded.spec) << joined(loaded.errors);
  // A solution without faults, and one that writes its own (harmless) timeline: both get the lesson's.
  std::string own = kTopology;
  own += "faults:\n  - {at: 9s, crash: web, for: 100ms}\n";
  for (const std::string& solution : {std::string(kTopology), own}) {
    const ExperimentLoad challenge =
        load_challenge(*loaded.spec, "solution.yaml", reader({{"solution.yaml", solution}}));
    ASSERT_TRUE(challenge.spec) << joined(challenge.errors);
    std::map<std::string, std::string> set;
    for (const Override& o : challenge.spec->set)
      set[o.path] = o.text;
    EXPECT_EQ(set["faults"], "[{at: 4s, crash: db, for: 2s}, {at: 7s, slow: web, factor: 3}]");
    ASSERT_EQ(challenge.spec->points.size(), 1u);
    const LoadResult topology =
        load_topology_text(resolved_topology_text(*challenge.spec, challenge.spec->points[0]), "point.yaml");
    ASSERT_TRUE(topology.spec) << joined(topology.errors);
    ASSERT_EQ(topology.spec->faults.size(), 2u);
    EXPECT_EQ(topology.spec->faults[0].host, "db");
    EXPECT_EQ(topology.spec->faults[1].host, "web");
  }
  // `[]` removes the solution's faults; a fault the solution's hosts cannot take is reported in the lesson file,
  // at the challenge's faults.
  std::string none = kLesson;
  none.replace(none.find("  repetitions: 2"), 16, "  repetitions: 2\n  faults: []");
  const LessonLoad cleared = load_lesson_text(none, "lesson.yaml", kReader);
  ASSERT_TRUE(cleared.spec) << joined(cleared.errors);
  const ExperimentLoad without = load_challenge(*cleared.spec, "solution.yaml", reader({{"solution.yaml", own}}));
  ASSERT_TRUE(without.spec) << joined(without.errors);
  const LoadResult cleared_topology =
      load_topology_text(resolved_topology_text(*without.spec, without.spec->points.at(0)), "point.yaml");
  ASSERT_TRUE(cleared_topology.spec) << joined(cleared_topology.errors);
  EXPECT_TRUE(cleared_topology.spec->faults.empty());
  std::string wrong = kLesson;
  wrong.replace(wrong.find("  repetitions: 2"), 16, "  repetitions: 2\n  faults: [{at: 4s, crash: dbb, for: 2s}]");
  const LessonLoad misspelt = load_lesson_text(wrong, "lesson.yaml", kReader);
  ASSERT_TRUE(misspelt.spec) << joined(misspelt.errors);
  const ExperimentLoad refused =
      load_challenge(*misspelt.spec, "solution.yaml", reader({{"solution.yaml", kTopology}}));
  EXPECT_FALSE(refused.spec);
  ASSERT_FALSE(refused.errors.empty());
  EXPECT_EQ(refused.errors[0].where.file, "lesson.yaml");
  EXPECT_EQ(refused.errors[0].where.line, 20) << joined(refused.errors);
  EXPECT_NE(refused.errors[0].message.find("dbb"), std::string::npos) << refused.errors[0].message;
  EXPECT_NE(refused.errors[0].message.find("\"db\""), std::string::npos) << refused.errors[0].message;
  // A map is not a timeline.
  std::string map = kLesson;
  map.replace(map.find("  repetitions: 2"), 16, "  repetitions: 2\n  faults: {at: 4s}");
  EXPECT_EQ(
      joined(load_lesson_text(map, "lesson.yaml", kReader).errors),
      "lesson.yaml:20:11: faults: expected a list of faults, as the topology's `faults` ([] for none), got a map\n");
}

TEST(LessonAnswers, NumbersWithUnitsChoicesAndMisspeltQuestions)
{
  const LessonSpec lesson = *load_lesson_text(kLesson, "lesson.yaml", kReader).spec;
  const AnswersLoad good = load_answers_text("throughput: 0.95k/s\nbusiest: cpu\n", "a.yaml", lesson);
  EXPECT_FALSE(good.answers) << "0.95k/s is no unit of the topology files";
  const AnswersLoad ok = load_answers_text("throughput: 950/s\nbusiest: cpu\n", "a.yaml", lesson);
  ASSERT_TRUE(ok.answers) << joined(ok.errors);
  EXPECT_DOUBLE_EQ(*(*ok.answers)[0].number, 950);
  const AnswersLoad bad = load_answers_text("througput: 950/s\nbusiest: memory\n", "a.yaml", lesson);
  EXPECT_EQ(joined(bad.errors), "a.yaml:1:1: unknown question \"througput\"; did you mean \"throughput\"?\n"
                                "a.yaml:2:10: busiest: \"memory\" is not one of the choices; they are: cpu, disk\n");
  EXPECT_EQ(joined(bad.warnings), "a.yaml:1:1: question \"throughput\" is not answered\n");
}

PointSummary summary(std::size_t point, std::size_t metric, std::vector<double> values)
{
  return PointSummary{point, metric, summarize_sample(values)};
}

TEST(LessonGrading, ANumberIsRightWithinItsShareOfTheMeanAndAChoiceIsTheHighestMetric)
{
  const LessonSpec lesson = *load_lesson_text(kLesson, "lesson.yaml", kReader).spec;
  const std::size_t point = lesson.questions[0].point;
  const std::size_t busiest_point = lesson.questions[1].point;
  const std::vector<PointSummary> summaries = {summary(point, 0, {990, 1010}), summary(busiest_point, 2, {0.3}),
                                               summary(busiest_point, 3, {0.8})};
  const auto grade = [&](const std::string& answers) {
    return grade_answers(lesson, *load_answers_text(answers, "a.yaml", lesson).answers, summaries);
  };
  auto verdicts = grade("throughput: 1049/s\nbusiest: disk\n");
  EXPECT_TRUE(verdicts[0].right) << verdicts[0].expected; // 1000 +- 5 %
  EXPECT_TRUE(verdicts[1].right);
  verdicts = grade("throughput: 1051/s\nbusiest: cpu\n");
  EXPECT_FALSE(verdicts[0].right);
  EXPECT_FALSE(verdicts[1].right);
  EXPECT_EQ(verdicts[1].expected, "disk");
  verdicts = grade("busiest: disk\n");
  EXPECT_FALSE(verdicts[0].answered);
  EXPECT_FALSE(verdicts[0].right);
}

TEST(LessonGrading, EveryBoundOfAChallengeOnTheMean)
{
  LessonChallenge c;
  ExperimentSpec experiment;
  experiment.metrics = {{"total.latency.p99", {}}};
  const std::vector<PointSummary> summaries = {summary(0, 0, {0.04, 0.06})}; // mean 0.05
  const auto met = [&](Bound bound, double value) {
    c.require = {Requirement{"total.latency.p99", bound, value, "", {}}};
    return grade_challenge(c, experiment, summaries)[0].met;
  };
  EXPECT_FALSE(met(Bound::below, 0.05));
  EXPECT_TRUE(met(Bound::at_most, 0.05));
  EXPECT_FALSE(met(Bound::above, 0.05));
  EXPECT_TRUE(met(Bound::at_least, 0.05));
  EXPECT_TRUE(met(Bound::below, 0.051));
}

TEST(LessonReference, DocsMatchTheSchema)
{
  const std::filesystem::path file = std::filesystem::path(SCALELAB_SOURCE_DIR) / "docs" / "lesson-reference.md";
  const std::string generated = lesson_reference_markdown();
  if (scalelab::testing::updating_golden()) {
    std::ofstream(file, std::ios::binary) << generated;
    GTEST_SKIP() << "rewrote " << file;
  }
  EXPECT_EQ(scalelab::testing::read_text(file), generated)
      << file << " is out of date; rerun with SCALELAB_UPDATE_GOLDEN=1 to regenerate it";
}

} // namespace
} // namespace scalelab::models
