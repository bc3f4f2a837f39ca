// The fuzzers' regression corpus and dictionaries (fuzz/README.md), for every kind of file in
// fuzz::file_kinds():
// - every file of tests/corpus/fuzz/KIND/ (inputs the fuzzer found, kept once fixed) passes the checks the
//   fuzzer makes: it loads without errors, or is refused with errors that each have a place;
// - so do the shipped topologies, the benchmark models and the broken-file corpus (the fuzzer's seeds);
// - fuzz/KIND.dict is the dictionary generated from the kind's schema. After changing a schema, regenerate:
//   SCALELAB_UPDATE_GOLDEN=1 ./scalelab_unit_tests --gtest_filter='FuzzDictionary.*'
#include "checks.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace scalelab::fuzz
{
namespace
{

using scalelab::testing::read_text;

namespace fs = std::filesystem;

const fs::path kSourceDir = SCALELAB_SOURCE_DIR;

std::vector<fs::path> files_in(const fs::path& dir, const std::string& extension = "")
{
  std::vector<fs::path> files;
  if (fs::is_directory(dir))
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file() && (extension.empty() || entry.path().extension() == extension))
        files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> kind_names()
{
  std::vector<std::string> names;
  for (const FileKind& kind : file_kinds())
    names.push_back(kind.name);
  return names;
}

class FuzzCorpus : public ::testing::TestWithParam<std::string>
{
};

TEST_P(FuzzCorpus, EveryInputTheFuzzerFoundLoadsOrIsRefusedWithPlaces)
{
  const FileKind& kind = file_kind(GetParam());
  const auto files = files_in(kSourceDir / "tests" / "corpus" / "fuzz" / kind.name);
  for (const fs::path& file : files)
    EXPECT_EQ(loader_problem(kind, read_text(file), file.filename().string()), "") << file;
}

INSTANTIATE_TEST_SUITE_P(Kinds, FuzzCorpus, ::testing::ValuesIn(kind_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

TEST(FuzzCorpus, TheTopologySeedsPassTheFuzzersChecks)
{
  const FileKind& kind = file_kind("topology");
  std::size_t seeds = 0;
  for (const char* dir : {"topologies", "bench", "tests/corpus/bad", "tests/sim/cases"})
    for (const fs::path& file : files_in(kSourceDir / dir, ".yaml")) {
      EXPECT_EQ(loader_problem(kind, read_text(file), file.filename().string()), "") << file;
      ++seeds;
    }
  EXPECT_GE(seeds, 90u);
}

TEST(FuzzCorpus, TheChecksCatchWhatTheyPromise)
{
  // A loader that breaks each promise in turn.
  std::vector<models::Diagnostic> errors;
  // One diagnostic, built field by field (a braced temporary trips GCC 12's -Wmaybe-uninitialized at -O2).
  const auto one = [](const std::string& file, int line, int column, const std::string& message) {
    models::Diagnostic d;
    d.where.file = file;
    d.where.line = line;
    d.where.column = column;
    d.message = message;
    return std::vector<models::Diagnostic>{d};
  };
  bool loaded = false;
  FileKind fake{"fake",
                [&](const std::string&, const std::string&) {
                  return LoaderOutcome{loaded, errors, {}};
                },
                [] { return std::vector<std::string>{}; }};
  EXPECT_EQ(loader_problem(fake, "x", "f.yaml"), "refused without an error");
  errors = one("f.yaml", 1, 1, "bad");
  loaded = true;
  EXPECT_EQ(loader_problem(fake, "x", "f.yaml"), "loaded, but with errors: f.yaml:1:1: bad");
  loaded = false;
  EXPECT_EQ(loader_problem(fake, "x", "f.yaml"), "");
  errors = one("f.yaml", 0, 0, "bad");
  EXPECT_EQ(loader_problem(fake, "x", "f.yaml"), "error f.yaml: bad: has no place");
  errors = one("f.yaml", 3, 1, "bad");
  EXPECT_EQ(loader_problem(fake, "x\ny", "f.yaml"),
            "error f.yaml:3:1: bad: is placed after the end of the text (2 lines)");
  errors = one("f.yaml", 1, 1, "a\nb");
  EXPECT_EQ(loader_problem(fake, "x", "f.yaml"), "error f.yaml:1:1: a\nb: spans several lines");
  errors = one("g.yaml", 1, 1, "bad");
  EXPECT_EQ(loader_problem(fake, "x", "f.yaml"), "error g.yaml:1:1: bad: names the file g.yaml, not f.yaml");
}

TEST(FuzzDictionary, EveryKindHasTheDictionaryOfItsSchema)
{
  const bool update = scalelab::testing::updating_golden();
  for (const FileKind& kind : file_kinds()) {
    const fs::path path = kSourceDir / "fuzz" / (kind.name + ".dict");
    const std::string generated = dictionary(kind);
    if (update) {
      std::ofstream(path, std::ios::binary) << generated;
      continue;
    }
    EXPECT_EQ(read_text(path), generated) << path << " is out of date; rerun with SCALELAB_UPDATE_GOLDEN=1";
  }
  const std::string topology = dictionary(file_kind("topology"));
  for (const char* word : {"\"hardware\"\n", "\"load_balancer\"\n", "\"exponential\"\n", "\"db_read\"\n",
                           "\"fatpipe\"\n", "\"Gbps\"\n", "\"/min\"\n"})
    EXPECT_NE(topology.find(word), std::string::npos) << word;
}

} // namespace
} // namespace scalelab::fuzz
