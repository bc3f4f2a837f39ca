// Exactness and determinism of whole runs, through the command line (each run in its own process).
#include "command.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using scalelab::testing::scratch;
using scalelab::testing::source_file;

namespace
{

std::string read(const fs::path& p)
{
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs scalelab and returns the exit status.
int run_scalelab(const std::string& args)
{
  const std::string command = std::string(SCALELAB_BINARY) + " " + args + " > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The same, killed after `seconds` (status 124): for inputs that once made it run forever.
int scalelab_within(const std::string& args, int seconds)
{
  const std::string command =
      "timeout " + std::to_string(seconds) + " " + std::string(SCALELAB_BINARY) + " " + args + " > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs `file` with `options` into a fresh scratch folder named `label`; the folder's path.
fs::path run_into(const std::string& file, const std::string& options, const std::string& label)
{
  const fs::path out = scratch(label);
  EXPECT_EQ(run_scalelab("run " + source_file(file) + " --quiet --out " + out.string() + " " + options), 0)
      << file << " " << options;
  return out;
}

// A run of `file` with `options` writes the same bytes as `reference`, a finished run with `reference_options`.
void expect_same_as(const fs::path& reference, const std::string& file, const std::string& reference_options,
                    const std::string& options, const std::string& label)
{
  const fs::path other = run_into(file, options, label);
  const std::string ra = read(reference / "results.json"), rb = read(other / "results.json");
  ASSERT_FALSE(ra.empty()) << file << " " << reference_options;
  EXPECT_NE(ra.find("\"holds\": true"), std::string::npos) << file << ": request conservation does not hold";
  EXPECT_TRUE(ra == rb) << file << ": results.json differs between `" << reference_options << "` and `" << options
                        << "`";
  EXPECT_TRUE(read(reference / "timeseries.csv") == read(other / "timeseries.csv"))
      << file << ": timeseries.csv differs";
}

void expect_same_results(const std::string& file, const std::string& options, const std::string& options2,
                         const std::string& label)
{
  expect_same_as(run_into(file, options, label + "-a"), file, options, options2, label + "-b");
}

// The plain engine (one executor per host, one wake-up per event time) against the windowed engine with
// every host in one executor (the default) and with one executor per host; the plain run is made once.
void expect_engines_agree(const std::string& file, const std::string& options, const std::string& label)
{
  const std::string plain = options + " --engine plain";
  const fs::path reference = run_into(file, plain, label + "-plain");
  expect_same_as(reference, file, plain, options, label + "-world");
  expect_same_as(reference, file, plain, options + " --executors host", label + "-host");
}

} // namespace

TEST(Determinism, SameFileAndSeedGiveByteIdenticalResults)
{
  expect_same_results("topologies/three-tier.yaml", "--duration 30s", "--duration 30s", "det-three-tier");
}

TEST(Determinism, DifferentSeedsGiveDifferentResults)
{
  const fs::path a = scratch("seed-a"), b = scratch("seed-b");
  ASSERT_EQ(run_scalelab("run " + source_file("topologies/single-server.yaml") +
                         " --quiet --duration 20s --seed 1 --out " + a.string()),
            0);
  ASSERT_EQ(run_scalelab("run " + source_file("topologies/single-server.yaml") +
                         " --quiet --duration 20s --seed 2 --out " + b.string()),
            0);
  EXPECT_NE(read(a / "results.json"), read(b / "results.json"));
}

// The windowed engine (executors process many events per wake-up, up to their safe horizon) must give
// exactly what the plain engine (one wake-up per event time) gives, however hosts are grouped: on every
// topology file the project ships or tests with. A file is covered by being there; long ones are shortened.
struct ExactnessCase {
  std::string file;    // relative to the source tree
  std::string options; // how it is shortened
};

std::vector<ExactnessCase> exactness_cases()
{
  // Shipped topologies and benchmark models run a few simulated seconds; the engine cases run whole (they
  // are built to be hard, and short). Under the sanitizers, which look for memory errors on the same paths and
  // run them ten to twenty times slower, about a third of that: the development build compares the whole length.
#ifdef SCALELAB_SANITIZED
  const std::string shipped = "--warmup 200ms --duration 1s", bench = "--warmup 20ms --duration 70ms";
#else
  const std::string shipped = "--warmup 500ms --duration 3s", bench = "--warmup 50ms --duration 200ms";
#endif
  const std::vector<std::pair<std::string, std::string>> folders = {
      {"topologies", shipped},
      {"bench", bench},
      {"tests/sim/cases", ""},
      {"experiments", shipped},
  };
  std::vector<ExactnessCase> cases;
  for (const auto& [folder, options] : folders) {
    const fs::path root = fs::path(SCALELAB_SOURCE_DIR) / folder;
    if (!fs::exists(root))
      continue;
    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".yaml")
        continue;
      // A topology has a hardware section at the top level; experiment files, lessons' answers and the like
      // are other kinds of file.
      std::istringstream lines(read(entry.path()));
      std::string line;
      bool topology = false;
      while (!topology && std::getline(lines, line))
        topology = line.rfind("hardware:", 0) == 0;
      if (topology)
        files.push_back(fs::relative(entry.path(), SCALELAB_SOURCE_DIR).string());
    }
    std::sort(files.begin(), files.end());
    // Ten thousand hosts: what the case checks is their platform and set-up, at 2.8 million requests per
    // simulated second; 20 ms of them (56,000 requests) is plenty, and keeps the sanitizers' run short.
    const std::map<std::string, std::string> shorter = {{"bench/reference-10000.yaml", "--warmup 5ms --duration 20ms"}};
    for (const auto& f : files)
      cases.push_back({f, shorter.count(f) != 0 ? shorter.at(f) : options});
  }
  return cases;
}

void PrintTo(const ExactnessCase& c, std::ostream* os)
{
  *os << c.file << (c.options.empty() ? "" : " " + c.options);
}

class EveryTopology : public testing::TestWithParam<ExactnessCase>
{
};

TEST_P(EveryTopology, WindowedEqualsPlain)
{
  const auto& c = GetParam();
  std::string label = "exact-" + c.file;
  std::replace(label.begin(), label.end(), '/', '-');
  expect_engines_agree(c.file, c.options, label);
}

INSTANTIATE_TEST_SUITE_P(Exactness, EveryTopology, testing::ValuesIn(exactness_cases()),
                         [](const testing::TestParamInfo<ExactnessCase>& param) {
                           std::string name = param.param.file.substr(0, param.param.file.size() - 5);
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch)))
                               ch = '_';
                           return name;
                         });

