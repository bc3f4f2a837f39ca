#pragma once
// The decisions of a replicated database, as plain functions of plain values (no SimGrid type): where a read
// goes, how many acknowledgements a write waits for, which replica a failover promotes, and which
// acknowledged writes a failover loses. The simulated database calls them; a real-mode adapter can too.
// docs/replication.md has the model and the formulas its tests check.
#include "scalelab/models/balancing.hpp"
#include "scalelab/models/random.hpp"
#include "scalelab/models/spec.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace scalelab::models
{

const char* to_string(ReplicationMode mode); // as written in files

// One caller's choice of where each read goes (an api_server instance keeps one per replicated database):
// the primary, or one of the replicas with the read policy. A replica promoted to primary is no longer
// chosen for reads.
class ReadRouter
{
public:
  ReadRouter(ReadFrom from, BalancingPolicy policy, int replicas);
  static constexpr int kPrimary = -1;
  // The replica a read goes to (0 to replicas - 1), or kPrimary (read_from primary, or no replica left).
  int pick_read(Rng& rng);
  // A read picked with pick_read() got its answer (least_connections counts reads in progress).
  void read_done(int replica);
  void promoted(int replica); // that replica is the primary now
  bool completions_matter() const { return balancer_ && balancer_->observes_completions(); }

private:
  std::unique_ptr<Balancer> balancer_; // none: every read goes to the primary
};

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
