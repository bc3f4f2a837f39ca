// Generator and distributions written out in full so that a seed means the same numbers everywhere.
//  - xoshiro256** (Blackman and Vigna), state filled from splitmix64 so that any 64-bit seed, including 0,
//    gives a well-mixed non-zero state.
//  - below(): Lemire's multiply-and-reject ("Fast random integer generation in an interval", 2019).
//  - ZipfSampler: rejection-inversion (Hormann and Derflinger 1996).
//  - WeightedPicker: Vose's construction of Walker's alias table.
#include "scalelab/models/random.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace scalelab::models
{
namespace
{

constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL; // 2^64 / golden ratio, the splitmix64 increment

// mix64(), the splitmix64 output function, is declared in sharding.hpp: the shards' hash is the same function.

std::uint64_t rotl(std::uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 Uint128;
#endif

} // namespace

Rng::Rng(std::uint64_t seed)
{
  std::uint64_t x = seed;
  for (std::uint64_t& word : s_) {
    x += kGolden;
    word = mix64(x);
  }
}

Rng Rng::derive(std::uint64_t seed, std::uint64_t stream_id)
{
  // For a given seed, id -> mix64(a + id * odd) is a bijection, so distinct ids never share a stream, and the
  // mixing makes the keys of consecutive ids unrelated (plain seed + id would start overlapping splitmix64
  // sequences).
  const std::uint64_t a = mix64(seed ^ 0x6a09e667f3bcc909ULL);
  return Rng(mix64(a + stream_id * 0xd1b54a32d192ed03ULL));
}

std::uint64_t Rng::next_u64()
{
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform01()
{
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

double Rng::uniform01_open()
{
  return static_cast<double>((next_u64() >> 11) + 1) * 0x1.0p-53;
}

std::uint64_t Rng::below(std::uint64_t n)
{
  if (n == 0)
    throw std::invalid_argument("Rng::below(0): the range is empty");
#if defined(__SIZEOF_INT128__)
  // x * n / 2^64 maps 2^64 words onto n values; the low word tells when x fell in the uneven remainder.
  Uint128 m = static_cast<Uint128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n; // 2^64 mod n
    while (low < threshold) {
      m = static_cast<Uint128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
#else
  const std::uint64_t threshold = (0 - n) % n;
  for (;;) {
    const std::uint64_t x = next_u64();
    if (x >= threshold)
      return x % n;
  }
#endif
}

double Rng::exponential(double mean)
{
  return -mean * std::log(uniform01_open());
}

double Rng::normal()
{
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  double u = 0;
  double v = 0;
  double s = 0;
  do {
    u = 2 * uniform01() - 1;
    v = 2 * uniform01() - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  const double f = std::sqrt(-2 * std::log(s) / s);
  spare_normal_ = v * f;
  has_spare_ = true;
  return u * f;
}

SimTime sample_duration(const DistributionSpec& d, Rng& rng)
{
  switch (d.kind) {
  case DistributionSpec::Kind::deterministic:
    return from_seconds(d.mean);
  case DistributionSpec::Kind::exponential:
    return from_seconds(rng.exponential(d.mean));
  case DistributionSpec::Kind::uniform:
    return from_seconds(d.low + (d.high - d.low) * rng.uniform01());
  case DistributionSpec::Kind::lognormal: {
    if (!(d.mean > 0))
      return 0;
    // E[exp(N(mu, sigma^2))] = exp(mu + sigma^2 / 2); choose mu so that the mean is d.mean.
    const double mu = std::log(d.mean) - d.sigma * d.sigma / 2;
    return from_seconds(std::exp(mu + d.sigma * rng.normal()));
  }
  }
  return 0;
}

// --- Zipf ----------------------------------------------------------------------------------------------
//
// The hat is the continuous function x^-s. Rank k owns the interval [H(k + 1/2) - k^-s, H(k + 1/2)] of the
// integral H (width exactly P(k) up to normalisation); the intervals of consecutive ranks lie inside
// [H(k - 1/2), H(k + 1/2)] because x^-s is convex, so drawing u uniformly over [H(3/2) - 1, H(n + 1/2)],
// rounding H^-1(u) to the nearest rank k and accepting when u falls in k's interval gives exact Zipf
// variates. The acceptance probability is bounded below independently of n, hence O(1) expected time.

namespace
{

// (exp(t) - 1) / t, continuous at t = 0.
double expm1_over_x(double t)
{
  if (std::fabs(t) > 1e-8)
    return std::expm1(t) / t;
  return 1 + t / 2 * (1 + t / 3);
}

// log(1 + t) / t, continuous at t = 0.
double log1p_over_x(double t)
{
  if (std::fabs(t) > 1e-8)
    return std::log1p(t) / t;
  return 1 - t / 2 + t * t / 3;
}

double hat(double x, double s)
{
  return std::exp(-s * std::log(x));
}

} // namespace

// H(x) = (x^(1-s) - 1) / (1 - s), which tends to log(x) as s -> 1; written through expm1 so that s = 1 and
// s close to 1 need no special case and lose no precision.
double ZipfSampler::h(double x) const
{
  const double log_x = std::log(x);
  return expm1_over_x((1 - s_) * log_x) * log_x;
}

double ZipfSampler::h_inverse(double x) const
{
  double t = x * (1 - s_);
  if (t < -1) // only reachable through rounding at the upper end when s > 1
    t = -1;
  return std::exp(log1p_over_x(t) * x);
}

ZipfSampler::ZipfSampler(std::uint64_t n, double exponent) : n_(n), s_(exponent)
{
  if (n == 0)
    throw std::invalid_argument("ZipfSampler: the number of ranks must be positive");
  if (!(exponent > 0) || !std::isfinite(exponent))
    throw std::invalid_argument("ZipfSampler: the exponent must be positive and finite");
  h_integral_x1_ = h(1.5) - 1;
  h_integral_n_ = h(static_cast<double>(n) + 0.5);
  // k - H^-1(H(k + 1/2) - k^-s) is smallest at k = 2 (for k >= 2), so any draw with k - x below this value
  // is inside k's interval and is accepted without evaluating H again.
  threshold_ = 2 - h_inverse(h(2.5) - hat(2, s_));
}

std::uint64_t ZipfSampler::sample(Rng& rng) const
{
  const double n = static_cast<double>(n_);
  for (;;) {
    const double u = h_integral_n_ + rng.uniform01() * (h_integral_x1_ - h_integral_n_);
    const double x = h_inverse(u);
    double k = std::floor(x + 0.5);
    if (k < 1)
      k = 1;
    else if (k > n)
      k = n;
    if (k - x <= threshold_ || u >= h(k + 0.5) - hat(k, s_))
      return static_cast<std::uint64_t>(k);
  }
}

// --- alias table ---------------------------------------------------------------------------------------

WeightedPicker::WeightedPicker(const std::vector<double>& weights)
{
  const std::size_t n = weights.size();
  if (n == 0)
    throw std::invalid_argument("WeightedPicker: no weights");
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("WeightedPicker: too many weights");
  double sum = 0;
  std::size_t heaviest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(weights[i] >= 0) || !std::isfinite(weights[i]))
      throw std::invalid_argument("WeightedPicker: weights must be finite and non-negative");
    sum += weights[i];
    if (weights[i] > weights[heaviest])
      heaviest = i;
  }
  if (!(sum > 0) || !std::isfinite(sum))
    throw std::invalid_argument("WeightedPicker: the weights must have a positive finite sum");

  prob_.assign(n, 1.0);
  alias_.resize(n);
  std::vector<double> scaled(n);
  std::vector<std::uint32_t> small;
  std::vector<std::uint32_t> large;
  std::vector<std::uint32_t> zero;
  for (std::size_t i = 0; i < n; ++i) {
    alias_[i] = static_cast<std::uint32_t>(i);
    scaled[i] = weights[i] * static_cast<double>(n) / sum;
    auto& list = weights[i] == 0 ? zero : scaled[i] < 1 ? small : large;
    list.push_back(static_cast<std::uint32_t>(i));
  }
  // Zero weights go last so they are paired first, while some heavy entry is certainly left to alias.
  small.insert(small.end(), zero.begin(), zero.end());
  while (!small.empty() && !large.empty()) {
    const std::uint32_t l = small.back();
    small.pop_back();
    const std::uint32_t g = large.back();
    prob_[l] = scaled[l];
    alias_[l] = g;
    scaled[g] = (scaled[g] + scaled[l]) - 1;
    if (scaled[g] < 1) {
      large.pop_back();
      small.push_back(g);
    }
  }
  // What is left holds probability 1 up to rounding. A zero weight must still never be picked.
  for (const std::uint32_t i : small) {
    if (weights[i] == 0) {
      prob_[i] = 0;
      alias_[i] = static_cast<std::uint32_t>(heaviest);
    } else {
      prob_[i] = 1;
    }
  }
  for (const std::uint32_t i : large)
    prob_[i] = 1;
}

std::size_t WeightedPicker::pick(Rng& rng) const
{
  const auto column = static_cast<std::size_t>(rng.below(prob_.size()));
  return rng.uniform01() < prob_[column] ? column : alias_[column];
}

} // namespace scalelab::models
