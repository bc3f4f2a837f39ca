#include "scalelab/models/load_shape.hpp"

#include "scalelab/models/random.hpp"
#include "scalelab/models/units.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace scalelab::models
{

namespace
{

constexpr double kPi = 3.14159265358979323846;

double seconds_between(SimTime a, SimTime b)
{
  return to_seconds(b) - to_seconds(a);
}

// Piecewise-linear (or, with `steps`, piecewise-constant) rate through the points.
double points_rate(const std::vector<RatePoint>& points, SimTime t, bool steps)
{
  if (points.empty())
    return 0;
  if (t < points.front().at)
    return points.front().rate;
  auto next =
      std::upper_bound(points.begin(), points.end(), t, [](SimTime time, const RatePoint& p) { return time < p.at; });
  if (next == points.end())
    return points.back().rate;
  const RatePoint& a = *(next - 1);
  if (steps)
    return a.rate;
  const RatePoint& b = *next;
  const double f = seconds_between(a.at, t) / seconds_between(a.at, b.at);
  return a.rate + (b.rate - a.rate) * f;
}

// The integral of a linear function from (a, ra) to (b, rb) over [x, y] within [a, b].
double trapezoid(SimTime a, double ra, SimTime b, double rb, SimTime x, SimTime y)
{
  const double span = seconds_between(a, b);
  auto at = [&](SimTime t) { return span <= 0 ? ra : ra + (rb - ra) * seconds_between(a, t) / span; };
  return 0.5 * (at(x) + at(y)) * seconds_between(x, y);
}

double points_integral(const std::vector<RatePoint>& points, SimTime from, SimTime to, bool steps)
{
  if (points.empty() || to <= from)
    return 0;
  // Pieces: (-inf, p0), [p0, p1), ..., [pn, +inf); each constant or linear.
  double total = 0;
  auto piece = [&](SimTime a, SimTime b, double ra, double rb) {
    const SimTime x = std::max(a, from);
    const SimTime y = std::min(b, to);
    if (y > x)
      total += trapezoid(a, ra, b, rb, x, y);
  };
  piece(std::numeric_limits<SimTime>::min() / 2, points.front().at, points.front().rate, points.front().rate);
  for (std::size_t i = 0; i + 1 < points.size(); ++i)
    piece(points[i].at, points[i + 1].at, points[i].rate, steps ? points[i].rate : points[i + 1].rate);
  piece(points.back().at, kNever, points.back().rate, points.back().rate);
  return total;
}

} // namespace

const char* to_string(RateShape::Kind kind)
{
  switch (kind) {
  case RateShape::Kind::constant:
    return "constant";
  case RateShape::Kind::steps:
    return "steps";
  case RateShape::Kind::ramp:
    return "ramp";
  case RateShape::Kind::spike:
    return "spike";
  case RateShape::Kind::daily:
    return "daily";
  case RateShape::Kind::piecewise:
    return "piecewise";
  }
  return "?";
}

double RateShape::rate_at(SimTime t) const
{
  switch (kind) {
  case Kind::constant:
    return base;
  case Kind::steps:
    return points_rate(points, t, true);
  case Kind::piecewise:
    return points_rate(points, t, false);
  case Kind::ramp:
    if (t <= at)
      return base;
    if (t >= at + length)
      return peak;
    return base + (peak - base) * seconds_between(at, t) / to_seconds(length);
  case Kind::spike:
    return t >= at && t < at + length ? peak : base;
  case Kind::daily: {
    const double phase = 2 * kPi * seconds_between(at, t) / to_seconds(length);
    return std::max(0.0, base + (peak - base) * std::cos(phase));
  }
  }
  return 0;
}

double RateShape::integral(SimTime from, SimTime to) const
{
  if (to <= from)
    return 0;
  switch (kind) {
  case Kind::constant:
    return base * seconds_between(from, to);
  case Kind::steps:
    return points_integral(points, from, to, true);
  case Kind::piecewise:
    return points_integral(points, from, to, false);
  case Kind::ramp:
    return points_integral({{at, base}, {at + length, peak}}, from, to, false);
  case Kind::spike: {
    const SimTime x = std::max(from, at);
    const SimTime y = std::min(to, at + length);
    return base * seconds_between(from, to) + (y > x ? (peak - base) * seconds_between(x, y) : 0);
  }
  case Kind::daily: {
    const double w = 2 * kPi / to_seconds(length);
    const double amplitude = peak - base;
    return base * seconds_between(from, to) +
           amplitude / w * (std::sin(w * seconds_between(at, to)) - std::sin(w * seconds_between(at, from)));
  }
  }
  return 0;
}

double RateShape::max_rate() const
{
  switch (kind) {
  case Kind::constant:
    return base;
  case Kind::steps:
  case Kind::piecewise: {
    double m = 0;
    for (const auto& p : points)
      m = std::max(m, p.rate);
    return m;
  }
  case Kind::ramp:
  case Kind::spike:
    return std::max(base, peak);
  case Kind::daily:
    return peak;
  }
  return 0;
}

RateShape::Bound RateShape::bound_from(SimTime t) const
{
  switch (kind) {
  case Kind::constant:
    return {base, kNever};
  case Kind::daily:
    return {peak, kNever};
  case Kind::ramp:
    if (t < at)
      return {base, at};
    if (t < at + length)
      return {std::max(base, peak), at + length};
    return {peak, kNever};
  case Kind::spike:
    if (t < at)
      return {base, at};
    if (t < at + length)
      return {peak, at + length};
    return {base, kNever};
  case Kind::steps:
  case Kind::piecewise: {
    if (points.empty())
      return {0, kNever};
    if (t < points.front().at)
      return {points.front().rate, points.front().at};
    auto next =
        std::upper_bound(points.begin(), points.end(), t, [](SimTime time, const RatePoint& p) { return time < p.at; });
    if (next == points.end())
      return {points.back().rate, kNever};
    const RatePoint& a = *(next - 1);
    return {kind == Kind::steps ? a.rate : std::max(a.rate, next->rate), next->at};
  }
  }
  return {0, kNever};
}

SimTime next_shaped_arrival(const RateShape& shape, SimTime t, Rng& rng)
{
  for (;;) {
    const RateShape::Bound bound = shape.bound_from(t);
    if (!(bound.rate > 0)) {
      if (bound.until == kNever)
        return kNever;
      t = bound.until; // no arrival in this piece
      continue;
    }
    SimTime candidate = t + std::max<SimTime>(1, from_seconds(rng.exponential(1.0 / bound.rate)));
    if (candidate >= kMaxDuration)
      return kNever;
    if (candidate >= bound.until) {
      t = bound.until; // memoryless: start again from the piece's end at the next piece's bound
      continue;
    }
    const double rate = shape.rate_at(candidate);
    // A piece whose rate is its bound takes every candidate and draws nothing more.
    if (rate >= bound.rate || rng.uniform01() * bound.rate < rate)
      return candidate;
    t = candidate;
  }
}

// --- traces ----------------------------------------------------------------------------------------------

namespace
{

struct Field {
  std::string text;
  int column = 0; // 1-based
};

std::vector<Field> split_csv_line(const std::string& line)
{
  std::vector<Field> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    std::string piece = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::size_t lead = 0;
    while (lead < piece.size() && (piece[lead] == ' ' || piece[lead] == '\t'))
      ++lead;
    std::size_t end = piece.size();
    while (end > lead && (piece[end - 1] == ' ' || piece[end - 1] == '\t' || piece[end - 1] == '\r'))
      --end;
    out.push_back({piece.substr(lead, end - lead), static_cast<int>(start + lead + 1)});
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return out;
}

} // namespace

std::vector<TraceArrival> parse_trace(const std::string& text, const std::vector<std::string>& request_types,
                                      std::vector<TraceProblem>& errors)
{
  std::vector<TraceArrival> out;
  std::size_t pos = 0;
  int line_number = 0;
  bool first_data = true;
  SimTime last = 0;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++line_number;
    const auto fields = split_csv_line(line);
    if (fields.size() == 1 && fields[0].text.empty())
      continue; // blank
    if (!fields[0].text.empty() && fields[0].text[0] == '#')
      continue;
    if (first_data && fields[0].text == "time") {
      first_data = false;
      continue; // header
    }
    first_data = false;
    if (fields.size() > 3) {
      errors.push_back({line_number, fields[3].column,
                        "a trace line has at most 3 fields (time, type, key), got " + std::to_string(fields.size())});
      continue;
    }
    TraceArrival a;
    bool ok = true;
    const Quantity time = parse_duration(fields[0].text);
    if (!time.value || *time.value < 0) {
      errors.push_back({line_number, fields[0].column,
                        "time: expected a duration such as 1.5s or 200ms (bare numbers are seconds), got \"" +
                            fields[0].text + "\""});
      ok = false;
    } else {
      a.at = from_seconds(*time.value);
      if (a.at < last) {
        errors.push_back(
            {line_number, fields[0].column,
             "time: the arrivals must be in time order; " + fields[0].text + " comes before the line above"});
        ok = false;
      }
    }
    if (fields.size() >= 2 && !fields[1].text.empty()) {
      const auto it = std::find(request_types.begin(), request_types.end(), fields[1].text);
      if (it == request_types.end()) {
        std::string known;
        for (const auto& name : request_types)
          known += (known.empty() ? "" : ", ") + name;
        errors.push_back({line_number, fields[1].column,
                          "unknown request type \"" + fields[1].text + "\"; expected one of: " + known});
        ok = false;
      } else {
        a.type = static_cast<std::int32_t>(it - request_types.begin());
      }
    }
    if (fields.size() == 3 && !fields[2].text.empty()) {
      std::int64_t key = 0;
      const char* first = fields[2].text.data();
      const char* end = first + fields[2].text.size();
      const auto [stop, ec] = std::from_chars(first, end, key);
      if (ec != std::errc() || stop != end || key < 1) {
        errors.push_back({line_number, fields[2].column,
                          "key: expected a whole number of at least 1, got \"" + fields[2].text + "\""});
        ok = false;
      } else {
        a.key = key;
      }
    }
    if (ok) {
      last = a.at;
      out.push_back(a);
    }
  }
  return out;
}

} // namespace scalelab::models
