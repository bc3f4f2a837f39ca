#pragma once
// Following requests hop by hop (RunOptions::follow). The engine tells the recorder what happens to a
// followed request's record: it is sent, arrives at a component, begins its service there, is copied (a
// guarded call's attempt, the callers' side of a crash) and is answered. The recorder only writes down times:
// it reads nothing that the run reads, so following changes no result. A record is followed when its
// Request::followed bit is set, so the engine asks the recorder nothing about the other requests.
#include "component.hpp"
#include "scalelab/models/time.hpp"
#include "scalelab/sim/simulation.hpp"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace scalelab::sim
{

using models::SimTime;

class FollowRecorder
{
public:
  explicit FollowRecorder(const FollowOptions& options) : options_(options) {}

  bool picks(std::uint64_t sent_index) const { return options_.picks(sent_index); }
  // Record `rid` is the index-th request of the users, sent at `ts` from `users` (the component).
  void start(std::uint32_t rid, std::uint64_t index, SimTime ts, std::uint16_t type, bool measured);
  void sent(std::uint32_t rid, SimTime now);
  void arrived(std::uint32_t rid, SimTime ts, std::uint32_t component, bool reply);
  void began(std::uint32_t rid, SimTime ts, std::uint32_t component);
  void answered(std::uint32_t rid, SimTime ts, Cause cause);
  // Record `to` carries the request of record `from` from now on (as well, for a guarded call's attempt).
  void copied(std::uint32_t from, std::uint32_t to);

  struct Hop {
    std::uint32_t component;
    bool reply;
    SimTime left, arrived, began, finished;
  };
  struct Trace {
    std::uint64_t index = 0;
    std::uint16_t type = 0;
    bool measured = false;
    SimTime sent = 0;
    SimTime answered = models::kNever;
    Cause cause = Cause::ok;
    SimTime last_left = 0; // when its last message left
    std::vector<Hop> hops;
  };
  const std::vector<Trace>& traces() const { return traces_; }

private:
  Trace* trace_of(std::uint32_t rid);
  FollowOptions options_;
  std::vector<Trace> traces_;
  std::unordered_map<std::uint32_t, std::uint32_t> by_record_; // record -> trace
};

} // namespace scalelab::sim
