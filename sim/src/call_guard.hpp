#pragma once
// What an API server keeps for its guarded calls (call steps with a timeout, retries, a retry budget or a
// circuit breaker: models/protection.hpp, docs/protection.md). The decisions are the plain classes of models;
// this is their state per caller instance, and the attempts out.
//
// An attempt goes out on a copy of the request's record, so that the caller keeps its own: when the caller
// gives up (a timeout), it goes on with its record (a retry, or the error to its own caller) while the callee
// works on the copy, as a server does with work a client gave up on. The copy's reply finds its attempt gone
// and is dropped (a late reply). The copy's top frame carries the attempt's token in Frame::cookie (unused in
// an API server's frame otherwise).
//
// Timeouts cost no event per call: the deadlines wait in a heap, and one tick at a time is armed at the
// earliest deadline of an attempt still out; answered attempts leave the heap when they reach its top. With
// replies well within the timeout that is about one tick per timeout period per instance, not one per call.
#include "scalelab/models/protection.hpp"
#include "scalelab/models/time.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <unordered_map>
#include <utility>
#include <vector>

namespace scalelab::sim
{

struct CallGuard {
  struct Attempt {
    std::uint32_t request; // the caller's own record
    std::uint16_t attempt; // 0: the first
  };
  std::unordered_map<std::uint32_t, Attempt> out; // attempts out, by token
  std::priority_queue<std::pair<models::SimTime, std::uint32_t>, std::vector<std::pair<models::SimTime, std::uint32_t>>,
                      std::greater<>>
      deadlines; // (deadline, token), answered ones removed lazily
  models::SimTime armed_at = models::kNever;
  std::uint32_t tick_generation = 0; // a tick of an older generation is stale (re-armed earlier, or a crash)
  std::uint32_t next_token = 1;
  std::vector<std::optional<models::RetryBudget>> budgets;     // by ResolvedStep::guard
  std::vector<std::optional<models::CircuitBreaker>> breakers; // by ResolvedStep::guard

  // In the measured window.
  struct Counts {
    std::uint64_t calls = 0, attempts = 0, retries = 0, timeouts = 0, late_replies = 0, breaker_refused = 0,
                  budget_refused = 0;
  } counts;
};

} // namespace scalelab::sim
