// Replicated databases in whole simulations, against formulas from outside the code: stale reads from a replica
// of fixed lag under Poisson writes, lost writes at an asynchronous failover by Little's law, a busy replica's
// lag by Pollaczek-Khinchine, the failover's timing by arithmetic, and the property that sync and semi_sync
// failovers never lose an acknowledged write. Each test runs one simulation in its own process; sample sizes
// put the tolerance at four or more standard errors (SCALELAB_THEORY_SEED=N re-runs them with another seed).
#include "queueing.hpp"
#include "sim_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>

using namespace scalelab;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;
using scalelab::testing::service;

namespace
{

// One database on db-1 with replicas on db-2 ... behind an api server with workers to spare; every message
// carries no bytes, so a message takes exactly the network's latency. `db` is the rest of the database's keys.
std::string one_database(const std::string& seed, double duration, double latency_ms, int replicas,
                         const std::string& db, double read_rate, double write_rate, const std::string& extra = "",
                         const std::string& replica_hosts = "")
{
  std::ostringstream y;
  const double rate = read_rate + write_rate;
  y << "name: replication\nseed: " << seed_or(seed) << "\nduration: " << duration << "s\nwarmup: " << duration / 20
    << "s\nhardware:\n  hosts:\n    - {name: app, cores: 64}\n    - {name: db-1, cores: 8}\n"
    << (replica_hosts.empty() ? "" : replica_hosts);
  if (replica_hosts.empty())
    for (int i = 0; i < replicas; ++i)
      y << "    - {name: db-" << i + 2 << ", cores: 8}\n";
  y << "  network: {bandwidth: 10Gbps, latency: " << latency_ms << "ms}\n"
    << "services:\n  app: {kind: api_server, host: app, workers: 100000, queue_limit: 0}\n"
    << "  users: {kind: database, host: db-1, replicas: [";
  for (int i = 0; i < replicas; ++i)
    y << (i ? ", " : "") << "db-" << i + 2;
  y << "], connections: 10000, read: {cpu: 1us}, write: {cpu: 1us}, query_size: 0B, result_size: 0B, " << db
    << "}\nrequests:\n"
    << "  read: {steps: [db_read: users], request_size: 0B, response_size: 0B}\n"
    << "  write: {steps: [db_write: users], request_size: 0B, response_size: 0B}\n"
    << "workload:\n  entry: app\n  arrival: {process: poisson, rate: " << rate << "/s}\n  mix: {"
    << (read_rate > 0 ? "read: " + std::to_string(read_rate / rate) : "")
    << (read_rate > 0 && write_rate > 0 ? ", " : "")
    << (write_rate > 0 ? "write: " + std::to_string(write_rate / rate) : "") << "}\n  keys: {count: 1}\n"
    << extra;
  return y.str();
}

// n databases, each a primary on p-i with `replicas` replicas on r<j>-i, written at `rate` each; the primary of
// database i crashes at crash_at[i] and never restarts.
std::string many_databases(const std::string& seed, const std::string& mode, int n, int replicas, double rate,
                           const std::vector<double>& crash_at, double duration, const std::string& apply)
{
  std::ostringstream y;
  y << "name: failovers\nseed: " << seed_or(seed) << "\nduration: " << duration << "s\nwarmup: 1s\n"
    << "hardware:\n  hosts:\n    - {name: app, cores: 64}\n    - {name: p, count: " << n << ", cores: 8}\n";
  for (int j = 0; j < replicas; ++j)
    y << "    - {name: r" << j << ", count: " << n << ", cores: 8}\n";
  y << "  network: {bandwidth: 10Gbps, latency: 250ms}\nservices:\n"
    << "  app: {kind: api_server, host: app, workers: 100000, queue_limit: 0}\n";
  for (int i = 1; i <= n; ++i) {
    y << "  d" << i << ": {kind: database, host: p-" << i << ", replicas: [";
    for (int j = 0; j < replicas; ++j)
      y << (j ? ", " : "") << "r" << j << "-" << i;
    y << "], replication: " << mode << ", connections: 10000, write: {cpu: 1us}, apply: " << apply
      << ", query_size: 0B, result_size: 0B, detection_timeout: 1s, promotion_time: 500ms}\n";
  }
  y << "requests:\n";
  for (int i = 1; i <= n; ++i)
    y << "  w" << i << ": {steps: [db_write: d" << i << "], request_size: 0B, response_size: 0B}\n";
  y << "workload:\n  entry: app\n  arrival: {process: poisson, rate: " << rate * n << "/s}\n  mix: {";
  for (int i = 1; i <= n; ++i)
    y << (i > 1 ? ", " : "") << "w" << i << ": 1";
  y << "}\n  keys: {count: 1000}\nfaults:\n";
  for (int i = 1; i <= n; ++i)
    y << "  - {at: " << crash_at[static_cast<std::size_t>(i - 1)] << "s, crash: p-" << i << "}\n";
  return y.str();
}

void stale_reads_follow_poisson_writes(double write_rate, const std::string& seed)
{
  // The replica applies each write exactly L = 250 ms + 1 us after it commits (the network's latency, then 1 us
  // of CPU; writes are far apart). A read at t is stale when a write committed in (t - L, t): probability
  // 1 - exp(-lambda L) under Poisson writes of rate lambda. The reads' average of that indicator has a standard
  // deviation of about sqrt(2/T int_0^L cov) = 0.003 over T = 8000 s at lambda L = 0.5; the tolerance is 0.012.
  const double lag = 0.250001;
  const auto out = run_yaml(one_database(seed, 8000, 250, 1, "read_from: replicas, apply: {cpu: 1us}", 20, write_rate));
  const auto& repl = *service(out.results, "users").replication;
  const auto& replica = repl.replicas.at(0);
  ASSERT_GT(replica.reads, 100000u);
  EXPECT_NEAR(replica.lag.mean, lag, 1e-6);
  EXPECT_NEAR(replica.lag.max, lag, lag / 128); // the histogram's resolution
  const double expected = 1 - std::exp(-write_rate * lag);
  EXPECT_NEAR(static_cast<double>(replica.stale_reads) / static_cast<double>(replica.reads), expected, 0.012)
      << replica.stale_reads << " stale of " << replica.reads << " reads";
  EXPECT_TRUE(out.results.checks.conserved);
  // The timeseries' lag of the replica, interval by interval: the same fixed lag (a write committed less than
  // 1 us after another waits for the applier: rarely, and by microseconds), and every applied write in one.
  std::uint64_t applied = 0;
  for (const auto& row : out.timeseries)
    for (const auto& cell : row.replica_lags) {
      EXPECT_EQ(row.series, "users");
      EXPECT_EQ(cell.replica, "users/db-2");
      if (cell.applied > 0) {
        EXPECT_NEAR(cell.mean, lag, 10e-6) << "at " << row.time;
        EXPECT_NEAR(cell.max, lag, 10e-6) << "at " << row.time;
      }
      applied += row.time >= 400 ? cell.applied : 0; // the measured window (warmup 400 s, 1 s intervals)
    }
  EXPECT_EQ(applied, replica.applied);
  EXPECT_NE(models::timeseries_csv(out.timeseries).find(",lag_mean_ms[users/db-2],lag_max_ms[users/db-2]\n"),
            std::string::npos);
}

} // namespace

