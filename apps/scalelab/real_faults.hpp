#pragma once
// scalelab real run's live faults (docs/real-mode.md#faults): the file's crashes of a replicated database's primary
// run during the load, the failover measured from the write ledger, and the simulation of the same file beside.
#include "real_live.hpp"

#include "scalelab/real/failover.hpp"

#include <functional>

namespace scalelab::app
{

class LiveFaults
{
public:
  LiveFaults(const models::TopologySpec& spec, const LiveRunOptions& options);
  bool any() const { return !crashes_.empty(); }
  const std::vector<std::string>& refused() const { return refused_; } // faults the real mode does not run
  // Called by run_loadgen every 50 ms with the seconds since the load generator started: runs each crash when due.
  std::function<void(double)> during(const LiveStack& stack);
  // Before the stack goes down: the ledger against each new primary; adds real.failovers[] to j.
  void measure(const LiveStack& stack, nlohmann::ordered_json& j) const;
  // The simulation of the same file (scalelab run, the same overrides) beside each live failover; its output in
  // OUT/simulation.
  void simulate(const std::filesystem::path& out, nlohmann::ordered_json& j) const;
  std::string table(const nlohmann::ordered_json& j) const; // one line per failover, live and simulated

private:
  const models::TopologySpec& spec_;
  LiveRunOptions options_;
  std::vector<real::PrimaryCrash> crashes_;
  std::vector<std::string> refused_;
  std::vector<real::FailoverReport> done_;
  std::optional<real::Stack> stack_;
};

} // namespace scalelab::app
