// scalelab real run: the live stack of a topology (the supervisor, `real up`), driven by scalelab-loadgen with the
// topology's workload, results.json in a simulation's schema plus the CPU of each live process, and the stack
// always brought down again (docs/real-mode.md).
#include "real_run.hpp"
#include "real_faults.hpp"
#include "real_live.hpp"

#include "common.hpp"

#include "scalelab/models/arrivals.hpp"
#include "scalelab/models/loader.hpp"
#include "scalelab/models/results.hpp"
#include "scalelab/real/process.hpp"
#include "scalelab/real/supervisor.hpp"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sched.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace scalelab::app
{

namespace
{

volatile std::sig_atomic_t g_live_stop = 0;
void on_live_signal(int)
{
  g_live_stop = 1;
}

// /proc/PID/stat: the parent (field 4) and the CPU seconds (utime + stime, fields 14 and 15).
struct ProcStat {
  int ppid = 0;
  double cpu = 0;
  std::string comm;
};
std::optional<ProcStat> proc_stat(int pid)
{
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text))
    return std::nullopt;
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos)
    return std::nullopt;
  ProcStat s;
  s.comm = text.substr(open + 1, close - open - 1);
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 4)
      s.ppid = std::atoi(field.c_str());
    if (i == 14)
      utime = std::stod(field);
    if (i == 15)
      stime = std::stod(field);
  }
  s.cpu = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return s;
}

std::string first_line(const std::string& text)
{
  const auto eol = text.find('\n');
  return text.substr(0, eol);
}

std::string version_of(std::vector<std::string> argv)
{
  real::SpawnOptions o;
  o.argv = std::move(argv);
  const auto r = real::run_command(o, 10s);
  return r.status == 0 ? first_line(r.output) : std::string("unknown");
}

std::string postgres_program()
{
  std::error_code ec;
  std::string best;
  for (const auto& d : fs::directory_iterator("/usr/lib/postgresql", ec))
    if (fs::exists(d.path() / "bin" / "postgres") && d.path().string() > best)
      best = d.path().string();
  return best.empty() ? "postgres" : best + "/bin/postgres";
}

} // namespace

// --- LiveStack -------------------------------------------------------------------------------------------------

LiveStack::~LiveStack()
{
  down();
}

int LiveStack::up(const LiveRunOptions& options)
{
  options_ = options;
  real::UpOptions up;
  up.topology = fs::absolute(options.topology).string();
  up.run_dir = options.run_dir;
  up.self = options.self;
  up.programs_dir = options.programs_dir;
  std::ostringstream quiet_out;
  const int status = real::stack_up(up, options.quiet ? static_cast<std::ostream&>(quiet_out) : std::cout, std::cerr);
  if (status != 0)
    return status;
  started_ = true;
  std::error_code ec;
  run_dir_ = fs::weakly_canonical(fs::absolute(options.run_dir), ec);
  try {
    stack_ = nlohmann::json::parse(read_file(run_dir_ / "stack.json"));
  } catch (const std::exception& e) {
    std::cerr << "scalelab: cannot read " << (run_dir_ / "stack.json").string() << ": " << e.what() << '\n';
    return kRunError;
  }
  for (const auto& [service, s] : stack_.at("services").items())
    for (const auto& i : s.at("instances"))
      if (i.value("pid", 0) > 0)
        instances_.push_back({i.value("name", service), s.value("software", ""), i.value("pid", 0)});
  return kOk;
}

int LiveStack::down()
{
  if (!started_)
    return kOk;
  started_ = false;
  std::ostringstream quiet_out;
  return real::stack_down(run_dir_, options_.quiet ? static_cast<std::ostream&>(quiet_out) : std::cout, std::cerr);
}

int LiveStack::port_of(const std::string& service, std::size_t instance) const
{
  const auto s = stack_.at("services").find(service);
  if (s == stack_.at("services").end() || s->at("instances").size() <= instance)
    return 0;
  return s->at("instances").at(instance).value("port", 0);
}

