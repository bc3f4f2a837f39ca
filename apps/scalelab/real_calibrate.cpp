// scalelab real calibrate: each step kind's cost measured alone, one operation at a time, on the live stack of a
// topology, written as a calibration file that `scalelab run --calibration` reads (docs/calibration.md).
#include "real_live.hpp"

#include "common.hpp"

#include "scalelab/models/calibration.hpp"
#include "scalelab/real/cpu_burn.hpp"
#include "scalelab/real/live_backends.hpp"
#include "scalelab/real/postgres.hpp"
#include "scalelab/real/replay_lag.hpp"
#include "scalelab/real/stack.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace scalelab::app
{

namespace
{

const char* const kCalibrateHelp = R"(usage: scalelab real calibrate FILE [options]

Starts the live stack of FILE, measures each step kind's cost alone, one operation at a time (a loopback TCP
round trip and bandwidth, an HTTP round trip to an API server, a database read and a commit, a replica's
apply, a Redis round trip, a RabbitMQ publish), stops the stack, and writes a calibration file:
  scalelab run FILE --calibration CAL.yaml
then simulates FILE with the measured costs (docs/calibration.md).

options:
  --run-dir RUN   the stack's run directory (default: scalelab-real in the current directory)
  --out CAL.yaml  the calibration file (default: calibration.yaml)
  --programs DIR  where scalelab-api and scalelab-worker are (default: beside scalelab)
  --realtime P    run this program, the load generator and every process of the stack SCHED_FIFO at priority
                  P (a machine shared with other work; needs the permission)
  --quiet         print nothing but errors
)";

struct Figure {
  double mean = 0, p50 = 0, p99 = 0; // seconds; the mean leaves out the slowest 1 % (another process's turn)
  std::size_t count = 0;
};

Figure figure(std::vector<double> samples)
{
  Figure f;
  if (samples.empty())
    return f;
  std::sort(samples.begin(), samples.end());
  const std::size_t kept = std::max<std::size_t>(1, samples.size() - samples.size() / 100);
  double sum = 0;
  for (std::size_t i = 0; i < kept; ++i)
    sum += samples[i];
  f.mean = sum / static_cast<double>(kept);
  f.p50 = samples[samples.size() / 2];
  f.p99 = real::nearest_rank(samples, 0.99);
  f.count = samples.size();
  return f;
}

// Times `op` `count` times after `warm` untimed calls; false from op stops (an error).
std::optional<Figure> measure(int warm, int count, const std::function<bool()>& op)
{
  for (int i = 0; i < warm; ++i)
    if (!op())
      return std::nullopt;
  std::vector<double> samples;
  for (int i = 0; i < count; ++i) {
    const auto t = Clock::now();
    if (!op())
      return std::nullopt;
    samples.push_back(std::chrono::duration<double>(Clock::now() - t).count());
  }
  return figure(samples);
}

int loopback_listener(int& port)
{
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 1) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return -1;
  }
  port = ntohs(a.sin_port);
  return fd;
}

