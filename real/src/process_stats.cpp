#include "scalelab/real/process_stats.hpp"

#include <amqp.h>
#include <boost/version.hpp>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>

namespace scalelab::real
{

namespace
{

// The fields of /proc/PID/stat after the command (which may hold spaces and parentheses): [0] is the state (field
// 3 of proc(5)), [1] the parent, [11] and [12] user and system time.
std::vector<std::string> stat_fields(int pid)
{
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::vector<std::string> fields;
  if (!in || !std::getline(in, text))
    return fields;
  const auto close = text.rfind(')');
  if (close == std::string::npos)
    return fields;
  std::istringstream rest(text.substr(close + 1));
  for (std::string field; fields.size() < 13 && rest >> field;)
    fields.push_back(field);
  return fields;
}

} // namespace

std::optional<double> process_cpu_seconds(int pid)
{
  const auto fields = stat_fields(pid);
  if (fields.size() < 13)
    return std::nullopt;
  return (std::stod(fields[11]) + std::stod(fields[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::optional<std::string> process_command(int pid)
{
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  if (!in || !std::getline(in, name))
    return std::nullopt;
  return name;
}

std::vector<int> child_processes(int pid)
{
  std::vector<int> children;
  DIR* dir = opendir("/proc");
  if (!dir)
    return children;
  const std::string parent = std::to_string(pid);
  while (const dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long candidate = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || candidate <= 0)
      continue;
    const auto fields = stat_fields(static_cast<int>(candidate));
    if (fields.size() > 1 && fields[1] == parent)
      children.push_back(static_cast<int>(candidate));
  }
  closedir(dir);
  return children;
}

nlohmann::ordered_json machine_load()
{
  nlohmann::ordered_json j;
  std::ifstream in("/proc/loadavg");
  double a = 0, b = 0, c = 0;
  in >> a >> b >> c;
  j["loadavg_1m"] = a;
  j["loadavg_5m"] = b;
  j["loadavg_15m"] = c;
  j["cores"] = std::thread::hardware_concurrency();
  return j;
}

nlohmann::ordered_json versions()
{
  nlohmann::ordered_json j;
  j["boost"] = std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000);
  j["hiredis"] =
      std::to_string(HIREDIS_MAJOR) + "." + std::to_string(HIREDIS_MINOR) + "." + std::to_string(HIREDIS_PATCH);
  const int pq = PQlibVersion();
  j["libpq"] = std::to_string(pq / 10000) + "." + std::to_string(pq % 10000);
  j["librabbitmq"] = amqp_version();
  utsname u{};
  if (uname(&u) == 0)
    j["kernel"] = std::string(u.sysname) + " " + u.release;
  return j;
}

} // namespace scalelab::real
