#include "follow.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace scalelab::gui
{

namespace
{

std::string milliseconds(double seconds)
{
  if (seconds == 0)
    return "0 ms";
  char text[32];
  const double ms = seconds * 1e3;
  // Three significant figures at most, whole microseconds below a millisecond.
  std::snprintf(text, sizeof text,
                ms >= 100    ? "%.0f ms"
                : ms >= 10   ? "%.1f ms"
                : ms >= 0.01 ? "%.2f ms"
                             : "%.3f ms",
                ms);
  return text;
}

} // namespace

std::optional<std::vector<FollowPath>> read_follow(const std::string& json_text, std::string& error)
{
  const auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("requests") || !j["requests"].is_array()) {
    error = "not a follow.json (no requests)";
    return std::nullopt;
  }
  std::vector<FollowPath> paths;
  try {
    for (const auto& r : j["requests"]) {
      FollowPath p;
      p.index = r.at("index").get<std::uint64_t>();
      p.type = r.at("type").get<std::string>();
      p.outcome = r.at("outcome").get<std::string>();
      p.sent = r.at("sent").get<double>();
      if (r.contains("response_time") && r["response_time"].is_number())
        p.response_time = r["response_time"].get<double>();
      for (const auto& h : r.at("hops")) {
        FollowHop hop;
        hop.service = h.at("service").get<std::string>();
        hop.kind = h.at("kind").get<std::string>();
        hop.host = h.at("host").get<std::string>();
        hop.instance = h.at("instance").get<int>();
        hop.reply = h.at("message").get<std::string>() == "reply";
        hop.travel = h.at("travel").get<double>();
        hop.wait = h.at("wait").get<double>();
        hop.served = h.at("served").get<double>();
        p.hops.push_back(std::move(hop));
      }
      paths.push_back(std::move(p));
    }
  } catch (const nlohmann::json::exception& e) {
    error = std::string("not a follow.json: ") + e.what();
    return std::nullopt;
  }
  return paths;
}

std::vector<FollowStep> follow_steps(const FollowPath& path)
{
  std::vector<FollowStep> steps;
  std::string at = "(users)";
  for (std::size_t h = 0; h < path.hops.size(); ++h) {
    steps.push_back({at, path.hops[h].service, h, path.hops[h].reply});
    at = path.hops[h].service;
  }
  return steps;
}

std::string hop_label(const FollowHop& hop)
{
  std::string label = "net " + milliseconds(hop.travel);
  if (hop.kind != "users")
    label += " \u00b7 wait " + milliseconds(hop.wait) + " \u00b7 served " + milliseconds(hop.served);
  return label;
}

std::string follow_summary(const FollowPath& path)
{
  double net = 0, wait = 0, served = 0;
  for (const auto& h : path.hops) {
    net += h.travel;
    wait += h.wait;
    served += h.served;
  }
  std::string s = "request " + std::to_string(path.index) + " (" + path.type + "): " + path.outcome;
  if (path.response_time)
    s += " in " + milliseconds(*path.response_time) + " = net " + milliseconds(net) + " + wait " + milliseconds(wait) +
         " + served " + milliseconds(served);
  else
    s += " (not answered when the run ended)";
  return s;
}

} // namespace scalelab::gui
