// Following requests hop by hop (scalelab run --follow): the paths add up, follow the request types' steps and
// agree with queueing theory; following changes no result. In-process tests run one simulation each (one
// SimGrid engine per process: ctest runs every test in its own process); the others run the command line.
#include "command.hpp"
#include "queueing.hpp"
#include "sim_support.hpp"

#include "scalelab/models/loader.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using scalelab::testing::scratch;
using scalelab::testing::source_file;
using namespace scalelab;
using scalelab::testing::read;
using scalelab::testing::run_program;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;

namespace
{

sim::RunOutput run_file(const std::string& file, const sim::RunOptions& options, double duration)
{
  auto loaded = models::load_topology_file(std::string(SCALELAB_SOURCE_DIR) + "/" + file);
  for (const auto& e : loaded.errors)
    ADD_FAILURE() << e.format();
  if (!loaded.spec)
    throw std::runtime_error("topology does not load");
  loaded.spec->duration = models::from_seconds(duration);
  loaded.spec->warmup = models::from_seconds(duration / 10);
  return sim::run_simulation(*loaded.spec, options);
}

// What holds for every answered followed request, whatever the topology: each hop starts where the last one
// ended, its times are in order, and travel + wait + served over the hops is its response time.
void expect_path_adds_up(const sim::FollowedRequest& f)
{
  ASSERT_FALSE(f.hops.empty()) << "request " << f.index;
  double sum = 0;
  double at = f.sent;
  for (const auto& h : f.hops) {
    EXPECT_DOUBLE_EQ(h.left, at) << "request " << f.index << " at " << h.service;
    EXPECT_LE(h.left, h.arrived);
    EXPECT_LE(h.arrived, h.began);
    EXPECT_LE(h.began, h.finished);
    EXPECT_GE(h.travel, 0);
    EXPECT_GE(h.wait, 0);
    EXPECT_GE(h.served, 0);
    sum += h.travel + h.wait + h.served;
    at = h.finished;
  }
  EXPECT_NEAR(sum, f.response_time, 1e-9) << "request " << f.index;
  EXPECT_NEAR(f.answered_at - f.sent, f.response_time, 1e-9);
  EXPECT_EQ(f.hops.back().service, "(users)");
  EXPECT_DOUBLE_EQ(f.hops.back().finished, f.answered_at);
}

} // namespace

// three-tier.yaml: users -> lb -> app (an instance of three) -> users (the database) -> the same app instance -> lb
// -> users, for both request types; the app's cpu step (4 ms for get_user, 6 ms for update_user on 2 Gf cores)
// is inside its first stay; a request the run answered before its end adds up.
TEST(Follow, ThreeTierPathsFollowTheSteps)
{
  sim::RunOptions options;
  options.follow = {100, 37, 400};
  const auto out = run_file("topologies/three-tier.yaml", options, 20);
  ASSERT_EQ(out.followed.size(), 400u);
  std::size_t answered = 0;
  for (std::size_t i = 0; i < out.followed.size(); ++i) {
    const auto& f = out.followed[i];
    EXPECT_EQ(f.index, 100 + 37 * i);
    ASSERT_TRUE(f.answered) << f.index;
    ASSERT_EQ(f.outcome, "ok") << f.index;
    ++answered;
    expect_path_adds_up(f);
    const std::vector<std::string> services = {"lb", "app", "users", "app", "lb", "(users)"};
    const std::vector<std::string> kinds = {"load_balancer", "api_server",    "database",
                                            "api_server",    "load_balancer", "users"};
    ASSERT_EQ(f.hops.size(), services.size()) << f.index;
    for (std::size_t h = 0; h < services.size(); ++h) {
      EXPECT_EQ(f.hops[h].service, services[h]);
      EXPECT_EQ(f.hops[h].kind, kinds[h]);
      EXPECT_EQ(f.hops[h].reply, h >= 3) << "requests go in, replies come back";
    }
    EXPECT_EQ(f.hops[1].instance, f.hops[3].instance) << "the reply comes back to the instance that called";
    EXPECT_EQ(f.hops[1].host, f.hops[3].host);
    EXPECT_EQ(f.hops[1].host, "web-" + std::to_string(f.hops[1].instance + 1));
    EXPECT_EQ(f.hops[0].host, "lb");
    EXPECT_EQ(f.hops[2].host, "db");
    const double cpu = f.type == "get_user" ? 0.004 : 0.006;
    EXPECT_GE(f.hops[1].served, cpu - 1e-12) << f.index;
    // Every message crosses the LAN: at least its 100 us latency.
    for (const auto& h : f.hops)
      EXPECT_GE(h.travel, 100e-6 - 1e-12) << f.index << " " << h.service;
  }
  EXPECT_EQ(answered, 400u);
}

