#pragma once
// Statistics of repeated runs: the mean, the sample standard deviation and a confidence interval for the
// mean from Student's t distribution (the runs of one point are independent, their number small).
#include <cstddef>
#include <optional>
#include <vector>

namespace scalelab::models
{

// P(T <= t) for Student's t with df degrees of freedom (df > 0, not necessarily whole).
double student_t_cdf(double t, double df);
// The t with P(T <= t) = p, for 0 < p < 1 and df > 0: student_t_quantile(0.975, 4) is 2.776...
double student_t_quantile(double p, double df);

struct SampleSummary {
  std::size_t n = 0;
  double mean = 0;                  // 0 when n == 0
  std::optional<double> sd;         // sample standard deviation (divides by n - 1); none when n < 2
  std::optional<double> half_width; // of the confidence interval: t(1 - alpha / 2, n - 1) * sd / sqrt(n)
  std::optional<double> low, high;  // mean -/+ half_width
};

// The summary of values at confidence level `confidence` (0.95: a 95 % interval). The sums run in the
// order given, so the same values in the same order give the same bits.
SampleSummary summarize_sample(const std::vector<double>& values, double confidence = 0.95);

} // namespace scalelab::models
