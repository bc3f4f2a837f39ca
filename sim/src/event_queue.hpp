#pragma once
// The executor's queue of future events: a two-level timing wheel in front of a heap, so that the cost of
// an event does not grow with the number of events ahead (a heap's does, as log n: at a thousand servers,
// or with ten thousand requests in flight, the heap was a third of the run).
//
// Time is cut into fine buckets of 2^shift ns; 4096 fine buckets make an epoch, and the coarse wheel holds
// the 4096 epochs after the current one. An event goes:
//   - to `front_` (a small heap) if its fine bucket is at or before the current one;
//   - to its fine bucket if it is in the current epoch;
//   - to its epoch's coarse bucket if that epoch is within the coarse wheel;
//   - to `overflow_` (a heap) otherwise.
// When the front is empty, the next non-empty fine bucket (found through a bitmap) moves into it; when the
// epoch has no more, the next non-empty epoch (coarse bucket or overflow) is spread over the fine wheel. An
// event is moved at most three times, whatever the number of events ahead (and again when the buckets change
// width, which they do when a bucket is crowded or most events wait in the overflow heap). Events come out in
// exactly the order of their comparator (time, then a total order key), so the results never depend on the
// wheel's geometry.
#include "event_heap.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace scalelab::sim
{

// T has an integer `ts` >= 0 (nanoseconds); Later orders by ts first.
template <class T, class Later> class EventQueue
{
public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  void push(const T& item)
  {
    ++size_;
    place(item);
  }
  // The earliest event; the queue must not be empty.
  const T& top()
  {
    if (front_.empty())
      refill();
    return front_.top();
  }
  void pop()
  {
    if (front_.empty())
      refill();
    front_.pop();
    --size_;
    ++popped_;
  }

  int bucket_shift() const { return shift_; } // the fine buckets' width is 2^shift ns
  std::uint64_t rebuilds() const { return rebuilds_; }

private:
  using SimTimeOf = decltype(T::ts);
  static constexpr int kWheelBits = 12;
  static constexpr std::int64_t kSlots = std::int64_t{1} << kWheelBits;
  static constexpr std::int64_t kMask = kSlots - 1;
  static constexpr std::size_t kWords = static_cast<std::size_t>(kSlots / 64);
  static constexpr std::uint32_t kNil = 0xffffffffU;
  static constexpr std::size_t kDense = 64; // events in one fine bucket
  static constexpr int kMaxShift = 40;

  // Events in the wheels live in one pool, each bucket a singly linked list through it: a bucket costs 4
  // bytes when empty, and a freed cell is the next one used, still in the cache.
  struct Cell {
    T item;
    std::uint32_t next;
  };
  struct Wheel {
    std::array<std::uint32_t, kSlots> head;
    std::array<std::uint64_t, kWords> used{};
    Wheel() { head.fill(kNil); }
    // The first used slot in [from, kSlots), or -1.
    std::int64_t next_used(std::int64_t from) const
    {
      if (from >= kSlots)
        return -1;
      std::size_t word = static_cast<std::size_t>(from) / 64;
      std::uint64_t bits = used[word] & (~std::uint64_t{0} << (from % 64));
      for (;;) {
        if (bits)
          return static_cast<std::int64_t>(word * 64) + __builtin_ctzll(bits);
        if (++word == kWords)
          return -1;
        bits = used[word];
      }
    }
  };

  void add(Wheel& wheel, std::int64_t slot, const T& item)
  {
    std::uint32_t cell = free_;
    if (cell == kNil) {
      cell = static_cast<std::uint32_t>(cells_.size());
      cells_.push_back(Cell{item, kNil});
    } else {
      free_ = cells_[cell].next;
      cells_[cell].item = item;
    }
    auto& head = wheel.head[static_cast<std::size_t>(slot)];
    if (head == kNil)
      wheel.used[static_cast<std::size_t>(slot) / 64] |= std::uint64_t{1} << (slot % 64);
    cells_[cell].next = head;
    head = cell;
  }
  // Empties a slot, handing each of its events to `take`.
  template <class Take> void drain(Wheel& wheel, std::int64_t slot, Take&& take)
  {
    auto& head = wheel.head[static_cast<std::size_t>(slot)];
    for (std::uint32_t cell = head; cell != kNil;) {
      const std::uint32_t next = cells_[cell].next;
      take(cells_[cell].item);
      cells_[cell].next = free_;
      free_ = cell;
      cell = next;
    }
    head = kNil;
    wheel.used[static_cast<std::size_t>(slot) / 64] &= ~(std::uint64_t{1} << (slot % 64));
  }

  std::int64_t bucket_of(const T& item) const { return item.ts >> shift_; }

  void place(const T& item)
  {
    const std::int64_t bucket = bucket_of(item);
    if (bucket <= current_) {
      front_.push(item);
      return;
    }
    const std::int64_t e = bucket >> kWheelBits; // >= epoch_, since bucket > current_
    if (e == epoch_)
      add(fine_, bucket & kMask, item);
    else if (e - epoch_ < kSlots)
      add(coarse_, e & kMask, item);
    else
      overflow_.push(item);
  }

  // Moves the next events into the front: the next fine bucket of this epoch, or the next epoch's first.
  void refill()
  {
    for (;;) {
      const std::int64_t slot = fine_.next_used(current_ + 1 - (epoch_ << kWheelBits));
      if (slot < 0) {
        next_epoch();
        continue;
      }
      current_ = (epoch_ << kWheelBits) | slot;
      // The next bucket's first event is asked for now: its cell is rarely in the cache with thousands of
      // events ahead, and the events in between give the memory time to answer.
      if (const std::int64_t after = fine_.next_used(slot + 1); after >= 0)
        __builtin_prefetch(&cells_[fine_.head[static_cast<std::size_t>(after)]]);
      std::size_t count = 0;
      SimTimeOf first = std::numeric_limits<SimTimeOf>::max(), last = 0;
      drain(fine_, slot, [&](const T& item) {
        front_.push(item);
        ++count;
        first = std::min(first, item.ts);
        last = std::max(last, item.ts);
      });
      // Too many events for a small front heap, spread over the bucket: narrower buckets, about 8 events
      // each. (Events at nearly the same time stay together: narrower buckets would not part them.)
      if (count > kDense && shift_ > 0 && last - first >= (SimTimeOf{1} << (shift_ - 1))) {
        int change = 0;
        for (std::size_t ratio = count / 8; ratio > 1 && shift_ + change > 0; ratio >>= 1)
          --change;
        rebuild(current_ << shift_, change);
        continue; // everything is in the wheels again
      }
      return;
    }
  }

  // The fine wheel is empty: spreads the next non-empty epoch over it.
  void next_epoch()
  {
    std::int64_t next = -1; // the next epoch with events in the coarse wheel
    const std::int64_t here = epoch_ & kMask;
    std::int64_t slot = coarse_.next_used(here + 1);
    if (slot >= 0)
      next = epoch_ + (slot - here);
    else if ((slot = coarse_.next_used(0)) >= 0 && slot < here)
      next = epoch_ + (slot + kSlots - here);
    if (!overflow_.empty() && (next < 0 || (bucket_of(overflow_.top()) >> kWheelBits) < next))
      next = bucket_of(overflow_.top()) >> kWheelBits;
    // Events popped per fine bucket since the last epoch began: below 1 in 4, most buckets are touched for
    // one event, which costs a cache miss each; four times wider buckets. (1 in 64 after the buckets were
    // narrowed, so that the two never take turns.)
    const auto sparse_below = static_cast<std::uint64_t>(narrowed_ ? kSlots / 64 : kSlots / 4);
    const bool sparse =
        current_ >= 0 && shift_ < kMaxShift && popped_ < static_cast<std::uint64_t>(next - epoch_) * sparse_below;
    popped_ = 0;
    // `current_` is just before the epoch's first bucket, so that every one of its events is after it.
    epoch_ = next;
    current_ = (next << kWheelBits) - 1;
    if (sparse) {
      rebuild((current_ + 1) << shift_, 2);
      return;
    }
    drain(coarse_, next & kMask, [&](const T& item) { add(fine_, bucket_of(item) & kMask, item); });
    while (!overflow_.empty() && (bucket_of(overflow_.top()) >> kWheelBits) == next) {
      add(fine_, bucket_of(overflow_.top()) & kMask, overflow_.top());
      overflow_.pop();
    }
  }

  // Places every event again with buckets 2^change times as wide; `start` is a time no event is before.
  void rebuild(SimTimeOf start, int change)
  {
    gathered_.clear();
    auto gather = [&](const T& item) { gathered_.push_back(item); };
    for (Wheel* wheel : {&fine_, &coarse_})
      for (std::int64_t s = wheel->next_used(0); s >= 0; s = wheel->next_used(s + 1))
        drain(*wheel, s, gather);
    for (QuaternaryHeap<T, Later>* heap : {&front_, &overflow_})
      while (!heap->empty()) {
        gathered_.push_back(heap->top());
        heap->pop();
      }
    shift_ += change;
    narrowed_ = narrowed_ || change < 0;
    current_ = (start >> shift_) - 1;
    epoch_ = (current_ + 1) >> kWheelBits;
    for (const T& item : gathered_)
      place(item);
    gathered_.clear();
    ++rebuilds_;
  }

  int shift_ = 10;            // fine buckets of 1.024 us to start with
  std::int64_t current_ = -1; // the fine bucket whose events (and all earlier ones) are in the front
  std::int64_t epoch_ = 0;    // the fine wheel holds this epoch's buckets after current_
  QuaternaryHeap<T, Later> front_, overflow_;
  Wheel fine_, coarse_;
  std::vector<Cell> cells_;
  std::uint32_t free_ = kNil;
  std::vector<T> gathered_;
  std::size_t size_ = 0;
  std::uint64_t popped_ = 0; // since the current epoch began
  std::uint64_t rebuilds_ = 0;
  bool narrowed_ = false;
};

} // namespace scalelab::sim
