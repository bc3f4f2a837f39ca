// scalelab-loadgen: sends a topology's workload to a live server and writes results.json in the schema of a
// simulation (docs/real-mode-programs.md).
//   scalelab-loadgen --topology FILE --port P [--duration S] [--warmup S] [--rate R | --users N]
//                    [--out results.json] [--watch NAME=PID]... [--max-connections N] [--drain S]
// Open loop (an arrival rate): the requests are those the simulator's users draw (models/arrivals.hpp, the
// topology's seed), each sent at its intended time whatever the server does, and its latency measured from that
// time (no coordinated omission). The send lag (actual send - intended) is recorded; its p99 above 1 ms flags the
// run. Closed loop (users and a think time): each user thinks, sends one request, waits for its answer (or its
// failure), and thinks again; a latency is measured from the send, and the send lag is a think timer's lateness.
#include "scalelab/models/arrivals.hpp"
#include "scalelab/models/histogram.hpp"
#include "scalelab/models/loader.hpp"
#include "scalelab/models/results.hpp"
#include "scalelab/real/process_stats.hpp"
#include "scalelab/real/program_args.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sys/prctl.h>
#include <unistd.h>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
namespace models = scalelab::models;

namespace
{

struct Outcomes {
  models::Histogram latency; // successful requests, nanoseconds from the intended send time
  std::uint64_t sent = 0, completed = 0;
  std::map<std::string, std::uint64_t> errors;
};

struct Generator;

class Connection : public std::enable_shared_from_this<Connection>
{
public:
  Connection(asio::io_context& ioc, Generator& g) : stream_(ioc), gen_(g) {}
  void send(const models::ScheduledRequest& r, Clock::time_point intended);

private:
  void write();
  void done(const std::string& cause);
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response<http::string_body> response_;
  Generator& gen_;
  models::ScheduledRequest current_;
  Clock::time_point intended_;
  bool connected_ = false;
};

struct Generator {
  asio::io_context ioc{1};
  tcp::endpoint target;
  const models::TopologySpec* spec = nullptr;
  models::SimTime warmup = 0, duration = 0;
  Clock::time_point start;
  std::vector<std::shared_ptr<Connection>> idle;
  std::size_t open_connections = 0, max_connections = 4096, most_open = 0;
  std::uint64_t in_flight = 0;
  std::vector<Outcomes> by_type;
  Outcomes all;
  models::Histogram send_lag;
  std::uint64_t not_sent = 0; // beyond max_connections: counted as errors (client_limit)
  // Closed loop: told of each request's end (answered or failed), after it is counted.
  std::function<void(const models::ScheduledRequest&)> on_end;

  bool measured(const models::ScheduledRequest& r) const { return r.at >= warmup && r.at < duration; }

  void finish(const models::ScheduledRequest& r, Clock::time_point intended, const std::string& cause)
  {
    --in_flight;
    if (measured(r)) {
      const auto latency = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - intended).count();
      for (Outcomes* o : {&all, &by_type[r.type]}) {
        if (cause.empty()) {
          ++o->completed;
          o->latency.record(latency);
        } else {
          ++o->errors[cause];
        }
      }
    }
    if (on_end)
      on_end(r);
  }

  // late: how late the send is (open loop: from its intended time; closed: from the end of the user's think time).
  void dispatch(const models::ScheduledRequest& r, Clock::time_point intended, Clock::duration late)
  {
    if (measured(r)) {
      ++all.sent;
      ++by_type[r.type].sent;
      send_lag.record(std::chrono::duration_cast<std::chrono::nanoseconds>(late).count());
    }
    std::shared_ptr<Connection> c;
    if (!idle.empty()) {
      c = std::move(idle.back());
      idle.pop_back();
    } else if (open_connections < max_connections) {
      c = std::make_shared<Connection>(ioc, *this);
      most_open = std::max(most_open, ++open_connections);
    } else {
      ++in_flight;
      finish(r, intended, "client_limit");
      return;
    }
    ++in_flight;
    c->send(r, intended);
  }
};

void Connection::send(const models::ScheduledRequest& r, Clock::time_point intended)
{
  current_ = r;
  intended_ = intended;
  request_ = {};
  request_.method(http::verb::get);
  request_.version(11);
  request_.target("/r/" + gen_.spec->requests[r.type].name + "?key=" + std::to_string(r.key) +
                  "&user=" + std::to_string(r.user));
  request_.set(http::field::host, "127.0.0.1");
  request_.keep_alive(true);
  if (connected_)
    return write();
  stream_.async_connect(gen_.target, [self = shared_from_this()](beast::error_code ec) {
    if (ec)
      return self->done("connection_refused");
    self->connected_ = true;
    self->stream_.socket().set_option(tcp::no_delay(true));
    self->write();
  });
}

