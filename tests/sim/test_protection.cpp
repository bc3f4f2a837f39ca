// Protection against overload in whole simulations (docs/protection.md), each test one run in its own process
// (SCALELAB_THEORY_SEED=N re-runs them with another seed):
// - metastable failure: a FIFO server of 100/s behind clients with a 1 s timeout and 3 immediate retries,
//   slowed to a tenth for 10 s, recovers below lambda = mu / (R + 1) = 25/s and stays down above it; a retry
//   budget or a circuit breaker prevents it;
// - retries: (1 - p^(R+1)) / (1 - p) attempts per call for independent failures of probability p; a dead service
//   under N layers that each retry R times sees (R + 1)^N attempts per request;
// - a token bucket of rate r and size 1 in front of a Poisson stream admits r lambda / (r + lambda);
// - a breaker in front of a dead service lets through its minimum calls, then its half-open probes only;
// - a slow fault: the utilisation law with the slowed service time inside the period.
#include "sim_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

using namespace scalelab;
using scalelab::testing::errors_of;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;
using scalelab::testing::service;

namespace
{

// topologies/metastable.yaml at `rate` requests/s, with `more` keys on the call step.
std::string metastable(double rate, const std::string& more = "")
{
  return "name: metastable\nseed: " + seed_or("7") +
         "\nduration: 200s\nwarmup: 150s\n"
         "hardware:\n  hosts: [{name: clients, cores: 4}, {name: server, cores: 1}]\n"
         "  network: {bandwidth: 10Gbps, latency: 100us}\n"
         "services:\n"
         "  client: {kind: api_server, host: clients, workers: 1000000, queue_limit: 0}\n"
         "  server: {kind: api_server, host: server, workers: 1, queue_limit: 1000000}\n"
         "requests:\n"
         "  use: {steps: [{call: {service: server, request: work, timeout: 1s, retries: 3" +
         more +
         "}}], request_size: 0B, response_size: 0B}\n"
         "  work: {steps: [cpu: 10ms], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: client\n  arrival: {process: poisson, rate: " +
         std::to_string(rate) +
         "/s}\n  mix: {use: 1}\n"
         "faults:\n  - {at: 50s, slow: server, factor: 10, for: 10s}\n";
}

} // namespace

TEST(Metastable, RecoversAfterTheSlowdownBelowMuOverRPlusOne)
{
  // 20/s < 100 / 4: after the slowdown the backlog drains at 100 - 4 x 20 = 20/s at worst, and the goodput in
  // [150 s, 200 s) is the offered load again.
  const auto out = run_yaml(metastable(20));
  EXPECT_NEAR(out.results.total.throughput, 20, 2);
  EXPECT_EQ(out.results.total.errors.size(), 0u);
  EXPECT_EQ(service(out.results, "client").calls->timeouts, 0u);
}

TEST(Metastable, StaysDownForGoodAboveMuOverRPlusOne)
{
  // 30/s > 25/s: every attempt waits behind more than a second of work, so all time out, each request makes
  // four attempts, and 120/s keep the server's queue growing: goodput stays at zero 90 s after the slowdown,
  // while the server is busy all the time with work nobody waits for.
  const auto out = run_yaml(metastable(30));
  EXPECT_LT(out.results.total.throughput, 0.5);
  const auto& server = service(out.results, "server");
  EXPECT_GT(server.utilisation, 0.99);
  const auto& calls = *service(out.results, "client").calls;
  EXPECT_NEAR(static_cast<double>(calls.attempts) / static_cast<double>(calls.calls), 4.0, 0.05);
  EXPECT_GT(calls.late_replies, 4000u); // the server's 100/s over 50 s, all too late
  EXPECT_GT(errors_of(service(out.results, "client"), "timeout"), 1000u);
}

TEST(Metastable, ARetryBudgetPreventsIt)
{
  // gRPC's retry throttling: once more than half of the 10 tokens are gone, no retry; the load falls back to
  // 35/s, under the server's 100/s, and it recovers.
  const auto out = run_yaml(metastable(35, ", retry_budget: {max_tokens: 10, token_ratio: 0.1}"));
  EXPECT_NEAR(out.results.total.throughput, 35, 3);
  EXPECT_EQ(out.results.total.errors.size(), 0u);
}

