// Tests of the topology loader (models/src/loader.cpp and the schema it reads with).
//
// Broken-file corpus: every tests/corpus/bad/NAME.yaml is loaded with the label "NAME.yaml" and must give
// exactly the errors listed in NAME.expected, one formatted diagnostic per line, sorted by position. Adding
// a NAME.yaml / NAME.expected pair adds a case; nothing here needs to change.
//
// docs/yaml-reference.md must equal schema_reference_markdown(). After changing the schema, regenerate it:
//   SCALELAB_UPDATE_GOLDEN=1 ./scalelab_unit_tests --gtest_filter='LoaderReference.*'
#include "scalelab/models/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace scalelab::models
{
namespace
{

namespace fs = std::filesystem;

const fs::path kSourceDir = SCALELAB_SOURCE_DIR;
const fs::path kCorpusDir = kSourceDir / "tests" / "corpus" / "bad";
const fs::path kReference = kSourceDir / "docs" / "yaml-reference.md";

std::string read_text(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string joined(const std::vector<Diagnostic>& list)
{
  std::string out;
  for (const auto& d : list)
    out += d.format() + "\n";
  return out;
}

// Loads text that must be valid and returns its spec.
TopologySpec load_ok(const std::string& text, const std::string& label = "test.yaml")
{
  LoadResult result = load_topology_text(text, label);
  EXPECT_TRUE(result.errors.empty()) << joined(result.errors);
  EXPECT_TRUE(result.spec.has_value());
  return result.spec.value_or(TopologySpec{});
}

// The errors of text that must be rejected, formatted.
std::string errors_of(const std::string& text)
{
  LoadResult result = load_topology_text(text, "t.yaml");
  EXPECT_FALSE(result.spec.has_value());
  return joined(result.errors);
}

template <class T, class V> const T& as(const V& variant)
{
  EXPECT_TRUE(std::holds_alternative<T>(variant));
  static const T empty{};
  return std::holds_alternative<T>(variant) ? std::get<T>(variant) : empty;
}

// --- a valid file: every value where it belongs ---------------------------------------------------------

const char* const kFullFile = R"(name: three-tier
seed: 42
duration: 120s
warmup: 20s
report_interval: 500ms
hardware:
  hosts:
    - {name: lb, cores: 2, speed: 2Gf}
    - {name: web, count: 3, cores: 4, speed: 2Gf}
    - {name: db, cores: 8}
  network: {bandwidth: 10Gbps, latency: 50us}
services:
  lb:    {kind: load_balancer, host: lb, policy: weighted, backends: app, weights: [1, 2, 1]}
  app:   {kind: api_server, hosts: web, workers: 16, queue_limit: 500}
  auth:  {kind: api_server, host: web-2}
  users: {kind: database, host: db, connections: 50, queue_limit: 1000,
          read:  {cpu: 1Mf, disk: {exponential: 200us}},
          write: {cpu: {uniform: [1ms, 2ms]}, disk: 1ms},
          query_size: 300B, result_size: 2KB}
requests:
  get_user:
    - cpu: 2Mf
    - db_read: users
  update_user:
    steps:
      - cpu: {exponential: 3ms}
      - db_write: users
      - delay: {uniform: [1ms, 3ms]}
      - call: {service: auth, request: check}
      - forward: auth
    request_size: 2KB
    response_size: 4KB
  check:
    - cpu: {lognormal: {mean: 10ms, sigma: 0.5}}
    - delay: {deterministic: 250us}
workload:
  entry: lb
  arrival: {process: poisson, rate: 800/s}
  mix: {get_user: 0.9, update_user: 0.1}
  keys: {count: 1000000, distribution: zipf, exponent: 0.99}
faults: []
)";

TEST(Loader, FullFileTopLevelAndHardware)
{
  const LoadResult result = load_topology_text(kFullFile, "full.yaml");
  ASSERT_TRUE(result.errors.empty()) << joined(result.errors);
  EXPECT_TRUE(result.warnings.empty()) << joined(result.warnings);
  ASSERT_TRUE(result.spec);
  const TopologySpec& spec = *result.spec;

  EXPECT_EQ(spec.name, "three-tier");
  EXPECT_EQ(spec.file, "full.yaml");
  EXPECT_EQ(spec.seed, 42u);
  EXPECT_EQ(spec.duration, 120 * kNanosPerSecond);
  EXPECT_EQ(spec.warmup, 20 * kNanosPerSecond);
  EXPECT_EQ(spec.report_interval, 500'000'000);

  const auto& hosts = spec.hardware.hosts;
  ASSERT_EQ(hosts.size(), 5u);
  const std::vector<std::string> names = {"lb", "web-1", "web-2", "web-3", "db"};
  const std::vector<std::string> groups = {"lb", "web", "web", "web", "db"};
  const std::vector<int> cores = {2, 4, 4, 4, 8};
  const std::vector<double> speeds = {2e9, 2e9, 2e9, 2e9, 1e9};
  const std::vector<int> lines = {8, 9, 9, 9, 10};
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    SCOPED_TRACE(names[i]);
    EXPECT_EQ(hosts[i].name, names[i]);
    EXPECT_EQ(hosts[i].group, groups[i]);
    EXPECT_EQ(hosts[i].cores, cores[i]);
    EXPECT_EQ(hosts[i].speed, speeds[i]);
    EXPECT_EQ(hosts[i].where.file, "full.yaml");
    EXPECT_EQ(hosts[i].where.line, lines[i]);
    EXPECT_EQ(hosts[i].where.column, 7);
  }
  EXPECT_EQ(spec.hardware.network.bandwidth, 1.25e9); // 10 Gbit/s in bytes/s
  EXPECT_EQ(spec.hardware.network.latency, 50e-6);
}

TEST(Loader, FullFileServices)
{
  const TopologySpec spec = load_ok(kFullFile);
  ASSERT_EQ(spec.services.size(), 4u);
  EXPECT_EQ(spec.services[0].name, "lb");
  EXPECT_EQ(spec.services[1].name, "app");
  EXPECT_EQ(spec.services[2].name, "auth");
  EXPECT_EQ(spec.services[3].name, "users");
  EXPECT_EQ(spec.services[0].where.line, 13);
  EXPECT_EQ(spec.services[0].where.column, 3);

  const auto& lb = as<LoadBalancerSpec>(spec.services[0].kind);
  EXPECT_EQ(lb.host, "lb");
  EXPECT_EQ(lb.policy, BalancingPolicy::weighted);
  EXPECT_EQ(lb.backends, "app");
  EXPECT_EQ(lb.weights, (std::vector<double>{1, 2, 1}));

  const auto& app = as<ApiServerSpec>(spec.services[1].kind);
  EXPECT_EQ(app.hosts, (std::vector<std::string>{"web-1", "web-2", "web-3"}));
  EXPECT_EQ(app.workers, 16);
  EXPECT_EQ(app.queue_limit, 500);

  const auto& auth = as<ApiServerSpec>(spec.services[2].kind);
  EXPECT_EQ(auth.hosts, (std::vector<std::string>{"web-2"}));
  EXPECT_EQ(auth.workers, 8);
  EXPECT_EQ(auth.queue_limit, 1000);

  const auto& db = as<DatabaseSpec>(spec.services[3].kind);
  EXPECT_EQ(db.host, "db");
  EXPECT_EQ(db.connections, 50);
  EXPECT_EQ(db.queue_limit, 1000);
  EXPECT_EQ(db.read.cpu_flops, 1e6);
  EXPECT_FALSE(db.read.cpu_time);
  ASSERT_TRUE(db.read.disk_time);
  EXPECT_EQ(db.read.disk_time->kind, DistributionSpec::Kind::exponential);
  EXPECT_EQ(db.read.disk_time->mean, 200e-6);
  EXPECT_FALSE(db.write.cpu_flops);
  ASSERT_TRUE(db.write.cpu_time);
  EXPECT_EQ(db.write.cpu_time->kind, DistributionSpec::Kind::uniform);
  EXPECT_EQ(db.write.cpu_time->low, 1e-3);
  EXPECT_EQ(db.write.cpu_time->high, 2e-3);
  EXPECT_EQ(db.write.cpu_time->mean, (1e-3 + 2e-3) / 2);
  ASSERT_TRUE(db.write.disk_time);
  EXPECT_EQ(db.write.disk_time->kind, DistributionSpec::Kind::deterministic);
  EXPECT_EQ(db.write.disk_time->mean, 1e-3);
  EXPECT_EQ(db.query_size, 300);
  EXPECT_EQ(db.result_size, 2000);
}

TEST(Loader, FullFileRequests)
{
  const TopologySpec spec = load_ok(kFullFile);
  ASSERT_EQ(spec.requests.size(), 3u);

  const RequestTypeSpec& get = spec.requests[0];
  EXPECT_EQ(get.name, "get_user");
  EXPECT_EQ(get.where.line, 21);
  EXPECT_EQ(get.request_size, 1000);
  EXPECT_EQ(get.response_size, 1000);
  ASSERT_EQ(get.steps.size(), 2u);
  EXPECT_EQ(as<CpuStep>(get.steps[0].step).flops, 2e6);
  EXPECT_EQ(get.steps[0].where.line, 22);
  EXPECT_EQ(get.steps[0].where.column, 7);
  const auto& read = as<CallStep>(get.steps[1].step);
  EXPECT_EQ(read.op, CallStep::Op::db_read);
  EXPECT_EQ(read.service, "users");
  EXPECT_EQ(read.request, "");

  const RequestTypeSpec& update = spec.requests[1];
  EXPECT_EQ(update.name, "update_user");
  EXPECT_EQ(update.request_size, 2000);
  EXPECT_EQ(update.response_size, 4000);
  ASSERT_EQ(update.steps.size(), 5u);
  const auto& cpu = as<CpuStep>(update.steps[0].step);
  EXPECT_FALSE(cpu.flops);
  EXPECT_EQ(cpu.time.kind, DistributionSpec::Kind::exponential);
  EXPECT_EQ(cpu.time.mean, 3e-3);
  EXPECT_EQ(as<CallStep>(update.steps[1].step).op, CallStep::Op::db_write);
  EXPECT_EQ(as<CallStep>(update.steps[1].step).service, "users");
  const auto& delay = as<DelayStep>(update.steps[2].step);
  EXPECT_EQ(delay.time.kind, DistributionSpec::Kind::uniform);
  EXPECT_EQ(delay.time.low, 1e-3);
  EXPECT_EQ(delay.time.high, 3e-3);
  EXPECT_EQ(delay.time.mean, 2e-3);
  const auto& call = as<CallStep>(update.steps[3].step);
  EXPECT_EQ(call.op, CallStep::Op::request);
  EXPECT_EQ(call.service, "auth");
  EXPECT_EQ(call.request, "check");
  EXPECT_EQ(as<ForwardStep>(update.steps[4].step).service, "auth");

  const RequestTypeSpec& check = spec.requests[2];
  ASSERT_EQ(check.steps.size(), 2u);
  const auto& lognormal = as<CpuStep>(check.steps[0].step).time;
  EXPECT_EQ(lognormal.kind, DistributionSpec::Kind::lognormal);
  EXPECT_EQ(lognormal.mean, 0.01);
  EXPECT_EQ(lognormal.sigma, 0.5);
  const auto& fixed = as<DelayStep>(check.steps[1].step).time;
  EXPECT_EQ(fixed.kind, DistributionSpec::Kind::deterministic);
  EXPECT_EQ(fixed.mean, 250e-6);
}

TEST(Loader, FullFileWorkload)
{
  const TopologySpec spec = load_ok(kFullFile);
  const WorkloadSpec& w = spec.workload;
  EXPECT_EQ(w.entry, "lb");
  const auto& open = as<OpenArrival>(w.arrival);
  EXPECT_EQ(open.process, OpenArrival::Process::poisson);
  EXPECT_EQ(open.rate, 800);
  ASSERT_EQ(w.mix.size(), 2u);
  EXPECT_EQ(w.mix[0], (std::pair<std::string, double>{"get_user", 0.9}));
  EXPECT_EQ(w.mix[1], (std::pair<std::string, double>{"update_user", 0.1}));
  EXPECT_EQ(w.keys.count, 1000000);
  EXPECT_EQ(w.keys.popularity, KeySpaceSpec::Popularity::zipf);
  EXPECT_EQ(w.keys.exponent, 0.99);
  EXPECT_EQ(w.where.line, 37); // the map starts at its first key, "entry"

  EXPECT_EQ(spec.find_service("users"), &spec.services[3]);
  EXPECT_EQ(spec.find_service("nope"), nullptr);
  EXPECT_EQ(spec.find_request("check"), &spec.requests[2]);
  EXPECT_EQ(spec.find_request("nope"), nullptr);
  EXPECT_EQ(spec.find_host("web-3"), &spec.hardware.hosts[3]);
  EXPECT_EQ(spec.find_host("web"), nullptr);
}

// --- defaults --------------------------------------------------------------------------------------------

// The declaration's defaults must agree with the initial values in spec.hpp, which other code may rely on.
TEST(Loader, DefaultsMatchSpecInitialValues)
{
  const TopologySpec spec = load_ok(R"(name: minimal
hardware:
  hosts: [{name: web}, {name: db}]
services:
  app: {kind: api_server, host: web}
  lb: {kind: load_balancer, host: web, backends: app}
  store: {kind: database, host: db}
requests:
  only: [{db_read: store}]
workload:
  entry: app
  arrival: {process: constant, rate: 5}
)");
  const TopologySpec initial;
  EXPECT_EQ(spec.seed, initial.seed);
  EXPECT_EQ(spec.duration, initial.duration);
  EXPECT_EQ(spec.warmup, initial.warmup);
  EXPECT_EQ(spec.report_interval, initial.report_interval);
  EXPECT_EQ(spec.hardware.hosts.at(0).cores, HostSpec{}.cores);
  EXPECT_EQ(spec.hardware.hosts.at(0).speed, HostSpec{}.speed);
  EXPECT_EQ(spec.hardware.network.bandwidth, NetworkSpec{}.bandwidth);
  EXPECT_EQ(spec.hardware.network.latency, NetworkSpec{}.latency);

  const auto& app = as<ApiServerSpec>(spec.services.at(0).kind);
  EXPECT_EQ(app.workers, ApiServerSpec{}.workers);
  EXPECT_EQ(app.queue_limit, ApiServerSpec{}.queue_limit);
  EXPECT_EQ(as<LoadBalancerSpec>(spec.services.at(1).kind).policy, LoadBalancerSpec{}.policy);
  const auto& db = as<DatabaseSpec>(spec.services.at(2).kind);
  EXPECT_EQ(db.connections, DatabaseSpec{}.connections);
  EXPECT_EQ(db.queue_limit, DatabaseSpec{}.queue_limit);
  EXPECT_EQ(db.query_size, DatabaseSpec{}.query_size);
  EXPECT_EQ(db.result_size, DatabaseSpec{}.result_size);
  EXPECT_EQ(db.read.cpu_flops, 1e6);
  EXPECT_FALSE(db.read.disk_time);
  EXPECT_EQ(db.write.cpu_flops, 2e6);
  ASSERT_TRUE(db.write.disk_time);
  EXPECT_EQ(db.write.disk_time->mean, 1e-3);

  EXPECT_EQ(spec.requests.at(0).request_size, RequestTypeSpec{}.request_size);
  EXPECT_EQ(spec.requests.at(0).response_size, RequestTypeSpec{}.response_size);
  const auto& open = as<OpenArrival>(spec.workload.arrival);
  EXPECT_EQ(open.process, OpenArrival::Process::constant);
  EXPECT_EQ(open.rate, 5);
  // One request type: the mix may be left out.
  EXPECT_EQ(spec.workload.mix, (std::vector<std::pair<std::string, double>>{{"only", 1.0}}));
  EXPECT_EQ(spec.workload.keys.count, 0);
}

TEST(Loader, ClosedWorkloadAndHostLists)
{
  const TopologySpec spec = load_ok(R"(name: closed
hardware:
  hosts:
    - {name: web, count: 4}
    - {name: spare}
services:
  app: {kind: api_server, hosts: [web-3, spare, web-1]}
  more: {kind: api_server, hosts: [web]}
requests:
  r: [{cpu: 1ms}]
workload:
  entry: app
  arrival: {process: closed, users: 1000000, think_time: {exponential: 30s}}
  keys: {count: 10}
)");
  EXPECT_EQ(as<ApiServerSpec>(spec.services.at(0).kind).hosts, (std::vector<std::string>{"web-3", "spare", "web-1"}));
  EXPECT_EQ(as<ApiServerSpec>(spec.services.at(1).kind).hosts,
            (std::vector<std::string>{"web-1", "web-2", "web-3", "web-4"}));
  const auto& closed = as<ClosedArrival>(spec.workload.arrival);
  EXPECT_EQ(closed.users, 1000000);
  EXPECT_EQ(closed.think_time.kind, DistributionSpec::Kind::exponential);
  EXPECT_EQ(closed.think_time.mean, 30.0);
  EXPECT_EQ(spec.workload.keys.count, 10);
  EXPECT_EQ(spec.workload.keys.popularity, KeySpaceSpec::Popularity::uniform);
  const auto& cpu = as<CpuStep>(spec.requests.at(0).steps.at(0).step);
  EXPECT_FALSE(cpu.flops);
  EXPECT_EQ(cpu.time.kind, DistributionSpec::Kind::deterministic);
  EXPECT_EQ(cpu.time.mean, 1e-3);
}

// --- warnings --------------------------------------------------------------------------------------------

TEST(Loader, UnusedHostAndDatabaseAreWarningsOnly)
{
  const LoadResult result = load_topology_text(R"(name: w
hardware:
  hosts: [{name: web}, {name: idle, count: 2}, {name: db}]
services:
  app: {kind: api_server, host: web}
  users: {kind: database, host: db}
requests:
  r: [{cpu: 1Mf}]
workload: {entry: app, arrival: {process: poisson, rate: 1/s}}
)",
                                               "w.yaml");
  EXPECT_TRUE(result.errors.empty()) << joined(result.errors);
  EXPECT_TRUE(result.spec.has_value());
  EXPECT_EQ(joined(result.warnings), "w.yaml:3:24: host \"idle-1\" is not used by any service\n"
                                     "w.yaml:3:24: host \"idle-2\" is not used by any service\n"
                                     "w.yaml:6:3: database \"users\" is not used by any request\n");
}

