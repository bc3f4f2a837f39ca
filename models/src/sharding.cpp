#include "scalelab/models/sharding.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace scalelab::models
{

const char* to_string(Partitioning by)
{
  switch (by) {
  case Partitioning::hash_mod:
    return "hash_mod";
  case Partitioning::consistent_hash:
    return "consistent_hash";
  case Partitioning::range:
    return "range";
  }
  return "?";
}

HashModPartitioner::HashModPartitioner(std::uint32_t shards) : n_(shards)
{
  if (shards == 0)
    throw std::invalid_argument("HashModPartitioner: no shard");
}

ConsistentHashRing::ConsistentHashRing(std::uint32_t shards, int virtual_nodes, std::uint64_t salt) : n_(shards)
{
  if (shards == 0 || virtual_nodes < 1)
    throw std::invalid_argument("ConsistentHashRing: no shard or no virtual node");
  std::vector<std::pair<std::uint64_t, std::uint32_t>> ring;
  ring.reserve(static_cast<std::size_t>(shards) * static_cast<std::size_t>(virtual_nodes));
  for (std::uint32_t s = 0; s < shards; ++s)
    for (int v = 0; v < virtual_nodes; ++v)
      ring.emplace_back(mix64(salt ^ mix64((static_cast<std::uint64_t>(s) + 1) << 32 | static_cast<std::uint32_t>(v))),
                        s);
  std::sort(ring.begin(), ring.end()); // two equal points (never seen) are ordered by shard
  points_.reserve(ring.size());
  owner_.reserve(ring.size());
  for (const auto& [point, shard] : ring) {
    points_.push_back(point);
    owner_.push_back(shard);
  }
}

std::uint32_t ConsistentHashRing::shard_of(std::uint64_t key) const
{
  const auto it = std::lower_bound(points_.begin(), points_.end(), key_hash(key));
  return owner_[it == points_.end() ? 0 : static_cast<std::size_t>(it - points_.begin())];
}

std::vector<double> ConsistentHashRing::ownership() const
{
  // Point i owns the arc (points_[i - 1], points_[i]]; the first point also the arc that wraps around.
  std::vector<double> share(n_, 0.0);
  const double space = 18446744073709551616.0; // 2^64
  for (std::size_t i = 0; i < points_.size(); ++i) {
    const std::uint64_t previous = points_[i == 0 ? points_.size() - 1 : i - 1];
    share[owner_[i]] += static_cast<double>(points_[i] - previous) / space; // unsigned: wraps for i == 0
  }
  if (points_.size() == 1)
    share[owner_[0]] = 1.0;
  return share;
}

RangePartitioner::RangePartitioner(std::vector<KeyRange> ranges)
{
  if (ranges.empty())
    throw std::invalid_argument("RangePartitioner: no range");
  std::vector<std::uint32_t> order(ranges.size());
  std::iota(order.begin(), order.end(), 0U);
  std::sort(order.begin(), order.end(), [&ranges](std::uint32_t a, std::uint32_t b) {
    return ranges[a].from != ranges[b].from ? ranges[a].from < ranges[b].from : a < b;
  });
  for (std::uint32_t s : order) {
    starts_.push_back(ranges[s].from);
    shard_.push_back(s);
  }
}

std::uint32_t RangePartitioner::shard_of(std::uint64_t key) const
{
  const auto it = std::upper_bound(starts_.begin(), starts_.end(), key); // the first range starting after key
  return shard_[it == starts_.begin() ? 0 : static_cast<std::size_t>(it - starts_.begin()) - 1];
}

std::unique_ptr<Partitioner> make_partitioner(const ShardingSpec& spec, std::uint32_t shards)
{
  switch (spec.by) {
  case Partitioning::hash_mod:
    return std::make_unique<HashModPartitioner>(shards);
  case Partitioning::consistent_hash:
    return std::make_unique<ConsistentHashRing>(shards, spec.virtual_nodes);
  case Partitioning::range:
    if (spec.ranges.size() != shards)
      throw std::invalid_argument("make_partitioner: one range per shard expected");
    return std::make_unique<RangePartitioner>(spec.ranges);
  }
  throw std::invalid_argument("make_partitioner: unknown partitioning");
}

std::optional<RangeProblem> range_map_problem(const std::vector<KeyRange>& ranges, std::uint64_t key_count)
{
  const auto keys = [](std::uint64_t from, std::uint64_t to) {
    return from == to ? "key " + std::to_string(from) + " belongs"
                      : "keys " + std::to_string(from) + " to " + std::to_string(to) + " belong";
  };
  for (std::size_t s = 0; s < ranges.size(); ++s) {
    const KeyRange& r = ranges[s];
    if (r.from < 1 || r.from > r.to)
      return RangeProblem{s, "range " + std::to_string(r.from) + " to " + std::to_string(r.to) +
                                 " is empty or starts below key 1 (a range is from <= to, keys start at 1)"};
    if (r.to > key_count)
      return RangeProblem{s, "range " + std::to_string(r.from) + " to " + std::to_string(r.to) +
                                 " reaches beyond the last key, " + std::to_string(key_count) +
                                 " (workload.keys.count)"};
  }
  std::vector<std::size_t> order(ranges.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&ranges](std::size_t a, std::size_t b) {
    return ranges[a].from != ranges[b].from ? ranges[a].from < ranges[b].from : a < b;
  });
  std::uint64_t next = 1; // the first key no range seen so far holds
  for (std::size_t i = 0; i < order.size(); ++i) {
    const KeyRange& r = ranges[order[i]];
    if (r.from > next)
      return RangeProblem{order[i], keys(next, r.from - 1) + " to no shard (a gap before this range)"};
    if (r.from < next) {
      const std::size_t other = order[i - 1];
      return RangeProblem{order[i], keys(r.from, std::min(next - 1, r.to)) + " to two shards (this range " +
                                        "overlaps that of shard " + std::to_string(other + 1) + ")"};
    }
    next = r.to + 1;
  }
  if (next <= key_count)
    return RangeProblem{order.empty() ? 0 : order.back(),
                        keys(next, key_count) + " to no shard (after the last range)"};
  return std::nullopt;
}

