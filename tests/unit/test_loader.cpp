// Tests of the topology loader (models/src/loader.cpp and the schema it reads with).
//
// Broken-file corpus: every tests/corpus/bad/NAME.yaml is loaded with the label "NAME.yaml" and must give
// exactly the errors listed in NAME.expected, one formatted diagnostic per line, sorted by position. Adding
// a NAME.yaml / NAME.expected pair adds a case; nothing here needs to change.
//
// docs/yaml-reference.md must equal schema_reference_markdown(). After changing the schema, regenerate it:
//   SCALELAB_UPDATE_GOLDEN=1 ./scalelab_unit_tests --gtest_filter='LoaderReference.*'
#include "scalelab/models/hardware.hpp"
#include "scalelab/models/limits.hpp"
#include "scalelab/models/loader.hpp"
#include "scalelab/models/results.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace scalelab::models
{
namespace
{

using scalelab::testing::joined;
using scalelab::testing::read_text;

namespace fs = std::filesystem;

const fs::path kSourceDir = SCALELAB_SOURCE_DIR;
const fs::path kCorpusDir = kSourceDir / "tests" / "corpus" / "bad";
const fs::path kReference = kSourceDir / "docs" / "yaml-reference.md";

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
  EXPECT_EQ(as<LoadBalancerSpec>(spec.services.at(1).kind).health_check, LoadBalancerSpec{}.health_check);
  EXPECT_EQ(as<LoadBalancerSpec>(spec.services.at(1).kind).health_check, 2 * kNanosPerSecond);
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
  EXPECT_TRUE(spec.faults.empty());
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

// --- faults and health checks ---------------------------------------------------------------------------

const char* const kFaults = R"(name: faults
duration: 120s
hardware:
  hosts: [{name: lb}, {name: web, count: 2}, {name: db}]
services:
  lb: {kind: load_balancer, host: lb, backends: app, health_check: 0s}
  slow: {kind: load_balancer, host: lb, backends: app, health_check: 500ms}
  app: {kind: api_server, hosts: web}
  users: {kind: database, host: db}
requests:
  get: [{db_read: users}]
workload: {entry: lb, arrival: {process: poisson, rate: 10/s}}
faults:
  - {at: 90s, crash: web-2, for: 10s}
  - at: 30s
    crash: db
  - {at: 100s, crash: web-2, for: 1.5s}
)";

TEST(Loader, FaultsInFileOrder)
{
  const TopologySpec spec = load_ok(kFaults);
  ASSERT_EQ(spec.faults.size(), 3u);
  EXPECT_EQ(spec.faults[0].at, 90 * kNanosPerSecond);
  EXPECT_EQ(spec.faults[0].host, "web-2");
  EXPECT_EQ(spec.faults[0].down_for, std::optional<SimTime>(10 * kNanosPerSecond));
  EXPECT_EQ(spec.faults[1].at, 30 * kNanosPerSecond);
  EXPECT_EQ(spec.faults[1].host, "db");
  EXPECT_FALSE(spec.faults[1].down_for); // stays down
  // A crash at the very moment of the restart does not overlap.
  EXPECT_EQ(spec.faults[2].at, 100 * kNanosPerSecond);
  EXPECT_EQ(spec.faults[2].down_for, std::optional<SimTime>(1'500'000'000));

  EXPECT_EQ(as<LoadBalancerSpec>(spec.services.at(0).kind).health_check, 0);
  EXPECT_EQ(as<LoadBalancerSpec>(spec.services.at(1).kind).health_check, 500'000'000);

  const nlohmann::ordered_json j = to_json(spec);
  EXPECT_EQ(
      j["faults"].dump(),
      R"([{"at":90.0,"crash":"web-2","for":10.0},{"at":30.0,"crash":"db"},{"at":100.0,"crash":"web-2","for":1.5}])");
  EXPECT_EQ(j["services"]["lb"].dump(),
            R"({"kind":"load_balancer","host":"lb","policy":"round_robin","backends":"app",)"
            R"("health_check":0.0})");
  EXPECT_EQ(j["services"]["slow"]["health_check"], 0.5);
  EXPECT_FALSE(to_json(load_ok(kFullFile)).contains("faults")); // faults: [] and no key at all look alike
}

TEST(Loader, FaultMessagesNotInTheCorpus)
{
  const std::string head = R"(name: t
hardware:
  hosts: [{name: web, count: 2}]
services:
  app: {kind: api_server, hosts: web}
requests:
  get: [{cpu: 1Mf}]
workload: {entry: app, arrival: {process: poisson, rate: 1/s}}
)";
  // Against the default duration; faults in any order.
  EXPECT_EQ(errors_of(head + "faults:\n  - {at: 1s, crash: web-1}\n  - {at: 60s, crash: web-2}\n"),
            "t.yaml:11:10: at must be less than duration (60s), got 60s: the run is over by then\n");
  EXPECT_EQ(errors_of(head + "faults: {at: 1s, crash: web-1}\n"),
            "t.yaml:9:9: faults: expected a list of faults, got a map\n");
  // The same crash twice: the second is reported, at its own position.
  EXPECT_EQ(errors_of(head + "faults: [{at: 10s, crash: web-1, for: 1ms}, {at: 10s, crash: web-1, for: 1ms}]\n"),
            "t.yaml:9:50: host \"web-1\" is already down at 10s: the fault at line 9 (crash at 10s for 1ms) holds "
            "then\n");
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

TEST(Loader, UnusedCacheAndMissStepsThatNeverFillItAreWarningsOnly)
{
  const LoadResult result = load_topology_text(R"(name: w
hardware:
  hosts: [{name: web}, {name: c}, {name: db}]
services:
  app: {kind: api_server, host: web}
  cache: {kind: cache, host: c}
  spare: {kind: cache, host: c}
  users: {kind: database, host: db}
requests:
  r: [cache_get: {cache: cache, on_miss: [db_read: users]}]
  s: [cache_get: {cache: cache, on_miss: [db_read: users, cache_set: cache]}]
workload: {entry: app, arrival: {process: poisson, rate: 1/s}, mix: {r: 1, s: 1}, keys: {count: 10}}
)",
                                               "w.yaml");
  EXPECT_TRUE(result.errors.empty()) << joined(result.errors);
  ASSERT_TRUE(result.spec.has_value());
  EXPECT_EQ(joined(result.warnings), "w.yaml:7:3: cache \"spare\" is not used by any request\n"
                                     "w.yaml:10:7: the on_miss steps never cache_set \"cache\", so its lookups keep "
                                     "missing\n");
  // The on_miss steps follow their cache_get in the step list, which says how many a hit skips.
  const auto& steps = result.spec->requests.at(1).steps;
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(std::get<CacheStep>(steps[0].step).miss_steps, 2);
  EXPECT_EQ(std::get<CacheStep>(steps[2].step).op, CacheStep::Op::set);
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
            "queue_limit, sessions, token_check, session_store, connection_pool, rate_limit, autoscale\n");
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
  const std::string folder = fs::temp_directory_path().string();
  const LoadResult directory = load_topology_file(folder);
  ASSERT_EQ(directory.errors.size(), 1u);
  EXPECT_EQ(directory.errors[0].format(), folder + ": cannot open the file: it is a directory");

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

// --- what no file can exceed ------------------------------------------------------------------------------

TEST(LoaderLimits, AFileLargerThanTheLimitIsRefusedAtTheFirstByteBeyondIt)
{
  // Two lines of comments, then padding: the first byte beyond the limit is on line 3.
  std::string text = "# a\n# b\n";
  const std::size_t column = limits::kFileBytes - text.size() + 1;
  text += std::string(limits::kFileBytes - text.size() + 10, 'x');
  const LoadResult result = load_topology_text(text, "big.yaml");
  EXPECT_FALSE(result.spec);
  ASSERT_EQ(result.errors.size(), 1u) << joined(result.errors);
  EXPECT_EQ(result.errors[0].format(), "big.yaml:3:" + std::to_string(column) + ": the file is larger than " +
                                           std::to_string(limits::kFileBytes) +
                                           " bytes, the most a topology file may hold");
}

TEST(LoaderLimits, AnEndlessFileIsNotReadWhole)
{
  const LoadResult result = load_topology_file("/dev/zero");
  EXPECT_FALSE(result.spec);
  ASSERT_EQ(result.errors.size(), 1u) << joined(result.errors);
  EXPECT_NE(result.errors[0].message.find("the file is larger than"), std::string::npos) << result.errors[0].message;
}

// yaml-cpp 0.7's LoadAll returns an empty document at a comma it cannot consume, forever; the loader must
// say where the comma is instead.
TEST(LoaderLimits, AStrayCommaIsASyntaxErrorAtTheComma)
{
  const std::vector<std::pair<std::string, std::string>> cases = {{",", "t.yaml:1:1"},
                                                                  {" ,", "t.yaml:1:2"},
                                                                  {"---\n,", "t.yaml:2:1"},
                                                                  {"[a],", "t.yaml:1:4"},
                                                                  {"{name: t, seed: 1},", "t.yaml:1:19"}};
  for (const auto& [text, place] : cases)
    EXPECT_EQ(errors_of(text), place + ": syntax error: unexpected \",\"\n") << text;
}

TEST(LoaderLimits, NestingIsCountedThroughAliases)
{
  // 60 lists under the top-level map, then an alias to a list 5 deep: 66 levels where the alias is used.
  const std::string deep = std::string(60, '[') + std::string(60, ']');
  const std::string text = "x: &five [[[[[1]]]]]\nname: " + deep.substr(0, 60) + "*five" + deep.substr(60) + "\n";
  EXPECT_EQ(errors_of(text), "t.yaml:2:67: lists and maps nest more than " + std::to_string(limits::kYamlDepth) +
                                 " deep here, the most a topology file may have\n");
}

// A topology with the given hosts (YAML list items), services and workload tail.
std::string topology_with(const std::string& hosts, const std::string& services,
                          const std::string& workload = "{entry: app, arrival: {process: poisson, rate: 1/s}}")
{
  return "name: t\nhardware:\n  hosts:\n" + hosts + "services:\n" + services +
         "requests:\n  get: [{cpu: 1Mf}]\nworkload: " + workload + "\n";
}

TEST(LoaderLimits, AHundredThousandHostsAreAccepted)
{
  const TopologySpec spec = load_ok(topology_with("    - {name: lb}\n    - {name: web, count: 100000, cores: 64}\n",
                                                  "  lb: {kind: load_balancer, host: lb, backends: app}\n"
                                                  "  app: {kind: api_server, hosts: web, workers: 64}\n",
                                                  "{entry: lb, arrival: {process: poisson, rate: 1/s}}"));
  EXPECT_EQ(spec.hardware.hosts.size(), 100001u);
}

TEST(LoaderLimits, AHugeCountIsRefusedWithoutExpandingIt)
{
  EXPECT_EQ(
      errors_of(topology_with("    - {name: web, count: 2147483647}\n", "  app: {kind: api_server, hosts: web}\n")),
      "t.yaml:4:26: count must be at most " + std::to_string(limits::kHosts) + ", got 2147483647\n");
}

TEST(LoaderLimits, HostsAndCoresAreSummedOverTheEntriesBeforeAnyIsExpanded)
{
  EXPECT_EQ(errors_of(topology_with("    - {name: a, count: 600000}\n    - {name: b, count: 400001}\n",
                                    "  app: {kind: api_server, hosts: a}\n")),
            "t.yaml:5:24: with this entry there are 1000001 hosts once counts are expanded; a topology may have at "
            "most " +
                std::to_string(limits::kHosts) + "\n");
  EXPECT_EQ(errors_of(topology_with("    - {name: a, count: 1000, cores: 100000}\n    - {name: b, cores: 1}\n",
                                    "  app: {kind: api_server, hosts: a}\n")),
            "t.yaml:5:24: with this entry the hosts have 100000001 cores in all; a topology may have at most " +
                std::to_string(limits::kCores) + "\n");
}

TEST(LoaderLimits, SwitchesAreSummedOverTheEntriesBeforeAnyIsExpanded)
{
  const std::string text = "name: t\nhardware:\n  hosts: [{name: a}]\n"
                           "  switches: [{name: s, count: 700000}, {name: t, count: 300001}]\n"
                           "  links: [{between: [a, s-1]}]\n"
                           "services:\n  app: {kind: api_server, host: a}\nrequests:\n  get: [{cpu: 1Mf}]\n"
                           "workload: {entry: app, arrival: {process: poisson, rate: 1/s}}\n";
  EXPECT_EQ(errors_of(text), "t.yaml:4:57: with this entry there are 1000001 switches once counts are expanded; a "
                             "topology may have at most " +
                                 std::to_string(limits::kSwitches) + "\n");
}

TEST(LoaderLimits, InstancesWorkersAndConnectionsAreSummedOverTheServices)
{
  // Ten services on a hundred thousand hosts, then one more.
  std::string services;
  for (int i = 0; i < 11; ++i)
    services += "  s" + std::to_string(i) + ": {kind: api_server, hosts: web}\n";
  EXPECT_EQ(errors_of(topology_with("    - {name: web, count: 100000}\n", services,
                                    "{entry: s0, arrival: {process: poisson, rate: 1/s}}")),
            "t.yaml:16:34: with service \"s10\" there are 1100000 service instances in all; a topology may have at "
            "most " +
                std::to_string(limits::kInstances) + "\n");
  EXPECT_EQ(errors_of(topology_with("    - {name: web, count: 1000}\n    - {name: db}\n",
                                    "  app: {kind: api_server, hosts: web, workers: 99999}\n"
                                    "  db: {kind: database, host: db, connections: 1000001}\n")),
            "t.yaml:8:47: with service \"db\" the instances have 100999001 workers and connections in all; a "
            "topology may have at most " +
                std::to_string(limits::kWorkersAndConnections) + "\n");
}

TEST(LoaderLimits, KeysAndUsers)
{
  const std::string app = "  app: {kind: api_server, host: web}\n";
  const std::string web = "    - {name: web}\n";
  EXPECT_EQ(errors_of(topology_with(web, app,
                                    "{entry: app, arrival: {process: poisson, rate: 1/s}, keys: {count: "
                                    "1000000000000001}}")),
            "t.yaml:9:78: count must be at most " + std::to_string(limits::kKeys) + ", got 1000000000000001\n");
  load_ok(topology_with(web, app, "{entry: app, arrival: {process: poisson, rate: 1/s}, keys: {count: 1000000000}}"));
  // A billion users thinking exponentially are one process; ten million and one with fixed think times are not.
  load_ok(topology_with(web, app,
                        "{entry: app, arrival: {process: closed, users: 1000000000, think_time: {exponential: 1s}}}"));
  EXPECT_EQ(errors_of(topology_with(web, app, "{entry: app, arrival: {process: closed, users: 10000001}}")),
            "t.yaml:9:58: users must be at most " + std::to_string(limits::kUsersThinkingApart) +
                " when think_time is not exponential (each thinking user is then an event of its own), got "
                "10000001\n");
}

TEST(LoaderLimits, TimeseriesRows)
{
  // 10^7 rows exactly: 5,000,000 intervals for the users and one service.
  load_ok("report_interval: 1ms\nduration: 5000s\n" +
          topology_with("    - {name: web}\n", "  app: {kind: api_server, host: web}\n"));
  EXPECT_EQ(errors_of("report_interval: 1ms\nduration: 5000.001s\n" +
                      topology_with("    - {name: web}\n", "  app: {kind: api_server, host: web}\n")),
            "t.yaml:1:18: timeseries.csv would have more than " + std::to_string(limits::kTimeseriesRows) +
                " rows (duration / report_interval rows for the users and each of 1 services); make "
                "report_interval longer\n");
}

TEST(LoaderLimits, ReadingStopsAfterTheFirstHundredErrors)
{
  std::string text = "name: t\n";
  for (int i = 0; i < 150; ++i)
    text += "key" + std::to_string(i) + ": 1\n";
  const LoadResult result = load_topology_text(text, "t.yaml");
  ASSERT_EQ(result.errors.size(), limits::kErrors + 1);
  EXPECT_EQ(result.errors.back().format(),
            "t.yaml:101:1: too many errors: the first 100 are reported, the file is read no further");
}

// --- hardware: shapes, explicit graphs, SimGrid platforms ------------------------------------------------

// Services and requests for the hardware tests: hosts web (a group) and db.
const char* const kWebAndDb = R"(services:
  app: {kind: api_server, hosts: web}
  store: {kind: database, host: db}
requests:
  get: [{db_read: store}]
workload: {entry: app, arrival: {process: poisson, rate: 1/s}}
)";

TEST(LoaderHardware, LanShapeAndItsDefaults)
{
  const TopologySpec spec = load_ok(std::string(R"(name: t
hardware:
  hosts: [{name: web, count: 2}, {name: db}]
  network: {latency: 20us, sharing: shared}
)") + kWebAndDb);
  const NetworkSpec& n = spec.hardware.network;
  EXPECT_EQ(n.shape, NetworkSpec::Shape::lan);
  EXPECT_EQ(n.bandwidth, 125e6);
  EXPECT_EQ(n.latency, 20e-6);
  EXPECT_EQ(n.sharing, LinkSharing::shared);
  EXPECT_EQ(n.where.line, 4);
  EXPECT_EQ(n.where.column, 12);
  EXPECT_FALSE(spec.hardware.explicit_graph());
  EXPECT_TRUE(spec.hardware.switches.empty());
  EXPECT_TRUE(spec.hardware.simgrid_platform.empty());
  EXPECT_EQ(spec.hardware.users.attach, "");
  EXPECT_EQ(spec.hardware.users.latency, 0);

  // Without the key, the shape is a lan with every default.
  const TopologySpec plain =
      load_ok(std::string("name: t\nhardware:\n  hosts: [{name: web, count: 2}, {name: db}]\n") + kWebAndDb);
  EXPECT_EQ(plain.hardware.network.shape, NetworkSpec::Shape::lan);
  EXPECT_EQ(plain.hardware.network.sharing, NetworkSpec{}.sharing);
  EXPECT_EQ(plain.hardware.network.latency, NetworkSpec{}.latency);
}

TEST(LoaderHardware, RacksShapeDefaultsPerLink)
{
  const TopologySpec spec = load_ok(std::string(R"(name: t
hardware:
  hosts: [{name: web, count: 5}, {name: db}]
  network: {shape: racks, rack_size: 4, uplink: {latency: 30us, sharing: fatpipe}}
)") + kWebAndDb);
  const NetworkSpec& n = spec.hardware.network;
  EXPECT_EQ(n.shape, NetworkSpec::Shape::racks);
  EXPECT_EQ(n.rack_size, 4);
  EXPECT_EQ(n.host_link.bandwidth, 125e6); // 1Gbps
  EXPECT_EQ(n.host_link.latency, 5e-6);
  EXPECT_EQ(n.host_link.sharing, LinkSharing::full_duplex);
  EXPECT_EQ(n.uplink.bandwidth, 1.25e9); // 10Gbps
  EXPECT_EQ(n.uplink.latency, 30e-6);
  EXPECT_EQ(n.uplink.sharing, LinkSharing::fatpipe);
}

TEST(LoaderHardware, DatacentersShapeMatrixInSeconds)
{
  const TopologySpec spec = load_ok(std::string(R"(name: t
hardware:
  hosts:
    - {name: web, count: 2, zone: eu}
    - {name: db, zone: us}
  network:
    shape: datacenters
    datacenters: [eu, us, ap]
    wan_latency: [[0, 40ms, 90ms], [40ms, 0, 70ms], [90ms, 70ms, 0]]
  users: {zone: ap, latency: 2ms}
)") + kWebAndDb);
  const NetworkSpec& n = spec.hardware.network;
  EXPECT_EQ(n.shape, NetworkSpec::Shape::datacenters);
  EXPECT_EQ(n.datacenters, (std::vector<std::string>{"eu", "us", "ap"}));
  EXPECT_EQ(n.lan.bandwidth, 1.25e9); // 10Gbps
  EXPECT_EQ(n.lan.latency, 100e-6);
  EXPECT_EQ(n.lan.sharing, LinkSharing::full_duplex);
  EXPECT_EQ(n.wan_bandwidth, 125e6); // 1Gbps
  const std::vector<std::vector<double>> expected = {{0, 0.04, 0.09}, {0.04, 0, 0.07}, {0.09, 0.07, 0}};
  ASSERT_EQ(n.wan_latency.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      EXPECT_DOUBLE_EQ(n.wan_latency.at(i).at(j), expected[i][j]) << i << "," << j;
  const auto& hosts = spec.hardware.hosts;
  ASSERT_EQ(hosts.size(), 3u);
  EXPECT_EQ(hosts[0].zone, "eu");
  EXPECT_EQ(hosts[1].zone, "eu");
  EXPECT_EQ(hosts[2].zone, "us");
  EXPECT_EQ(spec.hardware.users.zone, "ap");
  EXPECT_EQ(spec.hardware.users.latency, 2e-3);
  EXPECT_EQ(spec.hardware.users.where.line, 10);
}

TEST(LoaderHardware, ExplicitGraphExpandsGroups)
{
  const TopologySpec spec = load_ok(std::string(R"(name: t
hardware:
  hosts:
    - {name: web, count: 3, zone: eu}
    - {name: db}
  switches:
    - {name: tor, count: 2, zone: eu}
    - {name: core, zone: eu}
  links:
    - {name: up, between: [web, tor-1], bandwidth: 10Gbps, latency: 20us, sharing: shared}
    - {between: [tor, core]}
    - {between: [db, core], sharing: fatpipe}
  routes:
    - {from: web-1, to: db, links: [up-1, tor-1--core, db--core], symmetric: false}
    - {from: web-2, to: db, links: [up-2, tor-1--core, db--core]}
  users: {attach: core, latency: 1ms}
)") + kWebAndDb);
  const HardwareSpec& hw = spec.hardware;
  EXPECT_TRUE(hw.explicit_graph());
  ASSERT_EQ(hw.switches.size(), 3u);
  EXPECT_EQ(hw.switches[0].name, "tor-1");
  EXPECT_EQ(hw.switches[1].name, "tor-2");
  EXPECT_EQ(hw.switches[2].name, "core");
  EXPECT_EQ(hw.switches[0].zone, "eu");
  EXPECT_EQ(hw.switches[1].zone, "eu");
  EXPECT_EQ(hw.switches[1].where.line, 7);
  EXPECT_EQ(hw.switches[2].where.line, 8);
  EXPECT_EQ(hw.hosts.at(0).zone, "eu");

  struct Expected {
    std::string name, a, b;
    double bandwidth, latency;
    LinkSharing sharing;
    int line;
  };
  const std::vector<Expected> links = {
      {"up-1", "web-1", "tor-1", 1.25e9, 20e-6, LinkSharing::shared, 10},
      {"up-2", "web-2", "tor-1", 1.25e9, 20e-6, LinkSharing::shared, 10},
      {"up-3", "web-3", "tor-1", 1.25e9, 20e-6, LinkSharing::shared, 10},
      {"tor-1--core", "tor-1", "core", 125e6, 50e-6, LinkSharing::full_duplex, 11},
      {"tor-2--core", "tor-2", "core", 125e6, 50e-6, LinkSharing::full_duplex, 11},
      {"db--core", "db", "core", 125e6, 50e-6, LinkSharing::fatpipe, 12},
  };
  ASSERT_EQ(hw.links.size(), links.size());
  for (std::size_t i = 0; i < links.size(); ++i) {
    SCOPED_TRACE(links[i].name);
    EXPECT_EQ(hw.links[i].name, links[i].name);
    EXPECT_EQ(hw.links[i].a, links[i].a);
    EXPECT_EQ(hw.links[i].b, links[i].b);
    EXPECT_EQ(hw.links[i].params.bandwidth, links[i].bandwidth);
    EXPECT_EQ(hw.links[i].params.latency, links[i].latency);
    EXPECT_EQ(hw.links[i].params.sharing, links[i].sharing);
    EXPECT_EQ(hw.links[i].where.line, links[i].line);
    EXPECT_EQ(hw.links[i].where.column, 7);
  }

  ASSERT_EQ(hw.routes.size(), 2u);
  EXPECT_EQ(hw.routes[0].from, "web-1");
  EXPECT_EQ(hw.routes[0].to, "db");
  EXPECT_EQ(hw.routes[0].links, (std::vector<std::string>{"up-1", "tor-1--core", "db--core"}));
  EXPECT_FALSE(hw.routes[0].symmetric);
  EXPECT_TRUE(hw.routes[1].symmetric);
  EXPECT_EQ(hw.routes[1].where.line, 15);

  EXPECT_EQ(hw.users.attach, "core");
  EXPECT_EQ(hw.users.latency, 1e-3);
  EXPECT_EQ(hw.users.zone, "");
}

TEST(LoaderHardware, MessagesNotInTheCorpus)
{
  const std::string head = "name: t\nhardware:\n  hosts: [{name: web, count: 2}, {name: db}]\n";
  EXPECT_EQ(errors_of(head + "  network: {zone: eu}\n" + kWebAndDb),
            "t.yaml:4:13: unknown key \"zone\" in hardware.network; expected one of: shape, bandwidth, latency, "
            "sharing\n");
  EXPECT_EQ(errors_of(head + "  network: {rack_size: 4}\n" + kWebAndDb),
            "t.yaml:4:13: key \"rack_size\" does not apply to shape lan, the default (only to racks)\n");
  EXPECT_EQ(errors_of("name: t\nhardware:\n  hosts: [{name: web, count: 2, zone: eu}, {name: db, zone: eu}]\n"
                      "  network: {shape: datacenters, datacenters: [eu], wan_latency: [[0]]}\n" +
                      std::string(kWebAndDb)),
            "t.yaml:4:46: datacenters must name at least 2 data centres, got 1\n");
  EXPECT_EQ(errors_of(head + "  switches: [{name: sw}]\n  links: [{between: [web-1, web-2, sw]}]\n" + kWebAndDb),
            "t.yaml:5:21: between must name exactly two hosts or switches, got 3\n");
  EXPECT_EQ(errors_of(head +
                      "  links: [{between: [web-1, db]}]\n  routes: [{from: web-1, to: db, links: [web-1--db], "
                      "symmetric: yes}]\n" +
                      kWebAndDb),
            "t.yaml:5:65: symmetric: expected true or false, got \"yes\"\n");
  EXPECT_EQ(errors_of(head + "  links: []\n" + kWebAndDb),
            "t.yaml:4:10: links must be a non-empty list, got an empty list\n");
  EXPECT_EQ(errors_of("name: t\nhardware:\n  network: {}\n" + std::string(kWebAndDb)),
            "t.yaml:3:3: missing key \"hosts\" in hardware\n");
}

// Services for a platform holding web-1, web-2 and db.
const char* const kOnPlatform = R"(services:
  app: {kind: api_server, hosts: [web-1, web-2]}
  store: {kind: database, host: db}
requests:
  get: [{db_read: store}]
workload: {entry: app, arrival: {process: poisson, rate: 1/s}}
)";

ExternalPlatform three_hosts()
{
  ExternalPlatform p;
  for (const char* name : {"web-1", "web-2", "db"}) {
    HostSpec h;
    h.name = name;
    h.cores = 4;
    h.speed = 2e9;
    p.hosts.push_back(h);
  }
  return p;
}

// Sets a platform reader for one test and removes it after.
class LoaderPlatform : public ::testing::Test
{
protected:
  void TearDown() override { set_platform_reader({}); }
};

TEST_F(LoaderPlatform, HostsLinksAndRoutesComeFromTheReader)
{
  std::vector<std::string> asked;
  set_platform_reader([&asked](const std::string& path) {
    asked.push_back(path);
    ExternalPlatform p = three_hosts();
    LinkSpec l;
    l.name = "backbone";
    p.links.push_back(l);
    for (const HostSpec& from : p.hosts) // a platform has a route for every ordered pair
      for (const HostSpec& to : p.hosts)
        if (from.name != to.name) {
          RouteSpec r;
          r.from = from.name;
          r.to = to.name;
          r.links = {"backbone"};
          p.routes.push_back(r);
        }
    return p;
  });
  const std::string text = std::string(R"(name: t
hardware:
  simgrid_platform: cluster.xml
  users: {attach: web-1}
)") + kOnPlatform;
  const TopologySpec spec = load_ok(text, "topologies/site.yaml");
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], (fs::path("topologies") / "cluster.xml").string()); // next to the topology file
  EXPECT_EQ(spec.hardware.simgrid_platform, asked[0]);
  ASSERT_EQ(spec.hardware.hosts.size(), 3u);
  EXPECT_EQ(spec.hardware.hosts[1].name, "web-2");
  EXPECT_EQ(spec.hardware.hosts[1].group, "web-2");
  EXPECT_EQ(spec.hardware.hosts[1].cores, 4);
  EXPECT_EQ(spec.hardware.hosts[1].where.file, "topologies/site.yaml");
  EXPECT_EQ(spec.hardware.hosts[1].where.line, 3);
  ASSERT_EQ(spec.hardware.links.size(), 1u);
  EXPECT_EQ(spec.hardware.links[0].name, "backbone");
  ASSERT_EQ(spec.hardware.routes.size(), 6u);
  EXPECT_EQ(spec.hardware.routes[0].from, "web-1");
  EXPECT_EQ(spec.hardware.routes[0].to, "web-2");
  EXPECT_EQ(spec.hardware.routes[0].links, (std::vector<std::string>{"backbone"}));
  EXPECT_EQ(spec.hardware.users.attach, "web-1");
  // Names are the platform's; an absolute path is used as it is.
  EXPECT_EQ(errors_of(std::string(R"(name: t
hardware:
  simgrid_platform: /abs/cluster.xml
  users: {attach: web}
)") + kOnPlatform),
            "t.yaml:4:19: host \"web\" does not exist; did you mean \"web-1\", \"web-2\" or \"db\"?\n");
  EXPECT_EQ(asked.back(), "/abs/cluster.xml");
}

TEST_F(LoaderPlatform, ReaderErrorsAndMissingReader)
{
  const std::string text = std::string(R"(name: t
hardware:
  simgrid_platform: cluster.xml
  users: {attach: web-1}
)") + kOnPlatform;
  // No reader (models/ alone cannot read SimGrid files): said at the key, and no unknown host is reported.
  EXPECT_EQ(errors_of(text), "t.yaml:3:3: reading a SimGrid platform needs the scalelab program\n");
  set_platform_reader([](const std::string& path) -> ExternalPlatform {
    throw std::runtime_error("cannot open SimGrid platform " + path + ": No such file or directory");
  });
  EXPECT_EQ(errors_of(text), "t.yaml:3:3: cannot open SimGrid platform cluster.xml: No such file or directory\n");
  // The users' host is required with a platform.
  set_platform_reader([](const std::string&) { return three_hosts(); });
  EXPECT_EQ(
      errors_of("name: t\nhardware:\n  simgrid_platform: p.xml\n  users: {latency: 1ms}\n" + std::string(kOnPlatform)),
      "t.yaml:4:10: with simgrid_platform, say which host the users' traffic comes from: users: {attach: "
      "HOST}\n");
}

TEST(LoaderHardware, ResolvedConfigurationByShape)
{
  // The three-tier file: the network gains its shape and sharing, nothing else changes.
  const nlohmann::ordered_json lan = to_json(load_ok(kFullFile))["hardware"];
  EXPECT_EQ(lan["network"].dump(),
            R"({"shape":"lan","bandwidth":1250000000.0,"latency":5e-05,"sharing":"full_duplex"})");
  EXPECT_EQ(lan["hosts"][1].dump(), R"({"name":"web-1","group":"web","cores":4,"speed":2000000000.0})");
  EXPECT_EQ(lan.size(), 2u); // hosts and network only

  const nlohmann::ordered_json dc = to_json(load_ok(std::string(R"(name: t
hardware:
  hosts: [{name: web, count: 2, zone: eu}, {name: db, zone: us}]
  network: {shape: datacenters, datacenters: [eu, us], wan_latency: [[0, 40ms], [40ms, 0]]}
)") + kWebAndDb))["hardware"];
  EXPECT_EQ(dc["hosts"][2]["zone"], "us");
  EXPECT_EQ(dc["network"].dump(),
            R"({"shape":"datacenters","datacenters":["eu","us"],"lan":{"bandwidth":1250000000.0,"latency":0.0001,)"
            R"("sharing":"full_duplex"},"wan_bandwidth":125000000.0,"wan_latency":[[0.0,0.04],[0.04,0.0]]})");

  const nlohmann::ordered_json graph = to_json(load_ok(std::string(R"(name: t
hardware:
  hosts: [{name: web, count: 2}, {name: db}]
  switches: [{name: sw}]
  links: [{between: [web, sw]}, {name: d, between: [db, sw], latency: 1ms}]
  routes: [{from: web-1, to: db, links: [web-1--sw, d]}]
  users: {attach: sw}
)") + kWebAndDb))["hardware"];
  EXPECT_FALSE(graph.contains("network"));
  EXPECT_EQ(graph["switches"].dump(), R"([{"name":"sw"}])");
  EXPECT_EQ(graph["links"][2].dump(),
            R"({"name":"d","between":["db","sw"],"bandwidth":125000000.0,"latency":0.001,"sharing":"full_duplex"})");
  EXPECT_EQ(graph["routes"].dump(), R"([{"from":"web-1","to":"db","links":["web-1--sw","d"],"symmetric":true}])");
  EXPECT_EQ(graph["users"].dump(), R"({"attach":"sw"})");
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
  if (scalelab::testing::updating_golden()) {
    std::ofstream(kReference, std::ios::binary) << generated;
    GTEST_SKIP() << "rewrote " << kReference;
  }
  EXPECT_EQ(read_text(kReference), generated)
      << kReference << " is out of date; rerun with SCALELAB_UPDATE_GOLDEN=1 to regenerate it";
}

} // namespace
} // namespace scalelab::models
