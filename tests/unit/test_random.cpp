#include "scalelab/models/random.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <stdexcept>
#include <vector>

namespace scalelab::models
{
namespace
{

// Statistical checks use fixed seeds, so they are deterministic; the tolerances (5 standard errors) only
// make sure that a correct implementation passes with any seed one might pick instead.
constexpr double kSigmas = 5;

double mean_tolerance(double sd, double n)
{
  return kSigmas * sd / std::sqrt(n);
}

// Standard error of a frequency estimated from n draws.
double frequency_tolerance(double p, double n)
{
  return kSigmas * std::sqrt(p * (1 - p) / n);
}

TEST(Rng, GoldenValues)
{
  // Pinned so that any change to seeding or to the generator is noticed: it would change every simulation.
  Rng rng(42);
  EXPECT_EQ(rng.next_u64(), 0x15780b2e0c2ec716ULL);
  EXPECT_EQ(rng.next_u64(), 0x6104d9866d113a7eULL);
  EXPECT_EQ(rng.next_u64(), 0xae17533239e499a1ULL);
  EXPECT_EQ(rng.next_u64(), 0xecb8ad4703b360a1ULL);
  EXPECT_EQ(rng.next_u64(), 0xfde6dc7fe2ec5e64ULL);

  Rng derived = Rng::derive(42, 7);
  EXPECT_EQ(derived.next_u64(), 0xcd3f8ab0bfabd043ULL);

  Rng zero(0); // seed 0 is valid: splitmix64 never leaves the state all zero
  EXPECT_EQ(zero.next_u64(), 0x99ec5f36cb75f2b4ULL);
}

TEST(Rng, SameSeedSameSequence)
{
  Rng a(123);
  Rng b(123);
  Rng c(124);
  int differences = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = a.next_u64();
    ASSERT_EQ(x, b.next_u64());
    differences += x != c.next_u64();
  }
  EXPECT_EQ(differences, 1000);

  Rng d = Rng::derive(5, 9);
  Rng e = Rng::derive(5, 9);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(d.normal(), e.normal());
    ASSERT_EQ(d.below(77), e.below(77));
  }
}

TEST(Rng, DerivedStreamsAreDistinct)
{
  std::set<std::uint64_t> first_outputs;
  for (std::uint64_t id = 0; id < 10000; ++id) {
    Rng r = Rng::derive(1, id);
    first_outputs.insert(r.next_u64());
  }
  EXPECT_EQ(first_outputs.size(), 10000u);
  // The seed matters as much as the id.
  EXPECT_NE(Rng::derive(1, 2).next_u64(), Rng::derive(2, 1).next_u64());
  EXPECT_NE(Rng::derive(1, 0).next_u64(), Rng(1).next_u64());
}

TEST(Rng, ConsecutiveStreamsAreUncorrelated)
{
  constexpr int kSamples = 100000;
  for (std::uint64_t id = 0; id < 10; ++id) {
    Rng a = Rng::derive(2024, id);
    Rng b = Rng::derive(2024, id + 1);
    double sum_a = 0, sum_b = 0, sum_ab = 0, sum_aa = 0, sum_bb = 0;
    for (int i = 0; i < kSamples; ++i) {
      const double x = a.uniform01();
      const double y = b.uniform01();
      sum_a += x;
      sum_b += y;
      sum_ab += x * y;
      sum_aa += x * x;
      sum_bb += y * y;
    }
    const double n = kSamples;
    const double cov = sum_ab / n - (sum_a / n) * (sum_b / n);
    const double var_a = sum_aa / n - (sum_a / n) * (sum_a / n);
    const double var_b = sum_bb / n - (sum_b / n) * (sum_b / n);
    const double r = cov / std::sqrt(var_a * var_b);
    EXPECT_LT(std::fabs(r), kSigmas / std::sqrt(n)) << "streams " << id << " and " << id + 1;
  }
}

TEST(Rng, UniformRangesAndMean)
{
  Rng rng(7);
  constexpr int kSamples = 1000000;
  double sum = 0;
  double sum_open = 0;
  for (int i = 0; i < kSamples; ++i) {
    const double u = rng.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    const double v = rng.uniform01_open();
    ASSERT_GT(v, 0.0);
    ASSERT_LE(v, 1.0);
    sum_open += v;
  }
  const double tolerance = mean_tolerance(1 / std::sqrt(12.0), kSamples);
  EXPECT_NEAR(sum / kSamples, 0.5, tolerance);
  EXPECT_NEAR(sum_open / kSamples, 0.5, tolerance);
}

