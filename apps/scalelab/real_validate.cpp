// scalelab real validate: the calibrated simulation against the live stack at several fractions of the
// saturation, and a table of the errors (docs/validation.md).
#include "real_live.hpp"

#include "common.hpp"
#include "sweep_outputs.hpp"
#include "validate_report.hpp"

#include "scalelab/models/calibration.hpp"
#include "scalelab/real/postgres.hpp"
#include "scalelab/real/process.hpp"
#include "scalelab/real/replay_lag.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace scalelab::app
{

int cmd_real_calibrate(const std::vector<std::string>& args);

namespace
{

const char* const kValidateHelp = R"(usage: scalelab real validate FILE [options]

Calibrates FILE on its live stack (or reads --calibration), finds the saturation of the calibrated simulation
(the highest rate it completes), then at 20, 40, 60, 80 and 90 % of it simulates FILE and runs it live, and
prints and writes (DIR/validation.json, DIR/validation.md) the error of the simulation in throughput, p50, p95,
p99 and mean latency, and in the replicas' replication lag when the file has replicas (live: a write every
100 ms timed from its commit to its visibility on each replica); the errors by level are plotted in DIR/validation-error.png (gnuplot).

options:
  --calibration CAL  a calibration file (default: measured first, written to DIR/calibration.yaml)
  --levels L,...     fractions of the saturation in percent (default: 20,40,60,80,90)
  --repetitions N    live runs per level (default 1; the simulation is deterministic)
  --duration S       seconds of each run (default: the file's)
  --run-dir RUN      the stack's run directory (default: scalelab-real in the current directory)
  --out DIR          where to write (default: the current directory)
  --realtime P       as real run and real calibrate
)";

// The calibrated simulation at `rate`; nothing when it failed.
std::optional<ValidationFigures> simulate(const fs::path& self, const std::string& topology,
                                          const fs::path& calibration, double rate,
                                          const std::optional<double>& duration, const fs::path& out)
{
  real::SpawnOptions o;
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", rate);
  o.argv = {self.string(), "run", topology, "--calibration", calibration.string(),
            "--rate",      text,  "--out",  out.string(),    "--quiet"};
  if (duration) {
    std::snprintf(text, sizeof text, "%.6gs", *duration);
    o.argv.push_back("--duration");
    o.argv.push_back(text);
  }
  const auto r = real::run_command(o, 600s);
  if (r.status != 0) {
    std::cerr << "scalelab: the simulation at " << rate << "/s failed:\n" << r.output;
    return std::nullopt;
  }
  return validation_figures(nlohmann::ordered_json::parse(read_file(out / "results.json")));
}

// The saturation of the calibrated simulation: the highest rate whose throughput keeps within 3 % of the offered
// rate without errors, found by doubling from `start`, then 8 bisections.
std::optional<double> saturation(const fs::path& self, const std::string& topology, const fs::path& calibration,
                                 double start, const std::optional<double>& duration, const fs::path& scratch)
{
  auto ok = [&](double rate) -> std::optional<bool> {
    const auto f = simulate(self, topology, calibration, rate, duration, scratch);
    if (!f)
      return std::nullopt;
    return f->throughput >= 0.97 * rate && f->errors == 0 && f->mean < 1.0;
  };
  double low = 0, high = start;
  for (int i = 0; i < 30; ++i) {
    const auto good = ok(high);
    if (!good)
      return std::nullopt;
    if (!*good)
      break;
    low = high;
    high *= 2;
  }
  for (int i = 0; i < 8; ++i) {
    const double mid = (low + high) / 2;
    const auto good = ok(mid);
    if (!good)
      return std::nullopt;
    (*good ? low : high) = mid;
  }
  return low > 0 ? std::optional<double>(low) : std::nullopt;
}

// What `real validate` was asked: its own options, then those of real run.
struct ValidateArgs {
  std::optional<fs::path> calibration;
  std::vector<double> levels = {20, 40, 60, 80, 90};
  int repetitions = 1;
  LiveRunOptions o;
  fs::path out = ".";
};

// The command line of validate. Returns an exit status when the command ends there (help, a usage error).
std::optional<int> parse_validate_args(const std::vector<std::string>& args, ValidateArgs& v)
{
  for (const auto& a : args)
    if (is_help(a)) {
      std::cout << kValidateHelp;
      return kOk;
    }
  // The options of validate alone first; the rest are those of real run.
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--calibration" && has_value) {
      v.calibration = args[++i];
    } else if (args[i] == "--levels" && has_value) {
      v.levels.clear();
      std::stringstream list(args[++i]);
      std::string item;
      while (std::getline(list, item, ',')) {
        char* end = nullptr;
        const double level = std::strtod(item.c_str(), &end);
        if (item.empty() || *end != '\0' || !(level > 0 && level < 100))
          return usage_error("--levels takes percentages between 0 and 100, e.g. 20,40,60", kValidateHelp);
        v.levels.push_back(level);
      }
    } else if (args[i] == "--repetitions" && has_value) {
      v.repetitions = std::atoi(args[++i].c_str());
      if (v.repetitions < 1 || v.repetitions > 100)
        return usage_error("--repetitions takes 1 to 100", kValidateHelp);
    } else {
      rest.push_back(args[i]);
    }
  }
  if (const auto error = read_live_command(rest, "real validate", v.o, v.out); !error.empty())
    return usage_error(error, kValidateHelp);
  v.o.topology = fs::absolute(v.o.topology).string();
  return std::nullopt;
}

