#pragma once
// The decision seam of a request's data steps: which shard and which replica a db_read or a db_write goes to,
// and where a cache step's answer sends the step list. One implementation, plain values only: the simulated
// api_server (sim/src/replication.cpp calls the same Partitioner and ReadRouter) and the real-mode interpreter
// (real/) both decide through it, so a test can feed both one trace and compare their decisions one by one.
#include "scalelab/models/cache.hpp"
#include "scalelab/models/random.hpp"
#include "scalelab/models/replication.hpp"
#include "scalelab/models/sharding.hpp"
#include "scalelab/models/spec.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace scalelab::models
{

// Where one database operation goes: the key's shard and, in that shard's group, the primary or a replica.
struct DataTarget {
  std::uint32_t shard = 0;
  int replica = ReadRouter::kPrimary; // kPrimary, or a replica of the shard, 0 .. replicas_per_shard - 1
  // The instance in the database's instance order (the shard's primary at shard * (R + 1), its replicas after).
  std::size_t instance(std::size_t replicas_per_shard) const
  {
    return shard * (replicas_per_shard + 1) + (replica == ReadRouter::kPrimary ? 0 : replica + 1);
  }
  bool operator==(const DataTarget& o) const { return shard == o.shard && replica == o.replica; }
};

// One caller's routing to one database (an api_server instance keeps one per database it calls): the
// partitioner of a sharded database, and a ReadRouter per shard, made as the simulated caller makes them.
class DatabaseRouting
{
public:
  explicit DatabaseRouting(const DatabaseSpec& db);
  // The shard, then in it the primary for a write, or the replica the read policy picks for a read. Draws
  // from rng exactly as the simulated caller does (one pick of the read policy per read, nothing per write).
  DataTarget route(CallStep::Op op, std::uint64_t key, std::uint32_t user, Rng& rng);
  void read_done(const DataTarget& target); // a read routed by route() was answered
  void promoted(std::uint32_t shard, int replica);
  std::uint32_t shards() const { return static_cast<std::uint32_t>(reads_.size()); }

private:
  std::unique_ptr<Partitioner> partitioner_; // none when unsharded
  std::vector<std::unique_ptr<ReadRouter>> reads_;
};

// The policy of a cache service (its KeyCache), from its spec: a TTL without a mode expires a fixed time after
// the set. The simulated cache holds one; the real mode's Redis keeps the same TTL (SET ... PX).
CacheConfig cache_config(const CacheSpec& spec);

// Cache-aside (docs/cache-model.md): after the cache_get at `pc`, the step list goes on at the first on_miss
// step on a miss, and past them all on a hit.
inline std::size_t after_cache_get(std::size_t pc, const CacheStep& step, bool hit)
{
  return hit ? pc + 1 + step.miss_steps : pc + 1;
}

// One decision of a step list run for one request, as the parity test compares them.
struct Decision {
  enum class What : std::uint8_t { cpu, cache_hit, cache_miss, cache_set, cache_erase, db_read, db_write, publish };
  What what = What::cpu;
  std::size_t step = 0; // the step's index in the request type's list
  DataTarget target;    // db_read, db_write
  bool operator==(const Decision& o) const { return what == o.what && step == o.step && target == o.target; }
};
const char* to_string(Decision::What what);
std::string to_string(const Decision& d); // "db_read@2 shard 0 replica 1"

} // namespace scalelab::models
