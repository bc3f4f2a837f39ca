#pragma once
// Running the scalelab program from a test: its exit status and what it printed, the folders it writes to.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace scalelab::testing
{

inline std::string read(const std::filesystem::path& p)
{
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Result {
  int status = -1;
  std::string out, err;
};

// Runs `binary args` (a shell command line tail), its output kept in dir/stdout.txt and dir/stderr.txt.
inline Result run_program(const std::string& binary, const std::string& args, const std::filesystem::path& dir)
{
  const std::string command =
      binary + " " + args + " > " + (dir / "stdout.txt").string() + " 2> " + (dir / "stderr.txt").string();
  const int status = std::system(command.c_str());
  Result r;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read(dir / "stdout.txt");
  r.err = read(dir / "stderr.txt");
  return r;
}

#ifdef SCALELAB_TEST_SCRATCH
// A fresh, empty folder `name` under the tests' scratch folder, for a run's output.
inline std::filesystem::path scratch(const std::string& name)
{
  const std::filesystem::path dir = std::filesystem::path(SCALELAB_TEST_SCRATCH) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}
#endif

#ifdef SCALELAB_SOURCE_DIR
// A file of the source tree (a shipped topology, a test case) by its path from the top.
inline std::string source_file(const std::string& name)
{
  return std::string(SCALELAB_SOURCE_DIR) + "/" + name;
}
#endif

} // namespace scalelab::testing
