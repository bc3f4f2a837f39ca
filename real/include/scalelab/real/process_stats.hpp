#pragma once
// What the machine did during a live run: the CPU time of each process (from /proc/PID/stat), the load
// average (/proc/loadavg), and the versions of the programs used.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace scalelab::real
{

// User + system CPU seconds of a process so far; nothing when it is gone.
std::optional<double> process_cpu_seconds(int pid);
// The command name of a process (/proc/PID/comm); nothing when it is gone.
std::optional<std::string> process_command(int pid);
// The processes whose parent is pid (from the parent field of every /proc/PID/stat).
std::vector<int> child_processes(int pid);
// The 1, 5 and 15 minute load averages.
nlohmann::ordered_json machine_load();
// The versions of the libraries compiled in, and of this machine's kernel.
nlohmann::ordered_json versions();

} // namespace scalelab::real
