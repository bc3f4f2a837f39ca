#include "scalelab/models/decisions.hpp"

namespace scalelab::models
{

DatabaseRouting::DatabaseRouting(const DatabaseSpec& db)
{
  const auto shards = static_cast<std::uint32_t>(db.shard_count());
  if (db.shards)
    partitioner_ = make_partitioner(*db.shards, shards);
  const auto& r = db.replication;
  for (std::uint32_t s = 0; s < shards; ++s)
    reads_.push_back(
        std::make_unique<ReadRouter>(r.read_from, r.read_policy, static_cast<int>(db.replicas_per_shard())));
}

DataTarget DatabaseRouting::route(CallStep::Op op, std::uint64_t key, std::uint32_t user, Rng& rng)
{
  DataTarget t;
  t.shard = partitioner_ ? partitioner_->shard_of(key) : 0;
  if (op == CallStep::Op::db_read)
    t.replica = reads_[t.shard]->pick_read(rng, user);
  return t;
}

void DatabaseRouting::read_done(const DataTarget& target)
{
  if (target.replica != ReadRouter::kPrimary && reads_[target.shard]->completions_matter())
    reads_[target.shard]->read_done(target.replica);
}

void DatabaseRouting::promoted(std::uint32_t shard, int replica)
{
  reads_.at(shard)->promoted(replica);
}

CacheConfig cache_config(const CacheSpec& spec)
{
  CacheConfig c;
  c.max_entries = static_cast<std::uint64_t>(spec.capacity);
  if (spec.memory)
    c.max_bytes = static_cast<std::uint64_t>(*spec.memory);
  c.eviction = spec.eviction;
  c.ttl = spec.ttl;
  c.ttl_mode = spec.ttl == 0                         ? CacheTtlMode::none
               : spec.ttl_mode == CacheTtlMode::none ? CacheTtlMode::fixed
                                                     : spec.ttl_mode;
  return c;
}

const char* to_string(Decision::What what)
{
  switch (what) {
  case Decision::What::cpu:
    return "cpu";
  case Decision::What::cache_hit:
    return "cache_hit";
  case Decision::What::cache_miss:
    return "cache_miss";
  case Decision::What::cache_set:
    return "cache_set";
  case Decision::What::cache_erase:
    return "cache_erase";
  case Decision::What::db_read:
    return "db_read";
  case Decision::What::db_write:
    return "db_write";
  case Decision::What::publish:
    return "publish";
  }
  return "?";
}

std::string to_string(const Decision& d)
{
  std::string s = std::string(to_string(d.what)) + "@" + std::to_string(d.step);
  if (d.what == Decision::What::db_read || d.what == Decision::What::db_write)
    s += " shard " + std::to_string(d.target.shard) + " replica " +
         (d.target.replica == ReadRouter::kPrimary ? std::string("primary") : std::to_string(d.target.replica));
  return s;
}

} // namespace scalelab::models