TEST(Replication, AReadFromAReplicaIsStaleWithProbabilityOneMinusExpOfMinusWriteRateTimesLag)
{
  stale_reads_follow_poisson_writes(2.0, "21"); // lambda L = 0.5: 0.3935
}

TEST(Replication, StaleReadsAtFourTimesTheWriteRate)
{
  stale_reads_follow_poisson_writes(8.0, "22"); // lambda L = 2: 0.8647
}

TEST(Replication, ReadsFromThePrimaryAreNeverStale)
{
  const auto out = run_yaml(one_database("23", 200, 250, 1, "read_from: primary, apply: {cpu: 1us}", 20, 8));
  const auto& users = service(out.results, "users");
  EXPECT_EQ(users.replication->stale_reads, 0u);
  EXPECT_EQ(users.replication->replicas.at(0).reads, 0u);
}

TEST(Replication, ABusyReplicasLagIsTheNetworkPlusTheMD1SojournOfItsApplier)
{
  // Writes commit as a Poisson stream of 200/s; the replica applies them one at a time with 4 ms on its disk
  // (load 0.8), so its lag is 100 us of network plus the M/D/1 sojourn: 8 ms of waiting (Pollaczek-Khinchine)
  // and 4 ms of service. The replica falls behind because it is busy, not because of the network. At load 0.8
  // the mean of 1.6 million waits has a standard error near 0.7 %; the tolerance is 3 %.
  const double lambda = 200, mu = 250;
  const double expected = 100e-6 + test::md1_wait(lambda, mu) + 1 / mu;
  const auto out = run_yaml(one_database("24", 8000, 0.1, 1, "apply: {disk: 4ms}", 0, lambda));
  const auto& replica = service(out.results, "users").replication->replicas.at(0);
  ASSERT_GT(replica.applied, 1500000u);
  EXPECT_NEAR(replica.lag.mean, expected, 0.03 * expected) << "theory " << expected;
  EXPECT_GT(replica.lag.p99, 3 * expected); // the queue's tail
}

