// Connection pools on API servers in whole simulations, against queueing theory: a pool of c connections in
// front of a database that serves each call in an exponential time is an M/M/c queue for the checkouts
// (Poisson arrivals, nothing else waits), so a checkout waits with Erlang C's probability and for Erlang C's
// mean; with `timeout: 0` a checkout that finds every connection in use fails at once, an M/M/c/c loss system
// whose blocking probability is Erlang B's, whatever the service time's distribution. Overflow connections
// count as connections for the queue, and each is opened again after its use. Each test runs one simulation in
// its own process; sample sizes put each tolerance at four or more standard errors (SCALELAB_THEORY_SEED=N
// re-runs them with another seed).
#include "queueing.hpp"
#include "sim_support.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace scalelab;
using scalelab::testing::errors_of;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;
using scalelab::testing::service;

namespace
{

// One API server with more workers than it ever uses and no CPU steps: each request checks out a connection,
// reads once (exponential, mean 10 ms, on an idle 16-core host) and gives the connection back. The network
// adds a few microseconds to each hold.
std::string pooled(const std::string& pool, double rate, const std::string& seed, const std::string& read = "")
{
  return "name: pool\nseed: " + seed_or(seed) +
         "\nduration: 400s\nwarmup: 10s\n"
         "hardware:\n  hosts: [{name: web, cores: 4}, {name: db, cores: 16}]\n"
         "  network: {bandwidth: 10Gbps, latency: 1us}\n"
         "services:\n"
         "  app: {kind: api_server, host: web, workers: 1000, connection_pool: " +
         pool +
         "}\n"
         "  db: {kind: database, host: db, connections: 1000, query_size: 0B, result_size: 0B, read: " +
         (read.empty() ? "{cpu: {exponential: 10ms}}" : read) +
         "}\n"
         "requests:\n  get: {steps: [db_read: db], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: app\n  arrival: {process: poisson, rate: " +
         std::to_string(rate) + "/s}\n";
}

} // namespace

TEST(ConnectionPools, CheckoutsWaitWithErlangCsProbabilityAndMean)
{
  // c = 4, a = lambda / mu = 300 / 100 = 3: C(4, 3) = 0.5094, Wq = C / (c mu - lambda) = 5.09 ms.
  const auto out = run_yaml(pooled("{size: 4, max_overflow: 0, timeout: 3600s, connect_time: 0s}", 300, "31"));
  const auto& pool = *service(out.results, "app").connection_pool;
  const double c = test::erlang_c(4, 3.0), wq = test::mmc_wait(4, 300, 100);
  EXPECT_NEAR(pool.wait_probability, c, 0.025) << pool.waited << " of " << pool.checkouts;
  // The mean over every checkout (those that did not wait count 0) is Wq.
  const double mean_wait = pool.wait.mean * static_cast<double>(pool.wait.count) / static_cast<double>(pool.checkouts);
  EXPECT_NEAR(mean_wait, wq, 0.1 * wq);
  EXPECT_EQ(pool.timeouts, 0u);
  EXPECT_LE(pool.opened, 4u); // opened on demand, never closed: at most the pool's size, all before the window
  EXPECT_NEAR(pool.mean_open, 4.0, 1e-9);
}

TEST(ConnectionPools, OverflowConnectionsServeAsConnectionsAndAreOpenedAgainEachTime)
{
  // The same queue with 2 kept and 2 overflow connections: the waits do not change (connecting is free), but
  // connections beyond the 2 kept idle are closed, so they are opened again and again.
  const auto out = run_yaml(pooled("{size: 2, max_overflow: 2, timeout: 3600s, connect_time: 0s}", 300, "32"));
  const auto& pool = *service(out.results, "app").connection_pool;
  EXPECT_NEAR(pool.wait_probability, test::erlang_c(4, 3.0), 0.025);
  // A connection that comes back when 2 are idle is closed, and a checkout that finds none idle and fewer than
  // 4 open opens one: over a thousand times here (7 % of the checkouts in one run), where a pool of 4 kept
  // connections opens 4 in all.
  EXPECT_GT(pool.opened, pool.checkouts / 100);
  EXPECT_LT(pool.mean_open, 4.0);
  EXPECT_GT(pool.mean_open, 2.0);
}

TEST(ConnectionPools, ATimeoutOfZeroMakesALossSystemBlockingWithErlangBsProbability)
{
  // Erlang B does not depend on the service time's distribution: a constant 10 ms read gives the same
  // B(4, 3) = 0.2061.
  const auto out =
      run_yaml(pooled("{size: 4, max_overflow: 0, timeout: 0s, connect_time: 0s}", 300, "33", "{cpu: 10ms}"));
  const auto& app = service(out.results, "app");
  const auto& pool = *app.connection_pool;
  const double b = test::erlang_b(4, 3.0);
  EXPECT_NEAR(pool.wait_probability, b, 0.015) << pool.waited << " of " << pool.checkouts;
  EXPECT_EQ(pool.timeouts, pool.waited); // none waits: each fails at once
  EXPECT_EQ(errors_of(app, "pool_timeout"), pool.timeouts);
  EXPECT_EQ(pool.wait.count, 0u);
}

TEST(ConnectionPools, NoCheckoutWaitsLongerThanItsTimeoutAndEveryTimeoutFailsItsRequest)
{
  // Overloaded: 2 connections for an offered load of 3; a checkout waits at most 20 ms.
  const auto out = run_yaml(pooled("{size: 2, max_overflow: 0, timeout: 20ms, connect_time: 0s}", 300, "34"));
  const auto& app = service(out.results, "app");
  const auto& pool = *app.connection_pool;
  EXPECT_GT(pool.timeouts, pool.checkouts / 10);
  EXPECT_LE(pool.wait.max, 0.020 * (1 + 1.0 / 128)); // the histogram's bucket error
  EXPECT_EQ(errors_of(app, "pool_timeout"), pool.timeouts);
  // The pool never has more than 2 in use: the database's mean operations in service stay below 2.
  EXPECT_LE(service(out.results, "db").mean_in_service, 2.0);
  EXPECT_TRUE(out.results.checks.conserved);
}
