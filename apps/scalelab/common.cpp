#include "common.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace scalelab::app
{

int usage_error(const std::string& message, const char* help)
{
  std::cerr << "scalelab: " << message << "\n\n" << help;
  return kBadInput;
}

bool is_help(const std::string& argument)
{
  return argument == "-h" || argument == "--help";
}

void print_diagnostics(const std::vector<models::Diagnostic>& errors, const std::vector<models::Diagnostic>& warnings)
{
  for (const auto& w : warnings)
    std::cerr << w.format() << " (warning)\n";
  for (const auto& e : errors)
    std::cerr << e.format() << '\n';
}

void write_file_atomically(const std::filesystem::path& path, const std::string& content)
{
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
    out << content;
    if (!out.flush())
      throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
  }
  std::filesystem::rename(tmp, path);
}

std::string read_file(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path self_executable()
{
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    throw std::runtime_error("cannot find this program's path in /proc/self/exe: " + ec.message());
  return path;
}

} // namespace scalelab::app