TEST(Metastable, ABreakerPreventsIt)
{
  // resilience4j's breaker (failure rate 50 % over the last 100 attempts) opens while attempts time out and
  // refuses them for 5 s at a time: the server drains its backlog, a half-open probe succeeds, it closes.
  const auto out = run_yaml(metastable(35, ", breaker: {wait: 5s}"));
  EXPECT_NEAR(out.results.total.throughput, 35, 3);
  EXPECT_EQ(out.results.total.errors.size(), 0u);
}

TEST(Retries, AttemptsPerCallAreTheGeometricSum)
{
  // The callee answers after an exponential delay of mean 100 ms with unlimited workers, so each attempt
  // independently outlasts the 100 ms timeout with p = e^-1. With R = 3: (1 - p^4) / (1 - p) = 1.5531 attempts
  // per call, and p^4 = 1.83 % of the calls fail.
  const std::string yaml = "name: attempts\nseed: " + seed_or("11") +
                           "\nduration: 150s\nwarmup: 10s\n"
                           "hardware:\n  hosts: [{name: a, cores: 4}, {name: b, cores: 4}]\n"
                           "  network: {bandwidth: 10Gbps, latency: 10us}\n"
                           "services:\n"
                           "  front: {kind: api_server, host: a, workers: 100000, queue_limit: 0}\n"
                           "  slow: {kind: api_server, host: b, workers: 100000, queue_limit: 0}\n"
                           "requests:\n"
                           "  get: {steps: [{call: {service: slow, request: wait, timeout: 100ms, retries: 3}}], "
                           "request_size: 0B, response_size: 0B}\n"
                           "  wait: {steps: [delay: {exponential: 100ms}], request_size: 0B, response_size: 0B}\n"
                           "workload:\n  entry: front\n  arrival: {process: poisson, rate: 300/s}\n  mix: {get: 1}\n";
  const auto out = run_yaml(yaml);
  const auto& calls = *service(out.results, "front").calls;
  const double p = std::exp(-1.0);
  const double expected = (1 - std::pow(p, 4)) / (1 - p);
  ASSERT_GT(calls.calls, 40000u);
  EXPECT_NEAR(static_cast<double>(calls.attempts) / static_cast<double>(calls.calls), expected, 0.01 * expected);
  const double failed = static_cast<double>(errors_of(service(out.results, "front"), "timeout"));
  EXPECT_NEAR(failed / static_cast<double>(calls.calls), std::pow(p, 4), 0.003);
  // The callee did every attempt's work, whether its caller waited for it or not.
  EXPECT_NEAR(static_cast<double>(service(out.results, "slow").arrived), static_cast<double>(calls.attempts),
              0.002 * static_cast<double>(calls.attempts));
}

TEST(Retries, ADeadServiceUnderNLayersSeesRPlusOneToTheNAttempts)
{
  // Three layers each retry twice; the bottom service's host is down from the start, so every attempt fails at
  // once: 3^1, 3^2, 3^3 attempts per request reach the layers below.
  const std::string call = "request_size: 0B, response_size: 0B}\n";
  const std::string yaml =
      "name: layers\nseed: " + seed_or("5") +
      "\nduration: 20s\n"
      "hardware:\n  hosts: [{name: h, count: 4, cores: 4}]\n  network: {bandwidth: 10Gbps, latency: 10us}\n"
      "services:\n"
      "  l1: {kind: api_server, host: h-1, workers: 10000}\n"
      "  l2: {kind: api_server, host: h-2, workers: 10000}\n"
      "  l3: {kind: api_server, host: h-3, workers: 10000}\n"
      "  bottom: {kind: api_server, host: h-4, workers: 10000}\n"
      "requests:\n"
      "  r1: {steps: [{call: {service: l2, request: r2, retries: 2}}], " +
      call + "  r2: {steps: [{call: {service: l3, request: r3, retries: 2}}], " + call +
      "  r3: {steps: [{call: {service: bottom, request: r4, retries: 2}}], " + call + "  r4: {steps: [cpu: 1ms], " +
      call +
      "workload:\n  entry: l1\n  arrival: {process: poisson, rate: 200/s}\n  mix: {r1: 1}\n"
      "faults:\n  - {at: 0s, crash: h-4}\n";
  const auto out = run_yaml(yaml);
  const double requests = static_cast<double>(service(out.results, "l1").arrived);
  ASSERT_GT(requests, 3000);
  // Exact but for the last request or two, whose attempts are cut by the end of the run.
  const double edge = 2 / requests;
  EXPECT_NEAR(static_cast<double>(service(out.results, "l2").arrived) / requests, 3, 3 * edge);
  EXPECT_NEAR(static_cast<double>(service(out.results, "l3").arrived) / requests, 9, 9 * edge);
  EXPECT_NEAR(static_cast<double>(service(out.results, "bottom").arrived) / requests, 27, 27 * edge);
  EXPECT_EQ(errors_of(service(out.results, "bottom"), "host_down"), service(out.results, "bottom").arrived);
}

