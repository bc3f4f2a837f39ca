#include "scalelab/real/failover.hpp"

#include "scalelab/models/replication.hpp"
#include "scalelab/real/postgres.hpp"
#include "scalelab/real/process_stats.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <libpq-fe.h>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace scalelab::real
{

namespace
{

std::int64_t realtime_ns()
{
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

// A host crash of a PostgreSQL server: the postmaster and all its processes, stopped before any is killed. Each
// child is a process group of its own (PostgreSQL calls setsid), so killing the postmaster's group left its WAL
// senders and backends running until they noticed their parent was gone (140 ms measured here), still committing
// and sending WAL that a replica received after its position was read. The postmaster is stopped first, so that it
// forks nothing more, then each child's group (anything a child started goes with it), then all are killed. The
// children run while /proc is read (milliseconds); the election waits for what they sent. A PID that no longer
// names a postgres process is left alone.
bool crash_server(int postmaster)
{
  if (process_command(postmaster) != "postgres") {
    errno = ESRCH;
    return false;
  }
  if (::kill(postmaster, SIGSTOP) != 0)
    return false;
  const auto children = child_processes(postmaster);
  auto signal_child = [](int child, int signal) {
    if (::kill(-child, signal) != 0) // not yet its own group: forked, setsid still to come
      ::kill(child, signal);
  };
  for (const int child : children)
    signal_child(child, SIGSTOP);
  for (const int child : children)
    signal_child(child, SIGKILL);
  return ::kill(postmaster, SIGKILL) == 0;
}

// The primary host of each shard of a database with replicas.
std::vector<std::string> primary_hosts(const models::DatabaseSpec& db)
{
  if (db.shards)
    return db.shard_hosts;
  return {db.host};
}

// POST TARGET to 127.0.0.1:PORT; the HTTP status, 0 when it could not be sent.
int http_post(int port, const std::string& target)
{
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  try {
    asio::io_context ioc;
    boost::beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(2));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    http::request<http::empty_body> request(http::verb::post, target, 11);
    request.set(http::field::host, "127.0.0.1");
    http::write(stream, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    boost::beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    return static_cast<int>(response.result_int());
  } catch (const std::exception&) {
    return 0;
  }
}

std::string seconds(models::SimTime t)
{
  char text[32];
  std::snprintf(text, sizeof text, "%g", models::to_seconds(t));
  return text;
}

std::string quoted(const std::string& s)
{
  return "'" + s + "'"; // names and ports only: no quote in them
}

} // namespace

std::vector<PrimaryCrash> primary_crashes(const models::TopologySpec& spec, std::vector<std::string>* others)
{
  std::vector<PrimaryCrash> out;
  for (const auto& f : spec.faults) {
    bool matched = false;
    if (f.kind == models::FaultSpec::Kind::crash)
      for (const auto& service : spec.services) {
        const auto* db = std::get_if<models::DatabaseSpec>(&service.kind);
        if (!db || db->replicas_per_shard() == 0)
          continue;
        const auto hosts = primary_hosts(*db);
        for (std::size_t s = 0; s < hosts.size(); ++s)
          if (hosts[s] == f.host) {
            const bool again = std::any_of(out.begin(), out.end(), [&](const PrimaryCrash& c) {
              return c.database == service.name && c.shard == s;
            });
            if (again && others)
              others->push_back("crash of " + f.host + " at " + seconds(f.at) + " s: a second crash of " +
                                service.name + "'s primary host is not run live (the failed primary stays fenced)");
            if (!again)
              out.push_back({models::to_seconds(f.at), service.name, static_cast<std::uint32_t>(s), f.host});
            matched = true;
          }
      }
    if (!matched && others)
      others->push_back(std::string(models::fault_kind_name(f.kind)) + (f.host.empty() ? "" : " of " + f.host) +
                        " at " + seconds(f.at) +
                        " s: the real mode runs only the crash of a replicated database's primary host");
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  return out;
}

// --- the ledger ------------------------------------------------------------------------------------------------

WriteLedger::WriteLedger(const std::string& path, std::uint64_t prefix) : prefix_(prefix)
{
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error("cannot open the write ledger " + path + ": " + std::strerror(errno));
}

WriteLedger::~WriteLedger()
{
  if (fd_ >= 0)
    ::close(fd_);
}

std::uint64_t WriteLedger::next_id()
{
  std::lock_guard lock(m_);
  return prefix_ | ++counter_;
}

void WriteLedger::record(bool acknowledged, std::uint64_t id, const std::string& database, std::size_t instance)
{
  // One write(2) per line on an O_APPEND file: whole lines, readable at any time, kept if the process dies.
  char line[256];
  const int n = std::snprintf(line, sizeof line, "%c %llu %s %zu %lld\n", acknowledged ? 'A' : 'F',
                              static_cast<unsigned long long>(id), database.c_str(), instance,
                              static_cast<long long>(realtime_ns()));
  if (n > 0 && ::write(fd_, line, static_cast<std::size_t>(n)) < 0)
    std::perror("scalelab: write ledger");
}

std::string ledger_path(const std::string& run_dir, const std::string& service, std::size_t instance)
{
  return (fs::path(run_dir) / "ledger" / (service + "-" + std::to_string(instance) + ".log")).string();
}

std::uint64_t ledger_prefix(std::size_t service_index, std::size_t instance)
{
  return (static_cast<std::uint64_t>(service_index + 1) << 48) | (static_cast<std::uint64_t>(instance) << 40);
}

std::vector<LedgerEntry> read_ledgers(const std::string& run_dir)
{
  std::vector<LedgerEntry> out;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(run_dir) / "ledger", ec))
    if (e.path().extension() == ".log")
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      char kind = 0;
      LedgerEntry e;
      long long ns = 0;
      if (words >> kind >> e.id >> e.database >> e.instance >> ns && (kind == 'A' || kind == 'F')) {
        e.acknowledged = kind == 'A';
        e.ns = ns;
        out.push_back(e);
      }
    }
  }
  return out;
}

