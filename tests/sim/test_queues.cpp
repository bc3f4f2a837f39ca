// Queues and workers in whole simulations, against queueing theory. c workers fed through a broker by a
// Poisson stream, each job an exponential CPU step on a host with a core per worker: the broker's FIFO and the
// consumers (prefetch 1) make an M/M/c queue, so a job waits with Erlang C's probability and for Erlang C's
// mean. Overload: the backlog grows at lambda - c mu. A non-durable broker's crash loses exactly the jobs
// waiting in it; a durable one keeps them. Moving a slow step from a request to a job cuts the request's
// latency by that step. Each test runs one simulation in its own process (SCALELAB_THEORY_SEED=N re-runs them
// with another seed).
#include "queueing.hpp"
#include "sim_support.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace scalelab;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;
using scalelab::testing::service;

namespace
{

// An api server that publishes one job per request to a broker consumed by `workers` workers on one host; each
// job is an exponential CPU step of mean 1 / mu on a host with as many cores as workers (nothing else waits).
std::string jobs(int workers, double lambda, double mu, const std::string& seed, const std::string& duration,
                 const std::string& queue_extra = "", const std::string& faults = "")
{
  return "name: jobs\nseed: " + seed_or(seed) + "\nduration: " + duration +
         "\nwarmup: 10s\n"
         "hardware:\n  hosts: [{name: web, cores: 4}, {name: mq, cores: 2}, {name: work, cores: " +
         std::to_string(workers) +
         "}]\n"
         "  network: {bandwidth: 10Gbps, latency: 1us}\n"
         "services:\n"
         "  app: {kind: api_server, host: web, workers: 64}\n"
         "  mq: {kind: queue, host: mq" +
         queue_extra +
         "}\n"
         "  pool: {kind: worker, hosts: work, workers: " +
         std::to_string(workers) +
         ", consumes: mq}\n"
         "requests:\n"
         "  signup: {steps: [cpu: 100us, {publish: {queue: mq, job: email}}], request_size: 0B, response_size: 0B}\n"
         "  email: {steps: [cpu: {exponential: " +
         std::to_string(1000.0 / mu) + "ms}], request_size: 0B, response_size: 0B}\n" +
         "workload:\n  entry: app\n  arrival: {process: poisson, rate: " + std::to_string(lambda) +
         "/s}\n  mix: {signup: 1}\n" + faults;
}

} // namespace

TEST(Queues, JobsWaitWithErlangCsProbabilityAndMean)
{
  // c = 4, mu = 10/s, lambda = 32/s: a = 3.2, C(4, 3.2) = 0.596, Wq = C / (c mu - lambda) = 74.6 ms.
  const auto out = run_yaml(jobs(4, 32, 10, "41", "4010s"));
  const auto& q = *service(out.results, "mq").queue;
  const double c = test::erlang_c(4, 3.2), wq = test::mmc_wait(4, 32, 10);
  EXPECT_NEAR(c, 0.596, 0.001);
  EXPECT_NEAR(wq, 0.0746, 0.0001);
  ASSERT_GT(q.delivered, 100000u);
  EXPECT_NEAR(q.wait_probability, c, 0.02) << q.waited << " of " << q.delivered;
  EXPECT_NEAR(q.wait.mean, wq, 0.08 * wq);
  // Little's law for the queue: mean backlog = lambda Wq.
  EXPECT_NEAR(q.mean_backlog, 32 * q.wait.mean, 0.03 * 32 * q.wait.mean);
  // Every job published is delivered and acknowledged, but those in flight at the edges of the window.
  EXPECT_NEAR(static_cast<double>(q.acknowledged), static_cast<double>(q.published), 50);
  EXPECT_EQ(q.lost + q.redelivered + q.rejected + q.refused + q.failed, 0u);
  // The workers are busy a / c of the time.
  EXPECT_NEAR(service(out.results, "pool").utilisation, 0.8, 0.02);
}

TEST(Queues, OverloadGrowsTheBacklogAtTheExcessRate)
{
  // lambda = 50/s against c mu = 40/s: the backlog grows by 10 jobs a second, 1000 +- a few sd over 110 s.
  const auto out = run_yaml(jobs(4, 50, 10, "42", "110s"));
  const auto& q = *service(out.results, "mq").queue;
  const double expected = (50.0 - 40.0) * 110.0; // since t = 0
  // Poisson arrivals and departures: sd of about sqrt((50 + 40) * 110) = 100.
  EXPECT_NEAR(static_cast<double>(q.backlog_at_end), expected, 400);
  // The time-average over [10 s, 110 s) of a line from 100 to 1100 (the random walk around it: sd about 57).
  EXPECT_NEAR(q.mean_backlog, 600, 230);
}