TEST(Rng, BelowStaysInRange)
{
  Rng rng(11);
  const std::uint64_t bounds[] = {
      1, 2, 3, 7, 1000, (1ULL << 32) + 1, (1ULL << 63) + 1, std::numeric_limits<std::uint64_t>::max()};
  for (const std::uint64_t n : bounds)
    for (int i = 0; i < 10000; ++i)
      ASSERT_LT(rng.below(n), n) << n;
  EXPECT_EQ(rng.below(1), 0u);
  EXPECT_THROW(rng.below(0), std::invalid_argument);
}

TEST(Rng, BelowIsUniform)
{
  Rng rng(13);
  constexpr int kValues = 10;
  constexpr int kSamples = 1000000;
  std::vector<int> counts(kValues, 0);
  for (int i = 0; i < kSamples; ++i)
    ++counts[rng.below(kValues)];
  const double p = 1.0 / kValues;
  for (int v = 0; v < kValues; ++v)
    EXPECT_NEAR(counts[v] / double(kSamples), p, frequency_tolerance(p, kSamples)) << v;
}

TEST(Rng, BelowIsUnbiasedForHugeBounds)
{
  // With n = 3 * 2^62, a plain "x % n" would return values below 2^62 twice as often as the others, so that
  // P(result < n / 2) would be 5/8 instead of 1/2.
  const std::uint64_t n = 3ULL << 62;
  Rng rng(17);
  constexpr int kSamples = 200000;
  int below_half = 0;
  for (int i = 0; i < kSamples; ++i)
    below_half += rng.below(n) < n / 2;
  EXPECT_NEAR(below_half / double(kSamples), 0.5, frequency_tolerance(0.5, kSamples));
}

TEST(Rng, ExponentialMean)
{
  Rng rng(19);
  constexpr int kSamples = 1000000;
  const double mean = 2.5;
  double sum = 0;
  for (int i = 0; i < kSamples; ++i) {
    const double x = rng.exponential(mean);
    ASSERT_GE(x, 0.0);
    ASSERT_TRUE(std::isfinite(x));
    sum += x;
  }
  EXPECT_NEAR(sum / kSamples, mean, mean_tolerance(mean, kSamples)); // sd of an exponential = its mean
}

TEST(Rng, NormalMomentsAndSymmetry)
{
  Rng rng(23);
  constexpr int kSamples = 1000000;
  double sum = 0;
  double sum_sq = 0;
  int within_one_sd = 0;
  for (int i = 0; i < kSamples; ++i) {
    const double x = rng.normal();
    sum += x;
    sum_sq += x * x;
    within_one_sd += std::fabs(x) < 1;
  }
  EXPECT_NEAR(sum / kSamples, 0.0, mean_tolerance(1, kSamples));
  EXPECT_NEAR(sum_sq / kSamples, 1.0, mean_tolerance(std::sqrt(2.0), kSamples)); // var of x^2 is 2
  const double p = std::erf(1 / std::sqrt(2.0));
  EXPECT_NEAR(within_one_sd / double(kSamples), p, frequency_tolerance(p, kSamples));
}

// --- sample_duration ----------------------------------------------------------------------------------

DistributionSpec make(DistributionSpec::Kind kind, double mean, double low = 0, double high = 0, double sigma = 0)
{
  DistributionSpec d;
  d.kind = kind;
  d.mean = mean;
  d.low = low;
  d.high = high;
  d.sigma = sigma;
  return d;
}

double mean_of(const DistributionSpec& d, Rng& rng, int n, SimTime* lowest = nullptr, SimTime* highest = nullptr)
{
  double sum = 0;
  SimTime lo = kNever, hi = 0;
  for (int i = 0; i < n; ++i) {
    const SimTime t = sample_duration(d, rng);
    EXPECT_GE(t, 0);
    lo = std::min(lo, t);
    hi = std::max(hi, t);
    sum += static_cast<double>(t);
  }
  if (lowest)
    *lowest = lo;
  if (highest)
    *highest = hi;
  return sum / n;
}