void Connection::write()
{
  http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec)
      return self->done("connection_error");
    self->response_ = {};
    http::async_read(self->stream_, self->buffer_, self->response_, [self](beast::error_code ec2, std::size_t) {
      if (ec2)
        return self->done("connection_error");
      if (self->response_.result() == http::status::ok)
        return self->done("");
      const auto cause = self->response_["X-Scalelab-Cause"];
      self->done(cause.empty() ? "http_" + std::to_string(self->response_.result_int()) : std::string(cause));
    });
  });
}

void Connection::done(const std::string& cause)
{
  gen_.finish(current_, intended_, cause);
  const bool reusable = connected_ && (cause.empty() || cause.rfind("connection", 0) != 0) && response_.keep_alive();
  if (reusable) {
    gen_.idle.push_back(shared_from_this());
  } else {
    beast::error_code ec;
    stream_.socket().close(ec);
    --gen_.open_connections;
  }
}

models::RequestTypeResult type_result(const std::string& name, const Outcomes& o, double seconds)
{
  models::RequestTypeResult r;
  r.name = name;
  r.sent = o.sent;
  r.completed = o.completed;
  r.errors = o.errors;
  r.throughput = seconds > 0 ? static_cast<double>(o.completed) / seconds : 0;
  r.latency = models::summarize(o.latency);
  return r;
}

int usage(const std::string& why)
{
  std::cerr << "scalelab-loadgen: " << why
            << "\nusage: scalelab-loadgen --topology FILE --port P [--duration S] [--warmup S] [--rate R | --users N]"
               " [--out results.json] [--watch NAME=PID]... [--max-connections N] [--drain S] [--nice N] [--realtime "
               "PRIORITY]\n";
  return 2;
}

struct Options {
  std::string topology, out = "results.json";
  int port = -1;
  double duration = -1, warmup = -1, rate = -1, drain = 5;
  long users = -1;
  std::size_t max_connections = 4096;
  std::vector<std::pair<std::string, int>> watched;
};

// The options from the command line: empty, or why they are wrong.
std::string parse_options(int argc, char** argv, Options& o)
{
  const auto args = scalelab::real::read_program_args("scalelab-loadgen", argc, argv);
  if (!args.error.empty())
    return args.error;
  for (const auto& [a, v] : args.options) {
    if (a == "--topology")
      o.topology = v;
    else if (a == "--port")
      o.port = std::atoi(v.c_str());
    else if (a == "--duration")
      o.duration = std::atof(v.c_str());
    else if (a == "--warmup")
      o.warmup = std::atof(v.c_str());
    else if (a == "--rate")
      o.rate = std::atof(v.c_str());
    else if (a == "--users")
      o.users = std::atol(v.c_str());
    else if (a == "--out")
      o.out = v;
    else if (a == "--drain")
      o.drain = std::atof(v.c_str());
    else if (a == "--max-connections")
      o.max_connections = static_cast<std::size_t>(std::atol(v.c_str()));
    else if (a == "--watch" && v.find('=') != std::string::npos)
      o.watched.emplace_back(v.substr(0, v.find('=')), std::atoi(v.substr(v.find('=') + 1).c_str()));
    else
      return "unknown option " + a;
  }
  if (o.topology.empty() || o.port <= 0)
    return "--topology and --port are required";
  return {};
}

// The topology with the command line's duration, warmup and rate, or nothing after saying why on stderr.
std::optional<models::TopologySpec> load_spec(const Options& o)
{
  auto loaded = scalelab::real::load_topology_or_report(o.topology);
  if (!loaded)
    return std::nullopt;
  auto spec = std::move(*loaded);
  if (const auto why = models::unsendable(spec)) {
    std::cerr << "scalelab-loadgen: " << spec.file << ": " << *why << "\n";
    return std::nullopt;
  }
  auto* open = std::get_if<models::OpenArrival>(&spec.workload.arrival);
  auto* closed = std::get_if<models::ClosedArrival>(&spec.workload.arrival);
  if ((o.rate > 0 && !open) || (o.users > 0 && !closed)) {
    std::cerr << "scalelab-loadgen: " << spec.file << ": --rate is for an open workload, --users for a closed one\n";
    return std::nullopt;
  }
  if (o.duration > 0)
    spec.duration = models::from_seconds(o.duration);
  if (o.warmup >= 0)
    spec.warmup = models::from_seconds(o.warmup);
  if (o.rate > 0)
    open->rate = o.rate;
  if (o.users > 0)
    closed->users = o.users;
  return spec;
}