LedgerCount count_ledger(const std::vector<LedgerEntry>& ledger, const std::string& database,
                         const std::set<std::uint64_t>& present)
{
  LedgerCount c;
  std::set<std::uint64_t> known;
  for (const auto& e : ledger) {
    if (e.database != database)
      continue;
    known.insert(e.id);
    const bool there = present.count(e.id) > 0;
    if (e.acknowledged) {
      ++c.acknowledged;
      if (!there) {
        ++c.lost;
        c.lost_ids.push_back(e.id);
      }
    } else {
      ++c.failed;
      c.ambiguous += there ? 1 : 0;
    }
  }
  for (const auto id : present)
    c.unknown += known.count(id) ? 0 : 1;
  return c;
}

std::vector<std::string> streaming_standbys(const Endpoint& instance, std::string& error)
{
  std::vector<std::string> out;
  const auto names = query_one(instance,
                               "SELECT coalesce(string_agg(application_name, ',' ORDER BY application_name), '') FROM "
                               "pg_stat_replication WHERE state = 'streaming'",
                               error);
  std::istringstream in(names.value_or(""));
  std::string name;
  while (std::getline(in, name, ','))
    out.push_back(name);
  return out;
}

std::set<std::uint64_t> written_ids(const Endpoint& instance, std::string& error)
{
  std::set<std::uint64_t> ids;
  PgSessions sessions;
  PGconn* c = sessions.get(instance, error);
  if (!c)
    return ids;
  PGresult* r = PQexec(c, "SELECT id FROM scalelab_writes");
  if (PQresultStatus(r) == PGRES_TUPLES_OK) {
    for (int i = 0; i < PQntuples(r); ++i)
      ids.insert(std::strtoull(PQgetvalue(r, i, 0), nullptr, 10));
  } else {
    error = instance.name + ": " + PQresultErrorMessage(r);
  }
  PQclear(r);
  return ids;
}

// --- the failover ----------------------------------------------------------------------------------------------

std::string promotion_target(const Promotion& p)
{
  return "/promoted?database=" + p.database + "&shard=" + std::to_string(p.shard) +
         "&replica=" + std::to_string(p.replica);
}

std::optional<Promotion> parse_promotion(const std::string& query)
{
  Promotion p;
  bool shard = false, replica = false;
  std::size_t at = 0;
  while (at < query.size()) {
    const auto amp = std::min(query.find('&', at), query.size());
    const std::string pair = query.substr(at, amp - at);
    const auto eq = pair.find('=');
    const std::string name = pair.substr(0, eq), value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    char* end = nullptr;
    const long number = std::strtol(value.c_str(), &end, 10);
    const bool whole = !value.empty() && *end == '\0' && number >= 0 && number <= 1000000;
    if (name == "database")
      p.database = value;
    else if (name == "shard" && whole)
      p.shard = static_cast<std::uint32_t>(number), shard = true;
    else if (name == "replica" && whole)
      p.replica = static_cast<int>(number), replica = true;
    else
      return std::nullopt;
    at = amp + 1;
  }
  if (p.database.empty() || !shard || !replica)
    return std::nullopt;
  return p;
}

