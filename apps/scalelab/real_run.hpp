#pragma once
// scalelab real run|calibrate: the live stack of a topology driven by its workload (docs/real-mode.md).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace scalelab::app
{

// `scalelab real run FILE ...`; args start after "run".
int cmd_real_run(const std::vector<std::string>& args);
// `scalelab real calibrate FILE ...`; args start after "calibrate".
int cmd_real_calibrate(const std::vector<std::string>& args);
// `scalelab real validate FILE ...`; args start after "validate".
int cmd_real_validate(const std::vector<std::string>& args);

// One live run: the stack up, the load generator for `duration` seconds, the stack down (always).
struct LiveRunOptions {
  std::string topology;
  std::filesystem::path run_dir;
  std::filesystem::path programs_dir;
  std::filesystem::path self;
  std::optional<double> duration, warmup, rate; // seconds, seconds, requests per second; none: the file's
  std::optional<double> users;                  // a closed workload's users; none: the file's
  int realtime = 0; // > 0: SCHED_FIFO at this priority for the load generator and every process of the stack
  bool quiet = false;
};

} // namespace scalelab::app
