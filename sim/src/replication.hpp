#pragma once
// A database with replicas (docs/replication.md): one component per instance, the primary's host first, then
// each replica's. A sharded database with replicas is one such group per shard, shard after shard (the
// instances of shard s are s * (R + 1) to s * (R + 1) + R, for R replicas per shard): each group replicates,
// and fails over, on its own, and a call goes to the group of its key's shard. Every write committed at the primary is
// shipped to each replica (a message of query_size bytes) and applied there by a single applier, one write at a time in
// commit order, with the replica's `apply` cost on its host's cores and disk: the lag emerges from the network, that
// cost and the host's load. Under sync and semi_sync the primary holds the write's connection until enough replicas
// have acknowledged (after applying). When the primary's host stays down for the detection timeout, the replicas that
// are up vote with their positions, the most recent wins and becomes the primary after the promotion time, and it
// announces itself to the other replicas and to every caller.
//
// Everything is an event on one host: a shipment, an acknowledgement, a vote and an announcement are records of
// the request pool sent as messages (no actor per write), marked by Request::type. A component reads no other
// host's state during the run but the fault schedule, which is known before it; stale reads and lost writes are
// settled after the run from what each instance logged.
#include "components.hpp"
#include "service_kinds.hpp"

#include "scalelab/models/histogram.hpp"
#include "scalelab/models/replication.hpp"
#include "scalelab/models/results.hpp"

