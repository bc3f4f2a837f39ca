#pragma once
// A FIFO queue in one power-of-two array that only grows: unlike std::deque, which allocates and frees a
// block every few hundred bytes of traffic, it allocates nothing once it has reached its largest length.
#include <cstddef>
#include <vector>

namespace scalelab::sim
{

template <class T> class RingQueue
{
public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  void push_back(const T& value)
  {
    if (size_ == slots_.size())
      grow();
    slots_[(head_ + size_) & (slots_.size() - 1)] = value;
    ++size_;
  }
  const T& front() const { return slots_[head_]; }
  void clear() // reads nothing but the object itself
  {
    size_ = 0;
    head_ = 0;
  }
  void pop_front()
  {
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
  }

private:
  void grow()
  {
    std::vector<T> bigger(slots_.empty() ? 16 : 2 * slots_.size());
    for (std::size_t i = 0; i < size_; ++i)
      bigger[i] = slots_[(head_ + i) & (slots_.size() - 1)];
    slots_.swap(bigger);
    head_ = 0;
  }
  std::size_t size_ = 0, head_ = 0; // size_ first: empty() is all most callers read
  std::vector<T> slots_;
};

} // namespace scalelab::sim
