// Parsing of quantities with units. Numbers are scanned by hand and converted with std::from_chars so the
// result does not depend on the C locale, and so "inf", "nan", hex floats and signs are never accepted.
#include "scalelab/models/units.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace scalelab::models
{
namespace
{

// value = number * mul / div. Scales below one are divisions so that "10ms" is the double nearest to 0.01
// (10 * 0.001 would carry the rounding error of 0.001).
struct Unit {
  std::string_view name;
  double mul;
  double div;
};

struct Kind {
  std::string_view noun;    // "duration"
  std::string_view example; // "10ms, 2s or 500us"
  const Unit* units;
  std::size_t unit_count;
  const Unit* bare; // the meaning of a number without a unit; nullptr when a unit is required
};

constexpr Unit kDurationUnits[] = {{"s", 1, 1}, {"ms", 1, 1e3}, {"us", 1, 1e6}, {"ns", 1, 1e9}};
constexpr Unit kFlopsUnits[] = {{"f", 1, 1}, {"kf", 1e3, 1}, {"Mf", 1e6, 1}, {"Gf", 1e9, 1}, {"Tf", 1e12, 1}};
constexpr Unit kBandwidthUnits[] = {{"bps", 1, 8},    {"kbps", 1e3, 8}, {"Mbps", 1e6, 8},
                                    {"Gbps", 1e9, 8}, {"Bps", 1, 1},    {"kBps", 1e3, 1},
                                    {"KBps", 1e3, 1}, {"MBps", 1e6, 1}, {"GBps", 1e9, 1}};
constexpr Unit kBytesUnits[] = {{"B", 1, 1},        {"KB", 1e3, 1},        {"MB", 1e6, 1},          {"GB", 1e9, 1},
                                {"KiB", 1024.0, 1}, {"MiB", 1048576.0, 1}, {"GiB", 1073741824.0, 1}};
constexpr Unit kRateUnits[] = {{"/s", 1, 1}, {"/min", 1, 60}, {"/ms", 1e3, 1}};

template <std::size_t N>
constexpr Kind make_kind(std::string_view noun, std::string_view example, const Unit (&units)[N], const Unit* bare)
{
  return Kind{noun, example, units, N, bare};
}

const Kind kDuration = make_kind("duration", "10ms, 2s or 500us", kDurationUnits, &kDurationUnits[0]);
const Kind kFlops = make_kind("flop count", "2Gf, 500Mf or 1e9", kFlopsUnits, &kFlopsUnits[0]);
// A bare bandwidth is refused: nothing tells whether it counts bits or bytes.
const Kind kBandwidth = make_kind("bandwidth", "1Gbps, 100Mbps or 125MBps", kBandwidthUnits, nullptr);
const Kind kBytes = make_kind("size in bytes", "1000, 64KB or 1MiB", kBytesUnits, &kBytesUnits[0]);
const Kind kRate = make_kind("rate", "800/s, 48000/min or 10/ms", kRateUnits, &kRateUnits[0]);

std::string unit_list(const Kind& kind)
{
  std::string out;
  for (std::size_t i = 0; i < kind.unit_count; ++i) {
    if (i > 0)
      out += ", ";
    out += kind.units[i].name;
  }
  return out;
}

Quantity fail(std::string message)
{
  Quantity q;
  q.error = std::move(message);
  return q;
}

bool is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s)
{
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

// Length of the longest prefix of s that is a plain decimal number: 12, 1.5, .5, 3., 1e9, 2.5E-3.
std::size_t scan_number(std::string_view s)
{
  std::size_t i = 0;
  std::size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) {
    ++i;
    ++digits;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
      ++digits;
    }
  }
  if (digits == 0)
    return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    // Only an exponent if digits follow; otherwise the 'e' is left for the unit (and rejected there).
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-'))
      ++j;
    if (j < s.size() && is_digit(s[j])) {
      while (j < s.size() && is_digit(s[j]))
        ++j;
      i = j;
    }
  }
  return i;
}

