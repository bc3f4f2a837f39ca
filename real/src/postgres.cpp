#include "scalelab/real/postgres.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <thread>

namespace scalelab::real
{

std::string pg_conninfo(const Endpoint& e, const std::string& database, const std::string& user)
{
  return "host=" + e.host + " port=" + std::to_string(e.port) + " user=" + (e.user.empty() ? user : e.user) +
         " dbname=" + database + " connect_timeout=2";
}

PgSessions::~PgSessions()
{
  for (auto& [name, c] : open_)
    if (c)
      PQfinish(c);
}

PGconn* PgSessions::get(const Endpoint& e, std::string& error)
{
  auto& c = open_[e.name];
  if (c && PQstatus(c) == CONNECTION_OK)
    return c;
  if (c)
    PQfinish(c);
  c = PQconnectdb(pg_conninfo(e).c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    error = e.name + ": " + PQerrorMessage(c);
    PQfinish(c);
    c = nullptr;
  }
  return c;
}

std::optional<std::string> query_one(PgSessions& sessions, const Endpoint& e, const std::string& sql,
                                     std::string& error)
{
  PGconn* c = sessions.get(e, error);
  if (!c)
    return std::nullopt;
  PGresult* r = PQexec(c, sql.c_str());
  std::optional<std::string> value;
  const auto status = PQresultStatus(r);
  if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
    value = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "";
  else
    error = e.name + ": " + sql + ": " + PQresultErrorMessage(r);
  PQclear(r);
  return value;
}

std::optional<std::string> query_one(const Endpoint& e, const std::string& sql, std::string& error)
{
  PgSessions once;
  return query_one(once, e, sql, error);
}

VisibilityProbe probe_replica_visibility(const Endpoint& primary, const Endpoint& replica, int warm, int count)
{
  using Clock = std::chrono::steady_clock;
  VisibilityProbe probe;
  PgSessions sessions;
  auto run = [&](const Endpoint& e, const std::string& sql) { return query_one(sessions, e, sql, probe.error); };
  if (!run(primary, "SET synchronous_commit = local") ||
      !run(primary, "CREATE TABLE IF NOT EXISTS scalelab_probe (id int PRIMARY KEY, n bigint)") ||
      !run(primary, "INSERT INTO scalelab_probe VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET n = 0"))
    return probe;
  double reading = 0, waiting = 0;
  std::size_t reads = 0, gaps = 0;
  // A write is seen when the replica returns its value; 2 s without it is a replica that does not apply. The reads
  // are 200 us apart, so that the probe leaves the replica's processes the machine's cores.
  for (int i = 1; i <= warm + count; ++i) {
    const std::string n = std::to_string(i);
    if (!run(primary, "UPDATE scalelab_probe SET n = " + n + " WHERE id = 1"))
      return probe;
    const auto committed = Clock::now();
    std::optional<Clock::time_point> previous;
    for (;;) {
      const auto start = Clock::now();
      const auto value = run(replica, "SELECT n FROM scalelab_probe WHERE id = 1");
      const auto end = Clock::now();
      if (!value) {
        // The table created on the primary may not have reached the replica yet.
        if (probe.error.find("does not exist") == std::string::npos)
          return probe;
        probe.error.clear();
      } else if (i > warm) {
        reading += std::chrono::duration<double>(end - start).count();
        ++reads;
        if (previous) {
          waiting += std::chrono::duration<double>(start - *previous).count();
          ++gaps;
        }
      }
      previous = start;
      if (value && *value == n) {
        if (i > warm)
          probe.seen.push_back(std::chrono::duration<double>(end - committed).count());
        break;
      }
      if (end - committed > std::chrono::seconds(2)) {
        probe.error = replica.name + ": a write committed on " + primary.name + " was not seen within 2 s";
        return probe;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  probe.read_seconds = reads > 0 ? reading / static_cast<double>(reads) : 0;
  probe.period_seconds = gaps > 0 ? waiting / static_cast<double>(gaps) : probe.read_seconds;
  return probe;
}

} // namespace scalelab::real
