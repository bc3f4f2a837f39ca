#include "scalelab/models/cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace scalelab::models
{
namespace
{

constexpr CacheEviction kAllEvictions[] = {CacheEviction::lru, CacheEviction::lfu, CacheEviction::fifo,
                                           CacheEviction::random};
constexpr CacheTtlMode kAllTtlModes[] = {CacheTtlMode::none, CacheTtlMode::fixed, CacheTtlMode::refreshed_on_hit};

CacheConfig entries_config(std::uint64_t max_entries, CacheEviction eviction)
{
  CacheConfig c;
  c.max_entries = max_entries;
  c.eviction = eviction;
  return c;
}

std::string name(CacheEviction e, CacheTtlMode t = CacheTtlMode::none)
{
  return std::string(to_string(e)) + "/" + to_string(t);
}

// --- theory: independent reference model, Zipf popularity -------------------------------------------------

// p_i proportional to 1 / i^a for i = 1..n, most popular first.
std::vector<double> zipf_popularity(std::size_t n, double a)
{
  std::vector<double> p(n);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i)
    sum += p[i] = std::pow(static_cast<double>(i + 1), -a);
  for (double& x : p)
    x /= sum;
  return p;
}

// The t > 0 where occupancy(t) = c, for an occupancy increasing from 0 to p.size() > c (bisection).
double solve_characteristic_time(const std::vector<double>& p, double c,
                                 const std::function<double(double p_i, double t)>& h)
{
  const auto occupancy = [&](double t) {
    double sum = 0;
    for (const double pi : p)
      sum += h(pi, t);
    return sum;
  };
  double lo = 0;
  double hi = 1;
  while (occupancy(hi) < c)
    hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    (occupancy(mid) < c ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

double hit_ratio(const std::vector<double>& p, double t, const std::function<double(double p_i, double t)>& h)
{
  double sum = 0;
  for (const double pi : p)
    sum += pi * h(pi, t);
  return sum;
}

// Che, Tung and Wang 2002: an item is in an LRU cache of c items if it was requested within the last t_C
// (the characteristic time), h_i = 1 - exp(-p_i t_C), with sum_i h_i = c.
double che_lru_hit_ratio(const std::vector<double>& p, double c)
{
  const auto h = [](double pi, double t) { return -std::expm1(-pi * t); };
  return hit_ratio(p, solve_characteristic_time(p, c, h), h);
}

// Martina, Garetto and Leonardi 2014 (after Gelenbe 1973: FIFO and random have the same hit ratio under
// independent references): h_i = p_i T / (1 + p_i T), with sum_i h_i = c.
double fifo_random_hit_ratio(const std::vector<double>& p, double c)
{
  const auto h = [](double pi, double t) { return pi * t / (1 + pi * t); };
  return hit_ratio(p, solve_characteristic_time(p, c, h), h);
}

// Perfect LFU under independent references holds the c most popular items.
double top_c_probability(const std::vector<double>& p, std::size_t c)
{
  double sum = 0;
  for (std::size_t i = 0; i < c; ++i)
    sum += p[i];
  return sum;
}

TEST(KeyCacheTheory, CheSolverReproducesThePublishedValues)
{
  // Che et al. 2002, for 10,000 items with Zipf exponent 1 (also quoted by Fricker, Robert and Roberts 2012).
  const std::vector<double> p = zipf_popularity(10'000, 1.0);
  EXPECT_NEAR(che_lru_hit_ratio(p, 100), 0.3905, 5e-5);
  EXPECT_NEAR(che_lru_hit_ratio(p, 1000), 0.6756, 5e-5);
}

// --- simulation of independent references --------------------------------------------------------------

struct Measured {
  double hit_ratio;
  double standard_error; // from batch means
};

// Runs `request` (which returns whether it hit) `warmup` times uncounted, then in batches whose means give
// the hit ratio and its standard error.
template <class Request> Measured measure(Request&& request, int warmup, int batches, int batch_size)
{
  for (int i = 0; i < warmup; ++i)
    request();
  std::vector<double> means;
  for (int b = 0; b < batches; ++b) {
    int hits = 0;
    for (int i = 0; i < batch_size; ++i)
      hits += request() ? 1 : 0;
    means.push_back(static_cast<double>(hits) / batch_size);
  }
  double mean = 0;
  for (const double m : means)
    mean += m;
  mean /= batches;
  double var = 0;
  for (const double m : means)
    var += (m - mean) * (m - mean);
  var /= batches - 1;
  return {mean, std::sqrt(var / batches)};
}

// Cache-aside under independent Zipf references: get, and set on a miss.
Measured run_zipf(KeyCache& cache, std::uint64_t n, double exponent, int warmup, int batches, int batch_size,
                  std::uint64_t seed)
{
  const ZipfSampler zipf(n, exponent);
  Rng rng(seed);
  SimTime now = 0;
  const auto request = [&] {
    const std::uint64_t key = zipf.sample(rng);
    const bool hit = cache.get(key, now).hit;
    if (!hit)
      cache.set(key, 0, 1, now);
    ++now;
    return hit;
  };
  return measure(request, warmup, batches, batch_size);
}

// The claims below are "within 2 % (relative) of the formula"; the runs are long enough that 2 % is at least
// four standard errors of the measurement, which the test checks too (else a pass would mean little).
constexpr double kRelativeTolerance = 0.02;
constexpr double kMinSigmas = 4;

void expect_within_2_percent(const Measured& m, double theory, const std::string& what)
{
  const double tolerance = kRelativeTolerance * theory;
  EXPECT_GE(tolerance, kMinSigmas * m.standard_error) << what << ": the run is too short for the tolerance";
  EXPECT_NEAR(m.hit_ratio, theory, tolerance) << what << " (standard error " << m.standard_error << ")";
}

constexpr std::uint64_t kZipfKeys = 10'000;
constexpr int kWarmup = 200'000;
constexpr int kBatches = 20;
constexpr int kBatchSize = 50'000;

Measured run_zipf_policy(CacheEviction eviction, std::uint64_t capacity, std::uint64_t seed)
{
  KeyCache cache(entries_config(capacity, eviction), Rng(seed + 1000));
  return run_zipf(cache, kZipfKeys, 1.0, kWarmup, kBatches, kBatchSize, seed);
}

TEST(KeyCacheTheory, LruHitRatioIsWithin2PercentOfChe)
{
  const std::vector<double> p = zipf_popularity(kZipfKeys, 1.0);
  for (const std::uint64_t c : {100, 1000}) {
    const Measured m = run_zipf_policy(CacheEviction::lru, c, 1);
    expect_within_2_percent(m, che_lru_hit_ratio(p, static_cast<double>(c)), "LRU, C = " + std::to_string(c));
  }
}

TEST(KeyCacheTheory, FifoHitRatioIsWithin2PercentOfMartina)
{
  const std::vector<double> p = zipf_popularity(kZipfKeys, 1.0);
  for (const std::uint64_t c : {100, 1000}) {
    const Measured m = run_zipf_policy(CacheEviction::fifo, c, 2);
    expect_within_2_percent(m, fifo_random_hit_ratio(p, static_cast<double>(c)), "FIFO, C = " + std::to_string(c));
  }
}

TEST(KeyCacheTheory, RandomEvictionHitRatioIsWithin2PercentOfMartina)
{
  const std::vector<double> p = zipf_popularity(kZipfKeys, 1.0);
  for (const std::uint64_t c : {100, 1000}) {
    const Measured m = run_zipf_policy(CacheEviction::random, c, 3);
    expect_within_2_percent(m, fifo_random_hit_ratio(p, static_cast<double>(c)), "random, C = " + std::to_string(c));
  }
}

TEST(KeyCacheTheory, InCacheLfuLiesBetweenLruAndPerfectLfu)
{
  const std::vector<double> p = zipf_popularity(kZipfKeys, 1.0);
  for (const std::uint64_t c : {100, 1000}) {
    const Measured lfu = run_zipf_policy(CacheEviction::lfu, c, 4);
    const double lru = che_lru_hit_ratio(p, static_cast<double>(c));
    const double perfect = top_c_probability(p, c);
    const std::string what = "LFU, C = " + std::to_string(c);
    EXPECT_GT(lfu.hit_ratio - kMinSigmas * lfu.standard_error, lru) << what;
    EXPECT_LT(lfu.hit_ratio + kMinSigmas * lfu.standard_error, perfect) << what;
  }
}

// --- TTL: Poisson references to one key ------------------------------------------------------------------

Measured run_poisson_one_key(CacheTtlMode mode, double lambda_t, std::uint64_t seed)
{
  constexpr double kRate = 1000; // references per second
  CacheConfig config;
  config.ttl_mode = mode;
  config.ttl = from_seconds(lambda_t / kRate);
  KeyCache cache(config, Rng(seed));
  Rng rng(seed);
  SimTime now = 0;
  const auto request = [&] {
    now += from_seconds(rng.exponential(1 / kRate));
    const bool hit = cache.get(42, now).hit;
    if (!hit)
      cache.set(42, 0, 100, now);
    return hit;
  };
  return measure(request, 1000, 20, 50'000);
}

TEST(KeyCacheTheory, TtlFixedAtInsertionHitRatioIsLambdaTOverOnePlusLambdaT)
{
  // A miss starts a cycle: the entry lives T, collecting Poisson(lambda T) hits, then the next reference misses.
  for (const double lambda_t : {0.5, 1.0, 5.0}) {
    const Measured m = run_poisson_one_key(CacheTtlMode::fixed, lambda_t, 11);
    expect_within_2_percent(m, lambda_t / (1 + lambda_t), "fixed TTL, lambda T = " + std::to_string(lambda_t));
  }
}

TEST(KeyCacheTheory, TtlRefreshedOnHitHitRatioIsOneMinusExpMinusLambdaT)
{
  // A reference hits when the previous one came less than T before: P(exponential gap < T).
  for (const double lambda_t : {0.5, 1.0, 5.0}) {
    const Measured m = run_poisson_one_key(CacheTtlMode::refreshed_on_hit, lambda_t, 12);
    expect_within_2_percent(m, -std::expm1(-lambda_t), "refreshed TTL, lambda T = " + std::to_string(lambda_t));
  }
}

// --- exact behaviour on small cases ----------------------------------------------------------------------

std::vector<std::uint64_t> keys(std::initializer_list<std::uint64_t> k)
{
  return k;
}

TEST(KeyCache, LruEvictsTheLeastRecentlyUsed)
{
  KeyCache cache(entries_config(3, CacheEviction::lru), Rng(1));
  for (const std::uint64_t k : {1, 2, 3})
    cache.set(k, k * 10, 1, 0);
  EXPECT_TRUE(cache.get(1, 0).hit);
  EXPECT_EQ(cache.keys_in_eviction_order(), keys({2, 3, 1}));
  const CacheStore s = cache.set(4, 40, 1, 0);
  EXPECT_TRUE(s.stored);
  EXPECT_EQ(s.evicted, 1u);
  EXPECT_FALSE(cache.peek(2, 0).hit);
  EXPECT_EQ(cache.keys_in_eviction_order(), keys({3, 1, 4}));
  cache.set(3, 31, 1, 0); // an overwrite is an access
  EXPECT_EQ(cache.keys_in_eviction_order(), keys({1, 4, 3}));
  EXPECT_EQ(cache.counters().evictions, 1u);
}

TEST(KeyCache, FifoEvictsTheOldestInsertionWhateverItsHits)
{
  KeyCache cache(entries_config(3, CacheEviction::fifo), Rng(1));
  for (const std::uint64_t k : {1, 2, 3})
    cache.set(k, k * 10, 1, 0);
  EXPECT_TRUE(cache.get(1, 0).hit);
  cache.set(1, 11, 1, 0); // an overwrite keeps its place too
  EXPECT_EQ(cache.keys_in_eviction_order(), keys({1, 2, 3}));
  cache.set(4, 40, 1, 0);
  EXPECT_EQ(cache.keys_in_eviction_order(), keys({2, 3, 4}));
  EXPECT_FALSE(cache.peek(1, 0).hit);
}

TEST(KeyCache, LfuEvictsTheLeastFrequentAndBreaksTiesByLeastRecentUse)
{
  KeyCache cache(entries_config(3, CacheEviction::lfu), Rng(1));
  for (const std::uint64_t k : {1, 2, 3})
    cache.set(k, k * 10, 1, 0); // counts 1, 1, 1
  cache.get(1, 0);              // 2
  cache.get(1, 0);              // 3
  cache.get(3, 0);              // 2
  cache.get(2, 0);              // 2, used after 3
  EXPECT_EQ(cache.keys_in_eviction_order(), keys({3, 2, 1}));
  cache.set(4, 40, 1, 0); // evicts 3: count 2, least recently used among the 2s
  EXPECT_EQ(cache.keys_in_eviction_order(), keys({4, 2, 1}));
  cache.set(5, 50, 1, 0); // evicts 4: a newcomer has the lowest count
  EXPECT_EQ(cache.keys_in_eviction_order(), keys({5, 2, 1}));
  cache.erase(5);
  cache.set(6, 60, 1, 0);
  cache.get(6, 0);
  cache.get(6, 0);
  cache.get(6, 0); // 4, the highest
  EXPECT_EQ(cache.keys_in_eviction_order(), keys({2, 1, 6}));
}

TEST(KeyCache, RandomEvictionPicksEachEntryEquallyOften)
{
  constexpr int kEntries = 10;
  constexpr int kTrials = 20'000;
  KeyCache cache(entries_config(kEntries, CacheEviction::random), Rng(5));
  std::vector<int> evicted(kEntries + 1, 0);
  for (int t = 0; t < kTrials; ++t) {
    cache.clear();
    for (std::uint64_t k = 0; k < kEntries; ++k)
      cache.set(k, 0, 1, 0);
    cache.set(kEntries, 0, 1, 0);
    for (std::uint64_t k = 0; k < kEntries; ++k)
      evicted[k] += !cache.peek(k, 0).hit;
  }
  const double p = 1.0 / kEntries;
  for (std::uint64_t k = 0; k < kEntries; ++k)
    EXPECT_NEAR(evicted[k], p * kTrials, 5 * std::sqrt(p * (1 - p) * kTrials)) << "key " << k;
}

TEST(KeyCache, GetReturnsTheVersionAndSizeLastSet)
{
  for (const CacheEviction e : kAllEvictions) {
    KeyCache cache(entries_config(10, e), Rng(1));
    EXPECT_FALSE(cache.get(7, 0).hit);
    cache.set(7, 3, 100, 0);
    cache.set(7, 2, 50, 0); // an older version overwrites a newer one: the cache stores what it is given
    const CacheLookup r = cache.get(7, 0);
    EXPECT_TRUE(r.hit) << name(e);
    EXPECT_EQ(r.version, 2u) << name(e);
    EXPECT_EQ(r.bytes, 50u) << name(e);
    EXPECT_EQ(cache.bytes(), 50u) << name(e);
    EXPECT_EQ(cache.counters().inserts, 1u) << name(e);
    EXPECT_EQ(cache.counters().updates, 1u) << name(e);
    EXPECT_EQ(cache.counters().hits, 1u) << name(e);
    EXPECT_EQ(cache.counters().misses, 1u) << name(e);
  }
}

TEST(KeyCache, EraseInvalidates)
{
  for (const CacheEviction e : kAllEvictions) {
    KeyCache cache(entries_config(10, e), Rng(1));
    cache.set(1, 1, 10, 0);
    cache.set(2, 1, 20, 0);
    EXPECT_TRUE(cache.erase(1)) << name(e);
    EXPECT_FALSE(cache.erase(1)) << name(e);
    EXPECT_FALSE(cache.get(1, 0).hit) << name(e);
    EXPECT_TRUE(cache.get(2, 0).hit) << name(e);
    EXPECT_EQ(cache.size(), 1u) << name(e);
    EXPECT_EQ(cache.bytes(), 20u) << name(e);
    EXPECT_EQ(cache.counters().invalidations, 1u) << name(e);
  }
}

TEST(KeyCache, ClearEmptiesTheCacheAndKeepsTheCounters)
{
  for (const CacheEviction e : kAllEvictions) {
    KeyCache cache(entries_config(100, e), Rng(1));
    for (std::uint64_t k = 0; k < 150; ++k)
      cache.set(k, k, 8, 0);
    cache.get(149, 0);
    cache.clear();
    EXPECT_EQ(cache.size(), 0u) << name(e);
    EXPECT_EQ(cache.bytes(), 0u) << name(e);
    EXPECT_TRUE(cache.keys_in_eviction_order().empty()) << name(e);
    for (std::uint64_t k = 0; k < 150; ++k)
      EXPECT_FALSE(cache.peek(k, 0).hit) << name(e) << " key " << k;
    EXPECT_FALSE(cache.get(149, 0).hit) << name(e);
    EXPECT_EQ(cache.counters().clears, 1u) << name(e);
    EXPECT_EQ(cache.counters().hits, 1u) << name(e);
    EXPECT_EQ(cache.counters().evictions, 50u) << name(e);
    // It fills again as a new cache would.
    for (std::uint64_t k = 0; k < 150; ++k)
      cache.set(k, k, 8, 0);
    EXPECT_EQ(cache.size(), 100u) << name(e);
    EXPECT_EQ(cache.counters().evictions, 100u) << name(e);
  }
}

TEST(KeyCache, ZeroCapacityStoresNothing)
{
  CacheConfig by_count = entries_config(0, CacheEviction::lru);
  CacheConfig by_bytes;
  by_bytes.max_bytes = 0;
  for (const CacheConfig& config : {by_count, by_bytes}) {
    KeyCache cache(config, Rng(1));
    EXPECT_FALSE(cache.set(1, 1, 1, 0).stored);
    EXPECT_FALSE(cache.get(1, 0).hit);
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_EQ(cache.counters().rejected, 1u);
  }
}

TEST(KeyCache, ATtlModeNeedsAPositiveTtl)
{
  CacheConfig config;
  config.ttl_mode = CacheTtlMode::fixed;
  EXPECT_THROW(KeyCache(config, Rng(1)), std::invalid_argument);
  config.ttl = -1;
  EXPECT_THROW(KeyCache(config, Rng(1)), std::invalid_argument);
  config.ttl_mode = CacheTtlMode::none; // a ttl without a mode is ignored
  EXPECT_NO_THROW(KeyCache(config, Rng(1)));
}

TEST(KeyCache, YamlSpellings)
{
  EXPECT_STREQ(to_string(CacheEviction::lru), "lru");
  EXPECT_STREQ(to_string(CacheEviction::lfu), "lfu");
  EXPECT_STREQ(to_string(CacheEviction::fifo), "fifo");
  EXPECT_STREQ(to_string(CacheEviction::random), "random");
  EXPECT_STREQ(to_string(CacheTtlMode::none), "none");
  EXPECT_STREQ(to_string(CacheTtlMode::fixed), "fixed");
  EXPECT_STREQ(to_string(CacheTtlMode::refreshed_on_hit), "refreshed_on_hit");
}

// --- byte capacity -----------------------------------------------------------------------------------------

TEST(KeyCache, ByteCapacityIsNeverExceeded)
{
  constexpr std::uint64_t kMaxBytes = 10'000;
  for (const CacheEviction e : kAllEvictions) {
    CacheConfig config;
    config.max_bytes = kMaxBytes;
    config.eviction = e;
    KeyCache cache(config, Rng(3));
    Rng rng(4);
    std::uint64_t evicted = 0;
    for (int i = 0; i < 20'000; ++i) {
      const std::uint64_t key = rng.below(200);
      const auto bytes = static_cast<std::uint32_t>(1 + rng.below(2000));
      const std::uint64_t others = cache.bytes() - cache.peek(key, 0).bytes; // peek gives 0 bytes on a miss
      const CacheStore s = cache.set(key, static_cast<std::uint64_t>(i), bytes, 0);
      ASSERT_TRUE(s.stored);
      ASSERT_LE(cache.bytes(), kMaxBytes) << name(e);
      ASSERT_EQ(cache.peek(key, 0).bytes, bytes) << name(e) << ": the key set is never its own victim";
      if (others + bytes <= kMaxBytes) {
        ASSERT_EQ(s.evicted, 0u) << name(e) << ": nothing is evicted when the value fits as it is";
      }
      evicted += s.evicted;
    }
    EXPECT_EQ(cache.counters().evictions, evicted) << name(e);
    EXPECT_GT(evicted, 0u) << name(e);
  }
}

TEST(KeyCache, TooLargeAValueIsNotStoredAndDropsTheOldOne)
{
  CacheConfig config;
  config.max_bytes = 1000;
  KeyCache cache(config, Rng(1));
  cache.set(1, 1, 500, 0);
  cache.set(2, 1, 400, 0);
  const CacheStore s = cache.set(1, 2, 1001, 0);
  EXPECT_FALSE(s.stored);
  EXPECT_FALSE(cache.get(1, 0).hit); // version 1 must not be read after version 2 was written
  EXPECT_TRUE(cache.get(2, 0).hit);  // and nothing else was pushed out
  EXPECT_EQ(cache.bytes(), 400u);
  EXPECT_EQ(cache.counters().rejected, 1u);
  EXPECT_EQ(cache.counters().evictions, 0u);
}

TEST(KeyCache, AGrowingOverwriteEvictsOthersNeverItself)
{
  for (const CacheEviction e : kAllEvictions) {
    CacheConfig config;
    config.max_bytes = 1000;
    config.eviction = e;
    KeyCache cache(config, Rng(1));
    for (std::uint64_t k = 0; k < 10; ++k)
      cache.set(k, 0, 100, 0);
    const std::uint64_t first = cache.keys_in_eviction_order().front();
    const CacheStore s = cache.set(first, 1, 1000, 0);
    EXPECT_TRUE(s.stored) << name(e);
    EXPECT_EQ(s.evicted, 9u) << name(e);
    EXPECT_EQ(cache.size(), 1u) << name(e);
    EXPECT_EQ(cache.get(first, 0).version, 1u) << name(e);
  }
}

// --- TTL, exactly ------------------------------------------------------------------------------------------

TEST(KeyCache, FixedTtlExpiresTtlAfterTheSetWhateverTheHits)
{
  CacheConfig config;
  config.ttl_mode = CacheTtlMode::fixed;
  config.ttl = 100;
  KeyCache cache(config, Rng(1));
  cache.set(1, 1, 1, 0);
  EXPECT_TRUE(cache.get(1, 50).hit);
  EXPECT_TRUE(cache.get(1, 99).hit);
  const CacheLookup r = cache.get(1, 100);
  EXPECT_FALSE(r.hit);
  EXPECT_TRUE(r.expired);
  EXPECT_EQ(cache.size(), 0u); // removed when found
  EXPECT_EQ(cache.counters().expirations, 1u);
  EXPECT_EQ(cache.counters().misses, 1u);
  cache.set(1, 2, 1, 100);
  cache.set(1, 3, 1, 150); // an overwrite restarts the clock
  EXPECT_TRUE(cache.get(1, 249).hit);
  EXPECT_FALSE(cache.get(1, 250).hit);
}

TEST(KeyCache, RefreshedTtlExpiresTtlAfterTheLastHit)
{
  CacheConfig config;
  config.ttl_mode = CacheTtlMode::refreshed_on_hit;
  config.ttl = 100;
  KeyCache cache(config, Rng(1));
  cache.set(1, 1, 1, 0);
  EXPECT_TRUE(cache.get(1, 99).hit);
  EXPECT_TRUE(cache.get(1, 198).hit);
  EXPECT_TRUE(cache.peek(1, 297).hit);
  EXPECT_FALSE(cache.peek(1, 298).hit); // peek changes nothing
  EXPECT_TRUE(cache.get(1, 297).hit);
  EXPECT_FALSE(cache.get(1, 397).hit);
  EXPECT_EQ(cache.counters().expirations, 1u);
}

TEST(KeyCache, AnExpiredEntryIsReinsertedAsNew)
{
  CacheConfig config = entries_config(2, CacheEviction::lfu);
  config.ttl_mode = CacheTtlMode::fixed;
  config.ttl = 100;
  KeyCache cache(config, Rng(1));
  cache.set(1, 1, 1, 0);
  for (int i = 0; i < 5; ++i)
    cache.get(1, 10);     // count 6
  cache.set(2, 1, 1, 50); // count 1
  const CacheStore s = cache.set(1, 2, 1, 120);
  EXPECT_TRUE(s.stored);
  EXPECT_EQ(s.expired, 1u);
  EXPECT_EQ(cache.counters().inserts, 3u);
  EXPECT_EQ(cache.counters().updates, 0u);
  // Key 1 starts again at count 1, after key 2 in recency: key 2 goes first.
  EXPECT_EQ(cache.keys_in_eviction_order(), keys({2, 1}));
}

TEST(KeyCache, AnExpiredVictimCountsAsAnExpirationNotAnEviction)
{
  CacheConfig config = entries_config(2, CacheEviction::lru);
  config.ttl_mode = CacheTtlMode::fixed;
  config.ttl = 100;
  KeyCache cache(config, Rng(1));
  cache.set(1, 1, 1, 0);
  cache.set(2, 1, 1, 150);
  const CacheStore s = cache.set(3, 1, 1, 160); // key 1 (expired at 100) is the LRU victim
  EXPECT_EQ(s.evicted, 0u);
  EXPECT_EQ(s.expired, 1u);
  const CacheStore t = cache.set(4, 1, 1, 170); // key 2 is live
  EXPECT_EQ(t.evicted, 1u);
  EXPECT_EQ(cache.counters().expirations, 1u);
  EXPECT_EQ(cache.counters().evictions, 1u);
}

// --- determinism ---------------------------------------------------------------------------------------------

std::vector<std::uint64_t> eviction_trace(std::uint64_t seed)
{
  KeyCache cache(entries_config(50, CacheEviction::random), Rng(seed));
  const ZipfSampler zipf(1000, 0.8);
  Rng requests(99); // the same requests for every cache seed
  std::vector<std::uint64_t> trace;
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t key = zipf.sample(requests);
    if (!cache.get(key, 0).hit) {
      const std::vector<std::uint64_t> before = cache.keys_in_eviction_order();
      if (cache.set(key, 0, 1, 0).evicted > 0)
        for (const std::uint64_t k : before)
          if (!cache.peek(k, 0).hit)
            trace.push_back(k);
    }
  }
  return trace;
}

TEST(KeyCache, RandomEvictionSameSeedSameEvictions)
{
  const std::vector<std::uint64_t> a = eviction_trace(7);
  EXPECT_GT(a.size(), 1000u);
  EXPECT_EQ(a, eviction_trace(7));
  EXPECT_NE(a, eviction_trace(8));
}

// --- against a plainly written reference -------------------------------------------------------------------

// The same contract written the obvious way (a map, victims found by scanning), for LRU, LFU and FIFO.
class ReferenceCache
{
public:
  explicit ReferenceCache(const CacheConfig& c) : c_(c) {}

  CacheLookup get(std::uint64_t key, SimTime now)
  {
    CacheLookup out;
    auto it = m_.find(key);
    if (it == m_.end()) {
      ++counters.misses;
      return out;
    }
    if (expired(it->second, now)) {
      m_.erase(it);
      ++counters.expirations;
      ++counters.misses;
      out.expired = true;
      return out;
    }
    access(it->second);
    if (c_.ttl_mode == CacheTtlMode::refreshed_on_hit)
      it->second.expiry = now + c_.ttl;
    ++counters.hits;
    out.hit = true;
    out.version = it->second.version;
    out.bytes = it->second.bytes;
    return out;
  }

  CacheStore set(std::uint64_t key, std::uint64_t version, std::uint32_t bytes, SimTime now)
  {
    CacheStore out;
    auto it = m_.find(key);
    if (it != m_.end() && expired(it->second, now)) {
      m_.erase(it);
      ++counters.expirations;
      ++out.expired;
      it = m_.end();
    }
    if (c_.max_entries == 0 || bytes > c_.max_bytes) {
      if (it != m_.end())
        m_.erase(it);
      ++counters.rejected;
      return out;
    }
    const bool held = it != m_.end();
    if (held) {
      it->second.version = version;
      it->second.bytes = bytes;
      it->second.expiry = now + c_.ttl;
      access(it->second);
      ++counters.updates;
    }
    const std::uint64_t extra = held ? 0 : 1;
    const std::uint64_t extra_bytes = held ? 0 : bytes;
    while (m_.size() + extra > c_.max_entries || total_bytes() + extra_bytes > c_.max_bytes) {
      auto v = victim(key);
      if (expired(v->second, now)) {
        ++counters.expirations;
        ++out.expired;
      } else {
        ++counters.evictions;
        ++out.evicted;
      }
      m_.erase(v);
    }
    if (!held) {
      Item item{version, bytes, now + c_.ttl, stamp_, stamp_, 1};
      ++stamp_;
      m_[key] = item;
      ++counters.inserts;
    }
    out.stored = true;
    return out;
  }

  bool erase(std::uint64_t key)
  {
    if (m_.erase(key) == 0)
      return false;
    ++counters.invalidations;
    return true;
  }

  std::vector<std::uint64_t> keys_in_eviction_order() const
  {
    std::vector<std::pair<std::tuple<std::uint64_t, std::uint64_t>, std::uint64_t>> order;
    for (const auto& [key, item] : m_)
      order.push_back({rank(item), key});
    std::sort(order.begin(), order.end());
    std::vector<std::uint64_t> out;
    for (const auto& o : order)
      out.push_back(o.second);
    return out;
  }

  std::uint64_t total_bytes() const
  {
    std::uint64_t sum = 0;
    for (const auto& kv : m_)
      sum += kv.second.bytes;
    return sum;
  }

  CacheCounters counters;

private:
  struct Item {
    std::uint64_t version;
    std::uint32_t bytes;
    SimTime expiry;
    std::uint64_t inserted;
    std::uint64_t used;
    std::uint64_t count;
  };

  bool expired(const Item& item, SimTime now) const { return c_.ttl_mode != CacheTtlMode::none && now >= item.expiry; }
  void access(Item& item)
  {
    item.used = stamp_++;
    ++item.count;
  }
  std::tuple<std::uint64_t, std::uint64_t> rank(const Item& item) const
  {
    switch (c_.eviction) {
    case CacheEviction::lru:
      return {0, item.used};
    case CacheEviction::lfu:
      return {item.count, item.used};
    default:
      return {0, item.inserted};
    }
  }
  std::map<std::uint64_t, Item>::iterator victim(std::uint64_t exclude)
  {
    auto best = m_.end();
    for (auto it = m_.begin(); it != m_.end(); ++it)
      if (it->first != exclude && (best == m_.end() || rank(it->second) < rank(best->second)))
        best = it;
    return best;
  }

  CacheConfig c_;
  std::map<std::uint64_t, Item> m_;
  std::uint64_t stamp_ = 0;
};

bool same(const CacheCounters& a, const CacheCounters& b)
{
  return a.hits == b.hits && a.misses == b.misses && a.expirations == b.expirations && a.evictions == b.evictions &&
         a.inserts == b.inserts && a.updates == b.updates && a.rejected == b.rejected &&
         a.invalidations == b.invalidations;
}

// Random gets, sets (sizes up to 1/4 of the byte capacity, some too large), erases and occasional clears over
// a small key space, compared call by call. Many keys share hash chains, so erasure is well exercised.
void compare_with_reference(const CacheConfig& config, std::uint64_t seed)
{
  KeyCache cache(config, Rng(seed));
  ReferenceCache reference(config);
  Rng rng(seed);
  SimTime now = 0;
  const std::string what = name(config.eviction, config.ttl_mode) + " entries " + std::to_string(config.max_entries) +
                           " bytes " + std::to_string(config.max_bytes);
  for (int i = 0; i < 10'000; ++i) {
    now += static_cast<SimTime>(rng.below(20));
    const std::uint64_t key = rng.below(60);
    const std::uint64_t op = rng.below(100);
    if (op < 55) {
      const CacheLookup a = cache.get(key, now);
      const CacheLookup b = reference.get(key, now);
      ASSERT_EQ(a.hit, b.hit) << what << " op " << i;
      ASSERT_EQ(a.expired, b.expired) << what << " op " << i;
      ASSERT_EQ(a.version, b.version) << what << " op " << i;
      ASSERT_EQ(a.bytes, b.bytes) << what << " op " << i;
    } else if (op < 93) {
      const auto bytes = static_cast<std::uint32_t>(1 + rng.below(300));
      const CacheStore a = cache.set(key, static_cast<std::uint64_t>(i), bytes, now);
      const CacheStore b = reference.set(key, static_cast<std::uint64_t>(i), bytes, now);
      ASSERT_EQ(a.stored, b.stored) << what << " op " << i;
      ASSERT_EQ(a.evicted, b.evicted) << what << " op " << i;
      ASSERT_EQ(a.expired, b.expired) << what << " op " << i;
    } else if (op < 99) {
      ASSERT_EQ(cache.erase(key), reference.erase(key)) << what << " op " << i;
    } else if (rng.below(10) == 0) {
      cache.clear();
      reference = ReferenceCache(config);
      reference.counters = cache.counters(); // the reference starts again; the counters carry on
    }
    ASSERT_TRUE(same(cache.counters(), reference.counters)) << what << " op " << i;
    if (i % 8 == 0) { // whole states now and then: each op's outcome shows a wrong victim soon enough
      ASSERT_EQ(cache.keys_in_eviction_order(), reference.keys_in_eviction_order()) << what << " op " << i;
      ASSERT_EQ(cache.bytes(), reference.total_bytes()) << what << " op " << i;
    }
  }
}

TEST(KeyCache, MatchesAPlainlyWrittenReference)
{
  for (const CacheEviction e : {CacheEviction::lru, CacheEviction::lfu, CacheEviction::fifo})
    for (const CacheTtlMode t : kAllTtlModes)
      for (const auto& [entries, bytes] :
           {std::pair<std::uint64_t, std::uint64_t>{20, kCacheUnlimited}, {kCacheUnlimited, 2000}, {25, 3000}}) {
        CacheConfig config;
        config.eviction = e;
        config.ttl_mode = t;
        config.ttl = t == CacheTtlMode::none ? 0 : 400;
        config.max_entries = entries;
        config.max_bytes = bytes;
        compare_with_reference(config, 17);
      }
}

TEST(KeyCache, EveryKeyStaysReachableThroughManyErasures)
{
  // 12 entries keep the hash table at its smallest, 16 slots 3/4 full: long probe runs that wrap around the
  // end of the table, where deletion by backward shift is easiest to get wrong.
  for (const CacheEviction e : kAllEvictions) {
    KeyCache cache(entries_config(12, e), Rng(1));
    Rng rng(2);
    for (int i = 0; i < 5'000; ++i) {
      const std::uint64_t key = rng.below(100);
      if (rng.below(3) == 0)
        cache.erase(key);
      else
        cache.set(key, key, 1, 0);
      const std::vector<std::uint64_t> held = cache.keys_in_eviction_order();
      for (const std::uint64_t k : held)
        ASSERT_TRUE(cache.peek(k, 0).hit) << name(e) << " op " << i << " key " << k;
      std::uint64_t found = 0;
      for (std::uint64_t k = 0; k < 100; ++k)
        found += cache.peek(k, 0).hit ? 1 : 0;
      ASSERT_EQ(found, held.size()) << name(e) << " op " << i;
      ASSERT_EQ(found, cache.size()) << name(e) << " op " << i;
    }
  }
}

// --- memory -------------------------------------------------------------------------------------------------

TEST(KeyCache, AMillionEntriesFitWellUnder100MB)
{
  // The largest layout: LFU buckets and a TTL (the other policies have the same entries and no buckets). The
  // figure counts the containers' capacities; docs/cache-model.md has the process's own measurement.
  CacheConfig config = entries_config(1'000'000, CacheEviction::lfu);
  config.ttl_mode = CacheTtlMode::fixed;
  config.ttl = kNanosPerSecond;
  KeyCache cache(config, Rng(1));
  for (std::uint64_t k = 0; k < 1'000'000; ++k) {
    cache.set(k, k, 100, 0);
    for (std::uint64_t hits = 0; k < 1000 && hits < k % 4; ++hits)
      cache.get(k, 0); // four distinct counts
  }
  EXPECT_EQ(cache.size(), 1'000'000u);
  EXPECT_LT(cache.memory_bytes(), 64u * 1'000'000u);
}

} // namespace
} // namespace scalelab::models
