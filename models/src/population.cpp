#include "scalelab/models/population.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace scalelab::models
{

namespace
{

__extension__ typedef __int128 Int128; // users x nanoseconds can exceed 2^63

constexpr double kPi = 3.14159265358979323846;

std::int64_t whole(double users)
{
  return static_cast<std::int64_t>(std::llround(users));
}

// On the line from (t0, v0) to (t1, v1), t0 <= t <= t1: how many whole numbers the line has crossed at t.
std::int64_t crossed(SimTime t0, std::int64_t v0, SimTime t1, std::int64_t v1, SimTime t)
{
  const std::int64_t d = v1 > v0 ? v1 - v0 : v0 - v1;
  return static_cast<std::int64_t>(static_cast<Int128>(t - t0) * d / (t1 - t0));
}

std::int64_t on_line(SimTime t0, std::int64_t v0, SimTime t1, std::int64_t v1, SimTime t)
{
  const std::int64_t s = crossed(t0, v0, t1, v1, t);
  return v1 >= v0 ? v0 + s : v0 - s;
}

// The points of a ramp or a piecewise list.
std::vector<RatePoint> line_points(const RateShape& shape)
{
  if (shape.kind == RateShape::Kind::ramp)
    return {{shape.at, shape.base}, {shape.at + shape.length, shape.peak}};
  return shape.points;
}

std::int64_t line_users(const std::vector<RatePoint>& p, SimTime t)
{
  if (t <= p.front().at)
    return whole(p.front().rate);
  if (t >= p.back().at)
    return whole(p.back().rate);
  const auto next = std::upper_bound(p.begin(), p.end(), t, [](SimTime x, const RatePoint& q) { return x < q.at; });
  const RatePoint& a = *(next - 1);
  return on_line(a.at, whole(a.rate), next->at, whole(next->rate), t);
}

SimTime line_next_change(const std::vector<RatePoint>& p, SimTime t)
{
  auto next = std::upper_bound(p.begin(), p.end(), t, [](SimTime x, const RatePoint& q) { return x < q.at; });
  if (next == p.end())
    return kNever;
  if (next == p.begin()) { // before the first point: the count is the first point's until then
    t = next->at;
    ++next;
  }
  for (; next != p.end(); ++next) {
    const RatePoint& a = *(next - 1);
    const std::int64_t v0 = whole(a.rate), v1 = whole(next->rate);
    if (v0 == v1) {
      t = next->at;
      continue;
    }
    // The k-th whole number is crossed at t0 + ceil(k (t1 - t0) / |d|): the first k past the ones crossed at t.
    const Int128 d = v1 > v0 ? v1 - v0 : v0 - v1;
    const Int128 span = next->at - a.at;
    const Int128 k = crossed(a.at, v0, next->at, v1, t) + 1;
    return a.at + static_cast<SimTime>((k * span + d - 1) / d);
  }
  return kNever;
}

SimTime mod(SimTime a, SimTime m)
{
  const SimTime r = a % m;
  return r < 0 ? r + m : r;
}

// A daily curve: rounded up while it falls (from a peak to the next trough), down while it rises.
std::int64_t daily_users(const RateShape& s, SimTime t)
{
  const SimTime phase = mod(t - s.at, s.length);
  const double f =
      s.base + (s.peak - s.base) * std::cos(2 * kPi * static_cast<double>(phase) / static_cast<double>(s.length));
  const bool falling = 2 * phase < s.length;
  const auto n = static_cast<std::int64_t>(falling ? std::ceil(f) : std::floor(f));
  return std::clamp(n, whole(2 * s.base - s.peak), whole(s.peak));
}

SimTime daily_next_change(const RateShape& s, SimTime t)
{
  if (whole(s.peak) == whole(s.base))
    return kNever;
  const std::int64_t now = daily_users(s, t);
  for (;;) {
    // The end of the monotone half-period t is in: the next trough (the first instant rounded as rising) or the
    // next peak.
    const SimTime phase = mod(t - s.at, s.length);
    const SimTime half = (s.length + 1) / 2;
    const SimTime end = phase < half ? t + (half - phase) : t + (s.length - phase);
    if (daily_users(s, end) == now) {
      t = end;
      continue;
    }
    SimTime lo = t, hi = end; // users_at(lo) == now, users_at(hi) != now
    while (hi - lo > 1) {
      const SimTime mid = lo + (hi - lo) / 2;
      (daily_users(s, mid) == now ? lo : hi) = mid;
    }
    return hi;
  }
}

} // namespace

std::int64_t users_at(const RateShape& shape, SimTime t)
{
  switch (shape.kind) {
  case RateShape::Kind::constant:
    return whole(shape.base);
  case RateShape::Kind::steps:
  case RateShape::Kind::spike:
    return whole(shape.rate_at(t));
  case RateShape::Kind::ramp:
  case RateShape::Kind::piecewise:
    return line_users(line_points(shape), t);
  case RateShape::Kind::daily:
    return daily_users(shape, t);
  }
  return 0;
}

SimTime next_users_change(const RateShape& shape, SimTime t)
{
  switch (shape.kind) {
  case RateShape::Kind::constant:
    return kNever;
  case RateShape::Kind::steps: {
    const std::int64_t now = users_at(shape, t);
    for (const RatePoint& p : shape.points)
      if (p.at > t && whole(p.rate) != now)
        return p.at;
    return kNever;
  }
  case RateShape::Kind::spike:
    if (whole(shape.base) == whole(shape.peak))
      return kNever;
    if (t < shape.at)
      return shape.at;
    return t < shape.at + shape.length ? shape.at + shape.length : kNever;
  case RateShape::Kind::ramp:
  case RateShape::Kind::piecewise:
    return line_next_change(line_points(shape), t);
  case RateShape::Kind::daily:
    return daily_next_change(shape, t);
  }
  return kNever;
}

std::int64_t max_users(const RateShape& shape)
{
  return whole(shape.max_rate());
}

} // namespace scalelab::models
