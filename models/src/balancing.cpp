// Load-balancing policies. Cost per operation, n backends, u of them up:
//  - round_robin: pick O(1) while every backend is up (a counter), O(log n) otherwise (the next up index is
//    found through a Fenwick tree of up counts); set_up O(log n).
//  - random: pick O(1) from an unordered array of up backends; set_up O(1) (append or swap-remove).
//  - least_connections: the up backends in buckets by active count, each a bitmap with summary words, and the
//    smallest nonempty count; pick, dispatch and complete O(log64 n) (two or three word reads and writes),
//    set_up likewise, except that marking down the last backend of the smallest count looks for the next one
//    up; the choice is the minimum of (active, index), as a heap would give. No allocation in steady state.
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

// A set of backend indices whose smallest member is found in O(log64 n) (two reads for n <= 4096, three for
// n <= 262,144): a bitmap of the members and, above it, layers of summary words with one bit per nonzero word
// of the layer below, up to a single word. Every set of one balancer shares the same layout; a set's words
// live in one array, layer 0 first.
class IndexSetLayout
{
public:
  explicit IndexSetLayout(int n)
  {
    std::size_t words = (static_cast<std::size_t>(n) + 63) / 64;
    if (words == 0)
      words = 1;
    for (;;) {
      offsets_.push_back(size_);
      size_ += words;
      if (words == 1)
        break;
      words = (words + 63) / 64;
    }
  }
  std::size_t words() const { return size_; }
  std::size_t layers() const { return offsets_.size(); }
  std::size_t offset(std::size_t layer) const { return offsets_[layer]; }

private:
  std::vector<std::size_t> offsets_; // where each layer starts
  std::size_t size_ = 0;
};

class IndexSet
{
public:
  IndexSet(const IndexSetLayout& layout, std::uint64_t* words) : layout_(layout), words_(words) {}

  void insert(std::size_t i)
  {
    for (std::size_t layer = 0; layer < layout_.layers(); ++layer) {
      std::uint64_t& w = words_[layout_.offset(layer) + i / 64];
      const bool was_empty = w == 0;
      w |= std::uint64_t{1} << (i % 64);
      if (!was_empty)
        return; // the layers above already know of this word
      i /= 64;
    }
  }
  void erase(std::size_t i)
  {
    for (std::size_t layer = 0; layer < layout_.layers(); ++layer) {
      std::uint64_t& w = words_[layout_.offset(layer) + i / 64];
      w &= ~(std::uint64_t{1} << (i % 64));
      if (w != 0)
        return;
      i /= 64;
    }
  }
  bool empty() const { return words_[layout_.words() - 1] == 0; }
  std::size_t first() const // the smallest member; the set must not be empty
  {
    std::size_t i = 0;
    for (std::size_t layer = layout_.layers(); layer-- > 0;)
      i = i * 64 + static_cast<std::size_t>(__builtin_ctzll(words_[layout_.offset(layer) + i]));
    return i;
  }

private:
  const IndexSetLayout& layout_;
  std::uint64_t* words_;
};

// The up backends in buckets by active count, each bucket an IndexSet, and the smallest count with a
// nonempty bucket. The choice is the lowest index in that bucket: the minimum of (active, index), the same as
// a heap ordered by less_loaded. A dispatch or a completion moves one backend to the next bucket up or
// down, which costs a few word operations whatever n is; only marking the minimum's last backend down
// scans the buckets above for the next nonempty one. A bucket's words are taken from a free list when it
// gets its first member and given back when it loses its last one (they are all zero then), so there is no
// allocation in steady state and memory grows with the number of distinct counts among up backends, which
// is at most about sqrt(2 x requests in flight) + 1.
class LeastConnections final : public BalancerBase
{
public:
  explicit LeastConnections(int n) : BalancerBase(n), layout_(n)
  {
    if (n == 0)
      return;
    bucket_of_.push_back(new_bucket()); // count 0: every backend
    IndexSet all = set(0);
    for (int i = 0; i < n; ++i)
      all.insert(static_cast<std::size_t>(i));
    min_ = 0;
  }

  int pick(Rng& /*rng*/) override
  {
    if (up_count() == 0)
      return -1;
    return static_cast<int>(set(min_).first());
  }
  bool observes_completions() const override { return true; }

protected:
  void changed_active(int backend, bool increased) override
  {
    if (!is_up(backend))
      return; // down: in no bucket
    const std::int64_t now = active_[static_cast<std::size_t>(backend)];
    const std::int64_t was = increased ? now - 1 : now + 1;
    const bool emptied = remove(backend, was);
    add(backend, now);
    if (increased) {
      if (emptied && was == min_)
        min_ = now;
    } else if (now < min_) {
      min_ = now;
    }
  }

  void changed_up(int backend, bool up) override
  {
    const std::int64_t count = active_[static_cast<std::size_t>(backend)];
    if (up) {
      add(backend, count);
      if (up_count() == 1 || count < min_)
        min_ = count;
      return;
    }
    if (remove(backend, count) && count == min_ && up_count() > 0) {
      std::int64_t next = count + 1;
      while (bucket_at(next) < 0)
        ++next;
      min_ = next;
    }
  }

private:
  // The bucket (an index into words_ / layout_.words()) holding backends with `count` active, or -1.
  int bucket_at(std::int64_t count) const
  {
    const std::int64_t at = count - base_;
    return at >= 0 && at < static_cast<std::int64_t>(bucket_of_.size()) ? bucket_of_[static_cast<std::size_t>(at)] : -1;
  }
  IndexSet set(std::int64_t count) { return IndexSet(layout_, words_.data() + bucket_slot(count)); }
  std::size_t bucket_slot(std::int64_t count) const
  {
    return static_cast<std::size_t>(bucket_of_[static_cast<std::size_t>(count - base_)]) * layout_.words();
  }
  void add(int backend, std::int64_t count)
  {
    if (count < base_) { // a count below every one seen (a completion reported twice): rare
      bucket_of_.insert(bucket_of_.begin(), static_cast<std::size_t>(base_ - count), -1);
      base_ = count;
    }
    const std::size_t at = static_cast<std::size_t>(count - base_);
    if (at >= bucket_of_.size())
      bucket_of_.resize(at + 1, -1);
    if (bucket_of_[at] < 0) {
      const int bucket = new_bucket();
      bucket_of_[at] = bucket;
    }
    set(count).insert(static_cast<std::size_t>(backend));
  }
  // Whether the bucket became empty (and was given back).
  bool remove(int backend, std::int64_t count)
  {
    IndexSet s = set(count);
    s.erase(static_cast<std::size_t>(backend));
    if (!s.empty())
      return false;
    std::int32_t& bucket = bucket_of_[static_cast<std::size_t>(count - base_)];
    free_.push_back(bucket);
    bucket = -1;
    return true;
  }
  int new_bucket()
  {
    if (!free_.empty()) {
      const int bucket = free_.back();
      free_.pop_back();
      return bucket;
    }
    const int bucket = static_cast<int>(words_.size() / layout_.words());
    words_.resize(words_.size() + layout_.words(), 0);
    free_.reserve(static_cast<std::size_t>(bucket) + 1);
    return bucket;
  }

  IndexSetLayout layout_;
  std::vector<std::uint64_t> words_;    // every bucket's words, layout_.words() each
  std::vector<std::int32_t> bucket_of_; // by count - base_: the bucket of that count, or -1 when empty
  std::vector<std::int32_t> free_;      // buckets not in use (all their words zero)
  std::int64_t base_ = 0;               // the count of bucket_of_[0]
  std::int64_t min_ = 0;                // the smallest count with an up backend (when one is up)
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