TEST(Replication, SemiSyncWaitsForTheFastestReplicaAndSyncForTheSlowest)
{
  // Replicas at 1 Gf and 10 Gf apply a write in 10 ms and 1 ms. A write's time at the database is its 1 us
  // commit, the shipment, the apply and the acknowledgement back: with 100 us each way, 1.201 ms under
  // semi_sync with k = 1 (the fast replica's), 10.201 ms under sync (the slow one's), plus the little the
  // applier's queue adds at one write a second (M/D/1: 0.0005 ms and 0.05 ms).
  const std::string hosts = "    - {name: db-2, cores: 8, speed: 1Gf}\n    - {name: db-3, cores: 8, speed: 10Gf}\n";
  const auto semi =
      run_yaml(one_database("25", 2000, 0.1, 2, "replication: semi_sync, k: 1, apply: {cpu: 10Mf}", 0, 1, "", hosts));
  const double expected = 1.201e-3 + test::md1_wait(1, 1000);
  EXPECT_NEAR(service(semi.results, "users").latency.mean, expected, expected / 128);
  EXPECT_EQ(service(semi.results, "users").replication->ack_timeouts, 0u);
}

TEST(Replication, SyncWaitsForTheSlowestReplica)
{
  // As above: 10.201 ms and the slow applier's queue.
  const std::string hosts = "    - {name: db-2, cores: 8, speed: 1Gf}\n    - {name: db-3, cores: 8, speed: 10Gf}\n";
  const auto sync =
      run_yaml(one_database("26", 2000, 0.1, 2, "replication: sync, apply: {cpu: 10Mf}", 0, 1, "", hosts));
  const double expected = 10.201e-3 + test::md1_wait(1, 100);
  EXPECT_NEAR(service(sync.results, "users").latency.mean, expected, expected / 128);
}

TEST(Replication, SemiSyncPerWriteAcknowledgesEachWriteAfterTheTimeoutWhenNoReplicaKeepsUp)
{
  // The replica applies 50 writes a second and gets 100: it falls further and further behind, so after the
  // first moments every write waits the whole 100 ms ack_timeout and is then acknowledged without it.
  const auto out = run_yaml(one_database(
      "27", 100, 0.1, 1, "replication: semi_sync, k: 1, ack_timeout: 100ms, fallback: per_write, apply: {disk: 20ms}",
      0, 100));
  const auto& users = service(out.results, "users");
  ASSERT_GT(users.completed, 5000u);
  EXPECT_GT(static_cast<double>(users.replication->ack_timeouts), 0.95 * static_cast<double>(users.completed));
  EXPECT_LE(users.latency.max, 0.100002 * (1 + 1.0 / 128));
  EXPECT_GT(users.replication->replicas.at(0).lag.max, 10.0); // it really is behind
}