// --- messages not in the corpus ---------------------------------------------------------------------------

const char* const kBase = R"(name: t
hardware:
  hosts: [{name: web}]
requests:
  get: [{cpu: 1Mf}]
workload: {entry: app, arrival: {process: poisson, rate: 1/s}}
)";

TEST(Loader, SuggestionsIgnoreCaseAndCatchTranspositions)
{
  EXPECT_EQ(errors_of(std::string(kBase) + "services:\n  app: {kind: api_server, host: web, Workers: 2}\n"),
            "t.yaml:8:38: unknown key \"Workers\" in service \"app\"; did you mean \"workers\"?\n");
  EXPECT_EQ(errors_of(std::string(kBase) + "services:\n  app: {kind: api_server, host: web, wokrers: 2}\n"),
            "t.yaml:8:38: unknown key \"wokrers\" in service \"app\"; did you mean \"workers\"?\n");
  // Nothing close: the valid keys are listed.
  EXPECT_EQ(errors_of(std::string(kBase) + "services:\n  app: {kind: api_server, host: web, threads: 2}\n"),
            "t.yaml:8:38: unknown key \"threads\" in service \"app\"; expected one of: kind, host, hosts, workers, "
            "queue_limit\n");
}

TEST(Loader, SeveralCloseNamesAreAllSuggested)
{
  const std::string text = R"(name: t
hardware:
  hosts: [{name: web-a}, {name: web-b}, {name: web-c}, {name: db}]
services:
  app: {kind: api_server, hosts: [web-a, web-b, web-c]}
  users: {kind: database, host: web-d}
requests:
  get: [{db_read: users}]
workload: {entry: app, arrival: {process: poisson, rate: 1/s}}
)";
  EXPECT_EQ(errors_of(text), "t.yaml:6:33: host \"web-d\" does not exist; did you mean \"web-a\", \"web-b\" or "
                             "\"web-c\"?\n");
}

