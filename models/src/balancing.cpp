// Load-balancing policies. Cost per operation, n backends, u of them up:
//  - round_robin: pick O(1) while every backend is up (a counter), O(log n) otherwise (the next up index is
//    found through a Fenwick tree of up counts); set_up O(log n).
//  - random: pick O(1) from an unordered array of up backends; set_up O(1) (append or swap-remove).
//  - least_connections: an indexed binary min-heap of the up backends ordered by (active, index); pick O(1),
//    dispatch / complete / set_up O(log n), no allocation after construction.
//  - power_of_two: two distinct samples from the array of up backends (as random), O(1).
//  - weighted: a random pick with probability proportional to weight through Walker's alias table
//    (WeightedPicker), O(1) per pick and deterministic for a given Rng. The table covers the up backends
//    only, so a down backend is never drawn: after membership changes it is rebuilt once, in O(n), by the
//    next pick. Membership changes are rare events; picks happen on every request.
// Every policy counts active requests (dispatch minus complete), whether or not its decisions use them.
#include "scalelab/models/balancing.hpp"

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

namespace scalelab::models
{
namespace
{

class BalancerBase : public Balancer
{
public:
  explicit BalancerBase(int n)
      : active_(static_cast<std::size_t>(n), 0), up_(static_cast<std::size_t>(n), 1), up_count_(n)
  {
  }

  void on_dispatch(int backend) override
  {
    ++active_[checked(backend)];
    changed_active(backend, true);
  }
  void on_complete(int backend) override
  {
    --active_[checked(backend)];
    changed_active(backend, false);
  }
  void set_up(int backend, bool up) override
  {
    char& flag = up_[checked(backend)];
    if ((flag != 0) == up)
      return;
    flag = up ? 1 : 0;
    up_count_ += up ? 1 : -1;
    changed_up(backend, up);
  }
  bool observes_completions() const override { return false; }
  int backend_count() const override { return static_cast<int>(active_.size()); }
  std::int64_t active(int backend) const override { return active_[checked(backend)]; }

protected:
  // `increased`: by one (a dispatch), else decreased by one (a completion).
  virtual void changed_active(int /*backend*/, bool /*increased*/) {}
  virtual void changed_up(int backend, bool up) = 0;

  std::size_t checked(int backend) const
  {
    if (backend < 0 || backend >= backend_count())
      throw std::out_of_range("backend index " + std::to_string(backend) + " out of range [0, " +
                              std::to_string(backend_count()) + ")");
    return static_cast<std::size_t>(backend);
  }
  bool is_up(int backend) const { return up_[static_cast<std::size_t>(backend)] != 0; }
  bool all_up() const { return up_count_ == backend_count(); }
  int up_count() const { return up_count_; }

  std::vector<std::int64_t> active_;

private:
  std::vector<char> up_;
  int up_count_;
};

// The up backends in no particular order, with each one's position, so that both membership changes and a
// uniform draw are O(1).
class UpArray
{
public:
  explicit UpArray(int n) : members_(static_cast<std::size_t>(n)), position_(static_cast<std::size_t>(n))
  {
    for (int i = 0; i < n; ++i) {
      members_[static_cast<std::size_t>(i)] = i;
      position_[static_cast<std::size_t>(i)] = i;
    }
  }
  void add(int backend)
  {
    position_[static_cast<std::size_t>(backend)] = static_cast<int>(members_.size());
    members_.push_back(backend);
  }
  void remove(int backend)
  {
    const int at = position_[static_cast<std::size_t>(backend)];
    const int last = members_.back();
    members_[static_cast<std::size_t>(at)] = last;
    position_[static_cast<std::size_t>(last)] = at;
    members_.pop_back();
  }
  int size() const { return static_cast<int>(members_.size()); }
  int operator[](int i) const { return members_[static_cast<std::size_t>(i)]; }

private:
  std::vector<int> members_;
  std::vector<int> position_; // meaningful for members only
};

// Counts of up backends over index ranges (a Fenwick tree), so that "the first up backend at or after i" is
// found in O(log n) and a membership change costs O(log n), however many backends are down.
class UpCounts
{
public:
  explicit UpCounts(int n) : tree_(static_cast<std::size_t>(n) + 1)
  {
    // Every backend starts up: node j covers (j - lowbit(j), j], so it counts lowbit(j).
    for (int j = 1; j <= n; ++j)
      tree_[static_cast<std::size_t>(j)] = j & -j;
    top_ = 1;
    while (top_ * 2 <= n)
      top_ *= 2;
  }
  void add(int backend, int delta)
  {
    for (int j = backend + 1; j < static_cast<int>(tree_.size()); j += j & -j)
      tree_[static_cast<std::size_t>(j)] += delta;
  }
  int count_below(int backend) const // up backends with an index < backend
  {
    int sum = 0;
    for (int j = backend; j > 0; j -= j & -j)
      sum += tree_[static_cast<std::size_t>(j)];
    return sum;
  }
  int kth(int k) const // the index of the k-th up backend, k >= 1
  {
    int position = 0;
    for (int step = top_; step > 0; step /= 2) {
      const int next = position + step;
      if (next < static_cast<int>(tree_.size()) && tree_[static_cast<std::size_t>(next)] < k) {
        position = next;
        k -= tree_[static_cast<std::size_t>(next)];
      }
    }
    return position;
  }

private:
  std::vector<int> tree_; // 1-based
  int top_ = 0;           // the largest power of two <= n
};

class RoundRobin final : public BalancerBase
{
public:
  explicit RoundRobin(int n) : BalancerBase(n), up_counts_(n) {}

