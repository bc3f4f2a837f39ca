#pragma once
// Simulated time is an integer count of nanoseconds: ordering and ties are exact and identical on every
// platform, and a window boundary computed as k * W is never off by a rounding error.
#include <cstdint>
#include <limits>

namespace scalelab::models
{

using SimTime = std::int64_t; // nanoseconds
inline constexpr SimTime kNever = std::numeric_limits<SimTime>::max();
// The longest duration from_seconds() returns (about 146 years): a time before the end of a run plus any
// duration cannot overflow, so a huge sampled delay lands after the end instead of wrapping around.
inline constexpr SimTime kMaxDuration = SimTime{1} << 62;
inline constexpr SimTime kNanosPerSecond = 1'000'000'000;

inline constexpr double to_seconds(SimTime t)
{
  return static_cast<double>(t) / 1e9;
} // the double nearest to t ns
// Rounds to the nearest nanosecond; negative inputs are clamped to 0 (durations are never negative) and
// huge ones to kMaxDuration.
inline SimTime from_seconds(double s)
{
  if (!(s > 0))
    return 0;
  const double ns = s * 1e9 + 0.5;
  return ns >= static_cast<double>(kMaxDuration) ? kMaxDuration : static_cast<SimTime>(ns);
}

// t + d for a time and a duration (both non-negative), saturating at kMaxDuration: a message may cross
// several links of huge delays one after the other, each adding up to kMaxDuration.
inline constexpr SimTime later(SimTime t, SimTime d)
{
  return t >= kMaxDuration - d ? kMaxDuration : t + d;
}

} // namespace scalelab::models
