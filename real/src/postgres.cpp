#include "scalelab/real/postgres.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <thread>

namespace scalelab::real
{

std::string pg_conninfo(const Endpoint& e, const std::string& database, const std::string& user)
{
  return "host=" + e.host + " port=" + std::to_string(e.port) + " user=" + (e.user.empty() ? user : e.user) +
         " dbname=" + database + " connect_timeout=2 options='-c client_min_messages=warning'";
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

// Each probe has its own row (its replica's name), so that probes of several replicas of one primary, each counting
// its own writes, never see each other's.
bool VisibilityProbe::prepare()
{
  prepared_ = query_one(sessions_, primary_,
                        "CREATE TABLE IF NOT EXISTS scalelab_probe (replica text PRIMARY KEY, n bigint)", error_) &&
              query_one(sessions_, primary_,
                        "INSERT INTO scalelab_probe VALUES ('" + replica_.name +
                            "', 0) ON CONFLICT (replica) DO UPDATE SET n = 0",
                        error_);
  return prepared_;
}

std::optional<double> VisibilityProbe::once()
{
  using Clock = std::chrono::steady_clock;
  if (!prepared_ && !prepare())
    return std::nullopt;
  const std::string n = std::to_string(++written_);
  // SET LOCAL: the commit does not wait for standbys, on whichever connection the session has now.
  if (!query_one(sessions_, primary_,
                 "BEGIN; SET LOCAL synchronous_commit = local; UPDATE scalelab_probe SET n = " + n +
                     " WHERE replica = '" + replica_.name + "'; COMMIT",
                 error_))
    return std::nullopt;
  const auto committed = Clock::now();
  std::optional<Clock::time_point> previous;
  // Seen when the replica returns the value; 2 s without it is a replica that does not apply.
  for (;;) {
    const auto start = Clock::now();
    const auto value =
        query_one(sessions_, replica_, "SELECT n FROM scalelab_probe WHERE replica = '" + replica_.name + "'", error_);
    const auto end = Clock::now();
    if (!value) {
      // The table created on the primary may not have reached the replica yet.
      if (error_.find("does not exist") == std::string::npos)
        return std::nullopt;
      error_.clear();
    } else {
      reading_ += std::chrono::duration<double>(end - start).count();
      ++reads_;
      if (previous) {
        waiting_ += std::chrono::duration<double>(start - *previous).count();
        ++gaps_;
      }
    }
    previous = start;
    if (value && *value == n)
      return std::chrono::duration<double>(end - committed).count();
    if (end - committed > std::chrono::seconds(2)) {
      error_ = replica_.name + ": a write committed on " + primary_.name + " was not seen within 2 s";
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

} // namespace scalelab::real
