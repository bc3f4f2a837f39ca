// The simulator against queueing theory. Each test runs one simulation (one SimGrid engine per process:
// ctest runs every test in its own process). Seeds and sample sizes are fixed, each test with its own seed;
// each sample size is chosen so that the tolerance is about four standard errors of the estimate (measured
// over several seeds), so the tests pass whatever the seed. To check that, run them with other seeds:
// SCALELAB_THEORY_SEED=N ctest -L theory.
#include "queueing.hpp"
#include "sim_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

using namespace scalelab;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;
using scalelab::testing::service;
using test::erlang_c;

namespace
{
// Invariants that hold on every run.
void expect_invariants(const models::Results& r)
{
  const auto& c = r.checks;
  EXPECT_TRUE(c.conserved) << "sent " << c.sent << " != completed " << c.completed << " + failed " << c.failed
                           << " + in flight " << c.in_flight;
  EXPECT_LT(std::abs(c.little_relative_error), 0.01)
      << "Little's law: L=" << c.little_l << " X*W=" << c.little_x * c.little_w;
}
// One api_server with `workers` workers fed directly by Poisson arrivals, service step given in YAML.
std::string single_station(double rate, int workers, const std::string& service_step, double duration,
                           const std::string& seed)
{
  return "name: station\nseed: " + seed_or(seed) + "\nduration: " + std::to_string(duration) +
         "s\nwarmup: " + std::to_string(duration / 20) + "s\nreport_interval: " + std::to_string(duration / 10) +
         "s\n"
         "hardware:\n  hosts:\n    - {name: server, cores: " +
         std::to_string(workers) +
         "}\n  network: {bandwidth: 1Gbps, latency: 100us}\n"
         "services:\n  app: {kind: api_server, host: server, workers: " +
         std::to_string(workers) +
         ", queue_limit: 100000000}\n"
         "requests:\n  r:\n    steps:\n      - cpu: " +
         service_step +
         "\n    request_size: 0B\n    response_size: 0B\n"
         "workload:\n  entry: app\n  arrival: {process: poisson, rate: " +
         std::to_string(rate) + "/s}\n";
}

} // namespace

TEST(Theory, MM1AtHalfLoad)
{
  const double lambda = 50, mu = 100;
  const auto out = run_yaml(single_station(lambda, 1, "{exponential: 10ms}", 10000, "101")); // ~500 k requests
  const auto& app = service(out.results, "app");
  EXPECT_NEAR(app.latency.mean, test::mm1_response(lambda, mu), 0.02 * test::mm1_response(lambda, mu));
  EXPECT_NEAR(app.utilisation, lambda / mu, 0.01 * lambda / mu);
  expect_invariants(out.results);
}

TEST(Theory, MM1AtNinetyPercentLoad)
{
  // The mean's standard error at rho = 0.9 over n customers is about 9.5 % / sqrt(n / 1e4) (0.8 % measured
  // over seeds at 6 M requests): 14 M requests put 2 % at four standard errors.
  const double lambda = 90, mu = 100;
  const auto out = run_yaml(single_station(lambda, 1, "{exponential: 10ms}", 160000, "102"));
  const auto& app = service(out.results, "app");
  EXPECT_NEAR(app.latency.mean, test::mm1_response(lambda, mu), 0.02 * test::mm1_response(lambda, mu));
  EXPECT_NEAR(app.utilisation, lambda / mu, 0.01 * lambda / mu);
  expect_invariants(out.results);
}

