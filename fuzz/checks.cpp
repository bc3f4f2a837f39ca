#include "checks.hpp"

#include "scalelab/models/experiment.hpp"
#include "scalelab/models/lesson.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace scalelab::fuzz
{
namespace
{

// The topology every fuzzed experiment file names, whatever its path: it has the names the shipped
// experiments vary and measure (hosts web and db, services app and user_cache, a price, keys), so that their
// files, the fuzzer's seeds, load and mutate from a clean start.
const char* const kExperimentTopology = R"(name: fuzzed
seed: 1
duration: 2s
hardware:
  hosts:
    - {name: lb, cores: 2, price: 0.05}
    - {name: web, count: 2, cores: 4, price: 0.2}
    - {name: cache, cores: 2}
    - {name: db, cores: 8}
services:
  lb: {kind: load_balancer, host: lb, backends: app}
  app: {kind: api_server, hosts: web, workers: 8, queue_limit: 100}
  user_cache: {kind: cache, host: cache, capacity: 1000}
  users: {kind: database, host: db}
requests:
  get_user: [cpu: 2Mf, cache_get: {cache: user_cache, on_miss: [db_read: users, cache_set: user_cache]}]
  update_user: [cpu: 3Mf, db_write: users, cache_delete: user_cache]
workload:
  entry: lb
  arrival: {process: poisson, rate: 500/s}
  mix: {get_user: 0.9, update_user: 0.1}
  keys: {count: 10000, distribution: zipf, exponent: 0.9}
)";

// The experiment every fuzzed lesson names.
const char* const kLessonExperiment = R"(name: fuzzed-lesson
topology: topology.yaml
vary:
  workload.arrival.rate: [500/s, 1000/s]
metrics: [total.throughput, total.latency.p99, services.app.utilisation, hosts.db.cpu_utilisation]
)";

} // namespace

const std::vector<FileKind>& file_kinds()
{
  static const std::vector<FileKind> kinds = {
      {"topology",
       [](const std::string& text, const std::string& file) {
         models::LoadResult r = models::load_topology_text(text, file);
         return LoaderOutcome{r.spec.has_value(), std::move(r.errors), std::move(r.warnings)};
       },
       models::schema_words},
      {"experiment",
       [](const std::string& text, const std::string& file) {
         const auto topology = [](const std::string&, std::string&) -> std::optional<std::string> {
           return std::string(kExperimentTopology);
         };
         // Every point's topology is loaded (about 0.5 ms each): at the real limit of 100,000 points one input
         // would take a minute (docs/performance.md), so the fuzzer is held to 1,000 to keep exploring.
         models::ExperimentLimits limits;
         limits.max_points = 1000;
         models::ExperimentLoad r = models::load_experiment_text(text, file, topology, limits);
         return LoaderOutcome{r.spec.has_value(), std::move(r.errors), std::move(r.warnings)};
       },
       models::experiment_words},
      {"lesson",
       [](const std::string& text, const std::string& file) {
         // The experiment it names, whatever the path, is a fixed one of two points (the first file read), over the
         // fixed topology (every later one): both load, so every diagnostic is the lesson's own.
         int reads = 0;
         const auto files = [&reads](const std::string&, std::string&) -> std::optional<std::string> {
           return std::string(reads++ == 0 ? kLessonExperiment : kExperimentTopology);
         };
         models::LessonLoad r = models::load_lesson_text(text, file, files);
         return LoaderOutcome{r.spec.has_value(), std::move(r.errors), std::move(r.warnings)};
       },
       models::lesson_words},
  };
  return kinds;
}

const FileKind& file_kind(const std::string& name)
{
  for (const FileKind& kind : file_kinds())
    if (kind.name == name)
      return kind;
  throw std::out_of_range("no file kind \"" + name + "\"");
}

std::string loader_problem(const FileKind& kind, const std::string& text, const std::string& file)
{
  const LoaderOutcome out = kind.load(text, file);
  if (out.loaded && !out.errors.empty())
    return "loaded, but with errors: " + out.errors.front().format();
  if (!out.loaded && out.errors.empty())
    return "refused without an error";
  const long lines = 1 + std::count(text.begin(), text.end(), '\n');
  for (const auto* list : {&out.errors, &out.warnings})
    for (const models::Diagnostic& d : *list) {
      const std::string what = (list == &out.errors ? "error " : "warning ") + d.format();
      if (d.where.file != file)
        return what + ": names the file " + d.where.file + ", not " + file;
      if (d.where.line < 1 || d.where.column < 1)
        return what + ": has no place";
      if (d.where.line > lines)
        return what + ": is placed after the end of the text (" + std::to_string(lines) + " lines)";
      if (d.message.empty())
        return what + ": says nothing";
      if (d.message.find_first_of("\n\r") != std::string::npos)
        return what + ": spans several lines";
    }
  return "";
}

std::string dictionary(const FileKind& kind)
{
  std::string out = "# The words of the " + kind.name +
                    " format, generated from its schema; do not edit.\n"
                    "# Regenerate: SCALELAB_UPDATE_GOLDEN=1 scalelab_unit_tests --gtest_filter='FuzzDictionary.*'\n";
  for (const std::string& word : kind.words()) {
    out += '"';
    for (char c : word) {
      if (c == '"' || c == '\\')
        out += '\\';
      out += c;
    }
    out += "\"\n";
  }
  return out;
}

int fuzz_loader(const FileKind& kind, const std::uint8_t* data, std::size_t size)
{
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string problem = loader_problem(kind, text, "input.yaml");
  if (!problem.empty()) {
    std::fprintf(stderr, "fuzz_%s: %s\n", kind.name.c_str(), problem.c_str());
    std::abort();
  }
  return 0;
}

} // namespace scalelab::fuzz
