// Load that changes (models/load_shape.hpp) and the autoscaling rule (models/autoscaling.hpp), against what
// they must be: a non-homogeneous Poisson process has, in any window, a Poisson count whose mean and variance
// are the integral of the rate (checked per bin and by chi-square); a trace reads back exactly; HPA's rule.
#include "scalelab/models/autoscaling.hpp"
#include "scalelab/models/load_shape.hpp"
#include "scalelab/models/loader.hpp"
#include "scalelab/models/random.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

using namespace scalelab::models;

namespace
{

constexpr SimTime kSecond = kNanosPerSecond;

RateShape ramp(double from, double to, double over_s, double at_s)
{
  RateShape r;
  r.kind = RateShape::Kind::ramp;
  r.base = from;
  r.peak = to;
  r.length = from_seconds(over_s);
  r.at = from_seconds(at_s);
  return r;
}

RateShape spike(double base, double peak, double at_s, double for_s)
{
  RateShape r;
  r.kind = RateShape::Kind::spike;
  r.base = base;
  r.peak = peak;
  r.at = from_seconds(at_s);
  r.length = from_seconds(for_s);
  return r;
}

RateShape daily(double mean, double peak, double period_s, double peak_at_s)
{
  RateShape r;
  r.kind = RateShape::Kind::daily;
  r.base = mean;
  r.peak = peak;
  r.length = from_seconds(period_s);
  r.at = from_seconds(peak_at_s);
  return r;
}

RateShape points(RateShape::Kind kind, std::vector<std::pair<double, double>> list)
{
  RateShape r;
  r.kind = kind;
  for (const auto& [at, rate] : list)
    r.points.push_back({from_seconds(at), rate});
  return r;
}

// Counts of arrivals in bins of `bin` over [0, end), one run of the process.
std::vector<int> counts(const RateShape& shape, SimTime end, SimTime bin, Rng& rng)
{
  std::vector<int> out(static_cast<std::size_t>(end / bin), 0);
  for (SimTime t = next_shaped_arrival(shape, 0, rng); t < end; t = next_shaped_arrival(shape, t, rng))
    ++out[static_cast<std::size_t>(t / bin)];
  return out;
}

// Chi-square of one run's bin counts against the integral of the rate over each bin; returns (statistic,
// degrees of freedom). Bins whose expectation is below 5 are merged forward.
std::pair<double, int> chi_square(const RateShape& shape, const std::vector<int>& got, SimTime bin)
{
  double statistic = 0;
  int bins = 0;
  double expected = 0;
  double observed = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    expected += shape.integral(static_cast<SimTime>(i) * bin, static_cast<SimTime>(i + 1) * bin);
    observed += got[i];
    if (expected >= 5) {
      statistic += (observed - expected) * (observed - expected) / expected;
      ++bins;
      expected = observed = 0;
    }
  }
  return {statistic, bins - 1};
}

// The 99.9 % quantile of chi-square with k degrees of freedom (Wilson-Hilferty).
double chi_square_quantile_999(int k)
{
  const double z = 3.0902;
  const double a = 2.0 / (9.0 * k);
  return k * std::pow(1 - a + z * std::sqrt(a), 3);
}

} // namespace

TEST(RateShape, RatesAndIntegralsFollowTheFormulas)
{
  const RateShape r = ramp(100, 1000, 60, 10);
  EXPECT_DOUBLE_EQ(r.rate_at(0), 100);
  EXPECT_DOUBLE_EQ(r.rate_at(40 * kSecond), 550);
  EXPECT_DOUBLE_EQ(r.rate_at(100 * kSecond), 1000);
  // 10 s at 100, 60 s averaging 550, 30 s at 1000.
  EXPECT_NEAR(r.integral(0, 100 * kSecond), 1000 + 33000 + 30000, 1e-6);
  const RateShape s = spike(100, 2000, 30, 5);
  EXPECT_NEAR(s.integral(0, 60 * kSecond), 100 * 55 + 2000 * 5, 1e-6);
  EXPECT_NEAR(s.integral(32 * kSecond, 40 * kSecond), 2000 * 3 + 100 * 5, 1e-6);
  const RateShape d = daily(500, 900, 100, 25);
  EXPECT_NEAR(d.rate_at(25 * kSecond), 900, 1e-9);
  EXPECT_NEAR(d.rate_at(75 * kSecond), 100, 1e-9);
  EXPECT_NEAR(d.integral(0, 100 * kSecond), 500 * 100, 1e-6); // a whole period averages the mean
  EXPECT_NEAR(d.integral(0, 50 * kSecond), 500 * 50 + 400 * 100 / 3.14159265358979323846, 1e-6);
  const RateShape st = points(RateShape::Kind::steps, {{0, 100}, {10, 300}, {20, 50}});
  EXPECT_DOUBLE_EQ(st.rate_at(15 * kSecond), 300);
  EXPECT_NEAR(st.integral(5 * kSecond, 25 * kSecond), 500 + 3000 + 250, 1e-6);
  const RateShape pw = points(RateShape::Kind::piecewise, {{0, 100}, {10, 300}, {20, 50}});
  EXPECT_DOUBLE_EQ(pw.rate_at(5 * kSecond), 200);
  EXPECT_NEAR(pw.integral(0, 30 * kSecond), 2000 + 1750 + 500, 1e-6);
  EXPECT_DOUBLE_EQ(pw.max_rate(), 300);
}

