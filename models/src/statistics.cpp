#include "scalelab/models/statistics.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace scalelab::models
{
namespace
{

// The continued fraction of the regularized incomplete beta function I_x(a, b) (Abramowitz and Stegun
// 26.5.8), evaluated by the modified Lentz method; it converges fast for x < (a + 1) / (a + b + 2).
double beta_continued_fraction(double a, double b, double x)
{
  constexpr double tiny = 1e-300;
  constexpr double epsilon = 1e-16;
  const auto guard = [](double v) { return std::fabs(v) < tiny ? tiny : v; };
  double c = 1;
  double d = 1 / guard(1 - (a + b) * x / (a + 1));
  double fraction = d;
  for (int m = 1; m <= 100000; ++m) {
    const double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 / guard(1 + even * d);
    c = guard(1 + even / c);
    fraction *= d * c;
    const double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 / guard(1 + odd * d);
    c = guard(1 + odd / c);
    const double step = d * c;
    fraction *= step;
    if (std::fabs(step - 1) < epsilon)
      break;
  }
  return fraction;
}

// I_x(a, b) for 0 <= x <= 1, a, b > 0.
double regularized_incomplete_beta(double a, double b, double x)
{
  if (x <= 0)
    return 0;
  if (x >= 1)
    return 1;
  const double log_front =
      a * std::log(x) + b * std::log1p(-x) - (std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b));
  if (x < (a + 1) / (a + b + 2))
    return std::exp(log_front) * beta_continued_fraction(a, b, x) / a;
  return 1 - std::exp(log_front) * beta_continued_fraction(b, a, 1 - x) / b;
}

// P(T > t) for t >= 0: half of I_{df / (df + t^2)}(df / 2, 1 / 2), computed without cancellation.
double upper_tail(double t, double df)
{
  return 0.5 * regularized_incomplete_beta(df / 2, 0.5, df / (df + t * t));
}

} // namespace

double student_t_cdf(double t, double df)
{
  if (!(df > 0))
    throw std::invalid_argument("student_t_cdf: df must be positive");
  if (std::isnan(t))
    return t;
  return t >= 0 ? 1 - upper_tail(t, df) : upper_tail(-t, df);
}

double student_t_quantile(double p, double df)
{
  if (!(p > 0 && p < 1) || !(df > 0))
    throw std::invalid_argument("student_t_quantile: needs 0 < p < 1 and df > 0");
  if (p == 0.5)
    return 0;
  // By symmetry, the t > 0 whose upper tail is q; the tail falls as t grows, so bisection finds it.
  const double q = p > 0.5 ? 1 - p : p;
  double low = 0, high = 1;
  while (upper_tail(high, df) > q && high < 1e300)
    high *= 2;
  for (int i = 0; i < 2000 && high - low > 4 * std::numeric_limits<double>::epsilon() * high; ++i) {
    const double mid = low + (high - low) / 2;
    (upper_tail(mid, df) > q ? low : high) = mid;
  }
  const double t = low + (high - low) / 2;
  return p > 0.5 ? t : -t;
}

SampleSummary summarize_sample(const std::vector<double>& values, double confidence)
{
  if (!(confidence > 0 && confidence < 1))
    throw std::invalid_argument("summarize_sample: the confidence level must be between 0 and 1");
  SampleSummary s;
  s.n = values.size();
  if (s.n == 0)
    return s;
  // Summed as differences from the first value: equal values give that value and a deviation of 0 exactly,
  // and large values with small differences keep their precision.
  const double origin = values.front();
  double sum = 0;
  for (double v : values)
    sum += v - origin;
  s.mean = origin + sum / static_cast<double>(s.n);
  if (s.n < 2)
    return s;
  double squares = 0;
  for (double v : values)
    squares += (v - s.mean) * (v - s.mean);
  const double n = static_cast<double>(s.n);
  s.sd = std::sqrt(squares / (n - 1));
  s.half_width = student_t_quantile(1 - (1 - confidence) / 2, n - 1) * *s.sd / std::sqrt(n);
  s.low = s.mean - *s.half_width;
  s.high = s.mean + *s.half_width;
  return s;
}

} // namespace scalelab::models
