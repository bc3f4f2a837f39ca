#pragma once
// Session guarantees of a replicated database (docs/replication.md): read-your-writes and monotonic-read
// violations, counted after the run from a log of every operation of a user at every instance of the database.
//
// An operation X of user u on key k precedes a read R of u and k in u's session when X came before R in the same
// request (a request makes one call at a time), or when X's request was answered (and X done: an attempt given up
// by its caller, or a request cut off by a crash, answers the user while the database goes on) before R's request
// was sent: what the user had seen. R violates read-your-writes when it returns an older version than the newest
// write of u to k that precedes it, and monotonic reads when it returns an older version than the newest read of
// u of k that precedes it. Requests of one user that overlap (an open user drawn again before an answer) do not
// order each other's operations.
//
// The log holds what the count needs and no more: each operation (48 bytes) carries the time its request was
// answered, written in when the answer comes, so that no request is kept after its answer (a request whose
// calls may still reach the database after it is kept until they have). Its three entry points (a call sent, an
// operation done, a request answered) may be called in any order consistent with causality, as the hosts of the
// windowed engine process their events: the counts do not depend on that order.
#include "scalelab/models/time.hpp"

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

namespace scalelab::models
{

struct SessionOp {
  SimTime created = 0;    // the request's, when the user sent it: with `user`, names the request
  SimTime done = 0;       // when the version was read, or the write acknowledged
  SimTime known = kNever; // from when the user knows it: max(done, the request's answer); kNever: unanswered
  std::uint64_t key = 0;
  std::uint32_t user = 0;
  std::uint32_t version = 0;
  std::uint16_t instance = 0; // in the service
  bool write : 1;
  bool measured : 1;   // a read done in the measured window: its violations are counted
  bool at_replica : 1; // a read served by a replica (not a primary): counted for stale reads too
};
static_assert(sizeof(SessionOp) == 48, "an operation is 48 bytes: the log is most of a replicated run's memory");

struct SessionViolations {
  std::vector<std::uint64_t> read_your_writes, monotonic; // by instance
};

class SessionLog
{
public:
  // A caller sent the request's call to the database (every call is sent before it is done, and before the
  // request is answered).
  void call_sent(std::uint32_t user, SimTime created);
  // An instance did one of those calls: `known` is ignored.
  void record(const SessionOp& op);
  // The user got the request's answer. `cut_off`: a crash split the request, and what remains of it runs on
  // and may still send calls.
  void answered(std::uint32_t user, SimTime created, SimTime at, bool cut_off);

  // After the run: each instance's violations, O(n log n) in the operations. Reads `visit` for every operation
  // (for counts over the same reads, like stale reads).
  SessionViolations count(std::size_t instances) const;
  template <class Visit> void for_each(Visit&& visit) const
  {
    for (const auto& bucket : buckets_)
      for (const SessionOp& op : bucket)
        visit(op);
  }
  // Requests whose calls are still out or whose answer is still to come.
  std::size_t open_requests() const { return open_.size(); }

private:
  struct RequestId {
    std::uint32_t user;
    SimTime created;
    bool operator==(const RequestId& o) const { return user == o.user && created == o.created; }
  };
  struct RequestIdHash {
    std::size_t operator()(const RequestId& r) const;
  };
  struct Open {
    SimTime answered = kNever;
    std::uint32_t calls_out = 0;
    bool cut_off = false;
    std::vector<SessionOp*> ops; // done before the answer: their `known` is written at the answer
  };
  std::deque<SessionOp>& bucket(std::uint32_t user);
  void close_if_done(std::unordered_map<RequestId, Open, RequestIdHash>::iterator it);

  // By user, so that the count sorts pieces that fit in cache; a deque never copies what it holds when it grows
  // (a vector's doubling held two copies of the log at once).
  std::vector<std::deque<SessionOp>> buckets_ = std::vector<std::deque<SessionOp>>(kBuckets);
  std::unordered_map<RequestId, Open, RequestIdHash> open_;
  static constexpr std::uint32_t kBuckets = 1024;
};

} // namespace scalelab::models
