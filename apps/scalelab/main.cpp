// scalelab: the command line.
//   scalelab run FILE [--seed N] [--out DIR] [--duration T] [--engine windowed|plain] [--quiet] [--stream] [--speed X]
//                     [--follow N|every:K[:M]]
//   scalelab check FILE
//   scalelab graph FILE [--out FILE.dot]
//   scalelab schema [experiment]
//   scalelab sweep EXPERIMENT [--jobs N] [--out DIR], sweep plan|run|emit|collect ...
//   scalelab real up FILE [--dir RUN], real down [--dir RUN], real export FILE --compose DIR
// Exit status: 0 success, 2 bad input or usage, 1 an error inside the run.
#include "common.hpp"
#include "follow_output.hpp"
#include "grade_command.hpp"
#include "real_command.hpp"
#include "stream_output.hpp"
#include "sweep_command.hpp"

#include "scalelab/models/calibration.hpp"
#include "scalelab/models/experiment.hpp"
#include "scalelab/models/hardware.hpp"
#include "scalelab/models/lesson.hpp"
#include "scalelab/models/limits.hpp"
#include "scalelab/models/loader.hpp"
#include "scalelab/models/results.hpp"
#include "scalelab/models/units.hpp"
#include "scalelab/sim/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace scalelab;
using namespace scalelab::app;

namespace
{

const char* const kMainHelp =
    R"(scalelab - simulate the architecture of a web service, from one server to millions of users

usage: scalelab <command> [options]

commands:
  run FILE      simulate a topology file, print a summary, write results.json and timeseries.csv
  check FILE    validate a topology, experiment or lesson file and print what is wrong with it, if anything
  graph FILE    print the hardware as a Graphviz DOT graph: hosts, switches, links, zones and the
                services on each host (render with: dot -Tpng -o hardware.png)
  schema        print the YAML reference of topology files (Markdown); schema experiment, schema
                lesson: of experiment and lesson files
  sweep FILE    run an experiment file: every point of its sweep, each repetition in its own
                process, then a tidy CSV, a summary with confidence intervals, plots and a report;
                also sweep plan, run, emit (SLURM, GNU parallel, Kubernetes) and collect
  real up|down|export
                run a topology's architecture as live services on this machine (haproxy,
                PostgreSQL, Redis, RabbitMQ, the project's API server and worker), or export it as
                a docker-compose.yml
  grade LESSON FILE
                check answers to a lesson's questions, or a topology against its challenge,
                by running the simulations that decide

Run 'scalelab <command> --help' for the options of a command.
Exit status: 0 on success, 2 on bad input or usage, 1 on an error inside the run.
)";

const char* const kRunHelp = R"(usage: scalelab run FILE [options]

Simulates FILE, prints a summary table and writes DIR/results.json and DIR/timeseries.csv.

options:
  --seed N          override the file's seed (same file and seed give byte-identical results.json)
  --duration T      override the simulated duration, e.g. 30s or 10min is written 600s
  --warmup T        override the warm-up left out of the statistics (0s: none)
  --out DIR         where to write the results (default: the current directory; created if missing)
  --engine MODE     windowed (default): each executor (a SimGrid actor) processes all its events
                    up to the lookahead horizon per wake-up; plain: one executor per host, one
                    wake-up per event time (slower, the reference the windowed engine must equal)
  --executors G     windowed engine: world (default) runs every host in one executor; host runs
                    one executor per host, synchronised at the network's lookahead. Same results
  --max-ahead T     windowed engine: how far past SimGrid's clock an executor may process when
                    the executors that send to it allow (default 100ms; 0s: never past its window)
  --engine-stats F  also write the engine's figures (wall time and requests per wall second, of the
                    whole run and of its event loop alone, without the set-up; the loop's processor
                    time too; wake-ups, events, peak memory) to the JSON file F; not deterministic,
                    unlike results.json
  --rate R          override the open workload's rate (requests per second; a constant or Poisson rate only)
  --calibration F   replace the file's step costs and network latencies by those of the calibration file F,
                    measured on the live stack by scalelab real calibrate (docs/calibration.md)
  --quiet           print nothing but errors
  --stream          print the time series on standard output as JSON lines, one per report interval
                    (the columns of timeseries.csv by series), each as soon as its interval has ended,
                    for a program that watches the run; the summary table is left out
  --speed X         run no faster than X simulated seconds per wall second (default: as fast as it
                    can); the results are the same at any speed
  --follow SPEC     follow requests hop by hop and write DIR/follow.json: at each service, when the
                    message arrived (travel), when its service began (wait) and when the next message
                    left (served), on which instance and host; SPEC is N (the N-th request the users
                    send), every:K (every K-th, at most 1000) or every:K:M (at most M). The results
                    are the same bytes with or without it
  --cfg=K:V         passed to SimGrid (advanced)
  -h, --help        this help
)";

