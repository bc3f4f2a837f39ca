// Live faults (docs/real-mode.md#faults): scalelab real run of a topology whose primary's host crashes kills the live
// PostgreSQL primary under load, promotes the replica with the most WAL received and tells the API servers; the
// failover is measured from the ledger of acknowledged writes and compared with the simulation of the same file.
// The ledger's plain functions first, then live runs (skipped without PostgreSQL, failed then under
// SCALELAB_REAL_REQUIRED=1).
#include "scalelab/models/loader.hpp"
#include "scalelab/real/failover.hpp"
#include "scalelab/real/interpreter.hpp"

#include "support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace scalelab;
using namespace scalelab::real_test;

namespace
{

const fs::path kTopologies = fs::path(SCALELAB_SOURCE_DIR) / "tests/real/topologies";

// Runs the topology live; its results.json, or a failure. The simulation's figures are printed beside the live ones.
nlohmann::json live_failover(const std::string& topology, const std::string& name)
{
  const fs::path dir = scratch(name);
  const fs::path run = dir / "stack", out = dir / "out";
  const int status = run_scalelab("real run " + (kTopologies / topology).string() + " --run-dir " + run.string() +
                                      " --out " + out.string() + " --realtime 10",
                                  dir / "run.log");
  const std::string log = read_text(dir / "run.log");
  EXPECT_EQ(status, 0) << log;
  EXPECT_TRUE(left_in(run).empty()) << "processes left: " << left_in(run).size();
  EXPECT_FALSE(fs::exists(run / "stack.lock"));
  if (!fs::exists(out / "results.json"))
    return {};
  if (const auto at = log.find("failover    "); at != std::string::npos)
    std::cout << log.substr(at);
  return nlohmann::json::parse(read_text(out / "results.json"));
}

// What every live failover must show: the crash at its time, the replica with the most WAL promoted, both API
// servers told, the other replica following the new primary, and a ledger that adds up.
void check_failover(const nlohmann::json& f)
{
  EXPECT_TRUE(f["errors"].empty()) << f.dump(1);
  EXPECT_FALSE(f.contains("error")) << f.dump(1);
  EXPECT_NEAR(f["crashed_at"].get<double>(), 4.0, 0.5);
  EXPECT_EQ(f["api_servers_told"], 2);
  // The promoted replica received at least as much WAL as the other (models::choose_promoted).
  const auto& positions = f["positions"];
  ASSERT_EQ(positions.size(), 2u) << f.dump(1);
  for (const auto& [name, lsn] : positions.items())
    EXPECT_GE(positions[f["new_instance"].get<std::string>()].get<std::uint64_t>(), lsn.get<std::uint64_t>());
  const std::string other = f["new_instance"] == "users_r1" ? "users_r2" : "users_r1";
  EXPECT_EQ(f["repointed"], nlohmann::json::array({other}));
  EXPECT_EQ(f["following_new_primary"], nlohmann::json::array({other})) << f.dump(1);
  // The ledger: lost ⊆ acknowledged, and every write on the new primary is an acknowledged one or a failed one
  // (ambiguous); nothing else.
  const auto acknowledged = f["acknowledged_writes"].get<std::uint64_t>();
  const auto lost = f["lost_writes"].get<std::uint64_t>();
  const auto ambiguous = f["ambiguous_writes"].get<std::uint64_t>();
  EXPECT_GT(acknowledged, 500u); // ~100 writes/s for 9 s
  EXPECT_LE(lost, acknowledged);
  EXPECT_LE(ambiguous, f["failed_writes"].get<std::uint64_t>());
  EXPECT_EQ(f["unknown_writes"], 0);
  EXPECT_EQ(f["writes_on_new_primary"].get<std::uint64_t>(), acknowledged - lost + ambiguous);
  // The failover time (kill to the first write acknowledged by the new primary), beside the simulation's
  // (detection 100 ms + promotion 150 ms): pg_promote takes 80-230 ms here, more on a busy machine; the bound
  // leaves 2 s of margin.
  ASSERT_TRUE(f["failover_time"].is_number()) << f.dump(1);
  ASSERT_TRUE(f.contains("simulated")) << f.dump(1);
  const double live = f["failover_time"].get<double>(), simulated = f["simulated"]["failover_time"].get<double>();
  EXPECT_NEAR(simulated, 0.2501, 1e-6);
  EXPECT_GT(live, f["promotion_time"].get<double>());
  EXPECT_LT(live, simulated + 2.0);
  // Requests fail only in the gap: the writes (100/s) sent from the kill to the new primary, with 1 s of margin.
  EXPECT_LE(f["failed_requests"].get<double>(), 100 * (live + 1.0)) << f["failed_by_cause"].dump();
  for (const auto& [cause, n] : f["failed_by_cause"].items())
    EXPECT_TRUE(cause == "db_down" || cause == "db_error") << cause;
}

} // namespace

