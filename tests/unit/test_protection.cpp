// The decisions of models/protection.hpp against their definitions and against arithmetic: a token bucket
// admits b + rT under saturating arrivals and r lambda / (r + lambda) of a Poisson stream when b = 1; a fixed
// window admits up to 2L across a boundary and a sliding window never more than L in any window; backoff caps
// and jitter ranges; gRPC's retry throttling; resilience4j's breaker transitions; the end of CPU work on a
// slowed host.
#include "scalelab/models/protection.hpp"
#include "scalelab/models/random.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <deque>

using namespace scalelab::models;

namespace
{
constexpr SimTime kSecond = kNanosPerSecond;
constexpr SimTime kMs = kNanosPerSecond / 1000;
} // namespace

TEST(TokenBucket, AdmitsExactlyBurstPlusRateTimesTimeUnderSaturation)
{
  // b = 10, r = 100/s, arrivals every 100 us over [0, 10 s]: 10 + 100 x 10 = 1010 admitted.
  TokenBucket bucket(100, 10);
  int admitted = 0;
  for (SimTime t = 0; t <= 10 * kSecond; t += kMs / 10)
    admitted += bucket.admit(t) ? 1 : 0;
  EXPECT_EQ(admitted, 1010);
  // Five per minute, a burst of five: 5 + 5 x 60 in an hour.
  TokenBucket logins(5.0 / 60.0, 5);
  admitted = 0;
  for (SimTime t = 0; t <= 3600 * kSecond; t += kSecond)
    admitted += logins.admit(t) ? 1 : 0;
  EXPECT_EQ(admitted, 5 + 5 * 60);
}

TEST(TokenBucket, WithBurstOneAdmitsRLambdaOverRPlusLambdaOfAPoissonStream)
{
  // b = 1: after an admission the bucket is empty for 1/r, then the next arrival is admitted (memoryless): a
  // renewal process of mean cycle 1/r + 1/lambda, hence an admitted rate of r lambda / (r + lambda).
  const double r = 50, lambda = 100;
  TokenBucket bucket(r, 1);
  Rng rng(7);
  double t = 0;
  int admitted = 0;
  const double horizon = 2000;
  while (t < horizon) {
    t += rng.exponential(1.0 / lambda);
    admitted += bucket.admit(from_seconds(t)) ? 1 : 0;
  }
  const double expected = r * lambda / (r + lambda) * horizon; // 66,667; sd about sqrt of that / 3 or less
  EXPECT_NEAR(admitted, expected, 0.01 * expected);
}

TEST(FixedWindow, CanAdmitTwiceTheLimitAcrossABoundary)
{
  FixedWindow window(10, kSecond);
  int admitted = 0;
  for (SimTime t = 900 * kMs; t < 1100 * kMs; t += kMs) // 200 ms around the boundary at 1 s
    admitted += window.admit(t) ? 1 : 0;
  EXPECT_EQ(admitted, 20);
}

TEST(SlidingWindow, NeverAdmitsMoreThanTheLimitInAnyWindow)
{
  const int limit = 10;
  const SimTime w = kSecond;
  SlidingWindow window(limit, w);
  Rng rng(3);
  std::deque<SimTime> admitted; // within the last window
  SimTime t = 0;
  int total = 0;
  for (int i = 0; i < 200000; ++i) {
    t += from_seconds(rng.exponential(1.0 / 40.0));
    if (!window.admit(t))
      continue;
    ++total;
    admitted.push_back(t);
    while (admitted.front() <= t - w)
      admitted.pop_front();
    ASSERT_LE(static_cast<int>(admitted.size()), limit) << "at " << t;
  }
  // It is not stingier than it must be: in a long run it admits close to L per window.
  EXPECT_GT(total, static_cast<int>(0.9 * limit * to_seconds(t)));
  // Across a boundary, where a fixed window admits 2L, it admits L.
  SlidingWindow across(10, kSecond);
  int n = 0;
  for (SimTime s = 900 * kMs; s < 1100 * kMs; s += kMs)
    n += across.admit(s) ? 1 : 0;
  EXPECT_EQ(n, 10);
}

