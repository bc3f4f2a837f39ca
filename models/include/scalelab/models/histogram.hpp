#pragma once
// Latency histogram with bounded relative error and fixed memory (log-linear buckets in the style of
// HdrHistogram): a value is recorded in O(1) with no allocation, and any percentile is reported within
// 1/(2^sub_bucket_bits) relative error of the true sample quantile. The mean is exact (a running sum).
// The buckets (59 KB) are allocated at the first value recorded: a model keeps a histogram per instance for what
// it may measure (a pool's waits, a replica's lag), and ten thousand instances that never record cost nothing.
#include <array>
#include <cstdint>
#include <memory>

namespace scalelab::models
{

class Histogram
{
public:
  // Values are non-negative integers (nanoseconds). 2^kSubBucketBits linear sub-buckets per power of two:
  // 7 bits give a relative error below 1/128 (0.8%).
  static constexpr int kSubBucketBits = 7;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  static constexpr int kBucketCount = (64 - kSubBucketBits + 1) * kSubBuckets;

  Histogram() = default;
  Histogram(const Histogram& other);
  Histogram& operator=(const Histogram& other);
  Histogram(Histogram&&) noexcept = default;
  Histogram& operator=(Histogram&&) noexcept = default;
  ~Histogram() = default;

  void record(std::int64_t value); // negative values are recorded as 0
  void record_n(std::int64_t value, std::uint64_t n);
  void merge(const Histogram& other);
  void clear();

  std::uint64_t count() const { return count_; }
  double mean() const;      // exact; 0 when empty
  std::int64_t min() const; // exact; 0 when empty
  std::int64_t max() const; // exact; 0 when empty
  // q in [0, 1]; the value at rank ceil(q * count) (nearest-rank), reported as the midpoint of its bucket
  // clamped to [min, max]; 0 when empty.
  std::int64_t quantile(double q) const;

  // Exposed for tests of the bucket layout.
  static int bucket_of(std::int64_t value);
  static std::int64_t bucket_low(int bucket);  // smallest value in the bucket
  static std::int64_t bucket_high(int bucket); // largest value in the bucket

private:
  using Buckets = std::array<std::uint64_t, kBucketCount>;
  Buckets& buckets();
  std::unique_ptr<Buckets> buckets_; // null until a value is recorded
  std::uint64_t count_ = 0;
  long double sum_ = 0;
  std::int64_t min_ = INT64_MAX;
  std::int64_t max_ = 0;
};

} // namespace scalelab::models
