#pragma once
// A closed population whose number of users follows a shape over time (steps, a ramp, a spike, a daily curve,
// a piecewise-linear list), as an open workload's rate does (load_shape.hpp). Plain code: the simulated users'
// source and a real-mode load generator ask the same functions how many users there are at a time.
#include "scalelab/models/load_shape.hpp"
#include "scalelab/models/time.hpp"

#include <cstdint>

namespace scalelab::models
{

// The shape's values (RateShape::base, peak and the points' rates) are whole numbers of users, at least 0.
// The count follows the curve rate_at() and moves by one user each time the curve crosses a whole number, as
// k6's ramping-vus does: rounded down while the curve rises, up while it falls, so a ramp from 10 to 40 users
// over 30 s adds its first user at 1 s and has 40 at 30 s; steps and spikes jump at their times.
std::int64_t users_at(const RateShape& shape, SimTime t);

// The first time strictly after t at which users_at() differs from users_at(t), or kNever. Exact on the
// nanosecond for steps, spikes, ramps and piecewise lists (integer arithmetic); a daily curve's is found by
// bisection on its monotone half-periods.
SimTime next_users_change(const RateShape& shape, SimTime t);

// The largest count over all times.
std::int64_t max_users(const RateShape& shape);

} // namespace scalelab::models