// Without --calibration: calibrates on the live stack first, into DIR/calibration.yaml. Returns real
// calibrate's exit status.
int calibrate_first(ValidateArgs& v)
{
  if (v.calibration)
    return kOk;
  v.calibration = v.out / "calibration.yaml";
  std::vector<std::string> cal_args = {v.o.topology,
                                       "--run-dir",
                                       v.o.run_dir.string(),
                                       "--out",
                                       v.calibration->string(),
                                       "--programs",
                                       v.o.programs_dir.string(),
                                       "--quiet"};
  if (v.o.realtime > 0) {
    cal_args.push_back("--realtime");
    cal_args.push_back(std::to_string(v.o.realtime));
  }
  return cmd_real_calibrate(cal_args);
}

// The replicas' lag during the measured window of a live run, every 100 ms, into its results' real.replication_lag:
// a probe's write committed on each replica's primary and timed to its visibility on the replica, plus the
// network's one-way latency (the acknowledgement reaches the probe that much after the commit): the model's lag,
// from the commit to the apply. PostgreSQL's own replay_lag is kept beside it, for the record.
class LagDuringRun
{
public:
  // window: the measured seconds from the load generator's start; latency: the calibrated one-way latency.
  LagDuringRun(const LiveStack& stack, std::pair<double, double> window, double latency)
      : stack_(real::parse_stack(stack.stack_json().dump(), "stack.json")), sampler_(stack_), window_(window),
        latency_(latency)
  {
    for (const auto& service : stack_.services)
      for (const auto& replica : service.instances)
        for (const auto& primary : service.instances)
          if (replica.role == "replica" && primary.name == replica.primary)
            probes_.push_back(std::make_unique<real::VisibilityProbe>(primary, replica));
  }
  std::function<void(double)> during()
  {
    if (sampler_.empty())
      return {};
    return [this](double elapsed) {
      if (elapsed < window_.first || elapsed >= window_.second || elapsed < next_)
        return;
      next_ = elapsed + 0.1;
      sampler_.sample();
      for (auto& probe : probes_)
        if (const auto seen = probe->once())
          visible_.push_back(std::max(0.0, probe->visible_after(*seen)) + latency_);
        else if (error_.empty())
          error_ = probe->error();
    };
  }
  void add_to(nlohmann::ordered_json& results) const
  {
    if (sampler_.empty())
      return;
    const auto lag = real::summarise_lags(visible_);
    const auto s = sampler_.summary();
    results["real"]["replication_lag"] = {
        {"measure", "a write every 100 ms to each replica's primary, timed from its commit to its visibility on the "
                    "replica"},
        {"mean", lag.mean},
        {"p99", lag.p99},
        {"max", lag.max},
        {"samples", lag.samples},
        {"replay_lag",
         {{"measure", "pg_stat_replication.replay_lag on the primary, every 100 ms"},
          {"mean", s.mean},
          {"max", s.max},
          {"samples", s.samples}}}};
    const std::string error = !error_.empty() ? error_ : sampler_.error();
    if (!error.empty())
      results["real"]["replication_lag"]["error"] = error;
  }

private:
  real::Stack stack_;
  real::ReplayLagSampler sampler_;
  std::vector<std::unique_ptr<real::VisibilityProbe>> probes_; // PgSessions do not move
  std::vector<double> visible_;
  std::string error_;
  std::pair<double, double> window_;
  double latency_;
  double next_ = 0;
};