TEST(RealFailoverLedger, LostIsAcknowledgedAndAbsentAmbiguousIsFailedAndPresent)
{
  using E = real::LedgerEntry;
  const std::vector<E> ledger = {{true, 1, "users", 0, 10},  {true, 2, "users", 0, 11}, {false, 3, "users", 0, 12},
                                 {false, 4, "users", 0, 13}, {true, 5, "users", 1, 14}, {true, 9, "other", 0, 15}};
  const auto c = real::count_ledger(ledger, "users", {1, 3, 5, 7});
  EXPECT_EQ(c.acknowledged, 3u);
  EXPECT_EQ(c.failed, 2u);
  EXPECT_EQ(c.lost, 1u);
  EXPECT_EQ(c.lost_ids, std::vector<std::uint64_t>{2});
  EXPECT_EQ(c.ambiguous, 1u); // 3: failed, yet committed
  EXPECT_EQ(c.unknown, 1u);   // 7: in no ledger line
}

TEST(RealFailoverLedger, LinesWrittenAreLinesRead)
{
  const fs::path dir = scratch("ledger");
  {
    real::WriteLedger a(real::ledger_path(dir.string(), "app", 0), real::ledger_prefix(1, 0));
    real::WriteLedger b(real::ledger_path(dir.string(), "app", 1), real::ledger_prefix(1, 1));
    const auto x = a.next_id(), y = b.next_id(), z = a.next_id();
    EXPECT_NE(x, y);
    EXPECT_NE(x, z);
    a.record(true, x, "users", 0);
    b.record(false, y, "users", 2);
    a.record(true, z, "users", 1);
  }
  const auto entries = real::read_ledgers(dir.string());
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_TRUE(entries[0].acknowledged);
  EXPECT_EQ(entries[1].instance, 1u);
  EXPECT_FALSE(entries[2].acknowledged);
  EXPECT_EQ(entries[2].instance, 2u);
  EXPECT_EQ(entries[2].database, "users");
  EXPECT_GT(entries[0].ns, 0);
}

// Records the database instance of each read and write.
class InstanceBackends final : public real::Backends
{
public:
  std::vector<std::pair<char, std::size_t>> ops;
  real::Outcome cache_get(const std::string&, std::uint64_t, bool&, std::uint64_t&) override { return {}; }
  real::Outcome cache_set(const std::string&, std::uint64_t, std::uint64_t) override { return {}; }
  real::Outcome cache_erase(const std::string&, std::uint64_t) override { return {}; }
  real::Outcome db_read(const std::string&, std::size_t instance, std::uint64_t, std::uint64_t&) override
  {
    ops.emplace_back('r', instance);
    return {};
  }
  real::Outcome db_write(const std::string&, std::size_t instance, std::uint64_t, std::uint64_t&) override
  {
    ops.emplace_back('w', instance);
    return {};
  }
  real::Outcome publish(const std::string&, const std::string&, std::uint64_t) override { return {}; }
};

TEST(RealFailoverRouting, AfterThePromotionWritesGoToThePromotedReplicaAndReadsToTheOthers)
{
  const auto loaded = models::load_topology_file((kTopologies / "failover-async.yaml").string());
  ASSERT_TRUE(loaded.spec);
  const auto& spec = *loaded.spec;
  const auto burner = real::CpuBurner::none();
  InstanceBackends backends;
  real::Interpreter interpreter(spec, "app", 0, burner, &backends);
  const auto get = static_cast<std::uint32_t>(spec.index_of_request("get_user"));
  const auto put = static_cast<std::uint32_t>(spec.index_of_request("put_user"));
  for (int i = 0; i < 4; ++i) {
    interpreter.run(put, 7, 0);
    interpreter.run(get, 7, 0);
  }
  std::set<std::size_t> writes, reads;
  for (const auto& [op, instance] : backends.ops)
    (op == 'w' ? writes : reads).insert(instance);
  EXPECT_EQ(writes, std::set<std::size_t>{0});
  EXPECT_EQ(reads, (std::set<std::size_t>{1, 2})); // round robin over both replicas
  interpreter.promoted("users", 0, 1);             // users_r2 (instance 2) is the primary now
  backends.ops.clear();
  for (int i = 0; i < 4; ++i) {
    interpreter.run(put, 7, 0);
    interpreter.run(get, 7, 0);
  }
  writes.clear();
  reads.clear();
  for (const auto& [op, instance] : backends.ops)
    (op == 'w' ? writes : reads).insert(instance);
  EXPECT_EQ(writes, std::set<std::size_t>{2});
  EXPECT_EQ(reads, std::set<std::size_t>{1}); // the promoted replica serves no reads
  EXPECT_THROW(interpreter.promoted("users", 0, 2), std::invalid_argument);
  EXPECT_THROW(interpreter.promoted("users", 1, 0), std::invalid_argument);
  EXPECT_ANY_THROW(interpreter.promoted("nope", 0, 0));
}

