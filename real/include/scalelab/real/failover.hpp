#pragma once
// Live faults (docs/real-mode.md#faults): the crashes of a replicated database's primary host that a topology's
// `faults:` declare, run on the live stack as a kill -9 of the primary's PostgreSQL and the promotion of the
// replica with the most recent WAL position; and the ledger of acknowledged writes that tells the writes a
// failover lost.
#include "scalelab/models/spec.hpp"
#include "scalelab/real/stack.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace scalelab::real
{

// A fault of the file that crashes the primary host of a database with replicas (shard `shard`'s primary when
// sharded), at `at` seconds from the start of the load.
struct PrimaryCrash {
  double at = 0;
  std::string database;
  std::uint32_t shard = 0;
  std::string host;
};
// The file's primary crashes, in time order: the first of each shard's primary host (the failed primary stays fenced,
// as in the simulation). `others` gets one message per fault the real mode does not run.
std::vector<PrimaryCrash> primary_crashes(const models::TopologySpec& spec, std::vector<std::string>* others = nullptr);

// --- the ledger ------------------------------------------------------------------------------------------------
// Each scalelab-api instance appends one line per database write it sent, when the database answered:
// "A ID DATABASE INSTANCE NS" acknowledged (committed), "F ID DATABASE INSTANCE NS" failed (no acknowledgement: it
// may or may not have committed). ID is unique in the run (the instance's prefix, then a counter), INSTANCE the
// database's instance the write went to, in instance order, NS the CLOCK_REALTIME nanoseconds of the answer. The write
// also inserts ID into the table scalelab_writes, in the same statement as its upsert. A ledger starts empty.
class WriteLedger
{
public:
  WriteLedger(const std::string& path, std::uint64_t prefix); // throws std::runtime_error
  ~WriteLedger();
  WriteLedger(const WriteLedger&) = delete;
  WriteLedger& operator=(const WriteLedger&) = delete;
  std::uint64_t next_id(); // thread-safe
  void record(bool acknowledged, std::uint64_t id, const std::string& database, std::size_t instance);

private:
  int fd_ = -1;
  std::uint64_t prefix_;
  std::uint64_t counter_ = 0;
  std::mutex m_;
};
// The ledger of an api_server instance: RUN/ledger/SERVICE-I.log, IDs prefixed by (service index + 1) << 48 |
// instance << 40.
std::string ledger_path(const std::string& run_dir, const std::string& service, std::size_t instance);
std::uint64_t ledger_prefix(std::size_t service_index, std::size_t instance);

struct LedgerEntry {
  bool acknowledged = false;
  std::uint64_t id = 0;
  std::string database;
  std::size_t instance = 0;
  std::int64_t ns = 0;
};
std::vector<LedgerEntry> read_ledgers(const std::string& run_dir); // every RUN/ledger/*.log

// The ledger's lines of one database against the IDs its new primary holds after the run.
struct LedgerCount {
  std::uint64_t acknowledged = 0; // writes acknowledged
  std::uint64_t failed = 0;       // writes that failed (no acknowledgement)
  std::uint64_t lost = 0;         // acknowledged, not on the new primary
  std::uint64_t ambiguous = 0;    // failed, yet on the new primary (committed, the acknowledgement lost)
  std::uint64_t unknown = 0;      // on the new primary but in no ledger line (must be 0)
  std::vector<std::uint64_t> lost_ids;
};
LedgerCount count_ledger(const std::vector<LedgerEntry>& ledger, const std::string& database,
                         const std::set<std::uint64_t>& present);

// --- the failover ----------------------------------------------------------------------------------------------
// What the programs that write (scalelab-api, scalelab-worker) are told after a promotion: replica `replica` (0-based
// among the shard's replicas) of `database`'s shard `shard` is that shard's primary now. Sent as
// POST /promoted?database=D&shard=S&replica=R; one writer of the target and one reader of its query for both ends.
struct Promotion {
  std::string database;
  std::uint32_t shard = 0;
  int replica = -1;
};
std::string promotion_target(const Promotion& p); // "/promoted?database=D&shard=S&replica=R"
// The query after "/promoted?"; nothing when the database is missing or the shard or replica is not a number.
std::optional<Promotion> parse_promotion(const std::string& query);

struct FailoverReport {
  std::string database;
  std::uint32_t shard = 0;
  std::string old_primary, new_primary;              // instance names (stack.json)
  std::string old_host, new_host;                    // the topology's hosts
  std::size_t new_instance = 0;                      // in the database's instance order
  std::map<std::string, std::uint64_t> positions;    // each replica's WAL, received or replayed, after the crash
  std::map<std::string, double> write_lag;           // each replica's write_lag (pg_stat_replication) just before it
  double crashed_at = 0;                             // seconds from the load's start
  std::int64_t kill_ns = 0;                          // CLOCK_REALTIME of the kill
  double promote_seconds = 0;                        // kill to pg_promote returned
  double notify_seconds = 0;                         // kill to every API server and worker told
  std::vector<std::string> repointed;                // replicas now following the new primary
  std::vector<std::string> errors;                   // what did not work
  std::vector<std::pair<std::string, double>> steps; // each step's end, seconds after the kill
  int api_servers_told = 0;
  int workers_told = 0;
};

// Kills the crash's primary (the postmaster and all its processes, stopped, then killed, as a host crash would),
// promotes the replica of the shard with the most WAL once every replica has received and replayed all it will
// (synchronous_standby_names reset on it first), re-points the shard's other replicas to it, and tells every
// scalelab-api and scalelab-worker instance of the stack (promotion_target). `at` is the time from the load's start.
FailoverReport run_failover(const models::TopologySpec& spec, const Stack& stack, const PrimaryCrash& crash, double at);

// The application_name of each standby streaming from the instance (pg_stat_replication), in name order.
std::vector<std::string> streaming_standbys(const Endpoint& instance, std::string& error);

// The IDs of scalelab_writes on the instance (empty with an error message when it cannot be read).
std::set<std::uint64_t> written_ids(const Endpoint& instance, std::string& error);

} // namespace scalelab::real
