#include "scalelab/models/sweep.hpp"

#include "scalelab/models/random.hpp"
#include "scalelab/models/units.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace scalelab::models
{

std::optional<WrittenNumber> read_written_number(const std::string& text)
{
  std::size_t i = 0;
  const auto digit = [&text](std::size_t k) { return k < text.size() && text[k] >= '0' && text[k] <= '9'; };
  if (i < text.size() && (text[i] == '-' || text[i] == '+'))
    ++i;
  std::size_t digits = 0;
  for (; digit(i); ++i)
    ++digits;
  if (i < text.size() && text[i] == '.')
    for (++i; digit(i); ++i)
      ++digits;
  if (digits == 0)
    return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-'))
      ++j;
    if (digit(j)) {
      while (digit(j))
        ++j;
      i = j;
    }
  }
  const char* first = text.data() + (text[0] == '+' ? 1 : 0);
  double number = 0;
  const auto [end, ec] = std::from_chars(first, text.data() + i, number);
  if (ec != std::errc() || end != text.data() + i || !std::isfinite(number))
    return std::nullopt;
  std::string suffix = text.substr(i);
  while (!suffix.empty() && (suffix.front() == ' ' || suffix.front() == '\t'))
    suffix.erase(suffix.begin());
  WrittenNumber out;
  out.in_unit = number;
  out.suffix = suffix;
  if (suffix.empty()) {
    out.value = number;
    return out;
  }
  // The topology files' kinds of quantity; their units do not overlap, so at most one reads the text.
  struct Kind {
    Quantity (*parse)(const std::string&);
    const char* unit;
  };
  const Kind kinds[] = {
      {parse_duration, "s"}, {parse_rate, "1/s"}, {parse_bytes, "B"}, {parse_bandwidth, "B/s"}, {parse_flops, "flops"}};
  for (const Kind& kind : kinds)
    if (const Quantity q = kind.parse(text); q.value) {
      out.value = *q.value;
      out.unit = kind.unit;
      return out;
    }
  return std::nullopt;
}

std::string write_number(double in_unit, const std::string& suffix)
{
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.12g", in_unit);
  return buffer + suffix;
}

std::vector<std::vector<std::size_t>> combinations(const std::vector<std::size_t>& sizes,
                                                   const std::vector<std::vector<std::size_t>>& groups)
{
  std::vector<int> seen(sizes.size(), 0);
  std::vector<std::size_t> lengths;
  for (const auto& group : groups) {
    if (group.empty())
      throw std::invalid_argument("combinations: an empty group");
    for (std::size_t list : group) {
      if (list >= sizes.size() || seen[list]++)
        throw std::invalid_argument("combinations: every list must be in exactly one group");
      if (sizes[list] != sizes[group.front()])
        throw std::invalid_argument("combinations: the lists of a group must have the same length");
    }
    lengths.push_back(sizes[group.front()]);
  }
  if (std::count(seen.begin(), seen.end(), 1) != static_cast<long>(sizes.size()))
    throw std::invalid_argument("combinations: every list must be in exactly one group");
  std::vector<std::vector<std::size_t>> out;
  for (std::size_t length : lengths)
    if (length == 0)
      return out;
  // An odometer over the groups, the last one turning fastest.
  std::vector<std::size_t> position(groups.size(), 0);
  for (;;) {
    std::vector<std::size_t> indices(sizes.size(), 0);
    for (std::size_t g = 0; g < groups.size(); ++g)
      for (std::size_t list : groups[g])
        indices[list] = position[g];
    out.push_back(std::move(indices));
    std::size_t g = groups.size();
    while (g > 0 && ++position[g - 1] == lengths[g - 1])
      position[--g] = 0;
    if (g == 0)
      return out;
  }
}

std::string percent_encode(const std::string& text)
{
  static const char* const hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool keep =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string point_key(const std::vector<std::pair<std::string, std::string>>& path_values)
{
  auto sorted = path_values;
  std::sort(sorted.begin(), sorted.end());
  std::string key;
  for (const auto& [path, value] : sorted)
    key += path + "=" + value + "\n";
  return key;
}

std::string point_name(const std::vector<std::pair<std::string, std::string>>& name_values)
{
  if (name_values.empty())
    return "base";
  std::string name;
  for (const auto& [n, value] : name_values)
    name += (name.empty() ? "" : ",") + percent_encode(n) + "=" + percent_encode(value);
  return name;
}

std::vector<std::string> short_names(const std::vector<std::string>& paths)
{
  const auto tail = [](const std::string& path, std::size_t segments) {
    std::size_t at = path.size();
    for (std::size_t k = 0; k < segments; ++k) {
      const std::size_t dot = at == 0 ? std::string::npos : path.rfind('.', at - 1);
      if (dot == std::string::npos)
        return path;
      at = dot;
    }
    return path.substr(at + 1);
  };
  const auto is_tail_of = [](const std::string& end, const std::string& path) {
    return path == end || (path.size() > end.size() && path.compare(path.size() - end.size(), end.size(), end) == 0 &&
                           path[path.size() - end.size() - 1] == '.');
  };
  std::vector<std::string> out;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    std::string chosen = paths[i];
    for (std::size_t segments = 1;; ++segments) {
      const std::string candidate = tail(paths[i], segments);
      bool clash = false;
      for (std::size_t j = 0; j < paths.size(); ++j)
        clash = clash || (j != i && is_tail_of(candidate, paths[j]));
      if (!clash || candidate == paths[i]) {
        chosen = candidate;
        break;
      }
    }
    out.push_back(chosen);
  }
  return out;
}

std::uint64_t fnv1a64(const std::string& text)
{
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::uint64_t run_seed(std::uint64_t experiment_seed, const std::string& point_key, int repetition)
{
  return Rng::derive(experiment_seed, fnv1a64(point_key + "#" + std::to_string(repetition))).next_u64();
}

} // namespace scalelab::models
