// The partitioning policies of a sharded database against published values and formulas.
#include "scalelab/models/loader.hpp"
#include "scalelab/models/sharding.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace scalelab::models
{
namespace
{

constexpr std::uint64_t kKeys = 100000;

// Binomial standard deviation of a fraction p measured over n keys.
double binomial_sd(double p, double n)
{
  return std::sqrt(p * (1 - p) / n);
}

double max_over_mean(const std::vector<double>& shares)
{
  double sum = 0;
  for (double s : shares)
    sum += s;
  return *std::max_element(shares.begin(), shares.end()) / (sum / static_cast<double>(shares.size()));
}

// E[max of n independent Gamma(v, 1/v)] (mean 1): the integral of 1 - F(x)^n over x >= 0, with the Erlang
// distribution function F(x) = 1 - exp(-vx) sum_{k<v} (vx)^k / k!. For v up to a few hundred.
double expected_max_of_erlangs(int n, int v)
{
  const auto cdf = [v](double x) {
    double log_term = -v * x, sum = 0; // log of exp(-vx) (vx)^k / k!, summed term by term
    for (int k = 0; k < v; ++k) {
      if (k > 0)
        log_term += std::log(v * x / k);
      sum += std::exp(log_term);
    }
    return 1 - sum;
  };
  const double h = 1e-4;
  double integral = 0;
  for (double x = h / 2; x < 8; x += h)
    integral += (1 - std::pow(cdf(x), n)) * h;
  return integral;
}

// The hash is SplitMix64's finaliser: its published first outputs from seed 0 are the finaliser of the seed
// advanced by the golden gamma 0x9e3779b97f4a7c15, once and twice.
TEST(Sharding, KeyHashIsTheSplitMix64Finaliser)
{
  EXPECT_EQ(mix64(0x9e3779b97f4a7c15ULL), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(mix64(2 * 0x9e3779b97f4a7c15ULL), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(key_hash(12345), mix64(12345));
}

// Hash modulo n to n + 1: a key stays only when h mod n == h mod (n + 1), that is when h mod n(n + 1) < n,
// for 1 / (n + 1) of uniform hashes: n / (n + 1) of the keys move (0.8 for 4 to 5).
TEST(Sharding, HashModToOneMoreShardMovesNOverNPlusOneOfTheKeys)
{
  for (std::uint32_t n : {1U, 4U, 9U, 16U}) {
    const double expected = static_cast<double>(n) / (n + 1);
    const double moved = moved_fraction(HashModPartitioner(n), HashModPartitioner(n + 1), kKeys);
    EXPECT_NEAR(moved, expected, 4 * binomial_sd(expected, kKeys)) << n << " to " << n + 1 << " shards";
  }
  EXPECT_NEAR(moved_fraction(HashModPartitioner(4), HashModPartitioner(5), kKeys), 0.8, 0.005);
}

// Consistent hashing: the new shard's points take over 1 / (n + 1) of the ring on average (n + 1 shards with
// the same number of points), and only keys that now belong to the new shard move.
TEST(Sharding, ConsistentHashingToOneMoreShardMovesAboutOneOverNPlusOneOfTheKeys)
{
  constexpr int kRings = 40;
  for (std::uint32_t n : {4U, 9U}) {
    double sum = 0;
    for (int salt = 0; salt < kRings; ++salt) {
      const ConsistentHashRing before(n, 100, static_cast<std::uint64_t>(salt));
      const ConsistentHashRing after(n + 1, 100, static_cast<std::uint64_t>(salt));
      std::uint64_t moved = 0, to_new = 0;
      for (std::uint64_t k = 1; k <= 20000; ++k) {
        const bool moves = before.shard_of(k) != after.shard_of(k);
        moved += moves;
        to_new += moves && after.shard_of(k) == n;
      }
      ASSERT_EQ(moved, to_new) << "a key moved between two old shards";
      sum += static_cast<double>(moved) / 20000;
    }
    // One ring's share of the new shard has a relative spread of about 1 / sqrt(virtual nodes) = 10%; over 40
    // rings the mean is within 1.6% (one standard error); 6% is nearly four.
    const double expected = 1.0 / (n + 1);
    EXPECT_NEAR(sum / kRings, expected, 0.06 * expected) << n << " to " << n + 1 << " shards";
  }
}

// With v points per shard placed at random, a shard's share of the ring is a sum of v spacings: about
// Gamma(v) / (n v). The busiest of n shards over the mean is then the expected maximum of n Erlang(v)
// variables of mean 1: 2.90 at 10 x 1, 1.54 at 10 x 10, 1.16 at 10 x 100 (the figures usually quoted for
// consistent hashing's imbalance). The shares of one ring are normalised, the independent Gammas not; the
// difference is below 1% here. Averaged over 300 rings (salts), with a tolerance of about four standard errors.
TEST(Sharding, BusiestShardOverMeanFallsAsVirtualNodesRiseAsOrderStatisticsOfGammaPredict)
{
  constexpr int kRings = 300;
  double previous = 1e9;
  for (const auto& [v, tolerance] : {std::pair{1, 0.12}, std::pair{10, 0.035}, std::pair{100, 0.012}}) {
    double sum = 0;
    for (int salt = 0; salt < kRings; ++salt)
      sum += max_over_mean(ConsistentHashRing(10, v, static_cast<std::uint64_t>(salt)).ownership());
    const double mean = sum / kRings;
    EXPECT_NEAR(mean, expected_max_of_erlangs(10, v), tolerance) << v << " virtual nodes";
    EXPECT_LT(mean, previous) << v << " virtual nodes";
    previous = mean;
  }
  EXPECT_NEAR(expected_max_of_erlangs(10, 10), 1.54, 0.01);
  EXPECT_NEAR(expected_max_of_erlangs(10, 100), 1.16, 0.01);
}

// Over many keys, each shard of the ring the files use (salt 0) holds its share of the ring's hash space.
TEST(Sharding, KeysFollowTheRingsOwnership)
{
  constexpr std::uint64_t kMany = 1000000;
  const ConsistentHashRing ring(10, 100);
  const auto share = ring.ownership();
  const auto keys = keys_per_shard(ring, kMany);
  for (std::size_t s = 0; s < share.size(); ++s)
    EXPECT_NEAR(static_cast<double>(keys[s]) / kMany, share[s], 5 * binomial_sd(share[s], kMany)) << "shard " << s;
}

TEST(Sharding, EveryKeyLandsInItsRange)
{
  const std::vector<KeyRange> ranges{{501, 1000}, {1, 100}, {101, 500}};
  ASSERT_FALSE(range_map_problem(ranges, 1000));
  const RangePartitioner p(ranges);
  for (std::uint64_t k = 1; k <= 1000; ++k) {
    const KeyRange& r = ranges[p.shard_of(k)];
    ASSERT_TRUE(k >= r.from && k <= r.to) << "key " << k;
  }
  EXPECT_EQ(keys_per_shard(p, 1000), (std::vector<std::uint64_t>{500, 100, 400}));
}

TEST(Sharding, RangeMapWithAGapOrAnOverlapIsRefused)
{
  const auto gap = range_map_problem({{1, 100}, {201, 300}}, 300);
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->shard, 1U);
  EXPECT_EQ(gap->message, "keys 101 to 200 belong to no shard (a gap before this range)");
  const auto overlap = range_map_problem({{1, 100}, {100, 300}}, 300);
  ASSERT_TRUE(overlap);
  EXPECT_EQ(overlap->message, "key 100 belongs to two shards (this range overlaps that of shard 1)");
  const auto short_of_end = range_map_problem({{1, 100}, {101, 299}}, 300);
  ASSERT_TRUE(short_of_end);
  EXPECT_EQ(short_of_end->message, "key 300 belongs to no shard (after the last range)");
  EXPECT_TRUE(range_map_problem({{1, 100}, {101, 301}}, 300));
  EXPECT_TRUE(range_map_problem({{0, 100}, {101, 300}}, 300));
  EXPECT_TRUE(range_map_problem({{1, 100}, {300, 101}}, 300));
}

TEST(Sharding, ASingleShardHoldsEveryKey)
{
  EXPECT_EQ(HashModPartitioner(1).shard_of(77), 0U);
  EXPECT_EQ(ConsistentHashRing(1, 1).shard_of(77), 0U);
  EXPECT_EQ(ConsistentHashRing(1, 1).ownership(), std::vector<double>{1.0});
  EXPECT_THROW(HashModPartitioner(0), std::invalid_argument);
  EXPECT_THROW(ConsistentHashRing(3, 0), std::invalid_argument);
}

// The format: a sharded database's hosts are its shards, in order; an unsharded one keeps its single host.
TEST(Sharding, AShardedDatabaseHasOneShardPerHostInOrder)
{
  const auto loaded =
      load_topology_text("name: t\nhardware:\n  hosts: [{name: web}, {name: db, count: 3}, {name: one}]\n"
                         "services:\n  app: {kind: api_server, host: web}\n"
                         "  orders: {kind: database, hosts: db, shards: {by: consistent_hash, virtual_nodes: 7}}\n"
                         "  users: {kind: database, host: one}\n"
                         "requests:\n  get: [db_read: orders, db_read: users]\n"
                         "workload: {entry: app, arrival: {process: poisson, rate: 10/s}, keys: {count: 100}}\n",
                         "t.yaml");
  for (const auto& e : loaded.errors)
    ADD_FAILURE() << e.format();
  ASSERT_TRUE(loaded.spec);
  const auto& orders = std::get<DatabaseSpec>(loaded.spec->services[1].kind);
  ASSERT_TRUE(orders.shards);
  EXPECT_EQ(orders.shards->by, Partitioning::consistent_hash);
  EXPECT_EQ(orders.shards->virtual_nodes, 7);
  EXPECT_EQ(orders.shard_hosts, (std::vector<std::string>{"db-1", "db-2", "db-3"}));
  EXPECT_EQ(instance_hosts(loaded.spec->services[1].kind), orders.shard_hosts);
  const auto& users = std::get<DatabaseSpec>(loaded.spec->services[2].kind);
  EXPECT_FALSE(users.shards);
  EXPECT_EQ(instance_hosts(loaded.spec->services[2].kind), std::vector<std::string>{"one"});
}

// Replicas of each shard: one item per shard in the order of hosts (a group, a host, or a list of hosts), kept
// shard after shard; the instance hosts are each shard's primary, then its replicas.
TEST(Sharding, EachShardListsItsReplicasInShardOrder)
{
  const auto loaded = load_topology_text(
      "name: t\nhardware:\n  hosts: [{name: web}, {name: db, count: 3}, {name: ra, count: 2}, {name: r, count: 4}]\n"
      "services:\n  app: {kind: api_server, host: web}\n"
      "  orders: {kind: database, hosts: db, shards: {by: hash_mod}, replicas: [ra, [r-1, r-2], [r-3, r-4]],\n"
      "           read_from: replicas}\n"
      "requests:\n  get: [db_read: orders]\n"
      "workload: {entry: app, arrival: {process: poisson, rate: 10/s}, keys: {count: 100}}\n",
      "t.yaml");
  for (const auto& e : loaded.errors)
    ADD_FAILURE() << e.format();
  ASSERT_TRUE(loaded.spec);
  const auto& orders = std::get<DatabaseSpec>(loaded.spec->services[1].kind);
  EXPECT_EQ(orders.shard_count(), 3U);
  EXPECT_EQ(orders.replicas_per_shard(), 2U);
  EXPECT_EQ(orders.replication.replicas, (std::vector<std::string>{"ra-1", "ra-2", "r-1", "r-2", "r-3", "r-4"}));
  EXPECT_EQ(instance_hosts(loaded.spec->services[1].kind),
            (std::vector<std::string>{"db-1", "ra-1", "ra-2", "db-2", "r-1", "r-2", "db-3", "r-3", "r-4"}));
}

// --- resharding during a run ----------------------------------------------------------------------------------

// The copy's plan moves exactly the keys whose shard changes: moved_fraction's share, n / (n + 1) for hash_mod
// from 4 to 5 (0.8, within four binomial standard deviations), between every pair of shards.
TEST(Resharding, HashModFourToFiveMovesFourFifthsOfTheKeysBetweenEveryPair)
{
  const HashModPartitioner before(4), after(5);
  const ReshardSpec spec;
  const MigrationPlan plan = plan_migration(before, after, kKeys, spec);
  EXPECT_DOUBLE_EQ(plan.moved_fraction(), moved_fraction(before, after, kKeys));
  EXPECT_NEAR(plan.moved_fraction(), 0.8, 4 * binomial_sd(0.8, kKeys));
  std::vector<std::vector<std::uint64_t>> pair_keys(4, std::vector<std::uint64_t>(5, 0));
  std::uint64_t keys = 0;
  for (const MigrationBatch& b : plan.batches) {
    pair_keys[b.from][b.to] += b.keys;
    keys += b.keys;
  }
  EXPECT_EQ(keys, plan.keys_moving);
  for (std::uint32_t from = 0; from < 4; ++from)
    for (std::uint32_t to = 0; to < 5; ++to)
      EXPECT_EQ(pair_keys[from][to] > 0, from != to) << from << " -> " << to;
}

// Consistent hashing from 4 to 5 moves about 1 / 5 of the keys, all of them to the new shard.
TEST(Resharding, ConsistentHashingFourToFiveMovesAboutAFifthOfTheKeysAllToTheNewShard)
{
  const ConsistentHashRing before(4, 100), after(5, 100);
  const MigrationPlan plan = plan_migration(before, after, kKeys, ReshardSpec{});
  EXPECT_DOUBLE_EQ(plan.moved_fraction(), moved_fraction(before, after, kKeys));
  EXPECT_NEAR(plan.moved_fraction(), 0.2, 0.05); // the new shard's arcs: 1/5 give or take 1/sqrt(100) of it
  EXPECT_NEAR(plan.moved_fraction(), after.ownership()[4], 4 * binomial_sd(0.2, kKeys));
  for (const MigrationBatch& b : plan.batches)
    EXPECT_EQ(b.to, 4U);
}

// The copy runs at the rate: batch after batch of whole keys, the last copied at at + bytes / rate; a key moves when
// its batch is copied, and the router sends it to its old shard before and to its new one from then on.
TEST(Resharding, TheCopyRunsAtItsRateAndEachKeyMovesWhenItsBatchIsCopied)
{
  const HashModPartitioner before(2), after(3);
  ReshardSpec spec;
  spec.at = from_seconds(10);
  spec.rate = 1e6;        // 1 MB/s
  spec.key_size = 1000;   // 1 KB a key
  spec.batch_size = 2500; // two keys a batch
  const std::uint64_t keys = 1000;
  const MigrationPlan plan = plan_migration(before, after, keys, spec);
  double bytes = 0;
  SimTime previous_end = spec.at;
  for (const MigrationBatch& b : plan.batches) {
    EXPECT_LE(b.keys, 2U);
    EXPECT_EQ(b.start, previous_end);
    previous_end = b.end;
    bytes += b.bytes;
  }
  EXPECT_DOUBLE_EQ(bytes, static_cast<double>(plan.keys_moving) * 1000);
  EXPECT_EQ(plan.done, from_seconds(10 + bytes / 1e6));
  ReshardingRouter router(std::make_unique<HashModPartitioner>(2), std::make_unique<HashModPartitioner>(3), plan);
  std::uint64_t checked = 0;
  for (std::uint64_t k = 1; k <= keys; ++k) {
    if (before.shard_of(k) == after.shard_of(k)) {
      EXPECT_EQ(plan.moved_at[k], kNever);
      EXPECT_EQ(router.shard_of(k, from_seconds(1e6)), before.shard_of(k));
      continue;
    }
    EXPECT_GT(plan.moved_at[k], spec.at);
    EXPECT_LE(plan.moved_at[k], plan.done);
    EXPECT_EQ(router.shard_of(k, plan.moved_at[k] - 1), before.shard_of(k));
    EXPECT_EQ(router.shard_of(k, plan.moved_at[k]), after.shard_of(k));
    ++checked;
  }
  EXPECT_EQ(checked, plan.keys_moving);
}

TEST(Resharding, TheLoaderReadsAReshardAndCountsTheAddedShardsInstance)
{
  const auto loaded =
      load_topology_text("name: t\nhardware:\n  hosts: [{name: web}, {name: db, count: 4}]\n"
                         "services:\n  app: {kind: api_server, host: web}\n"
                         "  orders: {kind: database, hosts: [db-1, db-2, db-3], shards: {by: hash_mod},\n"
                         "           reshard: {at: 30s, add: db-4, rate: 10MBps, key_size: 2KB}}\n"
                         "requests:\n  get: [db_read: orders]\n"
                         "workload: {entry: app, arrival: {process: poisson, rate: 10/s}, keys: {count: 100}}\n",
                         "t.yaml");
  for (const auto& e : loaded.errors)
    ADD_FAILURE() << e.format();
  ASSERT_TRUE(loaded.spec);
  const auto& orders = std::get<DatabaseSpec>(loaded.spec->services[1].kind);
  ASSERT_TRUE(orders.reshard);
  EXPECT_EQ(orders.reshard->at, from_seconds(30));
  EXPECT_EQ(orders.reshard->host, "db-4");
  EXPECT_DOUBLE_EQ(orders.reshard->rate, 10e6);
  EXPECT_DOUBLE_EQ(orders.reshard->key_size, 2000);
  EXPECT_DOUBLE_EQ(orders.reshard->batch_size, 1e6);
  EXPECT_EQ(orders.shard_count(), 3U);
  EXPECT_EQ(instance_hosts(loaded.spec->services[1].kind), (std::vector<std::string>{"db-1", "db-2", "db-3", "db-4"}));
}

} // namespace
} // namespace scalelab::models
