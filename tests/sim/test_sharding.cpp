// A sharded database in whole simulations: each request reaches the shard that holds its key, a hot key makes
// a hot shard whatever the number of shards, and each shard's utilisation is its arrival rate times its service
// time (the utilisation law). Each test runs its simulations in its own process.
#include "scalelab/models/loader.hpp"
#include "scalelab/sim/simulation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

using namespace scalelab;

namespace
{

sim::RunOutput run_yaml(const std::string& yaml)
{
  const auto loaded = models::load_topology_text(yaml, "test.yaml");
  for (const auto& e : loaded.errors)
    ADD_FAILURE() << e.format();
  if (!loaded.spec)
    throw std::runtime_error("test topology does not load");
  return sim::run_simulation(*loaded.spec);
}

const models::ServiceResult& service(const models::Results& r, const std::string& name)
{
  for (const auto& s : r.services)
    if (s.name == name)
      return s;
  throw std::runtime_error("no service " + name);
}

// An api server reading from a database of `shards` shards (db-1 .. db-S) for 4 s, 0.5 s of it warm-up, at
// 10,000 requests per second, each one db_read of 1 ms of CPU on a host with more cores than connections.
std::string sharded(int shards, const std::string& by, const std::string& keys)
{
  return "name: shards\nseed: 7\nduration: 4s\nwarmup: 0.5s\n"
         "hardware:\n  hosts: [{name: app, cores: 64}, {name: db, count: " +
         std::to_string(shards) +
         ", cores: 64}]\n  network: {bandwidth: 10Gbps, latency: 10us}\n"
         "services:\n  app: {kind: api_server, host: app, workers: 1000}\n"
         "  orders: {kind: database, hosts: db, connections: 50, read: {cpu: 1ms}, shards: " +
         by +
         "}\n"
         "requests:\n  get: {steps: [db_read: orders], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: app\n  arrival: {process: poisson, rate: 10000/s}\n  keys: " +
         keys + "\n";
}

} // namespace

// Range shards hold the keys of their ranges: with uniform keys, each shard gets the share of the key space
// its range covers (10% and 90% here), within four binomial standard deviations.
TEST(Sharding, EachRequestReachesTheShardThatHoldsItsKey)
{
  const auto out =
      run_yaml(sharded(2, "{by: range, ranges: [{from: 1, to: 100}, {from: 101, to: 1000}]}", "{count: 1000}"));
  const auto& db = service(out.results, "orders");
  ASSERT_EQ(db.shards.size(), 2U);
  const double n = static_cast<double>(db.shards[0].operations + db.shards[1].operations);
  EXPECT_EQ(db.shards[0].host, "db-1");
  EXPECT_NEAR(db.shards[0].share, 0.1, 4 * std::sqrt(0.1 * 0.9 / n));
  EXPECT_NEAR(db.shards[1].share, 0.9, 4 * std::sqrt(0.1 * 0.9 / n));
  EXPECT_EQ(db.shards[0].operations + db.shards[1].operations, db.arrived);
}

// A key of probability p1 over S shards: its shard gets p1 + (1 - p1) / S of the operations, the mean shard
// 1 / S, so the busiest over the mean is 1 + p1 (S - 1) (the other keys spread evenly). More shards raise the
// ratio and never bring the hot shard's share below p1. Tolerance: four binomial standard deviations of the
// hot shard's count, plus the uneven spread of 100,000 uniform keys (about 1 / sqrt(keys per shard)).
TEST(Sharding, HotKeyMakesTheBusiestShardCarryOnePlusP1TimesShardsMinusOne)
{
  const double p1 = 0.2;
  double previous = 0;
  for (const int shards : {4, 8}) {
    const auto out = run_yaml(sharded(shards, "{by: hash_mod}", "{count: 100000, hot_key: 0.2}"));
    const auto& db = service(out.results, "orders");
    ASSERT_EQ(db.shards.size(), static_cast<std::size_t>(shards));
    const double n = static_cast<double>(db.arrived);
    const double hot_share = p1 + (1 - p1) / shards;
    const double tolerance =
        shards * (4 * std::sqrt(hot_share * (1 - hot_share) / n) + (1 - p1) / shards * 4 / std::sqrt(1e5 / shards));
    EXPECT_NEAR(db.busiest_shard_over_mean, 1 + p1 * (shards - 1), tolerance) << shards << " shards";
    double busiest_share = 0;
    for (const auto& s : db.shards)
      busiest_share = std::max(busiest_share, s.share);
    EXPECT_GT(busiest_share, p1) << shards << " shards";
    EXPECT_GT(db.busiest_shard_over_mean, previous) << shards << " shards";
    previous = db.busiest_shard_over_mean;
  }
}

// The utilisation law per shard: connections in use on average = the shard's operation rate x 1 ms.
TEST(Sharding, EachShardsUtilisationIsItsRateTimesItsServiceTime)
{
  const auto out = run_yaml(sharded(3, "{by: consistent_hash, virtual_nodes: 10}", "{count: 100000, hot_key: 0.3}"));
  const auto& db = service(out.results, "orders");
  ASSERT_EQ(db.shards.size(), 3U);
  const double seconds = out.results.duration - out.results.warmup;
  for (const auto& s : db.shards) {
    const double expected = static_cast<double>(s.operations) / seconds * 1e-3 / 50;
    EXPECT_NEAR(s.utilisation, expected, 0.02 * expected + 1e-4) << s.host;
  }
}