int connect_to(int port)
{
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool read_exactly(int fd, char* buffer, std::size_t n)
{
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = read(fd, buffer + got, n - got);
    if (r <= 0)
      return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

// A loopback TCP round trip of 200 bytes each way (an echo thread), and one stream's bandwidth.
std::optional<std::pair<Figure, double>> loopback()
{
  int port = 0;
  const int listener = loopback_listener(port);
  if (listener < 0)
    return std::nullopt;
  std::thread echo([listener] {
    const int c = accept(listener, nullptr, nullptr);
    const int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char buffer[200];
    while (read_exactly(c, buffer, sizeof buffer))
      if (buffer[0] == 'B') { // bandwidth: read the stream to its end
        std::vector<char> sink(1 << 16);
        while (read(c, sink.data(), sink.size()) > 0) {
        }
        break;
      } else if (write(c, buffer, sizeof buffer) != static_cast<ssize_t>(sizeof buffer)) {
        break;
      }
    close(c);
  });
  const int fd = connect_to(port);
  char buffer[200] = {'P'};
  auto rtt = fd < 0 ? std::nullopt : measure(200, 2000, [&] {
    return write(fd, buffer, sizeof buffer) == static_cast<ssize_t>(sizeof buffer) &&
           read_exactly(fd, buffer, sizeof buffer);
  });
  double bandwidth = 0;
  if (fd >= 0) {
    buffer[0] = 'B';
    std::vector<char> block(1 << 16, 'x');
    const std::size_t total = std::size_t{256} << 20;
    const auto t = Clock::now();
    bool ok = write(fd, buffer, sizeof buffer) == static_cast<ssize_t>(sizeof buffer);
    for (std::size_t sent = 0; ok && sent < total; sent += block.size())
      ok = write(fd, block.data(), block.size()) == static_cast<ssize_t>(block.size());
    shutdown(fd, SHUT_WR);
    echo.join();
    bandwidth = static_cast<double>(total) / std::chrono::duration<double>(Clock::now() - t).count();
    close(fd);
  } else {
    shutdown(listener, SHUT_RDWR);
    echo.join();
  }
  close(listener);
  if (!rtt)
    return std::nullopt;
  return std::pair{*rtt, bandwidth};
}

// GET /health on one kept-alive connection: the HTTP round trip of the project's API server.
std::optional<Figure> http_round_trip(int port)
{
  const int fd = connect_to(port);
  if (fd < 0)
    return std::nullopt;
  const std::string request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  std::string pending;
  auto op = [&] {
    if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size()))
      return false;
    // The answer: headers, then Content-Length bytes.
    for (;;) {
      const auto end = pending.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        const auto cl = pending.find("Content-Length: ");
        if (cl != std::string::npos && cl < end)
          length = std::strtoul(pending.c_str() + cl + 16, nullptr, 10);
        if (pending.size() >= end + 4 + length) {
          pending.erase(0, end + 4 + length);
          return true;
        }
      }
      char chunk[4096];
      const ssize_t r = read(fd, chunk, sizeof chunk);
      if (r <= 0)
        return false;
      pending.append(chunk, static_cast<std::size_t>(r));
    }
  };
  auto f = measure(100, 1000, op);
  close(fd);
  return f;
}

std::string us(double s)
{
  char text[64];
  std::snprintf(text, sizeof text, "%.1fus", s * 1e6);
  return text;
}

std::string figure_yaml(const std::string& name, const Figure& f)
{
  return "    " + name + ": {mean: " + us(f.mean) + ", p50: " + us(f.p50) + ", p99: " + us(f.p99) +
         ", count: " + std::to_string(f.count) + "}\n";
}

// The mean CPU seconds of the cpu steps of the workload's mix at the api_server (flops over its host's speed, or
// a time distribution's mean); nothing when a step's time is not known.
std::optional<double> mix_cpu_seconds(const models::TopologySpec& spec, const models::ServiceSpec& api)
{
  const auto& a = std::get<models::ApiServerSpec>(api.kind);
  double speed = 1e9;
  for (const auto& h : spec.hardware.hosts)
    if (!a.hosts.empty() && h.name == a.hosts.front())
      speed = h.speed;
  double total = 0, weights = 0;
  for (const auto& [type, weight] : spec.workload.mix) {
    const auto* request = spec.find_request(type);
    if (!request)
      return std::nullopt;
    double seconds = 0;
    for (const auto& step : request->steps)
      if (const auto* cpu = std::get_if<models::CpuStep>(&step.step))
        seconds += cpu->flops ? *cpu->flops / speed : cpu->time.mean;
    total += weight * seconds;
    weights += weight;
  }
  return weights > 0 ? std::optional<double>(total / weights) : std::nullopt;
}

// The command line of calibrate. Returns an exit status when the command ends there (help, a usage error).
std::optional<int> parse_calibrate_args(const std::vector<std::string>& args, LiveRunOptions& o, fs::path& out)
{
  for (const auto& a : args)
    if (is_help(a)) {
      std::cout << kCalibrateHelp;
      return kOk;
    }
  if (const auto error = read_live_command(args, "real calibrate", o, out); !error.empty())
    return usage_error(error, kCalibrateHelp);
  return std::nullopt;
}

// What calibrating finds: the calibration, and the figures measured as the YAML lines of its `measured` section.
struct Measurement {
  models::Calibration cal;
  std::string measured;
};

// The loopback round trip and bandwidth: the network's latency and bandwidth. Returns the round trip.
Figure measure_network(Measurement& m)
{
  const auto net = loopback();
  if (!net)
    throw std::runtime_error("the loopback round trip could not be measured");
  const Figure tcp = net->first;
  m.measured += figure_yaml("tcp_round_trip", tcp);
  char bw[64];
  std::snprintf(bw, sizeof bw, "    loopback_bandwidth: %.0fMBps\n", net->second / 1e6);
  m.measured += bw;
  m.cal.latency = tcp.mean / 2;
  m.cal.bandwidth = net->second;
  return tcp;
}

