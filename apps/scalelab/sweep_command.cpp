// scalelab sweep EXPERIMENT and its subcommands plan, run, emit and collect.
//
// The output directory holds everything a sweep knows: plan.tsv (the runs, one per line), points/NAME/
// topology.yaml (each point's topology, written once; a later plan that would write another refuses to mix
// the two), points/NAME/rep-R/ (a finished run: results.json, timeseries.csv) and what collect writes. What is
// done is read from the result files alone, so the same command resumes after Ctrl-C, and a cluster's tasks
// and this machine can share the work.
#include "sweep_command.hpp"

#include "common.hpp"
#include "run_pool.hpp"
#include "sweep_outputs.hpp"

#include "scalelab/models/experiment.hpp"
#include "scalelab/models/sweep.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>
#include <unistd.h>
#include <variant>

namespace fs = std::filesystem;

namespace scalelab::app
{
namespace
{

const char* const kSweepHelp = R"(usage: scalelab sweep EXPERIMENT [--jobs N] [--out DIR] [--quiet]
       scalelab sweep plan EXPERIMENT [--out DIR]
       scalelab sweep run EXPERIMENT --index I --chunk K [--out DIR] [--jobs N]
       scalelab sweep emit slurm|parallel|kubernetes EXPERIMENT [--out DIR] [--chunk K]
                                                     [--binary PATH] [--image IMAGE]
       scalelab sweep collect EXPERIMENT [--out DIR]

Runs the experiment file EXPERIMENT (see docs/experiments.md): every point of its sweep, each
repetition in its own process (`scalelab run` of this program), up to N at once; then writes
DIR/runs.csv (a row per run and metric), DIR/summary.csv (mean, sd, n and a 95 % confidence
interval per point and metric), DIR/plots/*.png and *.svg and DIR/report.md and report.html.
Every point's topology is checked before the first run. A run is done when DIR/points/POINT/
rep-R/results.json exists: after Ctrl-C, the same command runs only what is missing. A run that
fails is reported with its cause; the others go on (exit status 1 at the end).

  plan      check the experiment, write each point's topology and DIR/plan.tsv (the runs)
  run       run the runs I*K to I*K+K-1 of the plan, one after another (a cluster task)
  emit      plan, then write a job for a cluster: slurm (DIR/slurm/sweep.sbatch, a job array
            of at most 1000 tasks), parallel (DIR/parallel/sweep.sh, GNU parallel over ssh) or
            kubernetes (DIR/kubernetes/sweep-job.yaml, an Indexed Job)
  collect   write the CSVs, plots and report from the runs that have finished

options:
  --out DIR      the output directory (default: out/NAME, NAME the experiment's name)
  --jobs N       runs at once (default: this machine's cores for a sweep, 1 for sweep run)
  --index I      sweep run: which chunk of the plan, from 0
  --chunk K      runs per chunk (emit: default the fewest that keeps 1000 tasks or fewer)
  --binary PATH  emit slurm|parallel: scalelab's path on the cluster (default: this program)
  --image IMAGE  emit kubernetes: a container image with scalelab (default: scalelab:latest)
  --quiet        no progress bar and no summary, only errors
  -h, --help     this help
)";

struct Options {
  std::string subcommand; // empty: the whole sweep
  std::string target;     // emit: slurm, parallel or kubernetes
  std::optional<std::string> experiment;
  std::optional<fs::path> out;
  std::optional<unsigned> jobs;
  std::optional<std::size_t> index, chunk;
  std::optional<std::string> binary, image;
  bool quiet = false;
};

template <class N> std::optional<N> parse_number(const std::string& text, N minimum)
{
  N value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < minimum)
    return std::nullopt;
  return value;
}

// The options, or the exit status of a usage error (already printed).
std::variant<Options, int> parse(const std::vector<std::string>& args)
{
  Options o;
  std::size_t i = 0;
  if (!args.empty() && (args[0] == "plan" || args[0] == "run" || args[0] == "emit" || args[0] == "collect")) {
    o.subcommand = args[0];
    i = 1;
    if (o.subcommand == "emit") {
      if (i >= args.size() || (args[i] != "slurm" && args[i] != "parallel" && args[i] != "kubernetes"))
        return usage_error("sweep emit needs a target: slurm, parallel or kubernetes", kSweepHelp);
      o.target = args[i++];
    }
  }
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size())
        return std::nullopt;
      return args[++i];
    };
    if (is_help(a)) {
      std::cout << kSweepHelp;
      return kOk;
    }
    if (a == "--out") {
      const auto v = value();
      if (!v)
        return usage_error("--out needs a directory", kSweepHelp);
      o.out = *v;
    } else if (a == "--jobs") {
      const auto v = value();
      const auto n = v ? parse_number<unsigned>(*v, 1) : std::nullopt;
      if (!n)
        return usage_error("--jobs needs a number of at least 1", kSweepHelp);
      o.jobs = *n;
    } else if (a == "--index") {
      const auto v = value();
      const auto n = v ? parse_number<std::size_t>(*v, 0) : std::nullopt;
      if (!n)
        return usage_error("--index needs a number from 0", kSweepHelp);
      o.index = *n;
    } else if (a == "--chunk") {
      const auto v = value();
      const auto n = v ? parse_number<std::size_t>(*v, 1) : std::nullopt;
      if (!n)
        return usage_error("--chunk needs a number of at least 1", kSweepHelp);
      o.chunk = *n;
    } else if (a == "--binary") {
      const auto v = value();
      if (!v)
        return usage_error("--binary needs a path", kSweepHelp);
      o.binary = *v;
    } else if (a == "--image") {
      const auto v = value();
      if (!v)
        return usage_error("--image needs an image name", kSweepHelp);
      o.image = *v;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("unknown option " + a, kSweepHelp);
    } else if (o.experiment) {
      return usage_error("sweep takes one EXPERIMENT file, got " + *o.experiment + " and " + a, kSweepHelp);
    } else {
      o.experiment = a;
    }
  }
  if (!o.experiment)
    return usage_error("sweep needs an EXPERIMENT file", kSweepHelp);
  if (o.subcommand == "run" && (!o.index || !o.chunk))
    return usage_error("sweep run needs --index I and --chunk K", kSweepHelp);
  if ((o.index && o.subcommand != "run") || (o.chunk && o.subcommand != "run" && o.subcommand != "emit"))
    return usage_error("--index is for sweep run, --chunk for sweep run and sweep emit", kSweepHelp);
  if ((o.binary && o.target != "slurm" && o.target != "parallel") || (o.image && o.target != "kubernetes"))
    return usage_error("--binary is for emit slurm and emit parallel, --image for emit kubernetes", kSweepHelp);
  return o;
}

fs::path out_dir(const Options& o, const models::ExperimentSpec& spec)
{
  return o.out ? *o.out : fs::path("out") / spec.name;
}

std::string hex(std::uint64_t value)
{
  char buffer[20];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

// What the plan was made from: when the experiment or its topology changes, the plan must be made again.
std::string fingerprint(const std::string& experiment_text, const std::string& topology_text)
{
  return hex(models::fnv1a64(experiment_text + std::string("\n\0", 2) + topology_text));
}

std::string shell_quote(const std::string& text)
{
  std::string out = "'";
  for (char c : text)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string command_line(const std::string& experiment, const Options& o)
{
  std::string s = "scalelab sweep " + experiment;
  if (o.out)
    s += " --out " + o.out->string();
  return s;
}

// --- plan ----------------------------------------------------------------------------------------------

std::optional<models::ExperimentSpec> load(const std::string& file, const models::ExperimentLimits& limits = {})
{
  std::string error;
  const auto text = models::read_text_file(file, error);
  if (!text) {
    std::cerr << file << ": cannot open the file: " << error << '\n';
    return std::nullopt;
  }
  models::ExperimentLoad loaded = models::load_experiment_text(*text, file, models::read_text_file, limits);
  print_diagnostics(loaded.errors, loaded.warnings);
  return std::move(loaded.spec);
}

// Writes every point's topology (or finds it already there, the same) and the plan. False, with the reason
// printed, when a point's directory holds another topology.
bool write_plan(const models::ExperimentSpec& spec, const fs::path& out)
{
  fs::create_directories(out / "points");
  const models::TopologyWriter writer(spec);
  std::vector<std::string> clashes;
  for (const models::Point& point : spec.points) {
    const fs::path dir = point_dir(out, point);
    const fs::path file = dir / "topology.yaml";
    const std::string text = writer.text(point);
    std::error_code ec;
    if (fs::exists(file, ec)) {
      if (read_file(file) != text)
        clashes.push_back(file.string());
      continue;
    }
    fs::create_directories(dir);
    write_file_atomically(file, text);
  }
  if (!clashes.empty()) {
    std::cerr << "scalelab: " << clashes.size() << (clashes.size() == 1 ? " point" : " points") << " of "
              << out.string() << " were run with another topology (first: " << clashes.front()
              << "): the experiment or its topology changed. Use another --out, or remove " << (out / "points").string()
              << " to start again\n";
    return false;
  }
  const auto runs = models::plan_runs(spec);
  std::string plan = "# scalelab sweep plan: one run per line\n";
  plan += "# experiment: " + spec.file + "\n";
  plan += "# topology: " + spec.topology_file + "\n";
  plan += "# fingerprint: " + fingerprint(read_file(spec.file), spec.topology_text) + "\n";
  plan += "# runs: " + std::to_string(runs.size()) + "\n";
  plan += "index\tpoint\trepetition\tseed\n";
  for (std::size_t i = 0; i < runs.size(); ++i)
    plan += std::to_string(i) + "\t" + spec.points[runs[i].point].name + "\t" + std::to_string(runs[i].repetition) +
            "\t" + std::to_string(runs[i].seed) + "\n";
  write_file_atomically(out / "plan.tsv", plan);
  return true;
}

struct PlannedRun {
  std::string point;
  int repetition = 1;
  std::uint64_t seed = 0;
};

struct Plan {
  std::string experiment, topology, fingerprint;
  std::vector<PlannedRun> runs;
};

std::optional<Plan> read_plan(const fs::path& file, std::string& error)
{
  std::ifstream in(file);
  if (!in) {
    error = "cannot read " + file.string() + ": run scalelab sweep plan first";
    return std::nullopt;
  }
  Plan plan;
  std::string line;
  const auto header = [&line](const char* key, std::string& into) {
    const std::string prefix = std::string("# ") + key + ": ";
    if (line.rfind(prefix, 0) == 0)
      into = line.substr(prefix.size());
  };
  while (std::getline(in, line)) {
    if (line.empty())
      continue;
    if (line[0] == '#') {
      header("experiment", plan.experiment);
      header("topology", plan.topology);
      header("fingerprint", plan.fingerprint);
      continue;
    }
    if (line.rfind("index\t", 0) == 0)
      continue;
    std::istringstream fields(line);
    std::size_t index = 0;
    PlannedRun run;
    if (!(fields >> index) || index != plan.runs.size() || !(fields >> run.point >> run.repetition >> run.seed)) {
      error = file.string() + ": line " + std::to_string(plan.runs.size() + 1) + " of the runs does not read";
      return std::nullopt;
    }
    plan.runs.push_back(run);
  }
  return plan;
}

std::vector<RunTask> tasks_for(const std::vector<PlannedRun>& runs, const fs::path& out, std::size_t& already_done)
{
  std::vector<RunTask> tasks;
  already_done = 0;
  for (const PlannedRun& r : runs) {
    const fs::path point = out / "points" / r.point;
    const fs::path final_dir = point / ("rep-" + std::to_string(r.repetition));
    if (run_is_done(final_dir)) {
      ++already_done;
      continue;
    }
    tasks.push_back(
        RunTask{r.point + " repetition " + std::to_string(r.repetition), point / "topology.yaml", final_dir, r.seed});
  }
  return tasks;
}

std::vector<PlannedRun> planned(const models::ExperimentSpec& spec)
{
  std::vector<PlannedRun> out;
  for (const auto& run : models::plan_runs(spec))
    out.push_back(PlannedRun{spec.points[run.point].name, run.repetition, run.seed});
  return out;
}

// --- commands ------------------------------------------------------------------------------------------

int print_collect(const CollectSummary& c, const fs::path& out, bool quiet)
{
  for (const auto& note : c.notes)
    std::cerr << "scalelab: " << note << '\n';
  if (!quiet)
    std::cout << "collected " << c.runs << " of " << c.expected << " runs"
              << (c.failed ? " (" + std::to_string(c.failed) + " failed)" : std::string()) << "; wrote "
              << (out / "summary.csv").string() << ", runs.csv, " << c.plots << (c.plots == 1 ? " plot" : " plots")
              << ", report.md and report.html\n";
  return kOk;
}

int sweep_all(const Options& o)
{
  const auto spec = load(*o.experiment);
  if (!spec)
    return kBadInput;
  ExperimentRunOptions options;
  options.jobs = o.jobs.value_or(std::max(1u, std::thread::hardware_concurrency()));
  options.quiet = o.quiet;
  options.command = command_line(*o.experiment, o);
  return run_experiment(*spec, out_dir(o, *spec), options).status;
}

int sweep_plan(const Options& o)
{
  const auto spec = load(*o.experiment);
  if (!spec)
    return kBadInput;
  const fs::path out = out_dir(o, *spec);
  if (!write_plan(*spec, out))
    return kBadInput;
  std::size_t done = 0;
  const auto runs = planned(*spec);
  tasks_for(runs, out, done);
  std::cout << *o.experiment << ": ok; " << spec->points.size() << (spec->points.size() == 1 ? " point" : " points")
            << " x " << spec->repetitions << (spec->repetitions == 1 ? " repetition" : " repetitions") << " = "
            << runs.size() << " runs (" << done << " done); wrote " << (out / "plan.tsv").string() << '\n';
  return kOk;
}

int sweep_run(const Options& o)
{
  // The plan says what to run; the experiment is read only to find the output directory and to see that
  // the plan was made from it as it is now.
  models::ExperimentLimits limits;
  limits.load_every_point = false;
  std::string out_text;
  fs::path out;
  if (o.out) {
    out = *o.out;
  } else {
    const auto spec = load(*o.experiment, limits);
    if (!spec)
      return kBadInput;
    out = out_dir(o, *spec);
  }
  std::string error;
  const auto plan = read_plan(out / "plan.tsv", error);
  if (!plan) {
    std::cerr << "scalelab: " << error << '\n';
    return kBadInput;
  }
  try {
    if (fingerprint(read_file(*o.experiment), read_file(plan->topology)) != plan->fingerprint) {
      std::cerr << "scalelab: " << *o.experiment << " or its topology changed since " << (out / "plan.tsv").string()
                << " was written; run scalelab sweep plan (or emit) again\n";
      return kBadInput;
    }
  } catch (const std::exception& e) {
    std::cerr << "scalelab: " << e.what() << '\n';
    return kBadInput;
  }
  const std::size_t first = *o.index * *o.chunk;
  const std::size_t last = std::min(plan->runs.size(), first + *o.chunk);
  if (first >= plan->runs.size()) {
    std::cout << "chunk " << *o.index << " is past the " << plan->runs.size() << " runs of the plan: nothing to do\n";
    return kOk;
  }
  remove_stale_partials(out / "points");
  const std::vector<PlannedRun> slice(plan->runs.begin() + static_cast<long>(first),
                                      plan->runs.begin() + static_cast<long>(last));
  PoolOptions options;
  options.program = self_executable();
  options.jobs = o.jobs.value_or(1);
  const auto tasks = tasks_for(slice, out, options.already_done);
  const PoolReport report = tasks.empty() ? PoolReport{} : run_pool(tasks, options);
  if (report.interrupted) {
    std::cerr << "scalelab: interrupted\n";
    return kInterrupted;
  }
  if (!o.quiet)
    std::cout << "runs " << first << " to " << last - 1 << ": " << options.already_done << " done before, "
              << report.done << " done now, " << report.failures.size() << " failed\n";
  return report.failures.empty() ? kOk : kRunError;
}

int sweep_collect(const Options& o)
{
  const auto spec = load(*o.experiment);
  if (!spec)
    return kBadInput;
  const fs::path out = out_dir(o, *spec);
  if (!fs::is_directory(out / "points")) {
    std::cerr << "scalelab: " << (out / "points").string() << " does not exist: nothing has run yet\n";
    return kBadInput;
  }
  return print_collect(collect(*spec, out, command_line(*o.experiment, o)), out, o.quiet);
}

// --- emit ----------------------------------------------------------------------------------------------

std::string kubernetes_name(const std::string& name)
{
  std::string out = "scalelab-";
  for (char c : name) {
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    out += (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') ? lower : '-';
  }
  out.resize(std::min<std::size_t>(out.size(), 52));
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  return out;
}

// What every target's script says: which runs, where, and how to collect them.
struct EmitPlan {
  std::string name;           // the experiment's name
  fs::path out;               // the output directory, as given
  std::string experiment;     // the experiment file, absolute
  std::string dir;            // the output directory, absolute
  fs::path program;           // the scalelab to run
  std::string experiment_arg; // the experiment file as the user gave it
  std::optional<std::string> image;
  std::size_t chunk = 1, tasks = 1;
  std::string about, collect_line;
};

struct Emitted {
  fs::path written;
  std::string next; // what to do with it
};

Emitted emit_slurm(const EmitPlan& plan)
{
  fs::create_directories(plan.out / "slurm");
  const fs::path written = plan.out / "slurm" / "sweep.sbatch";
  std::string s = "#!/bin/bash\n# " + plan.about + "\n";
  s += "# A task runs its runs one after another, each in its own process; a run already done is skipped, so\n"
       "# the same script can be submitted again to finish what failed or was cancelled.\n";
  s += "# Submit: sbatch " + shell_quote(fs::absolute(written).string()) + "\n";
  s += "# Then, when squeue shows none of its tasks: " + plan.collect_line + "\n";
  s += "#SBATCH --job-name=" + kubernetes_name(plan.name) + "\n";
  s += "#SBATCH --array=0-" + std::to_string(plan.tasks - 1) + "\n";
  s += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n";
  s += "#SBATCH --output=" + plan.dir + "/slurm/task-%a.out\n";
  s += "set -eu\n";
  s += "exec " + shell_quote(plan.program.string()) + " sweep run " + shell_quote(plan.experiment) + " --out " +
       shell_quote(plan.dir) + " --chunk " + std::to_string(plan.chunk) + " --index \"$SLURM_ARRAY_TASK_ID\"\n";
  write_file_atomically(written, s);
  fs::permissions(written, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add);
  return {written, "submit it with: sbatch " + written.string()};
}

Emitted emit_parallel(const EmitPlan& plan)
{
  fs::create_directories(plan.out / "parallel");
  const fs::path written = plan.out / "parallel" / "sweep.sh";
  const fs::path logins = plan.out / "parallel" / "sshlogins";
  std::string s = "#!/bin/sh\n# " + plan.about + "\n";
  s += "# With GNU parallel, on the machines listed in the file given as first argument (default: sshlogins\n"
       "# beside this script), one per line as parallel(1) reads them: ':' is this machine, '8/user@host' runs\n"
       "# 8 tasks at once on host over ssh. Every machine must see the same paths (a shared file system) and\n"
       "# have scalelab at the path below. A run already done is skipped: the script can be run again.\n";
  s += "set -eu\nhere=$(cd \"$(dirname \"$0\")\" && pwd)\nlogins=${1:-$here/sshlogins}\n";
  s += "seq 0 " + std::to_string(plan.tasks - 1) + " | parallel --sshloginfile \"$logins\" --line-buffer " +
       shell_quote(shell_quote(plan.program.string()) + " sweep run " + shell_quote(plan.experiment) + " --out " +
                   shell_quote(plan.dir) + " --chunk " + std::to_string(plan.chunk) + " --index {}") +
       "\n";
  s += "echo \"when every task has finished: " + plan.collect_line + "\"\n";
  write_file_atomically(written, s);
  fs::permissions(written, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add);
  if (!fs::exists(logins))
    write_file_atomically(logins, ":\n");
  return {written, "edit " + logins.string() + " (one machine per line), then run: sh " + written.string()};
}

Emitted emit_kubernetes(const EmitPlan& plan)
{
  fs::create_directories(plan.out / "kubernetes");
  const fs::path written = plan.out / "kubernetes" / "sweep-job.yaml";
  const auto relative = [](const fs::path& p) { return fs::relative(fs::absolute(p)).lexically_normal().string(); };
  const std::string image = plan.image.value_or("scalelab:latest");
  std::string s = "# " + plan.about + "\n";
  s += "# A Kubernetes Indexed Job: task i runs the runs i*" + std::to_string(plan.chunk) + " to i*" +
       std::to_string(plan.chunk) + "+" + std::to_string(plan.chunk - 1) +
       " of the plan. The image holds scalelab; the volume\n"
       "# (the PersistentVolumeClaim scalelab-work, mounted at /work) holds this directory as it was when the\n"
       "# job was written: the experiment, its topology and the output directory, at the paths below.\n";
  s += "# Submit: kubectl apply -f " + written.string() + "\n";
  s += "# Then, when the job is complete: scalelab sweep collect " + relative(plan.experiment_arg) + " --out " +
       relative(plan.out) + "\n";
  s += "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: " + kubernetes_name(plan.name) + "\nspec:\n";
  s += "  completionMode: Indexed\n  completions: " + std::to_string(plan.tasks) +
       "\n  parallelism: " + std::to_string(std::min<std::size_t>(plan.tasks, 32)) +
       "\n  backoffLimit: " + std::to_string(std::max<std::size_t>(6, plan.tasks / 10)) + "\n";
  s += "  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: sweep\n";
  s += "          image: " + image + "\n          workingDir: /work\n";
  s += "          env:\n            - name: TASK\n              valueFrom:\n                fieldRef:\n"
       "                  fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']\n";
  s += "          command: [scalelab, sweep, run, \"" + relative(plan.experiment_arg) + "\", --out, \"" +
       relative(plan.out) + "\", --chunk, \"" + std::to_string(plan.chunk) + "\", --index, \"$(TASK)\"]\n";
  s += "          resources:\n            requests: {cpu: \"1\"}\n";
  s += "          volumeMounts:\n            - {name: work, mountPath: /work}\n";
  s += "      volumes:\n        - name: work\n          persistentVolumeClaim: {claimName: scalelab-work}\n";
  write_file_atomically(written, s);
  return {written, "submit it with: kubectl apply -f " + written.string()};
}

int sweep_emit(const Options& o)
{
  // The plan records the topology's path as the experiment's path leads to it: absolute for the machines of a
  // cluster, whatever their working directory; relative for a container, where the project is mounted elsewhere.
  const bool in_container = o.target == "kubernetes";
  const fs::path absolute = fs::absolute(*o.experiment).lexically_normal();
  const std::string experiment_path =
      in_container ? fs::relative(absolute).lexically_normal().string() : absolute.string();
  const auto spec = load(experiment_path);
  if (!spec)
    return kBadInput;
  const fs::path out = out_dir(o, *spec);
  if (!write_plan(*spec, out))
    return kBadInput;
  const std::size_t runs = spec->points.size() * static_cast<std::size_t>(spec->repetitions);
  constexpr std::size_t kMaxTasks = 1000; // SLURM's default MaxArraySize is 1001; each task counts in MaxJobCount
  const std::size_t fewest = (runs + kMaxTasks - 1) / kMaxTasks;
  if (o.chunk && *o.chunk < fewest) {
    std::cerr << "scalelab: --chunk " << *o.chunk << " makes " << (runs + *o.chunk - 1) / *o.chunk << " tasks of the "
              << runs << " runs; at most " << kMaxTasks << ": use --chunk " << fewest << " or more\n";
    return kBadInput;
  }
  const std::size_t chunk = o.chunk.value_or(std::max<std::size_t>(1, fewest));
  const std::size_t tasks = (runs + chunk - 1) / chunk;
  const fs::path program = o.binary ? fs::path(*o.binary) : self_executable();
  const std::string experiment = absolute.string();
  const std::string dir = fs::absolute(out).lexically_normal().string();
  const std::string about = "Runs the sweep " + spec->name + ": " + std::to_string(tasks) + " tasks of up to " +
                            std::to_string(chunk) + (chunk == 1 ? " run" : " runs") + " (" + std::to_string(runs) +
                            " runs, " + std::to_string(spec->points.size()) + " points x " +
                            std::to_string(spec->repetitions) + " repetitions).";
  const std::string collect_line = "scalelab sweep collect " + shell_quote(experiment) + " --out " + shell_quote(dir);
  const EmitPlan plan{spec->name, out,   experiment, dir,   program,     *o.experiment,
                      o.image,    chunk, tasks,      about, collect_line};
  const Emitted emitted = o.target == "slurm"      ? emit_slurm(plan)
                          : o.target == "parallel" ? emit_parallel(plan)
                                                   : emit_kubernetes(plan);
  const fs::path& written = emitted.written;
  const std::string& next = emitted.next;
  std::cout << "wrote " << written.string() << ": " << tasks << (tasks == 1 ? " task" : " tasks") << " of up to "
            << chunk << (chunk == 1 ? " run" : " runs") << " (" << runs << " runs); " << next
            << "; when they have finished: " << collect_line << '\n';
  return kOk;
}

} // namespace

ExperimentRun run_experiment(const models::ExperimentSpec& spec, const fs::path& out,
                             const ExperimentRunOptions& run_options)
{
  ExperimentRun result;
  if (!write_plan(spec, out)) {
    result.status = kBadInput;
    return result;
  }
  remove_stale_partials(out / "points");
  const auto runs = planned(spec);
  PoolOptions options;
  options.program = self_executable();
  options.jobs = run_options.jobs;
  options.progress = !run_options.quiet && isatty(STDERR_FILENO);
  options.total = runs.size();
  const auto tasks = tasks_for(runs, out, options.already_done);
  if (!run_options.quiet && tasks.empty())
    std::cout << "all " << runs.size() << " runs of " << out.string() << " are done\n";
  else if (!run_options.quiet && !options.progress)
    std::cout << "running " << tasks.size() << " of " << runs.size() << " runs, " << options.jobs << " at once\n";
  PoolReport report;
  if (!tasks.empty())
    report = run_pool(tasks, options);
  if (report.interrupted) {
    std::cerr << "scalelab: interrupted: " << options.already_done + report.done << " of " << runs.size()
              << " runs done; the same command runs the rest\n";
    result.status = kInterrupted;
    return result;
  }
  if (!run_options.quiet && !tasks.empty())
    std::printf("ran %zu runs in %.1f s, %u at once\n", report.done + report.failures.size(), report.wall_seconds,
                options.jobs);
  CollectSummary collected = collect(spec, out, run_options.command);
  print_collect(collected, out, run_options.quiet);
  result.summaries = std::move(collected.summaries);
  if (!report.failures.empty()) {
    std::cerr << "scalelab: " << report.failures.size() << (report.failures.size() == 1 ? " run" : " runs")
              << " failed (their directories end in .failed); the same command runs them again\n";
    result.status = kRunError;
  }
  return result;
}

int cmd_sweep(const std::vector<std::string>& args)
{
  const auto parsed = parse(args);
  if (const int* status = std::get_if<int>(&parsed))
    return *status;
  const Options& o = std::get<Options>(parsed);
  if (o.subcommand == "plan")
    return sweep_plan(o);
  if (o.subcommand == "run")
    return sweep_run(o);
  if (o.subcommand == "emit")
    return sweep_emit(o);
  if (o.subcommand == "collect")
    return sweep_collect(o);
  return sweep_all(o);
}

} // namespace scalelab::app
