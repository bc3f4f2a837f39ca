#pragma once
// Which shard holds a key: the partitioning policies of a sharded database, as plain functions of plain
// values. The simulated api server and the real-mode adapter call the same code. Keys are the workload's,
// 1 .. keys.count; shards are numbered from 0 in the order of the database's hosts.
//
// The hash is fixed and documented so that a key lands on the same shard on every machine and in every
// build: key_hash() is the finaliser of SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom
// number generators", OOPSLA 2014), a bijection of 64-bit words whose output bits each depend on every input
// bit.
#include "scalelab/models/time.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::models
{

enum class Partitioning {
  hash_mod,        // shard = key_hash(key) mod shards
  consistent_hash, // a ring of virtual_nodes points per shard; a key goes to the first point at or after its hash
  range            // each shard holds a range of keys, given by hand
};
const char* to_string(Partitioning by); // as written in files

// Keys from .. to, both included.
struct KeyRange {
  std::uint64_t from = 1;
  std::uint64_t to = 1;
};

struct ShardingSpec {
  Partitioning by = Partitioning::hash_mod;
  int virtual_nodes = 100;      // consistent_hash only: points on the ring per shard
  std::vector<KeyRange> ranges; // range only: one per shard, in shard order
};

// The SplitMix64 finaliser: 0 maps to 0, and every 64-bit word to a distinct one.
constexpr std::uint64_t mix64(std::uint64_t x)
{
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
// Where a key lies in the hash space.
constexpr std::uint64_t key_hash(std::uint64_t key)
{
  return mix64(key);
}

class Partitioner
{
public:
  virtual ~Partitioner() = default;
  // The shard of `key`, in [0, shards()); O(1) or O(log n).
  virtual std::uint32_t shard_of(std::uint64_t key) const = 0;
  virtual std::uint32_t shards() const = 0;
};

// key_hash(key) mod shards: even spread, but going from n to n + 1 shards moves n / (n + 1) of the keys.
class HashModPartitioner final : public Partitioner
{
public:
  explicit HashModPartitioner(std::uint32_t shards);
  std::uint32_t shard_of(std::uint64_t key) const override { return static_cast<std::uint32_t>(key_hash(key) % n_); }
  std::uint32_t shards() const override { return n_; }

private:
  std::uint32_t n_;
};

// A hash ring (Karger et al., STOC 1997). Shard s owns the points mix64(salt ^ mix64((s + 1) << 32 | v)) for v in
// 0 .. virtual_nodes - 1; a key goes to the shard of the first point at or after key_hash(key), wrapping
// around. A shard's points do not depend on how many shards there are, so adding shard n moves only the keys
// its points take over (about 1 / (n + 1) of them). salt picks another ring of the same shape (0 in files).
class ConsistentHashRing final : public Partitioner
{
public:
  ConsistentHashRing(std::uint32_t shards, int virtual_nodes, std::uint64_t salt = 0);
  std::uint32_t shard_of(std::uint64_t key) const override;
  std::uint32_t shards() const override { return n_; }
  // The fraction of the hash space each shard owns (the arcs ending at its points).
  std::vector<double> ownership() const;

private:
  std::uint32_t n_;
  std::vector<std::uint64_t> points_; // sorted
  std::vector<std::uint32_t> owner_;  // the shard of points_[i]
};

// Ranges given by hand; they must cover the key space without gap or overlap (range_map_problem()).
class RangePartitioner final : public Partitioner
{
public:
  explicit RangePartitioner(std::vector<KeyRange> ranges);
  // A key beyond every range (none when the map was checked) goes to the shard of the nearest range.
  std::uint32_t shard_of(std::uint64_t key) const override;
  std::uint32_t shards() const override { return static_cast<std::uint32_t>(shard_.size()); }

private:
  std::vector<std::uint64_t> starts_; // sorted range starts
  std::vector<std::uint32_t> shard_;  // the shard of each start
};

std::unique_ptr<Partitioner> make_partitioner(const ShardingSpec& spec, std::uint32_t shards);

// What is wrong with a range map over keys 1 .. key_count, if anything: the shard (index into ranges) the
// problem is found at and a message ("keys 501 to 600 belong to no shard"). A map is right when every key of
// 1 .. key_count is in exactly one range and no range reaches beyond key_count.
struct RangeProblem {
  std::size_t shard = 0;
  std::string message;
};
std::optional<RangeProblem> range_map_problem(const std::vector<KeyRange>& ranges, std::uint64_t key_count);

// Keys of 1 .. key_count held by each shard.
std::vector<std::uint64_t> keys_per_shard(const Partitioner& p, std::uint64_t key_count);
// The fraction of the keys 1 .. key_count whose shard differs between two partitionings (before n shards,
// after n + 1, say): the share of the data that resharding moves. O(key_count).
double moved_fraction(const Partitioner& before, const Partitioner& after, std::uint64_t key_count);

// Resharding during a run: a shard added at `at` takes its keys from the others. The keys whose shard differs
// between the partitionings of n and n + 1 shards move (moved_fraction() of them); they are copied from their old
// shard to their new one at `rate` bytes per second over all, in batches of about `batch_size` bytes, pair of
// shards after pair of shards (old, new: (0, 1), (0, 2), ... , (1, 0), ...), each pair's keys in increasing
// order. A key moves when its batch has been copied: requests routed from then on go to its new shard, those
// routed before to its old one. The schedule depends only on the two partitionings and the numbers, so it is
// known before the run, as the fault schedule is.
struct ReshardSpec {
  SimTime at = 0;
  std::string host;        // the new shard's host; it is shard n + 1 (index n)
  double rate = 12.5e6;    // bytes per second of the copy, over all shards
  double key_size = 1000;  // bytes copied per key
  double batch_size = 1e6; // bytes per message of the copy
};

struct MigrationBatch {
  std::uint32_t from = 0, to = 0; // shards
  std::uint64_t keys = 0;
  double bytes = 0;
  SimTime start = 0, end = 0; // the copy of its bytes, at the rate; its keys move at `end`
};

struct MigrationPlan {
  std::uint32_t shards_before = 0;
  std::uint64_t key_count = 0, keys_moving = 0;
  std::vector<MigrationBatch> batches; // in copy order
  std::vector<SimTime> moved_at;       // by key (index 0 unused): when it moves, kNever when it stays
  SimTime done = 0;                    // the last batch's end (`at` when nothing moves)
  double moved_fraction() const
  {
    return key_count ? static_cast<double>(keys_moving) / static_cast<double>(key_count) : 0.0;
  }
};

// The copy's schedule from `before` (n shards) to `after` (n + 1) over keys 1 .. key_count. O(key_count).
MigrationPlan plan_migration(const Partitioner& before, const Partitioner& after, std::uint64_t key_count,
                             const ReshardSpec& spec);

// Where a key is at a time, during and after a resharding: its old shard until its batch is copied, its new one
// from then on.
class ReshardingRouter
{
public:
  ReshardingRouter(std::unique_ptr<Partitioner> before, std::unique_ptr<Partitioner> after, MigrationPlan plan);
  std::uint32_t shard_of(std::uint64_t key, SimTime now) const
  {
    const bool moved = key < plan_.moved_at.size() && now >= plan_.moved_at[key];
    return moved ? after_->shard_of(key) : before_->shard_of(key);
  }
  const MigrationPlan& plan() const { return plan_; }

private:
  std::unique_ptr<Partitioner> before_, after_;
  MigrationPlan plan_;
};

} // namespace scalelab::models
