// Tests of experiment files (models/src/experiment_loader.cpp and schema_experiment.cpp) and of the plain
// logic of sweeps (models/src/sweep.cpp, constraint.cpp, topology_path.cpp).
//
// Broken-file corpus: every tests/corpus/bad-experiments/NAME.yaml is loaded with the label "NAME.yaml"
// (its topology read from tests/corpus/bad-experiments/) and must give exactly the errors listed in
// NAME.expected, one formatted diagnostic per line.
//
// docs/experiment-reference.md must equal experiment_reference_markdown(); regenerate it with
//   SCALELAB_UPDATE_GOLDEN=1 ./scalelab_unit_tests --gtest_filter='ExperimentReference.*'
#include "scalelab/models/constraint.hpp"
#include "scalelab/models/experiment.hpp"
#include "scalelab/models/sweep.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace scalelab::models
{
namespace
{

using scalelab::testing::joined;
using scalelab::testing::read_text;

namespace fs = std::filesystem;

const fs::path kSourceDir = SCALELAB_SOURCE_DIR;
const fs::path kCorpusDir = kSourceDir / "tests" / "corpus" / "bad-experiments";
const fs::path kReference = kSourceDir / "docs" / "experiment-reference.md";

const char* const kShop = R"(name: shop
seed: 42
duration: 10s
hardware:
  hosts:
    - {name: lb, cores: 2, price: 0.05}
    - {name: web, count: 2, cores: 4, price: 0.2}
    - {name: db, cores: 8}
services:
  lb: {kind: load_balancer, host: lb, backends: app}
  app: {kind: api_server, hosts: web, workers: 8}
  users: {kind: database, host: db}
requests:
  get_user: [cpu: 2Mf, db_read: users]
  update_user:
    steps: [cpu: 3Mf, db_write: users]
workload:
  entry: lb
  arrival: {process: poisson, rate: 500/s}
  mix: {get_user: 0.9, update_user: 0.1}
)";

// Reads "shop.yaml" (any directory) as kShop; anything else fails.
std::optional<std::string> shop_reader(const std::string& path, std::string& error)
{
  if (fs::path(path).filename() == "shop.yaml")
    return std::string(kShop);
  error = "No such file or directory";
  return std::nullopt;
}

ExperimentSpec load_ok(const std::string& text)
{
  ExperimentLoad result = load_experiment_text(text, "exp.yaml", shop_reader);
  EXPECT_TRUE(result.errors.empty()) << joined(result.errors);
  EXPECT_TRUE(result.spec.has_value());
  return result.spec.value_or(ExperimentSpec{});
}

// The values of every point, as "path=value" joined by spaces in parameter order.
std::vector<std::string> point_values(const ExperimentSpec& spec)
{
  std::vector<std::string> out;
  for (const Point& p : spec.points) {
    std::string text;
    for (std::size_t k = 0; k < spec.parameters.size(); ++k)
      text += (k ? " " : "") + spec.parameters[k].short_name + "=" + spec.parameters[k].values[p.values[k]].text;
    out.push_back(text);
  }
  return out;
}

// --- combinations --------------------------------------------------------------------------------------

TEST(Combinations, GridCrossesTheListsTheFirstVaryingSlowest)
{
  const auto c = combinations({2, 3}, {{0}, {1}});
  const std::vector<std::vector<std::size_t>> expected = {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}};
  EXPECT_EQ(c, expected);
}

TEST(Combinations, AGroupMovesTogetherAndIsCrossedWithTheRest)
{
  const auto c = combinations({2, 3, 2}, {{0, 2}, {1}});
  ASSERT_EQ(c.size(), 6u);
  for (const auto& indices : c)
    EXPECT_EQ(indices[0], indices[2]);
  EXPECT_EQ(combinations({}, {}).size(), 1u); // nothing varies: one point
  EXPECT_TRUE(combinations({2, 0}, {{0}, {1}}).empty());
  EXPECT_THROW(combinations({2, 3}, {{0, 1}}), std::invalid_argument);
}

// --- names, keys and seeds -----------------------------------------------------------------------------

TEST(SweepNames, ShortNamesAreTheShortestTailsNoOtherPathEndsWith)
{
  EXPECT_EQ(short_names({"services.app.workers", "workload.arrival.rate"}),
            (std::vector<std::string>{"workers", "rate"}));
  EXPECT_EQ(short_names({"services.app.queue_limit", "services.db.queue_limit"}),
            (std::vector<std::string>{"app.queue_limit", "db.queue_limit"}));
  EXPECT_EQ(short_names({"duration", "x.duration"}), (std::vector<std::string>{"duration", "x.duration"}));
}