TEST(Exactness, EveryFolderOfTopologiesIsCovered)
{
  // The shipped topologies, the benchmark models and the engine cases are all found.
  const auto cases = exactness_cases();
  for (const char* expected : {"topologies/three-tier.yaml", "bench/reference.yaml", "tests/sim/cases/faults.yaml"})
    EXPECT_TRUE(std::any_of(cases.begin(), cases.end(), [&](const ExactnessCase& c) { return c.file == expected; }))
        << expected;
}

// The number an engine-stats file gives for `key` (-1 if it has none).
double engine_figure(const fs::path& file, const std::string& key)
{
  const std::string text = read(file), quoted = "\"" + key + "\":";
  const auto at = text.find(quoted);
  return at == std::string::npos ? -1 : std::strtod(text.c_str() + at + quoted.size(), nullptr);
}
long engine_stat(const fs::path& file, const std::string& key)
{
  return static_cast<long>(engine_figure(file, key));
}

TEST(EngineStats, TheEventLoopIsTimedInsideTheRun)
{
  // The loop's wall time leaves out the set-up (a thousand hosts, their routes and servers) and the results:
  // it is part of the run's, and its requests per second are those of the run over that shorter time.
  const fs::path out = scratch("loop-stats"), stats = out / "engine.json";
  ASSERT_EQ(run_scalelab("run " + source_file("bench/reference-1000.yaml") +
                         " --quiet --warmup 50ms --duration 150ms --out " + out.string() + " --engine-stats " +
                         stats.string()),
            0);
  const double wall = engine_figure(stats, "wall_seconds"), loop = engine_figure(stats, "loop_wall_seconds");
  const double requests = engine_figure(stats, "requests");
  EXPECT_GT(loop, 0);
  EXPECT_LT(loop, wall);
  EXPECT_GT(requests, 30000); // 280,000 a second for 150 ms
  EXPECT_NEAR(engine_figure(stats, "requests_per_loop_second") * loop, requests, requests * 1e-9);
  EXPECT_NEAR(engine_figure(stats, "requests_per_wall_second") * wall, requests, requests * 1e-9);
  // The loop's processor time, and requests per second of it (in seconds: a single-threaded loop cannot take
  // more of the processor than the whole run's wall time, with room for the clocks' granularity).
  const double cpu = engine_figure(stats, "loop_cpu_seconds");
  EXPECT_GT(cpu, 0);
  EXPECT_LT(cpu, wall * 1.5);
  EXPECT_NEAR(engine_figure(stats, "requests_per_loop_cpu_second") * cpu, requests, requests * 1e-9);
}

