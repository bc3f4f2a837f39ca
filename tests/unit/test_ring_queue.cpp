#include "ring_queue.hpp"

#include <gtest/gtest.h>

#include <deque>

using scalelab::sim::RingQueue;

TEST(RingQueue, IsFirstInFirstOutAcrossWrapAroundAndGrowth)
{
  RingQueue<int> ring;
  std::deque<int> reference;
  int next = 0;
  // Pushes and pops in bursts so the head wraps around many times and the array grows twice.
  for (int round = 0; round < 200; ++round) {
    const int pushes = (round * 7) % 23 + (round < 100 ? 3 : 0);
    for (int i = 0; i < pushes; ++i) {
      ring.push_back(next);
      reference.push_back(next++);
    }
    const int pops = (round * 5) % 19;
    for (int i = 0; i < pops && !reference.empty(); ++i) {
      ASSERT_EQ(ring.front(), reference.front());
      ring.pop_front();
      reference.pop_front();
    }
    ASSERT_EQ(ring.size(), reference.size());
  }
  EXPECT_GT(next, 64) << "the test must outgrow the first array of 16";
  while (!reference.empty()) {
    ASSERT_EQ(ring.front(), reference.front());
    ring.pop_front();
    reference.pop_front();
  }
  EXPECT_TRUE(ring.empty());
}
