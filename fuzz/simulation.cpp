#include "simulation.hpp"

#include "scalelab/models/faults.hpp"
#include "scalelab/models/results.hpp"
#include "scalelab/sim/simulation.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <map>
#include <stdexcept>
#include <thread>

// libFuzzer's coverage counters (-fsanitize=fuzzer: one byte per edge of the instrumented code, in the
// section __sancov_cntrs), or null in a build without them. A child process counts in its own copy; the
// parent takes the child's counts back, so that the engine's code guides the fuzzer as the loader's does.
extern "C" __attribute__((weak)) std::uint8_t __start___sancov_cntrs[];
extern "C" __attribute__((weak)) std::uint8_t __stop___sancov_cntrs[];

namespace scalelab::fuzz
{
namespace
{

using models::SimTime;
using models::TopologySpec;

constexpr SimTime kMillisecond = models::kNanosPerSecond / 1000;
constexpr SimTime kMaxDuration = 100 * kMillisecond;
__extension__ typedef __int128 Int128; // a time times a time

// Moves a distribution's mean up to at least `mean` (seconds), keeping its kind and its spread.
void at_least_mean(models::DistributionSpec& d, double mean)
{
  if (d.mean >= mean)
    return;
  if (d.kind == models::DistributionSpec::Kind::uniform) {
    d.low += mean - d.mean;
    d.high += mean - d.mean;
  }
  d.mean = mean;
}

// Steps a request of each type executes, calls included (the call graph has no cycle: the loader checks).
double expanded_steps(const TopologySpec& spec, std::size_t request, std::map<std::size_t, double>& memo)
{
  if (const auto it = memo.find(request); it != memo.end())
    return it->second;
  double steps = 0;
  for (const models::StepSpec& s : spec.requests[request].steps) {
    steps += 1;
    if (const auto* call = std::get_if<models::CallStep>(&s.step); call && call->op == models::CallStep::Op::request)
      steps += expanded_steps(spec, spec.index_of_request(call->request), memo);
  }
  return memo[request] = steps;
}

std::uint64_t fnv1a(const std::string& bytes)
{
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes)
    h = (h ^ c) * 1099511628211ull;
  return h;
}

// What a run in a child leaves for the parent, in memory shared with it.
struct Shared {
  std::uint64_t hash;
  int refused; // the engine threw std::runtime_error, whose message follows
  char message[480];
  std::uint8_t counters[1]; // as many as the parent has (the struct is allocated larger)
};

struct RunResult {
  std::string problem; // "" when the child ended normally
  bool refused = false;
  std::string message;
  std::uint64_t hash = 0;
};

RunResult failed(std::string problem)
{
  RunResult r;
  r.problem = std::move(problem);
  return r;
}

std::size_t counter_count()
{
  return __start___sancov_cntrs && __stop___sancov_cntrs
             ? static_cast<std::size_t>(__stop___sancov_cntrs - __start___sancov_cntrs)
             : 0;
}

[[noreturn]] void run_in_child(const TopologySpec& spec, const sim::RunOptions& options, Shared* shared)
{
  try {
    const sim::RunOutput output = sim::run_simulation(spec, options);
    if (!output.results.checks.conserved) {
      std::fprintf(stderr, "fuzz_simulation: request conservation violated\n");
      std::abort();
    }
    shared->hash = fnv1a(models::to_json(output.results).dump() + "\n" + models::timeseries_csv(output.timeseries));
  } catch (const std::runtime_error& e) {
    shared->refused = 1;
    std::snprintf(shared->message, sizeof shared->message, "%s", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_simulation: the run threw %s\n", e.what());
    std::abort();
  }
  if (const std::size_t n = counter_count())
    std::memcpy(shared->counters, __start___sancov_cntrs, n);
  std::fflush(nullptr);
  ::_exit(0);
}

// Resident memory of a process in megabytes, 0 when unknown.
long resident_megabytes(pid_t pid)
{
  std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
  long pages = 0, resident = 0;
  if (!(statm >> pages >> resident))
    return 0;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

RunResult run(const TopologySpec& spec, const sim::RunOptions& options, const SimulationBounds& bounds)
{
  const std::size_t counters = counter_count();
  const std::size_t bytes = sizeof(Shared) + counters;
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED)
    return failed("cannot map memory to share with the run: " + std::string(std::strerror(errno)));
  auto* shared = static_cast<Shared*>(memory);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) {
    ::munmap(memory, bytes);
    return failed("cannot fork: " + std::string(std::strerror(errno)));
  }
  if (child == 0)
    run_in_child(spec, options, shared);

  RunResult result;
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(child, &status, WNOHANG);
    if (done == child) {
      // A run that ended past its bound took too long all the same (a busy machine may run a short child to
      // its end before this loop first looks).
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > bounds.seconds)
        result.problem = "the run took more than " + std::to_string(bounds.seconds) + " s";
      break;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long megabytes = resident_megabytes(child);
    if (seconds > bounds.seconds || megabytes > bounds.megabytes) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      result.problem = seconds > bounds.seconds ? "the run took more than " + std::to_string(bounds.seconds) + " s"
                                                : "the run took more than " + std::to_string(bounds.megabytes) + " MB";
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  if (result.problem.empty()) {
    if (WIFSIGNALED(status))
      result.problem = "the run died of signal " + std::to_string(WTERMSIG(status));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      result.problem = "the run exited with status " + std::to_string(WEXITSTATUS(status)) +
                       " (a sanitizer's or libFuzzer's report on the run comes before this line)";
  }
  if (result.problem.empty()) {
    result.refused = shared->refused != 0;
    result.message = shared->message;
    result.hash = shared->hash;
    for (std::size_t i = 0; i < counters; ++i)
      __start___sancov_cntrs[i] = std::max(__start___sancov_cntrs[i], shared->counters[i]);
  }
  ::munmap(memory, bytes);
  return result;
}

} // namespace

