// `scalelab run --stream`: one JSON line per report interval on standard output, nothing else, and the lines
// carry the same figures as timeseries.csv.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>

namespace
{

namespace fs = std::filesystem;

struct Captured {
  int status = -1;
  std::vector<std::string> lines;
};

Captured run_streaming(const std::string& topology, const std::string& extra, const fs::path& out)
{
  fs::create_directories(out);
  const std::string command = std::string(SCALELAB_BINARY) + " run " + SCALELAB_SOURCE_DIR + "/" + topology +
                              " --stream --out " + out.string() + " " + extra + " 2>/dev/null";
  Captured c;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe)
    return c;
  std::string line;
  char buffer[65536];
  while (fgets(buffer, sizeof buffer, pipe)) {
    line += buffer;
    if (!line.empty() && line.back() == '\n') {
      line.pop_back();
      c.lines.push_back(line);
      line.clear();
    }
  }
  c.status = pclose(pipe);
  return c;
}

// timeseries.csv's rows of one interval, by series: column name -> text.
std::map<std::string, std::map<std::string, std::string>> csv_rows_at(const fs::path& csv, double time)
{
  std::ifstream in(csv);
  std::string header_line, line;
  std::getline(in, header_line);
  std::vector<std::string> header;
  std::stringstream hs(header_line);
  for (std::string h; std::getline(hs, h, ',');)
    header.push_back(h);
  std::map<std::string, std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');)
      cells.push_back(cell);
    if (cells.size() < 2 || std::stod(cells[0]) != time)
      continue;
    for (std::size_t i = 0; i < cells.size() && i < header.size(); ++i)
      rows[cells[1]][header[i]] = cells[i];
  }
  return rows;
}

void expect_close(double streamed, const std::string& csv_text, double scale, const std::string& what)
{
  const double csv = std::stod(csv_text);
  // The CSV prints six significant digits.
  EXPECT_NEAR(streamed * scale, csv, 1e-5 * std::max(1.0, std::abs(csv))) << what;
}

void expect_stream_matches_csv(const std::string& topology, const std::string& duration, int intervals)
{
  const fs::path out = fs::path(SCALELAB_TEST_SCRATCH) / ("stream-" + fs::path(topology).stem().string());
  const auto c = run_streaming(topology, "--duration " + duration + " --warmup 1s", out);
  ASSERT_EQ(c.status, 0);
  ASSERT_EQ(c.lines.size(), static_cast<std::size_t>(intervals)) << "one line per report interval";
  for (std::size_t i = 0; i < c.lines.size(); ++i) {
    const auto j = nlohmann::json::parse(c.lines[i], nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "line " << i << " is not JSON: " << c.lines[i];
    EXPECT_EQ(j.at("time").get<double>(), static_cast<double>(i));
    EXPECT_EQ(j.at("end").get<double>(), static_cast<double>(i + 1));
    EXPECT_TRUE(j.at("series").contains("(users)"));
  }
  const auto last = nlohmann::json::parse(c.lines.back());
  const auto rows = csv_rows_at(out / "timeseries.csv", intervals - 1);
  ASSERT_EQ(rows.size(), last.at("series").size()) << "the same series as timeseries.csv";
  for (const auto& [name, row] : rows) {
    ASSERT_TRUE(last.at("series").contains(name)) << name;
    const auto& s = last.at("series").at(name);
    EXPECT_EQ(std::to_string(s.at("completed").get<std::uint64_t>()), row.at("completed")) << name;
    EXPECT_EQ(std::to_string(s.at("errors").get<std::uint64_t>()), row.at("errors")) << name;
    expect_close(s.at("throughput").get<double>(), row.at("throughput_per_s"), 1, name + " throughput");
    expect_close(s.at("latency_mean").get<double>(), row.at("latency_mean_ms"), 1e3, name + " latency");
    expect_close(s.at("in_service").get<double>(), row.at("mean_in_service"), 1, name + " in service");
    expect_close(s.at("queue").get<double>(), row.at("mean_queue_length"), 1, name + " queue");
    if (row.count("queue_backlog") && !row.at("queue_backlog").empty())
      expect_close(s.value("backlog", 0.0), row.at("queue_backlog"), 1, name + " backlog");
  }
}

TEST(RunStream, ThreeTierPrintsOneJsonLinePerIntervalEqualToTheCsv)
{
  expect_stream_matches_csv("topologies/three-tier.yaml", "6s", 6);
}

TEST(RunStream, EmailQueueStreamsTheBrokersBacklog)
{
  expect_stream_matches_csv("topologies/email-queue.yaml", "4s", 4);
}

TEST(RunStream, CacheAsideStreamsTheCachesHits)
{
  const fs::path out = fs::path(SCALELAB_TEST_SCRATCH) / "stream-cache-hits";
  const auto c = run_streaming("topologies/cache-aside.yaml", "--duration 3s --warmup 1s", out);
  ASSERT_EQ(c.status, 0);
  ASSERT_EQ(c.lines.size(), 3u);
  const auto last = nlohmann::json::parse(c.lines.back());
  const auto rows = csv_rows_at(out / "timeseries.csv", 2);
  const auto& cache = last.at("series").at("user_cache");
  EXPECT_EQ(std::to_string(cache.at("cache_hits").get<std::uint64_t>()), rows.at("user_cache").at("cache_hits"));
  EXPECT_EQ(std::to_string(cache.at("cache_misses").get<std::uint64_t>()), rows.at("user_cache").at("cache_misses"));
}

std::string read_text(const fs::path& p)
{
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// --speed holds the run to X simulated seconds per wall second (a lower bound on the wall time, which a busy
// machine can only lengthen) and changes nothing in what it measures.
TEST(RunStream, SpeedHoldsThePaceAndChangesNoResult)
{
  const fs::path paced = fs::path(SCALELAB_TEST_SCRATCH) / "stream-paced";
  const fs::path free = fs::path(SCALELAB_TEST_SCRATCH) / "stream-free";
  const auto start = std::chrono::steady_clock::now();
  const auto c = run_streaming("topologies/three-tier.yaml", "--duration 6s --warmup 1s --speed 20", paced);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(c.status, 0);
  EXPECT_EQ(c.lines.size(), 6u);
  EXPECT_GE(wall, 6.0 / 20);
  ASSERT_EQ(run_streaming("topologies/three-tier.yaml", "--duration 6s --warmup 1s", free).status, 0);
  EXPECT_FALSE(read_text(paced / "results.json").empty());
  EXPECT_EQ(read_text(paced / "results.json"), read_text(free / "results.json"));
  EXPECT_EQ(read_text(paced / "timeseries.csv"), read_text(free / "timeseries.csv"));
  const std::string bad = std::string(SCALELAB_BINARY) + " run " + SCALELAB_SOURCE_DIR +
                          "/topologies/three-tier.yaml --speed 0 --quiet --out " + free.string() + " 2>/dev/null";
  const int status = std::system(bad.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << "--speed 0 is a usage error";
}

} // namespace