Quantity parse(const Kind& kind, const std::string& original)
{
  const std::string_view text = trim(original);
  const std::string quoted = "\"" + original + "\"";
  const std::string expected_number =
      "expected a non-negative number followed by one of " + unit_list(kind) + ", such as " + std::string(kind.example);
  if (text.empty())
    return fail("empty " + std::string(kind.noun) + "; " + expected_number);
  if (text.front() == '-')
    return fail("negative " + std::string(kind.noun) + " " + quoted + "; " + expected_number);

  const std::size_t number_length = scan_number(text);
  if (number_length == 0)
    return fail(quoted + " is not a " + std::string(kind.noun) + "; " + expected_number);

  double number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + number_length, number);
  if (ec == std::errc::result_out_of_range) {
    // from_chars reports both overflow and underflow; only overflow is an error (1e-400s is simply 0).
    const std::string_view digits = text.substr(0, number_length);
    const std::size_t e = digits.find_first_of("eE");
    if (e == std::string_view::npos || digits.find('-', e) == std::string_view::npos)
      return fail(std::string(kind.noun) + " " + quoted + " is out of range");
    number = 0;
  } else if (ec != std::errc() || end != text.data() + number_length) {
    return fail(quoted + " is not a " + std::string(kind.noun) + "; " + expected_number);
  }

  const std::string_view unit_text = trim(text.substr(number_length));
  const Unit* unit = nullptr;
  if (unit_text.empty()) {
    if (kind.bare == nullptr)
      return fail(std::string(kind.noun) + " " + quoted + " needs a unit; expected one of " + unit_list(kind));
    unit = kind.bare;
  } else {
    for (std::size_t i = 0; i < kind.unit_count; ++i)
      if (kind.units[i].name == unit_text)
        unit = &kind.units[i];
    if (unit == nullptr)
      return fail("unknown unit \"" + std::string(unit_text) + "\" in " + quoted + "; expected one of " +
                  unit_list(kind));
  }

  double value = number;
  if (unit->mul != 1)
    value *= unit->mul;
  if (unit->div != 1)
    value /= unit->div;
  if (!std::isfinite(value))
    return fail(std::string(kind.noun) + " " + quoted + " is out of range");
  Quantity q;
  q.value = value;
  return q;
}

// Shortest %g rendering of x (in the given unit) that parses back to exactly `seconds`; plain notation is
// preferred over an exponent whenever some precision allows it.
std::string shortest_in_unit(double seconds, const Unit& unit)
{
  const double x = seconds * unit.div / unit.mul;
  char buffer[64];
  std::string with_exponent;
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, x);
    const std::string candidate(buffer);
    double back = 0;
    std::from_chars(candidate.data(), candidate.data() + candidate.size(), back);
    if (back * unit.mul / unit.div != seconds)
      continue;
    if (candidate.find('e') == std::string::npos)
      return candidate;
    if (with_exponent.empty())
      with_exponent = candidate;
  }
  if (!with_exponent.empty())
    return with_exponent;
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  return buffer;
}

} // namespace

Quantity parse_duration(const std::string& text)
{
  return parse(kDuration, text);
}
Quantity parse_flops(const std::string& text)
{
  return parse(kFlops, text);
}
Quantity parse_bandwidth(const std::string& text)
{
  return parse(kBandwidth, text);
}
Quantity parse_bytes(const std::string& text)
{
  return parse(kBytes, text);
}
Quantity parse_rate(const std::string& text)
{
  return parse(kRate, text);
}

std::string format_duration(double seconds)
{
  if (std::isnan(seconds))
    return "nan";
  if (seconds < 0)
    return "-" + format_duration(-seconds);
  if (std::isinf(seconds))
    return "inf";
  if (seconds == 0)
    return "0s";
  // The largest unit in which the value is at least 1: 1.5s rather than 1500ms, 10ms rather than 0.01s.
  for (const Unit& unit : kDurationUnits)
    if (seconds >= unit.mul / unit.div || &unit == &kDurationUnits[3])
      return shortest_in_unit(seconds, unit) + std::string(unit.name);
  return {}; // not reached: the last unit always matches
}

std::vector<std::string> unit_names()
{
  std::vector<std::string> out;
  for (const Kind* kind : {&kDuration, &kFlops, &kBandwidth, &kBytes, &kRate})
    for (std::size_t i = 0; i < kind->unit_count; ++i)
      out.emplace_back(kind->units[i].name);
  return out;
}

} // namespace scalelab::models
