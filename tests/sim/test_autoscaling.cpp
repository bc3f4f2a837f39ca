// Autoscaling in whole runs, against the fluid model of a step in the load: c0 instances of rate mu each face
// a step from lambda0 to lambda1 > c0 mu; the scaler detects it at its next evaluation (D after the step) and
// the new instances serve B later, so the backlog grows at lambda1 - c0 mu for D + B, to about
// (lambda1 - c0 mu)(D + B), and c1 instances drain it in backlog / (c1 mu - lambda1). The instances stay in
// [min, max] and the scaler waits its cooldown between actions. Each test runs one simulation in its own process.
#include "sim_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace scalelab;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;

namespace
{

// 4 workers of 40 ms (mu = 100/s an instance), 2 running; 100/s, then 300/s from 60 s; the scaler aims at 50 %
// busy, evaluates every 10 s, boots in 30 s, waits 60 s between actions, within [2, 8].
std::string step_load(const std::string& seed)
{
  return "name: step\nseed: " + seed_or(seed) +
         "\nduration: 240s\n"
         "hardware:\n  hosts: [{name: lb, cores: 2}, {name: web, count: 8, cores: 4}]\n"
         "  network: {bandwidth: 10Gbps, latency: 100us}\n"
         "services:\n"
         "  lb: {kind: load_balancer, host: lb, policy: least_connections, backends: app}\n"
         "  app:\n    kind: api_server\n    hosts: web\n    workers: 4\n    queue_limit: 10000\n"
         "    autoscale: {metric: utilisation, target: 0.5, interval: 10s, cooldown: 60s, boot: 30s, min: 2, max: 8}\n"
         "requests:\n  page: {steps: [cpu: {exponential: 40ms}], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: lb\n"
         "  arrival: {process: poisson, rate: {shape: steps, points: [{at: 0s, rate: 100/s}, {at: 60s, rate: "
         "300/s}]}}\n";
}

// The same step on a worker pool: each job is 40 ms of CPU on one of an instance's 4 workers (mu = 100 jobs/s an
// instance), 2 instances consume at first; the jobs are published at 100/s, then 300/s from 60 s. The broker
// scales the pool on its consumers' busy share with the same rule.
std::string step_jobs(const std::string& seed)
{
  return "name: step-jobs\nseed: " + seed_or(seed) +
         "\nduration: 240s\n"
         "hardware:\n  hosts: [{name: app, cores: 8}, {name: mq, cores: 2}, {name: w, count: 8, cores: 4}]\n"
         "  network: {bandwidth: 10Gbps, latency: 100us}\n"
         "services:\n"
         "  app: {kind: api_server, host: app, workers: 64}\n"
         "  mq: {kind: queue, host: mq, capacity: 1000000}\n"
         "  pool:\n    kind: worker\n    hosts: w\n    workers: 4\n    consumes: mq\n"
         "    autoscale: {metric: utilisation, target: 0.5, interval: 10s, cooldown: 60s, boot: 30s, min: 2, max: 8}\n"
         "requests:\n  submit: {steps: [publish: {queue: mq, job: work}], request_size: 0B, response_size: 0B}\n"
         "  work: {steps: [cpu: {exponential: 40ms}], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: app\n  mix: {submit: 1}\n"
         "  arrival: {process: poisson, rate: {shape: steps, points: [{at: 0s, rate: 100/s}, {at: 60s, rate: "
         "300/s}]}}\n";
}

std::vector<const models::TimeseriesRow*> rows_of(const sim::RunOutput& out, const std::string& series)
{
  std::vector<const models::TimeseriesRow*> rows;
  for (const auto& row : out.timeseries)
    if (row.series == series)
      rows.push_back(&row);
  return rows;
}

} // namespace

TEST(Autoscaling, AStepBuildsTheBacklogTheFluidModelPredictsAndTheNewInstancesDrainIt)
{
  const auto out = run_yaml(step_load("71"));
  const auto app = rows_of(out, "app");
  ASSERT_EQ(app.size(), 240U);
  // The evaluation at 70 s sees the 2 instances all busy: ceil(2 x 1.0 / 0.5) = 4, serving from 100 s.
  EXPECT_EQ(app[69]->instances_booting, 0);
  EXPECT_EQ(app[70]->instances_booting, 2);
  EXPECT_EQ(app[99]->instances, 2);
  EXPECT_EQ(app[100]->instances, 4);
  // Backlog at 100 s: (300 - 2 x 100) x (10 + 30) = 4000; sd of the arrivals and services about
  // sqrt((300 + 200) x 40) = 141.
  const double backlog = app[99]->mean_queue_length;
  EXPECT_NEAR(backlog, 4000, 450);
  // Drained in 4000 / (4 x 100 - 300) = 40 s: the queue is empty again about 140 s.
  std::size_t drained = 100;
  while (drained < app.size() && app[drained]->mean_queue_length > 20)
    ++drained;
  EXPECT_NEAR(static_cast<double>(drained), 100 + backlog / 100, 6);
}