TEST(Theory, MMcWaitingTimeIsErlangC)
{
  const int c = 4;
  const double lambda = 320, mu = 100; // rho = 0.8
  // 0.9 % standard error measured over seeds at 4.8 M requests: 16 M requests.
  const auto out = run_yaml(single_station(lambda, c, "{exponential: 10ms}", 50000, "103"));
  EXPECT_EQ(out.engine.servers_at_arrival, 1U) << "departures computed at arrival, by Lindley's recursion";
  const auto& app = service(out.results, "app");
  const double expected_wait = test::mmc_wait(c, lambda, mu);
  // Waiting time = time in system - service time; the queue's time-average gives it too (Little: Lq = lambda Wq).
  EXPECT_NEAR(app.latency.mean - 1 / mu, expected_wait, 0.02 * expected_wait);
  EXPECT_NEAR(app.mean_queue_length / lambda, expected_wait, 0.02 * expected_wait);
  EXPECT_NEAR(app.utilisation, lambda / (c * mu), 0.01);
  expect_invariants(out.results);
}

TEST(Theory, MD1IsPollaczekKhinchine)
{
  const double lambda = 70, mu = 100;
  const auto out = run_yaml(single_station(lambda, 1, "10ms", 30000, "104")); // ~2.1 M requests
  const auto& app = service(out.results, "app");
  const double expected = test::md1_wait(lambda, mu) + 1 / mu;
  EXPECT_NEAR(app.latency.mean, expected, 0.02 * expected);
  expect_invariants(out.results);
}

namespace
{
std::string balanced(const std::string& policy, const std::string& seed)
{
  // 4 servers x 2 workers, mu = 100/s each, rho = 0.75: lambda = 600/s in total.
  return "name: balanced\nseed: " + seed_or(seed) +
         "\nduration: 6000s\nwarmup: 300s\nreport_interval: 600s\n"
         "hardware:\n  hosts:\n    - {name: lb}\n    - {name: web, count: 4, cores: 2}\n"
         "  network: {bandwidth: 1Gbps, latency: 100us}\n"
         "services:\n  lb: {kind: load_balancer, host: lb, policy: " +
         policy +
         ", backends: app}\n"
         "  app: {kind: api_server, hosts: web, workers: 2, queue_limit: 100000000}\n"
         "requests:\n  r: {steps: [cpu: {exponential: 10ms}], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: lb\n  arrival: {process: poisson, rate: 600/s}\n";
}
constexpr double kBalancedLambdaPerServer = 150, kBalancedMu = 100;
constexpr int kBalancedWorkers = 2;
} // namespace

TEST(Theory, RandomRoutingGivesIndependentMMcQueues)
{
  // Random splitting of a Poisson stream gives each server a Poisson stream: each is an M/M/2 queue.
  const auto out = run_yaml(balanced("random", "105"));
  const auto& app = service(out.results, "app");
  const double expected = test::mmc_wait(kBalancedWorkers, kBalancedLambdaPerServer, kBalancedMu) + 1 / kBalancedMu;
  EXPECT_NEAR(app.latency.mean, expected, 0.02 * expected);
  expect_invariants(out.results);
}

TEST(Theory, RoundRobinWaitsLessThanRandomRouting)
{
  // Round robin gives each server every 4th arrival (Erlang-4 gaps, less variable than Poisson), so the
  // servers are not M/M/c queues and wait less: the M/M/c formula is an upper bound here, not a prediction.
  const auto out = run_yaml(balanced("round_robin", "106"));
  const auto& app = service(out.results, "app");
  const double random_wait = test::mmc_wait(kBalancedWorkers, kBalancedLambdaPerServer, kBalancedMu);
  const double wait = app.latency.mean - 1 / kBalancedMu;
  EXPECT_LT(wait, 0.8 * random_wait) << "round robin waited " << wait << " s, random routing waits " << random_wait;
  EXPECT_GT(wait, 0.0);
  expect_invariants(out.results);
}