FailoverReport run_failover(const models::TopologySpec& spec, const Stack& stack, const PrimaryCrash& crash, double at)
{
  FailoverReport report;
  report.database = crash.database;
  report.shard = crash.shard;
  report.old_host = crash.host;
  report.crashed_at = at;
  const auto& db = std::get<models::DatabaseSpec>(spec.find_service(crash.database)->kind);
  const std::size_t group = db.replicas_per_shard() + 1;
  const StackService* live = stack.find(crash.database);
  if (!live || live->instances.size() < (crash.shard + 1) * group) {
    report.errors.push_back(crash.database + ": not in the stack");
    return report;
  }
  const std::size_t first = crash.shard * group;
  const Endpoint& primary = live->instances[first];
  report.old_primary = primary.name;

  PgSessions sessions;
  for (std::size_t r = 1; r < group; ++r) {
    std::string ignored; // reported when used
    sessions.get(live->instances[first + r], ignored);
  }
  // The replicas' lag just before the crash, as the primary last heard it (Little's law: lost ~ write rate x lag).
  std::string lag_error;
  const auto lags = query_one(sessions, primary,
                              "SELECT coalesce(string_agg(application_name || '=' || coalesce(extract(epoch FROM "
                              "write_lag)::text, '0'), ','), '') FROM pg_stat_replication",
                              lag_error);
  std::istringstream lag_list(lags.value_or(""));
  for (std::string item; std::getline(lag_list, item, ',');)
    if (const auto eq = item.find('='); eq != std::string::npos)
      report.write_lag[item.substr(0, eq)] = std::strtod(item.c_str() + eq + 1, nullptr);

  // 1. The crash: the postmaster and all its processes.
  report.kill_ns = realtime_ns();
  const auto t0 = std::chrono::steady_clock::now();
  auto since = [&t0] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  if (primary.pid > 0 && !crash_server(primary.pid))
    report.errors.push_back(primary.name + ": kill: " + std::strerror(errno));

  // 2. The replica with the most WAL (models::choose_promoted: the highest position, the first on a tie). A
  // position is final only once the replica's WAL receiver has seen the connection close (until then WAL the primary
  // sent before it died may still be in the socket: a receiver starved of CPU took 0.7 s to notice here, at load 5)
  // and its startup process has replayed what is on disk and waits for more (a receiver that dies on the closed
  // connection may leave WAL that the replay reads but the received position does not count). So the replicas are
  // asked every 10 ms, for up to 5 s, until two readings in a row find every one settled so, at the same positions.
  // The position is the furthest of the WAL received and the WAL replayed.
  std::vector<std::optional<std::uint64_t>> positions;
  bool settled_before = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    std::vector<std::optional<std::uint64_t>> now;
    std::vector<std::string> errors;
    std::vector<std::string> unsettled;
    for (std::size_t r = 1; r < group; ++r) {
      const Endpoint& replica = live->instances[first + r];
      std::string error;
      const auto answer = query_one(
          sessions, replica,
          "SELECT (SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming') || ' ' || (SELECT count(*) "
          "FROM pg_stat_activity WHERE backend_type = 'startup' AND wait_event IN ('RecoveryWalStream', "
          "'RecoveryRetrieveRetryInterval')) || ' ' || coalesce((greatest(pg_last_wal_receive_lsn(), "
          "pg_last_wal_replay_lsn()) - '0/0')::text, '')",
          error);
      std::istringstream words(answer.value_or(""));
      int streaming = 0, waiting = 0;
      std::string lsn;
      words >> streaming >> waiting >> lsn;
      if (answer && (streaming > 0 || waiting == 0)) // one that does not answer has no say
        unsettled.push_back(replica.name + (streaming > 0 ? " still streams" : " still replays"));
      if (lsn.empty()) {
        now.push_back(std::nullopt);
        errors.push_back(error.empty() ? replica.name + ": no WAL received" : error);
        continue;
      }
      now.push_back(std::strtoull(lsn.c_str(), nullptr, 10));
    }
    const bool settled = unsettled.empty();
    const bool final = settled && settled_before && now == positions;
    settled_before = settled;
    positions = now;
    if (final || std::chrono::steady_clock::now() >= give_up) {
      if (!final)
        errors.push_back(crash.database + ": 5 s after the crash " +
                         (settled ? std::string("the replicas' positions still moved") : unsettled.front()));
      report.errors.insert(report.errors.end(), errors.begin(), errors.end());
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (std::size_t r = 1; r < group; ++r)
    if (positions[r - 1])
      report.positions[live->instances[first + r].name] = *positions[r - 1];
  report.steps.emplace_back("positions read", since());
  const auto chosen = models::choose_promoted(positions);
  if (!chosen) {
    report.errors.push_back("no replica of " + crash.database + " to promote");
    return report;
  }
  const std::size_t replica = *chosen; // 0-based among the shard's replicas
  const Endpoint& promoted = live->instances[first + 1 + replica];
  report.new_primary = promoted.name;
  report.new_instance = first + 1 + replica;
  report.new_host = db.replication.replicas.at(crash.shard * db.replicas_per_shard() + replica);

  // 3. Promote: no synchronous standby to wait for (a promoted standby would otherwise block every write).
  std::string error;
  // (ALTER SYSTEM writes and syncs postgresql.auto.conf: only when needed, it takes 0.6 s on a busy disk.)
  const auto names = query_one(sessions, promoted, "SHOW synchronous_standby_names", error);
  if (!names || !names->empty())
    if (!query_one(sessions, promoted, "ALTER SYSTEM SET synchronous_standby_names = ''", error) ||
        !query_one(sessions, promoted, "SELECT pg_reload_conf()", error))
      report.errors.push_back(error);
  report.steps.emplace_back("synchronous_standby_names reset", since());
  error.clear();
  const auto done = query_one(sessions, promoted, "SELECT pg_promote(true, 30)", error);
  if (!done || *done != "t") {
    report.errors.push_back(error.empty() ? promoted.name + ": pg_promote did not finish" : error);
    return report;
  }
  report.promote_seconds = since();
  report.steps.emplace_back("promoted", report.promote_seconds);

  // 4. The API servers and the workers write to the new primary from now on.
  const std::string target = promotion_target(Promotion{crash.database, crash.shard, static_cast<int>(replica)});
  for (const auto& service : stack.services) {
    int* told = service.software == "scalelab-api"      ? &report.api_servers_told
                : service.software == "scalelab-worker" ? &report.workers_told
                                                        : nullptr;
    if (told)
      for (const auto& i : service.instances) {
        if (http_post(i.port, target) == 200)
          ++*told;
        else
          report.errors.push_back(i.name + ": POST " + target + " failed");
      }
  }
  report.notify_seconds = since();
  report.steps.emplace_back("API servers and workers told", report.notify_seconds);

  // 5. The shard's other replicas follow the new primary (a slot of their own on it, then primary_conninfo).
  for (std::size_t r = 1; r < group; ++r) {
    if (r == replica + 1)
      continue;
    const Endpoint& other = live->instances[first + r];
    const std::string slot = "slot_" + other.name;
    error.clear();
    const bool ok = query_one(sessions, promoted,
                              "SELECT pg_create_physical_replication_slot(" + quoted(slot) +
                                  ") WHERE NOT EXISTS (SELECT 1 FROM "
                                  "pg_replication_slots WHERE slot_name = " +
                                  quoted(slot) + ")",
                              error) &&
                    query_one(sessions, other,
                              "ALTER SYSTEM SET primary_conninfo = " +
                                  quoted("host=" + promoted.host + " port=" + std::to_string(promoted.port) +
                                         " user=" + (promoted.user.empty() ? std::string("postgres") : promoted.user) +
                                         " application_name=" + other.name),
                              error) &&
                    query_one(sessions, other, "ALTER SYSTEM SET primary_slot_name = " + quoted(slot), error) &&
                    query_one(sessions, other, "SELECT pg_reload_conf()", error);
    if (ok)
      report.repointed.push_back(other.name);
    else
      report.errors.push_back(error);
  }
  report.steps.emplace_back("replicas re-pointed", since());
  return report;
}

} // namespace scalelab::real