// The HTTP round trip to the entry's API server (the first api_server when the entry is a balancer): the users'
// latency.
void measure_http(const models::TopologySpec& spec, const LiveStack& stack, Measurement& m)
{
  std::string api;
  for (const auto& s : spec.services)
    if (std::holds_alternative<models::ApiServerSpec>(s.kind) && (api.empty() || s.name == spec.workload.entry))
      api = s.name;
  if (api.empty() || stack.port_of(api, 0) <= 0)
    return;
  const auto http = http_round_trip(stack.port_of(api, 0));
  if (!http)
    throw std::runtime_error("GET /health on " + api + " failed");
  m.measured += figure_yaml("http_round_trip_" + api, *http);
  // The users' request crosses the users' link and the entry host's link (half the LAN's latency).
  m.cal.users_latency = std::max(1e-9, http->mean / 2 - *m.cal.latency / 2);
}

// Each database's read and commit, each cache's round trip, each queue's publish, less the network's round trip.
void measure_backends(const models::TopologySpec& spec, const LiveStack& stack, const LiveSignals& signals,
                      const Figure& tcp, Measurement& m)
{
  const auto live_stack = real::load_stack((stack.run_dir() / "stack.json").string());
  const auto backends = real::make_live_backends(spec, live_stack, real::LiveOptions{});
  std::uint64_t key = 0, version = 0;
  bool hit = false;
  std::string failure;
  auto step = [&](const std::string& what, const std::function<real::Outcome()>& op) {
    auto f = measure(30, 400, [&] {
      ++key;
      const auto outcome = op();
      if (!outcome.ok())
        failure = what + ": " + outcome.cause;
      return outcome.ok();
    });
    if (!f)
      throw std::runtime_error(failure);
    m.measured += figure_yaml(what, *f);
    return std::max(0.0, f->mean - tcp.mean); // the simulated call adds the network's round trip
  };
  for (const auto& s : spec.services) {
    if (signals.interrupted())
      throw std::runtime_error("interrupted");
    const std::string& name = s.name;
    models::ServiceCalibration c;
    if (std::holds_alternative<models::DatabaseSpec>(s.kind)) {
      c.read = step(name + "_read", [&] { return backends->db_read(name, 0, key % 1000, version); });
      c.write = step(name + "_commit", [&] { return backends->db_write(name, 0, key % 1000, version); });
    } else if (std::holds_alternative<models::CacheSpec>(s.kind)) {
      c.operation = step(name + "_round_trip", [&] {
        return key % 2 ? backends->cache_get(name, key % 1000, hit, version)
                       : backends->cache_set(name, key % 1000, key);
      });
    } else if (std::holds_alternative<models::QueueSpec>(s.kind)) {
      c.publish = step(name + "_publish", [&] { return backends->publish(name, "calibration", key); });
    } else {
      continue;
    }
    m.cal.services[name] = c;
  }
}

// A replicated database's apply at a replica: a write committed on the primary, then read on each replica of its
// first primary until seen. The model's lag is the network's latency (one way) plus the apply; the client learns of
// a commit half a round trip (that latency) after it, so the apply is the time from that acknowledgement to the
// write's visibility on the replica (docs/calibration.md).
void measure_replication(const models::TopologySpec& spec, const LiveStack& stack, const LiveSignals& signals,
                         Measurement& m)
{
  const auto live_stack = real::load_stack((stack.run_dir() / "stack.json").string());
  for (const auto& s : spec.services) {
    const auto* db = std::get_if<models::DatabaseSpec>(&s.kind);
    const auto* live = live_stack.find(s.name);
    if (!db || db->replication.replicas.empty() || !live || signals.interrupted())
      continue;
    const auto primary = std::find_if(live->instances.begin(), live->instances.end(),
                                      [](const real::Endpoint& e) { return e.role == "primary"; });
    if (primary == live->instances.end())
      continue;
    double apply = 0;
    int replicas = 0;
    for (const auto& replica : live->instances) {
      if (replica.role != "replica" || replica.primary != primary->name)
        continue;
      real::VisibilityProbe probe(*primary, replica);
      std::vector<double> seen;
      for (int i = 0; i < 430; ++i) {
        const auto time = probe.once();
        if (!time)
          throw std::runtime_error(s.name + ": " + probe.error());
        if (i == 29)
          probe.clear_timing(); // 30 untimed writes
        else if (i > 29)
          seen.push_back(*time);
      }
      const Figure f = figure(seen);
      m.measured += figure_yaml(replica.name + "_write_seen", f);
      m.measured += "    " + replica.name + "_polling: {read: " + us(probe.read_seconds()) +
                    ", period: " + us(probe.period_seconds()) + "}\n";
      apply += std::max(0.0, probe.visible_after(f.mean));
      ++replicas;
    }
    if (replicas > 0)
      m.cal.services[s.name].apply = apply / replicas;
  }
}

