// Every shipped scenario (experiments/scenarios/NAME/): each of its YAML files passes `scalelab check` without
// a warning, each of its experiments has a figures file (figures/EXPERIMENT.yaml, in the lesson format: the
// figures its README quotes, each with a point, a metric and a tolerance), and `scalelab grade` finds every
// value of figures/EXPERIMENT.values.yaml right against the experiment's summary: a README figure that drifts
// beyond its tolerance fails here.
#include "command.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace
{

const fs::path kScenarios = fs::path(SCALELAB_SOURCE_DIR) / "experiments" / "scenarios";

std::vector<std::string> scenario_names()
{
  std::vector<std::string> names;
  if (!fs::exists(kScenarios))
    return names;
  for (const auto& entry : fs::directory_iterator(kScenarios))
    if (entry.is_directory())
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<fs::path> yaml_files(const fs::path& dir)
{
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".yaml")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// An experiment file names its topology at the top level.
bool is_experiment(const fs::path& file)
{
  std::istringstream lines(scalelab::testing::read(file));
  std::string line;
  while (std::getline(lines, line))
    if (line.rfind("topology:", 0) == 0)
      return true;
  return false;
}

bool is_values(const fs::path& file)
{
  const std::string name = file.filename().string();
  const std::string tail = ".values.yaml";
  return name.size() > tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
}

class Scenario : public ::testing::TestWithParam<std::string>
{
};

TEST_P(Scenario, ChecksAndItsReadmesFiguresHold)
{
  const fs::path folder = kScenarios / GetParam();
  const fs::path dir = fs::path(SCALELAB_TEST_SCRATCH) / ("scenario-" + GetParam());
  fs::remove_all(dir);
  fs::create_directories(dir);
  EXPECT_TRUE(fs::exists(folder / "README.md")) << folder;

  int experiments = 0;
  for (const fs::path& file : yaml_files(folder)) {
    const auto check = scalelab::testing::run_program(SCALELAB_BINARY, "check " + file.string(), dir);
    EXPECT_EQ(check.status, 0) << check.out << check.err;
    EXPECT_EQ((check.out + check.err).find("warning"), std::string::npos) << check.out << check.err;
    if (!is_experiment(file))
      continue;
    ++experiments;
    const fs::path figures = folder / "figures" / file.filename();
    EXPECT_TRUE(fs::exists(figures)) << "no figures file for " << file;
  }
  EXPECT_GE(experiments, 1) << folder;

  int graded = 0;
  for (const fs::path& figures : yaml_files(folder / "figures")) {
    if (is_values(figures))
      continue;
    ++graded;
    const fs::path values = figures.parent_path() / (figures.stem().string() + ".values.yaml");
    const auto check = scalelab::testing::run_program(SCALELAB_BINARY, "check " + figures.string(), dir);
    EXPECT_EQ(check.status, 0) << check.out << check.err;
    const auto grade = scalelab::testing::run_program(SCALELAB_BINARY,
                                                      "grade " + figures.string() + " " + values.string() +
                                                          " --quiet --jobs 2 --out " + (dir / figures.stem()).string(),
                                                      dir);
    EXPECT_EQ(grade.status, 0) << figures << "\n" << grade.out << grade.err;
    EXPECT_EQ(grade.out.find("wrong"), std::string::npos) << figures << "\n" << grade.out;
  }
  EXPECT_EQ(graded, experiments) << folder;
}

TEST(Scenarios, ThereAreScenarios)
{
  EXPECT_GE(scenario_names().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Shipped, Scenario, ::testing::ValuesIn(scenario_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string id = param.param;
                           std::replace(id.begin(), id.end(), '-', '_');
                           return id;
                         });

} // namespace