TEST(SweepNames, PointNamesAreReadableAndOneToOne)
{
  EXPECT_EQ(point_name({{"workers", "4"}, {"rate", "500/s"}}), "workers=4,rate=500%2Fs");
  EXPECT_EQ(point_name({}), "base");
  // A '/' and its encoding, a ',' inside a value: all different names.
  std::set<std::string> names;
  for (const char* v : {"500/s", "500%2Fs", "a,b", "a%2Cb", "{exponential: 10ms}"})
    EXPECT_TRUE(names.insert(point_name({{"x", v}})).second) << v;
}

TEST(SweepSeeds, ARunKeepsItsSeedWhenPointsAndRepetitionsAreAdded)
{
  const std::string base = "topology: shop.yaml\nseed: 7\nvary:\n  services.app.workers: [4, 8]\n";
  const ExperimentSpec before = load_ok(base + "repetitions: 2\n");
  const ExperimentSpec after =
      load_ok("topology: shop.yaml\nseed: 7\nvary:\n  services.app.workers: [2, 4, 8, 16]\nrepetitions: 5\n");
  std::map<std::pair<std::string, int>, std::uint64_t> seeds;
  for (const SweepRun& r : plan_runs(after))
    seeds[{after.points[r.point].name, r.repetition}] = r.seed;
  for (const SweepRun& r : plan_runs(before)) {
    const auto it = seeds.find({before.points[r.point].name, r.repetition});
    ASSERT_NE(it, seeds.end());
    EXPECT_EQ(it->second, r.seed) << before.points[r.point].name << " repetition " << r.repetition;
  }
  // Every run of the larger plan has its own seed, and another experiment seed changes them all.
  std::set<std::uint64_t> distinct;
  for (const auto& [run, seed] : seeds)
    distinct.insert(seed);
  EXPECT_EQ(distinct.size(), seeds.size());
  EXPECT_NE(run_seed(7, before.points[0].key, 1), run_seed(8, before.points[0].key, 1));
}

TEST(SweepSeeds, APointsKeyDoesNotDependOnTheOrderOfTheKeys)
{
  EXPECT_EQ(point_key({{"b", "1"}, {"a", "2"}}), point_key({{"a", "2"}, {"b", "1"}}));
  const ExperimentSpec one = load_ok("topology: shop.yaml\nvary:\n  services.app.workers: [4]\n"
                                     "  workload.arrival.rate: [100/s]\n");
  const ExperimentSpec two = load_ok("topology: shop.yaml\nvary:\n  workload.arrival.rate: [100/s]\n"
                                     "  services.app.workers: [4]\n");
  EXPECT_EQ(one.points[0].key, two.points[0].key);
}

TEST(SweepPlan, RunsAreRepetitionMajor)
{
  const ExperimentSpec spec = load_ok("topology: shop.yaml\nrepetitions: 2\nvary: {services.app.workers: [4, 8]}\n");
  const auto runs = plan_runs(spec);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(std::make_pair(runs[0].point, runs[0].repetition), std::make_pair(std::size_t{0}, 1));
  EXPECT_EQ(std::make_pair(runs[1].point, runs[1].repetition), std::make_pair(std::size_t{1}, 1));
  EXPECT_EQ(std::make_pair(runs[2].point, runs[2].repetition), std::make_pair(std::size_t{0}, 2));
}

// --- values --------------------------------------------------------------------------------------------

TEST(WrittenNumbers, ReadInBaseUnitsAndKeepTheirUnit)
{
  const auto rate = read_written_number("1500/s");
  ASSERT_TRUE(rate);
  EXPECT_EQ(rate->value, 1500);
  EXPECT_EQ(rate->unit, "1/s");
  EXPECT_EQ(read_written_number("10ms")->value, 0.01);
  EXPECT_EQ(read_written_number("4KB")->value, 4000);
  EXPECT_EQ(read_written_number("2Gf")->unit, "flops");
  EXPECT_EQ(read_written_number("1Gbps")->value, 125e6);
  EXPECT_EQ(read_written_number("-2.5")->value, -2.5);
  EXPECT_FALSE(read_written_number("round_robin"));
  EXPECT_FALSE(read_written_number("10 parsecs"));
  EXPECT_EQ(write_number(1500, "/s"), "1500/s");
  EXPECT_EQ(write_number(0.1 + 0.2, "s"), "0.3s");
}

