// Metrics read from results.json, the tidy and summary CSVs of a sweep, and the cost of a topology.
#include "scalelab/models/results.hpp"
#include "scalelab/models/sweep_results.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace scalelab::models
{
namespace
{

// A results.json as to_json writes it, from a Results filled by hand.
nlohmann::json sample_results()
{
  Results r;
  r.scenario = "s";
  r.duration = 10;
  r.total.name = "all";
  r.total.sent = 100;
  r.total.completed = 90;
  r.total.errors = {{"queue_full", 7}, {"host_down", 3}};
  r.total.throughput = 9;
  r.total.latency.p99 = 0.25;
  RequestTypeResult get = r.total;
  get.name = "get.user"; // a name with a dot
  r.requests.push_back(get);
  ServiceResult app;
  app.name = "app";
  app.utilisation = 0.5;
  app.connection_pool = ConnectionPoolResult{};
  app.connection_pool->wait_probability = 0.125;
  r.services.push_back(app);
  ServiceResult db;
  db.name = "db";
  db.kind = "database";
  db.replication = ReplicationResult{};
  db.replication->lost_writes = 12;
  r.services.push_back(db);
  ServiceResult cache;
  cache.name = "sessions";
  cache.kind = "cache";
  cache.cache = CacheResult{};
  cache.cache->hits = 30;
  cache.cache->misses = 10;
  cache.cache->hit_ratio = 0.75;
  r.services.push_back(cache);
  r.hosts.push_back({"web-1", 4, 0.25, 0});
  r.cost = CostResult{1.5, 0.125};
  return nlohmann::json::parse(to_json(r).dump());
}

TEST(Metrics, EveryDeclaredPathReadsANumberFromResultsJson)
{
  const auto j = sample_results();
  const ResultNames names{
      {"app", "sessions", "db"}, {"get.user"}, {"web-1"}, true, {"sessions"}, {}, {"db"}, {"app"}, {}};
  const std::vector<std::pair<std::string, double>> cases = {
      {"total.latency.p99", 0.25},
      {"total.errors", 10},
      {"total.errors.queue_full", 7},
      {"total.errors.db_overloaded", 0}, // did not happen
      {"requests.get.user.completed", 90},
      {"services.app.utilisation", 0.5},
      {"hosts.web-1.cpu_utilisation", 0.25},
      {"cost.per_hour", 1.5},
      {"cost.per_million_requests", 0.125},
      {"measured_seconds", 10},
      {"checks.littles_law.relative_error", 0},
      {"checks.conservation.in_flight", 0},
      {"services.sessions.cache.hit_ratio", 0.75},
      {"services.sessions.cache.misses", 10},
      {"services.db.replication.lost_writes", 12},
      {"services.app.connection_pool.wait_probability", 0.125},
  };
  for (const auto& [path, value] : cases) {
    EXPECT_EQ(check_metric_path(path, names), "") << path;
    const auto read = metric_value(j, path);
    ASSERT_TRUE(read) << path;
    EXPECT_EQ(*read, value) << path;
  }
  EXPECT_FALSE(metric_value(j, "hosts.web-9.cpu_utilisation")); // a host of another point
}

TEST(Metrics, AMisspeltPathIsRefusedWithTheRightNames)
{
  const ResultNames names{{"app", "lb"}, {"get_user"}, {"web-1"}, false, {}, {}, {}, {}, {}};
  EXPECT_EQ(check_metric_path("total.latency.p98", names),
            "unknown key \"p98\" in total.latency; did you mean \"p90\", \"p95\" or \"p99\"?");
  EXPECT_EQ(check_metric_path("services.ap.utilisation", names), "no service \"ap\" in services; did you mean "
                                                                 "\"app\"?");
  EXPECT_EQ(check_metric_path("services.app.utilization", names),
            "unknown key \"utilization\" in services.app; did you mean \"utilisation\"?");
  EXPECT_EQ(check_metric_path("total.errors.queue_ful", names),
            "unknown error cause \"queue_ful\" in total.errors; did you mean \"queue_full\"?");
  EXPECT_EQ(check_metric_path("cost.per_hour", names),
            "results.json has no cost: no host of the topology has a price (hardware.hosts[].price)");
  const ResultNames with_cache{{"app", "sessions"}, {}, {}, false, {"sessions"}, {}, {}, {}, {}};
  EXPECT_EQ(check_metric_path("services.app.cache.hits", with_cache),
            "services.app is not a cache: it has no cache figures");
  EXPECT_EQ(check_metric_path("services.sessions.cache.hit_rate", with_cache),
            "unknown key \"hit_rate\" in services.sessions.cache; did you mean \"hit_ratio\"?");
  EXPECT_EQ(check_metric_path("services.sessions.cache.hit_ratio", with_cache), "");
  // A sharded database's imbalance, for sharded databases only.
  const ResultNames with_shards{{"app", "orders"}, {}, {}, false, {}, {"orders"}, {}, {}, {}};
  EXPECT_EQ(check_metric_path("services.orders.busiest_shard_over_mean", with_shards), "");
  EXPECT_EQ(check_metric_path("services.app.busiest_shard_over_mean", with_shards),
            "unknown key \"busiest_shard_over_mean\" in services.app; expected one of: instances, capacity, "
            "arrived, completed, errors, throughput, latency, mean_in_service, utilisation, mean_queue_length");
  // A replicated database's and a pool's figures, for those services only.
  const ResultNames with_replicas{{"app", "db"}, {}, {}, false, {}, {}, {"db"}, {"app"}, {}};
  EXPECT_EQ(check_metric_path("services.db.replication.lost_writes", with_replicas), "");
  EXPECT_EQ(check_metric_path("services.db.replication.read_your_writes_violations", with_replicas), "");
  EXPECT_EQ(check_metric_path("services.db.replication.monotonic_read_violation", with_replicas),
            "unknown key \"monotonic_read_violation\" in services.db.replication; did you mean "
            "\"monotonic_read_violations\"?");
  EXPECT_EQ(check_metric_path("services.db.replication.lost_write", with_replicas),
            "unknown key \"lost_write\" in services.db.replication; did you mean \"lost_writes\"?");
  EXPECT_EQ(check_metric_path("services.app.replication.lost_writes", with_replicas),
            "services.app is not a database with replicas: it has no replication figures");
  EXPECT_EQ(check_metric_path("services.app.connection_pool.timeouts", with_replicas), "");
  // A queue's figures, for queues only.
  const ResultNames with_queue{{"app", "mq"}, {}, {}, false, {}, {}, {}, {}, {"mq"}};
  EXPECT_EQ(check_metric_path("services.mq.queue.wait_probability", with_queue), "");
  EXPECT_EQ(check_metric_path("services.mq.queue.redelivery", with_queue),
            "unknown key \"redelivery\" in services.mq.queue; did you mean \"redelivered\"?");
  EXPECT_EQ(check_metric_path("services.app.queue.lost", with_queue),
            "services.app is not a queue: it has no queue figures");
  EXPECT_EQ(check_metric_path("total.latency", names),
            "total.latency is not a number; add one of: count, mean, p50, p90, p95, p99, p999, max");
}

TEST(Metrics, GeoDnsFiguresAreMetricsOfRunsWithZonesOrGeoDns)
{
  Results r;
  r.geodns = GeoDnsResult{};
  r.geodns->ttl = 10;
  r.geodns->misdirected = 3929;
  r.geodns->data_centres.push_back({"cdn-us", 15932, 3929});
  const auto j = nlohmann::json::parse(to_json(r).dump());
  ResultNames names{{"cdn-us"}, {}, {}, false, {}, {}, {}, {}, {}};
  EXPECT_EQ(check_metric_path("geodns.misdirected", names),
            "results.json has no geodns: the topology has no workload.zones or workload.geodns");
  names.geodns = true;
  EXPECT_EQ(check_metric_path("geodns.misdirected", names), "");
  EXPECT_EQ(check_metric_path("geodns.unresolved", names), "");
  EXPECT_EQ(check_metric_path("geodns.misdirect", names),
            "unknown key \"misdirect\" in geodns; did you mean \"misdirected\"?");
  EXPECT_EQ(metric_value(j, "geodns.misdirected"), 3929.0);
  EXPECT_EQ(metric_value(j, "geodns.unresolved"), 0.0);
}

TEST(Cost, IsTheSumOfThePricesAndPerMillionRequestsAnswered)
{
  TopologySpec t;
  t.hardware.hosts = {HostSpec{}, HostSpec{}, HostSpec{}};
  t.hardware.hosts[0].price = 0.5;
  t.hardware.hosts[1].price = 0.25; // the third has none: free
  RequestTypeResult total;
  total.throughput = 1000; // 3.6 million per hour
  const auto cost = cost_of(t, total);
  ASSERT_TRUE(cost);
  EXPECT_EQ(cost->per_hour, 0.75);
  EXPECT_NEAR(*cost->per_million_requests, 0.75 / 3.6, 1e-15);
  total.throughput = 0;
  EXPECT_FALSE(cost_of(t, total)->per_million_requests);
  t.hardware.hosts[0].price.reset();
  t.hardware.hosts[1].price.reset();
  EXPECT_FALSE(cost_of(t, total));
}

ExperimentSpec two_points()
{
  ExperimentSpec spec;
  Parameter rate;
  rate.path = "workload.arrival.rate";
  rate.values = {{"500/s", 500.0, {}}, {"1000/s", 1000.0, {}}};
  Parameter policy;
  policy.path = "services.lb.policy";
  policy.values = {{"round_robin", std::nullopt, {}}};
  spec.parameters = {rate, policy};
  spec.points = {{{0, 0}, "", "rate=500%2Fs,policy=round_robin"}, {{1, 0}, "", "rate=1000%2Fs,policy=round_robin"}};
  spec.metrics = {{"total.latency.p99", {}}, {"total.errors", {}}};
  return spec;
}

TEST(SweepTables, TidyCsvHasARowPerRunAndMetricWithTheVariedValues)
{
  const ExperimentSpec spec = two_points();
  const std::vector<RunRecord> runs = {{1, 1, 11, {0.5, 3.0}}, {0, 2, 12, {0.25, std::nullopt}}, {0, 1, 13, {0.1, 0}}};
  EXPECT_EQ(runs_csv(spec, runs), "point,repetition,seed,workload.arrival.rate,services.lb.policy,metric,value\n"
                                  "\"rate=500%2Fs,policy=round_robin\",1,13,500,round_robin,total.latency.p99,0.1\n"
                                  "\"rate=500%2Fs,policy=round_robin\",1,13,500,round_robin,total.errors,0\n"
                                  "\"rate=500%2Fs,policy=round_robin\",2,12,500,round_robin,total.latency.p99,0.25\n"
                                  "\"rate=500%2Fs,policy=round_robin\",2,12,500,round_robin,total.errors,\n"
                                  "\"rate=1000%2Fs,policy=round_robin\",1,11,1000,round_robin,total.latency.p99,0.5\n"
                                  "\"rate=1000%2Fs,policy=round_robin\",1,11,1000,round_robin,total.errors,3\n");
}

TEST(SweepTables, SummaryHasMeanSdAndTheStudentInterval)
{
  ExperimentSpec spec = two_points();
  spec.points[0].name = "a";
  spec.points[1].name = "b";
  std::vector<RunRecord> runs;
  for (int r = 1; r <= 5; ++r)
    runs.push_back({0, r, 0, {static_cast<double>(r), 1.0}});
  runs.push_back({1, 1, 0, {4.0, std::nullopt}});
  const auto summaries = summarize_runs(spec, runs);
  ASSERT_EQ(summaries.size(), 4u);
  EXPECT_EQ(summaries[0].sample.n, 5u);
  EXPECT_NEAR(*summaries[0].sample.half_width, 1.963243, 1e-6); // 1..5: see SampleSummary tests
  const std::string csv = summary_csv(spec, summaries);
  const std::string header = "point,workload.arrival.rate,services.lb.policy,metric,n,mean,sd,ci95_low,ci95_high\n";
  ASSERT_EQ(csv.substr(0, header.size()), header);
  EXPECT_NE(csv.find("\nb,1000,round_robin,total.latency.p99,1,4,,,\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nb,1000,round_robin,total.errors,0,,,,\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\na,500,round_robin,total.errors,5,1,0,1,1\n"), std::string::npos) << csv;
}

TEST(SweepTables, CsvFieldsAndNumbers)
{
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("{a: 1, b: 2}"), "\"{a: 1, b: 2}\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(shortest_number(0.1), "0.1");
  EXPECT_EQ(shortest_number(2), "2");
  EXPECT_EQ(shortest_number(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(shortest_number(500), "500");
  EXPECT_EQ(shortest_number(1e-7), "1e-07");
}

} // namespace
} // namespace scalelab::models