#include <functional>
#include <optional>
#include <queue>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace scalelab::sim
{

// Records that carry no user request, told apart by Request::type (request types are fewer).
inline constexpr std::uint16_t kShipmentRecord = 0xfffe; // a committed write to a replica; its reply is the ack
inline constexpr std::uint16_t kNoticeRecord = 0xfffd;   // a failover's vote, or a new primary's announcement

// Where an api server sends a call step: for a replicated database, a write to the primary it knows of and a
// read where its router says (the caller's frame then remembers the replica, for a router that counts reads
// in progress); any other call to any instance, as before. `user`: the request's (0: none).
std::uint32_t call_target(Component& caller, const ResolvedStep& step, Frame& frame, models::Rng& rng,
                          std::uint64_t key, std::uint32_t user = 0);
// The answer to a read that call_target() sent to a replica, at its caller (frame.aux is then cleared).
void replica_read_done(Component& caller, Frame& frame);
// The answer to a call step that succeeded, at its caller: a write to a database with read_from read_your_writes
// makes the position it committed at the user's session token (in the request's bottom frame, the users' source's,
// which takes it back with the reply).
void replica_write_done(Component& caller, Request& r, const ResolvedStep& step);
// A new primary's announcement reaching a caller.
void on_replication_notice(Component& caller, SimTime ts, std::uint32_t request);

void build_replicated(const models::DatabaseSpec& spec, ServiceBuilder& b);
void report_replication(const World& world, std::uint32_t service, models::ServiceResult& r);

class ReplicatedDatabase : public Database
{
public:
  ReplicatedDatabase(std::uint32_t service, const models::DatabaseSpec& spec, double core_speed, std::uint64_t seed,
                     std::uint32_t instance);
  void on_request(SimTime ts, std::uint32_t request) override;
  void on_reply(SimTime ts, std::uint32_t request, Cause cause) override;
  void on_step_done(SimTime ts, std::uint32_t request, std::uint32_t aux) override;
  void on_tick(SimTime ts, std::uint32_t aux) override;
  void on_fault(SimTime ts, const Fault& fault) override;
  void add_to_series(std::size_t interval, models::TimeseriesRow& row) const override;

  // Before the run: the component ids of every instance, in instance order; then the detection timers of a
  // replica for the primary's crashes (the fault schedule is known before the run).
  // shard: the group's shard (0 when unsharded); base: the service instance index of the group's first.
  void set_peers(std::vector<std::uint32_t> peers, std::uint32_t shard, std::uint32_t base);
  void schedule_detection(SimTime from);

  // After the run.
  struct Failover {
    std::uint32_t old_primary = 0, new_primary = 0; // instance indices in the service
    SimTime crashed_at = 0, promoted_at = 0;
    std::uint64_t position = 0; // the last write of the old primary the new one had received
  };
  models::ReplicaResult replica_result(const World& world) const;
  const std::vector<Failover>& failovers() const { return failovers_; }
  const std::vector<std::uint64_t>& acknowledged() const { return acknowledged_; }
  std::uint64_t failed_between(SimTime from, SimTime to) const;
  std::uint64_t ack_timeouts() const { return ack_timeouts_; }
  std::uint64_t fallbacks() const { return fallbacks_; }
  std::uint64_t async_writes() const { return async_writes_; }
  SimTime async_time() const; // in the measured window, switched to asynchronous after an ack timeout
  std::uint64_t waited_reads() const { return waited_; }

protected:
  void complete(SimTime ts, std::uint32_t request) override;

private:
  bool is_primary() const { return primary_ == index_; }
  bool acks_wanted() const { return spec_.replication.mode != models::ReplicationMode::async; }
  std::uint32_t new_record(SimTime ts, std::uint16_t type);
  void release_record(std::uint32_t record);
  void refuse(SimTime ts, std::uint32_t request);
  // Primary.
  void ship(SimTime ts, std::uint32_t to, std::uint64_t key, std::uint32_t version, std::uint32_t seq,
            std::uint32_t position);
  void acknowledge(SimTime ts, std::uint32_t request, std::uint32_t seq);
  void on_ack(SimTime ts, std::uint32_t record, Cause cause);
  void time_out(SimTime ts, std::uint32_t seq);
  void switch_on(SimTime ts);
  // Replica.
  void receive(SimTime ts, std::uint32_t record);
  void answer_shipment(SimTime ts, std::uint32_t record, Cause cause);
  void start_apply(SimTime ts);
  void apply_step(SimTime ts, std::uint32_t record, std::uint32_t aux);
  void finish_apply(SimTime ts, std::uint32_t record);
  void serve_read(SimTime ts, std::uint32_t request);
  void serve_covered(SimTime ts);
  // Failover.
  void on_notice(SimTime ts, std::uint32_t record);
  void start_election(SimTime ts);
  void decide(SimTime ts);
  void become_primary(SimTime ts);
  bool failover_follows(SimTime crash) const;

  std::uint32_t index_;              // this instance in its group: 0 is the first primary, then the replicas in order
  std::vector<std::uint32_t> peers_; // component ids of the group, by instance index in it
  std::uint32_t shard_ = 0;          // the group's shard (0 when the database is not sharded)
  std::uint32_t base_ = 0;           // the service instance index of the group's first
  std::vector<bool> out_;            // instances that were primaries before the current one: fenced
  std::uint32_t primary_ = 0;        // the instance this one knows as the primary
  std::uint32_t epoch_ = 0;          // failovers this instance knows of
  bool fenced_ = false;              // a failed primary that others replaced: serves nothing after its restart
  std::unordered_map<std::uint64_t, std::uint32_t> versions_; // key -> version held here (absent: 0)

  // Primary: writes committed in this epoch, and those waiting for acknowledgements.
  std::uint32_t seq_ = 0;
  struct Pending {
    std::uint32_t request;
    std::size_t needed, shipped, acks = 0, refusals = 0;
  };
  std::unordered_map<std::uint32_t, Pending> pending_;
  RingQueue<std::uint32_t> timeouts_;       // semi_sync: the writes whose ack timeout is set, in commit order
  std::vector<std::uint64_t> acknowledged_; // sequence numbers of the writes acknowledged to their callers
  std::uint64_t ack_timeouts_ = 0;
  // semi_sync with fallback until_caught_up: switched to asynchronous since off_since_ (MySQL's semi-sync "off").
  bool semi_sync_off_ = false;
  SimTime off_since_ = 0, async_time_ = 0;
  std::uint64_t fallbacks_ = 0, async_writes_ = 0;
  std::vector<SimTime> refused_at_; // operations refused here with host_down (down, fenced, or not the primary)
  struct Crash {
    SimTime at;
    std::uint64_t failed; // operations it failed (queued and in progress)
  };
  std::vector<Crash> crashes_;

  // Replica: the apply queue (one applier), the position, and what was applied and read.
  RingQueue<std::uint32_t> apply_queue_;
  std::optional<std::uint32_t> applying_;
  std::uint32_t generation_ = 0; // a crash makes the pending apply events stale
  bool promote_when_drained_ = false;
  std::uint32_t received_ = 0, applied_seq_ = 0; // last sequence numbers of the current epoch
  models::Histogram lag_;
  std::uint64_t applied_measured_ = 0;
  struct IntervalLag {
    std::uint64_t applied = 0;
    SimTime sum = 0, max = 0;
  };
  std::vector<IntervalLag> lag_by_interval_; // every write applied before the end, by report interval
  struct Read {
    SimTime at;
    std::uint64_t key;
    std::uint32_t version;
  };
  std::vector<Read> reads_; // reads of no user served while a replica, for the stale-read count after the run

  // Session guarantees. Positions count the service's commits (a new primary continues from what it applied):
  // a write's is its session token (read_from read_your_writes), and a replica holds a read whose token it has
  // not applied yet, in `waiting_` (token, arrival order, request), until it has.
  bool read_your_writes_ = false;
  std::uint32_t position_ = 0;         // primary: the last write committed
  std::uint32_t applied_position_ = 0; // replica: the last write applied
  std::priority_queue<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t>,
                      std::vector<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t>>, std::greater<>>
      waiting_;
  std::uint64_t waiting_order_ = 0, waited_ = 0;

  // Failover: the votes of an election in progress (by instance), and those this instance won.
  std::vector<std::optional<std::uint64_t>> votes_;
  std::size_t votes_expected_ = 0, votes_in_ = 0;
  bool electing_ = false;
  std::vector<Failover> failovers_;
};

} // namespace scalelab::sim
