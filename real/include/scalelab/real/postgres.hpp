#pragma once
// One way to reach the live PostgreSQL instances of a stack (libpq): the connection string, connections kept by
// instance, one-statement queries, and the replication's apply time as a client sees it.
#include "scalelab/real/stack.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

struct pg_conn;

namespace scalelab::real
{

// libpq's connection string for an instance: its host and port, the stack's user for it (`user` when the stack
// names none), `database`, a 2 s connect timeout, and no notices (a CREATE TABLE IF NOT EXISTS's "already exists"
// would reach the terminal).
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
// acknowledgement to the end of the first read that saw it, one write at a time. The probe's commits do not wait
// for standbys (synchronous_commit = local), so that a synchronous replica's lag is measured too. Uses the table
// scalelab_probe, created when missing, and its row named after the replica.
//
// A read sees the replica as of about the middle of its round trip, and the reads' snapshots are `period` apart
// (200 us of sleep between reads, so that the probe leaves the replica's processes the machine's cores), so the
// first to see a write returns on average period / 2 + read / 2 after the write became visible: visible_after().
class VisibilityProbe
{
public:
  VisibilityProbe(Endpoint primary, Endpoint replica) : primary_(std::move(primary)), replica_(std::move(replica)) {}
  std::optional<double> once();                                        // seconds seen; nothing with error() set
  void clear_timing() { reading_ = waiting_ = 0, reads_ = gaps_ = 0; } // after untimed writes
  double read_seconds() const { return reads_ > 0 ? reading_ / static_cast<double>(reads_) : 0; }
  double period_seconds() const { return gaps_ > 0 ? waiting_ / static_cast<double>(gaps_) : read_seconds(); }
  // The time from a commit's acknowledgement to its visibility on the replica, given a time seen.
  double visible_after(double seen) const { return seen - (period_seconds() + read_seconds()) / 2; }
  const std::string& error() const { return error_; }
  const Endpoint& replica() const { return replica_; }

private:
  bool prepare();
  Endpoint primary_, replica_;
  PgSessions sessions_;
  bool prepared_ = false;
  std::uint64_t written_ = 0;
  double reading_ = 0, waiting_ = 0;
  std::size_t reads_ = 0, gaps_ = 0;
  std::string error_;
};

} // namespace scalelab::real
