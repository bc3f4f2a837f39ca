#include "scalelab/models/sweep_results.hpp"

#include "schema.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>

namespace scalelab::models
{
namespace
{

using schema::quote;
using schema::suggestion;

// results.json below one request type (total, requests.NAME) and one service (services.NAME).
const std::vector<std::string> kLatency = {"count", "mean", "p50", "p90", "p95", "p99", "p999", "max"};
const std::vector<std::string> kRequestKeys = {"sent", "completed", "throughput", "errors", "latency"};
const std::vector<std::string> kServiceKeys = {"instances",   "capacity",         "arrived", "completed",
                                               "errors",      "throughput",       "latency", "mean_in_service",
                                               "utilisation", "mean_queue_length"};
const std::vector<std::string> kCacheKeys = {"hits",      "misses",      "hit_ratio",   "sets",     "deletes",
                                             "evictions", "expirations", "stale_reads", "coalesced"};
const std::vector<std::string> kReplicationKeys = {"stale_reads",
                                                   "read_your_writes_violations",
                                                   "monotonic_read_violations",
                                                   "ack_timeouts",
                                                   "fallbacks",
                                                   "async_writes",
                                                   "async_seconds",
                                                   "lost_writes"};
const std::vector<std::string> kPoolKeys = {"checkouts", "opened",           "waited",
                                            "timeouts",  "wait_probability", "mean_open"};
const std::vector<std::string> kQueueKeys = {"published",
                                             "rejected",
                                             "refused",
                                             "delivered",
                                             "acknowledged",
                                             "failed",
                                             "lost",
                                             "redelivered",
                                             "waited",
                                             "wait_probability",
                                             "mean_backlog",
                                             "backlog_at_end",
                                             "mean_unacknowledged"};

// The sections of a service's results that only some services have: services.NAME.SECTION.KEY.
struct Section {
  const char* key;
  std::vector<std::string> ResultNames::*services;
  const std::vector<std::string>* keys;
  const char* what; // "services.NAME is not WHAT"
};
const std::vector<Section>& sections()
{
  static const std::vector<Section> all = {
      {"cache", &ResultNames::caches, &kCacheKeys, "a cache"},
      {"replication", &ResultNames::replicated, &kReplicationKeys, "a database with replicas"},
      {"connection_pool", &ResultNames::pooled, &kPoolKeys, "an api_server with a connection_pool"},
      {"queue", &ResultNames::queues, &kQueueKeys, "a queue"},
  };
  return all;
}
const std::vector<std::string> kHostKeys = {"cores", "cpu_utilisation", "disk_utilisation"};
const std::vector<std::string> kCostKeys = {"per_hour", "per_million_requests"};
const std::vector<std::string> kGeoDnsKeys = {"misdirected", "unresolved"};
const std::vector<std::string> kTopKeys = {"total", "requests", "services",         "hosts",
                                           "cost",  "checks",   "measured_seconds", "geodns"};
const std::map<std::string, std::vector<std::string>> kChecks = {
    {"conservation", {"sent", "completed", "failed", "in_flight"}},
    {"littles_law", {"L", "X", "W", "relative_error"}},
};

std::vector<std::string> split(const std::string& path)
{
  std::vector<std::string> out;
  for (std::size_t start = 0;;) {
    const std::size_t dot = path.find('.', start);
    out.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos)
      return out;
    start = dot + 1;
  }
}

// The segments from i that make one of names (names may contain dots): how many, or 0.
std::size_t match_name(const std::vector<std::string>& segments, std::size_t i, const std::vector<std::string>& names)
{
  std::string candidate;
  for (std::size_t j = i; j < segments.size(); ++j) {
    candidate += (j == i ? "" : ".") + segments[j];
    if (std::find(names.begin(), names.end(), candidate) != names.end())
      return j - i + 1;
  }
  return 0;
}

bool contains(const std::vector<std::string>& list, const std::string& item)
{
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string unknown(const std::string& segment, const std::string& where, const std::vector<std::string>& keys)
{
  return "unknown key " + quote(segment) + " in " + where + suggestion(segment, keys);
}

// The keys of a request type's or a service's results from segment i on; where names the object.
std::string check_measures(const std::vector<std::string>& s, std::size_t i, const std::string& where,
                           const std::vector<std::string>& keys)
{
  if (i >= s.size())
    return where + " is not a number; add one of: " + schema::join(keys);
  if (!contains(keys, s[i]))
    return unknown(s[i], where, keys);
  const std::string here = where + "." + s[i];
  if (s[i] == "latency") {
    if (i + 1 >= s.size())
      return here + " is not a number; add one of: " + schema::join(kLatency);
    if (!contains(kLatency, s[i + 1]))
      return unknown(s[i + 1], here, kLatency);
    return i + 2 < s.size() ? here + "." + s[i + 1] + " is a number, with no key " + quote(s[i + 2]) : "";
  }
  if (s[i] == "errors") {
    if (i + 1 >= s.size())
      return "";
    if (!contains(error_cause_names(), s[i + 1]))
      return "unknown error cause " + quote(s[i + 1]) + " in " + here +
             suggestion(s[i + 1], error_cause_names(), "the causes are");
    return i + 2 < s.size() ? here + "." + s[i + 1] + " is a number, with no key " + quote(s[i + 2]) : "";
  }
  return i + 1 < s.size() ? here + " is a number, with no key " + quote(s[i + 1]) : "";
}

std::string check_named(const std::vector<std::string>& s, const std::string& noun,
                        const std::vector<std::string>& names, const std::vector<std::string>& keys)
{
  const std::string section = s[0];
  if (s.size() < 2)
    return section + " is a list; name one of its " + noun + "s: " + schema::join(names);
  const std::size_t length = match_name(s, 1, names);
  if (length == 0)
    return "no " + noun + " " + quote(s[1]) + " in " + section + suggestion(s[1], names, "the " + noun + "s are");
  std::string name = s[1];
  for (std::size_t k = 2; k <= length; ++k)
    name += "." + s[k];
  return check_measures(s, 1 + length, section + "." + name, keys);
}

const nlohmann::json* find_key(const nlohmann::json& object, const std::string& key)
{
  if (!object.is_object())
    return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

} // namespace

const std::vector<std::string>& error_cause_names()
{
  static const std::vector<std::string> names = {"queue_full",       "db_overloaded", "no_backend",   "host_down",
                                                 "cache_overloaded", "session_lost",  "pool_timeout", "timeout",
                                                 "breaker_open",     "rate_limited",  "partitioned",  "lost"};
  return names;
}

std::vector<std::string> metric_words()
{
  std::vector<std::string> words;
  for (const auto* list :
       {&kTopKeys, &kRequestKeys, &kLatency, &kServiceKeys, &kHostKeys, &kCostKeys, &kGeoDnsKeys, &error_cause_names()})
    words.insert(words.end(), list->begin(), list->end());
  for (const Section& section : sections()) {
    words.emplace_back(section.key);
    words.insert(words.end(), section.keys->begin(), section.keys->end());
  }
  words.emplace_back("busiest_shard_over_mean");
  for (const auto& [check, keys] : kChecks) {
    words.push_back(check);
    words.insert(words.end(), keys.begin(), keys.end());
  }
  return words;
}

std::string check_metric_path(const std::string& path, const ResultNames& names)
{
  const auto s = split(path);
  for (const auto& segment : s)
    if (segment.empty())
      return "expected a path of keys joined by dots, such as total.latency.p99, got " + quote(path);
  const std::string& top = s[0];
  if (!contains(kTopKeys, top))
    return unknown(top, "results.json", kTopKeys);
  if (top == "total")
    return check_measures(s, 1, "total", kRequestKeys);
  if (top == "requests")
    return check_named(s, "request type", names.requests, kRequestKeys);
  if (top == "services") {
    // A section of some services' own figures: services.NAME.SECTION.KEY.
    const std::size_t length = s.size() > 1 ? match_name(s, 1, names.services) : 0;
    std::string name;
    for (std::size_t k = 1; k <= length; ++k)
      name += (k > 1 ? "." : "") + s[k];
    for (const Section& section : sections()) {
      if (length == 0 || s.size() <= 1 + length || s[1 + length] != section.key)
        continue;
      const std::string here = "services." + name + "." + section.key;
      if (!contains(names.*section.services, name))
        return "services." + name + " is not " + section.what + ": it has no " + section.key + " figures";
      const std::size_t at = 2 + length;
      if (at >= s.size())
        return here + " is not a number; add one of: " + schema::join(*section.keys);
      if (!contains(*section.keys, s[at]))
        return unknown(s[at], here, *section.keys);
      return at + 1 < s.size() ? here + "." + s[at] + " is a number, with no key " + quote(s[at + 1]) : "";
    }
    std::vector<std::string> keys = kServiceKeys;
    if (length > 0) {
      for (const Section& section : sections())
        if (contains(names.*section.services, name))
          keys.push_back(section.key);
      if (contains(names.sharded, name))
        keys.push_back("busiest_shard_over_mean");
    }
    return check_named(s, "service", names.services, keys);
  }
  if (top == "hosts")
    return check_named(s, "host", names.hosts, kHostKeys);
  if (top == "measured_seconds")
    return s.size() > 1 ? "measured_seconds is a number, with no key " + quote(s[1]) : "";
  if (top == "cost") {
    if (!names.priced)
      return "results.json has no cost: no host of the topology has a price (hardware.hosts[].price)";
    if (s.size() < 2)
      return "cost is not a number; add one of: " + schema::join(kCostKeys);
    if (!contains(kCostKeys, s[1]))
      return unknown(s[1], "cost", kCostKeys);
    return s.size() > 2 ? "cost." + s[1] + " is a number, with no key " + quote(s[2]) : "";
  }
  if (top == "geodns") {
    if (!names.geodns)
      return "results.json has no geodns: the topology has no workload.zones or workload.geodns";
    if (s.size() < 2)
      return "geodns is not a number; add one of: " + schema::join(kGeoDnsKeys);
    if (!contains(kGeoDnsKeys, s[1]))
      return unknown(s[1], "geodns", kGeoDnsKeys);
    return s.size() > 2 ? "geodns." + s[1] + " is a number, with no key " + quote(s[2]) : "";
  }
  // checks
  std::vector<std::string> groups;
  for (const auto& [group, keys] : kChecks)
    groups.push_back(group);
  if (s.size() < 2)
    return "checks is not a number; add one of: " + schema::join(groups);
  const auto group = kChecks.find(s[1]);
  if (group == kChecks.end())
    return unknown(s[1], "checks", groups);
  if (s.size() < 3)
    return "checks." + s[1] + " is not a number; add one of: " + schema::join(group->second);
  if (!contains(group->second, s[2]))
    return unknown(s[2], "checks." + s[1], group->second);
  return s.size() > 3 ? "checks." + s[1] + "." + s[2] + " is a number, with no key " + quote(s[3]) : "";
}

std::optional<double> metric_value(const nlohmann::json& results, const std::string& path)
{
  const auto s = split(path);
  const nlohmann::json* at = find_key(results, s[0]);
  std::size_t i = 1;
  if (at && at->is_array()) {
    std::vector<std::string> names;
    for (const auto& item : *at)
      names.push_back(
          item.is_object() && item.contains("name") && item["name"].is_string() ? item["name"].get<std::string>() : "");
    const std::size_t length = match_name(s, 1, names);
    if (length == 0)
      return std::nullopt;
    std::string name = s[1];
    for (std::size_t k = 2; k <= length; ++k)
      name += "." + s[k];
    at = &(*at)[static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin())];
    i = 1 + length;
  }
  for (; at && i < s.size(); ++i) {
    const bool in_errors = i > 0 && s[i - 1] == "errors";
    const nlohmann::json* next = find_key(*at, s[i]);
    if (!next && in_errors && at->is_object())
      return 0.0; // a cause that did not happen
    at = next;
  }
  if (!at)
    return std::nullopt;
  if (at->is_object() && s.back() == "errors") {
    double sum = 0;
    for (const auto& [cause, count] : at->items())
      if (count.is_number())
        sum += count.get<double>();
    return sum;
  }
  if (!at->is_number())
    return std::nullopt;
  return at->get<double>();
}

std::string metric_unit(const std::string& path)
{
  const auto s = split(path);
  if (s.size() >= 2 && s[s.size() - 2] == "latency" && s.back() != "count")
    return "s";
  if (s.back() == "throughput")
    return "1/s";
  if (s.back() == "measured_seconds" || (s.size() >= 2 && s[0] == "checks" && s.back() == "W"))
    return "s";
  return "";
}

std::vector<PointSummary> summarize_runs(const ExperimentSpec& spec, const std::vector<RunRecord>& runs)
{
  std::vector<std::vector<const RunRecord*>> by_point(spec.points.size());
  for (const auto& r : runs)
    if (r.point < by_point.size())
      by_point[r.point].push_back(&r);
  std::vector<PointSummary> out;
  for (std::size_t p = 0; p < by_point.size(); ++p) {
    auto& list = by_point[p];
    std::stable_sort(list.begin(), list.end(),
                     [](const RunRecord* a, const RunRecord* b) { return a->repetition < b->repetition; });
    for (std::size_t m = 0; m < spec.metrics.size(); ++m) {
      std::vector<double> values;
      for (const RunRecord* r : list)
        if (m < r->values.size() && r->values[m])
          values.push_back(*r->values[m]);
      out.push_back(PointSummary{p, m, summarize_sample(values)});
    }
  }
  return out;
}

std::string shortest_number(double value)
{
  // The fewest digits that read back exactly, written without an exponent when some precision allows.
  char buffer[40];
  std::string with_exponent;
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    const std::string_view text(buffer);
    double back = 0;
    std::from_chars(text.data(), text.data() + text.size(), back);
    if (back != value)
      continue;
    if (text.find('e') == std::string_view::npos)
      return buffer;
    if (with_exponent.empty())
      with_exponent = buffer;
  }
  if (!with_exponent.empty())
    return with_exponent;
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

std::string csv_field(const std::string& text)
{
  const bool quote_it = text.find_first_of(",\"\n\r") != std::string::npos ||
                        (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote_it)
    return text;
  std::string out = "\"";
  for (char c : text)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string value_cell(const SweepValue& value)
{
  return value.number ? shortest_number(*value.number) : value.text;
}

std::string runs_csv(const ExperimentSpec& spec, const std::vector<RunRecord>& runs)
{
  std::string out = "point,repetition,seed";
  for (const auto& p : spec.parameters)
    out += "," + csv_field(p.path);
  out += ",metric,value\n";
  std::vector<const RunRecord*> sorted;
  for (const auto& r : runs)
    sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(), [](const RunRecord* a, const RunRecord* b) {
    return std::pair(a->point, a->repetition) < std::pair(b->point, b->repetition);
  });
  for (const RunRecord* r : sorted) {
    const Point& point = spec.points.at(r->point);
    std::string prefix = csv_field(point.name) + "," + std::to_string(r->repetition) + "," + std::to_string(r->seed);
    for (std::size_t k = 0; k < spec.parameters.size(); ++k)
      prefix += "," + csv_field(value_cell(spec.parameters[k].values[point.values[k]]));
    for (std::size_t m = 0; m < spec.metrics.size(); ++m) {
      const auto& value = m < r->values.size() ? r->values[m] : std::nullopt;
      out += prefix + "," + csv_field(spec.metrics[m].path) + "," + (value ? shortest_number(*value) : "") + "\n";
    }
  }
  return out;
}

std::string summary_csv(const ExperimentSpec& spec, const std::vector<PointSummary>& summaries)
{
  std::string out = "point";
  for (const auto& p : spec.parameters)
    out += "," + csv_field(p.path);
  out += ",metric,n,mean,sd,ci95_low,ci95_high\n";
  const auto cell = [](const std::optional<double>& v) { return v ? shortest_number(*v) : std::string(); };
  for (const auto& s : summaries) {
    const Point& point = spec.points.at(s.point);
    out += csv_field(point.name);
    for (std::size_t k = 0; k < spec.parameters.size(); ++k)
      out += "," + csv_field(value_cell(spec.parameters[k].values[point.values[k]]));
    const SampleSummary& x = s.sample;
    out += "," + csv_field(spec.metrics.at(s.metric).path) + "," + std::to_string(x.n) + "," +
           (x.n > 0 ? shortest_number(x.mean) : "") + "," + cell(x.sd) + "," + cell(x.low) + "," + cell(x.high) + "\n";
  }
  return out;
}

} // namespace scalelab::models
