// Every shipped lesson (experiments/lessons/NN-name/) through `scalelab grade`: the answers its README gives
// (solution/answers.yaml) are right against the simulation, so a README figure that drifts fails here; its
// solution topology passes the challenge, and the lesson's own starting topology does not. A lesson's other
// experiments have their README figures in figures/, graded the same way.
#include "command.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace
{

const fs::path kLessons = fs::path(SCALELAB_SOURCE_DIR) / "experiments" / "lessons";

std::vector<std::string> lesson_names()
{
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kLessons))
    if (fs::exists(entry.path() / "lesson.yaml"))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

scalelab::testing::Result grade(const std::string& lesson, const std::string& file, const fs::path& dir)
{
  const fs::path folder = kLessons / lesson;
  return scalelab::testing::run_program(SCALELAB_BINARY,
                                        "grade " + folder.string() + " " + (folder / file).string() +
                                            " --quiet --jobs 2 --out " + (dir / "out").string(),
                                        dir);
}

class Lesson : public ::testing::TestWithParam<std::string>
{
};

TEST_P(Lesson, TheReadmesAnswersAreRightAndTheSolutionPassesWhereTheStartFails)
{
  const fs::path dir = fs::path(SCALELAB_TEST_SCRATCH) / ("lesson-" + GetParam());
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto answers = grade(GetParam(), "solution/answers.yaml", dir);
  EXPECT_EQ(answers.status, 0) << answers.out << answers.err;
  EXPECT_EQ(answers.out.find("wrong"), std::string::npos) << answers.out;
  const auto solution = grade(GetParam(), "solution/topology.yaml", dir);
  EXPECT_EQ(solution.status, 0) << solution.out << solution.err;
  EXPECT_NE(solution.out.find("PASS"), std::string::npos) << solution.out;
  const auto start = grade(GetParam(), "topology.yaml", dir);
  EXPECT_EQ(start.status, 1) << start.out << start.err;
  EXPECT_NE(start.out.find("FAIL"), std::string::npos) << start.out;
  // A README's figures from another experiment of the folder (figures/E.yaml in the lesson format, its values
  // in figures/E.values.yaml, as a scenario's): right against the simulation.
  const fs::path figures = kLessons / GetParam() / "figures";
  if (!fs::exists(figures))
    return;
  for (const auto& entry : fs::directory_iterator(figures)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".yaml" || name.find(".values.yaml") != std::string::npos)
      continue;
    const fs::path values = figures / (entry.path().stem().string() + ".values.yaml");
    const auto graded =
        scalelab::testing::run_program(SCALELAB_BINARY,
                                       "grade " + entry.path().string() + " " + values.string() +
                                           " --quiet --jobs 2 --out " + (dir / entry.path().stem()).string(),
                                       dir);
    EXPECT_EQ(graded.status, 0) << entry.path() << "\n" << graded.out << graded.err;
    EXPECT_EQ(graded.out.find("wrong"), std::string::npos) << entry.path() << "\n" << graded.out;
  }
}

// Lesson 08's challenge imposes web-1's crash (its `faults`): a topology that made the balancer sticky and
// removed its own crash would pass without it (sticky sessions lose nothing when no server fails), and fails
// with it, the crash's users logged out.
TEST(Lessons, AChallengeImposesItsFaultsOnASolutionThatRemovedThem)
{
  const fs::path dir = fs::path(SCALELAB_TEST_SCRATCH) / "lesson-imposed-faults";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string topology = scalelab::testing::read(kLessons / "08-stateless-web-tier" / "topology.yaml");
  const std::string balancer = "health_check: 1s}";
  ASSERT_NE(topology.find(balancer), std::string::npos);
  topology.replace(topology.find(balancer), balancer.size(), "health_check: 1s, sticky: true}");
  ASSERT_NE(topology.find("\nfaults:"), std::string::npos);
  topology.erase(topology.find("\nfaults:") + 1);
  std::ofstream(dir / "sticky-without-crash.yaml", std::ios::binary) << topology;
  const auto graded = scalelab::testing::run_program(SCALELAB_BINARY,
                                                     "grade " + (kLessons / "08-stateless-web-tier").string() + " " +
                                                         (dir / "sticky-without-crash.yaml").string() +
                                                         " --quiet --jobs 2 --out " + (dir / "out").string(),
                                                     dir);
  EXPECT_EQ(graded.status, 1) << graded.out << graded.err;
  EXPECT_NE(graded.out.find("not met: total.errors.session_lost"), std::string::npos) << graded.out;
  EXPECT_NE(graded.out.find("met:     total.latency.p99"), std::string::npos) << graded.out;
}

