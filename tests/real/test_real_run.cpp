// scalelab real run and real calibrate on a live stack (an API server on a PostgreSQL 15), and the calibration
// file's loader (docs/calibration.md). Live tests skip without PostgreSQL (fail under SCALELAB_REAL_REQUIRED=1).
#include "scalelab/models/calibration.hpp"
#include "scalelab/models/loader.hpp"

#include "attempts.hpp"
#include "support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace scalelab;
using namespace scalelab::real_test;

namespace
{

const fs::path kTopology = fs::path(SCALELAB_SOURCE_DIR) / "tests/real/topologies/run-db.yaml";

} // namespace

TEST(RealRun, ALowLoadRunCountsThePoissonArrivalsAndLeavesNothing)
{
  REQUIRE_POSTGRES();
  const fs::path dir = scratch("run");
  const fs::path run = dir / "stack", out = dir / "out";
  ASSERT_EQ(run_scalelab("real run " + kTopology.string() + " --run-dir " + run.string() + " --out " + out.string() +
                             " --duration 6 --warmup 1 --realtime 10",
                         dir / "run.log"),
            0)
      << read_text(dir / "run.log");
  const auto j = nlohmann::json::parse(read_text(out / "results.json"));
  // 120/s Poisson over the 5 s measured: 600 expected, sd sqrt(600) = 24.5; 4 sd either way.
  const double sent = j["total"]["sent"].get<double>();
  EXPECT_NEAR(sent, 600, 4 * std::sqrt(600.0));
  EXPECT_EQ(j["total"]["completed"].get<double>(), sent) << j["total"]["errors"].dump();
  EXPECT_GT(j["total"]["latency"]["mean"].get<double>(), 2e-3); // each request burns 2 ms
  EXPECT_TRUE(j["checks"]["conservation"]["holds"].get<bool>());
  // The schema of a simulation's results.json, plus the live figures.
  for (const char* key : {"scenario", "seed", "duration", "warmup", "total", "requests", "checks", "configuration"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_GT(j["real"]["processes"]["app-1"]["cpu_seconds"].get<double>(), 0.8 * sent * 2e-3);
  EXPECT_TRUE(j["real"]["processes"].contains("users"));
  EXPECT_NE(j["real"]["software"]["postgresql"].get<std::string>().find("15"), std::string::npos);
  EXPECT_TRUE(j["real"]["versions"].contains("libpq"));
  const std::string log = read_text(dir / "run.log");
  EXPECT_NE(log.find("p99.9 ms"), std::string::npos) << log; // a simulation's table
  EXPECT_TRUE(left_in(run).empty()) << "processes left: " << left_in(run).size();
  EXPECT_FALSE(fs::exists(run / "stack.json"));
  EXPECT_FALSE(fs::exists(run / "stack.lock"));
}

TEST(RealRun, CtrlCDuringTheLoadStopsTheStackAndExits130)
{
  REQUIRE_POSTGRES();
  const fs::path dir = scratch("interrupt");
  const fs::path run = dir / "stack", log = dir / "run.log";
  const pid_t child = fork();
  if (child == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(SCALELAB_BINARY, SCALELAB_BINARY, "real", "run", kTopology.c_str(), "--run-dir", run.c_str(), "--out",
          (dir / "out").c_str(), "--duration", "30", nullptr);
    _exit(127);
  }
  ASSERT_GT(child, 0);
  // The load runs once stack.json is there and `up` has returned.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(run / "stack.json") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(fs::exists(run / "stack.json")) << read_text(log);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  kill(child, SIGINT);
  int status = 0;
  for (int i = 0; i < 1200 && waitpid(child, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(WIFEXITED(status)) << read_text(log);
  EXPECT_EQ(WEXITSTATUS(status), 130) << read_text(log);
  EXPECT_NE(read_text(log).find("interrupted"), std::string::npos) << read_text(log);
  EXPECT_FALSE(fs::exists(dir / "out" / "results.json"));
  EXPECT_TRUE(left_in(run).empty()) << "processes left: " << left_in(run).size();
  EXPECT_FALSE(fs::exists(run / "stack.lock"));
}

// Calibrate, simulate with the calibration, run live, compare the means. Another process on a shared machine
// disturbs the calibration or the live run for seconds at a time, so the comparison is made on up to three
// independent attempts (six while the load generator reports falling behind its schedule) and passes on the first
// that agrees: a model that is wrong is wrong in all of them.
TEST(RealRun, TheCalibratedSimulationPredictsTheLiveMeanAtThirtyPercentLoad)
{
  REQUIRE_POSTGRES();
  double ratio = 0;
  for (int attempt = 1;; ++attempt) {
    const fs::path dir = scratch("calibrate-" + std::to_string(attempt));
    const fs::path run = dir / "stack", cal = dir / "cal.yaml";
    ASSERT_EQ(run_scalelab("real calibrate " + kTopology.string() + " --run-dir " + run.string() + " --out " +
                               cal.string() + " --realtime 10",
                           dir / "calibrate.log"),
              0)
        << read_text(dir / "calibrate.log");
    EXPECT_TRUE(left_in(run).empty());
    const auto loaded = models::load_calibration_file(cal.string());
    ASSERT_TRUE(loaded.calibration) << (loaded.errors.empty() ? "" : loaded.errors[0].format());
    ASSERT_TRUE(loaded.calibration->services.count("users"));
    EXPECT_TRUE(loaded.calibration->services.at("users").read && loaded.calibration->services.at("users").write);
    ASSERT_EQ(run_scalelab("run " + kTopology.string() + " --calibration " + cal.string() + " --out " +
                               (dir / "sim").string(),
                           dir / "sim.log"),
              0)
        << read_text(dir / "sim.log");
    ASSERT_EQ(run_scalelab("real run " + kTopology.string() + " --run-dir " + run.string() + " --out " +
                               (dir / "live").string() + " --realtime 10",
                           dir / "live.log"),
              0)
        << read_text(dir / "live.log");
    EXPECT_TRUE(left_in(run).empty());
    const auto sim = nlohmann::json::parse(read_text(dir / "sim" / "results.json"));
    const auto live = nlohmann::json::parse(read_text(dir / "live" / "results.json"));
    const double predicted = sim["total"]["latency"]["mean"].get<double>();
    const double measured = live["total"]["latency"]["mean"].get<double>();
    ratio = predicted / measured;
    std::cout << "attempt " << attempt << ": calibrated simulation mean " << predicted * 1e3 << " ms, live mean "
              << measured * 1e3 << " ms (" << (ratio - 1) * 100 << " %)\n"
              << read_text(cal);
    const bool schedule_kept = !live.at("real").at("send_lag_flagged").get<bool>();
    if (std::abs(ratio - 1.0) <= 0.25 || !another_attempt(attempt, schedule_kept))
      break;
  }
  // 120/s of ~2.3 ms: ~30 % of the one worker. Tolerance 25 % on the mean (published simulators: 5-30 % on
  // response times); measured here -17 % (docs/calibration.md).
  EXPECT_NEAR(ratio, 1.0, 0.25);
}

TEST(RealCalibration, TheLoaderNamesWhatIsWrongWithFileLineColumn)
{
  const std::string text = "calibration:\n"
                           "  network: {latency: 10us, bandwith: 1GBps}\n"
                           "  services:\n"
                           "    users: {read: 20us, wirte: 1ms}\n"
                           "    app: {read: fast}\n";
  const auto loaded = models::load_calibration_text(text, "cal.yaml");
  ASSERT_FALSE(loaded.calibration);
  ASSERT_EQ(loaded.errors.size(), 3u);
  EXPECT_EQ(loaded.errors[0].format().rfind("cal.yaml:2:28: unknown key 'bandwith' in network", 0), 0u)
      << loaded.errors[0].format();
  EXPECT_EQ(loaded.errors[1].format().rfind("cal.yaml:4:25: unknown key 'wirte'", 0), 0u) << loaded.errors[1].format();
  EXPECT_EQ(loaded.errors[2].format().rfind("cal.yaml:5:17: read:", 0), 0u) << loaded.errors[2].format();
}

TEST(RealCalibration, ItReplacesTheCostsOfTheNamedServicesOnly)
{
  auto topology = models::load_topology_file(kTopology.string());
  ASSERT_TRUE(topology.spec);
  auto spec = *topology.spec;
  const auto loaded = models::load_calibration_text("calibration:\n"
                                                    "  network: {latency: 10us, users_latency: 5us}\n"
                                                    "  services:\n"
                                                    "    users: {read: 20us, write: 1ms}\n"
                                                    "    app: {request_cpu: 100us}\n",
                                                    "cal.yaml");
  ASSERT_TRUE(loaded.calibration);
  EXPECT_TRUE(models::apply_calibration(*loaded.calibration, spec).empty());
  EXPECT_DOUBLE_EQ(spec.hardware.network.latency, 10e-6);
  EXPECT_DOUBLE_EQ(spec.hardware.users.latency, 5e-6);
  const auto& db = std::get<models::DatabaseSpec>(spec.find_service("users")->kind);
  EXPECT_DOUBLE_EQ(db.read.cpu_time->mean, 20e-6);
  EXPECT_DOUBLE_EQ(db.write.disk_time->mean, 1e-3);
  EXPECT_EQ(spec.requests[0].steps.size(), 3u); // the request's CPU, then its own steps
  const auto wrong = models::load_calibration_text("calibration:\n  services:\n    usrs: {read: 20us}\n"
                                                   "    app: {operation: 1us}\n",
                                                   "cal.yaml");
  ASSERT_TRUE(wrong.calibration);
  auto spec2 = *topology.spec;
  const auto errors = models::apply_calibration(*wrong.calibration, spec2);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[1].format().find("cal.yaml:3:5: services: the topology"), std::string::npos) << errors[1].format();
  EXPECT_NE(errors[1].format().find("expected one of app or users"), std::string::npos) << errors[1].format();
  EXPECT_NE(errors[0].format().find("cal.yaml:4:5: services: app: 'operation' calibrates a cache"), std::string::npos)
      << errors[0].format();
}

TEST(RealCalibration, ApplyReplacesAReplicasApplyCostAndFitsAReplicatedDatabaseOnly)
{
  const auto replicated = models::load_topology_file(
      (fs::path(SCALELAB_SOURCE_DIR) / "tests/real/topologies/run-db-replica.yaml").string());
  ASSERT_TRUE(replicated.spec);
  auto spec = *replicated.spec;
  const auto cal = models::load_calibration_text("calibration:\n  services:\n    users: {apply: 250us}\n", "cal.yaml");
  ASSERT_TRUE(cal.calibration);
  EXPECT_TRUE(models::apply_calibration(*cal.calibration, spec).empty());
  const auto& apply = std::get<models::DatabaseSpec>(spec.find_service("users")->kind).replication.apply;
  EXPECT_FALSE(apply.cpu_flops || apply.cpu_time); // the file's 0.2 Mf of CPU is replaced, not added to
  ASSERT_TRUE(apply.disk_time);
  EXPECT_DOUBLE_EQ(apply.disk_time->mean, 250e-6);
  EXPECT_NE(models::calibration_yaml(*cal.calibration, "t.yaml", "").find("users: {apply: 250.0us}"),
            std::string::npos);

  const auto single = models::load_topology_file(kTopology.string());
  ASSERT_TRUE(single.spec);
  auto spec2 = *single.spec;
  const auto errors = models::apply_calibration(*cal.calibration, spec2);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].format().find("cal.yaml:3:5: services: users: 'apply' calibrates a replicated database"),
            std::string::npos)
      << errors[0].format();
}

TEST(RealValidate, OneLevelGivesATableWhoseThroughputAgreesAndLeavesNothing)
{
  REQUIRE_POSTGRES();
  const fs::path dir = scratch("validate");
  const fs::path run = dir / "stack", out = dir / "out";
  ASSERT_EQ(run_scalelab("real validate " + kTopology.string() + " --run-dir " + run.string() + " --out " +
                             out.string() + " --levels 30 --duration 4 --realtime 10",
                         dir / "validate.log"),
            0)
      << read_text(dir / "validate.log");
  const auto j = nlohmann::json::parse(read_text(out / "validation.json"));
  ASSERT_EQ(j["rows"].size(), 1u);
  const auto& row = j["rows"][0];
  // The saturation of the calibrated model: one worker, 2 ms of CPU plus a read or a commit: 300-500/s.
  EXPECT_GT(j["saturation"].get<double>(), 250);
  EXPECT_LT(j["saturation"].get<double>(), 500);
  // Open loop: the throughput is the offered rate in both, within 5 % (the target of docs/validation.md).
  EXPECT_NEAR(row["simulated"]["throughput"].get<double>() / row["live"]["throughput"].get<double>(), 1.0, 0.05);
  EXPECT_EQ(row["live"]["errors"].get<double>(), 0);
  EXPECT_NE(read_text(out / "validation.md").find(" 30% |"), std::string::npos);
  EXPECT_EQ(read_text(out / "validation.md").find("lag ms"), std::string::npos); // no replica: no lag column
  EXPECT_FALSE(row["error"].contains("lag"));
  EXPECT_TRUE(left_in(run).empty());
}

// run-db.yaml with an asynchronous replica: the replicas' lag, simulated and live (pg_stat_replication.replay_lag),
// in validation.json and the table, and the plot of the errors (about 15 s).
TEST(RealValidate, AReplicatedDatabaseGivesALagColumnAndThePlotIsAPng)
{
  REQUIRE_POSTGRES();
  const fs::path topology = fs::path(SCALELAB_SOURCE_DIR) / "tests/real/topologies/run-db-replica.yaml";
  const fs::path dir = scratch("validate-lag");
  const fs::path run = dir / "stack", out = dir / "out";
  ASSERT_EQ(run_scalelab("real validate " + topology.string() + " --run-dir " + run.string() + " --out " +
                             out.string() + " --levels 30 --duration 4 --realtime 10",
                         dir / "validate.log"),
            0)
      << read_text(dir / "validate.log");
  const auto j = nlohmann::json::parse(read_text(out / "validation.json"));
  ASSERT_EQ(j["rows"].size(), 1u);
  const auto& row = j["rows"][0];
  // The replica's apply calibrated: a commit seen on a replica of the same machine within 20 ms.
  const auto cal = models::load_calibration_file((out / "calibration.yaml").string());
  ASSERT_TRUE(cal.calibration);
  ASSERT_TRUE(cal.calibration->services.at("users").apply);
  EXPECT_GT(*cal.calibration->services.at("users").apply, 0);
  EXPECT_LT(*cal.calibration->services.at("users").apply, 0.02);
  // Both lags positive and below 50 ms: a commit to a replica on the same machine at 30 % of the load.
  ASSERT_TRUE(row["simulated"].contains("lag")) << row.dump();
  ASSERT_TRUE(row["live"].contains("lag")) << row.dump();
  EXPECT_GT(row["simulated"]["lag"].get<double>(), 0);
  EXPECT_LT(row["simulated"]["lag"].get<double>(), 0.05);
  EXPECT_GT(row["live"]["lag"].get<double>(), 0);
  EXPECT_LT(row["live"]["lag"].get<double>(), 0.05);
  EXPECT_TRUE(row["error"].contains("lag"));
  const auto live = nlohmann::json::parse(read_text(out / "live-30-0.json"));
  // A probe's write every 100 ms of the 3 s measured, timed to its visibility on the replica; PostgreSQL's replay_lag
  // beside it.
  const auto& lag = live["real"]["replication_lag"];
  EXPECT_GT(lag["samples"].get<int>(), 10);
  EXPECT_GE(lag["p99"].get<double>(), lag["mean"].get<double>());
  EXPECT_LE(lag["p99"].get<double>(), lag["max"].get<double>());
  EXPECT_GT(lag["replay_lag"]["samples"].get<int>(), 10);
  EXPECT_FALSE(lag.contains("error")) << lag.dump();
  EXPECT_NE(read_text(out / "validation.md").find("lag ms sim/live"), std::string::npos);
  EXPECT_NE(read_text(dir / "validate.log").find("lag ms sim/live"), std::string::npos);
  if (std::system("command -v gnuplot > /dev/null 2>&1") == 0) {
    const std::string png = read_text(out / "validation-error.png");
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(j["plot"].get<std::string>(), fs::absolute(out / "validation-error.png").string());
    EXPECT_NE(read_text(dir / "validate.log").find("validation-error.png"), std::string::npos);
  }
  EXPECT_NE(read_text(out / "validation-error.dat").find("\n30 "), std::string::npos);
  EXPECT_TRUE(left_in(run).empty());
}