TEST(RealFailoverFaults, TheSimulatorsPrimaryCrashIsTheLiveOneAndOtherFaultsAreNamed)
{
  auto loaded = models::load_topology_file((kTopologies / "failover-async.yaml").string());
  ASSERT_TRUE(loaded.spec);
  auto spec = *loaded.spec;
  const auto crashes = real::primary_crashes(spec);
  ASSERT_EQ(crashes.size(), 1u);
  EXPECT_EQ(crashes[0].database, "users");
  EXPECT_EQ(crashes[0].host, "db-1");
  EXPECT_DOUBLE_EQ(crashes[0].at, 4.0);
  models::FaultSpec replica_crash;
  replica_crash.host = "db-2";
  replica_crash.at = 1000000000;
  spec.faults.push_back(replica_crash);
  models::FaultSpec again;
  again.host = "db-1";
  again.at = 6000000000;
  spec.faults.push_back(again);
  std::vector<std::string> others;
  EXPECT_EQ(real::primary_crashes(spec, &others).size(), 1u);
  ASSERT_EQ(others.size(), 2u);
  EXPECT_NE(others[0].find("crash of db-2 at 1 s"), std::string::npos) << others[0];
  EXPECT_NE(others[1].find("second crash of users"), std::string::npos) << others[1];
}

TEST(RealFailover, AsyncPrimaryKilledUnderLoadIsReplacedAndTheLedgerAddsUp)
{
  REQUIRE_POSTGRES();
  const auto j = live_failover("failover-async.yaml", "async");
  ASSERT_TRUE(j.contains("real")) << "no results.json";
  ASSERT_EQ(j["real"]["failovers"].size(), 1u);
  const auto& f = j["real"]["failovers"][0];
  check_failover(f);
  // Little's law: the writes lost are those in the replication pipeline at the crash, the write rate (100/s) times
  // the lag (about a millisecond here; replay_lag p99 130-150 ms under heavy load): at most 100/s x 200 ms.
  EXPECT_LE(f["lost_writes"].get<double>(), 20.0);
  EXPECT_NEAR(f["write_rate_at_crash"].get<double>(), 100, 50);
  EXPECT_GE(f["write_lag_at_crash"].get<double>(), 0);
  EXPECT_EQ(f["simulated"]["lost_writes"], 0);
}

TEST(RealFailover, SyncLosesNoAcknowledgedWrite)
{
  REQUIRE_POSTGRES();
  const auto j = live_failover("failover-sync.yaml", "sync");
  ASSERT_TRUE(j.contains("real")) << "no results.json";
  ASSERT_EQ(j["real"]["failovers"].size(), 1u);
  const auto& f = j["real"]["failovers"][0];
  check_failover(f);
  EXPECT_EQ(f["lost_writes"], 0) << f["lost_ids"].dump(); // remote_apply: both replicas had every acknowledged write
  EXPECT_EQ(f["simulated"]["lost_writes"], 0);
}

// What a failover tells the writing programs, written by one function and read back by one (both programs use it).
TEST(RealFailoverPromotion, TheTargetIsReadBackAndABadQueryIsRefused)
{
  const std::string target = real::promotion_target({"users", 2, 1});
  EXPECT_EQ(target, "/promoted?database=users&shard=2&replica=1");
  const auto p = real::parse_promotion(target.substr(std::string("/promoted?").size()));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->database, "users");
  EXPECT_EQ(p->shard, 2u);
  EXPECT_EQ(p->replica, 1);
  for (const char* bad : {"database=users&shard=0", "shard=0&replica=1", "database=users&shard=x&replica=1",
                          "database=users&shard=0&replica=-1", "database=users&shard=0&replica=1&primary=2", ""})
    EXPECT_FALSE(real::parse_promotion(bad)) << bad;
}
