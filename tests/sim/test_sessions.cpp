// Users and their sessions in whole simulations: local sessions behind a balancer that spreads a user's
// requests lose the session with the probability that the next request lands elsewhere, (n - 1) / n; sticky
// balancing loses none until a server crashes, and then each of that server's users once; a token's check
// adds its CPU time to every request. Each test runs one simulation in its own process; sample sizes put the
// tolerance at four or more standard errors (SCALELAB_THEORY_SEED=N re-runs them with another seed).
#include "sim_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

using namespace scalelab;
using scalelab::testing::errors_of;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;
using scalelab::testing::service;

namespace
{
// A balancer in front of four servers that keep their users' sessions in memory; every cost is small, so
// nothing queues and every request is answered. The whole run is measured (no warm-up), so each user's first
// request, a login, is counted too.
std::string four_servers(const std::string& balancer, const std::string& arrival, const std::string& seed,
                         const std::string& extra = "")
{
  return "name: sessions\nseed: " + seed_or(seed) +
         "\nduration: 20s\nwarmup: 0s\n"
         "hardware:\n  hosts: [{name: lb, cores: 4}, {name: web, count: 4, cores: 8}]\n"
         "  network: {bandwidth: 10Gbps, latency: 1us}\n"
         "services:\n  lb: {kind: load_balancer, host: lb, backends: app, " +
         balancer +
         "}\n"
         "  app: {kind: api_server, hosts: web, workers: 64, sessions: local}\n"
         "requests:\n  page: {steps: [cpu: 100us], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: lb\n  " +
         arrival + "\n" + extra;
}

// The fraction of the requests after each user's first that found no session.
double lost_fraction(const models::Results& r, double users)
{
  const auto& app = service(r, "app");
  const double lost = static_cast<double>(errors_of(app, "session_lost"));
  return lost / (static_cast<double>(app.arrived) - users);
}

} // namespace

TEST(Sessions, LocalSessionsBehindRandomBalancingAreLostWithProbabilityNMinusOneOverN)
{
  // 1,000 users, 40,000 requests: each request after a user's first lands on the server of their last one
  // with probability 1/4, whatever happened before (random routing draws anew), so 3/4 find no session.
  const auto out =
      run_yaml(four_servers("policy: random", "arrival: {process: poisson, rate: 2000/s}\n  users: 1000", "21"));
  ASSERT_GT(service(out.results, "app").arrived, 35000u);
  EXPECT_NEAR(lost_fraction(out.results, 1000), 3.0 / 4.0, 0.01);
}

TEST(Sessions, LocalSessionsBehindRoundRobinAreLostAboutAsOften)
{
  // Round robin is a cycle, not a draw, but with a thousand users interleaved a user's next request comes a
  // nearly random number of places later in it: again about (n - 1) / n.
  const auto out =
      run_yaml(four_servers("policy: round_robin", "arrival: {process: poisson, rate: 2000/s}\n  users: 1000", "22"));
  EXPECT_NEAR(lost_fraction(out.results, 1000), 3.0 / 4.0, 0.02);
}

TEST(Sessions, ClosedUsersAreToldApartToo)
{
  // 200 closed users with exponential think times (one merged process for all of them): the same 3/4.
  const auto out = run_yaml(
      four_servers("policy: random", "arrival: {process: closed, users: 200, think_time: {exponential: 100ms}}", "23"));
  ASSERT_GT(service(out.results, "app").arrived, 30000u);
  EXPECT_NEAR(lost_fraction(out.results, 200), 3.0 / 4.0, 0.01);
}

void expect_no_session_lost(const std::string& arrival)
{
  const auto out = run_yaml(four_servers("policy: round_robin, sticky: true", arrival, "24"));
  const auto& app = service(out.results, "app");
  EXPECT_GT(app.completed, 30000u);
  EXPECT_EQ(errors_of(app, "session_lost"), 0u);
}

TEST(Sessions, StickyBalancingLosesNoSessionOfOpenUsers)
{
  expect_no_session_lost("arrival: {process: poisson, rate: 2000/s}\n  users: 1000");
}

TEST(Sessions, StickyBalancingLosesNoSessionOfClosedUsers)
{
  expect_no_session_lost("arrival: {process: closed, users: 200, think_time: {exponential: 100ms}}");
}

TEST(Sessions, StickyBalancingLosesNoSessionOfClosedUsersThinkingApart)
{
  expect_no_session_lost("arrival: {process: closed, users: 200, think_time: {uniform: [50ms, 150ms]}}");
}

TEST(Sessions, ACrashLogsOutTheServersUsersOnceEach)
{
  // Sticky round robin gives each server a quarter of the 1,000 users. web-2 is down from 10 s to 12 s: from
  // the first health check after the crash its users go to the others, log in again there (one session_lost
  // each: every user sends about 20 requests in the 10 s left, so all of them come back) and stay there after
  // the restart. Round robin over the users' first requests makes the quarter exact: 250.
  const auto out = run_yaml(four_servers("policy: round_robin, sticky: true, health_check: 100ms",
                                         "arrival: {process: poisson, rate: 2000/s}\n  users: 1000", "25",
                                         "faults:\n  - {at: 10s, crash: web-2, for: 2s}\n"));
  const auto& app = service(out.results, "app");
  EXPECT_EQ(errors_of(app, "session_lost"), 250u);
  EXPECT_GT(errors_of(app, "host_down"), 0u) << "requests reach web-2 before a check finds it down";
}

TEST(Sessions, ATokenCheckAddsItsCpuTimeToEveryRequest)
{
  // Nothing queues (64 workers and 8 cores for 20 requests a second): the mean latency grows by the check.
  auto mean_latency = [](const std::string& sessions) {
    const std::string yaml = "name: token\nseed: " + seed_or("26") +
                             "\nduration: 200s\nwarmup: 0s\n"
                             "hardware:\n  hosts: [{name: web, cores: 8}]\n"
                             "  network: {bandwidth: 10Gbps, latency: 1us}\n"
                             "services:\n  app: {kind: api_server, host: web, workers: 64, " +
                             sessions +
                             "}\n"
                             "requests:\n  page: {steps: [cpu: 1ms], request_size: 0B, response_size: 0B}\n"
                             "workload:\n  entry: app\n  arrival: {process: poisson, rate: 20/s}\n";
    return run_yaml(yaml).results.total.latency.mean;
  };
  const double plain = mean_latency("sessions: none");
  const double token = mean_latency("sessions: token, token_check: 300us");
  EXPECT_NEAR(token - plain, 300e-6, 1e-6);
}