TEST(Replication, SemiSyncFallsBackOnceAndStaysAsynchronousWhileNoReplicaCatchesUp)
{
  // MySQL's fallback: the same replica that never keeps up (50 applies a second for 100 writes). The first write
  // to time out turns the primary asynchronous, with the writes waiting then; the replica never reaches the
  // primary's latest write again, so every later write is acknowledged at its commit: about 0.2 ms (its CPU and
  // the two 0.1 ms hops), and the primary stays switched for the whole measured window.
  const auto out = run_yaml(
      one_database("27", 100, 0.1, 1, "replication: semi_sync, k: 1, ack_timeout: 100ms, apply: {disk: 20ms}", 0, 100));
  const auto& users = service(out.results, "users");
  const auto& repl = *users.replication;
  ASSERT_GT(users.completed, 5000u);
  EXPECT_EQ(repl.fallbacks, 0u); // it fell back in the warm-up, before the measured window
  EXPECT_EQ(repl.ack_timeouts, 0u);
  EXPECT_EQ(repl.async_writes, users.completed);
  EXPECT_NEAR(repl.async_seconds, 95, 1e-9);
  EXPECT_LT(users.latency.max, 0.000202);
  EXPECT_GT(repl.replicas.at(0).lag.max, 10.0);
}

TEST(Replication, SemiSyncSwitchesBackWhenTheReplicaHasCaughtUp)
{
  // Writes every 10 ms (constant arrivals); the only replica is down from 20 s to 22 s. The first write after the
  // crash is refused at once (a connection reset): it can no longer get its acknowledgement, and the primary
  // turns asynchronous. At 22 s the replica is back; the first write it applies is the primary's latest (the next
  // commits 10 ms later, and the acknowledgement is back 3.2 ms after the commit): the primary switches back then.
  // So exactly one fallback, 2 s (within one 10 ms gap) asynchronous, about 200 writes acknowledged meanwhile,
  // and every write outside them waited for its acknowledgement (3.2 ms and more).
  const std::string db = "replication: semi_sync, k: 1, ack_timeout: 1s, apply: {cpu: 3ms}";
  std::string yaml = one_database("30", 40, 0.1, 1, db, 0, 100, "faults:\n  - {at: 20s, crash: db-2, for: 2s}\n");
  yaml.replace(yaml.find("process: poisson"), 16, "process: constant");
  const auto out = run_yaml(yaml);
  const auto& users = service(out.results, "users");
  const auto& repl = *users.replication;
  EXPECT_EQ(repl.fallbacks, 1u);
  EXPECT_EQ(repl.ack_timeouts, 1u); // the refused write, released without its acknowledgement
  EXPECT_GE(repl.async_seconds, 2.0);
  EXPECT_LE(repl.async_seconds, 2.0 + 0.011);
  EXPECT_GE(repl.async_writes, 199u);
  EXPECT_LE(repl.async_writes, 201u);
  EXPECT_TRUE(out.results.checks.conserved);
}

TEST(Replication, FailoverTakesTheDetectionTimeoutTheVotesAndThePromotionTime)
{
  // db-1 crashes at 10 s; after 3 s (detection) the two replicas vote (100 us to reach each other), the winner
  // becomes the primary 2 s later: at 15.0001 s. Writes meanwhile reach a dead primary and fail: about
  // 100/s x 5 s of them, a Poisson count (sd 22).
  const auto out = run_yaml(one_database("28", 30, 0.1, 2,
                                         "apply: {cpu: 1us}, detection_timeout: 3s, promotion_time: 2s, read_from: "
                                         "replicas, read_policy: least_connections",
                                         100, 100, "faults:\n  - {at: 10s, crash: db-1}\n"));
  const auto& users = service(out.results, "users");
  ASSERT_EQ(users.replication->failovers.size(), 1u);
  const auto& f = users.replication->failovers[0];
  EXPECT_EQ(f.old_primary, "db-1");
  EXPECT_NEAR(f.crashed_at, 10.0, 1e-12);
  EXPECT_NEAR(f.promoted_at, 15.0001, 1e-9);
  EXPECT_NEAR(f.failover_time, 5.0001, 1e-9);
  EXPECT_NEAR(static_cast<double>(f.failed_in_gap), 500, 4 * std::sqrt(500.0));
  // Writes succeed again at the new primary, and reads went on at the replicas all along.
  std::uint64_t writes_after = 0;
  for (const auto& row : out.timeseries)
    if (row.series == "users" && row.time >= 16)
      writes_after += row.completed;
  EXPECT_GT(writes_after, 1000u);
  EXPECT_TRUE(out.results.checks.conserved);
}

