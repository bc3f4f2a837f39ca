#include "scalelab/models/histogram.hpp"
#include "scalelab/models/random.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

namespace scalelab::models
{
namespace
{

// Histograms are 58 KiB; keep them off the stack.
std::unique_ptr<Histogram> make_histogram()
{
  return std::make_unique<Histogram>();
}

// The nearest-rank quantile of sorted values, the definition Histogram::quantile approximates.
std::int64_t exact_quantile(const std::vector<std::int64_t>& sorted, double q)
{
  // The tests use q with few decimals and n <= 1e6, so subtracting 1e-9 only undoes binary rounding
  // (0.07 * 100 = 7.000000000000001).
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(q * n - 1e-9)));
  rank = std::min(rank, sorted.size());
  return sorted[rank - 1];
}

constexpr double kRelativeError = 1.0 / Histogram::kSubBuckets;

TEST(Histogram, EmptyReportsZeros)
{
  const auto h = make_histogram();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->mean(), 0.0);
  EXPECT_EQ(h->min(), 0);
  EXPECT_EQ(h->max(), 0);
  EXPECT_EQ(h->quantile(0.5), 0);
  EXPECT_EQ(h->quantile(1.0), 0);
}

TEST(Histogram, SmallValuesAreExact)
{
  for (std::int64_t v = 0; v < Histogram::kSubBuckets; ++v) {
    EXPECT_EQ(Histogram::bucket_of(v), v);
    EXPECT_EQ(Histogram::bucket_low(static_cast<int>(v)), v);
    EXPECT_EQ(Histogram::bucket_high(static_cast<int>(v)), v);
  }
  const auto h = make_histogram();
  for (std::int64_t v = 1; v <= 100; ++v)
    h->record(v);
  EXPECT_EQ(h->count(), 100u);
  EXPECT_EQ(h->min(), 1);
  EXPECT_EQ(h->max(), 100);
  EXPECT_EQ(h->quantile(0.0), 1); // rank 1
  EXPECT_EQ(h->quantile(0.01), 1);
  EXPECT_EQ(h->quantile(0.015), 2);
  EXPECT_EQ(h->quantile(0.07), 7);  // 0.07 * 100 is slightly above 7 in binary
  EXPECT_EQ(h->quantile(0.29), 29); // and 0.29 * 100 slightly below 29
  EXPECT_EQ(h->quantile(0.5), 50);
  EXPECT_EQ(h->quantile(0.9), 90);
  EXPECT_EQ(h->quantile(0.99), 99);
  EXPECT_EQ(h->quantile(0.991), 100);
  EXPECT_EQ(h->quantile(1.0), 100);
  EXPECT_DOUBLE_EQ(h->mean(), 50.5);
}

TEST(Histogram, QuantileArgumentIsClamped)
{
  const auto h = make_histogram();
  h->record(3);
  h->record(9);
  EXPECT_EQ(h->quantile(-1.0), 3);
  EXPECT_EQ(h->quantile(2.0), 9);
  EXPECT_EQ(h->quantile(std::nan("")), 3);
}

TEST(Histogram, NegativeValuesAreRecordedAsZero)
{
  const auto h = make_histogram();
  h->record(-5);
  h->record_n(-1, 3);
  EXPECT_EQ(h->count(), 4u);
  EXPECT_EQ(h->min(), 0);
  EXPECT_EQ(h->max(), 0);
  EXPECT_EQ(h->mean(), 0.0);
  EXPECT_EQ(h->quantile(0.5), 0);
}

TEST(Histogram, BucketLayoutIsConsistentAtEdges)
{
  std::vector<std::int64_t> edges = {0, 1, INT64_MAX, INT64_MAX - 1};
  for (int k = 0; k <= 62; ++k) {
    const std::int64_t p = std::int64_t{1} << k;
    edges.insert(edges.end(), {p - 1, p, p + 1});
  }
  for (const std::int64_t v : edges) {
    const int b = Histogram::bucket_of(v);
    ASSERT_GE(b, 0) << v;
    ASSERT_LT(b, Histogram::kBucketCount) << v;
    EXPECT_LE(Histogram::bucket_low(b), v) << v;
    EXPECT_GE(Histogram::bucket_high(b), v) << v;
  }
  const int last = Histogram::bucket_of(INT64_MAX);
  EXPECT_EQ(Histogram::bucket_high(last), INT64_MAX);
  EXPECT_EQ(Histogram::bucket_of(0), 0);
  EXPECT_EQ(Histogram::bucket_of(-7), 0);
  // Every bucket up to the last one: contiguous, no gaps, no overlaps, bounded relative width.
  for (int b = 0; b <= last; ++b) {
    const std::int64_t low = Histogram::bucket_low(b);
    const std::int64_t high = Histogram::bucket_high(b);
    ASSERT_LE(low, high) << b;
    ASSERT_EQ(Histogram::bucket_of(low), b) << b;
    ASSERT_EQ(Histogram::bucket_of(high), b) << b;
    if (b > 0) {
      ASSERT_EQ(Histogram::bucket_high(b - 1) + 1, low) << b;
    }
    if (b >= Histogram::kSubBuckets) {
      // Width relative to the smallest value in the bucket (the ones below are exact).
      const double width = static_cast<double>(high - low) + 1;
      ASSERT_LE(width / static_cast<double>(low), kRelativeError) << b;
    }
  }
}

