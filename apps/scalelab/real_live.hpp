#pragma once
// What scalelab real run and real calibrate share: the stack brought up and (always) down, the load generator run
// against it, and the CPU of each live process (docs/real-mode.md).
#include "real_run.hpp"

#include "scalelab/models/results.hpp"
#include "scalelab/models/spec.hpp"

#include <csignal>
#include <functional>
#include <map>
#include <set>

namespace scalelab::app
{

// Ctrl-C and SIGTERM only set a flag while a live command runs (restored at the end).
class LiveSignals
{
public:
  LiveSignals();
  ~LiveSignals();
  LiveSignals(const LiveSignals&) = delete;
  LiveSignals& operator=(const LiveSignals&) = delete;
  bool interrupted() const;

private:
  struct sigaction old_int_ {
  }, old_term_{};
};

// The stack of a run: `up` starts it (the supervisor of `scalelab real up`), `down` and the destructor stop it.
class LiveStack
{
public:
  struct Instance {
    std::string name, software;
    int pid = 0;
  };
  LiveStack() = default;
  ~LiveStack();
  LiveStack(const LiveStack&) = delete;
  LiveStack& operator=(const LiveStack&) = delete;
  int up(const LiveRunOptions& options); // the exit status of `real up`
  int down();                            // the exit status of `real down`; nothing when not up
  const std::filesystem::path& run_dir() const { return run_dir_; }
  const nlohmann::json& stack_json() const { return stack_; }
  const std::vector<Instance>& instances() const { return instances_; }
  int port_of(const std::string& service, std::size_t instance) const; // 0: none
  // CPU seconds so far of each instance, its child processes included (PostgreSQL's backends, Erlang's VM).
  std::map<std::string, double> cpu_by_instance() const;
  void set_realtime(int priority) const;            // SCHED_FIFO for every process of the stack
  nlohmann::ordered_json software_versions() const; // haproxy, postgresql, redis, rabbitmq as used

private:
  LiveRunOptions options_;
  bool started_ = false;
  std::filesystem::path run_dir_;
  nlohmann::json stack_;
  std::vector<Instance> instances_;
};

// Runs scalelab-loadgen against the workload's entry (instance 0) and returns its results.json with the CPU of
// every live instance over the run and the versions used; nothing when it failed or was interrupted. `during`, when
// given, is called about every 10 ms with the seconds since the generator started (the live faults).
std::optional<nlohmann::ordered_json> run_loadgen(const LiveStack& stack, const models::TopologySpec& spec,
                                                  const LiveRunOptions& options, const std::filesystem::path& out_file,
                                                  const std::function<void(double)>& during = {});
models::Results results_from_json(const nlohmann::ordered_json& j);
std::string live_table(const nlohmann::ordered_json& j); // a simulation's table, then the processes' CPU
// A live command's options (real run, calibrate, validate): this program's defaults (its own directory for the
// programs, ./scalelab-real to run in), then the command line's, and its one FILE. The usage error, or empty.
std::string read_live_command(const std::vector<std::string>& args, const std::string& command, LiveRunOptions& o,
                              std::filesystem::path& out);
std::string parse_live_options(const std::vector<std::string>& args, LiveRunOptions& o, std::filesystem::path& out,
                               std::vector<std::string>& positional);
std::optional<models::TopologySpec> load_for_live(const LiveRunOptions& o);

} // namespace scalelab::app