TEST(Queues, ANonDurableBrokersCrashLosesExactlyTheWaitingJobs)
{
  // Overloaded, so that jobs wait; a crash at 60 s for 1 s. Conservation of jobs: every job accepted in the window
  // is acknowledged, lost, still waiting or still out at a worker at the end, or was out (unacknowledged) at the
  // crash, when its acknowledgement finds the channel closed.
  const std::string crash = "faults:\n  - {at: 60s, crash: mq, for: 1s}\n";
  const auto out = run_yaml(jobs(4, 50, 10, "43", "110s", ", durable: false", crash));
  const auto& q = *service(out.results, "mq").queue;
  // About 10 x 60 = 600 waited at 60 s (the random walk around it: sd about 75).
  EXPECT_GT(q.lost, 300u);
  EXPECT_LT(q.lost, 900u);
  EXPECT_EQ(q.redelivered, 0u);
  EXPECT_GT(q.refused, 20u); // published in the second it is down: about 50
  // After the crash the queue starts from nothing: the backlog at the end is the growth over 49 s, about 490.
  EXPECT_NEAR(static_cast<double>(q.backlog_at_end), 490, 250);

  const auto kept = run_yaml(jobs(4, 50, 10, "43", "110s", ", durable: true", crash));
  const auto& d = *service(kept.results, "mq").queue;
  EXPECT_EQ(d.lost, 0u);
  EXPECT_EQ(d.redelivered, 4u); // the four jobs out at the workers come back
  EXPECT_GT(d.backlog_at_end, q.backlog_at_end + 300);
}

TEST(Queues, AWorkersCrashRedeliversItsUnacknowledgedJobs)
{
  // Two worker hosts of 2 workers, overloaded so that every worker is busy; one crashes: its 2 jobs are requeued
  // and delivered again, none is lost, and the other host goes on alone while it is down.
  std::string yaml = jobs(4, 50, 10, "44", "60s", "", "faults:\n  - {at: 30s, crash: work-2, for: 5s}\n");
  const auto at = yaml.find("{name: work, cores: 4}");
  yaml.replace(at, std::string("{name: work, cores: 4}").size(), "{name: work, count: 2, cores: 2}");
  const auto w = yaml.find("workers: 4, consumes");
  yaml.replace(w, std::string("workers: 4").size(), "workers: 2");
  const auto out = run_yaml(yaml);
  const auto& q = *service(out.results, "mq").queue;
  EXPECT_EQ(q.redelivered, 2u);
  EXPECT_EQ(q.lost, 0u);
  EXPECT_EQ(q.failed, 0u);
  // 50 s of the window at 40 jobs/s, 5 s of it at 20.
  EXPECT_NEAR(static_cast<double>(q.acknowledged), 45 * 40 + 5 * 20, 150);
  EXPECT_TRUE(out.results.checks.conserved);
}

TEST(Queues, MovingASlowStepToAJobCutsTheRequestsLatencyByThatStep)
{
  // A signup that sends its email itself (a 200 ms delay) against one that publishes it: the request's mean
  // latency falls by 200 ms; the email's delay appears as the job's time in the queue service.
  const std::string head = "name: email\nseed: " + seed_or("45") +
                           "\nduration: 200s\nwarmup: 10s\n"
                           "hardware:\n  hosts: [{name: web, cores: 4}, {name: mq}, {name: work, cores: 4}]\n"
                           "  network: {bandwidth: 10Gbps, latency: 50us}\n"
                           "services:\n"
                           "  app: {kind: api_server, host: web, workers: 64}\n"
                           "  mq: {kind: queue, host: mq}\n"
                           "  pool: {kind: worker, hosts: work, workers: 8, consumes: mq}\n";
  const std::string tail = "workload:\n  entry: app\n  arrival: {process: poisson, rate: 20/s}\n  mix: {signup: 1}\n";
  const auto inline_run = run_yaml(head +
                                   "requests:\n  signup: [cpu: 1ms, delay: 200ms]\n"
                                   "  email: [delay: 200ms]\n" +
                                   tail);
  const auto queued_run = run_yaml(head +
                                   "requests:\n  signup: [cpu: 1ms, {publish: {queue: mq, job: email}}]\n"
                                   "  email: [delay: 200ms]\n" +
                                   tail);
  const double before = inline_run.results.total.latency.mean, after = queued_run.results.total.latency.mean;
  EXPECT_NEAR(before - after, 0.200, 0.002);
  const auto& mq = service(queued_run.results, "mq");
  // 8 workers for a = 20 * 0.2 = 4 Erlangs: jobs rarely wait; publish to acknowledgement is 200 ms and the hops.
  EXPECT_NEAR(mq.latency.mean, 0.200 + test::mmc_wait(8, 20, 5), 0.005);
}