TEST(Histogram, QuantilesOfLognormalSamplesWithinRelativeError)
{
  // Latencies of 1 ms median with a long tail, in nanoseconds.
  Rng rng(2718);
  constexpr int kSamples = 1000000;
  std::vector<std::int64_t> values;
  values.reserve(kSamples);
  const auto h = make_histogram();
  for (int i = 0; i < kSamples; ++i) {
    const auto v = static_cast<std::int64_t>(std::exp(std::log(1e6) + 1.5 * rng.normal()));
    values.push_back(v);
    h->record(v);
  }
  std::sort(values.begin(), values.end());
  EXPECT_EQ(h->min(), values.front());
  EXPECT_EQ(h->max(), values.back());
  for (const double q : {0.0, 0.001, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0}) {
    const std::int64_t exact = exact_quantile(values, q);
    const std::int64_t reported = h->quantile(q);
    EXPECT_LE(std::fabs(static_cast<double>(reported - exact)), kRelativeError * static_cast<double>(exact))
        << "q=" << q << " exact=" << exact << " reported=" << reported;
  }
}

TEST(Histogram, QuantilesOfWideRangeWithinRelativeError)
{
  // Values spread over all magnitudes, up to the largest representable.
  Rng rng(99);
  std::vector<std::int64_t> values;
  const auto h = make_histogram();
  for (int i = 0; i < 200000; ++i) {
    const int bits = static_cast<int>(rng.below(64)); // a value of 0 to 63 random bits
    const auto v = bits == 0 ? 0 : static_cast<std::int64_t>(rng.next_u64() >> (64 - bits));
    values.push_back(v);
    h->record(v);
  }
  values.push_back(INT64_MAX);
  h->record(INT64_MAX);
  std::sort(values.begin(), values.end());
  for (int i = 0; i <= 1000; ++i) {
    const double q = i / 1000.0;
    const std::int64_t exact = exact_quantile(values, q);
    const std::int64_t reported = h->quantile(q);
    EXPECT_LE(std::fabs(static_cast<double>(reported) - static_cast<double>(exact)),
              kRelativeError * static_cast<double>(exact))
        << "q=" << q;
  }
  EXPECT_EQ(h->max(), INT64_MAX);
}

TEST(Histogram, MeanIsExact)
{
  Rng rng(5);
  const auto h = make_histogram();
  long double sum = 0;
  constexpr int kSamples = 100000;
  for (int i = 0; i < kSamples; ++i) {
    const auto v = static_cast<std::int64_t>(rng.below(1'000'000'000'000ULL)); // up to 1000 s
    h->record(v);
    sum += v;
  }
  EXPECT_EQ(h->mean(), static_cast<double>(sum / kSamples));
  // A mean that double arithmetic would get wrong: 2^53 + 1 is not a double.
  const auto g = make_histogram();
  g->record((std::int64_t{1} << 53) + 1);
  g->record((std::int64_t{1} << 53) + 3);
  EXPECT_EQ(g->mean(), static_cast<double>((std::int64_t{1} << 53) + 2));
}

TEST(Histogram, RecordNEqualsRepeatedRecord)
{
  const auto a = make_histogram();
  const auto b = make_histogram();
  a->record_n(12345, 1000);
  a->record_n(7, 0); // no effect, not even on min
  for (int i = 0; i < 1000; ++i)
    b->record(12345);
  EXPECT_EQ(a->count(), b->count());
  EXPECT_EQ(a->min(), b->min());
  EXPECT_EQ(a->max(), b->max());
  EXPECT_EQ(a->mean(), b->mean());
  EXPECT_EQ(a->quantile(0.5), b->quantile(0.5));
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne)
{
  Rng rng(77);
  const auto left = make_histogram();
  const auto right = make_histogram();
  const auto all = make_histogram();
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<std::int64_t>(rng.exponential(5e5));
    (i % 3 == 0 ? left : right)->record(v);
    all->record(v);
  }
  right->record(1); // extremes on one side only
  all->record(1);
  left->record(90'000'000'000);
  all->record(90'000'000'000);

  const auto merged = make_histogram();
  merged->merge(*left);
  merged->merge(*make_histogram()); // merging an empty histogram changes nothing
  merged->merge(*right);
  EXPECT_EQ(merged->count(), all->count());
  EXPECT_EQ(merged->min(), all->min());
  EXPECT_EQ(merged->max(), all->max());
  EXPECT_EQ(merged->mean(), all->mean());
  for (int i = 0; i <= 10000; ++i) {
    const double q = i / 10000.0;
    ASSERT_EQ(merged->quantile(q), all->quantile(q)) << q;
  }
}

TEST(Histogram, ClearResets)
{
  const auto h = make_histogram();
  h->record(1000);
  h->record(5);
  h->clear();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->min(), 0);
  EXPECT_EQ(h->max(), 0);
  EXPECT_EQ(h->quantile(0.5), 0);
  h->record(42);
  EXPECT_EQ(h->min(), 42);
  EXPECT_EQ(h->max(), 42);
  EXPECT_EQ(h->quantile(0.5), 42);
}

TEST(Histogram, ReportedValueIsClampedToMinAndMax)
{
  // A single large value: the bucket midpoint would differ from it, the clamp gives it back exactly.
  const auto h = make_histogram();
  h->record(1'000'003);
  EXPECT_EQ(h->quantile(0.0), 1'000'003);
  EXPECT_EQ(h->quantile(0.5), 1'000'003);
  EXPECT_EQ(h->quantile(1.0), 1'000'003);
}

} // namespace
} // namespace scalelab::models