TEST(RateLimiting, ATokenBucketOfSizeOneAdmitsRLambdaOverRPlusLambda)
{
  // r = 50/s, lambda = 100/s: 33.3/s admitted, the rest answered 429 at the balancer.
  const std::string yaml = "name: limited\nseed: " + seed_or("3") +
                           "\nduration: 310s\nwarmup: 10s\n"
                           "hardware:\n  hosts: [{name: lb}, {name: web, cores: 8}]\n"
                           "services:\n"
                           "  lb: {kind: load_balancer, host: lb, backends: app,\n"
                           "       rate_limit: {algorithm: token_bucket, rate: 50/s, burst: 1}}\n"
                           "  app: {kind: api_server, host: web, workers: 8}\n"
                           "requests:\n  get: [cpu: 1ms]\n"
                           "workload:\n  entry: lb\n  arrival: {process: poisson, rate: 100/s}\n";
  const auto out = run_yaml(yaml);
  const double seconds = 300;
  EXPECT_NEAR(out.results.total.throughput, 50.0 * 100.0 / 150.0, 0.02 * 33.33);
  EXPECT_NEAR(static_cast<double>(errors_of(service(out.results, "lb"), "rate_limited")) / seconds, 100 - 33.33,
              0.02 * 66.67);
  EXPECT_EQ(out.results.total.errors.at("rate_limited"), errors_of(service(out.results, "lb"), "rate_limited"));
}

TEST(RateLimiting, PerUserLimitsEachUserToTheirOwnRate)
{
  // Five logins per minute per user, 20 users sending 1 request/s each: 20 x (5 + 5 x 10) admitted over the
  // first 10 minutes (the bucket starts full), the rest refused.
  const std::string yaml = "name: logins\nseed: " + seed_or("9") +
                           "\nduration: 600s\n"
                           "hardware:\n  hosts: [{name: web, cores: 8}]\n"
                           "services:\n"
                           "  app: {kind: api_server, host: web, workers: 8,\n"
                           "        rate_limit: {algorithm: token_bucket, rate: 5/min, burst: 5, per: user}}\n"
                           "requests:\n  login: [cpu: 1ms]\n"
                           "workload:\n  entry: app\n  users: 20\n  arrival: {process: poisson, rate: 20/s}\n";
  const auto out = run_yaml(yaml);
  // Each user's arrivals (1/s) saturate their bucket: 5 + 5 x 10 - at most one not yet due at the end.
  const double admitted = static_cast<double>(out.results.total.completed);
  EXPECT_NEAR(admitted, 20 * 55, 20);
  EXPECT_LE(admitted, 20 * 55);
}

TEST(Breaker, LetsThroughItsMinimumCallsThenOnlyHalfOpenProbes)
{
  // A dead callee: the first 10 attempts fail and open the breaker; every 1 s after that, 2 half-open probes
  // fail and open it again. Over 10.5 s: 10 + 2 x (9 or 10) attempts; every other call is refused at once.
  const std::string yaml = "name: breaker\nseed: " + seed_or("4") +
                           "\nduration: 10500ms\n"
                           "hardware:\n  hosts: [{name: a, cores: 4}, {name: b, cores: 4}]\n"
                           "services:\n"
                           "  front: {kind: api_server, host: a, workers: 1000}\n"
                           "  back: {kind: api_server, host: b, workers: 1000}\n"
                           "requests:\n"
                           "  get: [{call: {service: back, request: work, breaker: {window: 10, minimum_calls: 10, "
                           "wait: 1s, half_open_calls: 2}}}]\n"
                           "  work: [cpu: 1ms]\n"
                           "workload:\n  entry: front\n  arrival: {process: poisson, rate: 100/s}\n  mix: {get: 1}\n"
                           "faults:\n  - {at: 0s, crash: b}\n";
  const auto out = run_yaml(yaml);
  const auto& calls = *service(out.results, "front").calls;
  EXPECT_GE(calls.attempts, 28u);
  EXPECT_LE(calls.attempts, 30u);
  EXPECT_EQ(calls.breaker_open, calls.calls - calls.attempts);
  EXPECT_EQ(errors_of(service(out.results, "front"), "breaker_open"), calls.breaker_open);
  EXPECT_EQ(service(out.results, "back").arrived, calls.attempts);
}

