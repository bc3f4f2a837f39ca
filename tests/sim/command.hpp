#pragma once
// Running the scalelab program from a test: its exit status and what it printed.
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

} // namespace scalelab::testing
