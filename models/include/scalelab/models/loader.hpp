#pragma once
// Reads a topology file into a TopologySpec. Every problem in the file is reported in one go as
// "file:line:col: message"; a misspelt name lists the names that would have been right. No spec is
// returned when there is any error, so nothing runs on a bad file.
#include "scalelab/models/spec.hpp"

#include <optional>
#include <string>
#include <vector>

namespace scalelab::models
{

struct Diagnostic {
  SourceLocation where;
  std::string message;
  std::string format() const; // "file:line:col: message" (or "file: message" without a position)
};

struct LoadResult {
  std::optional<TopologySpec> spec; // empty when errors is not empty
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
};

// The text of the file at path, or nothing with error set ("No such file or directory", "it is a directory").
// It stops reading one byte past the largest file a loader takes (limits::kFileBytes), so that an endless file
// (/dev/zero) is refused without being read whole.
std::optional<std::string> read_text_file(const std::string& path, std::string& error);

// The load of the file at path: load(text, path), or, when the file cannot be read, a Result (a LoadResult, an
// ExperimentLoad, ...) with one error at the file, "cannot open the file: why".
template <class Result, class Load> Result load_file(const std::string& path, Load load)
{
  std::string error;
  const auto text = read_text_file(path, error);
  if (!text) {
    Result result;
    result.errors.push_back(Diagnostic{SourceLocation{path, 0, 0}, "cannot open the file: " + error});
    return result;
  }
  return load(*text, path);
}

LoadResult load_topology_file(const std::string& path);
// file_label names the source in messages.
LoadResult load_topology_text(const std::string& yaml_text, const std::string& file_label);

// The YAML reference (Markdown), generated from the same declaration the loader validates with.
std::string schema_reference_markdown();

// Every word of the format, from the same declaration: keys, selectors and their choices, enumerations,
// step and distribution forms, units. Each once, in declaration order (the fuzzer's dictionary).
std::vector<std::string> schema_words();

} // namespace scalelab::models
