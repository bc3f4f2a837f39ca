#pragma once
// One way to reach the live PostgreSQL instances of a stack (libpq): the connection string, connections kept by
// instance, one-statement queries, and the replication's apply time as a client sees it.
#include "scalelab/real/stack.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

struct pg_conn;

namespace scalelab::real
{

// libpq's connection string for an instance: its host and port, the stack's user for it (`user` when the stack
// names none), `database`, and a 2 s connect timeout.
std::string pg_conninfo(const Endpoint& e, const std::string& database = "postgres",
                        const std::string& user = "postgres");

// Connections to instances, opened on first use and kept until the end (reopened when one broke).
class PgSessions
{
public:
  PgSessions() = default;
  PgSessions(const PgSessions&) = delete;
  PgSessions& operator=(const PgSessions&) = delete;
  ~PgSessions();
  // The instance's connection, or nullptr with `error` set to "INSTANCE: libpq's message".
  pg_conn* get(const Endpoint& e, std::string& error);

private:
  std::map<std::string, pg_conn*> open_;
};

// One SQL statement on the instance; the first row's first value ("" when none), or nothing with `error` set.
std::optional<std::string> query_one(PgSessions& sessions, const Endpoint& e, const std::string& sql,
                                     std::string& error);
std::optional<std::string> query_one(const Endpoint& e, const std::string& sql,
                                     std::string& error); // a connection of its own

// A write committed on `primary`, then read on `replica` until it is seen: the seconds from the commit's
// acknowledgement to the end of the first read that saw it, one write at a time (`count` after `warm` untimed),
// with a read's mean duration and the mean time from one read's start to the next's. The probe's commits do not
// wait for standbys (synchronous_commit = local), so that a synchronous replica's lag is measured too. Uses the
// table scalelab_probe, created when missing.
//
// A read sees the replica as of about the middle of its round trip, and the reads' snapshots are `period` apart,
// so the first to see a write returns on average period / 2 + read / 2 after the write became visible.
struct VisibilityProbe {
  std::vector<double> seen;  // seconds, one per write
  double read_seconds = 0;   // a read's mean duration on the replica
  double period_seconds = 0; // from one read's start to the next's
  std::string error;         // empty: measured
  // The mean time from a commit's acknowledgement to its visibility on the replica, given the mean seen.
  double visible_after(double seen_mean) const { return seen_mean - (period_seconds + read_seconds) / 2; }
};
VisibilityProbe probe_replica_visibility(const Endpoint& primary, const Endpoint& replica, int warm, int count);

} // namespace scalelab::real