TEST(ExperimentLoader, RangesAreWrittenInTheUnitOfFrom)
{
  const ExperimentSpec spec =
      load_ok("topology: shop.yaml\nvary:\n  workload.arrival.rate: {from: 500/s, to: 5000/s, steps: 10}\n"
              "  services.app.workers: {from: 1, to: 64, steps: 7, scale: log}\n");
  ASSERT_EQ(spec.parameters.size(), 2u);
  std::vector<std::string> rates, workers;
  for (const auto& v : spec.parameters[0].values)
    rates.push_back(v.text);
  for (const auto& v : spec.parameters[1].values)
    workers.push_back(v.text);
  EXPECT_EQ(rates, (std::vector<std::string>{"500/s", "1000/s", "1500/s", "2000/s", "2500/s", "3000/s", "3500/s",
                                             "4000/s", "4500/s", "5000/s"}));
  EXPECT_EQ(workers, (std::vector<std::string>{"1", "2", "4", "8", "16", "32", "64"}));
  EXPECT_EQ(spec.parameters[0].unit, "1/s");
  EXPECT_EQ(*spec.parameters[0].values[1].number, 1000);
  EXPECT_EQ(spec.points.size(), 70u);
}

TEST(ExperimentLoader, GridZipGroupsAndCombineZip)
{
  const ExperimentSpec grid = load_ok("topology: shop.yaml\nvary:\n  hardware.hosts.web.count: [1, 2, 3]\n"
                                      "  hardware.hosts.web.cores: [2, 4]\n  hardware.hosts.web.price: [0.1, 0.2]\n"
                                      "zip: [[hardware.hosts.web.cores, hardware.hosts.web.price]]\n");
  EXPECT_EQ(point_values(grid), (std::vector<std::string>{"count=1 cores=2 price=0.1", "count=1 cores=4 price=0.2",
                                                          "count=2 cores=2 price=0.1", "count=2 cores=4 price=0.2",
                                                          "count=3 cores=2 price=0.1", "count=3 cores=4 price=0.2"}));
  const ExperimentSpec zip = load_ok("topology: shop.yaml\ncombine: zip\nvary:\n  services.app.workers: [2, 4]\n"
                                     "  workload.arrival.rate: [100/s, 200/s]\n");
  EXPECT_EQ(point_values(zip), (std::vector<std::string>{"workers=2 rate=100/s", "workers=4 rate=200/s"}));
}

TEST(ExperimentLoader, TheConstraintKeepsThePointsItHoldsFor)
{
  const ExperimentSpec spec = load_ok("topology: shop.yaml\nvary:\n  hardware.hosts.web.count: [1, 2, 4]\n"
                                      "  workload.arrival.rate: [500/s, 1000/s, 2000/s]\n"
                                      "constraint: rate <= count * 500/s and not (count == 4 and rate < 1s / 1ms)\n");
  EXPECT_EQ(point_values(spec),
            (std::vector<std::string>{"count=1 rate=500/s", "count=2 rate=500/s", "count=2 rate=1000/s",
                                      "count=4 rate=1000/s", "count=4 rate=2000/s"}));
  const ExperimentSpec text = load_ok("topology: shop.yaml\nvary:\n  services.lb.policy: [round_robin, random]\n"
                                      "constraint: policy != 'random'\n");
  EXPECT_EQ(point_values(text), (std::vector<std::string>{"policy=round_robin"}));
}

TEST(Constraint, ArithmeticComparisonsAndTheirErrors)
{
  std::optional<Constraint::Error> error;
  const auto c = Constraint::parse("a - b * 2 >= 1000/count", {{"a", 0}, {"b", 1}, {"count", 2}}, error);
  ASSERT_FALSE(error);
  std::string message;
  EXPECT_EQ(c.holds({{10.0, ""}, {1.0, ""}, {125.0, ""}}, message), std::optional<bool>(true));
  EXPECT_EQ(c.holds({{9.0, ""}, {1.0, ""}, {125.0, ""}}, message), std::optional<bool>(false));
  EXPECT_FALSE(c.holds({{std::nullopt, "x"}, {1.0, ""}, {1.0, ""}}, message));
  EXPECT_EQ(message, "\"-\" needs a number, got text");
  Constraint::parse("a < b < c", {{"a", 0}, {"b", 1}, {"c", 2}}, error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "comparisons do not chain; join them with and");
  Constraint::parse("workrs > 2", {{"workers", 0}}, error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->offset, 0u);
  EXPECT_EQ(error->message, "unknown name \"workrs\"; did you mean \"workers\"?");
  Constraint::parse("workers > 2parsecs", {{"workers", 0}}, error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->offset, 10u);
}

