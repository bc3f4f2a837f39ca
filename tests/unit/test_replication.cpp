// The decisions of a replicated database (models/replication.hpp), and the loader's reading of its replicas.
#include "scalelab/models/loader.hpp"
#include "scalelab/models/replication.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <vector>

namespace scalelab::models
{
namespace
{

TEST(ReplicationPolicy, TheMostAdvancedVoterIsPromotedAndTheFirstOnATie)
{
  EXPECT_EQ(choose_promoted({std::nullopt, 10, 12, 11}), std::optional<std::size_t>(2));
  EXPECT_EQ(choose_promoted({std::nullopt, 12, 12}), std::optional<std::size_t>(1));
  EXPECT_EQ(choose_promoted({std::nullopt, std::nullopt}), std::nullopt); // nobody voted
  EXPECT_EQ(choose_promoted({0, std::nullopt}), std::optional<std::size_t>(0));
}

TEST(ReplicationPolicy, LostWritesAreTheAcknowledgedOnesBeyondThePromotedPosition)
{
  // Acknowledgements come in any order under semi_sync; each is counted once.
  EXPECT_EQ(lost_writes({1, 2, 4, 3, 7, 5}, 3), 3u);
  EXPECT_EQ(lost_writes({1, 2, 3}, 3), 0u);
  EXPECT_EQ(lost_writes({}, 0), 0u);
}

TEST(ReplicationPolicy, AWriteWaitsForNoneUnderAsyncKUnderSemiSyncAndAllUnderSync)
{
  ReplicationSpec spec;
  spec.mode = ReplicationMode::async;
  EXPECT_EQ(acks_needed(spec, 3), 0u);
  spec.mode = ReplicationMode::semi_sync;
  spec.k = 2;
  EXPECT_EQ(acks_needed(spec, 3), 2u);
  EXPECT_EQ(acks_needed(spec, 1), 1u); // after a failover fewer replicas are left
  spec.mode = ReplicationMode::sync;
  EXPECT_EQ(acks_needed(spec, 3), 3u);
}

TEST(ReplicationPolicy, RoundRobinReadsVisitEveryReplicaInTurnAndSkipAPromotedOne)
{
  Rng rng(1);
  ReadRouter router(ReadFrom::replicas, BalancingPolicy::round_robin, 3);
  std::vector<int> picks;
  for (int i = 0; i < 6; ++i)
    picks.push_back(router.pick_read(rng));
  EXPECT_EQ(picks, (std::vector<int>{0, 1, 2, 0, 1, 2}));
  router.promoted(1);
  std::map<int, int> counts;
  for (int i = 0; i < 100; ++i)
    ++counts[router.pick_read(rng)];
  EXPECT_EQ(counts.count(1), 0u);
  EXPECT_EQ(counts[0] + counts[2], 100);
  router.promoted(0);
  router.promoted(2);
  EXPECT_EQ(router.pick_read(rng), ReadRouter::kPrimary); // no replica left: the primary serves reads
}

TEST(ReplicationPolicy, ReadsFromThePrimaryNeverDrawARandomNumber)
{
  Rng a(7), b(7);
  ReadRouter router(ReadFrom::primary, BalancingPolicy::random, 2);
  EXPECT_EQ(router.pick_read(a), ReadRouter::kPrimary);
  EXPECT_EQ(a.next_u64(), b.next_u64());
}

TEST(ReplicationLoader, ReplicasAreInstancesOnTheirOwnHostsAfterThePrimary)
{
  const auto loaded = load_topology_text(R"(name: t
hardware:
  hosts: [{name: web}, {name: db, count: 3}]
services:
  app: {kind: api_server, host: web}
  users: {kind: database, host: db-1, replicas: [db-2, db-3], replication: semi_sync, k: 2, read_from: replicas,
          read_policy: least_connections, detection_timeout: 3s}
requests:
  get: [db_read: users]
workload:
  entry: app
  arrival: {process: poisson, rate: 10/s}
)",
                                         "t.yaml");
  ASSERT_TRUE(loaded.spec) << (loaded.errors.empty() ? "" : loaded.errors.front().format());
  const auto& db = std::get<DatabaseSpec>(loaded.spec->services[1].kind);
  EXPECT_EQ(db.replication.replicas, (std::vector<std::string>{"db-2", "db-3"}));
  EXPECT_EQ(db.replication.mode, ReplicationMode::semi_sync);
  EXPECT_EQ(db.replication.k, 2);
  EXPECT_EQ(db.replication.read_policy, BalancingPolicy::least_connections);
  EXPECT_EQ(db.replication.detection, 3 * kNanosPerSecond);
  EXPECT_EQ(db.replication.promotion, 2 * kNanosPerSecond); // the default
  ASSERT_TRUE(db.replication.apply.cpu_flops);              // the default: as a write's
  EXPECT_EQ(*db.replication.apply.cpu_flops, 2e6);
  EXPECT_EQ(instance_hosts(loaded.spec->services[1].kind), (std::vector<std::string>{"db-1", "db-2", "db-3"}));
}

} // namespace
} // namespace scalelab::models