TEST(SlowFault, UtilisationFollowsTheSlowedServiceTime)
{
  // 5 requests/s of 10 ms of CPU; the host is ten times slower for half of the measured window: the core is
  // busy 5 x (0.5 x 10 ms + 0.5 x 100 ms) = 27.5 % of the time (the utilisation law), and half of the requests
  // take 100 ms and more, the others less.
  const std::string yaml = "name: slow\nseed: " + seed_or("8") +
                           "\nduration: 2010s\nwarmup: 10s\n"
                           "hardware:\n  hosts: [{name: web, cores: 1}]\n"
                           "services:\n  app: {kind: api_server, host: web, workers: 1, queue_limit: 100000}\n"
                           "requests:\n  get: [cpu: 10ms]\n"
                           "workload:\n  entry: app\n  arrival: {process: poisson, rate: 5/s}\n"
                           "faults:\n  - {at: 1010s, slow: web, factor: 10}\n";
  const auto out = run_yaml(yaml);
  const auto web =
      std::find_if(out.results.hosts.begin(), out.results.hosts.end(), [](const auto& h) { return h.name == "web"; });
  ASSERT_NE(web, out.results.hosts.end());
  EXPECT_NEAR(web->cpu_utilisation, 0.275, 0.01);
  EXPECT_TRUE(out.results.total.errors.empty()); // a slow host is no crash: nothing fails
  EXPECT_GE(out.results.total.latency.p90, 0.1);
  EXPECT_LT(out.results.total.latency.p50, 0.1);
}

TEST(Timeouts, ATimeoutThatNeverFiresCostsNoEventPerCall)
{
  // 300 calls a second answered in 1 to 3 ms, with and without a timeout of 1 s that never fires: the deadlines
  // wait in a heap and one tick is armed at a time, at the earliest deadline of an attempt still out, so the
  // timeout adds about one event per second of run (a tick that finds its attempt answered arms the next one),
  // not one per call.
  const auto yaml = [](const std::string& timeout) {
    return "name: quiet-timeouts\nseed: " + seed_or("17") +
           "\nduration: 100s\nwarmup: 0s\n"
           "hardware:\n  hosts: [{name: a, cores: 4}, {name: b, cores: 4}]\n"
           "  network: {bandwidth: 10Gbps, latency: 10us}\n"
           "services:\n"
           "  front: {kind: api_server, host: a, workers: 100000, queue_limit: 0}\n"
           "  back: {kind: api_server, host: b, workers: 100000, queue_limit: 0}\n"
           "requests:\n"
           "  get: {steps: [{call: {service: back, request: work" +
           timeout +
           "}}], request_size: 0B, response_size: 0B}\n"
           "  work: {steps: [delay: {uniform: [1ms, 3ms]}], request_size: 0B, response_size: 0B}\n"
           "workload:\n  entry: front\n  arrival: {process: poisson, rate: 300/s}\n  mix: {get: 1}\n";
  };
  const auto plain = run_yaml(yaml(""));
  const auto guarded = run_yaml(yaml(", timeout: 1s"));
  const auto calls = service(guarded.results, "front").calls->calls;
  ASSERT_GT(calls, 29000u);
  EXPECT_EQ(service(guarded.results, "front").calls->timeouts, 0u);
  EXPECT_EQ(guarded.results.total.completed, plain.results.total.completed);
  const double extra = static_cast<double>(guarded.engine.events) - static_cast<double>(plain.engine.events);
  EXPECT_LT(extra, 0.01 * static_cast<double>(calls)) << plain.engine.events << " -> " << guarded.engine.events;
}
