#include "event_heap.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <queue>
#include <random>
#include <utility>

using Item = std::pair<std::int64_t, std::uint64_t>; // (time, order), as the engine's events
struct Later {
  bool operator()(const Item& a, const Item& b) const { return a > b; }
};

TEST(QuaternaryHeap, PopsInTheSameOrderAsAPriorityQueue)
{
  scalelab::sim::QuaternaryHeap<Item, Later> heap;
  std::priority_queue<Item, std::vector<Item>, Later> reference;
  std::mt19937_64 gen(12345);
  std::uint64_t order = 0;
  for (int round = 0; round < 2000; ++round) {
    // Many equal times, so ties are broken by the order key, as in the engine.
    const int pushes = static_cast<int>(gen() % 8);
    for (int i = 0; i < pushes; ++i) {
      const Item item{static_cast<std::int64_t>(gen() % 50) + round / 10, order++};
      heap.push(item);
      reference.push(item);
    }
    const int pops = static_cast<int>(gen() % 7);
    for (int i = 0; i < pops && !reference.empty(); ++i) {
      ASSERT_EQ(heap.top(), reference.top());
      heap.pop();
      reference.pop();
    }
    ASSERT_EQ(heap.size(), reference.size());
  }
  while (!reference.empty()) {
    ASSERT_EQ(heap.top(), reference.top());
    heap.pop();
    reference.pop();
  }
  EXPECT_TRUE(heap.empty());
}
