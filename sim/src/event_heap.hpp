#pragma once
// A 4-ary min-heap of events: half the levels of a binary heap, and the four children of a node share a
// cache line or two, which matters when a host has tens of thousands of events ahead (a balancer at
// hundreds of thousands of requests per second). Events are totally ordered by (time, order), so the order
// they come out in is the same as with any other heap.
#include <cstddef>
#include <utility>
#include <vector>

namespace scalelab::sim
{

template <class T, class Later> class QuaternaryHeap
{
public:
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const T& top() const { return items_.front(); }
  void push(const T& item)
  {
    std::size_t i = items_.size();
    items_.push_back(item);
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!later_(items_[parent], item))
        break;
      items_[i] = items_[parent];
      i = parent;
    }
    items_[i] = item;
  }
  void pop()
  {
    const T last = items_.back();
    items_.pop_back();
    if (items_.empty())
      return;
    std::size_t i = 0;
    const std::size_t n = items_.size();
    for (;;) {
      const std::size_t first = 4 * i + 1;
      if (first >= n)
        break;
      std::size_t best = first;
      const std::size_t end = first + 4 < n ? first + 4 : n;
      for (std::size_t c = first + 1; c < end; ++c)
        if (later_(items_[best], items_[c]))
          best = c;
      if (!later_(last, items_[best]))
        break;
      items_[i] = items_[best];
      i = best;
    }
    items_[i] = last;
  }

private:
  std::vector<T> items_;
  Later later_;
};

} // namespace scalelab::sim