// M/D/1 at rho = 0.5 (Poisson arrivals at 50/s, a deterministic 10 ms cpu step, one worker on one core): the
// mean wait of 20,000 followed requests is Pollaczek-Khinchine's rho S / (2 (1 - rho)) = 5 ms (its standard
// error here is about 1 %), each is served for 10 ms exactly, and each message crosses the idle LAN in its
// latency plus its size over the bandwidth, as results.json declares them (docs/hardware.md: cut-through, the
// users' link never queues); a request queues behind the one before only when it comes within its 8 us.
TEST(Follow, MD1WaitsArePollaczekKhinchine)
{
  const double lambda = 50, service = 0.010;
  const std::string yaml = "name: md1\nseed: " + seed_or("211") +
                           "\nduration: 2100s\nwarmup: 10s\nreport_interval: 100s\n"
                           "hardware:\n  hosts:\n    - {name: server, cores: 1}\n"
                           "  network: {bandwidth: 1Gbps, latency: 100us}\n"
                           "services:\n  app: {kind: api_server, host: server, workers: 1, queue_limit: 100000}\n"
                           "requests:\n  r:\n    steps:\n      - cpu: 10ms\n"
                           "    request_size: 1000B\n    response_size: 5000B\n"
                           "workload:\n  entry: app\n  arrival: {process: poisson, rate: 50/s}\n";
  sim::RunOptions options;
  options.follow = {5, 5, 20000};
  const auto out = run_yaml(yaml, options);
  ASSERT_EQ(out.followed.size(), 20000u);
  // The route's figures as results.json declares them: the users' link (a fat pipe) and the server's link from
  // the switch, each half the LAN's 100 us; the server's link is full duplex at 1 Gbps (125 MB/s). On an idle
  // route a message takes the latencies plus its size over the smallest bandwidth (docs/hardware.md).
  double users_latency = -1, in_latency = -1, in_bandwidth = 0, out_latency = -1, out_bandwidth = 0;
  for (const auto& l : out.results.links) {
    if (l.name == "users--switch")
      users_latency = l.latency;
    else if (l.to == "server")
      in_latency = l.latency, in_bandwidth = l.bandwidth;
    else if (l.from == "server")
      out_latency = l.latency, out_bandwidth = l.bandwidth;
  }
  ASSERT_GE(users_latency, 0);
  ASSERT_GE(in_latency, 0);
  ASSERT_GE(out_latency, 0);
  EXPECT_NEAR(users_latency + in_latency, 100e-6, 1e-12);
  EXPECT_EQ(in_bandwidth, 125e6);
  const double to_server = users_latency + in_latency + 1000 / in_bandwidth;
  const double back = out_latency + users_latency + 5000 / out_bandwidth;
  double waits = 0;
  std::size_t exact = 0;
  for (const auto& f : out.followed) {
    ASSERT_TRUE(f.answered);
    expect_path_adds_up(f);
    ASSERT_EQ(f.hops.size(), 2u);
    const auto& app = f.hops[0];
    EXPECT_EQ(app.service, "app");
    EXPECT_DOUBLE_EQ(app.served, service);
    // Exact on an idle link. A request that comes within 8 us (its transmission) of the one before waits for
    // it: at 50/s, about one in 2500. Replies leave at least 10 ms apart: never.
    EXPECT_GE(app.travel, to_server - 1e-12);
    EXPECT_LT(app.travel, to_server + 4 * 1000 / in_bandwidth);
    exact += std::abs(app.travel - to_server) < 1e-12 ? 1 : 0;
    EXPECT_NEAR(f.hops[1].travel, back, 1e-12);
    EXPECT_EQ(f.hops[1].wait + f.hops[1].served, 0);
    waits += app.wait;
  }
  EXPECT_GE(static_cast<double>(exact), 0.99 * static_cast<double>(out.followed.size()));
  const double rho = lambda * service;
  const double expected = rho * service / (2 * (1 - rho));
  EXPECT_NEAR(expected, test::md1_wait(lambda, 1 / service), 1e-15);
  const double mean = waits / static_cast<double>(out.followed.size());
  EXPECT_NEAR(mean, expected, 0.05 * expected) << "mean wait " << mean * 1e3 << " ms";
  std::cout << "mean wait of " << out.followed.size() << " followed requests: " << mean * 1e3 << " ms (P-K "
            << expected * 1e3 << " ms); " << exact << " requests on an idle link\n";
}

