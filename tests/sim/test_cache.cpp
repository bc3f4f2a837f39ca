// The cache service kind in whole simulations, against published approximations: Che's for LRU under Zipf
// popularity, the TTL cache's hit ratio and the stale reads Poisson writes cause, and a crash that empties it.
// Each test runs one simulation in its own process; sample sizes put the tolerance at four or more standard
// errors (SCALELAB_THEORY_SEED=N re-runs them with another seed).
#include "queueing.hpp"
#include "sim_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

using namespace scalelab;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;
using scalelab::testing::service;

namespace
{
// An api server doing cache-aside reads (and, with write_rate > 0, writes that do not invalidate) in front of
// a cache and a database; every cost is tiny next to the TTLs and gaps between references, so the cache sees
// the workload's independent references.
std::string cache_aside(const std::string& cache, double read_rate, double write_rate, const std::string& keys,
                        double duration, const std::string& seed, const std::string& extra = "")
{
  const double rate = read_rate + write_rate;
  return "name: cache\nseed: " + seed_or(seed) + "\nduration: " + std::to_string(duration) +
         "s\nwarmup: " + std::to_string(duration / 10) + "s\nreport_interval: " + std::to_string(duration / 20) +
         "s\n"
         "hardware:\n  hosts: [{name: app, cores: 64}, {name: c, cores: 8}, {name: db, cores: 8}]\n"
         "  network: {bandwidth: 10Gbps, latency: 1us}\n"
         "services:\n  app: {kind: api_server, host: app, workers: 1000}\n"
         "  cache: {kind: cache, host: c, cpu: 1us, " +
         cache +
         "}\n"
         "  users: {kind: database, host: db, read: {cpu: 1us}, write: {cpu: 1us}}\n"
         "requests:\n"
         "  read: {steps: [cache_get: {cache: cache, on_miss: [db_read: users, cache_set: cache]}], "
         "request_size: 0B, response_size: 0B}\n"
         "  write: {steps: [db_write: users], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: app\n  arrival: {process: poisson, rate: " +
         std::to_string(rate) + "/s}\n  mix: {read: " + std::to_string(read_rate / rate) +
         (write_rate > 0 ? ", write: " + std::to_string(write_rate / rate) : std::string()) + "}\n  keys: " + keys +
         "\n" + extra;
}

} // namespace

TEST(Cache, LruHitRatioFollowsChesApproximation)
{
  // 10,000 keys of Zipf popularity (exponent 1): Che gives 0.3905 at capacity 100 and 0.6756 at 1000.
  const auto p = test::zipf_popularities(10000, 1.0);
  for (const int capacity : {100, 1000}) {
    const double che = test::che_lru_hit_ratio(p, capacity);
    const auto out = run_yaml(cache_aside("capacity: " + std::to_string(capacity) + ", eviction: lru", 20000, 0,
                                          "{count: 10000, distribution: zipf, exponent: 1}", 22, "11"));
    const auto& c = *service(out.results, "cache").cache;
    ASSERT_GT(c.hits + c.misses, 300000u);
    EXPECT_NEAR(c.hit_ratio, che, 0.02 * che) << "capacity " << capacity << ": Che " << che;
    EXPECT_EQ(c.stale_reads, 0u) << "nothing is ever written";
  }
}

TEST(Cache, FixedTtlHitRatioIsLambdaTOverOnePlusLambdaT)
{
  // One key read at lambda = 4/s, a TTL of 0.5 s from the set: a cycle is a miss then, on average, lambda T
  // hits before the entry expires, so the hit ratio is lambda T / (1 + lambda T) = 2/3.
  const double lambda = 4, ttl = 0.5;
  const auto out = run_yaml(cache_aside("ttl: 500ms", lambda, 0, "{count: 1}", 20000, "12"));
  const auto& c = *service(out.results, "cache").cache;
  const double expected = lambda * ttl / (1 + lambda * ttl);
  ASSERT_GT(c.hits + c.misses, 60000u);
  EXPECT_NEAR(c.hit_ratio, expected, 0.01) << "hits " << c.hits << " misses " << c.misses;
  EXPECT_GT(c.expirations, 0u);
}

TEST(Cache, RefreshedTtlHitRatioIsOneMinusExpMinusLambdaT)
{
  // Refreshed on every hit, the entry lives until a gap between reads exceeds T: a read hits with
  // probability P(gap < T) = 1 - exp(-lambda T).
  const double lambda = 4, ttl = 0.5;
  const auto out =
      run_yaml(cache_aside("ttl: 500ms, ttl_mode: refreshed_on_hit", lambda, 0, "{count: 1}", 20000, "13"));
  const auto& c = *service(out.results, "cache").cache;
  EXPECT_NEAR(c.hit_ratio, 1 - std::exp(-lambda * ttl), 0.01) << "hits " << c.hits << " misses " << c.misses;
}