TEST(Replication, AsyncFailoverLosesTheWriteRateTimesTheMeanLag)
{
  // 32 databases, each written at 200/s, each with one replica 250 ms away; each primary crashes once, at its
  // own time. The writes acknowledged but not yet at the replica are those of the last mean lag before the
  // crash: by Little's law 200/s x 0.25 s = 50 per failover (a Poisson count, so the mean over 32 has sd 1.25;
  // the tolerance, 10 %, is four of those).
  const int n = 32;
  std::vector<double> crashes;
  for (int i = 0; i < n; ++i)
    crashes.push_back(4 + 0.125 * i);
  const auto out = run_yaml(many_databases("29", "async", n, 1, 200, crashes, 12, "{cpu: 1us}"));
  double lost = 0, lag = 0, rate = 0;
  for (int i = 1; i <= n; ++i) {
    const auto& db = service(out.results, "d" + std::to_string(i));
    ASSERT_EQ(db.replication->failovers.size(), 1u) << "d" << i;
    lost += static_cast<double>(db.replication->lost_writes);
    lag += db.replication->replicas.at(0).lag.mean;
  }
  lost /= n;
  lag /= n;
  rate = 200;
  EXPECT_NEAR(lost, rate * lag, 0.1 * rate * lag) << "lag " << lag;
}

namespace
{
class NoAcknowledgedWriteLost : public ::testing::TestWithParam<std::tuple<std::string, int>>
{
};
} // namespace

TEST_P(NoAcknowledgedWriteLost, OverCrashTimesAndSeeds)
{
  // 16 databases with two replicas each, whose applies take a random time (so the replicas' positions differ
  // when the primary crashes); each primary crashes at a time drawn from the test's seed. Under sync every
  // acknowledged write was applied by every replica; under semi_sync by one at least, and the most advanced
  // replica wins the election: no failover loses an acknowledged write.
  const auto& [mode, seed] = GetParam();
  std::mt19937_64 draw(static_cast<std::uint64_t>(seed));
  std::uniform_real_distribution<double> at(2, 8);
  std::vector<double> crashes;
  for (int i = 0; i < 16; ++i)
    crashes.push_back(std::round(at(draw) * 1e6) / 1e6);
  const auto out =
      run_yaml(many_databases(std::to_string(seed), mode, 16, 2, 200, crashes, 12, "{disk: {exponential: 3ms}}"));
  std::uint64_t acknowledged = 0;
  for (int i = 1; i <= 16; ++i) {
    const auto& db = service(out.results, "d" + std::to_string(i));
    ASSERT_EQ(db.replication->failovers.size(), 1u) << "d" << i;
    EXPECT_EQ(db.replication->lost_writes, 0u)
        << "d" << i << " crashed at " << crashes[static_cast<std::size_t>(i - 1)];
    acknowledged += db.completed;
  }
  EXPECT_GT(acknowledged, 10000u);
  EXPECT_TRUE(out.results.checks.conserved);
}

INSTANTIATE_TEST_SUITE_P(Replication, NoAcknowledgedWriteLost,
                         ::testing::Combine(::testing::Values("sync", "semi_sync"), ::testing::Values(31, 32, 33, 34)));

TEST(Replication, TheSameCrashesLoseWritesUnderAsync)
{
  // The property test's topology under async: its failovers do lose acknowledged writes, so the property
  // above is not true of every replication mode by construction.
  std::mt19937_64 draw(31);
  std::uniform_real_distribution<double> at(2, 8);
  std::vector<double> crashes;
  for (int i = 0; i < 16; ++i)
    crashes.push_back(std::round(at(draw) * 1e6) / 1e6);
  const auto out = run_yaml(many_databases("31", "async", 16, 2, 200, crashes, 12, "{disk: {exponential: 3ms}}"));
  std::uint64_t lost = 0;
  for (int i = 1; i <= 16; ++i)
    lost += service(out.results, "d" + std::to_string(i)).replication->lost_writes;
  EXPECT_GT(lost, 16u * 20u);
}