// Following reads the run and changes nothing in it: results.json and timeseries.csv are the same bytes with
// and without --follow, under the plain engine and the windowed one (one executor, one per host); and the
// paths are the same whichever engine ran them. On files that take every path: a balancer that counts
// connections, crashes (the callers' side of a cut request), guarded calls with retries, caches, queues,
// sessions, zones, servers that compute departures at arrival.
class FollowChangesNothing : public ::testing::TestWithParam<std::string>
{
};

TEST_P(FollowChangesNothing, SameResultsAndSamePaths)
{
  const std::string file = GetParam();
  std::string label = "follow-" + file;
  for (char& c : label)
    if (c == '/' || c == '.')
      c = '-';
  const std::string shorten = file.rfind("topologies/", 0) == 0 ? " --warmup 1s --duration 8s" : "";
  const std::vector<std::string> engines = {"--engine plain", "", "--executors host"};
  std::string first_follow;
  for (const auto& engine : engines) {
    const fs::path a = scratch(label + "-a"), b = scratch(label + "-b");
    const std::string run = "run " + source_file(file) + shorten + " --quiet " + engine + " --out ";
    ASSERT_EQ(run_program(SCALELAB_BINARY, run + a.string(), a).status, 0);
    ASSERT_EQ(run_program(SCALELAB_BINARY, run + b.string() + " --follow every:7:300", b).status, 0);
    EXPECT_TRUE(read(a / "results.json") == read(b / "results.json")) << file << " " << engine;
    EXPECT_TRUE(read(a / "timeseries.csv") == read(b / "timeseries.csv")) << file << " " << engine;
    EXPECT_FALSE(fs::exists(a / "follow.json"));
    const std::string follow = read(b / "follow.json");
    const auto j = nlohmann::json::parse(follow);
    EXPECT_FALSE(j["requests"].empty()) << file;
    // Every answered path adds up, whatever happened to it (refusals, crashes, timeouts, a job published).
    for (const auto& r : j["requests"]) {
      if (r["response_time"].is_null())
        continue;
      double sum = 0, at = r["sent"].get<double>();
      for (const auto& h : r["hops"]) {
        EXPECT_NEAR(h["left"].get<double>(), at, 1e-9) << file << " request " << r["index"];
        sum += h["travel"].get<double>() + h["wait"].get<double>() + h["served"].get<double>();
        at = h["finished"].get<double>();
      }
      EXPECT_NEAR(sum, r["response_time"].get<double>(), 1e-9) << file << " request " << r["index"];
    }
    if (first_follow.empty())
      first_follow = follow;
    else
      EXPECT_TRUE(follow == first_follow) << file << ": the paths differ between --engine plain and " << engine;
  }
}

INSTANTIATE_TEST_SUITE_P(Files, FollowChangesNothing,
                         ::testing::Values("topologies/three-tier.yaml", "tests/sim/cases/faults.yaml",
                                           "tests/sim/cases/protection.yaml", "tests/sim/cases/caches.yaml",
                                           "tests/sim/cases/queues.yaml", "tests/sim/cases/sessions-store.yaml",
                                           "tests/sim/cases/geodns.yaml", "tests/sim/cases/departures-at-arrival.yaml",
                                           "tests/sim/cases/policies.yaml", "tests/sim/cases/replication.yaml"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string name = p.param.substr(p.param.rfind('/') + 1);
                           name = name.substr(0, name.size() - 5);
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           return name;
                         });

// --follow N follows the N-th request alone; a bad value is a usage error.
TEST(FollowCli, OneRequestAndBadValues)
{
  const fs::path dir = scratch("follow-cli");
  const auto r = run_program(SCALELAB_BINARY,
                             "run " + source_file("topologies/three-tier.yaml") +
                                 " --duration 3s --warmup 1s --follow 1000 --out " + dir.string(),
                             dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(read(dir / "follow.json"));
  EXPECT_EQ(j["follow"], "1000");
  ASSERT_EQ(j["requests"].size(), 1u);
  EXPECT_EQ(j["requests"][0]["index"], 1000);
  EXPECT_EQ(j["requests"][0]["outcome"], "ok");
  EXPECT_EQ(j["requests"][0]["hops"].size(), 6u);
  EXPECT_NE(r.out.find("request 1000"), std::string::npos) << "the summary shows the path";
  for (const char* bad : {"0", "-3", "every:", "every:0", "every:5:0", "x", "every:5:x", "99999999999999999999"})
    EXPECT_EQ(run_program(SCALELAB_BINARY, "run " + source_file("topologies/three-tier.yaml") + " --follow " + bad, dir)
                  .status,
              2)
        << bad;
}
