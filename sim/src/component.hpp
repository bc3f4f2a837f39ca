#pragma once
// The contract between the engine and a component (a service instance, the users' source).
//
// A component reacts to events (a request or a reply reaching it, the end of a step it scheduled, a timer, a
// fault) in (time, order) order on its own node, and never blocks: a request that waits sits in the
// component's own queue. It may:
//   - change its own state and its node's (cores and disk, claimed in time order: HostResource);
//   - read and write the record of the request it handles, and the frames of that request below its own;
//   - send messages (World::send) and schedule its own events (Node::push_local) at its time or later;
//   - update statistics, which are order-independent (stats.hpp).
// It may not read or write another node's state during the run: two nodes run ahead of each other by up to
// the lookahead, so what it would see would depend on the engine. What needs another node's state (a
// cache's stale reads against a database's commits) is settled after the run.
//
// The windowed engine's shortcuts, and what each requires of a component (the plain engine takes none, and
// tests/sim/test_engine.cpp checks that both give the same bytes on every topology file):
//   - Lindley claims (all engines): a node's cores and disk are FIFO pools whose claims come in time order,
//     so a claim's end is known when it is made and freeing a unit costs nothing.
//   - Passive replies (passive_replies()): the reply is handled when it is sent, with its arrival time, so
//     on_reply must change only order-independent statistics, or state that nothing reads before the reply's
//     arrival time (the closed-loop source with merged thinking users notes when the user starts thinking, in
//     a queue that only arrival candidates at or after that time consult), and send at most one message,
//     which inherits the reply's order key. Counted in EngineStats::passive_replies.
//   - Completions apart (completions_apart()): the reply's bookkeeping is done when it is sent, and only what
//     must happen in time order (telling the policy which backend finished) is an event, at the reply's time
//     and order. Counted in EngineStats::completions_apart.
//   - Departures computed at arrival (ApiServer::serve_at_arrival): a server whose every request is a CPU
//     claim at its start then delays, with no session token to check first, alone on a node that never
//     crashes, whose replies cross routes that never queue. Counted in EngineStats::servers_at_arrival.
// The simulation decides where the last three apply before the run, in one place each: replies_quietly in
// settle_quiet_replies() and serve_at_arrival_where_exact() (simulation.cpp); a component says only whether it wants
// them (a node that can crash never does: what it holds at the crash must be exact).
#include "scalelab/models/results.hpp"
#include "scalelab/models/time.hpp"
#include "stats.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace scalelab::sim
{

using models::SimTime;

class World;
class Node;

// When a host, or one service instance on it, is down, from the fault schedule. Known before the run, so any
// node can ask about any time.
struct Outage {
  SimTime from, until; // until: kNever when it never restarts
};

// A service instance's own crash schedule (faults: crash_service) merged with its host's: sorted, disjoint.
class OutageSchedule
{
public:
  explicit OutageSchedule(std::vector<Outage> outages) : outages_(std::move(outages)) {}
  const std::vector<Outage>& outages() const { return outages_; }
  bool down_at(SimTime t) const
  {
    for (const auto& o : outages_)
      if (t >= o.from && t < o.until)
        return true;
    return false;
  }
  // How many times the instance has crashed by time t: frames pushed before a crash are stale after it.
  std::uint16_t incarnation_at(SimTime t) const
  {
    std::uint16_t n = 0;
    for (const auto& o : outages_)
      n = static_cast<std::uint16_t>(n + (o.from <= t ? 1 : 0));
    return n;
  }

private:
  std::vector<Outage> outages_;
};

// What a fault event tells a component: its host crashes, or (a balancer's health check) one of its backends
// is found down or up again. Carried in the event's aux, packed and unpacked here only.
struct Fault {
  enum class Kind : std::uint8_t { crash, backend_down, backend_up };
  Kind kind = Kind::crash;
  std::uint32_t backend = 0; // backend_down, backend_up: the backend's index at the balancer

  std::uint32_t pack() const
  {
    return kind == Kind::crash ? kCrashAux : backend | (kind == Kind::backend_up ? kUpBit : 0);
  }
  static Fault unpack(std::uint32_t aux)
  {
    if (aux == kCrashAux)
      return {Kind::crash, 0};
    return {(aux & kUpBit) != 0 ? Kind::backend_up : Kind::backend_down, aux & ~kUpBit};
  }

private:
  static constexpr std::uint32_t kCrashAux = 0xffffffffU;
  static constexpr std::uint32_t kUpBit = 0x80000000U; // backends are fewer than 2^31
};

// Aligned to a cache line, so that a component's hot fields share as few lines as possible: at a thousand
// servers every request finds its server's lines evicted.
class alignas(64) Component
{
public:
  virtual ~Component() = default;
  virtual void on_request(SimTime, std::uint32_t) {}
  virtual void on_reply(SimTime, std::uint32_t, Cause) {}
  virtual void on_step_done(SimTime, std::uint32_t, std::uint32_t) {}
  virtual void on_tick(SimTime, std::uint32_t) {}
  virtual void on_fault(SimTime, const Fault&) {}
  // True when on_reply changes only order-independent statistics or state that nothing reads before the
  // reply's arrival time (see the top of this file), and sends at most one message: the reply is then handled
  // when it is sent, with its arrival time, and costs no event.
  virtual bool passive_replies() const { return false; }
  // True when on_reply changes in time order only what on_completion() changes, from a number that
  // reply_apart() returns (a balancer that counts each backend's requests: the backend), and otherwise only
  // order-independent statistics and at most one message sent on. The rest of the reply is then handled when
  // it is sent, and a completion event that reads no request record takes the reply's place.
  virtual bool completions_apart() const { return false; }
  virtual std::uint32_t reply_apart(SimTime, std::uint32_t, Cause) { return 0; }
  virtual void on_completion(SimTime, std::uint32_t) {}
  // Whether a reply to this component can be handled (wholly or but for its completion) when it is sent, and
  // whether it is, its routes allowing.
  bool wants_replies_at_send() const { return passive_replies() || completions_apart(); }
  bool replies_at_send() const { return wants_replies_at_send() && replies_quietly; }
  // Every message this component sends when it handles a reply crosses only links that never queue, so
  // handling the reply on the sender's host changes no link's order (set up by the simulation).
  bool replies_quietly = true;
  // After the run: what this instance adds to its service's row of a timeseries interval (a cache's counts).
  virtual void add_to_series(std::size_t, models::TimeseriesRow&) const {}

  // Whether this instance can crash, and when it is down: its host's crashes, and its own (faults:
  // crash_service) when it has some. Defined in world.hpp, beside Node.
  bool can_crash() const;
  bool down_at(SimTime t) const;
  std::uint16_t incarnation_at(SimTime t) const;
  const std::vector<Outage>& outages() const;
  // Whether the crash at `ts` (a start of this instance's outages) is its host's, which also loses the work
  // given to the host's cores and disk, or its own alone.
  bool host_crashes_at(SimTime ts) const;

  std::uint32_t id = 0;
  Node* node = nullptr;
  World* world = nullptr;
  // Set before the run for an instance that crashes on its own (faults: crash_service); null otherwise.
  std::unique_ptr<const OutageSchedule> own_outages;
};

} // namespace scalelab::sim
