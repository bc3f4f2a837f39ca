#pragma once
// What the unit tests share: a file's text, diagnostics as the program prints them, and whether a golden file
// is to be rewritten rather than compared (SCALELAB_UPDATE_GOLDEN=1).
#include "scalelab/models/loader.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace scalelab::testing
{

inline std::string read_text(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// One "file:line:col: message" line per diagnostic.
inline std::string joined(const std::vector<models::Diagnostic>& list)
{
  std::string out;
  for (const auto& d : list)
    out += d.format() + "\n";
  return out;
}

inline bool updating_golden()
{
  const char* update = std::getenv("SCALELAB_UPDATE_GOLDEN");
  return update && std::string(update) == "1";
}

} // namespace scalelab::testing