const char* const kCheckHelp = R"(usage: scalelab check FILE

Validates FILE without running it: a topology, an experiment file (one with the key topology:
every point's topology is loaded too) or a lesson file (one with the key experiment). Prints every problem as file:line:col: message and exits 2 if
there is any; prints "FILE: ok" and exits 0 otherwise.
)";

const char* const kGraphHelp = R"(usage: scalelab graph FILE [--out OUT.dot]

Writes the hardware of FILE as Graphviz DOT (to standard output, or to OUT.dot): hosts with their
services, switches, links with bandwidth and latency, zones as clusters, and the users. Render it
with Graphviz, e.g. dot -Tpng -o hardware.png OUT.dot (neato or fdp for large meshes).
)";

// Peak resident memory of this process in MB (VmHWM; getrusage's maximum can be inherited across exec).
double peak_memory_mb()
{
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

int cmd_check(const std::vector<std::string>& args)
{
  if (args.size() == 1 && is_help(args[0])) {
    std::cout << kCheckHelp;
    return kOk;
  }
  if (args.size() != 1)
    return usage_error("check takes exactly one FILE", kCheckHelp);
  std::string error;
  const auto text = models::read_text_file(args[0], error);
  if (!text) {
    print_diagnostics({models::Diagnostic{models::SourceLocation{args[0], 0, 0}, "cannot open the file: " + error}},
                      {});
    return kBadInput;
  }
  bool loaded = false;
  const auto keys = models::top_level_keys(*text);
  const auto has = [&keys](const char* key) { return std::find(keys.begin(), keys.end(), key) != keys.end(); };
  if (has("experiment")) {
    const auto lesson = models::load_lesson_text(*text, args[0]);
    print_diagnostics(lesson.errors, lesson.warnings);
    loaded = lesson.spec.has_value();
  } else if (has("topology")) {
    const auto experiment = models::load_experiment_text(*text, args[0]);
    print_diagnostics(experiment.errors, experiment.warnings);
    loaded = experiment.spec.has_value();
  } else {
    const auto topology = models::load_topology_text(*text, args[0]);
    print_diagnostics(topology.errors, topology.warnings);
    loaded = topology.spec.has_value();
  }
  if (!loaded)
    return kBadInput;
  std::cout << args[0] << ": ok\n";
  return kOk;
}

int cmd_graph(const std::vector<std::string>& args)
{
  std::optional<std::string> file, out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (is_help(args[i])) {
      std::cout << kGraphHelp;
      return kOk;
    }
    if (args[i] == "--out") {
      if (i + 1 >= args.size())
        return usage_error("--out needs a file name", kGraphHelp);
      out = args[++i];
    } else if (!args[i].empty() && args[i][0] == '-') {
      return usage_error("unknown option " + args[i], kGraphHelp);
    } else if (file) {
      return usage_error("graph takes one FILE", kGraphHelp);
    } else {
      file = args[i];
    }
  }
  if (!file)
    return usage_error("graph needs a FILE", kGraphHelp);
  const auto loaded = models::load_topology_file(*file);
  print_diagnostics(loaded.errors, loaded.warnings);
  if (!loaded.spec)
    return kBadInput;
  std::vector<models::HardwareIssue> issues;
  const auto graph = models::HardwareGraph::build(*loaded.spec, issues);
  const std::string dot = graph.to_dot(*loaded.spec);
  if (out)
    write_file_atomically(*out, dot);
  else
    std::cout << dot;
  return kOk;
}

// What `scalelab run` was asked.
struct RunArgs {
  std::optional<std::string> file;
  std::optional<std::uint64_t> seed;
  std::optional<double> duration, warmup;
  fs::path out_dir = ".";
  sim::RunOptions options;
  bool quiet = false;
  bool stream = false;
  std::optional<double> speed; // simulated seconds per wall second, at most
  std::optional<fs::path> engine_stats;
  std::optional<std::string> calibration;
  std::optional<double> rate;
  std::optional<std::string> follow; // --follow as given
};

bool is_run_value_option(const std::string& a)
{
  static const char* const kOptions[] = {"--seed",   "--duration",    "--warmup",    "--out",
                                         "--engine", "--executors",   "--max-ahead", "--engine-stats",
                                         "--rate",   "--calibration", "--speed",     "--follow"};
  return std::find(std::begin(kOptions), std::end(kOptions), a) != std::end(kOptions);
}