TEST(RateShape, TheBoundCoversTheRateEverywhere)
{
  const std::vector<RateShape> shapes = {ramp(1000, 10, 30, 5), spike(10, 500, 3, 2), daily(50, 100, 20, 7),
                                         points(RateShape::Kind::piecewise, {{1, 0}, {5, 80}, {9, 20}}),
                                         points(RateShape::Kind::steps, {{0, 5}, {2, 0}, {4, 9}})};
  for (const RateShape& shape : shapes)
    for (SimTime t = 0; t < 40 * kSecond; t += kSecond / 7) {
      const auto bound = shape.bound_from(t);
      EXPECT_GT(bound.until, t);
      for (SimTime u = t; u < std::min(bound.until, t + 3 * kSecond); u += kSecond / 13)
        EXPECT_LE(shape.rate_at(u), bound.rate + 1e-9) << to_string(shape.kind) << " at " << to_seconds(u);
    }
}

// Each bin's count is Poisson with mean the integral over the bin: one long run, chi-square at 99.9 %.
TEST(ShapedArrivals, CountsPerIntervalFollowTheIntegralOfTheRate)
{
  const SimTime bin = kSecond;
  const std::vector<RateShape> shapes = {ramp(20, 400, 120, 30), spike(50, 1000, 60, 10), daily(200, 380, 60, 10),
                                         points(RateShape::Kind::piecewise, {{0, 10}, {50, 300}, {100, 40}}),
                                         points(RateShape::Kind::steps, {{0, 100}, {40, 500}, {80, 0}, {120, 60}})};
  std::uint64_t seed = 11;
  for (const RateShape& shape : shapes) {
    Rng rng(seed++);
    const SimTime end = 180 * kSecond;
    const auto got = counts(shape, end, bin, rng);
    const auto [statistic, dof] = chi_square(shape, got, bin);
    EXPECT_LT(statistic, chi_square_quantile_999(dof)) << to_string(shape.kind) << " over " << dof << " bins";
    // And per bin: within 5 standard deviations of its mean.
    for (std::size_t i = 0; i < got.size(); ++i) {
      const double mean = shape.integral(static_cast<SimTime>(i) * bin, static_cast<SimTime>(i + 1) * bin);
      EXPECT_LE(std::abs(got[i] - mean), 5 * std::sqrt(mean) + 3) << to_string(shape.kind) << " bin " << i;
    }
  }
}