std::optional<TopologySpec> bounded_for_fuzzing(TopologySpec spec)
{
  auto& hw = spec.hardware;
  // A platform's routes grow with the square of its hosts; under the sanitizers, building one of 51 hosts
  // and running it three times takes ten seconds.
  if (hw.hosts.size() > 24 || hw.switches.size() > 24 || hw.links.size() > 96 || hw.routes.size() > 96)
    return std::nullopt;
  // A shorter run keeps its warm-up and its faults at the same fractions of it: times scaled down keep
  // their order, and a host's crashes stay apart (floor(a k) + floor(b k) <= floor((a + b) k)).
  const SimTime duration = std::min<SimTime>(spec.duration, kMaxDuration);
  const auto scaled = [&spec, duration](SimTime t) {
    return static_cast<SimTime>(static_cast<Int128>(t) * duration / spec.duration);
  };
  spec.warmup = scaled(spec.warmup);
  for (models::FaultSpec& f : spec.faults) {
    f.at = scaled(f.at);
    if (f.down_for)
      f.down_for = std::max<SimTime>(1, scaled(*f.down_for)); // at least 1 ns, as the loader requires
  }
  // That 1 ns may make two faults the loader keeps apart overlap: the later is left out. Apart are a host's
  // crashes (a zone's crash crashes its hosts; a service's crash is kept apart from them), a host's slow periods
  // and its disk's, and cuts (of any links here: a partition's links are not known without the network's
  // graph). Delays may overlap.
  const auto apart = [&spec](const models::FaultSpec& f) {
    using Kind = models::FaultSpec::Kind;
    std::vector<std::string> keys;
    switch (f.kind) {
    case Kind::crash:
      keys.push_back("crash " + f.host);
      break;
    case Kind::crash_zone:
      for (const std::size_t h : models::zone_hosts(spec, f.zone))
        keys.push_back("crash " + spec.hardware.hosts[h].name);
      break;
    case Kind::slow:
      keys.push_back("slow " + f.host);
      break;
    case Kind::fill_disk:
      keys.push_back("disk " + f.host);
      break;
    case Kind::crash_service: // kept apart from every crash of its instances' hosts (more than the loader asks)
    {
      const auto hosts = models::instance_hosts(spec.services[spec.index_of_service(f.service)].kind);
      for (std::size_t k = 0; k < hosts.size(); ++k)
        if (f.instance == 0 || static_cast<std::size_t>(f.instance) == k + 1)
          keys.push_back("crash " + hosts[k]);
    } break;
    case Kind::cut_link:
    case Kind::partition_zone:
      keys.emplace_back("cut");
      break;
    case Kind::delay_link:
      break;
    }
    return keys;
  };
  std::map<std::string, std::vector<models::FaultWindow>> timelines;
  for (std::size_t i = 0; i < spec.faults.size(); ++i)
    for (const auto& key : apart(spec.faults[i]))
      timelines[key].push_back({spec.faults[i].at, spec.faults[i].until(), i});
  std::vector<bool> kept(spec.faults.size(), true);
  for (const auto& [key, windows] : timelines)
    for (const models::FaultClash& c : models::clashes(windows))
      kept[c.later] = false; // each timeline's kept faults are apart, and so is any subset of them
  std::vector<models::FaultSpec> faults;
  for (std::size_t i = 0; i < kept.size(); ++i)
    if (kept[i])
      faults.push_back(spec.faults[i]);
  spec.faults = std::move(faults);
  spec.duration = duration;
  spec.report_interval = std::max<SimTime>(spec.report_interval, (spec.duration + 99) / 100);
  for (models::HostSpec& h : hw.hosts)
    h.cores = std::min(h.cores, 64);
  for (models::ServiceSpec& s : spec.services) {
    if (auto* lb = std::get_if<models::LoadBalancerSpec>(&s.kind); lb && lb->health_check > 0)
      lb->health_check = std::max(lb->health_check, kMillisecond);
    if (auto* api = std::get_if<models::ApiServerSpec>(&s.kind))
      api->workers = std::min(api->workers, 64);
    if (auto* db = std::get_if<models::DatabaseSpec>(&s.kind))
      db->connections = std::min(db->connections, 64);
  }
  double requests = 0;
  const double seconds = models::to_seconds(spec.duration);
  if (auto* open = std::get_if<models::OpenArrival>(&spec.workload.arrival)) {
    if (open->shape && open->shape->max_rate() > 1000.0)
      open->shape.reset(); // a shape's own rates are not capped: run the capped constant rate instead
    open->rate = std::min(open->rate, 1000.0);
    requests = open->rate * seconds + static_cast<double>(open->trace.size());
    for (auto& herd : spec.workload.herds)
      herd.users = std::min<std::int64_t>(herd.users, 100);
  } else {
    auto& closed = std::get<models::ClosedArrival>(spec.workload.arrival);
    if (closed.shape && closed.shape->max_rate() > 10.0)
      closed.shape.reset(); // a shape's own counts are not capped: run the capped constant population instead
    closed.users = std::min<std::int64_t>(closed.users, 10);
    at_least_mean(closed.think_time, 5e-3);
    requests = static_cast<double>(closed.users) * (seconds / closed.think_time.mean + 1);
  }
  std::map<std::size_t, double> memo;
  double steps = 0;
  for (const auto& [name, weight] : spec.workload.mix)
    steps = std::max(steps, expanded_steps(spec, spec.index_of_request(name), memo));
  if (requests * steps > 2e4)
    return std::nullopt;
  return spec;
}

std::string simulation_problem(const TopologySpec& spec, const SimulationBounds& bounds)
{
  struct Engine {
    const char* name;
    sim::RunOptions options;
  };
  std::array<Engine, 3> engines{Engine{"windowed", {}}, Engine{"windowed --executors host", {}}, Engine{"plain", {}}};
  engines[1].options.grouping = sim::Grouping::host;
  engines[2].options.mode = sim::EngineMode::plain;
  std::optional<RunResult> first;
  for (const Engine& engine : engines) {
    const RunResult r = run(spec, engine.options, bounds);
    if (!r.problem.empty())
      return std::string("engine ") + engine.name + ": " + r.problem;
    if (!first) {
      first = r;
      continue;
    }
    if (r.refused != first->refused || r.message != first->message)
      return std::string("engine ") + engine.name + (r.refused ? " refused the run: " + r.message : " ran it") +
             ", but engine " + engines[0].name + (first->refused ? " refused it: " + first->message : " ran it");
    if (r.hash != first->hash)
      return std::string("engine ") + engine.name + " gives other results than engine " + engines[0].name;
  }
  return "";
}

} // namespace scalelab::fuzz