// A shortcut of the windowed engine that the plain engine never takes: `stat` (an engine-stats figure)
// counts where it is taken, `taken` times on `file` under the windowed engine, never under the plain one;
// and the engines agree.
void expect_shortcut_exact(const std::string& file, const std::string& stat, long taken, const std::string& label)
{
  const fs::path stats = scratch(label + "-stats");
  ASSERT_EQ(run_scalelab("run " + source_file(file) + " --quiet --out " + stats.string() + " --engine-stats " +
                         (stats / "plain.json").string() + " --engine plain"),
            0);
  ASSERT_EQ(run_scalelab("run " + source_file(file) + " --quiet --out " + stats.string() + " --engine-stats " +
                         (stats / "windowed.json").string()),
            0);
  EXPECT_EQ(engine_stat(stats / "plain.json", stat), 0) << file;
  EXPECT_EQ(engine_stat(stats / "windowed.json", stat), taken) << file;
  expect_engines_agree(file, "", label);
}

TEST(Exactness, DeparturesComputedAtArrivalEqualTheStepByStepPath)
{
  // The windowed engine lets these servers compute each departure at arrival; the plain engine runs every
  // step as an event. ties-and-overflow: constant times (departures and arrivals at one instant), a queue that
  // overflows, a balancer that sees every completion, more workers than cores. departures-at-arrival: the
  // same with Poisson arrivals and exponential times, and a balancer that takes replies when they are sent.
  // cores-always-free: as many workers as cores (a step's core is then taken without the cores' free times),
  // a slow period. token-checks-at-arrival: the same servers checking a session token first, which only the
  // step-by-step path gets right (none computes departures at arrival).
  for (const auto& [file, servers] : {std::pair{"tests/sim/cases/ties-and-overflow.yaml", 2},
                                      std::pair{"tests/sim/cases/departures-at-arrival.yaml", 3},
                                      std::pair{"tests/sim/cases/ties-at-a-full-queue.yaml", 1},
                                      std::pair{"tests/sim/cases/cores-always-free.yaml", 3},
                                      std::pair{"tests/sim/cases/token-checks-at-arrival.yaml", 0}})
    expect_shortcut_exact(file, "servers_computing_departures_at_arrival", servers,
                          "at-arrival-" + fs::path(file).stem().string());
}

TEST(Exactness, CompletionsApartEqualWholeReplies)
{
  // The windowed engine lets a balancer whose policy counts completions (least connections, power of two) take
  // each reply when it is sent, but for a completion event that tells the policy, at the reply's time and
  // order; the plain engine takes the whole reply as an event. ties-at-the-balancer: replies reach the balancer at the
  // very instants requests do. ties-and-overflow: the same balancer over servers that queue and refuse.
  // ties-at-power-of-two-balancers: two power-of-two balancers with such ties, where the completion comes before the
  // request at one and after it at the other (a completion event ordered first at its time passes the two files above,
  // not this one).
  for (const auto& [file, balancers] : {std::pair{"tests/sim/cases/ties-at-the-balancer.yaml", 1},
                                        std::pair{"tests/sim/cases/ties-and-overflow.yaml", 1},
                                        std::pair{"tests/sim/cases/ties-at-power-of-two-balancers.yaml", 2}})
    expect_shortcut_exact(file, "balancers_taking_completions_apart", balancers,
                          "apart-" + fs::path(file).stem().string());
}

TEST(Exactness, AShippedFailoverEqualsPlain)
{
  // The shipped topologies run 3 s above; primary-replicas.yaml's failover happens at 60 s.
  expect_engines_agree("topologies/primary-replicas.yaml", "--warmup 50s --duration 75s", "primary-replicas");
}

TEST(Stacks, EveryActorRunsInAnEighthOfItsStack)
{
  // Actors get 256 KiB stacks (create_engine), not SimGrid's 8 MiB: a request's frames are data, not C++
  // recursion, so an executor's stack stays shallow. Here 32 KiB, with SimGrid's guard page below it, must give
  // the same bytes on the plain engine (an actor per host), on engine cases with faults of hosts, links and
  // services, sessions, nested calls, autoscaling, queues with workers, caches, protection and DNS failover.
  for (const char* name : {"faults", "network-faults", "sessions-store", "closed-calls", "autoscaling-faults", "queues",
                           "caches", "protection", "geodns"})
    expect_same_results(std::string("tests/sim/cases/") + name + ".yaml", "--engine plain --cfg=contexts/stack-size:32",
                        "--engine plain", std::string("stack-") + name);
}

