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

TEST(ReplicationPolicy, MonotonicReadsKeepEachUserOnOneReplicaAndMoveOnlyThoseOfAPromotedOne)
{
  Rng rng(3);
  ReadRouter router(ReadFrom::monotonic, BalancingPolicy::round_robin, 4);
  std::vector<int> first(1001);
  std::vector<int> count(4, 0);
  for (std::uint32_t u = 1; u <= 1000; ++u) {
    first[u] = router.pick_read(rng, u);
    ++count[static_cast<std::size_t>(first[u])];
    EXPECT_EQ(router.pick_read(rng, u), first[u]); // sticky, whatever the order of the requests
  }
  for (const int c : count) // a hash spreads the users: 250 each, within about four standard deviations
    EXPECT_NEAR(c, 250, 55);
  router.promoted(2);
  for (std::uint32_t u = 1; u <= 1000; ++u) {
    const int now = router.pick_read(rng, u);
    EXPECT_NE(now, 2);
    if (first[u] != 2) {
      EXPECT_EQ(now, first[u]) << "user " << u << " moved though their replica still serves reads";
    }
  }
  Rng a(9), b(9);
  router.pick_read(a, 17);
  EXPECT_EQ(a.next_u64(), b.next_u64()); // no random draw
  for (const int r : {0, 1, 3})
    router.promoted(r);
  EXPECT_EQ(router.pick_read(rng, 5), ReadRouter::kPrimary);
}

TEST(ReplicationPolicy, ReadYourWritesPicksReplicasWithThePolicyAndTokensOnlyGrow)
{
  Rng rng(1);
  ReadRouter router(ReadFrom::read_your_writes, BalancingPolicy::round_robin, 2);
  EXPECT_EQ(router.pick_read(rng, 7), 0);
  EXPECT_EQ(router.pick_read(rng, 7), 1);
  SessionTokens tokens(3);
  EXPECT_EQ(tokens.token(2), 0u);
  tokens.advance(2, 10);
  tokens.advance(2, 4); // an older reply arriving late
  EXPECT_EQ(tokens.token(2), 10u);
  EXPECT_EQ(tokens.token(3), 0u);
  EXPECT_TRUE(covers(10, 10));
  EXPECT_FALSE(covers(9, 10));
  EXPECT_TRUE(covers(0, 0)); // a user who never wrote waits for nothing
}

TEST(ReplicationLoader, SessionReadsNeedUsersAndOneReadYourWritesDatabase)
{
  const std::string head = R"(name: t
hardware:
  hosts: [{name: web}, {name: db, count: 4}]
services:
  app: {kind: api_server, host: web}
  users: {kind: database, host: db-1, replicas: [db-2], read_from: read_your_writes, read_policy: random}
  orders: {kind: database, host: db-3, replicas: [db-4], read_from: monotonic}
requests:
  get: [db_read: users, db_read: orders]
workload:
  entry: app
  arrival: {process: poisson, rate: 10/s}
)";
  const auto with_users = load_topology_text(head + "  users: 100\n", "t.yaml");
  ASSERT_TRUE(with_users.spec) << (with_users.errors.empty() ? "" : with_users.errors.front().format());
  const auto& db = std::get<DatabaseSpec>(with_users.spec->services[1].kind);
  EXPECT_EQ(db.replication.read_from, ReadFrom::read_your_writes);
  EXPECT_EQ(db.replication.read_policy, BalancingPolicy::random);
  EXPECT_TRUE(uses_read_your_writes(*with_users.spec));
  const auto without = load_topology_text(head, "t.yaml");
  ASSERT_EQ(without.errors.size(), 2u);
  EXPECT_NE(without.errors[0].format().find("needs requests that carry users"), std::string::npos);
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
