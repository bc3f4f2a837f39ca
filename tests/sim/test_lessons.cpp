// Every shipped lesson (experiments/lessons/NN-name/) through `scalelab grade`: the answers its README gives
// (solution/answers.yaml) are right against the simulation, so a README figure that drifts fails here; its
// solution topology passes the challenge, and the lesson's own starting topology does not.
#include "command.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
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
