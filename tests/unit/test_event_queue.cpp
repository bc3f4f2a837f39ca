#include "event_queue.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <queue>
#include <random>
#include <vector>

namespace
{

struct Item {
  std::int64_t ts;
  std::uint64_t order;
  bool operator==(const Item& o) const { return ts == o.ts && order == o.order; }
};
struct Later {
  bool operator()(const Item& a, const Item& b) const { return a.ts != b.ts ? a.ts > b.ts : a.order > b.order; }
};
using Queue = scalelab::sim::EventQueue<Item, Later>;
using Reference = std::priority_queue<Item, std::vector<Item>, Later>;

// Pops `count` items from both and checks that they agree, item by item.
void expect_same_pops(Queue& queue, Reference& reference, std::size_t count)
{
  for (std::size_t i = 0; i < count && !reference.empty(); ++i) {
    ASSERT_EQ(queue.size(), reference.size());
    const Item got = queue.top();
    ASSERT_TRUE(got == reference.top()) << "got (" << got.ts << ", " << got.order << "), expected ("
                                        << reference.top().ts << ", " << reference.top().order << ")";
    queue.pop();
    reference.pop();
  }
}

// Pushes `count` items at times uniform in [0, span) ns, with increasing order keys, into both.
void push_uniform(Queue& queue, Reference& reference, std::uint64_t count, std::uint64_t span, std::uint64_t seed)
{
  std::mt19937_64 gen(seed);
  for (std::uint64_t i = 0; i < count; ++i) {
    const Item item{static_cast<std::int64_t>(gen() % span), i};
    queue.push(item);
    reference.push(item);
  }
}

// Random pushes around a clock that moves forward as items are popped, as in the engine, with delays drawn
// by `delay`; `before` of the pushes go before the latest popped time (allowed: the queue is a general
// priority queue).
template <class Delay> void run_against_reference(std::uint64_t seed, Delay delay, int rounds, double before = 0.05)
{
  Queue queue;
  Reference reference;
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::uint64_t order = 0;
  std::int64_t now = 0;
  for (int round = 0; round < rounds; ++round) {
    const int pushes = static_cast<int>(gen() % 6);
    for (int i = 0; i < pushes; ++i) {
      std::int64_t ts = now + delay(gen);
      if (unit(gen) < before)
        ts = std::max<std::int64_t>(0, now - static_cast<std::int64_t>(gen() % 5000));
      queue.push({ts, order});
      reference.push({ts, order});
      ++order;
    }
    if (!reference.empty())
      now = reference.top().ts;
    expect_same_pops(queue, reference, gen() % 6);
  }
  expect_same_pops(queue, reference, reference.size());
  EXPECT_TRUE(queue.empty());
}

} // namespace

TEST(EventQueue, PopsInTheSameOrderAsAPriorityQueueWithTies)
{
  // Times on a coarse grid: many equal times, broken by the order key.
  run_against_reference(
      1, [](std::mt19937_64& g) { return static_cast<std::int64_t>(g() % 50) * 1000; }, 20000);
}

TEST(EventQueue, PopsInOrderOverEveryLevelOfTheWheel)
{
  // Delays from a nanosecond to hours: front, fine wheel, coarse wheel and overflow heap.
  run_against_reference(
      2,
      [](std::mt19937_64& g) {
        const int magnitude = static_cast<int>(g() % 44);
        return static_cast<std::int64_t>(g() % (std::uint64_t{1} << magnitude));
      },
      30000);
}

TEST(EventQueue, NarrowsItsBucketsWhenEventsAreDenseAndStaysInOrder)
{
  Queue queue;
  Reference reference;
  const int initial = queue.bucket_shift();
  // 200,000 events within 2 ms: about 100 per 1 us bucket at first.
  push_uniform(queue, reference, 200000, 2'000'000, 3);
  expect_same_pops(queue, reference, 1000);
  EXPECT_LT(queue.bucket_shift(), initial);
  expect_same_pops(queue, reference, reference.size());
}

TEST(EventQueue, WidensItsBucketsWhenEventsAreSparseAndStaysInOrder)
{
  Queue queue;
  Reference reference;
  const int initial = queue.bucket_shift();
  // 5,000 events spread over ten simulated hours: nearly all beyond the coarse wheel at first.
  push_uniform(queue, reference, 5000, 36'000'000'000'000ULL, 4);
  expect_same_pops(queue, reference, 100);
  EXPECT_GT(queue.bucket_shift(), initial);
  expect_same_pops(queue, reference, reference.size());
}

TEST(EventQueue, ManyEventsAtOneInstantDoNotNarrowTheBuckets)
{
  Queue queue;
  Reference reference;
  const int initial = queue.bucket_shift();
  for (std::uint64_t i = 0; i < 10000; ++i) {
    const Item item{5'000'000 + static_cast<std::int64_t>(i % 3), 10000 - i};
    queue.push(item);
    reference.push(item);
  }
  expect_same_pops(queue, reference, reference.size());
  EXPECT_EQ(queue.bucket_shift(), initial);
  EXPECT_EQ(queue.rebuilds(), 0U);
}

TEST(EventQueue, AStationaryStreamSettlesOnOneWidth)
{
  // Poisson-like arrivals at one per 100 ns, each causing an event an exponential 10 ms later: the width
  // changes a few times at the start, then never.
  Queue queue;
  std::mt19937_64 gen(5);
  std::exponential_distribution<double> service(1e-7); // mean 10 ms in ns
  std::uint64_t order = 0;
  std::int64_t now = 0;
  queue.push({0, order++});
  std::uint64_t rebuilds_at_half = 0;
  for (int i = 0; i < 400000; ++i) {
    now = queue.top().ts;
    queue.pop();
    if (i == 200000)
      rebuilds_at_half = queue.rebuilds();
    if (queue.size() < 100000)
      queue.push({now + 100, order++}); // the next arrival
    queue.push({now + static_cast<std::int64_t>(service(gen)), order++});
  }
  EXPECT_LE(rebuilds_at_half, 10U);
  EXPECT_EQ(queue.rebuilds(), rebuilds_at_half);
}

TEST(EventQueue, BusyEpochsPopInTheSameOrderAsAPriorityQueue)
{
  // The stationary stream of the test above, checked event by event: each epoch begins with thousands of
  // events from the coarse wheel, and events keep arriving into the buckets of the epoch under way, ties
  // included.
  Queue queue;
  Reference reference;
  std::mt19937_64 gen(6);
  std::exponential_distribution<double> service(1e-7); // mean 10 ms in ns
  std::uint64_t order = 0;
  auto push = [&](Item item) {
    queue.push(item);
    reference.push(item);
  };
  push({0, order++});
  for (int i = 0; i < 300000; ++i) {
    ASSERT_EQ(queue.size(), reference.size());
    const Item got = queue.top();
    ASSERT_TRUE(got == reference.top()) << "at pop " << i;
    queue.pop();
    reference.pop();
    if (reference.size() < 100000)
      push({got.ts + 100, order++});
    push({got.ts + static_cast<std::int64_t>(service(gen)) / 1000 * 1000, order++}); // ties at whole microseconds
  }
  expect_same_pops(queue, reference, reference.size());
}