TEST(Theory, TandemIsTheSumOfTwoMM1Queues)
{
  // Jackson: a Poisson stream through two exponential FCFS stations in series; each is an M/M/1 queue.
  const double lambda = 80, mu1 = 200, mu2 = 125;
  const auto out =
      run_yaml("name: tandem\nseed: " + seed_or("107") +
               "\nduration: 20000s\nwarmup: 1000s\nreport_interval: 1000s\n"
               "hardware:\n  hosts:\n    - {name: a}\n    - {name: b}\n  network: {bandwidth: 1Gbps, latency: 100us}\n"
               "services:\n  first: {kind: api_server, host: a, workers: 1, queue_limit: 100000000}\n"
               "  second: {kind: api_server, host: b, workers: 1, queue_limit: 100000000}\n"
               "requests:\n  r:\n    steps:\n      - cpu: {exponential: 5ms}\n      - forward: second\n"
               "      - cpu: {exponential: 8ms}\n    request_size: 0B\n    response_size: 0B\n"
               "workload:\n  entry: first\n  arrival: {process: poisson, rate: 80/s}\n");
  const double network = 3 * 100e-6; // users -> first -> second -> users
  const double expected = test::mm1_response(lambda, mu1) + test::mm1_response(lambda, mu2);
  EXPECT_NEAR(out.results.total.latency.mean - network, expected, 0.02 * expected);
  EXPECT_NEAR(service(out.results, "first").latency.mean, test::mm1_response(lambda, mu1),
              0.02 * test::mm1_response(lambda, mu1));
  expect_invariants(out.results);
}

namespace
{
std::string closed_loop(const std::string& think, const std::string& seed)
{
  return "name: closed\nseed: " + seed_or(seed) +
         "\nduration: 40000s\nwarmup: 1000s\nreport_interval: 4000s\n"
         "hardware:\n  hosts:\n    - {name: server}\n  network: {bandwidth: 1Gbps, latency: 50us}\n"
         "services:\n  app: {kind: api_server, host: server, workers: 1, queue_limit: 1000}\n"
         "requests:\n  r: {steps: [cpu: {exponential: 40ms}], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: app\n  arrival: {process: closed, users: 20, think_time: " +
         think + "}\n";
}
} // namespace

TEST(Theory, ClosedUsersMatchTheFiniteSourceModel)
{
  // 20 users thinking 1 s on average, one server of rate 25/s: the machine-repairman model.
  const auto out = run_yaml(closed_loop("{exponential: 1s}", "108"));
  const double expected = test::repairman_response(20, 1.0 + 2 * 50e-6, 25.0); // the network adds to thinking
  EXPECT_NEAR(service(out.results, "app").latency.mean, expected, 0.02 * expected);
  expect_invariants(out.results);
}

TEST(Theory, ClosedUsersAreInsensitiveToTheThinkTimeDistribution)
{
  // Thinking is an infinite-server station; in a BCMP network its distribution does not matter, only its
  // mean. Uniform think times exercise the per-user path (the exponential case merges users).
  const auto out = run_yaml(closed_loop("{uniform: [0.5s, 1.5s]}", "109"));
  const double expected = test::repairman_response(20, 1.0 + 2 * 50e-6, 25.0); // the network adds to thinking
  EXPECT_NEAR(service(out.results, "app").latency.mean, expected, 0.02 * expected);
  expect_invariants(out.results);
}

namespace
{

// M/M/1/K with K = 1 + queue_limit: blocking probability (1 - rho) rho^K / (1 - rho^(K+1)). The fast path
// computes each departure at arrival (ApiServer::serve_at_arrival), the plain engine runs every step as an
// event: both are checked against the formula.
void expect_mm1k_blocking(const sim::RunOptions& options, std::uint64_t servers_at_arrival)
{
  const double lambda = 150, mu = 100;
  const int queue_limit = 4, k = 1 + queue_limit;
  auto yaml = single_station(lambda, 1, "{exponential: 10ms}", 4000, "110");
  yaml.replace(yaml.find("queue_limit: 100000000"), 22, "queue_limit: " + std::to_string(queue_limit));
  const auto out = run_yaml(yaml, options);
  EXPECT_EQ(out.engine.servers_at_arrival, servers_at_arrival);
  const double rho = lambda / mu;
  const double blocking = (1 - rho) * std::pow(rho, k) / (1 - std::pow(rho, k + 1));
  const auto& total = out.results.total;
  const auto rejected = total.errors.count("queue_full") ? total.errors.at("queue_full") : 0;
  const double measured = static_cast<double>(rejected) / static_cast<double>(rejected + total.completed);
  EXPECT_NEAR(measured, blocking, 0.02 * blocking);
  expect_invariants(out.results);
}

} // namespace