// An option of `run` that takes a value (v: none when the option ends the command line). Returns an exit
// status when the value is wrong.
std::optional<int> read_run_value(const std::string& a, const std::optional<std::string>& v, RunArgs& run)
{
  if (a == "--seed") {
    char* end = nullptr;
    if (!v || v->empty() || (*v)[0] == '-' || (run.seed = std::strtoull(v->c_str(), &end, 10), *end != '\0'))
      return usage_error("--seed needs a non-negative integer", kRunHelp);
  } else if (a == "--duration") {
    if (!v)
      return usage_error("--duration needs a value such as 60s", kRunHelp);
    auto q = models::parse_duration(*v);
    if (!q.value || *q.value <= 0)
      return usage_error("--duration: " + (q.value ? std::string("must be positive") : q.error), kRunHelp);
    run.duration = *q.value;
  } else if (a == "--warmup") {
    auto q = v ? models::parse_duration(*v) : models::Quantity{};
    if (!q.value || *q.value < 0)
      return usage_error("--warmup needs a duration such as 10s (0s: none)", kRunHelp);
    run.warmup = *q.value;
  } else if (a == "--out") {
    if (!v)
      return usage_error("--out needs a directory", kRunHelp);
    run.out_dir = *v;
  } else if (a == "--engine") {
    if (v && *v == "windowed")
      run.options.mode = sim::EngineMode::windowed;
    else if (v && *v == "plain")
      run.options.mode = sim::EngineMode::plain;
    else
      return usage_error("--engine must be windowed or plain", kRunHelp);
  } else if (a == "--executors") {
    if (v && *v == "world")
      run.options.grouping = sim::Grouping::world;
    else if (v && *v == "host")
      run.options.grouping = sim::Grouping::host;
    else
      return usage_error("--executors must be world or host", kRunHelp);
  } else if (a == "--max-ahead") {
    auto q = v ? models::parse_duration(*v) : models::Quantity{};
    if (!q.value)
      return usage_error("--max-ahead needs a duration such as 10ms (0s: never past the window)", kRunHelp);
    run.options.max_ahead = *q.value;
  } else if (a == "--engine-stats") {
    if (!v)
      return usage_error("--engine-stats needs a file name", kRunHelp);
    run.engine_stats = *v;
  } else if (a == "--rate") {
    char* end = nullptr;
    if (!v || v->empty() || (run.rate = std::strtod(v->c_str(), &end), *end != '\0') || !(*run.rate > 0))
      return usage_error("--rate needs a positive number of requests per second", kRunHelp);
  } else if (a == "--calibration") {
    if (!v)
      return usage_error("--calibration needs a calibration file", kRunHelp);
    run.calibration = *v;
  } else if (a == "--speed") {
    char* end = nullptr;
    if (!v || v->empty() || (run.speed = std::strtod(v->c_str(), &end), *end != '\0') || !(*run.speed > 0))
      return usage_error("--speed needs a positive number of simulated seconds per wall second", kRunHelp);
  } else if (a == "--follow") {
    const auto follow = v ? cli::parse_follow(*v) : std::nullopt;
    if (!follow)
      return usage_error("--follow needs N (the N-th request, from 1), every:K or every:K:M", kRunHelp);
    run.options.follow = *follow;
    run.follow = *v;
  }
  return std::nullopt;
}

// The command line of `run`. Returns an exit status when the command ends there (help, a usage error).
std::optional<int> parse_run_args(const std::vector<std::string>& args, RunArgs& run)
{
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (is_help(a)) {
      std::cout << kRunHelp;
      return kOk;
    } else if (is_run_value_option(a)) {
      std::optional<std::string> v;
      if (i + 1 < args.size())
        v = args[++i];
      if (auto status = read_run_value(a, v, run))
        return status;
    } else if (a == "--quiet") {
      run.quiet = true;
    } else if (a == "--stream") {
      run.stream = true;
    } else if (a.rfind("--cfg=", 0) == 0 || a.rfind("--log=", 0) == 0) {
      run.options.simgrid_args.push_back(a);
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("unknown option " + a, kRunHelp);
    } else if (run.file) {
      return usage_error("run takes one FILE, got " + *run.file + " and " + a, kRunHelp);
    } else {
      run.file = a;
    }
  }
  if (!run.file)
    return usage_error("run needs a FILE", kRunHelp);
  return std::nullopt;
}

