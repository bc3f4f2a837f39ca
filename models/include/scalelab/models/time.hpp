#pragma once
// Simulated time is an integer count of nanoseconds: ordering and ties are exact and identical on every
// platform, and a window boundary computed as k * W is never off by a rounding error.
#include <cstdint>
#include <limits>

namespace scalelab::models
{

using SimTime = std::int64_t; // nanoseconds
inline constexpr SimTime kNever = std::numeric_limits<SimTime>::max();
inline constexpr SimTime kNanosPerSecond = 1'000'000'000;

inline constexpr double to_seconds(SimTime t)
{
  return static_cast<double>(t) / 1e9;
} // the double nearest to t ns
// Rounds to the nearest nanosecond; negative inputs are clamped to 0 (durations are never negative).
inline SimTime from_seconds(double s)
{
  if (!(s > 0))
    return 0;
  const double ns = s * 1e9 + 0.5;
  return ns >= 9.2e18 ? kNever : static_cast<SimTime>(ns);
}

} // namespace scalelab::models
