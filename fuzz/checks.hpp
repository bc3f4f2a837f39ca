#pragma once
// What every loader of a file kind must do with any text at all, checked the same way by the fuzzers and by
// the tests of the regression corpus (tests/corpus/fuzz/KIND/): end, and answer either with a value and no
// error, or with errors that each say where (file:line:col, on one line). See fuzz/README.md.
#include "scalelab/models/loader.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace scalelab::fuzz
{

// A loader's answer, whatever the file kind.
struct LoaderOutcome {
  bool loaded = false; // a value came back
  std::vector<models::Diagnostic> errors;
  std::vector<models::Diagnostic> warnings;
};

// A kind of file a user writes, and how it is loaded: text and the file's name in, diagnostics out.
struct FileKind {
  std::string name; // "topology": the fuzzer fuzz_topology, its corpus tests/corpus/fuzz/topology/
  std::function<LoaderOutcome(const std::string& text, const std::string& file)> load;
  std::function<std::vector<std::string>()> words; // for its dictionary, fuzz/NAME.dict
};

// Every kind of file, one line each (checks.cpp).
const std::vector<FileKind>& file_kinds();
const FileKind& file_kind(const std::string& name); // throws std::out_of_range for an unknown one

// What is wrong with the loader's answer to text, or "" when nothing is:
// - it loaded and reported errors, or refused without an error;
// - a diagnostic names another file, has no place (line and column from 1), a place after the end of the
//   text, or a message that is empty or spans several lines.
std::string loader_problem(const FileKind& kind, const std::string& text, const std::string& file);

// The libFuzzer dictionary of a kind: its words, quoted, one per line.
std::string dictionary(const FileKind& kind);

// For a fuzz target: runs loader_problem on the input and abort()s, printing the problem, when there is one.
int fuzz_loader(const FileKind& kind, const std::uint8_t* data, std::size_t size);

} // namespace scalelab::fuzz