TEST(Loader, FileErrors)
{
  const LoadResult missing = load_topology_file("/nonexistent/topology.yaml");
  EXPECT_FALSE(missing.spec);
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_EQ(missing.errors[0].format(), "/nonexistent/topology.yaml: cannot open the file: No such file or directory");

  const fs::path path = fs::temp_directory_path() / "scalelab_test_loader.yaml";
  {
    std::ofstream out(path);
    out << std::string(kBase) << "services:\n  app: {kind: api_server, host: web}\n";
  }
  const LoadResult ok = load_topology_file(path.string());
  ASSERT_TRUE(ok.spec) << joined(ok.errors);
  EXPECT_EQ(ok.spec->file, path.string());
  EXPECT_EQ(ok.spec->services.at(0).where.file, path.string());
  fs::remove(path);
}

TEST(Loader, DiagnosticFormat)
{
  Diagnostic d;
  d.where.file = "a.yaml";
  d.message = "bad";
  d.where.line = 3;
  d.where.column = 7;
  EXPECT_EQ(d.format(), "a.yaml:3:7: bad");
  d.where.line = 0;
  d.where.column = 0;
  EXPECT_EQ(d.format(), "a.yaml: bad");
}

// --- the broken-file corpus -----------------------------------------------------------------------------

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

