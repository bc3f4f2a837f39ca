#include "follow_output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace scalelab::cli
{

namespace
{

std::optional<std::uint64_t> positive(const std::string& s)
{
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  errno = 0;
  const std::uint64_t n = std::strtoull(s.c_str(), nullptr, 10);
  return n > 0 && errno != ERANGE ? std::optional<std::uint64_t>(n) : std::nullopt; // too large: refused
}

constexpr std::uint64_t kDefaultLimit = 1000;

} // namespace

std::optional<sim::FollowOptions> parse_follow(const std::string& value)
{
  sim::FollowOptions f;
  const std::string every = "every:";
  if (value.rfind(every, 0) != 0) {
    const auto n = positive(value);
    if (!n)
      return std::nullopt;
    f.first = *n;
    return f;
  }
  const std::string rest = value.substr(every.size());
  const auto colon = rest.find(':');
  const auto k = positive(rest.substr(0, colon));
  const auto m =
      colon == std::string::npos ? std::optional<std::uint64_t>(kDefaultLimit) : positive(rest.substr(colon + 1));
  if (!k || !m)
    return std::nullopt;
  f.first = *k;
  f.every = *k;
  f.limit = *m;
  return f;
}

nlohmann::ordered_json follow_json(const std::string& option, const std::vector<sim::FollowedRequest>& followed)
{
  nlohmann::ordered_json requests = nlohmann::ordered_json::array();
  for (const auto& f : followed) {
    nlohmann::ordered_json hops = nlohmann::ordered_json::array();
    for (const auto& h : f.hops)
      hops.push_back({{"service", h.service},
                      {"kind", h.kind},
                      {"instance", h.instance},
                      {"host", h.host},
                      {"message", h.reply ? "reply" : "request"},
                      {"left", h.left},
                      {"arrived", h.arrived},
                      {"began", h.began},
                      {"finished", h.finished},
                      {"travel", h.travel},
                      {"wait", h.wait},
                      {"served", h.served}});
    nlohmann::ordered_json r{{"index", f.index},    {"type", f.type},      {"measured", f.measured},
                             {"sent", f.sent},      {"answered", nullptr}, {"response_time", nullptr},
                             {"outcome", f.outcome}};
    if (f.answered) {
      r["answered"] = f.answered_at;
      r["response_time"] = f.response_time;
    }
    r["hops"] = std::move(hops);
    requests.push_back(std::move(r));
  }
  return nlohmann::ordered_json{{"follow", option}, {"unit", "seconds"}, {"requests", std::move(requests)}};
}

std::string follow_summary(const std::vector<sim::FollowedRequest>& followed, std::size_t at_most)
{
  std::string out;
  char line[256];
  for (std::size_t i = 0; i < followed.size() && i < at_most; ++i) {
    const auto& f = followed[i];
    std::snprintf(line, sizeof line, "request %llu (%s), sent at %.6f s: %s", static_cast<unsigned long long>(f.index),
                  f.type.c_str(), f.sent, f.outcome.c_str());
    out += line;
    if (f.answered) {
      std::snprintf(line, sizeof line, " in %.3f ms", f.response_time * 1e3);
      out += line;
    }
    out += "\n";
    for (const auto& h : f.hops) {
      std::snprintf(line, sizeof line, "  %-16s #%-3d %-14s net %9.3f ms  wait %9.3f ms  served %9.3f ms\n",
                    h.service.c_str(), h.instance, h.host.c_str(), h.travel * 1e3, h.wait * 1e3, h.served * 1e3);
      out += line;
    }
  }
  if (followed.size() > at_most)
    out += "(" + std::to_string(followed.size() - at_most) + " more in follow.json)\n";
  return out;
}

} // namespace scalelab::cli
