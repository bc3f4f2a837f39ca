#include "break_it.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace scalelab::gui
{
namespace
{

constexpr double kDowntime = 10; // seconds: how long a crash or a slow-down lasts when it ends
constexpr int kSlowFactor = 10;

std::string seconds(double t)
{
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", std::round(t * 1000) / 1000);
  std::string s = buffer;
  s.erase(s.find_last_not_of('0') + 1); // 42.500 -> 42.5, 30.000 -> 30.
  if (s.back() == '.')
    s.pop_back();
  return s + "s";
}

} // namespace

bool breakable(const GraphNode& node)
{
  return node.kind != "users" && node.kind != "replica" && !node.hosts.empty();
}

std::vector<std::string> break_faults(const GraphNode& node, BreakKind kind, double at)
{
  const std::string when = "{at: " + seconds(std::max(at, 0.0)) + ", ";
  const std::string lasting = ", for: " + seconds(kDowntime) + "}";
  switch (kind) {
  case BreakKind::crash:
    return {when + "crash_service: " + node.id + "}"};
  case BreakKind::crash_for:
    return {when + "crash_service: " + node.id + lasting};
  case BreakKind::slow_for: {
    std::vector<std::string> hosts = node.hosts;
    std::sort(hosts.begin(), hosts.end());
    hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
    std::vector<std::string> items;
    for (const auto& host : hosts)
      items.push_back(when + "slow: " + host + ", factor: " + std::to_string(kSlowFactor) + lasting);
    return items;
  }
  }
  return {};
}

std::string break_label(const GraphNode& node, BreakKind kind)
{
  switch (kind) {
  case BreakKind::crash:
    return "crash " + node.id;
  case BreakKind::crash_for:
    return "crash " + node.id + " for " + seconds(kDowntime);
  case BreakKind::slow_for:
    return "slow " + node.id + "'s hosts " + std::to_string(kSlowFactor) + "x for " + seconds(kDowntime);
  }
  return {};
}

} // namespace scalelab::gui