TEST(Theory, FullQueueRejectsAndCountsEveryRequest)
{
  expect_mm1k_blocking({}, 1);
}

TEST(Theory, FullQueueRejectsAndCountsEveryRequestStepByStep)
{
  sim::RunOptions plain;
  plain.mode = sim::EngineMode::plain;
  expect_mm1k_blocking(plain, 0);
}

// --- crashes ---------------------------------------------------------------------------------------------

namespace
{

std::uint64_t errors_of(const models::RequestTypeResult& r, const std::string& cause)
{
  const auto it = r.errors.find(cause);
  return it == r.errors.end() ? 0 : it->second;
}

// A round-robin balancer over four servers of 4 workers, exponential service of 5 ms, Poisson arrivals;
// web-1 crashes at 10.5 s and restarts at 15.5 s.
std::string four_servers_one_crash(const std::string& health_check, const std::string& seed)
{
  return "name: crash\nseed: " + seed_or(seed) +
         "\nduration: 30s\n"
         "hardware:\n  hosts:\n    - {name: lb}\n    - {name: web, count: 4, cores: 4}\n"
         "  network: {bandwidth: 1Gbps, latency: 100us}\n"
         "services:\n  lb: {kind: load_balancer, host: lb, policy: round_robin, backends: app, health_check: " +
         health_check +
         "}\n  app: {kind: api_server, hosts: web, workers: 4}\n"
         "requests:\n  r:\n    steps:\n      - cpu: {exponential: 5ms}\n    request_size: 0B\n    response_size: 0B\n"
         "workload:\n  entry: lb\n  arrival: {process: poisson, rate: 400/s}\n"
         "faults:\n  - {at: 10.5s, crash: web-1, for: 5s}\n";
}

} // namespace

TEST(Crash, ADownServerRefusesThePoissonArrivalsOfItsDowntime)
{
  // One server, Poisson arrivals at 200/s, down for 10 s of 60: the refusals are the arrivals in those 10 s
  // (Poisson: mean 2000, standard deviation 45) plus the requests inside at the crash (about 1).
  auto yaml = single_station(200, 4, "{exponential: 5ms}", 60, "111");
  yaml += "faults:\n  - {at: 20s, crash: server, for: 10s}\n";
  const auto out = run_yaml(yaml);
  const auto down = errors_of(out.results.total, "host_down");
  EXPECT_NEAR(static_cast<double>(down), 2000.0, 4 * 45.0);
  // Busy 50 s of the 57 measured (warm-up 3 s): utilisation is that share of lambda * S / c.
  EXPECT_NEAR(service(out.results, "app").utilisation, 200 * 0.005 / 4 * 47.0 / 57.0, 0.02);
  expect_invariants(out.results);
}

TEST(Crash, WithoutHealthChecksTheBalancerKeepsSendingToTheDownServer)
{
  // Round robin sends exactly every fourth request to web-1: a quarter of 5 s of arrivals at 400/s.
  const auto out = run_yaml(four_servers_one_crash("0s", "112"));
  EXPECT_NEAR(static_cast<double>(errors_of(out.results.total, "host_down")), 500.0, 4 * std::sqrt(500.0));
  expect_invariants(out.results);
}

TEST(Crash, HealthChecksLimitTheRefusalsToTheDetectionDelay)
{
  // Checks every second: web-1 is seen down at 11 s, half a second after its crash: a quarter of half a
  // second of arrivals (50) are refused, plus the few requests inside at the crash.
  const auto out = run_yaml(four_servers_one_crash("1s", "113"));
  const auto down = errors_of(out.results.total, "host_down");
  EXPECT_NEAR(static_cast<double>(down), 50.0, 4 * std::sqrt(50.0) + 2);
  expect_invariants(out.results);
}
