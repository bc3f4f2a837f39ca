// Every shipped lesson (experiments/lessons/NN-name/) through `scalelab grade`: the answers its README gives
// (solution/answers.yaml) are right against the simulation, so a README figure that drifts fails here; its
// solution topology passes the challenge, and the lesson's own starting topology does not. A lesson's other
// experiments have their README figures in figures/, graded the same way.
#include "command.hpp"

#include <gtest/gtest.h>

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