// The command line's changes to the topology (calibration, --rate, --seed, --warmup, --duration), checked.
// Prints what is wrong and returns false when the run cannot go on.
bool apply_run_args(const RunArgs& run, models::TopologySpec& spec)
{
  if (run.calibration) {
    const auto cal = models::load_calibration_file(*run.calibration);
    auto errors = cal.errors;
    if (cal.calibration)
      errors = models::apply_calibration(*cal.calibration, spec);
    print_diagnostics(errors, {});
    if (!errors.empty())
      return false;
  }
  if (run.rate) {
    auto* open = std::get_if<models::OpenArrival>(&spec.workload.arrival);
    if (!open || open->shape || open->process == models::OpenArrival::Process::trace) {
      std::cerr << "scalelab: --rate needs an open workload at a constant or Poisson rate without a shape\n";
      return false;
    }
    open->rate = *run.rate;
  }
  if (run.seed)
    spec.seed = *run.seed;
  if (run.warmup)
    spec.warmup = models::from_seconds(*run.warmup);
  if (run.duration)
    spec.duration = models::from_seconds(*run.duration);
  if ((run.duration || run.warmup) && spec.warmup >= spec.duration) {
    std::cerr << "scalelab: the duration (" << models::format_duration(models::to_seconds(spec.duration))
              << ") is not longer than the warm-up (" << models::format_duration(models::to_seconds(spec.warmup))
              << ")\n";
    return false;
  }
  if (run.duration && models::limits::timeseries_rows(spec.duration, spec.report_interval, spec.services.size()) >
                          models::limits::kTimeseriesRows) {
    std::cerr << "scalelab: --duration " << models::format_duration(*run.duration) << " would make more than "
              << models::limits::kTimeseriesRows
              << " rows of timeseries.csv (duration / report_interval for the users and each service); make "
                 "report_interval longer in the file\n";
    return false;
  }
  return true;
}

// The engine's statistics of a run, as JSON (--engine-stats).
void write_engine_stats(const fs::path& file, const sim::RunOutput& output, const sim::RunOptions& options, double wall)
{
  const double requests = static_cast<double>(output.results.checks.sent);
  const auto per_second = [requests](double seconds) { return seconds > 0 ? requests / seconds : 0; };
  const auto& e = output.engine;
  nlohmann::ordered_json j{{"engine", options.mode == sim::EngineMode::plain ? "plain" : "windowed"},
                           {"wall_seconds", wall},
                           {"simulated_seconds", output.results.duration},
                           {"requests", output.results.checks.sent},
                           {"requests_per_wall_second", per_second(wall)},
                           {"loop_wall_seconds", e.loop_wall_seconds},
                           {"requests_per_loop_second", per_second(e.loop_wall_seconds)},
                           {"loop_cpu_seconds", e.loop_cpu_seconds},
                           {"requests_per_loop_cpu_second", per_second(e.loop_cpu_seconds)},
                           {"peak_requests_in_flight", e.peak_requests_in_flight},
                           {"actors", e.actors},
                           {"wakeups", e.wakeups},
                           {"events", e.events},
                           {"servers_computing_departures_at_arrival", e.servers_at_arrival},
                           {"balancers_taking_completions_apart", e.completions_apart},
                           {"components_taking_replies_when_sent", e.passive_replies},
                           {"lookahead_seconds", e.lookahead},
                           {"peak_memory_mb", peak_memory_mb()}};
  write_file_atomically(file, j.dump(2) + "\n");
}

// What the run does as each report interval ends: print its line (--stream), then wait until the wall clock
// has caught up with the simulated one at the chosen speed (--speed).
std::function<void(const sim::IntervalReport&)> watch_run(const RunArgs& run, const models::TopologySpec& spec,
                                                          std::chrono::steady_clock::time_point wall_start)
{
  const double interval = models::to_seconds(spec.report_interval), end = models::to_seconds(spec.duration);
  return [stream = run.stream, speed = run.speed, interval, end, wall_start](const sim::IntervalReport& report) {
    if (report.rows.empty())
      return;
    if (stream) {
      std::cout << cli::stream_line(report, interval, end) << std::endl; // flushed: a watcher reads it now
    }
    if (speed) {
      const double simulated = std::min(report.rows.front().time + interval, end);
      std::this_thread::sleep_until(wall_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                     std::chrono::duration<double>(simulated / *speed)));
    }
  };
}

