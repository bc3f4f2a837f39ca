#include "resharding.hpp"

namespace scalelab::sim
{

std::optional<std::uint32_t> resharded_target(World& w, std::uint32_t service, std::uint64_t key, SimTime ts)
{
  const auto& router = w.reshardings[service];
  if (!router)
    return std::nullopt;
  return w.service_instances[service][router->shard_of(key, ts)];
}

namespace
{
// The shard an instance of a resharded database is (its index among the service's instances); none for others.
std::optional<std::uint32_t> shard_of_instance(const World& w, const Database& db)
{
  if (!w.reshardings[db.service()])
    return std::nullopt;
  const auto& instances = w.service_instances[db.service()];
  for (std::uint32_t s = 0; s < instances.size(); ++s)
    if (instances[s] == db.id)
      return s;
  return std::nullopt;
}
} // namespace

void schedule_migration(Database& db)
{
  World& w = *db.world;
  const auto shard = shard_of_instance(w, db);
  if (!shard)
    return;
  const auto& batches = w.reshardings[db.service()]->plan().batches;
  for (std::uint32_t i = 0; i < batches.size(); ++i)
    if (batches[i].from == *shard && batches[i].start < w.clock.end)
      db.node->push_local(batches[i].start, EventKind::tick, db.id, 0, i);
}

void send_batch(Database& db, SimTime ts, std::uint32_t batch)
{
  World& w = *db.world;
  if (db.can_crash() && db.down_at(ts))
    return; // not sent: its keys move all the same (the schedule is fixed), and bytes_sent shows it
  const models::MigrationBatch& b = w.reshardings[db.service()]->plan().batches[batch];
  const std::uint32_t rid = w.pool.acquire();
  ++w.internal_records;
  Request& r = w.pool[rid];
  r.created = ts;
  r.key = 0;
  r.type = kMigrationRecord;
  r.depth = 1;
  r.call_program = 0;
  r.call_pc = 0;
  r.call_op = 0;
  r.version = batch;
  r.version_source = 0;
  r.frames()[0] = Frame{ts, db.id, batch, 0, 0, 0, db.incarnation_at(ts), 0};
  db.migration().keys_out += b.keys;
  db.migration().bytes_out += b.bytes;
  w.send(*db.node, ts, EventKind::request, w.service_instances[db.service()][b.to], rid, b.bytes);
}

void receive_batch(Database& db, SimTime ts, std::uint32_t rid)
{
  World& w = *db.world;
  const models::MigrationBatch& b = w.reshardings[db.service()]->plan().batches[w.pool[rid].version];
  const Frame& from = w.pool[rid].frames()[0];
  const Node& sender = *w.placement[from.component].node;
  // Lost when the sender crashed before it left its buffers, or when this host is down.
  const bool lost =
      (sender.can_crash() && sender.incarnation_at(ts) != from.incarnation) || (db.can_crash() && db.down_at(ts));
  if (!lost) {
    db.migration().keys_in += b.keys;
    db.migration().bytes_in += b.bytes;
  }
  w.pool.release(rid);
  --w.internal_records;
}

void build_resharded(const models::DatabaseSpec& spec, ServiceBuilder& b)
{
  const std::string& name = b.world.spec.services[b.service].name;
  // The shards, then the one added during the run: each instance's seed as without the resharding.
  const std::vector<std::string> hosts = models::instance_hosts(b.world.spec.services[b.service].kind);
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const std::uint32_t host = b.host(hosts[i]);
    b.add(std::make_unique<Database>(b.service, spec, b.core_speed(host), b.seed(name + "#" + std::to_string(i))),
          host);
  }
  const auto before = static_cast<std::uint32_t>(spec.shard_hosts.size());
  const auto keys = static_cast<std::uint64_t>(b.world.spec.workload.keys.count);
  auto from = models::make_partitioner(*spec.shards, before);
  auto to = models::make_partitioner(*spec.shards, before + 1);
  auto plan = models::plan_migration(*from, *to, keys, *spec.reshard);
  b.world.partitioners[b.service] = models::make_partitioner(*spec.shards, before);
  b.world.reshardings[b.service] =
      std::make_unique<models::ReshardingRouter>(std::move(from), std::move(to), std::move(plan));
}

void report_resharding(const World& w, std::uint32_t service, models::ServiceResult& r)
{
  const auto& spec = std::get<models::DatabaseSpec>(w.spec.services[service].kind);
  const models::MigrationPlan& plan = w.reshardings[service]->plan();
  models::ReshardingResult x;
  x.host = spec.reshard->host;
  x.shards_before = static_cast<int>(plan.shards_before);
  x.shards_after = x.shards_before + 1;
  x.at = models::to_seconds(spec.reshard->at);
  x.copied_at = models::to_seconds(plan.done);
  x.keys = plan.key_count;
  x.keys_moving = plan.keys_moving;
  x.moved_fraction = plan.moved_fraction();
  x.batches = plan.batches.size();
  for (const auto& batch : plan.batches) {
    x.bytes += batch.bytes;
    if (batch.end <= w.clock.end)
      x.keys_moved += batch.keys;
  }
  const auto& instances = w.service_instances[service];
  const std::vector<std::string> hosts = models::instance_hosts(w.spec.services[service].kind);
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const auto& m = static_cast<const Database&>(*w.components[instances[i]]).migration();
    x.shards.push_back({hosts[i], m.keys_out, m.keys_in, m.bytes_out, m.bytes_in});
    x.bytes_sent += m.bytes_out;
    x.bytes_received += m.bytes_in;
  }
  r.resharding = std::move(x);
}

} // namespace scalelab::sim
