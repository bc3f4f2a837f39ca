#pragma once
// Which consumer a message broker delivers its next job to (docs/queues.md): RabbitMQ's rule for a queue whose
// consumers each allow one unacknowledged message (prefetch 1): round robin over the consumers that have room.
// Each free consumer is a token in a FIFO; a delivery takes the first, an acknowledgement puts it back at the
// end. An instance's consumers go away with its host (their tokens are skipped lazily, by generation), and come
// back when it restarts. O(1) amortised per delivery. Plain C++: the real mode's broker adapter asks the same.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

namespace scalelab::models
{

class ConsumerRing
{
public:
  // Worker instances of consumers[i] consumers each, all up and free, interleaved so that the first jobs go to
  // instances 0, 1, ..., n-1, 0, 1, ... (an instance with fewer consumers drops out of the rounds first).
  explicit ConsumerRing(std::vector<int> consumers)
      : generation_(consumers.size(), 0), down_(consumers.size(), false), consumers_(std::move(consumers))
  {
    fill();
  }
  struct Delivery {
    int instance = -1; // -1: no consumer is free
    std::uint32_t generation = 0;
  };
  // The consumer that takes the next job.
  Delivery take()
  {
    while (!free_.empty()) {
      const Delivery d = free_.front();
      free_.pop_front();
      if (!down_[static_cast<std::size_t>(d.instance)] && d.generation == generation(d.instance))
        return d;
    }
    return {};
  }
  // The job delivered as `d` was acknowledged (or given back): its consumer is free again, unless its instance
  // went down (or the broker restarted) since.
  void give_back(const Delivery& d)
  {
    if (!down_[static_cast<std::size_t>(d.instance)] && d.generation == generation(d.instance))
      free_.push_back(d);
  }
  // The instance's host crashed: its consumers are gone; what they held is not theirs any more.
  void set_down(int instance)
  {
    down_[static_cast<std::size_t>(instance)] = true;
    ++generation_[static_cast<std::size_t>(instance)];
  }
  // It restarted: its consumers connect again, all free.
  void set_up(int instance)
  {
    down_[static_cast<std::size_t>(instance)] = false;
    ++generation_[static_cast<std::size_t>(instance)];
    for (int k = 0; k < consumers_[static_cast<std::size_t>(instance)]; ++k)
      free_.push_back({instance, generation(instance)});
  }
  // The broker restarted: every consumer of an instance that is up connects again, free.
  void reset()
  {
    free_.clear();
    for (auto& g : generation_)
      ++g;
    fill();
  }
  std::uint32_t generation(int instance) const { return generation_[static_cast<std::size_t>(instance)]; }
  bool down(int instance) const { return down_[static_cast<std::size_t>(instance)]; }

private:
  void fill()
  {
    const int most = consumers_.empty() ? 0 : *std::max_element(consumers_.begin(), consumers_.end());
    for (int k = 0; k < most; ++k)
      for (std::size_t i = 0; i < generation_.size(); ++i)
        if (!down_[i] && k < consumers_[i])
          free_.push_back({static_cast<int>(i), generation_[i]});
  }
  std::deque<Delivery> free_;
  std::vector<std::uint32_t> generation_;
  std::vector<bool> down_;
  std::vector<int> consumers_;
};

} // namespace scalelab::models