std::vector<std::uint64_t> keys_per_shard(const Partitioner& p, std::uint64_t key_count)
{
  std::vector<std::uint64_t> count(p.shards(), 0);
  for (std::uint64_t k = 1; k <= key_count; ++k)
    ++count[p.shard_of(k)];
  return count;
}

MigrationPlan plan_migration(const Partitioner& before, const Partitioner& after, std::uint64_t key_count,
                             const ReshardSpec& spec)
{
  MigrationPlan plan;
  plan.shards_before = before.shards();
  plan.key_count = key_count;
  plan.moved_at.assign(key_count + 1, kNever);
  plan.done = spec.at;
  // The moving keys, by pair of shards (a counting sort: pairs in order, keys increasing within each).
  const std::uint64_t n = after.shards();
  std::vector<std::uint64_t> start(n * n + 1, 0);
  std::vector<std::uint32_t> pair_of(key_count + 1, 0);
  for (std::uint64_t k = 1; k <= key_count; ++k) {
    const std::uint32_t from = before.shard_of(k), to = after.shard_of(k);
    if (from == to)
      continue;
    pair_of[k] = static_cast<std::uint32_t>(from * n + to) + 1;
    ++start[pair_of[k]];
    ++plan.keys_moving;
  }
  std::partial_sum(start.begin(), start.end(), start.begin()); // start[p]: keys of the pairs before pair p
  std::vector<std::uint64_t> keys(plan.keys_moving);
  std::vector<std::uint64_t> next(start.begin(), start.end() - 1);
  for (std::uint64_t k = 1; k <= key_count; ++k)
    if (pair_of[k] != 0)
      keys[next[pair_of[k] - 1]++] = k;
  pair_of = {};
  // Batches of whole keys, copied one after another at the rate.
  const auto per_batch =
      static_cast<std::uint64_t>(std::max(1.0, std::floor(spec.batch_size / std::max(spec.key_size, 1e-300))));
  double copied = 0; // bytes
  for (std::uint64_t p = 0; p < n * n; ++p)
    for (std::uint64_t i = start[p]; i < start[p + 1]; i += per_batch) {
      MigrationBatch b;
      b.from = static_cast<std::uint32_t>(p / n);
      b.to = static_cast<std::uint32_t>(p % n);
      b.keys = std::min(per_batch, start[p + 1] - i);
      b.bytes = static_cast<double>(b.keys) * spec.key_size;
      b.start = later(spec.at, from_seconds(copied / spec.rate));
      copied += b.bytes;
      b.end = later(spec.at, from_seconds(copied / spec.rate));
      for (std::uint64_t j = i; j < i + b.keys; ++j)
        plan.moved_at[keys[j]] = b.end;
      plan.done = b.end;
      plan.batches.push_back(b);
    }
  return plan;
}

ReshardingRouter::ReshardingRouter(std::unique_ptr<Partitioner> before, std::unique_ptr<Partitioner> after,
                                   MigrationPlan plan)
    : before_(std::move(before)), after_(std::move(after)), plan_(std::move(plan))
{
}

double moved_fraction(const Partitioner& before, const Partitioner& after, std::uint64_t key_count)
{
  if (key_count == 0)
    return 0.0;
  std::uint64_t moved = 0;
  for (std::uint64_t k = 1; k <= key_count; ++k)
    moved += before.shard_of(k) != after.shard_of(k) ? 1 : 0;
  return static_cast<double>(moved) / static_cast<double>(key_count);
}

} // namespace scalelab::models
