#pragma once
// What the tests of scalelab's live commands (real run, calibrate, validate, the failover) share: scratch directories
// PostgreSQL can use, running scalelab, and finding the processes a run left. Needs SCALELAB_BINARY.
#include <gtest/gtest.h>

#include <cstdlib>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace scalelab::real_test
{

inline std::string read_text(const std::filesystem::path& path)
{
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One directory per test process (ctest runs each test in its own), removed when the program ends: a stack's data
// is about 40 MB.
inline std::filesystem::path scratch_root()
{
  return std::filesystem::path("/tmp") / ("scalelab-real-" + std::to_string(getpid()));
}

struct ScratchCleaner : ::testing::Environment {
  void TearDown() override
  {
    std::error_code ec;
    std::filesystem::remove_all(scratch_root(), ec);
  }
};
inline const auto* const kScratchCleaner = ::testing::AddGlobalTestEnvironment(new ScratchCleaner);

// A scratch directory the user postgres can reach (PostgreSQL runs as postgres when the tests run as root).
inline std::filesystem::path scratch(const std::string& name)
{
  const std::filesystem::path dir = scratch_root() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir.parent_path(), std::filesystem::perms::all);
  return dir;
}

// Runs scalelab with args (at most 150 s), its output into log; the exit status.
inline int run_scalelab(const std::string& args, const std::filesystem::path& log)
{
  const std::string command =
      "timeout 150 " + std::string(SCALELAB_BINARY) + " " + args + " > " + log.string() + " 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Live processes whose environment, command line or working directory names run.
inline std::vector<int> left_in(const std::filesystem::path& run)
{
  std::vector<int> left;
  DIR* dir = opendir("/proc");
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 1 || pid == getpid())
      continue;
    const std::string proc = "/proc/" + std::to_string(pid);
    const std::string stat = read_text(proc + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos || stat[close + 2] == 'Z' || stat[close + 2] == 'X')
      continue;
    std::string env = read_text(proc + "/environ") + read_text(proc + "/cmdline");
    std::error_code ec;
    const auto cwd = std::filesystem::read_symlink(proc + "/cwd", ec);
    if (env.find(run.string()) != std::string::npos || (!ec && cwd.string().rfind(run.string(), 0) == 0))
      left.push_back(static_cast<int>(pid));
  }
  closedir(dir);
  return left;
}

} // namespace scalelab::real_test

// Skips a live test without PostgreSQL; fails it instead under SCALELAB_REAL_REQUIRED=1 (CI).
#define REQUIRE_POSTGRES()                                                                                             \
  if (!std::filesystem::exists("/usr/lib/postgresql")) {                                                               \
    if (std::getenv("SCALELAB_REAL_REQUIRED"))                                                                         \
      FAIL() << "postgresql missing (scripts/install-deps.sh)";                                                        \
    GTEST_SKIP() << "postgresql missing (scripts/install-deps.sh)";                                                    \
  }