// --- the topology of a point ---------------------------------------------------------------------------

TEST(ExperimentLoader, APointsTopologyHasItsValuesAndTheSetOnes)
{
  const ExperimentSpec spec =
      load_ok("topology: shop.yaml\nset: {duration: 3s, requests.get_user.response_size: 8KB}\nvary:\n"
              "  services.app.workers: [2, 16]\n  hardware.hosts.web.count: [3]\n"
              "  requests.update_user.steps.0.cpu: [{exponential: 3ms}]\n");
  const TopologyWriter writer(spec);
  const LoadResult loaded = load_topology_text(writer.text(spec.points[1]), "shop.yaml");
  ASSERT_TRUE(loaded.spec) << joined(loaded.errors);
  const TopologySpec& t = *loaded.spec;
  EXPECT_EQ(t.duration, 3 * kNanosPerSecond);
  EXPECT_EQ(std::get<ApiServerSpec>(t.find_service("app")->kind).workers, 16);
  EXPECT_EQ(std::get<ApiServerSpec>(t.find_service("app")->kind).hosts.size(), 3u);
  EXPECT_EQ(t.find_request("get_user")->response_size, 8000);
  const auto& cpu = std::get<CpuStep>(t.find_request("update_user")->steps[0].step);
  EXPECT_EQ(cpu.time.kind, DistributionSpec::Kind::exponential);
  EXPECT_EQ(t.seed, 42u); // the run's seed is given on the command line
}

TEST(ExperimentLoader, PathsFollowTheSchemaAndTheFilesNames)
{
  // Names with dots, a request written as a list, a key the file leaves to its default, a list by index.
  const std::string topology = "name: dots\nhardware:\n  hosts: [{name: web.v2, count: 2}, {name: db}]\n"
                               "services:\n  app.v2: {kind: api_server, hosts: web.v2}\n"
                               "  users: {kind: database, host: db}\nrequests:\n  get: [cpu: 1Mf, db_read: users]\n"
                               "workload: {entry: app.v2, arrival: {process: poisson, rate: 10/s}}\n"
                               "faults: [{at: 1s, crash: db, for: 1s}]\n";
  const FileReader reader = [&topology](const std::string&, std::string&) { return std::optional(topology); };
  const ExperimentLoad loaded =
      load_experiment_text("topology: t.yaml\nvary:\n  hardware.hosts.web.v2.count: [1, 3]\n"
                           "  services.app.v2.queue_limit: [5]\n  requests.get.steps.1.db_read: [users]\n"
                           "  requests.get.response_size: [2KB]\n  faults.0.for: [2s]\n"
                           "  hardware.network.latency: [1ms]\n",
                           "exp.yaml", reader);
  ASSERT_TRUE(loaded.spec) << joined(loaded.errors);
  const LoadResult point = load_topology_text(resolved_topology_text(*loaded.spec, loaded.spec->points[1]), "t.yaml");
  ASSERT_TRUE(point.spec) << joined(point.errors);
  EXPECT_EQ(std::get<ApiServerSpec>(point.spec->find_service("app.v2")->kind).hosts.size(), 3u);
  EXPECT_EQ(std::get<ApiServerSpec>(point.spec->find_service("app.v2")->kind).queue_limit, 5);
  EXPECT_EQ(point.spec->find_request("get")->response_size, 2000);
  EXPECT_EQ(*point.spec->faults[0].down_for, 2 * kNanosPerSecond);
  EXPECT_EQ(point.spec->hardware.network.latency, 0.001);
  EXPECT_EQ(loaded.spec->parameters[0].short_name, "count");
  const ExperimentLoad bad = load_experiment_text(
      "topology: t.yaml\nvary:\n  faults.3.at: [2s]\n  hardware.hosts.web.count: [2]\n", "exp.yaml", reader);
  EXPECT_EQ(joined(bad.errors), "exp.yaml:3:3: vary: faults has 1 item (from 0); there is no item 3\n"
                                "exp.yaml:4:3: vary: no host \"web\" in hardware.hosts; did you mean \"web.v2\"?\n");
}