  int pick(Rng& /*rng*/) override
  {
    if (up_count() == 0)
      return -1;
    int chosen = next_;
    if (!all_up()) {
      // The first up backend at or after next_, wrapping around to the first one.
      const int before = up_counts_.count_below(next_);
      chosen = up_counts_.kth(before == up_count() ? 1 : before + 1);
    }
    next_ = chosen + 1 == backend_count() ? 0 : chosen + 1;
    return chosen;
  }

protected:
  void changed_up(int backend, bool up) override { up_counts_.add(backend, up ? 1 : -1); }

private:
  UpCounts up_counts_;
  int next_ = 0; // the backend that comes next in the cycle if it is up
};

class RandomPolicy final : public BalancerBase
{
public:
  explicit RandomPolicy(int n) : BalancerBase(n), up_(n) {}

  int pick(Rng& rng) override
  {
    if (up_.size() == 0)
      return -1;
    return up_[static_cast<int>(rng.below(static_cast<std::uint64_t>(up_.size())))];
  }

protected:
  void changed_up(int backend, bool up) override { up ? up_.add(backend) : up_.remove(backend); }

private:
  UpArray up_;
};

// Fewer active first, then lower index: a strict total order, so the choice is deterministic.
bool less_loaded(std::int64_t active_a, int a, std::int64_t active_b, int b)
{
  return active_a != active_b ? active_a < active_b : a < b;
}

class LeastConnections final : public BalancerBase
{
public:
  explicit LeastConnections(int n) : BalancerBase(n), position_(static_cast<std::size_t>(n))
  {
    // All counts are 0, so index order is already a valid heap.
    heap_.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      heap_.push_back(i);
      position_[static_cast<std::size_t>(i)] = i;
    }
  }

  int pick(Rng& /*rng*/) override { return heap_.empty() ? -1 : heap_.front(); }
  bool observes_completions() const override { return true; }

protected:
  void changed_active(int backend, bool increased) override
  {
    const int at = position_[static_cast<std::size_t>(backend)];
    if (at < 0)
      return; // down: not in the heap
    // A min-heap: a larger count can only move down, a smaller one only up.
    if (increased)
      sift_down(at);
    else
      sift_up(at);
  }

  void changed_up(int backend, bool up) override
  {
    if (up) {
      heap_.push_back(backend);
      position_[static_cast<std::size_t>(backend)] = static_cast<int>(heap_.size()) - 1;
      sift_up(static_cast<int>(heap_.size()) - 1);
      return;
    }
    const int at = position_[static_cast<std::size_t>(backend)];
    const int last = static_cast<int>(heap_.size()) - 1;
    position_[static_cast<std::size_t>(backend)] = -1;
    if (at != last) {
      place(at, heap_[static_cast<std::size_t>(last)]);
      heap_.pop_back();
      sift_down(sift_up(at));
    } else {
      heap_.pop_back();
    }
  }

private:
  bool before(int i, int j) const // heap slots
  {
    const int a = heap_[static_cast<std::size_t>(i)];
    const int b = heap_[static_cast<std::size_t>(j)];
    return less_loaded(active_[static_cast<std::size_t>(a)], a, active_[static_cast<std::size_t>(b)], b);
  }
  void place(int slot, int backend)
  {
    heap_[static_cast<std::size_t>(slot)] = backend;
    position_[static_cast<std::size_t>(backend)] = slot;
  }
  void swap_slots(int i, int j)
  {
    const int a = heap_[static_cast<std::size_t>(i)];
    place(i, heap_[static_cast<std::size_t>(j)]);
    place(j, a);
  }
  int sift_up(int slot)
  {
    while (slot > 0) {
      const int parent = (slot - 1) / 2;
      if (!before(slot, parent))
        break;
      swap_slots(slot, parent);
      slot = parent;
    }
    return slot;
  }
  int sift_down(int slot)
  {
    const int size = static_cast<int>(heap_.size());
    for (;;) {
      const int left = 2 * slot + 1;
      if (left >= size)
        break;
      int child = left;
      if (left + 1 < size && before(left + 1, left))
        child = left + 1;
      if (!before(child, slot))
        break;
      swap_slots(slot, child);
      slot = child;
    }
    return slot;
  }

