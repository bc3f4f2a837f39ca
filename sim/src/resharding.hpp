#pragma once
// A shard added to a sharded database during the run (docs/sharding.md, models::ReshardSpec). The copy's
// schedule is known before the run (models::plan_migration): each batch is a record of the request pool sent at
// its start from its old shard's instance to its new one, with its bytes, over the network (it loads the links
// as any message does); each key's requests go to its new shard from the end of its batch on
// (models::ReshardingRouter, asked by the callers). No actor per batch, and no state read across hosts.
#include "components.hpp"
#include "service_kinds.hpp"

#include "scalelab/models/results.hpp"

#include <optional>

namespace scalelab::sim
{

// A record that carries a batch of the copy, told apart by Request::type (request types are fewer).
inline constexpr std::uint16_t kMigrationRecord = 0xfffc;

// The instance a db call for `key` at `ts` goes to when the database is being resharded; nothing otherwise.
std::optional<std::uint32_t> resharded_target(World& world, std::uint32_t service, std::uint64_t key, SimTime ts);

// Before the run: the shard's instance sends the batches it is the old shard of, each at its start.
void schedule_migration(Database& db);
// A Database's tick: batch `batch` leaves now. Its arrival at the new shard's instance.
void send_batch(Database& db, SimTime ts, std::uint32_t batch);
void receive_batch(Database& db, SimTime ts, std::uint32_t request);

// A sharded database's instances with a resharding: the shards, then the added one; the router and the plan.
void build_resharded(const models::DatabaseSpec& spec, ServiceBuilder& b);
void report_resharding(const World& world, std::uint32_t service, models::ServiceResult& r);

} // namespace scalelab::sim