TEST(RateLimiter, PerUserLimitsEachUserApart)
{
  RateLimitSpec spec;
  spec.algorithm = RateLimitSpec::Algorithm::token_bucket;
  spec.rate = 5.0 / 60.0;
  spec.burst = 5;
  spec.per_user = true;
  RateLimiter limiter(spec);
  int first = 0, second = 0;
  for (int i = 0; i < 10; ++i) {
    first += limiter.admit(i * kMs, 1) ? 1 : 0;
    second += limiter.admit(i * kMs, 2) ? 1 : 0;
  }
  EXPECT_EQ(first, 5);
  EXPECT_EQ(second, 5);
  EXPECT_EQ(limiter.tracked(), 2u);
  spec.per_user = false;
  RateLimiter global(spec);
  int all = 0;
  for (int i = 0; i < 10; ++i)
    all += (global.admit(i * kMs, 1) ? 1 : 0) + (global.admit(i * kMs, 2) ? 1 : 0);
  EXPECT_EQ(all, 5);
}

TEST(Backoff, DoublesUpToTheCapWithinTheJittersRange)
{
  CallProtection p;
  p.backoff = 10 * kMs;
  p.max_backoff = 100 * kMs;
  p.jitter = Jitter::none;
  Rng rng(1);
  EXPECT_EQ(backoff_delay(p, 1, rng), 10 * kMs);
  EXPECT_EQ(backoff_delay(p, 2, rng), 20 * kMs);
  EXPECT_EQ(backoff_delay(p, 4, rng), 80 * kMs);
  EXPECT_EQ(backoff_delay(p, 5, rng), 100 * kMs);
  EXPECT_EQ(backoff_delay(p, 60, rng), 100 * kMs);
  p.jitter = Jitter::full;
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const SimTime d = backoff_delay(p, 3, rng);
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 40 * kMs);
    sum += static_cast<double>(d);
  }
  EXPECT_NEAR(sum / 10000, 20.0 * kMs, 0.5 * kMs); // uniform on [0, 40 ms)
  p.jitter = Jitter::equal;
  for (int i = 0; i < 1000; ++i) {
    const SimTime d = backoff_delay(p, 3, rng);
    ASSERT_GE(d, 20 * kMs);
    ASSERT_LE(d, 40 * kMs);
  }
  p.backoff = 0;
  EXPECT_EQ(backoff_delay(p, 3, rng), 0);
}

TEST(RetryBudget, FollowsGrpcRetryThrottling)
{
  // gRFC A6's example: max_tokens 10, token_ratio 0.1. Retries stop once tokens <= 5, i.e. after 5 failures.
  RetryBudget budget({10, 0.1});
  EXPECT_TRUE(budget.allows_retry());
  for (int i = 0; i < 4; ++i)
    budget.on_failure();
  EXPECT_TRUE(budget.allows_retry()); // 6 > 5
  budget.on_failure();
  EXPECT_FALSE(budget.allows_retry()); // 5 is not more than 5
  budget.on_success();
  EXPECT_TRUE(budget.allows_retry()); // 5.1
  EXPECT_NEAR(budget.tokens(), 5.1, 1e-12);
  for (int i = 0; i < 1000; ++i)
    budget.on_success();
  EXPECT_EQ(budget.tokens(), 10.0); // capped
  for (int i = 0; i < 100; ++i)
    budget.on_failure();
  EXPECT_EQ(budget.tokens(), 0.0); // floored
}