// Each level simulated, then run live `repetitions` times, into rows (the live results into DIR). Returns false
// when a simulation or a live run failed; stops early when interrupted.
bool run_levels(const ValidateArgs& v, const models::TopologySpec& spec, const LiveStack& stack,
                const LiveSignals& signals, double saturated, nlohmann::ordered_json& rows)
{
  for (const double level : v.levels) {
    const double rate = saturated * level / 100;
    const auto sim = simulate(v.o.self, v.o.topology, *v.calibration, rate, v.o.duration,
                              v.out / ("sim-" + std::to_string(static_cast<int>(level))));
    const auto calibration = models::load_calibration_file(v.calibration->string());
    const double latency = calibration.calibration ? calibration.calibration->latency.value_or(0) : 0;
    if (!sim)
      return false;
    for (int rep = 0; rep < v.repetitions && !signals.interrupted(); ++rep) {
      LiveRunOptions live = v.o;
      live.rate = rate;
      live.quiet = true;
      const std::pair<double, double> measured{v.o.warmup.value_or(models::to_seconds(spec.warmup)),
                                               v.o.duration.value_or(models::to_seconds(spec.duration))};
      LagDuringRun lag(stack, measured, latency);
      auto j = run_loadgen(stack, spec, live, stack.run_dir() / "validate-load.json", lag.during());
      if (!j)
        return false;
      lag.add_to(*j);
      const ValidationFigures l = validation_figures(*j);
      write_file_atomically(
          v.out / ("live-" + std::to_string(static_cast<int>(level)) + "-" + std::to_string(rep) + ".json"),
          j->dump(2) + "\n");
      rows.push_back(validation_row(level, rate, rep, *sim, l, *j));
    }
    if (signals.interrupted())
      break;
  }
  return true;
}

// The plot of the errors by level, DIR/validation-error.png (from validation-error.dat and .gp, kept beside it).
// Returns its path, or nothing with why not on stderr (gnuplot missing or failing does not fail the command).
std::optional<fs::path> plot_validation(const fs::path& out, const nlohmann::ordered_json& rows)
{
  bool with_lag = false;
  for (const auto& r : rows)
    with_lag = with_lag || r["error"].contains("lag");
  write_file_atomically(out / "validation-error.dat", validation_plot_dat(rows));
  write_file_atomically(out / "validation-error.gp",
                        validation_plot_script("validation-error.dat", "validation-error.png", with_lag));
  if (const auto problem = run_gnuplot(out, "validation-error.gp"); !problem.empty()) {
    std::cerr << "scalelab: no plot: " << problem << '\n';
    return std::nullopt;
  }
  return out / "validation-error.png";
}

// DIR/validation.json, DIR/validation.md and the plot, and the table printed unless --quiet.
void report_validation(const ValidateArgs& v, double saturated, const nlohmann::ordered_json& rows)
{
  const std::string table = validation_table(rows);
  const auto plot = plot_validation(v.out, rows);
  nlohmann::ordered_json result{{"topology", v.o.topology},
                                {"calibration", fs::absolute(*v.calibration).string()},
                                {"saturation", saturated},
                                {"plot", plot ? fs::absolute(*plot).string() : ""},
                                {"rows", rows}};
  write_file_atomically(v.out / "validation.json", result.dump(2) + "\n");
  write_file_atomically(v.out / "validation.md",
                        "Saturation of the calibrated simulation: " + std::to_string(saturated) +
                            "/s. Error: simulated / live - 1." +
                            (table.find("lag ms") != std::string::npos
                                 ? " Lag: the replicas' mean replication lag, from a write's commit to its apply "
                                   "(live: a write every 100 ms timed to its visibility on each replica)."
                                 : "") +
                            "\n\n" + table + (plot ? "\n![error by load level](validation-error.png)\n" : ""));
  if (!v.o.quiet)
    std::cout << table << "wrote " << (v.out / "validation.json").string() << ", " << (v.out / "validation.md").string()
              << (plot ? " and " + plot->string() : std::string()) << '\n';
}

} // namespace

int cmd_real_validate(const std::vector<std::string>& args)
{
  ValidateArgs v;
  if (auto status = parse_validate_args(args, v))
    return *status;
  const auto spec = load_for_live(v.o);
  if (!spec)
    return kBadInput;
  if (!std::holds_alternative<models::OpenArrival>(spec->workload.arrival)) {
    std::cerr << "scalelab: " << v.o.topology
              << ": real validate sends open workloads at fractions of the saturation, and this one is closed "
                 "(compare it with real run and run)\n";
    return kBadInput;
  }
  std::error_code ec;
  fs::create_directories(v.out, ec);
  if (const int status = calibrate_first(v); status != kOk)
    return status;
  const double file_rate = std::get<models::OpenArrival>(spec->workload.arrival).rate;
  const auto saturated = saturation(v.o.self, v.o.topology, *v.calibration, std::max(1.0, file_rate / 4), v.o.duration,
                                    v.out / "sim-saturation");
  if (!saturated)
    return kRunError;
  if (!v.o.quiet)
    std::cout << "saturation of the calibrated simulation: " << *saturated << "/s\n";

  LiveSignals signals;
  LiveStack stack;
  if (const int status = stack.up(v.o); status != kOk)
    return status;
  if (v.o.realtime > 0)
    stack.set_realtime(v.o.realtime);
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  const bool failed = !run_levels(v, *spec, stack, signals, *saturated, rows);
  stack.down();
  if (signals.interrupted()) {
    std::cerr << "scalelab: interrupted; the stack was stopped\n";
    return kInterrupted;
  }
  report_validation(v, *saturated, rows);
  return failed ? kRunError : kOk;
}

} // namespace scalelab::app