// Lesson 13's arithmetic, on a short run of its topology at five million users (12 simulated seconds, 4
// measured): the origin receives the feeds and posts (40 % of the requests) and the pages the edge missed,
// total x (0.4 + 0.6 (1 - hit ratio)); the fan-out workers, saturated, complete 40 consumers / (5 ms of CPU +
// the round trip of 2 x 100 us between an acknowledgement and the next delivery) = 7,692 jobs a second, their
// cores busy 5 / 5.2 of the time, while the users' p99 stays under 10 ms and the broker's backlog grows.
TEST(Lessons, LessonThirteensTiersFollowFromTheMixTheHitRatioAndTheWorkersCycle)
{
  const fs::path dir = fs::path(SCALELAB_TEST_SCRATCH) / "lesson-13-arithmetic";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string topology = scalelab::testing::read(kLessons / "13-millions-of-users" / "topology.yaml");
  const std::string users = "users: 1000000,";
  ASSERT_NE(topology.find(users), std::string::npos);
  topology.replace(topology.find(users), users.size(), "users: 5000000,");
  std::ofstream(dir / "five-million.yaml", std::ios::binary) << topology;
  const auto run = scalelab::testing::run_program(
      SCALELAB_BINARY,
      "run " + (dir / "five-million.yaml").string() + " --duration 12s --quiet --out " + (dir / "out").string(), dir);
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  const auto results = nlohmann::json::parse(scalelab::testing::read(dir / "out" / "results.json"));
  const auto service = [&](const std::string& name) {
    for (const auto& s : results["services"])
      if (s["name"] == name)
        return s;
    ADD_FAILURE() << "no service " << name;
    return nlohmann::json{};
  };
  const auto host = [&](const std::string& name) {
    for (const auto& h : results["hosts"])
      if (h["name"] == name)
        return h;
    ADD_FAILURE() << "no host " << name;
    return nlohmann::json{};
  };
  const double total = results["total"]["throughput"].get<double>();
  EXPECT_NEAR(total, 5e6 / 30.0, 5e6 / 30.0 * 0.02); // a million users thinking 30 s, five times
  const double hit_ratio = service("cdn")["cache"]["hit_ratio"].get<double>();
  const double origin = service("lb")["throughput"].get<double>();
  EXPECT_NEAR(origin, total * (0.4 + 0.6 * (1 - hit_ratio)), total * 0.01) << hit_ratio;
  const double consumers = 40, cycle = 5e-3 + 2 * 100e-6;
  EXPECT_NEAR(service("fanout_workers")["throughput"].get<double>(), consumers / cycle, consumers / cycle * 0.005);
  EXPECT_NEAR(host("work-1")["cpu_utilisation"].get<double>(), 5e-3 / cycle, 0.005);
  EXPECT_LT(results["total"]["latency"]["p99"].get<double>(), 0.010);
  EXPECT_GT(service("mq")["queue"]["backlog_at_end"].get<double>(), 10000);
}

TEST(Lessons, ThereAreLessons)
{
  EXPECT_GE(lesson_names().size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(Shipped, Lesson, ::testing::ValuesIn(lesson_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string id = param.param;
                           std::replace(id.begin(), id.end(), '-', '_');
                           return id;
                         });

} // namespace