// Sends the schedule, each request at its intended time, then waits at most `drain` seconds for the answers still
// due (those left are counted in flight). The wall seconds from the first intended send.
double run_schedule(Generator& g, const models::TopologySpec& spec, double drain)
{
  models::OpenSchedule schedule(spec);
  models::ScheduledRequest next = schedule.next();
  asio::steady_timer timer(g.ioc);
  g.start = Clock::now() + std::chrono::milliseconds(50);
  std::function<void()> tick = [&] {
    const auto now = Clock::now();
    while (next.at < spec.duration && g.start + std::chrono::nanoseconds(next.at) <= now) {
      const auto intended = g.start + std::chrono::nanoseconds(next.at);
      g.dispatch(next, intended, Clock::now() - intended);
      next = schedule.next();
    }
    if (next.at >= spec.duration)
      return;
    timer.expires_at(g.start + std::chrono::nanoseconds(next.at));
    timer.async_wait([&](beast::error_code ec) {
      if (!ec)
        tick();
    });
  };
  timer.expires_at(g.start);
  timer.async_wait([&](beast::error_code) { tick(); });
  g.ioc.run_until(g.start + std::chrono::nanoseconds(spec.duration));
  const auto drain_end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(drain));
  while (g.in_flight > 0 && Clock::now() < drain_end)
    g.ioc.run_one_until(drain_end);
  return std::chrono::duration<double>(Clock::now() - g.start).count();
}

// Closed loop: every user thinks, sends, waits for the end of its request, and thinks again, until the run's
// duration; then waits at most `drain` seconds for the answers still due. The wall seconds from the start.
double run_users(Generator& g, const models::TopologySpec& spec, double drain)
{
  models::ClosedSchedule schedule(spec);
  const auto users = static_cast<std::size_t>(schedule.users());
  std::vector<asio::steady_timer> timers;
  timers.reserve(users);
  for (std::size_t u = 0; u < users; ++u)
    timers.emplace_back(g.ioc);
  g.start = Clock::now() + std::chrono::milliseconds(50);
  const auto end = g.start + std::chrono::nanoseconds(spec.duration);
  // User u (1-based) thinks from `from`, then sends if the run has not ended.
  std::function<void(std::uint32_t, Clock::time_point)> think = [&](std::uint32_t u, Clock::time_point from) {
    const auto due = from + std::chrono::nanoseconds(schedule.think());
    if (due >= end)
      return;
    auto& timer = timers[u - 1];
    timer.expires_at(due);
    timer.async_wait([&g, &schedule, u, due](beast::error_code ec) {
      if (ec)
        return;
      const auto now = Clock::now();
      const auto at = std::chrono::duration_cast<std::chrono::nanoseconds>(now - g.start).count();
      g.dispatch(schedule.request(u, at), now, now - due);
    });
  };
  g.on_end = [&](const models::ScheduledRequest& r) { think(r.user, Clock::now()); };
  for (std::uint32_t u = 1; u <= users; ++u)
    think(u, g.start);
  g.ioc.run_until(end);
  // No user sends after the end: a think timer due just before it has not fired yet.
  g.on_end = nullptr;
  for (auto& timer : timers)
    timer.cancel();
  const auto drain_end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(drain));
  while (g.in_flight > 0 && Clock::now() < drain_end)
    g.ioc.run_one_until(drain_end);
  return std::chrono::duration<double>(Clock::now() - g.start).count();
}

// The CPU seconds the watched processes and this one use during the run.
struct CpuWatch {
  std::map<std::string, double> before;
  double self_before = 0;

  explicit CpuWatch(const std::vector<std::pair<std::string, int>>& watched)
  {
    for (const auto& [name, pid] : watched)
      before[name] = scalelab::real::process_cpu_seconds(pid).value_or(0);
    self_before = scalelab::real::process_cpu_seconds(getpid()).value_or(0);
  }

