#pragma once
// The project's own generator and distributions: the same seed gives the same numbers with every
// standard library (std::*_distribution are implementation-defined).
#include "scalelab/models/spec.hpp"

#include <cstdint>
#include <vector>

namespace scalelab::models
{

// xoshiro256** seeded through splitmix64. Each simulated entity gets its own stream: derive() mixes the
// run's seed with a stable id, so adding an entity does not shift the numbers of the others.
class Rng
{
public:
  explicit Rng(std::uint64_t seed);
  static Rng derive(std::uint64_t seed, std::uint64_t stream_id);

  std::uint64_t next_u64();
  double uniform01();                   // in [0, 1), 53 random bits
  double uniform01_open();              // in (0, 1]; safe for log()
  std::uint64_t below(std::uint64_t n); // uniform in [0, n), unbiased; n > 0
  double exponential(double mean);
  double normal(); // standard normal (Marsaglia polar method)

private:
  std::uint64_t s_[4];
  double spare_normal_ = 0;
  bool has_spare_ = false;
};

// Samples a duration in nanoseconds (at least 0) from a spec.
SimTime sample_duration(const DistributionSpec& d, Rng& rng);

// Zipf over ranks 1..n with P(k) proportional to 1 / k^s, s > 0, s may be 1; O(1) expected per sample by
// rejection-inversion (Hormann and Derflinger 1996), no table of n entries.
class ZipfSampler
{
public:
  ZipfSampler(std::uint64_t n, double exponent);
  std::uint64_t sample(Rng& rng) const; // in [1, n]

private:
  double h(double x) const;         // H(x), the integral of the hat function x^-s (the paper's capital H)
  double h_inverse(double x) const; // the inverse of H
  std::uint64_t n_;
  double s_;
  double h_integral_x1_, h_integral_n_, threshold_;
};

// Picks an index with probability proportional to weights (Walker's alias method, O(1) per pick).
class WeightedPicker
{
public:
  explicit WeightedPicker(const std::vector<double>& weights); // weights >= 0, sum > 0
  std::size_t pick(Rng& rng) const;
  std::size_t size() const { return prob_.size(); }

private:
  std::vector<double> prob_;
  std::vector<std::uint32_t> alias_;
};

} // namespace scalelab::models
