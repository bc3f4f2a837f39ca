// A sharded database in whole simulations: each request reaches the shard that holds its key, a hot key makes
// a hot shard whatever the number of shards, and each shard's utilisation is its arrival rate times its service
// time (the utilisation law). Each test runs its simulations in its own process.
#include "scalelab/models/loader.hpp"
#include "scalelab/models/sharding.hpp"
#include "scalelab/sim/simulation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

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

// A database of `shards` shards on p-1 .. p-S, each with `replicas` replicas (shard s on r<j>-s), behind an api
// server with workers to spare; messages carry no bytes and operations cost fixed times, so that nothing one
// shard does delays another's messages or draws from a random stream another's use.
std::string sharded_replicated(const std::string& seed, double duration, double latency_ms, int shards, int replicas,
                               const std::string& db, double read_rate, double write_rate, const std::string& keys,
                               const std::string& extra = "")
{
  std::ostringstream y;
  const double rate = read_rate + write_rate;
  y << "name: shard-replicas\nseed: " << seed << "\nduration: " << duration << "s\nwarmup: " << duration / 20
    << "s\nhardware:\n  hosts:\n    - {name: app, cores: 64}\n    - {name: p, count: " << shards << ", cores: 8}\n";
  for (int j = 1; j <= replicas; ++j)
    y << "    - {name: r" << j << ", count: " << shards << ", cores: 8}\n";
  y << "  network: {bandwidth: 10Gbps, latency: " << latency_ms << "ms}\n"
    << "services:\n  app: {kind: api_server, host: app, workers: 100000, queue_limit: 0}\n"
    << "  users: {kind: database, hosts: p, replicas: [";
  for (int s = 1; s <= shards; ++s) {
    y << (s > 1 ? ", " : "") << "[";
    for (int j = 1; j <= replicas; ++j)
      y << (j > 1 ? ", " : "") << "r" << j << "-" << s;
    y << "]";
  }
  y << "], connections: 10000, read: {cpu: 1us}, write: {cpu: 1us}, apply: {cpu: 1us}, query_size: 0B, "
       "result_size: 0B, "
    << db << "}\nrequests:\n"
    << "  read: {steps: [db_read: users], request_size: 0B, response_size: 0B}\n"
    << "  write: {steps: [db_write: users], request_size: 0B, response_size: 0B}\n"
    << "workload:\n  entry: app\n  arrival: {process: poisson, rate: " << rate << "/s}\n  mix: {"
    << (read_rate > 0 ? "read: " + std::to_string(read_rate / rate) : "")
    << (read_rate > 0 && write_rate > 0 ? ", " : "")
    << (write_rate > 0 ? "write: " + std::to_string(write_rate / rate) : "") << "}\n  keys: " << keys << "\n"
    << extra;
  return y.str();
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

// --- replicas of each shard ------------------------------------------------------------------------------

// Every write of a key reaches its shard's primary, and only that shard's replicas apply it. One key over three
// hash_mod shards: the shard hash(1) mod 3 takes every operation and its replicas apply every write; the other
// shards and their replicas see nothing. Then range shards of 10 %, 30 % and 60 % of uniform keys: each shard's
// share of the writes is its range's (four binomial standard deviations), and each of its replicas applied
// what its primary committed (but the few writes on the way at the window's edges).
TEST(ShardReplicas, AKeysWritesAllLandOnItsShardsPrimaryAndItsShardsReplicas)
{
  {
    const auto out = run_yaml(sharded_replicated("3", 20, 0.1, 3, 2, "shards: {by: hash_mod}", 0, 500, "{count: 1}"));
    const auto& db = service(out.results, "users");
    const std::uint32_t home = models::HashModPartitioner(3).shard_of(1);
    ASSERT_EQ(db.shards.size(), 3U);
    ASSERT_EQ(db.replication->replicas.size(), 6U);
    for (std::uint32_t s = 0; s < 3; ++s)
      EXPECT_EQ(db.shards[s].operations, s == home ? db.arrived : 0) << "shard " << s + 1;
    for (const auto& r : db.replication->replicas) {
      if (static_cast<std::uint32_t>(r.shard) == home + 1)
        EXPECT_NEAR(static_cast<double>(r.applied), static_cast<double>(db.arrived), 3) << r.host;
      else
        EXPECT_EQ(r.applied, 0U) << r.host;
    }
    EXPECT_GT(db.arrived, 8000U);
  }
  {
    const auto out = run_yaml(sharded_replicated(
        "4", 20, 0.1, 3, 2,
        "shards: {by: range, ranges: [{from: 1, to: 100}, {from: 101, to: 400}, {from: 401, to: 1000}]}", 0, 2000,
        "{count: 1000}"));
    const auto& db = service(out.results, "users");
    ASSERT_EQ(db.shards.size(), 3U);
    const double n = static_cast<double>(db.arrived);
    const double share[] = {0.1, 0.3, 0.6};
    std::uint64_t total = 0;
    for (std::size_t s = 0; s < 3; ++s) {
      EXPECT_NEAR(db.shards[s].share, share[s], 4 * std::sqrt(share[s] * (1 - share[s]) / n)) << "shard " << s + 1;
      total += db.shards[s].operations;
    }
    EXPECT_EQ(total, db.arrived);
    for (const auto& r : db.replication->replicas)
      EXPECT_NEAR(static_cast<double>(r.applied),
                  static_cast<double>(db.shards[static_cast<std::size_t>(r.shard) - 1].operations), 3)
          << r.host;
    EXPECT_TRUE(out.results.checks.conserved);
  }
}

// A crash of one shard's primary promotes one of that shard's replicas, and only there: the same run without
// the crash gives the other shards the very same operations, applies, reads and lags (no random draw and no
// byte on the network depends on another shard), and every error is an operation of the failed shard in its gap.
TEST(ShardReplicas, AShardsFailoverLeavesTheOtherShardsUntouched)
{
  const std::string db = "shards: {by: hash_mod}, read_from: replicas, detection_timeout: 2s, promotion_time: 1s";
  const auto calm = run_yaml(sharded_replicated("5", 20, 0.1, 3, 2, db, 600, 300, "{count: 1000}"));
  const auto hit = run_yaml(
      sharded_replicated("5", 20, 0.1, 3, 2, db, 600, 300, "{count: 1000}", "faults:\n  - {at: 6s, crash: p-2}\n"));
  const auto& before = service(calm.results, "users");
  const auto& after = service(hit.results, "users");
  ASSERT_EQ(after.replication->failovers.size(), 1U);
  const auto& f = after.replication->failovers[0];
  EXPECT_EQ(f.shard, 2);
  EXPECT_EQ(f.old_primary, "p-2");
  EXPECT_TRUE(f.new_primary == "r1-2" || f.new_primary == "r2-2") << f.new_primary;
  EXPECT_NEAR(f.promoted_at, 9.0001, 1e-9); // detection, the vote's 100 us, the promotion
  EXPECT_TRUE(before.replication->failovers.empty());
  std::uint64_t errors = 0;
  for (const auto& [cause, n] : after.errors)
    errors += n;
  EXPECT_EQ(errors, f.failed_in_gap);
  EXPECT_GT(f.failed_in_gap, 100U); // a third of 300 writes/s for 3 s
  for (const std::size_t s : {0U, 2U})
    EXPECT_EQ(after.shards[s].operations, before.shards[s].operations) << "shard " << s + 1;
  ASSERT_EQ(after.replication->replicas.size(), before.replication->replicas.size());
  for (std::size_t i = 0; i < after.replication->replicas.size(); ++i) {
    const auto& a = after.replication->replicas[i];
    const auto& b = before.replication->replicas[i];
    if (a.shard == 2)
      continue;
    EXPECT_EQ(a.applied, b.applied) << a.host;
    EXPECT_EQ(a.reads, b.reads) << a.host;
    EXPECT_EQ(a.stale_reads, b.stale_reads) << a.host;
    EXPECT_DOUBLE_EQ(a.lag.mean, b.lag.mean) << a.host;
  }
  EXPECT_TRUE(hit.results.checks.conserved);
}

// Stale reads per shard: with a fixed lag L (250 ms + 1 us) and Poisson writes of rate lambda_k to a key, a read
// of it from a replica is stale with probability 1 - exp(-lambda_k L) (as for one database: test_replication.cpp).
// Two range shards of one key each; key 1 takes 80 % of the requests (hot_key 0.6 over two uniform keys), so
// lambda_1 L = 2 and lambda_2 L = 0.5 at 10 writes/s: 0.8647 and 0.3935. 8000 s; tolerance 0.012 as there.
TEST(ShardReplicas, StaleReadsPerShardFollowOneMinusExpOfMinusTheShardsWriteRateTimesLag)
{
  const double lag = 0.250001;
  const auto out = run_yaml(sharded_replicated(
      "6", 8000, 250, 2, 1, "shards: {by: range, ranges: [{from: 1, to: 1}, {from: 2, to: 2}]}, read_from: replicas",
      100, 10, "{count: 2, hot_key: 0.6}"));
  const auto& repl = *service(out.results, "users").replication;
  ASSERT_EQ(repl.replicas.size(), 2U);
  const double write_rate[] = {8, 2};
  for (const auto& replica : repl.replicas) {
    const double lambda = write_rate[replica.shard - 1];
    ASSERT_GT(replica.reads, 100000U);
    EXPECT_NEAR(replica.lag.mean, lag, 1e-6);
    const double expected = 1 - std::exp(-lambda * lag);
    EXPECT_NEAR(static_cast<double>(replica.stale_reads) / static_cast<double>(replica.reads), expected, 0.012)
        << "shard " << replica.shard << ": " << replica.stale_reads << " stale of " << replica.reads;
  }
  EXPECT_TRUE(out.results.checks.conserved);
}

// --- resharding during a run ----------------------------------------------------------------------------------

namespace
{
// `shards` shards on db-1 .. db-S and a shard added on db-(S+1) at `at`, behind an api server with workers to
// spare, 2000 reads per second of 100 us each; the copy at `rate` of 1 KB a key.
std::string resharded(int shards, const std::string& by, const std::string& keys, double at, const std::string& rate,
                      double warmup)
{
  std::ostringstream y;
  y << "name: reshard\nseed: 9\nduration: 10s\nwarmup: " << warmup
    << "s\nhardware:\n  hosts: [{name: app, cores: 64}, {name: db, count: " << shards + 1
    << ", cores: 64}]\n  network: {bandwidth: 10Gbps, latency: 10us}\n"
    << "services:\n  app: {kind: api_server, host: app, workers: 1000}\n  orders: {kind: database, hosts: [";
  for (int s = 1; s <= shards; ++s)
    y << (s > 1 ? ", " : "") << "db-" << s;
  y << "], connections: 50, read: {cpu: 100us}, shards: " << by << ", reshard: {at: " << at << "s, add: db-"
    << shards + 1 << ", rate: " << rate << ", key_size: 1KB}}\n"
    << "requests:\n  get: {steps: [db_read: orders], request_size: 0B, response_size: 0B}\n"
    << "workload:\n  entry: app\n  arrival: {process: poisson, rate: 2000/s}\n  keys: " << keys << "\n";
  return y.str();
}
} // namespace

// A key's requests go to its old shard until its batch is copied, to its new shard from then on. One key, and
// the smallest n whose hash_mod shard of key 1 changes from n to n + 1 shards: the old shard serves the requests
// sent before the key moved (at 4 s + 1 KB / 1 MB/s = 4.001 s), the new one those sent after (Poisson counts,
// within four standard deviations), and no other shard serves any.
TEST(Resharding, AKeysRequestsGoToItsNewShardOnceItsBatchIsCopied)
{
  int n = 2;
  while (models::HashModPartitioner(static_cast<std::uint32_t>(n)).shard_of(1) ==
         models::HashModPartitioner(static_cast<std::uint32_t>(n + 1)).shard_of(1))
    ++n;
  ASSERT_LE(n, 16);
  const std::uint32_t old_shard = models::HashModPartitioner(static_cast<std::uint32_t>(n)).shard_of(1);
  const std::uint32_t new_shard = models::HashModPartitioner(static_cast<std::uint32_t>(n + 1)).shard_of(1);
  const auto out = run_yaml(resharded(n, "{by: hash_mod}", "{count: 1}", 4, "1MBps", 0));
  const auto& db = service(out.results, "orders");
  ASSERT_TRUE(db.resharding);
  const auto& x = *db.resharding;
  EXPECT_EQ(x.keys_moving, 1U);
  EXPECT_NEAR(x.copied_at, 4.001, 1e-9);
  ASSERT_EQ(db.shards.size(), static_cast<std::size_t>(n + 1));
  const double after = 2000 * (10 - 4.001);
  EXPECT_NEAR(static_cast<double>(db.shards[new_shard].operations), after, 4 * std::sqrt(after));
  EXPECT_NEAR(static_cast<double>(db.shards[old_shard].operations), 2000 * 4.001, 4 * std::sqrt(2000 * 4.001));
  for (std::uint32_t s = 0; s < db.shards.size(); ++s) {
    if (s != old_shard && s != new_shard) {
      EXPECT_EQ(db.shards[s].operations, 0U) << "shard " << s + 1;
    }
  }
  EXPECT_EQ(db.shards[old_shard].operations + db.shards[new_shard].operations, db.arrived);
  // The copy: one key of 1 KB from the old shard to the new one.
  EXPECT_DOUBLE_EQ(x.shards[old_shard].bytes_out, 1000);
  EXPECT_DOUBLE_EQ(x.shards[new_shard].bytes_in, 1000);
  EXPECT_DOUBLE_EQ(x.bytes_received, 1000);
}

// Hash mod 4 to 5 over 100,000 keys: the run reports the fraction moved_fraction() gives (n / (n + 1) = 0.8), the
// copy's bytes (1 KB a moving key, all sent and received by the end) and its end (at + bytes / rate); once the
// copy is over (before the measured window), each shard serves the share of the keys the 5-shard partitioning
// gives it (uniform keys; four binomial standard deviations).
TEST(Resharding, HashModFourToFiveMovesFourFifthsAndEachShardThenServesItsNewShare)
{
  const std::uint64_t keys = 100000;
  const auto out = run_yaml(resharded(4, "{by: hash_mod}", "{count: 100000}", 0.5, "1GBps", 1));
  const auto& db = service(out.results, "orders");
  ASSERT_TRUE(db.resharding);
  const auto& x = *db.resharding;
  const models::HashModPartitioner before(4), after(5);
  EXPECT_DOUBLE_EQ(x.moved_fraction, models::moved_fraction(before, after, keys));
  EXPECT_NEAR(x.moved_fraction, 0.8, 0.005);
  EXPECT_EQ(x.keys_moved, x.keys_moving);
  EXPECT_DOUBLE_EQ(x.bytes, static_cast<double>(x.keys_moving) * 1000);
  EXPECT_DOUBLE_EQ(x.bytes_sent, x.bytes);
  EXPECT_DOUBLE_EQ(x.bytes_received, x.bytes);
  EXPECT_NEAR(x.copied_at, 0.5 + x.bytes / 1e9, 1e-9);
  EXPECT_LT(x.copied_at, 1.0); // before the measured window
  const auto per_shard = models::keys_per_shard(after, keys);
  ASSERT_EQ(db.shards.size(), 5U);
  const double n = static_cast<double>(db.arrived);
  for (std::size_t s = 0; s < 5; ++s) {
    const double share = static_cast<double>(per_shard[s]) / static_cast<double>(keys);
    EXPECT_NEAR(db.shards[s].share, share, 4 * std::sqrt(share * (1 - share) / n)) << "shard " << s + 1;
  }
  EXPECT_TRUE(out.results.checks.conserved);
}

// Consistent hashing 4 to 5: about a fifth of the keys move, all to the new shard, whose host alone receives.
TEST(Resharding, ConsistentHashingFourToFiveCopiesAboutAFifthToTheNewShardOnly)
{
  const auto out = run_yaml(resharded(4, "{by: consistent_hash}", "{count: 100000}", 0.5, "1GBps", 1));
  const auto& x = *service(out.results, "orders").resharding;
  EXPECT_DOUBLE_EQ(x.moved_fraction, models::moved_fraction(models::ConsistentHashRing(4, 100),
                                                            models::ConsistentHashRing(5, 100), 100000));
  EXPECT_NEAR(x.moved_fraction, 0.2, 0.05);
  for (std::size_t s = 0; s < 4; ++s)
    EXPECT_DOUBLE_EQ(x.shards[s].bytes_in, 0) << "shard " << s + 1;
  EXPECT_DOUBLE_EQ(x.shards[4].bytes_in, x.bytes);
  EXPECT_DOUBLE_EQ(x.shards[4].bytes_out, 0);
}

// Async failover, shard by shard: each shard's failover loses the writes acknowledged by its primary that its
// replica had not received, about the shard's write rate times its replica's mean lag (Little's law, as for one
// database in test_replication.cpp). 32 hash_mod shards with one replica 250 ms away, 6400 writes/s over 100,000
// keys (about 200/s a shard), each shard's primary crashing once at its own time: the sum over the failovers is
// within 10 % of the sum of the shards' rate x lag (about 1600, a Poisson count: 10 % is four standard deviations).
TEST(ShardReplicas, AsyncFailoverOfEachShardLosesItsWriteRateTimesTheMeanLag)
{
  const int n = 32;
  std::ostringstream faults;
  faults << "faults:\n";
  for (int i = 1; i <= n; ++i)
    faults << "  - {at: " << 4 + 0.125 * (i - 1) << "s, crash: p-" << i << "}\n";
  const auto out = run_yaml(sharded_replicated("29", 12, 250, n, 1,
                                               "shards: {by: hash_mod}, detection_timeout: 1s, promotion_time: 500ms",
                                               0, 6400, "{count: 100000}", faults.str()));
  const auto& db = service(out.results, "users");
  const auto& repl = *db.replication;
  ASSERT_EQ(repl.failovers.size(), static_cast<std::size_t>(n));
  const double seconds = out.results.duration - out.results.warmup;
  double expected = 0;
  for (const auto& replica : repl.replicas)
    expected += static_cast<double>(db.shards[static_cast<std::size_t>(replica.shard) - 1].operations) / seconds *
                replica.lag.mean;
  std::vector<int> failed_over(n + 1, 0);
  for (const auto& f : repl.failovers) {
    ++failed_over[static_cast<std::size_t>(f.shard)];
    EXPECT_EQ(f.old_primary, "p-" + std::to_string(f.shard));
    EXPECT_EQ(f.new_primary, "r1-" + std::to_string(f.shard));
  }
  for (int s = 1; s <= n; ++s)
    EXPECT_EQ(failed_over[static_cast<std::size_t>(s)], 1) << "shard " << s;
  EXPECT_NEAR(static_cast<double>(repl.lost_writes), expected, 0.1 * expected);
  EXPECT_GT(expected, 1000);
}
