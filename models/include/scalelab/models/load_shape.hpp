#pragma once
// Load that changes: an arrival rate that follows a shape over time (steps, a ramp, a spike, a daily curve, a
// piecewise-linear list), drawn exactly as a non-homogeneous Poisson process by thinning (Lewis and Shedler
// 1979); the arrivals of a trace file; herds of users who all arrive at one instant. Plain code: the
// simulated users' source and a real-mode load generator call the same functions.
#include "scalelab/models/time.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalelab::models
{

class Rng;

struct RatePoint {
  SimTime at = 0;
  double rate = 0; // per second
};

// A rate as a function of simulated time. Before `at` (ramp, spike) or the first point (steps, piecewise)
// the rate is the starting one; after the end of the change, the final one.
struct RateShape {
  enum class Kind { constant, steps, ramp, spike, daily, piecewise };
  Kind kind = Kind::constant;
  double base = 0;               // constant: the rate; ramp: from; spike: base; daily: mean
  double peak = 0;               // ramp: to; spike: peak; daily: peak (the largest rate)
  SimTime at = 0;                // ramp: its start; spike: its start; daily: the time of a peak
  SimTime length = 0;            // ramp: over; spike: for; daily: period
  std::vector<RatePoint> points; // steps, piecewise: in increasing time

  double rate_at(SimTime t) const; // per second
  // The expected number of arrivals in [from, to): the integral of the rate.
  double integral(SimTime from, SimTime to) const;
  double max_rate() const;
  // A rate that bounds rate_at from t up to `until` (exclusive): the thinning's candidates come at it.
  struct Bound {
    double rate = 0;
    SimTime until = kNever;
  };
  Bound bound_from(SimTime t) const;
};

const char* to_string(RateShape::Kind kind);

// The first arrival strictly after t of a Poisson process of rate shape.rate_at(), or kNever. Thinning:
// candidates come at the piecewise-constant bound (memoryless, so a candidate that crosses the end of the
// bound's piece restarts there at the next piece's bound), each accepted with probability rate / bound. Exact
// for any shape whose rate the bound covers; a piece where the rate equals its bound costs no rejection.
SimTime next_shaped_arrival(const RateShape& shape, SimTime t, Rng& rng);

// One arrival of a trace: its time, and optionally its request type and key.
struct TraceArrival {
  SimTime at = 0;
  std::int32_t type = -1; // index of the request type; -1: drawn from the mix
  std::int64_t key = -1;  // -1: drawn from workload.keys (0 when requests carry no key)
};

// A herd: `users` requests sent at the one instant `at` (a cache expiry, a reconnect after an outage).
struct HerdSpec {
  SimTime at = 0;
  std::int64_t users = 0;
};

// A trace file's text as CSV: one arrival a line, `time[,type[,key]]`, time as a duration (`12.5ms`) or bare
// seconds, an optional header line whose first field is `time`, `#` comments and blank lines skipped. Types
// are looked up in request_types. Every problem goes to errors as (line, column, message), 1-based.
struct TraceProblem {
  int line = 0;
  int column = 0;
  std::string message;
};
std::vector<TraceArrival> parse_trace(const std::string& text, const std::vector<std::string>& request_types,
                                      std::vector<TraceProblem>& errors);

} // namespace scalelab::models