// Thinning is exact, not rounded to steps: over many runs, the count in a window that cuts the ramp and the
// spike mid-way has mean and variance equal to the integral of the rate (a Poisson count).
TEST(ShapedArrivals, ThinningGivesPoissonCountsWhoseMeanAndVarianceAreTheIntegral)
{
  struct Case {
    RateShape shape;
    SimTime from, to;
  };
  const std::vector<Case> cases = {
      {ramp(10, 200, 10, 0), from_seconds(2.3), from_seconds(7.9)},
      {spike(20, 400, 1, 0.5), from_seconds(0.7), from_seconds(1.3)},
      {daily(100, 190, 4, 1), from_seconds(0.3), from_seconds(2.2)},
  };
  for (const Case& c : cases) {
    Rng rng(99);
    const int runs = 4000;
    double sum = 0, sum2 = 0;
    for (int k = 0; k < runs; ++k) {
      int n = 0;
      for (SimTime t = next_shaped_arrival(c.shape, 0, rng); t < c.to; t = next_shaped_arrival(c.shape, t, rng))
        n += t >= c.from ? 1 : 0;
      sum += n;
      sum2 += static_cast<double>(n) * n;
    }
    const double expected = c.shape.integral(c.from, c.to);
    const double mean = sum / runs;
    const double variance = sum2 / runs - mean * mean;
    // The mean's standard error is sqrt(expected / runs); the variance's about expected sqrt(2 / runs).
    EXPECT_NEAR(mean, expected, 4 * std::sqrt(expected / runs)) << to_string(c.shape.kind);
    EXPECT_NEAR(variance, expected, 4 * expected * std::sqrt(2.0 / runs) + 4 * std::sqrt(expected / runs))
        << to_string(c.shape.kind);
  }
}

TEST(ShapedArrivals, AZeroRateGivesNoArrivalsAndStepsAreFollowedAtOnce)
{
  Rng rng(3);
  const RateShape off = points(RateShape::Kind::steps, {{0, 0}, {10, 50}, {20, 0}});
  for (SimTime t = next_shaped_arrival(off, 0, rng); t != kNever; t = next_shaped_arrival(off, t, rng)) {
    EXPECT_GT(t, 10 * kSecond);
    EXPECT_LT(t, 20 * kSecond);
  }
}

