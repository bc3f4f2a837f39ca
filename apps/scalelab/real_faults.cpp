#include "real_faults.hpp"

#include "common.hpp"

#include "scalelab/real/process.hpp"

#include <cstdio>
#include <pthread.h>
#include <sched.h>
#include <sstream>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace scalelab::app
{

LiveFaults::LiveFaults(const models::TopologySpec& spec, const LiveRunOptions& options)
    : spec_(spec), options_(options), crashes_(real::primary_crashes(spec, &refused_))
{
}

std::function<void(double)> LiveFaults::during(const LiveStack& stack)
{
  if (crashes_.empty())
    return {};
  try {
    stack_ = real::load_stack((stack.run_dir() / "stack.json").string());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scalelab: the faults are not run: %s\n", e.what());
    return {};
  }
  return [this](double elapsed) {
    while (done_.size() < crashes_.size() && crashes_[done_.size()].at <= elapsed) {
      // Under --realtime the stack runs SCHED_FIFO: the failover does too, or a saturated stack would delay it.
      sched_param before{}, fifo{};
      int policy = SCHED_OTHER;
      pthread_getschedparam(pthread_self(), &policy, &before);
      fifo.sched_priority = options_.realtime;
      const bool raised = options_.realtime > 0 && pthread_setschedparam(pthread_self(), SCHED_FIFO, &fifo) == 0;
      done_.push_back(real::run_failover(spec_, *stack_, crashes_[done_.size()], elapsed));
      if (raised)
        pthread_setschedparam(pthread_self(), policy, &before);
      const auto& f = done_.back();
      if (!options_.quiet)
        std::printf("failover of %s: %s killed at %.3f s, %s promoted in %.3f s, %d API server(s) and %d worker(s) "
                    "told in %.3f s\n",
                    f.database.c_str(), f.old_primary.c_str(), f.crashed_at, f.new_primary.c_str(), f.promote_seconds,
                    f.api_servers_told, f.workers_told, f.notify_seconds);
      for (const auto& e : f.errors)
        std::fprintf(stderr, "scalelab: failover of %s: %s\n", f.database.c_str(), e.c_str());
      std::fflush(stdout);
    }
  };
}

void LiveFaults::measure(const LiveStack& stack, nlohmann::ordered_json& j) const
{
  if (crashes_.empty())
    return;
  const auto ledger = real::read_ledgers(stack.run_dir().string());
  nlohmann::ordered_json failovers = nlohmann::ordered_json::array();
  std::uint64_t failed_requests = 0;
  for (const auto& [cause, n] : j["total"]["errors"].items())
    failed_requests += n.get<std::uint64_t>();
  for (std::size_t k = 0; k < crashes_.size(); ++k) {
    nlohmann::ordered_json f;
    f["database"] = crashes_[k].database;
    f["shard"] = crashes_[k].shard;
    f["old_primary"] = crashes_[k].host;
    f["scheduled_at"] = crashes_[k].at;
    if (k >= done_.size()) {
      f["error"] = "not run: the load ended before its time";
      failovers.push_back(f);
      continue;
    }
    const auto& r = done_[k];
    f["new_primary"] = r.new_host;
    f["old_instance"] = r.old_primary;
    f["new_instance"] = r.new_primary;
    f["crashed_at"] = r.crashed_at;
    f["promoted_at"] = r.crashed_at + r.promote_seconds;
    f["promotion_time"] = r.promote_seconds;
    f["told_after"] = r.notify_seconds;
    f["api_servers_told"] = r.api_servers_told;
    f["workers_told"] = r.workers_told;
    // Kill to the first write acknowledged by the new primary.
    std::int64_t first = 0;
    for (const auto& e : ledger)
      if (e.acknowledged && e.database == r.database && e.instance == r.new_instance && e.ns >= r.kill_ns &&
          (first == 0 || e.ns < first))
        first = e.ns;
    if (first > 0)
      f["failover_time"] = static_cast<double>(first - r.kill_ns) / 1e9;
    else
      f["failover_time"] = nullptr;
    // Little's law: the writes in the replication pipeline at the crash, the write rate (acknowledged in the second
    // before the kill) times the promoted replica's write lag then.
    std::uint64_t last_second = 0;
    for (const auto& e : ledger)
      last_second += e.acknowledged && e.database == r.database && e.ns < r.kill_ns && e.ns >= r.kill_ns - 1000000000;
    const double lag = r.write_lag.count(r.new_primary) ? r.write_lag.at(r.new_primary) : 0.0;
    f["write_rate_at_crash"] = last_second;
    f["write_lag_at_crash"] = lag;
    f["lost_writes_little"] = static_cast<double>(last_second) * lag;
    const auto* live = stack_ ? stack_->find(r.database) : nullptr;
    if (!live || r.new_primary.empty() || r.new_instance >= live->instances.size()) {
      f["error"] = "no new primary";
    } else {
      std::string error;
      const auto present = real::written_ids(live->instances[r.new_instance], error);
      if (!error.empty())
        f["error"] = error;
      const auto c = real::count_ledger(ledger, r.database, present);
      f["acknowledged_writes"] = c.acknowledged;
      f["lost_writes"] = c.lost;
      f["ambiguous_writes"] = c.ambiguous;
      f["failed_writes"] = c.failed;
      f["unknown_writes"] = c.unknown;
      f["writes_on_new_primary"] = present.size();
      std::vector<std::uint64_t> shown(
          c.lost_ids.begin(), c.lost_ids.begin() + static_cast<long>(std::min<std::size_t>(20, c.lost_ids.size())));
      f["lost_ids"] = shown;
      std::string standby_error;
      f["following_new_primary"] = real::streaming_standbys(live->instances[r.new_instance], standby_error);
    }
    f["failed_requests"] = failed_requests;
    f["failed_by_cause"] = j["total"]["errors"];
    f["positions"] = r.positions;
    f["write_lags"] = r.write_lag;
    f["steps"] = nlohmann::ordered_json::object();
    for (const auto& [step, t] : r.steps)
      f["steps"][step] = t;
    f["repointed"] = r.repointed;
    f["errors"] = r.errors;
    failovers.push_back(f);
  }
  j["real"]["failovers"] = failovers;
}

void LiveFaults::simulate(const fs::path& out, nlohmann::ordered_json& j) const
{
  if (crashes_.empty() || !j["real"].contains("failovers"))
    return;
  const fs::path dir = out / "simulation";
  real::SpawnOptions o;
  o.argv = {options_.self.string(), "run", fs::absolute(options_.topology).string(), "--out", dir.string(), "--quiet"};
  auto add = [&o](const char* name, const std::optional<double>& v) {
    if (v) {
      char text[64];
      std::snprintf(text, sizeof text, "%.9g", *v);
      o.argv.insert(o.argv.end(), {name, text});
    }
  };
  add("--duration", options_.duration);
  add("--warmup", options_.warmup);
  add("--rate", options_.rate);
  const auto r = real::run_command(o, 120s);
  nlohmann::ordered_json sim;
  try {
    if (r.status != 0)
      throw std::runtime_error(r.output);
    sim = nlohmann::ordered_json::parse(read_file(dir / "results.json"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scalelab: the simulation of the same file failed: %s\n", e.what());
    return;
  }
  for (auto& f : j["real"]["failovers"])
    for (const auto& service : sim["services"])
      if (service.value("name", "") == f.value("database", "") && service.contains("replication"))
        for (const auto& s : service["replication"].value("failovers", nlohmann::ordered_json::array()))
          if (s.value("old_primary", "") == f.value("old_primary", "") && !f.contains("simulated"))
            f["simulated"] = s;
}

std::string LiveFaults::table(const nlohmann::ordered_json& j) const
{
  std::ostringstream out;
  if (!j["real"].contains("failovers"))
    return "";
  auto number = [](const nlohmann::ordered_json& v, const char* key) {
    return v.contains(key) && v[key].is_number() ? v[key].get<double>() : -1.0;
  };
  char line[512];
  out << '\n';
  std::snprintf(line, sizeof line, "%-22s %-10s %-10s %12s %10s %10s %10s %10s\n", "failover", "old", "new",
                "failover s", "acked", "lost", "ambiguous", "failed");
  out << line;
  for (const auto& f : j["real"]["failovers"]) {
    const std::string name = f.value("database", "") + " (live)";
    std::snprintf(line, sizeof line, "%-22s %-10s %-10s %12.3f %10.0f %10.0f %10.0f %10.0f\n", name.c_str(),
                  f.value("old_primary", "").c_str(), f.value("new_primary", "").c_str(), number(f, "failover_time"),
                  number(f, "acknowledged_writes"), number(f, "lost_writes"), number(f, "ambiguous_writes"),
                  number(f, "failed_requests"));
    out << line;
    if (f.contains("simulated")) {
      const auto& s = f["simulated"];
      const std::string sname = f.value("database", "") + " (simulated)";
      std::snprintf(line, sizeof line, "%-22s %-10s %-10s %12.3f %10s %10.0f %10s %10.0f\n", sname.c_str(),
                    s.value("old_primary", "").c_str(), s.value("new_primary", "").c_str(), number(s, "failover_time"),
                    "", number(s, "lost_writes"), "", number(s, "failed_in_gap"));
      out << line;
    }
  }
  return out.str();
}

} // namespace scalelab::app