TEST(ExperimentLoader, ACdnEdgeHasTheCachesFigures)
{
  // services.NAME.cache.KEY for a CDN edge as for a cache (results.json gives both the same section).
  const std::string topology = "name: edge\nhardware:\n  hosts: [{name: edge}, {name: web}]\n"
                               "services:\n  cdn: {kind: cdn, host: edge, origin: app, cacheable: [page]}\n"
                               "  app: {kind: api_server, host: web}\nrequests:\n  page: [cpu: 1Mf]\n"
                               "workload: {entry: cdn, arrival: {process: poisson, rate: 10/s}}\n";
  const FileReader reader = [&topology](const std::string&, std::string&) { return std::optional(topology); };
  const ExperimentLoad loaded = load_experiment_text(
      "topology: t.yaml\nvary:\n  services.cdn.ttl: [1s, 5s]\nmetrics: [services.cdn.cache.hit_ratio]\n", "exp.yaml",
      reader);
  EXPECT_TRUE(loaded.spec) << joined(loaded.errors);
  const ExperimentLoad bad = load_experiment_text(
      "topology: t.yaml\nvary:\n  services.cdn.ttl: [1s]\nmetrics: [services.app.cache.hits]\n", "exp.yaml", reader);
  EXPECT_EQ(joined(bad.errors), "exp.yaml:4:11: metrics: services.app is not a cache: it has no cache figures\n");
}

// --- the broken-file corpus -----------------------------------------------------------------------------

std::optional<std::string> corpus_reader(const std::string& path, std::string& error)
{
  const fs::path file = kCorpusDir / path;
  if (!fs::exists(file)) {
    error = "No such file or directory";
    return std::nullopt;
  }
  return read_text(file);
}

std::vector<std::string> corpus_names()
{
  std::vector<std::string> names;
  if (fs::is_directory(kCorpusDir))
    for (const auto& entry : fs::directory_iterator(kCorpusDir))
      if (entry.path().extension() == ".yaml")
        names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class ExperimentCorpus : public ::testing::TestWithParam<std::string>
{
};

TEST_P(ExperimentCorpus, ReportsExactlyTheExpectedErrors)
{
  const std::string name = GetParam();
  const fs::path expected_path = kCorpusDir / (name + ".expected");
  ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " is missing";
  const ExperimentLoad result =
      load_experiment_text(read_text(kCorpusDir / (name + ".yaml")), name + ".yaml", corpus_reader);
  EXPECT_FALSE(result.spec.has_value());
  EXPECT_EQ(joined(result.errors), read_text(expected_path));
}

INSTANTIATE_TEST_SUITE_P(Bad, ExperimentCorpus, ::testing::ValuesIn(corpus_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string id = param.param;
                           std::replace(id.begin(), id.end(), '-', '_');
                           return id;
                         });

// --- the shipped experiments ---------------------------------------------------------------------------

// Every experiments/NAME/experiment.yaml loads without an error or a warning, every point's topology too.
TEST(ShippedExperiments, LoadCleanly)
{
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kSourceDir / "experiments")) {
    const fs::path file = entry.path() / "experiment.yaml";
    if (!fs::exists(file))
      continue;
    ++count;
    const ExperimentLoad result = load_experiment_file(file.string());
    EXPECT_TRUE(result.spec.has_value()) << file;
    EXPECT_EQ(joined(result.errors), "") << file;
    EXPECT_EQ(joined(result.warnings), "") << file;
  }
  EXPECT_GE(count, 4);
}

// --- the generated reference ----------------------------------------------------------------------------

TEST(ExperimentReference, DocsMatchTheSchema)
{
  const std::string generated = experiment_reference_markdown();
  if (scalelab::testing::updating_golden()) {
    std::ofstream(kReference, std::ios::binary) << generated;
    GTEST_SKIP() << "rewrote " << kReference;
  }
  EXPECT_EQ(read_text(kReference), generated)
      << kReference << " is out of date; rerun with SCALELAB_UPDATE_GOLDEN=1 to regenerate it";
}

} // namespace
} // namespace scalelab::models