std::map<std::string, double> LiveStack::cpu_by_instance() const
{
  // Each process is counted with the stack instance that is itself or its nearest ancestor (PostgreSQL's backends with
  // their postmaster, Erlang's VM with RabbitMQ's start script).
  std::map<int, std::string> owner;
  for (const auto& i : instances_)
    owner[i.pid] = i.name;
  std::map<std::string, double> cpu;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const int pid = std::atoi(entry.path().filename().c_str());
    if (pid <= 1)
      continue;
    const auto stat = proc_stat(pid);
    if (!stat)
      continue;
    int at = pid;
    for (int hops = 0; hops < 8 && at > 1 && !owner.count(at); ++hops) {
      const auto up = at == pid ? stat : proc_stat(at);
      at = up ? up->ppid : 0;
    }
    if (owner.count(at))
      cpu[owner[at]] += stat->cpu;
  }
  return cpu;
}

void LiveStack::set_realtime(int priority) const
{
  // SCHED_FIFO for every thread of every process of the stack (a process started later inherits it from its
  // parent: PostgreSQL's backends from the postmaster).
  sched_param param{};
  param.sched_priority = priority;
  std::set<int> owners;
  for (const auto& i : instances_)
    owners.insert(i.pid);
  bool warned = false;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const int pid = std::atoi(entry.path().filename().c_str());
    int at = pid;
    for (int hops = 0; hops < 8 && at > 1 && !owners.count(at); ++hops) {
      const auto up = proc_stat(at);
      at = up ? up->ppid : 0;
    }
    if (pid <= 1 || !owners.count(at))
      continue;
    std::error_code task_ec;
    for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", task_ec))
      if (sched_setscheduler(std::atoi(task.path().filename().c_str()), SCHED_FIFO, &param) != 0 && !warned) {
        std::cerr << "scalelab: warning: cannot run the stack SCHED_FIFO (not permitted)\n";
        warned = true;
      }
  }
}

nlohmann::ordered_json LiveStack::software_versions() const
{
  nlohmann::ordered_json v = nlohmann::ordered_json::object();
  std::set<std::string> used;
  for (const auto& i : instances_)
    used.insert(i.software);
  if (used.count("haproxy"))
    v["haproxy"] = version_of({"haproxy", "-v"});
  if (used.count("postgresql"))
    v["postgresql"] = version_of({postgres_program(), "--version"});
  if (used.count("redis"))
    v["redis"] = version_of({"redis-server", "--version"});
  if (used.count("rabbitmq"))
    v["rabbitmq"] = version_of({"dpkg-query", "-W", "-f=${Version}", "rabbitmq-server"});
  return v;
}

// --- the load generator ---------------------------------------------------------------------------------------

