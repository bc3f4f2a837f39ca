#include "scalelab/real/process_stats.hpp"

#include <amqp.h>
#include <boost/version.hpp>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>

#include <fstream>
#include <sstream>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>

namespace scalelab::real
{

std::optional<double> process_cpu_seconds(int pid)
{
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text))
    return std::nullopt;
  // Fields after the command (which may hold spaces) start after the last ')': state is field 3, utime 14.
  const auto close = text.rfind(')');
  if (close == std::string::npos)
    return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14)
      utime = std::stod(field);
    if (i == 15)
      stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
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