// --- session guarantees ------------------------------------------------------------------------------------

namespace
{

// A primary db-1 and `replicas` replicas db-2, db-3, ... on a star of 1 us links (every message carries no bytes,
// so two hosts are 2 us apart); db-1 reaches the last replica over a link of its own of `slow_ms` instead (a
// route by hand), so that replica's lag is that link plus the 1 us apply, the others' 2 us + 1 us. Every read
// and write costs 1 us of CPU on hosts with cores to spare. `requests` and `workload` are the rest of the file.
std::string star(const std::string& seed, double duration, int replicas, double slow_ms, const std::string& db,
                 const std::string& requests, const std::string& workload)
{
  std::ostringstream y;
  y << "name: sessions\nseed: " << seed_or(seed) << "\nduration: " << duration << "s\nwarmup: " << duration / 20
    << "s\nhardware:\n  hosts:\n    - {name: app, cores: 64}\n    - {name: db, count: " << replicas + 1
    << ", cores: 64}\n  switches: [{name: sw}]\n  links:\n    - {between: [app, sw], latency: 1us, bandwidth: "
       "10Gbps}\n";
  for (int i = 1; i <= replicas + 1; ++i)
    y << "    - {between: [db-" << i << ", sw], latency: 1us, bandwidth: 10Gbps}\n";
  y << "    - {name: slow, between: [db-1, db-" << replicas + 1 << "], latency: " << slow_ms
    << "ms, bandwidth: 10Gbps}\n  routes:\n    - {from: db-1, to: db-" << replicas + 1 << ", links: [slow]}\n"
    << "services:\n  app: {kind: api_server, host: app, workers: 100000, queue_limit: 0}\n"
    << "  users: {kind: database, host: db-1, replicas: [";
  for (int i = 2; i <= replicas + 1; ++i)
    y << (i > 2 ? ", " : "") << "db-" << i;
  y << "], connections: 100000, queue_limit: 0, read: {cpu: 1us}, write: {cpu: 1us}, apply: {cpu: 1us}, "
    << "query_size: 0B, result_size: 0B, " << db << "}\nrequests:\n"
    << requests << "workload:\n  entry: app\n"
    << workload;
  return y.str();
}

// Two reads of the same key in one request, and writes apart; users drawn from a million, so that two requests
// of one user are seconds apart and only the two reads of a request can break monotonic reads.
std::string two_reads(const std::string& seed, const std::string& read_from)
{
  return star(seed, 2000, 2, 50, read_from, // 100 pairs of reads and 20 writes a second
              "  rr: {steps: [db_read: users, db_read: users], request_size: 0B, response_size: 0B}\n"
              "  w: {steps: [db_write: users], request_size: 0B, response_size: 0B}\n",
              "  arrival: {process: poisson, rate: 120/s}\n  users: 1000000\n  mix: {rr: 100, w: 20}\n"
              "  keys: {count: 1}\n");
}

std::uint64_t reads_of(const models::ReplicationResult& r)
{
  std::uint64_t n = 0;
  for (const auto& x : r.replicas)
    n += x.reads;
  return n;
}

} // namespace