std::optional<nlohmann::ordered_json> run_loadgen(const LiveStack& stack, const models::TopologySpec& spec,
                                                  const LiveRunOptions& options, const fs::path& out_file,
                                                  const std::function<void(double)>& during)
{
  const int port = stack.port_of(spec.workload.entry, 0);
  if (port <= 0) {
    std::cerr << "scalelab: the entry service " << spec.workload.entry << " has no port in stack.json\n";
    return std::nullopt;
  }
  real::SpawnOptions o;
  o.argv = {(options.programs_dir / "scalelab-loadgen").string(),
            "--topology",
            fs::absolute(options.topology).string(),
            "--port",
            std::to_string(port),
            "--out",
            out_file.string()};
  auto add = [&o](const char* name, const std::optional<double>& v) {
    if (v) {
      o.argv.push_back(name);
      char text[64];
      std::snprintf(text, sizeof text, "%.9g", *v);
      o.argv.push_back(text);
    }
  };
  add("--duration", options.duration);
  add("--warmup", options.warmup);
  add("--rate", options.rate);
  add("--users", options.users);
  if (options.realtime > 0) {
    o.argv.push_back("--realtime");
    o.argv.push_back(std::to_string(options.realtime));
  }
  o.env[real::kRunMarker] = stack.run_dir().string();
  o.output = (stack.run_dir() / "logs" / "loadgen.log").string();
  o.parent_death_signal = SIGTERM;
  std::error_code ec;
  fs::remove(out_file, ec);
  const auto cpu_before = stack.cpu_by_instance();
  const auto start = std::chrono::steady_clock::now();
  real::ProcessId loadgen;
  try {
    loadgen = real::spawn(o);
  } catch (const std::exception& e) {
    std::cerr << "scalelab: " << e.what() << '\n';
    return std::nullopt;
  }
  int status = -1;
  for (;;) {
    int ws = 0;
    const pid_t r = waitpid(loadgen.pid, &ws, WNOHANG);
    if (r == loadgen.pid) {
      status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
      break;
    }
    if (r < 0 && errno != EINTR)
      break;
    if (g_live_stop) {
      real::stop_group(loadgen, 2000ms);
      return std::nullopt;
    }
    if (during)
      during(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    std::this_thread::sleep_for(during ? 10ms : 50ms);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto cpu_after = stack.cpu_by_instance();
  std::string log;
  try {
    log = read_file(stack.run_dir() / "logs" / "loadgen.log");
  } catch (const std::exception&) {
  }
  if (status != 0 || !fs::exists(out_file)) {
    std::cerr << "scalelab: scalelab-loadgen failed (status " << status << "):\n" << log;
    return std::nullopt;
  }
  if (!options.quiet)
    std::cout << log;
  auto j = nlohmann::ordered_json::parse(read_file(out_file));
  auto& processes = j["real"]["processes"];
  processes = nlohmann::ordered_json::object();
  for (const auto& i : stack.instances()) {
    const double before = cpu_before.count(i.name) ? cpu_before.at(i.name) : 0;
    const double after = cpu_after.count(i.name) ? cpu_after.at(i.name) : before;
    processes[i.name] = {{"pid", i.pid},
                         {"software", i.software},
                         {"cpu_seconds", after - before},
                         {"cpu_cores", wall > 0 ? (after - before) / wall : 0}};
  }
  j["real"]["wall_seconds"] = wall;
  j["real"]["software"] = stack.software_versions();
  return j;
}

// The summary a simulation prints, from results.json (the requests; a live run has no per-service figures).
models::Results results_from_json(const nlohmann::ordered_json& j)
{
  models::Results r;
  r.scenario = j.value("scenario", "");
  r.seed = j.value("seed", std::uint64_t{0});
  r.duration = j.value("duration", 0.0);
  r.warmup = j.value("warmup", 0.0);
  auto request = [](const nlohmann::ordered_json& q) {
    models::RequestTypeResult t;
    t.name = q.value("name", "");
    t.sent = q.value("sent", std::uint64_t{0});
    t.completed = q.value("completed", std::uint64_t{0});
    for (const auto& [cause, n] : q.at("errors").items())
      t.errors[cause] = n.get<std::uint64_t>();
    t.throughput = q.value("throughput", 0.0);
    const auto& l = q.at("latency");
    t.latency.count = l.value("count", std::uint64_t{0});
    t.latency.mean = l.value("mean", 0.0);
    t.latency.p50 = l.value("p50", 0.0);
    t.latency.p90 = l.value("p90", 0.0);
    t.latency.p95 = l.value("p95", 0.0);
    t.latency.p99 = l.value("p99", 0.0);
    t.latency.p999 = l.value("p999", 0.0);
    t.latency.max = l.value("max", 0.0);
    return t;
  };
  r.total = request(j.at("total"));
  const auto& checks = j.at("checks").at("conservation");
  r.checks.sent = checks.value("sent", std::uint64_t{0});
  r.checks.completed = checks.value("completed", std::uint64_t{0});
  r.checks.failed = checks.value("failed", std::uint64_t{0});
  r.checks.in_flight = checks.value("in_flight", std::uint64_t{0});
  r.checks.conserved = checks.value("holds", false);
  for (const auto& q : j.at("requests"))
    r.requests.push_back(request(q));
  return r;
}

std::string live_table(const nlohmann::ordered_json& j)
{
  std::ostringstream out;
  std::string table = models::summary_table(results_from_json(j));
  if (const auto at = table.find(" simulated "); at != std::string::npos)
    table.replace(at, 11, " live ");
  out << table;
  char line[256];
  std::snprintf(line, sizeof line, "\n%-18s %-14s %8s %12s %10s\n", "process", "software", "pid", "cpu seconds",
                "cores");
  out << line;
  for (const auto& [name, p] : j["real"]["processes"].items()) {
    std::snprintf(line, sizeof line, "%-18s %-14s %8d %12.3f %10.3f\n", name.c_str(), p.value("software", "").c_str(),
                  p.value("pid", 0), p.value("cpu_seconds", 0.0), p.value("cpu_cores", 0.0));
    out << line;
  }
  const auto& lag = j["real"]["send_lag"];
  std::snprintf(line, sizeof line, "\nsend lag p99 %.3f ms%s; load average %.2f\n", lag.value("p99", 0.0) * 1e3,
                j["real"].value("send_lag_flagged", false) ? " (FLAGGED: above 1 ms, the latencies include it)" : "",
                j["real"]["machine"].value("loadavg_1m", 0.0));
  out << line;
  return out.str();
}

// --- the commands ---------------------------------------------------------------------------------------------

LiveSignals::LiveSignals()
{
  g_live_stop = 0;
  struct sigaction action {
  };
  action.sa_handler = on_live_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &old_int_);
  sigaction(SIGTERM, &action, &old_term_);
}

LiveSignals::~LiveSignals()
{
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

bool LiveSignals::interrupted() const
{
  return g_live_stop != 0;
}

namespace
{

const char* const kRunHelp = R"(usage: scalelab real run FILE [options]

Starts the live stack of FILE (as scalelab real up), sends it the topology's workload with scalelab-loadgen
(open loop, each request's latency from its intended send time; closed loop: users who think, send and
wait), writes DIR/results.json in the schema of a
simulation's, with the CPU of every live process and the versions used, prints the table of a simulation run,
and stops the stack (also on an error or Ctrl-C).

options:
  --run-dir RUN   the stack's run directory (default: scalelab-real in the current directory)
  --duration S    seconds of load (default: the file's duration)
  --warmup S      seconds left out at the start (default: the file's warm-up)
  --rate R        requests per second of an open workload (default: the file's)
  --users N       users of a closed workload (default: the file's)
  --out DIR       where to write results.json (default: the current directory)
  --programs DIR  where scalelab-api, scalelab-worker and scalelab-loadgen are (default: beside scalelab)
  --realtime P    run the load generator and every process of the stack SCHED_FIFO at priority P (a machine
                  shared with other work; needs the permission)
  --quiet         print nothing but errors
)";

} // namespace

// Parses the options real run and real calibrate share; returns an error message, empty when fine.
std::string parse_live_options(const std::vector<std::string>& args, LiveRunOptions& o, fs::path& out,
                               std::vector<std::string>& positional)
{
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    auto number = [&](std::optional<double>& into) -> std::string {
      if (!has_value)
        return a + " needs a value";
      char* end = nullptr;
      const std::string& v = args[++i];
      const double d = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(d >= 0))
        return a + " needs a non-negative number of seconds or requests per second, got " + v;
      into = d;
      return "";
    };
    std::string error;
    if (a == "--run-dir" || a == "--dir") {
      if (!has_value)
        return a + " needs a directory";
      o.run_dir = args[++i];
    } else if (a == "--out") {
      if (!has_value)
        return "--out needs a directory";
      out = args[++i];
    } else if (a == "--programs") {
      if (!has_value)
        return "--programs needs a directory";
      o.programs_dir = fs::absolute(args[++i]);
    } else if (a == "--duration")
      error = number(o.duration);
    else if (a == "--warmup")
      error = number(o.warmup);
    else if (a == "--rate")
      error = number(o.rate);
    else if (a == "--users")
      error = number(o.users);
    else if (a == "--realtime") {
      if (!has_value)
        return "--realtime needs a priority";
      o.realtime = std::atoi(args[++i].c_str());
    } else if (a == "--quiet")
      o.quiet = true;
    else if (!a.empty() && a[0] == '-')
      return "unknown option " + a;
    else
      positional.push_back(a);
    if (!error.empty())
      return error;
  }
  if (o.duration && *o.duration <= 0)
    return "--duration must be positive";
  return "";
}

std::string read_live_command(const std::vector<std::string>& args, const std::string& command, LiveRunOptions& o,
                              fs::path& out)
{
  o.self = self_executable();
  o.programs_dir = o.self.parent_path();
  o.run_dir = fs::current_path() / "scalelab-real";
  std::vector<std::string> positional;
  if (auto error = parse_live_options(args, o, out, positional); !error.empty())
    return error;
  if (positional.size() != 1)
    return command + " takes one FILE";
  o.topology = positional[0];
  return {};
}

std::optional<models::TopologySpec> load_for_live(const LiveRunOptions& o)
{
  const auto loaded = models::load_topology_file(o.topology);
  print_diagnostics(loaded.errors, loaded.warnings);
  if (!loaded.spec)
    return std::nullopt;
  if (const auto why = models::unsendable(*loaded.spec)) {
    std::cerr << "scalelab: " << o.topology << ": the live load generator cannot send this workload: " << *why << '\n';
    return std::nullopt;
  }
  const bool closed = std::holds_alternative<models::ClosedArrival>(loaded.spec->workload.arrival);
  if ((o.rate && closed) || (o.users && !closed)) {
    std::cerr << "scalelab: " << o.topology << ": its workload is " << (closed ? "closed" : "open")
              << ": --rate is for an open workload, --users for a closed one\n";
    return std::nullopt;
  }
  if (o.users && (*o.users < 1 || *o.users != std::floor(*o.users))) {
    std::cerr << "scalelab: --users needs a whole number of users, at least 1\n";
    return std::nullopt;
  }
  return *loaded.spec;
}

int cmd_real_run(const std::vector<std::string>& args)
{
  for (const auto& a : args)
    if (is_help(a)) {
      std::cout << kRunHelp;
      return kOk;
    }
  LiveRunOptions o;
  fs::path out = ".";
  if (const auto error = read_live_command(args, "real run", o, out); !error.empty())
    return usage_error(error, kRunHelp);
  const auto spec = load_for_live(o);
  if (!spec)
    return kBadInput;
  LiveFaults faults(*spec, o);
  for (const auto& why : faults.refused())
    std::cerr << "scalelab: " << o.topology << ": fault " << why << '\n';
  if (!faults.refused().empty())
    return kBadInput;
  if (access((o.programs_dir / "scalelab-loadgen").c_str(), X_OK) != 0) {
    std::cerr << "scalelab: scalelab-loadgen not found in " << o.programs_dir.string()
              << ": build it, or name its directory with --programs\n";
    return kBadInput;
  }
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out)) {
    std::cerr << "scalelab: cannot create output directory " << out.string() << '\n';
    return kBadInput;
  }

  LiveSignals signals;
  LiveStack stack;
  if (const int status = stack.up(o); status != kOk)
    return status;
  if (signals.interrupted()) {
    stack.down();
    std::cerr << "scalelab: interrupted; the stack was stopped\n";
    return kInterrupted;
  }
  if (o.realtime > 0)
    stack.set_realtime(o.realtime);
  auto j = run_loadgen(stack, *spec, o, stack.run_dir() / "loadgen-results.json", faults.during(stack));
  if (j)
    faults.measure(stack, *j);
  const int down = stack.down();
  if (signals.interrupted()) {
    std::cerr << "scalelab: interrupted; the stack was stopped\n";
    return kInterrupted;
  }
  if (!j)
    return kRunError;
  faults.simulate(out, *j);
  write_file_atomically(out / "results.json", j->dump(2) + "\n");
  if (!o.quiet) {
    std::cout << live_table(*j) << faults.table(*j);
    std::cout << "wrote " << (out / "results.json").string() << '\n';
  }
  return down == kOk ? kOk : kRunError;
}

} // namespace scalelab::app
