// scalelab sweep through the command line: outputs, resuming from the result files, Ctrl-C, failing runs,
// bad files, the cluster jobs it writes, plots; and the error causes a metric may name against the simulator's.
#include "command.hpp"
#include "world.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "scalelab/models/sweep_results.hpp"

namespace fs = std::filesystem;

namespace
{

using scalelab::testing::read;
using scalelab::testing::Result;

void write(const fs::path& p, const std::string& text)
{
  std::ofstream(p, std::ios::binary) << text;
}

// Runs scalelab with args (a shell command line tail) and captures what it prints.
Result scalelab(const std::string& args, const fs::path& dir)
{
  return scalelab::testing::run_program(SCALELAB_BINARY, args, dir);
}

// The processes of group pgid that are alive (not zombies). A zombie is not running: an orphan reparented to a
// container's first process that never reaps (a sanitizer's helper process, say) stays one for good.
std::size_t live_members(pid_t pgid)
{
  std::size_t live = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat))
      continue;
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so parse after the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos)
      continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    long ppid = 0, group = 0;
    rest >> state >> ppid >> group;
    if (group == pgid && state != 'Z' && state != 'X')
      ++live;
  }
  return live;
}

fs::path scratch(const std::string& name)
{
  const fs::path dir = fs::path(SCALELAB_TEST_SCRATCH) / ("sweep-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A small experiment on the shipped single-server topology: rates x workers, short runs (each process of
// the sanitizers' build takes most of a second to start).
std::string experiment(const std::string& rates, int repetitions, const std::string& extra = "",
                       const std::string& workers = "[4, 8]")
{
  return "name: small\ntopology: " + std::string(SCALELAB_SOURCE_DIR) +
         "/topologies/single-server.yaml\nseed: 5\nrepetitions: " + std::to_string(repetitions) +
         "\nset: {duration: 600ms, warmup: 100ms}\nvary:\n  workload.arrival.rate: " + rates +
         "\n  services.app.workers: " + workers + "\nmetrics: [total.latency.p99, total.throughput]\nplots: []\n" +
         extra;
}

// Files named name below dir, but for those of runs still running or failed (in NAME.partial-... or
// NAME.failed).
std::size_t count_files(const fs::path& dir, const std::string& name)
{
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    n += it->path().filename() == name &&
         it->path().parent_path().filename().string().find(".partial-") == std::string::npos &&
         it->path().parent_path().extension() != ".failed";
  return n;
}

std::size_t count_partials(const fs::path& dir)
{
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    n += e.path().filename().string().find(".partial-") != std::string::npos;
  return n;
}

std::size_t lines(const std::string& text)
{
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(Sweep, RunsEveryPointAndRepetitionAndWritesTheTables)
{
  const fs::path dir = scratch("outputs");
  write(dir / "exp.yaml", experiment("[100/s, 200/s]", 2));
  const Result r = scalelab("sweep " + (dir / "exp.yaml").string() + " --jobs 2 --out " + (dir / "out").string(), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(count_files(dir / "out" / "points", "results.json"), 8u);
  EXPECT_EQ(count_files(dir / "out" / "points", "topology.yaml"), 4u);
  EXPECT_TRUE(fs::is_regular_file(dir / "out" / "points" / "rate=100%2Fs,workers=8" / "rep-2" / "results.json"));
  EXPECT_EQ(lines(read(dir / "out" / "runs.csv")), 1 + 8 * 2u);    // a row per run and metric
  EXPECT_EQ(lines(read(dir / "out" / "summary.csv")), 1 + 4 * 2u); // a row per point and metric
  EXPECT_EQ(lines(read(dir / "out" / "plan.tsv")), 6 + 8u);
  EXPECT_TRUE(fs::is_regular_file(dir / "out" / "report.md"));
  EXPECT_NE(read(dir / "out" / "report.html").find("<table>"), std::string::npos);
  // The seed a run used is the one the plan gives it.
  const std::string plan = read(dir / "out" / "plan.tsv");
  const std::string row = "rate=100%2Fs,workers=8\t2\t";
  const auto at = plan.find(row);
  ASSERT_NE(at, std::string::npos);
  const std::string seed = plan.substr(at + row.size(), plan.find('\n', at) - at - row.size());
  EXPECT_NE(
      read(dir / "out" / "points" / "rate=100%2Fs,workers=8" / "rep-2" / "results.json").find("\"seed\": " + seed),
      std::string::npos);
}

TEST(Sweep, AddingPointsAndRepetitionsRunsOnlyTheNewRuns)
{
  const fs::path dir = scratch("resume");
  const fs::path exp = dir / "exp.yaml", out = dir / "out";
  write(exp, experiment("[100/s]", 1, "", "[4]"));
  ASSERT_EQ(scalelab("sweep " + exp.string() + " --out " + out.string(), dir).status, 0);
  const fs::path first = out / "points" / "rate=100%2Fs,workers=4" / "rep-1" / "results.json";
  const std::string before = read(first);
  const auto time = fs::last_write_time(first);
  Result again = scalelab("sweep " + exp.string() + " --out " + out.string(), dir);
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("all 1 runs"), std::string::npos) << again.out;
  write(exp, experiment("[100/s, 300/s]", 2, "", "[4]"));
  again = scalelab("sweep " + exp.string() + " --out " + out.string(), dir);
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("running 3 of 4 runs"), std::string::npos) << again.out;
  EXPECT_EQ(fs::last_write_time(first), time);
  EXPECT_EQ(read(first), before);
  EXPECT_EQ(count_files(out / "points", "results.json"), 4u);
}

TEST(Sweep, InterruptedSweepStopsItsChildrenAndTheSameCommandFinishesIt)
{
  const fs::path dir = scratch("interrupt");
  const fs::path exp = dir / "exp.yaml", out = dir / "out";
  // Runs long enough (100,000-400,000 requests each) that the Ctrl-C below finds the sweep still running though
  // the test itself be held up for a moment.
  std::string text = experiment("{from: 100/s, to: 400/s, steps: 4}", 1);
  const std::string short_runs = "duration: 600ms";
  text.replace(text.find(short_runs), short_runs.size(), "duration: 1000s");
  write(exp, text);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setpgid(0, 0); // its own process group, as a terminal's foreground job
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(SCALELAB_BINARY, SCALELAB_BINARY, "sweep", exp.c_str(), "--jobs", "2", "--out", out.c_str(), nullptr);
    _exit(127);
  }
  // Ctrl-C once the first run is done: the terminal sends SIGINT to the whole group.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count_files(out / "points", "results.json") < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(-pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  // A child killed by the signal is gone at once; its own helpers (a sanitizer's) get their parent-death
  // signal soon after, so the check allows them a moment.
  const auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (live_members(pid) > 0 && std::chrono::steady_clock::now() < grace)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(live_members(pid), 0u) << "a child of the sweep is still running";
  EXPECT_EQ(count_partials(out), 0u);
  const std::size_t done = count_files(out / "points", "results.json");
  EXPECT_GE(done, 1u);
  EXPECT_LT(done, 8u);
  const Result rest = scalelab("sweep " + exp.string() + " --jobs 2 --out " + out.string(), dir);
  ASSERT_EQ(rest.status, 0) << rest.err;
  EXPECT_NE(rest.out.find("running " + std::to_string(8 - done) + " of 8 runs"), std::string::npos) << rest.out;
  // The same summary as a sweep never stopped.
  ASSERT_EQ(scalelab("sweep " + exp.string() + " --jobs 2 --out " + (dir / "whole").string(), dir).status, 0);
  EXPECT_EQ(read(out / "summary.csv"), read(dir / "whole" / "summary.csv"));
}

TEST(Sweep, AFailingRunIsReportedWithItsCauseAndTheOthersFinish)
{
  const fs::path dir = scratch("failure");
  const fs::path exp = dir / "exp.yaml", out = dir / "out";
  write(exp, experiment("[100/s, 200/s]", 1));
  ASSERT_EQ(scalelab("sweep plan " + exp.string() + " --out " + out.string(), dir).status, 0);
  fs::remove(out / "points" / "rate=200%2Fs,workers=4" / "topology.yaml");
  const Result r = scalelab("sweep run " + exp.string() + " --out " + out.string() + " --index 0 --chunk 4", dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("run rate=200%2Fs,workers=4 repetition 1 failed: exit status 2: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("topology.yaml: cannot open the file"), std::string::npos) << r.err;
  EXPECT_EQ(count_files(out / "points", "results.json"), 3u);
  EXPECT_TRUE(fs::is_directory(out / "points" / "rate=200%2Fs,workers=4" / "rep-1.failed"));
  const Result collected = scalelab("sweep collect " + exp.string() + " --out " + out.string(), dir);
  EXPECT_EQ(collected.status, 0);
  EXPECT_NE(collected.out.find("collected 3 of 4 runs (1 failed)"), std::string::npos) << collected.out;
  EXPECT_NE(read(out / "report.md").find("## Failed runs"), std::string::npos);
}

TEST(Sweep, ABadExperimentRunsNothing)
{
  const fs::path dir = scratch("bad");
  write(dir / "exp.yaml", experiment("[100/s]", 1, "constraint: workrs > 2\n") + "");
  std::string text = read(dir / "exp.yaml");
  text.replace(text.find("services.app.workers"), 20, "services.app.workrs");
  write(dir / "exp.yaml", text);
  const Result r = scalelab("sweep " + (dir / "exp.yaml").string() + " --out " + (dir / "out").string(), dir);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("exp.yaml:8:3: vary: unknown key \"workrs\" in services.app (kind api_server); did you mean "
                       "\"workers\"?"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(SweepEmit, SlurmArrayHasAtMostAThousandTasks)
{
  const fs::path dir = scratch("emit-slurm");
  // 25 points x 100 repetitions = 2500 runs: chunks of 3, 834 tasks.
  write(dir / "exp.yaml", "topology: " + std::string(SCALELAB_SOURCE_DIR) +
                              "/topologies/single-server.yaml\nrepetitions: 100\nvary:\n  workload.arrival.rate: "
                              "{from: 100/s, to: 500/s, steps: 25}\nplots: []\n");
  const std::string base = "sweep emit slurm " + (dir / "exp.yaml").string() + " --out " + (dir / "out").string();
  const Result r = scalelab(base, dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string script = read(dir / "out" / "slurm" / "sweep.sbatch");
  EXPECT_NE(script.find("#SBATCH --array=0-833\n"), std::string::npos) << script;
  EXPECT_NE(script.find("--chunk 3 --index \"$SLURM_ARRAY_TASK_ID\""), std::string::npos) << script;
  EXPECT_EQ(lines(read(dir / "out" / "plan.tsv")), 6 + 2500u);
  const Result small = scalelab(base + " --chunk 2", dir);
  EXPECT_EQ(small.status, 2);
  EXPECT_NE(small.err.find("--chunk 2 makes 1250 tasks of the 2500 runs; at most 1000: use --chunk 3 or more"),
            std::string::npos)
      << small.err;
}

TEST(SweepEmit, KubernetesIndexedJobRunsOneChunkPerIndex)
{
  const fs::path dir = scratch("emit-kubernetes");
  write(dir / "exp.yaml", experiment("[100/s, 200/s, 300/s]", 1));
  const Result r = scalelab("sweep emit kubernetes " + (dir / "exp.yaml").string() + " --out " +
                                (dir / "out").string() + " --chunk 4 --image registry.example/scalelab:1",
                            dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const YAML::Node job = YAML::LoadFile((dir / "out" / "kubernetes" / "sweep-job.yaml").string());
  EXPECT_EQ(job["kind"].as<std::string>(), "Job");
  EXPECT_EQ(job["spec"]["completionMode"].as<std::string>(), "Indexed");
  EXPECT_EQ(job["spec"]["completions"].as<int>(), 2); // 6 runs in chunks of 4
  const YAML::Node container = job["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["image"].as<std::string>(), "registry.example/scalelab:1");
  std::vector<std::string> command;
  for (const auto& word : container["command"])
    command.push_back(word.as<std::string>());
  ASSERT_GE(command.size(), 10u);
  EXPECT_EQ(command[1], "sweep");
  EXPECT_EQ(command[2], "run");
  EXPECT_EQ(command.back(), "$(TASK)");
  EXPECT_EQ(container["env"][0]["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>(),
            "metadata.annotations['batch.kubernetes.io/job-completion-index']");
}

TEST(SweepEmit, ParallelScriptRunsTheSweepOnThisMachine)
{
  if (std::system("command -v parallel > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "GNU parallel is not installed";
  const fs::path dir = scratch("emit-parallel");
  write(dir / "exp.yaml", experiment("[100/s, 200/s]", 1, "", "[4]"));
  const std::string args = (dir / "exp.yaml").string() + " --out " + (dir / "out").string();
  ASSERT_EQ(scalelab("sweep emit parallel " + args, dir).status, 0);
  EXPECT_EQ(read(dir / "out" / "parallel" / "sshlogins"), ":\n");
  const std::string run = "sh " + (dir / "out" / "parallel" / "sweep.sh").string() + " > /dev/null 2>&1";
  ASSERT_EQ(std::system(run.c_str()), 0);
  EXPECT_EQ(count_files(dir / "out" / "points", "results.json"), 2u);
}

TEST(SweepPlots, PngAndSvgWithTheirLabelsTheSameBytesEachTime)
{
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "gnuplot is not installed";
  const fs::path dir = scratch("plots");
  std::string text = experiment("[100/s, 200/s]", 1);
  text.replace(text.find("plots: []"), 9, "plots: [{x: rate, y: total.latency.p99, title: p99 against load}]");
  write(dir / "exp.yaml", text);
  const std::string args = (dir / "exp.yaml").string() + " --out " + (dir / "out").string();
  ASSERT_EQ(scalelab("sweep " + args, dir).status, 0);
  const fs::path png = dir / "out" / "plots" / "total-latency-p99-by-rate.png";
  const fs::path svg = dir / "out" / "plots" / "total-latency-p99-by-rate.svg";
  ASSERT_TRUE(fs::is_regular_file(png));
  const std::string first_png = read(png), first_svg = read(svg);
  EXPECT_EQ(first_png.substr(1, 3), "PNG");
  EXPECT_NE(first_svg.find("p99 against load"), std::string::npos);
  EXPECT_NE(first_svg.find("workers=8"), std::string::npos);
  EXPECT_NE(read(dir / "out" / "report.html").find("p99 against load"), std::string::npos); // the SVG inline
  ASSERT_EQ(scalelab("sweep collect " + args, dir).status, 0);
  EXPECT_EQ(read(png), first_png);
  EXPECT_EQ(read(svg), first_svg);
}

TEST(SweepCost, PricedHostsGiveTheCostPerHourAndPerMillionRequests)
{
  const fs::path dir = scratch("cost");
  std::string topology = read(fs::path(SCALELAB_SOURCE_DIR) / "topologies" / "single-server.yaml");
  topology.replace(topology.find("speed: 2Gf}"), 11, "speed: 2Gf, price: 0.36}");
  write(dir / "priced.yaml", topology);
  write(dir / "exp.yaml", "topology: priced.yaml\nset: {duration: 2s, warmup: 0s}\nvary: {workload.arrival.rate: "
                          "[100/s, 400/s]}\nmetrics: [cost.per_hour, cost.per_million_requests, total.throughput]\n"
                          "plots: []\n");
  ASSERT_EQ(scalelab("sweep " + (dir / "exp.yaml").string() + " --out " + (dir / "out").string(), dir).status, 0);
  std::map<std::string, double> per_hour, per_million, throughput;
  std::istringstream csv(read(dir / "out" / "runs.csv"));
  std::string line;
  std::getline(csv, line); // point,repetition,seed,workload.arrival.rate,metric,value
  while (std::getline(csv, line)) {
    std::vector<std::string> cells;
    std::stringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');)
      cells.push_back(cell);
    ASSERT_EQ(cells.size(), 6u) << line;
    auto& into = cells[4] == "cost.per_hour" ? per_hour : cells[4] == "total.throughput" ? throughput : per_million;
    into[cells[0]] = std::stod(cells[5]);
  }
  ASSERT_EQ(per_hour.size(), 2u);
  for (const auto& [point, cost] : per_hour) {
    EXPECT_EQ(cost, 0.36) << point;
    EXPECT_NEAR(per_million[point], 0.36 / (throughput[point] * 3600) * 1e6, 1e-12) << point;
  }
}

// A metric may name errors.CAUSE for the causes the simulator reports, and only those.
TEST(SweepMetrics, ErrorCausesAreTheSimulatorsOwn)
{
  std::vector<std::string> simulator;
  for (int c = 0; c < static_cast<int>(scalelab::sim::Cause::count_); ++c)
    if (static_cast<scalelab::sim::Cause>(c) != scalelab::sim::Cause::ok)
      simulator.push_back(scalelab::sim::cause_name(static_cast<scalelab::sim::Cause>(c)));
  std::sort(simulator.begin(), simulator.end());
  std::vector<std::string> declared = scalelab::models::error_cause_names();
  std::sort(declared.begin(), declared.end());
  EXPECT_EQ(declared, simulator);
}

} // namespace