TEST(Replication, MonotonicReadsOverTwoReplicasOfFixedLagsBreakAtAQuarterOfOneMinusExp)
{
  // db-2 applies a write L1 = 3 us after its commit, db-3 L2 = 50.001 ms after (fixed: writes are far apart
  // compared with the 1 us apply). A request reads the key at t1 on a replica drawn at random, then at
  // t2 = t1 + d on another draw, d = 5 us (2 us back, 2 us there, 1 us of CPU). The second read returns an older
  // version than the first when the first went to db-2 and the second to db-3 (probability 1/4, the draws being
  // independent) and a write committed in (t2 - L2, t1 - L1], a window of W = L2 - L1 - d = 49.993 ms: under
  // Poisson writes of rate lambda (independent of the reads, both thinned from one Poisson stream), with
  // probability 1 - exp(-lambda W). Any other order of replicas cannot go back. So the violations per pair of
  // reads are 1/4 (1 - exp(-lambda W)), the 1/4 (1 - exp(-lambda (L2 - L1))) with the pair's own gap.
  // At lambda = 20/s: 0.1580. 190,000 pairs; pairs less than W apart share their window, which about doubles the
  // variance of a binomial: a standard error near 0.0012, and the tolerance is 0.005.
  const auto out = run_yaml(two_reads("51", "read_from: replicas, read_policy: random"));
  const auto& repl = *service(out.results, "users").replication;
  const double pairs = static_cast<double>(reads_of(repl)) / 2;
  ASSERT_GT(pairs, 180000);
  const double lambda = 20, window = 50.001e-3 - 3e-6 - 5e-6;
  const double expected = 0.25 * (1 - std::exp(-lambda * window));
  EXPECT_NEAR(static_cast<double>(repl.monotonic_read_violations) / pairs, expected, 0.005)
      << repl.monotonic_read_violations << " violations in " << pairs << " pairs";
  EXPECT_EQ(repl.replicas.at(0).monotonic_read_violations, 0u); // only the slow replica goes back in time
  EXPECT_EQ(repl.read_your_writes_violations, 0u);              // these users never read what they wrote
}

TEST(Replication, StickyReadsNeverGoBackInTime)
{
  // The same requests with read_from monotonic: each user reads from one replica, whose versions only grow. The
  // slow replica's reads are still stale: monotonic is not fresh.
  const auto out = run_yaml(two_reads("52", "read_from: monotonic"));
  const auto& repl = *service(out.results, "users").replication;
  ASSERT_GT(reads_of(repl), 360000u);
  EXPECT_EQ(repl.monotonic_read_violations, 0u);
  // A hash of a million users splits them evenly (within 1 %).
  EXPECT_NEAR(static_cast<double>(repl.replicas.at(0).reads) / static_cast<double>(reads_of(repl)), 0.5, 0.01);
  EXPECT_GT(repl.replicas.at(1).stale_reads, reads_of(repl) / 4);
}

namespace
{
// A request writes the key, pauses for an exponential time of mean 50 ms (the user looks at the page), then
// reads it, from the one replica 50 ms away.
std::string write_pause_read(const std::string& seed, const std::string& read_from)
{
  return star(seed, 2000, 1, 50, read_from,
              "  wr: {steps: [db_write: users, delay: {exponential: 50ms}, db_read: users], request_size: 0B, "
              "response_size: 0B}\n",
              "  arrival: {process: poisson, rate: 50/s}\n  users: 1000000\n  keys: {count: 1}\n");
}
// The write commits at c and is applied at the replica at c + 50.001 ms; the read reaches the replica at
// c + 2 us (the acknowledgement back) + D (the pause) + 2 us, and reads the key 1 us later. It misses its own
// write when D < a = 50.001 ms - 5 us.
constexpr double kRywSlack = 50.001e-3 - 5e-6;
} // namespace

TEST(Replication, ReadsFromAReplicaMissTheUsersOwnWriteWhenThePauseIsShorterThanTheLag)
{
  // P(D < a) = 1 - exp(-a / 50 ms) = 0.6321 per read (each read its own draw: a binomial of 95,000, standard
  // error 0.0016; tolerance 0.0065).
  const auto out = run_yaml(write_pause_read("53", "read_from: replicas"));
  const auto& repl = *service(out.results, "users").replication;
  const double reads = static_cast<double>(reads_of(repl));
  ASSERT_GT(reads, 90000);
  const double expected = 1 - std::exp(-kRywSlack / 50e-3);
  EXPECT_NEAR(static_cast<double>(repl.read_your_writes_violations) / reads, expected, 0.0065);
  EXPECT_GT(repl.stale_reads, repl.read_your_writes_violations - 1); // each is stale too
}