  nlohmann::ordered_json processes(const std::vector<std::pair<std::string, int>>& watched, double wall)
  {
    nlohmann::ordered_json processes;
    for (const auto& [name, pid] : watched) {
      const double cpu = scalelab::real::process_cpu_seconds(pid).value_or(before[name]) - before[name];
      processes[name] = {{"pid", pid}, {"cpu_seconds", cpu}, {"cpu_cores", cpu / wall}};
    }
    const double self_cpu = scalelab::real::process_cpu_seconds(getpid()).value_or(self_before) - self_before;
    processes["loadgen"] = {{"pid", getpid()}, {"cpu_seconds", self_cpu}, {"cpu_cores", self_cpu / wall}};
    return processes;
  }
};

// The results of a simulation's schema, from what the generator counted.
models::Results run_results(const models::TopologySpec& spec, const Generator& g)
{
  models::Results results;
  results.scenario = spec.name;
  results.seed = spec.seed;
  results.duration = models::to_seconds(spec.duration);
  results.warmup = models::to_seconds(spec.warmup);
  results.configuration = models::to_json(spec);
  const double seconds = results.duration - results.warmup;
  results.total = type_result("all", g.all, seconds);
  for (std::size_t t = 0; t < spec.requests.size(); ++t)
    results.requests.push_back(type_result(spec.requests[t].name, g.by_type[t], seconds));
  std::uint64_t failed = 0;
  for (const auto& [cause, n] : g.all.errors)
    failed += n;
  results.checks.sent = g.all.sent;
  results.checks.completed = g.all.completed;
  results.checks.failed = failed;
  results.checks.in_flight = g.all.sent - g.all.completed - failed;
  results.checks.conserved = true;
  return results;
}

// results.json's `real` section: the target, the send lag, the processes' CPU, the machine.
nlohmann::ordered_json real_section(const models::TopologySpec& spec, const Generator& g, int port,
                                    const nlohmann::ordered_json& processes)
{
  nlohmann::ordered_json real;
  real["mode"] = "live";
  real["target"] = "127.0.0.1:" + std::to_string(port);
  if (const auto* open = std::get_if<models::OpenArrival>(&spec.workload.arrival)) {
    real["loop"] = "open";
    real["offered_rate"] = open->rate;
  } else {
    const auto& closed = std::get<models::ClosedArrival>(spec.workload.arrival);
    real["loop"] = "closed";
    real["users"] = closed.users;
    real["think_time_mean"] = closed.think_time.mean;
  }
  const auto lag = models::summarize(g.send_lag);
  real["send_lag"] = {{"mean", lag.mean}, {"p50", lag.p50}, {"p99", lag.p99}, {"max", lag.max}};
  real["send_lag_flagged"] = lag.p99 > 1e-3;
  real["connections_open_at_most"] = g.most_open;
  real["processes"] = processes;
  real["machine"] = scalelab::real::machine_load();
  real["versions"] = scalelab::real::versions();
  return real;
}

} // namespace

int main(int argc, char** argv)
{
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  Options options;
  if (const std::string why = parse_options(argc, argv, options); !why.empty())
    return usage(why);
  const auto loaded = load_spec(options);
  if (!loaded)
    return 1;
  const auto& spec = *loaded;

  Generator g;
  g.spec = &spec;
  g.target = tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(options.port));
  g.warmup = spec.warmup;
  g.duration = spec.duration;
  g.max_connections = options.max_connections;
  g.by_type.resize(spec.requests.size());

  CpuWatch cpu(options.watched);
  const double wall = std::holds_alternative<models::ClosedArrival>(spec.workload.arrival)
                          ? run_users(g, spec, options.drain)
                          : run_schedule(g, spec, options.drain);

  const models::Results results = run_results(spec, g);
  auto j = models::to_json(results);
  j["real"] = real_section(spec, g, options.port, cpu.processes(options.watched, wall));

  std::ofstream file(options.out);
  file << j.dump(2) << "\n";
  if (!file) {
    std::cerr << "scalelab-loadgen: cannot write " << options.out << "\n";
    return 1;
  }
  const auto lag = models::summarize(g.send_lag);
  std::cout << "scalelab-loadgen: sent " << g.all.sent << ", completed " << g.all.completed << ", failed "
            << results.checks.failed << "; throughput " << results.total.throughput << "/s, mean "
            << results.total.latency.mean * 1e3 << " ms, p99 " << results.total.latency.p99 * 1e3
            << " ms; send lag p99 " << lag.p99 * 1e3 << " ms" << (lag.p99 > 1e-3 ? " (FLAGGED: above 1 ms)" : "")
            << std::endl;
  return 0;
}