TEST(Trace, ReadsTimesTypesAndKeysExactly)
{
  std::vector<TraceProblem> errors;
  const auto got =
      parse_trace("time,type,key\n# a comment\n0.5,get,7\n1.25s,put\n\n1500ms,,3\n2\n", {"get", "put"}, errors);
  ASSERT_TRUE(errors.empty());
  ASSERT_EQ(got.size(), 4U);
  EXPECT_EQ(got[0].at, 500'000'000);
  EXPECT_EQ(got[0].type, 0);
  EXPECT_EQ(got[0].key, 7);
  EXPECT_EQ(got[1].at, 1'250'000'000);
  EXPECT_EQ(got[1].type, 1);
  EXPECT_EQ(got[1].key, -1);
  EXPECT_EQ(got[2].type, -1);
  EXPECT_EQ(got[2].key, 3);
  EXPECT_EQ(got[3].at, 2 * kSecond);
}

TEST(Trace, BadLinesAreReportedAtTheirLineAndColumn)
{
  std::vector<TraceProblem> errors;
  parse_trace("1s,get\n0.5s,get\nsoon,get\n3s,gte\n4s,get,-2\n", {"get"}, errors);
  ASSERT_EQ(errors.size(), 4U);
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_NE(errors[0].message.find("time order"), std::string::npos);
  EXPECT_EQ(errors[1].line, 3);
  EXPECT_EQ(errors[1].column, 1);
  EXPECT_EQ(errors[2].line, 4);
  EXPECT_EQ(errors[2].column, 4);
  EXPECT_NE(errors[2].message.find("unknown request type \"gte\""), std::string::npos);
  EXPECT_EQ(errors[3].line, 5);
  EXPECT_EQ(errors[3].column, 8);
}

// Kubernetes HPA: desired = ceil(current x metric / target), no change within the tolerance of 0.1.
TEST(Autoscaling, DesiredInstancesIsTheHorizontalPodAutoscalerRule)
{
  EXPECT_EQ(desired_instances(2, 1.0, 0.5, 1, 20), 4);
  EXPECT_EQ(desired_instances(3, 0.9, 0.6, 1, 20), 5);   // ceil(4.5)
  EXPECT_EQ(desired_instances(4, 0.65, 0.6, 1, 20), 4);  // ratio 1.083: within the tolerance
  EXPECT_EQ(desired_instances(4, 0.67, 0.6, 1, 20), 5);  // ratio 1.117: ceil(4.47)
  EXPECT_EQ(desired_instances(10, 0.12, 0.6, 2, 20), 2); // ceil(2)
  EXPECT_EQ(desired_instances(10, 0.0, 0.6, 3, 20), 3);  // never below min
  EXPECT_EQ(desired_instances(10, 5.0, 0.6, 1, 12), 12); // never above max
  EXPECT_EQ(desired_instances(3, 0.4, 0.6, 1, 20), 2);   // 3 x 0.4 / 0.6 is 2, not 3
}

TEST(Autoscaling, TheScalerCountsBootingInstancesAndWaitsItsCooldown)
{
  AutoscaleSpec spec;
  spec.target = 0.5;
  spec.min = 2;
  spec.max = 10;
  spec.initial = 2;
  spec.cooldown = 60 * kSecond;
  Autoscaler scaler(spec);
  auto a = scaler.evaluate(10 * kSecond, 1.0);
  EXPECT_EQ(a.boot, 2);
  EXPECT_EQ(scaler.booting(), 2);
  a = scaler.evaluate(20 * kSecond, 1.0); // in the cooldown
  EXPECT_EQ(a.boot, 0);
  scaler.booted(2);
  EXPECT_EQ(scaler.running(), 4);
  a = scaler.evaluate(80 * kSecond, 0.1); // ceil(4 x 0.2) = 1, but min is 2
  EXPECT_EQ(a.stop, 2);
  EXPECT_EQ(scaler.running(), 2);
  a = scaler.evaluate(90 * kSecond, 0.0);
  EXPECT_EQ(a.stop, 0);
}

namespace
{

const char* const kHead =
    "name: t\nhardware:\n  hosts: [{name: web}]\nservices:\n  app: {kind: api_server, host: web}\n"
    "requests:\n  get: [cpu: 1ms]\n  put: [cpu: 2ms]\nworkload:\n  entry: app\n"
    "  mix: {get: 1, put: 1}\n";

} // namespace

TEST(LoadShapeLoader, ReadsEveryShapeAndKeepsAPlainRatePlain)
{
  auto plain = load_topology_text(std::string(kHead) + "  arrival: {process: poisson, rate: 100/s}\n", "t.yaml");
  ASSERT_TRUE(plain.spec);
  const auto& open = std::get<OpenArrival>(plain.spec->workload.arrival);
  EXPECT_FALSE(open.shape.has_value());
  EXPECT_EQ(open.rate, 100);
  auto ramped = load_topology_text(
      std::string(kHead) + "  arrival: {process: poisson, rate: {shape: ramp, from: 100/s, to: 1000/s, over: 60s}}\n"
                           "  herd: [{at: 9s, users: 3}, {at: 2s, users: 5}]\n",
      "t.yaml");
  ASSERT_TRUE(ramped.spec) << (ramped.errors.empty() ? "" : ramped.errors.front().format());
  const auto& shaped = std::get<OpenArrival>(ramped.spec->workload.arrival);
  ASSERT_TRUE(shaped.shape.has_value());
  EXPECT_EQ(shaped.shape->kind, RateShape::Kind::ramp);
  EXPECT_EQ(shaped.rate, 1000); // the largest rate
  EXPECT_EQ(shaped.shape->length, 60 * kSecond);
  ASSERT_EQ(ramped.spec->workload.herds.size(), 2U);
  EXPECT_EQ(ramped.spec->workload.herds[0].at, 2 * kSecond); // in time order
}

TEST(LoadShapeLoader, ATraceFileIsReadRelativeToTheTopologyAndItsBadLinesNamed)
{
  const auto dir = std::filesystem::temp_directory_path() / "scalelab-trace-loader";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "good.csv") << "time,type,key\n0.1,get\n0.2,put\n";
  std::ofstream(dir / "bad.csv") << "0.1,get\n0.2,pot\nlater\n";
  const std::string trace_head = std::string(kHead) + "  arrival: {process: trace, file: ";
  auto good = load_topology_text(trace_head + "good.csv}\n", (dir / "t.yaml").string());
  ASSERT_TRUE(good.spec);
  EXPECT_EQ(std::get<OpenArrival>(good.spec->workload.arrival).trace.size(), 2U);
  auto bad = load_topology_text(trace_head + "bad.csv}\n", (dir / "t.yaml").string());
  ASSERT_EQ(bad.errors.size(), 2U);
  EXPECT_EQ(bad.errors[0].format(),
            (dir / "bad.csv").string() + ":2:5: unknown request type \"pot\"; expected one of: get, put");
  EXPECT_EQ(bad.errors[1].format(),
            (dir / "bad.csv").string() +
                ":3:1: time: expected a duration such as 1.5s or 200ms (bare numbers are seconds), got \"later\"");
  std::filesystem::remove_all(dir);
}