TEST(Autoscaling, InstancesStayWithinMinAndMaxAndActionsWaitTheCooldown)
{
  const auto out = run_yaml(step_load("72"));
  const auto app = rows_of(out, "app");
  std::vector<std::size_t> actions; // seconds at which instances were ordered or stopped
  for (std::size_t i = 0; i < app.size(); ++i) {
    EXPECT_GE(app[i]->instances, 2) << i;
    EXPECT_LE(app[i]->instances + app[i]->instances_booting, 8) << i;
    if (i > 0 &&
        (app[i]->instances_booting > app[i - 1]->instances_booting || app[i]->instances < app[i - 1]->instances))
      actions.push_back(i);
  }
  ASSERT_GE(actions.size(), 2U);
  for (std::size_t k = 1; k < actions.size(); ++k)
    EXPECT_GE(actions[k] - actions[k - 1], 60U) << "actions at " << actions[k - 1] << " s and " << actions[k] << " s";
  const auto& result = *scalelab::testing::service(out.results, "app").autoscale;
  EXPECT_EQ(result.fewest_running, 2);
  EXPECT_LE(result.most_running, 8);
  EXPECT_EQ(result.evaluations, 23U); // at 10 s, 20 s, ..., 230 s
}

TEST(Autoscaling, AStepInTheJobsBuildsTheBacklogTheFluidModelPredictsAndTheBrokerStartsWorkersThatDrainIt)
{
  const auto out = run_yaml(step_jobs("73"));
  const auto pool = rows_of(out, "pool");
  const auto mq = rows_of(out, "mq");
  ASSERT_EQ(pool.size(), 240U);
  ASSERT_EQ(mq.size(), 240U);
  // The evaluation at 70 s sees the 2 instances' consumers all busy: ceil(2 x 1.0 / 0.5) = 4, consuming from 100 s.
  EXPECT_EQ(pool[69]->instances_booting, 0);
  EXPECT_EQ(pool[70]->instances_booting, 2);
  EXPECT_EQ(pool[99]->instances, 2);
  EXPECT_EQ(pool[100]->instances, 4);
  // Backlog at the broker at 100 s: (300 - 2 x 100) x (10 + 30) = 4000, sd about 141 as for the API servers.
  const double backlog = mq[99]->queue_backlog;
  EXPECT_NEAR(backlog, 4000, 450);
  // Drained in 4000 / (4 x 100 - 300) = 40 s: every consumer takes the next job at once, so the pool drains at
  // its full rate.
  std::size_t drained = 100;
  while (drained < mq.size() && mq[drained]->queue_backlog > 20)
    ++drained;
  EXPECT_NEAR(static_cast<double>(drained), 100 + backlog / 100, 6);
  const auto& queue = *scalelab::testing::service(out.results, "mq").queue;
  EXPECT_EQ(queue.lost + queue.rejected + queue.refused, 0U);
}

TEST(Autoscaling, AWorkerPoolStaysWithinMinAndMaxActionsWaitTheCooldownAndStoppedInstancesTakeNoJob)
{
  const auto out = run_yaml(step_jobs("74"));
  const auto pool = rows_of(out, "pool");
  std::vector<std::size_t> actions;
  for (std::size_t i = 0; i < pool.size(); ++i) {
    EXPECT_GE(pool[i]->instances, 2) << i;
    EXPECT_LE(pool[i]->instances + pool[i]->instances_booting, 8) << i;
    // The pool's consumers busy never exceed those of its running instances (plus the jobs a stopped one finishes
    // in the interval it stops, at most its 4).
    EXPECT_LE(pool[i]->mean_in_service, 4 * (pool[i]->instances + 1) + 1e-9) << i;
    if (i > 0 &&
        (pool[i]->instances_booting > pool[i - 1]->instances_booting || pool[i]->instances < pool[i - 1]->instances))
      actions.push_back(i);
  }
  ASSERT_GE(actions.size(), 2U);
  for (std::size_t k = 1; k < actions.size(); ++k)
    EXPECT_GE(actions[k] - actions[k - 1], 60U) << "actions at " << actions[k - 1] << " s and " << actions[k] << " s";
  const auto& result = *scalelab::testing::service(out.results, "pool").autoscale;
  EXPECT_EQ(result.fewest_running, 2);
  EXPECT_LE(result.most_running, 8);
  EXPECT_EQ(result.evaluations, 23U);
  const auto& queue = *scalelab::testing::service(out.results, "mq").queue;
  EXPECT_EQ(queue.redelivered + queue.lost, 0U); // a stopped instance finishes its jobs: none comes back
}