TEST(CircuitBreaker, GoesThroughResilience4jsStates)
{
  BreakerSpec spec;
  spec.failure_rate = 0.5;
  spec.window = 10;
  spec.minimum_calls = 4;
  spec.wait = 5 * kSecond;
  spec.half_open_calls = 2;
  CircuitBreaker b(spec);
  using S = CircuitBreaker::State;
  // Closed: three failures are not enough (fewer than minimum_calls recorded).
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(b.permit(i));
    b.on_result(i, true);
  }
  EXPECT_EQ(b.state(), S::closed);
  // The fourth makes 4 of 4 failed: open.
  ASSERT_TRUE(b.permit(3));
  b.on_result(3, true);
  EXPECT_EQ(b.state(), S::open);
  EXPECT_FALSE(b.permit(4 * kSecond)); // before the wait is over
  // After the wait, the first call moves it to half-open; two are permitted, the third refused.
  EXPECT_TRUE(b.permit(3 + 5 * kSecond));
  EXPECT_EQ(b.state(), S::half_open);
  EXPECT_TRUE(b.permit(6 * kSecond));
  EXPECT_FALSE(b.permit(6 * kSecond));
  // One of two failed: 0.5 >= 0.5, open again.
  b.on_result(6 * kSecond, false);
  b.on_result(6 * kSecond, true);
  EXPECT_EQ(b.state(), S::open);
  // Next time both succeed: closed, with the window forgotten.
  EXPECT_TRUE(b.permit(11 * kSecond + 1));
  EXPECT_TRUE(b.permit(11 * kSecond + 1));
  b.on_result(12 * kSecond, false);
  b.on_result(12 * kSecond, false);
  EXPECT_EQ(b.state(), S::closed);
  EXPECT_EQ(b.transitions(), 5u); // open, half-open, open, half-open, closed
  // Closed again: 1 failure in 4 (25 %) keeps it closed; the window is count-based over the last 10.
  for (int i = 0; i < 3; ++i)
    b.on_result(13 * kSecond, false);
  b.on_result(13 * kSecond, true);
  EXPECT_EQ(b.state(), S::closed);
}

TEST(CircuitBreaker, OpensOnTheFailureRateOfTheLastWindowOnly)
{
  BreakerSpec spec;
  spec.failure_rate = 0.5;
  spec.window = 4;
  spec.minimum_calls = 4;
  CircuitBreaker b(spec);
  // Failures early, then successes push them out of the window of 4.
  b.on_result(0, true);
  b.on_result(0, false);
  b.on_result(0, false);
  b.on_result(0, false); // 1 of 4
  b.on_result(0, false); // the failure leaves: 0 of 4
  b.on_result(0, true);  // 1 of 4
  EXPECT_EQ(b.state(), CircuitBreaker::State::closed);
  b.on_result(0, true); // 2 of 4 = 50 %
  EXPECT_EQ(b.state(), CircuitBreaker::State::open);
}

TEST(SlowHost, WorkTakesFactorTimesLongerInsideThePeriodOnly)
{
  const std::vector<SlowPeriod> slow{{10 * kSecond, 20 * kSecond, 10.0}};
  EXPECT_EQ(slowed_end(0, kSecond, slow), kSecond);                              // before
  EXPECT_EQ(slowed_end(12 * kSecond, 10 * kMs, slow), 12 * kSecond + 100 * kMs); // inside: 10 x
  EXPECT_EQ(slowed_end(25 * kSecond, kSecond, slow), 26 * kSecond);              // after
  // Straddling the start: 9.5 s of work from 9 s: 1 s before, then 8.5 s left at a tenth: the period (10 s of
  // time) does 1 s of it, then 7.5 s after 20 s.
  EXPECT_EQ(slowed_end(9 * kSecond, 9500 * kMs, slow), 27500 * kMs);
  // Straddling the end: 1 s of work from 19.5 s: 0.05 s done by 20 s, 0.95 s after.
  EXPECT_EQ(slowed_end(19500 * kMs, kSecond, slow), 20950 * kMs);
  // A slow period to the end of the run.
  const std::vector<SlowPeriod> forever{{0, kNever, 4.0}};
  EXPECT_EQ(slowed_end(kSecond, kSecond, forever), 5 * kSecond);
}