// What a run prints: the summary table and the engine's figures (the stream has been printed as it came).
void print_run(const RunArgs& run, const sim::RunOutput& output, double wall)
{
  if (run.quiet || run.stream)
    return;
  const double requests = static_cast<double>(output.results.checks.sent);
  std::cout << models::summary_table(output.results);
  const auto& e = output.engine;
  std::printf("engine: %s, lookahead %.0f us, %llu actors, %llu wake-ups, %llu events, %llu servers computing "
              "departures at arrival; %.2f s wall, %.0f simulated requests per wall second, peak memory %.0f MB\n",
              run.options.mode == sim::EngineMode::plain ? "plain" : "windowed", e.lookahead * 1e6,
              static_cast<unsigned long long>(e.actors), static_cast<unsigned long long>(e.wakeups),
              static_cast<unsigned long long>(e.events), static_cast<unsigned long long>(e.servers_at_arrival), wall,
              wall > 0 ? requests / wall : 0, peak_memory_mb());
  std::printf("wrote %s and %s\n", (run.out_dir / "results.json").string().c_str(),
              (run.out_dir / "timeseries.csv").string().c_str());
  if (run.follow) {
    std::cout << cli::follow_summary(output.followed, 3);
    std::printf("wrote %s (%zu requests followed)\n", (run.out_dir / "follow.json").string().c_str(),
                output.followed.size());
  }
}

int cmd_run(const std::vector<std::string>& args)
{
  RunArgs run;
  if (auto status = parse_run_args(args, run))
    return *status;

  auto loaded = models::load_topology_file(*run.file);
  print_diagnostics(loaded.errors, loaded.warnings);
  if (!loaded.spec)
    return kBadInput;
  models::TopologySpec spec = std::move(*loaded.spec);
  if (!apply_run_args(run, spec))
    return kBadInput;
  std::error_code ec;
  fs::create_directories(run.out_dir, ec);
  if (ec || !fs::is_directory(run.out_dir)) {
    std::cerr << "scalelab: cannot create output directory " << run.out_dir.string() << '\n';
    return kBadInput;
  }

  const auto wall_start = std::chrono::steady_clock::now();
  if (run.stream || run.speed)
    run.options.on_interval = watch_run(run, spec, wall_start);
  sim::RunOutput output = sim::run_simulation(spec, run.options);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  write_file_atomically(run.out_dir / "results.json", models::to_json(output.results).dump(2) + "\n");
  if (run.engine_stats)
    write_engine_stats(*run.engine_stats, output, run.options, wall);
  if (run.follow)
    write_file_atomically(run.out_dir / "follow.json", cli::follow_json(*run.follow, output.followed).dump(2) + "\n");
  write_file_atomically(run.out_dir / "timeseries.csv",
                        models::timeseries_csv(output.timeseries, output.has_cache, output.has_queue));
  print_run(run, output, wall);
  if (!output.results.checks.conserved) {
    // Requests were created or lost by the engine itself: the results cannot be trusted.
    std::cerr << "scalelab: error: request conservation violated (see checks in results.json)\n";
    return kRunError;
  }
  return kOk;
}

} // namespace

int main(int argc, char** argv)
{
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kMainHelp;
    return kBadInput;
  }
  if (is_help(args[0])) {
    std::cout << kMainHelp;
    return kOk;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  sim::register_platform_reader();
  try {
    if (command == "run")
      return cmd_run(args);
    if (command == "check")
      return cmd_check(args);
    if (command == "graph")
      return cmd_graph(args);
    if (command == "sweep")
      return cmd_sweep(args);
    if (command == "grade")
      return cmd_grade(args);
    if (command == "real")
      return cmd_real(args);
    if (command == "schema") {
      if (args.size() == 1 && is_help(args[0])) {
        std::cout << "usage: scalelab schema [experiment|lesson]\n\nPrints the reference of topology files (Markdown), "
                     "or of experiment or lesson files, generated from the schema the loader checks with.\n";
        return kOk;
      }
      if (args.size() == 1 && args[0] == "experiment") {
        std::cout << models::experiment_reference_markdown();
        return kOk;
      }
      if (args.size() == 1 && args[0] == "lesson") {
        std::cout << models::lesson_reference_markdown();
        return kOk;
      }
      if (!args.empty())
        return usage_error("schema takes no arguments but experiment or lesson", kMainHelp);
      std::cout << models::schema_reference_markdown();
      return kOk;
    }
  } catch (const std::exception& e) {
    std::cerr << "scalelab: error: " << e.what() << '\n';
    return kRunError;
  }
  return usage_error("unknown command \"" + command + "\"", kMainHelp);
}