TEST(CommandLine, RequestsNestedTooDeeplyAreRefusedBeforeTheRun)
{
  // s0 calls s1 calls ... s11: with the users, 13 frames, more than the engine's 12.
  std::string yaml = "name: deep\nduration: 1s\nhardware:\n  hosts:\n    - {name: h}\nservices:\n";
  for (int i = 0; i < 12; ++i)
    yaml += "  s" + std::to_string(i) + ": {kind: api_server, host: h}\n";
  yaml += "requests:\n";
  for (int i = 0; i < 12; ++i)
    yaml += "  r" + std::to_string(i) + ": [cpu: 1ms" +
            (i < 11 ? ", call: {service: s" + std::to_string(i + 1) + ", request: r" + std::to_string(i + 1) + "}"
                    : std::string()) +
            "]\n";
  yaml += "workload:\n  entry: s0\n  arrival: {process: poisson, rate: 10/s}\n  mix: {r0: 1}\n";
  const fs::path dir = scratch("deep");
  std::ofstream(dir / "deep.yaml") << yaml;
  EXPECT_EQ(run_scalelab("check " + (dir / "deep.yaml").string()), 0) << "a valid file";
  EXPECT_EQ(run_scalelab("run " + (dir / "deep.yaml").string() + " --out " + dir.string()), 1);
  EXPECT_FALSE(fs::exists(dir / "results.json"));
}

TEST(Robustness, HugeDelaysLandAfterTheEndInsteadOfOverflowing)
{
  // A 1e10 s delay and a 2 GB reply on a 1 bps link: both end long after the run; the requests stay in flight.
  const fs::path dir = scratch("huge");
  std::ofstream(dir / "huge.yaml") << "name: huge\nduration: 10s\nhardware:\n  hosts: [{name: a}, {name: b}]\n"
                                      "  network: {bandwidth: 1bps, latency: 1ms}\n"
                                      "services:\n  s: {kind: api_server, host: a, workers: 100}\n"
                                      "  t: {kind: api_server, host: b, workers: 100}\n"
                                      "requests:\n  slow: [delay: 10000000000s]\n"
                                      "  big: {steps: [forward: t], request_size: 0B, response_size: 2GB}\n"
                                      "workload: {entry: s, arrival: {process: poisson, rate: 10/s}, "
                                      "mix: {slow: 1, big: 1}}\n";
  ASSERT_EQ(run_scalelab("run " + (dir / "huge.yaml").string() + " --out " + dir.string()), 0);
  const std::string results = read(dir / "results.json");
  EXPECT_NE(results.find("\"holds\": true"), std::string::npos);
  EXPECT_NE(results.find("\"completed\": 0,"), std::string::npos) << "nothing can finish within the run";
}

TEST(Robustness, WideCallGraphsAreCheckedInTheirSizeNotTheirNumberOfPaths)
{
  // r0 calls r1 twice, r1 calls r2 twice, ...: 2^40 paths. Refused for its depth, at once.
  std::string yaml = "name: wide\nduration: 1s\nhardware:\n  hosts: [{name: h}]\n"
                     "services:\n  s: {kind: api_server, host: h}\nrequests:\n";
  for (int i = 0; i < 40; ++i) {
    const std::string next = "r" + std::to_string(i + 1);
    yaml += "  r" + std::to_string(i) + ": [call: {service: s, request: " + next +
            "}, call: {service: s, request: " + next + "}]\n";
  }
  yaml += "  r40: [cpu: 1us]\nworkload: {entry: s, arrival: {process: poisson, rate: 1/s}, mix: {r0: 1}}\n";
  const fs::path dir = scratch("wide");
  std::ofstream(dir / "wide.yaml") << yaml;
  EXPECT_EQ(run_scalelab("run " + (dir / "wide.yaml").string() + " --out " + dir.string()), 1);
}