TEST(SampleDuration, Deterministic)
{
  Rng rng(1);
  EXPECT_EQ(sample_duration(make(DistributionSpec::Kind::deterministic, 0.01), rng), 10'000'000);
  EXPECT_EQ(sample_duration(make(DistributionSpec::Kind::deterministic, 1.5), rng), 1'500'000'000);
  EXPECT_EQ(sample_duration(make(DistributionSpec::Kind::deterministic, 0), rng), 0);
}

TEST(SampleDuration, ExponentialMean)
{
  Rng rng(2);
  constexpr int kSamples = 1000000;
  const double mean_ns = 1e6; // 1 ms
  const double got = mean_of(make(DistributionSpec::Kind::exponential, 1e-3), rng, kSamples);
  EXPECT_NEAR(got, mean_ns, mean_tolerance(mean_ns, kSamples));
}

TEST(SampleDuration, UniformRangeAndMean)
{
  Rng rng(3);
  constexpr int kSamples = 1000000;
  SimTime lo = 0, hi = 0;
  const double got = mean_of(make(DistributionSpec::Kind::uniform, 2e-3, 1e-3, 3e-3), rng, kSamples, &lo, &hi);
  EXPECT_GE(lo, 1'000'000);
  EXPECT_LE(hi, 3'000'000);
  EXPECT_NEAR(got, 2e6, mean_tolerance(2e6 / std::sqrt(12.0), kSamples));
}

TEST(SampleDuration, LognormalMeanAndMedian)
{
  Rng rng(4);
  constexpr int kSamples = 1000000;
  const double mean = 0.01;
  const double sigma = 0.5;
  const DistributionSpec d = make(DistributionSpec::Kind::lognormal, mean, 0, 0, sigma);
  double sum = 0;
  const double median_ns = std::exp(std::log(mean) - sigma * sigma / 2) * 1e9;
  int below_median = 0;
  for (int i = 0; i < kSamples; ++i) {
    const SimTime t = sample_duration(d, rng);
    sum += static_cast<double>(t);
    below_median += static_cast<double>(t) < median_ns;
  }
  const double sd_ns = mean * 1e9 * std::sqrt(std::exp(sigma * sigma) - 1);
  EXPECT_NEAR(sum / kSamples, mean * 1e9, mean_tolerance(sd_ns, kSamples));
  EXPECT_NEAR(below_median / double(kSamples), 0.5, frequency_tolerance(0.5, kSamples));
}

TEST(SampleDuration, NonPositiveMeansGiveZero)
{
  Rng rng(5);
  EXPECT_EQ(sample_duration(make(DistributionSpec::Kind::lognormal, 0, 0, 0, 1), rng), 0);
  EXPECT_EQ(sample_duration(make(DistributionSpec::Kind::deterministic, -1), rng), 0);
  EXPECT_EQ(sample_duration(make(DistributionSpec::Kind::exponential, 0), rng), 0);
}

// --- Zipf ---------------------------------------------------------------------------------------------

// Frequencies of ranks 1..5 against P(k) = k^-s / sum_{j<=n} j^-s.
void check_zipf(std::uint64_t n, double s, std::uint64_t seed)
{
  double norm = 0;
  for (std::uint64_t k = n; k >= 1; --k) // smallest terms first, for accuracy
    norm += std::pow(static_cast<double>(k), -s);
  const ZipfSampler zipf(n, s);
  Rng rng(seed);
  constexpr int kSamples = 1000000;
  std::vector<int> counts(6, 0);
  for (int i = 0; i < kSamples; ++i) {
    const std::uint64_t k = zipf.sample(rng);
    ASSERT_GE(k, 1u);
    ASSERT_LE(k, n);
    if (k <= 5)
      ++counts[k];
  }
  for (std::uint64_t k = 1; k <= std::min<std::uint64_t>(5, n); ++k) {
    const double p = std::pow(static_cast<double>(k), -s) / norm;
    EXPECT_NEAR(counts[k] / double(kSamples), p, frequency_tolerance(p, kSamples))
        << "n=" << n << " s=" << s << " rank " << k;
  }
}

TEST(Zipf, ExponentOneSmallN)
{
  check_zipf(1000, 1.0, 31);
}
TEST(Zipf, ExponentOneMillionRanks)
{
  check_zipf(1000000, 1.0, 32);
}
TEST(Zipf, ExponentBelowOne)
{
  check_zipf(1000, 0.6, 33);
  check_zipf(1000000, 0.9, 34);
}
TEST(Zipf, ExponentAboveOne)
{
  check_zipf(1000, 1.5, 35);
  check_zipf(1000000, 2.0, 36);
}
TEST(Zipf, ExponentCloseToOne)
{
  check_zipf(1000, 1.0 + 1e-9, 37);
  check_zipf(1000, 1.0 - 1e-9, 38);
}
TEST(Zipf, TinyRankCounts)
{
  check_zipf(1, 1.0, 39);
  check_zipf(2, 1.0, 40);
  check_zipf(5, 0.5, 41);
}

TEST(Zipf, TrillionRanks)
{
  // No table: n = 1e12 costs the same as n = 10. P(1) = 1 / H(n) with the harmonic number from its
  // asymptotic expansion (error ~ 1/n^4); for s = 2 the tail beyond n is below 1e-12, so P(1) = 6 / pi^2.
  const std::uint64_t n = 1'000'000'000'000ULL;
  const double nd = static_cast<double>(n);
  const double harmonic = std::log(nd) + 0.57721566490153286 + 1 / (2 * nd) - 1 / (12 * nd * nd);
  const double pi = std::acos(-1.0);
  const struct {
    double s;
    double p1;
  } cases[] = {{1.0, 1 / harmonic}, {2.0, 6 / (pi * pi)}};
  for (const auto& c : cases) {
    const ZipfSampler zipf(n, c.s);
    Rng rng(43);
    constexpr int kSamples = 1000000;
    int ones = 0;
    std::uint64_t largest = 0;
    for (int i = 0; i < kSamples; ++i) {
      const std::uint64_t k = zipf.sample(rng);
      ASSERT_GE(k, 1u);
      ASSERT_LE(k, n);
      ones += k == 1;
      largest = std::max(largest, k);
    }
    EXPECT_NEAR(ones / double(kSamples), c.p1, frequency_tolerance(c.p1, kSamples)) << "s=" << c.s;
    if (c.s == 1.0) { // with s = 1, ln(10) / H(n), about 8% of the mass, is above 1e11
      EXPECT_GT(largest, n / 10);
    }
  }
}

TEST(Zipf, RejectsInvalidParameters)
{
  EXPECT_THROW(ZipfSampler(0, 1.0), std::invalid_argument);
  EXPECT_THROW(ZipfSampler(10, 0.0), std::invalid_argument);
  EXPECT_THROW(ZipfSampler(10, -1.0), std::invalid_argument);
  EXPECT_THROW(ZipfSampler(10, std::nan("")), std::invalid_argument);
}

// --- alias method -------------------------------------------------------------------------------------

void check_picker(const std::vector<double>& weights, std::uint64_t seed)
{
  const WeightedPicker picker(weights);
  ASSERT_EQ(picker.size(), weights.size());
  double total = 0;
  for (const double w : weights)
    total += w;
  Rng rng(seed);
  constexpr int kSamples = 1000000;
  std::vector<int> counts(weights.size(), 0);
  for (int i = 0; i < kSamples; ++i) {
    const std::size_t k = picker.pick(rng);
    ASSERT_LT(k, weights.size());
    ++counts[k];
  }
  for (std::size_t k = 0; k < weights.size(); ++k) {
    const double p = weights[k] / total;
    if (p == 0) {
      EXPECT_EQ(counts[k], 0) << k;
    } else {
      EXPECT_NEAR(counts[k] / double(kSamples), p, frequency_tolerance(p, kSamples)) << k;
    }
  }
}

TEST(WeightedPicker, FrequenciesFollowWeights)
{
  check_picker({1, 2, 3, 4}, 51);
  check_picker({5}, 52);
  check_picker({1e-3, 1, 1e3}, 53);
  check_picker({0.3, 0.3, 0.3}, 54);
}

TEST(WeightedPicker, ZeroWeightsAreNeverPicked)
{
  check_picker({0, 1, 0, 3, 0}, 55);
  check_picker({0, 0, 0, 0, 0, 0, 0, 1}, 56);
  check_picker({1, 0, 0, 0, 0, 0, 0, 0}, 57);
}

TEST(WeightedPicker, ManyIrregularWeights)
{
  std::vector<double> weights;
  Rng w(58);
  for (int i = 0; i < 50; ++i)
    weights.push_back(i % 7 == 0 ? 0.0 : w.exponential(1.0));
  check_picker(weights, 59);
}

TEST(WeightedPicker, RejectsInvalidWeights)
{
  EXPECT_THROW(WeightedPicker(std::vector<double>{}), std::invalid_argument);
  EXPECT_THROW(WeightedPicker(std::vector<double>{0, 0}), std::invalid_argument);
  EXPECT_THROW(WeightedPicker(std::vector<double>{1, -1}), std::invalid_argument);
  EXPECT_THROW(WeightedPicker(std::vector<double>{1, std::nan("")}), std::invalid_argument);
  EXPECT_THROW(WeightedPicker(std::vector<double>{1, std::numeric_limits<double>::infinity()}), std::invalid_argument);
}

} // namespace
} // namespace scalelab::models
