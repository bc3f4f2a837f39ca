// Student's t quantiles against published tables and closed forms; confidence intervals of a known sample.
#include "scalelab/models/statistics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace scalelab::models
{
namespace
{

const double kPi = std::acos(-1.0);

// The critical values printed in the usual tables of Student's t (three decimals): one-sided upper
// probabilities 0.05, 0.025 and 0.005, i.e. p = 0.95, 0.975 and 0.995.
TEST(StudentT, QuantilesMatchThePublishedTable)
{
  struct Row {
    double df, p95, p975, p995;
  };
  const std::vector<Row> table = {
      {1, 6.314, 12.706, 63.657}, {2, 2.920, 4.303, 9.925},  {3, 2.353, 3.182, 5.841},   {4, 2.132, 2.776, 4.604},
      {5, 2.015, 2.571, 4.032},   {9, 1.833, 2.262, 3.250},  {10, 1.812, 2.228, 3.169},  {20, 1.725, 2.086, 2.845},
      {30, 1.697, 2.042, 2.750},  {60, 1.671, 2.000, 2.660}, {120, 1.658, 1.980, 2.617},
  };
  for (const Row& r : table) {
    EXPECT_NEAR(student_t_quantile(0.95, r.df), r.p95, 0.0005) << "df " << r.df;
    EXPECT_NEAR(student_t_quantile(0.975, r.df), r.p975, 0.0005) << "df " << r.df;
    EXPECT_NEAR(student_t_quantile(0.995, r.df), r.p995, 0.0005) << "df " << r.df;
  }
}

// With one degree of freedom t is Cauchy, with two it has a closed form: both to near machine precision.
TEST(StudentT, QuantilesMatchTheClosedFormsForOneAndTwoDegreesOfFreedom)
{
  for (double p : {0.001, 0.05, 0.3, 0.6, 0.9, 0.975, 0.999}) {
    const double cauchy = std::tan(kPi * (p - 0.5));
    EXPECT_NEAR(student_t_quantile(p, 1), cauchy, 1e-10 * std::max(1.0, std::fabs(cauchy))) << p;
    const double two = (2 * p - 1) / std::sqrt(2 * p * (1 - p));
    EXPECT_NEAR(student_t_quantile(p, 2), two, 1e-10 * std::max(1.0, std::fabs(two))) << p;
  }
}

TEST(StudentT, ManyDegreesOfFreedomApproachTheNormalQuantile)
{
  EXPECT_NEAR(student_t_quantile(0.975, 1e7), 1.959963985, 1e-6);
}

TEST(StudentT, QuantileIsSymmetricAndInvertsTheCdf)
{
  for (double df : {1.0, 2.5, 4.0, 17.0, 300.0})
    for (double p : {0.01, 0.2, 0.5, 0.8, 0.99}) {
      const double t = student_t_quantile(p, df);
      EXPECT_NEAR(t, -student_t_quantile(1 - p, df), 1e-13 * std::max(1.0, std::fabs(t)));
      EXPECT_NEAR(student_t_cdf(student_t_quantile(p, df), df), p, 1e-12);
    }
  EXPECT_EQ(student_t_quantile(0.5, 3), 0);
  EXPECT_THROW(student_t_quantile(1, 3), std::invalid_argument);
  EXPECT_THROW(student_t_quantile(0.9, 0), std::invalid_argument);
}

// 1, 2, 3, 4, 5: mean 3, sd sqrt(2.5), and t(0.975, 4) = 2.7764451 (qt(0.975, 4) in R).
TEST(SampleSummary, ConfidenceIntervalOfAKnownSample)
{
  const SampleSummary s = summarize_sample({1, 2, 3, 4, 5});
  EXPECT_EQ(s.n, 5u);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  ASSERT_TRUE(s.sd && s.half_width && s.low && s.high);
  EXPECT_NEAR(*s.sd, std::sqrt(2.5), 1e-15);
  EXPECT_NEAR(*s.half_width, 2.7764451051977987 * std::sqrt(2.5) / std::sqrt(5.0), 1e-9);
  EXPECT_NEAR(*s.low, 3 - 1.963243, 1e-6);
  EXPECT_NEAR(*s.high, 3 + 1.963243, 1e-6);
  // A 99 % interval is wider: t(0.995, 4) = 4.604.
  EXPECT_NEAR(*summarize_sample({1, 2, 3, 4, 5}, 0.99).half_width, 4.604095 * std::sqrt(0.5), 1e-5);
}

TEST(SampleSummary, OneValueHasNoSpreadAndNoneHasNoMean)
{
  const SampleSummary one = summarize_sample({7.5});
  EXPECT_EQ(one.n, 1u);
  EXPECT_EQ(one.mean, 7.5);
  EXPECT_FALSE(one.sd || one.half_width || one.low || one.high);
  EXPECT_EQ(summarize_sample({}).n, 0u);
  const SampleSummary same = summarize_sample({2, 2, 2});
  EXPECT_EQ(*same.sd, 0);
  EXPECT_EQ(*same.half_width, 0);
}

} // namespace
} // namespace scalelab::models