  std::vector<int> heap_;     // backends; heap_[0] has the fewest active (lowest index on ties)
  std::vector<int> position_; // slot of each backend in heap_, -1 when down
};

class PowerOfTwo final : public BalancerBase
{
public:
  explicit PowerOfTwo(int n) : BalancerBase(n), up_(n) {}

  int pick(Rng& rng) override
  {
    const int m = up_.size();
    if (m == 0)
      return -1;
    if (m == 1)
      return up_[0];
    // Two distinct positions: the second is drawn among the m - 1 others.
    const int i = static_cast<int>(rng.below(static_cast<std::uint64_t>(m)));
    int j = static_cast<int>(rng.below(static_cast<std::uint64_t>(m - 1)));
    if (j >= i)
      ++j;
    const int a = up_[i];
    const int b = up_[j];
    return less_loaded(active_[static_cast<std::size_t>(a)], a, active_[static_cast<std::size_t>(b)], b) ? a : b;
  }
  bool observes_completions() const override { return true; }

protected:
  void changed_up(int backend, bool up) override { up ? up_.add(backend) : up_.remove(backend); }

private:
  UpArray up_;
};

class Weighted final : public BalancerBase
{
public:
  Weighted(int n, const std::vector<double>& weights) : BalancerBase(n), weights_(weights)
  {
    if (weights_.size() != static_cast<std::size_t>(n))
      throw std::invalid_argument("weighted balancing needs one weight per backend: " + std::to_string(n) +
                                  " backends, " + std::to_string(weights_.size()) + " weights");
    for (const double w : weights_)
      if (!(w > 0) || !std::isfinite(w))
        throw std::invalid_argument("weighted balancing: every weight must be positive and finite");
    rebuild();
  }

  int pick(Rng& rng) override
  {
    if (stale_)
      rebuild();
    return picker_ ? static_cast<int>(picker_->pick(rng)) : -1;
  }

protected:
  // Rebuilt on the next pick only, so that a burst of changes (a zone going down) costs one rebuild.
  void changed_up(int /*backend*/, bool /*up*/) override { stale_ = true; }

private:
  void rebuild()
  {
    stale_ = false;
    picker_.reset();
    if (up_count() == 0)
      return;
    std::vector<double> effective(weights_);
    for (int i = 0; i < backend_count(); ++i)
      if (!is_up(i))
        effective[static_cast<std::size_t>(i)] = 0;
    picker_.emplace(effective);
  }

  std::vector<double> weights_;
  std::optional<WeightedPicker> picker_; // empty when every backend is down
  bool stale_ = false;                   // picker_ predates a membership change
};

} // namespace

std::unique_ptr<Balancer> make_balancer(BalancingPolicy policy, int backend_count, const std::vector<double>& weights)
{
  if (backend_count < 0)
    throw std::invalid_argument("negative backend count " + std::to_string(backend_count));
  switch (policy) {
  case BalancingPolicy::round_robin:
    return std::make_unique<RoundRobin>(backend_count);
  case BalancingPolicy::random:
    return std::make_unique<RandomPolicy>(backend_count);
  case BalancingPolicy::least_connections:
    return std::make_unique<LeastConnections>(backend_count);
  case BalancingPolicy::power_of_two:
    return std::make_unique<PowerOfTwo>(backend_count);
  case BalancingPolicy::weighted:
    return std::make_unique<Weighted>(backend_count, weights);
  }
  throw std::invalid_argument("unknown balancing policy");
}

const char* to_string(BalancingPolicy policy)
{
  switch (policy) {
  case BalancingPolicy::round_robin:
    return "round_robin";
  case BalancingPolicy::random:
    return "random";
  case BalancingPolicy::least_connections:
    return "least_connections";
  case BalancingPolicy::power_of_two:
    return "power_of_two";
  case BalancingPolicy::weighted:
    return "weighted";
  }
  return "unknown";
}

} // namespace scalelab::models