// CPU per request of the entry api_server beyond its steps': the workload at a low rate, its CPU over the run.
void measure_request_cpu(const models::TopologySpec& spec, const LiveStack& stack, const LiveSignals& signals,
                         const LiveRunOptions& o, Measurement& m)
{
  const auto* entry = spec.find_service(spec.workload.entry);
  if (!entry || !std::holds_alternative<models::ApiServerSpec>(entry->kind) || signals.interrupted())
    return;
  const auto nominal = mix_cpu_seconds(spec, *entry);
  const auto* open = std::get_if<models::OpenArrival>(&spec.workload.arrival);
  if (!nominal || (open && !(open->rate > 0)))
    return;
  LiveRunOptions low = o;
  low.quiet = true;
  low.duration = 4;
  low.warmup = 0;
  if (open)
    low.rate = std::min(open->rate, std::max(5.0, 0.1 / std::max(*nominal, 1e-4))); // ~10 % of one core
  else
    low.users = 1; // a closed workload: one user, who never queues behind another
  const auto j = run_loadgen(stack, spec, low, stack.run_dir() / "calibration-load.json");
  if (!j)
    throw std::runtime_error("the low-load run failed (logs in " + (stack.run_dir() / "logs").string() + ")");
  const double sent = (*j)["total"].value("sent", 0.0);
  const std::string instance = spec.workload.entry + "-1";
  const double cpu =
      (*j)["real"]["processes"].contains(instance) ? (*j)["real"]["processes"][instance].value("cpu_seconds", 0.0) : 0;
  if (sent > 0 && cpu > 0) {
    char text[256];
    std::snprintf(text, sizeof text, "    %s_cpu_per_request: {measured: %s, steps: %s, requests: %.0f, rate: %.1f}\n",
                  spec.workload.entry.c_str(), us(cpu / sent).c_str(), us(*nominal).c_str(), sent,
                  sent / *low.duration);
    m.measured += text;
    m.cal.services[spec.workload.entry].request_cpu = std::max(0.0, cpu / sent - *nominal);
  }
}

// Every measurement on the live stack, in order; what failed, or nothing.
std::string measure_all(const models::TopologySpec& spec, const LiveStack& stack, const LiveSignals& signals,
                        const LiveRunOptions& o, Measurement& m)
{
  try {
    const Figure tcp = measure_network(m);
    measure_http(spec, stack, m);
    measure_backends(spec, stack, signals, tcp, m);
    measure_replication(spec, stack, signals, m);
    measure_request_cpu(spec, stack, signals, o, m);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

} // namespace

int cmd_real_calibrate(const std::vector<std::string>& args)
{
  LiveRunOptions o;
  fs::path out = "calibration.yaml";
  if (auto status = parse_calibrate_args(args, o, out))
    return *status;
  const auto loaded = models::load_topology_file(o.topology);
  print_diagnostics(loaded.errors, loaded.warnings);
  if (!loaded.spec)
    return kBadInput;
  const auto& spec = *loaded.spec;

  LiveSignals signals;
  LiveStack stack;
  if (const int status = stack.up(o); status != kOk)
    return status;
  if (o.realtime > 0) {
    stack.set_realtime(o.realtime);
    if (!real::set_realtime(o.realtime))
      std::cerr << "scalelab: warning: cannot run SCHED_FIFO (not permitted)\n";
  }
  Measurement m;
  const std::string failure = measure_all(spec, stack, signals, o, m);
  stack.down();
  if (signals.interrupted()) {
    std::cerr << "scalelab: interrupted; the stack was stopped\n";
    return kInterrupted;
  }
  if (!failure.empty()) {
    std::cerr << "scalelab: calibration failed: " << failure << "\n";
    return kRunError;
  }
  write_file_atomically(out, models::calibration_yaml(m.cal, fs::absolute(o.topology).string(), m.measured));
  if (!o.quiet) {
    std::cout << "measured (mean without the slowest 1 %, p50, p99):\n" << m.measured;
    std::cout << "wrote " << out.string() << '\n';
  }
  return kOk;
}

} // namespace scalelab::app