TEST(Replication, ReadYourWritesHoldsTheReadForTheRestOfTheLag)
{
  // With read_your_writes the replica holds each read until it has applied the user's write: no violation, and a
  // read waits (a - D)+, whose mean is a - m (1 - exp(-a / m)) = 18.39 ms with m = 50 ms. The database's
  // operations are the writes (1 us) and the reads (1 us + the wait), as many of each: the mean wait is
  // (mean - 1 us) x operations / reads. Standard error of the mean wait under 0.1 ms; tolerance 0.4 ms.
  const auto out = run_yaml(write_pause_read("54", "read_from: read_your_writes"));
  const auto& users = service(out.results, "users");
  const auto& repl = *users.replication;
  const double reads = static_cast<double>(reads_of(repl));
  ASSERT_GT(reads, 90000);
  EXPECT_EQ(repl.read_your_writes_violations, 0u);
  const double m = 50e-3;
  const double expected = kRywSlack - m * (1 - std::exp(-kRywSlack / m));
  const double wait = (users.latency.mean - 1e-6) * static_cast<double>(users.completed) / reads;
  EXPECT_NEAR(wait, expected, 0.4e-3);
  // The reads that waited are those with D < a.
  EXPECT_NEAR(static_cast<double>(repl.replicas.at(0).waited_reads) / reads, 1 - std::exp(-kRywSlack / m), 0.0065);
}

namespace
{
class ReadYourWritesAcrossRequests : public ::testing::TestWithParam<std::tuple<std::string, int>>
{
};

// Closed users who write or read a key of five, thinking between requests (exponentially: their returns are
// merged into one process and the replies handled when sent; or a constant time: each reply is an event), reading
// from a replica 3 us behind and one 50 ms behind, drawn at random.
std::string across_requests(const std::string& think, int seed, const std::string& read_from)
{
  return star(std::to_string(seed), 200, 2, 50, read_from + ", read_policy: random",
              "  r: {steps: [db_read: users], request_size: 0B, response_size: 0B}\n"
              "  w: {steps: [db_write: users], request_size: 0B, response_size: 0B}\n",
              "  arrival: {process: closed, users: 100, think_time: " + think +
                  "}\n  mix: {r: 0.7, w: 0.3}\n  keys: {count: 5}\n");
}
} // namespace

TEST_P(ReadYourWritesAcrossRequests, NoReadMissesTheUsersOwnWrite)
{
  // The session token (the position of the user's last write) goes back to the user with the reply and comes
  // with their next requests; a replica holds a read until it has applied that position. No violation.
  const auto& [think, seed] = GetParam();
  const auto out = run_yaml(across_requests(think, seed, "read_from: read_your_writes"));
  const auto& repl = *service(out.results, "users").replication;
  ASSERT_GT(reads_of(repl), 100000u);
  EXPECT_EQ(repl.read_your_writes_violations, 0u);
  EXPECT_GT(repl.replicas.at(1).waited_reads, 1000u); // the slow replica held many
  EXPECT_TRUE(out.results.checks.conserved);
}

TEST_P(ReadYourWritesAcrossRequests, ReadsFromReplicasMissSome)
{
  // The same users reading from the replicas without the token: a read on the slow replica less than its lag
  // after the user's write to that key misses it. With a 20 ms think time, a user's next request is that close
  // to the last one more often than not: many violations, all on the slow replica.
  const auto& [think, seed] = GetParam();
  const auto out = run_yaml(across_requests(think, seed + 100, "read_from: replicas"));
  const auto& repl = *service(out.results, "users").replication;
  EXPECT_GT(repl.read_your_writes_violations, 1000u);
  EXPECT_EQ(repl.replicas.at(0).read_your_writes_violations, 0u);
  EXPECT_EQ(repl.read_your_writes_violations, repl.replicas.at(1).read_your_writes_violations);
}

INSTANTIATE_TEST_SUITE_P(Replication, ReadYourWritesAcrossRequests,
                         ::testing::Combine(::testing::Values("{exponential: 20ms}", "20ms"),
                                            ::testing::Values(41, 42, 43)));
