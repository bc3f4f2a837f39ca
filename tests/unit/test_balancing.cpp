#include "scalelab/models/balancing.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace scalelab::models
{
namespace
{

constexpr BalancingPolicy kAllPolicies[] = {BalancingPolicy::round_robin, BalancingPolicy::random,
                                            BalancingPolicy::least_connections, BalancingPolicy::power_of_two,
                                            BalancingPolicy::weighted};

std::unique_ptr<Balancer> make(BalancingPolicy policy, int n)
{
  // Weighted needs weights; unequal ones make it a meaningful participant in the generic tests.
  std::vector<double> weights;
  if (policy == BalancingPolicy::weighted)
    for (int i = 0; i < n; ++i)
      weights.push_back(1.0 + i % 3);
  return make_balancer(policy, n, weights);
}

double frequency_tolerance(double p, double n)
{
  return 5 * std::sqrt(p * (1 - p) / n);
}

std::vector<int> picks(Balancer& b, Rng& rng, int count)
{
  std::vector<int> out;
  for (int i = 0; i < count; ++i)
    out.push_back(b.pick(rng));
  return out;
}

TEST(Balancing, YamlSpellings)
{
  EXPECT_STREQ(to_string(BalancingPolicy::round_robin), "round_robin");
  EXPECT_STREQ(to_string(BalancingPolicy::random), "random");
  EXPECT_STREQ(to_string(BalancingPolicy::least_connections), "least_connections");
  EXPECT_STREQ(to_string(BalancingPolicy::power_of_two), "power_of_two");
  EXPECT_STREQ(to_string(BalancingPolicy::weighted), "weighted");
}

TEST(Balancing, ObservesCompletions)
{
  EXPECT_FALSE(make(BalancingPolicy::round_robin, 3)->observes_completions());
  EXPECT_FALSE(make(BalancingPolicy::random, 3)->observes_completions());
  EXPECT_TRUE(make(BalancingPolicy::least_connections, 3)->observes_completions());
  EXPECT_TRUE(make(BalancingPolicy::power_of_two, 3)->observes_completions());
  EXPECT_FALSE(make(BalancingPolicy::weighted, 3)->observes_completions());
}

TEST(Balancing, EveryPolicyCountsActiveRequests)
{
  for (const BalancingPolicy policy : kAllPolicies) {
    auto b = make(policy, 3);
    EXPECT_EQ(b->backend_count(), 3);
    b->on_dispatch(0);
    b->on_dispatch(0);
    b->on_dispatch(0);
    b->on_dispatch(2);
    b->on_complete(0);
    EXPECT_EQ(b->active(0), 2) << to_string(policy);
    EXPECT_EQ(b->active(1), 0) << to_string(policy);
    EXPECT_EQ(b->active(2), 1) << to_string(policy);
    // Requests in flight on a backend that goes down still complete there.
    b->set_up(2, false);
    b->on_complete(2);
    EXPECT_EQ(b->active(2), 0) << to_string(policy);
  }
}

TEST(Balancing, AllDownGivesMinusOne)
{
  for (const BalancingPolicy policy : kAllPolicies) {
    auto b = make(policy, 4);
    Rng rng(1);
    for (int i = 0; i < 4; ++i)
      b->set_up(i, false);
    EXPECT_EQ(b->pick(rng), -1) << to_string(policy);
    b->set_up(2, true);
    for (int i = 0; i < 20; ++i)
      EXPECT_EQ(b->pick(rng), 2) << to_string(policy);
    b->set_up(2, false);
    EXPECT_EQ(b->pick(rng), -1) << to_string(policy);
  }
}

TEST(Balancing, NoBackendsGivesMinusOne)
{
  for (const BalancingPolicy policy : kAllPolicies) {
    auto b = make(policy, 0);
    Rng rng(1);
    EXPECT_EQ(b->pick(rng), -1) << to_string(policy);
  }
}

TEST(Balancing, RejectsBadArguments)
{
  EXPECT_THROW(make_balancer(BalancingPolicy::round_robin, -1), std::invalid_argument);
  EXPECT_THROW(make_balancer(BalancingPolicy::weighted, 3), std::invalid_argument);
  EXPECT_THROW(make_balancer(BalancingPolicy::weighted, 2, {1, 0}), std::invalid_argument);
  EXPECT_THROW(make_balancer(BalancingPolicy::weighted, 2, {1, -2}), std::invalid_argument);
  for (const BalancingPolicy policy : kAllPolicies) {
    auto b = make(policy, 2);
    EXPECT_THROW(b->on_dispatch(2), std::out_of_range);
    EXPECT_THROW(b->on_complete(-1), std::out_of_range);
    EXPECT_THROW(b->set_up(5, false), std::out_of_range);
    EXPECT_THROW((void)b->active(2), std::out_of_range);
  }
}

// --- round robin --------------------------------------------------------------------------------------

TEST(RoundRobin, CyclesInIndexOrder)
{
  auto b = make(BalancingPolicy::round_robin, 4);
  Rng rng(1);
  EXPECT_EQ(picks(*b, rng, 9), (std::vector<int>{0, 1, 2, 3, 0, 1, 2, 3, 0}));
}

TEST(RoundRobin, SkipsDownBackends)
{
  auto b = make(BalancingPolicy::round_robin, 5);
  Rng rng(1);
  EXPECT_EQ(picks(*b, rng, 2), (std::vector<int>{0, 1}));
  b->set_up(2, false);
  b->set_up(4, false);
  EXPECT_EQ(picks(*b, rng, 6), (std::vector<int>{3, 0, 1, 3, 0, 1}));
  b->set_up(2, true);
  EXPECT_EQ(picks(*b, rng, 4), (std::vector<int>{2, 3, 0, 1}));
  b->set_up(0, false);
  b->set_up(0, false); // idempotent
  b->set_up(4, true);
  b->set_up(4, true);
  EXPECT_EQ(picks(*b, rng, 5), (std::vector<int>{2, 3, 4, 1, 2}));
}

TEST(RoundRobin, CompletionsDoNotMatter)
{
  auto b = make(BalancingPolicy::round_robin, 3);
  Rng rng(1);
  for (int i = 0; i < 10; ++i)
    b->on_dispatch(0);
  EXPECT_EQ(picks(*b, rng, 4), (std::vector<int>{0, 1, 2, 0}));
}

TEST(RoundRobin, AgreesWithAScanUnderRandomOperations)
{
  // Reference: walk forward from the backend after the previous pick to the first up one.
  for (const int backends : {1, 2, 7, 64, 100}) {
    auto b = make(BalancingPolicy::round_robin, backends);
    std::vector<bool> up(static_cast<std::size_t>(backends), true);
    int next = 0;
    Rng ops(16);
    Rng rng(17);
    for (int step = 0; step < 20000; ++step) {
      if (ops.below(4) == 0) {
        const int backend = static_cast<int>(ops.below(static_cast<std::uint64_t>(backends)));
        const bool state = ops.below(2) == 0;
        up[static_cast<std::size_t>(backend)] = state;
        b->set_up(backend, state);
        continue;
      }
      int expected = -1;
      for (int i = 0; i < backends; ++i) {
        const int candidate = (next + i) % backends;
        if (up[static_cast<std::size_t>(candidate)]) {
          expected = candidate;
          break;
        }
      }
      ASSERT_EQ(b->pick(rng), expected) << "n=" << backends << " step " << step;
      if (expected >= 0)
        next = (expected + 1) % backends;
    }
  }
}

// --- least connections ----------------------------------------------------------------------------------

TEST(LeastConnections, PicksTheMinimumAndBreaksTiesByIndex)
{
  auto b = make(BalancingPolicy::least_connections, 4);
  Rng rng(1);
  EXPECT_EQ(b->pick(rng), 0); // all equal: lowest index
  b->on_dispatch(0);
  b->on_dispatch(0);
  b->on_dispatch(2);
  // active = {2, 0, 1, 0}: 1 and 3 tie, 1 wins
  EXPECT_EQ(b->pick(rng), 1);
  b->on_dispatch(1);
  EXPECT_EQ(b->pick(rng), 3);
  b->on_dispatch(3);
  // active = {2, 1, 1, 1}
  EXPECT_EQ(b->pick(rng), 1);
  b->on_complete(0);
  b->on_complete(0);
  EXPECT_EQ(b->pick(rng), 0);
  b->set_up(0, false);
  EXPECT_EQ(b->pick(rng), 1);
  b->set_up(0, true);
  EXPECT_EQ(b->pick(rng), 0);
}

// A reference answer by scanning, for comparison with the heap.
int scan_least_loaded(const Balancer& b, const std::vector<bool>& up)
{
  int best = -1;
  for (int i = 0; i < b.backend_count(); ++i)
    if (up[static_cast<std::size_t>(i)] && (best < 0 || b.active(i) < b.active(best)))
      best = i;
  return best;
}

TEST(LeastConnections, AgreesWithAScanUnderRandomOperations)
{
  constexpr int kBackends = 37;
  auto b = make(BalancingPolicy::least_connections, kBackends);
  std::vector<bool> up(kBackends, true);
  Rng ops(2);
  Rng rng(3);
  for (int step = 0; step < 100000; ++step) {
    const int backend = static_cast<int>(ops.below(kBackends));
    const std::uint64_t op = ops.below(10);
    if (op < 5) {
      const int chosen = b->pick(rng);
      ASSERT_EQ(chosen, scan_least_loaded(*b, up)) << step;
      if (chosen >= 0)
        b->on_dispatch(chosen);
    } else if (op < 9) {
      if (b->active(backend) > 0)
        b->on_complete(backend);
    } else {
      up[static_cast<std::size_t>(backend)] = !up[static_cast<std::size_t>(backend)];
      b->set_up(backend, up[static_cast<std::size_t>(backend)]);
    }
  }
}

// The buckets by count against the scan on long random +-1 sequences, at sizes around the bitmap's word and
// layer boundaries (64, 4096), with many ties (small counts), dispatches that do not follow pick() (sticky
// routes make them), completions below zero, and backends going down and up, the minimum's last one included.
void check_against_scan(int backends, int steps, std::uint64_t seed)
{
  auto b = make(BalancingPolicy::least_connections, backends);
  std::vector<bool> up(static_cast<std::size_t>(backends), true);
  Rng ops(seed);
  Rng rng(seed + 1);
  for (int step = 0; step < steps; ++step) {
    const int backend = static_cast<int>(ops.below(static_cast<std::uint64_t>(backends)));
    const std::uint64_t op = ops.below(100);
    if (op < 45) {
      const int chosen = b->pick(rng);
      ASSERT_EQ(chosen, scan_least_loaded(*b, up)) << backends << " backends, step " << step;
      if (chosen >= 0)
        b->on_dispatch(chosen);
    } else if (op < 50) {
      b->on_dispatch(backend); // not the least loaded: as a sticky route may do
    } else if (op < 95) {
      if (b->active(backend) > 0 || op == 94) // now and then below zero
        b->on_complete(backend);
    } else if (op < 99) {
      up[static_cast<std::size_t>(backend)] = !up[static_cast<std::size_t>(backend)];
      b->set_up(backend, up[static_cast<std::size_t>(backend)]);
    } else {
      // The least loaded goes down: the smallest count may lose its last backend.
      const int least = scan_least_loaded(*b, up);
      if (least >= 0) {
        up[static_cast<std::size_t>(least)] = false;
        b->set_up(least, false);
      }
    }
    ASSERT_EQ(b->pick(rng), scan_least_loaded(*b, up)) << backends << " backends, step " << step;
  }
}

TEST(LeastConnections, BucketsAgreeWithAScanAtEverySize)
{
  for (const int backends : {1, 2, 3, 63, 64, 65, 127, 1000})
    check_against_scan(backends, 60000, static_cast<std::uint64_t>(backends));
  for (const int backends : {4095, 4096, 4097, 10000})
    check_against_scan(backends, 8000, static_cast<std::uint64_t>(backends));
}

TEST(LeastConnections, BucketsAgreeWithAScanUnderBalancedLoad)
{
  // What a balancer in front of servers sees: dispatches to the pick and completions of busy backends only,
  // so that the counts stay within one or two of each other and every pick is among many ties.
  constexpr int kBackends = 1000;
  auto b = make(BalancingPolicy::least_connections, kBackends);
  std::vector<bool> up(kBackends, true);
  std::vector<int> busy; // one entry per request in flight: its backend
  Rng ops(16);
  Rng rng(17);
  for (int step = 0; step < 200000; ++step) {
    if (busy.size() < 2800 || ops.below(2) == 0) {
      const int chosen = b->pick(rng);
      ASSERT_EQ(chosen, scan_least_loaded(*b, up)) << step;
      b->on_dispatch(chosen);
      busy.push_back(chosen);
    } else {
      const std::size_t at = static_cast<std::size_t>(ops.below(busy.size()));
      b->on_complete(busy[at]);
      busy[at] = busy.back();
      busy.pop_back();
    }
  }
}

TEST(LeastConnections, EveryBackendDownThenUpAgain)
{
  auto b = make(BalancingPolicy::least_connections, 200);
  Rng rng(18);
  for (int i = 0; i < 200; ++i)
    for (int k = 0; k < i % 7; ++k)
      b->on_dispatch(i);
  for (int i = 0; i < 200; ++i)
    b->set_up(i, false);
  EXPECT_EQ(b->pick(rng), -1);
  b->set_up(150, true); // active 3
  EXPECT_EQ(b->pick(rng), 150);
  b->set_up(13, true); // active 6
  EXPECT_EQ(b->pick(rng), 150);
  b->set_up(7, true); // active 0
  EXPECT_EQ(b->pick(rng), 7);
  b->set_up(7, false);
  EXPECT_EQ(b->pick(rng), 150);
  b->set_up(150, false);
  EXPECT_EQ(b->pick(rng), 13);
  b->on_complete(13); // active 5, down ones ignored
  b->on_dispatch(150);
  b->set_up(150, true); // active 4
  EXPECT_EQ(b->pick(rng), 150);
}

// --- power of two choices -------------------------------------------------------------------------------

TEST(PowerOfTwo, TwoBackendsAlwaysGiveTheLessLoaded)
{
  auto b = make(BalancingPolicy::power_of_two, 2);
  Rng rng(4);
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(b->pick(rng), 0); // tie: lower index
  b->on_dispatch(0);
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(b->pick(rng), 1);
}

TEST(PowerOfTwo, NeverPicksTheWorseOfItsSamples)
{
  // active = {0, 5, 10}: each of the three equally likely pairs contains a better backend than 2, and 1
  // is chosen only when paired with 2. So 0 wins 2/3 of the picks, 1 wins 1/3 and 2 never.
  auto b = make(BalancingPolicy::power_of_two, 3);
  for (int i = 0; i < 5; ++i)
    b->on_dispatch(1);
  for (int i = 0; i < 10; ++i)
    b->on_dispatch(2);
  Rng rng(5);
  constexpr int kSamples = 300000;
  std::vector<int> counts(3, 0);
  for (int i = 0; i < kSamples; ++i)
    ++counts[static_cast<std::size_t>(b->pick(rng))];
  EXPECT_EQ(counts[2], 0);
  EXPECT_NEAR(counts[0] / double(kSamples), 2.0 / 3, frequency_tolerance(2.0 / 3, kSamples));
  EXPECT_NEAR(counts[1] / double(kSamples), 1.0 / 3, frequency_tolerance(1.0 / 3, kSamples));
}

TEST(PowerOfTwo, NeverPicksTheWorstUnderRandomOperations)
{
  // Whatever the two samples, the strictly worst up backend (most active, then highest index) loses.
  constexpr int kBackends = 9;
  auto b = make(BalancingPolicy::power_of_two, kBackends);
  std::vector<bool> up(kBackends, true);
  Rng ops(6);
  Rng rng(7);
  for (int step = 0; step < 100000; ++step) {
    const int backend = static_cast<int>(ops.below(kBackends));
    const std::uint64_t op = ops.below(10);
    if (op < 5) {
      int worst = -1;
      int up_count = 0;
      for (int i = 0; i < kBackends; ++i) {
        if (!up[static_cast<std::size_t>(i)])
          continue;
        ++up_count;
        if (worst < 0 || b->active(i) >= b->active(worst))
          worst = i;
      }
      const int chosen = b->pick(rng);
      if (up_count == 0) {
        ASSERT_EQ(chosen, -1);
        continue;
      }
      ASSERT_TRUE(up[static_cast<std::size_t>(chosen)]);
      if (up_count >= 2) {
        ASSERT_NE(chosen, worst) << step;
      }
      b->on_dispatch(chosen);
    } else if (op < 9) {
      if (b->active(backend) > 0)
        b->on_complete(backend);
    } else {
      up[static_cast<std::size_t>(backend)] = !up[static_cast<std::size_t>(backend)];
      b->set_up(backend, up[static_cast<std::size_t>(backend)]);
    }
  }
}

// --- random and weighted --------------------------------------------------------------------------------

std::vector<int> histogram_of_picks(Balancer& b, std::uint64_t seed, int samples)
{
  Rng rng(seed);
  std::vector<int> counts(static_cast<std::size_t>(b.backend_count()), 0);
  for (int i = 0; i < samples; ++i) {
    const int chosen = b.pick(rng);
    EXPECT_GE(chosen, 0);
    if (chosen >= 0)
      ++counts[static_cast<std::size_t>(chosen)];
  }
  return counts;
}

TEST(RandomPolicy, UniformOverUpBackends)
{
  auto b = make(BalancingPolicy::random, 5);
  constexpr int kSamples = 500000;
  std::vector<int> counts = histogram_of_picks(*b, 8, kSamples);
  for (int i = 0; i < 5; ++i)
    EXPECT_NEAR(counts[static_cast<std::size_t>(i)] / double(kSamples), 0.2, frequency_tolerance(0.2, kSamples));

  b->set_up(1, false);
  b->set_up(3, false);
  counts = histogram_of_picks(*b, 9, kSamples);
  EXPECT_EQ(counts[1], 0);
  EXPECT_EQ(counts[3], 0);
  for (const int i : {0, 2, 4})
    EXPECT_NEAR(counts[static_cast<std::size_t>(i)] / double(kSamples), 1.0 / 3,
                frequency_tolerance(1.0 / 3, kSamples));
}

TEST(RandomPolicy, SameSeedSameDecisions)
{
  auto a = make(BalancingPolicy::random, 10);
  auto b = make(BalancingPolicy::random, 10);
  a->set_up(4, false);
  b->set_up(4, false);
  Rng ra(10);
  Rng rb(10);
  EXPECT_EQ(picks(*a, ra, 1000), picks(*b, rb, 1000));
}

TEST(Weighted, FrequenciesFollowWeights)
{
  auto b = make_balancer(BalancingPolicy::weighted, 4, {1, 2, 3, 4});
  constexpr int kSamples = 500000;
  std::vector<int> counts = histogram_of_picks(*b, 11, kSamples);
  for (int i = 0; i < 4; ++i) {
    const double p = (i + 1) / 10.0;
    EXPECT_NEAR(counts[static_cast<std::size_t>(i)] / double(kSamples), p, frequency_tolerance(p, kSamples)) << i;
  }

  b->set_up(3, false);
  counts = histogram_of_picks(*b, 12, kSamples);
  EXPECT_EQ(counts[3], 0);
  for (int i = 0; i < 3; ++i) {
    const double p = (i + 1) / 6.0;
    EXPECT_NEAR(counts[static_cast<std::size_t>(i)] / double(kSamples), p, frequency_tolerance(p, kSamples)) << i;
  }

  b->set_up(3, true);
  counts = histogram_of_picks(*b, 13, kSamples);
  EXPECT_NEAR(counts[3] / double(kSamples), 0.4, frequency_tolerance(0.4, kSamples));
}

// --- all policies ---------------------------------------------------------------------------------------

TEST(Balancing, NeverPicksADownBackendUnderRandomOperations)
{
  for (const BalancingPolicy policy : kAllPolicies) {
    constexpr int kBackends = 13;
    auto b = make(policy, kBackends);
    std::vector<bool> up(kBackends, true);
    Rng ops(14);
    Rng rng(15);
    for (int step = 0; step < 20000; ++step) {
      const int backend = static_cast<int>(ops.below(kBackends));
      const std::uint64_t op = ops.below(10);
      if (op < 6) {
        bool any_up = false;
        for (const bool u : up)
          any_up = any_up || u;
        const int chosen = b->pick(rng);
        if (!any_up) {
          ASSERT_EQ(chosen, -1) << to_string(policy);
          continue;
        }
        ASSERT_GE(chosen, 0) << to_string(policy);
        ASSERT_LT(chosen, kBackends) << to_string(policy);
        ASSERT_TRUE(up[static_cast<std::size_t>(chosen)]) << to_string(policy) << " step " << step;
        b->on_dispatch(chosen);
      } else if (op < 9) {
        if (b->active(backend) > 0)
          b->on_complete(backend);
      } else {
        // Biased towards down so that the all-down state is visited too.
        const bool next = ops.below(3) == 0;
        up[static_cast<std::size_t>(backend)] = next;
        b->set_up(backend, next);
      }
    }
  }
}

} // namespace
} // namespace scalelab::models