class LoaderCorpus : public ::testing::TestWithParam<std::string>
{
};

TEST_P(LoaderCorpus, ReportsExactlyTheExpectedErrors)
{
  const std::string name = GetParam();
  const fs::path expected_path = kCorpusDir / (name + ".expected");
  ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " is missing";
  const LoadResult result = load_topology_text(read_text(kCorpusDir / (name + ".yaml")), name + ".yaml");
  EXPECT_FALSE(result.spec.has_value());
  EXPECT_EQ(joined(result.errors), read_text(expected_path));
}

INSTANTIATE_TEST_SUITE_P(Bad, LoaderCorpus, ::testing::ValuesIn(corpus_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string id = param.param;
                           std::replace(id.begin(), id.end(), '-', '_');
                           return id;
                         });

TEST(LoaderCorpusFiles, EveryExpectationHasItsFileAndThereAreEnough)
{
  std::size_t cases = 0;
  for (const auto& entry : fs::directory_iterator(kCorpusDir)) {
    if (entry.path().extension() == ".expected") {
      EXPECT_TRUE(fs::exists(fs::path(entry.path()).replace_extension(".yaml"))) << entry.path();
    }
    cases += entry.path().extension() == ".yaml";
  }
  EXPECT_GE(cases, 25u);
}

// --- the generated reference ----------------------------------------------------------------------------

TEST(LoaderReference, DocsMatchTheSchema)
{
  const std::string generated = schema_reference_markdown();
  if (const char* update = std::getenv("SCALELAB_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(kReference, std::ios::binary) << generated;
    GTEST_SKIP() << "rewrote " << kReference;
  }
  EXPECT_EQ(read_text(kReference), generated)
      << kReference << " is out of date; rerun with SCALELAB_UPDATE_GOLDEN=1 to regenerate it";
}

} // namespace
} // namespace scalelab::models
