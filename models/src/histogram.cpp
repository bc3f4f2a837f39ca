// Bucket layout (S = kSubBuckets = 2^kSubBucketBits = 128):
//  - values 0 .. S-1 have one bucket each (exact);
//  - every range [2^e, 2^(e+1)) with e >= kSubBucketBits is cut into S buckets of width 2^(e - kSubBucketBits).
// A bucket in the range of 2^e is thus 2^e / S wide and starts at 2^e or above: its width relative to any value
// in it is at most 1/S, and the midpoint reported by quantile() is within 1/(2S) of every value in the bucket.
// The index is computed from the position of the highest set bit; no floating point, no allocation.
// Bucket indices run 0 .. (64 - kSubBucketBits) * S - 1 for values up to INT64_MAX; kBucketCount leaves one
// spare group at the end.
#include "scalelab/models/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace scalelab::models
{
namespace
{

int highest_bit(std::uint64_t v) // v > 0
{
  return 63 - __builtin_clzll(v);
}

} // namespace

int Histogram::bucket_of(std::int64_t value)
{
  if (value < kSubBuckets)
    return value < 0 ? 0 : static_cast<int>(value);
  const auto v = static_cast<std::uint64_t>(value);
  const int exponent = highest_bit(v); // >= kSubBucketBits
  const int shift = exponent - kSubBucketBits;
  // (v >> shift) is in [S, 2S): the top kSubBucketBits + 1 bits, the leading one included.
  return (shift + 1) * kSubBuckets + static_cast<int>((v >> shift) - kSubBuckets);
}

std::int64_t Histogram::bucket_low(int bucket)
{
  if (bucket < kSubBuckets)
    return bucket;
  const int shift = bucket / kSubBuckets - 1;
  const auto top = static_cast<std::uint64_t>(kSubBuckets + bucket % kSubBuckets);
  return static_cast<std::int64_t>(top << shift);
}

std::int64_t Histogram::bucket_high(int bucket)
{
  if (bucket < kSubBuckets)
    return bucket;
  const int shift = bucket / kSubBuckets - 1;
  const auto top = static_cast<std::uint64_t>(kSubBuckets + bucket % kSubBuckets);
  // Computed in unsigned arithmetic: the last bucket ends at INT64_MAX = ((2S) << shift) - 1.
  return static_cast<std::int64_t>(((top + 1) << shift) - 1);
}

Histogram::Histogram(const Histogram& other)
    : buckets_(other.buckets_ ? std::make_unique<Buckets>(*other.buckets_) : nullptr), count_(other.count_),
      sum_(other.sum_), min_(other.min_), max_(other.max_)
{
}

Histogram& Histogram::operator=(const Histogram& other)
{
  if (this != &other)
    *this = Histogram(other);
  return *this;
}

Histogram::Buckets& Histogram::buckets()
{
  if (!buckets_)
    buckets_ = std::make_unique<Buckets>(); // value-initialised: zeros
  return *buckets_;
}

void Histogram::record(std::int64_t value)
{
  record_n(value, 1);
}

void Histogram::record_n(std::int64_t value, std::uint64_t n)
{
  if (n == 0)
    return;
  if (value < 0)
    value = 0;
  buckets()[static_cast<std::size_t>(bucket_of(value))] += n;
  count_ += n;
  sum_ += static_cast<long double>(value) * static_cast<long double>(n);
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void Histogram::merge(const Histogram& other)
{
  if (other.count_ == 0)
    return;
  Buckets& mine = buckets();
  for (std::size_t i = 0; i < mine.size(); ++i)
    mine[i] += (*other.buckets_)[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void Histogram::clear()
{
  *this = Histogram();
}

double Histogram::mean() const
{
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::int64_t Histogram::min() const
{
  return count_ == 0 ? 0 : min_;
}

std::int64_t Histogram::max() const
{
  return count_ == 0 ? 0 : max_;
}

std::int64_t Histogram::quantile(double q) const
{
  if (count_ == 0)
    return 0;
  if (!(q > 0)) // also catches NaN
    q = 0;
  if (q > 1)
    q = 1;
  // Nearest rank: the smallest value with at least ceil(q * count) values at or below it. A product within a
  // few ulps of an integer is taken as that integer: 0.07 * 100 is 7.000000000000001 in binary, yet means rank 7.
  const double exact = q * static_cast<double>(count_);
  const double nearest = std::nearbyint(exact);
  const double wanted =
      std::fabs(exact - nearest) <= 4 * std::numeric_limits<double>::epsilon() * exact ? nearest : std::ceil(exact);
  std::uint64_t rank = wanted < 1 ? 1 : static_cast<std::uint64_t>(wanted);
  rank = std::min(rank, count_);

  // The occupied buckets lie between those of min and max, which bounds the scan.
  const int first = bucket_of(min_);
  const int last = bucket_of(max_);
  std::uint64_t seen = 0;
  int bucket = last;
  for (int b = first; b <= last; ++b) {
    seen += (*buckets_)[static_cast<std::size_t>(b)];
    if (seen >= rank) {
      bucket = b;
      break;
    }
  }
  const std::int64_t low = bucket_low(bucket);
  const std::int64_t mid = low + (bucket_high(bucket) - low) / 2;
  return std::clamp(mid, min_, max_);
}

} // namespace scalelab::models
