#pragma once
// The decisions of a replicated database, as plain functions of plain values (no SimGrid type): where a read
// goes, how many acknowledgements a write waits for, which replica a failover promotes, and which
// acknowledged writes a failover loses. The simulated database calls them; a real-mode adapter can too.
// docs/replication.md has the model and the formulas its tests check.
#include "scalelab/models/balancing.hpp"
#include "scalelab/models/random.hpp"
#include "scalelab/models/spec.hpp"
#include "scalelab/models/time.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace scalelab::models
{

const char* to_string(ReplicationMode mode); // as written in files

const char* to_string(ReadFrom from); // as written in files

// One caller's choice of where each read goes (an api_server instance keeps one per replicated database):
// the primary, one of the replicas with the read policy (replicas, read_your_writes), or the user's own replica
// (monotonic). A replica promoted to primary is no longer chosen for reads.
class ReadRouter
{
public:
  ReadRouter(ReadFrom from, BalancingPolicy policy, int replicas);
  static constexpr int kPrimary = -1;
  // The replica a read of `user` (0: none) goes to (0 to replicas - 1), or kPrimary (read_from primary, or no
  // replica left). O(1), and O(log n) for the policies of balancing.hpp that are.
  int pick_read(Rng& rng, std::uint32_t user = 0);
  // A read picked with pick_read() got its answer (least_connections counts reads in progress).
  void read_done(int replica);
  void promoted(int replica); // that replica is the primary now
  bool completions_matter() const { return balancer_ && balancer_->observes_completions(); }

private:
  std::unique_ptr<Balancer> balancer_; // replicas, read_your_writes; none: the primary or sticky replicas
  bool sticky_ = false;                // monotonic
  std::vector<int> up_;                // monotonic: the replicas not promoted, in order
  std::vector<bool> is_up_;
};

// read_from monotonic: the replica a user reads from, with no state per user. Its first choice is a hash of the
// user over every replica, so that a user keeps their replica while it serves reads; a user whose first choice
// was promoted reads from another replica, chosen by a second hash over those left (`up`, in order; `is_up` by
// replica): the other users do not move. kPrimary when none is left. O(1).
int sticky_replica(std::uint32_t user, const std::vector<int>& up, const std::vector<bool>& is_up);

// read_from read_your_writes, as real systems do it: a session token that carries the log position of the
// user's last write (a GTID, an LSN, a cluster time: MySQL's WAIT_FOR_EXECUTED_GTID_SET, PostgreSQL's WAIT FOR
// LSN, MongoDB's causally consistent sessions, Aurora's SESSION read consistency). The token travels with the
// user's requests; a replica serves a read once its applied position covers the token, and holds it until then.
// Positions count the writes the database committed, from 1; token 0: the user wrote nothing.
inline bool covers(std::uint32_t applied_position, std::uint32_t token)
{
  return applied_position >= token;
}

// Each user's token (4 bytes a user, users 1..users): what the session cookie carries from one request to the
// next. O(1).
class SessionTokens
{
public:
  explicit SessionTokens(std::int64_t users) : token_(static_cast<std::size_t>(users) + 1, 0) {}
  std::uint32_t token(std::uint32_t user) const { return user < token_.size() ? token_[user] : 0; }
  // A reply brought the token back: positions only grow.
  void advance(std::uint32_t user, std::uint32_t token)
  {
    if (user < token_.size() && token > token_[user])
      token_[user] = token;
  }

private:
  std::vector<std::uint32_t> token_;
};

// Whether the run's users carry a read_your_writes token (some replicated database reads that way).
bool uses_read_your_writes(const TopologySpec& spec);

// How many replicas' acknowledgements a write waits for, given how many replicas it was shipped to.
std::size_t acks_needed(const ReplicationSpec& spec, std::size_t shipped);

// Failover: the replica promoted among the candidates that voted, each with the position (the sequence
// number of the last write it received from the failed primary): the highest position, the lowest index on a
// tie. Returns the index in `positions`, or nothing when there is no candidate.
std::optional<std::size_t> choose_promoted(const std::vector<std::optional<std::uint64_t>>& positions);

// The writes a failover loses: those acknowledged to their callers (their sequence numbers at the failed
// primary, in any order) that come after the promoted replica's position. Counted one by one.
std::uint64_t lost_writes(const std::vector<std::uint64_t>& acknowledged, std::uint64_t promoted_position);

} // namespace scalelab::models