TEST(Cache, StaleHitsUnderATtlFollowPoissonWrites)
{
  // Writes of rate w to the key, never invalidating; a fixed TTL T. The hits of one entry's life fall
  // uniformly in (0, T) after its set, and one at age u is stale if a write came in between: a fraction
  // 1 - (1 - exp(-w T)) / (w T) of the hits (0.3679 at w T = 1).
  const double reads = 20, writes = 2, ttl = 0.5;
  const auto out = run_yaml(cache_aside("ttl: 500ms", reads, writes, "{count: 1}", 6000, "14"));
  const auto& c = *service(out.results, "cache").cache;
  const double wt = writes * ttl;
  const double expected = 1 - (1 - std::exp(-wt)) / wt;
  ASSERT_GT(c.hits, 50000u);
  EXPECT_NEAR(static_cast<double>(c.stale_reads) / static_cast<double>(c.hits), expected, 0.015)
      << c.stale_reads << " stale of " << c.hits << " hits";
}

TEST(Cache, ACrashEmptiesTheCacheAndTheMissesFallOnTheDatabase)
{
  // The cache's host is down from 30 s to 31 s: reads fail meanwhile, and after the restart the cache is
  // empty, so the interval after it has far fewer hits and the database far more reads than before.
  const auto out = run_yaml(cache_aside("capacity: 20000", 4000, 0, "{count: 100000, distribution: zipf, exponent: 1}",
                                        60, "15", "faults:\n  - {at: 30s, crash: c, for: 1s}\n"));
  const auto& r = out.results;
  EXPECT_GT(service(r, "cache").errors.at("host_down"), 0u);
  auto row = [&](const std::string& series, double time) -> const models::TimeseriesRow& {
    for (const auto& t : out.timeseries)
      if (t.series == series && std::abs(t.time - time) < 1e-9)
        return t;
    throw std::runtime_error("no row " + series);
  };
  const auto& before = row("cache", 27); // intervals of 3 s
  const auto& after = row("cache", 33);
  const auto ratio = [](const models::TimeseriesRow& t) {
    return static_cast<double>(t.cache_hits) / static_cast<double>(t.cache_hits + t.cache_misses);
  };
  EXPECT_LT(ratio(after), ratio(before) - 0.05) << "before " << ratio(before) << ", after " << ratio(after);
  EXPECT_GT(row("users", 33).completed, row("users", 27).completed);
  EXPECT_TRUE(r.checks.conserved);
}

namespace
{
// One hot key read at `rate`, cached with a fixed TTL of 1 s; a miss recomputes it with a 10 ms database read
// (on one of 64 cores: no queueing), then stores it.
std::string hot_key(bool coalesce, const std::string& seed)
{
  return "name: hot\nseed: " + seed_or(seed) +
         "\nduration: 1000s\nwarmup: 10s\n"
         "hardware:\n  hosts: [{name: app, cores: 64}, {name: c, cores: 8}, {name: db, cores: 64, speed: 1Gf}]\n"
         "  network: {bandwidth: 10Gbps, latency: 1us}\n"
         "services:\n  app: {kind: api_server, host: app, workers: 1000}\n"
         "  cache: {kind: cache, host: c, cpu: 1us, ttl: 1s, coalesce: " +
         std::string(coalesce ? "true" : "false") +
         "}\n"
         "  users: {kind: database, host: db, connections: 64, read: {cpu: 10Mf}}\n"
         "requests:\n"
         "  read: {steps: [cache_get: {cache: cache, on_miss: [db_read: users, cache_set: cache]}], "
         "request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: app\n  arrival: {process: poisson, rate: 1000/s}\n  keys: {count: 1}\n";
}
} // namespace

TEST(Cache, WithoutCoalescingEveryReadDuringARecomputationMissesToo)
{
  // Every read that arrives while the key is recomputed (R = 10 ms) misses too: about 1 + lambda R = 11
  // database reads per expiry.
  const auto out = run_yaml(hot_key(false, "16"));
  const auto& c = *service(out.results, "cache").cache;
  const double per_expiry =
      static_cast<double>(service(out.results, "users").completed) / static_cast<double>(c.expirations);
  ASSERT_GT(c.expirations, 900u);
  EXPECT_NEAR(per_expiry, 1 + 1000 * 0.010, 0.4);
  EXPECT_EQ(c.coalesced, 0u);
}

TEST(Cache, CoalescingMakesOneRecomputationPerExpiry)
{
  // The same with coalescing: exactly one database read per expiry; the reads that arrive meanwhile wait
  // for it and hit.
  const auto out = run_yaml(hot_key(true, "16"));
  const auto& c = *service(out.results, "cache").cache;
  const auto reads = service(out.results, "users").completed;
  ASSERT_GT(c.expirations, 900u);
  EXPECT_LE(reads, c.expirations + 1) << "one recomputation per expiry (the window may cut one)";
  EXPECT_GE(reads + 1, c.expirations);
  EXPECT_NEAR(static_cast<double>(c.coalesced) / static_cast<double>(c.expirations), 1000 * 0.010, 0.4);
  EXPECT_TRUE(out.results.checks.conserved);
}
