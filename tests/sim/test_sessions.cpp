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

// Who sent a request matters only to services that ask (sticky balancing, sessions, a per-user rate limit, a
// replicated database). When none does, closed users are not told apart, and the run must be the one in which they
// are: here a per-user rate limit that never refuses makes the balancer ask, and nothing else may change. Herds
// and a population that falls draw thinking users too.
TEST(Sessions, UsersNobodyAsksAboutRunAsIfToldApart)
{
  const auto run = [](const std::string& arrival, const std::string& balancer) {
    return run_yaml("name: anonymous\nseed: " + seed_or("31") +
                    "\nduration: 20s\nwarmup: 2s\n"
                    "hardware:\n  hosts: [{name: lb, cores: 4}, {name: web, count: 4, cores: 2}]\n"
                    "  network: {bandwidth: 1Gbps, latency: 50us}\n"
                    "services:\n  lb: {kind: load_balancer, host: lb, backends: app, policy: least_connections" +
                    balancer +
                    "}\n"
                    "  app: {kind: api_server, hosts: web, workers: 2}\n"
                    "requests:\n  page: {steps: [cpu: {exponential: 2ms}], response_size: 1KB}\n"
                    "workload:\n  entry: lb\n  " +
                    arrival + "\n");
  };
  const std::string never_refuses =
      ", rate_limit: {algorithm: token_bucket, rate: 1000000/s, burst: 1000000, per: user}";
  for (const std::string arrival :
       {"arrival: {process: closed, users: 300, think_time: {exponential: 100ms}}",
        "arrival: {process: closed, users: {shape: daily, mean: 250, peak: 350, period: 8s, peak_at: 3s},\n"
        "    think_time: {exponential: 100ms}}\n  herd: [{at: 5s, users: 100}, {at: 13s, users: 1000}]"}) {
    SCOPED_TRACE(arrival);
    const auto anonymous = run(arrival, "");
    const auto named = run(arrival, never_refuses);
    EXPECT_EQ(service(named.results, "lb").arrived, service(anonymous.results, "lb").arrived);
    EXPECT_EQ(errors_of(service(named.results, "lb"), "rate_limited"), 0U);
    const auto a = models::to_json(anonymous.results);
    const auto n = models::to_json(named.results);
    EXPECT_GT(a["total"]["completed"].get<double>(), 20000.0); // the servers are busy: requests queue
    EXPECT_EQ(n["total"].dump(), a["total"].dump());
    EXPECT_EQ(n["requests"].dump(), a["requests"].dump());
    EXPECT_EQ(n["hosts"].dump(), a["hosts"].dump());
    ASSERT_EQ(named.timeseries.size(), anonymous.timeseries.size());
    for (std::size_t i = 0; i < named.timeseries.size(); ++i)
      EXPECT_EQ(named.timeseries[i].completed, anonymous.timeseries[i].completed) << i;
  }
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
  // Sticky round robin gives each server a quarter of the 1,000 users. web-2 is down from 10.05 s to 12.05 s
  // (between two health checks, so requests reach it in between whatever the seed): from
  // the first health check after the crash its users go to the others, log in again there (one session_lost
  // each: every user sends about 20 requests in the 10 s left, so all of them come back) and stay there after
  // the restart. Round robin over the users' first requests makes the quarter exact: 250.
  const auto out = run_yaml(four_servers("policy: round_robin, sticky: true, health_check: 100ms",
                                         "arrival: {process: poisson, rate: 2000/s}\n  users: 1000", "25",
                                         "faults:\n  - {at: 10050ms, crash: web-2, for: 2s}\n"));
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

namespace
{

// Four servers behind a random balancer, their sessions in a cache of `capacity` entries (LRU) on a host of
// its own; `arrival`: the workload's users and their requests.
std::string stored_sessions(int capacity, const std::string& arrival, const std::string& timing,
                            const std::string& seed, const std::string& extra = "")
{
  return "name: store\nseed: " + seed_or(seed) + "\n" + timing +
         "\nhardware:\n  hosts: [{name: lb, cores: 4}, {name: web, count: 4, cores: 8}, {name: kv, cores: 8}]\n"
         "  network: {bandwidth: 10Gbps, latency: 1us}\n"
         "services:\n  lb: {kind: load_balancer, host: lb, policy: random, backends: app}\n"
         "  app: {kind: api_server, hosts: web, workers: 64, sessions: store, session_store: sessions}\n"
         "  sessions: {kind: cache, host: kv, connections: 64, eviction: lru, capacity: " +
         std::to_string(capacity) +
         "}\n"
         "requests:\n  page: {steps: [cpu: 100us], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: lb\n  " +
         arrival + "\n" + extra;
}

constexpr const char* kOpenUsers = "arrival: {process: poisson, rate: 2000/s}\n  users: 1000";

} // namespace

TEST(Sessions, AStoreKeepsSessionsAcrossServersBehindRandomBalancing)
{
  // Where local sessions behind random balancing are lost 3 times in 4, a store big enough for every user
  // loses none: each user's first request misses and logs in (a set), every later one hits.
  const auto out = run_yaml(stored_sessions(1000, kOpenUsers, "duration: 20s\nwarmup: 0s", "27"));
  const auto& app = service(out.results, "app");
  const auto& store = *service(out.results, "sessions").cache;
  EXPECT_GT(app.completed, 35000u);
  EXPECT_EQ(errors_of(app, "session_lost"), 0u);
  EXPECT_EQ(store.sets, store.misses); // each miss is a login
  EXPECT_LE(store.misses, 1000u);      // one per user at most
  EXPECT_EQ(store.hits + store.misses, app.arrived);
}

TEST(Sessions, AStoreTooSmallLosesSessionsAsAnLruCacheMisses)
{
  // Every request leaves its user's session in the store (a hit refreshes it, a miss logs in again), so the
  // store holds the C users seen most recently, and with uniform users an LRU cache of C entries out of U hits
  // with probability C / U (Che's approximation is exact there). Once every user has logged in (the warm-up
  // covers that: about U ln U = 15,000 requests), a request finds its session lost with probability
  // 1 - C / U = 0.75.
  const auto out = run_yaml(stored_sessions(500, "arrival: {process: poisson, rate: 2000/s}\n  users: 2000",
                                            "duration: 130s\nwarmup: 30s", "28"));
  const auto& app = service(out.results, "app");
  const double lost = static_cast<double>(errors_of(app, "session_lost")) / static_cast<double>(app.arrived);
  EXPECT_NEAR(lost, 1.0 - 500.0 / 2000.0, 0.01) << errors_of(app, "session_lost") << " of " << app.arrived;
}

TEST(Sessions, ACrashOfTheStoreLogsEveryUserOutOnce)
{
  // The store's host is down from 10 s to 11 s: requests then fail (host_down), and after the restart the
  // store is empty, so each of the 1,000 users (about 18 requests each in the 9 s left) loses their session
  // once, and only once: closed users, each with one request at a time (two requests of a user in flight at
  // once would both find it lost).
  const auto out =
      run_yaml(stored_sessions(1000, "arrival: {process: closed, users: 1000, think_time: {exponential: 500ms}}",
                               "duration: 20s\nwarmup: 0s", "29", "faults:\n  - {at: 10s, crash: kv, for: 1s}\n"));
  const auto& app = service(out.results, "app");
  EXPECT_EQ(errors_of(app, "session_lost"), 1000u);
  EXPECT_GT(errors_of(app, "host_down"), 0u);
}
