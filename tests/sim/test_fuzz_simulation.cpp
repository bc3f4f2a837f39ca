// The engine's fuzzing harness (fuzz/simulation.hpp) and its regression corpus: every file of
// tests/corpus/fuzz/simulation/ that loads runs, bounded, with every engine, each in a child process, and
// the runs end, conserve requests and agree byte for byte.
#include "checks.hpp"
#include "simulation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace scalelab::fuzz
{
namespace
{

namespace fs = std::filesystem;

std::string read_text(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The problem of a file, as the fuzzer sees it: "" when it does not load or cannot be bounded.
std::string problem_of(const fs::path& file, bool* ran = nullptr)
{
  models::LoadResult loaded = models::load_topology_text(read_text(file), file.filename().string());
  if (!loaded.spec)
    return "";
  const auto spec = bounded_for_fuzzing(std::move(*loaded.spec));
  if (!spec)
    return "";
  if (ran)
    *ran = true;
  return simulation_problem(*spec);
}

TEST(FuzzSimulation, EveryInputTheFuzzerFoundRunsWithEveryEngineAlike)
{
  const fs::path dir = fs::path(SCALELAB_SOURCE_DIR) / "tests" / "corpus" / "fuzz" / "simulation";
  std::vector<fs::path> files;
  if (fs::is_directory(dir))
    for (const auto& entry : fs::directory_iterator(dir))
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files)
    EXPECT_EQ(problem_of(file), "") << file;
}

TEST(FuzzSimulation, TheShippedTopologiesRunBoundedWithEveryEngineAlike)
{
  for (const char* name : {"topologies/three-tier.yaml", "topologies/racks.yaml", "topologies/two-datacenters.yaml",
                           "tests/sim/cases/faults.yaml", "tests/sim/cases/closed-calls.yaml",
                           "tests/sim/cases/protection.yaml", "tests/sim/cases/network-faults.yaml",
                           "tests/sim/cases/cdn-faults.yaml", "tests/sim/cases/service-faults.yaml"}) {
    bool ran = false;
    EXPECT_EQ(problem_of(fs::path(SCALELAB_SOURCE_DIR) / name, &ran), "") << name;
    EXPECT_TRUE(ran) << name << " was not run";
  }
}

TEST(FuzzSimulation, ARunThatNeverEndsIsStoppedAndReported)
{
  // A bound of no time at all: the first engine's run is stopped and reported.
  models::LoadResult loaded = models::load_topology_file(std::string(SCALELAB_SOURCE_DIR) + "/topologies/lan.yaml");
  ASSERT_TRUE(loaded.spec);
  const auto spec = bounded_for_fuzzing(*loaded.spec);
  ASSERT_TRUE(spec);
  EXPECT_EQ(simulation_problem(*spec, SimulationBounds{0.0, 1024}).rfind("engine windowed: the run took more than", 0),
            0u);
}

} // namespace
} // namespace scalelab::fuzz