TEST(CommandLine, ExitStatusIsTwoOnBadInputAndUsage)
{
  const fs::path dir = scratch("cli");
  std::ofstream(dir / "bad.yaml") << "name: x\nduration: ten\n";
  EXPECT_EQ(run_scalelab("check " + (dir / "bad.yaml").string()), 2);
  EXPECT_EQ(run_scalelab("run " + (dir / "bad.yaml").string() + " --out " + dir.string()), 2);
  EXPECT_FALSE(fs::exists(dir / "results.json")) << "nothing is written for a bad file";
  EXPECT_EQ(run_scalelab("run"), 2);
  EXPECT_EQ(run_scalelab("frobnicate"), 2);
  EXPECT_EQ(run_scalelab("run " + source_file("topologies/single-server.yaml") + " --seed minus-one"), 2);
  // A duration whose timeseries.csv would have 15 million rows: one per second for the users and two services.
  EXPECT_EQ(run_scalelab("run " + source_file("topologies/single-server.yaml") + " --duration 5000001s --out " +
                         dir.string()),
            2);
  EXPECT_EQ(run_scalelab("check " + source_file("topologies/three-tier.yaml")), 0);
  EXPECT_EQ(run_scalelab("graph " + source_file("topologies/racks.yaml") + " --out " + (dir / "racks.dot").string()),
            0);
  EXPECT_NE(read(dir / "racks.dot").find("\"tor-1\" -- \"spine\""), std::string::npos);
  EXPECT_EQ(run_scalelab("graph " + (dir / "bad.yaml").string()), 2);
  // A SimGrid platform file SimGrid cannot parse: its message, at the key, and nothing run.
  std::ofstream(dir / "broken.xml") << "<?xml version='1.0'?>\n<platform version=\"4.1\"><zone id=\"z\"";
  std::ofstream(dir / "on-broken.yaml") << "name: x\nhardware: {simgrid_platform: broken.xml, users: {attach: a}}\n"
                                           "services:\n  s: {kind: api_server, host: a}\nrequests:\n  r: [delay: 1ms]\n"
                                           "workload: {entry: s, arrival: {process: poisson, rate: 1/s}}\n";
  EXPECT_EQ(run_scalelab("check " + (dir / "on-broken.yaml").string()), 2);
  EXPECT_EQ(run_scalelab("--help"), 0);
}

TEST(CommandLine, StrayCommasEndWithExitStatusTwo)
{
  // yaml-cpp 0.7's LoadAll loops forever on these; `timeout` turns a hang into status 124.
  const fs::path dir = scratch("commas");
  int i = 0;
  for (const char* text : {",", " ,", "---\n,", "[a],"}) {
    const fs::path file = dir / ("comma-" + std::to_string(i++) + ".yaml");
    std::ofstream(file) << text;
    EXPECT_EQ(scalelab_within("check " + file.string(), 60), 2) << text;
  }
}

TEST(CommandLine, StrayCommasInExperimentFilesEndWithExitStatusTwo)
{
  const fs::path dir = scratch("experiment-commas");
  int i = 0;
  for (const char* text : {"topology: t.yaml\n,", "topology: t.yaml\n---\n,", "[a],"}) {
    const fs::path file = dir / ("comma-" + std::to_string(i++) + ".yaml");
    std::ofstream(file) << text;
    EXPECT_EQ(scalelab_within("sweep plan " + file.string() + " --out " + (dir / "out").string(), 60), 2) << text;
  }
}

TEST(CommandLine, CheckTakesExperimentFilesAndLoadsTheirPoints)
{
  EXPECT_EQ(run_scalelab("check " + source_file("experiments/servers-against-load/experiment.yaml")), 0);
  const fs::path dir = scratch("check-experiment");
  std::ofstream(dir / "bad-point.yaml") << "topology: " << source_file("topologies/single-server.yaml")
                                        << "\nvary:\n  services.app.workers: [4, 0]\nmetrics: [total.latency.p99]\n";
  EXPECT_EQ(run_scalelab("check " + (dir / "bad-point.yaml").string()), 2) << "a point with 0 workers";
}

TEST(CommandLine, AHugeHostCountIsRefusedBeforeAnythingIsExpanded)
{
  const fs::path dir = scratch("huge-count");
  std::ofstream(dir / "huge.yaml") << "name: x\nhardware: {hosts: [{name: a, count: 2147483647}]}\n"
                                      "services:\n  s: {kind: api_server, hosts: a}\nrequests:\n  r: [delay: 1ms]\n"
                                      "workload: {entry: s, arrival: {process: poisson, rate: 1/s}}\n";
  EXPECT_EQ(scalelab_within("check " + (dir / "huge.yaml").string(), 60), 2);
  EXPECT_EQ(scalelab_within("run " + (dir / "huge.yaml").string() + " --out " + dir.string(), 60), 2);
}
